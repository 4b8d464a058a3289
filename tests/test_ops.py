"""Checks generated from the op declarations (autograd/ops/registry.py).

Every declared op gets the battery of `autograd.testing.check_op`, the same
code users run on their own ops: forward against the NumPy reference,
gradcheck, gradgradcheck (when twice differentiable), float32 preservation,
nothing recorded under no_grad, saved values freed after backward, the
in-place variant and error inputs where declared, broadcasting shapes for
several inputs and hypothesis-drawn shapes; on the CPU and, marked `cuda`,
on a GPU. One test function per op (`test_exp`), one test id per check,
sample and device (`test_exp[gradcheck-2-cpu]`).

The declarations are the single source: adding an op with a declaration adds
its tests; adding a public op without one fails `test_every_public_op_is_declared`.
"""
from autograd import ops
from autograd.ops.registry import REGISTRY
from autograd.testing import op_tests


def test_every_public_op_is_declared():
    missing = sorted(set(ops.PUBLIC_OPS) - set(REGISTRY))
    assert not missing, f"public ops without a declaration in the registry: {missing}"


def test_every_declaration_is_public():
    assert sorted(set(REGISTRY) - set(ops.PUBLIC_OPS)) == []


for _name, _info in sorted(REGISTRY.items()):
    globals()[f"test_{_name}"] = op_tests(_info, devices=("cpu", "cuda"))
