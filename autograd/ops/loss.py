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
import numpy

from .. import backend
from ..errors import ShapeError, IndexOutOfRangeError, ArgumentError, DTypeError
from ..graph import Function
from .elementwise import unbroadcast
from .nn import _integer_ids
from .registry import declare, Sample, uniform, away_from, binary_samples, binary_shaped, ErrorInput
from ..tensor import unwrap

__all__ = ["cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss"]


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


def _class_ids(op, scores, target, ignore_index):
    """Validate integer class ids for scores (..., V): shape (...) and every id in [0, V)."""
    if scores.ndim < 1:
        raise ShapeError(f"{op}: scores must have a class axis (the last one), got shape {tuple(scores.shape)}")
    ids = _integer_ids(op, target, unwrap(scores))
    if tuple(ids.shape) != tuple(scores.shape[:-1]):
        raise ShapeError(f"{op}: target of shape {tuple(ids.shape)} does not fit scores of shape "
                         f"{tuple(scores.shape)}; the target must have the scores' shape without the "
                         f"class axis, {tuple(scores.shape[:-1])}")
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
        # Softmax rows, computed in place in one buffer: shift by the max, exp, normalise.
        largest = scores.max(axis=1, keepdims=True)
        probs = scores - largest
        xp.exp(probs, out=probs)
        total = probs.sum(axis=1, keepdims=True)
        probs /= total
        log_normaliser = (largest + xp.log(total)).reshape(-1)  # log Σ_c exp(z_c) per row
        losses = log_normaliser - scores[self.rows, self.picked]  # −log p_target
        smoothing = self.label_smoothing
        if smoothing:  # −(ε/V) Σ_c log p_c = ε (log Σ exp z − mean_c z_c)
            losses = (1.0 - smoothing) * losses + smoothing * (log_normaliser - scores.mean(axis=1))
        self.save_for_backward(logits, probs)
        return self._output(losses)

    formula = "∂L/∂z = softmax(z) − onehot(t)"

    def backward(self, grad):
        if not self.needs_input_grad[0]:
            return None, None
        logits, probs = self.saved_tensors
        row_grad = grad * self.weights  # the gradient reaching each row's loss, shape (...)
        smoothing = self.label_smoothing
        if hasattr(grad, "creator"):
            # Under create_graph: the same formula written differentiably, with the softmax
            # recomputed from the logits (the saved one is a constant).
            probs = self.xp.softmax(logits, axis=-1)
            q = self._target_distribution(logits.dtype, logits.data, smoothing)
            return (probs - q) * row_grad.reshape(row_grad.shape + (1,)), None
        # Plain backward: (p − q) × row_grad, without building the dense one-hot q.
        scale = row_grad.reshape(-1, 1)
        grad_scores = probs * scale
        grad_scores[self.rows, self.picked] -= (1.0 - smoothing) * scale[:, 0]
        if smoothing:
            grad_scores -= (smoothing / probs.shape[1]) * scale
        return grad_scores.reshape(logits.shape), None


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


