"""Elementwise ops: arithmetic, exp/log, trigonometry and activations.

Each op is a forward and a backward side by side. Binary ops broadcast like
NumPy; their backward sums the gradient back over the broadcast axes
(`unbroadcast`). Backward formulas use operators and `self.xp`, so the same
line runs on arrays and, under create_graph=True, on tensors.

    >>> y = autograd.tanh(x) * 2 + 1
"""
import math

import numpy

from .. import backend
from ..errors import ArgumentError, DeviceError, DTypeError, ShapeError
from ..graph import Function
from ..tensor import Tensor, unwrap
from .registry import (REGISTRY, declare, unary_samples, unary_shaped, binary_samples, binary_shaped,
                       away_from, uniform, Sample, ErrorInput, mismatched_shapes, string_input)


__all__ = ["add", "sub", "mul", "div", "pow", "neg", "exp", "log", "log1p", "expm1", "sqrt", "abs", "sin", "cos",
           "tanh", "sigmoid", "relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish", "softplus", "softsign",
           "hardtanh", "erf", "maximum", "minimum", "clip", "clamp", "where", "astype", "to_device", "sign",
           "remainder", "floor_divide", "logical_and", "logical_or", "logical_xor", "logical_not",
           "unbroadcast", "Function"]


def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`: broadcasting copied values, so their gradients add up.

    >>> unbroadcast(ones((4, 2, 3)), (2, 1)).shape      # (2, 1), each entry 4*3 = 12
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape)
                                       if n == 1 and grad.shape[extra + i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)




def _shape(x):
    return x.shape if hasattr(x, "shape") else ()


class BinaryFunction(Function):
    """An op of two broadcast inputs: backward computes `grads` and unbroadcasts them."""

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        grad_a, grad_b = self.grads(grad, need_a, need_b)
        a, b = self.inputs
        # (the shape test is unbroadcast's own first line, repeated here: most gradients need no sum;
        # an input that needs a gradient is a tensor, and `.data.shape` skips the property's call)
        return (None if not need_a else grad_a if grad_a.shape == a.data.shape else unbroadcast(grad_a, a.shape),
                None if not need_b else grad_b if grad_b.shape == b.data.shape else unbroadcast(grad_b, b.shape))


class Add(BinaryFunction):
    def forward(self, a, b):
        return a + b

    formula = "∂y/∂a = 1,  ∂y/∂b = 1"

    def grads(self, grad, need_a, need_b):
        return grad, grad


class Sub(BinaryFunction):
    def forward(self, a, b):
        return a - b

    formula = "∂y/∂a = 1,  ∂y/∂b = −1"

    def grads(self, grad, need_a, need_b):
        return grad, (-grad if need_b else None)


class Mul(BinaryFunction):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    formula = "∂y/∂a = b,  ∂y/∂b = a"

    def grads(self, grad, need_a, need_b):
        a, b = self.saved_tensors
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(BinaryFunction):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a / b

    formula = "∂y/∂a = 1/b,  ∂y/∂b = −a/b²"

    def grads(self, grad, need_a, need_b):
        a, b = self.saved_tensors
        grad_a = grad / b
        return grad_a, (-grad_a * a / b if need_b else None)


class Pow(BinaryFunction):
    """a ** b, for a tensor and a number or two tensors."""

    def forward(self, a, b):
        y = a ** b
        self.save_for_backward(a, b, y)
        return y

    formula = "∂y/∂a = b·a^(b−1),  ∂y/∂b = y·ln a"

    def grads(self, grad, need_a, need_b):
        a, b, y = self.saved_tensors
        xp = self.xp
        grad_a = grad_b = None
        if need_a:  # b a^(b-1), and 0 where b = 0 (x**0 is constant, also at x = 0, as in PyTorch)
            if isinstance(b, (int, float)):
                grad_a = grad * b * a ** (b - 1) if b != 0 else grad * 0
            else:
                grad_a = xp.where(b == 0, 0.0, grad * b * a ** xp.where(b == 0, 1.0, b - 1))
        if need_b:  # d(a^b)/db = a^b log a, and 0 where a = 0 and b >= 0 (as in PyTorch)
            if isinstance(a, (int, float)):  # a Python base keeps Python's log (no float64 promotion)
                log_a = math.log(a) if a > 0 else (-math.inf if a == 0 else math.nan)
                grad_b = grad * y * log_a if a != 0 else xp.where(b >= 0, 0.0, grad * y * log_a)
            else:
                at_zero = (unwrap(a) == 0) & (unwrap(b) >= 0)   # a constant mask
                grad_b = xp.where(at_zero, 0.0, grad * y * xp.log(xp.where(at_zero, 1.0, a)))
        return grad_a, grad_b


class Maximum(BinaryFunction):
    """Elementwise max; at ties each input gets half the gradient (as in PyTorch)."""

    def forward(self, a, b):
        y = self.xp.maximum(a, b)
        self.save_for_backward(_tie_split(a > b, a == b, y))
        return y

    formula = "∂y/∂a = [a > b],  ∂y/∂b = [b > a]  (½ each at ties)"

    def grads(self, grad, need_a, need_b):
        share_a, = self.saved_tensors
        return grad * share_a, grad * (1 - share_a)


class Minimum(BinaryFunction):
    def forward(self, a, b):
        y = self.xp.minimum(a, b)
        self.save_for_backward(_tie_split(a < b, a == b, y))
        return y

    formula = "∂y/∂a = [a < b],  ∂y/∂b = [b < a]  (½ each at ties)"

    def grads(self, grad, need_a, need_b):
        share_a, = self.saved_tensors
        return grad * share_a, grad * (1 - share_a)


def _tie_split(wins, ties, like):
    """The share of the gradient that goes to the first input: 1 where it wins, 1/2 at ties."""
    return (wins + 0.5 * ties).astype(like.dtype)


class Neg(Function):
    def forward(self, x):
        return -x

    formula = "∂y/∂x = −1"

    def backward(self, grad):
        return -grad


class Exp(Function):
    def forward(self, x):
        y = self.xp.exp(x)
        self.save_for_backward(y)
        return y

    formula = "∂y/∂x = eˣ = y"

    def backward(self, grad):
        y, = self.saved_tensors
        return grad * y


class Log(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.log(x)

    formula = "∂y/∂x = 1/x"

    def backward(self, grad):
        x, = self.saved_tensors
        return grad / x


class Sqrt(Function):
    def forward(self, x):
        y = self.xp.sqrt(x)
        self.save_for_backward(y)
        return y

    formula = "∂y/∂x = 1/(2√x) = 1/(2y)"

    def backward(self, grad):
        y, = self.saved_tensors
        return grad / (2 * y)


class Abs(Function):
    def forward(self, x):
        xp = self.xp
        self.save_for_backward(xp.sign(x))
        return xp.abs(x)

    formula = "∂y/∂x = sign(x)"

    def backward(self, grad):
        sign, = self.saved_tensors
        return grad * sign


class Sin(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.sin(x)

    formula = "∂y/∂x = cos(x)"

    def backward(self, grad):
        x, = self.saved_tensors
        return grad * self.xp.cos(x)


class Cos(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.cos(x)

    formula = "∂y/∂x = −sin(x)"

    def backward(self, grad):
        x, = self.saved_tensors
        return -grad * self.xp.sin(x)


class Tanh(Function):
    def forward(self, x):
        y = self.xp.tanh(x)
        self.save_for_backward(y)
        return y

    formula = "∂y/∂x = 1 − y²"

    def backward(self, grad):
        y, = self.saved_tensors
        return grad * (1 - y * y)


class Sigmoid(Function):
    def forward(self, x):
        y = self.xp.sigmoid(x)
        self.save_for_backward(y)
        return y

    formula = "∂y/∂x = y·(1 − y)"

    def backward(self, grad):
        y, = self.saved_tensors
        return grad * y * (1 - y)


class ReLU(Function):
    def forward(self, x):
        y = self.xp.maximum(x, 0)
        self.save_for_backward(y > 0)
        return y

    formula = "∂y/∂x = [x > 0]"

    def backward(self, grad):
        positive, = self.saved_tensors
        return grad * positive


class LeakyReLU(Function):
    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope

    def forward(self, x):
        slope = self.xp.where(x > 0, 1.0, self.negative_slope).astype(x.dtype)
        self.save_for_backward(slope)
        return x * slope

    formula = "∂y/∂x = 1 if x > 0 else slope"

    def backward(self, grad):
        slope, = self.saved_tensors
        return grad * slope


class ELU(Function):
    """x for x > 0, alpha (e^x - 1) below; its slope below 0 is y + alpha."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def forward(self, x):
        xp = self.xp
        positive = x > 0
        y = xp.where(positive, x, self.alpha * (xp.exp(xp.minimum(x, 0)) - 1)).astype(x.dtype)
        self.save_for_backward(positive, y)
        return y

    formula = "∂y/∂x = 1 if x > 0 else y + α"

    def backward(self, grad):
        positive, y = self.saved_tensors
        return grad * self.xp.where(positive, 1.0, y + self.alpha)


class Softplus(Function):
    """log(1 + e^x), computed without overflow; its derivative is sigmoid(x)."""

    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.logaddexp(0, x).astype(x.dtype)

    formula = "∂y/∂x = σ(x)"

    def backward(self, grad):
        x, = self.saved_tensors
        return grad * self.xp.sigmoid(x)


class Log1p(Function):
    """log(1 + x), accurate for tiny x."""

    formula = "∂y/∂x = 1 / (1 + x)"

    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.log1p(x)

    def backward(self, grad):
        x, = self.saved_tensors
        return grad / (1 + x)


class Expm1(Function):
    """exp(x) - 1, accurate for tiny x."""

    formula = "∂y/∂x = exp(x) = y + 1"

    def forward(self, x):
        y = self.xp.expm1(x)
        self.save_for_backward(y)
        return y

    def backward(self, grad):
        y, = self.saved_tensors
        return grad * (y + 1)


class Erf(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return backend.erf(x)

    formula = "∂y/∂x = (2/√π)·exp(−x²)"

    def backward(self, grad):
        x, = self.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * self.xp.exp(-x * x)


class Clip(Function):
    """Values limited to [low, high]; the gradient passes where x is inside (bounds included)."""

    def __init__(self, low=None, high=None):
        self.low, self.high = low, high

    def forward(self, x):
        # array bounds are constants: they go where x is (a NumPy bound cannot meet a CuPy x)
        self.low, self.high = (backend.to_device(b, backend.device_of(x)) if isinstance(b, numpy.ndarray) else b
                               for b in (self.low, self.high))
        inside = numpy.True_
        if self.low is not None:
            inside = inside & (x >= self.low)
        if self.high is not None:
            inside = inside & (x <= self.high)
        self.save_for_backward(inside)
        return self.xp.clip(x, self.low, self.high)

    formula = "∂y/∂x = [low ≤ x ≤ high]"

    def backward(self, grad):
        inside, = self.saved_tensors
        return grad * inside


class Where(Function):
    """condition ? a : b, with a constant boolean condition."""

    def forward(self, condition, a, b):
        self.save_for_backward(condition)
        return self.xp.where(condition, a, b)

    formula = "∂y/∂a = [cond],  ∂y/∂b = [not cond]"

    def backward(self, grad):
        condition, = self.saved_tensors
        _, a, b = self.inputs
        need_a, need_b = self.needs_input_grad[1:]
        zero = grad * 0
        return (None,
                unbroadcast(self.xp.where(condition, grad, zero), a.shape) if need_a else None,
                unbroadcast(self.xp.where(condition, zero, grad), b.shape) if need_b else None)


class AsType(Function):
    def __init__(self, dtype):
        self.dtype = numpy.dtype(dtype)

    def forward(self, x):
        self.input_dtype = x.dtype
        return x.astype(self.dtype)

    formula = "∂y/∂x = 1  (g cast back to x's dtype)"

    def backward(self, grad):
        return grad.astype(self.input_dtype)


class ToDevice(Function):
    def __init__(self, device):
        self.device = device

    def forward(self, x):
        self.input_device = backend.device_of(x)
        return backend.to_device(x, self.device)

    formula = "∂y/∂x = 1  (g moved back to x's device)"

    def backward(self, grad):
        if hasattr(grad, "creator"):  # a tensor under create_graph
            return to_device(grad, self.input_device)
        return backend.to_device(grad, self.input_device)


# ---------------------------------------------------------------- public functions


def add(input, other, *, alpha=1): return Add()(input, other if alpha == 1 else other * alpha)  # noqa: A002
def sub(input, other, *, alpha=1): return Sub()(input, other if alpha == 1 else other * alpha)  # noqa: A002
def mul(input, other): return Mul()(input, other)  # noqa: A002 (PyTorch's argument names)
def div(input, other, *, rounding_mode=None):  # noqa: A002
    """input / other; rounding_mode 'floor' or 'trunc' rounds the quotient (and cuts the graph)."""
    if rounding_mode is None:
        return Div()(input, other)
    return _rounded_quotient("div", input, other, rounding_mode)
def pow(input, exponent): return Pow()(input, exponent)  # noqa: A001,A002
def neg(input): return Neg()(input)  # noqa: A002
def exp(input): return Exp()(input)  # noqa: A002
def log(input): return Log()(input)  # noqa: A002
def sqrt(input): return Sqrt()(input)  # noqa: A002
def abs(input): return Abs()(input)  # noqa: A001,A002
def sin(input): return Sin()(input)  # noqa: A002
def cos(input): return Cos()(input)  # noqa: A002
def tanh(input): return Tanh()(input)  # noqa: A002
def sigmoid(input): return Sigmoid()(input)  # noqa: A002
def relu(input): return ReLU()(input)  # noqa: A002
def softplus(input, beta=1.0, threshold=20.0):  # noqa: A002
    """log(1 + exp(beta x)) / beta (computed without overflow for any x; `threshold` is accepted for
    PyTorch's signature: the stable formula needs no switch to the identity)."""
    return Softplus()(input) if beta == 1 else Softplus()(input * beta) * (1.0 / beta)
def erf(input): return Erf()(input)  # noqa: A002
def maximum(input, other): return Maximum()(input, other)  # noqa: A002
def minimum(input, other): return Minimum()(input, other)  # noqa: A002
def leaky_relu(input, negative_slope=0.01):  # noqa: A002
    return LeakyReLU(_number("leaky_relu", "negative_slope", negative_slope))(input)
def elu(input, alpha=1.0): return ELU(_number("elu", "alpha", alpha))(input)  # noqa: A002
def log1p(input): return Log1p()(input)  # noqa: A002
def expm1(input): return Expm1()(input)  # noqa: A002
def hardtanh(input, min_val=-1.0, max_val=1.0): return Clip(min_val, max_val)(input)  # noqa: A002
def softsign(input): return input / (1 + abs(input))  # noqa: A002
def silu(input): return input * sigmoid(input)  # noqa: A002
def mish(input): return input * tanh(softplus(input))  # noqa: A002
def astype(x, dtype):  # NumPy's name and meaning
    """x converted to `dtype`. A cast to an integer or bool dtype cuts the graph (no gradient passes
    through rounding), as in PyTorch: the result does not require grad.

    >>> x.astype("int64").requires_grad          # False
    """
    dtype = _dtype("astype", dtype)
    if dtype.kind not in "fc":
        data = x.data if isinstance(x, Tensor) else backend.as_array(x)
        return Tensor._from_op(data.astype(dtype), None, 0)
    return AsType(dtype)(x)


def _number(op, name, value):
    """A real-number setting, or ArgumentError naming the op (NumPy would fail later, or promote)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, numpy.number)) or not math.isfinite(value):
        raise ArgumentError(f"{op}: {name} must be a finite number, got {value!r}")
    return value


def _dtype(op, dtype):
    try:
        return numpy.dtype(dtype)
    except TypeError as error:
        raise DTypeError(f"{op}: {dtype!r} is not a dtype ({error})") from None


def to_device(x, device): return ToDevice(backend.check_device(device))(x)


def clip(input, min=None, max=None):  # noqa: A001,A002 (PyTorch's argument names)
    """Limit values to [min, max] (either may be None); the gradient passes inside (bounds included).

    >>> autograd.clamp(autograd.tensor([-2., 0.5, 3.]), min=0, max=1)   # tensor([0. , 0.5, 1. ])
    """
    if min is None and max is None:
        raise ArgumentError("clamp: at least one of min and max must be given")
    return Clip(_bound(min), _bound(max))(input)


clamp = clip


def _bound(value):
    return value.item() if hasattr(value, "creator") and value.data.size == 1 else value


def where(condition, input, other):  # noqa: A002
    """Pick from `input` where `condition` holds, else from `other`; gradients flow to both.

    >>> autograd.where(x > 0, x, 0.0)
    """
    condition = condition.data if hasattr(condition, "creator") else condition
    return Where()(condition, input, other)


def _rounded_quotient(op, a, b, mode):
    """Quotient rounded towards -inf ('floor') or 0 ('trunc'): piecewise constant, so no gradient."""
    from ..tensor import Tensor
    a_data, b_data = (v.data if isinstance(v, Tensor) else v for v in (a, b))
    xp = backend.get_array_module(a_data if hasattr(a_data, "shape") else b_data)
    if mode not in ("floor", "trunc"):
        raise ArgumentError(f"{op}: rounding_mode must be None, 'floor' or 'trunc', not {mode!r}")
    try:
        result = xp.floor_divide(a_data, b_data) if mode == "floor" else xp.trunc(xp.true_divide(a_data, b_data))
    except ValueError as error:
        raise ShapeError(f"{op}: incompatible shapes {_shape(a_data)} and {_shape(b_data)} ({error})") from None
    except TypeError as error:
        raise DTypeError(f"{op}: {error}") from None
    if mode == "trunc" and xp.result_type(a_data, b_data).kind in "iu":
        result = result.astype(xp.result_type(a_data, b_data))
    return Tensor._from_op(xp.asarray(result), None, 0)


def floor_divide(input, other):  # noqa: A002
    """input // other, rounded towards -inf (Python's and PyTorch's rule); no gradient.

    >>> autograd.tensor([7., -7.]) // 2                         # tensor([ 3., -4.])
    """
    return _rounded_quotient("floor_divide", input, other, "floor")


class Remainder(BinaryFunction):
    """input - floor(input / other) * other (the sign of `other`, as Python's % and torch.remainder).

    ∂/∂input = 1 and ∂/∂other = -floor(input / other), away from the jumps."""

    formula = "∂/∂a = 1,  ∂/∂b = -floor(a / b)"

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return self.xp.remainder(a, b)

    def grads(self, grad, need_a, need_b):
        a, b = self.saved_tensors
        if need_b:  # a constant (the quotient is piecewise constant), computed on the arrays
            a_data, b_data = unwrap(a), unwrap(b)
            quotient = backend.get_array_module(a_data if hasattr(a_data, "shape") else b_data).floor(a_data / b_data)
            return grad, -grad * quotient
        return grad, None


def remainder(input, other):  # noqa: A002
    """input % other with the sign of `other` (Python's %), as torch.remainder.

    >>> autograd.tensor([5., -5.]) % 3                          # tensor([2., 1.])
    """
    return Remainder()(input, other)


def _logical(name):
    def logical(input, other=None):  # noqa: A002
        from ..tensor import Tensor
        a = input.data if isinstance(input, Tensor) else backend.as_array(input)
        xp = backend.get_array_module(a)
        if name == "logical_not":
            if a.dtype.kind not in "biuf":
                raise DTypeError(f"logical_not: needs a bool or numeric tensor, not {a.dtype}")
            return Tensor._from_op(xp.logical_not(a), None, 0)
        b = other.data if isinstance(other, Tensor) else other
        try:
            return Tensor._from_op(getattr(xp, name)(a, b), None, 0)
        except ValueError as error:
            raise ShapeError(f"{name}: incompatible shapes {_shape(a)} and {_shape(b)} ({error})") from None
    logical.__name__ = name
    logical.__doc__ = f"Elementwise {name.split('_')[1]} of the truth values, as a bool tensor (no gradient)."
    return logical


logical_and, logical_or, logical_xor = _logical("logical_and"), _logical("logical_or"), _logical("logical_xor")


def logical_not(input):  # noqa: A002
    """Elementwise not of the truth values, as a bool tensor (no gradient)."""
    return _logical("logical_not")(input)


_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def selu(input):  # noqa: A002
    """Self-normalising ELU: scale * elu(x, alpha) with the constants of Klambauer et al."""
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


def gelu(input, approximate="none"):  # noqa: A002
    """x Φ(x), with the Gaussian CDF Φ exact ('none', via erf) or its tanh approximation."""
    x = input
    if approximate == "tanh":
        inner = (x + 0.044715 * x ** 3) * math.sqrt(2 / math.pi)
        return 0.5 * x * (1 + tanh(inner))
    if approximate != "none":
        raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', not {approximate!r}")
    return 0.5 * x * (1 + erf(x * (1 / math.sqrt(2))))


def sign(input):  # noqa: A002
    """-1, 0 or 1 elementwise; not differentiable (its gradient is zero almost everywhere)."""
    x = input
    data = x.data if isinstance(x, Tensor) else backend.as_array(x)
    if data.dtype.kind not in "biuf":
        raise DTypeError(f"sign: needs real numbers, got dtype {data.dtype}")
    return Tensor._from_op(backend.get_array_module(data).sign(data), None, 0)


# ---------------------------------------------------------------- declarations


def _np_softplus(x, beta=1.0, threshold=20.0):
    return numpy.logaddexp(0, beta * x) / beta


def _np_sigmoid(x):
    return 1 / (1 + numpy.exp(-x))


def _np_erf(x):
    return numpy.vectorize(math.erf)(x) if numpy.ndim(x) else numpy.asarray(math.erf(float(x)))


def _np_elu(x, alpha=1.0):
    return numpy.where(x > 0, x, alpha * (numpy.exp(x) - 1))


def _positive(rng, shape, low=0.5, high=2.0):
    return rng.uniform(low, high, size=shape)


def _kinks_at_zero(rng, shape, low=-2.0, high=2.0):
    return away_from(rng, shape, (0.0,), low, high)


for _name, _fn, _ref, _inplace in [("add", add, numpy.add, lambda a, b: a.add_(b)),
                                   ("sub", sub, numpy.subtract, lambda a, b: a.sub_(b)),
                                   ("mul", mul, numpy.multiply, lambda a, b: a.mul_(b))]:
    declare(_name, _fn, _ref, binary_samples(), shaped=binary_shaped(), arity=2, inplace=_inplace,
            error_inputs=mismatched_shapes(ShapeError))

declare("div", div, numpy.divide, binary_samples(0.5, 2.0), shaped=binary_shaped(0.5, 2.0), arity=2,
        inplace=lambda a, b: a.div_(b), error_inputs=mismatched_shapes(ShapeError))
declare("pow", pow, numpy.power,
        lambda rng: [Sample((_positive(rng, (3,)), 2.0), description="x ** 2"),
                     Sample((_positive(rng, (2, 3)), -1.5), description="x ** -1.5"),
                     Sample((2.0, uniform(rng, (3,))), description="2 ** x"),
                     *binary_samples(0.5, 2.0)(rng)],
        shaped=binary_shaped(0.5, 2.0), arity=2, inplace=lambda a, b: a.pow_(b),
        error_inputs=mismatched_shapes(ShapeError))


def _untied_shaped(rng, shape_a, shape_b):
    """a on the grid k + 1/4, b on k + 3/4: they never tie nor come closer than 1/2."""
    a = numpy.asarray(rng.integers(-4, 5, size=shape_a) + 0.25, dtype=numpy.float64)
    b = numpy.asarray(rng.integers(-4, 5, size=shape_b) + 0.75, dtype=numpy.float64)
    return Sample((a, b), description=f"{shape_a} with {shape_b}")


def _untied_samples(rng):
    return [_untied_shaped(rng, a, b) for a, b in [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 2))]]


declare("maximum", maximum, numpy.maximum, _untied_samples, shaped=_untied_shaped, arity=2,
        error_inputs=mismatched_shapes(ShapeError))
declare("minimum", minimum, numpy.minimum, _untied_samples, shaped=_untied_shaped, arity=2,
        error_inputs=mismatched_shapes(ShapeError))


def _gelu_errors(rng):
    return [ErrorInput(Sample((uniform(rng, (3,)),), {"approximate": "exact"}), ArgumentError,
                       "gelu: approximate must be 'none' or 'tanh'")]


# Composite ops (several Functions in the graph) declare the derivative of the whole op.
_COMPOSITE_FORMULAS = {"selu": "∂y/∂x = scale if x > 0 else scale·α·eˣ",
                       "gelu": "∂y/∂x = Φ(x) + x·φ(x)"}

for _name, _fn, _ref, _low, _high, _make in [
        ("neg", neg, numpy.negative, -2, 2, uniform),
        ("exp", exp, numpy.exp, -2, 2, uniform),
        ("log", log, numpy.log, 0.5, 3, uniform),
        ("sqrt", sqrt, numpy.sqrt, 0.5, 3, uniform),
        ("abs", abs, numpy.abs, -2, 2, _kinks_at_zero),
        ("sin", sin, numpy.sin, -3, 3, uniform),
        ("cos", cos, numpy.cos, -3, 3, uniform),
        ("tanh", tanh, numpy.tanh, -2, 2, uniform),
        ("sigmoid", sigmoid, _np_sigmoid, -4, 4, uniform),
        ("relu", relu, lambda x: numpy.maximum(x, 0), -2, 2, _kinks_at_zero),
        ("softplus", softplus, _np_softplus, -3, 3, uniform),
        ("erf", erf, _np_erf, -2, 2, uniform),
        ("selu", selu, lambda x: _SELU_SCALE * _np_elu(x, _SELU_ALPHA), -2, 2, _kinks_at_zero),
        ("gelu", gelu, lambda x: 0.5 * x * (1 + _np_erf(x / math.sqrt(2))), -3, 3, uniform)]:
    declare(_name, _fn, _ref, unary_samples(_low, _high, _make), shaped=unary_shaped(_low, _high, _make),
            twice_differentiable=_name not in ("relu",), formula=_COMPOSITE_FORMULAS.get(_name),
            error_inputs=_gelu_errors if _name == "gelu" else string_input(DTypeError))

declare("leaky_relu", leaky_relu, lambda x, negative_slope=0.01: numpy.where(x > 0, x, negative_slope * x),
        unary_samples(make=_kinks_at_zero, negative_slope=0.1), shaped=unary_shaped(make=_kinks_at_zero),
        twice_differentiable=False,
        error_inputs=lambda rng: [ErrorInput(Sample((uniform(rng, (3,)),), {"negative_slope": "0.1"}), ArgumentError,
                                             "leaky_relu: negative_slope must be a finite number")])
declare("elu", elu, _np_elu, unary_samples(make=_kinks_at_zero, alpha=0.7), shaped=unary_shaped(make=_kinks_at_zero),
        error_inputs=lambda rng: [ErrorInput(Sample((uniform(rng, (3,)),), {"alpha": math.nan}), ArgumentError,
                                             "elu: alpha must be a finite number")])
declare("clip", clip, lambda x, min=None, max=None: numpy.clip(x, min, max),
        lambda rng: [Sample((away_from(rng, s, (-0.5, 0.8)),), {"min": -0.5, "max": 0.8}) for s in [(3,), (2, 4)]]
        + [Sample((away_from(rng, (5,), (0.0,)),), {"min": 0.0})],
        twice_differentiable=False, inplace=lambda x, min=None, max=None: x.clamp_(min, max),
        error_inputs=lambda rng: [ErrorInput(Sample((uniform(rng, (3,)),), {"min": numpy.zeros(4)}, "min of shape (4,)"),
                                             ShapeError, r"\(3,\)")])
declare("where", lambda c, a, b: where(c, a, b), numpy.where,
        lambda rng: [Sample((rng.random((2, 3)) > 0.5, uniform(rng, (2, 3)), uniform(rng, (2, 3)))),
                     Sample((rng.random((2, 3)) > 0.5, uniform(rng, (3,)), uniform(rng, (2, 1))), description="broadcast")],
        error_inputs=lambda rng: [ErrorInput(Sample((numpy.array([True, False]), uniform(rng, (3,)), uniform(rng, (3,)))),
                                             ShapeError, r"incompatible shapes \(2,\) and \(3,\)")])
declare("astype", lambda x, dtype=numpy.float64: astype(x, dtype), lambda x: x.astype(numpy.float64), unary_samples(),
        preserves_dtype=False,
        error_inputs=lambda rng: [ErrorInput(Sample((uniform(rng, (3,)),), {"dtype": "float33"}), DTypeError,
                                             "astype: 'float33' is not a dtype")])
declare("to_device", lambda x, device="cpu": to_device(x, device), lambda x: x, unary_samples(),
        error_inputs=lambda rng: [ErrorInput(Sample((uniform(rng, (3,)),), {"device": "tpu"}), DeviceError,
                                             "unknown device 'tpu'")])
declare("sign", sign, numpy.sign, unary_samples(make=_kinks_at_zero), differentiable=False,
        error_inputs=string_input(DTypeError, "sign: "))




for _name, _fn, _ref, _low, _high, _make in [
        ("log1p", log1p, numpy.log1p, -0.5, 2, uniform),
        ("expm1", expm1, numpy.expm1, -2, 2, uniform),
        ("softsign", softsign, lambda x: x / (1 + numpy.abs(x)), -2, 2, _kinks_at_zero),
        ("silu", silu, lambda x: x * _np_sigmoid(x), -3, 3, uniform),
        ("mish", mish, lambda x: x * numpy.tanh(numpy.logaddexp(0, x)), -3, 3, uniform)]:
    declare(_name, _fn, _ref, unary_samples(_low, _high, _make), shaped=unary_shaped(_low, _high, _make))

declare("hardtanh", hardtanh, lambda x, min_val=-1.0, max_val=1.0: numpy.clip(x, min_val, max_val),
        lambda rng: [Sample((away_from(rng, (5,), (-1.0, 1.0)),)),
                     Sample((away_from(rng, (2, 3), (-0.5, 0.5)), -0.5, 0.5), description="min_val, max_val")],
        twice_differentiable=False)
declare("remainder", remainder, numpy.remainder,
        lambda rng: [Sample((away_from(rng, (4,), (-1.5, 0.0, 1.5), -3, 3), 1.5), description="by a number"),
                     Sample((numpy.array([2.3, -2.3, 4.1]), numpy.array([1.5, 1.5, -1.7])), description="signs")],
        twice_differentiable=False)
declare("floor_divide", floor_divide, numpy.floor_divide,
        lambda rng: [Sample((numpy.array([7.0, -7.0, 2.5]), 2.0)), Sample((numpy.arange(6).reshape(2, 3), 4))],
        differentiable=False)
for _name, _fn, _ref in [("logical_and", logical_and, numpy.logical_and), ("logical_or", logical_or, numpy.logical_or),
                         ("logical_xor", logical_xor, numpy.logical_xor)]:
    declare(_name, _fn, _ref, lambda rng: [Sample((rng.random((2, 3)) > 0.5, rng.random((3,)) > 0.5)),
                                           Sample((numpy.array([0.0, 1.5, 0.0]), numpy.array([2.0, 0.0, 0.0])))],
            differentiable=False)
declare("logical_not", logical_not, numpy.logical_not,
        lambda rng: [Sample((rng.random((2, 3)) > 0.5,)), Sample((numpy.array([0.0, 1.5]),))], differentiable=False)


# error inputs of the ops declared above without them
for _name in ("log1p", "expm1", "softsign", "silu", "mish", "hardtanh"):
    REGISTRY[_name].error_inputs = string_input(DTypeError)
for _name in ("remainder", "floor_divide", "logical_and", "logical_or", "logical_xor"):
    REGISTRY[_name].error_inputs = mismatched_shapes(ShapeError)
REGISTRY["logical_not"].error_inputs = lambda rng: [ErrorInput(Sample((numpy.array(["a"]),)), DTypeError, "logical_not")]
for _name, _formula in [("silu", "∂y/∂x = σ(x) (1 + x (1 − σ(x)))"),
                        ("mish", "s = softplus(x)\n∂y/∂x = tanh(s) + x σ(x) (1 − tanh²(s))"),
                        ("softsign", "∂y/∂x = 1 / (1 + |x|)²")]:
    REGISTRY[_name].formula = _formula
