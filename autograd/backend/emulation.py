"""A strict CPU stand-in for CuPy, so that the CUDA code paths run in tests on any machine.

Switched on only by the environment variable AUTOGRAD_EMULATE_CUDA=1, read
once when `autograd` is imported; the backend then uses `cupy` and `cupyx`
from this module instead of the real ones, and the device 'cuda' exists:

    $ AUTOGRAD_EMULATE_CUDA=1 python -m pytest -m cuda        # the CUDA tests, on the CPU
    >>> autograd.tensor([1.0, 2.0], device="cuda").data       # an emulation.ndarray

The arrays are NumPy arrays behind a wall. They are a distinct type (not a
numpy.ndarray subclass) and behave like CuPy's where CuPy differs from NumPy,
because that is where the bugs of code only ever run on NumPy hide:

- implicit conversion to NumPy raises TypeError (`numpy.asarray(x)`,
  `numpy.testing.assert_allclose(x, ...)`); `.get()` and `cupy.asnumpy(x)` are
  the ways to the host, `float(x)` / `x.item()` the ways to a Python number;
- reductions and full indexing give 0-d arrays, never NumPy scalars;
- a NumPy array meeting a device array in one operation raises TypeError
  (Python and NumPy scalars are fine, as in CuPy);
- ufunc methods such as `numpy.add.at` are missing: use `backend.scatter_add`
  (CuPy's is `cupyx.scatter_add`);
- the namespace has only names CuPy has (an unknown name is an AttributeError
  that says so), and `ElementwiseKernel` runs the kernel's NumPy twin, looked up
  by name in `kernels.NUMPY_TWINS`, after checking its arguments the way the
  CUDA kernel needs them (device arrays, one dtype for `T`, contiguous `raw`).

What it does NOT prove: that the CUDA kernels compile and run on a GPU, or
anything about speed; only a GPU shows those (benchmarks/gpu/device_check.sh).
(That the kernels' C source computes what the twins compute is checked apart,
by evaluating the source on NumPy in tests/test_emulation.py.)

Every device operation counts one in `launches()`, a lower bound on the CUDA
kernel launches the same code would make on a GPU.
"""
import operator
import types

import numpy

_LAUNCHES = [0]
_TRACE = [None]  # a list collecting the names of the operations, while `trace()` is on


def launches():
    """Device operations run so far (each is at least one kernel launch on a real GPU)."""
    return _LAUNCHES[0]


class trace:
    """Record the names of the device operations run inside the block.

    >>> with emulation.trace() as names: layer(x)
    >>> collections.Counter(names).most_common(5)
    """

    def __enter__(self):
        self.previous, _TRACE[0] = _TRACE[0], []
        return _TRACE[0]

    def __exit__(self, *exc):
        _TRACE[0] = self.previous


_MIXING = ("Unsupported type {}: a NumPy array met a CUDA array in one operation "
           "(move it first, e.g. with backend.to_device)")


# ---------------------------------------------------------------- crossing the wall


def _host(value):
    """The NumPy value behind `value`, for running NumPy on it; refuses NumPy arrays."""
    if type(value) is ndarray:
        return value._host
    if isinstance(value, numpy.ndarray):
        raise TypeError(_MIXING.format(type(value)))
    if type(value) in (tuple, list):
        return type(value)(_host(v) for v in value)
    if isinstance(value, slice):
        return slice(_host(value.start), _host(value.stop), _host(value.step))
    return value


def _device(value, inputs=()):
    """Wrap NumPy results as device arrays; a NumPy scalar becomes a 0-d array, as in CuPy.

    A result that is an input's own buffer is that input (as `astype(copy=False)` gives
    back the array itself); one that shares an input's memory is a view, whose `base` is
    the array owning that memory, as in CuPy.
    """
    if isinstance(value, numpy.ndarray):
        for array in inputs:
            if value is array._host:
                return array
        for array in inputs:
            if numpy.may_share_memory(value, array._host):
                return ndarray(value, base=array if array._base is None else array._base)
        return ndarray(value)
    if isinstance(value, numpy.generic):
        return ndarray(numpy.asarray(value))
    if type(value) in (tuple, list):
        return type(value)(_device(v, inputs) for v in value)
    return value


