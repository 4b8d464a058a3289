"""One training step of an LSTM language model: autograd vs hand-differentiated NumPy (and PyTorch).

The workload (the classic small PTB model): Embedding(10000, 100) -> LSTM(100)
over T=35 steps, batch B=20 -> Linear(100, 10000) -> cross-entropy, then
gradient-norm clipping at 0.25 and an SGD step. The three implementations
run interleaved on the same batches, so machine noise hits them alike; the
medians and the ratio autograd / NumPy are printed.

    .venv/bin/python benchmarks/bench_lstm_lm.py                 # 60 rounds
    .venv/bin/python benchmarks/bench_lstm_lm.py --rounds 200 --no-torch

The NumPy version is written the way one writes it by hand: every gradient
derived on paper, float32 throughout, in-place where it is natural.
"""
import argparse
import os
import statistics
import time

# PyTorch's OpenMP threads otherwise keep spinning after its step and slow down whichever runner comes
# next (autograd, in every other round); set before torch is imported, as the other benchmarks do.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy  # noqa: E402

import autograd  # noqa: E402
from autograd import nn, optim  # noqa: E402
from autograd.text import LSTMLanguageModel, lm_loss, detach_state  # noqa: E402

V, D, H, B, T = 10000, 100, 100, 20, 35
LR, CLIP = 20.0, 0.25


class NumpyLSTMLM:
    """The same model with a forward and a backward written by hand (gates i, f, g, o; x @ W layout)."""

    def __init__(self, rng):
        f32 = numpy.float32
        self.params = {
            "embed": (rng.standard_normal((V, D)) * 0.01).astype(f32),
            "w_x": (rng.standard_normal((D, 4 * H)) / numpy.sqrt(D)).astype(f32),
            "w_h": (rng.standard_normal((H, 4 * H)) / numpy.sqrt(H)).astype(f32),
            "b": numpy.zeros(4 * H, f32),
            "w_out": (rng.standard_normal((H, V)) / numpy.sqrt(H)).astype(f32),
            "b_out": numpy.zeros(V, f32),
        }
        self.h = numpy.zeros((B, H), f32)
        self.c = numpy.zeros((B, H), f32)

    def step(self, x, y):
        p = self.params
        # ---- forward
        emb = p["embed"][x]                                          # (B, T, D)
        pre = (emb.reshape(B * T, D) @ p["w_x"] + p["b"]).reshape(B, T, 4 * H)
        hs = numpy.empty((B, T + 1, H), numpy.float32)
        cs = numpy.empty((B, T + 1, H), numpy.float32)
        acts = numpy.empty((B, T, 4 * H), numpy.float32)
        tanh_cs = numpy.empty((B, T, H), numpy.float32)
        hs[:, 0], cs[:, 0] = self.h, self.c
        for t in range(T):
            a = pre[:, t] + hs[:, t] @ p["w_h"]
            a[:, :2 * H] = 1 / (1 + numpy.exp(-a[:, :2 * H]))
            a[:, 2 * H:3 * H] = numpy.tanh(a[:, 2 * H:3 * H])
            a[:, 3 * H:] = 1 / (1 + numpy.exp(-a[:, 3 * H:]))
            i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            cs[:, t + 1] = f * cs[:, t] + i * g
            tanh_cs[:, t] = numpy.tanh(cs[:, t + 1])
            hs[:, t + 1] = o * tanh_cs[:, t]
            acts[:, t] = a
        out = hs[:, 1:].reshape(B * T, H)
        logits = out @ p["w_out"] + p["b_out"]                     # (B·T, V)
        logits -= logits.max(axis=1, keepdims=True)
        numpy.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)                # now the softmax
        rows, targets = numpy.arange(B * T), y.reshape(-1)
        loss = -numpy.log(logits[rows, targets]).mean()
        # ---- backward
        d_logits = logits
        d_logits[rows, targets] -= 1
        d_logits *= 1.0 / (B * T)
        g = {"w_out": out.T @ d_logits, "b_out": d_logits.sum(axis=0)}
        d_hs = (d_logits @ p["w_out"].T).reshape(B, T, H)
        d_pre = numpy.empty((B, T, 4 * H), numpy.float32)
        dh = numpy.zeros((B, H), numpy.float32)
        dc = numpy.zeros((B, H), numpy.float32)
        for t in range(T - 1, -1, -1):
            a = acts[:, t]
            i, f, gg, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
            dh = dh + d_hs[:, t]
            tc = tanh_cs[:, t]
            dc = dc + dh * o * (1 - tc * tc)
            d = d_pre[:, t]
            d[:, :H] = dc * gg * i * (1 - i)
            d[:, H:2 * H] = dc * cs[:, t] * f * (1 - f)
            d[:, 2 * H:3 * H] = dc * i * (1 - gg * gg)
            d[:, 3 * H:] = dh * tc * o * (1 - o)
            dc = dc * f
            dh = d @ p["w_h"].T
        d_pre_flat = d_pre.reshape(B * T, 4 * H)
        g["w_h"] = hs[:, :T].reshape(B * T, H).T @ d_pre_flat
        g["w_x"] = emb.reshape(B * T, D).T @ d_pre_flat
        g["b"] = d_pre_flat.sum(axis=0)
        d_emb = d_pre_flat @ p["w_x"].T
        g["embed"] = numpy.zeros_like(p["embed"])
        numpy.add.at(g["embed"], x.reshape(-1), d_emb)
        # ---- clip and update
        norm = numpy.sqrt(sum(float((v * v).sum()) for v in g.values()))
        scale = min(1.0, CLIP / (norm + 1e-6))
        for name, grad in g.items():
            p[name] -= (LR * scale) * grad
        self.h, self.c = hs[:, T].copy(), cs[:, T].copy()
        return loss


