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
from .registry import declare, uniform, Sample, ErrorInput


__all__ = ["reshape", "transpose", "swapaxes", "broadcast_to", "squeeze", "expand_dims", "flatten",
           "concatenate", "stack", "split", "pad", "getitem", "scatter_add", "clone"]


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
    """Drop axes of size 1 (all of them, or those in `axis`)."""

    def __init__(self, axis=None):
        self.axis = axis

    def forward(self, x):
        self.input_shape = x.shape
        return x.squeeze(self.axis)


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

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    formula = "∂L/∂x = g with the axes permuted back"

    def backward(self, grad):
        if self.axes is None:  # reversing is its own inverse
            return grad.transpose()
        inverse = [0] * len(self.axes)
        for position, axis in enumerate(self.axes):
            inverse[axis % len(self.axes)] = position
        return grad.transpose(tuple(inverse))


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
    """Cut into pieces along `axis` (NumPy's split); the pieces' gradients are concatenated back."""

    def __init__(self, indices_or_sections, axis=0):
        self.indices_or_sections, self.axis = indices_or_sections, axis

    def forward(self, x):
        return tuple(self.xp.split(x, self.indices_or_sections, axis=self.axis))

    formula = "∂L/∂x = concatenate(g₁, g₂, …)"

    def backward(self, *grads):
        return self.xp.concatenate(grads, axis=self.axis)


class Pad(Function):
    """Surround x with a constant; the gradient of the border is dropped, the interior passes."""

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
    and the backward must add (scatter_add) instead of assign."""
    parts = index if type(index) is tuple else (index,)
    return any(getattr(part, "ndim", 0) > 0 and part.dtype.kind in "iu" for part in parts)


def _scatter(shape, index, values, repeats):
    """zeros(shape) with `values` added at `index`, on arrays."""
    if repeats:
        return backend.namespace(values).scatter_add(shape, index, values)
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
            return self.xp.scatter_add(self.input_shape, self.index, grad)
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


class ScatterAdd(Function):
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


# ---------------------------------------------------------------- public functions


def reshape(x, shape):
    """Same elements, new shape; one axis may be -1 (inferred).

    >>> autograd.arange(6.0).reshape(2, -1).shape             # (2, 3)
    """
    return Reshape(shape)(_array_like(x))


def transpose(x, axes=None):
    """Permute the axes (reverse them by default); `x.T` for a matrix.

    >>> autograd.zeros(2, 3, 4).transpose(2, 0, 1).shape        # (4, 2, 3)
    """
    x = _array_like(x)
    if axes is not None:
        axes = tuple(axes) if isinstance(axes, (tuple, list)) else (axes,)
        check_axis("transpose", axes, x.ndim)
        if len(axes) != x.ndim:
            raise ArgumentError(f"transpose: axes {axes} must name each of the {x.ndim} axes once")
    return Transpose(axes)(x)


def swapaxes(x, axis1, axis2):
    """Exchange two axes.

    >>> autograd.zeros(2, 3, 4).swapaxes(0, -1).shape           # (4, 3, 2)
    """
    x = _array_like(x)
    check_axis("swapaxes", axis1, x.ndim, "axis1", allow_none=False)
    check_axis("swapaxes", axis2, x.ndim, "axis2", allow_none=False)
    return SwapAxes(axis1, axis2)(x)


def broadcast_to(x, shape):
    """Repeat x to `shape` by NumPy's broadcasting rules (a read-only view).

    >>> autograd.broadcast_to(autograd.tensor([1., 2.]), (3, 2)).shape   # (3, 2)
    """
    return BroadcastTo(tuple(shape) if not isinstance(shape, int) else (shape,))(_array_like(x))


def squeeze(x, axis=None):
    """Remove axes of size 1 (all of them, or only `axis`).

    >>> autograd.zeros(2, 1, 3).squeeze(1).shape                # (2, 3)
    """
    x = _array_like(x)
    check_axis("squeeze", axis, x.ndim)
    return Squeeze(axis)(x)


def expand_dims(x, axis):
    """Insert a size-1 axis at `axis` (PyTorch: unsqueeze).

    >>> autograd.zeros(2, 3).expand_dims(0).shape               # (1, 2, 3)
    """
    x = _array_like(x)
    check_axis("expand_dims", axis, x.ndim, allow_none=False,
               extra=len(axis) if isinstance(axis, (tuple, list)) else 1)  # axes of the result, as NumPy
    return ExpandDims(axis)(x)


def flatten(x, start_axis=0, end_axis=-1):
    """Merge axes start_axis..end_axis (inclusive) into one, as torch.flatten.

    >>> autograd.zeros(8, 3, 4, 4).flatten(1).shape             # (8, 48)
    """
    x = _array_like(x)
    size = max(x.ndim, 1)
    check_axis("flatten", start_axis, x.ndim, "start_axis", allow_none=False)
    check_axis("flatten", end_axis, x.ndim, "end_axis", allow_none=False)
    if start_axis % size > end_axis % size:
        raise ArgumentError(f"flatten: start_axis {start_axis} comes after end_axis {end_axis} ({x.ndim}-d input)")
    return Flatten(start_axis, end_axis)(x)


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


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis (axis=None: flatten them first, as NumPy).

    >>> autograd.concatenate([autograd.zeros(2, 3), autograd.ones(1, 3)]).shape   # (3, 3)
    """
    if axis is None:
        tensors, axis = [reshape(t, -1) for t in tensors], 0
    _check_joined("concatenate", tensors, axis)
    return Concatenate(axis)(*tensors)


