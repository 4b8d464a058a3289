"""Checks generated from the op declarations (autograd/ops/registry.py).

For every declared op and every sample input: forward against the NumPy
reference, gradcheck, gradgradcheck (when twice differentiable), and checks on
shapes drawn by hypothesis (broadcast-compatible shapes for binary ops). The
declarations are the single source: adding an op with a declaration adds its
tests; adding a public op without one fails `test_every_public_op_is_declared`.
"""
import numpy
import pytest
from hypothesis import given, settings, HealthCheck, strategies as st

import autograd
from autograd import ops
from autograd.ops.registry import REGISTRY
from autograd.testing import shapes, broadcastable_shapes

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.cuda)]


def requires_device(device):
    if device == "cuda" and not autograd.cuda_available():
        pytest.skip("no CUDA GPU available")


def as_inputs(sample, device="cpu"):
    """Float ndarrays become float64 tensors that require grad; the rest stays as given."""
    inputs = []
    for a in sample.args:
        if isinstance(a, numpy.ndarray) and a.dtype.kind == "f":
            inputs.append(autograd.tensor(a.astype(numpy.float64), requires_grad=True, device=device))
        elif isinstance(a, numpy.ndarray) and device != "cpu":
            inputs.append(autograd.tensor(a, device=device))
        else:
            inputs.append(a)
    return inputs


def call(info, sample):
    return lambda *args: info.function(*args, **sample.kwargs)


def outputs_of(result):
    return list(result) if isinstance(result, (list, tuple)) else [result]


def cases():
    rng = numpy.random.default_rng(1234)
    for name in sorted(REGISTRY):
        info = REGISTRY[name]
        for i, sample in enumerate(info.samples(rng)):
            yield pytest.param(info, sample, id=f"{name}-{i}")


CASES = list(cases())


def test_every_public_op_is_declared():
    missing = sorted(set(ops.PUBLIC_OPS) - set(REGISTRY))
    assert not missing, f"public ops without a declaration in the registry: {missing}"


def test_every_declaration_is_public():
    assert sorted(set(REGISTRY) - set(ops.PUBLIC_OPS)) == []


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("info, sample", CASES)
def test_forward_matches_reference(info, sample, device):
    requires_device(device)
    got = outputs_of(info.function(*as_inputs(sample, device), **sample.kwargs))
    expected = outputs_of(info.reference(*sample.args, **sample.kwargs))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        numpy.testing.assert_allclose(g.numpy(), numpy.asarray(e), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("info, sample", [c for c in CASES if c.values[0].differentiable])
def test_gradcheck(info, sample, device):
    requires_device(device)
    assert autograd.gradcheck(call(info, sample), as_inputs(sample, device), atol=info.atol, rtol=info.rtol)


@pytest.mark.parametrize("info, sample",
                         [c for c in CASES if c.values[0].differentiable and c.values[0].twice_differentiable])
def test_gradgradcheck(info, sample):
    assert autograd.gradgradcheck(call(info, sample), as_inputs(sample), atol=info.atol, rtol=info.rtol)


@pytest.mark.parametrize("info, sample", [c for c in CASES if c.values[0].preserves_dtype])
def test_float32_stays_float32(info, sample):
    """No silent float64: float32 inputs give float32 outputs and gradients."""
    args = [autograd.tensor(a.astype(numpy.float32), requires_grad=info.differentiable)
            if isinstance(a, numpy.ndarray) and a.dtype.kind == "f" else a for a in sample.args]
    outs = [o for o in outputs_of(info.function(*args, **sample.kwargs)) if o.dtype.kind == "f"]
    for o in outs:
        assert o.dtype == numpy.float32, f"{info.name} returned {o.dtype} for float32 inputs"
    if info.differentiable and outs and outs[0].requires_grad:
        total = outs[0].sum()
        for o in outs[1:]:
            total = total + o.sum()
        total.backward()
        for a in args:
            if isinstance(a, autograd.Tensor) and a.grad is not None:
                assert a.grad.dtype == numpy.float32


@pytest.mark.parametrize("info, sample", CASES)
def test_no_graph_under_no_grad(info, sample):
    with autograd.no_grad():
        for o in outputs_of(info.function(*as_inputs(sample), **sample.kwargs)):
            assert o.creator is None and not o.requires_grad


SHAPED = sorted(name for name, info in REGISTRY.items() if info.shaped is not None)


@pytest.mark.parametrize("name", SHAPED)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_gradcheck_on_drawn_shapes(name, data):
    """Hypothesis draws shapes (mutually broadcastable ones for binary ops)."""
    info = REGISTRY[name]
    drawn = data.draw(shapes() if info.arity == 1 else broadcastable_shapes(info.arity), label="shapes")
    drawn = (drawn,) if info.arity == 1 else tuple(drawn)
    rng = numpy.random.default_rng(data.draw(st.integers(0, 2 ** 16), label="seed"))
    sample = info.shaped(rng, *drawn)
    result = outputs_of(info.function(*as_inputs(sample), **sample.kwargs))
    expected = outputs_of(info.reference(*sample.args, **sample.kwargs))
    for g, e in zip(result, expected):
        numpy.testing.assert_allclose(g.numpy(), numpy.asarray(e), rtol=1e-6, atol=1e-8)
    if info.differentiable:
        assert autograd.gradcheck(call(info, sample), as_inputs(sample), atol=info.atol, rtol=info.rtol)


# ---------------------------------------------------------------- the checks can fail


class WrongSin(autograd.Function):
    """sin with a deliberately wrong backward (sin instead of cos)."""

    def forward(self, x):
        self.save_for_backward(x)
        return numpy.sin(x)

    def backward(self, grad):
        x, = self.saved_tensors
        return grad * self.xp.sin(x)


class WrongSecondDerivative(autograd.Function):
    """x³ whose backward is right on arrays but treats x as a constant under create_graph."""

    def forward(self, x):
        self.save_for_backward(x * 1.0)  # a copy: not recognised as the input
        return x ** 3

    def backward(self, grad):
        x, = self.saved_tensors
        return grad * 3 * x ** 2


def test_gradcheck_fails_on_a_wrong_backward():
    x = autograd.tensor([0.3, 1.2, -0.7], dtype="float64", requires_grad=True)
    with pytest.raises(autograd.GradcheckError, match=r"input 0 .* element \(\d,\): analytic .* numerical"):
        autograd.gradcheck(lambda t: WrongSin()(t), [x])


def test_gradgradcheck_fails_on_a_wrong_second_derivative():
    x = autograd.tensor([0.3, 1.2], dtype="float64", requires_grad=True)
    assert autograd.gradcheck(lambda t: WrongSecondDerivative()(t), [x])
    with pytest.raises(autograd.GradcheckError, match="second derivative"):
        autograd.gradgradcheck(lambda t: WrongSecondDerivative()(t), [x])


def test_gradcheck_fails_on_a_wrong_broadcast_reduction(monkeypatch):
    """An add whose backward keeps one copy instead of summing over broadcast axes is caught."""
    from autograd.ops import elementwise

    def first_copy_only(grad, shape):  # right shape, wrong value
        while grad.ndim > len(shape):
            grad = grad[0]
        return grad

    monkeypatch.setattr(elementwise, "unbroadcast", first_copy_only)
    a = autograd.tensor(numpy.ones((2, 3)), dtype="float64", requires_grad=True)
    b = autograd.tensor(numpy.ones(3), dtype="float64", requires_grad=True)
    with pytest.raises(autograd.GradcheckError, match="input 1"):
        autograd.gradcheck(lambda x, y: x + y, [a, b])
