"""Test your own op with the battery the project's ops get.

    >>> from autograd.testing import check_op, op_tests
    >>> check_op(MySin, reference=numpy.sin)              # a report, or OpCheckError naming check and sample
    >>> test_my_sin = op_tests(MySin, reference=numpy.sin)  # in a test file: one pytest test per check

Also here: the hypothesis strategies the battery draws from (`shapes`,
`broadcastable_shapes`, `arrays`, `tensors`, `axes_for`; they need hypothesis,
the `test` extra), and `Sample` / `ErrorInput` to describe inputs.

    check_op.py   check_op, op_tests, and how their arguments become a declaration
    battery.py    the checks themselves, one function each, and the cases for one op
    strategies.py hypothesis strategies for shapes and tensors
"""
from ..errors import OpCheckError, missing_extra
from ..ops.registry import ErrorInput, OpInfo, Sample
from .battery import Case, SkipCheck, cases
from .check_op import CheckReport, check_op, op_tests

_STRATEGIES = ("shapes", "broadcastable_shapes", "arrays", "tensors", "axes_for")

__all__ = ["check_op", "op_tests", "CheckReport", "OpCheckError", "Sample", "ErrorInput", "OpInfo",
           "Case", "SkipCheck", "cases", *_STRATEGIES]


def __getattr__(name):
    """The strategies load on first use, so check_op works without hypothesis installed."""
    if name in _STRATEGIES:
        try:
            from . import strategies
        except ImportError as error:
            raise missing_extra("hypothesis", "test", f"autograd.testing.{name}") from error
        return getattr(strategies, name)
    raise AttributeError(f"module 'autograd.testing' has no attribute {name!r}")
