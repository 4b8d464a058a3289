"""Convolutional layers: Conv1d/2d, ConvTranspose1d/2d, pools, BatchNorm2d, Dropout2d, Upsample.

Names, arguments, parameter shapes and initialisation are PyTorch's, so a
`torch.nn` convnet's state dict loads into the same architecture here:

    >>> model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    ...                       nn.Flatten(), nn.Linear(8 * 14 * 14, 10))
    >>> model.load_state_dict({k: v.numpy() for k, v in torch_model.state_dict().items()})

The layers hold parameters and settings; the work is done by the ops in
autograd/ops/conv.py and autograd/ops/pool.py.
"""
import math

import numpy

from .. import ops
from ..errors import ArgumentError, ShapeError
from . import init
from .layers import BatchNorm1d, _empty
from .module import Module, Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d", "MaxPool1d", "MaxPool2d", "AvgPool1d",
           "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "BatchNorm2d", "Dropout2d",
           "Upsample", "pad"]

_PAD_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, n):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


# ---------------------------------------------------------------- padding modes


def _source_positions(size, before, after, mode):
    """For each padded position along an axis, the input position it copies (reflect/replicate/circular)."""
    positions = numpy.arange(-before, size + after)
    if mode == "replicate":
        return numpy.clip(positions, 0, size - 1)
    if mode == "circular":
        return positions % size
    period = 2 * (size - 1)  # reflect: ... 2 1 | 0 1 2 ... n-1 | n-2 ...
    folded = numpy.abs(positions) % period if period else numpy.zeros_like(positions)
    return numpy.where(folded >= size, period - folded, folded)


