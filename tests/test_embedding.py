"""nn.Embedding: lookup, sparse gradient, padding row, pretrained matrices."""
import numpy
import pytest

import autograd
from autograd import nn


def test_lookup_and_gradient_accumulate_on_repeated_ids():
    emb = nn.Embedding(5, 3)
    ids = numpy.array([[1, 4], [1, 0]])
    out = emb(ids)
    assert out.shape == (2, 2, 3) and out.dtype == numpy.float32
    numpy.testing.assert_array_equal(out.numpy()[0, 0], emb.weight.numpy()[1])
    out.sum().backward()
    numpy.testing.assert_array_equal(emb.weight.grad.numpy()[:, 0], [1, 2, 0, 0, 1])


def test_gradcheck():
    emb = nn.Embedding(6, 2, dtype="float64")
    ids = numpy.array([[0, 5, 5], [2, 0, 1]])
    assert autograd.gradcheck(lambda w: autograd.embedding(w, ids), [emb.weight])


def test_padding_row_is_zero_and_learns_nothing():
    emb = nn.Embedding(4, 2, padding_idx=0)
    numpy.testing.assert_array_equal(emb.weight.numpy()[0], 0)
    emb(numpy.array([0, 0, 3])).sum().backward()
    numpy.testing.assert_array_equal(emb.weight.grad.numpy()[0], 0)
    numpy.testing.assert_array_equal(emb.weight.grad.numpy()[3], 1)


def test_from_pretrained_freezes_by_default():
    matrix = numpy.arange(12, dtype=numpy.float32).reshape(4, 3)
    emb = nn.Embedding.from_pretrained(matrix)
    numpy.testing.assert_array_equal(emb(numpy.array([2])).numpy(), matrix[2:3])
    assert not emb.weight.requires_grad and list(p for p in emb.parameters() if p.requires_grad) == []
    trainable = nn.Embedding.from_pretrained(matrix, freeze=False)
    assert trainable.weight.requires_grad
    matrix[0, 0] = 100  # a copy was taken
    assert trainable.weight.numpy()[0, 0] == 0


def test_large_vocabulary_backward_touches_only_looked_up_rows():
    emb = nn.Embedding(10000, 8)
    emb(numpy.array([[3, 9999]])).sum().backward()
    grad = emb.weight.grad.numpy()
    assert set(numpy.nonzero(grad.any(axis=1))[0]) == {3, 9999}


def test_errors():
    with pytest.raises(IndexError):
        nn.Embedding(3, 2)(numpy.array([3]))
    with pytest.raises(autograd.ShapeError):
        nn.Embedding.from_pretrained(numpy.zeros(3))