def _arrays_in(values):
    """The device arrays among `values` (looking into lists and tuples)."""
    for value in values:
        if type(value) is ndarray:
            yield value
        elif type(value) in (tuple, list):
            yield from _arrays_in(value)


def _count(name):
    _LAUNCHES[0] += 1
    if _TRACE[0] is not None:
        _TRACE[0].append(name)


def _run(function, args, kwargs):
    """One device operation: NumPy's `function` on the values behind the arguments."""
    out = kwargs.get("out")
    if type(out) is tuple and len(out) == 1:  # NumPy hands ufunc overrides `out` as a tuple
        out = out[0]
    host_args = _host(args)
    result = function(*host_args, **{k: _host(v) for k, v in kwargs.items()})
    # a kernel runs unless the call only allocated, or only made a view of its first argument
    if function not in _ALLOCATIONS and not (function in _MAYBE_VIEWS and isinstance(result, numpy.ndarray)
                                             and numpy.may_share_memory(result, host_args[0])):
        _count(getattr(function, "__name__", str(function)))
    if out is not None and type(out) is ndarray and result is out._host:
        return out  # `out=` gives back the very array passed, as NumPy and CuPy do
    return _device(result, list(_arrays_in(args)))


def _restore(host):  # pickling: device arrays travel as their host values
    return ndarray(host.copy())


# ---------------------------------------------------------------- the array type


class ndarray:
    """A CUDA array of the stand-in: NumPy values that NumPy code cannot reach implicitly."""

    __slots__ = ("_host", "_base")
    __hash__ = None  # arrays compare elementwise, so they cannot be dict keys

    def __init__(self, host, base=None):
        self._host = host
        self._base = base  # the device array whose memory this one views, or None if it owns its memory

    # -- what NumPy may and may not do with it
    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. "
                        "Please use `.get()` to construct a NumPy array explicitly.")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__":
            raise TypeError(f"numpy.{ufunc.__name__}.{method} is not available for CUDA arrays"
                            + (": use backend.scatter_add" if method == "at" else ""))
        return _run(ufunc, inputs, kwargs)

    def __array_function__(self, function, types_, args, kwargs):
        # NumPy functions on device arrays run CuPy's function of the same name, as in CuPy
        twin = _FUNCTIONS.get(function.__name__) if function.__module__ == "numpy" else None
        if twin is None:
            return NotImplemented  # NumPy then raises TypeError
        return twin(*args, **kwargs)

    # -- to the host: explicit only
    def get(self, stream=None, order="C", out=None):
        """A NumPy copy of the values (CuPy's device-to-host copy)."""
        if out is not None:
            out[...] = self._host
            return out
        return numpy.array(self._host, order=order, copy=True)

    def item(self, *args):
        return self._host.item(*args)

    def tolist(self):
        return self._host.tolist()

    def __float__(self):
        return float(self._host)

    def __int__(self):
        return int(self._host)

    def __complex__(self):
        return complex(self._host)

    def __bool__(self):
        return bool(self._host)

    def __format__(self, spec):
        return format(self._host, spec)

    def __repr__(self):
        return repr(self._host)

    def __str__(self):
        return str(self._host)

    def __reduce__(self):
        return _restore, (self._host,)

    def __copy__(self):
        return ndarray(self._host.copy())

    def __deepcopy__(self, memo):
        return ndarray(self._host.copy())

    # -- shape and type: plain attributes, no device work
    shape = property(lambda self: self._host.shape)
    dtype = property(lambda self: self._host.dtype)
    ndim = property(lambda self: self._host.ndim)
    size = property(lambda self: self._host.size)
    itemsize = property(lambda self: self._host.itemsize)
    nbytes = property(lambda self: self._host.nbytes)
    strides = property(lambda self: self._host.strides)
    flags = property(lambda self: self._host.flags)
    base = property(lambda self: self._base)
    T = property(lambda self: _device(self._host.T, [self]))
    mT = property(lambda self: _device(self._host.mT, [self]))
    real = property(lambda self: _device(self._host.real, [self]))
    imag = property(lambda self: _device(self._host.imag, [self]))

    def __len__(self):
        if self._host.ndim == 0:
            raise TypeError("len() of unsized object")
        return len(self._host)

    def __iter__(self):
        if self._host.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(len(self._host)))

    def __getitem__(self, index):
        return _run(operator.getitem, (self, index), {})

    def __setitem__(self, index, value):
        if isinstance(value, numpy.ndarray):  # CuPy copies a NumPy value to the device here
            value = ndarray(value)
        _run(operator.setitem, (self, index, value), {})


