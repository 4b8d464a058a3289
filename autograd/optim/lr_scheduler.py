"""Learning-rate schedules: change each group's `lr` as training goes on (PyTorch's schedulers).

Call `scheduler.step()` once per epoch (or per batch for OneCycleLR), after the optimizer's steps:

    >>> scheduler = autograd.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    >>> for epoch in range(30):
    ...     train_one_epoch(); scheduler.step()          # lr halves every 10 epochs

`ReduceLROnPlateau` instead watches a metric: `scheduler.step(val_loss)`, and
multiplies the lr by `factor` when the metric has not improved for `patience`
epochs (factor=0.25 divides by 4, as in the classic PTB language models).

Every scheduler here follows torch.optim.lr_scheduler step for step (tests
compare the lr sequences). As there, most schedules are *chainable*: a step
multiplies the group's current lr by a factor, so two schedulers on one
optimizer compose, and creating a scheduler already takes its step 0 (LinearLR
starts the lr at start_factor · lr at once). `step(epoch)` (deprecated in
PyTorch) jumps to the closed form where one exists.
"""
import math
import types
import warnings
from bisect import bisect_right
from collections import Counter

import numpy

from ..errors import ArgumentError, ArgumentTypeError, CheckpointError

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ExponentialLR",
           "CosineAnnealingLR", "LinearLR", "OneCycleLR", "SequentialLR", "ReduceLROnPlateau"]


def _check_optimizer(scheduler, optimizer):
    if not hasattr(optimizer, "param_groups"):
        raise ArgumentError(f"{type(scheduler).__name__} needs an optimizer, not {type(optimizer).__name__}")


def _check_number(scheduler, name, value, integer=False, low=0):
    """Refuse a setting that is not a (whole) number >= low, NaN included, naming the scheduler."""
    kinds = (int, numpy.integer) if integer else (int, float, numpy.number)
    if isinstance(value, bool) or not isinstance(value, kinds) or not value >= low or value == math.inf:
        kind = "an integer" if integer else "a finite number"
        raise ArgumentError(f"{type(scheduler).__name__}: {name} must be {kind} >= {low}, got {value!r}")


