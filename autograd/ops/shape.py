"""Shape ops: reshape, transpose, broadcast, concatenate, split, pad and indexing.

None of these computes anything new: each only moves values around. So each
backward moves the gradient back to where the values came from:

    reshape     ──► reshape the gradient back        transpose ──► inverse transpose
    broadcast   ──► sum over the copies              concatenate ──► cut the gradient in pieces
    x[index]    ──► scatter the gradient into zeros at `index` (repeated indices add up)

    >>> y = x.reshape(2, -1).T[:, ::2]
"""
import itertools
import math

import numpy

from .. import backend
from ..errors import ArgumentError, AxisError, DTypeError, IndexOutOfRangeError, ShapeError
from ..graph import Function
from ..tensor import Tensor, unwrap
from .elementwise import unbroadcast
from .reduce import _array_like
from .checks import check_axis
from .registry import REGISTRY, declare, uniform, Sample, ErrorInput, error_cases
from . import arguments
from .arguments import normalize_dim, same_device


__all__ = ["reshape", "permute", "transpose", "t", "swapaxes", "broadcast_to", "expand", "squeeze", "unsqueeze",
           "expand_dims", "flatten", "unflatten", "cat", "concatenate", "stack", "split", "chunk",
           "narrow", "flip", "roll", "tile", "pad", "getitem", "add_at", "clone", "meshgrid"]


# ---------------------------------------------------------------- reshaping (same values, same order)


class Reshape(Function):
    """Same elements in the same order, another shape; the gradient is reshaped back.

    Squeeze, ExpandDims and Flatten are reshapes too: they inherit this backward.
    """

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return x.reshape(self.shape)

    formula = "∂L/∂x = g reshaped to x's shape"

    def backward(self, grad):
        return grad.reshape(self.input_shape)


class Squeeze(Reshape):
    """Drop axes of size 1 (all of them, or those in `axis` that have size 1, as torch.squeeze)."""

    formula = "∂y/∂x = 1 (a reshape)"

    def __init__(self, axis=None):
        self.axis = axis

    def forward(self, x):
        self.input_shape = x.shape
        if self.axis is None:
            return x.squeeze()
        axes = self.axis if isinstance(self.axis, tuple) else (self.axis,)
        ones = tuple(a for a in axes if x.ndim and x.shape[a] == 1)  # PyTorch leaves other sizes alone
        return x.squeeze(ones) if ones else x.reshape(x.shape)


class ExpandDims(Reshape):
    """Insert axes of size 1 at `axis`."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        self.input_shape = x.shape
        return self.xp.expand_dims(x, self.axis)


class Flatten(Reshape):
    """Merge the axes start_axis..end_axis (inclusive) into one."""

    def __init__(self, start_axis=0, end_axis=-1):
        self.start_axis, self.end_axis = start_axis, end_axis

    def forward(self, x):
        self.input_shape = shape = x.shape
        if x.ndim == 0:
            return x.reshape(1)
        start, end = self.start_axis % x.ndim, self.end_axis % x.ndim
        return x.reshape(shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])


class Transpose(Function):
    """Permute the axes (reverse them when `axes` is None); backward applies the inverse permutation."""

    formula = "∂y/∂x = the inverse permutation of the gradient"

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    formula = "∂L/∂x = g with the axes permuted back"

    def backward(self, grad):
        if self.axes is None:  # reversing is its own inverse
            return self.xp.permute(grad, tuple(range(grad.ndim - 1, -1, -1)))
        inverse = [0] * len(self.axes)
        for position, axis in enumerate(self.axes):
            inverse[axis % len(self.axes)] = position
        return self.xp.permute(grad, tuple(inverse))


class SwapAxes(Function):
    def __init__(self, axis1, axis2):
        self.axis1, self.axis2 = axis1, axis2

    def forward(self, x):
        return x.swapaxes(self.axis1, self.axis2)

    formula = "∂L/∂x = g with the two axes swapped back"

    def backward(self, grad):
        return grad.swapaxes(self.axis1, self.axis2)


class BroadcastTo(Function):
    """A read-only view that repeats x along new or size-1 axes; the copies' gradients add up."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return self.xp.broadcast_to(x, self.shape)

    formula = "∂L/∂x = Σ g over the copies"

    def backward(self, grad):
        return unbroadcast(grad, self.input_shape)


class Tile(Function):
    """The array repeated `reps` times along each axis (torch's repeat, NumPy's tile).

    Each input element appears once per copy, so its gradient sums over the copies:
    view the gradient as (r0, n0, r1, n1, ...) and sum the r axes.
    """

    formula = "∂y/∂x = Σ over the copies"

    def __init__(self, reps):
        self.reps = tuple(reps)

    def forward(self, x):
        self.input_shape = x.shape
        return self.xp.tile(x, self.reps)

    def backward(self, grad):
        shape = (1,) * (len(self.reps) - len(self.input_shape)) + tuple(self.input_shape)
        pairs = tuple(n for r, s in zip(self.reps, shape) for n in (r, s))
        summed = grad.reshape(pairs).sum(axis=tuple(range(0, len(pairs), 2)))
        return summed.reshape(self.input_shape)


class Flip(Function):
    """Reverse the order along `dims`; flipping the gradient back is the backward."""

    formula = "∂y/∂x = flip of the gradient"

    def __init__(self, dims):
        self.dims = tuple(dims)

    def forward(self, x):
        return self.xp.flip(x, self.dims) if x.ndim else x.copy()

    def backward(self, grad):
        return self.xp.flip(grad, self.dims) if grad.ndim else grad


class Roll(Function):
    """Shift elements cyclically along `dims` (flattened when dims is None); backward rolls back."""

    formula = "∂y/∂x = the gradient rolled back"

    def __init__(self, shifts, dims):
        self.shifts, self.dims = shifts, dims

    def forward(self, x):
        return self.xp.roll(x, self.shifts, self.dims)

    def backward(self, grad):
        back = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return self.xp.roll(grad, back, self.dims)


# ---------------------------------------------------------------- joining and cutting


def _slice_along(axis, start, stop):
    """The index that selects start:stop on `axis` and everything on the axes before it."""
    return (slice(None),) * axis + (slice(start, stop),)


