"""Reductions: sum, mean, max, min, var, std and logsumexp over an axis.

A reduction maps many inputs to one output, so its backward does the
opposite: it copies each output gradient back to every input that fed it.

    x (2, 3) ──sum(axis=1)──► y (2,)          grad_x = grad_y[:, None] broadcast to (2, 3)

`axis` is None (everything), an int or a tuple of ints (negative counts from
the end); `keepdims=True` keeps reduced axes with size 1, as in NumPy.

    >>> x.sum(axis=0), x.mean(axis=(0, 1), keepdims=True), autograd.logsumexp(x, axis=-1)
"""
import math

import numpy

from .. import backend, return_types
from ..errors import ArgumentError, IndexOutOfRangeError
from ..graph import Function
from ..tensor import Tensor
from .elementwise import sqrt
from .checks import check_axis
from ..errors import ArgumentError, AxisError
from .registry import REGISTRY, declare, distinct, uniform, Sample, ErrorInput, away_from, error_cases
from .arguments import resolve, normalize_dim, alias


__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "logsumexp",
           "cumsum", "cumprod", "norm"]


# ---------------------------------------------------------------- helpers


def _axes(axis, ndim):
    """`axis` as a tuple of non-negative ints (None means every axis)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(a % ndim if ndim else a for a in axis)
    return (axis % ndim if ndim else axis,)


def _kept_shape(shape, axis):
    """The shape of the result with keepdims=True: reduced axes become 1."""
    kept = list(shape)
    for a in _axes(axis, len(shape)):
        kept[a] = 1
    return tuple(kept)


def _count(shape, axis):
    """How many input elements each output element summarises."""
    return math.prod(shape[a] for a in _axes(axis, len(shape)))


def _with_kept_axes(grad, shape, axis, keepdims):
    """The output gradient reshaped so that it broadcasts against the input."""
    return grad if keepdims else grad.reshape(_kept_shape(shape, axis))


def _array_like(x):
    """Tensors and arrays pass; Python numbers and lists become arrays (as NumPy would take them).
    A list holding tensors is refused: as a constant array it would silently leave the graph."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (list, tuple)) and any(isinstance(item, Tensor) for item in x):
        raise ArgumentError("got a list of tensors where one tensor is expected; combine them with "
                            "autograd.stack(...) or autograd.concatenate(...) first")
    return backend.as_array(x)


def _axis_setting(axis):
    return tuple(axis) if isinstance(axis, list) else axis  # NumPy wants tuples, people write lists


# ---------------------------------------------------------------- ops


class Sum(Function):
    """Every input element adds to the output: its gradient is the output's, broadcast back."""

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.input_shape = x.shape
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    formula = "∂y/∂xᵢ = 1  (g broadcast back)"

    def backward(self, grad):
        grad = _with_kept_axes(grad, self.input_shape, self.axis, self.keepdims)
        return self.xp.broadcast_to(grad, self.input_shape)


class Mean(Function):
    """Like sum, divided by the count n: each input gets 1/n of the output's gradient."""

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.input_shape = x.shape
        return x.mean(axis=self.axis, keepdims=self.keepdims)

    formula = "∂y/∂xᵢ = 1/n"

    def backward(self, grad):
        grad = _with_kept_axes(grad, self.input_shape, self.axis, self.keepdims)
        count = _count(self.input_shape, self.axis)
        # scale the small reduced gradient, then broadcast (a Python float keeps float32)
        return self.xp.broadcast_to(grad * (1.0 / count if count else 0.0), self.input_shape)


class Max(Function):
    """The gradient goes to the winning element; tied winners share it evenly (as in PyTorch)."""

    largest = True

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        extreme = x.max(axis=self.axis, keepdims=True) if self.largest else x.min(axis=self.axis, keepdims=True)
        self.save_for_backward(x, extreme)  # the winners are found in backward, only if it runs
        return extreme if self.keepdims else extreme.reshape(_reduced_shape(x.shape, self.axis))

    formula = "∂y/∂xᵢ = [xᵢ is the max]  (shared at ties)"

    def backward(self, grad):
        x, extreme = self.saved_arrays  # the winners' mask is a constant
        winners = (x == extreme).astype(grad.dtype)
        share = winners / winners.sum(axis=self.axis, keepdims=True)  # 1 for a lone winner, 1/k for k ties
        # The share is a constant: max is piecewise linear, its second derivative is zero.
        return _with_kept_axes(grad, x.shape, self.axis, self.keepdims) * share


