"""Hand-written checks of reductions, shape ops, indexing and matmul that generic,
declaration-driven tests cannot express: exact gradients of repeated indices, ties,
error messages, dtype preservation and agreement with PyTorch."""
import numpy
import pytest

import autograd
from autograd import ops


def leaf(values, dtype="float64"):
    return autograd.tensor(numpy.asarray(values, dtype=dtype), requires_grad=True)


def grad_of(f, x):
    x.grad = None
    out = f(x)
    out.backward(autograd.ones_like(out, dtype=out.dtype))
    return x.grad.numpy()


# ---------------------------------------------------------------- getitem


def test_repeated_integer_indices_accumulate_their_gradients():
    x = leaf(numpy.arange(12.0).reshape(4, 3))
    expected = numpy.zeros((4, 3))
    expected[0] = 3  # row 0 picked three times
    expected[2] = 1
    for index in ([0, 2, 0, 0], numpy.array([0, 2, 0, 0]), autograd.tensor([0, 2, 0, 0])):
        numpy.testing.assert_array_equal(grad_of(lambda t: t[index], x), expected)


def test_repeated_pairs_and_two_dimensional_index_accumulate():
    x = leaf(numpy.zeros((3, 3)))
    g = grad_of(lambda t: t[numpy.array([0, 0, 2]), numpy.array([1, 1, 1])], x)
    numpy.testing.assert_array_equal(g, [[0, 2, 0], [0, 0, 0], [0, 1, 0]])
    g = grad_of(lambda t: t[:, numpy.array([[2, 2], [2, 0]])] * 2.0, x)
    numpy.testing.assert_array_equal(g, [[2, 0, 6]] * 3)


def test_boolean_mask_gradient_is_the_mask():
    values = numpy.array([[0.3, -1.0, 2.0], [-0.5, 0.7, -2.0]])
    x = leaf(values)
    for mask in (values > 0, x > 0):
        y = x[mask]
        numpy.testing.assert_array_equal(y.numpy(), values[values > 0])
        numpy.testing.assert_array_equal(grad_of(lambda t: t[mask], x), (values > 0).astype(float))


def test_negative_step_slices_send_gradients_to_the_right_places():
    x = leaf(numpy.arange(6.0))
    y = x[::-2]
    numpy.testing.assert_array_equal(y.numpy(), [5.0, 3.0, 1.0])
    weights = autograd.tensor([1.0, 10.0, 100.0], dtype="float64")
    (y * weights).sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), [0, 100, 0, 10, 0, 1])
    m = leaf(numpy.zeros((3, 4)))
    numpy.testing.assert_array_equal(grad_of(lambda t: t[::-1, 3:0:-2], m), [[0, 1, 0, 1]] * 3)


def test_basic_index_with_none_and_ellipsis():
    x = leaf(numpy.arange(24.0).reshape(2, 3, 4))
    y = x[None, ..., 1]
    assert y.shape == (1, 2, 3)
    expected = numpy.zeros((2, 3, 4))
    expected[..., 1] = 1
    numpy.testing.assert_array_equal(grad_of(lambda t: t[None, ..., 1], x), expected)


def test_second_derivative_through_repeated_indices_and_masks():
    x = leaf(numpy.random.default_rng(0).uniform(0.5, 2.0, (4, 3)))
    index = numpy.array([1, 1, 3])
    assert autograd.gradgradcheck(lambda t: t[index] ** 3, [x])
    assert autograd.gradgradcheck(lambda t: t[t > 1.0] ** 3, [x])
    assert autograd.gradgradcheck(lambda t: t[::-1, 1:] ** 3, [x])


