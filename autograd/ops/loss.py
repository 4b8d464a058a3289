"""Loss functions: cross-entropy, negative log-likelihood, binary cross-entropy and MSE.

Each loss is one node with a hand-written backward. Classification losses take
scores with the class dimension LAST, (..., V), and integer class ids of shape
(...), e.g. logits (N, T, V) with targets (N, T) for a language model:

    >>> loss = autograd.cross_entropy(logits, targets)          # a scalar: mean over the targets
    >>> loss = autograd.mse_loss(prediction, y, reduction="sum")

`reduction` is 'mean' (the default), 'sum' or 'none' (one loss per element),
as in PyTorch. Backward formulas use operators and `self.xp`, so that under
create_graph=True they build a differentiable graph.
"""
import math

import numpy

from .. import backend
from ..errors import ShapeError, IndexOutOfRangeError, ArgumentError, DTypeError
from ..graph import Function
from .elementwise import unbroadcast
from .nn import _integer_ids, log_softmax
from .registry import REGISTRY, declare, Sample, uniform, away_from, binary_samples, binary_shaped, ErrorInput, error_cases
from .elementwise import abs, exp, log, maximum, sqrt, where  # noqa: A004
from .shape import permute
from ..tensor import unwrap

_data = unwrap   # the array of a tensor, else the value itself