def _method(name):
    unbound = getattr(numpy.ndarray, name)
    return lambda self, *args, **kwargs: _run(unbound, (self, *args), kwargs)


def _defers(other):
    """True for objects that take over arithmetic with arrays (a Tensor), as CuPy lets them."""
    return getattr(type(other), "__array_ufunc__", False) is None


def _binary(ufunc, reflected=False):
    def apply(self, other):
        if _defers(other):
            return NotImplemented  # Python then calls other.__rmul__ etc.
        return _run(ufunc, (other, self) if reflected else (self, other), {})
    return apply


def _inplace(ufunc):
    def apply(self, other):
        _run(ufunc, (self, other), {"out": self})
        return self
    return apply


for _name in ("astype", "reshape", "transpose", "swapaxes", "squeeze", "ravel", "flatten", "copy", "view",
              "sum", "mean", "var", "std", "prod", "max", "min", "argmax", "argmin", "cumsum", "cumprod", "any", "all",
              "clip", "dot", "round", "fill", "nonzero", "repeat", "take", "sort", "argsort", "conj",
              "diagonal", "trace"):
    setattr(ndarray, _name, _method(_name))

for _name, _ufunc in {"add": numpy.add, "sub": numpy.subtract, "mul": numpy.multiply,
                      "truediv": numpy.true_divide, "floordiv": numpy.floor_divide, "mod": numpy.remainder,
                      "pow": numpy.power, "matmul": numpy.matmul, "and": numpy.bitwise_and,
                      "or": numpy.bitwise_or, "xor": numpy.bitwise_xor, "lshift": numpy.left_shift,
                      "rshift": numpy.right_shift}.items():
    setattr(ndarray, f"__{_name}__", _binary(_ufunc))
    setattr(ndarray, f"__r{_name}__", _binary(_ufunc, reflected=True))
    setattr(ndarray, f"__i{_name}__", _inplace(_ufunc))

for _name, _ufunc in {"lt": numpy.less, "le": numpy.less_equal, "gt": numpy.greater, "ge": numpy.greater_equal,
                      "eq": numpy.equal, "ne": numpy.not_equal}.items():
    setattr(ndarray, f"__{_name}__", _binary(_ufunc))

for _name, _ufunc in {"neg": numpy.negative, "pos": numpy.positive, "abs": numpy.absolute,
                      "invert": numpy.invert}.items():
    setattr(ndarray, f"__{_name}__", lambda self, _u=_ufunc: _run(_u, (self,), {}))


# No kernel: allocating memory, or making a view (checked on the result) of the first argument.
_ALLOCATIONS = {numpy.empty, numpy.empty_like}
_MAYBE_VIEWS = {operator.getitem, numpy.ascontiguousarray, numpy.lib.stride_tricks.as_strided, numpy.reshape, numpy.transpose, numpy.swapaxes,
                numpy.squeeze, numpy.expand_dims, numpy.broadcast_to, numpy.moveaxis, numpy.ravel, numpy.diagonal,
                *(getattr(numpy.ndarray, name) for name in ("reshape", "transpose", "swapaxes", "squeeze", "ravel",
                                                            "view", "astype", "diagonal"))}


