"""Learning-rate schedules: change each group's `lr` as training goes on.

Call `scheduler.step()` once per epoch, after the optimizer's steps:

    >>> scheduler = autograd.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    >>> for epoch in range(30):
    ...     train_one_epoch(); scheduler.step()          # lr halves every 10 epochs

`ReduceLROnPlateau` instead watches a metric: `scheduler.step(val_loss)`, and
divides the lr by 1/factor when the metric has not improved for `patience`
epochs (factor=0.25 divides by 4, as in the classic PTB language models).
"""
import math

import numpy

from ..errors import ArgumentError, CheckpointError

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau"]


def _check_optimizer(scheduler, optimizer):
    if not hasattr(optimizer, "param_groups"):
        raise ArgumentError(f"{type(scheduler).__name__} needs an optimizer, not {type(optimizer).__name__}")


def _check_number(scheduler, name, value, integer=False, low=0):
    """Refuse a setting that is not a (whole) number >= low, NaN included, naming the scheduler."""
    kinds = (int, numpy.integer) if integer else (int, float, numpy.number)
    if isinstance(value, bool) or not isinstance(value, kinds) or not value >= low or value == math.inf:
        kind = "an integer" if integer else "a finite number"
        raise ArgumentError(f"{type(scheduler).__name__}: {name} must be {kind} >= {low}, got {value!r}")


class _Scheduler:
    """What every scheduler shares: the last lr of each group, and a state dict of its own attributes."""

    def get_last_lr(self):
        """The lr of each parameter group, as last set."""
        return list(self._last_lr)

    def state_dict(self):
        """Every attribute but the optimizer (which is saved on its own)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state):
        """Restore what `state_dict()` gave; checked first (names, kinds of value, lengths), nothing
        changes on a refusal."""
        own = self.state_dict()
        problems = []
        if not isinstance(state, dict):
            raise CheckpointError(f"{type(self).__name__}.load_state_dict needs a dict, not {type(state).__name__}")
        for name, value in state.items():
            if name not in own:
                problems.append(f"unknown entry {name!r}")
            elif not _same_kind(own[name], value):
                problems.append(f"{name}: expected {_kind(own[name])}, got {_kind(value)}")
        if problems:
            raise CheckpointError(f"cannot load the {type(self).__name__} state (nothing was changed): "
                                  + "; ".join(problems))
        self.__dict__.update({k: (list(v) if isinstance(v, tuple) else v) for k, v in state.items()})


def _kind(value):
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)}"
    if isinstance(value, bool):
        return "True or False"
    if isinstance(value, (int, float, numpy.number)):
        return "a number"
    return type(value).__name__


def _same_kind(expected, value):
    """A loaded scheduler entry fits the current one: a number for a number, a list of as many, ..."""
    if isinstance(expected, (list, tuple)):
        return (isinstance(value, (list, tuple)) and len(value) == len(expected)
                and all(_same_kind(e, v) for e, v in zip(expected, value)))
    if expected is None or value is None:
        return True  # optional entries (e.g. an initial lr not set yet)
    return _kind(expected) == _kind(value)


class LRScheduler(_Scheduler):
    """Base class: `lr_at(base_lr, epoch)` gives a group's lr after `epoch` calls to step()."""

    def __init__(self, optimizer):
        _check_optimizer(self, optimizer)
        self.optimizer = optimizer
        self.base_lrs = [group.setdefault("initial_lr", group["lr"]) for group in optimizer.param_groups]
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def lr_at(self, base_lr, epoch):
        raise NotImplementedError

    def step(self):
        self.last_epoch += 1
        for group, base_lr in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = self.lr_at(base_lr, self.last_epoch)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (epoch // step_size).

    >>> StepLR(opt, step_size=30, gamma=0.1)          # 0.1 for epochs 0-29, 0.01 for 30-59, ...
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        _check_number(self, "step_size", step_size, integer=True, low=1)
        _check_number(self, "gamma", gamma, low=0)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** epoch.

    >>> ExponentialLR(opt, gamma=0.95)
    """

    def __init__(self, optimizer, gamma):
        _check_number(self, "gamma", gamma, low=0)
        self.gamma = gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        return base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2: a half cosine to eta_min.

    >>> CosineAnnealingLR(opt, T_max=50)             # reaches eta_min after 50 steps
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):  # noqa: N803 (PyTorch's name)
        _check_number(self, "T_max", T_max, integer=True, low=1)
        _check_number(self, "eta_min", eta_min, low=0)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def lr_at(self, base_lr, epoch):
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


class ReduceLROnPlateau(_Scheduler):
    """Multiply the lr by `factor` when `metric` has not improved for `patience` epochs.

    mode="min" for losses and perplexities, "max" for accuracies. An
    improvement must beat the best value by `threshold` (relative by default).
    After a reduction, `cooldown` epochs pass before counting again; the lr
    never goes below `min_lr`.

    >>> scheduler = ReduceLROnPlateau(opt, factor=0.25, patience=0)
    >>> scheduler.step(val_perplexity)              # lr / 4 whenever it does not improve
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0.0, eps=1e-8):
        _check_optimizer(self, optimizer)
        _check_number(self, "factor", factor, low=0)
        if not factor < 1:
            raise ArgumentError(f"ReduceLROnPlateau: factor must be < 1, got {factor}")
        if mode not in ("min", "max") or threshold_mode not in ("rel", "abs"):
            raise ArgumentError(f"ReduceLROnPlateau: mode must be 'min' or 'max' and threshold_mode 'rel' or "
                                f"'abs', got {mode!r} and {threshold_mode!r}")
        _check_number(self, "patience", patience, integer=True, low=0)
        _check_number(self, "cooldown", cooldown, integer=True, low=0)
        for name, value in (("threshold", threshold), ("min_lr", min_lr), ("eps", eps)):
            _check_number(self, name, value, low=0)
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.min_lr, self.eps = cooldown, min_lr, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def is_better(self, value):
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return value < (self.best * (1 - self.threshold) if rel else self.best - self.threshold)
        return value > (self.best * (1 + self.threshold) if rel else self.best + self.threshold)

    def step(self, metric):
        metric = float(metric)
        self.last_epoch += 1
        if self.is_better(metric):
            self.best = metric
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group in self.optimizer.param_groups:
                new_lr = max(group["lr"] * self.factor, self.min_lr)
                if group["lr"] - new_lr > self.eps:  # skip changes too small to matter
                    group["lr"] = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