__all__ = ["cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss",
           "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "cosine_similarity"]


# ---------------------------------------------------------------- reductions


def _check_reduction(op, reduction):
    if reduction not in ("mean", "sum", "none"):
        raise ArgumentError(f"{op}: reduction must be 'mean', 'sum' or 'none', not {reduction!r}")


def _reduce(losses, reduction):
    """Forward: the per-element losses reduced as asked."""
    if reduction == "sum":
        return losses.sum()
    if reduction == "mean":
        if losses.size == 0:  # the mean of nothing (NumPy would warn)
            return backend.get_array_module(losses).asarray(numpy.nan, dtype=losses.dtype)
        return losses.mean()
    return losses


def _per_element(grad, reduction, size):
    """Backward: the gradient reaching each element of the unreduced loss.

    For 'mean' every element got 1/size of the output's gradient; the result
    broadcasts against the elements (a 0-d gradient for 'mean' and 'sum').
    """
    return grad * (1.0 / max(size, 1)) if reduction == "mean" else grad




def _as_constant_like(value, like):
    """A non-tensor argument (list, ndarray, number) as an array in `like`'s dtype and device.

    Converting here keeps a float32 loss float32 when the target is, say, a
    float64 NumPy array.
    """
    if hasattr(value, "creator"):  # a Tensor: it may require grad, leave it to the op
        return value
    like = unwrap(like)
    return backend.as_array(value, dtype=like.dtype, device=backend.device_of(like))


def _check_same_shape(op, a, b, what="target"):
    if tuple(a.shape) != tuple(b.shape):
        raise ShapeError(f"{op}: {what} of shape {tuple(b.shape)} does not match the input of shape {tuple(a.shape)}")


# ---------------------------------------------------------------- class-index targets


def _class_ids(op, scores, target, ignore_index, input_shape=None):
    """Validate integer class ids for scores (..., V): shape (...) and every id in [0, V)."""
    if scores.ndim < 1:
        raise ShapeError(f"{op}: scores must have a class axis (the last one), got shape {tuple(scores.shape)}")
    ids = _integer_ids(op, target, unwrap(scores))
    if tuple(ids.shape) != tuple(scores.shape[:-1]):
        raise ShapeError(f"{op}: target of shape {tuple(ids.shape)} does not fit the input of shape "
                         f"{tuple(input_shape or scores.shape)}: class-index targets have the input's shape "
                         f"without the class dim (dim 1 of (N, C, d1, ...)), here {tuple(scores.shape[:-1])}")
    classes = scores.shape[-1]
    used = ids[ids != ignore_index]
    if used.size:
        low, high = int(used.min()), int(used.max())
        if low < 0 or high >= classes:
            raise IndexOutOfRangeError(f"{op}: target id {low if low < 0 else high} is out of range for {classes} classes "
                             f"(ids must lie in [0, {classes}) or equal ignore_index={ignore_index})")
    return ids


class _ClassIndexLoss(Function):
    """Shared bookkeeping of cross_entropy and nll_loss: which rows count, and with what weight."""

    def __init__(self, ignore_index=-100, reduction="mean"):
        self.ignore_index = ignore_index
        self.reduction = reduction

    def _prepare(self, scores, target):
        """Flatten to (M, V) rows; remember the picked class and the weight of every row."""
        xp = self.xp
        target = xp.asarray(target)  # a 0-d target arrives as a Python int
        classes = scores.shape[-1]
        kept = target != self.ignore_index
        self.count = int(kept.sum())          # the number of targets that count (for 'mean')
        self.scores_shape = scores.shape
        self.target_shape = target.shape
        self.rows = xp.arange(target.size)
        self.picked = xp.where(kept, target, 0).reshape(-1)  # ignored rows pick class 0 with weight 0
        # Per-row weights, kept as a constant: 0 for ignored rows, 1/count for 'mean', else 1.
        weights = kept.astype(scores.dtype)
        if self.reduction == "mean" and self.count:
            weights *= 1.0 / self.count
        self.weights = weights
        return scores.reshape(-1, classes)

    def _output(self, losses):
        """Per-row losses (M,) -> the reduced output."""
        xp = self.xp
        weighted = losses * self.weights.reshape(-1)
        if self.reduction == "none":
            return weighted.reshape(self.target_shape)
        if self.reduction == "mean" and self.count == 0:  # no target counts: 0/0, as in PyTorch
            return xp.asarray(xp.nan, dtype=losses.dtype)
        return weighted.sum()

    def _target_distribution(self, dtype, like, smoothing=0.0):
        """The constant (..., V) array q with (1 - ε) at each target class plus ε/V everywhere."""
        xp = backend.get_array_module(like)   # `like` is an array, also under create_graph
        classes = self.scores_shape[-1]
        q = xp.zeros((self.rows.size, classes), dtype=dtype)
        q[self.rows, self.picked] = 1.0 - smoothing
        if smoothing:
            q += smoothing / classes
        return q.reshape(self.scores_shape)


class CrossEntropy(_ClassIndexLoss):
    """−log softmax(z)[target], fused: one softmax in forward, reused by backward.

    With label smoothing ε the target distribution is q = (1 − ε) one-hot + ε/V
    and the loss is −Σ_c q_c log p_c. The gradient with respect to the logits
    of each counted row is its weight × (p − q): softmax minus target.
    """

    def __init__(self, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(ignore_index, reduction)
        self.label_smoothing = label_smoothing

    def forward(self, logits, target):
        xp = self.xp
        scores = self._prepare(logits, target)
        # Softmax rows in one buffer: shift by the max and exp in place; the division by each row's
        # total waits for backward, where it joins the scaling by the incoming gradient (one pass over
        # the (rows, classes) buffer fewer, which at a language model's output is most of the cost).
        largest = scores.max(axis=1, keepdims=True)
        exps = scores - largest
        xp.exp(exps, out=exps)
        total = exps.sum(axis=1, keepdims=True)
        log_normaliser = (largest + xp.log(total)).reshape(-1)  # log Σ_c exp(z_c) per row
        losses = log_normaliser - scores[self.rows, self.picked]  # −log p_target
        smoothing = self.label_smoothing
        if smoothing:  # −(ε/V) Σ_c log p_c = ε (log Σ exp z − mean_c z_c)
            losses = (1.0 - smoothing) * losses + smoothing * (log_normaliser - scores.mean(axis=1))
        self.save_for_backward(logits, exps, total)   # softmax = exps / total
        return self._output(losses)

    formula = "∂L/∂z = softmax(z) − onehot(t)"

    def backward(self, grad):
        if not self.needs_input_grad[0]:
            return None, None
        logits, exps, total = self.saved_tensors
        row_grad = grad * self.weights  # the gradient reaching each row's loss, shape (...)
        smoothing = self.label_smoothing
        if hasattr(grad, "creator"):
            # Under create_graph: the same formula written differentiably, with the softmax
            # recomputed from the logits (the saved one is a constant).
            probs = self.xp.softmax(logits, axis=-1)
            q = self._target_distribution(logits.dtype, logits.data, smoothing)
            return (probs - q) * row_grad.reshape(row_grad.shape + (1,)), None
        # Plain backward: (p − q) × row_grad = exps × (row_grad / total) − q × row_grad, without building
        # the dense one-hot q, written into the saved exps buffer when the engine frees it after this
        # backward (at a language model's output that buffer is (rows, vocabulary): a second one of that
        # size costs more than the arithmetic).
        scale = row_grad.reshape(-1, 1)
        if self._keep_saved:
            grad_scores = exps * (scale / total)
        else:
            exps *= scale / total
            grad_scores = exps
        grad_scores[self.rows, self.picked] -= (1.0 - smoothing) * scale[:, 0]
        if smoothing:
            grad_scores -= (smoothing / exps.shape[1]) * scale
        return (grad_scores if grad_scores.shape == logits.shape else grad_scores.reshape(logits.shape)), None


class NLLLoss(_ClassIndexLoss):
    """−log_probs[target]: linear in its input, so backward needs no saved values."""

    def forward(self, log_probs, target):
        scores = self._prepare(log_probs, target)
        return self._output(-scores[self.rows, self.picked])

    formula = "∂L/∂x = −1 at x[t], 0 elsewhere"

    def backward(self, grad):
        if not self.needs_input_grad[0]:
            return None, None
        row_grad = grad * self.weights
        one_hot = self._target_distribution(self.weights.dtype, self.weights)
        return one_hot * -row_grad.reshape(row_grad.shape + (1,)), None


def _classes_last(op, input):  # noqa: A002
    """PyTorch's layout (N, C, d1, ...) as (N, d1, ..., C): the class dim is 1 for 3+ dims, else the last."""
    if input.ndim < 1:
        raise ShapeError(f"{op}: the input must have a class dim, got shape {tuple(input.shape)}")
    if input.ndim >= 3:
        return permute(input, (0,) + tuple(range(2, input.ndim)) + (1,))
    return input


def _class_weight(op, weight, like, classes):
    weight = _data(_as_constant_like(weight, like))
    if tuple(weight.shape) != (classes,):
        raise ShapeError(f"{op}: weight must have one entry per class, shape ({classes},), got {tuple(weight.shape)}")
    return weight


def _weighted_class_loss(op, log_probs, ids, weight, ignore_index, reduction, smoothing=0.0):
    """The class-index loss with per-class weights, composed from ops (PyTorch's formulas):
    row loss (1 − ε) w[y] (−log p_y) + (ε / C) Σ_c w_c (−log p_c); 'mean' divides by Σ w[y]."""
    xp = backend.get_array_module(_data(log_probs))
    classes = log_probs.shape[-1]
    rows = log_probs.reshape(-1, classes)
    flat = ids.reshape(-1)
    kept = flat != ignore_index
    safe = xp.where(kept, flat, 0)
    row_weight = weight[safe] * kept
    losses = -rows[xp.arange(flat.shape[0]), safe] * row_weight
    if smoothing:
        losses = losses * (1.0 - smoothing) - (rows * weight).sum(dim=1) * kept * (smoothing / classes)
    if reduction == "none":
        return losses.reshape(ids.shape)
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / row_weight.sum()


def _probability_target_loss(input, target, weight, reduction, smoothing):  # noqa: A002
    """Cross-entropy against class probabilities of the input's shape: −Σ_c w_c t_c log p_c per sample."""
    class_dim = 1 if input.ndim >= 2 else 0
    classes = input.shape[class_dim]
    log_probs = log_softmax(input, class_dim)
    if smoothing:
        target = target * (1.0 - smoothing) + smoothing / classes
    terms = log_probs * target
    if weight is not None:
        terms = terms * weight.reshape((classes,) + (1,) * (input.ndim - class_dim - 1))
    losses = -terms.sum(dim=class_dim)
    return losses if reduction == "none" else losses.sum() if reduction == "sum" else losses.mean()


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",  # noqa: A002
                  label_smoothing=0.0):
    """Softmax cross-entropy, as torch.nn.functional.cross_entropy: input (N, C) or (N, C, d1, ...)
    (the class dim is 1, or 0 for a single (C,) row) against class ids (N,) / (N, d1, ...), or against
    class probabilities of the input's shape.

    `weight` (C,) weighs each class ('mean' then divides by the targets' total weight); targets equal
    to `ignore_index` count for nothing; `label_smoothing` ε mixes the target with ε/C.

    >>> logits = autograd.randn(4, 10, requires_grad=True)                     # (N, C)
    >>> autograd.cross_entropy(logits, numpy.array([1, 2, 3, -100]))
    >>> autograd.cross_entropy(seq_logits.reshape(-1, V), ids.reshape(-1))     # (N, T, V) sequences
    """
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ArgumentError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    target_data = _data(target)
    if getattr(target_data, "dtype", numpy.dtype(numpy.int64)).kind == "f":  # class probabilities
        target = _as_constant_like(target, input)
        _check_same_shape("cross_entropy", input, target, "a probability target")
        class_weight = None if weight is None else _class_weight("cross_entropy", weight, input,
                                                                 input.shape[1 if input.ndim >= 2 else 0])
        return _probability_target_loss(input, target, class_weight, reduction, float(label_smoothing))
    scores = _classes_last("cross_entropy", input)
    ids = _class_ids("cross_entropy", scores, target, ignore_index, input.shape)
    if weight is not None:
        class_weight = _class_weight("cross_entropy", weight, input, scores.shape[-1])
        return _weighted_class_loss("cross_entropy", log_softmax(scores, -1), ids, class_weight, ignore_index,
                                    reduction, float(label_smoothing))
    return CrossEntropy(ignore_index, reduction, float(label_smoothing))(scores, ids)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):  # noqa: A002
    """Negative log-likelihood of class ids under log-probabilities (N, C) or (N, C, d1, ...),
    with optional per-class `weight`, as torch.nn.functional.nll_loss.

    >>> autograd.nll_loss(autograd.log_softmax(logits, dim=1), numpy.array([0, 2]))   # = cross_entropy
    """
    _check_reduction("nll_loss", reduction)
    scores = _classes_last("nll_loss", input)
    ids = _class_ids("nll_loss", scores, target, ignore_index, input.shape)
    if weight is not None:
        class_weight = _class_weight("nll_loss", weight, input, scores.shape[-1])
        return _weighted_class_loss("nll_loss", scores, ids, class_weight, ignore_index, reduction)
    return NLLLoss(ignore_index, reduction)(scores, ids)


