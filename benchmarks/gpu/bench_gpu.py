"""GPU benchmarks: one training step of autograd on 'cuda' against PyTorch on the same GPU.

    python benchmarks/gpu/bench_gpu.py lstm --size ptb --out gpu-results     # B20 T35 V10k H100 vs cuDNN
    python benchmarks/gpu/bench_gpu.py lstm --size large                     # B128 T35 V10k H650
    python benchmarks/gpu/bench_gpu.py mlp                                   # 784-1000-1000-10, batch 1024
    python benchmarks/gpu/bench_gpu.py conv                                  # only if autograd.nn.Conv2d exists
    python benchmarks/gpu/bench_gpu.py launches                              # kernel launches per LSTM step

The contenders run interleaved on the same batches (machine noise hits both
alike), each timed to a device synchronisation; medians and the ratio
autograd / PyTorch are printed and written as JSON to --out.

Under AUTOGRAD_EMULATE_CUDA=1 (the CPU stand-in for CuPy) the same code runs
with `--size small` so that the script itself is tested; PyTorch then runs on
the CPU and the figures say nothing about a GPU.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy

import autograd
from autograd import backend, nn, optim
from autograd.text import LSTMLanguageModel, detach_state, lm_loss

EMULATED = backend.EMULATED_CUDA

# name: (vocabulary V, embedding D, hidden H, batch B, steps T)
LSTM_SIZES = {"ptb": (10000, 100, 100, 20, 35), "large": (10000, 650, 650, 128, 35), "small": (200, 16, 16, 4, 8)}
MLP_SIZES = {"full": ((784, 1000, 1000, 10), 1024), "small": ((64, 32, 32, 10), 32)}
CONV_SIZES = {"full": (128, 28), "small": (4, 8)}  # batch, image side
LR, CLIP = 1.0, 0.25


def torch_device():
    """PyTorch and the device it runs on here ('cuda', or 'cpu' under the stand-in); None without torch."""
    try:
        import torch
    except ImportError:
        return None, None
    if EMULATED or not torch.cuda.is_available():
        torch.set_num_threads(1)  # a check of the script, beside the stand-in: keep it from crowding the CPU
        return torch, "cpu"
    torch.backends.cudnn.benchmark = True
    return torch, "cuda"


def synchronize(torch=None, device=None):
    backend.cupy.cuda.Device().synchronize()
    if torch is not None and device == "cuda":
        torch.cuda.synchronize()


def report(name, times, settings, out, target=None):
    medians = {k: statistics.median(v) * 1000 for k, v in times.items()}
    result = {"benchmark": name, "settings": settings, "median_ms": medians, "rounds": len(next(iter(times.values()))),
              "emulated": EMULATED}
    for k, ms in medians.items():
        print(f"{name:12s} {k:28s} {ms:9.3f} ms/step")
    if "autograd" in medians and len(medians) > 1:
        other = next(k for k in medians if k != "autograd")
        result["ratio"] = medians["autograd"] / medians[other]
        result["ratio_of"] = f"autograd / {other}"
        verdict = "" if target is None or EMULATED else (" (target <= %.1f: %s)" % (
            target, "met" if result["ratio"] <= target else "NOT met"))
        print(f"{name:12s} ratio {result['ratio_of']}: {result['ratio']:.3f}{verdict}")
    if out:
        with open(os.path.join(out, f"bench_{name}.json"), "w") as f:
            json.dump(result, f, indent=1)
    return result


# ---------------------------------------------------------------- LSTM language model


def autograd_lstm_step(V, D, H):
    model = LSTMLanguageModel(V, D, H).to("cuda")
    opt = optim.SGD(model.parameters(), lr=LR)
    state = [None]

    def step(x, y):
        logits, state[0] = model(x, detach_state(state[0]))
        loss = lm_loss(logits, y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        return loss
    return step


def torch_lstm_step(torch, device, V, D, H):
    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(V, D)
            self.lstm = torch.nn.LSTM(D, H, batch_first=True)  # cuDNN on a GPU
            self.decoder = torch.nn.Linear(H, V)

        def forward(self, x, state):
            out, state = self.lstm(self.embedding(x), state)
            return self.decoder(out.reshape(-1, H)), state

    model = Model().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    state = [None]

    def step(x, y):
        if state[0] is not None:
            state[0] = tuple(s.detach() for s in state[0])
        logits, state[0] = model(x, state[0])
        loss = torch.nn.functional.cross_entropy(logits, y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        return loss
    return step


def bench_lstm(args):
    V, D, H, B, T = LSTM_SIZES[args.size]
    torch, device = torch_device()
    rng = numpy.random.default_rng(0)
    autograd.manual_seed(0)
    contenders = {"autograd": autograd_lstm_step(V, D, H)}
    if torch is not None:
        contenders[f"pytorch nn.LSTM ({device})"] = torch_lstm_step(torch, device, V, D, H)
    host = [(rng.integers(0, V, size=(B, T)), rng.integers(0, V, size=(B, T))) for _ in range(args.rounds + args.warmup)]
    batches = {}
    for name in contenders:
        to_device = ((lambda a: autograd.tensor(a, device="cuda")) if name == "autograd"
                     else (lambda a: torch.from_numpy(a).to(device)))
        batches[name] = [tuple(to_device(a) for a in pair) for pair in host]
    times = _interleave(contenders, batches, args.warmup, torch, device)
    return report(f"lstm_{args.size}", times, dict(V=V, D=D, H=H, B=B, T=T), args.out,
                  target=1.5 if args.size == "large" else None)


# ---------------------------------------------------------------- MLP and convnet: one classifier step


def classifier_step(model, loss_fn, optimizer):
    """One SGD step of a classifier; the same code drives autograd's model and PyTorch's.

    >>> step = classifier_step(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.01))
    >>> loss = step(x, y)
    """
    def step(x, y):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss
    return step


def bench_mlp(args):
    sizes, batch = MLP_SIZES["small" if args.size == "small" else "full"]
    torch, device = torch_device()
    rng = numpy.random.default_rng(0)
    autograd.manual_seed(0)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    model = nn.Sequential(*layers[:-1]).to("cuda")
    ours = classifier_step(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.01))
    contenders = {"autograd": ours}
    data = [(rng.normal(size=(batch, sizes[0])).astype(numpy.float32), rng.integers(0, sizes[-1], size=batch))
            for _ in range(args.rounds + args.warmup)]
    batches = {"autograd": [tuple(autograd.tensor(a, device="cuda") for a in d) for d in data]}
    if torch is not None:
        t_layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            t_layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
        t_model = torch.nn.Sequential(*t_layers[:-1]).to(device)
        name = f"pytorch ({device})"
        contenders[name] = classifier_step(t_model, torch.nn.functional.cross_entropy,
                                           torch.optim.SGD(t_model.parameters(), lr=0.01))
        batches[name] = [tuple(torch.from_numpy(a).to(device) for a in d) for d in data]
    times = _interleave(contenders, batches, args.warmup, torch, device)
    return report(f"mlp_{'small' if args.size == 'small' else 'b' + str(batch)}", times,
                  dict(sizes=sizes, batch=batch), args.out, target=1.2)


def _interleave(contenders, batches, warmup, torch, device):
    times = {name: [] for name in contenders}
    rounds = len(next(iter(batches.values())))
    for round_ in range(rounds):
        order = list(contenders.items())[::(-1 if round_ % 2 else 1)]
        for name, step in order:
            synchronize(torch, device)
            start = time.perf_counter()
            step(*batches[name][round_])
            synchronize(torch, device)
            if round_ >= warmup:
                times[name].append(time.perf_counter() - start)
    return times


# ---------------------------------------------------------------- convolution


def bench_conv(args):
    batch, side = CONV_SIZES["small" if args.size == "small" else "full"]
    torch, device = torch_device()
    rng = numpy.random.default_rng(0)
    autograd.manual_seed(0)
    flat = 16 * (side - 4) * (side - 4)
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Conv2d(8, 16, 3), nn.ReLU(), nn.Flatten(),
                          nn.Linear(flat, 10)).to("cuda")
    ours = classifier_step(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.01))
    data = [(rng.normal(size=(batch, 1, side, side)).astype(numpy.float32), rng.integers(0, 10, size=batch))
            for _ in range(args.rounds + args.warmup)]
    contenders = {"autograd": ours}
    batches = {"autograd": [tuple(autograd.tensor(a, device="cuda") for a in d) for d in data]}
    if torch is not None:
        t_model = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3), torch.nn.ReLU(), torch.nn.Conv2d(8, 16, 3),
                                      torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(flat, 10)).to(device)
        name = f"pytorch ({device})"
        contenders[name] = classifier_step(t_model, torch.nn.functional.cross_entropy,
                                           torch.optim.SGD(t_model.parameters(), lr=0.01))
        batches[name] = [tuple(torch.from_numpy(a).to(device) for a in d) for d in data]
    times = _interleave(contenders, batches, args.warmup, torch, device)
    return report("conv", times, dict(batch=batch, side=side), args.out)


# ---------------------------------------------------------------- kernel launches per LSTM step


def count_launches(run, torch, device):
    """Device work items launched by `run()`: stand-in operations, or CUDA kernels seen by the profiler."""
    if EMULATED:
        from autograd.backend import emulation

        before = emulation.launches()
        run()
        return emulation.launches() - before, {}
    if torch is None or device != "cuda":
        return None, {}
    from torch.profiler import ProfilerActivity, profile

    synchronize(torch, device)
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        run()
        synchronize(torch, device)
    kernels = [e for e in prof.events() if str(getattr(e, "device_type", "")).endswith("CUDA")]
    if not kernels:  # CUPTI saw none of CuPy's work: say so rather than report 0
        return None, {}
    names = {}
    for e in kernels:
        names[e.name] = names.get(e.name, 0) + 1
    return len(kernels), dict(sorted(names.items(), key=lambda kv: -kv[1])[:15])


def bench_launches(args):
    """Launches per time step = (launches at T steps - at 1 step) / (T - 1), forward and forward+backward."""
    V, D, H, B, T = LSTM_SIZES[args.size]
    torch, device = torch_device()
    autograd.manual_seed(0)
    layer = nn.LSTM(D, H, batch_first=True).to("cuda")
    result = {"benchmark": "launches", "settings": dict(D=D, H=H, B=B, T=T), "emulated": EMULATED,
              "counted_with": "stand-in operations" if EMULATED else "torch.profiler CUDA kernel events"}
    for steps in (1, T):
        x = autograd.randn(B, steps, D, device="cuda", requires_grad=True)
        layer(x)  # warm-up: kernels compiled and cached before counting
        forward, names_f = count_launches(lambda: layer(x), torch, device)

        def both():
            output, _ = layer(x)
            output.sum().backward()
        total, names_b = count_launches(both, torch, device)
        result[f"T{steps}"] = {"forward": forward, "forward_backward": total, "top_kernels": names_b}
    if result["T1"]["forward"] is None:
        result["per_step"] = "not counted: needs the stand-in, or PyTorch's profiler seeing CuPy's kernels on a GPU"
    else:
        result["per_step"] = {k: (result[f"T{T}"][k] - result["T1"][k]) / (T - 1)
                              for k in ("forward", "forward_backward")}
    print(f"launches     per LSTM time step: {result['per_step']}  ({result['counted_with']})")
    if args.out:
        with open(os.path.join(args.out, "bench_launches.json"), "w") as f:
            json.dump(result, f, indent=1)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("benchmark", choices=["lstm", "mlp", "conv", "launches"])
    parser.add_argument("--size", default=None, help="lstm: ptb, large or small; others: full or small")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--out", default=None, help="folder for the JSON results")
    args = parser.parse_args()
    if args.size is None:
        args.size = "small" if EMULATED else ("ptb" if args.benchmark in ("lstm", "launches") else "full")
    if not backend.cuda_available():
        sys.exit("no CUDA device: run on a GPU, or under AUTOGRAD_EMULATE_CUDA=1 to test the script")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
    {"lstm": bench_lstm, "mlp": bench_mlp, "conv": bench_conv, "launches": bench_launches}[args.benchmark](args)


if __name__ == "__main__":
    main()