def pad(input, pad, mode="constant", value=None):  # noqa: A002 (PyTorch's names; value None means 0)
    """torch.nn.functional.pad: `pad` lists (before, after) pairs starting from the LAST axis.

    Modes: 'constant' (with `value`), 'reflect', 'replicate', 'circular'.

    >>> nn.pad(autograd.ones(1, 1, 3, 3), (1, 1, 2, 0), mode="reflect").shape     # (1, 1, 5, 5)
    """
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ArgumentError(f"pad: needs pairs (before, after) for at most {input.ndim} axes, got {pad}")
    pairs = [(0, 0)] * (input.ndim - len(pad) // 2) + [(pad[i], pad[i + 1]) for i in range(len(pad) - 2, -1, -2)]
    if mode == "constant":
        return ops.pad(input, pad, value=value)   # autograd.pad takes PyTorch's flat pad tuple too
    if mode not in ("reflect", "replicate", "circular"):
        raise ArgumentError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', not {mode!r}")
    y = input
    for axis, (before, after) in enumerate(pairs):
        if before == after == 0:
            continue
        size = input.shape[axis]
        if mode == "reflect" and max(before, after) >= size:
            raise ShapeError(f"pad: reflect padding {pad} must be smaller than the padded axis (input "
                             f"{tuple(input.shape)})")
        if mode == "circular" and max(before, after) > size:
            raise ShapeError(f"pad: circular padding {pad} must be at most the padded axis (input {tuple(input.shape)})")
        index = (slice(None),) * axis + (_source_positions(size, before, after, mode),)
        y = y[index]
    return y


# ---------------------------------------------------------------- convolutions


class _ConvNd(Module):
    _spatial = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", output_padding=0, dtype=None, device=None):
        super().__init__()
        n = self._spatial
        name = type(self).__name__
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ShapeError(f"{name}: groups={groups} must divide in_channels={in_channels} and "
                             f"out_channels={out_channels}")
        if padding_mode not in _PAD_MODES:
            raise ArgumentError(f"{name}: padding_mode must be one of {_PAD_MODES}, not {padding_mode!r}")
        if self._transposed and padding_mode != "zeros":
            raise ArgumentError(f"{name}: only padding_mode='zeros' is supported (as in PyTorch)")
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ArgumentError(f"{name}: padding must be an int, a tuple, 'same' or 'valid', not {padding!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = _ntuple(stride, n)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n)
        self.dilation = _ntuple(dilation, n)
        self.output_padding = _ntuple(output_padding, n)
        self.groups, self.padding_mode = groups, padding_mode
        if self._transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(_empty(*shape, dtype=dtype, device=device))
        self.bias = Parameter(_empty(out_channels, dtype=dtype, device=device)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: W ~ kaiming_uniform(a=√5) = U(±1/√fan_in), b ~ U(±1/√fan_in)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * int(numpy.prod(self.kernel_size))
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding not in ((0,) * self._spatial, "valid"):
            text += f", padding={self.padding!r}" if isinstance(self.padding, str) else f", padding={self.padding}"
        if self.dilation != (1,) * self._spatial:
            text += f", dilation={self.dilation}"
        if self._transposed and self.output_padding != (0,) * self._spatial:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode!r}"
        return text


class _Conv(_ConvNd):
    def forward(self, input):  # noqa: A002
        function = ops.conv1d if self._spatial == 1 else ops.conv2d
        if self.padding_mode == "zeros":
            return function(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        if self.padding == "same":
            totals = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation)]
            pairs = [(t // 2, t - t // 2) for t in totals]
        elif self.padding == "valid":
            pairs = [(0, 0)] * self._spatial
        else:
            pairs = [(p, p) for p in self.padding]
        flat = [v for before, after in reversed(pairs) for v in (before, after)]  # last axis first, as F.pad
        mode = "reflect" if self.padding_mode == "reflect" else self.padding_mode
        return function(pad(input, flat, mode=mode), self.weight, self.bias, self.stride, 0, self.dilation,
                        self.groups)


class Conv2d(_Conv):
    """2-D convolution layer: weight (out, in/groups, kh, kw), bias (out,), input (N, C, H, W).

    >>> conv = nn.Conv2d(3, 16, kernel_size=3, padding=1)
    >>> conv(autograd.randn(8, 3, 32, 32)).shape                # (8, 16, 32, 32)
    """

    _spatial = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, dtype=dtype, device=device)


class Conv1d(_Conv):
    """1-D convolution layer: weight (out, in/groups, k), input (N, C, L).

    >>> nn.Conv1d(4, 8, 3, dilation=2, padding=2)(autograd.randn(2, 4, 50)).shape   # (2, 8, 50)
    """

    _spatial = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, dtype=dtype, device=device)


class _ConvTranspose(_ConvNd):
    _transposed = True

    def forward(self, input, output_size=None):  # noqa: A002
        output_padding = self.output_padding
        if output_size is not None:  # pick the output_padding that reaches the requested size
            wanted = tuple(output_size)[-self._spatial:]
            output_padding = []
            for n, want, k, s, p, d in zip(input.shape[-self._spatial:], wanted, self.kernel_size, self.stride,
                                           self.padding, self.dilation):
                extra = want - ((n - 1) * s - 2 * p + d * (k - 1) + 1)
                if not 0 <= extra < max(s, d):
                    raise ShapeError(f"{type(self).__name__}: output_size {tuple(output_size)} is not reachable "
                                     f"from input {tuple(input.shape)}")
                output_padding.append(extra)
        function = ops.conv_transpose1d if self._spatial == 1 else ops.conv_transpose2d
        return function(input, self.weight, self.bias, self.stride, self.padding, tuple(output_padding),
                        self.groups, self.dilation)


class ConvTranspose2d(_ConvTranspose):
    """Transposed 2-D convolution ("deconvolution"): weight (in, out/groups, kh, kw), as in PyTorch.

    >>> nn.ConvTranspose2d(16, 8, 2, stride=2)(autograd.randn(1, 16, 7, 7)).shape   # (1, 8, 14, 14)
    """

    _spatial = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, dtype=dtype, device=device)


class ConvTranspose1d(_ConvTranspose):
    """Transposed 1-D convolution: weight (in, out/groups, k).

    >>> nn.ConvTranspose1d(4, 2, 3, stride=2)(autograd.randn(1, 4, 10)).shape        # (1, 2, 21)
    """

    _spatial = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, dtype=dtype, device=device)


# ---------------------------------------------------------------- pooling


