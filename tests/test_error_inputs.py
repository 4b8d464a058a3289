"""Every op declares its bad inputs (`error_inputs` in autograd/ops/registry.py), as PyTorch's OpInfo.

The shared battery (autograd/testing/battery.py, run by tests/test_ops.py) calls each declared bad
input and checks the error type, the message and that no input changed; this file checks that every
op has such declarations and that each declared error is the library's own. (It ran the calls itself
until the battery took them over.)
"""
import numpy
import pytest

import autograd
from autograd.ops.registry import REGISTRY, ErrorInput


def error_cases():
    rng = numpy.random.default_rng(99)
    for name in sorted(REGISTRY):
        info = REGISTRY[name]
        if info.error_inputs is None:
            continue
        for i, case in enumerate(info.error_inputs(rng)):
            yield pytest.param(info, case, id=f"{name}-{i}-{case.error.__name__}")


ERROR_CASES = list(error_cases())

# Ops that take any tensor at all, so no input of theirs can be wrong: why each has no error_inputs.
NO_BAD_INPUT = {"clone": "copies any tensor, of any shape and dtype"}


def test_every_op_declares_error_inputs():
    missing = sorted(name for name, info in REGISTRY.items() if not info.error_inputs and name not in NO_BAD_INPUT)
    assert not missing, f"ops whose declaration has no error_inputs: {missing}"
    assert all(name in REGISTRY and not REGISTRY[name].error_inputs for name in NO_BAD_INPUT)


def test_every_declared_error_is_the_librarys_own():
    assert ERROR_CASES, "no op declares error inputs"
    for case in ERROR_CASES:
        info, error_input = case.values
        assert isinstance(error_input, ErrorInput), info.name
        assert issubclass(error_input.error, autograd.AutogradError), f"{info.name}: {error_input.error}"
