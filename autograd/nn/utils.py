"""Gradient clipping: keep one bad batch from throwing the parameters far away.

Call between `loss.backward()` and `optimizer.step()`:

    >>> loss.backward()
    >>> total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
    >>> optimizer.step()

Clipping by norm rescales all gradients together, so their direction is kept
(the usual choice for RNNs); clipping by value clips each entry separately.
"""
import math

from .. import backend

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(parameters):
    if hasattr(parameters, "grad"):  # a single tensor
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0):
    """Scale all gradients in place so that their joint norm is at most `max_norm`; returns that norm
    before clipping, as a Python float (as PyTorch, with 1e-6 added to the norm when scaling).

    >>> nn.utils.clip_grad_norm_(model.parameters(), 1.0)       # 3.7 (then all grads scaled by 1/3.7)
    """
    params = _with_grads(parameters)
    if not params:
        return 0.0
    norm_type = float(norm_type)
    if math.isinf(norm_type):
        total = max(float(abs(p.grad.data).max()) for p in params)
    elif norm_type == 2.0:
        # Σ g² per parameter as one BLAS dot product (no temporary arrays), added on the host
        total = math.sqrt(sum(float(backend.get_array_module(p.grad.data).vdot(p.grad.data, p.grad.data))
                              for p in params))
    else:
        # one partial sum per parameter, added on the host: a few floats, not a big concatenation
        total = sum(float((abs(p.grad.data) ** norm_type).sum()) for p in params) ** (1.0 / norm_type)
    scale = max_norm / (total + 1e-6)
    if scale < 1:
        for p in params:
            p.grad.data *= p.grad.data.dtype.type(scale)
    return total


def clip_grad_value_(parameters, clip_value):
    """Clip every gradient entry into [-clip_value, clip_value], in place.

    >>> nn.utils.clip_grad_value_(model.parameters(), 0.5)
    """
    for p in _with_grads(parameters):
        xp = backend.get_array_module(p.grad.data)
        xp.clip(p.grad.data, -clip_value, clip_value, out=p.grad.data)
