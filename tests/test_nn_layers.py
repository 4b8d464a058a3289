"""Layers, activation modules, loss modules and initializers."""
import math

import numpy
import pytest

import autograd
from autograd import nn
from autograd.nn import init


def rng():
    return numpy.random.default_rng(0)


# ---------------------------------------------------------------- Linear / Dense

def test_linear_shapes_formula_and_default_init():
    autograd.manual_seed(0)
    layer = nn.Linear(400, 30)
    assert layer.weight.shape == (30, 400) and layer.bias.shape == (30,)
    assert layer.weight.dtype == numpy.float32 and layer.bias.dtype == numpy.float32
    bound = 1 / math.sqrt(400)  # kaiming_uniform(a=sqrt(5)) reduces to U(-1/sqrt(in), 1/sqrt(in))
    w = layer.weight.numpy()
    assert numpy.abs(w).max() <= bound and numpy.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.03 * bound
    assert numpy.abs(layer.bias.numpy()).max() <= bound
    x = rng().standard_normal((5, 7, 400)).astype(numpy.float32)  # any leading axes
    expected = x @ w.T + layer.bias.numpy()
    numpy.testing.assert_allclose(layer(autograd.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_linear_without_bias_and_with_activations():
    x = autograd.randn(4, 3)
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    dense = nn.Dense(3, 2, activation="relu")
    assert (dense(x).numpy() >= 0).all()
    assert nn.Dense is nn.Linear
    with_function = nn.Dense(3, 2, activation=autograd.tanh)
    numpy.testing.assert_allclose(with_function(x).numpy(),
                                  numpy.tanh(x.numpy() @ with_function.weight.numpy().T
                                             + with_function.bias.numpy()), rtol=1e-5)
    with pytest.raises(ValueError, match="unknown activation"):
        nn.Dense(3, 2, activation="swishy")
    with pytest.raises(autograd.ShapeError, match="3 features"):
        dense(autograd.randn(4, 5))


def test_linear_gradients_pass_gradcheck_in_float64():
    layer = nn.Linear(3, 2).double()
    x = autograd.randn(4, 3, dtype="float64", requires_grad=True)
    assert autograd.gradcheck(lambda x, w, b: autograd.tanh(x @ w.T + b), (x, layer.weight, layer.bias))


def test_sequential_chains_indexes_and_slices():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(model) == 3 and isinstance(model[-1], nn.Linear)
    head = model[:2]
    assert isinstance(head, nn.Sequential) and [n for n, _ in head.named_parameters()] == ["0.weight", "0.bias"]
    x = autograd.randn(5, 2)
    numpy.testing.assert_allclose(model(x).numpy(), model[2](model[1](model[0](x))).numpy())
    named = nn.Sequential({"encoder": nn.Linear(2, 2), "act": nn.Tanh()})
    assert [n for n, _ in named.named_parameters()] == ["encoder.weight", "encoder.bias"]
    model.append(nn.Sigmoid())
    assert len(model) == 4


# ---------------------------------------------------------------- Dropout, norms, Flatten

def test_dropout_scales_in_training_and_is_identity_in_eval():
    autograd.manual_seed(0)
    drop = nn.Dropout(0.25)
    x = autograd.ones(200, 100)
    y = drop(x).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.01
    numpy.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError):
        nn.Dropout(1.0)


def test_layer_norm_matches_formula_and_pytorch():
    x = rng().standard_normal((2, 3, 8)).astype(numpy.float32)
    norm = nn.LayerNorm(8)
    norm.weight.data[...] = numpy.linspace(0.5, 1.5, 8)
    norm.bias.data[...] = 0.1
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    expected = (x - mean) / numpy.sqrt(var + 1e-5) * norm.weight.numpy() + 0.1
    numpy.testing.assert_allclose(norm(autograd.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-5)
    two_axes = nn.LayerNorm((3, 8), elementwise_affine=False)
    y = two_axes(autograd.tensor(x)).numpy()
    numpy.testing.assert_allclose(y.reshape(2, -1).mean(-1), 0, atol=1e-6)
    assert list(two_axes.parameters()) == []


def test_layer_norm_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    x = rng().standard_normal((4, 6))
    norm = nn.LayerNorm(6).double()
    tnorm = torch.nn.LayerNorm(6).double()
    xa = autograd.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    weights = rng().standard_normal((4, 6))
    (norm(xa) * autograd.tensor(weights)).sum().backward()
    (tnorm(xt) * torch.tensor(weights)).sum().backward()
    numpy.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-10)
    numpy.testing.assert_allclose(norm.weight.grad.numpy(), tnorm.weight.grad.numpy(), rtol=1e-8)


def test_batch_norm_train_and_eval_match_pytorch():
    torch = pytest.importorskip("torch")
    bn = nn.BatchNorm1d(4, momentum=0.2)
    tbn = torch.nn.BatchNorm1d(4, momentum=0.2)
    for shape in [(8, 4), (8, 4), (5, 4, 3)]:  # (N, C) and (N, C, L)
        x = rng().standard_normal(shape).astype(numpy.float32) * 3 + 1
        numpy.testing.assert_allclose(bn(autograd.tensor(x)).numpy(), tbn(torch.from_numpy(x)).detach().numpy(),
                                      rtol=1e-4, atol=1e-5)
    for name in ("running_mean", "running_var"):
        numpy.testing.assert_allclose(getattr(bn, name).numpy(), getattr(tbn, name).numpy(), rtol=1e-5)
    assert bn.num_batches_tracked.item() == 3
    bn.eval(), tbn.eval()
    x = rng().standard_normal((6, 4)).astype(numpy.float32)
    numpy.testing.assert_allclose(bn(autograd.tensor(x)).numpy(), tbn(torch.from_numpy(x)).detach().numpy(),
                                  rtol=1e-4, atol=1e-5)
    before = bn.running_mean.numpy().copy()
    bn(autograd.tensor(x))
    numpy.testing.assert_array_equal(bn.running_mean.numpy(), before)  # eval: statistics frozen
    with pytest.raises(autograd.ShapeError):
        bn(autograd.randn(3, 5))


def test_batch_norm_backward_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = rng().standard_normal((6, 3))
    bn = nn.BatchNorm1d(3).double()
    tbn = torch.nn.BatchNorm1d(3).double()
    xa = autograd.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    weights = rng().standard_normal((6, 3))
    (bn(xa) * autograd.tensor(weights)).sum().backward()
    (tbn(xt) * torch.tensor(weights)).sum().backward()
    numpy.testing.assert_allclose(xa.grad.numpy(), xt.grad.numpy(), rtol=1e-7, atol=1e-10)
    numpy.testing.assert_allclose(bn.bias.grad.numpy(), tbn.bias.grad.numpy(), rtol=1e-10)


def test_flatten_and_identity():
    x = autograd.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Identity()(x) is x


# ---------------------------------------------------------------- activation modules

ACTIVATIONS = [
    (nn.ReLU(), lambda x: numpy.maximum(x, 0)),
    (nn.Sigmoid(), lambda x: 1 / (1 + numpy.exp(-x))),
    (nn.Tanh(), numpy.tanh),
    (nn.LeakyReLU(0.1), lambda x: numpy.where(x > 0, x, 0.1 * x)),
    (nn.ELU(0.5), lambda x: numpy.where(x > 0, x, 0.5 * (numpy.exp(x) - 1))),
    (nn.SELU(), lambda x: 1.0507009873554805 * numpy.where(x > 0, x, 1.6732632423543772 * (numpy.exp(x) - 1))),
    (nn.GELU(), lambda x: 0.5 * x * (1 + numpy.vectorize(math.erf)(x / math.sqrt(2)))),
    (nn.GELU("tanh"), lambda x: 0.5 * x * (1 + numpy.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    (nn.Softplus(), lambda x: numpy.log1p(numpy.exp(x))),
    (nn.Softplus(beta=2.0), lambda x: numpy.log1p(numpy.exp(2 * x)) / 2),
    (nn.Softmax(axis=-1), lambda x: numpy.exp(x) / numpy.exp(x).sum(-1, keepdims=True)),
    (nn.Softmax(dim=0), lambda x: numpy.exp(x) / numpy.exp(x).sum(0, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda x: x - numpy.log(numpy.exp(x).sum(-1, keepdims=True))),
    (nn.Identity(), lambda x: x),
]


@pytest.mark.parametrize("module, reference", ACTIVATIONS, ids=[repr(m) for m, _ in ACTIVATIONS])
def test_activation_modules(module, reference):
    x = rng().standard_normal((3, 5))
    numpy.testing.assert_allclose(module(autograd.tensor(x)).numpy(), reference(x), rtol=1e-6, atol=1e-7)


def test_activation_by_name():
    assert isinstance(nn.activation("ReLU"), nn.ReLU)
    assert isinstance(nn.activation("gelu"), nn.GELU)


# ---------------------------------------------------------------- losses as modules

def test_loss_modules_match_pytorch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    r = rng()
    logits = r.standard_normal((6, 4))
    target = numpy.array([0, 3, 1, -100, 2, 2])
    probabilities = 1 / (1 + numpy.exp(-r.standard_normal((6, 4))))
    binary = (r.random((6, 4)) > 0.5).astype(numpy.float64)
    cases = [
        (nn.CrossEntropyLoss()(autograd.tensor(logits), target),
         F.cross_entropy(torch.tensor(logits), torch.tensor(target))),
        (nn.CrossEntropyLoss(ignore_index=2, label_smoothing=0.1)(autograd.tensor(logits), numpy.abs(target) % 4),
         F.cross_entropy(torch.tensor(logits), torch.tensor(numpy.abs(target) % 4), ignore_index=2,
                         label_smoothing=0.1)),
        (nn.NLLLoss(reduction="sum")(nn.LogSoftmax(dim=1)(autograd.tensor(logits)), target),
         F.nll_loss(F.log_softmax(torch.tensor(logits), -1), torch.tensor(target), reduction="sum")),
        (nn.MSELoss()(autograd.tensor(logits), autograd.tensor(probabilities)),
         F.mse_loss(torch.tensor(logits), torch.tensor(probabilities))),
        (nn.BCELoss()(autograd.tensor(probabilities), autograd.tensor(binary)),
         F.binary_cross_entropy(torch.tensor(probabilities), torch.tensor(binary))),
        (nn.BCEWithLogitsLoss(pos_weight=autograd.tensor(numpy.array([1.0, 2.0, 0.5, 3.0])))(
            autograd.tensor(logits), autograd.tensor(binary)),
         F.binary_cross_entropy_with_logits(torch.tensor(logits), torch.tensor(binary),
                                            pos_weight=torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=torch.float64))),
    ]
    for ours, theirs in cases:
        numpy.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)
    none = nn.MSELoss(reduction="none")(autograd.tensor(logits), autograd.tensor(probabilities))
    assert none.shape == (6, 4)
    assert "label_smoothing=0.1" in repr(nn.CrossEntropyLoss(label_smoothing=0.1))
    with pytest.raises(ValueError):
        nn.MSELoss(reduction="average")


def test_cross_entropy_loss_on_flattened_sequences_ignores_padding():
    logits = autograd.randn(2, 5, 7, requires_grad=True)  # (N, T, V): flattened to (N·T, V) rows, as PyTorch code does
    target = numpy.array([[1, 2, 3, 0, 0], [4, 5, 6, 1, 0]])
    loss = nn.CrossEntropyLoss(ignore_index=0)(logits.reshape(-1, 7), target.reshape(-1))
    loss.backward()
    assert loss.shape == () and numpy.abs(logits.grad.numpy()[0, 3]).sum() == 0  # ignored position
    with pytest.raises(autograd.ShapeError, match="class dim"):   # (N, T, C) must be flattened or permuted
        nn.CrossEntropyLoss()(autograd.randn(2, 5, 7), target)


# ---------------------------------------------------------------- initializers

def big(*shape):
    return nn.Parameter(autograd.zeros(*shape))


def test_constant_initializers():
    assert (init.zeros_(big(3, 4)).numpy() == 0).all()
    assert (init.ones_(big(3, 4)).numpy() == 1).all()
    assert (init.constant_(big(3, 4), 0.25).numpy() == 0.25).all()
    assert init.zeros is init.zeros_


def test_uniform_and_normal_statistics():
    autograd.manual_seed(0)
    u = init.uniform_(big(300, 300), -2.0, 4.0).numpy()
    assert u.min() >= -2 and u.max() < 4 and abs(u.mean() - 1) < 0.02 and abs(u.std() - math.sqrt(3)) < 0.02
    n = init.normal_(big(300, 300), mean=1.0, std=0.5).numpy()
    assert abs(n.mean() - 1) < 0.01 and abs(n.std() - 0.5) < 0.005
    assert n.dtype == numpy.float32


@pytest.mark.parametrize("fill, expected_std", [
    (lambda w: init.xavier_uniform_(w), math.sqrt(2 / (200 + 400))),
    (lambda w: init.glorot_normal_(w, gain=2.0), 2 * math.sqrt(2 / (200 + 400))),
    (lambda w: init.kaiming_uniform_(w, nonlinearity="relu"), math.sqrt(2 / 400)),
    (lambda w: init.he_normal_(w, mode="fan_out", nonlinearity="relu"), math.sqrt(2 / 200)),
    (lambda w: init.kaiming_normal_(w, a=0.2), math.sqrt(2 / (1 + 0.04)) / math.sqrt(400)),
    (lambda w: init.kaiming_uniform_(w, a=math.sqrt(5)), 1 / math.sqrt(400) / math.sqrt(3)),
])
def test_scaled_initializers_have_the_documented_standard_deviation(fill, expected_std):
    autograd.manual_seed(1)
    w = fill(big(200, 400)).numpy()  # (out=200, in=400): fan_in 400, fan_out 200
    assert abs(w.mean()) < 0.02 * expected_std * 10
    assert abs(w.std() - expected_std) < 0.02 * expected_std


def test_xavier_uniform_bound_and_fans_of_conv_shapes():
    autograd.manual_seed(0)
    w = init.xavier_uniform_(big(10, 20)).numpy()
    assert numpy.abs(w).max() <= math.sqrt(6 / 30)
    conv = init.kaiming_normal_(big(64, 16, 3, 3), nonlinearity="relu").numpy()  # fan_in = 16 * 9
    assert abs(conv.std() - math.sqrt(2 / 144)) < 0.03 * math.sqrt(2 / 144)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(big(5))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_uniform_(big(3, 3), mode="fan_avg")


def test_calculate_gain_matches_pytorch_values():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == pytest.approx(0.75)
    with pytest.raises(ValueError):
        init.calculate_gain("swish")


@pytest.mark.parametrize("shape", [(6, 6), (4, 9), (9, 4), (4, 2, 3)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape):
    autograd.manual_seed(0)
    w = init.orthogonal_(nn.Parameter(autograd.zeros(*shape, dtype="float64")), gain=2.0).numpy()
    flat = w.reshape(shape[0], -1)
    small = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    numpy.testing.assert_allclose(small, 4 * numpy.eye(small.shape[0]), atol=1e-10)


def test_initializers_are_reproducible_with_manual_seed():
    autograd.manual_seed(3)
    a = nn.Linear(5, 5).weight.numpy().copy()
    autograd.manual_seed(3)
    b = nn.Linear(5, 5).weight.numpy()
    numpy.testing.assert_array_equal(a, b)
