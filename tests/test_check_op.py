"""check_op and op_tests on users' ops: a correct op passes, each planted fault fails its check.

Every fault below is caught by the check named in its test, with a message
naming the check, the sample and what differed.
"""
import numpy
import pytest

import autograd
from autograd import Function
from autograd.ops.elementwise import unbroadcast
from autograd.testing import ErrorInput, OpCheckError, Sample, check_op, op_tests


# ---------------------------------------------------------------- correct ops


class MySin(Function):
    formula = "∂y/∂x = cos(x)"

    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.sin(x)

    def backward(self, grad):
        x, = self.saved_tensors
        return grad * self.xp.cos(x)


class MyMul(Function):
    formula = "∂y/∂a = b, ∂y/∂b = a"

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, grad):
        a, b = self.saved_tensors
        return unbroadcast(grad * b, a.shape), unbroadcast(grad * a, b.shape)


def my_sqrt(x):
    """An op that refuses negative input with the library's error."""
    if (x.data < 0).any():
        raise autograd.ArgumentError("my_sqrt: the input must be non-negative")
    return x ** 0.5


# The two lines a user's test file needs: one pytest test per check, sample and device.
test_my_sin_battery = op_tests(MySin, reference=numpy.sin)
test_my_mul_battery = op_tests(MyMul, reference=numpy.multiply, arity=2)


def test_a_correct_op_passes_and_gets_a_short_report():
    report = check_op(MySin, reference=numpy.sin)
    ran = {case.split("-")[0] for case in report.passed}
    assert ran == {"forward", "gradcheck", "gradgradcheck", "float32", "no_grad", "frees_saved", "drawn_shapes"}
    assert len(report.passed) == 6 * 4 + 1 and not report.skipped  # 6 checks on 4 samples, hypothesis once
    assert str(report).startswith(f"check_op(MySin): {len(report.passed)} checks passed in ")


def test_a_correct_binary_op_gets_the_broadcasting_check():
    report = check_op(MyMul, reference=numpy.multiply, arity=2)
    assert "broadcasting-cpu" in report.passed and "drawn_shapes-cpu" in report.passed


def test_given_samples_and_shapes_are_used_and_restrict_the_shapes():
    report = check_op(lambda a, b: a @ b, reference=numpy.matmul, arity=2, shapes=[((2, 3), (3, 4))])
    assert report.passed[0] == "forward-0-cpu" and "broadcasting-cpu" not in report.passed
    report = check_op(my_sqrt, reference=numpy.sqrt, samples=[numpy.array([0.5, 2.0]), (numpy.ones((2, 2)),)])
    assert {case.split("-")[1] for case in report.passed} == {"0", "1"}


def test_an_unavailable_device_is_skipped_and_reported(monkeypatch):
    monkeypatch.setattr(autograd.backend, "cuda_available", lambda: False)
    report = check_op(MySin, reference=numpy.sin, devices=("cpu", "cuda"))
    assert report.skipped and all(case.endswith("-cuda") for case, _ in report.skipped)
    assert "device 'cuda' is not available" in str(report)


@pytest.mark.cuda
def test_a_correct_op_passes_on_the_gpu():
    if not autograd.cuda_available():
        pytest.skip("no CUDA device")
    report = check_op(MyMul, reference=numpy.multiply, arity=2, devices=("cuda",))
    assert not report.skipped and "gradcheck-0-cuda" in report.passed


# ---------------------------------------------------------------- each fault fails its check


def fails(check, match, function, **options):
    """check_op(function) raises OpCheckError for `check`, and its message matches `match`."""
    with pytest.raises(OpCheckError, match=match) as caught:
        check_op(function, **options)
    assert caught.value.check == check, str(caught.value)
    assert f"check '{check}' failed" in str(caught.value)
    return caught.value


def test_a_wrong_forward_fails_forward():
    error = fails("forward", r"(?s)on sample 0 .*output 0 differs from the reference", MySin, reference=numpy.cos)
    assert error.sample is not None and error.device == "cpu"


