"""Cost of the engine itself, as ratios measured in one interleaved run.

    $ python benchmarks/bench_engine.py            # chain + MLP, prints a table of ratios
    $ python benchmarks/bench_engine.py --quick

Workloads (see ../shared/PERFORMANCE.md for the peers' figures on this machine):
  chain: 1,000 elementwise ops `y = tanh(y) * 1.001 + 0.01` (333 rounds of 3 ops) on a 16-element
         float64 vector, forward then backward; reported per op.
  mlp:   one SGD step of a 784-1000-1000-10 ReLU MLP, batch 100, float32, cross-entropy.
Baselines: the same computation differentiated by hand in NumPy, and PyTorch (CPU, 2 threads)
when installed. Medians of interleaved repetitions; compare the ratios, not the absolute times.
"""
import argparse
import os
import statistics
import time

# PyTorch's OpenMP threads otherwise keep spinning after each step and slow down whichever runner
# comes next; set before torch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy  # noqa: E402

import autograd  # noqa: E402

try:
    import torch

    torch.set_num_threads(2)
except ImportError:  # PyTorch is an optional oracle
    torch = None

ROUNDS = 333  # x 3 ops = 999 ops


# ---------------------------------------------------------------- chain


def chain_autograd(x0):
    x = autograd.tensor(x0, requires_grad=True)
    y = x
    for _ in range(ROUNDS):
        y = autograd.tanh(y) * 1.001 + 0.01
    y.backward(autograd.ones_like(y))
    return x.grad


def chain_numpy(x0):
    y = x0
    saved = []
    for _ in range(ROUNDS):
        t = numpy.tanh(y)
        saved.append(t)
        y = t * 1.001 + 0.01
    grad = numpy.ones_like(y)
    for t in reversed(saved):
        grad = grad * 1.001 * (1 - t * t)
    return grad


def chain_torch(x0):
    x = torch.tensor(x0, requires_grad=True)
    y = x
    for _ in range(ROUNDS):
        y = torch.tanh(y) * 1.001 + 0.01
    y.backward(torch.ones_like(y))
    return x.grad


# ---------------------------------------------------------------- MLP step


def mlp_setup(seed=0):
    rng = numpy.random.default_rng(seed)
    sizes = [784, 1000, 1000, 10]
    weights = [(rng.standard_normal((i, o)) * numpy.sqrt(2 / i)).astype(numpy.float32) for i, o in zip(sizes, sizes[1:])]
    biases = [numpy.zeros(o, numpy.float32) for o in sizes[1:]]
    x = rng.standard_normal((100, 784)).astype(numpy.float32)
    t = rng.integers(0, 10, 100)
    return weights, biases, x, t


def mlp_numpy(weights, biases, x, t, lr=0.01):
    activations = [x]
    h = x
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = h @ w + b
        if i < len(weights) - 1:
            h = numpy.maximum(h, 0)
        activations.append(h)
    shifted = h - h.max(axis=1, keepdims=True)
    probs = numpy.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    grad = probs
    grad[numpy.arange(len(t)), t] -= 1
    grad /= len(t)
    for i in reversed(range(len(weights))):
        a = activations[i]
        gw, gb = a.T @ grad, grad.sum(axis=0)
        if i > 0:
            grad = (grad @ weights[i].T) * (activations[i] > 0)
        weights[i] -= lr * gw
        biases[i] -= lr * gb


def mlp_autograd(params, x, t, lr=0.01):
    h = x
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i < len(params) - 2:
            h = autograd.relu(h)
    loss = autograd.cross_entropy(h, t)
    for p in params:
        p.grad = None
    loss.backward()
    with autograd.no_grad():
        for p in params:
            p.data -= lr * p.grad.data


def mlp_torch(params, x, t, lr=0.01):
    h = x
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i < len(params) - 2:
            h = torch.relu(h)
    loss = torch.nn.functional.cross_entropy(h, t)
    for p in params:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad


# ---------------------------------------------------------------- timing


def interleaved(runs, repeats):
    """Median seconds per call of each runner; the runners take turns, in a rotating order."""
    names = list(runs)
    times = {name: [] for name in names}
    for name in names:  # warm-up: first calls allocate and fill caches
        runs[name]()
    for repetition in range(repeats):
        shift = repetition % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            runs[name]()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def report(title, medians, unit_scale, unit, baseline="numpy (by hand)"):
    print(f"\n{title}")
    print(f"  {'implementation':<20}{unit:>12}{'vs numpy':>10}" + (f"{'vs torch':>10}" if "torch" in medians else ""))
    for name, seconds in medians.items():
        row = f"  {name:<20}{seconds * unit_scale:>12.2f}{seconds / medians[baseline]:>10.2f}"
        if "torch" in medians:
            row += f"{seconds / medians['torch']:>10.2f}"
        print(row)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--only", choices=["chain", "mlp"])
    args = parser.parse_args()
    repeats = 5 if args.quick else 21

    if args.only in (None, "chain"):
        x0 = numpy.random.default_rng(0).standard_normal(16)
        numpy.testing.assert_allclose(chain_autograd(x0).numpy(), chain_numpy(x0), rtol=1e-10)
        runs = {"numpy (by hand)": lambda: chain_numpy(x0), "autograd": lambda: chain_autograd(x0)}
        if torch is not None:
            runs["torch"] = lambda: chain_torch(x0)
        medians = interleaved(runs, repeats)
        report("chain of 999 elementwise ops, forward + backward (16 float64 elements)", medians,
               1e6 / (3 * ROUNDS), "us/op")

    if args.only in (None, "mlp"):
        weights, biases, x, t = mlp_setup()
        params = []
        for w, b in zip(weights, biases):
            params += [autograd.tensor(w.copy(), requires_grad=True), autograd.tensor(b.copy(), requires_grad=True)]
        runs = {"numpy (by hand)": lambda: mlp_numpy(weights, biases, x, t),
                "autograd": lambda: mlp_autograd(params, x, t)}
        if torch is not None:
            tparams = [torch.tensor(p.numpy().copy(), requires_grad=True) for p in params]
            tx, tt = torch.tensor(x), torch.tensor(t)
            runs["torch"] = lambda: mlp_torch(tparams, tx, tt)
        medians = interleaved(runs, max(5, repeats // 2))
        report("MLP 784-1000-1000-10 ReLU, batch 100, float32: one SGD step", medians, 1e3, "ms/step")


if __name__ == "__main__":
    main()