def stack(tensors, axis=0):
    """Join same-shaped tensors along a new axis.

    >>> autograd.stack([autograd.zeros(3), autograd.ones(3)], axis=1).shape      # (3, 2)
    """
    _check_joined("stack", tensors, axis)
    return Stack(axis)(*tensors)


def split(x, indices_or_sections, axis=0):
    """Cut into equal sections (an int) or at the given indices (a list); returns a list.

    >>> a, b = autograd.split(autograd.zeros(4, 6), 2, axis=1)   # two (4, 3) tensors
    """
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    x = _array_like(x)
    check_axis("split", axis, x.ndim, allow_none=False)
    return list(Split(indices_or_sections, axis)(x))


def pad(x, pad_width, mode="constant", constant_values=0):
    """Surround x with `constant_values`: pad_width is n, (before, after) or one pair per axis.

    >>> autograd.pad(autograd.ones(2, 2), 1).shape              # (4, 4), zeros around
    """
    if mode != "constant":
        raise ArgumentError(f"pad: mode must be 'constant' (the only one implemented), not {mode!r}")
    return Pad(pad_width, constant_values)(_array_like(x))


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


def clone(x):
    """A copy of x with its own memory, still in the graph (as torch.clone).

    >>> y = x.clone(); y += 1          # x is unchanged; y's gradient flows back to x
    """
    return Clone()(_array_like(x))


def scatter_add(shape, index, values):
    """zeros(shape) with `values` added at `index` (repeated indices add up); the inverse of getitem.

    `values` must have the shape of `zeros(shape)[index]`.

    >>> autograd.scatter_add((3,), numpy.array([0, 0, 2]), autograd.ones(3))   # tensor([2., 0., 1.])
    """
    values = _array_like(values)
    data = unwrap(values)
    return ScatterAdd(shape, _as_index(index, backend.get_array_module(data)))(values)


# ---------------------------------------------------------------- declarations

# ---------------------------------------------------------------- error inputs (tests/test_error_inputs.py)


def _refused(error, match, *args, description="", **kwargs):
    return ErrorInput(Sample(args, kwargs, description), error, match)


