"""gradcheck's fast mode against the element-wise mode: speed, and whether both catch the same bugs.

    $ python benchmarks/bench_gradcheck.py             # prints a table; --json PATH also writes the figures
    $ python benchmarks/bench_gradcheck.py --quick

Speed: checking (64, 64) @ (64, 64) in float64 (8,192 input elements). The element-wise mode
perturbs every element (16,384 matmul calls), the fast mode compares one random projection vᵀJu
per input (4 calls). Baselines in the same interleaved run: the same two numerical schemes written
by hand in NumPy (the floor for each scheme: no engine, no checks), and PyTorch's
torch.autograd.gradcheck with and without fast_mode when installed. Medians of interleaved rounds.

Fault detection: four planted bugs (a wrong backward, a wrong second derivative, a wrong
broadcast reduction, a missing unbroadcast), each checked in both modes with many random seeds;
a mode detects a bug when it raises GradcheckError.
"""
import argparse
import json
import os
import statistics
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy  # noqa: E402

import autograd  # noqa: E402
from autograd.ops.elementwise import unbroadcast  # noqa: E402

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # PyTorch is an optional oracle
    torch = None

N = 64


# ---------------------------------------------------------------- speed


def ours(fast_mode):
    rng = numpy.random.default_rng(0)
    a = autograd.tensor(rng.standard_normal((N, N)), requires_grad=True)
    b = autograd.tensor(rng.standard_normal((N, N)), requires_grad=True)
    return lambda: autograd.gradcheck(lambda x, y: x @ y, [a, b], fast_mode=fast_mode)


def numpy_elementwise():
    """Hand-written: vᵀJ by backward formulas, then central differences element by element."""
    rng = numpy.random.default_rng(0)
    a, b, v = rng.standard_normal((N, N)), rng.standard_normal((N, N)), rng.standard_normal((N, N))

    def run():
        analytic = [v @ b.T, a.T @ v]
        for x, g in zip((a, b), analytic):
            flat = x.reshape(-1)
            numerical = numpy.empty(flat.size)
            for i in range(flat.size):
                keep = flat[i]
                flat[i] = keep + 1e-6
                plus = float((a @ b * v).sum())
                flat[i] = keep - 1e-6
                minus = float((a @ b * v).sum())
                flat[i] = keep
                numerical[i] = (plus - minus) / 2e-6
            assert numpy.allclose(numerical, g.reshape(-1), atol=1e-5, rtol=1e-3)
    return run


def numpy_fast():
    """Hand-written: vᵀJu against one directional difference per input."""
    rng = numpy.random.default_rng(0)
    a, b, v = rng.standard_normal((N, N)), rng.standard_normal((N, N)), rng.standard_normal((N, N))
    u = [rng.standard_normal((N, N)), rng.standard_normal((N, N))]

    def run():
        analytic = [v @ b.T, a.T @ v]
        for k, (x, g) in enumerate(zip((a, b), analytic)):
            keep = x.copy()
            x[...] = keep + 1e-6 * u[k]
            plus = float((a @ b * v).sum())
            x[...] = keep - 1e-6 * u[k]
            minus = float((a @ b * v).sum())
            x[...] = keep
            assert abs((plus - minus) / 2e-6 - float((g * u[k]).sum())) < 1e-5 + 1e-3 * abs(plus - minus) / 2e-6
    return run


def pytorch(fast_mode):
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(N, N, dtype=torch.float64, generator=generator, requires_grad=True)
    b = torch.randn(N, N, dtype=torch.float64, generator=generator, requires_grad=True)
    return lambda: torch.autograd.gradcheck(torch.matmul, (a, b), fast_mode=fast_mode)


def interleaved(runners, rounds):
    times = {name: [] for name in runners}
    for r in range(rounds):
        names = list(runners)
        names = names[r % len(names):] + names[:r % len(names)]  # rotate who goes first
        for name in names:
            start = time.perf_counter()
            runners[name]()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


# ---------------------------------------------------------------- planted bugs


class WrongSin(autograd.Function):
    formula = "∂y/∂x = sin(x)  (wrong on purpose: cos(x))"

    def forward(self, x):
        self.save_for_backward(x)
        return numpy.sin(x)

    def backward(self, grad):
        x, = self.saved_tensors
        return grad * self.xp.sin(x)


