"""The engine: graph recording, backward order and accumulation, memory, grad mode, higher order."""
import gc
import weakref

import numpy
import pytest

import autograd
from autograd import Function, tensor


def f64(values, requires_grad=True, name=None):
    return tensor(values, dtype="float64", requires_grad=requires_grad, name=name)


# ---------------------------------------------------------------- tensors


def test_python_floats_become_float32_and_ndarrays_keep_their_dtype():
    assert tensor([1.0, 2.0]).dtype == numpy.float32
    assert tensor(3.0).dtype == numpy.float32
    assert tensor([1, 2]).dtype == numpy.int64
    assert tensor(numpy.zeros(2)).dtype == numpy.float64
    assert autograd.randn(2, 3).dtype == numpy.float32


def test_set_default_dtype():
    autograd.set_default_dtype("float64")
    try:
        assert tensor([1.0]).dtype == numpy.float64
        assert autograd.zeros(2).dtype == numpy.float64
    finally:
        autograd.set_default_dtype("float32")
    with pytest.raises(TypeError):
        autograd.set_default_dtype("int32")


def test_float32_times_numpy_float64_scalar_stays_float32():
    x = tensor([1.0, 2.0], requires_grad=True)
    y = x * numpy.float64(2.0) + numpy.float64(1.0)
    assert y.dtype == numpy.float32
    y.sum().backward()
    assert x.grad.dtype == numpy.float32


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(autograd.DTypeError):
        tensor([1, 2], requires_grad=True)


def test_attributes_and_repr():
    x = tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, name="W")
    assert x.shape == (2, 2) and x.ndim == 2 and x.numel() == 4 and x.size() == (2, 2) and x.size(-1) == 2 and len(x) == 2
    assert x.is_leaf and x.device == "cpu" and x.name == "W"
    assert "requires_grad=True" in repr(x) and "name='W'" in repr(x)
    y = x * 2
    assert not y.is_leaf and "grad_fn=<Mul>" in repr(y)
    assert tensor(3.5).item() == 3.5
    assert isinstance(x.numpy(), numpy.ndarray)


def test_comparisons_give_tensors_outside_the_graph():
    x = tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == numpy.bool_ and not mask.requires_grad
    assert (x == x).numpy().all()


def test_reflected_operators_and_numpy_on_the_left():
    x = f64([1.0, 2.0])
    y = 1.0 - x + 2.0 * x + numpy.array([1.0, 1.0]) * x + 3.0 / x + 2.0 ** x
    assert isinstance(y, autograd.Tensor)
    y.sum().backward()
    expected = -1 + 2 + 1 - 3 / numpy.array([1.0, 4.0]) + numpy.log(2) * 2.0 ** numpy.array([1.0, 2.0])
    numpy.testing.assert_allclose(x.grad.numpy(), expected)


def test_creation_helpers_and_seed():
    assert autograd.zeros(2, 3).shape == (2, 3)
    assert autograd.ones((2,)).numpy().tolist() == [1.0, 1.0]
    assert autograd.full((2,), 7.0).numpy().tolist() == [7.0, 7.0]
    assert autograd.arange(3).numpy().tolist() == [0, 1, 2]
    x = autograd.randn(4)
    assert autograd.zeros_like(x).shape == (4,) and autograd.ones_like(x).dtype == numpy.float32
    autograd.manual_seed(7)
    a = autograd.randn(5).numpy()
    autograd.manual_seed(7)
    assert numpy.array_equal(a, autograd.randn(5).numpy())
    assert (autograd.rand(100).numpy() < 1).all()


# ---------------------------------------------------------------- backward


def test_gradient_of_a_small_expression():
    x = f64(2.0)
    y = x * x + 3 * x  # dy/dx = 2x + 3 = 7
    y.backward()
    assert x.grad.item() == pytest.approx(7.0)


def test_a_tensor_used_twice_gets_the_sum_of_both_gradients():
    x = f64([1.0, 2.0])
    a = x * 3
    y = (a * x + a).sum()  # 3x² + 3x -> 6x + 3
    y.backward()
    numpy.testing.assert_allclose(x.grad.numpy(), [9.0, 15.0])


def test_diamond_graph_is_visited_in_topological_order():
    x = f64(1.5)
    a = autograd.exp(x)
    b = autograd.sin(a)
    c = autograd.cos(a)
    y = b * c + a
    y.backward()
    ea = numpy.exp(1.5)
    expected = (numpy.cos(ea) * numpy.cos(ea) - numpy.sin(ea) * numpy.sin(ea)) * ea + ea
    assert x.grad.item() == pytest.approx(expected)


