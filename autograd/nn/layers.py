"""Layers: Linear/Dense, Sequential, Dropout, normalization, Flatten/Unflatten, activations.

Each layer is a Module whose forward is a few calls to `autograd.ops`; the
gradients come from those ops, so a layer never writes a backward. Parameter
names and shapes are PyTorch's (`Linear.weight` is (out_features, in_features)),
so PyTorch state dicts of the same architecture load directly.

    >>> model = nn.Sequential(nn.Dense(64, 32, activation="relu"), nn.Dropout(0.2), nn.Dense(32, 10))
"""
import math
import warnings
from collections import OrderedDict

import numpy

from .. import ops
from ..creation import full, zeros, ones
from ..grad_mode import no_grad
from ..errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError
from ..tensor import Tensor
from . import init
from .module import Module, Parameter, check_input_dtype

__all__ = ["Linear", "Dense", "Sequential", "Dropout", "LayerNorm", "BatchNorm1d", "GroupNorm", "RMSNorm",
           "Flatten", "Unflatten", "Identity", "ReLU", "Sigmoid", "Tanh", "SELU", "GELU", "ELU", "LeakyReLU",
           "PReLU", "SiLU", "Mish", "Softplus", "Softmax", "LogSoftmax", "activation"]


def _empty(*shape, dtype=None, device=None):
    """An uninitialised-but-zeroed array for a parameter that an initializer fills next."""
    return zeros(*shape, dtype=dtype, device=device).data


class Linear(Module):
    """A fully connected layer: y = x @ W.T + b, then an optional activation.

    weight: (out_features, in_features), bias: (out_features,), as in PyTorch.
    Default initialisation (PyTorch's): W ~ kaiming_uniform(a=sqrt(5)), that is
    U(-1/sqrt(in), 1/sqrt(in)), and b ~ U(-1/sqrt(in), 1/sqrt(in)).
    `activation` is a name ("relu", "tanh", ...), a Module or a function.

    >>> layer = nn.Linear(3, 2)                         # also nn.Dense(3, 2, activation="relu")
    >>> layer(autograd.randn(5, 3)).shape               # (5, 2)
    """

    def __init__(self, in_features, out_features, bias=True, activation=None, dtype=None, device=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_empty(out_features, in_features, dtype=dtype, device=device))
        self.bias = Parameter(_empty(out_features, dtype=dtype, device=device)) if bias else None
        activation = _activation_module(activation)
        if activation is not None and not any(True for _ in activation.parameters()):
            # a parameter-free activation is a setting of this layer, not a sub-layer of its own
            object.__setattr__(self, "activation", activation)
        else:
            self.activation = activation
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        if x.shape[-1] != self.in_features:
            raise ShapeError(f"Linear: expected inputs with {self.in_features} features in the last "
                             f"axis, got shape {tuple(x.shape)}")
        if getattr(x, "dtype", numpy.dtype(numpy.float32)).kind not in "fc":  # int ids are not features
            raise DTypeError(f"Linear: expected a floating-point input, got {x.dtype} (convert with x.float())")
        check_input_dtype(self, x, self.weight)
        y = ops.linear(x, self.weight, self.bias)  # one fused node: x @ weight.T + bias
        if self.activation is not None:
            y = self.activation(y)
        return y

    def extra_repr(self):
        text = f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        if self.activation is not None and "activation" not in self._modules:
            text += f", activation={self.activation!r}"
        return text


Dense = Linear


