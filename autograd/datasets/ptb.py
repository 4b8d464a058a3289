"""Penn Treebank for language modelling (Mikolov's preprocessing, 10,000 words).

The three files `ptb.train.txt`, `ptb.valid.txt`, `ptb.test.txt` hold one
lower-cased sentence per line; each line end becomes the token `<eos>`. Word
ids go by first appearance in the training text, so `aer` = 0, `banknote` = 1,
... — the convention of most tutorials and of the pretrained weights in
`shared/data/reference/`. Nothing is downloaded: put the files in a directory
and pass it as `path` (or in the cache directory, see `default_path`).

    >>> corpus, word_to_id, id_to_word = ptb.load("train", path="../shared/data/ptb")
    >>> corpus[:3], id_to_word[0]            # (array([0, 1, 2]), 'aer')
"""
import os

import numpy

from ..errors import DataError, DataNotFoundError

__all__ = ["load", "load_vocabulary", "default_path", "SPLITS", "EOS"]

SPLITS = ("train", "valid", "test")
EOS = "<eos>"
_FILE = "ptb.{split}.txt"
_CACHE = {}  # (file, its size and modification time) -> token ids, or the vocabulary: a changed file is reread


def default_path():
    """Where `load` looks without `path`: $AUTOGRAD_DATA/ptb, else ~/.cache/autograd/ptb."""
    root = os.environ.get("AUTOGRAD_DATA", os.path.join(os.path.expanduser("~"), ".cache", "autograd"))
    return os.path.join(root, "ptb")


def _read_words(filename):
    """Every line's words followed by one <eos>."""
    try:
        with open(filename, encoding="utf-8") as f:
            words = []
            for line in f:
                words.extend(line.split())
                words.append(EOS)
    except UnicodeDecodeError as error:
        raise DataError(f"ptb: {filename} is not UTF-8 text ({error}); is it the right file?") from None
    return words


def _key(filename, what):
    """A cache key that changes when the file does (its size or modification time)."""
    info = os.stat(filename)
    return (os.path.abspath(filename), info.st_size, info.st_mtime_ns, what)


def _file(path, split):
    if split not in SPLITS:
        raise DataError(f"ptb.load: split must be one of {SPLITS}, not {split!r}")
    filename = os.path.join(path, _FILE.format(split=split))
    if not os.path.isfile(filename):
        raise DataNotFoundError(
            f"Penn Treebank file {filename!r} not found. Put ptb.train.txt, ptb.valid.txt and ptb.test.txt "
            f"(Mikolov's 'simple-examples' data) in {os.path.abspath(path)!r}, or pass "
            f"path='directory/that/holds/them' (default directory: {default_path()!r}, "
            f"changed with the AUTOGRAD_DATA environment variable).")
    return filename


def load_vocabulary(path=None):
    """(word_to_id, id_to_word) built from the training split, ids by first appearance."""
    path = path or default_path()
    filename = _file(path, "train")
    key = _key(filename, "vocabulary")
    if key not in _CACHE:
        word_to_id = {}
        for word in _read_words(filename):
            if word not in word_to_id:
                word_to_id[word] = len(word_to_id)
        id_to_word = {i: w for w, i in word_to_id.items()}
        _CACHE[key] = (word_to_id, id_to_word)
    word_to_id, id_to_word = _CACHE[key]
    return dict(word_to_id), dict(id_to_word)


def load(split="train", path=None):
    """Token ids of one split, with the vocabulary of the training split.

    Returns (corpus, word_to_id, id_to_word): `corpus` is an int64 array of
    word ids (929,589 for train); the two tables have 10,000 entries.

    >>> corpus, word_to_id, id_to_word = load("valid", path="../shared/data/ptb")
    >>> " ".join(id_to_word[i] for i in corpus[:5])
    """
    path = path or default_path()
    filename = _file(path, split)
    word_to_id, id_to_word = load_vocabulary(path)
    key = _key(filename, "ids") + _key(_file(path, "train"), "vocabulary")
    if key not in _CACHE:
        words = _read_words(filename)
        unknown = sorted({w for w in words if w not in word_to_id})
        if unknown:
            raise DataError(f"ptb.load: {filename} has words missing from the training vocabulary: "
                             f"{unknown[:5]}")
        _CACHE[key] = numpy.array([word_to_id[w] for w in words], dtype=numpy.int64)
    return _CACHE[key].copy(), word_to_id, id_to_word
