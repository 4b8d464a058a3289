"""Adam and AdamW: momentum plus a per-parameter step size, with bias correction.

    m <- b1 m + (1 - b1) g          a moving average of the gradient (momentum)
    v <- b2 v + (1 - b2) g²         a moving average of its square (scale)
    p <- p - lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps)

m and v start at zero, so early averages are too small; dividing by
(1 - b^t) corrects that. Adam's weight_decay adds wd * p to g (L2
regularisation, which the scale v then weakens); AdamW instead shrinks p by
lr * wd directly, "decoupled" from the gradient (Loshchilov & Hutter, 2019).
Formulas and defaults are PyTorch's.

    >>> opt = autograd.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
"""
import math

from .. import backend
from .optimizer import Optimizer, _decayed


class Adam(Optimizer):
    """Kingma & Ba (2015). `amsgrad=True` divides by the largest v seen so far.

    >>> opt = autograd.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999))
    """

    decoupled_weight_decay = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
        # every setting is range-checked by Optimizer.add_param_group (betas: two numbers in [0, 1))
        super().__init__(params, dict(lr=lr, betas=tuple(betas) if isinstance(betas, (list, tuple)) else betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad))

    def update(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        beta1, beta2 = group["betas"]
        lr, wd = group["lr"], group["weight_decay"]
        if "exp_avg" not in state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param)
            state["exp_avg_sq"] = xp.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(param)
        state["step"] += 1
        t = state["step"]
        if self.decoupled_weight_decay:
            if wd:
                param *= 1 - lr * wd
        else:
            grad = _decayed(grad, param, wd)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        bias_correction1 = 1 - beta1 ** t
        bias_correction2 = 1 - beta2 ** t
        denominator = xp.sqrt(v) / math.sqrt(bias_correction2) + group["eps"]
        param -= (lr / bias_correction1) * m / denominator


class AdamW(Adam):
    """Adam with decoupled weight decay: p <- p (1 - lr wd) before the Adam step (default wd = 0.01).

    >>> opt = autograd.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.1)
    """

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