def _shape_errors(rng):
    """Bad calls of every shape op, keyed by op name: each must be refused with the error given."""
    m = uniform(rng, (2, 3))
    return {
        "reshape": [_refused(ShapeError, r"cannot reshape array of size 6 into shape \(4,\)", m, (4,))],
        "transpose": [_refused(AxisError, r"transpose: axis \(0, 0\) repeats axis 0", m, (0, 0)),
                      _refused(AxisError, "transpose: axis 2 is out of range for 2-d", m, (0, 2)),
                      _refused(ArgumentError, "transpose: axes .* must name each of the 2 axes", m, (0,))],
        "swapaxes": [_refused(AxisError, "swapaxes: axis2 2 is out of range for 2-d", m, 0, 2)],
        "broadcast_to": [_refused(ShapeError, r"BroadcastTo: incompatible shapes \(2, 3\)", m, (4,))],
        "squeeze": [_refused(ShapeError, "size", m, axis=0, description="axis of size 2"),
                    _refused(AxisError, "squeeze: axis 3 is out of range for 2-d", m, axis=3)],
        "expand_dims": [_refused(AxisError, "expand_dims: axis 3 is out of range for 2-d", m, 3)],
        "flatten": [_refused(AxisError, "flatten: start_axis 5 is out of range for 2-d", m, 5),
                    _refused(ArgumentError, "flatten: start_axis 1 comes after end_axis 0", m, 1, 0)],
        "concatenate": [_refused(AxisError, "concatenate: axis 2 is out of range for 2-d", m, m, axis=2),
                        _refused(ShapeError, r"concatenate: inputs must have the same shape except on axis 0, "
                                             r"got \(2, 3\), \(2, 4\)", m, uniform(rng, (2, 4))),
                        _refused(ArgumentError, "concatenate: needs at least one tensor"),
                        _refused(ShapeError, "concatenate: 0-d tensors", uniform(rng, ()), uniform(rng, ()))],
        "stack": [_refused(AxisError, "stack: axis 7 is out of range for 2-d", m, m, axis=7),
                  _refused(ShapeError, "stack: inputs must have the same shape", m, uniform(rng, (3, 2))),
                  _refused(ArgumentError, "stack: needs at least one tensor")],
        "split": [_refused(AxisError, "split: axis 2 is out of range for 2-d", m, 3, axis=2),
                  _refused(ShapeError, "equal division", m, 2, axis=1)],
        "pad": [_refused(ArgumentError, "pad: mode must be 'constant'", m, 1, mode="reflect"),
                _refused(ShapeError, "negative", m, -1)],
        "getitem": [_refused(IndexOutOfRangeError, "index 5 is out of bounds for axis 0 with size 2", m, 5),
                    _refused(IndexOutOfRangeError, "index 3 is out of bounds for axis 1", m, (slice(None), 3)),
                    _refused(IndexOutOfRangeError, "out of bounds", m, numpy.array([0, 2])),
                    _refused(DTypeError, "getitem: an index array must hold integers", m, numpy.array([0.5]))],
        "scatter_add": [_refused(IndexOutOfRangeError, "index 5 is out of bounds", (3,), numpy.array([5]),
                                 uniform(rng, (1,)))],
    }


def _errors_of(name):
    return lambda rng: _shape_errors(rng)[name]


declare("reshape", reshape, numpy.reshape,
        lambda rng: [Sample((uniform(rng, (2, 3)), (3, 2))), Sample((uniform(rng, (2, 3, 4)), (4, -1))),
                     Sample((uniform(rng, (6,)), (1, 2, 1, 3))), Sample((uniform(rng, ()), (1, 1)))],
        shaped=lambda rng, shape: Sample((uniform(rng, shape), (-1,) + (1,) * int(rng.integers(0, 3)))),
        error_inputs=_errors_of("reshape"))
declare("transpose", transpose, numpy.transpose,
        lambda rng: [Sample((uniform(rng, (2, 3)),)), Sample((uniform(rng, (2, 3, 4)), (2, 0, 1))),
                     Sample((uniform(rng, (2, 3, 4)), (-1, 0, -2)), description="negative axes"),
                     Sample((uniform(rng, (2, 3, 4)),), description="reversed")],
        shaped=lambda rng, shape: Sample((uniform(rng, shape), tuple(int(a) for a in rng.permutation(len(shape))))),
        error_inputs=_errors_of("transpose"))
declare("swapaxes", swapaxes, numpy.swapaxes,
        lambda rng: [Sample((uniform(rng, (2, 3)), 0, 1)), Sample((uniform(rng, (2, 3, 4)), 0, -1))],
        error_inputs=_errors_of("swapaxes"))
declare("broadcast_to", broadcast_to, numpy.broadcast_to,
        lambda rng: [Sample((uniform(rng, (3,)), (2, 3))), Sample((uniform(rng, (2, 1)), (4, 2, 3))),
                     Sample((uniform(rng, ()), (2, 2)))],
        shaped=lambda rng, shape: Sample((uniform(rng, shape), (2,) + tuple(shape))),
        error_inputs=_errors_of("broadcast_to"))
declare("squeeze", squeeze, numpy.squeeze,
        lambda rng: [Sample((uniform(rng, (2, 1, 3, 1)),)), Sample((uniform(rng, (2, 1, 3)),), {"axis": 1}),
                     Sample((uniform(rng, (1, 3, 1)),), {"axis": (0, -1)})],
        error_inputs=_errors_of("squeeze"))
