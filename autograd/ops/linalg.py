"""Matrix products: matmul (the `@` operator) and outer.

For y = a @ b with a (m, k) and b (k, n), every y[i, j] = Σ_k a[i, k] b[k, j], so

    grad_a = grad_y @ bᵀ        (m, n) @ (n, k) -> (m, k)
    grad_b = aᵀ @ grad_y        (k, m) @ (m, n) -> (k, n)

Batched inputs (..., m, k) @ (..., k, n) broadcast their leading axes like
NumPy; the gradients are then summed back over the broadcast axes. A 1-D
operand is a row (on the left) or a column (on the right) that is dropped
from the result, exactly as in numpy.matmul.

    >>> h = x @ W + b                  # x (batch, in), W (in, out)
"""
import math

import numpy

from ..graph import Function
from .elementwise import unbroadcast, mul
from ..errors import DTypeError, ShapeError
from .registry import declare, uniform, Sample, ErrorInput
from .shape import reshape


__all__ = ["matmul", "outer", "linear"]


def _matrix_transpose(x):
    return x.swapaxes(-1, -2)


class MatMul(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        if getattr(a, "ndim", 0) > 2 and getattr(b, "ndim", 0) == 2:
            # (..., k) @ (k, n) is one matrix product over all rows: a single BLAS call
            # instead of one per batch entry (about 1.5x faster, see the backward too).
            rows = math.prod(a.shape[:-1])
            return (a.reshape(rows, a.shape[-1]) @ b).reshape(a.shape[:-1] + b.shape[-1:])
        try:
            return a @ b
        except ValueError as error:  # the engine turns this into a ShapeError naming MatMul and both shapes
            raise ValueError(_mismatch(a, b) or str(error)) from None

    formula = "∂L/∂A = g·Bᵀ,  ∂L/∂B = Aᵀ·g"

    def backward(self, grad):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the common case, straight from the formulas above
            return (grad @ b.T if need_a else None), (a.T @ grad if need_b else None)
        if a.ndim > 2 and b.ndim == 2:  # all rows of a meet the same b: one product over all rows
            rows, (k, n) = math.prod(a.shape[:-1]), b.shape
            grad_rows = grad.reshape(rows, n)
            grad_a = (grad_rows @ b.T).reshape(a.shape) if need_a else None
            grad_b = a.reshape(rows, k).T @ grad_rows if need_b else None
            return grad_a, grad_b
        return self._batched_backward(a, b, grad, need_a, need_b)

    def _batched_backward(self, a, b, grad, need_a, need_b):
        # A 1-D operand becomes a matrix (a row on the left, a column on the right) and the
        # gradient gets back the axis that matmul dropped; then the 2-D formulas apply.
        a_shape, b_shape = a.shape, b.shape
        if b.ndim == 1:  # (..., m) -> (..., m, 1)
            b = b.reshape(-1, 1)
            grad = grad.reshape(grad.shape + (1,))
        if a.ndim == 1:  # (..., n) -> (..., 1, n)
            a = a.reshape(1, -1)
            grad = grad.reshape(grad.shape[:-1] + (1,) + grad.shape[-1:])
        grad_a = unbroadcast(grad @ _matrix_transpose(b), a.shape).reshape(a_shape) if need_a else None
        grad_b = unbroadcast(_matrix_transpose(a) @ grad, b.shape).reshape(b_shape) if need_b else None
        return grad_a, grad_b


def _mismatch(a, b):
    """A readable reason why a @ b fails, or None."""
    if numpy.ndim(a) == 0 or numpy.ndim(b) == 0:
        return "matmul needs at least 1-D operands (use * to multiply by a number)"
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != inner_b:
        return (f"the last axis of the first operand ({a.shape[-1]}) must match the "
                f"{'only' if b.ndim == 1 else 'second-to-last'} axis of the second ({inner_b})")
    try:
        numpy.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        return f"the batch axes {a.shape[:-2]} and {b.shape[:-2]} do not broadcast together"
    return None


def matmul(a, b):
    """Matrix product with NumPy's rules: 1-D, 2-D and batched (broadcast) operands.

    >>> (autograd.ones(4, 2, 3) @ autograd.ones(3, 5)).shape     # (4, 2, 5)
    """
    return MatMul()(a, b)


class Linear(Function):
    """x @ weightᵀ + bias as one node, the layer every network is made of.

    Fused because the composed form costs at the output layer of a language model: a
    Transpose node whose gradient comes back as a transposed view (copied later), and a
    separate pass over the whole (rows, vocabulary) output to add the bias.
    """

    def forward(self, x, weight, bias=None):
        self.save_for_backward(x, weight)
        y = x @ weight.T
        if bias is not None:
            y += bias  # y is our own fresh buffer: add in place
        return y

    formula = "∂L/∂x = g·W,  ∂L/∂W = gᵀ·x,  ∂L/∂b = Σ g"

    def backward(self, grad):
        x, weight = self.saved_tensors
        need_x, need_weight, need_bias = self.needs_input_grad
        rows = grad.reshape(-1, grad.shape[-1])  # any leading axes act as one batch axis
        grad_x = grad @ weight if need_x else None
        grad_weight = rows.T @ x.reshape(-1, x.shape[-1]) if need_weight else None  # (out, in) already
        grad_bias = rows.sum(axis=0) if need_bias else None
        return grad_x, grad_weight, grad_bias


def linear(x, weight, bias=None):
    """x @ weight.T + bias with PyTorch's layout: weight (out, in), bias (out,), x (..., in).

    >>> y = autograd.linear(x, W, b)          # x (N, 3), W (5, 3), b (5,) -> y (N, 5)
    """
    return Linear()(x, weight, bias)  # a shape mismatch raises ShapeError naming Linear and the shapes


def outer(a, b):
    """Outer product of two vectors (inputs are flattened, as numpy.outer): out[i, j] = a[i] b[j].

    >>> autograd.outer(autograd.tensor([1., 2.]), autograd.tensor([3., 4., 5.])).shape   # (2, 3)
    """
    return mul(reshape(a, (-1, 1)), reshape(b, (1, -1)))


# ---------------------------------------------------------------- declarations

_MATMUL_SHAPES = [((2, 3), (3, 4)), ((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((4, 2, 3), (3, 5)),
                  ((2, 3), (4, 3, 2)), ((2, 1, 2, 3), (3, 3, 2)), ((3,), (2, 3, 4)), ((2, 4, 3), (3,)),
                  ((2, 2, 3), (2, 3, 2))]


def _matmul_shaped(rng, shape):
    """For hypothesis: a left operand of the drawn shape and a right one that fits it."""
    if len(shape) == 0 or 0 in shape:
        shape = (2, 3)
    n = int(rng.integers(1, 4))
    right = (shape[-1],) if rng.integers(0, 3) == 0 else tuple(shape[:-2]) + (shape[-1], n)
    return Sample((uniform(rng, shape), uniform(rng, right)))


def _linalg_errors(rng):
    def refused(error, match, *args):
        return ErrorInput(Sample(args), error, match)

    return {
        "matmul": [refused(ShapeError, r"MatMul: incompatible shapes \(2, 3\) and \(4, 2\)",
                           uniform(rng, (2, 3)), uniform(rng, (4, 2))),
                   refused(ShapeError, "at least 1-D", uniform(rng, ()), uniform(rng, (3,)))],
        "linear": [refused(ShapeError, r"\(2, 3\) and \(4, 5\)", uniform(rng, (2, 3)), uniform(rng, (4, 5))),
                   refused(ShapeError, r"\(5,\)", uniform(rng, (2, 3)), uniform(rng, (4, 3)), uniform(rng, (5,)))],
        "outer": [refused(DTypeError, "dtype", uniform(rng, (3,)), numpy.array(["a", "b"]))],
    }


def _errors_of(name):
    return lambda rng: _linalg_errors(rng)[name]


declare("matmul", matmul, numpy.matmul,
        lambda rng: [Sample((uniform(rng, a), uniform(rng, b)), description=f"{a} @ {b}")
                     for a, b in _MATMUL_SHAPES],
        shaped=_matmul_shaped,
        error_inputs=_errors_of("matmul"))
declare("linear", linear, lambda x, w, b=None: x @ w.T + (0 if b is None else b),
        lambda rng: [Sample((uniform(rng, (4, 3)), uniform(rng, (5, 3)), uniform(rng, (5,))), description="2-D"),
                     Sample((uniform(rng, (2, 4, 3)), uniform(rng, (5, 3)), uniform(rng, (5,))), description="batched"),
                     Sample((uniform(rng, (3,)), uniform(rng, (2, 3))), description="vector, no bias")],
        error_inputs=_errors_of("linear"))
declare("outer", outer, numpy.outer,
        lambda rng: [Sample((uniform(rng, (3,)), uniform(rng, (2,)))),
                     Sample((uniform(rng, (2, 2)), uniform(rng, (3,))), description="flattened")],
        error_inputs=_errors_of("outer"), formula="y = a bᵀ:  ∂L/∂a = g·b,  ∂L/∂b = gᵀ·a")
