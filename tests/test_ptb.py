"""Penn Treebank loader and the truncated-BPTT batcher."""
import os

import numpy
import pytest

from autograd.datasets import ptb
from autograd.text import TBPTTBatcher

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "ptb")
needs_ptb = pytest.mark.skipif(not os.path.isfile(os.path.join(DATA, "ptb.train.txt")),
                               reason="PTB files not found in ../shared/data/ptb")


@needs_ptb
def test_splits_sizes_and_vocabulary_order():
    train, word_to_id, id_to_word = ptb.load("train", DATA)
    assert len(train) == 929589 and len(word_to_id) == 10000 == len(id_to_word)
    assert [id_to_word[i] for i in range(3)] == ["aer", "banknote", "berlitz"]
    assert train.dtype == numpy.int64 and train[:3].tolist() == [0, 1, 2]
    assert id_to_word[int(train[24])] == "<eos>"  # the first line has 24 words
    valid, _, _ = ptb.load("valid", DATA)
    test, w2, _ = ptb.load("test", DATA)
    assert len(valid) == 73760 and len(test) == 82430 and w2 == word_to_id


def test_missing_files_say_where_to_put_them(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"ptb\.train\.txt.*Put ptb\.train\.txt"):
        ptb.load("train", str(tmp_path))
    with pytest.raises(ValueError, match="split"):
        ptb.load("dev", str(tmp_path))


def test_small_files_in_any_directory(tmp_path):
    (tmp_path / "ptb.train.txt").write_text(" a b c \n b a \n")
    (tmp_path / "ptb.valid.txt").write_text(" c c \n")
    corpus, word_to_id, _ = ptb.load("train", str(tmp_path))
    assert corpus.tolist() == [0, 1, 2, 3, 1, 0, 3] and word_to_id["<eos>"] == 3
    assert ptb.load("valid", str(tmp_path))[0].tolist() == [2, 2, 3]


def test_batcher_streams_start_at_even_offsets_and_continue():
    corpus = numpy.arange(101)
    batches = TBPTTBatcher(corpus, batch_size=4, time_steps=10)
    assert batches.offsets.tolist() == [0, 25, 50, 75] and len(batches) == 3
    pieces = list(batches)
    x0, y0 = pieces[0]
    assert x0.shape == (4, 10)
    numpy.testing.assert_array_equal(x0[:, 0], [0, 25, 50, 75])
    numpy.testing.assert_array_equal(y0, x0 + 1)  # targets are the next words
    x1, _ = pieces[1]
    numpy.testing.assert_array_equal(x1[:, 0], x0[:, -1] + 1)  # each stream continues
    assert pieces[2][0].shape == (4, 5)  # the last batch is shorter
    assert len(TBPTTBatcher(corpus, 4, 10, drop_last=True)) == 2
    with pytest.raises(ValueError):
        TBPTTBatcher(numpy.arange(3), batch_size=5, time_steps=2)
