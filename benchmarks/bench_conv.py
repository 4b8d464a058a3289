"""Convolution speed, as ratios measured in one interleaved run.

    $ python benchmarks/bench_conv.py                 # all workloads, a table of medians and ratios
    $ python benchmarks/bench_conv.py --quick
    $ pip install dezero && python benchmarks/bench_conv.py     # adds DeZero's conv2d_simple

Workloads (float32):
  conv:  conv2d forward + backward, N=32, C=16 -> 32, 28x28, k=3, padding 1, with bias.
  gemm:  the three GEMMs of that conv alone (forward, weight gradient, input gradient) on
         ready-made matrices: the floor of any im2col implementation; reported in GFLOP/s.
  lenet: one SGD step of LeNet-5 (conv5-pool-conv5-pool-120-84-10, ReLU) on a batch of 64
         synthetic 28x28 images, cross-entropy.
  pool:  max_pool2d(2) forward + backward, N=64, C=16, 28x28.
Baselines: a hand-written NumPy im2col (sliding_window_view, one GEMM, col2im as k*k strided
adds), PyTorch 2.13 CPU when installed, DeZero's conv2d_simple when installed. Each runner gets
the same number of threads (1 by default, --threads). Medians of interleaved repetitions, of
wall-clock and of process CPU time; the ratios use CPU time (steady on a shared machine, where
wall time mostly measures waiting) unless --wall.
"""
import argparse
import os
import statistics
import sys
import time

# measure this checkout's autograd, not another copy installed in the environment
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # PyTorch's idle OpenMP threads must not spin

import numpy  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402

import autograd  # noqa: E402
from autograd import nn, optim  # noqa: E402

try:
    import torch
except ImportError:  # PyTorch is an optional oracle
    torch = None
try:
    if not hasattr(numpy, "int"):  # DeZero 0.0.13 still names numpy.int, removed in NumPy 2: give it back
        numpy.int = int
    import dezero
    import dezero.functions_conv
except ImportError:
    dezero = None

N, C, O, H, K = 32, 16, 32, 28, 3


def data(seed=0):
    rng = numpy.random.default_rng(seed)
    return (rng.standard_normal((N, C, H, H)).astype(numpy.float32),
            (rng.standard_normal((O, C, K, K)) * 0.1).astype(numpy.float32),
            rng.standard_normal(O).astype(numpy.float32),
            rng.standard_normal((N, O, H, H)).astype(numpy.float32))


# ---------------------------------------------------------------- conv forward + backward


def conv_autograd(x0, w0, b0, g0):
    x = autograd.tensor(x0, requires_grad=True)
    w = autograd.tensor(w0, requires_grad=True)
    b = autograd.tensor(b0, requires_grad=True)
    autograd.conv2d(x, w, b, padding=1).backward(g0)
    return x.grad, w.grad


def conv_numpy(x, w, b, g):
    """The hand-written baseline: im2col by a window view, one GEMM, col2im by k*k strided adds."""
    n, c, h, width = x.shape
    o, _, k, _ = w.shape
    padded = numpy.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = sliding_window_view(padded, (k, k), axis=(2, 3)).transpose(0, 2, 3, 1, 4, 5).reshape(n * h * width, -1)
    w2 = w.reshape(o, -1)
    y = (cols @ w2.T + b).reshape(n, h, width, o).transpose(0, 3, 1, 2)  # forward (y unused: the step's output)
    g2 = g.transpose(0, 2, 3, 1).reshape(-1, o)
    grad_w = (g2.T @ cols).reshape(w.shape)
    grad_b = g2.sum(axis=0)
    grad_cols = (g2 @ w2).reshape(n, h, width, c, k, k)
    grad_padded = numpy.zeros_like(padded)
    for i in range(k):
        for j in range(k):
            grad_padded[:, :, i:i + h, j:j + width] += grad_cols[..., i, j].transpose(0, 3, 1, 2)
    return grad_padded[:, :, 1:-1, 1:-1], grad_w, grad_b, y


def conv_torch(x0, w0, b0, g0):
    x = torch.from_numpy(x0).requires_grad_()
    w = torch.from_numpy(w0).requires_grad_()
    b = torch.from_numpy(b0).requires_grad_()
    torch.nn.functional.conv2d(x, w, b, padding=1).backward(torch.from_numpy(g0))
    return x.grad, w.grad


def conv_dezero(x0, w0, b0, g0):
    x, w, b = dezero.Variable(x0), dezero.Variable(w0), dezero.Variable(b0)
    y = dezero.functions_conv.conv2d_simple(x, w, b, stride=1, pad=1)
    y.grad = dezero.Variable(g0)
    y.backward()
    return x.grad, w.grad


def gemm_floor(x0, w0, b0, g0):
    """Only the three GEMMs of the im2col conv, on matrices built beforehand."""
    cols, w2, g2 = GEMM_OPERANDS
    return w2 @ cols, g2 @ cols.T, w2.T @ g2


GEMM_OPERANDS = None
GEMM_FLOPS = 3 * 2 * O * C * K * K * N * H * H


# ---------------------------------------------------------------- LeNet step


def lenet(lib):
    return lib.Sequential(lib.Conv2d(1, 6, 5, padding=2), lib.ReLU(), lib.MaxPool2d(2),
                          lib.Conv2d(6, 16, 5), lib.ReLU(), lib.MaxPool2d(2), lib.Flatten(),
                          lib.Linear(400, 120), lib.ReLU(), lib.Linear(120, 84), lib.ReLU(), lib.Linear(84, 10))


