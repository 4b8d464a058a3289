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

from ..errors import ArgumentError, DTypeError, ShapeError
from ..graph import Function
from .elementwise import unbroadcast, mul
from .registry import REGISTRY, declare, uniform, Sample, ErrorInput, error_cases
from .shape import reshape


__all__ = ["matmul", "mm", "bmm", "dot", "outer", "linear", "einsum", "tensordot"]


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


def matmul(input, other):  # noqa: A002 (PyTorch's argument names)
    """Matrix product with NumPy's rules: 1-D, 2-D and batched (broadcast) operands.

    >>> (autograd.ones(4, 2, 3) @ autograd.ones(3, 5)).shape     # (4, 2, 5)
    """
    return MatMul()(input, other)


def _require_dims(op, name, x, ndim):
    if getattr(x, "ndim", 0) != ndim:
        raise ShapeError(f"{op}: {name} must have {ndim} dims, got shape {tuple(getattr(x, 'shape', ()))}")


def mm(input, mat2):  # noqa: A002
    """The product of two matrices (no broadcasting), as torch.mm.

    >>> autograd.mm(autograd.ones(2, 3), autograd.ones(3, 4)).shape   # (2, 4)
    """
    _require_dims("mm", "input", input, 2)
    _require_dims("mm", "mat2", mat2, 2)
    return MatMul()(input, mat2)


def bmm(input, mat2):  # noqa: A002
    """Batched matrix product (b, n, m) @ (b, m, p) -> (b, n, p), no broadcasting, as torch.bmm.

    >>> autograd.bmm(autograd.ones(5, 2, 3), autograd.ones(5, 3, 4)).shape   # (5, 2, 4)
    """
    _require_dims("bmm", "input", input, 3)
    _require_dims("bmm", "mat2", mat2, 3)
    if input.shape[0] != mat2.shape[0]:
        raise ShapeError(f"bmm: the batch sizes differ: {tuple(input.shape)} and {tuple(mat2.shape)}")
    return MatMul()(input, mat2)


def dot(input, tensor):  # noqa: A002
    """The inner product of two 1-D tensors of the same length, as torch.dot.

    >>> autograd.dot(autograd.tensor([1., 2.]), autograd.tensor([3., 4.]))   # tensor(11.)
    """
    _require_dims("dot", "input", input, 1)
    _require_dims("dot", "tensor", tensor, 1)
    if input.shape != tensor.shape:
        raise ShapeError(f"dot: the lengths differ: {tuple(input.shape)} and {tuple(tensor.shape)}")
    return MatMul()(input, tensor)


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


def outer(input, vec2):  # noqa: A002
    """Outer product of two vectors: out[i, j] = input[i] vec2[j], as torch.outer.

    >>> autograd.outer(autograd.tensor([1., 2.]), autograd.tensor([3., 4., 5.])).shape   # (2, 3)
    """
    _require_dims("outer", "input", input, 1)
    _require_dims("outer", "vec2", vec2, 1)
    return mul(reshape(input, (-1, 1)), reshape(vec2, (1, -1)))


class Einsum(Function):
    """Any sum of products written in Einstein notation, e.g. 'bij,bjk->bik'.

    The gradient of operand i is again an einsum: the output's gradient times all
    other operands, summed down to operand i's subscripts. A subscript that only
    operand i has (summed away alone) is broadcast back afterwards.
    """

    formula = "∂y/∂x_i = einsum of ∂L/∂y with the other operands"

    def __init__(self, inputs, output):
        self.input_subscripts, self.output_subscripts = inputs, output

    def forward(self, *operands):
        spec = ",".join(self.input_subscripts) + "->" + self.output_subscripts
        self.save_for_backward(*operands)
        return self.xp.einsum(spec, *operands)

    def backward(self, grad):
        xp = self.xp
        operands = self.saved_operands()
        grads = []
        for i, needed in enumerate(self.needs_input_grad):
            if not needed:
                grads.append(None)
                continue
            mine = self.input_subscripts[i]
            others = [s for j, s in enumerate(self.input_subscripts) if j != i]
            present = self.output_subscripts + "".join(others)
            kept = "".join(c for c in mine if c in present)
            spec = ",".join([self.output_subscripts] + others) + "->" + kept
            g = xp.einsum(spec, grad, *[o for j, o in enumerate(operands) if j != i])
            shape = operands[i].shape
            if kept != mine:  # letters summed only inside operand i: every element got the same gradient
                g = xp.broadcast_to(g.reshape(tuple(shape[k] if c in kept else 1 for k, c in enumerate(mine))),
                                    shape)
            grads.append(g)
        return tuple(grads)

    def saved_operands(self):
        return self.saved_tensors


def _parse_einsum(equation, count):
    equation = equation.replace(" ", "")
    if "." in equation:
        raise ArgumentError(f"einsum: ellipsis ('...') is not supported in {equation!r}; write the dims out")
    inputs, arrow, output = equation.partition("->")
    inputs = inputs.split(",")
    if len(inputs) != count:
        raise ArgumentError(f"einsum: {equation!r} names {len(inputs)} operands, got {count}")
    if not arrow:  # implicit output: the letters used once, in alphabetical order
        letters = "".join(inputs)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for s in inputs:
        if len(set(s)) != len(s):
            raise ArgumentError(f"einsum: a letter repeated within one operand ({s!r}, a diagonal) is not supported")
    return inputs, output


