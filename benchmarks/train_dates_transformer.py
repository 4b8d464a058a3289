"""A small Transformer on the dates task: "TUESDAY, SEPTEMBER 25, 1984" -> "1984-09-25".

d_model 64, 4 heads, 2 encoder + 2 decoder layers, feed-forward 256, dropout 0.1,
pre-norm; Adam (lr 1e-3), batch 128, gradient norm clipped at 5.0; exact-match
accuracy of greedy decoding on the book's 5,000 held-out dates after every epoch.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/train_dates_transformer.py --epochs 10
"""
import argparse
import json
import os
import time

import numpy

import autograd
from autograd import nn, optim
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
    vocab = nn.Vocabulary.build(q + a for q, a in train)
    src, src_lengths, tgt = nn.encode_pairs(train, vocab)
    test_src, test_lengths, _ = nn.encode_pairs(test, vocab)
    answers = [a for _, a in test]

    model = build(vocab)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    print(f"dates with a Transformer: {len(train)} train / {len(test)} test, vocabulary {len(vocab)}, "
          f"{sum(p.size for p in model.parameters())} parameters")
    history = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        start, losses = time.perf_counter(), []
        for s, lengths, t in nn.batches((src, src_lengths, tgt), args.batch_size, rng=rng, lengths_index=1,
                                        pad_index=vocab.pad_index):
            loss = model.loss(s, t, lengths)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            losses.append(loss.item())
        seconds = time.perf_counter() - start
        accuracy, outputs = nn.exact_match(model, test_src, test_lengths, answers, vocab, max_length=12)
        history.append(dict(epoch=epoch, loss=float(numpy.mean(losses)), accuracy=accuracy, seconds=seconds))
        print(f"epoch {epoch:2d}  loss {numpy.mean(losses):.4f}  test exact-match {100 * accuracy:6.2f}%  "
              f"epoch time {seconds:5.1f} s   e.g. {test[0][0]!r} -> {outputs[0]!r}", flush=True)

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "dates_transformer.json"), "w") as f:
        json.dump(dict(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, history=history), f, indent=1)


if __name__ == "__main__":
    main()
