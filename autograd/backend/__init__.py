"""Which array module does the arithmetic: NumPy on the CPU, CuPy on a CUDA GPU.

Everything device-specific is decided here, from the type of the arrays, so the
ops never test for a device themselves:

    >>> xp = get_array_module(x.data)      # numpy or cupy
    >>> y = to_device(x.data, 'cuda')      # raises DeviceError without a usable GPU

`namespace(array)` gives the module plus the few functions that backward
formulas need and NumPy lacks (sigmoid, softmax, add_at, permute, erf).

With AUTOGRAD_EMULATE_CUDA=1 in the environment when autograd is imported,
`cupy` and `cupyx` below are the strict CPU stand-in of `emulation.py`
instead of the real ones, for testing the CUDA paths without a GPU.
"""
import os

import numpy

from ..errors import DeviceError, DTypeError

# Read once: switching devices' meaning while arrays exist would mix the two kinds.
EMULATED_CUDA = os.environ.get("AUTOGRAD_EMULATE_CUDA", "") == "1"

if EMULATED_CUDA:
    from .emulation import cupy, cupyx
else:
    try:  # CuPy is an optional extra; importing it works even without a GPU.
        import cupy
    except ImportError:  # pragma: no cover - depends on the machine
        cupy = None
    cupyx = None  # imported on first use: cupyx.scipy pulls in much more than cupy

_DEFAULT_DTYPE = [numpy.dtype(numpy.float32)]


def set_default_dtype(dtype):
    """Floating dtype given to Python floats and lists (float32 unless changed)."""
    dtype = numpy.dtype(dtype)
    if dtype.kind != "f":
        raise DTypeError(f"the default dtype must be a floating dtype, not {dtype}")
    _DEFAULT_DTYPE[0] = dtype


def get_default_dtype():
    return _DEFAULT_DTYPE[0]


def cuda_available():
    """True when CuPy is installed and can reach a GPU."""
    if cupy is None:
        return False
    if EMULATED_CUDA:
        return True
    try:
        return bool(cupy.is_available())
    except Exception:  # a broken CUDA install must not break the CPU path
        return False


def is_cupy_array(array):
    return cupy is not None and isinstance(array, cupy.ndarray)


def get_array_module(array):
    """numpy or cupy, whichever owns `array`."""
    return cupy if is_cupy_array(array) else numpy


def device_of(array):
    return "cuda" if is_cupy_array(array) else "cpu"


def check_device(device):
    """Normalise 'cpu' / 'cuda' / 'cuda:0' / None to 'cpu' or 'cuda'."""
    if device is None:
        return None
    name = str(device).split(":")[0]
    if name not in ("cpu", "cuda"):
        raise DeviceError(f"unknown device {device!r}; use 'cpu' or 'cuda'")
    if name == "cuda" and not cuda_available():
        reason = ("CuPy is not installed (pip install 'autograd-dag[cuda]')" if cupy is None
                  else "CuPy found no usable CUDA GPU")
        raise DeviceError(f"cannot use device {device!r}: {reason}")
    return name


def to_device(array, device):
    """Move an array to 'cpu' or 'cuda' (a no-op when it is already there)."""
    device = check_device(device)
    if device is None or device == device_of(array):
        return array
    if device == "cuda":
        return cupy.asarray(array)
    return cupy.asnumpy(array)


def as_array(data, dtype=None, device=None, copy=False):
    """Turn Python numbers, lists and arrays into an ndarray.

    Python floats and lists of floats get the default dtype (float32); a given
    ndarray keeps its dtype unless `dtype` says otherwise, and is copied when `copy`.
    """
    if is_cupy_array(data) or isinstance(data, numpy.ndarray):
        if dtype is None:
            array = data.copy() if copy else data
        else:
            array = data.astype(dtype, copy=copy)
    else:
        array = numpy.asarray(data, dtype=dtype)
        if dtype is None and array.dtype == numpy.float64 and not isinstance(data, numpy.generic):
            array = array.astype(get_default_dtype())
    return to_device(array, device)


def scatter_add(shape, index, values, xp=None):
    """zeros(shape) with `values` added at `index`; repeated indices accumulate.

    The gradient of `x[index]`. For the common embedding case (one integer
    array on axis 0) the rows are added through flattened 1-D indices, which
    is several times faster than `np.add.at` on 2-D rows (see PERFORMANCE.md).
    """
    xp = get_array_module(values) if xp is None else xp  # the device of `values`, unless told
    out = xp.zeros(shape, dtype=values.dtype)
    add_at = xp.add.at if xp is numpy else cupyx_scatter_add()
    if _is_row_lookup(index, xp) and len(shape) >= 1:
        rows = index.reshape(-1)
        width = int(numpy.prod(shape[1:], dtype=numpy.int64))
        flat = (rows[:, None] * width + xp.arange(width)).reshape(-1)
        add_at(out.reshape(-1), flat, values.reshape(-1))
    else:
        add_at(out, index, values)
    return out


def _is_row_lookup(index, xp):
    return isinstance(index, xp.ndarray) and index.dtype.kind in "iu" and index.ndim >= 1


def _cupyx():
    """cupyx (CuPy's extras: scatter_add, scipy.special), or the stand-in's."""
    if cupyx is not None:
        return cupyx
    import importlib

    importlib.import_module("cupyx.scipy.special")  # a submodule: imported for its attribute
    return importlib.import_module("cupyx")


def cupyx_scatter_add():
    return _cupyx().scatter_add  # the GPU scatter-add lives in cupyx, not cupy


def erf(x):
    """Elementwise error function (SciPy's when present, else math.erf element by element)."""
    if is_cupy_array(x):
        return _cupyx().scipy.special.erf(x)
    return numpy_erf(x)


def numpy_erf(x):
    """erf of a NumPy array."""
    try:
        from scipy.special import erf as scipy_erf

        return scipy_erf(x)
    except ImportError:
        import math

        return numpy.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()


class ArrayNamespace:
    """An array module plus the functions backward formulas use that NumPy lacks.

    Backward formulas are written against `xp`: NumPy/CuPy when plain gradients
    are computed, the differentiable `autograd.ops` when `create_graph=True`.
    Both must therefore offer the same names.
    """

    def __init__(self, module):
        self.module = module

    def __getattr__(self, name):  # first use of a NumPy name: cache it on the instance
        value = getattr(self.module, name)
        setattr(self, name, value)
        return value

    def sigmoid(self, x):
        xp = self.module
        # exp of a non-positive number never overflows
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))

    def softmax(self, x, axis=-1):
        e = self.module.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    def add_at(self, shape, index, values):
        return scatter_add(shape, index, values, self.module)

    def permute(self, x, dims):   # PyTorch's name for an axes permutation (autograd.ops has it too)
        return x.transpose(dims)

    def erf(self, x):
        return erf(x)


numpy_namespace = ArrayNamespace(numpy)
cupy_namespace = ArrayNamespace(cupy) if cupy is not None else None


def namespace(array):
    """The ArrayNamespace for `array`'s device."""
    if type(array) is numpy.ndarray:
        return numpy_namespace
    return cupy_namespace if is_cupy_array(array) else numpy_namespace