# ---------------------------------------------------------------- the namespace: `cupy`


class ufunc:
    """A CuPy-style ufunc: callable, with `reduce`; no `at` (use cupyx.scatter_add)."""

    def __init__(self, numpy_ufunc):
        self._ufunc = numpy_ufunc
        self.__name__ = numpy_ufunc.__name__
        self.nin, self.nout = numpy_ufunc.nin, numpy_ufunc.nout

    def __call__(self, *args, **kwargs):
        return _run(self._ufunc, args, kwargs)

    def reduce(self, *args, **kwargs):
        return _run(self._ufunc.reduce, args, kwargs)

    def __repr__(self):
        return f"<emulated cupy ufunc '{self.__name__}'>"


def _function(numpy_function):
    def run(*args, **kwargs):
        return _run(numpy_function, args, kwargs)
    run.__name__ = numpy_function.__name__
    return run


# Names CuPy has, each running NumPy's function of that name on the device values.
_UFUNC_NAMES = """add subtract multiply divide true_divide floor_divide power float_power negative positive
    absolute abs fabs sign exp exp2 expm1 log log2 log10 log1p sqrt cbrt square reciprocal sin cos tan arcsin
    arccos arctan arctan2 sinh cosh tanh arcsinh arccosh arctanh hypot floor ceil trunc rint greater
    greater_equal less less_equal equal not_equal logical_and logical_or logical_not logical_xor bitwise_and
    bitwise_or bitwise_xor invert left_shift right_shift maximum minimum fmax fmin logaddexp logaddexp2
    copysign remainder mod fmod isfinite isinf isnan signbit nextafter ldexp frexp modf deg2rad rad2deg
    heaviside""".split()
_FUNCTION_NAMES = """empty_like zeros_like ones_like full_like copy diag diagonal tril triu reshape transpose
    swapaxes moveaxis rollaxis expand_dims squeeze broadcast_to broadcast_arrays concatenate stack hstack
    vstack dstack column_stack split array_split tile repeat pad flip fliplr flipud roll rot90 take
    take_along_axis ravel atleast_1d atleast_2d atleast_3d where nonzero flatnonzero argwhere searchsorted
    sort argsort partition argpartition unique bincount cumsum cumprod diff einsum matmul dot tensordot outer
    inner vdot kron trace sum prod mean average var std median max min amax amin argmax argmin ptp any all
    count_nonzero clip isclose allclose array_equal nan_to_num around round nanmax nanmin nansum nanmean
    interp histogram digitize meshgrid indices unravel_index ravel_multi_index tri shape ndim size
    result_type can_cast real imag conj angle sinc i0 fix put place select choose compress extract
    polyval triu_indices tril_indices diag_indices fill_diagonal ix_""".split()
_CREATION_NAMES = "empty zeros ones full arange linspace logspace eye identity".split()  # no array input
_ALIASES = """dtype float16 float32 float64 int8 int16 int32 int64 uint8 uint16 uint32 uint64 intp uintp int_
    bool_ complex64 complex128 number integer signedinteger unsignedinteger floating complexfloating inexact
    generic finfo iinfo promote_types newaxis nan inf pi e euler_gamma float_ complex_""".split()

_FUNCTIONS = {}
cupy = types.ModuleType("cupy", "CuPy as the CPU stand-in sees it (autograd.backend.emulation).")
for _name in _UFUNC_NAMES:
    setattr(cupy, _name, ufunc(getattr(numpy, _name)))
for _name in _FUNCTION_NAMES + _CREATION_NAMES:
    _FUNCTIONS[_name] = _function(getattr(numpy, _name))
    setattr(cupy, _name, _FUNCTIONS[_name])
for _name in _ALIASES:
    if hasattr(numpy, _name):
        setattr(cupy, _name, getattr(numpy, _name))
for _name in _UFUNC_NAMES:  # NumPy's ufuncs dispatch through __array_ufunc__; keep the table for functions
    _FUNCTIONS.pop(_name, None)


