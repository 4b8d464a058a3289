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
from .select import *  # noqa: F401,F403
from .select import __all__ as _select
from .nn import *  # noqa: F401,F403
from .nn import __all__ as _nn
from .loss import *  # noqa: F401,F403
from .loss import __all__ as _loss
from .recurrent import *  # noqa: F401,F403
from .recurrent import __all__ as _recurrent
from .conv import *  # noqa: F401,F403
from .conv import __all__ as _conv
from .pool import *  # noqa: F401,F403
from .pool import __all__ as _pool
from .. import creation as _creation


# NumPy's array-making names with NumPy's signatures, so that `self.xp.zeros(shape, dtype)` in a
# backward formula means the same under create_graph=True as on arrays (tests/test_core_trust.py checks
# every `self.xp.NAME` a backward uses exists here).
def zeros(shape, dtype=None): return _creation.zeros(shape, dtype=dtype)
def ones(shape, dtype=None): return _creation.ones(shape, dtype=dtype)
def zeros_like(x, dtype=None): return _creation.zeros_like(x, dtype=dtype)
def ones_like(x, dtype=None): return _creation.ones_like(x, dtype=dtype)
def asarray(x, dtype=None): return x if isinstance(x, _creation.Tensor) and dtype is None else _creation.Tensor(x, dtype=dtype)



_HELPERS = {"unbroadcast", "Function"}  # exported, but not ops
_ALIASES = {"clamp"}   # another name for a declared op (clamp is clip)
# The public ops: each must have a declaration in registry.REGISTRY (tests check it).
PUBLIC_OPS = sorted(set(_elementwise + _reduce + _linalg + _shape + _select + _nn + _loss + _recurrent + _conv + _pool)
                    - _HELPERS - _ALIASES)
__all__ = PUBLIC_OPS + sorted(_HELPERS) + sorted(_ALIASES)