class Concatenate(Function):
    """Join along an existing axis; each input gets back its own stretch of the gradient."""

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *xs):
        axis = self.axis % xs[0].ndim if xs[0].ndim else self.axis
        self.bounds = list(itertools.accumulate([x.shape[axis] for x in xs], initial=0))
        self.axis = axis
        return self.xp.concatenate(xs, axis=axis)

    formula = "∂L/∂xₖ = xₖ's stretch of g along axis"

    def backward(self, grad):
        bounds = self.bounds
        return tuple(grad[_slice_along(self.axis, bounds[i], bounds[i + 1])] if needed else None
                     for i, needed in enumerate(self.needs_input_grad))


class Stack(Function):
    """Join along a new axis; input i gets the gradient's slice i on that axis."""

    def __init__(self, axis=0):
        self.axis = axis

    def forward(self, *xs):
        self.axis = self.axis % (xs[0].ndim + 1)
        return self.xp.stack(xs, axis=self.axis)

    formula = "∂L/∂xₖ = g[k] along the new axis"

    def backward(self, grad):
        before = (slice(None),) * self.axis
        return tuple(grad[before + (i,)] if needed else None for i, needed in enumerate(self.needs_input_grad))


class Split(Function):
    """Cut into pieces along `axis` at `indices_or_sections` (NumPy's split); the pieces' gradients
    are concatenated back (a piece whose gradient is unused gets zeros)."""

    formula = "∂y/∂x = the pieces' gradients joined"

    def __init__(self, indices_or_sections, axis=0):
        self.indices_or_sections, self.axis = indices_or_sections, axis

    def forward(self, x):
        return tuple(self.xp.split(x, self.indices_or_sections, axis=self.axis))

    formula = "∂L/∂x = concatenate(g₁, g₂, …)"

    def backward(self, *grads):
        return self.xp.concatenate(grads, axis=self.axis)  # the engine passes zeros for unused pieces


class Pad(Function):
    """Surround x with a constant; the gradient of the border is dropped, the interior passes."""

    formula = "∂y/∂x = 1 inside, the border's gradient is dropped"

    def __init__(self, pad_width, constant_values=0):
        self.pad_width, self.constant_values = pad_width, constant_values

    def forward(self, x):
        xp = self.xp
        widths = numpy.broadcast_to(numpy.asarray(self.pad_width, dtype=numpy.int64), (x.ndim, 2)).tolist()
        self.interior = tuple(slice(before, before + n) for (before, _), n in zip(widths, x.shape))
        return xp.pad(x, self.pad_width, mode="constant", constant_values=self.constant_values)

    formula = "∂L/∂x = g without the border"

    def backward(self, grad):
        return grad[self.interior]


# ---------------------------------------------------------------- indexing


def _index_part(part, xp):
    """One part of an index as NumPy takes it: tensors give their array, lists become arrays."""
    if isinstance(part, Tensor):
        return part.data
    if isinstance(part, list):
        # [] selects nothing (as NumPy and PyTorch), so it must be an empty *integer* index
        return xp.asarray(part, dtype=numpy.int64) if len(part) == 0 else xp.asarray(part)
    if xp is not numpy and isinstance(part, numpy.ndarray):
        return xp.asarray(part)  # a CPU index for a GPU array
    return part


def _as_index(index, xp):
    if type(index) is tuple:
        return tuple([_index_part(part, xp) for part in index])
    return _index_part(index, xp)


def _repeats_possible(index):
    """True when the index holds an integer array: then one element can be picked twice,
    and the backward must add (add_at) instead of assign."""
    parts = index if type(index) is tuple else (index,)
    return any(getattr(part, "ndim", 0) > 0 and part.dtype.kind in "iu" for part in parts)


def _scatter(shape, index, values, repeats):
    """zeros(shape) with `values` added at `index`, on arrays."""
    if repeats:
        return backend.namespace(values).add_at(shape, index, values)
    # no element is picked twice: a plain assignment is much faster than an add.at
    out = backend.get_array_module(values).zeros(shape, dtype=values.dtype)
    out[index] = values
    return out


class GetItem(Function):
    """x[index]: basic slicing (ints, slices, None, ...), integer arrays and boolean masks.

    Backward puts the gradient back where the elements came from, into zeros.
    Integer arrays may pick an element several times (an embedding lookup of
    a repeated word): then the gradients add up.
    """

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        self.input_shape = x.shape
        return x[self.index]

    formula = "∂L/∂x = g at x[index], 0 elsewhere (repeats add)"

    def backward(self, grad):
        if isinstance(grad, Tensor):  # create_graph: the scatter must itself be differentiable
            return self.xp.add_at(self.input_shape, self.index, grad)
        return _scatter(self.input_shape, self.index, grad, _repeats_possible(self.index))


class SetItem(Function):
    """x with x[index] = value, out of place: what an in-place `x[index] = value` records.

    The gradient of x is the incoming one with zeros where values were overwritten;
    value's is what arrives at its places, summed over its broadcast copies.
    """

    formula = "∂/∂x = 1 outside index, 0 inside;  ∂/∂value = 1 at index"

    def __init__(self, index):
        self.index = index

    def forward(self, x, value):
        out = x.copy()
        out[self.index] = value
        overwritten = self.xp.zeros(x.shape, dtype=bool)
        overwritten[self.index] = True
        self.save_for_backward(overwritten)
        return out

    def backward(self, grad):
        overwritten, = self.saved_arrays
        need_x, need_value = self.needs_input_grad
        grad_x = grad * ~overwritten if need_x else None   # a bool mask: multiplying keeps grad's dtype
        grad_value = None
        if need_value:
            value = self.inputs[1]
            grad_value = unbroadcast(grad[self.index], value.shape)
        return grad_x, grad_value


class Clone(Function):
    """A copy with its own memory; the gradient passes through unchanged."""

    formula = "∂y/∂x = 1"

    def forward(self, x):
        return x.copy()

    def backward(self, grad):
        return grad


class AddAt(Function):
    """zeros(shape) with `values` added at `index`: the gradient of getitem, and its inverse.

    Its own backward is getitem: each value moved to one place, so its
    gradient is what arrives at that place.
    """

    def __init__(self, shape, index):
        self.shape, self.index = tuple(shape), index

    def forward(self, values):
        return _scatter(self.shape, self.index, values, _repeats_possible(self.index))

    formula = "∂L/∂v = g[index]"

    def backward(self, grad):
        return grad[self.index]


# ---------------------------------------------------------------- public functions (PyTorch's names and meanings)


def _sizes_with_ndim(x):
    return tuple(x.shape), len(x.shape)