def array(obj, dtype=None, copy=True, order="K", ndmin=0):
    """A device array from a device array, a NumPy array, a list or a number (a host-to-device copy)."""
    _count("array")
    host = obj._host if type(obj) is ndarray else obj
    if isinstance(host, (list, tuple)):
        host = _host(host)  # a list of device arrays is fine, a list mixing in NumPy arrays is not
    return ndarray(numpy.array(host, dtype=dtype, copy=True if copy else None, order=order, ndmin=ndmin))


def asarray(obj, dtype=None, order=None):
    if type(obj) is ndarray and (dtype is None or numpy.dtype(dtype) == obj.dtype):
        return obj
    host = obj._host if type(obj) is ndarray else obj
    # NumPy values are copied, never aliased: device memory is not host memory
    return array(host, dtype=dtype, copy=type(obj) is not ndarray or None, order=order or "K")


def ascontiguousarray(obj, dtype=None):
    if type(obj) is not ndarray:
        raise TypeError(_MIXING.format(type(obj)))
    return _run(numpy.ascontiguousarray, (obj,), {"dtype": dtype})


def asnumpy(a, stream=None, order="C", out=None):
    """A NumPy array with the values of `a` (a device array is copied to the host)."""
    if type(a) is ndarray:
        return a.get(order=order, out=out)
    return numpy.asarray(a, order=order)


def get_array_module(*args):
    return cupy if any(type(a) is ndarray for a in args) else numpy


def is_available():
    return True


for _function_ in (array, asarray, ascontiguousarray, asnumpy, get_array_module, is_available):
    setattr(cupy, _function_.__name__, _function_)
_FUNCTIONS.update(array=array, asarray=asarray, ascontiguousarray=ascontiguousarray)
cupy.ndarray = ndarray
cupy.ufunc = ufunc


def _missing(name):
    raise AttributeError(f"the CUDA stand-in has no cupy.{name}: if CuPy has it, add it to "
                         f"autograd/backend/emulation.py; if not, the code must not use it on the GPU")


cupy.__getattr__ = _missing


# -- cupy.random: its own generator, drawing on the device (dtype= as in CuPy)
class _Random:
    def __init__(self):
        self._state = numpy.random.RandomState()

    def seed(self, seed=None):
        self._state = numpy.random.RandomState(seed)

    def _draw(self, method, *args, dtype=None, **kwargs):
        _count("random." + method)
        values = numpy.asarray(getattr(self._state, method)(*args, **kwargs))
        return ndarray(values.astype(dtype, copy=False) if dtype is not None else values)

    def random(self, size=None, dtype=float):
        return self._draw("random_sample", size, dtype=dtype)

    random_sample = random

    def rand(self, *size, dtype=float):
        return self._draw("random_sample", size, dtype=dtype)

    def randn(self, *size, dtype=float):
        return self._draw("standard_normal", size, dtype=dtype)

    def standard_normal(self, size=None, dtype=float):
        return self._draw("standard_normal", size, dtype=dtype)

    def normal(self, loc=0.0, scale=1.0, size=None, dtype=float):
        return self._draw("normal", loc, scale, size, dtype=dtype)

    def uniform(self, low=0.0, high=1.0, size=None, dtype=float):
        return self._draw("uniform", low, high, size, dtype=dtype)

    def randint(self, low, high=None, size=None, dtype=int):
        return self._draw("randint", low, high, size, dtype=dtype)

    def permutation(self, n):
        return self._draw("permutation", n)


cupy.random = _Random()

# -- cupy.lib.stride_tricks.as_strided: a strided view of the same device memory (im2col uses it)
_as_strided = _function(numpy.lib.stride_tricks.as_strided)
cupy.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(as_strided=_as_strided))


# -- cupy.cuda: only what timing code needs
class _Device:
    def __init__(self, device=0):
        self.id = device

    def synchronize(self):  # the stand-in runs synchronously
        pass


class _Stream:
    def synchronize(self):
        pass


