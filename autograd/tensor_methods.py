"""The one place where Tensor gets its operators and methods (as DeZero's `setup_variable`).

tensor.py describes the data; graph.py is the engine built on it; the ops are
built on the engine. Only here do the three meet: `x + y` becomes `ops.add`,
`x.backward()` becomes `graph.backward`, `x += y` becomes an in-place write.

    >>> x = autograd.tensor([1.0, 2.0], requires_grad=True)
    >>> (x * 3).sum().backward(); x.grad                      # tensor([3., 3.])

In-place operations (`+= -= *= /= **=`, `x[i] = v`, `add_`, `zero_`, ...) follow PyTorch:
- under `no_grad()`, or when nothing involved requires grad, they write into the
  tensor's array (so `with no_grad(): p -= lr * p.grad` updates the parameter);
- on a leaf that requires grad, while recording, they raise `GraphError`;
- on any other tensor, while recording, they are recorded like the out-of-place op
  and the tensor takes the result's place in the graph.
Every in-place write counts as a new version of the tensor; a node that used the
tensor before the write refuses to run backward (`GraphError` naming both versions).
"""
import weakref

import numpy

from . import backend, graph, hooks, ops
from .errors import ArgumentError, DTypeError, GraphError, IndexOutOfRangeError, ShapeError
from .grad_mode import is_grad_enabled, no_grad
from .ops import elementwise as _elementwise
from .tensor import Tensor, VersionCounter, unwrap

Tensor.ops = ops   # the differentiable namespace that backward formulas use under create_graph=True


# ---------------------------------------------------------------- autograd


def backward(self, grad=None, retain_graph=False, create_graph=False, inputs=None):
    """Accumulate d(self)/d(leaf) into every leaf's `.grad`.

    >>> loss.backward()                  # loss must be a scalar, or pass grad=
    """
    if not self.requires_grad:
        raise GraphError("backward() on a tensor that does not require grad "
                         "(no input of the computation had requires_grad=True)")
    seed = graph.initial_grad(self, grad, create_graph)
    graph.backward([self], [seed], retain_graph=retain_graph or create_graph, create_graph=create_graph,
                   inputs=_backward_inputs(inputs), accumulate=True)


def _backward_inputs(inputs):
    """PyTorch's backward(inputs=...): accumulate into these tensors only (None: every leaf)."""
    if inputs is None:
        return None
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for position, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise GraphError(f"backward: inputs[{position}] is not a tensor that requires grad")
    return inputs


def backward_tensors(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
                     inputs=None):
    """autograd.backward: accumulate the gradients of several tensors into the leaves, as
    torch.autograd.backward (grad_tensors: one seed per tensor, None for a scalar).

    >>> autograd.backward([loss_a, loss_b])            # the same as (loss_a + loss_b).backward()
    """
    if grad_variables is not None:
        raise ArgumentError("backward: grad_variables= is PyTorch's removed spelling; use grad_tensors=")
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    grad_tensors = list(grad_tensors)
    if len(grad_tensors) != len(tensors):
        raise ShapeError(f"backward: {len(grad_tensors)} grad_tensors for {len(tensors)} tensors")
    for position, t in enumerate(tensors):
        if not t.requires_grad:
            raise GraphError(f"backward: tensor {position} does not require grad")
    retain_graph = create_graph if retain_graph is None else retain_graph
    seeds = [graph.initial_grad(t, g, create_graph) for t, g in zip(tensors, grad_tensors)]
    graph.backward(tensors, seeds, retain_graph=retain_graph, create_graph=create_graph,
                   inputs=_backward_inputs(inputs), accumulate=True)


def detach(self):
    """The same data, cut from the graph (shares memory and versions, as in PyTorch)."""
    out = Tensor._from_op(self.data, None, 0)
    if self._versions is None:
        self._versions = VersionCounter()
    out._versions = self._versions   # a write through either is a write to both
    return out


def retain_grad(self):
    """Keep `.grad` on this non-leaf tensor after backward (accumulating, like a leaf's)."""
    if self.creator is None:
        return
    node = self.creator
    hooks.non_leaf_hooks = True
    if node._retained is None:
        node._retained = {}
    node._retained[self.output_index] = weakref.ref(self)


def register_hook(self, hook):
    """Call `hook(grad)` when this tensor's gradient is computed; a returned gradient replaces it.

    >>> h = x.register_hook(lambda g: g * 2); ...; h.remove()
    """
    return hooks.register_hook(self, hook)