def reshape(input, shape):  # noqa: A002 (PyTorch's argument names)
    """Same elements, new shape; one size may be -1 (inferred).

    >>> autograd.arange(6.0).reshape(2, -1).shape             # (2, 3)
    """
    return Reshape(tuple(shape) if isinstance(shape, (tuple, list)) else shape)(_array_like(input))


def permute(input, dims):  # noqa: A002
    """Reorder the dims: result dim i is input dim dims[i] (NumPy: transpose with axes).

    >>> autograd.zeros(2, 3, 4).permute(2, 0, 1).shape        # (4, 2, 3)
    """
    x = _array_like(input)
    dims = tuple(normalize_dim("permute", int(d), x.ndim) for d in dims)
    if sorted(dims) != list(range(x.ndim)):
        raise ArgumentError(f"permute: dims {dims} are not a permutation of the {x.ndim} dims of shape "
                            f"{tuple(x.shape)}")
    return Transpose(dims)(x)


def transpose(input, dim0, dim1):  # noqa: A002
    """Swap two dims, as torch.transpose (for a permutation of all dims use `permute`).

    >>> autograd.zeros(2, 3, 4).transpose(1, 2).shape         # (2, 4, 3)
    """
    if isinstance(dim0, (tuple, list)) or isinstance(dim1, (tuple, list)):
        raise ArgumentError(f"transpose(input, dim0, dim1) swaps two dims; to reorder all dims with "
                            f"{tuple(dim0) if isinstance(dim0, (tuple, list)) else dim1!r} use "
                            f"permute(input, dims) or x.permute(*dims)")
    x = _array_like(input)
    a, b = normalize_dim("transpose", dim0, x.ndim, "dim0"), normalize_dim("transpose", dim1, x.ndim, "dim1")
    if x.ndim < 2:
        return Reshape(x.shape)(x)
    dims = list(range(x.ndim))
    dims[a], dims[b] = dims[b], dims[a]
    return Transpose(tuple(dims))(x)


def t(input):  # noqa: A002
    """The transpose of a matrix (a tensor of at most 2 dims), as torch.t.

    >>> autograd.zeros(2, 3).t().shape                        # (3, 2)
    """
    x = _array_like(input)
    if x.ndim > 2:
        raise ShapeError(f"t: expects a tensor of at most 2 dims, got shape {tuple(x.shape)}; use "
                         f"transpose(dim0, dim1) or permute(...)")
    return Transpose(None)(x) if x.ndim == 2 else Reshape(x.shape)(x)


def matrix_transpose(x):
    """The reversed dims (NumPy's transpose with no axes; what `x.T` gives)."""
    return Transpose(None)(_array_like(x))


def swapaxes(input, axis0, axis1):  # noqa: A002
    """Exchange two dims (NumPy's name; the same as transpose(input, axis0, axis1)).

    >>> autograd.zeros(2, 3, 4).swapaxes(0, -1).shape           # (4, 3, 2)
    """
    x = _array_like(input)
    check_axis("swapaxes", axis0, x.ndim, "axis0", allow_none=False)
    check_axis("swapaxes", axis1, x.ndim, "axis1", allow_none=False)
    return SwapAxes(axis0, axis1)(x)


def broadcast_to(input, shape):  # noqa: A002
    """Repeat x to `shape` by broadcasting rules (a read-only view).

    >>> autograd.broadcast_to(autograd.tensor([1., 2.]), (3, 2)).shape   # (3, 2)
    """
    return BroadcastTo(tuple(shape) if not isinstance(shape, int) else (shape,))(_array_like(input))


