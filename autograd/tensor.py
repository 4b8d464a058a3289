"""Tensor: an array, its gradient, and the node that made it.

    >>> x = autograd.tensor([1.0, 2.0], requires_grad=True, name="x")
    >>> y = (x * x).sum(); y.backward(); x.grad        # tensor([2., 4.])

A tensor made by an op has `creator` set to that op's node (a `Function`); a
tensor made by the user is a *leaf* (`creator is None`) and, if it requires a
gradient, receives one in `.grad` after `backward()`. Every operator below
simply calls an op from `autograd.ops`.
"""
import weakref

import numpy

from . import backend
from . import graph
from .errors import DTypeError, GraphError, ShapeError


class Tensor:
    __slots__ = ("data", "grad", "requires_grad", "creator", "output_index", "name", "_hooks", "__weakref__")

    # NumPy must hand `ndarray * tensor` to Tensor.__rmul__ instead of converting the tensor.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False, dtype=None, device=None, name=None):
        if isinstance(data, Tensor):
            data = data.data
        self.data = backend.as_array(data, dtype, device)
        self.grad = None
        self.creator = None
        self.output_index = 0
        self.name = name
        self._hooks = None
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
        return t

    # ------------------------------------------------------------ properties
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

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
    def T(self):
        return ops.transpose(self)

    def requires_grad_(self, flag=True):
        if flag and self.data.dtype.kind not in "fc":
            raise DTypeError(f"only floating-point tensors can require gradients, not {self.data.dtype}")
        if not flag and self.creator is not None:
            raise GraphError("requires_grad can only be switched off on a leaf; use detach()")
        self.requires_grad = bool(flag)
        return self

    # ------------------------------------------------------------ autograd
    def backward(self, grad=None, retain_graph=False, create_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's `.grad`.

        >>> loss.backward()                  # loss must be a scalar, or pass grad=
        """
        if not self.requires_grad:
            raise GraphError("backward() on a tensor that does not require grad "
                             "(no input of the computation had requires_grad=True)")
        seed = initial_grad(self, grad, create_graph)
        graph.backward([self], [seed], retain_graph=retain_graph or create_graph, create_graph=create_graph)

    def detach(self):
        """The same data, cut from the graph (shares memory, as in PyTorch)."""
        return Tensor._from_op(self.data, None, 0)

    def register_hook(self, hook):
        """Call `hook(grad)` when this tensor's gradient is computed; a returned tensor replaces it.

        >>> h = x.register_hook(lambda g: g * 2); ...; h.remove()
        """
        if not self.requires_grad:
            raise GraphError("cannot register a hook on a tensor that does not require grad")
        if self.creator is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            node = self.creator
            if node._output_hooks is None:
                node._output_hooks = {}
            hooks = node._output_hooks.setdefault(self.output_index, [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def retain_grad(self):
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        if self.creator is None:
            return
        node = self.creator
        if node._retained is None:
            node._retained = {}
        node._retained[self.output_index] = weakref.ref(self)

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

    def to(self, device=None, dtype=None):
        out = self
        if dtype is not None and numpy.dtype(dtype) != self.dtype:
            out = ops.astype(out, dtype)
        if device is not None and backend.check_device(device) != self.device:
            out = ops.to_device(out, device)
        return out

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def astype(self, dtype):
        return ops.astype(self, dtype)

    def float(self):
        return self.to(dtype=numpy.float32)

    def double(self):
        return self.to(dtype=numpy.float64)

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def draw(self, **options):
        """This tensor's computation graph as a diagram (see autograd.viz.draw).

        >>> loss.draw(show_values=True)        # shows inline in Jupyter
        """
        from .viz import draw

        return draw(self, **options)

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

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        if self.size != 1:
            raise ValueError("the truth value of a tensor with more than one element is ambiguous")
        return bool(self.data)

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    __hash__ = object.__hash__  # == builds a tensor, so identity is the hash

    # ------------------------------------------------------------ operators -> ops
    # The arithmetic operators build their op directly (one call less on the hottest path).
    def __add__(self, other): return _elementwise.Add()(self, other)
    def __radd__(self, other): return _elementwise.Add()(other, self)
    def __sub__(self, other): return _elementwise.Sub()(self, other)
    def __rsub__(self, other): return _elementwise.Sub()(other, self)
    def __mul__(self, other): return _elementwise.Mul()(self, other)
    def __rmul__(self, other): return _elementwise.Mul()(other, self)
    def __truediv__(self, other): return _elementwise.Div()(self, other)
    def __rtruediv__(self, other): return _elementwise.Div()(other, self)
    def __pow__(self, other): return _elementwise.Pow()(self, other)
    def __rpow__(self, other): return _elementwise.Pow()(other, self)
    def __neg__(self): return _elementwise.Neg()(self)
    def __matmul__(self, other): return ops.matmul(self, other)
    def __rmatmul__(self, other): return ops.matmul(other, self)
    def __pos__(self): return self
    def __abs__(self): return ops.abs(self)
    def __getitem__(self, index): return ops.getitem(self, index)

    # comparisons give boolean tensors that are not part of any graph
    def __eq__(self, other): return _compare(numpy.equal, self, other)
    def __ne__(self, other): return _compare(numpy.not_equal, self, other)
    def __lt__(self, other): return _compare(numpy.less, self, other)
    def __le__(self, other): return _compare(numpy.less_equal, self, other)
    def __gt__(self, other): return _compare(numpy.greater, self, other)
    def __ge__(self, other): return _compare(numpy.greater_equal, self, other)

    # ------------------------------------------------------------ methods -> ops (NumPy names)
    def sum(self, axis=None, keepdims=False): return ops.sum(self, axis, keepdims)
    def mean(self, axis=None, keepdims=False): return ops.mean(self, axis, keepdims)
    def max(self, axis=None, keepdims=False): return ops.max(self, axis, keepdims)
    def min(self, axis=None, keepdims=False): return ops.min(self, axis, keepdims)
    def var(self, axis=None, keepdims=False, ddof=0): return ops.var(self, axis, keepdims, ddof)
    def std(self, axis=None, keepdims=False, ddof=0): return ops.std(self, axis, keepdims, ddof)
    def logsumexp(self, axis=None, keepdims=False): return ops.logsumexp(self, axis, keepdims)
    def argmax(self, axis=None): return Tensor._from_op(self.data.argmax(axis=axis), None, 0)
    def argmin(self, axis=None): return Tensor._from_op(self.data.argmin(axis=axis), None, 0)

    def reshape(self, *shape): return ops.reshape(self, shape[0] if len(shape) == 1 else shape)
    def transpose(self, *axes): return ops.transpose(self, axes[0] if len(axes) == 1 else (axes or None))
    def swapaxes(self, a, b): return ops.swapaxes(self, a, b)
    def squeeze(self, axis=None): return ops.squeeze(self, axis)
    def expand_dims(self, axis): return ops.expand_dims(self, axis)
    def unsqueeze(self, axis): return ops.expand_dims(self, axis)
    def flatten(self, start_axis=0, end_axis=-1): return ops.flatten(self, start_axis, end_axis)
    def broadcast_to(self, shape): return ops.broadcast_to(self, shape)

    def exp(self): return ops.exp(self)
    def log(self): return ops.log(self)
    def sqrt(self): return ops.sqrt(self)
    def sin(self): return ops.sin(self)
    def cos(self): return ops.cos(self)
    def tanh(self): return ops.tanh(self)
    def sigmoid(self): return ops.sigmoid(self)
    def relu(self): return ops.relu(self)
    def clip(self, min=None, max=None): return ops.clip(self, min, max)
    def softmax(self, axis=-1): return ops.softmax(self, axis)
    def log_softmax(self, axis=-1): return ops.log_softmax(self, axis)


class TensorDescription:
    """What a released node remembers of an intermediate input: its shape, not its values."""

    __slots__ = ("shape", "dtype", "name", "creator", "output_index")
    data = None
    grad = None
    is_leaf = False
    requires_grad = True

    def __init__(self, tensor):
        data = tensor.data
        self.shape = data.shape
        self.dtype = data.dtype
        self.name = tensor.name
        self.creator = tensor.creator
        self.output_index = tensor.output_index

    @property
    def ndim(self):
        return len(self.shape)


class _HookHandle:
    def __init__(self, hooks, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self):
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


def _compare(ufunc, a, b):
    a = a.data if isinstance(a, Tensor) else a
    b = b.data if isinstance(b, Tensor) else b
    xp = backend.get_array_module(a if hasattr(a, "shape") else b)
    return Tensor._from_op(getattr(xp, ufunc.__name__)(a, b), None, 0)


def initial_grad(output, grad, create_graph):
    """The seed of backward: ones for a scalar, else the given `grad` (checked)."""
    if grad is None:
        if output.size != 1:
            raise GraphError(f"backward() on a non-scalar tensor of shape {output.shape} needs grad= "
                             "(a tensor of that shape), e.g. y.backward(autograd.ones_like(y))")
        seed = backend.get_array_module(output.data).ones_like(output.data)
    else:
        seed = grad.data if isinstance(grad, Tensor) else backend.as_array(grad, output.dtype, output.device)
        if seed.shape != output.shape:
            raise ShapeError(f"backward: grad has shape {seed.shape} but the output has shape {output.shape}")
    if create_graph:
        return grad if isinstance(grad, Tensor) else Tensor._from_op(seed, None, 0)
    return seed


def tensor(data, requires_grad=False, dtype=None, device=None, name=None):
    """Make a leaf tensor. Python floats and lists become float32 by default.

    >>> autograd.tensor([[1, 2], [3, 4.]], requires_grad=True, name="W")
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device, name=name)




graph.Tensor, graph.TensorDescription = Tensor, TensorDescription  # the engine makes tensors too
from . import ops  # noqa: E402  (ops need Tensor, Tensor's operators need ops)
from .ops import elementwise as _elementwise  # noqa: E402
