"""Gradient clipping: keep one bad batch from throwing the parameters far away.

Call between `loss.backward()` and `optimizer.step()`:

    >>> loss.backward()
    >>> total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
    >>> optimizer.step()

Clipping by norm rescales all gradients together, so their direction is kept
(the usual choice for RNNs); clipping by value clips each entry separately.
"""
import math

import numpy

from ... import backend
from ...errors import ArgumentError, NonFiniteError
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(parameters):
    if hasattr(parameters, "grad"):  # a single tensor
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def _check_limit(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, numpy.number)) or not value >= 0:
        raise ArgumentError(f"{name} must be a number >= 0, got {value!r}")  # `not >=` also refuses NaN


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients in place so that their joint norm is at most `max_norm`; returns that norm
    before clipping, as a 0-d tensor (as PyTorch, with 1e-6 added to the norm when scaling).

    As in PyTorch, a NaN or infinite norm is not skipped: the gradients are
    multiplied by the (NaN) scale so the bad step cannot go unnoticed, or, with
    `error_if_nonfinite=True`, a NonFiniteError is raised and nothing changes.

    >>> nn.utils.clip_grad_norm_(model.parameters(), 1.0)       # tensor(3.7) (all grads scaled by 1/3.7)
    """
    _check_limit("clip_grad_norm_: max_norm", max_norm)
    norm_type = float(norm_type)
    if not norm_type > 0:
        raise ArgumentError(f"clip_grad_norm_: norm_type must be positive (or inf), got {norm_type}")
    params = _with_grads(parameters)
    if not params:
        return Tensor(numpy.array(0.0, dtype=backend.get_default_dtype()))
    if math.isinf(norm_type):
        # An array's max is NaN where it holds one; Python's max() of those could drop it (one pass, not two)
        largest = [float(abs(p.grad.data).max(initial=0)) for p in params]
        total = math.nan if any(map(math.isnan, largest)) else max(largest)
    elif norm_type == 2.0:
        # Σ g² per parameter as one BLAS dot product (no temporary arrays), added on the host
        total = math.sqrt(sum(float(backend.get_array_module(p.grad.data).vdot(p.grad.data, p.grad.data))
                              for p in params))
    else:
        # one partial sum per parameter, added on the host: a few floats, not a big concatenation
        total = sum(float((abs(p.grad.data) ** norm_type).sum()) for p in params) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise NonFiniteError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
                             f"{total}, so they cannot be clipped (nothing was changed); pass "
                             "error_if_nonfinite=False to scale them anyway")
    scale = max_norm / (total + 1e-6)
    if not scale >= 1:  # also NaN: every gradient becomes NaN, as in PyTorch, instead of passing unclipped
        with numpy.errstate(invalid="ignore"):  # NaN * 0 is NaN on purpose, no warning needed
            for p in params:
                p.grad.data *= p.grad.data.dtype.type(scale)
    return Tensor(numpy.array(total, dtype=params[0].grad.data.dtype), device=backend.device_of(params[0].grad.data))


def clip_grad_value_(parameters, clip_value):
    """Clip every gradient entry into [-clip_value, clip_value], in place (NaN entries stay NaN).

    >>> nn.utils.clip_grad_value_(model.parameters(), 0.5)
    """
    _check_limit("clip_grad_value_: clip_value", clip_value)
    for p in _with_grads(parameters):
        xp = backend.get_array_module(p.grad.data)
        xp.clip(p.grad.data, -clip_value, clip_value, out=p.grad.data)