class Sequential(Module):
    """Layers applied one after the other; parameters named '0.weight', '1.bias', ... as in PyTorch.

    >>> model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    >>> model[0], len(model)                             # indexing and len work like a list
    """

    def __init__(self, *layers):
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (dict, OrderedDict)):
            for name, layer in layers[0].items():
                self.add_module(name, layer)
        else:
            for index, layer in enumerate(layers):
                self.add_module(str(index), layer)

    def append(self, layer):
        self.add_module(str(len(self._modules)), layer)
        return self

    def __getitem__(self, index):
        layers = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return layers[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(list(self._modules.values()))

    def forward(self, x):
        for layer in self._modules.values():
            x = layer(x)
        return x


class Dropout(Module):
    """In training, zero each value with probability p and scale the rest by 1/(1-p); identity in eval.

    >>> drop = nn.Dropout(0.5); model.eval()            # eval() turns it off
    """

    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ArgumentError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        return ops.dropout(x, self.p)

    def extra_repr(self):
        return f"p={self.p}"


class LayerNorm(Module):
    """Normalise over the last axes to mean 0 and variance 1, then scale and shift (Ba et al., 2016).

    weight starts at 1, bias at 0 (PyTorch's defaults).

    >>> norm = nn.LayerNorm(512)                       # over the last axis of (batch, time, 512)
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None, device=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        _check_norm_settings("LayerNorm", eps, 0.0)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(*self.normalized_shape, dtype=dtype, device=device))
            self.bias = Parameter(zeros(*self.normalized_shape, dtype=dtype, device=device)) if bias else None
        else:
            self.weight = self.bias = None

    def forward(self, x):
        n = len(self.normalized_shape)
        if tuple(x.shape[-n:]) != self.normalized_shape:
            raise ShapeError(f"LayerNorm: expected inputs ending in {self.normalized_shape}, got {tuple(x.shape)}")
        check_input_dtype(self, x, self.weight)
        axes = tuple(range(-n, 0))
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        y = centered / ops.sqrt(var + self.eps)
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


def _check_norm_settings(layer, eps, momentum):
    """eps > 0 (it keeps the division finite) and momentum in [0, 1] or None (a cumulative average)."""
    if isinstance(eps, bool) or not isinstance(eps, (int, float, numpy.number)) or not 0 < eps < math.inf:
        raise ArgumentError(f"{layer}: eps must be a positive number, got {eps!r}")
    if momentum is not None and (isinstance(momentum, bool) or not isinstance(momentum, (int, float, numpy.number))
                                 or not 0 <= momentum <= 1):
        raise ArgumentError(f"{layer}: momentum must be in [0, 1] (or None), got {momentum!r}")


class BatchNorm1d(Module):
    """Normalise each feature over the batch (Ioffe & Szegedy, 2015), for (N, C) or (N, C, L) inputs.

    Training mode uses the batch's mean and (biased) variance and updates the
    running estimates: running = (1 - momentum) * running + momentum * batch
    (with the unbiased variance, as PyTorch). Eval mode uses the running ones.
    Buffers `running_mean`, `running_var`, `num_batches_tracked` are saved in
    the state dict, with PyTorch's names.

    >>> bn = nn.BatchNorm1d(64); bn.eval()              # eval: running statistics
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 dtype=None, device=None):
        super().__init__()
        _check_norm_settings("BatchNorm1d", eps, momentum)
        if isinstance(num_features, bool) or not isinstance(num_features, (int, numpy.integer)) or num_features < 1:
            raise ArgumentError(f"BatchNorm1d: num_features must be a positive integer, got {num_features!r}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(ones(num_features, dtype=dtype, device=device))
            self.bias = Parameter(zeros(num_features, dtype=dtype, device=device))
        else:
            self.weight = self.bias = None
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", Tensor(numpy.array(0, dtype=numpy.int64), device=device))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def forward(self, x):
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ShapeError(f"BatchNorm1d: expected (N, {self.num_features}) or (N, {self.num_features}, L) "
                             f"inputs, got {tuple(x.shape)}")
        check_input_dtype(self, x, self.weight if self.affine else self.running_mean)
        axes = (0,) if x.ndim == 2 else (0, 2)
        shape = (1, -1) if x.ndim == 2 else (1, -1, 1)  # broadcast per-feature values over the batch
        if self.training and x.numel() // self.num_features == 1:  # its variance would be 0: y = 0 whatever x is
            raise ShapeError(f"BatchNorm1d: expected more than 1 value per feature when training, got input of "
                             f"shape {tuple(x.shape)} (use eval() for single samples)")
        use_batch_stats = self.training or not self.track_running_stats
        if use_batch_stats:
            mean = x.mean(axis=axes, keepdims=True)
            centered = x - mean
            var = (centered * centered).mean(axis=axes, keepdims=True)
            if self.training and self.track_running_stats:
                self._update_running_stats(mean, var, x.data.size // self.num_features)
        else:
            mean = self.running_mean.reshape(shape)
            var = self.running_var.reshape(shape)
            centered = x - mean
        y = centered / ops.sqrt(var + self.eps)
        if self.affine:
            y = y * self.weight.reshape(shape) + self.bias.reshape(shape)
        return y

    def _update_running_stats(self, mean, var, count):
        # momentum=None, as in PyTorch: the cumulative average of every batch so far
        m = self.momentum if self.momentum is not None else 1.0 / (int(self.num_batches_tracked.data) + 1)
        with no_grad():
            unbiased = var.data.reshape(-1) * (count / max(count - 1, 1))
            self.running_mean.data[...] = (1 - m) * self.running_mean.data + m * mean.data.reshape(-1)
            self.running_var.data[...] = (1 - m) * self.running_var.data + m * unbiased
            self.num_batches_tracked.data[...] = self.num_batches_tracked.data + 1

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class Flatten(Module):
    """Merge axes start_dim..end_dim into one (by default all but the batch axis).

    >>> nn.Flatten()(autograd.zeros(8, 1, 28, 28)).shape       # (8, 784)
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return ops.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis `dim` into `unflattened_size` (the inverse of Flatten).

    >>> nn.Unflatten(1, (1, 28, 28))(autograd.zeros(8, 784)).shape       # (8, 1, 28, 28)
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        dim = self.dim % x.ndim
        return ops.reshape(x, tuple(x.shape[:dim]) + self.unflattened_size + tuple(x.shape[dim + 1:]))

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Identity(Module):
    """Returns its input: a placeholder where a layer is optional (arguments are ignored, as in PyTorch).

    >>> nn.Identity()(x) is x
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class GroupNorm(Module):
    """Normalise (N, C, *) inputs over groups of C / num_groups channels (Wu & He, 2018), then a
    per-channel scale and shift (weight 1, bias 0 at first).

    >>> nn.GroupNorm(num_groups=2, num_channels=6)(autograd.randn(4, 6, 10)).shape     # (4, 6, 10)
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None):
        super().__init__()
        if num_channels % num_groups:
            raise ArgumentError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                                f"num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        if affine:
            self.weight = Parameter(ones(num_channels, dtype=dtype, device=device))
            self.bias = Parameter(zeros(num_channels, dtype=dtype, device=device))
        else:
            self.weight = self.bias = None

    def forward(self, x):
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ShapeError(f"GroupNorm: expected (N, {self.num_channels}, *) inputs, got {tuple(x.shape)}")
        check_input_dtype(self, x, self.weight)
        grouped = ops.reshape(x, (x.shape[0], self.num_groups, -1))
        mean = grouped.mean(axis=-1, keepdims=True)
        centered = grouped - mean
        var = (centered * centered).mean(axis=-1, keepdims=True)  # biased, as in PyTorch
        y = ops.reshape(centered / ops.sqrt(var + self.eps), tuple(x.shape))
        if self.affine:
            shape = (1, -1) + (1,) * (x.ndim - 2)  # per channel, broadcast over the rest
            y = y * ops.reshape(self.weight, shape) + ops.reshape(self.bias, shape)
        return y

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class RMSNorm(Module):
    """y = x / sqrt(mean(x²) + eps) * weight over the last axes (Zhang & Sennrich, 2019); no centring.

    eps=None uses the machine epsilon of the input's dtype, as PyTorch.

    >>> nn.RMSNorm(512)(autograd.randn(2, 10, 512)).shape
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.weight = Parameter(ones(*self.normalized_shape, dtype=dtype, device=device)) \
            if elementwise_affine else None

    def forward(self, x):
        n = len(self.normalized_shape)
        if tuple(x.shape[-n:]) != self.normalized_shape:
            raise ShapeError(f"RMSNorm: expected inputs ending in {self.normalized_shape}, got {tuple(x.shape)}")
        check_input_dtype(self, x, self.weight)
        eps = float(numpy.finfo(x.dtype).eps) if self.eps is None else self.eps
        y = x / ops.sqrt((x * x).mean(axis=tuple(range(-n, 0)), keepdims=True) + eps)
        return y * self.weight if self.weight is not None else y

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


# ---------------------------------------------------------------- activations as modules

class ReLU(Module):
    """max(0, x).  >>> nn.ReLU()(x)"""

    def forward(self, x):
        return ops.relu(x)


class Sigmoid(Module):
    """1 / (1 + exp(-x)).  >>> nn.Sigmoid()(x)"""

    def forward(self, x):
        return ops.sigmoid(x)


class Tanh(Module):
    """tanh(x).  >>> nn.Tanh()(x)"""

    def forward(self, x):
        return ops.tanh(x)


class SELU(Module):
    """Scaled ELU (Klambauer et al., 2017), self-normalising with LeCun-normal weights.  >>> nn.SELU()(x)"""

    def forward(self, x):
        return ops.selu(x)


class GELU(Module):
    """x * Φ(x); approximate="tanh" uses the tanh formula of BERT/GPT-2.  >>> nn.GELU()(x)"""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return ops.gelu(x, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}" if self.approximate != "none" else ""


class ELU(Module):
    """x for x > 0, alpha * (exp(x) - 1) otherwise.  >>> nn.ELU(alpha=1.0)(x)"""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return ops.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise.  >>> nn.LeakyReLU(0.1)(x)"""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return ops.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class PReLU(Module):
    """x for x > 0, a * x otherwise, with a learned slope `a` (He et al., 2015): one for all
    channels, or one per channel (axis 1) with num_parameters=C. Starts at `init` (0.25).

    >>> nn.PReLU(num_parameters=16)(autograd.randn(8, 16, 5))
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(full(num_parameters, init, dtype=dtype, device=device))

    def forward(self, x):
        check_input_dtype(self, x, self.weight)
        weight = self.weight
        if self.num_parameters > 1:
            if x.ndim < 2 or x.shape[1] != self.num_parameters:
                raise ShapeError(f"PReLU: {self.num_parameters} slopes need inputs with {self.num_parameters} "
                                 f"channels on axis 1, got {tuple(x.shape)}")
            weight = ops.reshape(weight, (1, -1) + (1,) * (x.ndim - 2))
        return ops.relu(x) - weight * ops.relu(-x)  # max(0, x) + a min(0, x)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class SiLU(Module):
    """x * sigmoid(x), also called swish.  >>> nn.SiLU()(x)"""

    def forward(self, x):
        return x * ops.sigmoid(x)


class Mish(Module):
    """x * tanh(softplus(x)) (Misra, 2019).  >>> nn.Mish()(x)"""

    def forward(self, x):
        return x * ops.tanh(ops.softplus(x))


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta, a smooth ReLU.  >>> nn.Softplus()(x)"""

    def __init__(self, beta=1.0):
        super().__init__()
        self.beta = beta

    def forward(self, x):
        if self.beta == 1:
            return ops.softplus(x)
        return ops.softplus(x * self.beta) / self.beta

    def extra_repr(self):
        return f"beta={self.beta}" if self.beta != 1 else ""


def _implicit_dim(name, ndim):
    """PyTorch's choice when Softmax/LogSoftmax get no dim (deprecated there, so it warns here too)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated (as in PyTorch): "
                  f"pass dim=, e.g. dim=-1", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """exp(x) / sum(exp(x)) along `dim` (`axis=` is accepted too).  >>> nn.Softmax(dim=-1)(x)

    Without a dim the axis is PyTorch's legacy choice (0 for 1-D and 3-D inputs, 1 otherwise), with its warning.
    """

    def __init__(self, dim=None, *, axis=None):
        super().__init__()
        self.dim = axis if dim is None else dim

    def forward(self, x):
        dim = _implicit_dim("Softmax", x.ndim) if self.dim is None else self.dim
        return ops.softmax(x, axis=dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) computed stably along `dim` (`axis=` is accepted too).  >>> nn.LogSoftmax(dim=-1)(x)"""

    def __init__(self, dim=None, *, axis=None):
        super().__init__()
        self.dim = axis if dim is None else dim

    def forward(self, x):
        dim = _implicit_dim("LogSoftmax", x.ndim) if self.dim is None else self.dim
        return ops.log_softmax(x, axis=dim)

    def extra_repr(self):
        return f"dim={self.dim}"


_ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "selu": SELU, "gelu": GELU, "elu": ELU,
                "leaky_relu": LeakyReLU, "softplus": Softplus, "softmax": Softmax, "log_softmax": LogSoftmax,
                "silu": SiLU, "swish": SiLU, "mish": Mish,
                "linear": Identity, "identity": Identity}


def activation(name):
    """The activation module called `name` ("relu", "tanh", "gelu", ...).

    >>> nn.activation("relu")                       # ReLU()
    """
    try:
        module = _ACTIVATIONS[name.lower()]
    except KeyError:
        raise ArgumentError(f"unknown activation {name!r}; choose one of {sorted(_ACTIVATIONS)}") from None
    return module(dim=-1) if module in (Softmax, LogSoftmax) else module()  # over the features, as Keras


class _Function(Module):
    """Wraps a plain function (e.g. autograd.tanh) given as Dense's activation."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def forward(self, x):
        return self.function(x)

    def extra_repr(self):
        return getattr(self.function, "__name__", repr(self.function))


def _activation_module(value):
    if value is None or isinstance(value, Module):
        return value
    if isinstance(value, str):
        return activation(value)
    if callable(value):
        return _Function(value)
    raise ArgumentTypeError(f"activation must be a name, a Module or a function, not {type(value).__name__}")
