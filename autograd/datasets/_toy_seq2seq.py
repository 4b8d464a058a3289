"""What the two toy sequence-to-sequence sets (addition, dates) have in common.

Both files come from "Deep Learning from Scratch 2" and share one layout: each
line is a fixed-width question, an underscore, then a fixed-width answer:

    16+75  _91          (addition: question 7 wide, answer 4 wide)
    2/10/93                      _1993-02-10   (dates: 29 and 10)

The book's split, which we reproduce so results compare: shuffle the line
numbers with `numpy.random.seed(1984)`, keep the last 10% as the test split.
"""
import os

import numpy

from ..errors import DataError, DataNotFoundError

from ..nn.vocab import Vocabulary

SPLIT_SEED = 1984
DATA_DIR_VARIABLE = "AUTOGRAD_DATA"   # $AUTOGRAD_DATA/seq2seq/<file> is tried when no path is given


def find_file(path, filename):
    """`path` may be the file itself or the directory that holds it."""
    candidates = []
    if path is not None:
        path = os.fspath(path)
        candidates += [path, os.path.join(path, filename)]
    else:
        root = os.environ.get(DATA_DIR_VARIABLE)
        if root:
            candidates += [os.path.join(root, "seq2seq", filename), os.path.join(root, filename)]
        candidates.append(os.path.join("..", "shared", "data", "seq2seq", filename))
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    raise DataNotFoundError(f"cannot find {filename} (tried {', '.join(candidates)}); pass path= the directory "
                            f"that holds it, or set ${DATA_DIR_VARIABLE}. Nothing is downloaded; "
                            f"use generate() for fresh data instead.")


def read_lines(filename):
    """(question, answer) pairs exactly as written: padded, the '_' removed."""
    pairs = []
    try:
        with open(filename, encoding="utf-8") as f:
            for number, line in enumerate(f, start=1):
                line = line.rstrip("\n")
                if not line:
                    continue
                if "_" not in line:
                    raise DataError(f"{filename}, line {number}: expected 'question_answer', got {line[:40]!r}")
                question, answer = line.split("_", 1)   # the first '_' separates them (as in the book)
                pairs.append((question, answer))
    except UnicodeDecodeError as error:
        raise DataError(f"{filename} is not UTF-8 text ({error}); is it the right file?") from None
    return pairs


def book_order(count):
    """The book's shuffled order of `count` lines (train = first 90%, test = last 10%)."""
    order = numpy.arange(count)
    numpy.random.RandomState(SPLIT_SEED).shuffle(order)   # == numpy.random.seed(1984); shuffle(...)
    return order, count - count // 10


def load_pairs(filename, split, strip):
    pairs = read_lines(filename)
    order, split_at = book_order(len(pairs))
    if split == "train":
        chosen = order[:split_at]
    elif split == "test":
        chosen = order[split_at:]
    elif split in (None, "all"):
        chosen = order
    else:
        raise DataError(f"split must be 'train', 'test' or 'all', not {split!r}")
    selected = [pairs[i] for i in chosen]
    if strip:
        selected = [(q.strip(), a.strip()) for q, a in selected]
    return selected


def load_book_arrays(filename):
    """The book's arrays: ((x_train, t_train), (x_test, t_test)), vocabulary.

    x holds the padded question's character ids; t holds '_' + the padded
    answer (the '_' is the decoder's start symbol). Ids go by first
    appearance over question + '_' + answer, line by line, and the vocabulary
    has no special tokens, exactly as the book's loader does.
    """
    pairs = read_lines(filename)
    vocab = Vocabulary(specials=())
    for question, answer in pairs:
        for ch in question + "_" + answer:
            vocab.add(ch)
    x = numpy.array([[vocab[c] for c in q] for q, _ in pairs], dtype=numpy.int64)
    t = numpy.array([[vocab[c] for c in "_" + a] for _, a in pairs], dtype=numpy.int64)
    order, split_at = book_order(len(pairs))
    x, t = x[order], t[order]
    return (x[:split_at], t[:split_at]), (x[split_at:], t[split_at:]), vocab
