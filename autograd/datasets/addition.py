"""The addition toy task: read "16+75", write "91".

A sequence-to-sequence model has to learn carrying from characters alone.
`load` reads the book's `addition.txt` (50,000 sums of two numbers in 0..999);
`generate` makes fresh sums with a seed, so nothing depends on the file.

    >>> from autograd.datasets import addition
    >>> train = addition.load("train", path="../shared/data/seq2seq")   # [('16+75', '91'), ...] (shuffled)
    >>> fresh = addition.generate(1000, seed=0)                       # same kind, no file needed
"""
import numpy

from ..errors import ArgumentError

from . import _toy_seq2seq

__all__ = ["load", "load_book_arrays", "generate", "FILENAME", "QUESTION_WIDTH", "ANSWER_WIDTH"]

FILENAME = "addition.txt"
QUESTION_WIDTH, ANSWER_WIDTH = 7, 4   # the file pads "999+999" and "1998" with spaces to these widths


def load(split="train", path=None, strip=True):
    """(question, answer) string pairs of the book's train or test split (45,000 / 5,000).

    `strip=False` keeps the fixed-width space padding of the file.

    >>> test = addition.load("test", path="../shared/data/seq2seq")
    >>> test[0]                                # ('...+...', '...'), the book's first test line
    """
    return _toy_seq2seq.load_pairs(_toy_seq2seq.find_file(path, FILENAME), split, strip)


def load_book_arrays(path=None):
    """The book's padded id arrays and its 13-character vocabulary (no special tokens).

    >>> (x_train, t_train), (x_test, t_test), vocab = addition.load_book_arrays("../shared/data/seq2seq")
    >>> x_train.shape, t_train.shape           # (45000, 7), (45000, 5); t starts with '_'
    """
    return _toy_seq2seq.load_book_arrays(_toy_seq2seq.find_file(path, FILENAME))


def generate(count, seed=0, max_value=999, unique=True, pad=False):
    """`count` fresh (question, answer) pairs "a+b" -> "a+b's sum" with 0 <= a, b <= max_value.

    `unique=True` draws distinct questions (as in the book's file); `pad=True`
    pads to the file's fixed widths.

    >>> addition.generate(3, seed=1)           # e.g. [('473+86', '559'), ...]
    """
    rng = numpy.random.default_rng(seed)
    space = (max_value + 1) ** 2
    if unique and count > space:
        raise ArgumentError(f"only {space} distinct sums exist with max_value={max_value}")
    if unique:
        codes = rng.choice(space, size=count, replace=False)
    else:
        codes = rng.integers(0, space, size=count)
    pairs = []
    for code in codes.tolist():
        a, b = divmod(code, max_value + 1)
        question, answer = f"{a}+{b}", str(a + b)
        if pad:
            question, answer = question.ljust(QUESTION_WIDTH), answer.ljust(ANSWER_WIDTH)
        pairs.append((question, answer))
    return pairs
