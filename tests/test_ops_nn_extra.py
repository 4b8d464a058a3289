"""Checks of the nn and loss ops beyond the generated registry tests.

PyTorch is the reference for the losses (values and gradients, including
ignore_index, reductions and label smoothing); dropout's randomness and
embedding's sparse gradient are checked directly.
"""
import numpy
import pytest

import autograd
from autograd import Tensor

torch = pytest.importorskip("torch")
F = torch.nn.functional


def leaf(array, dtype=numpy.float64):
    return autograd.tensor(numpy.asarray(array, dtype=dtype), requires_grad=True)


def torch_leaf(array):
    return torch.tensor(numpy.asarray(array, dtype=numpy.float64), requires_grad=True)


def assert_close(ours, theirs, atol=1e-10, rtol=1e-7):
    ours = ours.numpy() if isinstance(ours, Tensor) else numpy.asarray(ours)
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else numpy.asarray(theirs)
    numpy.testing.assert_allclose(ours, theirs, atol=atol, rtol=rtol)


def targets_with_ignored(rng, shape, classes, ignore_index=-100):
    target = rng.integers(0, classes, size=shape)
    target.reshape(-1)[::4] = ignore_index
    return target


# ---------------------------------------------------------------- cross-entropy and nll against PyTorch


@pytest.mark.parametrize("shape", [(6, 7), (3, 4, 7)], ids=["(N,C)", "(N,C,d)"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.15])
@pytest.mark.parametrize("ignore_index", [-100, 2])
def test_cross_entropy_matches_torch(shape, reduction, label_smoothing, ignore_index):
    rng = numpy.random.default_rng(1)
    logits = rng.normal(size=shape) * 3
    target_shape = shape[:1] + shape[2:]  # the class dim is dim 1, as in PyTorch
    target = targets_with_ignored(rng, target_shape, shape[1], ignore_index)
    weights = rng.normal(size=target_shape) if reduction == "none" else None

    x = leaf(logits)
    loss = autograd.cross_entropy(x, target, ignore_index=ignore_index, reduction=reduction,
                                  label_smoothing=label_smoothing)
    (loss * Tensor(weights) if weights is not None else loss).sum().backward()

    tx = torch_leaf(logits)
    tloss = F.cross_entropy(tx, torch.tensor(target), ignore_index=ignore_index,
                            reduction=reduction, label_smoothing=label_smoothing)
    if reduction == "none":
        (tloss * torch.tensor(weights)).sum().backward()
    else:
        tloss.backward()
    assert loss.shape == tuple(tloss.shape)
    assert_close(loss, tloss)
    assert_close(x.grad, tx.grad)


def test_cross_entropy_second_derivative_matches_torch():
    """Hessian-vector product through the create_graph path (softmax recomputed from the logits)."""
    rng = numpy.random.default_rng(2)
    logits, direction = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 5, 3))   # (N, C, d)
    target = targets_with_ignored(rng, (2, 3), 5)

    x = leaf(logits)
    g, = autograd.grad(autograd.cross_entropy(x, target, label_smoothing=0.1), [x], create_graph=True)
    hv, = autograd.grad((g * Tensor(direction)).sum(), [x])

    tx = torch_leaf(logits)
    tg, = torch.autograd.grad(F.cross_entropy(tx, torch.tensor(target), label_smoothing=0.1), [tx],
                              create_graph=True)
    thv, = torch.autograd.grad((tg * torch.tensor(direction)).sum(), [tx])
    assert_close(g, tg)
    assert_close(hv, thv)


def test_cross_entropy_all_ignored_is_nan_with_zero_gradient():
    x = leaf(numpy.ones((2, 3)))
    loss = autograd.cross_entropy(x, numpy.array([-100, -100]))
    assert numpy.isnan(loss.item())  # 0 / 0, as in PyTorch
    loss.backward()
    assert numpy.all(x.grad.numpy() == 0)


