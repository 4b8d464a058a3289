"""gradcheck and gradgradcheck, element-wise and fast, on correct ops and on planted bugs.

Each planted bug is checked in both modes, and the error must teach: a table
of the worst Jacobian entries naming input and output, and for a broadcast
input whether a missing sum over the broadcast axis explains it.
"""
import importlib
import re

import numpy
import pytest

import autograd
from autograd.ops import elementwise

MODES = [pytest.param(False, id="elementwise"), pytest.param(True, id="fast")]


def leaf(shape, seed=0, low=-1.0, high=1.0):
    return autograd.tensor(numpy.random.default_rng(seed).uniform(low, high, size=shape), dtype="float64",
                           requires_grad=True)


# ---------------------------------------------------------------- planted bugs


class WrongSin(autograd.Function):
    """sin with a wrong backward (sin instead of cos)."""

    formula = "∂y/∂x = sin(x)  (wrong on purpose)"

    def forward(self, x):
        self.save_for_backward(x)
        return numpy.sin(x)

    def backward(self, grad):
        x, = self.saved_tensors
        return grad * self.xp.sin(x)


class WrongSecondDerivative(autograd.Function):
    """x³ whose backward is right on arrays but treats x as a constant under create_graph."""

    formula = "∂y/∂x = 3x²"

    def forward(self, x):
        self.save_for_backward(x * 1.0)  # a copy: not recognised as the input, so a constant
        return x ** 3

    def backward(self, grad):
        x, = self.saved_tensors
        return grad * 3 * x ** 2


class AddKeepingOneCopy(autograd.Function):
    """a + b whose backward reduces a broadcast gradient by taking the first copy instead of the sum."""

    formula = "∂y/∂a = 1, ∂y/∂b = 1"

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        grad_b = grad
        while grad_b.ndim > 1:
            grad_b = grad_b[0]
        return grad, grad_b


class AddWithoutUnbroadcast(autograd.Function):
    """a + b whose backward forgets to sum the gradient back to the inputs' shapes."""

    formula = "∂y/∂a = 1, ∂y/∂b = 1"

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad, grad


class ScaleWrongEverywhere(autograd.Function):
    """a * b with a wrong gradient for b at every shape (not a broadcasting problem)."""

    formula = "∂y/∂a = b, ∂y/∂b = a"

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, grad):
        a, b = self.saved_tensors
        return elementwise.unbroadcast(grad * b, a.shape), elementwise.unbroadcast(2 * grad * a, b.shape)


# ---------------------------------------------------------------- correct ops pass


@pytest.mark.parametrize("fast_mode", MODES)
def test_correct_ops_pass_both_checks(fast_mode):
    a, b = leaf((2, 3)), leaf((3,), seed=1)
    assert autograd.gradcheck(lambda x, y: (x * y).tanh(), [a, b], fast_mode=fast_mode)
    assert autograd.gradgradcheck(lambda x, y: x * y.sin(), [a, b], fast_mode=fast_mode)
    m, n = leaf((4, 5), seed=2), leaf((5, 3), seed=3)
    assert autograd.gradcheck(lambda x, y: x @ y, [m, n], fast_mode=fast_mode)
    assert autograd.gradgradcheck(lambda x, y: (x @ y) ** 2, [m, n], fast_mode=fast_mode)


def test_inputs_are_left_as_they_were():
    a = leaf((2, 3))
    before = a.numpy().copy()
    autograd.gradcheck(lambda x: x.exp(), [a], fast_mode=True)
    autograd.gradcheck(lambda x: x.exp(), [a])
    numpy.testing.assert_array_equal(a.numpy(), before)
    assert a.grad is None


# ---------------------------------------------------------------- each planted bug fails, with a table


@pytest.mark.parametrize("fast_mode", MODES)
def test_wrong_backward_shows_the_worst_jacobian_entries(fast_mode):
    with pytest.raises(autograd.GradcheckError) as caught:
        autograd.gradcheck(lambda t: WrongSin()(t), [leaf((2, 3))], fast_mode=fast_mode)
    message = str(caught.value)
    assert "the gradient of output 0 (shape (2, 3)) with respect to input 0 (shape (2, 3))" in message
    assert re.search(r"input +output +output index +input index +analytic +numerical +difference\n", message)
    x = leaf((2, 3)).numpy()
    worst = numpy.unravel_index(numpy.argmax(numpy.abs(numpy.cos(x) - numpy.sin(x))), x.shape)
    first_row = message.split("difference\n")[1].splitlines()[0].split()
    assert first_row[:2] == ["0", "0"]  # input 0, output 0, then the elementwise op's diagonal entry
    index = str(tuple(int(i) for i in worst))
    assert " ".join(first_row[2:6]) == f"{index} {index}"
    assert float(first_row[6]) == pytest.approx(numpy.sin(x[worst]), rel=1e-4)    # analytic
    assert float(first_row[7]) == pytest.approx(numpy.cos(x[worst]), rel=1e-4)    # numerical
    if fast_mode:
        assert "random projection vᵀJu" in message


@pytest.mark.parametrize("fast_mode", MODES)
def test_wrong_second_derivative_is_caught_by_gradgradcheck(fast_mode):
    x = leaf((3,), low=0.3, high=1.2)
    assert autograd.gradcheck(lambda t: WrongSecondDerivative()(t), [x], fast_mode=fast_mode)
    with pytest.raises(autograd.GradcheckError, match=r"second derivative of ∂L/∂input 0 .*\n"
                                                      r"worst second-derivative entries"):
        autograd.gradgradcheck(lambda t: WrongSecondDerivative()(t), [x], fast_mode=fast_mode)