def _per_group(name, optimizer, value):
    """One value per parameter group: a list of that length, or one value repeated."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ArgumentError(f"{name} has {len(value)} values but the optimizer has "
                                f"{len(optimizer.param_groups)} parameter groups")
        return list(value)
    return [value] * len(optimizer.param_groups)


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
        return True  # optional entries (e.g. sorted indices not set)
    return _kind(expected) == _kind(value)


def _check_state(scheduler, own, state, skip=()):
    """Refuse a state whose names or kinds of value do not fit `own` (nothing is changed then)."""
    if not isinstance(state, dict):
        raise CheckpointError(f"{type(scheduler).__name__}.load_state_dict needs a dict, not {type(state).__name__}")
    problems = []
    for name, value in state.items():
        if name in skip:
            continue
        if name not in own:
            problems.append(f"unknown entry {name!r}")
        elif not _same_kind(own[name], value):
            problems.append(f"{name}: expected {_kind(own[name])}, got {_kind(value)}")
    if problems:
        raise CheckpointError(f"cannot load the {type(scheduler).__name__} state (nothing was changed): "
                              + "; ".join(problems))


def _lrs(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


class LRScheduler:
    """Base class: subclasses define `get_lr()` (the lrs after `last_epoch` steps) and may define
    `_closed_form_lr()`.

    Creating a scheduler records each group's `initial_lr` (unless already there)
    and takes step 0, as PyTorch does.

    >>> class Halve(LRScheduler):
    ...     def get_lr(self): return [g["lr"] / 2 if self.last_epoch else g["lr"] for g in self.optimizer.param_groups]
    """

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(self, optimizer)
        _check_number(self, "last_epoch", last_epoch, integer=True, low=-1)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise CheckpointError(f"param_groups[{i}] has no 'initial_lr': resuming a scheduler with "
                                          "last_epoch >= 0 needs the optimizer state it was saved with")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        """Step 0, taken on creation (and again by SequentialLR when it takes over)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        raise NotImplementedError

    def get_last_lr(self):
        """The lr of each parameter group, as last set by this scheduler."""
        return list(self._last_lr)

    def step(self, epoch=None):
        """Advance one step (or, deprecated, jump to `epoch`) and set every group's lr."""
        self._step_count += 1
        if epoch is not None:
            warnings.warn("step(epoch) is deprecated, as in PyTorch: call step() once per epoch",
                          UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = _lrs(self.optimizer)

    def state_dict(self):
        """Every attribute but the optimizer (saved on its own)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state):
        """Restore what `state_dict()` gave; checked first (names, kinds of value, lengths), nothing
        changes on a refusal."""
        _check_state(self, self.state_dict(), state)
        self.__dict__.update({k: (list(v) if isinstance(v, tuple) else v) for k, v in state.items()})


class _LambdaScheduler(LRScheduler):
    """LambdaLR and MultiplicativeLR: one function of the epoch per group (lambdas are not saved)."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _check_optimizer(self, optimizer)
        self.optimizer = optimizer
        self.lr_lambdas = _per_group("lr_lambda", optimizer, lr_lambda)
        for function in self.lr_lambdas:
            if not callable(function):
                raise ArgumentTypeError(f"{type(self).__name__}: lr_lambda should be a function, "
                                        f"not {type(function).__name__}")
        super().__init__(optimizer, last_epoch)

    def state_dict(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        # plain functions are not saved; a callable object's attributes are (as PyTorch does)
        state["lr_lambdas"] = [None if isinstance(f, types.FunctionType) else dict(f.__dict__)
                               for f in self.lr_lambdas]
        return state

    def load_state_dict(self, state):
        _check_state(self, self.state_dict(), state, skip=("lr_lambdas",))
        state = dict(state)
        saved = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        self.__dict__.update(state)
        for function, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                function.__dict__.update(attributes)


class LambdaLR(_LambdaScheduler):
    """lr = initial_lr * lr_lambda(epoch).

    >>> LambdaLR(opt, lr_lambda=lambda epoch: 0.95 ** epoch)
    """

    def get_lr(self):
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaScheduler):
    """lr <- lr * lr_lambda(epoch) at each step after the first.

    >>> MultiplicativeLR(opt, lr_lambda=lambda epoch: 0.95)
    """

    def get_lr(self):
        if self._is_initial:
            return _lrs(self.optimizer)
        return [g["lr"] * f(self.last_epoch) for f, g in zip(self.lr_lambdas, self.optimizer.param_groups)]


class StepLR(LRScheduler):
    """lr = initial_lr * gamma ** (epoch // step_size).

    >>> StepLR(opt, step_size=30, gamma=0.1)          # 0.1 for epochs 0-29, 0.01 for 30-59, ...
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _check_number(self, "step_size", step_size, integer=True, low=1)
        _check_number(self, "gamma", gamma, low=0)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _lrs(self.optimizer)
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]

    def _closed_form_lr(self):
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr is multiplied by gamma at each milestone epoch (a milestone listed twice counts twice).

    >>> MultiStepLR(opt, milestones=[30, 80], gamma=0.1)
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        for milestone in milestones:
            _check_number(self, "each milestone", milestone, integer=True, low=0)
        _check_number(self, "gamma", gamma, low=0)
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return _lrs(self.optimizer)
        return [g["lr"] * self.gamma ** self.milestones[self.last_epoch] for g in self.optimizer.param_groups]

    def _closed_form_lr(self):
        milestones = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(milestones, self.last_epoch) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr = initial_lr * gamma ** epoch.

    >>> ExponentialLR(opt, gamma=0.95)
    """

    def __init__(self, optimizer, gamma, last_epoch=-1):
        _check_number(self, "gamma", gamma, low=0)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return _lrs(self.optimizer)
        return [g["lr"] * self.gamma for g in self.optimizer.param_groups]

    def _closed_form_lr(self):
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2: a half cosine to eta_min.

    Past T_max it rises again (a full cosine period is 2 T_max), as in PyTorch.

    >>> CosineAnnealingLR(opt, T_max=50)             # reaches eta_min after 50 steps
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):  # noqa: N803 (PyTorch's name)
        _check_number(self, "T_max", T_max, integer=True, low=1)
        _check_number(self, "eta_min", eta_min, low=0)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        epoch, T, low = self.last_epoch, self.T_max, self.eta_min  # noqa: N806
        groups = self.optimizer.param_groups
        if self._is_initial:
            return _lrs(self.optimizer)
        if self._step_count == 1 and epoch > 0:  # resumed at a later epoch: the closed form
            return [low + (base - low) * (1 + math.cos(epoch * math.pi / T)) / 2 for base in self.base_lrs]
        if (epoch - 1 - T) % (2 * T) == 0:  # the bottom of the cosine: step up from eta_min
            return [g["lr"] + (base - low) * (1 - math.cos(math.pi / T)) / 2
                    for base, g in zip(self.base_lrs, groups)]
        # the ratio of consecutive cosine values, applied to the current lr (chainable)
        ratio = (1 + math.cos(math.pi * epoch / T)) / (1 + math.cos(math.pi * (epoch - 1) / T))
        return [ratio * (g["lr"] - low) + low for g in groups]

    def _closed_form_lr(self):
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