cupy.cuda = types.SimpleNamespace(Device=_Device, get_current_stream=_Stream,
                                  runtime=types.SimpleNamespace(getDeviceCount=lambda: 1))


# ---------------------------------------------------------------- ElementwiseKernel: the NumPy twins


class ElementwiseKernel:
    """Stands for a CuPy ElementwiseKernel; calling it runs `kernels.NUMPY_TWINS[name]`.

    The twin gets the kernel's arguments (NumPy values, outputs to fill in place)
    after the checks a CUDA kernel needs: every array on the device, all `T`
    arrays of one dtype, `raw` arrays C-contiguous (the kernel indexes them by hand).
    """

    def __init__(self, in_params, out_params, operation, name="kernel", **options):
        self.name = name
        self.params = [p.split() for p in (in_params + "," + out_params).split(",") if p.strip()]
        self.n_in = len([p for p in in_params.split(",") if p.strip()])
        from .kernels import NUMPY_TWINS  # the kernels module defines the twins beside the CUDA source

        short = name[len("autograd_"):] if name.startswith("autograd_") else name
        if short not in NUMPY_TWINS:
            raise NotImplementedError(f"kernel {name!r} has no NumPy twin in kernels.NUMPY_TWINS")
        self.twin = NUMPY_TWINS[short]

    def __call__(self, *args):
        if len(args) != len(self.params):
            raise TypeError(f"{self.name}: expected {len(self.params)} arguments, got {len(args)}")
        dtypes = set()
        for arg, param in zip(args, self.params):
            *qualifiers, type_name, param_name = param
            if isinstance(arg, numpy.ndarray):
                raise TypeError(f"{self.name}: argument {param_name} is a NumPy array, not a CUDA array")
            if type(arg) is ndarray:
                if type_name == "T":
                    dtypes.add(arg.dtype)
                if "raw" in qualifiers and not arg.flags.c_contiguous:
                    raise ValueError(f"{self.name}: raw argument {param_name} must be C-contiguous "
                                     f"(the kernel indexes it by hand)")
            elif "raw" in qualifiers or type_name == "T":
                raise TypeError(f"{self.name}: argument {param_name} must be a CUDA array, "
                                f"not {type(arg).__name__}")
        if len(dtypes) > 1:
            raise TypeError(f"{self.name}: type T is mismatched ({', '.join(sorted(map(str, dtypes)))})")
        # the kernel runs once per element of the broadcast shape of its non-raw arrays
        elementwise = [(a.shape, p[-1]) for a, p in zip(args[:self.n_in], self.params)
                       if type(a) is ndarray and "raw" not in p]
        try:
            shape = numpy.broadcast_shapes(*(s for s, _ in elementwise))
        except ValueError:
            raise ValueError(f"{self.name}: arguments do not broadcast: {elementwise}") from None
        for out, param in zip(args[self.n_in:], self.params[self.n_in:]):
            if "raw" not in param and out.shape != shape:
                raise ValueError(f"{self.name}: output {param[-1]} has shape {out.shape}, the kernel runs over {shape}")
        _count(self.name)
        self.twin(*(_host(a) for a in args))
        outputs = args[self.n_in:]
        return outputs[0] if len(outputs) == 1 else tuple(outputs)


cupy.ElementwiseKernel = ElementwiseKernel


# ---------------------------------------------------------------- `cupyx`: scatter_add and erf


def scatter_add(a, slices, value):
    """a[slices] += value with repeated indices accumulating, in place (cupyx.scatter_add)."""
    if type(a) is not ndarray:
        raise TypeError(_MIXING.format(type(a)))
    _count("scatter_add")
    numpy.add.at(a._host, _host(slices), _host(value))


def _erf(x):
    from . import numpy_erf

    return _run(numpy_erf, (x,), {})


cupyx = types.SimpleNamespace(scatter_add=scatter_add,
                              scipy=types.SimpleNamespace(special=types.SimpleNamespace(erf=_erf)))