@pytest.mark.parametrize("fast_mode", MODES)
def test_wrong_broadcast_reduction_is_named_a_missing_sum(fast_mode):
    a, b = leaf((2, 3)), leaf((3,), seed=1)
    with pytest.raises(autograd.GradcheckError) as caught:
        autograd.gradcheck(lambda x, y: AddKeepingOneCopy()(x, y), [a, b], fast_mode=fast_mode)
    message = str(caught.value)
    assert "with respect to input 1 (shape (3,))" in message
    assert "input 1 (shape (3,)) is broadcast to (2, 3) along axis 0" in message
    assert "missing (or wrong) sum over the broadcast axis 0" in message


@pytest.mark.parametrize("fast_mode", MODES)
def test_a_patched_unbroadcast_is_named_a_missing_sum(fast_mode, monkeypatch):
    """The library's own add, with unbroadcast replaced by one that keeps the first copy."""
    def first_copy_only(grad, shape):  # right shape, wrong value
        while grad.ndim > len(shape):
            grad = grad[0]
        return grad

    monkeypatch.setattr(elementwise, "unbroadcast", first_copy_only)
    a, b = leaf((2, 3)), leaf((3,), seed=1)
    with pytest.raises(autograd.GradcheckError, match=r"(?s)input 1 .*Given at the full shape \(2, 3\) its "
                                                      r"gradient is right.*missing \(or wrong\) sum"):
        autograd.gradcheck(lambda x, y: x + y, [a, b], fast_mode=fast_mode)


@pytest.mark.parametrize("fast_mode", MODES)
def test_missing_unbroadcast_is_named_with_the_axis(fast_mode):
    a, b = leaf((4, 2, 3)), leaf((2, 1), seed=1)
    with pytest.raises(autograd.GradcheckError, match=r"AddWithoutUnbroadcast.backward returned a gradient of "
                                                      r"shape \(4, 2, 3\) for an input of shape \(2, 1\).\n"
                                                      r"hint: .*broadcast axis \(0, 2\)"):
        autograd.gradcheck(lambda x, y: AddWithoutUnbroadcast()(x, y), [a, b], fast_mode=fast_mode)


def test_a_wrong_gradient_of_a_broadcast_input_that_is_not_about_broadcasting_says_so():
    a, b = leaf((2, 3)), leaf((3,), seed=1)
    with pytest.raises(autograd.GradcheckError, match="not a missing sum over a broadcast axis"):
        autograd.gradcheck(lambda x, y: ScaleWrongEverywhere()(x, y), [a, b])


def test_no_hint_for_an_input_that_is_not_broadcast():
    with pytest.raises(autograd.GradcheckError) as caught:
        autograd.gradcheck(lambda t: WrongSin()(t), [leaf((2, 3))])
    assert "hint" not in str(caught.value)


def test_large_outputs_fall_back_to_the_vector_jacobian_product_table(monkeypatch):
    module = importlib.import_module("autograd.gradcheck")  # the module, not the function of the same name
    monkeypatch.setattr(module, "_JACOBIAN_ROWS_LIMIT", 2)
    with pytest.raises(autograd.GradcheckError, match=r"(?s)with respect to input 0 .*Σ v·outputs"):
        autograd.gradcheck(lambda t: WrongSin()(t), [leaf((2, 3))])


def test_a_non_finite_gradient_is_an_error():
    class NanGrad(autograd.Function):
        formula = "∂y/∂x = nan"

        def forward(self, x):
            return x * 2

        def backward(self, grad):
            return grad * numpy.nan

    with pytest.raises(autograd.GradcheckError, match="nan"):
        autograd.gradcheck(lambda t: NanGrad()(t), [leaf((3,))])


def test_no_input_requiring_grad_is_an_error():
    with pytest.raises(autograd.GradcheckError, match="no input requires grad"):
        autograd.gradcheck(lambda t: t * 2, [autograd.tensor([1.0, 2.0])], fast_mode=True)


class SinCosWrongSecond(autograd.Function):
    """Two outputs, (sin x, cos x), with a wrong gradient for the second one."""

    formula = "∂sin/∂x = cos(x), ∂cos/∂x = -sin(x)"

    def forward(self, x):
        self.save_for_backward(x)
        return numpy.sin(x), numpy.cos(x)

    def backward(self, grad_sin, grad_cos):
        x, = self.saved_tensors
        return grad_sin * self.xp.cos(x) + grad_cos * self.xp.sin(x)  # the sign of -sin is lost


@pytest.mark.parametrize("fast_mode", MODES)
def test_the_table_names_the_output_that_is_wrong(fast_mode):
    with pytest.raises(autograd.GradcheckError) as caught:
        autograd.gradcheck(lambda t: SinCosWrongSecond()(t), [leaf((3,))], fast_mode=fast_mode)
    message = str(caught.value)
    assert "the gradient of output 1 (shape (3,)) with respect to input 0 (shape (3,))" in message
    rows = message.split("difference\n")[1].splitlines()[:3]
    assert all(row.split()[:2] == ["0", "1"] for row in rows)  # input 0, output 1: output 0 is right
