"""Losses as modules (PyTorch's classes): the loss functions, with their settings stored.

    >>> loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> loss = loss_fn(model(x), y)              # logits (N, C), class ids (N,)

Classes lie on axis 1 of the scores, as in PyTorch: (N, C) or (N, C, d1, ...)
with targets (N, d1, ...). A sequence model's (N, T, V) logits are flattened
first: `loss_fn(logits.reshape(-1, V), y.reshape(-1))`, which means the same
under every convention. A target whose shape does not match the input's is
refused (ShapeError), never broadcast.
"""
import numpy

from .. import backend, ops
from ..errors import ArgumentError, ShapeError
from ..ops.loss import _check_reduction, _check_same_shape
from ..tensor import Tensor
from .module import Module

__all__ = ["MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss", "BCELoss", "BCEWithLogitsLoss",
           "CrossEntropyLoss", "NLLLoss"]


class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        _check_reduction(type(self).__name__, reduction)
        self.reduction = reduction

    def extra_repr(self):
        return f"reduction={self.reduction!r}" if self.reduction != "mean" else ""


def _reduced(losses, reduction):
    """Per-element losses (a tensor) reduced as asked."""
    if reduction == "sum":
        return losses.sum()
    if reduction == "mean":
        return losses.mean()
    return losses


def _like(value, like):
    """A target that is not a Tensor as a constant of the input's dtype and device."""
    if isinstance(value, Tensor):
        return value
    data = like.data if isinstance(like, Tensor) else numpy.asarray(like)
    return Tensor(backend.as_array(value, dtype=data.dtype, device=backend.device_of(data)))


def _difference(name, prediction, target):
    target = _like(target, prediction)
    _check_same_shape(name, prediction, target)
    return prediction - target


