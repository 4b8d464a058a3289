"""Stochastic gradient descent, with momentum and Nesterov momentum.

    p <- p - lr * g                                   plain SGD
    b <- momentum * b + (1 - dampening) * g           momentum: a running direction
    p <- p - lr * b                 (or g + momentum * b with nesterov=True)

with g = grad + weight_decay * p. This is PyTorch's formulation (the first
step sets b = g), so runs match it step for step.

    >>> opt = autograd.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
"""
from ..errors import ArgumentError
from .optimizer import Optimizer, _decayed


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum, dampening, Nesterov, weight decay).

    >>> opt = autograd.optim.SGD(model.parameters(), lr=0.01)
    >>> opt.zero_grad(); loss.backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        # lr, momentum, dampening and weight_decay are range-checked by Optimizer.add_param_group
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ArgumentError("Nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def update(self, param, grad, state, group):
        lr, momentum = group["lr"], group["momentum"]
        grad = _decayed(grad, param, group["weight_decay"])
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= lr * grad


class Momentum(SGD):
    """SGD with momentum (0.9 unless given): the 'heavy ball' that keeps rolling downhill.

    >>> opt = autograd.optim.Momentum(model.parameters(), lr=0.01, momentum=0.9)
    """

    def __init__(self, params, lr=1e-2, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(params, lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                         nesterov=nesterov)