def test_scatter_add_accumulates_and_inverts_getitem():
    values = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = ops.add_at((4,), numpy.array([0, 3, 0]), values)
    numpy.testing.assert_array_equal(out.numpy(), [4.0, 0.0, 0.0, 2.0])
    (out * autograd.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    numpy.testing.assert_array_equal(values.grad.numpy(), [1.0, 4.0, 1.0])


# ---------------------------------------------------------------- reductions


def test_amax_gradient_splits_evenly_between_ties_and_max_over_a_dim_picks_its_index():
    x = leaf([[1.0, 3.0, 3.0, 3.0], [2.0, 0.0, 2.0, -1.0]])
    numpy.testing.assert_allclose(grad_of(lambda t: t.amax(dim=1), x),
                                  [[0, 1 / 3, 1 / 3, 1 / 3], [0.5, 0, 0.5, 0]])
    numpy.testing.assert_allclose(grad_of(lambda t: t.max(), x), [[0, 1 / 3, 1 / 3, 1 / 3], [0, 0, 0, 0]])
    numpy.testing.assert_allclose(grad_of(lambda t: t.amin(axis=0, keepdims=True), x),
                                  [[1, 0, 0, 0], [0, 1, 1, 1]])
    # over a dim, max/min return (values, indices) and the gradient goes to the index returned (PyTorch)
    numpy.testing.assert_allclose(grad_of(lambda t: t.max(dim=1).values, x), [[0, 1, 0, 0], [1, 0, 0, 0]])
    y = leaf([[1.0, 2.0], [1.0, 3.0]])
    numpy.testing.assert_allclose(grad_of(lambda t: t.min(axis=0)[0], y), [[1, 1], [0, 0]])


def test_reductions_keep_float32_in_forward_and_backward():
    x = autograd.tensor(numpy.random.default_rng(1).random((3, 4)), dtype="float32", requires_grad=True)
    for f in (lambda t: t.sum(axis=0), lambda t: t.mean(axis=(0, 1)), lambda t: t.max(axis=1).values,
              lambda t: t.var(axis=1, correction=0), lambda t: t.std(), lambda t: t.logsumexp(dim=-1),
              lambda t: t.prod(1), lambda t: t.cumprod(0), lambda t: t.norm(), lambda t: t.amax(0)):
        x.grad = None
        y = f(x)
        assert y.dtype == numpy.float32
        y.sum().backward()
        assert x.grad.dtype == numpy.float32


def test_logsumexp_is_stable_for_large_and_infinite_inputs():
    x = leaf([[1000.0, 1000.0], [-1000.0, -1000.0]])
    y = autograd.logsumexp(x, axis=1)
    numpy.testing.assert_allclose(y.numpy(), [1000 + numpy.log(2), -1000 + numpy.log(2)])
    y.sum().backward()
    numpy.testing.assert_allclose(x.grad.numpy(), 0.5)
    assert autograd.logsumexp(autograd.tensor([1.0, -numpy.inf])).item() == pytest.approx(1.0)


def test_reductions_accept_array_likes_and_tuple_axes():
    assert autograd.sum([1.0, 2.0, 3.0]).item() == 6.0
    assert autograd.max(numpy.array([[1, 5], [7, 2]]), axis=1).values.tolist() == [5, 7]
    x = leaf(numpy.arange(24.0).reshape(2, 3, 4))
    assert x.mean(axis=[0, -1]).shape == (3,)
    assert x.sum(axis=(-1, 0), keepdims=True).shape == (1, 3, 1)


# ---------------------------------------------------------------- shape ops


def test_shape_methods_and_their_gradients():
    x = leaf(numpy.arange(24.0).reshape(2, 3, 4))
    assert x.T.shape == (4, 3, 2)
    assert x.permute(1, 0, 2).shape == (3, 2, 4) and x.transpose(0, 1).shape == (3, 2, 4)
    assert x.reshape(4, -1).shape == (4, 6)
    assert x.flatten(1).shape == (2, 12)
    assert x.unsqueeze(1).squeeze(1).shape == (2, 3, 4)
    y = x.permute(2, 0, 1) * autograd.tensor(numpy.arange(24.0).reshape(4, 2, 3), dtype="float64")
    y.sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), numpy.arange(24.0).reshape(4, 2, 3).transpose(1, 2, 0))


