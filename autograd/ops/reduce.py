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

from .. import backend
from ..errors import ArgumentError
from ..graph import Function
from ..tensor import Tensor
from .elementwise import sqrt
from .checks import check_axis
from ..errors import ArgumentError, AxisError
from .registry import declare, distinct, uniform, Sample, ErrorInput


__all__ = ["sum", "mean", "max", "min", "var", "std", "logsumexp"]


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


# ---------------------------------------------------------------- public functions


def sum(x, axis=None, keepdims=False):  # noqa: A001 (NumPy's name)
    """Sum over `axis` (None: all elements).

    >>> autograd.tensor([[1., 2.], [3., 4.]]).sum(axis=0)      # tensor([4., 6.])
    """
    x = _array_like(x)
    check_axis("sum", axis, x.ndim)
    return Sum(_axis_setting(axis), keepdims)(x)


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over `axis`.

    >>> autograd.mean(autograd.tensor([1., 2., 6.]))            # tensor(3.)
    """
    x = _array_like(x)
    check_axis("mean", axis, x.ndim)
    return Mean(_axis_setting(axis), keepdims)(x)


def max(x, axis=None, keepdims=False):  # noqa: A001
    """Largest element over `axis`; tied maxima share the gradient evenly.

    >>> autograd.max(autograd.tensor([[1., 5.], [7., 2.]]), axis=1)   # tensor([5., 7.])
    """
    x = _array_like(x)
    check_axis("max", axis, x.ndim)
    return Max(_axis_setting(axis), keepdims)(x)


def min(x, axis=None, keepdims=False):  # noqa: A001
    """Smallest element over `axis`; tied minima share the gradient evenly.

    >>> autograd.min(autograd.tensor([3., 1., 2.]))             # tensor(1.)
    """
    x = _array_like(x)
    check_axis("min", axis, x.ndim)
    return Min(_axis_setting(axis), keepdims)(x)


def var(x, axis=None, keepdims=False, ddof=0):
    """Variance over `axis`, dividing by n - ddof (ddof=1: the unbiased estimate).

    >>> autograd.var(autograd.tensor([1., 2., 3., 4.]))         # tensor(1.25)
    """
    x = _array_like(x)
    _check_var_settings("var", axis, x.ndim, ddof)
    return Var(_axis_setting(axis), keepdims, ddof)(x)


def _check_var_settings(op, axis, ndim, ddof):
    check_axis(op, axis, ndim)
    if isinstance(ddof, bool) or not isinstance(ddof, (int, numpy.integer)) or ddof < 0:
        raise ArgumentError(f"{op}: ddof must be an integer >= 0, got {ddof!r}")


def std(x, axis=None, keepdims=False, ddof=0):
    """Standard deviation: sqrt(var(x)). Its gradient is 0 where all values are equal (as in PyTorch).

    >>> autograd.std(autograd.tensor([1., 3.]))                 # tensor(1.)
    """
    x = _array_like(x)
    _check_var_settings("std", axis, x.ndim, ddof)
    return Std(_axis_setting(axis), keepdims, ddof)(x)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) without overflow; its gradient is softmax(x).

    >>> autograd.logsumexp(autograd.tensor([1000., 1000.]))     # tensor(1000.6931)
    """
    x = _array_like(x)
    check_axis("logsumexp", axis, x.ndim)
    return LogSumExp(_axis_setting(axis), keepdims)(x)


# ---------------------------------------------------------------- declarations

# (shape, axis, keepdims) combinations every reduction is checked on
_CASES = [((3,), None, False), ((2, 3), None, True), ((2, 3), 1, False), ((2, 3), -1, True),
          ((2, 3, 4), (0, 2), False), ((2, 3, 4), (-1, 0), True), ((4,), 0, True), ((), None, False)]


def _reduction_samples(make, **extra):
    def samples(rng):
        return [Sample((make(rng, shape),), {"axis": axis, "keepdims": keepdims, **extra},
                       f"{shape} axis={axis} keepdims={keepdims}")
                for shape, axis, keepdims in _CASES]

    return samples


