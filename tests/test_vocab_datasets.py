"""Vocabulary, the addition and dates data sets (files and generators), and the heatmap helper."""
import datetime
import os
import re

import numpy
import pytest

from autograd import nn
from autograd.datasets import addition, dates

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "seq2seq")
needs_data = pytest.mark.skipif(not os.path.isdir(DATA), reason="shared seq2seq data not available")


# ---------------------------------------------------------------- Vocabulary


def test_vocabulary_specials_encode_decode():
    vocab = nn.Vocabulary.build(["hello", "world"])
    assert vocab.index_to_token[:4] == ["<pad>", "<bos>", "<eos>", "<unk>"]
    assert (vocab.pad_index, vocab.bos_index, vocab.eos_index, vocab.unk_index) == (0, 1, 2, 3)
    assert vocab.index_to_token[4:] == list("helowrd")                       # order of first appearance
    ids = vocab.encode("hold", add_bos=True, add_eos=True)
    assert ids[0] == 1 and ids[-1] == 2 and len(ids) == 6
    assert vocab.decode(ids) == "hold"
    assert vocab.decode(ids + [0, 0]) == "hold"
    assert vocab.decode(ids, strip_special=False, stop_at_eos=False) == "<bos>hold<eos>"
    assert vocab.encode("hz") == [vocab["h"], vocab.unk_index]
    assert vocab.encode("low", reverse=True) == vocab.encode("wol")
    assert vocab.decode(vocab.encode("lol"), join=None) == ["l", "o", "l"]


def test_vocabulary_of_words_and_min_freq():
    vocab = nn.Vocabulary.build([["the", "cat"], ["the", "dog"]], min_freq=2)
    assert vocab.index_to_token[4:] == ["the"]
    assert vocab.decode(vocab.encode(["the", "cat"]), join=" ") == "the <unk>"


def test_pad_batch_and_encode_batch():
    vocab = nn.Vocabulary(list("0123456789+"))
    ids, lengths = vocab.encode_batch(["1+2", "10+20"], add_eos=True)
    assert ids.dtype == numpy.int64 and ids.shape == (2, 6)
    assert lengths.tolist() == [4, 6]
    assert ids[0, 4:].tolist() == [vocab.pad_index] * 2
    assert vocab.decode_batch(ids) == ["1+2", "10+20"]
    ids, lengths = vocab.pad_batch([[5, 6, 7], [8]], length=2)
    assert ids.tolist() == [[5, 6], [8, 0]] and lengths.tolist() == [2, 1]
    without_specials = nn.Vocabulary("ab", specials=())
    with pytest.raises(KeyError):
        without_specials.encode("a", add_eos=True)
    with pytest.raises(KeyError):
        without_specials["c"]


# ---------------------------------------------------------------- addition


@needs_data
def test_addition_file_book_split_and_ids():
    train, test = addition.load("train", path=DATA), addition.load("test", path=DATA)
    assert len(train) == 45000 and len(test) == 5000
    for q, a in train[:200] + test[:200]:
        x, y = map(int, q.split("+"))
        assert int(a) == x + y
    assert not set(train) & set(test)
    padded = addition.load("test", path=DATA, strip=False)
    assert all(len(q) == 7 and len(a) == 4 for q, a in padded[:50])
    (x_train, t_train), (x_test, t_test), vocab = addition.load_book_arrays(DATA)
    assert x_train.shape == (45000, 7) and t_train.shape == (45000, 5) and x_test.shape == (5000, 7)
    assert "".join(vocab.index_to_token) == "16+75 _920384"                   # the book's id order
    assert vocab.decode(x_test[0]).strip() == test[0][0]
    assert vocab.decode(t_test[0]) == "_" + padded[0][1]


def test_addition_generator_is_seeded_correct_and_unique():
    a, b = addition.generate(500, seed=1), addition.generate(500, seed=1)
    assert a == b and a != addition.generate(500, seed=2)
    assert len({q for q, _ in a}) == 500
    for q, s in a:
        x, y = map(int, q.split("+"))
        assert 0 <= x <= 999 and 0 <= y <= 999 and int(s) == x + y
    padded = addition.generate(5, seed=0, pad=True)
    assert all(len(q) == 7 and len(s) == 4 for q, s in padded)
    with pytest.raises(ValueError):
        addition.generate(200, max_value=9)


# ---------------------------------------------------------------- dates


@needs_data
def test_dates_file_book_split_and_ids():
    train, test = dates.load("train", path=DATA), dates.load("test", path=DATA)
    assert len(train) == 45000 and len(test) == 5000
    for _, answer in train[:300]:
        datetime.date.fromisoformat(answer)
    (x_train, t_train), _, vocab = dates.load_book_arrays(DATA)
    assert x_train.shape == (45000, 29) and t_train.shape == (45000, 11)
    assert "".join(vocab.index_to_token) == "septmbr 27,194_-0Aug38/TUESDYPMBR5JN6ailOcoGFynCWdILjHvhVfw"


def test_dates_generator_formats():
    pairs = dates.generate(2000, seed=0)
    assert pairs == dates.generate(2000, seed=0)
    patterns = set()
    for question, answer in pairs:
        date = datetime.date.fromisoformat(answer)
        assert 1970 <= date.year <= 2017
        if "/" in question:
            m, d, y = map(int, question.split("/"))
            assert (m, d, y) == (date.month, date.day, date.year % 100)
            patterns.add("m/d/yy")
        else:
            words = question.replace(",", "").split()
            assert words[-1] == str(date.year) and words[-2] == str(date.day)
            assert date.strftime("%B").lower().startswith(words[-3].lower())
            if len(words) == 4:
                assert words[0].lower() == date.strftime("%A").lower()
            patterns.add(re.sub(r"[a-z]", "a", re.sub(r"[A-Z]", "A", words[-3]))[:2])
    assert {"m/d/yy", "Aa", "aa", "AA"} <= patterns                              # all formats and cases occur
    assert dates.format_date(datetime.date(1984, 9, 25), "Weekday, Month d, yyyy", "upper") == \
        "TUESDAY, SEPTEMBER 25, 1984"
    assert dates.format_date(datetime.date(1993, 2, 10), "m/d/yy") == "2/10/93"


def test_missing_file_names_the_paths(tmp_path):
    with pytest.raises(FileNotFoundError, match="addition.txt"):
        addition.load(path=tmp_path)


# ---------------------------------------------------------------- heatmap


def test_plot_attention_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    weights = numpy.random.default_rng(0).dirichlet(numpy.ones(4), size=3)
    path = tmp_path / "attention.png"
    nn.plot_attention(weights, "abcd", ["x", "y", "<eos>"], path=str(path), title="t")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError):
        nn.plot_attention(weights, "abc", "xyz")
