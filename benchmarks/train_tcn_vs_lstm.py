"""A temporal convolutional network against the LSTM on the Penn Treebank word language model.

Both models share the embedding (100) and the output projection to the 10,000 words; only the
sequence model differs: LSTM(100) with its state carried across windows, or nn.TCN with
channels 100 x levels (3), kernel 3 and dilations 1, 2, 4, ... whose causal convolutions see the
previous window's last (receptive field - 1) words as context (the TCN's "state").

    python benchmarks/train_tcn_vs_lstm.py --epochs 1             # both models, one epoch each
    python benchmarks/train_tcn_vs_lstm.py --model tcn --epochs 4
    python benchmarks/train_tcn_vs_lstm.py --max-batches 200      # a quick look

The two models take turns on every batch (fair timings on a busy machine); reported: ms per
training batch, the time per epoch it implies, validation and test perplexity.
Data: --data DIR (default ../shared/data/ptb).
"""
import argparse
import math
import os
import time

import numpy

import autograd
from autograd import nn, optim
from autograd.datasets import ptb
from autograd.nn import init
from autograd.text import LSTMLanguageModel, TBPTTBatcher, lm_loss, perplexity, detach_state

HERE = os.path.dirname(os.path.abspath(__file__))


class TCNLanguageModel(nn.Module):
    """Embedding -> TCN over time -> linear projection; `logits, context = model(ids, context)`.

    `context` holds the previous window's last receptive_field - 1 word ids, so the first words
    of a window still see a full receptive field (the TCN counterpart of a carried LSTM state).
    """

    def __init__(self, vocab_size, embedding_dim=100, channels=100, levels=3, kernel_size=3, dropout=0.1):
        super().__init__()
        self.vocab_size = vocab_size
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.tcn = nn.TCN(embedding_dim, [channels] * levels, kernel_size, dropout)
        self.drop = nn.Dropout(dropout)
        self.decoder = nn.Linear(channels, vocab_size)
        init.normal_(self.embedding.weight, 0.0, 0.01)
        init.normal_(self.decoder.weight, 0.0, 1 / math.sqrt(channels))
        init.zeros_(self.decoder.bias)

    def forward(self, ids, context=None):
        ids = numpy.asarray(ids)
        full = ids if context is None else numpy.concatenate([context, ids], axis=1)
        x = self.drop(self.embedding(full)).permute(0, 2, 1)        # (B, E, T') for Conv1d
        h = self.tcn(x)[:, :, full.shape[1] - ids.shape[1]:]           # the current window's outputs
        batch, channels, steps = h.shape
        logits = self.decoder(self.drop(h.permute(0, 2, 1)).reshape(batch * steps, channels))
        keep = self.tcn.receptive_field - 1
        return logits.reshape(batch, steps, self.vocab_size), full[:, -keep:]


class Runner:
    """One model with its optimizer, its carried state and its own step timer."""

    def __init__(self, name, model, lr, clip):
        self.name, self.model, self.clip = name, model, clip
        self.optimizer = optim.SGD(model.parameters(), lr=lr)
        self.state, self.seconds, self.steps, self.loss_sum, self.loss_count = None, 0.0, 0, 0.0, 0
        print(f"{name}: {sum(p.numel() for p in model.parameters()):,} parameters, SGD lr {lr}, clip {clip}", flush=True)

    def step(self, x, y):
        start = time.perf_counter()
        self.model.train()
        state = detach_state(self.state) if self.name == "lstm" else self.state
        logits, self.state = self.model(x, state)
        loss = lm_loss(logits, y)
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.optimizer.step()
        self.seconds += time.perf_counter() - start
        self.steps += 1
        self.loss_sum, self.loss_count = self.loss_sum + loss.item(), self.loss_count + 1

    def train_perplexity(self):
        value = math.exp(self.loss_sum / max(self.loss_count, 1))
        self.loss_sum, self.loss_count = 0.0, 0
        return value


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=["both", "lstm", "tcn"], default="both")
    parser.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "ptb"))
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-batches", type=int, default=None)
    parser.add_argument("--levels", type=int, default=3)
    parser.add_argument("--kernel-size", type=int, default=3)
    parser.add_argument("--tcn-lr", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log-every", type=int, default=200)
    args = parser.parse_args()

    train_corpus, word_to_id, _ = ptb.load("train", args.data)
    valid, test = ptb.load("valid", args.data)[0], ptb.load("test", args.data)[0]
    runners = []
    if args.model in ("both", "lstm"):
        autograd.manual_seed(args.seed)
        runners.append(Runner("lstm", LSTMLanguageModel(len(word_to_id), 100, 100), 20.0, 0.25))
    if args.model in ("both", "tcn"):
        autograd.manual_seed(args.seed)
        model = TCNLanguageModel(len(word_to_id), levels=args.levels, kernel_size=args.kernel_size)
        print(f"tcn receptive field: {model.tcn.receptive_field} words", flush=True)
        runners.append(Runner("tcn", model, args.tcn_lr, 0.35))
    batches = TBPTTBatcher(train_corpus, 20, 35)
    for epoch in range(1, args.epochs + 1):
        for k, (x, y) in enumerate(batches):  # the models take turns on each batch: fair timings on a busy machine
            if args.max_batches and k >= args.max_batches:
                break
            for runner in runners:
                runner.step(x, y)
            if (k + 1) % args.log_every == 0:
                print(f"epoch {epoch} batch {k + 1}/{len(batches)}: " + ", ".join(
                    f"{r.name} train perplexity {r.train_perplexity():.1f} ({r.seconds / r.steps * 1000:.0f} ms/batch)"
                    for r in runners), flush=True)
        for runner in runners:
            print(f"epoch {epoch}: {runner.name} validation perplexity {perplexity(runner.model, valid):.2f}", flush=True)
    for runner in runners:
        per_batch = runner.seconds / runner.steps
        print(f"RESULT {runner.name}: test perplexity {perplexity(runner.model, test):.2f} after {runner.steps} "
              f"batches; {per_batch * 1000:.1f} ms/batch = {per_batch * len(batches):.0f} s per epoch "
              f"of {len(batches)} batches", flush=True)


if __name__ == "__main__":
    main()