def _reduction_shaped(make, at_least=1, **extra):
    """For hypothesis: a random shape, with the axis (None, one, or several) picked from the rng.

    `at_least` is the number of elements each output must summarise (2 for std: the
    square root of a zero variance has an infinite slope)."""

    def shaped(rng, shape):
        ndim = len(shape)
        choice = rng.integers(0, 3) if ndim else 0
        if choice == 0:
            axis = None
        elif choice == 1:
            axis = int(rng.integers(-ndim, ndim))
        else:
            axis = tuple(int(a) for a in rng.choice(ndim, size=rng.integers(1, ndim + 1), replace=False))
        if math.prod(shape) == 0 or _count(shape, axis) < at_least:  # max of nothing is undefined
            shape, axis = (2, 3), None
        return Sample((make(rng, shape),), {"axis": axis, "keepdims": bool(rng.integers(0, 2)), **extra})

    return shaped


def _axis_errors(op):
    """Axes a reduction must refuse: past the end, repeated, and not an integer."""
    def error_inputs(rng):
        return [ErrorInput(Sample((uniform(rng, (2, 3)),), {"axis": 2}, "axis 2 of a matrix"), AxisError,
                           f"{op}: axis 2 is out of range for 2-d inputs"),
                ErrorInput(Sample((uniform(rng, (2, 3)),), {"axis": -3}, "axis -3 of a matrix"), AxisError,
                           f"{op}: axis -3 is out of range"),
                ErrorInput(Sample((uniform(rng, (2, 3)),), {"axis": (1, -1)}, "axis 1 twice"), AxisError,
                           f"{op}: axis \\(1, -1\\) repeats axis -1"),
                ErrorInput(Sample((uniform(rng, (2, 3)),), {"axis": 1.0}, "a float axis"), ArgumentError,
                           f"{op}: axis must be an integer")]

    return error_inputs


def _np_logsumexp(x, axis=None, keepdims=False):
    m = numpy.max(x, axis=axis, keepdims=True)
    y = numpy.log(numpy.sum(numpy.exp(x - m), axis=axis, keepdims=True)) + m
    return y if keepdims else numpy.squeeze(y, axis=axis) if axis is not None else y.reshape(())


for _name, _fn, _ref, _make in [("sum", sum, numpy.sum, uniform), ("mean", mean, numpy.mean, uniform),
                                ("max", max, numpy.max, distinct), ("min", min, numpy.min, distinct),
                                ("logsumexp", logsumexp, _np_logsumexp, uniform)]:
    declare(_name, _fn, _ref, _reduction_samples(_make), shaped=_reduction_shaped(_make),
            error_inputs=_axis_errors(_name))


declare("var", var, numpy.var,
        lambda rng: _reduction_samples(uniform)(rng)[:-1] + [
            Sample((uniform(rng, (3, 4)),), {"axis": 1, "ddof": 1}, "ddof=1"),
            Sample((uniform(rng, (2, 3, 2)),), {"axis": (0, 2), "keepdims": True, "ddof": 1}, "tuple ddof=1")],
        shaped=_reduction_shaped(uniform),
        error_inputs=lambda rng: _axis_errors("var")(rng) + [
            ErrorInput(Sample((uniform(rng, (3,)),), {"ddof": -1}), ArgumentError, "var: ddof must be")])
declare("std", std, numpy.std,
        lambda rng: _reduction_samples(uniform)(rng)[:-1] + [
            Sample((uniform(rng, (3, 4)),), {"axis": 0, "ddof": 1}, "ddof=1")],
        shaped=_reduction_shaped(uniform, at_least=2),
        error_inputs=lambda rng: _axis_errors("std")(rng) + [
            ErrorInput(Sample((uniform(rng, (3,)),), {"ddof": 1.5}), ArgumentError, "std: ddof must be")])
