"""Pooling and the other spatial ops of convolutional networks.

Max and average pooling read the same windows as a convolution (a strided
view, no copy) and reduce each one. Both are linear maps once the max's
winners are known, so two ops, each the other's adjoint, make them twice
differentiable:

    WindowReduce: y[p] = Σ_k x_pad[p·s + k·d]      (all k: sum pooling; only the winner k: max pooling)
    WindowSpread: its transpose, k·k strided adds onto the canvas (never np.add.at)

Adaptive pooling and interpolation are matrix products with constant
averaging / interpolation matrices, y = A_h @ x @ A_wᵀ; batch_norm and
dropout2d are compositions of other ops.

    >>> y = autograd.max_pool2d(x, 2)                    # (N, C, H, W) -> (N, C, H/2, W/2)
    >>> y = autograd.adaptive_avg_pool2d(x, 1)           # global average pooling
"""
import math

import numpy

from .. import backend
from ..errors import ShapeError, ArgumentError
from ..graph import Function
from ..grad_mode import no_grad
from ..tensor import Tensor, unwrap
from .conv import _pad_or_crop, _windows, _tuple, ConvTranspose, Conv
from .linalg import matmul
from .shape import reshape
from .registry import declare, Sample, ErrorInput, uniform, distinct

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_max_pool2d", "interpolate", "unfold", "fold", "batch_norm", "dropout2d"]


# ---------------------------------------------------------------- window kernels


def _reduce(xp, x, kernel, stride, pads, dilation, winner):
    """Σ over each window of the zero-padded x, or only its `winner` position when winner is given."""
    windows = _windows(xp, _pad_or_crop(xp, x, pads), kernel, stride, dilation)
    out = None
    for k, (i, j) in enumerate(numpy.ndindex(*kernel)):
        part = windows[:, :, i, j]
        if winner is not None:
            part = xp.where(winner == k, part, 0)
        out = part.copy() if out is None else out + part
    return out


def _spread(xp, grad, kernel, stride, pads, dilation, input_hw, winner):
    """The transpose of `_reduce`: add each output's gradient to the positions of its window."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    n, c, ho, wo = grad.shape
    padded = tuple(size + before + after for size, (before, after) in zip(input_hw, pads))
    canvas = xp.zeros((n, c) + padded, dtype=grad.dtype)
    disjoint = sh >= dh * (kh - 1) + 1 and sw >= dw * (kw - 1) + 1  # every input position in one window at most
    for k, (i, j) in enumerate(numpy.ndindex(kh, kw)):
        target = canvas[:, :, i * dh:i * dh + (ho - 1) * sh + 1:sh, j * dw:j * dw + (wo - 1) * sw + 1:sw]
        if winner is None:
            target += grad
        elif disjoint:  # write straight into the canvas, no temporary
            xp.multiply(grad, winner == k, out=target)
        else:
            target += grad * (winner == k)
    return _pad_or_crop(xp, canvas, tuple((-b, -a) for b, a in pads))


class WindowReduce(Function):
    """Sum of each window (or of its winning position): sum pooling, and max pooling once winners are known."""

    formula = "∂y/∂x = g spread back over its window\n(onto the winner only, for max pooling)"

    def __init__(self, kernel, stride, pads, dilation, winner=None):
        self.kernel, self.stride, self.pads, self.dilation, self.winner = kernel, stride, pads, dilation, winner

    def forward(self, x):
        self.input_hw = x.shape[2:]
        return _reduce(self.xp, x, self.kernel, self.stride, self.pads, self.dilation, self.winner)

    def backward(self, grad):
        settings = (self.kernel, self.stride, self.pads, self.dilation)
        if self._create_graph:
            return WindowSpread(*settings, self.input_hw, self.winner)(grad)
        return _spread(self.xp, grad, *settings, self.input_hw, self.winner)


class WindowSpread(Function):
    """The transpose of WindowReduce (the gradient of pooling), itself differentiable."""

    formula = "∂y/∂g = gather g's windows (the winner only, for max)"

    def __init__(self, kernel, stride, pads, dilation, input_hw, winner=None):
        self.kernel, self.stride, self.pads, self.dilation = kernel, stride, pads, dilation
        self.input_hw, self.winner = input_hw, winner

    def forward(self, grad):
        return _spread(self.xp, grad, self.kernel, self.stride, self.pads, self.dilation,
                       self.input_hw, self.winner)

    def backward(self, grad):
        settings = (self.kernel, self.stride, self.pads, self.dilation)
        if self._create_graph:
            return WindowReduce(*settings, self.winner)(grad)
        return _reduce(self.xp, grad, *settings, self.winner)


class MaxPool(Function):
    """y = the maximum of each window; the gradient goes to the (first) winner of each window.

    Forward finds the winners in kh·kw passes over strided views (no copy of the windows);
    the backward is WindowSpread with those winners, which makes max pooling twice differentiable.
    """

    formula = "∂y/∂x = 1 at each window's maximum, 0 elsewhere"

    def __init__(self, kernel, stride, pads, dilation):
        self.kernel, self.stride, self.pads, self.dilation = kernel, stride, pads, dilation

    def forward(self, x):
        self.input_hw = x.shape[2:]
        y, winner = _max_and_winner(self.xp, x, self.kernel, self.stride, self.pads, self.dilation)
        self.save_for_backward(winner)  # freed with the node's other saved values after backward
        self.indices_source = winner    # read (and dropped) by max_pool for return_indices
        return y

    def backward(self, grad):
        winner, = self.saved_arrays  # a constant of the graph, also under create_graph
        settings = (self.kernel, self.stride, self.pads, self.dilation)
        if self._create_graph:
            return WindowSpread(*settings, self.input_hw, winner)(grad)
        return _spread(self.xp, grad, *settings, self.input_hw, winner)


def _max_and_winner(xp, x, kernel, stride, pads, dilation):
    """Each window's maximum and the index (0..kh·kw-1) of its first maximum, as PyTorch (a NaN wins)."""
    windows = _windows(xp, _pad_or_crop(xp, x, pads, -numpy.inf), kernel, stride, dilation)
    best = windows[:, :, 0, 0].copy()
    small = numpy.int8 if kernel[0] * kernel[1] < 128 else numpy.int64
    winner = xp.zeros(best.shape, dtype=small)
    better, candidate = xp.empty(best.shape, dtype=bool), xp.empty(best.shape, dtype=small)
    for k, (i, j) in enumerate(numpy.ndindex(*kernel)):
        if k:
            # the winner is the last position that beat every earlier one (strictly: ties keep the first);
            # arithmetic with out= is several times faster than copyto(..., where=)
            part = windows[:, :, i, j]
            xp.greater(part, best, out=better)
            xp.multiply(better, k, out=candidate)
            xp.maximum(winner, candidate, out=winner)
            xp.maximum(best, part, out=best)
    if xp.isnan(x.sum()):  # rare: redo with PyTorch's NaN rule (a NaN wins, a later NaN wins again)
        best[...] = windows[:, :, 0, 0]
        winner[...] = 0
        for k, (i, j) in enumerate(numpy.ndindex(*kernel)):
            if k:
                part = windows[:, :, i, j]
                wins = (part > best) | xp.isnan(part)
                xp.copyto(winner, k, where=wins)
                xp.copyto(best, part, where=wins)
    return best, winner


