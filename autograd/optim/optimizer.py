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
import numpy

from .. import backend
from ..errors import CheckpointError
from ..grad_mode import no_grad


class Optimizer:
    """Base class: subclasses set `defaults` and define `update(p, grad, state, group)`."""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        params = list(params) if not isinstance(params, dict) else [params]
        if not params:
            raise ValueError("the optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        self.state = {}  # parameter -> its state (momentum buffers, step counts, ...)
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add {'params': [...], 'lr': ..., ...}; missing hyper-parameters take the defaults."""
        group = dict(group)
        params = group["params"]
        params = [params] if hasattr(params, "data") else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        unique = []
        for p in params:  # a tied parameter passed twice must be updated once
            if id(p) not in seen:
                seen.add(id(p))
                unique.append(p)
        group["params"] = unique
        for name, value in self.defaults.items():
            group.setdefault(name, value)
        group.setdefault("initial_lr", group.get("lr"))
        self.param_groups.append(group)

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
        """Restore what `state_dict()` gave; checked first, nothing changes on a mismatch."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise CheckpointError(f"optimizer state has {len(groups)} parameter groups, "
                                  f"this optimizer has {len(self.param_groups)}")
        params = [p for g in self.param_groups for p in g["params"]]
        for saved, group in zip(groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise CheckpointError(f"a parameter group has {len(saved['params'])} parameters in the "
                                      f"optimizer state but {len(group['params'])} in this optimizer")
        problems = []
        for key, entry in state_dict["state"].items():
            position = int(key)
            if position >= len(params):
                problems.append(f"state for parameter {position} which does not exist")
                continue
            for name, value in entry.items():
                if hasattr(value, "shape") and numpy.ndim(value) > 0 and tuple(value.shape) != params[position].shape:
                    problems.append(f"parameter {position} {name}: {tuple(value.shape)} vs "
                                    f"{params[position].shape}")
        if problems:
            raise CheckpointError("cannot load the optimizer state: " + "; ".join(problems))
        for saved, group in zip(groups, self.param_groups):
            for name, value in saved.items():
                if name != "params":
                    group[name] = tuple(value) if isinstance(value, list) else value
        self.state = {}
        for key, entry in state_dict["state"].items():
            p = params[int(key)]
            device = backend.device_of(p.data)
            self.state[p] = {name: (backend.to_device(numpy.array(value, copy=True), device)
                                    if hasattr(value, "shape") and numpy.ndim(value) > 0
                                    else _number(value))
                             for name, value in entry.items()}

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


def _decayed(grad, param, weight_decay):
    """The gradient with L2 weight decay added (weight_decay * param); `grad` itself when it is 0."""
    return grad + weight_decay * param if weight_decay else grad