def test_split_concatenate_stack_and_pad_route_gradients():
    x = leaf(numpy.arange(12.0).reshape(3, 4))
    left, right = autograd.split(x, [1, 3], dim=1)
    assert left.shape == (3, 1) and right.shape == (3, 3)
    (left * 2.0 + right.sum(axis=1, keepdims=True)).sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), [[2, 1, 1, 1]] * 3)
    a, b = leaf(numpy.ones((2, 2))), leaf(numpy.ones((1, 2)))
    (autograd.concatenate([a, b]) * autograd.tensor([[1.0], [2.0], [3.0]], dtype="float64")).sum().backward()
    numpy.testing.assert_array_equal(a.grad.numpy(), [[1, 1], [2, 2]])
    numpy.testing.assert_array_equal(b.grad.numpy(), [[3, 3]])
    s = autograd.stack([a, a * 3.0], axis=-1)
    assert s.shape == (2, 2, 2)
    p = autograd.pad(x, (0, 2, 1, 0), value=-1.0)   # PyTorch's order: last dim first
    assert p.shape == (4, 6) and p.numpy()[0, 0] == -1.0


def test_reshape_error_names_the_op_and_shapes():
    with pytest.raises(autograd.ShapeError, match=r"Reshape.*\(2, 3\).*4"):
        autograd.ones(2, 3).reshape(4, 2)


# ---------------------------------------------------------------- matmul


def test_matmul_of_vectors_and_matrices():
    v, w = leaf([1.0, 2.0, 3.0]), leaf([4.0, 5.0, 6.0])
    out = v @ w
    assert out.shape == () and out.item() == 32.0
    out.backward()
    numpy.testing.assert_array_equal(v.grad.numpy(), [4, 5, 6])
    numpy.testing.assert_array_equal(w.grad.numpy(), [1, 2, 3])

    m = leaf(numpy.arange(6.0).reshape(3, 2))
    v.grad = None
    out = v @ m  # (3,) @ (3, 2) -> (2,)
    numpy.testing.assert_array_equal(out.numpy(), [16.0, 22.0])
    out.sum().backward()
    numpy.testing.assert_array_equal(v.grad.numpy(), [1, 5, 9])
    numpy.testing.assert_array_equal(m.grad.numpy(), [[1, 1], [2, 2], [3, 3]])
    assert autograd.gradgradcheck(lambda a, b: a @ b, [m.T, v])


def test_batched_broadcast_matmul_matches_torch():
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(2)
    for shape_a, shape_b in [((2, 1, 3, 4), (5, 4, 2)), ((3, 4), (2, 4, 5)), ((6, 3, 4), (4, 2)), ((4,), (3, 4, 2)),
                             ((2, 3, 4), (4,))]:
        a_np, b_np, g_np = rng.standard_normal(shape_a), rng.standard_normal(shape_b), None
        a, b = leaf(a_np), leaf(b_np)
        out = a @ b
        g_np = rng.standard_normal(out.shape)
        out.backward(autograd.tensor(g_np, dtype="float64"))
        ta = torch.tensor(a_np, requires_grad=True)
        tb = torch.tensor(b_np, requires_grad=True)
        t_out = ta @ tb
        t_out.backward(torch.tensor(g_np))
        numpy.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=1e-10, atol=1e-12)
        numpy.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)
        numpy.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape_a, shape_b", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 2, 3), (3, 3, 2))])
def test_matmul_shape_mismatch_is_a_shape_error_naming_both_shapes(shape_a, shape_b):
    with pytest.raises(autograd.ShapeError) as error:
        autograd.ones(*shape_a) @ autograd.ones(*shape_b)
    message = str(error.value)
    assert "MatMul" in message and str(shape_a) in message and str(shape_b) in message