# ---------------------------------------------------------------- pooling settings


def _rank(op, x, spatial):
    if x.ndim not in (spatial + 1, spatial + 2):
        layout = "(N, C, L) or (C, L)" if spatial == 1 else "(N, C, H, W) or (C, H, W)"
        raise ShapeError(f"{op}: expected a {spatial + 2}-D input {layout}, got shape {tuple(x.shape)}")


def _pool_geometry(op, x_shape, spatial, kernel_size, stride, padding, dilation, ceil_mode):
    """kernel, stride, pads ((before, after) per axis, the ceil_mode overhang in `after`), dilation."""
    kernel = _tuple(op, "kernel_size", kernel_size, spatial)
    stride = kernel if stride is None or stride == () or stride == [] else _tuple(op, "stride", stride, spatial)
    padding = _tuple(op, "padding", padding, spatial)
    dilation = _tuple(op, "dilation", dilation, spatial)
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise ArgumentError(f"{op}: kernel_size, stride and dilation must be positive and padding non-negative")
    for k, p in zip(kernel, padding):
        if p > k // 2:
            raise ArgumentError(f"{op}: padding {padding} must be at most half the kernel size {kernel}")
    pads, out = [], []
    for size, k, s, p, d in zip(x_shape[-spatial:], kernel, stride, padding, dilation):
        span = size + 2 * p - d * (k - 1) - 1
        if span < 0:
            raise ShapeError(f"{op}: the kernel {kernel} (dilation {dilation}) is larger than the padded input "
                             f"{tuple(x_shape)} (padding {padding})")
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= size + p:  # the last window must start inside the input or left padding
            o -= 1
        out.append(o)
        pads.append((p, (o - 1) * s + d * (k - 1) + 1 - size - p))  # exactly what the windows reach
    return kernel, stride, tuple(pads), dilation, tuple(out)


def _as_2d(spatial, values, fill):
    return (fill,) + tuple(values) if spatial == 1 else tuple(values)


def _prepare(x, spatial):
    """(N, C, H, W) view of x for the 2-D kernels, and the shape to give the result back."""
    shape = tuple(x.shape)
    batched = x.ndim == spatial + 2
    x4 = x if batched else reshape(x, (1,) + shape)
    if spatial == 1:
        x4 = reshape(x4, tuple(x4.shape[:2]) + (1,) + tuple(x4.shape[2:]))
    return x4, shape[:-spatial]


def _finish(y, lead, spatial):
    return reshape(y, tuple(lead) + tuple(y.shape[-spatial:]))


def _max_pool(op, spatial, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):  # noqa: A002
    _rank(op, input, spatial)
    kernel, stride, pads, dilation, out = _pool_geometry(op, input.shape, spatial, kernel_size, stride, padding,
                                                         dilation, ceil_mode)
    x4, lead = _prepare(input, spatial)
    settings = (_as_2d(spatial, kernel, 1), _as_2d(spatial, stride, 1), ((0, 0),) * (2 - spatial) + pads,
                _as_2d(spatial, dilation, 1))
    data = unwrap(x4)
    pool = MaxPool(*settings)
    y = _finish(pool(x4), lead, spatial)
    winner, pool.indices_source = pool.indices_source, None
    if not return_indices:
        return y
    indices = _flat_indices(backend.namespace(data), winner, data.shape[2:], *settings)
    return y, Tensor(indices.reshape(y.shape))


def _flat_indices(xp, winner, input_hw, kernel, stride, pads, dilation):
    """PyTorch's max-pool indices: the winner's position in the flattened (unpadded) input plane."""
    kh, kw = kernel
    ho, wo = winner.shape[2:]
    winner = winner.astype(numpy.int64)
    rows = xp.arange(ho).reshape(-1, 1) * stride[0] + (winner // kw) * dilation[0] - pads[0][0]
    cols = xp.arange(wo).reshape(1, -1) * stride[1] + (winner % kw) * dilation[1] - pads[1][0]
    return (rows * input_hw[1] + cols).astype(numpy.int64)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """The maximum of each kernel window of (N, C, H, W) or (C, H, W); stride defaults to kernel_size.

    >>> autograd.max_pool2d(autograd.randn(1, 3, 28, 28), 2).shape             # (1, 3, 14, 14)
    >>> y, idx = autograd.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    """
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
               return_indices=False):
    """The maximum of each window of (N, C, L) or (C, L).

    >>> autograd.max_pool1d(autograd.randn(2, 4, 10), 3, stride=2).shape       # (2, 4, 4)
    """
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_divisor(size, k, s, p, out, count_include_pad):
    """How many elements each window averages over, along one axis (PyTorch's rule)."""
    start = numpy.arange(out) * s - p
    end = numpy.minimum(start + k, size + p)  # windows stop at the padded border (ceil_mode overhang excluded)
    full = end - start
    real = numpy.minimum(end, size) - numpy.maximum(start, 0)
    return full if count_include_pad else real