class Min(Max):
    largest = False

    formula = "∂y/∂xᵢ = [xᵢ is the min]  (shared at ties)"


def _reduced_shape(shape, axis):
    axes = _axes(axis, len(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


class Var(Function):
    """Mean squared deviation, divided by n - ddof; d var / dx = 2 (x - mean) / (n - ddof)."""

    def __init__(self, axis=None, keepdims=False, ddof=0):
        self.axis, self.keepdims, self.ddof = axis, keepdims, ddof

    def forward(self, x):
        self.save_for_backward(x)
        return x.var(axis=self.axis, keepdims=self.keepdims, ddof=self.ddof)

    formula = "∂y/∂xᵢ = 2(xᵢ − mean)/(n − ddof)"

    def backward(self, grad):
        x, = self.saved_tensors
        centered = x - self.xp.mean(x, axis=self.axis, keepdims=True)  # recomputed: differentiable under create_graph
        dof = _count(x.shape, self.axis) - self.ddof
        scale = 2.0 / dof if dof > 0 else math.nan  # NumPy's var is nan there too
        return _with_kept_axes(grad, x.shape, self.axis, self.keepdims) * centered * scale


class Std(Var):
    """sqrt(var): d std / dx = (x - mean) / ((n - ddof) std), and 0 where std is 0 (all values equal),
    as in PyTorch: there the spread cannot move in any one direction."""

    formula = "∂σ/∂x = (x − mean) / ((n − ddof) σ), 0 where σ = 0"

    def forward(self, x):
        y = self.xp.sqrt(super().forward(x))
        self.save_for_backward(x, y)
        return y

    def backward(self, grad):
        x, y = self.saved_tensors
        centered = x - self.xp.mean(x, axis=self.axis, keepdims=True)
        dof = _count(x.shape, self.axis) - self.ddof
        y = _with_kept_axes(y, x.shape, self.axis, self.keepdims)
        spread = self.xp.where(y == 0, 1.0, y * dof) if dof > 0 else math.nan   # 0/0 -> 0 below
        grad = _with_kept_axes(grad, x.shape, self.axis, self.keepdims)
        return self.xp.where(y == 0, 0.0, grad * centered / spread)


class Prod(Function):
    """Product over `axis`; the gradient of each element is the product of all the others.

    The product of the others is an exclusive cumulative product from the left times one from
    the right, so an element that is exactly 0 still gets the right gradient (no division).
    """

    formula = "∂y/∂x_i = Π_{j≠i} x_j"

    def __init__(self, axis, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.save_for_backward(x)
        return x.prod(axis=self.axis, keepdims=self.keepdims)

    def backward(self, grad):
        x, = self.saved_tensors
        xp, axis = self.xp, self.axis
        flat = axis is None
        values = x.reshape(-1) if flat else x
        axis = 0 if flat else axis
        others = _exclusive_cumprod(values, axis, xp) * xp.flip(
            _exclusive_cumprod(xp.flip(values, axis), axis, xp), axis)
        grad = grad.reshape(()) if flat else _with_kept_axes(grad, x.shape, axis, self.keepdims)
        return (grad * others).reshape(x.shape)


def _exclusive_cumprod(x, axis, xp):
    """[1, x0, x0 x1, ...] along `axis`: the product of the elements before each one."""
    n = x.shape[axis]
    if n == 0:
        return x
    ones = xp.ones_like(x[_along(axis, 0, 1, x.ndim)])
    if n == 1:
        return ones
    return xp.concatenate([ones, xp.cumprod(x[_along(axis, 0, n - 1, x.ndim)], axis)], axis)


def _along(axis, start, stop, ndim):
    return (slice(None),) * axis + (slice(start, stop),) + (slice(None),) * (ndim - axis - 1)


class CumSum(Function):
    """Running sum along `axis`; each input adds to every later output, so its gradient is the
    reversed running sum of the gradient."""

    formula = "∂y_j/∂x_i = 1 for i ≤ j"

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return x.cumsum(axis=self.axis)

    def backward(self, grad):
        xp = self.xp
        return xp.flip(xp.cumsum(xp.flip(grad, self.axis), self.axis), self.axis)


class CumProd(Function):
    """Running product along `axis`: ∂y_j/∂x_i = y_j / x_i for i ≤ j (x without zeros)."""

    formula = "∂y_j/∂x_i = Π_{k≤j, k≠i} x_k for i ≤ j"

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        y = x.cumprod(axis=self.axis)
        self.save_for_backward(x, y)
        return y

    def backward(self, grad):
        x, y = self.saved_tensors
        xp, axis = self.xp, self.axis
        if not isinstance(x, Tensor) and not (x == 0).any():
            return xp.flip(xp.cumsum(xp.flip(grad * y, axis), axis), axis) / x
        # Zeros (or a graph of the backward): the exact sum over j >= i of grad_j · Π_{k≤j, k≠i} x_k,
        # one column i at a time: O(n²) but right at zeros and differentiable.
        n = x.shape[axis]
        columns = []
        for i in range(n):
            before = _exclusive_cumprod(x, axis, xp)[_along(axis, i, i + 1, x.ndim)]   # Π_{k<i} x_k
            rest = x[_along(axis, i + 1, n, x.ndim)]
            after = xp.concatenate([xp.ones_like(before), xp.cumprod(rest, axis)], axis) if n > i + 1 \
                else xp.ones_like(before)                                              # Π_{i<k≤j} x_k
            columns.append((grad[_along(axis, i, n, x.ndim)] * after).sum(axis=axis, keepdims=True) * before)
        return xp.concatenate(columns, axis)


class LogSumExp(Function):
    """log Σ exp(x), computed as m + log Σ exp(x - m) with m the max, so exp never overflows.

    Its gradient is softmax(x) = exp(x - logsumexp(x)), recomputed from the saved output.
    """

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        xp = self.xp
        m = x.max(axis=self.axis, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # a slice of all -inf must give -inf, not nan (inf - inf)
        y = xp.log(xp.exp(x - m).sum(axis=self.axis, keepdims=True)) + m
        if not self.keepdims:
            y = y.reshape(_reduced_shape(x.shape, self.axis))
        self.save_for_backward(x, y)
        return y

    formula = "∂y/∂xᵢ = softmax(x)ᵢ"

    def backward(self, grad):
        x, y = self.saved_tensors
        y = _with_kept_axes(y, x.shape, self.axis, self.keepdims)
        grad = _with_kept_axes(grad, x.shape, self.axis, self.keepdims)
        return grad * self.xp.exp(x - y)


# ---------------------------------------------------------------- public functions (PyTorch's signatures)
#
# `dim=` and `keepdim=` are the names; NumPy's `axis=` and `keepdims=` are accepted as aliases.


def _checked_dims(op, x, dim):
    """dim as None, an int or a tuple of non-negative ints, each in range for x."""
    if dim is None:
        return None
    if isinstance(dim, tuple):
        return tuple(normalize_dim(op, d, x.ndim) for d in dim)
    return normalize_dim(op, dim, x.ndim)


def _cast(x, dtype):
    if dtype is None:
        return x
    from .elementwise import astype
    return astype(x, dtype)


def sum(input, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):  # noqa: A001,A002
    """Sum over `dim` (None: all elements).

    >>> autograd.tensor([[1., 2.], [3., 4.]]).sum(dim=0)       # tensor([4., 6.])
    """
    x = _array_like(input)
    dim, keepdim = resolve("sum", dim, axis, keepdim, keepdims)
    if dim == ():
        dim = None  # torch.sum(x, dim=()) sums everything
    return Sum(_checked_dims("sum", x, dim), keepdim)(_cast(x, dtype))


def mean(input, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):  # noqa: A002
    """Arithmetic mean over `dim`.

    >>> autograd.mean(autograd.tensor([1., 2., 6.]))            # tensor(3.)
    """
    x = _array_like(input)
    dim, keepdim = resolve("mean", dim, axis, keepdim, keepdims)
    return Mean(_checked_dims("mean", x, dim), keepdim)(_cast(x, dtype))


def prod(input, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):  # noqa: A002
    """Product over one `dim` (None: all elements); right gradients also where elements are 0.

    >>> autograd.tensor([[1., 2.], [3., 4.]]).prod(1)           # tensor([ 2., 12.])
    """
    x = _array_like(input)
    dim, keepdim = resolve("prod", dim, axis, keepdim, keepdims)
    if isinstance(dim, tuple):
        raise ArgumentError(f"prod: dim must be one int or None (as in PyTorch), not {dim}")
    return Prod(_checked_dims("prod", x, dim), keepdim and dim is not None)(_cast(x, dtype))


def _extreme(op, largest, input, dim, keepdim, axis, keepdims):
    x = _array_like(input)
    if isinstance(dim, Tensor):  # torch.max(input, other): the elementwise maximum
        from .elementwise import maximum, minimum
        return (maximum if largest else minimum)(x, dim)
    dim, keepdim = resolve(op, dim, axis, keepdim, keepdims)
    if dim is None:
        return (Max if largest else Min)(None, False)(x)
    if isinstance(dim, tuple):
        raise ArgumentError(f"{op}: dim must be one int (it returns values and indices); use "
                            f"{'amax' if largest else 'amin'}(input, dim={dim}) to reduce several dims")
    dim = normalize_dim(op, dim, x.ndim)
    indices = _arg_extreme(x, dim, True, largest)
    from .select import gather
    values = gather(x, dim, indices)  # the gradient goes to the returned index only (as in PyTorch)
    if not keepdim:
        from .shape import squeeze
        values, indices = squeeze(values, dim), Tensor._from_op(indices.data.squeeze(dim), None, 0)
    return (return_types.max if largest else return_types.min)(values, indices)


def max(input, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001,A002
    """The largest element (no dim: ties share the gradient), or over `dim` the named tuple
    (values, indices) whose values' gradient goes to the returned index; max(input, other) is maximum.

    >>> autograd.tensor([[1., 5.], [7., 2.]]).max(1)            # max(values=tensor([5., 7.]), indices=tensor([1, 0]))
    """
    return _extreme("max", True, input, dim, keepdim, axis, keepdims)


def min(input, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001,A002
    """The smallest element, or over `dim` the named tuple (values, indices) (see max).

    >>> v, i = autograd.tensor([3., 1., 2.]).min(0)             # tensor(1.), tensor(1)
    """
    return _extreme("min", False, input, dim, keepdim, axis, keepdims)


def amax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A002
    """The largest values over `dim` (an int, a tuple; () or None: all); ties share the gradient.

    >>> autograd.amax(autograd.tensor([[1., 5.], [7., 2.]]), dim=0)   # tensor([7., 5.])
    """
    x = _array_like(input)
    dim, keepdim = resolve("amax", None if dim == () else dim, axis, keepdim, keepdims)
    return Max(_checked_dims("amax", x, None if dim == () else dim), keepdim)(x)


def amin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A002
    """The smallest values over `dim`; ties share the gradient (see amax)."""
    x = _array_like(input)
    dim, keepdim = resolve("amin", None if dim == () else dim, axis, keepdim, keepdims)
    return Min(_checked_dims("amin", x, None if dim == () else dim), keepdim)(x)


def _arg_extreme(x, dim, keepdim, largest):
    data = x.data if isinstance(x, Tensor) else x
    found = data.argmax(axis=dim, keepdims=keepdim) if largest else data.argmin(axis=dim, keepdims=keepdim)
    return Tensor._from_op(found.astype(numpy.int64, copy=False), None, 0)


def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A002
    """Index of the largest element over `dim` (None: in the flattened tensor); no gradient.

    >>> autograd.tensor([[1., 5.], [7., 2.]]).argmax(dim=1)     # tensor([1, 0])
    """
    x = _array_like(input)
    dim, keepdim = resolve("argmax", dim, axis, keepdim, keepdims)
    return _arg_extreme(x, _checked_dims("argmax", x, dim), keepdim and dim is not None, True)


def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A002
    """Index of the smallest element over `dim`; no gradient."""
    x = _array_like(input)
    dim, keepdim = resolve("argmin", dim, axis, keepdim, keepdims)
    return _arg_extreme(x, _checked_dims("argmin", x, dim), keepdim and dim is not None, False)


def _correction(op, correction, unbiased, ddof):
    value = alias(op, "correction", correction, "ddof", ddof, default=1)
    if unbiased is not None:
        if value != 1:
            raise ArgumentError(f"{op}: give correction= or unbiased=, not both")
        value = 1 if unbiased else 0
    return value


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=1,  # noqa: A002
        axis=None, keepdims=None, ddof=None):
    """Variance over `dim`, dividing by n - correction: unbiased (correction=1) by default, as in
    PyTorch; correction=0 (or unbiased=False) is the population variance (NumPy's default).

    >>> autograd.var(autograd.tensor([1., 2., 3., 4.]))                   # tensor(1.6667)
    >>> autograd.var(autograd.tensor([1., 2., 3., 4.]), correction=0)     # tensor(1.25)
    """
    x = _array_like(input)
    dim, keepdim = resolve("var", dim, axis, keepdim, keepdims)
    return Var(_checked_dims("var", x, dim), keepdim, _correction("var", correction, unbiased, ddof))(x)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=1,  # noqa: A002
        axis=None, keepdims=None, ddof=None):
    """Standard deviation: sqrt(var(x)) with the same correction (1 by default). Its gradient is 0
    where all values are equal (as in PyTorch).

    >>> autograd.std(autograd.tensor([1., 3.]))                 # tensor(1.4142)
    """
    x = _array_like(input)
    dim, keepdim = resolve("std", dim, axis, keepdim, keepdims)
    return Std(_checked_dims("std", x, dim), keepdim, _correction("std", correction, unbiased, ddof))(x)


def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A002
    """log(sum(exp(x))) over `dim` without overflow; its gradient is softmax(x).

    >>> autograd.logsumexp(autograd.tensor([1000., 1000.]), dim=0)     # tensor(1000.6931)
    """
    x = _array_like(input)
    dim, keepdim = resolve("logsumexp", dim, axis, keepdim, keepdims)
    return LogSumExp(_checked_dims("logsumexp", x, dim), keepdim)(x)


def cumsum(input, dim=None, dtype=None, *, axis=None):  # noqa: A002
    """Running sum along `dim`.

    >>> autograd.tensor([1., 2., 3.]).cumsum(0)                 # tensor([1., 3., 6.])
    """
    x = _array_like(input)
    dim = alias("cumsum", "dim", dim, "axis", axis)
    return CumSum(normalize_dim("cumsum", dim, x.ndim))(_cast(x, dtype))


def cumprod(input, dim=None, dtype=None, *, axis=None):  # noqa: A002
    """Running product along `dim` (gradients right also at zeros).

    >>> autograd.tensor([1., 2., 3.]).cumprod(0)                # tensor([1., 2., 6.])
    """
    x = _array_like(input)
    dim = alias("cumprod", "dim", dim, "axis", axis)
    return CumProd(normalize_dim("cumprod", dim, x.ndim))(_cast(x, dtype))


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):  # noqa: A002
    """The p-norm over `dim` (None: all elements): 'fro' or 2, 1, inf, -inf, 0 or any p > 0, as torch.norm.

    >>> autograd.tensor([3., 4.]).norm()                        # tensor(5.)
    """
    from .elementwise import abs as absolute, pow as power
    x = _cast(_array_like(input), dtype)
    if isinstance(dim, list):
        dim = tuple(dim)
    dims = _checked_dims("norm", x, dim)
    if p in ("fro", 2, 2.0):
        return sqrt(Sum(dims, keepdim)(x * x))
    if p == "nuc":
        raise ArgumentError("norm: the nuclear norm (p='nuc') is not implemented")
    magnitude = absolute(x)
    if p == math.inf:
        return Max(dims, keepdim)(magnitude)
    if p == -math.inf:
        return Min(dims, keepdim)(magnitude)
    if p == 0:
        data = (magnitude.data != 0).sum(axis=dims, keepdims=keepdim).astype(magnitude.dtype)
        return Tensor._from_op(data, None, 0)
    if p == 1:
        return Sum(dims, keepdim)(magnitude)
    if not isinstance(p, (int, float)) or p < 0:
        raise ArgumentError(f"norm: p must be 'fro', a number >= 0 or ±inf, not {p!r}")
    return power(Sum(dims, keepdim)(power(magnitude, float(p))), 1.0 / p)


# ---------------------------------------------------------------- declarations

# (shape, dim, keepdim) combinations every reduction is checked on
_CASES = [((3,), None, False), ((2, 3), None, True), ((2, 3), 1, False), ((2, 3), -1, True),
          ((2, 3, 4), (0, 2), False), ((2, 3, 4), (-1, 0), True), ((4,), 0, True), ((), None, False)]


def _reduction_samples(make, cases=_CASES, **extra):
    def samples(rng):
        return [Sample((make(rng, shape),), {"dim": dim, "keepdim": keepdim, **extra},
                       f"{shape} dim={dim} keepdim={keepdim}")
                for shape, dim, keepdim in cases]

    return samples


def _reduction_shaped(make, at_least=1, single=False, **extra):
    """For hypothesis: a random shape, with the dim (None, one, or several) picked from the rng.

    `at_least` is the number of elements each output must summarise (2 for std: the
    square root of a zero variance has an infinite slope)."""

    def shaped(rng, shape):
        ndim = len(shape)
        choice = rng.integers(0, 2 if single else 3) if ndim else 0
        if choice == 0:
            dim = None
        elif choice == 1:
            dim = int(rng.integers(-ndim, ndim))
        else:
            dim = tuple(int(a) for a in rng.choice(ndim, size=rng.integers(1, ndim + 1), replace=False))
        if math.prod(shape) == 0 or _count(shape, dim) < at_least:  # max of nothing is undefined
            shape, dim = (2, 3), None
        return Sample((make(rng, shape),), {"dim": dim, "keepdim": bool(rng.integers(0, 2)), **extra})

    return shaped


def _numpy_style(reference):
    """A NumPy reduction called with PyTorch's argument names."""
    def call(x, dim=None, keepdim=False, **kwargs):
        return reference(x, axis=dim, keepdims=keepdim, **kwargs)
    return call


def _np_logsumexp(x, axis=None, keepdims=False):
    m = numpy.max(x, axis=axis, keepdims=True)
    y = numpy.log(numpy.sum(numpy.exp(x - m), axis=axis, keepdims=True)) + m
    return y if keepdims else numpy.squeeze(y, axis=axis) if axis is not None else y.reshape(())


_BAD_DIM = error_cases((([2, 3],), {"dim": 2}, IndexOutOfRangeError, "dim=2 is out of range"),
                       (([2, 3],), {"dim": 0, "axis": 1}, ArgumentError, "both dim=0 and its alias axis=1"))

for _name, _fn, _ref, _make in [("sum", sum, numpy.sum, uniform), ("mean", mean, numpy.mean, uniform),
                                ("amax", amax, numpy.max, distinct), ("amin", amin, numpy.min, distinct),
                                ("logsumexp", logsumexp, _np_logsumexp, uniform)]:
    declare(_name, _fn, _numpy_style(_ref), _reduction_samples(_make), shaped=_reduction_shaped(_make),
            error_inputs=_BAD_DIM)

_SINGLE = [((3,), None, False), ((2, 3), 1, False), ((2, 3), -1, True), ((2, 3, 4), 0, False), ((4,), 0, True)]


def _np_extreme(largest):
    def call(x, dim=None, keepdim=False):
        if dim is None:
            return x.max() if largest else x.min()
        indices = (x.argmax if largest else x.argmin)(axis=dim, keepdims=True)
        values = numpy.take_along_axis(x, indices, axis=dim)
        return (values, indices) if keepdim else (values.squeeze(dim), indices.squeeze(dim))
    return call


def _extreme_errors(name):
    return error_cases((([2, 3],), {"dim": (0, 1)}, ArgumentError, "use a" + name),
                       (([2, 3],), {"dim": -3}, IndexOutOfRangeError, "out of range"))


declare("max", max, _np_extreme(True), _reduction_samples(distinct, _SINGLE),
        shaped=_reduction_shaped(distinct, single=True), error_inputs=_extreme_errors("max"))
declare("min", min, _np_extreme(False), _reduction_samples(distinct, _SINGLE),
        shaped=_reduction_shaped(distinct, single=True), error_inputs=_extreme_errors("min"))
declare("prod", prod, _numpy_style(numpy.prod),
        lambda rng: _reduction_samples(uniform, _SINGLE)(rng) + [
            Sample((numpy.array([[0.0, 2.0, 3.0], [1.5, 0.0, 0.0]]),), {"dim": 1}, "zeros")],
        shaped=_reduction_shaped(uniform, single=True),
        error_inputs=error_cases((([2, 3],), {"dim": (0, 1)}, ArgumentError, "one int")))
declare("argmax", argmax, _numpy_style(numpy.argmax), _reduction_samples(distinct, _SINGLE), differentiable=False)
declare("argmin", argmin, _numpy_style(numpy.argmin), _reduction_samples(distinct, _SINGLE), differentiable=False)
declare("var", var, lambda x, dim=None, keepdim=False, correction=1: numpy.var(x, axis=dim, keepdims=keepdim,
                                                                              ddof=correction),
        lambda rng: _reduction_samples(uniform, _CASES[1:-1])(rng) + [
            Sample((uniform(rng, (3, 4)),), {"dim": 1, "correction": 0}, "correction=0"),
            Sample((uniform(rng, (2, 3, 2)),), {"dim": (0, 2), "keepdim": True, "correction": 2}, "correction=2")],
        shaped=_reduction_shaped(uniform, at_least=2),
        error_inputs=error_cases((([2, 3],), {"unbiased": False, "correction": 2}, ArgumentError, "not both")))
declare("std", std, lambda x, dim=None, keepdim=False, correction=1: numpy.std(x, axis=dim, keepdims=keepdim,
                                                                              ddof=correction),
        lambda rng: _reduction_samples(uniform, _CASES[1:-1])(rng) + [
            Sample((uniform(rng, (3, 4)),), {"dim": 0, "correction": 0}, "correction=0")],
        shaped=_reduction_shaped(uniform, at_least=3))
declare("cumsum", cumsum, lambda x, dim: numpy.cumsum(x, axis=dim),
        lambda rng: [Sample((uniform(rng, (4,)), 0)), Sample((uniform(rng, (2, 3)), 1)),
                     Sample((uniform(rng, (2, 3, 2)), -2))],
        error_inputs=error_cases((([2, 3], 2), {}, IndexOutOfRangeError, "out of range")))
declare("cumprod", cumprod, lambda x, dim: numpy.cumprod(x, axis=dim),
        lambda rng: [Sample((uniform(rng, (4,)), 0)), Sample((uniform(rng, (2, 3)), 1)),
                     Sample((numpy.array([[0.5, 0.0, 2.0, 1.5], [0.0, 0.0, 1.2, -0.8]]), 1), description="zeros")])


def _np_norm(x, p="fro", dim=None, keepdim=False):
    a = numpy.abs(x)
    if p in ("fro", 2):
        return numpy.sqrt((a * a).sum(axis=dim, keepdims=keepdim))
    if p == math.inf:
        return a.max(axis=dim, keepdims=keepdim)
    return (a ** p).sum(axis=dim, keepdims=keepdim) ** (1 / p)


declare("norm", norm, _np_norm,
        lambda rng: [Sample((uniform(rng, (2, 3)),)), Sample((uniform(rng, (2, 3)), 2, 1), description="dim 1"),
                     Sample((away_from(rng, (4,), (0.0,)), 1), description="p=1"),
                     Sample((distinct(rng, (2, 3), low=0.3), math.inf, 0, True), description="inf"),
                     Sample((away_from(rng, (3,), (0.0,)), 3), description="p=3")])


# bad dims for the reductions declared above without a table
for _name in ("argmax", "argmin", "cumprod", "std", "norm"):
    REGISTRY[_name].error_inputs = error_cases((([2, 3],), {"dim": 2}, IndexOutOfRangeError, "dim=2 is out of range"))
REGISTRY["norm"].formula = "∂‖x‖_p/∂x = sign(x) |x|^(p−1) / ‖x‖_p^(p−1)"