def test_broadcast_gradients_are_summed_back():
    a = f64(numpy.ones((4, 1, 3)))
    b = f64(numpy.ones((2, 1)))
    (a * b).backward(autograd.ones((4, 2, 3), dtype="float64"))
    numpy.testing.assert_allclose(a.grad.numpy(), numpy.full((4, 1, 3), 2.0))
    numpy.testing.assert_allclose(b.grad.numpy(), numpy.full((2, 1), 12.0))


def test_leaf_gradients_accumulate_across_calls_until_zeroed():
    x = f64([1.0, 2.0])
    (x * 2).backward(autograd.ones(2, dtype="float64"))
    (x * 2).backward(autograd.ones(2, dtype="float64"))
    numpy.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0])
    x.grad = None
    (x * 2).backward(autograd.ones(2, dtype="float64"))
    numpy.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_gradient_is_not_aliased_between_two_leaves():
    a, b = f64([1.0]), f64([2.0])
    (a + b).backward(autograd.ones(1, dtype="float64"))
    a.grad.data += 10
    assert b.grad.item() == 1.0


def test_non_scalar_backward_needs_grad():
    x = f64([1.0, 2.0])
    with pytest.raises(autograd.GraphError, match="non-scalar"):
        (x * 2).backward()
    with pytest.raises(autograd.ShapeError):
        (x * 2).backward(autograd.ones(3))


def test_backward_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(autograd.GraphError):
        tensor([1.0]).sum().backward()


def test_second_backward_through_a_freed_graph_says_so():
    x = f64([1.0, 2.0])
    y = autograd.tanh(x) * 2
    y.backward(autograd.ones(2, dtype="float64"))
    with pytest.raises(autograd.GraphError, match="second time.*retain_graph=True"):
        y.backward(autograd.ones(2, dtype="float64"))


def test_saved_tensors_are_graph_tensors_only_while_a_create_graph_backward_runs():
    seen = []

    class Cube(Function):
        def forward(self, x):
            self.save_for_backward(x)
            return x ** 3

        def backward(self, grad):
            x, = self.saved_tensors
            seen.append(type(x))
            return 3 * x * x * grad

    x = f64([2.0])
    y = Cube()(x)
    dy, = autograd.grad(y.sum(), [x], create_graph=True)      # 3x² = 12, itself differentiable
    d2y, = autograd.grad(dy.sum(), [x])                       # 6x = 12
    y.sum().backward()                                        # a plain backward again: arrays
    assert seen == [autograd.Tensor, numpy.ndarray]
    assert dy.item() == 12.0 and d2y.item() == 12.0 and x.grad.item() == 12.0
    with pytest.raises(autograd.GraphError, match="second time"):
        y.creator.saved_tensors   # released by the plain backward
    assert Cube().saved_tensors == ()   # nothing saved yet


def test_retain_graph_allows_a_second_backward():
    x = f64([1.0, 2.0])
    y = autograd.tanh(x) * 2
    seed = autograd.ones(2, dtype="float64")
    y.backward(seed, retain_graph=True)
    y.backward(seed)
    numpy.testing.assert_allclose(x.grad.numpy(), 4 * (1 - numpy.tanh([1.0, 2.0]) ** 2))


def test_a_backward_that_reuses_a_saved_buffer_leaves_it_intact_when_the_graph_is_retained():
    # cross_entropy writes its gradient into its saved softmax when the engine frees it afterwards
    logits = f64([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]])
    target = numpy.array([1, 2])
    loss = autograd.cross_entropy(logits, target)
    loss.backward(retain_graph=True)
    first = logits.grad.numpy().copy()
    loss.backward(retain_graph=True)
    loss.backward()
    numpy.testing.assert_allclose(logits.grad.numpy(), 3 * first, rtol=1e-12)
    probs = numpy.exp(logits.data) / numpy.exp(logits.data).sum(axis=1, keepdims=True)
    numpy.testing.assert_allclose(first, (probs - numpy.eye(3)[target]) / 2, rtol=1e-12)


def test_a_100000_op_chain_backpropagates_without_recursion():
    x = f64(numpy.ones(4))
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward(autograd.ones(4, dtype="float64"))
    numpy.testing.assert_allclose(x.grad.numpy(), numpy.ones(4))