class _MaxPool(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride if stride is not None else kernel_size, padding
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, ceil_mode

    def forward(self, input):  # noqa: A002
        function = ops.max_pool1d if isinstance(self, MaxPool1d) else ops.max_pool2d
        return function(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                        self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPool):
    """The maximum of each window: `nn.MaxPool2d(2)` halves height and width.

    >>> nn.MaxPool2d(2)(autograd.randn(1, 8, 28, 28)).shape             # (1, 8, 14, 14)
    """


class MaxPool1d(_MaxPool):
    """The maximum of each window of (N, C, L).

    >>> nn.MaxPool1d(3, stride=2)(autograd.randn(1, 4, 11)).shape        # (1, 4, 5)
    """


class _AvgPool(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride if stride is not None else kernel_size, padding
        self.ceil_mode, self.count_include_pad, self.divisor_override = ceil_mode, count_include_pad, divisor_override

    def forward(self, input):  # noqa: A002
        if isinstance(self, AvgPool1d):
            return ops.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                                  self.count_include_pad)
        return ops.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                              self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPool):
    """The mean of each window of (N, C, H, W).

    >>> nn.AvgPool2d(2)(autograd.ones(1, 1, 4, 4)).shape                 # (1, 1, 2, 2)
    """


class AvgPool1d(_AvgPool):
    """The mean of each window of (N, C, L).

    >>> nn.AvgPool1d(2)(autograd.ones(1, 1, 6)).shape                    # (1, 1, 3)
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size; `nn.AdaptiveAvgPool2d(1)` is global average pooling.

    >>> nn.AdaptiveAvgPool2d((1, 1))(autograd.randn(2, 64, 7, 7)).shape      # (2, 64, 1, 1)
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):  # noqa: A002
        return ops.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """Average pooling of (N, C, L) to a fixed length.

    >>> nn.AdaptiveAvgPool1d(1)(autograd.randn(2, 8, 30)).shape           # (2, 8, 1)
    """

    def forward(self, input):  # noqa: A002
        return ops.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed output size.

    >>> nn.AdaptiveMaxPool2d(2)(autograd.randn(1, 3, 9, 9)).shape            # (1, 3, 2, 2)
    """

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):  # noqa: A002
        return ops.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


# ---------------------------------------------------------------- normalisation, dropout, resizing


class BatchNorm2d(BatchNorm1d):
    """Batch normalisation of each channel of (N, C, H, W) over the batch and both spatial axes.

    Same parameters, buffers and state-dict names as PyTorch (weight, bias, running_mean,
    running_var, num_batches_tracked); momentum=None uses the cumulative average, as PyTorch.

    >>> bn = nn.BatchNorm2d(16); y = bn(autograd.randn(8, 16, 5, 5))        # per-channel zero mean, unit variance
    """

    def forward(self, x):
        if x.ndim != 4 or x.shape[1] != self.num_features:
            raise ShapeError(f"BatchNorm2d: expected (N, {self.num_features}, H, W) inputs, got {tuple(x.shape)}")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data[...] = self.num_batches_tracked.data + 1
            if momentum is None:  # cumulative moving average
                momentum = 1.0 / float(self.num_batches_tracked.data)
        use_batch = self.training or not self.track_running_stats
        return ops.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, use_batch,
                              momentum if momentum is not None else 0.0, self.eps)


class Dropout2d(Module):
    """In training, zero whole channels with probability p (scaling the rest by 1/(1-p)); identity in eval.

    >>> nn.Dropout2d(0.2)(autograd.randn(4, 16, 8, 8))
    """

    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p <= 1:
            raise ArgumentError(f"Dropout2d: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x):
        return ops.dropout2d(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class Upsample(Module):
    """Resize by `scale_factor` or to `size`: mode 'nearest', 'linear' (1-D) or 'bilinear' (2-D).

    >>> nn.Upsample(scale_factor=2)(autograd.randn(1, 3, 7, 7)).shape         # (1, 3, 14, 14)
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest"):
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode

    def forward(self, input):  # noqa: A002
        return ops.interpolate(input, self.size, self.scale_factor, self.mode)

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"