def _avg_pool(op, spatial, input, kernel_size, stride, padding, ceil_mode, count_include_pad,  # noqa: A002
              divisor_override=None):
    _rank(op, input, spatial)
    kernel, stride, pads, dilation, out = _pool_geometry(op, input.shape, spatial, kernel_size, stride, padding,
                                                         1, ceil_mode)
    x4, lead = _prepare(input, spatial)
    data = unwrap(x4)
    if divisor_override:
        scale = numpy.full(out, 1.0 / divisor_override)
    else:
        counts = [_avg_divisor(n, k, s, p, o, count_include_pad)
                  for n, k, s, (p, _), o in zip(input.shape[-spatial:], kernel, stride, pads, out)]
        divisor = counts[0] if spatial == 1 else numpy.outer(counts[0], counts[1])
        scale = 1.0 / divisor
    scale = backend.to_device(scale.astype(data.dtype), backend.device_of(data))
    settings = (_as_2d(spatial, kernel, 1), _as_2d(spatial, stride, 1), ((0, 0),) * (2 - spatial) + pads, (1, 1))
    y = WindowReduce(*settings)(x4) * scale.reshape(out if spatial == 2 else (1, -1))
    return _finish(y, lead, spatial)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,  # noqa: A002
               divisor_override=None):
    """The mean of each kernel window of (N, C, H, W) or (C, H, W); padding counts unless count_include_pad=False.

    >>> autograd.avg_pool2d(autograd.ones(1, 1, 4, 4), 2)                        # all ones, (1, 1, 2, 2)
    """
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):  # noqa: A002
    """The mean of each window of (N, C, L) or (C, L).

    >>> autograd.avg_pool1d(autograd.arange(6.0).reshape(1, 1, 6), 2)          # [[[0.5, 2.5, 4.5]]]
    """
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode, count_include_pad)


# ---------------------------------------------------------------- adaptive pooling and interpolation


