"""Hypothesis strategies for testing ops: shapes, broadcastable shape pairs, safe tensors.

Test your own op in a few lines:

    >>> from hypothesis import given
    >>> from autograd.testing import tensors
    >>> @given(tensors(low=0.5, high=2.0))          # positive: safe for log
    ... def test_my_log(x):
    ...     assert autograd.gradcheck(my_log, [x])

Values are float64 (what gradcheck needs) and drawn from a range you choose,
so an op is only checked where it is differentiable. Requires `hypothesis`
(the `test` extra).

To test the CUDA path of your op without a GPU, run the tests under the CPU
stand-in for CuPy: `AUTOGRAD_EMULATE_CUDA=1 pytest -m cuda` (autograd/backend/emulation.py).
"""
import numpy
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..tensor import Tensor


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Array shapes such as (), (3,), (2, 4, 1): small, so gradcheck stays fast."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(count=2, min_dims=0, max_dims=3, min_side=1, max_side=4):
    """A tuple of `count` shapes that broadcast together, e.g. ((2, 1, 3), (4, 1))."""
    return hnp.mutually_broadcastable_shapes(num_shapes=count, min_dims=min_dims, max_dims=max_dims,
                                             min_side=min_side, max_side=max_side).map(lambda s: s.input_shapes)


def arrays(shape=None, low=-2.0, high=2.0, dtype=numpy.float64):
    """float64 arrays with values in [low, high] (NaN and infinity excluded)."""
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)
    return hnp.arrays(dtype, shape if shape is not None else shapes(), elements=elements)


def tensors(shape=None, low=-2.0, high=2.0, requires_grad=True):
    """Tensors that require grad, with values in [low, high]."""
    return arrays(shape, low, high).map(lambda a: Tensor(a, requires_grad=requires_grad))


def axes_for(ndim):
    """An `axis` argument valid for `ndim` dimensions: None, an int (maybe negative) or a tuple."""
    if ndim == 0:
        return st.none()
    single = st.integers(-ndim, ndim - 1)
    several = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)
    return st.one_of(st.none(), single, several)