def lenet_runners():
    rng = numpy.random.default_rng(1)
    images = rng.standard_normal((64, 1, 28, 28)).astype(numpy.float32)
    labels = rng.integers(0, 10, size=64)
    ours = lenet(nn)
    ours_opt = optim.SGD(ours.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()

    def step_autograd():
        ours_opt.zero_grad()
        loss = loss_fn(ours(autograd.tensor(images)), labels)
        loss.backward()
        ours_opt.step()
        return loss

    runners = {"autograd": step_autograd}
    if torch is not None:
        theirs = lenet(torch.nn)
        theirs_opt = torch.optim.SGD(theirs.parameters(), lr=0.01)
        x, y = torch.from_numpy(images), torch.from_numpy(labels)

        def step_torch():
            theirs_opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(theirs(x), y)
            loss.backward()
            theirs_opt.step()
            return loss

        runners["pytorch"] = step_torch
    return runners


# ---------------------------------------------------------------- max pool


def pool_runners():
    rng = numpy.random.default_rng(2)
    x0 = rng.standard_normal((64, 16, 28, 28)).astype(numpy.float32)
    g0 = rng.standard_normal((64, 16, 14, 14)).astype(numpy.float32)

    def pool_autograd():
        x = autograd.tensor(x0, requires_grad=True)
        autograd.max_pool2d(x, 2).backward(g0)
        return x.grad

    runners = {"autograd": pool_autograd}
    if torch is not None:
        def pool_torch():
            x = torch.from_numpy(x0).requires_grad_()
            torch.nn.functional.max_pool2d(x, 2).backward(torch.from_numpy(g0))
            return x.grad

        runners["pytorch"] = pool_torch
    return runners


# ---------------------------------------------------------------- timing


def interleaved(runners, repeats, args=()):
    """Median wall and CPU milliseconds of each runner, the runners taking turns."""
    wall = {name: [] for name in runners}
    cpu = {name: [] for name in runners}
    for fn in runners.values():  # warm-up
        fn(*args)
    for _ in range(repeats):
        for name, fn in runners.items():
            w0, c0 = time.perf_counter(), time.process_time()
            fn(*args)
            wall[name].append(time.perf_counter() - w0)
            cpu[name].append(time.process_time() - c0)
    return {name: (1e3 * statistics.median(wall[name]), 1e3 * statistics.median(cpu[name])) for name in runners}


def report(title, results, baselines, use_wall):
    """Medians, and ratios to each baseline of CPU time (or wall time with --wall)."""
    column = 0 if use_wall else 1
    print(f"\n{title} (ratios of {'wall' if use_wall else 'CPU'} time)")
    print(f"  {'runner':<22}{'wall ms':>10}{'cpu ms':>10}" + "".join(f"{'÷ ' + b:>24}" for b in baselines))
    for name, times in results.items():
        ratios = "".join(f"{times[column] / results[b][column]:>24.2f}" if b in results else f"{'-':>24}"
                         for b in baselines)
        print(f"  {name:<22}{times[0]:>10.2f}{times[1]:>10.2f}{ratios}")


def main():
    global GEMM_OPERANDS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--threads", type=int, default=1, help="threads for BLAS and PyTorch (default 1)")
    parser.add_argument("--wall", action="store_true", help="ratios of wall-clock instead of CPU time")
    args = parser.parse_args()
    repeats = 5 if args.quick else 21
    if torch is not None:
        torch.set_num_threads(args.threads)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    except ImportError:
        pass

    x, w, b, g = data()
    cols = numpy.ascontiguousarray(sliding_window_view(numpy.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), (K, K),
                                                       axis=(2, 3)).transpose(1, 4, 5, 0, 2, 3).reshape(C * K * K, -1))
    GEMM_OPERANDS = (cols, w.reshape(O, -1), numpy.ascontiguousarray(g.transpose(1, 0, 2, 3).reshape(O, -1)))

    # the runners agree before they are timed
    ours = conv_autograd(x, w, b, g)
    hand = conv_numpy(x, w, b, g)
    numpy.testing.assert_allclose(ours[0].numpy(), hand[0], rtol=1e-3, atol=1e-3)
    numpy.testing.assert_allclose(ours[1].numpy(), hand[1], rtol=1e-3, atol=1e-2)

    runners = {"autograd": conv_autograd, "numpy im2col (hand)": conv_numpy, "gemm floor": gemm_floor}
    if torch is not None:
        runners["pytorch"] = conv_torch
    if dezero is not None:
        runners["dezero conv2d_simple"] = conv_dezero
    results = interleaved(runners, repeats, (x, w, b, g))
    report(f"conv2d fwd+bwd N={N} C={C}->{O} {H}x{H} k={K} pad 1, float32, {args.threads} thread(s)", results,
           ["numpy im2col (hand)", "pytorch", "gemm floor"], args.wall)
    for name in ("autograd", "numpy im2col (hand)", "gemm floor", "pytorch"):
        if name in results:
            print(f"  {name:<22}{GEMM_FLOPS / results[name][0 if args.wall else 1] / 1e6:>8.1f} GFLOP/s "
                  f"(the conv's {GEMM_FLOPS / 1e6:.0f} MFLOP of GEMMs per call)")

    results = interleaved(lenet_runners(), repeats)
    report("LeNet-5 SGD step, batch 64, 28x28, float32", results, ["pytorch"], args.wall)

    results = interleaved(pool_runners(), repeats)
    report("max_pool2d(2) fwd+bwd, N=64 C=16 28x28, float32", results, ["pytorch"], args.wall)


if __name__ == "__main__":
    main()