# ---------------------------------------------------------------- binary cross-entropy


def _clamped_log(x, xp):
    """log(x), but never below −100: log(0) gives −100 instead of −inf (as PyTorch's BCE)."""
    with numpy.errstate(divide="ignore"):
        return xp.maximum(xp.log(x), -100.0)


class BinaryCrossEntropy(Function):
    """−(t log p + (1 − t) log(1 − p)) for probabilities p, with logs clamped at −100."""

    def __init__(self, reduction="mean"):
        self.reduction = reduction

    def forward(self, p, target):
        xp = self.xp
        self.save_for_backward(p, target)
        losses = -(target * _clamped_log(p, xp) + (1 - target) * _clamped_log(1 - p, xp))
        return _reduce(losses, self.reduction)

    formula = "∂L/∂p = (p − t) / (p·(1 − p))"

    def backward(self, grad):
        p, target = self.saved_tensors
        need_p, need_target = self.needs_input_grad
        grad = _per_element(grad, self.reduction, math.prod(p.shape))
        # (p − t) / (p (1 − p)), the denominator kept away from 0 (PyTorch's epsilon 1e-12)
        grad_p = grad * (p - target) / self.xp.maximum(p * (1 - p), 1e-12) if need_p else None
        grad_target = grad * (_clamped_log(1 - p, self.xp) - _clamped_log(p, self.xp)) if need_target else None
        return grad_p, grad_target


