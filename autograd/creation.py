"""Making tensors: zeros, ones, full, arange, random ones, and the random seed.

    >>> autograd.manual_seed(0)
    >>> w = autograd.randn(3, 2, requires_grad=True)     # float32, N(0, 1)
"""
import numpy

from . import backend
from .tensor import Tensor

_generator = [numpy.random.default_rng()]


def manual_seed(seed):
    """Seed every random draw of the library (randn, rand, dropout, init, shuffling)."""
    _generator[0] = numpy.random.default_rng(seed)
    if backend.cuda_available():
        backend.cupy.random.seed(seed)


def generator():
    """The library's NumPy random Generator (reseeded by manual_seed)."""
    return _generator[0]


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _dtype(dtype):
    return numpy.dtype(dtype) if dtype is not None else backend.get_default_dtype()


def _make(array, requires_grad, device, name=None):
    return Tensor(backend.to_device(array, device), requires_grad=requires_grad, name=name)


def zeros(*shape, dtype=None, requires_grad=False, device=None):
    return _make(numpy.zeros(_shape(shape), _dtype(dtype)), requires_grad, device)


def ones(*shape, dtype=None, requires_grad=False, device=None):
    return _make(numpy.ones(_shape(shape), _dtype(dtype)), requires_grad, device)


def full(shape, fill_value, dtype=None, requires_grad=False, device=None):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _make(numpy.full(shape, fill_value, _dtype(dtype)), requires_grad, device)


def eye(n, m=None, dtype=None, requires_grad=False, device=None):
    return _make(numpy.eye(n, m, dtype=_dtype(dtype)), requires_grad, device)


def arange(start, stop=None, step=1, dtype=None, requires_grad=False, device=None):
    """Like numpy.arange: integers give int64, floats the default float dtype."""
    values = numpy.arange(start, stop, step) if stop is not None else numpy.arange(start)
    if dtype is not None:
        values = values.astype(dtype)
    elif values.dtype.kind == "f":
        values = values.astype(backend.get_default_dtype())
    return _make(values, requires_grad, device)


def randn(*shape, dtype=None, requires_grad=False, device=None):
    """Standard normal samples."""
    return _make(generator().standard_normal(_shape(shape)).astype(_dtype(dtype)), requires_grad, device)


def rand(*shape, dtype=None, requires_grad=False, device=None):
    """Uniform samples in [0, 1)."""
    return _make(generator().random(_shape(shape)).astype(_dtype(dtype)), requires_grad, device)


def randint(low, high, shape, device=None):
    return _make(generator().integers(low, high, size=shape), False, device)


def _like(t, values, dtype, requires_grad):
    data = t.data if isinstance(t, Tensor) else backend.as_array(t)
    array = values(data.shape, dtype if dtype is not None else data.dtype)
    return _make(array, requires_grad, backend.device_of(data))


def zeros_like(t, dtype=None, requires_grad=False):
    return _like(t, numpy.zeros, dtype, requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return _like(t, numpy.ones, dtype, requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False):
    return _like(t, lambda s, d: numpy.full(s, fill_value, d), dtype, requires_grad)


def randn_like(t, dtype=None, requires_grad=False):
    return _like(t, lambda s, d: generator().standard_normal(s).astype(d), dtype, requires_grad)


def rand_like(t, dtype=None, requires_grad=False):
    return _like(t, lambda s, d: generator().random(s).astype(d), dtype, requires_grad)
