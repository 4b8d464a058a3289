"""Bad calls generated from the op declarations' `error_inputs` (autograd/ops/registry.py).

For every declared bad input: the call raises the declared error, which is the
library's own (an AutogradError), its message matches the declared pattern,
and no input changed (values, and no gradient appeared). As in PyTorch's
OpInfo, the declaration is the single source: a new op declares its bad
inputs next to its samples, and `test_every_op_declares_error_inputs` fails
until it does.
"""
import re

import numpy
import pytest

import autograd
from autograd.ops.registry import REGISTRY, ErrorInput


def as_inputs(sample):
    """Float ndarrays become float64 tensors that require grad (as in test_ops.py); the rest stays."""
    return [autograd.tensor(a.astype(numpy.float64), requires_grad=True)
            if isinstance(a, numpy.ndarray) and a.dtype.kind == "f" else a for a in sample.args]


def snapshot(values):
    """Copies of every array reachable from the arguments: tensors (and their grad), arrays, lists of them."""
    copies = []
    for v in values:
        if isinstance(v, autograd.Tensor):
            copies.append(("tensor", v, v.data.copy(), None if v.grad is None else v.grad.data.copy()))
        elif isinstance(v, numpy.ndarray):
            copies.append(("array", v, v.copy(), None))
        elif isinstance(v, (list, tuple)):
            copies.extend(snapshot(v))
    return copies


def assert_unchanged(copies):
    for kind, value, data, grad in copies:
        now = value.data if kind == "tensor" else value
        numpy.testing.assert_array_equal(now, data, err_msg="a refused call changed an input")
        if kind == "tensor":
            assert (value.grad is None) == (grad is None), "a refused call changed an input's gradient"


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


@pytest.mark.parametrize("info, case", ERROR_CASES)
def test_error_input_is_refused_with_the_declared_error_and_changes_nothing(info, case):
    assert isinstance(case, ErrorInput)
    assert issubclass(case.error, autograd.AutogradError), f"{case.error} is not the library's own error"
    inputs = as_inputs(case.sample)
    copies = snapshot(inputs) + snapshot(list(case.sample.kwargs.values()))
    with pytest.raises(case.error) as caught:
        info.function(*inputs, **case.sample.kwargs)
    assert re.search(case.match, str(caught.value)), f"{str(caught.value)!r} does not match {case.match!r}"
    assert_unchanged(copies)