def test_a_wrong_backward_fails_gradcheck_with_a_table():
    class WrongSin(MySin):
        def backward(self, grad):
            x, = self.saved_tensors
            return grad * self.xp.sin(x)

    fails("gradcheck", r"(?s)GradcheckError: gradcheck: the gradient of output 0 .*worst Jacobian entries",
          WrongSin, reference=numpy.sin)


def test_a_wrong_second_derivative_fails_gradgradcheck():
    class FrozenCube(Function):
        formula = "∂y/∂x = 3x²"

        def forward(self, x):
            self.save_for_backward(x * 1.0)  # a copy: a constant under create_graph
            return x ** 3

        def backward(self, grad):
            x, = self.saved_tensors
            return grad * 3 * x ** 2

    fails("gradgradcheck", "second derivative", FrozenCube, reference=lambda x: x ** 3)


def test_a_wrong_broadcast_reduction_fails_broadcasting_and_says_missing_sum():
    class MulKeepingOneCopy(MyMul):
        def backward(self, grad):
            a, b = self.saved_tensors
            grad_b = grad * a
            while grad_b.ndim > b.ndim:
                grad_b = grad_b[0]  # keeps the first copy instead of summing the copies
            return unbroadcast(grad * b, a.shape), unbroadcast(grad_b, b.shape)

    fails("broadcasting", r"(?s)with input shapes .*missing \(or wrong\) sum over the broadcast axis",
          MulKeepingOneCopy, reference=numpy.multiply, arity=2)


def test_a_missing_unbroadcast_fails_broadcasting_and_names_the_axis():
    class MulWithoutUnbroadcast(MyMul):
        def backward(self, grad):
            a, b = self.saved_tensors
            return grad * b, grad * a

    fails("broadcasting", r"(?s)returned a gradient of shape .*missing the sum over the broadcast axis",
          MulWithoutUnbroadcast, reference=numpy.multiply, arity=2)


def test_float64_leaking_out_fails_float32():
    fails("float32", "output 0 is float64 for float32 inputs",
          lambda x: x.astype("float64") * 2, reference=lambda x: x * 2)


def test_recording_under_no_grad_fails_no_grad():
    def always_recorded(x):
        with autograd.enable_grad():
            return x * 2

    fails("no_grad", "recorded under no_grad", always_recorded, reference=lambda x: x * 2)


def test_an_engine_that_does_not_release_fails_frees_saved(monkeypatch):
    monkeypatch.setattr(Function, "release", lambda self: None)  # the engine's release step, removed
    fails("frees_saved", "the graph was not freed", MySin, reference=numpy.sin)


def test_a_node_that_keeps_its_saved_values_fails_frees_saved():
    class Hoarder(MySin):
        def release(self):
            kept = self._saved
            super().release()
            self._saved = kept

    fails("frees_saved", "still hold saved values: Hoarder", Hoarder, reference=numpy.sin)


def test_drawn_shapes_find_what_the_given_samples_miss():
    class RightOnlyForVectors(MySin):
        def backward(self, grad):
            x, = self.saved_tensors
            return grad * (self.xp.cos(x) if len(x.shape) == 1 else self.xp.sin(x))

    def sine(rng, shape):
        return Sample((rng.uniform(-2, 2, size=shape),))

    fails("drawn_shapes", "with drawn input shapes", RightOnlyForVectors, reference=numpy.sin,
          samples=[numpy.array([0.1, 0.7, -0.4])], shaped=sine)


# ---------------------------------------------------------------- error inputs


NEGATIVE = Sample((numpy.array([1.0, -1.0]),))


def test_an_error_input_raising_the_declared_error_passes():
    report = check_op(my_sqrt, reference=numpy.sqrt, domain=(0.5, 2.0),
                      error_inputs=[ErrorInput(NEGATIVE, autograd.ArgumentError, "non-negative")])
    assert "error_input-0-cpu" in report.passed