class MSELoss(_Loss):
    """Mean squared error (prediction - target)².  >>> nn.MSELoss()(model(x), y)"""

    def forward(self, prediction, target):
        return ops.mse_loss(prediction, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error |prediction - target|.  >>> nn.L1Loss()(model(x), y)"""

    def forward(self, prediction, target):
        # TODO(F): F.l1_loss(prediction, target, reduction=self.reduction)
        return _reduced(ops.abs(_difference("L1Loss", prediction, target)), self.reduction)


def _quadratic_then_linear(difference, width, quadratic_scale):
    """0.5 d² * quadratic_scale for |d| < width, else |d| - 0.5 width, times width * quadratic_scale."""
    size = ops.abs(difference)
    inside = size.data < width  # a constant mask, on the input's device
    return ops.where(inside, 0.5 * difference * difference * quadratic_scale,
                     (size - 0.5 * width) * (width * quadratic_scale))


class SmoothL1Loss(_Loss):
    """0.5 d² / beta where |d| < beta, |d| - 0.5 beta elsewhere (d = prediction - target); beta=0 is L1.

    >>> nn.SmoothL1Loss(beta=1.0)(boxes, target_boxes)
    """

    def __init__(self, reduction="mean", beta=1.0):
        super().__init__(reduction)
        if beta < 0:
            raise ArgumentError(f"SmoothL1Loss: beta must be >= 0, got {beta}")
        self.beta = beta

    def forward(self, prediction, target):
        # TODO(F): F.smooth_l1_loss(prediction, target, reduction=self.reduction, beta=self.beta)
        difference = _difference("SmoothL1Loss", prediction, target)
        if self.beta == 0:
            return _reduced(ops.abs(difference), self.reduction)
        return _reduced(_quadratic_then_linear(difference, self.beta, 1.0 / self.beta), self.reduction)


class HuberLoss(_Loss):
    """0.5 d² where |d| <= delta, delta (|d| - 0.5 delta) elsewhere: SmoothL1Loss(beta=delta) times delta.

    >>> nn.HuberLoss(delta=2.0)(prediction, target)
    """

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        if delta <= 0:
            raise ArgumentError(f"HuberLoss: delta must be > 0, got {delta}")
        self.delta = delta

    def forward(self, prediction, target):
        # TODO(F): F.huber_loss(prediction, target, reduction=self.reduction, delta=self.delta)
        difference = _difference("HuberLoss", prediction, target)
        return _reduced(_quadratic_then_linear(difference, self.delta, 1.0), self.reduction)


class KLDivLoss(Module):
    """Kullback-Leibler divergence target · (log target - input), with `input` log-probabilities.

    `log_target=True` takes the target as log-probabilities too. reduction
    'batchmean' (sum / batch size) is the true KL divergence per example;
    'mean' averages over every element, as PyTorch (which warns about it).

    >>> nn.KLDivLoss(reduction="batchmean")(autograd.log_softmax(student, axis=-1), teacher_probs)
    """

    def __init__(self, reduction="mean", log_target=False):
        super().__init__()
        if reduction not in ("mean", "sum", "none", "batchmean"):
            raise ArgumentError(f"KLDivLoss: reduction must be 'mean', 'batchmean', 'sum' or 'none', "
                                f"not {reduction!r}")
        self.reduction, self.log_target = reduction, log_target

    def forward(self, input, target):  # noqa: A002 (PyTorch's name)
        # TODO(F): F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
        target = _like(target, input)
        _check_same_shape("KLDivLoss", input, target)
        if self.log_target:
            losses = ops.exp(target) * (target - input)
        else:
            positive = target.data > 0
            safe = ops.where(positive, target, 1.0)  # log(1) = 0 where the target is 0: 0 log 0 = 0
            losses = target * ops.log(safe) - target * input
        if self.reduction == "batchmean":
            return losses.sum() / (input.shape[0] if input.ndim else 1)
        return _reduced(losses, self.reduction)

    def extra_repr(self):
        parts = [f"reduction={self.reduction!r}"] if self.reduction != "mean" else []
        return ", ".join(parts + (["log_target=True"] if self.log_target else []))


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in [0, 1] (after a sigmoid).

    Prefer BCEWithLogitsLoss on the raw scores: it is stable where sigmoid saturates.

    >>> nn.BCELoss()(autograd.sigmoid(scores), y)
    """

    def forward(self, probabilities, target):
        return ops.binary_cross_entropy(probabilities, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of sigmoid(scores), computed stably from the scores.

    >>> nn.BCEWithLogitsLoss(pos_weight=autograd.tensor([3.0]))(scores, y)
    """

    def __init__(self, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.pos_weight = pos_weight

    def forward(self, scores, target):
        return ops.binary_cross_entropy_with_logits(scores, target, reduction=self.reduction,
                                                    pos_weight=self.pos_weight)


def _classes_last(scores, target):
    """(M, C) scores and (M,) ids with the class axis 1 of (N, C, d1, ...) moved last and flattened;
    also the shape the unreduced losses take, (N, d1, ...)."""
    ids = numpy.asarray(backend.to_device(target.data, "cpu") if isinstance(target, Tensor) else target)
    if ids.dtype.kind not in "iu":
        raise ArgumentError("class weights with probability (floating) targets are not supported yet: "
                            "give integer class ids")  # TODO(F): F.cross_entropy handles both
    if scores.ndim < 1 or scores.ndim > 1 and tuple(ids.shape) != (scores.shape[0],) + tuple(scores.shape[2:]) \
            or scores.ndim == 1 and ids.ndim != 0:
        expected = () if scores.ndim == 1 else (scores.shape[0],) + tuple(scores.shape[2:])
        raise ShapeError(f"target of shape {tuple(ids.shape)} does not fit scores of shape {tuple(scores.shape)}: "
                         f"the classes are on axis 1, so the target should be {expected}")
    if scores.ndim >= 3:  # (N, C, d1, ..., dk) -> (N, dk, ..., d1, C); the ids follow the same swap
        scores, ids = ops.swapaxes(scores, 1, -1), ids.swapaxes(1, -1)
    shape = ids.shape
    classes = scores.shape[-1]
    return ops.reshape(scores, (-1, classes)), ids.reshape(-1), shape


def _weighted_class_loss(log_probs, target, weight, ignore_index, reduction, label_smoothing):
    """NLL of class ids under (N, C, ...) log-probabilities, each example weighted by weight[its class].

    As PyTorch: 'mean' divides by the sum of the weights of the counted
    examples; label smoothing ε adds ε/C · Σ_c weight[c] · (-log p_c).
    """
    flat, ids, shape = _classes_last(log_probs, target)
    classes = flat.shape[-1]
    weight = backend.to_device(weight.data, "cpu") if isinstance(weight, Tensor) else weight
    weight = numpy.asarray(weight, dtype=flat.dtype)
    if weight.shape != (classes,):
        raise ShapeError(f"weight has shape {weight.shape}, expected one weight per class ({classes},)")
    counted = ids != ignore_index
    if counted.any() and (ids[counted].min() < 0 or ids[counted].max() >= classes):
        raise ShapeError(f"a target id is out of range for {classes} classes (ignore_index={ignore_index})")
    safe = numpy.where(counted, ids, 0)
    row_weight = weight[safe] * counted  # 0 for ignored examples
    device = backend.device_of(flat.data)
    rows = numpy.arange(ids.size)
    picked = flat[backend.to_device(rows, device), backend.to_device(safe, device)]
    losses = -picked * Tensor(backend.to_device(row_weight, device))
    if label_smoothing:
        smooth = -(flat * Tensor(backend.to_device(weight, device))).sum(axis=-1) \
            * Tensor(backend.to_device(counted.astype(flat.dtype), device))
        losses = (1 - label_smoothing) * losses + (label_smoothing / classes) * smooth
    if reduction == "sum":
        return losses.sum()
    if reduction == "mean":
        return losses.sum() / float(row_weight.sum())
    losses = ops.reshape(losses, shape)
    return ops.swapaxes(losses, 1, -1) if len(shape) >= 2 else losses


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits (N, C) (or (N, C, d1, ...)) against class ids (N,) (or (N, d1, ...)).

    Targets equal to `ignore_index` (e.g. padding) count for nothing and the
    mean is over the others; `weight` (C,) weighs each class (the mean is then
    divided by the total weight, as PyTorch); `label_smoothing` ε trains against
    (1 - ε) one-hot + ε / C.

    >>> nn.CrossEntropyLoss(ignore_index=0)(logits, target_ids)
    >>> nn.CrossEntropyLoss(weight=autograd.tensor([1.0, 5.0]))(logits, labels)   # the rare class counts 5x
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ArgumentError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing}")
        self.weight = weight
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, logits, target):
        if self.weight is None:
            return ops.cross_entropy(logits, target, ignore_index=self.ignore_index, reduction=self.reduction,
                                     label_smoothing=self.label_smoothing)
        # TODO(F): F.cross_entropy(logits, target, weight=self.weight, ...) once it exists
        log_probs = ops.log_softmax(logits, axis=1 if logits.ndim > 1 else 0)
        return _weighted_class_loss(log_probs, target, self.weight, self.ignore_index, self.reduction,
                                    self.label_smoothing)

    def extra_repr(self):
        parts = [super().extra_repr()]
        if self.ignore_index != -100:
            parts.append(f"ignore_index={self.ignore_index}")
        if self.label_smoothing:
            parts.append(f"label_smoothing={self.label_smoothing}")
        return ", ".join(p for p in parts if p)


class NLLLoss(_Loss):
    """Negative log-likelihood of class ids under log-probabilities (N, C) (after LogSoftmax);
    `weight` (C,) weighs each class as in CrossEntropyLoss.

    >>> nn.NLLLoss()(nn.LogSoftmax(dim=1)(logits), y)      # the same as CrossEntropyLoss()(logits, y)
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = ignore_index

    def forward(self, log_probabilities, target):
        if self.weight is None:
            return ops.nll_loss(log_probabilities, target, ignore_index=self.ignore_index,
                                reduction=self.reduction)
        # TODO(F): F.nll_loss(log_probabilities, target, weight=self.weight, ...) once it exists
        return _weighted_class_loss(log_probabilities, target, self.weight, self.ignore_index, self.reduction, 0.0)

    def extra_repr(self):
        parts = [super().extra_repr()] + ([f"ignore_index={self.ignore_index}"] if self.ignore_index != -100 else [])
        return ", ".join(p for p in parts if p)
