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


def zeros(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3)), float32 by default."""
    return _make(numpy.zeros(_shape(size), _dtype(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of ones: ones(2, 3) or ones((2, 3))."""
    return _make(numpy.ones(_shape(size), _dtype(dtype)), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False):
    """A tensor to be filled in (PyTorch leaves its values undefined; here they are zeros)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor of `size` filled with `fill_value`."""
    size = (size,) if isinstance(size, int) else tuple(size)
    return _make(numpy.full(size, fill_value, _dtype(dtype)), requires_grad, device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    """The n x m identity matrix (square by default)."""
    return _make(numpy.eye(n, m, dtype=_dtype(dtype)), requires_grad, device)


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """start, start + step, ... below end (arange(n) is 0..n-1); integers give int64, floats the default
    float dtype, as in PyTorch.

    >>> autograd.arange(5), autograd.arange(0.0, 1.0, 0.25)
    """
    values = numpy.arange(start, end, step) if end is not None else numpy.arange(start)
    if dtype is not None:
        values = values.astype(dtype)
    elif values.dtype.kind == "f":
        values = values.astype(backend.get_default_dtype())
    return _make(values, requires_grad, device)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """`steps` evenly spaced values from start to end, both included.

    >>> autograd.linspace(0, 1, 5)                  # tensor([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    return _make(numpy.linspace(start, end, int(steps)).astype(_dtype(dtype)), requires_grad, device)


def randn(*size, dtype=None, device=None, requires_grad=False):
    """Standard normal samples."""
    return _make(generator().standard_normal(_shape(size)).astype(_dtype(dtype)), requires_grad, device)


def rand(*size, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1)."""
    return _make(generator().random(_shape(size)).astype(_dtype(dtype)), requires_grad, device)


def randint(low, high, size, *, dtype=None, device=None):
    """Integers drawn uniformly from [low, high) (int64 unless dtype says otherwise)."""
    values = generator().integers(low, high, size=size)
    return _make(values.astype(dtype) if dtype is not None else values, False, device)


def _like(t, values, dtype, requires_grad, device=None):
    data = t.data if isinstance(t, Tensor) else backend.as_array(t)
    array = values(data.shape, dtype if dtype is not None else data.dtype)
    return _make(array, requires_grad, device if device is not None else backend.device_of(data))


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):  # noqa: A002 (PyTorch's names)
    return _like(input, numpy.zeros, dtype, requires_grad, device)


def ones_like(input, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return _like(input, numpy.ones, dtype, requires_grad, device)


def empty_like(input, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    """A tensor of input's shape to be filled in (zeros here)."""
    return _like(input, numpy.zeros, dtype, requires_grad, device)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return _like(input, lambda s, d: numpy.full(s, fill_value, d), dtype, requires_grad, device)


def randn_like(input, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return _like(input, lambda s, d: generator().standard_normal(s).astype(d), dtype, requires_grad, device)


def rand_like(input, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return _like(input, lambda s, d: generator().random(s).astype(d), dtype, requires_grad, device)