def _bins(size, out):
    """PyTorch's adaptive bins along one axis: [floor(i·n/out), ceil((i+1)·n/out))."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def _averaging_matrix(size, out, dtype):
    a = numpy.zeros((out, size), dtype=dtype)
    for i, (start, end) in enumerate(_bins(size, out)):
        a[i, start:end] = 1.0 / (end - start)
    return a


def _output_size(op, output_size, x_shape, spatial):
    sizes = _tuple(op, "output_size", output_size, spatial) if not isinstance(output_size, (list, tuple)) \
        else tuple(x_shape[-spatial + i] if v is None else int(v) for i, v in enumerate(output_size))
    if len(sizes) != spatial or min(sizes) < 1:
        raise ArgumentError(f"{op}: output_size must be {spatial} positive ints, got {output_size}")
    return sizes


def _constant_like(array, data):
    return backend.to_device(array.astype(data.dtype), backend.device_of(data))


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """Average over PyTorch's adaptive bins so that the output is (…, *output_size); 1 gives global pooling.

    >>> autograd.adaptive_avg_pool2d(autograd.randn(2, 8, 7, 5), (3, 2)).shape  # (2, 8, 3, 2)
    """
    _rank("adaptive_avg_pool2d", input, 2)
    oh, ow = _output_size("adaptive_avg_pool2d", output_size, input.shape, 2)
    data = unwrap(input)
    rows = _constant_like(_averaging_matrix(input.shape[-2], oh, numpy.float64), data)
    cols = _constant_like(_averaging_matrix(input.shape[-1], ow, numpy.float64).T, data)
    return matmul(matmul(rows, input), cols)


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    """Average over adaptive bins of (N, C, L) or (C, L).

    >>> autograd.adaptive_avg_pool1d(autograd.randn(2, 8, 10), 1).shape        # (2, 8, 1)
    """
    _rank("adaptive_avg_pool1d", input, 1)
    ol, = _output_size("adaptive_avg_pool1d", output_size, input.shape, 1)
    data = unwrap(input)
    return matmul(input, _constant_like(_averaging_matrix(input.shape[-1], ol, numpy.float64).T, data))


class PickFlat(Function):
    """y[..., j] = x[..., index[..., j]] over a flattened last axis (adaptive max pooling)."""

    formula = "∂y/∂x = g placed back at the picked positions"

    def __init__(self, index, size):
        self.index, self.size = index, size

    def forward(self, x):
        return _pick_flat(self.xp, x, self.index)

    def backward(self, grad):
        if self._create_graph:
            return PlaceFlat(self.index, self.size)(grad)
        return _place_flat(self.xp, grad, self.index, self.size)


class PlaceFlat(Function):
    """The transpose of PickFlat: picked positions receive their gradients (repeats add up)."""

    formula = "∂y/∂g = pick g at the same positions"

    def __init__(self, index, size):
        self.index, self.size = index, size

    def forward(self, grad):
        return _place_flat(self.xp, grad, self.index, self.size)

    def backward(self, grad):
        if self._create_graph:
            return PickFlat(self.index, self.size)(grad)
        return _pick_flat(self.xp, grad, self.index)


def _pick_flat(xp, x, index):
    return xp.take_along_axis(x, index, axis=-1)


def _place_flat(xp, grad, index, size):
    # one output position at a time: within one, every (n, c) row picks a single place, so
    # the indexed += never meets a repeated index (overlapping bins can repeat across positions)
    out = xp.zeros(grad.shape[:-1] + (size,), dtype=grad.dtype)
    lead = [xp.arange(n).reshape((1,) * axis + (n,) + (1,) * (grad.ndim - 2 - axis))
            for axis, n in enumerate(grad.shape[:-1])]  # open-grid indices of the leading axes
    for j in range(grad.shape[-1]):
        out[tuple(lead) + (index[..., j],)] += grad[..., j]
    return out


def adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    """The maximum over PyTorch's adaptive bins: output (…, *output_size).

    >>> autograd.adaptive_max_pool2d(autograd.randn(1, 2, 9, 9), 4).shape      # (1, 2, 4, 4)
    """
    _rank("adaptive_max_pool2d", input, 2)
    oh, ow = _output_size("adaptive_max_pool2d", output_size, input.shape, 2)
    data = unwrap(input)
    xp = backend.namespace(data)
    h, w = data.shape[-2:]
    index = xp.zeros(data.shape[:-2] + (oh * ow,), dtype=numpy.int64)
    for i, (r0, r1) in enumerate(_bins(h, oh)):
        for j, (c0, c1) in enumerate(_bins(w, ow)):
            block = data[..., r0:r1, c0:c1].reshape(data.shape[:-2] + (-1,))
            best = block.argmax(axis=-1)  # the first maximum, as PyTorch
            index[..., i * ow + j] = (r0 + best // (c1 - c0)) * w + c0 + best % (c1 - c0)
    flat = reshape(input, tuple(data.shape[:-2]) + (h * w,))
    y = reshape(PickFlat(index, h * w)(flat), tuple(data.shape[:-2]) + (oh, ow))
    return (y, Tensor(index.reshape(y.shape))) if return_indices else y


def _interpolation_matrix(size, out, mode, scale):
    """Rows mixing input positions into output ones (PyTorch's half-pixel rule, align_corners=False)."""
    a = numpy.zeros((out, size))
    step = 1.0 / scale if scale else size / out
    for i in range(out):
        if mode == "nearest":
            a[i, min(int(math.floor(i * step)), size - 1)] = 1.0
        else:  # linear
            source = max((i + 0.5) * step - 0.5, 0.0)
            lo = min(int(math.floor(source)), size - 1)
            hi = min(lo + 1, size - 1)
            frac = source - lo
            a[i, lo] += 1.0 - frac
            a[i, hi] += frac
    return a


def interpolate(input, size=None, scale_factor=None, mode="nearest"):  # noqa: A002
    """Resize the spatial axes of (N, C, L) or (N, C, H, W): mode 'nearest', 'linear' or 'bilinear'.

    >>> autograd.interpolate(autograd.randn(1, 3, 4, 4), scale_factor=2).shape     # (1, 3, 8, 8)
    """
    if input.ndim not in (3, 4):
        raise ShapeError(f"interpolate: expected a 3-D or 4-D input (N, C, ...), got shape {tuple(input.shape)}")
    spatial = input.ndim - 2
    allowed = {1: ("nearest", "linear"), 2: ("nearest", "bilinear")}[spatial]
    if mode not in allowed:
        raise ArgumentError(f"interpolate: mode {mode!r} is not available for {input.ndim}-D input; use one of {allowed}")
    if (size is None) == (scale_factor is None):
        raise ArgumentError("interpolate: give exactly one of size and scale_factor")
    in_sizes = tuple(input.shape[2:])
    if size is not None:
        sizes, scales = _tuple("interpolate", "size", size, spatial), (None,) * spatial
    else:
        scales = tuple(float(v) for v in numpy.broadcast_to(scale_factor, (spatial,)))
        sizes = tuple(int(math.floor(n * s)) for n, s in zip(in_sizes, scales))
    data = unwrap(input)
    mats = [_constant_like(_interpolation_matrix(n, o, "nearest" if mode == "nearest" else "linear", s), data)
            for n, o, s in zip(in_sizes, sizes, scales)]
    if spatial == 1:
        return matmul(input, mats[0].T)
    return matmul(matmul(mats[0], input), mats[1].T)


# ---------------------------------------------------------------- unfold / fold (im2col as an op)


def _unfold_settings(op, kernel_size, dilation, padding, stride):
    kernel = _tuple(op, "kernel_size", kernel_size, 2)
    dilation, padding, stride = (_tuple(op, n, v, 2) for n, v in
                                 (("dilation", dilation), ("padding", padding), ("stride", stride)))
    return kernel, dilation, padding, stride


def _selection_weight(channels, kernel, data):
    """(C·kh·kw, 1, kh, kw) one-hot kernels: grouped conv with it copies each window position out."""
    kk = kernel[0] * kernel[1]
    eye = numpy.eye(kk).reshape(kk, 1, kernel[0], kernel[1])
    return _constant_like(numpy.tile(eye, (channels, 1, 1, 1)), data)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    """im2col: the sliding windows of (N, C, H, W) as columns (N, C·kh·kw, L), as torch's F.unfold.

    >>> autograd.unfold(autograd.randn(2, 3, 5, 5), 3).shape                     # (2, 27, 9)
    """
    if input.ndim != 4:
        raise ShapeError(f"unfold: expected a 4-D input (N, C, H, W), got shape {tuple(input.shape)}")
    kernel, dilation, padding, stride = _unfold_settings("unfold", kernel_size, dilation, padding, stride)
    n, c = input.shape[:2]
    for size, k, d, p in zip(input.shape[2:], kernel, dilation, padding):
        if d * (k - 1) + 1 > size + 2 * p:
            raise ShapeError(f"unfold: the kernel {kernel} is larger than the padded input {tuple(input.shape)}")
    data = unwrap(input)
    y = Conv(stride, tuple((p, p) for p in padding), dilation, c)(input, _selection_weight(c, kernel, data))
    return reshape(y, (n, y.shape[1], -1))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    """col2im: sum columns (N, C·kh·kw, L) back into (N, C, *output_size), as torch's F.fold.

    >>> autograd.fold(autograd.unfold(x, 2, stride=2), (4, 4), 2, stride=2)   # x again, for non-overlapping windows
    """
    if input.ndim != 3:
        raise ShapeError(f"fold: expected a 3-D input (N, C·kh·kw, L), got shape {tuple(input.shape)}")
    kernel, dilation, padding, stride = _unfold_settings("fold", kernel_size, dilation, padding, stride)
    out = _tuple("fold", "output_size", output_size, 2)
    kk = kernel[0] * kernel[1]
    n, ckk, length = input.shape
    blocks = [(o + 2 * p - d * (k - 1) - 1) // s + 1 for o, p, d, k, s in zip(out, padding, dilation, kernel, stride)]
    if ckk % kk or blocks[0] * blocks[1] != length or min(blocks) < 1:
        raise ShapeError(f"fold: input {tuple(input.shape)} does not fit kernel {kernel} and output {out} "
                         f"({blocks[0]}×{blocks[1]} blocks of {kk} values per channel expected)")
    c = ckk // kk
    data = unwrap(input)
    x = reshape(input, (n, ckk, blocks[0], blocks[1]))
    full = [(b - 1) * s + d * (k - 1) + 1 for b, s, d, k in zip(blocks, stride, dilation, kernel)]
    pads = tuple((p, f - p - o) for p, f, o in zip(padding, full, out))
    return ConvTranspose(stride, pads, dilation, c)(x, _selection_weight(c, kernel, data))


# ---------------------------------------------------------------- batch norm and channel dropout


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,  # noqa: A002
               eps=1e-5):
    """Normalise each channel (axis 1) of (N, C, ...) input, as torch's F.batch_norm.

    training=True uses the batch statistics and updates running_mean/var in place (when given) with
    running = (1 - momentum)·running + momentum·batch (unbiased variance); otherwise the running ones.

    >>> y = autograd.batch_norm(x, None, None, training=True)                    # per-channel zero mean
    """
    if input.ndim < 2:
        raise ShapeError(f"batch_norm: expected an input (N, C, ...), got shape {tuple(input.shape)}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(f"batch_norm: {name} must have shape ({c},) for input {tuple(input.shape)}, "
                             f"got {tuple(t.shape)}")
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, c) + (1,) * (input.ndim - 2)
    if training or running_mean is None or running_var is None:
        count = input.numel() // c
        if training and count <= 1:
            raise ShapeError(f"batch_norm: expected more than 1 value per channel when training, got input "
                             f"{tuple(input.shape)}")
        mean = input.mean(axis=axes, keepdims=True)
        centered = input - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        if training and running_mean is not None and running_var is not None:
            with no_grad():
                unbiased = var.data.reshape(-1) * (count / max(count - 1, 1))
                running_mean.data[...] = (1 - momentum) * running_mean.data + momentum * mean.data.reshape(-1)
                running_var.data[...] = (1 - momentum) * running_var.data + momentum * unbiased
    else:
        centered = input - reshape(running_mean, shape)
        var = reshape(running_var, shape)
    y = centered / (var + eps) ** 0.5
    if weight is not None:
        y = y * reshape(weight, shape)
    if bias is not None:
        y = y + reshape(bias, shape)
    return y


