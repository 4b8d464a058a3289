"""Train word2vec (CBOW or skip-gram, negative sampling) on Penn Treebank and query the vectors.

    .venv/bin/python benchmarks/train_word2vec.py --model cbow --minutes 10
    .venv/bin/python benchmarks/train_word2vec.py --model skipgram --minutes 10 --save /tmp/sg.npy

Training is time-boxed (--minutes); it prints the nearest neighbours of a few
words and the analogy king : man = queen : ?, for the trained vectors and, as
a sanity check of `most_similar`, for the reference CBOW vectors of the book
(shared/data/reference/cbow_ch04.npz) when they are present.
"""
import argparse
import os
import time

import numpy

from autograd.datasets import ptb
from autograd.text import train_word2vec, WordVectors

HERE = os.path.dirname(os.path.abspath(__file__))
QUERIES = ["you", "year", "car", "toyota"]


def report(title, vectors):
    print(f"== {title}")
    for word in QUERIES:
        print(f"  {word:8s} " + ", ".join(f"{w} {s:.2f}" for w, s in vectors.most_similar(word, top=5)))
    print("  king : man = queen : ? " + ", ".join(f"{w} {s:.2f}" for w, s in vectors.analogy("king", "man", "queen")))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=["cbow", "skipgram"], default="cbow")
    parser.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data"))
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negatives", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--save", help="write the vectors to this .npy file")
    args = parser.parse_args()

    corpus, word_to_id, id_to_word = ptb.load("train", os.path.join(args.data, "ptb"))
    start = time.perf_counter()
    vectors = train_word2vec(corpus, len(word_to_id), model=args.model, dim=args.dim, window=args.window,
                             negatives=args.negatives, batch_size=args.batch_size, epochs=args.epochs,
                             lr=args.lr, time_limit=args.minutes * 60, log=lambda m: print(m, flush=True))
    print(f"trained {args.model} for {time.perf_counter() - start:.0f} s")
    if args.save:
        numpy.save(args.save, vectors)
    report(f"{args.model} trained here", WordVectors(vectors, word_to_id, id_to_word))
    reference = os.path.join(args.data, "reference", "cbow_ch04.npz")
    if os.path.isfile(reference):
        report("reference CBOW vectors (cbow_ch04.npz)",
               WordVectors(numpy.load(reference)["word_vecs"], word_to_id, id_to_word))


if __name__ == "__main__":
    main()
