"""Losses as modules (PyTorch's classes): the loss functions of `autograd.nn.functional`, with their
settings stored.

    >>> loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> loss = loss_fn(model(x), y)              # logits (N, C), class ids (N,)

Classes lie on axis 1 of the scores, as in PyTorch: (N, C) or (N, C, d1, ...)
with targets (N, d1, ...). A sequence model's (N, T, V) logits are flattened
first: `loss_fn(logits.reshape(-1, V), y.reshape(-1))`, which means the same
under every convention. A target whose shape does not match the input's is
refused (ShapeError), never broadcast.
"""
from ..errors import ArgumentError
from ..ops.loss import _check_reduction
from . import functional as F
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


class MSELoss(_Loss):
    """Mean squared error (prediction - target)².  >>> nn.MSELoss()(model(x), y)"""

    def forward(self, prediction, target):
        return F.mse_loss(prediction, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error |prediction - target|.  >>> nn.L1Loss()(model(x), y)"""

    def forward(self, prediction, target):
        return F.l1_loss(prediction, target, reduction=self.reduction)


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
        return F.smooth_l1_loss(prediction, target, reduction=self.reduction, beta=self.beta)


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
        return F.huber_loss(prediction, target, reduction=self.reduction, delta=self.delta)


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
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)

    def extra_repr(self):
        parts = [f"reduction={self.reduction!r}"] if self.reduction != "mean" else []
        return ", ".join(parts + (["log_target=True"] if self.log_target else []))


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in [0, 1] (after a sigmoid).

    Prefer BCEWithLogitsLoss on the raw scores: it is stable where sigmoid saturates.

    >>> nn.BCELoss()(autograd.sigmoid(scores), y)
    """

    def forward(self, probabilities, target):
        return F.binary_cross_entropy(probabilities, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of sigmoid(scores), computed stably from the scores.

    >>> nn.BCEWithLogitsLoss(pos_weight=autograd.tensor([3.0]))(scores, y)
    """

    def __init__(self, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.pos_weight = pos_weight

    def forward(self, scores, target):
        return F.binary_cross_entropy_with_logits(scores, target, reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


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
        return F.cross_entropy(logits, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)

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
        return F.nll_loss(log_probabilities, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)

    def extra_repr(self):
        parts = [super().extra_repr()] + ([f"ignore_index={self.ignore_index}"] if self.ignore_index != -100 else [])
        return ", ".join(p for p in parts if p)
