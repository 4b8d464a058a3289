"""Convolutions: conv1d, conv2d and their transposes, as im2col + GEMM.

A convolution reads, for every output pixel, a k×k window of the padded input.
`im2col` lays those windows out as the columns of a matrix *without a loop
over pixels*: for each of the kh·kw kernel offsets, one strided slice of the
(channels-first) padded input is copied into its block of rows. Then the
convolution is a matrix product with the (O, C·kh·kw) weight, batched over the
images so that the product lands in the output's own layout:

    x (N,C,H,W) ──pad──► columns (C·kh·kw, m, Ho·Wo) ──W @ (each image)──► y (N,O,Ho·Wo)

On CPU the batch goes m images at a time, so that each step's columns are
multiplied while they are still in the cache (the whole column matrix is never
written out, nor kept for the backward pass: the weight gradient builds it again,
step by step). The transpose (col2im) goes back: for each kernel offset, Wᵀ's
block for that offset times the input, added with one strided slice where it
lands in the output; kh·kw strided adds and never `np.add.at`.

Three ops are closed under differentiation, so a CNN is twice differentiable:

    Conv(x, W)          ∂/∂x = ConvTranspose(g, W)     ∂/∂W = ConvWeightGrad(x, g)
    ConvTranspose(x, W) ∂/∂x = Conv(g, W)              ∂/∂W = ConvWeightGrad(g, x)
    ConvWeightGrad(x,g) ∂/∂x = ConvTranspose(g, gW)    ∂/∂g = Conv(x, gW)

Everything is written for two spatial axes; the 1-D ops add a unit height.

    >>> y = autograd.conv2d(x, W, b, stride=1, padding=1)      # x (N,C,H,W), W (O,C,3,3)
    >>> y = autograd.conv_transpose2d(y, W2, stride=2)         # upsampling, as PyTorch
"""
import numpy

from ..errors import ShapeError, ArgumentError
from ..graph import Function
from .arguments import same_device
from .registry import declare, Sample, ErrorInput, uniform
from .shape import reshape

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]


# ---------------------------------------------------------------- array kernels (NumPy or CuPy)


def _as_strided(xp, array, shape, strides):
    """A strided view of `array` from its own array module (NumPy's or CuPy's stride_tricks)."""
    return xp.lib.stride_tricks.as_strided(array, shape=shape, strides=strides)


def _pad_or_crop(xp, x, pads, value=0):
    """Pad the last two axes with `value` by pads ((top, bottom), (left, right)); negative amounts crop."""
    if pads == ((0, 0), (0, 0)):
        return x
    crop = tuple(slice(max(-before, 0), size - max(-after, 0))
                 for (before, after), size in zip(pads, x.shape[-2:]))
    x = x[(Ellipsis,) + crop]
    grow = tuple((max(before, 0), max(after, 0)) for before, after in pads)
    if grow == ((0, 0), (0, 0)):
        return x
    out = xp.full(x.shape[:-2] + tuple(n + b + a for n, (b, a) in zip(x.shape[-2:], grow)), value, dtype=x.dtype)
    out[(Ellipsis,) + tuple(slice(b, b + n) for n, (b, _) in zip(x.shape[-2:], grow))] = x
    return out


def _windows(xp, x, kernel, stride, dilation):
    """The (N, C, kh, kw, Ho, Wo) view of every kernel window of x (N, C, H, W): no copy."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    ho = (h - dh * (kh - 1) - 1) // sh + 1
    wo = (w - dw * (kw - 1) - 1) // sw + 1
    s_n, s_c, s_h, s_w = x.strides
    return _as_strided(xp, x, (n, c, kh, kw, ho, wo), (s_n, s_c, s_h * dh, s_w * dw, s_h * sh, s_w * sw))


def _columns_by_steps(xp, x, kernel, stride, pads, dilation, ones_row=False):
    """im2col, a few images at a time: ((Ho, Wo), steps), where `steps` yields (images, columns).

    `images` is a slice of the batch and `columns` its (C·kh·kw, m, Ho·Wo) im2col matrix: row
    (c, i, j) holds, for each of the m images and output pixel, the input value under kernel
    offset (i, j) of channel c; each group's input is a block of C/groups·kh·kw rows. The
    buffer is overwritten by the next step: a step's columns are used while they are still in
    the CPU cache and never all written out (measured faster on CPU, and the (C·kh·kw, N·Ho·Wo)
    matrix, C·kh·kw numbers per output pixel, is never held). Each step is kh·kw slice copies of the
    channels-first padded input (strided views whose rows are contiguous).

    `ones_row` appends a last row of ones: with the bias as the weight's last column, the forward
    GEMM then adds the bias and the weight-gradient GEMM returns the bias gradient, for free.
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    padded = _pad_or_crop(xp, x.transpose(1, 0, 2, 3), pads)  # (C, N, Hp, Wp)
    c, n, hp, wp = padded.shape
    ho, wo = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    rows = c * kh * kw

    def steps():
        step = _images_per_step(xp, n, rows * ho * wo, 2 ** 19)
        cols = None
        for start in range(0, n, step):
            images = slice(start, min(start + step, n))
            if cols is None or cols.shape[1] != images.stop - start:  # the first and a short last step
                cols = xp.empty((rows + int(ones_row), images.stop - start, ho * wo), dtype=x.dtype)
                if ones_row:
                    cols[rows] = 1
            blocks = cols[:rows].reshape(c, kh, kw, -1, ho, wo)  # a view: the leading rows are contiguous
            for i in range(kh):
                for j in range(kw):
                    blocks[:, i, j] = padded[:, images, i * dh:i * dh + (ho - 1) * sh + 1:sh,
                                             j * dw:j * dw + (wo - 1) * sw + 1:sw]
            yield images, cols

    return (ho, wo), steps()