def test_an_error_input_with_the_wrong_message_type_or_no_error_fails():
    fails("error_input", "does not match 'positive'", my_sqrt, domain=(0.5, 2.0),
          error_inputs=[ErrorInput(NEGATIVE, autograd.ArgumentError, "positive")])
    fails("error_input", "expected ShapeError .* got ArgumentError", my_sqrt, domain=(0.5, 2.0),
          error_inputs=[ErrorInput(NEGATIVE, autograd.ShapeError, "")])
    fails("error_input", "the call succeeded", my_sqrt, domain=(0.5, 2.0),
          error_inputs=[ErrorInput(Sample((numpy.array([4.0]),)), autograd.ArgumentError, "")])


def test_a_refused_call_that_changed_its_input_fails():
    def clamps_then_refuses(x):
        x.data[x.data < 0] = 0.0
        raise autograd.ArgumentError("negative input")

    fails("error_input", "changed input tensor 0", clamps_then_refuses, domain=(0.5, 2.0),
          samples=[], error_inputs=[ErrorInput(NEGATIVE, autograd.ArgumentError, "negative")])


# ---------------------------------------------------------------- in-place variants


class AddInPlace(Function):
    """a += b written into a's array (a stand-in for an engine-supported in-place op)."""

    formula = "∂y/∂a = 1, ∂y/∂b = 1"

    def forward(self, a, b):
        a += b
        return a

    def backward(self, grad):
        return grad, unbroadcast(grad, self.inputs[1].shape)


def test_an_in_place_variant_is_compared_with_the_op():
    report = check_op(lambda a, b: a + b, reference=numpy.add, arity=2, inplace=lambda a, b: AddInPlace()(a, b))
    assert "inplace-0-cpu" in report.passed


def test_a_wrong_in_place_variant_fails_inplace():
    class AddInPlaceWrongGrad(AddInPlace):
        def backward(self, grad):
            return grad, 2 * unbroadcast(grad, self.inputs[1].shape)

    fails("inplace", "the gradient of input 1 differs", lambda a, b: a + b, reference=numpy.add, arity=2,
          inplace=lambda a, b: AddInPlaceWrongGrad()(a, b))
    fails("inplace", "the first input after the call differs", lambda a, b: a + b, reference=numpy.add,
          arity=2, inplace=lambda a, b: a + b)


# ---------------------------------------------------------------- op_tests


def test_op_tests_gives_one_test_id_per_check_sample_and_device():
    test = op_tests(MySin, reference=numpy.sin, devices=("cpu", "cuda"))
    params = test.pytestmark[0].args[1]
    ids = [p.id for p in params]
    assert "gradcheck-0-cpu" in ids and "gradcheck-0-cuda" in ids and len(ids) == len(set(ids))
    assert all([m.name for m in p.marks] == (["cuda"] if p.id.endswith("cuda") else []) for p in params)
    assert test.__name__ == "test_MySin"


def test_the_project_ops_use_the_same_battery():
    """tests/test_ops.py builds its tests with op_tests, from the same cases as check_op."""
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).with_name("test_ops.py")
    spec = importlib.util.spec_from_file_location("project_op_tests", path)
    project = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(project)
    cases = [p.values[0] for p in project.test_exp.pytestmark[0].args[1]]
    assert all(isinstance(c, autograd.testing.Case) for c in cases)
    assert {c.check for c in cases} >= {"forward", "gradcheck", "gradgradcheck", "float32", "no_grad",
                                        "frees_saved", "drawn_shapes"}


def test_an_op_info_with_other_description_arguments_is_refused():
    from autograd.ops.registry import REGISTRY

    with pytest.raises(autograd.ArgumentError, match="reference cannot be combined with an OpInfo"):
        check_op(REGISTRY["exp"], reference=numpy.exp)
    assert check_op(REGISTRY["exp"]).passed


def test_without_hypothesis_the_drawn_shapes_are_skipped_and_reported(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "hypothesis", None)  # `import hypothesis` now raises ImportError
    report = check_op(MySin, reference=numpy.sin)
    assert report.skipped == [("drawn_shapes-cpu", "hypothesis is not installed (pip install 'autograd-dag[test]')")]
    assert "gradcheck-0-cpu" in report.passed


def test_the_strategies_are_still_importable_from_autograd_testing():
    from autograd.testing import broadcastable_shapes, shapes, tensors  # noqa: F401

    with pytest.raises(AttributeError):
        autograd.testing.no_such_strategy
