"""torch.nn.functional's names, signatures and meanings, on autograd's ops (imported as F).

    >>> import autograd.nn.functional as F
    >>> loss = F.cross_entropy(F.linear(F.relu(x), W, b), y, label_smoothing=0.1)

Each function is the op of the same name (autograd.ops) behind PyTorch's exact
signature. Arguments PyTorch keeps only for old code (`size_average`, `reduce`)
are accepted as None and refused otherwise, with the `reduction=` spelling to use.
`inplace=True` writes the result into the input through the tensor's in-place rules
(a leaf that requires grad refuses, as in PyTorch).
"""

import numpy

from .. import backend, ops
from ..errors import ArgumentError, DTypeError, IndexOutOfRangeError
from ..tensor import Tensor
from .attention import scaled_dot_product_attention as _attention

__all__ = ["relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish", "softplus", "softsign", "hardtanh",
           "sigmoid", "tanh", "softmax", "log_softmax", "dropout", "linear", "embedding", "one_hot", "pad",
           "normalize", "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "cosine_similarity",
           "scaled_dot_product_attention"]


def _in_place(input, result, inplace):  # noqa: A002 (PyTorch's argument names)
    return input.copy_(result) if inplace else result


def _legacy(op, size_average, reduce):
    if size_average is not None or reduce is not None:
        raise ArgumentError(f"{op}: size_average= and reduce= are deprecated in PyTorch and not supported; "
                            f"use reduction='mean', 'sum' or 'none'")


# ---------------------------------------------------------------- activations


def relu(input, inplace=False):  # noqa: A002
    """max(x, 0).  >>> F.relu(x)"""
    return _in_place(input, ops.relu(input), inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):  # noqa: A002
    """x for x > 0, negative_slope x below."""
    return _in_place(input, ops.leaky_relu(input, negative_slope), inplace)


def elu(input, alpha=1.0, inplace=False):  # noqa: A002
    """x for x > 0, alpha (e^x - 1) below."""
    return _in_place(input, ops.elu(input, alpha), inplace)


def selu(input, inplace=False):  # noqa: A002
    """Self-normalising ELU."""
    return _in_place(input, ops.selu(input), inplace)


def gelu(input, approximate="none"):  # noqa: A002
    """x Φ(x) (exact, or approximate='tanh')."""
    return ops.gelu(input, approximate)


def silu(input, inplace=False):  # noqa: A002
    """x sigmoid(x) (also called swish)."""
    return _in_place(input, ops.silu(input), inplace)


def mish(input, inplace=False):  # noqa: A002
    """x tanh(softplus(x))."""
    return _in_place(input, ops.mish(input), inplace)


def softplus(input, beta=1.0, threshold=20.0):  # noqa: A002
    """log(1 + e^(beta x)) / beta, computed stably for every x."""
    return ops.softplus(input, beta, threshold)


