"""Optimizers and learning-rate schedulers.

    >>> opt = autograd.optim.Adam(model.parameters(), lr=1e-3)
    >>> scheduler = autograd.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=20)

Update rules and defaults follow PyTorch, so the same hyper-parameters give
the same trajectory (tests/test_optim.py checks it step by step), and the
schedulers in `optim.lr_scheduler` give PyTorch's lr sequences.
"""
from .optimizer import Optimizer
from .sgd import SGD, Momentum
from .adaptive import AdaGrad, Adagrad, RMSprop, Adadelta
from .adam import Adam, AdamW
from . import lr_scheduler
from .lr_scheduler import (LRScheduler, LambdaLR, MultiplicativeLR, StepLR, MultiStepLR, ExponentialLR,  # noqa: F401
                           CosineAnnealingLR, LinearLR, OneCycleLR, SequentialLR, ReduceLROnPlateau)