def einsum(equation, *operands):
    """Sums of products in Einstein notation, as torch.einsum (no '...', no repeated letter in one operand).

    >>> autograd.einsum("bij,bjk->bik", a, b)                   # batched matmul
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    inputs, output = _parse_einsum(equation, len(operands))
    for s, x in zip(inputs, operands):
        if len(s) != x.ndim:
            raise ShapeError(f"einsum: subscripts {s!r} name {len(s)} dims, but the operand has shape "
                             f"{tuple(x.shape)}")
    einsum_op = Einsum(inputs, output)
    return einsum_op(*operands)


def tensordot(a, b, dims=2):
    """Contract the last `dims` dims of a with the first of b (or the listed dims), as torch.tensordot.

    >>> autograd.tensordot(autograd.ones(2, 3, 4), autograd.ones(3, 4, 5), dims=2).shape   # (2, 5)
    """
    letters = "abcdefghijklmnopqrstuvwxyz"
    if isinstance(dims, int):
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    dims_a, dims_b = [d % a.ndim for d in dims_a], [d % b.ndim for d in dims_b]
    if len(dims_a) != len(dims_b) or any(a.shape[i] != b.shape[j] for i, j in zip(dims_a, dims_b)):
        raise ShapeError(f"tensordot: dims {dims_a} of shape {tuple(a.shape)} do not match dims {dims_b} "
                         f"of shape {tuple(b.shape)}")
    sub_a = list(letters[:a.ndim])
    sub_b = list(letters[a.ndim:a.ndim + b.ndim])
    for i, j in zip(dims_a, dims_b):
        sub_b[j] = sub_a[i]
    out = [c for k, c in enumerate(sub_a) if k not in dims_a] + [c for k, c in enumerate(sub_b) if k not in dims_b]
    return einsum("".join(sub_a) + "," + "".join(sub_b) + "->" + "".join(out), a, b)


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
        lambda rng: [Sample((uniform(rng, (3,)), uniform(rng, (2,))))],
        error_inputs=error_cases((([2, 2], numpy.ones(3)), {}, ShapeError, "1 dims")))
declare("mm", mm, numpy.matmul, lambda rng: [Sample((uniform(rng, (2, 3)), uniform(rng, (3, 4))))],
        error_inputs=error_cases((([2, 3, 4], numpy.ones((4, 2))), {}, ShapeError, "mm: input must have 2 dims")))
declare("bmm", bmm, numpy.matmul, lambda rng: [Sample((uniform(rng, (2, 2, 3)), uniform(rng, (2, 3, 4))))],
        error_inputs=error_cases((([2, 2, 3], numpy.ones((3, 3, 4))), {}, ShapeError, "batch sizes differ")))
declare("dot", dot, numpy.dot, lambda rng: [Sample((uniform(rng, (3,)), uniform(rng, (3,))))],
        error_inputs=error_cases((([3], numpy.ones(4)), {}, ShapeError, "lengths differ")))
declare("einsum", einsum, numpy.einsum,
        lambda rng: [Sample(("ij,jk->ik", uniform(rng, (2, 3)), uniform(rng, (3, 4))), description="matmul"),
                     Sample(("bij,bjk->bik", uniform(rng, (2, 2, 3)), uniform(rng, (2, 3, 2))), description="bmm"),
                     Sample(("ij->j", uniform(rng, (2, 3))), description="sum"),
                     Sample(("i,j,k", uniform(rng, (2,)), uniform(rng, (3,)), uniform(rng, (2,))), description="implicit"),
                     Sample(("ij,k->i", uniform(rng, (2, 3)), uniform(rng, (4,))), description="summed alone")])
declare("tensordot", tensordot, lambda a, b, dims=2: numpy.tensordot(a, b, dims),
        lambda rng: [Sample((uniform(rng, (2, 3, 4)), uniform(rng, (3, 4, 2)))),
                     Sample((uniform(rng, (2, 3)), uniform(rng, (2, 4))), {"dims": ([0], [0])}, "listed dims")])


# einsum and tensordot: operands that do not fit the equation or the dims
REGISTRY["einsum"].error_inputs = lambda rng: [
    ErrorInput(Sample(("ij,jk->ik", uniform(rng, (2, 3)))), ArgumentError, "names 2 operands, got 1"),
    ErrorInput(Sample(("ijk->i", uniform(rng, (2, 3)))), ShapeError, "name 3 dims"),
    ErrorInput(Sample(("ii->i", uniform(rng, (2, 2)))), ArgumentError, "repeated within one operand")]
REGISTRY["tensordot"].error_inputs = error_cases((([2, 3], numpy.ones((4, 2))), {"dims": 1}, ShapeError, "do not match"))
REGISTRY["outer"].formula = "y = a bᵀ:  ∂L/∂a = g·b,  ∂L/∂b = gᵀ·a"