def softsign(input):  # noqa: A002
    """x / (1 + |x|)."""
    return ops.softsign(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002
    """x clipped to [min_val, max_val]."""
    return _in_place(input, ops.hardtanh(input, min_val, max_val), inplace)


def sigmoid(input):  # noqa: A002
    return ops.sigmoid(input)


def tanh(input):  # noqa: A002
    return ops.tanh(input)


def softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """exp(x) / Σ exp(x) along `dim` (give it for inputs of more than 2 dims)."""
    return ops.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """x - logsumexp(x) along `dim`."""
    return ops.log_softmax(input, dim, dtype)


def dropout(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero elements with probability p and scale the rest by 1/(1-p) while training.

    F.dropout is in training mode unless told otherwise (PyTorch's default).
    """
    return _in_place(input, ops.dropout(input, p, training), inplace)


# ---------------------------------------------------------------- layers as functions


def linear(input, weight, bias=None):  # noqa: A002
    """input @ weight.T + bias, weight (out, in)."""
    return ops.linear(input, weight, bias)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,  # noqa: A002
              scale_grad_by_freq=False, sparse=False):
    """Rows of `weight` picked by the integer ids in `input` (the argument order of F.embedding;
    autograd.embedding takes the weight first, as torch.embedding)."""
    if max_norm is not None or scale_grad_by_freq:
        raise ArgumentError("embedding: max_norm= and scale_grad_by_freq= are not supported")
    return ops.embedding(weight, input, padding_idx)  # sparse=: the gradient is a dense scatter-add either way


def one_hot(tensor, num_classes=-1):
    """Class ids (...) as an int64 one-hot tensor (..., num_classes); num_classes=-1: max id + 1.

    >>> F.one_hot(autograd.tensor([0, 2]), 3)         # tensor([[1, 0, 0], [0, 0, 1]])
    """
    ids = tensor.data if isinstance(tensor, Tensor) else backend.as_array(tensor)
    if ids.dtype.kind not in "iu":
        raise DTypeError(f"one_hot: class ids must be an integer tensor, not {ids.dtype}")
    xp = backend.get_array_module(ids)
    if num_classes == -1:
        num_classes = int(ids.max()) + 1 if ids.size else 0
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= num_classes):
        raise IndexOutOfRangeError(f"one_hot: class ids must lie in [0, {num_classes}), got "
                                   f"{int(ids.min())}..{int(ids.max())}")
    out = (ids[..., None] == xp.arange(num_classes)).astype(numpy.int64)
    return Tensor._from_op(out, None, 0)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):  # noqa: A002
    """input / max(‖input‖_p along dim, eps): unit vectors along `dim`."""
    if out is not None:
        raise ArgumentError("normalize: out= is not supported; use the returned tensor")
    return input / ops.maximum(ops.norm(input, p, dim, keepdim=True), eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between x1 and x2 along `dim`."""
    return ops.cosine_similarity(x1, x2, dim, eps)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False,
                                 scale=None, enable_gqa=False):
    """softmax(Q Kᵀ · scale + mask) V; a bool attn_mask is True where attention is allowed."""
    if enable_gqa:
        raise ArgumentError("scaled_dot_product_attention: enable_gqa=True is not supported")
    return _attention(query, key, value, attn_mask, dropout_p, is_causal, scale)


# ---------------------------------------------------------------- losses


def _elementwise_weight(op, fn, input, target, reduction, weight):  # noqa: A002
    if weight is None:
        return fn(input, target, reduction=reduction)
    ops.loss._check_reduction(op, reduction)
    return ops.loss._reduced(fn(input, target, reduction="none") * weight, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,  # noqa: A002
                  reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy; input (N, C) or (N, C, d1, ...), class ids or class probabilities."""
    _legacy("cross_entropy", size_average, reduce)
    return ops.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,  # noqa: A002
             reduction="mean"):
    """Negative log-likelihood of class ids under log-probabilities (N, C, ...)."""
    _legacy("nll_loss", size_average, reduce)
    return ops.nll_loss(input, target, weight, ignore_index, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                         reduction="mean"):
    _legacy("binary_cross_entropy", size_average, reduce)
    return ops.binary_cross_entropy(input, target, weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                                     reduction="mean", pos_weight=None):
    _legacy("binary_cross_entropy_with_logits", size_average, reduce)
    return ops.binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):  # noqa: A002
    _legacy("mse_loss", size_average, reduce)
    return _elementwise_weight("mse_loss", ops.mse_loss, input, target, reduction, weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):  # noqa: A002
    _legacy("l1_loss", size_average, reduce)
    return _elementwise_weight("l1_loss", ops.l1_loss, input, target, reduction, weight)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):  # noqa: A002
    _legacy("smooth_l1_loss", size_average, reduce)
    return ops.smooth_l1_loss(input, target, reduction, beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):  # noqa: A002
    return _elementwise_weight("huber_loss", lambda a, b, reduction: ops.huber_loss(a, b, reduction, delta),
                               input, target, reduction, weight)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):  # noqa: A002
    """KL(target ‖ input) with `input` log-probabilities; use reduction='batchmean' for the true KL."""
    _legacy("kl_div", size_average, reduce)
    return ops.kl_div(input, target, reduction, log_target)


# ---------------------------------------------------------------- convolutional networks (issue 12): begin
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from ..ops.pool import (max_pool1d, max_pool2d, avg_pool1d, avg_pool2d, adaptive_avg_pool1d,  # noqa: F401
                        adaptive_avg_pool2d, adaptive_max_pool2d, interpolate, unfold, fold, batch_norm, dropout2d)
from .conv import pad  # noqa: F401  (PyTorch's pad: pairs from the last axis, reflect/replicate/circular modes)
# ---------------------------------------------------------------- convolutional networks (issue 12): end
