"""All differentiable ops, one module per family, re-exported here.

This module is also the array namespace that backward formulas use under
create_graph=True: it offers NumPy's names (exp, sum, where, broadcast_to, ...)
for tensors, so `self.xp.exp(x)` in a backward builds graph nodes.

    >>> from autograd import ops
    >>> ops.sum(ops.exp(x), axis=0)
"""
from .elementwise import *  # noqa: F401,F403
from .elementwise import __all__ as _elementwise
from .reduce import *  # noqa: F401,F403
from .reduce import __all__ as _reduce
from .linalg import *  # noqa: F401,F403
from .linalg import __all__ as _linalg
from .shape import *  # noqa: F401,F403
from .shape import __all__ as _shape
from .nn import *  # noqa: F401,F403
from .nn import __all__ as _nn
from .loss import *  # noqa: F401,F403
from .loss import __all__ as _loss
from .recurrent import *  # noqa: F401,F403
from .recurrent import __all__ as _recurrent
from ..creation import zeros, zeros_like, ones, ones_like  # noqa: F401  (NumPy names for backward formulas)

_HELPERS = {"unbroadcast", "Function"}
# The public ops: each must have a declaration in registry.REGISTRY (tests check it).
PUBLIC_OPS = sorted(set(_elementwise + _reduce + _linalg + _shape + _nn + _loss + _recurrent) - _HELPERS)
__all__ = PUBLIC_OPS + sorted(_HELPERS)
