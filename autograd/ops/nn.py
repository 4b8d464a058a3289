"""Neural-network ops: softmax, log_softmax, dropout and embedding lookup.

Each op is one node with a hand-written backward, because they sit on the hot
path of every classifier and language model:

    >>> probs = autograd.softmax(logits, axis=-1)            # rows sum to 1
    >>> h = autograd.dropout(autograd.embedding(W, ids), p=0.1, training=True)

Backward formulas use operators, array methods and `self.xp`, so that under
create_graph=True they build a differentiable graph (higher-order gradients).
"""
import numpy

from .. import backend
from ..errors import ShapeError, DTypeError, IndexOutOfRangeError, ArgumentError, AxisError
from ..graph import Function
from .checks import check_axis, ndim_of
from .registry import declare, Sample, uniform, unary_shaped, ErrorInput
from ..tensor import unwrap
from .arguments import alias

__all__ = ["softmax", "log_softmax", "dropout", "embedding"]


# ---------------------------------------------------------------- softmax family


class Softmax(Function):
    """y = exp(x) / Σ exp(x) along `axis`; its vector-Jacobian product is y (g - Σ g y)."""

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        if x.size == 0:  # nothing to normalise (and the max of an empty axis is undefined)
            y = x.copy()
        else:
            y = self.xp.softmax(x, axis=self.axis)  # subtracts the max: no overflow
        self.save_for_backward(y)
        return y

    formula = "∂L/∂x = y·(g − Σ g·y)"

    def backward(self, grad):
        y, = self.saved_tensors
        return y * (grad - (grad * y).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """y = x - log Σ exp(x) along `axis`; its vector-Jacobian product is g - exp(y) Σ g."""

    def __init__(self, axis=-1):
        self.axis = axis

    def forward(self, x):
        xp = self.xp
        if x.size == 0:
            y = x.copy()
        else:
            shifted = x - x.max(axis=self.axis, keepdims=True)  # the largest entry becomes 0: exp never overflows
            y = shifted - xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))
        self.save_for_backward(y)
        return y

    formula = "∂L/∂x = g − softmax(x)·Σ g"

    def backward(self, grad):
        y, = self.saved_tensors
        return grad - self.xp.exp(y) * grad.sum(axis=self.axis, keepdims=True)


def _softmax_dim(op, x, dim, axis):
    """dim (or its alias axis); without one, the last dim for 1-D and 2-D inputs, which is what
    PyTorch's implicit choice gives there (it differs for other ranks, so there it must be given)."""
    dim = alias(op, "dim", dim, "axis", axis)
    if dim is None:
        if getattr(x, "ndim", 0) > 2:
            raise ArgumentError(f"{op}: give dim= for an input of shape {tuple(x.shape)} (PyTorch's implicit "
                                f"dim would be {0 if x.ndim == 3 else 1}, not the last)")
        return -1
    check_axis(op, dim, ndim_of(x), allow_none=False)
    return dim


def softmax(input, dim=None, dtype=None, *, axis=None):  # noqa: A002 (PyTorch's argument names)
    """Normalised exponentials along `dim` (numerically stable).

    >>> autograd.softmax(autograd.tensor([1.0, 2.0, 3.0]), dim=0)      # [0.090, 0.245, 0.665]
    """
    x = input if dtype is None else input.to(dtype=dtype)
    return Softmax(_softmax_dim("softmax", x, dim, axis))(x)


def log_softmax(input, dim=None, dtype=None, *, axis=None):  # noqa: A002
    """log(softmax(x)) along `dim`, computed without taking the log of tiny probabilities.

    >>> autograd.log_softmax(autograd.tensor([0.0, 1000.0]), dim=0)    # [-1000., 0.], not [-inf, 0.]
    """
    x = input if dtype is None else input.to(dtype=dtype)
    return LogSoftmax(_softmax_dim("log_softmax", x, dim, axis))(x)


# ---------------------------------------------------------------- dropout


class Dropout(Function):
    """Zero each element with probability p and scale the survivors by 1/(1-p).

    Scaling at training time ("inverted dropout") keeps the expected value of
    every element unchanged, so evaluation needs no rescaling at all. The mask
    is drawn in forward and is a constant of the graph.
    """

    def __init__(self, p):
        self.p = p

    def forward(self, x):
        keep = _random_uniform(x.shape, x) >= self.p  # each element survives with probability 1 - p
        # a Python float scale keeps float32 float32 (a NumPy float64 would promote it)
        mask = keep.astype(x.dtype) * (1.0 / (1.0 - self.p))
        self.save_for_backward(mask)
        return x * mask

    formula = "∂y/∂x = mask/(1 − p)"

    def backward(self, grad):
        mask, = self.saved_tensors
        return grad * mask