class FrozenCube(autograd.Function):
    formula = "∂y/∂x = 3x²  (x saved as a copy: its second derivative is lost)"

    def forward(self, x):
        self.save_for_backward(x * 1.0)
        return x ** 3

    def backward(self, grad):
        x, = self.saved_tensors
        return grad * 3 * x ** 2


class MulKeepingOneCopy(autograd.Function):
    formula = "∂y/∂a = b, ∂y/∂b = a  (b's gradient keeps one broadcast copy instead of the sum)"

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, grad):
        a, b = self.saved_tensors
        grad_b = grad * a
        while grad_b.ndim > b.ndim:
            grad_b = grad_b[0]
        return unbroadcast(grad * b, a.shape), unbroadcast(grad_b, b.shape)


class MulWithoutUnbroadcast(MulKeepingOneCopy):
    formula = "∂y/∂a = b, ∂y/∂b = a  (gradients not summed back to the input shapes)"

    def backward(self, grad):
        a, b = self.saved_tensors
        return grad * b, grad * a


def planted_bugs(seed):
    rng = numpy.random.default_rng(seed)

    def t(*shape):
        return autograd.tensor(rng.uniform(0.2, 1.5, size=shape), requires_grad=True)

    return {
        "wrong backward": (autograd.gradcheck, lambda x: WrongSin()(x), [t(8, 8)]),
        "wrong second derivative": (autograd.gradgradcheck, lambda x: FrozenCube()(x), [t(8, 8)]),
        "wrong broadcast reduction": (autograd.gradcheck, lambda a, b: MulKeepingOneCopy()(a, b), [t(4, 8), t(8)]),
        "missing unbroadcast": (autograd.gradcheck, lambda a, b: MulWithoutUnbroadcast()(a, b), [t(4, 8), t(8)]),
    }


def detection(seeds):
    counts = {}
    for seed in range(seeds):
        for name, (check, fn, inputs) in planted_bugs(seed).items():
            for mode in ("elementwise", "fast"):
                try:
                    check(fn, inputs, seed=seed, fast_mode=mode == "fast")
                    caught = 0
                except autograd.GradcheckError:
                    caught = 1
                counts.setdefault(name, {"elementwise": 0, "fast": 0})[mode] += caught
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and seeds")
    parser.add_argument("--json", help="also write the figures to this file")
    options = parser.parse_args()
    rounds, seeds = (3, 5) if options.quick else (5, 25)

    runners = {"ours element-wise": ours(False), "ours fast": ours(True),
               "NumPy element-wise": numpy_elementwise(), "NumPy fast": numpy_fast()}
    if torch is not None:
        runners["PyTorch element-wise"] = pytorch(False)
        runners["PyTorch fast"] = pytorch(True)
    medians = interleaved(runners, rounds)
    print(f"gradcheck of ({N}, {N}) @ ({N}, {N}), float64: medians of {rounds} interleaved rounds")
    for name, seconds in medians.items():
        print(f"  {name:22s} {seconds * 1e3:10.2f} ms")
    speedup = medians["ours element-wise"] / medians["ours fast"]
    print(f"  fast mode speedup: {speedup:.0f}x (element-wise / fast)")
    print(f"  ours / NumPy: element-wise {medians['ours element-wise'] / medians['NumPy element-wise']:.2f}x, "
          f"fast {medians['ours fast'] / medians['NumPy fast']:.2f}x")
    if torch is not None:
        print(f"  ours / PyTorch: element-wise {medians['ours element-wise'] / medians['PyTorch element-wise']:.2f}x,"
              f" fast {medians['ours fast'] / medians['PyTorch fast']:.2f}x")

    counts = detection(seeds)
    print(f"planted bugs detected, out of {seeds} random seeds:")
    for name, modes in counts.items():
        print(f"  {name:26s} element-wise {modes['elementwise']:3d}/{seeds}   fast {modes['fast']:3d}/{seeds}")

    if options.json:
        with open(options.json, "w") as f:
            json.dump({"shape": [N, N], "rounds": rounds, "median_seconds": medians, "fast_speedup": speedup,
                       "seeds": seeds, "detected": counts}, f, indent=2)


if __name__ == "__main__":
    main()