def expand(input, *sizes):  # noqa: A002
    """Broadcast to `sizes`, where -1 keeps that dim's size (torch's Tensor.expand).

    >>> autograd.zeros(3, 1).expand(-1, 4).shape              # (3, 4)
    """
    x = _array_like(input)
    sizes = arguments.sizes("expand", sizes)
    if len(sizes) < x.ndim:
        raise ShapeError(f"expand: the number of sizes {sizes} must be at least the number of dims of "
                         f"shape {tuple(x.shape)}")
    lead = len(sizes) - x.ndim
    target = tuple(x.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    if -1 in target[:lead]:
        raise ShapeError(f"expand: -1 is not allowed for the new leading dims in {sizes}")
    for i, s in enumerate(x.shape):
        if s != 1 and target[lead + i] != s:
            raise ShapeError(f"expand: dim {i} of size {s} cannot be expanded to {target[lead + i]} "
                             f"(shape {tuple(x.shape)} to {target}); only size-1 dims expand")
    return BroadcastTo(target)(x)


def squeeze(input, dim=None, *, axis=None):  # noqa: A002
    """Remove dims of size 1: all of them, or those of `dim` that have size 1 (others stay, as in PyTorch).

    >>> autograd.zeros(2, 1, 3).squeeze(1).shape                # (2, 3)
    >>> autograd.zeros(2, 3).squeeze(0).shape                   # (2, 3): dim 0 has size 2
    """
    x = _array_like(input)
    dim = arguments.alias("squeeze", "dim", dim, "axis", axis)
    if dim is not None:
        dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        dim = tuple(normalize_dim("squeeze", d, x.ndim) for d in dims)
    return Squeeze(dim)(x)


def unsqueeze(input, dim):  # noqa: A002
    """Insert a dim of size 1 at `dim` (negative dims count from the end of the result).

    >>> autograd.zeros(2, 3).unsqueeze(-1).shape                # (2, 3, 1)
    """
    x = _array_like(input)
    return ExpandDims(normalize_dim("unsqueeze", dim, x.ndim + 1))(x)


def expand_dims(a, axis):
    """Insert size-1 axes at `axis` (NumPy's name; PyTorch: unsqueeze).

    >>> autograd.zeros(2, 3).expand_dims(0).shape               # (1, 2, 3)
    """
    x = _array_like(a)
    check_axis("expand_dims", axis, x.ndim, allow_none=False,
               extra=len(axis) if isinstance(axis, (tuple, list)) else 1)  # axes of the result, as NumPy
    return ExpandDims(axis)(x)


def flatten(input, start_dim=0, end_dim=-1):  # noqa: A002
    """Merge dims start_dim..end_dim (inclusive) into one, as torch.flatten.

    >>> autograd.zeros(8, 3, 4, 4).flatten(1).shape             # (8, 48)
    """
    x = _array_like(input)
    start = normalize_dim("flatten", start_dim, x.ndim, "start_dim")
    end = normalize_dim("flatten", end_dim, x.ndim, "end_dim")
    if start > end:
        raise ArgumentError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return Flatten(start, end)(x)


def unflatten(input, dim, sizes):  # noqa: A002
    """Split one dim into several of the given sizes (one may be -1), as torch.unflatten.

    >>> autograd.zeros(2, 12).unflatten(1, (3, 4)).shape        # (2, 3, 4)
    """
    x = _array_like(input)
    d = normalize_dim("unflatten", dim, x.ndim)
    sizes = tuple(int(s) for s in sizes)
    known = math.prod(s for s in sizes if s != -1)
    if -1 in sizes:
        sizes = tuple(x.shape[d] // known if s == -1 else s for s in sizes)
    if math.prod(sizes) != x.shape[d]:
        raise ShapeError(f"unflatten: sizes {sizes} do not multiply to dim {dim} of size {x.shape[d]}")
    return Reshape(tuple(x.shape[:d]) + sizes + tuple(x.shape[d + 1:]))(x)


def _check_joined(op, tensors, axis):
    """concatenate/stack: at least one input, a valid axis, and shapes that fit (named in the error)."""
    if len(tensors) == 0:
        raise ArgumentError(f"{op}: needs at least one tensor")
    shapes = [tuple(numpy.shape(unwrap(t))) for t in tensors]
    ndim = len(shapes[0])
    if op == "concatenate" and ndim == 0:
        raise ShapeError("concatenate: 0-d tensors have no axis to join along (use stack)")
    check_axis(op, axis, ndim, allow_none=False, extra=1 if op == "stack" else 0)
    if op == "stack":
        bad = any(shape != shapes[0] for shape in shapes)
    else:
        a = axis % ndim
        bad = any(len(shape) != ndim or shape[:a] + shape[a + 1:] != shapes[0][:a] + shapes[0][a + 1:]
                  for shape in shapes)
    if bad:
        rule = "the same shape" if op == "stack" else f"the same shape except on axis {axis}"
        raise ShapeError(f"{op}: inputs must have {rule}, got {', '.join(map(str, shapes))}")


def cat(tensors, dim=0, *, axis=None):
    """Join tensors along an existing dim, as torch.cat.

    >>> autograd.cat([autograd.zeros(2, 3), autograd.ones(1, 3)]).shape          # (3, 3)
    """
    dim = arguments.alias("cat", "dim", dim, "axis", axis, default=0)
    _check_joined("concatenate", tensors, dim)
    return Concatenate(dim)(*tensors)


concat = cat


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis (NumPy's name; axis=None flattens them first, as NumPy).

    >>> autograd.concatenate([autograd.zeros(2, 3), autograd.ones(1, 3)]).shape   # (3, 3)
    """
    if axis is None:
        tensors, axis = [reshape(t, -1) for t in tensors], 0
    _check_joined("concatenate", tensors, axis)
    return Concatenate(axis)(*tensors)


def stack(tensors, dim=0, *, axis=None):
    """Join same-shaped tensors along a new dim.

    >>> autograd.stack([autograd.zeros(3), autograd.ones(3)], dim=1).shape      # (3, 2)
    """
    dim = arguments.alias("stack", "dim", dim, "axis", axis, default=0)
    _check_joined("stack", tensors, dim)
    return Stack(dim)(*tensors)


def _cut(op, x, lengths, dim):
    """Pieces of the given lengths along `dim`, as a tuple."""
    bounds = list(itertools.accumulate(lengths))[:-1]
    return tuple(Split(bounds, dim)(x)) if bounds else (Reshape(x.shape)(x),)


def split(tensor, split_size_or_sections, dim=0):
    """Cut into pieces of `split_size` along `dim` (the last may be smaller), or of the listed sizes;
    returns a tuple, as torch.split (NumPy's split takes a number of sections instead: use chunk).

    >>> a, b = autograd.split(autograd.zeros(4, 6), 3, dim=1)   # two (4, 3) tensors
    >>> a, b = autograd.split(autograd.zeros(5), [2, 3])        # sizes 2 and 3
    """
    x = _array_like(tensor)
    d = normalize_dim("split", dim, x.ndim)
    n = x.shape[d]
    if isinstance(split_size_or_sections, Tensor):
        split_size_or_sections = split_size_or_sections.tolist()
    if isinstance(split_size_or_sections, (list, tuple)):
        lengths = [int(s) for s in split_size_or_sections]
        if sum(lengths) != n:
            raise ShapeError(f"split: sizes {lengths} add up to {sum(lengths)}, not to dim {dim} of size {n}")
    else:
        size = int(split_size_or_sections)
        if size <= 0:
            raise ArgumentError(f"split: split_size must be positive, got {size}")
        lengths = [size] * (n // size) + ([n % size] if n % size else [])
        lengths = lengths or [0]
    return _cut("split", x, lengths, d)


def chunk(input, chunks, dim=0):  # noqa: A002
    """Cut into `chunks` pieces of ceil(n / chunks) along `dim` (fewer when they run out), as torch.chunk.

    >>> [c.shape for c in autograd.chunk(autograd.zeros(5), 3)]   # [(2,), (2,), (1,)]
    """
    x = _array_like(input)
    if int(chunks) <= 0:
        raise ArgumentError(f"chunk: chunks must be positive, got {chunks}")
    d = normalize_dim("chunk", dim, x.ndim)
    n = x.shape[d]
    size = max(-(-n // int(chunks)), 1)
    lengths = [size] * (n // size) + ([n % size] if n % size else [])
    return _cut("chunk", x, lengths or [0], d)


def narrow(input, dim, start, length):  # noqa: A002
    """input's elements start..start+length-1 along `dim` (a view in PyTorch, a copy here).

    >>> autograd.arange(5.0).narrow(0, 1, 2)                    # tensor([1., 2.])
    """
    x = _array_like(input)
    d = normalize_dim("narrow", dim, x.ndim)
    n = x.shape[d]
    start = start + n if start < 0 else start
    if not (0 <= start <= n and 0 <= length and start + length <= n):
        raise IndexOutOfRangeError(f"narrow: start {start} and length {length} do not fit dim {dim} of size {n}")
    return getitem(x, _slice_along(d, start, start + length))


def flip(input, dims):  # noqa: A002
    """Reverse the order along `dims`.

    >>> autograd.tensor([1., 2., 3.]).flip(0)                   # tensor([3., 2., 1.])
    """
    x = _array_like(input)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return Flip(tuple(normalize_dim("flip", d, x.ndim) for d in dims))(x)


def roll(input, shifts, dims=None):  # noqa: A002
    """Shift elements cyclically along `dims` (over the flattened tensor when dims is None).

    >>> autograd.tensor([1., 2., 3.]).roll(1)                   # tensor([3., 1., 2.])
    """
    x = _array_like(input)
    shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else int(shifts)
    if dims is not None:
        dims = tuple(dims) if isinstance(dims, (tuple, list)) else int(dims)
        if isinstance(shifts, tuple) != isinstance(dims, tuple) or \
                (isinstance(dims, tuple) and len(dims) != len(shifts)):
            raise ArgumentError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    return Roll(shifts, dims)(x)


def tile(input, dims):  # noqa: A002
    """Repeat the tensor dims[i] times along each dim (missing leading reps count as 1), as torch.tile.

    >>> autograd.tensor([1., 2.]).tile((2,))                    # tensor([1., 2., 1., 2.])
    """
    x = _array_like(input)
    reps = arguments.sizes("tile", (dims,))
    reps = (1,) * (x.ndim - len(reps)) + reps
    return Tile(reps)(x)


def repeat(input, *sizes):  # noqa: A002
    """torch's Tensor.repeat: the tensor tiled sizes[i] times along each dim (NumPy: tile).

    >>> autograd.tensor([1., 2.]).repeat(2, 1).shape            # (2, 2)
    """
    x = _array_like(input)
    reps = arguments.sizes("repeat", sizes)
    if len(reps) < x.ndim:
        raise ShapeError(f"repeat: the number of repeats {reps} must be at least the number of dims "
                         f"of shape {tuple(x.shape)}")
    return Tile(reps)(x)


def _padding_pairs(op, pad, ndim):
    """PyTorch's flat pad tuple (last dim first: left, right, then the dim before...) as NumPy's
    per-axis (before, after) pairs."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > ndim:
        raise ArgumentError(f"{op}: the pad tuple {pad} must have an even length of at most 2 x {ndim} "
                            f"(the tensor's dims); it is (left, right) for the last dim, then the one before, ...")
    pairs = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        pairs[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return pairs


def _gather_positions(mode, n, before, after, xp):
    """Which input positions fill a dim of size n padded by `before` and `after`."""
    positions = numpy.arange(-before, n + after)
    if mode == "replicate":
        positions = numpy.clip(positions, 0, n - 1)
    else:  # reflect: mirror without repeating the edge
        period = 2 * (n - 1)
        positions = numpy.abs(positions) % period if period else numpy.zeros_like(positions)
        positions = numpy.where(positions > n - 1, period - positions, positions)
    return xp.asarray(positions)


def pad(input, pad, mode="constant", value=None):  # noqa: A002
    """Pad the last dims: `pad` is (left, right) for the last dim, then (top, bottom) for the one
    before, ... (PyTorch's order). mode 'constant' (with `value`), 'reflect' or 'replicate'.

    >>> autograd.pad(autograd.ones(2, 2), (1, 0)).shape         # (2, 3): one column on the left
    >>> autograd.pad(autograd.ones(2, 3), (1, 1, 2, 2)).shape   # (6, 5)
    """
    x = _array_like(input)
    pairs = _padding_pairs("pad", pad, x.ndim)
    if any(b < 0 or a < 0 for b, a in pairs):
        raise ArgumentError(f"pad: negative padding {tuple(pad)} is not supported (use narrow or slicing)")
    if not any(b or a for b, a in pairs):
        return Reshape(tuple(x.shape))(x)   # nothing to pad (also a 0-d tensor with pad ())
    if mode == "constant":
        return Pad(tuple(pairs), 0 if value is None else value)(x)
    if mode not in ("reflect", "replicate"):
        raise ArgumentError(f"pad: mode must be 'constant', 'reflect' or 'replicate', not {mode!r}")
    if value not in (None, 0):
        raise ArgumentError(f"pad: value={value} is only used with mode='constant'")
    xp = backend.get_array_module(x.data if isinstance(x, Tensor) else x)
    out = x
    for axis, (before, after) in enumerate(pairs):
        if before or after:
            n = x.shape[axis]
            if mode == "reflect" and (before >= n or after >= n):
                raise ArgumentError(f"pad: reflect padding ({before}, {after}) must be smaller than dim "
                                    f"{axis} of size {n}")
            positions = _gather_positions(mode, n, before, after, xp)
            out = getitem(out, (slice(None),) * axis + (positions,))  # repeated rows: their gradients add
    return out


def getitem(x, index):
    """x[index] with NumPy's rules: slices, ints, None, ..., integer arrays and boolean masks.

    >>> W[autograd.tensor([0, 3, 0])]        # rows 0, 3, 0; row 0's gradient is the sum of two
    """
    x = _array_like(x)
    data = unwrap(x)
    index = _as_index(index, backend.get_array_module(data))
    for part in index if type(index) is tuple else (index,):
        if hasattr(part, "dtype") and getattr(part, "ndim", 0) >= 0 and part.dtype.kind not in "biu":
            raise DTypeError(f"getitem: an index array must hold integers or booleans, not {part.dtype}")
    return GetItem(index)(x)  # an index past an axis's end: the engine raises IndexOutOfRangeError


def clone(input):  # noqa: A002
    """A copy of x with its own memory, still in the graph (as torch.clone).

    >>> y = x.clone(); y += 1          # x is unchanged; y's gradient flows back to x
    """
    return Clone()(_array_like(input))


def add_at(shape, index, values):
    """zeros(shape) with `values` added at `index` (repeated indices add up, as numpy.add.at);
    the inverse of getitem. `values` must have the shape of `zeros(shape)[index]`.

    >>> autograd.add_at((3,), numpy.array([0, 0, 2]), autograd.ones(3))   # tensor([2., 0., 1.])
    """
    values = _array_like(values)
    data = values.data if isinstance(values, Tensor) else values
    return AddAt(shape, _as_index(index, backend.get_array_module(data)))(values)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors; indexing 'ij' (the default, as PyTorch) or 'xy'.

    >>> gx, gy = autograd.meshgrid(autograd.arange(3.0), autograd.arange(2.0), indexing="ij")   # (3, 2) each
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    indexing = indexing or "ij"
    if indexing not in ("ij", "xy"):
        raise ArgumentError(f"meshgrid: indexing must be 'ij' or 'xy', not {indexing!r}")
    vectors = [reshape(_array_like(v), (-1,)) for v in tensors]
    same_device("meshgrid", *vectors)
    sizes = [v.shape[0] for v in vectors]
    if indexing == "xy" and len(vectors) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, v in enumerate(vectors):
        axis = i
        if indexing == "xy" and i < 2 and len(vectors) >= 2:
            axis = 1 - i
        view = [1] * len(vectors)
        view[axis] = v.shape[0]
        grids.append(broadcast_to(reshape(v, tuple(view)), tuple(sizes)))
    return tuple(grids)


# ---------------------------------------------------------------- declarations


# ---------------------------------------------------------------- error inputs (tests/test_error_inputs.py)


def _refused(error, match, *args, description="", **kwargs):
    return ErrorInput(Sample(args, kwargs, description), error, match)


def _shape_errors(rng):
    """Bad calls of the shape ops declared without an error_cases table, keyed by op name."""
    m = uniform(rng, (2, 3))
    return {
        "reshape": [_refused(ShapeError, r"cannot reshape array of size 6 into shape \(4,\)", m, (4,))],
        "swapaxes": [_refused(AxisError, "swapaxes: axis1 2 is out of range for 2-d", m, 0, 2)],
        "broadcast_to": [_refused(ShapeError, r"BroadcastTo: incompatible shapes \(2, 3\)", m, (4,))],
        "expand_dims": [_refused(AxisError, "expand_dims: axis 3 is out of range for 2-d", m, 3)],
        "cat": [_refused(AxisError, "concatenate: axis 2 is out of range for 2-d", m, m, dim=2),
                _refused(ShapeError, r"concatenate: inputs must have the same shape except on axis 0, "
                                     r"got \(2, 3\), \(2, 4\)", m, uniform(rng, (2, 4)))],
        "concatenate": [_refused(AxisError, "concatenate: axis 2 is out of range for 2-d", m, m, axis=2),
                        _refused(ShapeError, r"concatenate: inputs must have the same shape except on axis 0, "
                                             r"got \(2, 3\), \(2, 4\)", m, uniform(rng, (2, 4))),
                        _refused(ArgumentError, "concatenate: needs at least one tensor"),
                        _refused(ShapeError, "concatenate: 0-d tensors", uniform(rng, ()), uniform(rng, ()))],
        "stack": [_refused(AxisError, "stack: axis 7 is out of range for 2-d", m, m, dim=7),
                  _refused(ShapeError, "stack: inputs must have the same shape", m, uniform(rng, (3, 2))),
                  _refused(ArgumentError, "stack: needs at least one tensor")],
        "flip": [_refused(IndexOutOfRangeError, "flip: dim=2 is out of range", m, 2)],
        "tile": [_refused(ArgumentError, "tile: expected integer sizes", m, ("a",))],
        "meshgrid": [_refused(ArgumentError, "meshgrid: indexing must be", uniform(rng, (3,)), indexing="yx")],
        "getitem": [_refused(IndexOutOfRangeError, "index 5 is out of bounds for axis 0 with size 2", m, 5),
                    _refused(IndexOutOfRangeError, "index 3 is out of bounds for axis 1", m, (slice(None), 3)),
                    _refused(IndexOutOfRangeError, "out of bounds", m, numpy.array([0, 2])),
                    _refused(DTypeError, "getitem: an index array must hold integers", m, numpy.array([0.5]))],
        "add_at": [_refused(IndexOutOfRangeError, "index 5 is out of bounds", (3,), numpy.array([5]),
                            uniform(rng, (1,)))],
    }


def _errors_of(name):
    return lambda rng: _shape_errors(rng)[name]



def _np_permute(x, dims):
    return numpy.transpose(x, dims)


def _np_squeeze(x, dim=None, axis=None):
    dim = axis if axis is not None else dim
    if dim is None:
        return numpy.squeeze(x)
    dims = dim if isinstance(dim, tuple) else (dim,)
    ones = tuple(d for d in dims if x.ndim and x.shape[d] == 1)
    return numpy.squeeze(x, ones) if ones else x


def _np_flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return x.reshape(1)
    start, end = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(x.shape[:start] + (int(numpy.prod(x.shape[start:end + 1])),) + x.shape[end + 1:])


def _np_split(x, size, dim=0):
    n = x.shape[dim]
    lengths = size if isinstance(size, list) else [size] * (n // size) + ([n % size] if n % size else [])
    return tuple(numpy.split(x, list(itertools.accumulate(lengths))[:-1], axis=dim))


def _np_chunk(x, chunks, dim=0):
    return _np_split(x, max(-(-x.shape[dim] // chunks), 1), dim)


def _np_pad(x, pad, mode="constant", value=None):
    pairs = _padding_pairs("pad", pad, x.ndim)
    if not pairs:
        return x.copy()
    if mode == "constant":
        return numpy.pad(x, pairs, constant_values=value or 0)
    return numpy.pad(x, pairs, mode={"replicate": "edge", "reflect": "reflect"}[mode])


declare("reshape", reshape, numpy.reshape,
        lambda rng: [Sample((uniform(rng, (2, 3)), (3, 2))), Sample((uniform(rng, (2, 3, 4)), (4, -1))),
                     Sample((uniform(rng, (6,)), (1, 2, 1, 3))), Sample((uniform(rng, ()), (1, 1)))],
        shaped=lambda rng, shape: Sample((uniform(rng, shape), (-1,) + (1,) * int(rng.integers(0, 3)))))
declare("permute", permute, _np_permute,
        lambda rng: [Sample((uniform(rng, (2, 3)), (1, 0))), Sample((uniform(rng, (2, 3, 4)), (2, 0, 1))),
                     Sample((uniform(rng, (2, 3, 4)), (-1, 0, -2)), description="negative dims")],
        shaped=lambda rng, shape: Sample((uniform(rng, shape), tuple(int(a) for a in rng.permutation(len(shape))))),
        error_inputs=error_cases((([2, 3], (0, 0)), {}, ArgumentError, "not a permutation"),
                             (([2, 3], (0, 2)), {}, IndexOutOfRangeError, "out of range")))
declare("transpose", transpose, lambda x, a, b: numpy.swapaxes(x, a, b) if x.ndim >= 2 else x,
        lambda rng: [Sample((uniform(rng, (2, 3)), 0, 1)), Sample((uniform(rng, (2, 3, 4)), 1, 2)),
                     Sample((uniform(rng, (2, 3, 4)), -1, 0), description="negative dims"),
                     Sample((uniform(rng, (3,)), 0, -1), description="1-D: unchanged")],
        error_inputs=error_cases((([2, 3, 4], (2, 0, 1), None), {}, ArgumentError, "permute"),
                             (([2, 3], 0, 2), {}, IndexOutOfRangeError, "dim1=2 is out of range")))
declare("t", t, lambda x: x.T, lambda rng: [Sample((uniform(rng, s),)) for s in [(2, 3), (3,), ()]],
        error_inputs=error_cases((([2, 3, 4],), {}, ShapeError, "at most 2 dims")))
declare("swapaxes", swapaxes, numpy.swapaxes,
        lambda rng: [Sample((uniform(rng, (2, 3)), 0, 1)), Sample((uniform(rng, (2, 3, 4)), 0, -1))],
        error_inputs=_errors_of("swapaxes"))
declare("broadcast_to", broadcast_to, numpy.broadcast_to,
        lambda rng: [Sample((uniform(rng, (3,)), (2, 3))), Sample((uniform(rng, (2, 1)), (4, 2, 3))),
                     Sample((uniform(rng, ()), (2, 2)))],
        shaped=lambda rng, shape: Sample((uniform(rng, shape), (2,) + tuple(shape))))
def _np_expand(x, *sizes):
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], tuple) else sizes
    lead = len(sizes) - x.ndim
    return numpy.broadcast_to(x, tuple(x.shape[i - lead] if v == -1 else v for i, v in enumerate(sizes)))


declare("expand", expand, _np_expand,
        lambda rng: [Sample((uniform(rng, (3, 1)), -1, 4)), Sample((uniform(rng, (3,)), 2, 3)),
                     Sample((uniform(rng, (1, 2)), (2, 3, -1)), description="sizes as a tuple")],
        error_inputs=error_cases((([3, 2], 3, 4), {}, ShapeError, "dim 1 of size 2"),
                             (([3, 2], 2), {}, ShapeError, "at least the number of dims")))
declare("squeeze", squeeze, _np_squeeze,
        lambda rng: [Sample((uniform(rng, (2, 1, 3, 1)),)), Sample((uniform(rng, (2, 1, 3)),), {"dim": 1}),
                     Sample((uniform(rng, (1, 3, 1)),), {"dim": (0, -1)}),
                     Sample((uniform(rng, (2, 3)),), {"dim": 0}, "a dim that is not 1 stays"),
                     Sample((uniform(rng, (2, 1)),), {"axis": -1}, "axis= alias")])
declare("unsqueeze", unsqueeze, numpy.expand_dims,
        lambda rng: [Sample((uniform(rng, (2, 3)), 0)), Sample((uniform(rng, (2, 3)), -1)),
                     Sample((uniform(rng, ()), 0))],
        shaped=lambda rng, shape: Sample((uniform(rng, shape), int(rng.integers(-len(shape) - 1, len(shape) + 1)))),
        error_inputs=error_cases((([2, 3], 3), {}, IndexOutOfRangeError, "out of range")))
declare("expand_dims", expand_dims, numpy.expand_dims,
        lambda rng: [Sample((uniform(rng, (2, 3)), 0)), Sample((uniform(rng, (3,)), (0, 2)))])
declare("flatten", flatten, _np_flatten,
        lambda rng: [Sample((uniform(rng, (2, 3, 4)),)), Sample((uniform(rng, (2, 3, 4, 2)), 1)),
                     Sample((uniform(rng, (2, 3, 4, 2)), 1, -2)), Sample((uniform(rng, ()),))],
        shaped=lambda rng, shape: Sample((uniform(rng, shape),)),
        error_inputs=error_cases((([2, 3, 4], 2, 1), {}, ArgumentError, "comes after")))
declare("unflatten", unflatten, lambda x, d, s: x.reshape(x.shape[:d] + tuple(s) + x.shape[d + 1:]),
        lambda rng: [Sample((uniform(rng, (2, 12)), 1, (3, 4))), Sample((uniform(rng, (6, 2)), 0, (2, 3)))],
        error_inputs=error_cases((([2, 12], 1, (5, 2)), {}, ShapeError, "do not multiply")))
declare("cat", lambda *xs, dim=0: cat(xs, dim), lambda *xs, dim=0: numpy.concatenate(xs, dim),
        lambda rng: [Sample((uniform(rng, (2, 3)), uniform(rng, (1, 3)))),
                     Sample((uniform(rng, (2, 1)), uniform(rng, (2, 3)), uniform(rng, (2, 2))), {"dim": -1})])
declare("concatenate", lambda *xs, axis=0: concatenate(xs, axis), lambda *xs, axis=0: numpy.concatenate(xs, axis),
        lambda rng: [Sample((uniform(rng, (2, 3)), uniform(rng, (1, 3)))),
                     Sample((uniform(rng, (2, 3)), uniform(rng, (4,))), {"axis": None}, "axis=None")])
declare("stack", lambda *xs, dim=0: stack(xs, dim), lambda *xs, dim=0: numpy.stack(xs, dim),
        lambda rng: [Sample((uniform(rng, (2, 3)), uniform(rng, (2, 3)))),
                     Sample((uniform(rng, (3,)), uniform(rng, (3,)), uniform(rng, (3,))), {"dim": -1}),
                     Sample((uniform(rng, (2, 3)), uniform(rng, (2, 3))), {"dim": 1})],
        shaped=lambda rng, shape: Sample((uniform(rng, shape), uniform(rng, shape))))
declare("split", split, _np_split,
        lambda rng: [Sample((uniform(rng, (4, 3)), 2)), Sample((uniform(rng, (5, 3)), 2), description="last smaller"),
                     Sample((uniform(rng, (2, 6)), [1, 4, 1]), {"dim": 1}, "sizes"),
                     Sample((uniform(rng, (3, 2, 3)), 3), {"dim": -1}, "one piece")],
        error_inputs=error_cases((([4, 3], [1, 2]), {}, ShapeError, "add up to 3, not to dim 0 of size 4"),
                             (([4, 3], 0), {}, ArgumentError, "positive")))
declare("chunk", chunk, _np_chunk,
        lambda rng: [Sample((uniform(rng, (4, 3)), 2)), Sample((uniform(rng, (5,)), 3), description="uneven"),
                     Sample((uniform(rng, (2, 6)), 4), {"dim": 1}, "fewer than asked")],
        error_inputs=error_cases((([4, 3], 0), {}, ArgumentError, "positive")))
declare("narrow", narrow, lambda x, d, s, n: numpy.take(x, range(s % x.shape[d], s % x.shape[d] + n), axis=d),
        lambda rng: [Sample((uniform(rng, (5, 3)), 0, 1, 3)), Sample((uniform(rng, (2, 4)), 1, -2, 2))],
        error_inputs=error_cases((([5, 3], 0, 4, 3), {}, IndexOutOfRangeError, "do not fit")))
declare("flip", flip, lambda x, dims: numpy.flip(x, dims),
        lambda rng: [Sample((uniform(rng, (4,)), 0)), Sample((uniform(rng, (2, 3, 4)), (0, 2)))])
declare("roll", roll, lambda x, shifts, dims=None: numpy.roll(x, shifts, dims),
        lambda rng: [Sample((uniform(rng, (5,)), 2)), Sample((uniform(rng, (2, 3)), 1), description="flattened"),
                     Sample((uniform(rng, (3, 4)), (1, -1), (0, 1)), description="two dims")],
        error_inputs=error_cases((([3, 4], (1, 2), 0), {}, ArgumentError, "same length")))
declare("tile", tile, numpy.tile,
        lambda rng: [Sample((uniform(rng, (3,)), (2,))), Sample((uniform(rng, (2, 3)), (2, 1, 2)), description="new dim"),
                     Sample((uniform(rng, (2, 3)), (2,)), description="fewer reps")])
declare("pad", pad, _np_pad,
        lambda rng: [Sample((uniform(rng, (2, 3)), (1, 0))), Sample((uniform(rng, (2, 3)), (0, 1, 2, 0))),
                     Sample((uniform(rng, (2, 2, 3)), (1, 2)), {"value": 1.5}),
                     Sample((uniform(rng, (2, 4)), (2, 1)), {"mode": "reflect"}, "reflect"),
                     Sample((uniform(rng, (3, 4)), (1, 3, 2, 0)), {"mode": "replicate"}, "replicate")],
        shaped=lambda rng, shape: Sample((uniform(rng, shape), (int(rng.integers(0, 3)),) * (2 * min(len(shape), 1)))),
        error_inputs=error_cases((([2, 3], (1, 1, 1)), {}, ArgumentError, "even length"),
                             (([2, 3], (3, 0)), {"mode": "reflect"}, ArgumentError, "smaller than"),
                             (([2, 3], (1, 0)), {"mode": "circular"}, ArgumentError, "mode must be")))

_INDICES = [
    (2, 2), (2, -1), (2, slice(1, None)), (3, (slice(None), 1)), (3, (slice(None, None, -1), slice(2))),
    (2, (None, Ellipsis, 0)), (3, (Ellipsis, slice(None, None, -2))), (4, (0, slice(1, 3), None)),
    (2, numpy.array([0, 2, 0, 0])), (3, (slice(None), numpy.array([[1, 1], [0, 3]]))),
    (3, (numpy.array([0, 1, 1]), numpy.array([3, 3, 0]))), (2, [1, 1, 0]),
    (3, (numpy.array([1, 0]), slice(None), numpy.array([2, 2]))),
]


def _index_samples(rng):
    shapes = {2: (3, 4), 3: (2, 4, 5), 4: (3, 4, 5, 2)}
    samples = []
    for rank, index in _INDICES:
        samples.append(Sample((uniform(rng, shapes[rank]), index), description=repr(index)))
    mask = numpy.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])
    samples.append(Sample((uniform(rng, (3, 4)), mask), description="boolean mask"))
    samples.append(Sample((uniform(rng, (3, 4, 2)), (mask[:, 0], slice(None), 1)), description="mask on axis 0"))
    return samples


def _index_shaped(rng, shape):
    """For hypothesis: a random integer array with repeats on axis 0, or a reversing slice."""
    x = uniform(rng, shape)
    if len(shape) == 0 or shape[0] == 0:
        return Sample((x, Ellipsis))
    if rng.integers(0, 2):
        return Sample((x, rng.integers(0, shape[0], size=int(rng.integers(1, 6)))))
    return Sample((x, (slice(None, None, -1),) + (slice(None),) * (len(shape) - 1)))


declare("getitem", getitem, lambda x, index: x[index], _index_samples, shaped=_index_shaped,
        error_inputs=_errors_of("getitem"))


def _np_add_at(shape, index, values):
    out = numpy.zeros(shape, dtype=values.dtype)
    numpy.add.at(out, index, values)
    return out


declare("add_at", add_at, _np_add_at,
        lambda rng: [Sample(((5,), numpy.array([0, 4, 0, 0]), uniform(rng, (4,))), description="repeats"),
                     Sample(((4, 3), numpy.array([[1, 1], [2, 0]]), uniform(rng, (2, 2, 3))), description="rows"),
                     Sample(((3, 4), (slice(None), numpy.array([3, 0, 3])), uniform(rng, (3, 3))),
                            description="columns"),
                     Sample(((3, 4), (slice(1, None), 2), uniform(rng, (2,))), description="basic index")],
        error_inputs=_errors_of("add_at"))
declare("clone", clone, numpy.copy, lambda rng: [Sample((uniform(rng, s),)) for s in [(), (3,), (2, 3)]])
declare("meshgrid", lambda *xs, indexing=None: meshgrid(*xs, indexing=indexing),
        lambda *xs, indexing=None: tuple(numpy.meshgrid(*xs, indexing=indexing or "ij")),
        lambda rng: [Sample((uniform(rng, (3,)), uniform(rng, (2,)))),
                     Sample((uniform(rng, (3,)), uniform(rng, (2,)), uniform(rng, (4,))), {"indexing": "xy"}, "xy")])

# the shape ops whose bad calls are in the _shape_errors table above
for _name in ("reshape", "broadcast_to", "expand_dims", "cat", "concatenate", "stack", "flip", "tile", "meshgrid"):
    REGISTRY[_name].error_inputs = _errors_of(_name)
REGISTRY["squeeze"].error_inputs = error_cases((([2, 3],), {"dim": 3}, IndexOutOfRangeError, "dim=3 is out of range"))
REGISTRY["meshgrid"].formula = "∂L/∂v_i = Σ of grid i's gradient over the other dims"
