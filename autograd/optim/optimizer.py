"""The Optimizer base class: parameter groups, per-parameter state, zero_grad, state dicts.

An optimizer holds references to the parameters, not copies. `step()` reads
each `p.grad` and changes `p.data` in place; there is no graph to record, so
updates run on the raw arrays (NumPy or CuPy) under `no_grad`.

    >>> opt = autograd.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> for x, y in loader:
    ...     opt.zero_grad()
    ...     loss_fn(model(x), y).backward()
    ...     opt.step()

Parameter groups work as in PyTorch: pass a list of dicts, each with its own
`params` and any hyper-parameter to override (e.g. a smaller lr for a
pretrained encoder).
"""
import math

import numpy

from .. import backend
from ..errors import ArgumentError, ArgumentTypeError, CheckpointError
from ..grad_mode import no_grad

# The valid range of each hyper-parameter any optimizer here takes: (low, high, high included).
# Checked when a group is added and when a state dict is loaded, so a bad value fails at once,
# naming itself, instead of turning the parameters into NaN a thousand steps later.
_RANGES = {
    "lr": (0.0, math.inf, False),
    "eps": (0.0, math.inf, False),
    "weight_decay": (0.0, math.inf, False),
    "momentum": (0.0, math.inf, False),
    "dampening": (0.0, 1.0, True),
    "alpha": (0.0, 1.0, True),
    "rho": (0.0, 1.0, True),
    "lr_decay": (0.0, math.inf, False),
    "initial_accumulator_value": (0.0, math.inf, False),
}
_FLAGS = ("nesterov", "amsgrad", "centered")