def register_post_accumulate_grad_hook(self, hook):
    """Call `hook(tensor)` on a leaf right after its `.grad` is final for this backward (as PyTorch)."""
    return hooks.register_post_accumulate_grad_hook(self, hook)


def draw(self, **options):
    """This tensor's computation graph as a diagram (see autograd.viz.draw).

    >>> loss.draw(show_values=True)        # shows inline in Jupyter
    """
    from .viz import draw as draw_graph  # viz is an optional extra above the core: imported on use

    return draw_graph(self, **options)


# ---------------------------------------------------------------- conversion


def to(self, device=None, dtype=None):
    """Move to a device and/or convert to a dtype: x.to('cuda'), x.to(autograd.float64), x.to('cpu', 'float32')."""
    out = self
    if _is_dtype(device):
        device, dtype = None, device   # x.to(float64), as in PyTorch
    if dtype is not None and numpy.dtype(dtype) != self.dtype:
        out = ops.astype(out, dtype)
    if device is not None and backend.check_device(device) != self.device:
        out = ops.to_device(out, device)
    return out


def _is_dtype(value):
    if isinstance(value, (numpy.dtype, type)):
        return True
    if not isinstance(value, str) or value.split(":")[0] in ("cpu", "cuda"):
        return False
    try:
        numpy.dtype(value)
    except TypeError:
        return False   # not a dtype: check_device names it as an unknown device
    return True


# ---------------------------------------------------------------- in-place writes


def record_write(tensor, now=None):
    """Count one more version of `tensor` (and of the tensors sharing its versions): for code that
    writes `tensor.data` in place itself, as optimizers do. `now` is the write's time on the clock."""
    if now is None:
        now = next(graph.clock)
    graph.last_write[0] = max(graph.last_write[0], now)
    if tensor._versions is None:
        tensor._versions = VersionCounter()
    tensor._versions.bump(now)


def _records(target, others):
    return is_grad_enabled() and (target.requires_grad or any(isinstance(o, Tensor) and o.requires_grad
                                                              for o in others))


def _in_place(target, op_name, out_of_place, write, others=()):
    """Apply an in-place op: `write(array)` changes the array itself when nothing is recorded;
    `out_of_place(tensor)` is the same op as a recorded computation otherwise."""
    if not _records(target, others):
        try:
            write(target.data)
        except (TypeError, numpy.exceptions.DTypePromotionError) as error:
            raise DTypeError(f"{op_name}: the result cannot be written into a tensor of dtype "
                             f"{target.dtype} ({error})") from error
        except ValueError as error:
            shapes = [tuple(target.shape)] + [tuple(o.shape) for o in others if hasattr(o, "shape")]
            raise ShapeError(f"{op_name}: cannot write a result of these shapes in place into shape "
                             f"{tuple(target.shape)}: {' and '.join(map(str, shapes))} ({error})") from error
        record_write(target)
        return target
    if target.creator is None and target.requires_grad:
        raise GraphError(f"{op_name}: a leaf tensor that requires grad cannot be changed in place while "
                         f"gradients are recorded; update it under `with autograd.no_grad():` (as "
                         f"optimizers do), or change a clone() instead")
    if target.data.base is not None:
        raise GraphError(f"{op_name}: in-place op on a view (of shape {tuple(target.shape)}) of another array "
                         f"while gradients are recorded; the other array would not see the change in the "
                         f"graph. Use the out-of-place op, or clone() first")
    # The old value becomes an alias holding the old array and its place in the graph.
    alias = Tensor._from_op(target.data, target.creator, target.output_index)
    alias.requires_grad, alias.name = target.requires_grad, target.name
    old = target.creator
    old_outputs = old._outputs if old is not None else None
    if old is not None:
        outputs = list(old_outputs)
        outputs[target.output_index] = weakref.ref(alias)
        old._outputs = tuple(outputs)
    now = next(graph.clock)   # the write happens before the node that records it: that node sees the new version
    try:
        result = out_of_place(alias)
        if result.shape != target.shape:
            raise ShapeError(f"{op_name}: the result has shape {tuple(result.shape)}, which cannot be written in "
                             f"place into shape {tuple(target.shape)}")
        if result.dtype != target.dtype:
            if not numpy.can_cast(result.dtype, target.dtype, "same_kind"):
                raise DTypeError(f"{op_name}: a result of dtype {result.dtype} cannot be written into a tensor "
                                 f"of dtype {target.dtype}")
            result = ops.astype(result, target.dtype)
    except BaseException:
        if old is not None:
            old._outputs = old_outputs   # refused: the graph is as it was
        raise
    target.data, target.creator, target.output_index = result.data, result.creator, result.output_index
    target.requires_grad = result.requires_grad
    if result.creator is not None:
        result.creator._outputs = (weakref.ref(target),)
    record_write(target, now)
    return target