def test_cross_entropy_accepts_int_tensor_targets_and_large_logits():
    logits = numpy.array([[1000.0, 0.0, -1000.0], [0.0, 0.0, 2000.0]])
    x = leaf(logits)
    loss = autograd.cross_entropy(x, autograd.tensor(numpy.array([0, 1])), reduction="none")
    loss.sum().backward()
    assert_close(loss, [0.0, 2000.0])
    assert numpy.all(numpy.isfinite(x.grad.numpy()))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_matches_torch_and_log_softmax_composition(reduction):
    rng = numpy.random.default_rng(3)
    logits = rng.normal(size=(3, 6, 4))   # (N, C, d)
    target = targets_with_ignored(rng, (3, 4), 6)

    x = leaf(logits)
    loss = autograd.nll_loss(autograd.log_softmax(x, dim=1), target, reduction=reduction)
    loss.sum().backward()
    fused = autograd.cross_entropy(leaf(logits), target, reduction=reduction)

    tx = torch_leaf(logits)
    tloss = F.nll_loss(F.log_softmax(tx, dim=1), torch.tensor(target), reduction=reduction)
    tloss.sum().backward()
    assert_close(loss, tloss)
    assert_close(fused, loss)
    assert_close(x.grad, tx.grad)


# ---------------------------------------------------------------- binary cross-entropy, mse


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_matches_torch_including_clamped_ends(reduction):
    p = numpy.array([0.0, 0.2, 0.5, 0.9, 1.0, 1e-30])
    t = numpy.array([0.0, 1.0, 0.3, 0.0, 1.0, 1.0])  # p = 0 and p = 1 where the target agrees
    x, target = leaf(p), leaf(t)
    loss = autograd.binary_cross_entropy(x, target, reduction=reduction)
    loss.sum().backward()

    tx, tt = torch_leaf(p), torch_leaf(t)
    tloss = F.binary_cross_entropy(tx, tt, reduction=reduction)
    tloss.sum().backward()
    assert_close(loss, tloss)
    assert_close(x.grad, tx.grad, rtol=1e-6)
    # d/dt is log(1 - p) - log(p) with the forward's clamp; PyTorch leaves it unclamped (±inf at p = 0, 1)
    inside = (p > 0) & (p < 1)
    assert_close(target.grad.numpy()[inside], tt.grad.numpy()[inside])
    assert numpy.all(numpy.isfinite(target.grad.numpy()))

    # a confident wrong answer costs 100 (the clamp), not inf
    assert autograd.binary_cross_entropy(leaf([0.0]), leaf([1.0])).item() == pytest.approx(100.0)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("with_pos_weight", [False, True])
def test_binary_cross_entropy_with_logits_matches_torch(reduction, with_pos_weight):
    rng = numpy.random.default_rng(4)
    logits, t = rng.normal(size=(4, 3)) * 4, rng.uniform(size=(4, 3))
    weight_values = rng.uniform(0.5, 3.0, size=3)
    x, target = leaf(logits), leaf(t)
    pos_weight = leaf(weight_values) if with_pos_weight else None
    loss = autograd.binary_cross_entropy_with_logits(x, target, reduction=reduction, pos_weight=pos_weight)
    loss.sum().backward()

    tx, tt = torch_leaf(logits), torch_leaf(t)
    tw = torch.tensor(weight_values) if with_pos_weight else None
    tloss = F.binary_cross_entropy_with_logits(tx, tt, reduction=reduction, pos_weight=tw)
    tloss.sum().backward()
    assert_close(loss, tloss)
    assert_close(x.grad, tx.grad)
    assert_close(target.grad, tt.grad)
    if with_pos_weight:  # PyTorch does not differentiate pos_weight; we do: check numerically
        assert autograd.gradcheck(lambda w: autograd.binary_cross_entropy_with_logits(
            x.detach(), target.detach(), reduction=reduction, pos_weight=w), [pos_weight])