def cross_entropy(logits, target, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy of logits (..., V) against integer class ids (...).

    Targets equal to `ignore_index` contribute nothing; 'mean' averages over
    the others. `label_smoothing` ε mixes the one-hot target with ε/V (PyTorch semantics).

    >>> logits = autograd.randn(2, 3, 10, requires_grad=True)            # (N, T, V)
    >>> autograd.cross_entropy(logits, numpy.array([[1, 2, 3], [4, 5, -100]]))
    """
    _check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ArgumentError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    ids = _class_ids("cross_entropy", logits, target, ignore_index)
    return CrossEntropy(ignore_index, reduction, float(label_smoothing))(logits, ids)


def nll_loss(log_probs, target, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of integer class ids (...) under log-probabilities (..., V).

    >>> autograd.nll_loss(autograd.log_softmax(logits), numpy.array([0, 2]))   # = cross_entropy(logits, ...)
    """
    _check_reduction("nll_loss", reduction)
    ids = _class_ids("nll_loss", log_probs, target, ignore_index)
    return NLLLoss(ignore_index, reduction)(log_probs, ids)


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
        grad = _per_element(grad, self.reduction, p.size)
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
        grad = _per_element(grad, self.reduction, x.size)
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


def binary_cross_entropy(p, target, reduction="mean"):
    """Binary cross-entropy of probabilities `p` in [0, 1] against targets of the same shape.

    >>> p = autograd.sigmoid(scores)
    >>> autograd.binary_cross_entropy(p, autograd.tensor([1.0, 0.0, 1.0]))
    """
    _check_reduction("binary_cross_entropy", reduction)
    target = _as_constant_like(target, p)
    _check_same_shape("binary_cross_entropy", p, target)
    probabilities = unwrap(p)
    if probabilities.size and not bool(((probabilities >= 0) & (probabilities <= 1)).all()):  # NaN too
        raise ArgumentError("binary_cross_entropy: every input must be a probability in [0, 1], got values in "
                            f"[{float(probabilities.min())}, {float(probabilities.max())}] (apply sigmoid, or "
                            "use binary_cross_entropy_with_logits)")
    return BinaryCrossEntropy(reduction)(p, target)


def binary_cross_entropy_with_logits(x, target, reduction="mean", pos_weight=None):
    """Binary cross-entropy of sigmoid(x), stable for large |x|; prefer it to sigmoid + BCE.

    `pos_weight` (broadcast along the last axis, one per class) weighs the positive term.
    >>> autograd.binary_cross_entropy_with_logits(autograd.tensor([1000.0, -1000.0]),
    ...                                           autograd.tensor([1.0, 0.0]))      # 0, not nan
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    target = _as_constant_like(target, x)
    _check_same_shape("binary_cross_entropy_with_logits", x, target)
    if pos_weight is not None:
        pos_weight = _as_constant_like(pos_weight, x)
        try:
            fits = numpy.broadcast_shapes(tuple(pos_weight.shape), tuple(x.shape)) == tuple(x.shape)
        except ValueError:
            fits = False
        if not fits:
            raise ShapeError(f"binary_cross_entropy_with_logits: pos_weight of shape {tuple(pos_weight.shape)} "
                             f"does not broadcast to the input of shape {tuple(x.shape)}")
    return BinaryCrossEntropyWithLogits(reduction)(x, target, pos_weight)


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


def mse_loss(a, b, reduction="mean"):
    """Mean squared error between `a` and `b` (which broadcast against each other).

    >>> autograd.mse_loss(prediction, autograd.tensor([1.0, 2.0]))      # mean of (prediction − y)²
    """
    _check_reduction("mse_loss", reduction)
    if not hasattr(b, "creator") and not isinstance(b, (int, float)):
        b = _as_constant_like(b, a)
    return MSELoss(reduction)(a, b)


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


def _np_cross_entropy(logits, target, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    m = numpy.max(logits, axis=-1, keepdims=True)
    log_probs = logits - m - numpy.log(numpy.sum(numpy.exp(logits - m), axis=-1, keepdims=True))
    kept, picked = _np_pick(log_probs, target, ignore_index)
    losses = -(1 - label_smoothing) * picked - label_smoothing * log_probs.mean(axis=-1)
    return _np_reduce(numpy.where(kept, losses, 0.0), reduction, kept.sum())


def _np_nll_loss(log_probs, target, ignore_index=-100, reduction="mean"):
    kept, picked = _np_pick(log_probs, target, ignore_index)
    return _np_reduce(numpy.where(kept, -picked, 0.0), reduction, kept.sum())


def _np_binary_cross_entropy(p, target, reduction="mean"):
    losses = -(target * numpy.maximum(numpy.log(p), -100) + (1 - target) * numpy.maximum(numpy.log(1 - p), -100))
    return _np_reduce(losses, reduction)


def _np_bce_with_logits(x, target, reduction="mean", pos_weight=None):
    log_sigmoid = -numpy.logaddexp(0, -x)       # log σ(x)
    log_one_minus = -numpy.logaddexp(0, x)      # log(1 − σ(x))
    weight = 1 if pos_weight is None else pos_weight
    return _np_reduce(-(weight * target * log_sigmoid + (1 - target) * log_one_minus), reduction)


def _np_mse_loss(a, b, reduction="mean"):
    return _np_reduce((a - b) ** 2, reduction)


def _with_ignored(rng, shape, classes, ignore_index=-100):
    target = rng.integers(0, classes, size=shape)
    target.reshape(-1)[::3] = ignore_index  # every third target is ignored
    return target


def _cross_entropy_samples(rng):
    return [Sample((uniform(rng, (4, 5)), rng.integers(0, 5, size=4)), {}, "(N, V)"),
            Sample((uniform(rng, (2, 3, 4)), _with_ignored(rng, (2, 3), 4)), {}, "(N, T, V) with ignored"),
            Sample((uniform(rng, (3, 4)), _with_ignored(rng, (3,), 4)), {"reduction": "sum"}, "sum"),
            Sample((uniform(rng, (2, 3, 4)), _with_ignored(rng, (2, 3), 4, ignore_index=1)),
                   {"reduction": "none", "ignore_index": 1}, "none, ignore_index=1"),
            Sample((uniform(rng, (2, 3, 5)), _with_ignored(rng, (2, 3), 5)), {"label_smoothing": 0.1},
                   "label smoothing"),
            Sample((uniform(rng, (4, 3)), rng.integers(0, 3, size=4)),
                   {"label_smoothing": 0.25, "reduction": "none"}, "label smoothing, none"),
            Sample((uniform(rng, (5,)), numpy.array(2)), {}, "one row")]


def _nll_samples(rng):
    return [Sample((uniform(rng, (4, 5), -3, 0), rng.integers(0, 5, size=4)), {}, "(N, V)"),
            Sample((uniform(rng, (2, 3, 4), -3, 0), _with_ignored(rng, (2, 3), 4)), {}, "(N, T, V) with ignored"),
            Sample((uniform(rng, (3, 4), -3, 0), _with_ignored(rng, (3,), 4)), {"reduction": "sum"}, "sum"),
            Sample((uniform(rng, (3, 4), -3, 0), rng.integers(0, 4, size=3)), {"reduction": "none"}, "none")]


def _class_shaped(rng, shape):
    return Sample((uniform(rng, tuple(shape) + (4,)), rng.integers(0, 4, size=shape)), {})


def _bce_samples(rng):
    def p(shape):
        return rng.uniform(0.05, 0.95, size=shape)

    return [Sample((p((4,)), rng.uniform(0, 1, size=4)), {}, "soft targets"),
            Sample((p((2, 3)), (rng.random((2, 3)) > 0.5).astype(float)), {"reduction": "sum"}, "hard targets"),
            Sample((p((3,)), rng.uniform(0, 1, size=3)), {"reduction": "none"}, "none"),
            Sample((p(()), numpy.array(1.0)), {}, "scalar")]


def _bce_shaped(rng, shape):
    return Sample((rng.uniform(0.05, 0.95, size=shape), rng.uniform(0, 1, size=shape)), {})


def _bce_logits_samples(rng):
    def x(shape, low=-3.0, high=3.0):
        return away_from(rng, shape, (0.0,), low, high)

    return [Sample((x((4,)), rng.uniform(0, 1, size=4)), {}, "soft targets"),
            Sample((x((2, 3)), (rng.random((2, 3)) > 0.5).astype(float)), {"reduction": "sum"}, "hard targets"),
            Sample((x((3,), -30.0, 30.0), rng.uniform(0, 1, size=3)), {"reduction": "none"}, "large |x|"),
            Sample((x((2, 3)), rng.uniform(0, 1, size=(2, 3))), {"pos_weight": rng.uniform(0.5, 3, size=3)},
                   "pos_weight")]


def _bce_logits_shaped(rng, shape):
    return Sample((away_from(rng, shape, (0.0,)), rng.uniform(0, 1, size=shape)), {})


def _loss_errors(rng):
    def refused(error, match, *args, **kwargs):
        return ErrorInput(Sample(args, kwargs), error, match)

    scores = uniform(rng, (3, 4))
    ids = numpy.array([0, 3, 1])
    probabilities = rng.uniform(0.1, 0.9, size=3)
    class_losses = {
        name: [refused(ShapeError, f"{name}: target of shape \\(2,\\) does not fit scores of shape \\(3, 4\\)",
                       scores, numpy.array([0, 1])),
               refused(IndexOutOfRangeError, f"{name}: target id 4 is out of range for 4 classes", scores,
                       numpy.array([0, 4, 1])),
               refused(IndexOutOfRangeError, f"{name}: target id -2 is out of range", scores, numpy.array([0, -2, 1])),
               refused(DTypeError, f"{name}: ids must be integers", scores, numpy.array([0.0, 1.0, 2.0])),
               refused(ArgumentError, f"{name}: reduction must be", scores, ids, reduction="avg"),
               refused(ShapeError, f"{name}: scores must have a class axis", uniform(rng, ()), numpy.array(0))]
        for name in ("cross_entropy", "nll_loss")}
    class_losses["cross_entropy"].append(
        refused(ArgumentError, "cross_entropy: label_smoothing must be in", scores, ids, label_smoothing=1.5))
    return {
        **class_losses,
        "binary_cross_entropy": [
            refused(ArgumentError, r"binary_cross_entropy: every input must be a probability in \[0, 1\]",
                    numpy.array([0.5, 1.5, 0.2]), probabilities),
            refused(ArgumentError, "binary_cross_entropy: every input must be a probability",
                    numpy.array([0.5, numpy.nan, 0.2]), probabilities),
            refused(ShapeError, r"binary_cross_entropy: target of shape \(4,\) does not match the input of shape "
                                r"\(3,\)", probabilities, rng.uniform(0, 1, size=4)),
            refused(ArgumentError, "binary_cross_entropy: reduction must be", probabilities, probabilities,
                    reduction="mean ")],
        "binary_cross_entropy_with_logits": [
            refused(ShapeError, r"target of shape \(3, 1\) does not match the input of shape \(3,\)",
                    uniform(rng, (3,)), rng.uniform(0, 1, size=(3, 1))),
            refused(ShapeError, r"pos_weight of shape \(4,\) does not broadcast", uniform(rng, (2, 3)),
                    rng.uniform(0, 1, size=(2, 3)), pos_weight=numpy.ones(4))],
        "mse_loss": [refused(ShapeError, r"incompatible shapes \(3,\) and \(4,\)", uniform(rng, (3,)),
                             uniform(rng, (4,))),
                     refused(ArgumentError, "mse_loss: reduction must be", uniform(rng, (3,)), uniform(rng, (3,)),
                             reduction=None)],
    }


def _errors_of(name):
    return lambda rng: _loss_errors(rng)[name]


declare("cross_entropy", cross_entropy, _np_cross_entropy, _cross_entropy_samples, shaped=_class_shaped,
        error_inputs=_errors_of("cross_entropy"))
declare("nll_loss", nll_loss, _np_nll_loss, _nll_samples, shaped=_class_shaped,
        error_inputs=_errors_of("nll_loss"))
declare("binary_cross_entropy", binary_cross_entropy, _np_binary_cross_entropy, _bce_samples, shaped=_bce_shaped,
        error_inputs=_errors_of("binary_cross_entropy"))
declare("binary_cross_entropy_with_logits", binary_cross_entropy_with_logits, _np_bce_with_logits,
        _bce_logits_samples, shaped=_bce_logits_shaped,
        error_inputs=_errors_of("binary_cross_entropy_with_logits"))
declare("mse_loss", mse_loss, _np_mse_loss,
        lambda rng: binary_samples()(rng) + [Sample((uniform(rng, (2, 3)), uniform(rng, (2, 3))), {"reduction": r}, r)
                                             for r in ("sum", "none")],
        shaped=binary_shaped(), arity=2,
        error_inputs=_errors_of("mse_loss"))