_OPS_OF_UFUNCS = {"add": _elementwise.Add, "subtract": _elementwise.Sub, "multiply": _elementwise.Mul,
                  "true_divide": _elementwise.Div, "power": _elementwise.Pow}


def _ufunc_write(name, ufunc_name):
    """An in-place arithmetic method: add_, sub_, mul_, div_, pow_ (and +=, -=, ...)."""
    op = _OPS_OF_UFUNCS[ufunc_name]

    def method(self, other):
        def write(array):
            xp = backend.get_array_module(array)
            getattr(xp, ufunc_name)(array, unwrap(other), out=array, casting="same_kind")
        return _in_place(self, name, lambda t: op()(t, other), write, (other,))

    method.__name__ = name
    method.__doc__ = f"In place: self = self {ufunc_name} other (see the module docstring for the rules)."
    return method


def add_(self, other, alpha=1):
    """self += alpha * other, in place.

    >>> with autograd.no_grad(): w.add_(w.grad, alpha=-0.1)
    """
    return _add_(self, other if alpha == 1 else other * alpha)


_add_ = _ufunc_write("add_", "add")


def sub_(self, other, alpha=1):
    return _sub_(self, other if alpha == 1 else other * alpha)


_sub_ = _ufunc_write("sub_", "subtract")


def zero_(self):
    """Fill with zeros, in place."""
    return fill_(self, 0)


def fill_(self, value):
    """Fill with `value` (a number or a one-element tensor), in place."""
    def write(array):
        array[...] = unwrap(value)
    return _in_place(self, "fill_", lambda t: t * 0 + value, write, (value,))


def copy_(self, source):
    """Copy `source`'s values (broadcast to this shape) into this tensor, in place."""
    def write(array):
        data = backend.to_device(unwrap(source), backend.device_of(array)) if hasattr(source, "shape") else source
        if hasattr(data, "dtype") and not numpy.can_cast(data.dtype, array.dtype, "same_kind") and \
                array.dtype.kind != data.dtype.kind and array.dtype.kind in "fc":
            raise DTypeError(f"copy_: cannot copy {data.dtype} into {array.dtype}")
        array[...] = data
    return _in_place(self, "copy_", lambda t: ops.broadcast_to(source, t.shape).to(dtype=t.dtype) * 1,
                     write, (source,))


def clamp_(self, min=None, max=None):  # noqa: A002 (PyTorch's argument names)
    """Limit values to [min, max], in place."""
    def write(array):
        backend.get_array_module(array).clip(array, min, max, out=array)
    return _in_place(self, "clamp_", lambda t: ops.clip(t, min, max), write)


def masked_fill_(self, mask, value):
    """Set the elements where `mask` is True to `value`, in place."""
    mask = unwrap(mask)
    if getattr(mask, "dtype", None) is None or mask.dtype != numpy.bool_:
        raise DTypeError(f"masked_fill_: the mask must be a bool tensor, not {getattr(mask, 'dtype', type(mask))}")

    def write(array):
        array[backend.get_array_module(array).broadcast_to(mask, array.shape)] = unwrap(value)
    return _in_place(self, "masked_fill_", lambda t: ops.where(mask, value, t), write, (value,))


def setitem(self, index, value):
    """x[index] = value: slices, integer arrays and boolean masks, as in PyTorch."""
    index = ops.shape._as_index(index, backend.get_array_module(self.data))

    def write(array):
        array[index] = backend.to_device(unwrap(value), backend.device_of(array)) \
            if hasattr(value, "shape") else value
    return _in_place(self, "__setitem__", lambda t: ops.shape.SetItem(index)(t, value), write, (value,))


def detach_(self):
    """Cut this tensor from the graph, in place: it becomes a leaf that does not require grad."""
    self.creator, self.output_index, self.requires_grad = None, 0, False
    record_write(self)   # nodes that used it must not send gradients into what is now a leaf
    return self


def _augmented(method):
    def assign(self, other):
        return method(self, other)
    assign.__name__ = "__i" + method.__name__.rstrip("_") + "__"
    return assign


# ---------------------------------------------------------------- sizes


class Size(tuple):
    """A tensor's shape as `size()` returns it: a tuple of ints (as torch.Size).

    >>> autograd.zeros(2, 3).size()                  # autograd.Size([2, 3]); size(0) is 2
    """

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f"autograd.Size({list(self)})"