def test_wide_graph_backward_is_linear():
    x = f64(numpy.ones(3))
    total = x * 0
    for i in range(5000):
        total = total + x * float(i % 3)
    total.backward(autograd.ones(3, dtype="float64"))
    numpy.testing.assert_allclose(x.grad.numpy(), numpy.full(3, float(sum(i % 3 for i in range(5000)))))


# ---------------------------------------------------------------- memory


def test_outputs_do_not_form_reference_cycles_with_their_nodes():
    gc.disable()
    try:
        x = f64(numpy.ones(3))
        y = autograd.tanh(x * 2)
        node = weakref.ref(y.creator)
        intermediate = weakref.ref(y.creator.inputs[0])
        del y
        assert node() is None and intermediate() is None  # freed by reference counting alone
    finally:
        gc.enable()


def test_backward_frees_intermediate_buffers_unless_retained():
    x = f64(numpy.ones(1000))
    hidden = autograd.exp(x)
    buffer = weakref.ref(hidden.data)   # ndarrays take weak references (they have no __weakref__ attribute)
    hidden_ref = weakref.ref(hidden)
    loss = (autograd.tanh(hidden) * 3).sum()
    del hidden
    assert hidden_ref() is not None  # the graph holds it until backward
    loss.backward()
    assert hidden_ref() is None  # released, although `loss` is still alive
    assert buffer() is None

    x2 = f64(numpy.ones(10))
    hidden2 = autograd.exp(x2)
    ref2 = weakref.ref(hidden2)
    loss2 = (autograd.tanh(hidden2) * 3).sum()
    del hidden2
    loss2.backward(retain_graph=True)
    assert ref2() is not None


# ---------------------------------------------------------------- grad mode


def test_no_grad_records_nothing():
    x = f64([1.0])
    with autograd.no_grad():
        y = x * 2
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()
    assert y.creator is None and not y.requires_grad


def test_no_grad_as_decorator_and_enable_grad_inside():
    x = f64([1.0])

    @autograd.no_grad()
    def f():
        with autograd.enable_grad():
            inner = x * 2
        return x * 2, inner

    outer, inner = f()
    assert not outer.requires_grad and inner.requires_grad
    assert autograd.is_grad_enabled()


def test_set_grad_enabled():
    x = f64([1.0])
    with autograd.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    autograd.set_grad_enabled(False)
    assert not autograd.is_grad_enabled()
    autograd.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_detach_cuts_the_graph_and_shares_data():
    x = f64([1.0, 2.0])
    d = (x * 2).detach()
    assert d.creator is None and not d.requires_grad
    y = x * 2
    assert numpy.shares_memory(y.detach().data, y.data)


# ---------------------------------------------------------------- higher order


def test_second_derivative_with_autograd_grad():
    x = f64(3.0)
    dy, = autograd.grad(x ** 3, [x], create_graph=True)
    assert dy.item() == pytest.approx(27.0) and dy.requires_grad
    d2y, = autograd.grad(dy, [x])
    assert d2y.item() == pytest.approx(18.0)


def test_backward_with_create_graph_makes_grad_differentiable():
    x = f64(0.5)
    y = autograd.tanh(x)
    y.backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    g.backward()
    t = numpy.tanh(0.5)
    assert x.grad.item() == pytest.approx(-2 * t * (1 - t * t))


def test_hessian_vector_product():
    x = f64([1.0, 2.0, 3.0])
    v = f64([1.0, 0.5, -1.0], requires_grad=False)
    f = (x * x * x).sum() + x[0] * x[1]
    g, = autograd.grad(f, [x], create_graph=True)
    hv, = autograd.grad((g * v).sum(), [x])
    hessian = numpy.diag(6 * x.numpy())
    hessian[0, 1] = hessian[1, 0] = 1.0
    numpy.testing.assert_allclose(hv.numpy(), hessian @ v.numpy())


def test_plain_backward_builds_no_graph_nodes():
    created = []

    class Spy(Function):
        def forward(self, x):
            created.append(self)
            return x * 1.0

        def backward(self, grad):
            return grad

    x = f64([1.0])
    y = Spy()(x) * 2
    before = len(created)
    y.backward(autograd.ones(1, dtype="float64"))
    assert len(created) == before
    assert x.grad.creator is None and not x.grad.requires_grad