def _per_image_matmul(xp, w2, cols, groups, out):
    """out (N, O, L) = W (O, R/groups) times every image's block of columns (R, N, L), block-diagonal over groups.

    Each image's (R, L) slice of the columns is a strided matrix that BLAS takes as it is, so the
    product lands batch-first (the (N, O, H, W) layout of the output) with no transposing copy;
    measured as fast as one (O, R) @ (R, N·L) GEMM on CPU.
    """
    rows, n, length = cols.shape
    out_channels = w2.shape[0]
    per_group = cols.reshape(groups, rows // groups, n, length).transpose(2, 0, 1, 3)  # (N, G, R/G, L)
    xp.matmul(w2.reshape(groups, out_channels // groups, -1), per_group,
              out=out.reshape(n, groups, out_channels // groups, length))


def _landing(size, out_size, offset, stride):
    """(input slice, output slice) of the input positions p whose output position p·stride + offset is in
    [0, out_size); None when none is."""
    low = max(0, -(offset // stride))
    high = min(size, (out_size - 1 - offset) // stride + 1)
    if high <= low:
        return None
    return slice(low, high), slice(low * stride + offset, (high - 1) * stride + offset + 1, stride)


def _images_per_step(xp, n, floats_per_image, budget):
    """Images per step of a loop over the batch, so that a step's arrays (about `budget` numbers)
    stay in the CPU's cache. On a GPU (any namespace but NumPy) the whole batch is one step:
    there, fewer launches win."""
    if xp is not numpy:
        return n
    return max(1, min(n, budget // max(floats_per_image, 1)))


def _conv(xp, x, weight, bias, stride, pads, dilation, groups):
    """y = conv(x, W) + b: a few images at a time, im2col and a batched GEMM landing in (N, O, Ho·Wo).

    Without groups the bias rides in the GEMM (see _columns_by_steps)."""
    n = x.shape[0]
    out_channels, _, kh, kw = weight.shape
    fuse_bias = bias is not None and groups == 1
    (ho, wo), steps = _columns_by_steps(xp, x, (kh, kw), stride, pads, dilation, ones_row=fuse_bias)
    w2 = weight.reshape(out_channels, -1)
    if fuse_bias:
        w2 = xp.concatenate([w2, bias.reshape(-1, 1).astype(w2.dtype, copy=False)], axis=1)
    y = xp.empty((n, out_channels, ho * wo), dtype=xp.result_type(w2.dtype, x.dtype))
    for images, cols in steps:
        _per_image_matmul(xp, w2, cols, groups, out=y[images])
    y = y.reshape(n, out_channels, ho, wo)
    if bias is not None and not fuse_bias:
        y += bias.reshape(1, -1, 1, 1)
    return y


def _conv_transpose(xp, x, weight, bias, stride, pads, dilation, groups):
    """The adjoint of `_conv` with the same settings: every input pixel spreads Wᵀx over the pixels its kernel covers.

    For each kernel offset (i, j), one batched GEMM W[:, :, i, j]ᵀ @ x gives that offset's share
    at every input pixel, added with one strided slice to where it lands in the (cropped) output;
    what lands in the padding falls away. This is col2im without its (C·kh·kw, N·H·W) column
    matrix: the images go a few at a time, so each share is added while it is still in the cache
    (measured 2x faster than one GEMM and then col2im on CPU). With row stride 1 the kernel's
    rows are summed inside the GEMM instead (see _add_by_kernel_columns).
    """
    n, in_channels, h, w = x.shape
    _, out_per_group, kh, kw = weight.shape
    out_channels = out_per_group * groups
    (sh, sw), (dh, dw), ((top, bottom), (left, right)) = stride, dilation, pads
    out_h = (h - 1) * sh + dh * (kh - 1) + 1 - top - bottom
    out_w = (w - 1) * sw + dw * (kw - 1) + 1 - left - right
    y = xp.zeros((n, out_channels, out_h, out_w), dtype=xp.result_type(weight.dtype, x.dtype))
    columns = [_landing(w, out_w, j * dw - left, sw) for j in range(kw)]
    if sh == 1:
        _add_by_kernel_columns(xp, y, x, weight, top, dh, columns, groups)
    else:
        _add_by_kernel_offsets(xp, y, x, weight, top, stride, dilation, columns, groups)
    if bias is not None:
        y += bias.reshape(1, -1, 1, 1)
    return y


def _add_by_kernel_offsets(xp, y, x, weight, top, stride, dilation, columns, groups):
    """y += conv_transpose(x, W), one GEMM and one strided add per kernel offset, a few images at a time."""
    n, in_channels, h, w = x.shape
    _, out_per_group, kh, kw = weight.shape
    out_channels = y.shape[1]
    # per offset, each group's (C_out/G, C_in/G) block of Wᵀ
    shares = xp.ascontiguousarray(
        weight.reshape(groups, in_channels // groups, out_per_group, kh, kw).transpose(3, 4, 0, 2, 1))
    x_groups = x.reshape(n, groups, in_channels // groups, h * w)
    rows = [_landing(h, y.shape[2], i * dilation[0] - top, stride[0]) for i in range(kh)]
    step = _images_per_step(xp, n, out_channels * h * w, 2 ** 16)
    for start in range(0, n, step):
        images = slice(start, start + step)
        for i, row in enumerate(rows):
            for j, column in enumerate(columns):
                if row is None or column is None:
                    continue
                share = xp.matmul(shares[i, j], x_groups[images]).reshape(-1, out_channels, h, w)
                y[images, :, row[1], column[1]] += share[:, :, row[0], column[0]]


def _add_by_kernel_columns(xp, y, x, weight, top, dh, columns, groups):
    """y += conv_transpose(x, W) for row stride 1: one GEMM and one strided add per kernel column.

    With row stride 1, kernel row i moves the input down by i·dh - top rows: in a copy of x padded
    with zero rows, that shift is one contiguous slice. Stacking the kh shifted slices makes the
    sum over kernel rows part of the GEMM (kh·C_in long), so only kw strided adds remain instead of
    kh·kw (measured ~10 % faster than _add_by_kernel_offsets for a 3×3 input gradient on CPU).
    """
    n, in_channels, h, w = x.shape
    _, out_per_group, kh, kw = weight.shape
    out_channels, out_h = y.shape[1:3]
    per_group = in_channels // groups
    above = max(0, (kh - 1) * dh - top)  # zero rows the shifts need above and below x
    below = max(0, out_h + top - h)
    # per kernel column j, each group's (C_out/G, kh·C_in/G) block: [g, o, i·C_in/G + c] = W[g·C_in/G + c, o, i, j]
    folded = xp.ascontiguousarray(weight.reshape(groups, per_group, out_per_group, kh, kw).transpose(4, 0, 2, 3, 1))
    folded = folded.reshape(kw, groups, out_per_group, kh * per_group)
    step = _images_per_step(xp, n, (kh * in_channels + out_channels) * out_h * w, 2 ** 18)
    for start in range(0, n, step):
        images = slice(start, min(start + step, n))
        m = images.stop - start
        padded = xp.zeros((m, groups, per_group, (above + h + below) * w), dtype=x.dtype)
        padded[..., above * w:(above + h) * w] = x[images].reshape(m, groups, per_group, h * w)
        stacked = xp.empty((m, groups, kh, per_group, out_h * w), dtype=x.dtype)
        for i in range(kh):
            first = top - i * dh + above  # the padded row that lands on output row 0
            stacked[:, :, i] = padded[..., first * w:(first + out_h) * w]
        stacked = stacked.reshape(m, groups, kh * per_group, out_h * w)
        for j, column in enumerate(columns):
            if column is None:
                continue
            part = xp.matmul(folded[j], stacked).reshape(m, out_channels, out_h, w)
            y[images, :, :, column[1]] += part[:, :, :, column[0]]


def _weight_grad(xp, x, grad, kernel, stride, pads, dilation, groups, with_bias=False):
    """∂L/∂W of y = conv(x, W), and ∂L/∂b = Σ grad when `with_bias` (and no groups): (gW, gb or None).

    A few images at a time, the columns (R, m·L) @ gradᵀ (m·L, O) per group, summed over the
    steps; the gradient's slice first copied to (O, m·L). Measured 1.4x faster on CPU than the
    transposed order grad @ columnsᵀ. With the bias, the columns' row of ones makes the GEMM's
    last column Σ grad (see _columns_by_steps).
    """
    n, out_channels = grad.shape[:2]
    ones_row = with_bias and groups == 1
    _, steps = _columns_by_steps(xp, x, kernel, stride, pads, dilation, ones_row=ones_row)
    grad3 = grad.reshape(n, out_channels, -1)
    gw = None
    for images, cols in steps:
        rows = cols.shape[0]
        grad_rows = xp.ascontiguousarray(grad3[images].transpose(1, 0, 2))  # (O, m, L)
        grad_rows = grad_rows.reshape(groups, out_channels // groups, -1)
        part = xp.matmul(cols.reshape(groups, rows // groups, -1), grad_rows.transpose(0, 2, 1))  # (G, R/G, O/G)
        gw = part if gw is None else gw + part
    gw = gw.transpose(0, 2, 1).reshape(out_channels, rows // groups)
    if ones_row:
        return xp.ascontiguousarray(gw[:, :-1]).reshape((out_channels, -1) + tuple(kernel)), gw[:, -1].copy()
    grad_b = grad.sum(axis=(0, 2, 3)) if with_bias else None
    return gw.reshape((out_channels, -1) + tuple(kernel)), grad_b


def _transpose_pads(input_hw, kernel, stride, pads, dilation):
    """Pads of the conv_transpose that is ∂conv/∂x: input rows past the last window get no gradient."""
    result = []
    for size, k, s, (before, after), d in zip(input_hw, kernel, stride, pads, dilation):
        unused = (size + before + after - d * (k - 1) - 1) % s
        result.append((before, after - unused))
    return tuple(result)


# ---------------------------------------------------------------- the three ops


class Conv(Function):
    """y = conv(x, W) + b over two spatial axes (cross-correlation, as in every deep-learning library)."""

    formula = "∂y/∂x = conv_transpose(g, W),  ∂y/∂W = Σ g ⋆ x,  ∂y/∂b = Σ g"

    def __init__(self, stride, pads, dilation, groups):
        self.stride, self.pads, self.dilation, self.groups = stride, pads, dilation, groups

    def forward(self, x, weight, bias=None):
        self.save_for_backward(x, weight)
        return _conv(self.xp, x, weight, bias, self.stride, self.pads, self.dilation, self.groups)

    def backward(self, grad):
        x, weight = self.saved_tensors
        kernel = tuple(weight.shape[2:])
        settings = (self.stride, self.pads, self.dilation, self.groups)
        with_bias = len(self.inputs) == 3 and self.needs_input_grad[2]
        grad_x = grad_w = grad_b = None
        if self.needs_input_grad[0]:
            t_pads = _transpose_pads(x.shape[2:], kernel, self.stride, self.pads, self.dilation)
            t_settings = (self.stride, t_pads, self.dilation, self.groups)
            if self._create_graph:
                grad_x = ConvTranspose(*t_settings)(grad, weight)
            else:
                grad_x = _conv_transpose(self.xp, grad, weight, None, *t_settings)
        if self.needs_input_grad[1]:
            if self._create_graph:
                grad_w = ConvWeightGrad(kernel, *settings)(x, grad)
            else:  # with the bias, the same GEMM gives its gradient
                grad_w, grad_b = _weight_grad(self.xp, x, grad, kernel, *settings, with_bias=with_bias)
        if len(self.inputs) == 2:
            return grad_x, grad_w
        if self.needs_input_grad[2] and grad_b is None:
            grad_b = grad.sum(axis=(0, 2, 3))
        return grad_x, grad_w, grad_b if self.needs_input_grad[2] else None


class ConvTranspose(Function):
    """y = conv_transpose(x, W) + b: the adjoint of Conv with the same stride, pads, dilation, groups."""

    formula = "∂y/∂x = conv(g, W),  ∂y/∂W = Σ x ⋆ g,  ∂y/∂b = Σ g"

    def __init__(self, stride, pads, dilation, groups):
        self.stride, self.pads, self.dilation, self.groups = stride, pads, dilation, groups

    def forward(self, x, weight, bias=None):
        self.save_for_backward(x, weight)
        return _conv_transpose(self.xp, x, weight, bias, self.stride, self.pads, self.dilation, self.groups)

    def backward(self, grad):
        x, weight = self.saved_tensors
        kernel = tuple(weight.shape[2:])
        settings = (self.stride, self.pads, self.dilation, self.groups)
        grad_x = grad_w = None
        if self.needs_input_grad[0]:
            if self._create_graph:
                grad_x = Conv(*settings)(grad, weight)
            else:
                grad_x = _conv(self.xp, grad, weight, None, *settings)
        if self.needs_input_grad[1]:  # the roles of input and gradient swap
            if self._create_graph:
                grad_w = ConvWeightGrad(kernel, *settings)(grad, x)
            else:
                grad_w = _weight_grad(self.xp, grad, x, kernel, *settings)[0]
        if len(self.inputs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, grad.sum(axis=(0, 2, 3)) if self.needs_input_grad[2] else None


class ConvWeightGrad(Function):
    """gW = ∂⟨conv(x, W), g⟩/∂W, a function of (x, g): bilinear, so its own gradients are convolutions."""

    formula = "∂gW/∂x = conv_transpose(g, ·),  ∂gW/∂g = conv(x, ·)"

    def __init__(self, kernel, stride, pads, dilation, groups):
        self.kernel, self.stride, self.pads, self.dilation, self.groups = kernel, stride, pads, dilation, groups

    def forward(self, x, grad):
        self.save_for_backward(x, grad)
        return _weight_grad(self.xp, x, grad, self.kernel, self.stride, self.pads, self.dilation, self.groups)[0]

    def backward(self, grad_w):
        x, grad = self.saved_tensors
        settings = (self.stride, self.pads, self.dilation, self.groups)
        grad_x = grad_g = None
        if self.needs_input_grad[0]:
            t_pads = _transpose_pads(x.shape[2:], self.kernel, self.stride, self.pads, self.dilation)
            t_settings = (self.stride, t_pads, self.dilation, self.groups)
            if self._create_graph:
                grad_x = ConvTranspose(*t_settings)(grad, grad_w)
            else:
                grad_x = _conv_transpose(self.xp, grad, grad_w, None, *t_settings)
        if self.needs_input_grad[1]:
            if self._create_graph:
                grad_g = Conv(*settings)(x, grad_w)
            else:
                grad_g = _conv(self.xp, x, grad_w, None, *settings)
        return grad_x, grad_g


# ---------------------------------------------------------------- argument checks


def _tuple(op, name, value, n):
    """An int or a sequence of n ints, as a tuple of n ints."""
    if isinstance(value, (int, numpy.integer)):
        return (int(value),) * n
    value = tuple(int(v) for v in value)
    if len(value) != n:
        raise ArgumentError(f"{op}: {name} must be an int or {n} ints, got {value}")
    return value


def _shape(t):
    return tuple(t.shape)


def _check_ranks(op, x, weight, spatial):
    batched, unbatched = spatial + 2, spatial + 1
    if x.ndim not in (batched, unbatched):
        layout = "(N, C, L) or (C, L)" if spatial == 1 else "(N, C, H, W) or (C, H, W)"
        raise ShapeError(f"{op}: expected a {batched}-D input {layout}, got shape {_shape(x)}")
    if weight.ndim != batched:
        raise ShapeError(f"{op}: expected a {batched}-D weight, got shape {_shape(weight)}")


def _settings(op, x, weight, stride, dilation, groups, spatial):
    stride = _tuple(op, "stride", stride, spatial)
    dilation = _tuple(op, "dilation", dilation, spatial)
    if min(stride) < 1 or min(dilation) < 1:
        raise ArgumentError(f"{op}: stride and dilation must be positive, got stride={stride}, dilation={dilation}")
    if not isinstance(groups, (int, numpy.integer)) or groups < 1:
        raise ArgumentError(f"{op}: groups must be a positive int, got {groups!r}")
    return stride, dilation, int(groups)


def _batched(x, spatial):
    """(x as a batch, whether to drop the batch axis again): unbatched inputs are taken as PyTorch does."""
    if x.ndim == spatial + 1:
        return reshape(x, (1,) + _shape(x)), True
    return x, False


def _to_2d(x, spatial):
    """1-D data (N, C, L) gets a unit height (N, C, 1, L) so that one 2-D implementation serves both."""
    return reshape(x, _shape(x)[:2] + (1,) + _shape(x)[2:]) if spatial == 1 else x


def _as_2d_settings(values, spatial, fill):
    return ((fill,) + tuple(values)) if spatial == 1 else tuple(values)


def _check_bias(op, bias, channels):
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != channels):
        raise ShapeError(f"{op}: bias must have shape ({channels},), got {_shape(bias)}")


# ---------------------------------------------------------------- public functions


def _convolution(op, spatial, input, weight, bias, stride, padding, dilation, groups):
    _check_ranks(op, input, weight, spatial)
    stride, dilation, groups = _settings(op, input, weight, stride, dilation, groups, spatial)
    x, unbatched = _batched(input, spatial)
    channels, out_channels, kernel = x.shape[1], weight.shape[0], _shape(weight)[2:]
    if channels % groups or out_channels % groups:
        raise ShapeError(f"{op}: groups={groups} must divide both the input channels ({channels}) and the "
                         f"output channels ({out_channels}); input {_shape(input)}, weight {_shape(weight)}")
    if weight.shape[1] * groups != channels:
        raise ShapeError(f"{op}: input {_shape(input)} has {channels} channels but weight {_shape(weight)} "
                         f"expects {weight.shape[1] * groups} (weight.shape[1] * groups)")
    _check_bias(op, bias, out_channels)
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * spatial
        elif padding == "same":
            if max(stride) > 1:
                raise ArgumentError(f"{op}: padding='same' is not supported for strided convolutions "
                                    f"(stride={stride}), as in PyTorch")
            # the total d·(k-1) split with the extra row at the end, as PyTorch
            pads = tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))
        else:
            raise ArgumentError(f"{op}: padding must be an int, a tuple, 'same' or 'valid', got {padding!r}")
    else:
        pads = tuple((p, p) for p in _tuple(op, "padding", padding, spatial))
        if min(p for p, _ in pads) < 0:
            raise ArgumentError(f"{op}: padding must be non-negative, got {padding}")
    for size, k, d, (before, after) in zip(_shape(x)[2:], kernel, dilation, pads):
        if d * (k - 1) + 1 > size + before + after:
            raise ShapeError(f"{op}: the kernel {tuple(kernel)} (dilation {dilation}) is larger than the padded "
                             f"input: input {_shape(input)}, padding {padding}")
    settings = (_as_2d_settings(stride, spatial, 1), ((0, 0),) * (2 - spatial) + tuple(pads),
                _as_2d_settings(dilation, spatial, 1), groups)
    args = (_to_2d(x, spatial), _to_2d(weight, spatial)) + (() if bias is None else (bias,))
    y = Conv(*settings)(*args)
    if spatial == 1:
        y = reshape(y, _shape(y)[:2] + _shape(y)[3:])
    return reshape(y, _shape(y)[1:]) if unbatched else y


def _transposed(op, spatial, input, weight, bias, stride, padding, output_padding, groups, dilation):
    _check_ranks(op, input, weight, spatial)
    stride, dilation, groups = _settings(op, input, weight, stride, dilation, groups, spatial)
    x, unbatched = _batched(input, spatial)
    channels = x.shape[1]
    if channels % groups:
        raise ShapeError(f"{op}: groups={groups} must divide the input channels ({channels}); "
                         f"input {_shape(input)}, weight {_shape(weight)}")
    if weight.shape[0] != channels:
        raise ShapeError(f"{op}: input {_shape(input)} has {channels} channels but weight {_shape(weight)} "
                         f"expects {weight.shape[0]} (weight.shape[0])")
    _check_bias(op, bias, weight.shape[1] * groups)
    padding = _tuple(op, "padding", padding, spatial)
    output_padding = _tuple(op, "output_padding", output_padding, spatial)
    if min(padding) < 0 or min(output_padding) < 0:
        raise ArgumentError(f"{op}: padding and output_padding must be non-negative")
    for op_, s, d in zip(output_padding, stride, dilation):
        if op_ >= max(s, d):
            raise ArgumentError(f"{op}: output_padding {output_padding} must be smaller than stride {stride} "
                                f"or dilation {dilation}")
    kernel = _shape(weight)[2:]
    for size, k, s, d, p, extra in zip(_shape(x)[2:], kernel, stride, dilation, padding, output_padding):
        if (size - 1) * s - 2 * p + d * (k - 1) + extra + 1 < 1:
            raise ShapeError(f"{op}: input {_shape(input)} with weight {_shape(weight)} and padding {padding} "
                             f"gives an empty output")
    pads = tuple((p, p - extra) for p, extra in zip(padding, output_padding))  # output_padding: zeros at the end
    settings = (_as_2d_settings(stride, spatial, 1), ((0, 0),) * (2 - spatial) + pads,
                _as_2d_settings(dilation, spatial, 1), groups)
    args = (_to_2d(x, spatial), _to_2d(weight, spatial)) + (() if bias is None else (bias,))
    y = ConvTranspose(*settings)(*args)
    if spatial == 1:
        y = reshape(y, _shape(y)[:2] + _shape(y)[3:])
    return reshape(y, _shape(y)[1:]) if unbatched else y


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002 (PyTorch's names)
    """2-D convolution (cross-correlation) of input (N, C, H, W) or (C, H, W) with weight (O, C/groups, kh, kw).

    >>> y = autograd.conv2d(autograd.randn(8, 3, 28, 28), autograd.randn(16, 3, 3, 3), padding=1)
    >>> y.shape                                            # (8, 16, 28, 28)
    """
    same_device("conv2d", input, weight, bias)
    return _convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """1-D convolution of input (N, C, L) or (C, L) with weight (O, C/groups, k).

    >>> autograd.conv1d(autograd.randn(4, 2, 50), autograd.randn(8, 2, 3), dilation=2).shape   # (4, 8, 46)
    """
    same_device("conv1d", input, weight, bias)
    return _convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,  # noqa: A002
                     dilation=1):
    """Transposed 2-D convolution (the gradient of conv2d): weight (C_in, C_out/groups, kh, kw).

    Output size: (H - 1)·stride - 2·padding + dilation·(k - 1) + output_padding + 1.

    >>> autograd.conv_transpose2d(autograd.randn(1, 4, 7, 7), autograd.randn(4, 2, 2, 2), stride=2).shape
    (1, 2, 14, 14)
    """
    same_device("conv_transpose2d", input, weight, bias)
    return _transposed("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,  # noqa: A002
                     dilation=1):
    """Transposed 1-D convolution: input (N, C_in, L), weight (C_in, C_out/groups, k).

    >>> autograd.conv_transpose1d(autograd.randn(1, 4, 10), autograd.randn(4, 2, 3), stride=2).shape   # (1, 2, 21)
    """
    same_device("conv_transpose1d", input, weight, bias)
    return _transposed("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups, dilation)


# ---------------------------------------------------------------- independent references (direct sums)


def _np_pads(padding, kernel, dilation, spatial):
    if padding == "valid":
        return [(0, 0)] * spatial
    if padding == "same":
        return [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation)]
    return [(p, p) for p in numpy.broadcast_to(padding, (spatial,)).tolist()]


def _np_conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """Direct definition: y[n, o, p] = Σ_{c, k} x_pad[n, c, p·s + k·d] w[o, c, k] (loops over kernel offsets)."""
    spatial = w.ndim - 2
    unbatched = x.ndim == spatial + 1
    x = x[None] if unbatched else x
    stride = numpy.broadcast_to(stride, (spatial,)).tolist()
    dilation = numpy.broadcast_to(dilation, (spatial,)).tolist()
    kernel = w.shape[2:]
    xp_ = numpy.pad(x, [(0, 0), (0, 0)] + _np_pads(padding, kernel, dilation, spatial))
    out = [(n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(xp_.shape[2:], kernel, stride, dilation)]
    n, c = x.shape[:2]
    o, cg = w.shape[:2]
    y = numpy.zeros((n, o) + tuple(out))
    for offset in numpy.ndindex(*kernel):
        window = tuple(slice(i * d, i * d + (m - 1) * s + 1, s) for i, d, m, s in zip(offset, dilation, out, stride))
        patch = xp_[(slice(None), slice(None)) + window]
        for g in range(groups):
            og = o // groups
            y[:, g * og:(g + 1) * og] += numpy.einsum("nc...,oc->no...", patch[:, g * cg:(g + 1) * cg],
                                                       w[(slice(g * og, (g + 1) * og), slice(None)) + offset])
    if b is not None:
        y += b.reshape((1, -1) + (1,) * spatial)
    return y[0] if unbatched else y


def _np_conv_transpose(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Direct definition: every input pixel adds w[c, o, k] x[n, c, p] at output position p·s + k·d - padding."""
    spatial = w.ndim - 2
    unbatched = x.ndim == spatial + 1
    x = x[None] if unbatched else x
    stride, padding, output_padding, dilation = (numpy.broadcast_to(v, (spatial,)).tolist()
                                                 for v in (stride, padding, output_padding, dilation))
    kernel = w.shape[2:]
    n, c = x.shape[:2]
    cg, og = c // groups, w.shape[1]
    full = [(m - 1) * s + d * (k - 1) + 1 + e for m, s, d, k, e in zip(x.shape[2:], stride, dilation, kernel,
                                                                          output_padding)]
    y = numpy.zeros((n, og * groups) + tuple(full))
    for offset in numpy.ndindex(*kernel):
        window = tuple(slice(i * d, i * d + (m - 1) * s + 1, s) for i, d, m, s in zip(offset, dilation, x.shape[2:],
                                                                                       stride))
        for g in range(groups):
            y[(slice(None), slice(g * og, (g + 1) * og)) + window] += numpy.einsum(
                "nc...,co->no...", x[:, g * cg:(g + 1) * cg], w[(slice(g * cg, (g + 1) * cg), slice(None)) + offset])
    crop = tuple(slice(p, f - p) for p, f in zip(padding, full))
    y = y[(slice(None), slice(None)) + crop]
    if b is not None:
        y = y + b.reshape((1, -1) + (1,) * spatial)
    return y[0] if unbatched else y


# ---------------------------------------------------------------- declarations


def _conv2d_samples(rng):
    u = uniform
    return [
        Sample((u(rng, (2, 2, 5, 4)), u(rng, (3, 2, 3, 2)), u(rng, (3,))), {}, "plain with bias"),
        Sample((u(rng, (1, 2, 6, 5)), u(rng, (2, 2, 3, 3))), {"stride": 2, "padding": 1}, "stride 2, padding 1"),
        Sample((u(rng, (1, 1, 7, 6)), u(rng, (2, 1, 2, 2))), {"stride": (3, 2)}, "stride leaves rows unused"),
        Sample((u(rng, (1, 2, 6, 6)), u(rng, (2, 2, 2, 2))), {"dilation": 2, "padding": (1, 0)}, "dilation 2"),
        Sample((u(rng, (1, 4, 4, 4)), u(rng, (2, 2, 2, 2)), u(rng, (2,))), {"groups": 2}, "groups 2"),
        Sample((u(rng, (1, 3, 4, 4)), u(rng, (6, 1, 2, 2))), {"groups": 3, "padding": 1}, "depthwise"),
        Sample((u(rng, (1, 2, 4, 5)), u(rng, (2, 2, 2, 3))), {"padding": "same"}, "same, even kernel"),
        Sample((u(rng, (2, 4, 4)), u(rng, (2, 2, 3, 3))), {"padding": "valid"}, "unbatched"),
    ]


def _conv1d_samples(rng):
    u = uniform
    return [
        Sample((u(rng, (2, 2, 7)), u(rng, (3, 2, 3)), u(rng, (3,))), {}, "plain with bias"),
        Sample((u(rng, (1, 2, 8)), u(rng, (2, 2, 2))), {"stride": 3, "padding": 1}, "stride 3"),
        Sample((u(rng, (1, 2, 9)), u(rng, (2, 1, 2))), {"dilation": 3, "groups": 2}, "dilated, grouped"),
        Sample((u(rng, (1, 2, 6)), u(rng, (2, 2, 4))), {"padding": "same", "dilation": 2}, "same"),
        Sample((u(rng, (2, 6)), u(rng, (2, 2, 3))), {}, "unbatched"),
    ]


def _conv_transpose2d_samples(rng):
    u = uniform
    return [
        Sample((u(rng, (2, 2, 3, 3)), u(rng, (2, 3, 2, 2)), u(rng, (3,))), {}, "plain with bias"),
        Sample((u(rng, (1, 2, 3, 2)), u(rng, (2, 2, 3, 3))), {"stride": 2, "padding": 1, "output_padding": 1},
               "stride 2, output_padding"),
        Sample((u(rng, (1, 4, 2, 3)), u(rng, (4, 1, 2, 2))), {"groups": 2, "dilation": (2, 1)}, "groups, dilation"),
        Sample((u(rng, (2, 3, 3)), u(rng, (2, 2, 2, 2))), {"stride": (1, 2)}, "unbatched"),
    ]


def _conv_transpose1d_samples(rng):
    u = uniform
    return [
        Sample((u(rng, (2, 2, 4)), u(rng, (2, 3, 3)), u(rng, (3,))), {"stride": 2}, "stride 2 with bias"),
        Sample((u(rng, (1, 2, 5)), u(rng, (2, 1, 2))), {"padding": 1, "output_padding": 1, "stride": 2,
                                                          "groups": 2}, "padding, output_padding, groups"),
    ]


def _conv2d_shaped(rng, shape):
    """A drawn shape (up to 3 sides of at most 4) picks batch, channels and the spatial size."""
    sides = tuple(shape) + (2, 3, 3)
    n, c, h = sides[0], sides[1], sides[2] + 1
    return Sample((uniform(rng, (n, c, h, h + 1)), uniform(rng, (2, c, 2, 2)), uniform(rng, (2,))),
                  {"stride": 1 + n % 2, "padding": c % 2})


def _conv_errors(op, rank):
    spatial = (4,) * rank

    def errors(rng):
        u = uniform
        x = u(rng, (1, 3) + spatial)
        k = (2,) * rank
        return [
            ErrorInput(Sample((x, u(rng, (2, 2) + k))), ShapeError, rf"{op}: input \(1, 3,.*3 channels.*weight \(2, 2"),
            ErrorInput(Sample((x, u(rng, (2, 3) + (6,) * rank))), ShapeError, rf"{op}: the kernel .* larger than"),
            ErrorInput(Sample((x, u(rng, (2, 1) + k)), {"groups": 2}), ShapeError, rf"{op}: groups=2 must divide"),
            ErrorInput(Sample((u(rng, (2,) * (rank + 3)), u(rng, (2, 2) + k))), ShapeError,
                       rf"{op}: expected a {rank + 2}-D input"),
            ErrorInput(Sample((x, u(rng, (2, 3) + k), u(rng, (3,)))), ShapeError, rf"{op}: bias must have shape \(2,\)"),
        ]

    return errors


def _conv_transpose_errors(op, rank):
    def errors(rng):
        u = uniform
        x = u(rng, (1, 3) + (3,) * rank)
        k = (2,) * rank
        return [
            ErrorInput(Sample((x, u(rng, (2, 2) + k))), ShapeError, rf"{op}: input \(1, 3.*3 channels.*weight"),
            ErrorInput(Sample((x, u(rng, (3, 1) + k)), {"groups": 2}), ShapeError, rf"{op}: groups=2 must divide"),
            ErrorInput(Sample((u(rng, (3,)), u(rng, (3, 1) + k))), ShapeError, rf"{op}: expected a {rank + 2}-D input"),
            ErrorInput(Sample((x, u(rng, (3, 1) + k)), {"padding": 3}), ShapeError, rf"{op}: .* empty output"),
        ]

    return errors


declare("conv2d", conv2d, _np_conv, _conv2d_samples, shaped=_conv2d_shaped, error_inputs=_conv_errors("conv2d", 2),
        formula="∂y/∂x = conv_transpose2d(g, W)\n∂y/∂W = Σ g ⋆ x,  ∂y/∂b = Σ g")
declare("conv1d", conv1d, _np_conv, _conv1d_samples, error_inputs=_conv_errors("conv1d", 1),
        formula="∂y/∂x = conv_transpose1d(g, W)\n∂y/∂W = Σ g ⋆ x,  ∂y/∂b = Σ g")
declare("conv_transpose2d", conv_transpose2d, _np_conv_transpose, _conv_transpose2d_samples,
        error_inputs=_conv_transpose_errors("conv_transpose2d", 2),
        formula="∂y/∂x = conv2d(g, W)\n∂y/∂W = Σ x ⋆ g,  ∂y/∂b = Σ g")
declare("conv_transpose1d", conv_transpose1d, _np_conv_transpose, _conv_transpose1d_samples,
        error_inputs=_conv_transpose_errors("conv_transpose1d", 1),
        formula="∂y/∂x = conv1d(g, W)\n∂y/∂W = Σ x ⋆ g,  ∂y/∂b = Σ g")