def size(self, dim=None):
    """The shape as a Size, or the size of one dim (negative dims count from the end), as in PyTorch.

    >>> x.size(), x.size(0), x.size(-1)
    """
    shape = self.data.shape
    if dim is None:
        return Size(shape)
    if not shape:
        raise IndexOutOfRangeError(f"size: dim {dim} given, but the tensor has no dims (shape ())")
    return shape[ops.arguments.normalize_dim("size", dim, len(shape))]


def numel(self):
    """The number of elements (NumPy's `size`)."""
    return self.data.size


def _sizes(op, values):
    return ops.arguments.sizes(op, values)


def _dim_of(op, dim, axis):
    return ops.arguments.alias(op, "dim", dim, "axis", axis, default=-1)


def _logic(logical, bitwise):
    """& | ^ : logical for bool tensors, bitwise for integer ones (no gradient either way)."""
    def operator(self, other):
        a, b = self.data, unwrap(other)
        xp = backend.get_array_module(a)
        if a.dtype.kind == "f" or getattr(b, "dtype", numpy.dtype(bool)).kind == "f" or isinstance(b, float):
            raise DTypeError(f"{bitwise}: & | ^ need bool or integer tensors, not {a.dtype}")
        name = logical if a.dtype == numpy.bool_ and getattr(b, "dtype", numpy.dtype(bool)) == numpy.bool_ else bitwise
        return Tensor._from_op(getattr(xp, name)(a, b), None, 0)
    operator.__name__ = f"__{bitwise.split('_')[1]}__"
    return operator


def _invert(self):
    """~x: logical not for a bool tensor, bitwise not for an integer one."""
    a = self.data
    if a.dtype.kind == "f":
        raise DTypeError(f"__invert__: ~ needs a bool or integer tensor, not {a.dtype}")
    xp = backend.get_array_module(a)
    return Tensor._from_op(xp.logical_not(a) if a.dtype == numpy.bool_ else xp.invert(a), None, 0)


# ---------------------------------------------------------------- the wiring


def _compare(ufunc_name):
    def compare(self, other):
        a_data, b_data = unwrap(self), unwrap(other)
        xp = backend.get_array_module(a_data if hasattr(a_data, "shape") else b_data)
        return Tensor._from_op(getattr(xp, ufunc_name)(a_data, b_data), None, 0)
    compare.__name__ = ufunc_name
    return compare


