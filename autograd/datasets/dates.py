"""The date-format toy task: read "TUESDAY, SEPTEMBER 25, 1984", write "1984-09-25".

The question is a date in one of many human formats; the answer is its ISO
form. Each output character comes from one place in the input (the year, the
month name, the day), which makes the task a clear picture of attention.
`load` reads the book's `date.txt` (50,000 lines, years 1970-2017);
`generate` makes fresh dates in the same formats with a seed.

    >>> from autograd.datasets import dates
    >>> train = dates.load("train", path="../shared/data/seq2seq")     # [('2/10/93', '1993-02-10'), ...]
    >>> fresh = dates.generate(1000, seed=0)
"""
import datetime

import numpy

from ..errors import ArgumentError

from . import _toy_seq2seq

__all__ = ["load", "load_book_arrays", "generate", "format_date", "FORMATS", "FILENAME",
           "QUESTION_WIDTH", "ANSWER_WIDTH"]

FILENAME = "date.txt"
QUESTION_WIDTH, ANSWER_WIDTH = 29, 10

# The formats of the book's file, with the share of each (counted on date.txt).
FORMATS = {
    "m/d/yy": 0.25,                   # 2/10/93 (no leading zeros, two-digit year)
    "Mon d, yyyy": 0.37,              # Sep 30, 1981 (three-letter month)
    "Month d, yyyy": 0.26,            # February 16, 2015
    "Weekday, Month d, yyyy": 0.12,   # Monday, November 21, 1994
}
CASES = {"title": 0.5, "lower": 0.25, "upper": 0.25}
FIRST_DAY, LAST_DAY = datetime.date(1970, 1, 1), datetime.date(2017, 12, 31)


def load(split="train", path=None, strip=True):
    """(question, answer) string pairs of the book's train or test split (45,000 / 5,000).

    >>> test = dates.load("test", path="../shared/data/seq2seq")
    >>> test[0]                                # (a date in words or digits, 'YYYY-MM-DD')
    """
    return _toy_seq2seq.load_pairs(_toy_seq2seq.find_file(path, FILENAME), split, strip)


def load_book_arrays(path=None):
    """The book's padded id arrays and its 59-character vocabulary (no special tokens).

    >>> (x_train, t_train), (x_test, t_test), vocab = dates.load_book_arrays("../shared/data/seq2seq")
    >>> x_train.shape, t_train.shape           # (45000, 29), (45000, 11)
    """
    return _toy_seq2seq.load_book_arrays(_toy_seq2seq.find_file(path, FILENAME))


def format_date(date, style, case="title"):
    """Write `date` (a datetime.date) in one of FORMATS, in title, lower or upper case.

    >>> format_date(datetime.date(1984, 9, 25), "Weekday, Month d, yyyy", "upper")
    'TUESDAY, SEPTEMBER 25, 1984'
    """
    if style == "m/d/yy":
        return f"{date.month}/{date.day}/{date.year % 100:02d}"
    month = date.strftime("%B")
    if style == "Mon d, yyyy":
        text = f"{month[:3]} {date.day}, {date.year}"
    elif style == "Month d, yyyy":
        text = f"{month} {date.day}, {date.year}"
    elif style == "Weekday, Month d, yyyy":
        text = f"{date.strftime('%A')}, {month} {date.day}, {date.year}"
    else:
        raise ArgumentError(f"unknown date style {style!r}; choose from {list(FORMATS)}")
    return {"title": text, "lower": text.lower(), "upper": text.upper()}[case]


def generate(count, seed=0, pad=False):
    """`count` fresh (question, answer) pairs: a random day of 1970-2017 in a random format.

    >>> dates.generate(2, seed=3)              # e.g. [('jul 4, 2000', '2000-07-04'), ...]
    """
    rng = numpy.random.default_rng(seed)
    span = (LAST_DAY - FIRST_DAY).days + 1
    days = rng.integers(0, span, size=count).tolist()
    styles = rng.choice(list(FORMATS), size=count, p=list(FORMATS.values())).tolist()
    cases = rng.choice(list(CASES), size=count, p=list(CASES.values())).tolist()
    pairs = []
    for offset, style, case in zip(days, styles, cases):
        date = FIRST_DAY + datetime.timedelta(days=offset)
        question, answer = format_date(date, style, case), date.isoformat()
        if pad:
            question = question.ljust(QUESTION_WIDTH)
        pairs.append((question, answer))
    return pairs
