"""Seq2seq on the addition task: plain, reversed source, reversed + peeky decoder.

Trained the same way for each variant (as in "Deep Learning from Scratch 2", ch. 7):
character embeddings of 16, an LSTM of 128, Adam (lr 1e-3), batch 128, gradient
norm clipped at 5.0, on the book's 45,000 training sums; exact-match accuracy of
greedy decoding on the book's 5,000 held-out sums after every epoch.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/train_addition.py --variant peeky --epochs 25

Sources are the question's characters without the file's space padding
(with lengths); targets are <bos> answer <eos>. Results go to stdout and, as
JSON, to benchmarks/results/addition_<variant>.json.
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
from autograd.datasets import addition

VARIANTS = {"plain": dict(reverse=False, peeky=False),
            "reversed": dict(reverse=True, peeky=False),
            "peeky": dict(reverse=True, peeky=True)}    # reversed + peeky


def build(vocab, variant, embed_dim=16, hidden_size=128):
    options = VARIANTS[variant]
    V = len(vocab)
    encoder = nn.Encoder(V, embed_dim, hidden_size, padding_idx=vocab.pad_index)
    decoder = nn.Decoder(V, embed_dim, hidden_size, peeky=options["peeky"],
                         context_size=hidden_size if options["peeky"] else None)
    return nn.Seq2Seq(encoder, decoder, vocab.bos_index, vocab.eos_index, vocab.pad_index,
                      reverse_source=options["reverse"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=VARIANTS, default="peeky")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--train-size", type=int, default=None, help="use only this many training sums")
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data",
                                                       "seq2seq"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    args = parser.parse_args()

    autograd.manual_seed(args.seed)
    rng = numpy.random.default_rng(args.seed)
    train, test = addition.load("train", path=args.data), addition.load("test", path=args.data)
    if args.train_size:
        train = train[:args.train_size]
    vocab, train_arrays, test_arrays = prepare(train, test)

    model = build(vocab, args.variant)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    print(f"addition, variant={args.variant}: {len(train)} train / {len(test)} test, vocabulary {len(vocab)}, "
          f"{sum(p.numel() for p in model.parameters())} parameters")
    history = train_epochs(model, optimizer, vocab, train_arrays, test_arrays, args.epochs,
                           args.batch_size, rng, max_length=6)

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, f"addition_{args.variant}.json"), "w") as f:
        json.dump(dict(variant=args.variant, epochs=args.epochs, batch_size=args.batch_size,
                       train_size=len(train), history=history), f, indent=1)


if __name__ == "__main__":
    main()