def _install():
    E = _elementwise
    methods = {
        # autograd
        "backward": backward, "detach": detach, "retain_grad": retain_grad, "register_hook": register_hook,
        "register_post_accumulate_grad_hook": register_post_accumulate_grad_hook, "draw": draw,
        # arithmetic operators build their op directly (one call less on the hottest path)
        "__add__": lambda self, other: E.Add()(self, other),
        "__radd__": lambda self, other: E.Add()(other, self),
        "__sub__": lambda self, other: E.Sub()(self, other),
        "__rsub__": lambda self, other: E.Sub()(other, self),
        "__mul__": lambda self, other: E.Mul()(self, other),
        "__rmul__": lambda self, other: E.Mul()(other, self),
        "__truediv__": lambda self, other: E.Div()(self, other),
        "__rtruediv__": lambda self, other: E.Div()(other, self),
        "__pow__": lambda self, other: E.Pow()(self, other),
        "__rpow__": lambda self, other: E.Pow()(other, self),
        "__neg__": lambda self: E.Neg()(self),
        "__pos__": lambda self: self,
        "__abs__": lambda self: ops.abs(self),
        "__matmul__": lambda self, other: ops.matmul(self, other),
        "__rmatmul__": lambda self, other: ops.matmul(other, self),
        "__getitem__": lambda self, index: ops.getitem(self, index),
        "__iter__": lambda self: (self[i] for i in range(len(self))),
        # comparisons give boolean tensors that are not part of any graph
        "__eq__": _compare("equal"), "__ne__": _compare("not_equal"), "__lt__": _compare("less"),
        "__le__": _compare("less_equal"), "__gt__": _compare("greater"), "__ge__": _compare("greater_equal"),
        # in place
        "add_": add_, "sub_": sub_, "mul_": _ufunc_write("mul_", "multiply"),
        "div_": _ufunc_write("div_", "true_divide"), "pow_": _ufunc_write("pow_", "power"),
        "zero_": zero_, "fill_": fill_, "copy_": copy_, "clamp_": clamp_, "clip_": clamp_,
        "masked_fill_": masked_fill_, "detach_": detach_, "__setitem__": setitem, "record_write": record_write,
        # conversion
        "to": to, "cpu": lambda self: to(self, "cpu"), "cuda": lambda self, device=None, non_blocking=False: to(self, device or "cuda"),
        "astype": lambda self, dtype: ops.astype(self, dtype),
        "float": lambda self: to(self, dtype=numpy.float32), "double": lambda self: to(self, dtype=numpy.float64),
        "clone": lambda self: ops.clone(self),
        # shape and size (PyTorch's meanings; see "The PyTorch contract" in the README)
        "size": size, "numel": numel, "nelement": numel, "dim": lambda self: self.data.ndim,
        "T": property(lambda self: ops.shape.matrix_transpose(self)),   # reversed dims, as NumPy and PyTorch
        "view": lambda self, *shape: ops.reshape(self, _sizes("view", shape)),
        "reshape": lambda self, *shape: ops.reshape(self, _sizes("reshape", shape)),
        "view_as": lambda self, other: ops.reshape(self, other.shape),
        "reshape_as": lambda self, other: ops.reshape(self, other.shape),
        "permute": lambda self, *dims: ops.permute(self, _sizes("permute", dims)),
        "expand": lambda self, *sizes: ops.shape.expand(self, *sizes),
        "expand_as": lambda self, other: ops.shape.expand(self, *other.shape),
        "repeat": lambda self, *sizes: ops.shape.repeat(self, *sizes),
        "tile": lambda self, *dims: ops.tile(self, _sizes("tile", dims)),
        "flip": lambda self, *dims: ops.flip(self, _sizes("flip", dims)),
        "contiguous": lambda self, memory_format=None: self,   # NumPy arrays need no contiguous copy here
        # conversions (a cast to an integer or bool dtype cuts the graph, as in PyTorch)
        "long": lambda self: to(self, dtype=numpy.int64), "int": lambda self: to(self, dtype=numpy.int32),
        "bool": lambda self: to(self, dtype=numpy.bool_), "half": lambda self: to(self, dtype=numpy.float16),
        "type_as": lambda self, other: to(self, dtype=other.dtype),
        # comparisons and logic as methods
        "eq": _compare("equal"), "ne": _compare("not_equal"), "lt": _compare("less"), "le": _compare("less_equal"),
        "gt": _compare("greater"), "ge": _compare("greater_equal"),
        "__and__": _logic("logical_and", "bitwise_and"), "__or__": _logic("logical_or", "bitwise_or"),
        "__xor__": _logic("logical_xor", "bitwise_xor"), "__invert__": _invert,
        "__mod__": lambda self, other: ops.remainder(self, other),
        "__rmod__": lambda self, other: ops.remainder(other, self),
        "__floordiv__": lambda self, other: ops.floor_divide(self, other),
        "__rfloordiv__": lambda self, other: ops.floor_divide(other, self),
        "where": lambda self, condition, other: ops.where(condition, self, other),
        "dot": lambda self, other: ops.dot(self, other),
        "softmax": lambda self, dim=None, *, axis=None: ops.softmax(self, _dim_of("softmax", dim, axis)),
        "log_softmax": lambda self, dim=None, *, axis=None: ops.log_softmax(self, _dim_of("log_softmax", dim, axis)),
    }
    # methods that are the op itself, `self` as its first argument (`input` in PyTorch's signatures)
    for name in ("exp", "log", "log1p", "expm1", "sqrt", "abs", "neg", "sin", "cos", "tanh", "sigmoid", "relu",
                 "pow", "remainder", "maximum", "minimum", "clamp", "clip", "sum", "mean", "prod", "std", "var",
                 "max", "min", "amax", "amin", "argmax", "argmin", "logsumexp", "cumsum", "cumprod", "norm",
                 "transpose", "t", "swapaxes", "squeeze", "unsqueeze", "expand_dims", "flatten", "unflatten",
                 "split", "chunk", "narrow", "roll", "broadcast_to", "sort", "argsort", "topk", "gather",
                 "scatter", "scatter_add", "index_select", "masked_fill", "tril", "triu", "diag", "trace",
                 "matmul", "mm", "bmm", "outer", "logical_and", "logical_or", "logical_xor", "logical_not"):
        methods[name] = getattr(ops, name)
    for name, ufunc in (("add_", "add"), ("sub_", "sub"), ("mul_", "mul"), ("div_", "truediv"), ("pow_", "pow")):
        methods[f"__i{ufunc}__"] = _augmented(methods[name])
    for name, method in methods.items():
        setattr(Tensor, name, method)


_install()