def test_grad_does_not_touch_dot_grad_and_handles_unused_inputs():
    x, unused = f64([1.0]), f64([2.0])
    y = (x * 2).sum()
    g, = autograd.grad(y, [x], retain_graph=True)
    assert x.grad is None and g.item() == 2.0
    with pytest.raises(autograd.GraphError, match="allow_unused"):
        autograd.grad(y, [x, unused], retain_graph=True)
    gx, gu = autograd.grad(y, [x, unused], allow_unused=True)
    assert gu is None


def test_grad_with_respect_to_an_intermediate_tensor():
    x = f64([1.0, 2.0])
    h = x * 3
    y = (h * h).sum()
    gh, = autograd.grad(y, [h])
    numpy.testing.assert_allclose(gh.numpy(), 2 * h.numpy())


# ---------------------------------------------------------------- hooks


def test_hooks_on_leaves_and_intermediates():
    x = f64([1.0, 2.0])
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.numpy().copy()))
    h = x * 3
    h.register_hook(lambda g: g * 10)  # replaces the gradient flowing on
    h.retain_grad()
    (h * 1.0).sum().backward()
    numpy.testing.assert_allclose(h.grad.numpy(), [10.0, 10.0])  # as in PyTorch: retained after the hooks ran
    numpy.testing.assert_allclose(x.grad.numpy(), [30.0, 30.0])
    numpy.testing.assert_allclose(seen[0], [30.0, 30.0])
    handle.remove()
    x.grad = None
    (x * 1.0).sum().backward()
    assert len(seen) == 1


# ---------------------------------------------------------------- custom ops


class Cube(Function):
    """A user-defined op: forward on arrays, backward with operators (so it is twice differentiable)."""

    def forward(self, x):
        self.save_for_backward(x)
        return x ** 3

    def backward(self, grad):
        x, = self.saved_tensors
        return grad * 3 * x * x


def test_custom_function_works_with_gradcheck_higher_order_and_no_grad():
    x = f64([0.5, -1.2])
    assert autograd.gradcheck(lambda t: Cube()(t), [x])
    assert autograd.gradgradcheck(lambda t: Cube()(t), [x])
    assert Cube.apply(x).creator.name == "Cube"
    with autograd.no_grad():
        assert Cube()(x).creator is None


def test_custom_function_returning_a_wrong_shape_is_reported():
    class BadShape(Function):
        def forward(self, x):
            return x * 2

        def backward(self, grad):
            return grad.sum()

    x = f64([1.0, 2.0])
    with pytest.raises(autograd.ShapeError, match="BadShape.backward returned a gradient of shape"):
        BadShape()(x).backward(autograd.ones(2, dtype="float64"))


def test_multi_output_function_gets_zeros_for_unused_outputs():
    class SplitHalves(Function):
        def forward(self, x):
            return x[:1] * 1.0, x[1:] * 1.0

        def backward(self, g1, g2):
            return self.xp.concatenate([g1, g2])

    x = f64([1.0, 2.0, 3.0])
    first, rest = SplitHalves()(x)
    (first * 5).sum().backward()
    numpy.testing.assert_allclose(x.grad.numpy(), [5.0, 0.0, 0.0])


# ---------------------------------------------------------------- errors and devices


def test_shape_mismatch_names_the_op_and_both_shapes():
    with pytest.raises(autograd.ShapeError, match=r"Add: incompatible shapes \(2,\) and \(3,\)"):
        tensor([1.0, 2.0]) + tensor([1.0, 2.0, 3.0])


def test_cuda_is_a_clear_error_without_a_gpu():
    if autograd.cuda_available():
        pytest.skip("a GPU is available")
    with pytest.raises(autograd.DeviceError, match="cuda"):
        tensor([1.0]).cuda()
    with pytest.raises(autograd.DeviceError):
        tensor([1.0], device="cuda")
    with pytest.raises(autograd.DeviceError, match="unknown device"):
        tensor([1.0]).to("tpu")


@pytest.mark.cuda
def test_cuda_round_trip_and_mixed_devices():
    if not autograd.cuda_available():
        pytest.skip("no CUDA GPU available")
    x = f64([1.0, 2.0])
    y = (x.cuda() * 2).exp()
    assert y.device == "cuda"
    y.sum().backward()
    assert x.grad.device == "cpu"
    numpy.testing.assert_allclose(x.grad.numpy(), 2 * numpy.exp([2.0, 4.0]))
    with pytest.raises(autograd.DeviceError, match="different devices"):
        x + x.cuda()