def test_binary_cross_entropy_with_logits_is_finite_for_huge_logits():
    for dtype in (numpy.float32, numpy.float64):
        x = leaf([1000.0, -1000.0, 1000.0, -1000.0], dtype)
        loss = autograd.binary_cross_entropy_with_logits(x, autograd.tensor(numpy.array([1.0, 0.0, 0.0, 1.0], dtype)),
                                                         reduction="none")
        loss.sum().backward()
        assert_close(loss, [0.0, 0.0, 1000.0, 1000.0])
        assert_close(x.grad, [0.0, 0.0, 1.0, -1.0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_matches_torch(reduction):
    rng = numpy.random.default_rng(5)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    x, y = leaf(a), leaf(b)
    autograd.mse_loss(x, y, reduction=reduction).sum().backward()
    tx, ty = torch_leaf(a), torch_leaf(b)
    F.mse_loss(tx, ty, reduction=reduction).sum().backward()
    assert_close(x.grad, tx.grad)
    assert_close(y.grad, ty.grad)
    assert_close(autograd.mse_loss(x, b, reduction=reduction), F.mse_loss(tx, ty, reduction=reduction))


# ---------------------------------------------------------------- softmax


def test_softmax_and_log_softmax_match_torch_and_survive_large_values():
    values = numpy.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
    for axis in (0, 1, -1):
        for ours, theirs in [(autograd.softmax, torch.softmax), (autograd.log_softmax, torch.log_softmax)]:
            x, tx = leaf(values), torch_leaf(values)
            y, ty = ours(x, axis=axis), theirs(tx, dim=axis)
            weights = numpy.arange(6.0).reshape(2, 3)
            (y * Tensor(weights)).sum().backward()
            (ty * torch.tensor(weights)).sum().backward()
            assert_close(y, ty)
            assert_close(x.grad, tx.grad)
    assert_close(leaf(values).softmax(0), torch.softmax(torch.tensor(values), 0))
    assert_close(leaf(values).log_softmax(), torch.log_softmax(torch.tensor(values), -1))


# ---------------------------------------------------------------- embedding


def test_embedding_accumulates_repeated_ids_and_skips_padding():
    weight = leaf(numpy.arange(15.0).reshape(5, 3))
    ids = numpy.array([[1, 3, 1], [0, 1, 4]])
    out = autograd.embedding(weight, ids, padding_idx=4)
    assert out.shape == (2, 3, 3)
    assert_close(out, numpy.arange(15.0).reshape(5, 3)[ids])
    upstream = numpy.random.default_rng(6).normal(size=(2, 3, 3))
    out.backward(upstream)

    expected = numpy.zeros((5, 3))
    for position, row in numpy.ndenumerate(ids):
        if row != 4:
            expected[row] += upstream[position]
    assert_close(weight.grad, expected)
    assert numpy.all(weight.grad.numpy()[[2, 4]] == 0)  # never looked up / padding: no gradient

    tw = torch_leaf(numpy.arange(15.0).reshape(5, 3))
    F.embedding(torch.tensor(ids), tw, padding_idx=4).backward(torch.tensor(upstream))
    assert_close(weight.grad, tw.grad)


def test_embedding_takes_int_tensors_negative_padding_and_rejects_bad_ids():
    weight = leaf(numpy.ones((4, 2)))
    autograd.embedding(weight, autograd.tensor(numpy.array([3, 3])), padding_idx=-1).sum().backward()
    assert numpy.all(weight.grad.numpy() == 0)  # -1 is the last row, the only one used
    with pytest.raises(IndexError, match="embedding: id 4 is out of range for a table of 4 rows"):
        autograd.embedding(weight, numpy.array([0, 4]))
    with pytest.raises(IndexError, match="id -1"):
        autograd.embedding(weight, [0, -1])
    with pytest.raises(autograd.DTypeError, match="embedding: ids must be integers"):
        autograd.embedding(weight, numpy.array([0.0, 1.0]))
    with pytest.raises(autograd.ShapeError, match="embedding"):
        autograd.embedding(leaf(numpy.ones(4)), [0])


# ---------------------------------------------------------------- dropout


def test_dropout_is_identity_when_not_training_or_p_zero():
    x = leaf(numpy.arange(12.0).reshape(3, 4), numpy.float32)
    for y in (autograd.dropout(x, p=0.5, training=False), autograd.dropout(x, p=0.0)):
        assert numpy.array_equal(y.numpy(), x.numpy()) and y.dtype == numpy.float32
        y.backward(autograd.full((3, 4), 2.0))
    assert numpy.array_equal(x.grad.numpy(), numpy.full((3, 4), 4.0))


def test_dropout_zeroes_about_p_scales_survivors_and_keeps_the_mean():
    autograd.manual_seed(0)
    x = autograd.ones(200, 500, requires_grad=True)
    y = autograd.dropout(x, p=0.3)
    values = y.numpy()
    assert y.dtype == numpy.float32
    assert set(numpy.unique(values)) <= {0.0, numpy.float32(1 / 0.7)}
    dropped = (values == 0).mean()
    assert abs(dropped - 0.3) < 0.01            # 100,000 draws: the standard error is 0.0015
    assert abs(values.mean() - 1.0) < 0.02      # inverted dropout preserves the expectation
    y.backward(autograd.ones_like(y))
    assert numpy.array_equal(x.grad.numpy(), values)  # the gradient passes through the same mask


def test_dropout_is_reproducible_under_manual_seed_and_checks_p():
    x = autograd.randn(50)
    autograd.manual_seed(7)
    first = autograd.dropout(x, 0.5).numpy()
    second = autograd.dropout(x, 0.5).numpy()
    autograd.manual_seed(7)
    assert numpy.array_equal(autograd.dropout(x, 0.5).numpy(), first)
    assert not numpy.array_equal(first, second)  # a fresh mask each call
    for p in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="dropout: p must be in"):
            autograd.dropout(x, p)


# ---------------------------------------------------------------- dtypes and errors


def test_float32_stays_float32_through_every_op():
    rng = numpy.random.default_rng(8)

    def f32(shape, low=-2.0, high=2.0):
        return autograd.tensor(rng.uniform(low, high, size=shape).astype(numpy.float32), requires_grad=True)

    logits, probs, scores = f32((4, 5)), f32((4, 5), 0.1, 0.9), f32((4, 5))
    ids = rng.integers(0, 4, size=4)
    float64_target = rng.uniform(size=(4, 5))  # a float64 NumPy target must not promote the loss
    autograd.manual_seed(0)
    outputs = [autograd.softmax(logits), autograd.log_softmax(logits), autograd.dropout(logits, 0.2),
               autograd.embedding(logits, ids),
               autograd.cross_entropy(logits, ids), autograd.cross_entropy(logits, ids, label_smoothing=0.1),
               autograd.nll_loss(logits, ids), autograd.binary_cross_entropy(probs, float64_target),
               autograd.binary_cross_entropy_with_logits(scores, float64_target, pos_weight=numpy.ones(5)),
               autograd.mse_loss(scores, float64_target)]
    for out in outputs:
        assert out.dtype == numpy.float32, out
        out.sum().backward()
    for t in (logits, probs, scores):
        assert t.grad.dtype == numpy.float32


def test_error_messages_name_the_op_and_the_problem():
    logits = leaf(numpy.zeros((2, 5, 3)))   # (N, C, d): targets (N, d) = (2, 3)
    with pytest.raises(autograd.ShapeError, match=r"cross_entropy: target of shape \(2,\) does not fit the input "
                                                  r"of shape \(2, 5, 3\).*\(2, 3\)"):
        autograd.cross_entropy(logits, numpy.array([1, 2]))
    with pytest.raises(IndexError, match="cross_entropy: target id 5 is out of range for 5 classes"):
        autograd.cross_entropy(logits, numpy.full((2, 3), 5))
    with pytest.raises(IndexError, match="nll_loss: target id -3"):
        autograd.nll_loss(logits, numpy.full((2, 3), -3))
    with pytest.raises(autograd.ShapeError, match="probability target of shape"):  # float targets: probabilities
        autograd.cross_entropy(logits, numpy.zeros((2, 3)))
    with pytest.raises(autograd.DTypeError, match="integers"):
        autograd.cross_entropy(logits, numpy.zeros((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="reduction must be"):
        autograd.cross_entropy(logits, numpy.zeros((2, 3), int), reduction="avg")
    with pytest.raises(autograd.ShapeError, match=r"binary_cross_entropy: target of shape \(3,\) does not "
                                                  r"match the input of shape \(2,\)"):
        autograd.binary_cross_entropy(leaf([0.5, 0.5]), numpy.ones(3))
    with pytest.raises(autograd.ShapeError, match="pos_weight"):
        autograd.binary_cross_entropy_with_logits(leaf(numpy.zeros((2, 3))), numpy.ones((2, 3)),
                                                  pos_weight=numpy.ones(2))
