"""Argument checks shared by the ops: an axis outside the tensor is refused, never wrapped around.

NumPy and the `%` in an op would quietly turn axis=2 of a matrix into axis 0;
these checks run at each public function's entry and raise the library's
AxisError naming the op, the axis and the number of dimensions.

    >>> check_axis("concatenate", 2, 2)
    AxisError: concatenate: axis 2 is out of range for 2-d inputs (valid: -2 to 1)
"""
import numbers

import numpy

from ..errors import ArgumentError, AxisError


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def ndim_of(x):
    """The number of dimensions of a tensor, an array or a nested list."""
    return x.ndim if hasattr(x, "ndim") else numpy.ndim(x)


def check_axis(op, axis, ndim, name="axis", allow_none=True, extra=0):
    """Refuse `axis` (an int, a tuple/list of ints, or None) unless each is in -(ndim+extra)..ndim+extra-1.

    `extra=1` is for ops that insert a new axis (stack, expand_dims). Repeated
    axes in a tuple are refused too, as NumPy does.
    """
    if axis is None:
        if allow_none:
            return
        raise ArgumentError(f"{op}: {name} must be an integer, not None")
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    size = max(ndim + extra, 1)  # a 0-d tensor takes axis 0 or -1, as in NumPy's reductions and PyTorch
    seen = set()
    for a in axes:
        if not _is_int(a):
            raise ArgumentError(f"{op}: {name} must be an integer (or a tuple of them), not {a!r}")
        if not -size <= a < size:
            raise AxisError(f"{op}: {name} {a} is out of range for {ndim}-d inputs (valid: {-size} to {size - 1})")
        if a % size in seen:
            raise AxisError(f"{op}: {name} {axis} repeats axis {a} ({ndim}-d inputs)")
        seen.add(a % size)
