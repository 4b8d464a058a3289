"""Optimizers with a per-parameter step size: AdaGrad, RMSprop, Adadelta.

Each keeps a running measure of how large a parameter's gradients are and
divides the step by its square root, so rarely-updated or gently-sloped
parameters take larger steps. They differ in how they average:

    AdaGrad   s <- s + g²                           (a sum: steps only shrink)
    RMSprop   s <- alpha s + (1 - alpha) g²         (a moving average: forgets)
    Adadelta  also averages the squared updates, making the step unit-free

Formulas and defaults are PyTorch's, so runs match it step for step.

    >>> opt = autograd.optim.RMSprop(model.parameters(), lr=1e-3)
"""

from .. import backend
from .optimizer import Optimizer, _decayed


class AdaGrad(Optimizer):
    """Duchi et al. (2011): p <- p - lr_t * g / (sqrt(sum of g²) + eps), lr_t = lr / (1 + (t-1) lr_decay).

    >>> opt = autograd.optim.AdaGrad(model.parameters(), lr=0.01)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps))

    def update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        if "sum" not in state:
            state["step"] = 0
            state["sum"] = xp.full_like(param, group["initial_accumulator_value"])
        state["step"] += 1
        grad = _decayed(grad, param, group["weight_decay"])
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        param -= lr * grad / (xp.sqrt(state["sum"]) + group["eps"])


Adagrad = AdaGrad  # PyTorch's spelling


class RMSprop(Optimizer):
    """Hinton's RMSprop: p <- p - lr * g / (sqrt(s) + eps), s a moving average of g².

    `centered=True` divides by the estimated variance instead (subtracting the
    mean gradient squared); `momentum` adds a velocity on top.

    >>> opt = autograd.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.99)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        alpha = group["alpha"]
        if "square_avg" not in state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = xp.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(param)
        state["step"] += 1
        grad = _decayed(grad, param, group["weight_decay"])
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg *= alpha
            grad_avg += (1 - alpha) * grad
            denominator = xp.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            denominator = xp.sqrt(square_avg) + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += grad / denominator
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * grad / denominator


class Adadelta(Optimizer):
    """Zeiler (2012): the step is sqrt(avg of past updates² + eps) / sqrt(avg of g² + eps) * g, times lr.

    >>> opt = autograd.optim.Adadelta(model.parameters())      # lr=1.0 as in the paper
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        rho, eps = group["rho"], group["eps"]
        if "square_avg" not in state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(param)
            state["acc_delta"] = xp.zeros_like(param)
        state["step"] += 1
        grad = _decayed(grad, param, group["weight_decay"])
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        delta = xp.sqrt(acc_delta + eps) / xp.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        param -= group["lr"] * delta


