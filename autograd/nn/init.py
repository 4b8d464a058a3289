"""Initializers: fill a parameter in place with values suited to training.

Same names, arguments and formulas as `torch.nn.init`. The trailing underscore
says "in place"; each function returns the tensor it filled. Random draws come
from the library's generator, so `autograd.manual_seed` makes them repeatable.

    >>> w = nn.Parameter(autograd.zeros(64, 32))
    >>> nn.init.xavier_uniform_(w)          # U(-a, a), a = sqrt(6 / (32 + 64))

Why the scale matters: with fan_in inputs of variance 1, a weight of variance
1/fan_in keeps the output's variance near 1 (LeCun/Kaiming); Xavier/Glorot
averages fan_in and fan_out to balance the forward and the backward pass; the
gain corrects for what the nonlinearity does to the variance (ReLU halves it,
hence sqrt(2)).

`glorot_*` are the same as `xavier_*` and `he_*` the same as `kaiming_*`;
names without the underscore are aliases of the in-place versions.
"""
import math

import numpy

from .. import backend
from ..creation import generator
from ..errors import ArgumentError, ShapeError

__all__ = ["calculate_gain", "zeros_", "ones_", "constant_", "uniform_", "normal_", "xavier_uniform_",
           "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "glorot_uniform_",
           "glorot_normal_", "he_uniform_", "he_normal_", "zeros", "ones", "constant", "uniform", "normal",
           "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal",
           "glorot_uniform", "glorot_normal", "he_uniform", "he_normal"]


def calculate_gain(nonlinearity, param=None):
    """The factor by which to scale the standard deviation for a nonlinearity (as PyTorch).

    >>> nn.init.calculate_gain("relu")          # sqrt(2) = 1.414...
    """
    if nonlinearity in ("linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ArgumentError(f"unsupported nonlinearity {nonlinearity!r}")


def _fans(tensor):
    """(fan_in, fan_out) of a weight: a Linear weight (out, in) has fan_in=in, fan_out=out."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ShapeError(f"fan in and fan out need a tensor with at least 2 dimensions, not shape {shape}")
    receptive_field = int(numpy.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive_field, shape[0] * receptive_field


def _fan(tensor, mode):
    fan_in, fan_out = _fans(tensor)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ArgumentError(f"mode must be 'fan_in' or 'fan_out', not {mode!r}")


def _fill(tensor, values):
    """Write NumPy `values` into the tensor's array, keeping its dtype and device."""
    values = numpy.asarray(values, dtype=tensor.data.dtype)
    tensor.data[...] = backend.to_device(values, backend.device_of(tensor.data))
    return tensor


def zeros_(tensor):
    """Fill with 0.  >>> nn.init.zeros_(layer.bias)"""
    return _fill(tensor, numpy.zeros(tensor.shape))


def ones_(tensor):
    """Fill with 1.  >>> nn.init.ones_(norm.weight)"""
    return _fill(tensor, numpy.ones(tensor.shape))


def constant_(tensor, val):
    """Fill with `val`.  >>> nn.init.constant_(layer.bias, 0.1)"""
    return _fill(tensor, numpy.full(tensor.shape, val))


def uniform_(tensor, a=0.0, b=1.0):
    """Draw from U(a, b).  >>> nn.init.uniform_(w, -0.1, 0.1)"""
    return _fill(tensor, generator().uniform(a, b, size=tensor.shape))


def normal_(tensor, mean=0.0, std=1.0):
    """Draw from N(mean, std²).  >>> nn.init.normal_(w, std=0.02)"""
    return _fill(tensor, generator().normal(mean, std, size=tensor.shape))


def xavier_uniform_(tensor, gain=1.0):
    """Glorot & Bengio (2010): U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).

    >>> nn.init.xavier_uniform_(w, gain=nn.init.calculate_gain("tanh"))
    """
    fan_in, fan_out = _fans(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # U(-b, b) has standard deviation b / sqrt(3)
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain=1.0):
    """Glorot & Bengio (2010): N(0, std²) with std = gain * sqrt(2 / (fan_in + fan_out)).

    >>> nn.init.xavier_normal_(w)
    """
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He et al. (2015): U(-b, b) with b = gain * sqrt(3 / fan); `a` is the leaky-ReLU slope.

    >>> nn.init.kaiming_uniform_(w, nonlinearity="relu")      # b = sqrt(6 / fan_in)
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """He et al. (2015): N(0, std²) with std = gain / sqrt(fan).

    >>> nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std)


def orthogonal_(tensor, gain=1.0):
    """Saxe et al. (2013): a (semi-)orthogonal matrix times `gain`, from the QR of a Gaussian.

    The tensor is seen as (shape[0], rest); its rows (or columns, whichever are
    fewer) come out orthonormal. Good for recurrent weights.

    >>> nn.init.orthogonal_(rnn.weight_hh)
    """
    if tensor.ndim < 2:
        raise ShapeError(f"orthogonal_ needs a tensor with at least 2 dimensions, not shape {tensor.shape}")
    rows = tensor.shape[0]
    cols = int(numpy.prod(tensor.shape[1:]))
    flat = generator().standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = numpy.linalg.qr(flat)
    q = q * numpy.sign(numpy.diag(r))  # makes the decomposition unique: uniform over orthogonal matrices
    if rows < cols:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape))


glorot_uniform_, glorot_normal_ = xavier_uniform_, xavier_normal_
he_uniform_, he_normal_ = kaiming_uniform_, kaiming_normal_

zeros, ones, constant, uniform, normal = zeros_, ones_, constant_, uniform_, normal_
xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal = (xavier_uniform_, xavier_normal_,
                                                                  kaiming_uniform_, kaiming_normal_)
orthogonal, glorot_uniform, glorot_normal, he_uniform, he_normal = (orthogonal_, glorot_uniform_,
                                                                   glorot_normal_, he_uniform_, he_normal_)
