"""A small Transformer on the dates task: "TUESDAY, SEPTEMBER 25, 1984" -> "1984-09-25".

d_model 64, 4 heads, 2 encoder + 2 decoder layers, feed-forward 256, dropout 0.1,
pre-norm; Adam (lr 1e-3), batch 128, gradient norm clipped at 5.0; exact-match
accuracy of greedy decoding on the book's 5,000 held-out dates after every epoch.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/train_dates_transformer.py --epochs 10
"""
import argparse
import json
import os
import sys

import numpy

import autograd
from autograd import nn, optim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # also when imported by path (tests)
from seq2seq_common import prepare, train_epochs  # noqa: E402
from autograd.datasets import dates

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "shared", "data", "seq2seq")


def build(vocab, d_model=64, nhead=4, layers=2, dim_feedforward=256, dropout=0.1):
    V = len(vocab)
    return nn.TransformerSeq2Seq(V, V, d_model=d_model, nhead=nhead, num_encoder_layers=layers,
                                 num_decoder_layers=layers, dim_feedforward=dim_feedforward, dropout=dropout,
                                 bos_index=vocab.bos_index, eos_index=vocab.eos_index, pad_index=vocab.pad_index)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--train-size", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args()

    autograd.manual_seed(args.seed)
    rng = numpy.random.default_rng(args.seed)
    train, test = dates.load("train", path=DATA), dates.load("test", path=DATA)
    if args.train_size:
        train = train[:args.train_size]
    vocab, train_arrays, test_arrays = prepare(train, test)

    model = build(vocab)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    print(f"dates with a Transformer: {len(train)} train / {len(test)} test, vocabulary {len(vocab)}, "
          f"{sum(p.numel() for p in model.parameters())} parameters")
    history = train_epochs(model, optimizer, vocab, train_arrays, test_arrays, args.epochs,
                           args.batch_size, rng, max_length=12)

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "dates_transformer.json"), "w") as f:
        json.dump(dict(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, history=history), f, indent=1)


if __name__ == "__main__":
    main()