def make_autograd():
    model = LSTMLanguageModel(V, D, H)
    optimizer = optim.SGD(model.parameters(), lr=LR)
    state = [None]

    def step(x, y):
        logits, state[0] = model(x, detach_state(state[0]))
        loss = lm_loss(logits, y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        optimizer.step()
        return loss.item()
    return step


def make_torch():
    import torch

    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "2")))

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(V, D)
            self.lstm = torch.nn.LSTM(D, H, batch_first=True)
            self.decoder = torch.nn.Linear(H, V)

        def forward(self, x, state):
            out, state = self.lstm(self.embedding(x), state)
            return self.decoder(out.reshape(-1, H)), state

    model = Model()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    state = [None]

    def step(x, y):
        if state[0] is not None:
            state[0] = tuple(s.detach() for s in state[0])
        logits, state[0] = model(torch.from_numpy(x), state[0])
        loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y).reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        optimizer.step()
        return loss.item()
    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()

    rng = numpy.random.default_rng(0)
    autograd.manual_seed(0)
    contenders = {"numpy (by hand)": NumpyLSTMLM(rng).step, "autograd": make_autograd()}
    if not args.no_torch:
        try:
            contenders["pytorch"] = make_torch()
        except ImportError:
            pass
    times = {name: [] for name in contenders}
    for round_ in range(args.warmup + args.rounds):
        x = rng.integers(0, V, size=(B, T))
        y = rng.integers(0, V, size=(B, T))
        order = list(contenders.items())
        if round_ % 2:
            order.reverse()  # alternate who goes first
        for name, step in order:
            start = time.perf_counter()
            step(x, y)
            if round_ >= args.warmup:
                times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    for name, ms in medians.items():
        print(f"{name:18s} {ms:7.2f} ms/step (median of {args.rounds})")
    ratio = medians["autograd"] / medians["numpy (by hand)"]
    print(f"ratio autograd / numpy-by-hand: {ratio:.3f}")
    if "pytorch" in medians:
        print(f"ratio autograd / pytorch:       {medians['autograd'] / medians['pytorch']:.3f}")


if __name__ == "__main__":
    main()