class LinearLR(LRScheduler):
    """The lr factor goes linearly from start_factor to end_factor over total_iters steps, then stays.

    >>> LinearLR(opt, start_factor=0.1, total_iters=5)      # a 5-step warm-up to the full lr
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        _check_number(self, "total_iters", total_iters, integer=True, low=1)
        if isinstance(start_factor, bool) or not isinstance(start_factor, (int, float)) or not 0 < start_factor <= 1:
            raise ArgumentError(f"LinearLR: start_factor must be in (0, 1], got {start_factor!r}")
        if isinstance(end_factor, bool) or not isinstance(end_factor, (int, float)) or not 0 <= end_factor <= 1:
            raise ArgumentError(f"LinearLR: end_factor must be in [0, 1], got {end_factor!r}")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [g["lr"] * self.start_factor for g in groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return _lrs(self.optimizer)
        change = self.end_factor - self.start_factor
        # factor(t) / factor(t - 1), applied to the current lr (chainable)
        ratio = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [g["lr"] * ratio for g in groups]

    def _closed_form_lr(self):
        progress = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * (self.start_factor + (self.end_factor - self.start_factor) * progress)
                for base in self.base_lrs]


class OneCycleLR(LRScheduler):
    """Smith's 1cycle policy, stepped once per batch: lr rises from max_lr/div_factor to max_lr over
    pct_start of the steps, then anneals to max_lr/(div_factor·final_div_factor); momentum (SGD's
    `momentum`, Adam's beta1) moves the opposite way between max_momentum and base_momentum.

    >>> scheduler = OneCycleLR(opt, max_lr=0.1, epochs=10, steps_per_epoch=len(loader))
    >>> for x, y in loader: ...; opt.step(); scheduler.step()
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
                 div_factor=25.0, final_div_factor=1e4, three_phase=False, last_epoch=-1):
        _check_optimizer(self, optimizer)
        for name, value in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
            _check_number(self, name, value, low=1e-300)
        self.optimizer = optimizer
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ArgumentError(f"OneCycleLR: total_steps must be a positive integer, got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0 or not isinstance(steps_per_epoch, int) \
                    or steps_per_epoch <= 0:
                raise ArgumentError(f"OneCycleLR: epochs and steps_per_epoch must be positive integers, "
                                    f"got {epochs} and {steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ArgumentError("OneCycleLR: give total_steps, or epochs and steps_per_epoch")
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ArgumentError(f"OneCycleLR: pct_start must be a float in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ArgumentError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        # each phase: (last step, lr from, lr to, momentum from, momentum to), names of group entries
        n = self.total_steps
        if three_phase:
            self._phases = [(float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (float(2 * pct_start * n) - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                            (n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self._phases = [(float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        if cycle_momentum and "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
            raise ArgumentError("OneCycleLR: the optimizer has no momentum or betas to cycle; "
                                "pass cycle_momentum=False")
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        momenta = (_per_group("max_momentum", optimizer, max_momentum),
                   _per_group("base_momentum", optimizer, base_momentum))  # checked before anything changes
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = "betas" in optimizer.defaults
            if last_epoch == -1:
                for group, top, low in zip(optimizer.param_groups, *momenta):
                    self._set_momentum(group, top)
                    group["max_momentum"], group["base_momentum"] = top, low
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group, value):
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start, end, fraction):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1)
        return (end - start) * fraction + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ArgumentError(f"OneCycleLR: stepped {step} times, more than total_steps={self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, lr_from, lr_to, m_from, m_to) in enumerate(self._phases):
                if step <= end or i == len(self._phases) - 1:
                    fraction = (step - start) / (end - start)
                    lrs.append(self._anneal(group[lr_from], group[lr_to], fraction))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[m_from], group[m_to], fraction))
                    break
                start = end
        return lrs


class SequentialLR(LRScheduler):
    """Run `schedulers` one after another, switching at the `milestones` (epochs).

    >>> warmup = LinearLR(opt, start_factor=0.1, total_iters=5)
    >>> SequentialLR(opt, [warmup, CosineAnnealingLR(opt, T_max=95)], milestones=[5])
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _check_optimizer(self, optimizer)
        if len(schedulers) < 1:
            raise ArgumentError("SequentialLR needs at least one scheduler")
        for i, scheduler in enumerate(schedulers):
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ArgumentError(f"SequentialLR: scheduler {i} is a ReduceLROnPlateau, whose step needs a metric")
            if getattr(scheduler, "optimizer", None) is not optimizer:
                raise ArgumentError(f"SequentialLR: scheduler {i} ({type(scheduler).__name__}) belongs to "
                                    "another optimizer")
        if len(milestones) != len(schedulers) - 1:
            raise ArgumentError(f"SequentialLR: {len(schedulers)} schedulers need {len(schedulers) - 1} "
                                f"milestones, got {len(milestones)}")
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # the schedulers' creation already took their step 0: undo that, then let the first one start
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:
            _undo_step(scheduler)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self):
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)  # a new scheduler starts from its own epoch 0
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state):
        _check_state(self, self.state_dict(), state, skip=("_schedulers",))
        state = dict(state)
        inner = state.pop("_schedulers")
        self.__dict__.update(state)
        for scheduler, saved in zip(self._schedulers, inner):
            scheduler.load_state_dict(saved)


def _undo_step(scheduler):
    """One epoch back on a scheduler (and on those inside a SequentialLR)."""
    if hasattr(scheduler, "_schedulers"):
        for inner in scheduler._schedulers:
            _undo_step(inner)
    elif hasattr(scheduler, "last_epoch"):
        scheduler.last_epoch -= 1


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by `factor` when `metric` has not improved for `patience` epochs.

    mode="min" for losses and perplexities, "max" for accuracies. An
    improvement must beat the best value by `threshold` (relative by default).
    After a reduction, `cooldown` epochs pass before counting again; the lr
    never goes below `min_lr` (one value, or one per group).

    >>> scheduler = ReduceLROnPlateau(opt, factor=0.25, patience=0)
    >>> scheduler.step(val_perplexity)              # lr / 4 whenever it does not improve
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        _check_optimizer(self, optimizer)
        _check_number(self, "factor", factor, low=0)
        if not factor < 1:
            raise ArgumentError(f"ReduceLROnPlateau: factor must be < 1, got {factor}")
        if mode not in ("min", "max") or threshold_mode not in ("rel", "abs"):
            raise ArgumentError(f"ReduceLROnPlateau: mode must be 'min' or 'max' and threshold_mode 'rel' or "
                                f"'abs', got {mode!r} and {threshold_mode!r}")
        _check_number(self, "patience", patience, integer=True, low=0)
        _check_number(self, "cooldown", cooldown, integer=True, low=0)
        for name, value in (("threshold", threshold), ("eps", eps)):
            _check_number(self, name, value, low=0)
        for value in (min_lr if isinstance(min_lr, (list, tuple)) else [min_lr]):
            _check_number(self, "min_lr", value, low=0)
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else min_lr
        self.min_lrs = _per_group("min_lr", optimizer, min_lr)
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.best = self.mode_worse
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = _lrs(optimizer)

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def is_better(self, value, best=None):
        best = self.best if best is None else best
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return value < (best * (1 - self.threshold) if rel else best - self.threshold)
        return value > (best * (1 + self.threshold) if rel else best + self.threshold)

    def step(self, metrics, epoch=None):
        current = float(metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self.is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _lrs(self.optimizer)

    def _reduce_lr(self):
        if len(self.min_lrs) != len(self.optimizer.param_groups):
            if self.default_min_lr is None:
                raise ArgumentError("ReduceLROnPlateau: the optimizer gained parameter groups since min_lr "
                                    "was given per group; set scheduler.min_lrs to one value per group")
            self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
        for group, low in zip(self.optimizer.param_groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, low)
            if old - new > self.eps:  # skip changes too small to matter
                group["lr"] = new