class BinaryCrossEntropyWithLogits(Function):
    """BCE of sigmoid(x), computed from x directly so that it stays finite for any |x|.

    With softplus(−x) = log(1 + e^−x) = max(−x, 0) + log1p(e^−|x|) (never overflows):
        loss = (1 − t) x + w softplus(−x),   w = 1 + (pos_weight − 1) t   (w = 1 without pos_weight)
    and d loss / dx = (1 − t) − w (1 − sigmoid(x)), which is sigmoid(x) − t when w = 1.
    """

    def __init__(self, reduction="mean"):
        self.reduction = reduction

    def forward(self, x, target, pos_weight):
        xp = self.xp
        softplus_neg = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))
        weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * target
        self.save_for_backward(x, target, pos_weight)
        return _reduce((1 - target) * x + weight * softplus_neg, self.reduction)

    formula = "∂L/∂x = σ(x) − t\n(with pos_weight w: σ(x)·(1 + (w−1)·t) − w·t)"

    def backward(self, grad):
        x, target, pos_weight = self.saved_tensors
        need_x, need_target, need_pos_weight = self.needs_input_grad
        xp = self.xp
        grad = _per_element(grad, self.reduction, math.prod(x.shape))
        if pos_weight is None:
            return (grad * (xp.sigmoid(x) - target) if need_x else None,
                    grad * -x if need_target else None,
                    None)
        weight = 1 + (pos_weight - 1) * target
        # written with log and exp (names that exist both in NumPy and in autograd.ops)
        softplus_neg = xp.maximum(-x, 0.0) + xp.log(1 + xp.exp(-xp.abs(x)))
        grad_x = grad * ((1 - target) - weight * (1 - xp.sigmoid(x))) if need_x else None
        grad_target = grad * ((pos_weight - 1) * softplus_neg - x) if need_target else None
        grad_pos_weight = (unbroadcast(grad * target * softplus_neg, pos_weight.shape)
                           if need_pos_weight else None)
        return grad_x, grad_target, grad_pos_weight


def _broadcasting_to(op, name, value, input):  # noqa: A002
    """`value` (a weight) if it broadcasts to the input's shape, else ShapeError naming both shapes."""
    try:
        fits = numpy.broadcast_shapes(tuple(value.shape), tuple(input.shape)) == tuple(input.shape)
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"{op}: {name} of shape {tuple(value.shape)} does not broadcast to the input of shape "
                         f"{tuple(input.shape)}")
    return value


def _weighted(op, losses_of, input, weight, reduction):  # noqa: A002
    """A pointwise loss times an elementwise `weight` (broadcast to the input), then reduced."""
    if weight is None:
        return losses_of(reduction)
    weight = _broadcasting_to(op, "weight", _as_constant_like(weight, input), input)
    losses = losses_of("none") * weight
    return losses if reduction == "none" else losses.sum() if reduction == "sum" else losses.mean()