declare("expand_dims", expand_dims, numpy.expand_dims,
        lambda rng: [Sample((uniform(rng, (2, 3)), 0)), Sample((uniform(rng, (2, 3)), -1)),
                     Sample((uniform(rng, (3,)), (0, 2)))],
        shaped=lambda rng, shape: Sample((uniform(rng, shape), int(rng.integers(-len(shape) - 1, len(shape) + 1)))),
        error_inputs=_errors_of("expand_dims"))


def _np_flatten(x, start_axis=0, end_axis=-1):
    if x.ndim == 0:
        return x.reshape(1)
    start, end = start_axis % x.ndim, end_axis % x.ndim
    return x.reshape(x.shape[:start] + (int(numpy.prod(x.shape[start:end + 1])),) + x.shape[end + 1:])


declare("flatten", flatten, _np_flatten,
        lambda rng: [Sample((uniform(rng, (2, 3, 4)),)), Sample((uniform(rng, (2, 3, 4, 2)), 1)),
                     Sample((uniform(rng, (2, 3, 4, 2)), 1, -2)), Sample((uniform(rng, ()),))],
        shaped=lambda rng, shape: Sample((uniform(rng, shape),)),
        error_inputs=_errors_of("flatten"))
declare("concatenate", lambda *xs, axis=0: concatenate(xs, axis), lambda *xs, axis=0: numpy.concatenate(xs, axis),
        lambda rng: [Sample((uniform(rng, (2, 3)), uniform(rng, (1, 3)))),
                     Sample((uniform(rng, (2, 1)), uniform(rng, (2, 3)), uniform(rng, (2, 2))), {"axis": -1}),
                     Sample((uniform(rng, (2, 3)), uniform(rng, (4,))), {"axis": None}, "axis=None")],
        error_inputs=_errors_of("concatenate"))
declare("stack", lambda *xs, axis=0: stack(xs, axis), lambda *xs, axis=0: numpy.stack(xs, axis),
        lambda rng: [Sample((uniform(rng, (2, 3)), uniform(rng, (2, 3)))),
                     Sample((uniform(rng, (3,)), uniform(rng, (3,)), uniform(rng, (3,))), {"axis": -1}),
                     Sample((uniform(rng, (2, 3)), uniform(rng, (2, 3))), {"axis": 1})],
        shaped=lambda rng, shape: Sample((uniform(rng, shape), uniform(rng, shape))),
        error_inputs=_errors_of("stack"))
declare("split", split, numpy.split,
        lambda rng: [Sample((uniform(rng, (4, 3)), 2)), Sample((uniform(rng, (2, 6)), [1, 4]), {"axis": 1}),
                     Sample((uniform(rng, (3, 2, 3)), 3), {"axis": -1})],
        error_inputs=_errors_of("split"))
declare("pad", pad, numpy.pad,
        lambda rng: [Sample((uniform(rng, (2, 3)), 1)), Sample((uniform(rng, (2, 3)), ((0, 1), (2, 0)))),
                     Sample((uniform(rng, (2, 2, 3)), (1, 2)), {"constant_values": 1.5}),
                     Sample((uniform(rng, (3,)), ((2, 1),)))],
        shaped=lambda rng, shape: Sample((uniform(rng, shape), int(rng.integers(0, 3)))),
        error_inputs=_errors_of("pad"))

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


def _np_scatter_add(shape, index, values):
    out = numpy.zeros(shape, dtype=values.dtype)
    numpy.add.at(out, index, values)
    return out


declare("scatter_add", scatter_add, _np_scatter_add,
        lambda rng: [Sample(((5,), numpy.array([0, 4, 0, 0]), uniform(rng, (4,))), description="repeats"),
                     Sample(((4, 3), numpy.array([[1, 1], [2, 0]]), uniform(rng, (2, 2, 3))), description="rows"),
                     Sample(((3, 4), (slice(None), numpy.array([3, 0, 3])), uniform(rng, (3, 3))),
                            description="columns"),
                     Sample(((3, 4), (slice(1, None), 2), uniform(rng, (2,))), description="basic index")],
        error_inputs=_errors_of("scatter_add"))
declare("clone", clone, numpy.copy, lambda rng: [Sample((uniform(rng, s),)) for s in [(), (3,), (2, 3)]])