def dropout2d(input, p=0.5, training=True):  # noqa: A002
    """Zero whole channels of (N, C, H, W) or (C, H, W) with probability p and scale the rest by 1/(1-p).

    >>> autograd.dropout2d(autograd.ones(2, 4, 3, 3), p=0.5).sum(axis=(2, 3))   # each channel 0 or 18
    """
    if not 0.0 <= p <= 1.0:
        raise ArgumentError(f"dropout2d: p must be in [0, 1], got {p}")
    if input.ndim not in (3, 4):
        raise ShapeError(f"dropout2d: expected a 3-D or 4-D input, got shape {tuple(input.shape)}")
    if not training or p == 0:
        return input * 1.0
    data = unwrap(input)
    mask_shape = tuple(input.shape[:-2]) + (1, 1)
    if p == 1:
        return input * backend.namespace(data).zeros(mask_shape, dtype=data.dtype)
    from .nn import _random_uniform

    keep = (_random_uniform(mask_shape, data) >= p).astype(data.dtype) * (1.0 / (1.0 - p))
    return input * keep


# ---------------------------------------------------------------- independent references (loops over windows)


def _np_pool_reference(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, reduce="max",
                       count_include_pad=True, divisor_override=None, return_indices=False):
    """Pooling by an explicit loop over output positions (slow, obviously right)."""
    spatial = 2 if reduce.endswith("2d") else 1
    reduce = reduce.replace("2d", "").replace("1d", "")
    x2 = x.reshape(x.shape[:-1] + (1, x.shape[-1])) if spatial == 1 else x
    k = numpy.broadcast_to(kernel_size, (spatial,)).tolist()
    s = k if stride is None else numpy.broadcast_to(stride, (spatial,)).tolist()
    p = numpy.broadcast_to(padding, (spatial,)).tolist()
    d = numpy.broadcast_to(dilation, (spatial,)).tolist()
    if spatial == 1:
        k, s, p, d = [1] + k, [1] + s, [0] + p, [1] + d
    h, w = x2.shape[-2:]
    outs = []
    for n, kk, ss, pp, dd in zip((h, w), k, s, p, d):
        span = n + 2 * pp - dd * (kk - 1) - 1
        o = (-(-span // ss) if ceil_mode else span // ss) + 1
        if ceil_mode and (o - 1) * ss >= n + pp:
            o -= 1
        outs.append(o)
    y = numpy.zeros(x2.shape[:-2] + tuple(outs))
    idx = numpy.zeros(y.shape, dtype=numpy.int64)
    for a in range(outs[0]):
        for b in range(outs[1]):
            rows = [a * s[0] - p[0] + i * d[0] for i in range(k[0])]
            cols = [b * s[1] - p[1] + j * d[1] for j in range(k[1])]
            inside_r = [r for r in rows if 0 <= r < h]
            inside_c = [c for c in cols if 0 <= c < w]
            block = x2[..., inside_r, :][..., inside_c]
            if reduce == "max":
                flat = block.reshape(block.shape[:-2] + (-1,))
                y[..., a, b] = flat.max(axis=-1)
                best = flat.argmax(axis=-1)
                idx[..., a, b] = numpy.asarray(inside_r)[best // len(inside_c)] * w + numpy.asarray(inside_c)[
                    best % len(inside_c)]
            else:
                padded_r = [r for r in rows if -p[0] <= r < h + p[0]]
                padded_c = [c for c in cols if -p[1] <= c < w + p[1]]
                count = (divisor_override or (len(padded_r) * len(padded_c) if count_include_pad
                                              else len(inside_r) * len(inside_c)))
                y[..., a, b] = block.sum(axis=(-2, -1)) / count
    if spatial == 1:
        y, idx = y[..., 0, :], idx[..., 0, :]
    return (y, idx) if return_indices else y


def _np_max_pool(dims):
    return lambda x, *args, **kw: _np_pool_reference(x, *args, reduce=f"max{dims}", **kw)


def _np_avg_pool(dims):
    return lambda x, *args, **kw: _np_pool_reference(x, *args, reduce=f"avg{dims}", **kw)


def _np_adaptive(x, output_size, reduce="avg", return_indices=False):
    spatial = 1 if reduce.endswith("1d") else 2
    sizes = numpy.broadcast_to(output_size, (spatial,)).tolist()
    x2 = x[..., None, :] if spatial == 1 else x
    sizes = [1] + sizes if spatial == 1 else sizes
    h, w = x2.shape[-2:]
    y = numpy.zeros(x2.shape[:-2] + tuple(sizes))
    for i in range(sizes[0]):
        for j in range(sizes[1]):
            r0, r1 = int(math.floor(i * h / sizes[0])), int(math.ceil((i + 1) * h / sizes[0]))
            c0, c1 = int(math.floor(j * w / sizes[1])), int(math.ceil((j + 1) * w / sizes[1]))
            block = x2[..., r0:r1, c0:c1]
            y[..., i, j] = block.max(axis=(-2, -1)) if reduce.startswith("max") else block.mean(axis=(-2, -1))
    return y[..., 0, :] if spatial == 1 else y


def _np_interpolate(x, size=None, scale_factor=None, mode="nearest"):
    """Interpolation by its per-pixel definition (half-pixel centres, align_corners=False)."""
    spatial = x.ndim - 2
    ins = x.shape[2:]
    if size is not None:
        outs, steps = numpy.broadcast_to(size, (spatial,)).tolist(), [n / o for n, o in
                                                                      zip(ins, numpy.broadcast_to(size, (spatial,)))]
    else:
        sc = numpy.broadcast_to(scale_factor, (spatial,)).tolist()
        outs, steps = [int(math.floor(n * s)) for n, s in zip(ins, sc)], [1.0 / s for s in sc]
    y = x
    for axis, (n, o, step) in enumerate(zip(ins, outs, steps)):
        axis += 2
        parts = []
        for i in range(o):
            if mode == "nearest":
                parts.append(numpy.take(y, [min(int(math.floor(i * step)), n - 1)], axis=axis))
            else:
                src = max((i + 0.5) * step - 0.5, 0.0)
                lo = min(int(math.floor(src)), n - 1)
                hi = min(lo + 1, n - 1)
                f = src - lo
                parts.append((1 - f) * numpy.take(y, [lo], axis=axis) + f * numpy.take(y, [hi], axis=axis))
        y = numpy.concatenate(parts, axis=axis)
    return y


def _np_unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    k, d, p, s = (numpy.broadcast_to(v, (2,)).tolist() for v in (kernel_size, dilation, padding, stride))
    xp_ = numpy.pad(x, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])])
    oh = (xp_.shape[2] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (xp_.shape[3] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    cols = numpy.zeros((x.shape[0], x.shape[1], k[0], k[1], oh, ow))
    for a in range(oh):
        for b in range(ow):
            for i in range(k[0]):
                for j in range(k[1]):
                    cols[:, :, i, j, a, b] = xp_[:, :, a * s[0] + i * d[0], b * s[1] + j * d[1]]
    return cols.reshape(x.shape[0], -1, oh * ow)


def _np_fold(cols, output_size, kernel_size, dilation=1, padding=0, stride=1):
    k, d, p, s = (numpy.broadcast_to(v, (2,)).tolist() for v in (kernel_size, dilation, padding, stride))
    out = numpy.broadcast_to(output_size, (2,)).tolist()
    n, ckk, _ = cols.shape
    c = ckk // (k[0] * k[1])
    oh = (out[0] + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (out[1] + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    canvas = numpy.zeros((n, c, out[0] + 2 * p[0], out[1] + 2 * p[1]))
    blocks = cols.reshape(n, c, k[0], k[1], oh, ow)
    for a in range(oh):
        for b in range(ow):
            for i in range(k[0]):
                for j in range(k[1]):
                    canvas[:, :, a * s[0] + i * d[0], b * s[1] + j * d[1]] += blocks[:, :, i, j, a, b]
    return canvas[:, :, p[0]:p[0] + out[0], p[1]:p[1] + out[1]]


def _np_batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if training or running_mean is None:
        mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    y = (x - mean) / numpy.sqrt(var + eps)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


# ---------------------------------------------------------------- declarations


def _max_pool2d_samples(rng):
    d = distinct  # no ties: the max is differentiable
    return [Sample((d(rng, (2, 2, 4, 4)), 2), {}, "2x2"),
            Sample((d(rng, (1, 2, 5, 5)), 3), {"stride": 2, "padding": 1}, "overlapping, padded"),
            Sample((d(rng, (1, 1, 5, 6)), 2), {"stride": 2, "ceil_mode": True}, "ceil_mode"),
            Sample((d(rng, (1, 1, 6, 6)), 2), {"dilation": 2, "stride": 1}, "dilation"),
            Sample((d(rng, (2, 5, 4)), (2, 3)), {"stride": (1, 2)}, "unbatched, rectangular"),
            Sample((d(rng, (1, 2, 4, 4)), 2), {"return_indices": True}, "return_indices")]


def _max_pool1d_samples(rng):
    d = distinct
    return [Sample((d(rng, (2, 2, 6)), 2), {}, "k 2"),
            Sample((d(rng, (1, 2, 7)), 3), {"stride": 2, "padding": 1, "ceil_mode": True}, "ceil, padded"),
            Sample((d(rng, (2, 7)), 2), {"dilation": 2, "return_indices": True}, "unbatched, indices")]


def _avg_pool2d_samples(rng):
    u = uniform
    return [Sample((u(rng, (2, 2, 4, 4)), 2), {}, "2x2"),
            Sample((u(rng, (1, 2, 5, 5)), 3), {"stride": 2, "padding": 1}, "padded"),
            Sample((u(rng, (1, 2, 5, 5)), 3), {"stride": 2, "padding": 1, "count_include_pad": False},
                   "count_include_pad=False"),
            Sample((u(rng, (1, 1, 5, 6)), 2), {"ceil_mode": True, "padding": 1}, "ceil_mode"),
            Sample((u(rng, (1, 1, 4, 4)), 2), {"divisor_override": 3}, "divisor_override"),
            Sample((u(rng, (2, 5, 4)), (2, 3)), {"stride": 1}, "unbatched")]


def _avg_pool1d_samples(rng):
    u = uniform
    return [Sample((u(rng, (2, 2, 6)), 2), {}, "k 2"),
            Sample((u(rng, (1, 2, 7)), 3), {"stride": 2, "padding": 1, "ceil_mode": True,
                                           "count_include_pad": False}, "ceil, padded, exclude pad")]


def _pool_errors(op, spatial):
    def errors(rng):
        x = uniform(rng, (1, 2) + (3,) * spatial)
        return [ErrorInput(Sample((x, 5)), ShapeError, rf"{op}: the kernel .* larger than the padded input"),
                ErrorInput(Sample((uniform(rng, (3,) * (spatial + 3)), 2)), ShapeError,
                           rf"{op}: expected a {spatial + 2}-D input"),
                ErrorInput(Sample((x, 2), {"padding": 2}), ArgumentError, rf"{op}: padding .* at most half")]

    return errors


def _adaptive_samples(spatial):
    def samples(rng):
        if spatial == 1:
            return [Sample((uniform(rng, (2, 2, 7)), 3)), Sample((uniform(rng, (2, 5)), 1), {}, "unbatched, global")]
        return [Sample((uniform(rng, (2, 2, 5, 7)), (2, 3)), {}, "overlapping bins"),
                Sample((uniform(rng, (1, 3, 4, 4)), 1), {}, "global"),
                Sample((uniform(rng, (2, 6, 6)), (3, None)), {}, "unbatched, None keeps a side")]

    return samples


def _adaptive_max_samples(rng):
    return [Sample((distinct(rng, (2, 2, 5, 7)), (2, 3)), {}, "overlapping bins"),
            Sample((distinct(rng, (1, 2, 4, 4)), 2), {}, "even bins")]


def _interpolate_samples(rng):
    u = uniform
    return [Sample((u(rng, (1, 2, 3, 2)),), {"scale_factor": 2}, "nearest x2"),
            Sample((u(rng, (1, 1, 4, 5)),), {"size": (3, 7)}, "nearest to a size"),
            Sample((u(rng, (1, 2, 3, 3)),), {"scale_factor": 2, "mode": "bilinear"}, "bilinear x2"),
            Sample((u(rng, (1, 1, 5, 4)),), {"size": (3, 6), "mode": "bilinear"}, "bilinear to a size"),
            Sample((u(rng, (2, 2, 4)),), {"size": 7, "mode": "linear"}, "linear 1-D")]


def _unfold_samples(rng):
    u = uniform
    return [Sample((u(rng, (2, 2, 4, 4)), 2), {}, "2x2"),
            Sample((u(rng, (1, 2, 5, 4)), (2, 3)), {"stride": 2, "padding": 1, "dilation": (2, 1)}, "all settings")]


def _fold_samples(rng):
    u = uniform
    return [Sample((u(rng, (2, 8, 9)), (4, 4), 2), {}, "overlapping"),
            Sample((u(rng, (1, 12, 6)), (5, 4), (2, 3)), {"stride": 2, "padding": 1, "dilation": (2, 1)},
                   "all settings")]


def _batch_norm_samples(rng):
    u = uniform
    mean, var = u(rng, (3,)), uniform(rng, (3,), 0.5, 2.0)
    return [Sample((u(rng, (4, 3, 2, 2)), None, None), {"training": True}, "batch statistics"),
            Sample((u(rng, (4, 3, 2, 2)), None, None, u(rng, (3,)), u(rng, (3,))), {"training": True}, "affine"),
            Sample((u(rng, (2, 3, 5)), mean, var, u(rng, (3,)), u(rng, (3,))), {"training": False},
                   "running statistics")]


def _errors(*cases):
    """error_inputs from (args, kwargs, error, regex) rows; float arrays are drawn from rng."""
    def errors(rng):
        return [ErrorInput(Sample(tuple(uniform(rng, a) if isinstance(a, list) else a for a in args), kwargs),
                           error, match) for args, kwargs, error, match in cases]
    return errors


_ADAPTIVE2D_ERRORS = _errors(
    (([1, 2, 3, 3, 3], 2), {}, ShapeError, r"adaptive_avg_pool2d: expected a 4-D input"),
    (([1, 2, 4, 4], 0), {}, ArgumentError, r"adaptive_avg_pool2d: output_size must be 2 positive ints"))
_ADAPTIVE1D_ERRORS = _errors(
    (([1, 2, 3, 3], 2), {}, ShapeError, r"adaptive_avg_pool1d: expected a 3-D input"),
    (([1, 2, 4], 0), {}, ArgumentError, r"adaptive_avg_pool1d: output_size must be 1 positive ints"))
_ADAPTIVE_MAX_ERRORS = _errors(
    (([2, 3], 1), {}, ShapeError, r"adaptive_max_pool2d: expected a 4-D input"),
    (([1, 2, 4, 4], (0, 2)), {}, ArgumentError, r"adaptive_max_pool2d: output_size must be 2 positive ints"))
_INTERPOLATE_ERRORS = _errors(
    (([4, 4],), {"scale_factor": 2}, ShapeError, r"interpolate: expected a 3-D or 4-D input"),
    (([1, 1, 4, 4],), {"scale_factor": 2, "size": 3}, ArgumentError, r"interpolate: give exactly one"),
    (([1, 1, 4, 4],), {"scale_factor": 2, "mode": "bicubic"}, ArgumentError, r"interpolate: mode 'bicubic'"))
_UNFOLD_ERRORS = _errors(
    (([2, 4, 4], 2), {}, ShapeError, r"unfold: expected a 4-D input"),
    (([1, 2, 3, 3], 4), {}, ShapeError, r"unfold: the kernel \(4, 4\) is larger"))
_FOLD_ERRORS = _errors(
    (([1, 8, 3, 3], (4, 4), 2), {}, ShapeError, r"fold: expected a 3-D input"),
    (([1, 8, 8], (4, 4), 2), {}, ShapeError, r"fold: input \(1, 8, 8\) does not fit"))
_BATCH_NORM_ERRORS = _errors(
    (([3], None, None), {"training": True}, ShapeError, r"batch_norm: expected an input \(N, C, \.\.\.\)"),
    (([2, 3, 2], [2], [3]), {}, ShapeError, r"batch_norm: running_mean must have shape \(3,\)"),
    (([1, 3], None, None), {"training": True}, ShapeError, r"batch_norm: expected more than 1 value per channel"))
_DROPOUT2D_ERRORS = _errors(
    (([2, 3, 2, 2],), {"p": 1.5}, ArgumentError, r"dropout2d: p must be in \[0, 1\]"),
    (([2, 3],), {}, ShapeError, r"dropout2d: expected a 3-D or 4-D input"))


_MAX_FORMULA = "∂y/∂x = g at each window's maximum, 0 elsewhere"
_AVG_FORMULA = "∂y/∂x = g / (window size), spread over each window"


declare("max_pool2d", max_pool2d, _np_max_pool("2d"), _max_pool2d_samples, error_inputs=_pool_errors("max_pool2d", 2),
        formula=_MAX_FORMULA)
declare("max_pool1d", max_pool1d, _np_max_pool("1d"), _max_pool1d_samples, error_inputs=_pool_errors("max_pool1d", 1),
        formula=_MAX_FORMULA)
declare("avg_pool2d", avg_pool2d, _np_avg_pool("2d"), _avg_pool2d_samples, error_inputs=_pool_errors("avg_pool2d", 2),
        formula=_AVG_FORMULA)
declare("avg_pool1d", avg_pool1d, _np_avg_pool("1d"), _avg_pool1d_samples, error_inputs=_pool_errors("avg_pool1d", 1),
        formula=_AVG_FORMULA)
declare("adaptive_avg_pool2d", adaptive_avg_pool2d, lambda x, o: _np_adaptive(x, _sizes_for(x, o), "avg2d"),
        _adaptive_samples(2), error_inputs=_ADAPTIVE2D_ERRORS)
declare("adaptive_avg_pool1d", adaptive_avg_pool1d, lambda x, o: _np_adaptive(x, o, "avg1d"), _adaptive_samples(1),
        error_inputs=_ADAPTIVE1D_ERRORS)
declare("adaptive_max_pool2d", adaptive_max_pool2d, lambda x, o: _np_adaptive(x, o, "max2d"), _adaptive_max_samples,
        error_inputs=_ADAPTIVE_MAX_ERRORS,
        formula="∂y/∂x = g at each bin's maximum, 0 elsewhere")
declare("interpolate", interpolate, _np_interpolate, _interpolate_samples, error_inputs=_INTERPOLATE_ERRORS)
declare("unfold", unfold, _np_unfold, _unfold_samples, error_inputs=_UNFOLD_ERRORS,
        formula="∂y/∂x = fold(g): the columns summed back (col2im)")
declare("fold", fold, _np_fold, _fold_samples, error_inputs=_FOLD_ERRORS,
        formula="∂y/∂x = unfold(g): g's windows as columns (im2col)")
declare("batch_norm", batch_norm, _np_batch_norm, _batch_norm_samples, error_inputs=_BATCH_NORM_ERRORS,
        formula="x̂ = (x - μ) / σ,  y = γ x̂ + β\n∂y/∂x = γ (g - mean g - x̂ mean(g x̂)) / σ (training)")
# Dropout2d is random while training: its declared forms are the deterministic ones (the channel
# masks are checked in tests/test_conv.py).
declare("dropout2d", dropout2d, lambda x, p=0.5, training=True: x,
        lambda rng: [Sample((uniform(rng, (2, 3, 2, 2)),), {"training": False}, "evaluation"),
                     Sample((uniform(rng, (3, 2, 2)),), {"p": 0.0}, "p = 0")],
        error_inputs=_DROPOUT2D_ERRORS)


def _sizes_for(x, output_size):
    if isinstance(output_size, tuple):
        return tuple(x.shape[-2 + i] if v is None else v for i, v in enumerate(output_size))
    return output_size
