"""PyTorch's argument names with NumPy's as aliases: `dim=`/`axis=`, `keepdim=`/`keepdims=`.

An alias never changes the meaning: `x.sum(axis=1)` is `x.sum(dim=1)`. Giving
both spellings is refused, so nothing is silently dropped.

    >>> dim, keepdim = resolve("sum", dim, axis, keepdim, keepdims)
"""
from .. import backend
from ..errors import ArgumentError, DeviceError


def alias(op, name, value, alias_name, alias_value, default=None):
    """The value given under PyTorch's `name` or NumPy's `alias_name` (not both)."""
    if alias_value is None:
        return default if value is None else value
    if value is not None and value != default:
        raise ArgumentError(f"{op}: got both {name}={value!r} and its alias {alias_name}={alias_value!r}")
    return alias_value


def resolve(op, dim, axis, keepdim=None, keepdims=None):
    """(dim, keepdim) from the PyTorch and NumPy spellings; lists of dims become tuples."""
    dim = alias(op, "dim", dim, "axis", axis)
    if isinstance(dim, list):
        dim = tuple(dim)
    keep = alias(op, "keepdim", keepdim, "keepdims", keepdims, default=False)
    return dim, bool(keep)


def sizes(op, values):
    """`f(2, 3)`, `f((2, 3))` and `f([2, 3])` all mean the sizes (2, 3), as in PyTorch."""
    if len(values) == 1 and isinstance(values[0], (tuple, list)):
        values = values[0]
    try:
        return tuple(int(v) for v in values)
    except (TypeError, ValueError):
        raise ArgumentError(f"{op}: expected integer sizes, got {values!r}") from None


def normalize_dim(op, dim, ndim, what="dim"):
    """A dim in [-ndim, ndim) as a non-negative int, or IndexOutOfRangeError naming the op."""
    from ..errors import AxisError

    size = max(ndim, 1)  # a 0-d tensor takes dim 0 or -1, as in PyTorch
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise ArgumentError(f"{op}: {what} must be an int, not {dim!r}")
    if not -size <= dim < size:
        raise AxisError(f"{op}: {what}={dim} is out of range for a tensor of {ndim} dims "
                                   f"(expected {-size} to {size - 1})")
    return dim % size


def same_device(op, *values):
    """Refuse tensors on different devices (for ops that would otherwise move one silently)."""
    devices = sorted({backend.device_of(v.data) for v in values if hasattr(v, "creator")})
    if len(devices) > 1:
        raise DeviceError(f"{op}: inputs are on different devices ({', '.join(devices)}); "
                          f"move them with .to(device) first")