class Optimizer:
    """Base class: subclasses set `defaults` and define `update(p, grad, state, group)`."""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        params = list(params) if not isinstance(params, dict) else [params]
        if not params:
            raise ArgumentError("the optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        self.state = {}  # parameter -> its state (momentum buffers, step counts, ...)
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add {'params': [...], 'lr': ..., ...}; missing hyper-parameters take the defaults.

        A parameter listed twice in one group is kept once (a tied weight is
        updated once); one already in another group raises ArgumentError (a ValueError, as in PyTorch).

        >>> opt.add_param_group({"params": model.head.parameters(), "lr": 1e-2})
        """
        if not isinstance(param_group, dict):
            raise ArgumentTypeError(f"add_param_group needs a dict with a 'params' entry, "
                                    f"not {type(param_group).__name__}")
        group = dict(param_group)
        if "params" not in group:
            raise ArgumentError("a parameter group needs a 'params' entry")
        params = group["params"]
        params = [params] if hasattr(params, "data") else list(params)
        elsewhere = {id(p) for g in self.param_groups for p in g["params"]}
        unique, seen = [], set()
        for p in params:
            if id(p) in elsewhere:
                raise ArgumentError("some parameters appear in more than one parameter group")
            if id(p) not in seen:  # a tied parameter passed twice must be updated once
                seen.add(id(p))
                unique.append(p)
        group["params"] = unique
        for name, value in self.defaults.items():
            group.setdefault(name, value)
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group):
        """Refuse hyper-parameters outside their range (ArgumentError naming the optimizer and the value)."""
        for name, value in group.items():
            where = f"{type(self).__name__}: {name}={value!r}"
            if name in _RANGES:
                low, high, closed = _RANGES[name]
                if isinstance(value, bool) or not isinstance(value, (int, float, numpy.number)):
                    raise ArgumentError(f"{where} must be a number")
                if not (low <= value < high or (closed and value == high)):  # also refuses NaN
                    raise ArgumentError(f"{where} must be in [{low}, {high}{']' if closed else ')'}")
            elif name in _FLAGS and not isinstance(value, (bool, numpy.bool_)):
                raise ArgumentError(f"{where} must be True or False")
            elif name == "betas":
                if (not isinstance(value, (tuple, list)) or len(value) != 2
                        or not all(isinstance(b, (int, float, numpy.number)) and 0 <= b < 1 for b in value)):
                    raise ArgumentError(f"{where}: betas must be two numbers in [0, 1)")

    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient (call before each backward)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad.data[...] = 0

    @no_grad()
    def step(self):
        """Update every parameter that has a gradient and is not frozen."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None or not p.requires_grad:
                    continue
                state = self.state.setdefault(p, {})
                _follow_device(state, p.data)
                self.update(p.data, p.grad.data, state, group)
                p.record_write()   # an in-place update: a graph that used p's old value will refuse backward

    def update(self, param, grad, state, group):
        """Change the array `param` in place from `grad` (arrays); `state` persists between steps."""
        raise NotImplementedError

    # ------------------------------------------------------------ checkpoints
    def state_dict(self):
        """{'state': {index: {name: array or number}}, 'param_groups': [{..., 'params': [indices]}]}.

        Parameters are referred to by their position across the groups, as in
        PyTorch, so the dict can be saved with `autograd.save` and loaded into a
        new optimizer over the same model.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            entry = {k: v for k, v in group.items() if k != "params"}
            entry["params"] = []
            for p in group["params"]:
                index[id(p)] = len(index)
                entry["params"].append(index[id(p)])
            groups.append(entry)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: (backend.to_device(v, "cpu").copy() if hasattr(v, "shape") else v)
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore what `state_dict()` gave. Everything is checked first (the group sizes, every
        hyper-parameter, and each parameter's state: the names, shapes and kinds of value this
        optimizer keeps), so a corrupt state raises CheckpointError and nothing changes.
        """
        groups, state = self._checked_state(state_dict)
        for saved, group in zip(groups, self.param_groups):
            group.update(saved)
        self.state = state

    def _checked_state(self, state_dict):
        """(new hyper-parameters per group, new state per parameter) from `state_dict`, or CheckpointError."""
        def refuse(reason):
            return CheckpointError(f"cannot load the optimizer state into {type(self).__name__} "
                                   f"(nothing was changed): {reason}")

        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise refuse("expected a dict with 'state' and 'param_groups'")
        saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved_groups, (list, tuple)) or not isinstance(saved_state, dict):
            raise refuse("'param_groups' must be a list and 'state' a dict")
        if len(saved_groups) != len(self.param_groups):
            raise refuse(f"it has {len(saved_groups)} parameter groups, this optimizer has "
                         f"{len(self.param_groups)}")
        groups = []
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if not isinstance(saved, dict) or not isinstance(saved.get("params"), (list, tuple)):
                raise refuse(f"parameter group {i} is not a dict with a 'params' list")
            if len(saved["params"]) != len(group["params"]):
                raise refuse(f"parameter group {i} has {len(saved['params'])} parameters in the "
                             f"optimizer state but {len(group['params'])} in this optimizer")
            missing = [name for name in self.defaults if name not in saved]
            if missing:
                raise refuse(f"parameter group {i} lacks {', '.join(missing)}")
            values = {name: (tuple(v) if isinstance(v, list) else _number(v))
                      for name, v in saved.items() if name != "params"}
            try:
                self._check_group({**group, **values})
            except ArgumentError as error:
                raise refuse(f"parameter group {i}: {error}") from None
            groups.append(values)
        params = [(p, {**group, **values}) for group, values in zip(self.param_groups, groups)
                  for p in group["params"]]
        state = {}
        for key, entry in saved_state.items():
            position = key if isinstance(key, int) and not isinstance(key, bool) else None
            if isinstance(key, str) and key.isdigit():
                position = int(key)
            if position is None or not 0 <= position < len(params):
                raise refuse(f"state for parameter {key!r}, but there are parameters 0 to {len(params) - 1}")
            if not isinstance(entry, dict):
                raise refuse(f"the state of parameter {position} is a {type(entry).__name__}, not a dict")
            p, group = params[position]
            state[p] = self._checked_entry(position, p, entry, group, refuse)
        return groups, state

    def _checked_entry(self, position, p, entry, group, refuse):
        """The state of parameter `p` as this optimizer keeps it, checked against a fresh one.

        What a state must hold is read off the optimizer itself: one `update` on
        scratch copies gives the names, and for each one an array of the
        parameter's shape or a number, that `step()` will later rely on.
        """
        scratch = {}
        xp = backend.get_array_module(p.data)
        self.update(p.data.copy(), xp.zeros_like(p.data), scratch, group)
        if set(entry) != set(scratch):
            raise refuse(f"parameter {position} has state {sorted(entry)}, {type(self).__name__} keeps "
                         f"{sorted(scratch)}")
        device = backend.device_of(p.data)
        checked = {}
        for name, expected in scratch.items():
            value = entry[name]
            if hasattr(expected, "shape") and expected.ndim > 0:
                value = value.numpy() if hasattr(value, "numpy") else value
                if (not hasattr(value, "shape") or tuple(value.shape) != tuple(p.shape)
                        or getattr(value, "dtype", numpy.dtype("O")).kind not in "biuf"):
                    raise refuse(f"parameter {position} {name}: expected a number array of shape "
                                 f"{tuple(p.shape)}, got {_describe(value)}")
                checked[name] = backend.to_device(numpy.array(value, dtype=p.data.dtype, copy=True), device)
            else:
                value = _number(value)
                kind = int if isinstance(expected, int) else (int, float)
                if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value):
                    raise refuse(f"parameter {position} {name}: expected a finite "
                                 f"{'integer' if kind is int else 'number'}, got {_describe(value)}")
                checked[name] = value
        return checked

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for name in sorted(k for k in group if k not in ("params", "initial_lr")):
                lines.append(f"    {name}: {group[name]}")
        return "\n".join(lines) + "\n)"


def _number(value):
    """A 0-d array read back from a checkpoint becomes a Python number again."""
    if hasattr(value, "item") and numpy.ndim(value) == 0:
        return value.item()
    return value


def _describe(value):
    if hasattr(value, "shape"):
        return f"{getattr(value, 'dtype', '')} array of shape {tuple(value.shape)}"
    return f"{type(value).__name__} {str(value)[:40]}"


def _decayed(grad, param, weight_decay):
    """The gradient with L2 weight decay added (weight_decay * param); `grad` itself when it is 0."""
    return grad + weight_decay * param if weight_decay else grad


def _follow_device(state, param):
    """Move a parameter's state arrays to its device: the model may have moved since the last step."""
    if backend.cupy is None:   # (runs for every parameter at every step) without CuPy all is on the CPU
        return
    device = backend.device_of(param)
    for name, value in state.items():
        if hasattr(value, "shape") and backend.device_of(value) != device:
            state[name] = backend.to_device(value, device)