def binary_cross_entropy(input, target, weight=None, reduction="mean"):  # noqa: A002
    """Binary cross-entropy of probabilities in [0, 1] against targets of the same shape (refused
    otherwise, as PyTorch); `weight` rescales each element's loss.

    >>> p = autograd.sigmoid(scores)
    >>> autograd.binary_cross_entropy(p, autograd.tensor([1.0, 0.0, 1.0]))
    """
    _check_reduction("binary_cross_entropy", reduction)
    target = _as_constant_like(target, input)
    _check_same_shape("binary_cross_entropy", input, target)
    probabilities = _data(input)
    if probabilities.size and not bool(((probabilities >= 0) & (probabilities <= 1)).all()):  # NaN too
        raise ArgumentError("binary_cross_entropy: every input must be a probability in [0, 1], got values in "
                            f"[{float(probabilities.min())}, {float(probabilities.max())}] (apply sigmoid, or "
                            "use binary_cross_entropy_with_logits)")
    return _weighted("binary_cross_entropy", lambda r: BinaryCrossEntropy(r)(input, target), input, weight,
                     reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):  # noqa: A002
    """Binary cross-entropy of sigmoid(input), stable for large |x|; prefer it to sigmoid + BCE.

    `pos_weight` (broadcast along the last dim, one per class) weighs the positive term;
    `weight` rescales each element's loss.
    >>> autograd.binary_cross_entropy_with_logits(autograd.tensor([1000.0, -1000.0]),
    ...                                           autograd.tensor([1.0, 0.0]))      # 0, not nan
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    x = input
    target = _as_constant_like(target, x)
    _check_same_shape("binary_cross_entropy_with_logits", x, target)
    if pos_weight is not None:
        pos_weight = _broadcasting_to("binary_cross_entropy_with_logits", "pos_weight",
                                      _as_constant_like(pos_weight, x), x)
    return _weighted("binary_cross_entropy_with_logits",
                     lambda r: BinaryCrossEntropyWithLogits(r)(x, target, pos_weight), x, weight, reduction)


# ---------------------------------------------------------------- mean squared error


class MSELoss(Function):
    """(a − b)², reduced; a and b broadcast against each other."""

    def __init__(self, reduction="mean"):
        self.reduction = reduction

    def forward(self, a, b):
        self.save_for_backward(a, b)  # the inputs, not a − b: under create_graph the difference must be recomputed
        difference = a - b
        self.size = difference.size
        return _reduce(difference * difference, self.reduction)

    formula = "∂L/∂a = 2(a − b)/n,  ∂L/∂b = −2(a − b)/n"

    def backward(self, grad):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        twice = 2 * (a - b) * _per_element(grad, self.reduction, self.size)
        return (unbroadcast(twice, a.shape) if need_a else None,
                unbroadcast(-twice, b.shape) if need_b else None)


def _regression_target(op, input, target):  # noqa: A002
    """The target as an array or tensor of the input's shape. A target of another shape is refused:
    (4, 1) against (4,) would broadcast to (4, 4) and average the wrong thing (PyTorch warns)."""
    if isinstance(target, (int, float)):
        return target
    if not hasattr(target, "creator"):
        target = _as_constant_like(target, input)
    if tuple(target.shape) != tuple(input.shape):
        raise ShapeError(f"{op}: target of shape {tuple(target.shape)} differs from the input of shape "
                         f"{tuple(input.shape)}; they would broadcast to another shape. Reshape one of them "
                         f"(e.g. prediction.squeeze(-1) or target.reshape(prediction.shape))")
    return target


def mse_loss(input, target, reduction="mean"):  # noqa: A002
    """Mean squared error between `input` and a `target` of the same shape.

    >>> autograd.mse_loss(prediction, autograd.tensor([1.0, 2.0]))      # mean of (prediction − y)²
    """
    _check_reduction("mse_loss", reduction)
    return MSELoss(reduction)(input, _regression_target("mse_loss", input, target))


def _reduced(losses, reduction):
    return losses if reduction == "none" else losses.sum() if reduction == "sum" else losses.mean()


def l1_loss(input, target, reduction="mean"):  # noqa: A002
    """Mean absolute error |input − target| (same shapes), as torch.nn.functional.l1_loss.

    >>> autograd.l1_loss(prediction, y)
    """
    _check_reduction("l1_loss", reduction)
    return _reduced(abs(input - _regression_target("l1_loss", input, target)), reduction)


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):  # noqa: A002
    """0.5 d² / beta where |d| < beta, else |d| − 0.5 beta (d = input − target), as PyTorch.

    >>> autograd.smooth_l1_loss(prediction, y, beta=0.5)
    """
    _check_reduction("smooth_l1_loss", reduction)
    if beta < 0:
        raise ArgumentError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    d = input - _regression_target("smooth_l1_loss", input, target)
    size = abs(d)
    if beta == 0:
        return _reduced(size, reduction)
    small = _data(size) < beta
    return _reduced(where(small, d * d * (0.5 / beta), size - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):  # noqa: A002
    """0.5 d² where |d| < delta, else delta (|d| − 0.5 delta), as torch.nn.functional.huber_loss.

    >>> autograd.huber_loss(prediction, y, delta=2.0)
    """
    _check_reduction("huber_loss", reduction)
    if delta <= 0:
        raise ArgumentError(f"huber_loss: delta must be > 0, got {delta}")
    d = input - _regression_target("huber_loss", input, target)
    size = abs(d)
    small = _data(size) < delta
    return _reduced(where(small, d * d * 0.5, (size - 0.5 * delta) * delta), reduction)


def kl_div(input, target, reduction="mean", log_target=False):  # noqa: A002
    """Kullback-Leibler divergence Σ t (log t − input) with `input` log-probabilities, as PyTorch
    (target probabilities, or log-probabilities with log_target=True). reduction 'batchmean' divides
    the sum by the batch size (the true KL per sample); 'mean' averages over every element.

    >>> autograd.kl_div(autograd.log_softmax(logits, dim=1), probs, reduction="batchmean")
    """
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise ArgumentError(f"kl_div: reduction must be 'mean', 'batchmean', 'sum' or 'none', not {reduction!r}")
    target = _regression_target("kl_div", input, target)
    if log_target:
        losses = exp(target) * (target - input)
    else:  # t log t is 0 at t = 0 (the limit), so 0 · log 0 must not give nan
        t = _data(target)
        xp = backend.get_array_module(t)
        safe_log = xp.log(xp.where(t > 0, t, 1))
        log_t = log(where(t > 0, target, 1.0)) if hasattr(target, "creator") else safe_log
        losses = target * (log_t - input)
    if reduction == "batchmean":
        return losses.sum() / (input.shape[0] if input.ndim else 1)
    return _reduced(losses, reduction)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """x1 · x2 / max(‖x1‖ ‖x2‖, eps) along `dim` (inputs broadcast), as PyTorch.

    >>> autograd.cosine_similarity(a, b, dim=-1)
    """
    dot_product = (x1 * x2).sum(dim=dim)
    squared = (x1 * x1).sum(dim=dim) * (x2 * x2).sum(dim=dim)
    return dot_product / sqrt(maximum(squared, eps * eps))


# ---------------------------------------------------------------- declarations


def _np_reduce(losses, reduction, count=None):
    if reduction == "none":
        return losses
    total = losses.sum()
    if reduction == "sum":
        return total
    count = losses.size if count is None else count
    return total / count if count else numpy.nan


def _np_pick(log_probs, target, ignore_index):
    kept = target != ignore_index
    safe = numpy.where(kept, target, 0)
    return kept, numpy.take_along_axis(log_probs, safe[..., None], axis=-1)[..., 0]


def _np_classes_last(x):
    return numpy.moveaxis(x, 1, -1) if x.ndim >= 3 else x


def _np_log_softmax(x, axis):
    m = numpy.max(x, axis=axis, keepdims=True)
    return x - m - numpy.log(numpy.sum(numpy.exp(x - m), axis=axis, keepdims=True))


def _np_cross_entropy(logits, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    if target.dtype.kind == "f":  # class probabilities
        axis = 1 if logits.ndim >= 2 else 0
        classes = logits.shape[axis]
        t = target * (1 - label_smoothing) + label_smoothing / classes
        w = 1.0 if weight is None else weight.reshape((classes,) + (1,) * (logits.ndim - axis - 1))
        return _np_reduce(-(_np_log_softmax(logits, axis) * t * w).sum(axis=axis), reduction)
    log_probs = _np_log_softmax(_np_classes_last(logits), -1)
    classes = log_probs.shape[-1]
    w = numpy.ones(classes) if weight is None else weight
    kept, picked = _np_pick(log_probs, target, ignore_index)
    row_weight = numpy.where(kept, w[numpy.where(kept, target, 0)], 0.0)
    losses = -(1 - label_smoothing) * picked * row_weight \
        - label_smoothing / classes * numpy.where(kept, (log_probs * w).sum(axis=-1), 0.0)
    return _np_reduce(losses, reduction, row_weight.sum())


def _np_nll_loss(log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
    log_probs = _np_classes_last(log_probs)
    w = numpy.ones(log_probs.shape[-1]) if weight is None else weight
    kept, picked = _np_pick(log_probs, target, ignore_index)
    row_weight = numpy.where(kept, w[numpy.where(kept, target, 0)], 0.0)
    return _np_reduce(-picked * row_weight, reduction, row_weight.sum())


def _np_binary_cross_entropy(p, target, weight=None, reduction="mean"):
    losses = -(target * numpy.maximum(numpy.log(p), -100) + (1 - target) * numpy.maximum(numpy.log(1 - p), -100))
    return _np_reduce(losses * (1 if weight is None else weight), reduction)


def _np_bce_with_logits(x, target, weight=None, reduction="mean", pos_weight=None):
    log_sigmoid = -numpy.logaddexp(0, -x)       # log σ(x)
    log_one_minus = -numpy.logaddexp(0, x)      # log(1 − σ(x))
    positive = 1 if pos_weight is None else pos_weight
    losses = -(positive * target * log_sigmoid + (1 - target) * log_one_minus)
    return _np_reduce(losses * (1 if weight is None else weight), reduction)


def _np_mse_loss(a, b, reduction="mean"):
    return _np_reduce((a - b) ** 2, reduction)


def _with_ignored(rng, shape, classes, ignore_index=-100):
    target = rng.integers(0, classes, size=shape)
    target.reshape(-1)[::3] = ignore_index  # every third target is ignored
    return target


def _probabilities(rng, shape, axis):
    p = rng.uniform(0.1, 1.0, size=shape)
    return p / p.sum(axis=axis, keepdims=True)


def _cross_entropy_samples(rng):
    return [Sample((uniform(rng, (4, 5)), rng.integers(0, 5, size=4)), {}, "(N, C)"),
            Sample((uniform(rng, (2, 4, 3)), _with_ignored(rng, (2, 3), 4)), {}, "(N, C, d) with ignored"),
            Sample((uniform(rng, (3, 4)), _with_ignored(rng, (3,), 4)), {"reduction": "sum"}, "sum"),
            Sample((uniform(rng, (2, 4, 3)), _with_ignored(rng, (2, 3), 4, ignore_index=1)),
                   {"reduction": "none", "ignore_index": 1}, "none, ignore_index=1"),
            Sample((uniform(rng, (2, 5, 3)), _with_ignored(rng, (2, 3), 5)), {"label_smoothing": 0.1},
                   "label smoothing"),
            Sample((uniform(rng, (4, 3)), _with_ignored(rng, (4,), 3)), {"weight": rng.uniform(0.5, 2, 3)},
                   "class weights"),
            Sample((uniform(rng, (2, 3, 2)), _with_ignored(rng, (2, 2), 3)),
                   {"weight": rng.uniform(0.5, 2, 3), "label_smoothing": 0.2}, "weights and smoothing"),
            Sample((uniform(rng, (4, 3)), _probabilities(rng, (4, 3), 1)), {}, "probability targets"),
            Sample((uniform(rng, (2, 3, 2)), _probabilities(rng, (2, 3, 2), 1)),
                   {"weight": rng.uniform(0.5, 2, 3), "label_smoothing": 0.1, "reduction": "sum"},
                   "probabilities, weights, smoothing"),
            Sample((uniform(rng, (4, 3)), rng.integers(0, 3, size=4)),
                   {"label_smoothing": 0.25, "reduction": "none"}, "label smoothing, none"),
            Sample((uniform(rng, (5,)), numpy.array(2)), {}, "one row")]


def _nll_samples(rng):
    return [Sample((uniform(rng, (4, 5), -3, 0), rng.integers(0, 5, size=4)), {}, "(N, C)"),
            Sample((uniform(rng, (2, 4, 3), -3, 0), _with_ignored(rng, (2, 3), 4)), {}, "(N, C, d) with ignored"),
            Sample((uniform(rng, (3, 4), -3, 0), _with_ignored(rng, (3,), 4)), {"weight": rng.uniform(0.5, 2, 4)},
                   "class weights"),
            Sample((uniform(rng, (3, 4), -3, 0), _with_ignored(rng, (3,), 4)), {"reduction": "sum"}, "sum"),
            Sample((uniform(rng, (3, 4), -3, 0), rng.integers(0, 4, size=3)), {"reduction": "none"}, "none")]


def _class_shaped(rng, shape):
    """Scores (N, C, d1, ...) (or (C,) for a 0-d target) and class ids of the drawn shape."""
    shape = tuple(shape)
    scores = (4,) if not shape else shape[:1] + (4,) + shape[1:]
    return Sample((uniform(rng, scores), rng.integers(0, 4, size=shape)), {})


def _bce_samples(rng):
    def p(shape):
        return rng.uniform(0.05, 0.95, size=shape)

    return [Sample((p((4,)), rng.uniform(0, 1, size=4)), {}, "soft targets"),
            Sample((p((2, 3)), (rng.random((2, 3)) > 0.5).astype(float)), {"reduction": "sum"}, "hard targets"),
            Sample((p((3,)), rng.uniform(0, 1, size=3)), {"reduction": "none"}, "none"),
            Sample((p(()), numpy.array(1.0)), {}, "scalar"),
            Sample((p((2, 3)), rng.uniform(0, 1, size=(2, 3))), {"weight": rng.uniform(0.5, 2, size=3)}, "weight")]


def _bce_shaped(rng, shape):
    return Sample((rng.uniform(0.05, 0.95, size=shape), rng.uniform(0, 1, size=shape)), {})


def _bce_logits_samples(rng):
    def x(shape, low=-3.0, high=3.0):
        return away_from(rng, shape, (0.0,), low, high)

    return [Sample((x((4,)), rng.uniform(0, 1, size=4)), {}, "soft targets"),
            Sample((x((2, 3)), (rng.random((2, 3)) > 0.5).astype(float)), {"reduction": "sum"}, "hard targets"),
            Sample((x((3,), -30.0, 30.0), rng.uniform(0, 1, size=3)), {"reduction": "none"}, "large |x|"),
            Sample((x((2, 3)), rng.uniform(0, 1, size=(2, 3))), {"pos_weight": rng.uniform(0.5, 3, size=3)},
                   "pos_weight"),
            Sample((x((2, 3)), rng.uniform(0, 1, size=(2, 3))),
                   {"pos_weight": rng.uniform(0.5, 3, size=3), "weight": rng.uniform(0.5, 2, size=(2, 1))},
                   "weight and pos_weight")]


def _bce_logits_shaped(rng, shape):
    return Sample((away_from(rng, shape, (0.0,)), rng.uniform(0, 1, size=shape)), {})


_CLASS_ERRORS = error_cases(
    (([2, 4, 3], numpy.zeros((2, 4), dtype=numpy.int64)), {}, ShapeError, r"class dim.*\(2, 3\)"),
    (([4, 3], numpy.array([0, 1, 2, 3])), {}, IndexOutOfRangeError, "target id 3 is out of range for 3 classes"),
    (([4, 3], numpy.array([0, 1, 2, 0])), {"weight": numpy.ones(2)}, ShapeError, "one entry per class"))
declare("cross_entropy", cross_entropy, _np_cross_entropy, _cross_entropy_samples, shaped=_class_shaped,
        error_inputs=error_cases(*_CLASS_ERRORS.cases, (([4, 3], numpy.ones((4, 2))), {}, ShapeError,
                                                         "probability target of shape")))
declare("nll_loss", nll_loss, _np_nll_loss, _nll_samples, shaped=_class_shaped, error_inputs=_CLASS_ERRORS)
declare("binary_cross_entropy", binary_cross_entropy, _np_binary_cross_entropy, _bce_samples, shaped=_bce_shaped,
        error_inputs=lambda rng: [
            ErrorInput(Sample((numpy.array([0.5, 1.5, 0.2]), rng.uniform(0, 1, 3))), ArgumentError,
                       r"binary_cross_entropy: every input must be a probability in \[0, 1\]"),
            ErrorInput(Sample((rng.uniform(0.1, 0.9, 3), rng.uniform(0, 1, 4))), ShapeError,
                       r"binary_cross_entropy: target of shape \(4,\) does not match the input of shape \(3,\)"),
            ErrorInput(Sample((rng.uniform(0.1, 0.9, 3), rng.uniform(0, 1, 3)), {"reduction": "mean "}),
                       ArgumentError, "reduction must be")])
declare("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits, _np_bce_with_logits,
        _bce_logits_samples, shaped=_bce_logits_shaped,
        error_inputs=lambda rng: [
            ErrorInput(Sample((uniform(rng, (3,)), rng.uniform(0, 1, size=(3, 1)))), ShapeError,
                       r"target of shape \(3, 1\) does not match the input of shape \(3,\)"),
            ErrorInput(Sample((uniform(rng, (2, 3)), rng.uniform(0, 1, size=(2, 3))), {"pos_weight": numpy.ones(4)}),
                       ShapeError, r"pos_weight of shape \(4,\) does not broadcast")])
_SAME_SHAPE_ERRORS = error_cases((([4, 1], numpy.ones(4)), {}, ShapeError, r"target of shape \(4,\) differs"))


def _regression_samples(rng, **kwargs):
    return [Sample((away_from(rng, s, (0.0,)), numpy.zeros(s)), dict(kwargs), f"{s} {kwargs}") for s in [(3,), ()]] + \
        [Sample((uniform(rng, (2, 3)), uniform(rng, (2, 3))), {"reduction": r, **kwargs}, f"{r} {kwargs}")
         for r in ("mean", "sum", "none")]


def _np_smooth_l1(a, b, reduction="mean", beta=1.0):
    d = numpy.abs(a - b)
    return _np_reduce(numpy.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


def _np_huber(a, b, reduction="mean", delta=1.0):
    d = numpy.abs(a - b)
    return _np_reduce(numpy.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction)


def _np_kl_div(x, t, reduction="mean", log_target=False):
    losses = numpy.exp(t) * (t - x) if log_target else numpy.where(t > 0, t * (numpy.log(numpy.where(t > 0, t, 1)) - x), 0.0)
    return losses.sum() / x.shape[0] if reduction == "batchmean" else _np_reduce(losses, reduction)


def _np_cosine_similarity(a, b, dim=1, eps=1e-8):
    return (a * b).sum(axis=dim) / numpy.sqrt(numpy.maximum((a * a).sum(axis=dim) * (b * b).sum(axis=dim), eps * eps))


declare("mse_loss", mse_loss, _np_mse_loss, lambda rng: _regression_samples(rng),
        shaped=lambda rng, shape: Sample((uniform(rng, shape), uniform(rng, shape))), error_inputs=_SAME_SHAPE_ERRORS)
declare("l1_loss", l1_loss, lambda a, b, reduction="mean": _np_reduce(numpy.abs(a - b), reduction),
        lambda rng: [Sample((uniform(rng, (2, 3)), s.args[1] + numpy.sign(uniform(rng, (2, 3))) * 0.5), s.kwargs)
                     for s in _regression_samples(rng)[2:]], twice_differentiable=False, error_inputs=_SAME_SHAPE_ERRORS)
declare("smooth_l1_loss", smooth_l1_loss, _np_smooth_l1,
        lambda rng: [Sample((away_from(rng, (2, 4), (-0.5, 0.5), -2, 2), numpy.zeros((2, 4))), {"beta": 0.5}),
                     Sample((away_from(rng, (5,), (-1.0, 1.0, 0.0), -2, 2), numpy.zeros(5)), {"reduction": "sum"})],
        twice_differentiable=False, error_inputs=_SAME_SHAPE_ERRORS)
declare("huber_loss", huber_loss, _np_huber,
        lambda rng: [Sample((away_from(rng, (2, 4), (-2.0, 2.0, 0.0), -3, 3), numpy.zeros((2, 4))), {"delta": 2.0}),
                     Sample((away_from(rng, (5,), (-1.0, 1.0, 0.0), -2, 2), numpy.zeros(5)), {"reduction": "none"})],
        twice_differentiable=False, error_inputs=_SAME_SHAPE_ERRORS)
declare("kl_div", kl_div, _np_kl_div,
        lambda rng: [Sample((uniform(rng, (3, 4), -3, -0.1), _probabilities(rng, (3, 4), 1)), {"reduction": "batchmean"}),
                     Sample((uniform(rng, (3, 4), -3, -0.1), numpy.log(_probabilities(rng, (3, 4), 1))),
                            {"log_target": True, "reduction": "sum"}, "log_target")],   # zeros in the target (0 log 0 = 0): tests/test_pytorch_contract.py
        error_inputs=error_cases((([3, 4], numpy.ones((3, 4))), {"reduction": "avg"}, ArgumentError, "batchmean")))
declare("cosine_similarity", cosine_similarity, _np_cosine_similarity,
        lambda rng: [Sample((uniform(rng, (3, 4)), uniform(rng, (3, 4)))),
                     Sample((uniform(rng, (2, 3)), uniform(rng, (3,))), {"dim": -1}, "broadcast")],
        error_inputs=error_cases((([3, 4], numpy.ones((3, 5))), {}, ShapeError, r"\(3, 4\).*\(3, 5\)")))

# local derivatives of the losses composed from several nodes (shown in diagrams)
for _name, _formula in [("l1_loss", "∂L/∂x = sign(x − t) / n"),
                        ("smooth_l1_loss", "d = x − t\n∂L/∂x = d / beta where |d| < beta, else sign(d)"),
                        ("huber_loss", "d = x − t\n∂L/∂x = d where |d| < delta, else delta · sign(d)"),
                        ("kl_div", "∂L/∂x = −t,  ∂L/∂t = log t + 1 − x"),
                        ("cosine_similarity", "∂y/∂a = b / (‖a‖‖b‖) − y a / ‖a‖²")]:
    REGISTRY[_name].formula = _formula
