"""Tensor: an array, its gradient, and the node that made it.

    >>> x = autograd.tensor([1.0, 2.0], requires_grad=True, name="x")
    >>> y = (x * x).sum(); y.backward(); x.grad        # tensor([2., 4.])

A tensor made by an op has `creator` set to that op's node (a `Function`); a
tensor made by the user is a *leaf* (`creator is None`) and, if it requires a
gradient, receives one in `.grad` after `backward()`.

This file only describes the data structure. The engine (graph.py) is built on
it, and the ops are built on the engine; the operators and methods that reach
the ops and the engine (`x + y`, `x.sum()`, `x.backward()`, `x.add_(1)`) are
attached in one place, tensor_methods.py, so that no module imports one above it.
"""
import numpy

from . import backend
from .errors import DTypeError, GraphError


class Tensor:
    __slots__ = ("data", "grad", "requires_grad", "creator", "output_index", "name", "_hooks",
                 "_versions", "__weakref__")

    # NumPy must hand `ndarray * tensor` to Tensor.__rmul__ instead of converting the tensor.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False, dtype=None, device=None, name=None):
        if isinstance(data, Tensor):
            data = data.data
        self.data = backend.as_array(data, dtype, device, copy=True)  # as torch.tensor: never the caller's array
        self.grad = None
        self.creator = None
        self.output_index = 0
        self.name = name
        self._hooks = None
        self._versions = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _from_op(cls, data, creator, output_index):
        """Fast constructor used by ops: no conversion, no checks."""
        t = object.__new__(Tensor)
        if type(data) is not numpy.ndarray and not backend.is_cupy_array(data):
            data = backend.get_array_module(data).asarray(data)  # NumPy scalars -> 0-d arrays
        t.data = data
        t.grad = None
        t.creator = creator
        t.output_index = output_index
        t.requires_grad = creator is not None
        t.name = None
        t._hooks = None
        t._versions = None
        return t

    # ------------------------------------------------------------ properties
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        return backend.device_of(self.data)

    @property
    def is_leaf(self):
        return self.creator is None

    @property
    def grad_fn(self):
        """PyTorch's name for `creator`."""
        return self.creator

    @property
    def version(self):
        """How many in-place writes this tensor has had (PyTorch's `_version`)."""
        return 0 if self._versions is None else self._versions.count

    def requires_grad_(self, flag=True):
        """Switch gradient tracking on or off for a leaf; returns the tensor.

        >>> w = autograd.zeros(3).requires_grad_()
        """
        if flag and self.data.dtype.kind not in "fc":
            raise DTypeError(f"requires_grad_: only floating-point tensors can require gradients, "
                             f"not {self.data.dtype}")
        if not flag and self.creator is not None:
            raise GraphError("requires_grad_(False): requires_grad can only be switched off on a leaf; "
                             "use detach()")
        self.requires_grad = bool(flag)
        return self

    def zero_grad_(self):
        self.grad = None

    # ------------------------------------------------------------ conversion
    def numpy(self):
        """The data as a NumPy array (a copy from the GPU; the array itself on the CPU)."""
        return backend.to_device(self.data, "cpu")

    def item(self):
        return self.data.item()

    def tolist(self):
        return self.numpy().tolist()

    def __array__(self, dtype=None, copy=None):
        if self.requires_grad:  # NumPy would silently turn it into a constant (e.g. inside a list)
            raise GraphError("cannot convert a tensor that requires grad into a NumPy array implicitly: it "
                             "would leave the graph. Use x.detach().numpy(), or autograd.stack([...]) for a "
                             "list of tensors")
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    # ------------------------------------------------------------ display
    def __repr__(self):
        body = numpy.array2string(self.numpy(), separator=", ", precision=4, threshold=50,
                                  prefix="tensor(")
        extras = []
        if self.dtype != backend.get_default_dtype() and self.dtype.kind == "f":
            extras.append(f"dtype={self.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self.creator is not None:
            extras.append(f"grad_fn=<{self.creator.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "tensor(" + ", ".join([body] + extras) + ")"

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError("the truth value of a tensor with more than one element is ambiguous")
        return bool(self.data)

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __index__(self):
        if self.data.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError("only integer tensors of one element can be used as an index")
        return int(self.data)

    __hash__ = object.__hash__  # == builds a tensor, so identity is the hash


class VersionCounter:
    """The in-place writes of a tensor (shared with its detached aliases): how many, and when the
    latest were, on the engine's clock. A node created before a write sees it as `last > sequence_nr`.

    >>> w.add_(1.0) under no_grad; w.version      # 1
    """

    __slots__ = ("count", "recent")
    KEEP = 16   # the clocks of the latest writes, enough to tell the version any live node saw

    def __init__(self):
        self.count = 0
        self.recent = []

    def bump(self, now):
        self.count += 1
        self.recent.append(now)
        if len(self.recent) > self.KEEP:
            del self.recent[0]

    @property
    def last(self):
        return self.recent[-1] if self.recent else -1

    def at(self, time):
        """The version the tensor had at `time` (writes after it are among the recent ones)."""
        return self.count - sum(1 for clock in self.recent if clock > time)


class TensorDescription(tuple):
    """What a released node remembers of an intermediate input: its shape, not its values.

    A tuple (shape, dtype, name, creator, output_index), made in one step for every intermediate
    after backward, read only by diagrams.
    """

    __slots__ = ()
    data = None
    grad = None
    is_leaf = False
    requires_grad = True
    _versions = None

    shape = property(lambda self: self[0])
    dtype = property(lambda self: self[1])
    name = property(lambda self: self[2])
    creator = property(lambda self: self[3])
    output_index = property(lambda self: self[4])
    ndim = property(lambda self: len(self[0]))


def unwrap(x):
    """The array inside a tensor; anything else as it is. The library's one way to unwrap.

    >>> unwrap(autograd.tensor([1.0]))        # array([1.], dtype=float32)
    """
    return x.data if isinstance(x, Tensor) else x


def tensor(data, requires_grad=False, dtype=None, device=None, name=None):
    """Make a leaf tensor from a copy of `data`. Python floats and lists become float32 by default.

    >>> autograd.tensor([[1, 2], [3, 4.]], requires_grad=True, name="W")
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device, name=name)


def from_numpy(array):
    """A leaf tensor that shares memory with a NumPy array (writes show on both sides).

    >>> a = numpy.zeros(3); t = autograd.from_numpy(a); a[0] = 1; t[0].item()   # 1.0
    """
    if not isinstance(array, numpy.ndarray):
        raise DTypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._from_op(array, None, 0)