class Identity(Function):
    """Dropout outside training: the values unchanged, but a new tensor (as every op returns)."""

    def forward(self, x):
        return x

    formula = "∂y/∂x = 1"

    def backward(self, grad):
        return grad


def _random_uniform(shape, like):
    """Uniform [0, 1) samples on `like`'s device, from the library's seeded generators."""
    if backend.is_cupy_array(like):
        return backend.cupy.random.random(shape, dtype=numpy.float32)
    from ..creation import generator

    return generator().random(shape, dtype=numpy.float32)


def dropout(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Randomly zero elements with probability `p` while training (identity otherwise).

    >>> autograd.manual_seed(0)
    >>> autograd.dropout(autograd.ones(6), p=0.5)      # e.g. [2., 0., 2., 2., 0., 0.]
    """
    x = input
    if inplace:
        raise ArgumentError("dropout: inplace=True is not supported; use the returned tensor")
    if not 0.0 <= p < 1.0:
        raise ArgumentError(f"dropout: p must be in [0, 1), got {p}")
    if not training or p == 0:
        return Identity()(x)
    return Dropout(float(p))(x)


# ---------------------------------------------------------------- embedding


class Embedding(Function):
    """Rows of a (V, D) weight matrix picked by integer ids.

    Backward sends each output row's gradient back to the row it came from;
    ids that repeat accumulate. Only the looked-up rows are touched: a
    scatter-add of N rows, never an (N, V) one-hot product.
    """

    def __init__(self, padding_idx=None):
        self.padding_idx = padding_idx

    def forward(self, weight, indices):
        indices = self.xp.asarray(indices)  # a 0-d id arrives as a Python int
        # The ids are a constant: kept as an attribute, not saved (saved arrays become tensors).
        self.rows = indices.reshape(-1)
        self.weight_shape = weight.shape
        return weight[indices]

    formula = "∂L/∂W[i] = Σ of the rows of g whose id is i"

    def backward(self, grad):
        if not self.needs_input_grad[0]:
            return None, None
        vocabulary, width = self.weight_shape
        grad_rows = grad.reshape(-1, width)
        if self.padding_idx is not None:  # the padding row is a fixed vector: it learns nothing
            grad_rows = grad_rows * (self.rows != self.padding_idx).astype(grad_rows.dtype).reshape(-1, 1)
        return self.xp.add_at((vocabulary, width), self.rows, grad_rows), None


def _integer_ids(op, indices, like):
    """An integer array of ids on `like`'s device, from a list, an ndarray or an int Tensor."""
    # a Tensor's ids are its .data (an ndarray's own .data is a raw buffer, hence the test)
    data = unwrap(indices)
    if isinstance(data, (list, tuple, int)) or isinstance(data, numpy.integer):
        data = numpy.asarray(data)
    if not hasattr(data, "dtype") or data.dtype.kind not in "iu":
        dtype = getattr(data, "dtype", type(data).__name__)
        raise DTypeError(f"{op}: ids must be integers, got {dtype}")
    return backend.to_device(data, backend.device_of(like))


def embedding(weight, indices, padding_idx=None):
    """Look up rows of `weight` (V, D) for integer `indices` of any shape: result (..., D).

    >>> W = autograd.randn(10, 4, requires_grad=True)
    >>> autograd.embedding(W, numpy.array([[1, 2], [2, 9]])).shape     # (2, 2, 4)
    """
    if weight.ndim != 2:
        raise ShapeError(f"embedding: weight must be a (num_embeddings, dim) matrix, got shape {tuple(weight.shape)}")
    vocabulary = weight.shape[0]
    ids = _integer_ids("embedding", indices, unwrap(weight))
    if ids.size:  # NumPy would wrap a negative id around silently; PyTorch refuses it too
        low, high = int(ids.min()), int(ids.max())
        if low < 0 or high >= vocabulary:
            raise IndexOutOfRangeError(f"embedding: id {low if low < 0 else high} is out of range for a table of "
                             f"{vocabulary} rows")
    if padding_idx is not None:
        if not -vocabulary <= padding_idx < vocabulary:
            raise IndexOutOfRangeError(f"embedding: padding_idx {padding_idx} is out of range for {vocabulary} rows")
        padding_idx = padding_idx % vocabulary  # -1 means the last row, as in PyTorch
    return Embedding(padding_idx)(weight, ids)


# ---------------------------------------------------------------- declarations


def _np_softmax(x, axis=-1):
    e = numpy.exp(x - numpy.max(x, axis=axis, keepdims=True, initial=-numpy.inf))
    return e / numpy.sum(e, axis=axis, keepdims=True)


def _np_log_softmax(x, axis=-1):
    m = numpy.max(x, axis=axis, keepdims=True, initial=-numpy.inf)
    with numpy.errstate(divide="ignore"):  # an empty axis sums to 0
        return x - m - numpy.log(numpy.sum(numpy.exp(x - m), axis=axis, keepdims=True))


def _softmax_samples(rng):
    return [Sample((uniform(rng, (4,)),), {}),
            Sample((uniform(rng, (2, 5)),), {}, "rows"),
            Sample((uniform(rng, (2, 3)),), {"axis": 0}, "columns"),
            Sample((uniform(rng, (2, 3, 4)),), {"axis": 1}, "middle axis"),
            Sample((uniform(rng, (2, 3), -30, 30),), {}, "large logits")]


def _np_embedding(weight, indices, padding_idx=None):
    return numpy.take(weight, indices, axis=0)


def _embedding_samples(rng):
    # no padding_idx here: its zero gradient is a convention, not the derivative gradcheck measures
    # (tested in tests/test_ops_nn_extra.py)
    weight = uniform(rng, (5, 3))
    return [Sample((weight, numpy.array([0, 3, 3, 1])), {}, "repeated ids"),
            Sample((uniform(rng, (6, 2)), rng.integers(0, 6, size=(2, 3))), {}, "2-D ids"),
            Sample((uniform(rng, (3, 2)), numpy.array(2)), {}, "one id")]


def _embedding_shaped(rng, shape):
    return Sample((uniform(rng, (4, 3)), rng.integers(0, 4, size=shape)), {})


def _nn_errors(rng):
    def refused(error, match, *args, **kwargs):
        return ErrorInput(Sample(args, kwargs), error, match)

    table = uniform(rng, (4, 2))
    return {
        "softmax": [refused(AxisError, "softmax: axis 2 is out of range for 2-d", uniform(rng, (2, 3)), axis=2)],
        "log_softmax": [refused(AxisError, "log_softmax: axis -3 is out of range for 2-d", uniform(rng, (2, 3)),
                                axis=-3)],
        "dropout": [refused(ArgumentError, r"dropout: p must be in \[0, 1\), got 1.5", uniform(rng, (3,)), p=1.5),
                    refused(ArgumentError, "dropout: p must be in", uniform(rng, (3,)), p=-0.1)],
        "embedding": [refused(IndexOutOfRangeError, "embedding: id 4 is out of range for a table of", table,
                              numpy.array([0, 4])),
                      refused(IndexOutOfRangeError, "embedding: id -1 is out of range", table, numpy.array([-1])),
                      refused(DTypeError, "embedding: ids must be integers", table, numpy.array([0.5])),
                      refused(ShapeError, "embedding: weight must be a", uniform(rng, (4,)), numpy.array([0])),
                      refused(IndexOutOfRangeError, "embedding: padding_idx 7 is out of range", table,
                              numpy.array([0]), padding_idx=7)],
    }


def _errors_of(name):
    return lambda rng: _nn_errors(rng)[name]


declare("softmax", softmax, _np_softmax, _softmax_samples, shaped=unary_shaped(axis=-1),
        error_inputs=_errors_of("softmax"))
declare("log_softmax", log_softmax, _np_log_softmax, _softmax_samples, shaped=unary_shaped(axis=-1),
        error_inputs=_errors_of("log_softmax"))
# Dropout is random while training; its declared forms are the deterministic ones (the
# train-mode mask and scaling are checked in tests/test_ops_nn_extra.py).
declare("dropout", dropout, lambda x, p=0.5, training=True: x,
        lambda rng: [Sample((uniform(rng, (2, 3)),), {"training": False}, "evaluation"),
                     Sample((uniform(rng, (4,)),), {"p": 0.0}, "p = 0")],
        shaped=unary_shaped(training=False),
        error_inputs=_errors_of("dropout"))
declare("embedding", embedding, _np_embedding, _embedding_samples, shaped=_embedding_shaped,
        error_inputs=_errors_of("embedding"))
