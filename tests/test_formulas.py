"""Every differentiable op explains itself in the backward diagrams (generated from the declarations).

An op made of one Function shows that Function's `formula` class attribute, written next to
its backward; a composite op (several Functions, e.g. selu = scale · elu) also declares the
formula of the whole in `declare(..., formula=...)`. Adding an op without one fails here.
"""
import numpy
import pytest

import autograd
from autograd.graph import Function
from autograd.ops.registry import REGISTRY
from autograd.viz.walk import collect

from autograd.testing.battery import make_inputs as as_inputs, outputs_of

DIFFERENTIABLE = sorted(name for name, info in REGISTRY.items() if info.differentiable)


def graph_nodes(info):
    """The Function nodes one call of the op records (its first sample)."""
    sample = info.samples(numpy.random.default_rng(0))[0]
    outputs = [t for t in outputs_of(info.function(*as_inputs(sample), **sample.kwargs))
               if getattr(t, "creator", None) is not None]
    assert outputs, f"{info.name}: its first sample records no graph node"
    return list(collect(outputs).ops.values())


def missing_formulas(nodes):
    return sorted({node.name for node in nodes if not getattr(node, "formula", None)})


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_every_node_of_the_op_has_a_formula(name):
    nodes = graph_nodes(REGISTRY[name])
    missing = missing_formulas(nodes)
    assert not missing, (f"{name}: give {missing} a class attribute `formula = \"∂y/∂x = ...\"` "
                         f"next to its backward (shown in the backward diagrams)")


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_composite_op_declares_the_formula_of_the_whole(name):
    info = REGISTRY[name]
    kinds = {node.name for node in graph_nodes(info)}
    if len(kinds) > 1:
        assert info.formula, f"{name} is made of {sorted(kinds)}: declare(..., formula=\"...\") for the whole op"


def test_a_missing_formula_is_noticed():
    class Cube(Function):  # a custom op without a formula
        def forward(self, x):
            self.save_for_backward(x)
            return x ** 3

        def backward(self, grad):
            x, = self.saved_tensors
            return 3 * x * x * grad

    y = Cube()(autograd.tensor([2.0], requires_grad=True))
    assert missing_formulas(collect([y]).ops.values()) == ["Cube"]


LONGEST_LINE = 60  # characters: wider, and the op's ellipse dwarfs the tensors around it


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_formulas_are_short_lines(name):
    info = REGISTRY[name]
    formulas = [getattr(node, "formula", None) or "" for node in graph_nodes(info)] + [info.formula or ""]
    too_long = [line for formula in formulas for line in formula.split("\n") if len(line) > LONGEST_LINE]
    assert not too_long, f"{name}: split these formula lines (at most {LONGEST_LINE} characters): {too_long}"
