"""Losses as modules: the same functions as `autograd.ops` losses, with their settings stored.

    >>> loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> loss = loss_fn(model(x), y)              # logits (N, C), class ids (N,)

Classes lie on the LAST axis of the scores (logits of shape (N, T, V) and
targets (N, T) for a sequence model), which differs from PyTorch's (N, C, T)
for more than two dimensions; for (N, C) it is the same.
"""
from .. import ops
from ..ops.loss import _check_reduction
from .module import Module

__all__ = ["MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss"]


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
        return ops.mse_loss(prediction, target, reduction=self.reduction)


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


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits (..., C) against class ids (...).

    Targets equal to `ignore_index` (e.g. padding) count for nothing and the
    mean is over the others; `label_smoothing` ε trains against
    (1 - ε) one-hot + ε / C.

    >>> nn.CrossEntropyLoss(ignore_index=0)(logits, target_ids)
    """

    def __init__(self, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, logits, target):
        return ops.cross_entropy(logits, target, ignore_index=self.ignore_index, reduction=self.reduction,
                                 label_smoothing=self.label_smoothing)

    def extra_repr(self):
        parts = [super().extra_repr()]
        if self.ignore_index != -100:
            parts.append(f"ignore_index={self.ignore_index}")
        if self.label_smoothing:
            parts.append(f"label_smoothing={self.label_smoothing}")
        return ", ".join(p for p in parts if p)


class NLLLoss(_Loss):
    """Negative log-likelihood of class ids under log-probabilities (..., C) (after LogSoftmax).

    >>> nn.NLLLoss()(nn.LogSoftmax()(logits), y)      # the same as CrossEntropyLoss()(logits, y)
    """

    def __init__(self, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        self.ignore_index = ignore_index

    def forward(self, log_probabilities, target):
        return ops.nll_loss(log_probabilities, target, ignore_index=self.ignore_index, reduction=self.reduction)

    def extra_repr(self):
        parts = [super().extra_repr()] + ([f"ignore_index={self.ignore_index}"] if self.ignore_index != -100 else [])
        return ", ".join(p for p in parts if p)
