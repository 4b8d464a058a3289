"""The nn side of the PyTorch contract: new modules, losses, Module API, dtype checks, packed sequences,
summary and fit's accuracy, compared with PyTorch 2.13 where it is installed."""
import subprocess
import sys

import numpy
import pytest

import autograd
from autograd import nn, optim
from autograd.data import DataLoader, TensorDataset
from autograd.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence, pad_sequence
from autograd.training import Accuracy, accuracy_for, fit

try:  # torch is the oracle; the tests that need it skip without it, the others still run
    import torch
except ImportError:  # pragma: no cover - the comparisons skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch (the test oracle) is not installed")


def rng(seed=0):
    return numpy.random.default_rng(seed)


def _grads_match(ours_inputs, theirs_inputs, rtol=1e-9):
    for a, b in zip(ours_inputs, theirs_inputs):
        numpy.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=1e-12)


# ---------------------------------------------------------------- modules against torch.nn


MODULES = {
    "PReLU": (lambda lib: lib.PReLU(), (4, 3)),
    "PReLU-channels": (lambda lib: lib.PReLU(num_parameters=3, init=0.1), (4, 3, 5)),
    "SiLU": (lambda lib: lib.SiLU(), (4, 3)),
    "Mish": (lambda lib: lib.Mish(), (4, 3)),
    "Identity": (lambda lib: lib.Identity(54, unused="argument"), (4, 3)),
    "Unflatten": (lambda lib: lib.Unflatten(1, (2, 3)), (4, 6)),
    "GroupNorm": (lambda lib: lib.GroupNorm(2, 6), (3, 6, 5)),
    "GroupNorm-no-affine": (lambda lib: lib.GroupNorm(3, 6, affine=False), (3, 6)),
    "RMSNorm": (lambda lib: lib.RMSNorm(5), (3, 4, 5)),
    "RMSNorm-eps": (lambda lib: lib.RMSNorm((4, 5), eps=1e-3), (3, 4, 5)),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_matches_pytorch_values_and_gradients(name):
    make, shape = MODULES[name]
    theirs = make(torch.nn).double()
    ours = make(nn).double()
    with torch.no_grad():  # non-default parameters, so a wrong broadcast shows
        for p in theirs.parameters():
            p.copy_(torch.from_numpy(rng(1).normal(size=tuple(p.shape))))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = rng(2).normal(size=shape)
    x_ours = autograd.tensor(x, requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    assert y_ours.shape == tuple(y_theirs.shape)
    numpy.testing.assert_allclose(y_ours.numpy(), y_theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = rng(3).normal(size=shape if name != "Unflatten" else tuple(y_theirs.shape))
    (y_ours * autograd.tensor(weights)).sum().backward()
    (y_theirs * torch.from_numpy(weights)).sum().backward()
    _grads_match([x_ours, *ours.parameters()], [x_theirs, *theirs.parameters()])
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def test_group_norm_refuses_channels_it_cannot_group():
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(4, 6)
    with pytest.raises(autograd.ShapeError, match=r"\(N, 6, \*\)"):
        nn.GroupNorm(2, 6)(autograd.randn(3, 4))


# ---------------------------------------------------------------- losses against torch.nn


def _loss_cases():
    r = rng(4)
    a, b = r.normal(size=(5, 3)) * 2, r.normal(size=(5, 3)) * 2
    log_p = numpy.log(numpy.exp(a) / numpy.exp(a).sum(1, keepdims=True))
    q = numpy.exp(b) / numpy.exp(b).sum(1, keepdims=True)
    q[0, 1] = 0.0  # a zero target probability contributes 0 (0 log 0 = 0)
    logits3 = r.normal(size=(4, 5, 6))  # (N, C, d)
    ids3 = r.integers(0, 5, size=(4, 6))
    ids3[0, :2] = -100
    ids = numpy.array([0, 2, 1, 2, -100])
    weight = numpy.array([0.2, 1.0, 3.0])
    cases = []
    for reduction in ("mean", "sum", "none"):
        cases += [
            (f"L1-{reduction}", lambda lib, R=reduction: lib.L1Loss(reduction=R), a, b),
            (f"SmoothL1-{reduction}", lambda lib, R=reduction: lib.SmoothL1Loss(reduction=R, beta=0.7), a, b),
            (f"SmoothL1-beta0-{reduction}", lambda lib, R=reduction: lib.SmoothL1Loss(reduction=R, beta=0.0), a, b),
            (f"Huber-{reduction}", lambda lib, R=reduction: lib.HuberLoss(reduction=R, delta=1.5), a, b),
            (f"KLDiv-{reduction}", lambda lib, R=reduction: lib.KLDivLoss(reduction=R), log_p, q),
            (f"CE-weight-{reduction}", lambda lib, R=reduction, W=weight: lib.CrossEntropyLoss(
                weight=_weight(lib, W), reduction=R), a, ids),
            (f"CE-weight-smoothing-{reduction}", lambda lib, R=reduction, W=weight: lib.CrossEntropyLoss(
                weight=_weight(lib, W), reduction=R, label_smoothing=0.2, ignore_index=1), a, numpy.abs(ids) % 3),
            (f"CE-weight-3d-{reduction}", lambda lib, R=reduction: lib.CrossEntropyLoss(
                weight=_weight(lib, numpy.linspace(0.5, 2, 5)), reduction=R), logits3, ids3),
            (f"NLL-weight-{reduction}", lambda lib, R=reduction, W=weight: lib.NLLLoss(
                weight=_weight(lib, W), reduction=R), log_p, ids),
        ]
    cases += [("KLDiv-batchmean", lambda lib: lib.KLDivLoss(reduction="batchmean"), log_p, q),
              ("KLDiv-log-target", lambda lib: lib.KLDivLoss(reduction="sum", log_target=True), log_p,
               numpy.log(numpy.clip(q, 1e-3, 1)))]
    return cases


def _weight(lib, w):
    return torch.tensor(w) if lib is torch.nn else autograd.tensor(w)


LOSS_CASES = _loss_cases()


@needs_torch
@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # torch's KLDivLoss note about 'batchmean'
@pytest.mark.parametrize("name, make, x, target", LOSS_CASES, ids=[c[0] for c in LOSS_CASES])
def test_loss_module_matches_pytorch(name, make, x, target):
    x_ours = autograd.tensor(x, requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    ours = make(nn)(x_ours, autograd.tensor(target) if target.dtype.kind == "f" else target)
    theirs = make(torch.nn)(x_theirs, torch.tensor(target))
    assert ours.shape == tuple(theirs.shape)
    numpy.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng(5).normal(size=tuple(theirs.shape))
    (ours * autograd.tensor(g)).sum().backward()
    (theirs * torch.from_numpy(g)).sum().backward()
    _grads_match([x_ours], [x_theirs])


def test_losses_refuse_a_target_of_another_shape_instead_of_broadcasting():
    prediction = autograd.randn(4, 1)
    for loss in (nn.L1Loss(), nn.SmoothL1Loss(), nn.HuberLoss(), nn.KLDivLoss()):
        with pytest.raises(autograd.ShapeError, match=r"\(4,\)"):
            loss(prediction, autograd.randn(4))
    with pytest.raises(autograd.ShapeError, match="dim 1"):
        nn.CrossEntropyLoss(weight=autograd.ones(3))(autograd.randn(2, 3, 4), numpy.zeros((2, 3), int))


# ---------------------------------------------------------------- Module API


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
        self.head = nn.Linear(4, 2)
        self.register_buffer("steps", autograd.zeros(1))
        self.register_buffer("scratch", autograd.zeros(2), persistent=False)

    def forward(self, x):
        return self.head(self.body(x))


def test_apply_children_modules_and_buffers():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "Tanh", "Sequential", "Linear", "Net"]  # children first, as PyTorch
    assert [n for n, _ in net.named_children()] == ["body", "head"]
    assert [type(m).__name__ for m in net.modules()] == ["Net", "Sequential", "Linear", "Tanh", "Linear"]
    assert [n for n, _ in net.named_buffers()] == ["steps", "scratch"]
    assert "steps" in net.state_dict() and "scratch" not in net.state_dict()
    net.steps = autograd.ones(1)  # assigning a tensor to a buffer keeps it a buffer
    assert dict(net.named_buffers())["steps"] is net.steps
    assert net.state_dict()["steps"].numpy()[0] == 1


def test_zero_grad_to_dtype_and_device():
    net = Net()
    net(autograd.randn(2, 3)).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.to(autograd.float64) is net and net.head.weight.dtype == numpy.float64
    assert net.steps.dtype == numpy.float64
    net.to("cpu", "float32")
    assert net.head.weight.dtype == numpy.float32
    net.to(autograd.zeros(1, dtype="float64"))  # a tensor: its dtype (and device)
    assert net.head.weight.dtype == numpy.float64
    with pytest.raises(autograd.DeviceError):
        net.to("tpu")
    with pytest.raises(autograd.DTypeError):
        net.to("int64")


def test_forward_pre_hook_replaces_inputs_and_can_be_removed():
    layer = nn.Linear(2, 2)
    x = autograd.randn(3, 2)
    plain = layer(x).numpy()
    handle = layer.register_forward_pre_hook(lambda module, inputs: (inputs[0] * 0,))
    numpy.testing.assert_allclose(layer(x).numpy(), layer.bias.numpy()[None].repeat(3, 0))
    handle.remove()
    numpy.testing.assert_allclose(layer(x).numpy(), plain)


@needs_torch
@pytest.mark.filterwarnings("ignore:Full backward hook is firing")  # torch's note for inputs without grad
def test_full_backward_hook_sees_pytorchs_grad_input_and_grad_output():
    seen = {}

    def make_hook(key):
        def hook(module, grad_input, grad_output):
            seen[key] = ([None if g is None else g.detach().numpy() if hasattr(g, "detach") else g.numpy()
                          for g in grad_input], [g.detach().numpy() if hasattr(g, "detach") else g.numpy()
                                                 for g in grad_output])
            return tuple(None if g is None else g * 2 for g in grad_input)  # a returned tuple replaces grad_input
        return hook

    x = rng(6).normal(size=(3, 2))
    ours, theirs = nn.Linear(2, 4, dtype="float64"), torch.nn.Linear(2, 4).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ours.register_full_backward_hook(make_hook("ours"))
    theirs.register_full_backward_hook(make_hook("theirs"))
    x_ours, x_theirs = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ours(x_ours) ** 2).sum().backward()
    (theirs(x_theirs) ** 2).sum().backward()
    for a, b in zip(seen["ours"][0] + seen["ours"][1], seen["theirs"][0] + seen["theirs"][1]):
        numpy.testing.assert_allclose(a, b, rtol=1e-10)
    numpy.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-10)  # doubled in both
    # an input that needs no gradient: the hook still runs, with grad_input (None,)
    seen.clear()
    (ours(autograd.tensor(x)) ** 2).sum().backward()
    (theirs(torch.tensor(x)) ** 2).sum().backward()
    assert seen["ours"][0] == [None] and seen["theirs"][0] == [None]
    numpy.testing.assert_allclose(seen["ours"][1][0], seen["theirs"][1][0], rtol=1e-10)


# ---------------------------------------------------------------- dtype: no silent float64


def test_a_float64_input_to_a_float32_layer_raises_naming_the_layer_and_both_dtypes():
    x64 = autograd.tensor(rng().normal(size=(2, 3)))
    cases = [(nn.Linear(3, 2), x64), (nn.LayerNorm(3), x64), (nn.BatchNorm1d(3), x64), (nn.GroupNorm(1, 3), x64),
             (nn.RMSNorm(3), x64), (nn.PReLU(), x64), (nn.LSTMCell(3, 2), x64),
             (nn.LSTM(3, 2), autograd.tensor(rng().normal(size=(4, 2, 3)))),
             (nn.MultiheadAttention(4, 2), autograd.tensor(rng().normal(size=(5, 2, 4))))]
    for layer, x in cases:
        name = type(layer).__name__
        with pytest.raises(autograd.DTypeError, match=f"{name}.*float64.*float32"):
            layer(*([x] * 3 if name == "MultiheadAttention" else [x]))
    assert nn.Linear(3, 2)(x64.astype("float32")).dtype == numpy.float32  # converting once is the way


def test_a_pretrained_float64_embedding_keeps_its_dtype_and_mixing_raises():
    matrix = rng().normal(size=(5, 3))
    embedding = nn.Embedding.from_pretrained(matrix)  # as PyTorch: the given dtype is kept
    assert embedding.weight.dtype == numpy.float64
    model = nn.Sequential(embedding, nn.Linear(3, 2))
    with pytest.raises(autograd.DTypeError, match="Linear.*float64.*float32"):
        model(numpy.array([0, 4]))
    assert model.to(autograd.float32)(numpy.array([0, 4])).dtype == numpy.float32


# ---------------------------------------------------------------- recurrent layers: PyTorch's shapes


def test_recurrent_layers_default_to_time_major():
    for layer in (nn.RNN(3, 16), nn.LSTM(3, 16), nn.GRU(3, 16)):
        assert layer.batch_first is False
        output, state = layer(autograd.randn(9, 4, 3))  # (T, B, features)
        h_n = state[0] if isinstance(state, tuple) else state
        assert output.shape == (9, 4, 16) and h_n.shape == (1, 4, 16)
    output, (h_n, c_n) = nn.LSTM(3, 16, num_layers=2)(autograd.randn(9, 3))  # unbatched (T, features)
    assert output.shape == (9, 16) and h_n.shape == c_n.shape == (2, 16)


@needs_torch
@pytest.mark.parametrize("name", ["LSTM", "GRU"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_packed_sequences_match_pytorch(name, batch_first):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first).double()
    ours = getattr(nn, name)(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first, dtype="float64")
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    lengths = [3, 5, 1, 4]
    x = rng(7).normal(size=(4, 5, 3) if batch_first else (5, 4, 3))
    x_ours, x_theirs = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    packed_ours = pack_padded_sequence(x_ours, lengths, batch_first=batch_first, enforce_sorted=False)
    packed_theirs = torch.nn.utils.rnn.pack_padded_sequence(x_theirs, torch.tensor(lengths),
                                                            batch_first=batch_first, enforce_sorted=False)
    assert isinstance(packed_ours, PackedSequence)
    for field in ("data", "batch_sizes", "sorted_indices", "unsorted_indices"):
        numpy.testing.assert_allclose(getattr(packed_ours, field).numpy(),
                                      getattr(packed_theirs, field).detach().numpy(), err_msg=field)
    out_ours, state_ours = ours(packed_ours)
    out_theirs, state_theirs = theirs(packed_theirs)
    assert isinstance(out_ours, PackedSequence)
    numpy.testing.assert_allclose(out_ours.data.numpy(), out_theirs.data.detach().numpy(), rtol=1e-10)
    states = zip(*(s if isinstance(s, tuple) else (s,) for s in (state_ours, state_theirs)))
    for a, b in states:  # h_n in the batch's original order
        numpy.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10)
    padded_ours, lengths_ours = pad_packed_sequence(out_ours, batch_first=batch_first, padding_value=-1.0,
                                                    total_length=6)
    padded_theirs, lengths_theirs = torch.nn.utils.rnn.pad_packed_sequence(
        out_theirs, batch_first=batch_first, padding_value=-1.0, total_length=6)
    numpy.testing.assert_allclose(padded_ours.numpy(), padded_theirs.detach().numpy(), rtol=1e-10)
    assert lengths_ours.numpy().tolist() == lengths_theirs.tolist() and lengths_ours.dtype == numpy.int64
    weights = rng(8).normal(size=tuple(padded_theirs.shape))
    (padded_ours * autograd.tensor(weights)).sum().backward()
    (padded_theirs * torch.from_numpy(weights)).sum().backward()
    _grads_match([x_ours, *ours.parameters()], [x_theirs, *theirs.parameters()], rtol=1e-8)


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_pytorch(batch_first, padding_side):
    arrays = [rng(i).normal(size=(n, 2)) for i, n in enumerate([2, 4, 1])]
    ours = pad_sequence([autograd.tensor(a) for a in arrays], batch_first=batch_first, padding_value=7.0,
                        padding_side=padding_side)
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in arrays], batch_first=batch_first,
                                             padding_value=7.0, padding_side=padding_side)
    numpy.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_packing_refuses_what_pytorch_refuses():
    x = autograd.randn(4, 3, 2)
    with pytest.raises(ValueError, match="enforce_sorted"):
        pack_padded_sequence(x, [1, 3, 2])
    with pytest.raises(ValueError, match="lengths"):
        pack_padded_sequence(x, [5, 3, 2])
    packed = pack_padded_sequence(x, [4, 3, 2])  # sorted: no permutation stored
    assert packed.sorted_indices is None and packed.batch_sizes.numpy().tolist() == [3, 3, 2, 1]
    with pytest.raises(ValueError, match="total_length"):
        pad_packed_sequence(packed, total_length=2)
    with pytest.raises(autograd.ShapeError, match="lengths"):
        nn.GRU(2, 3)(packed, lengths=[4, 3, 2])


# ---------------------------------------------------------------- summary and fit


def test_summary_feeds_integer_ids_to_an_embedding_first_model():
    model = nn.Sequential(nn.Embedding(50, 8), nn.Flatten(), nn.Linear(40, 2))
    text = model.summary((5,), print_fn=None)
    assert "(None, 5, 8)" in text and "Total params: 482" in text


def _binary_problem(n=200):
    r = rng(9)
    x = r.normal(size=(n, 2)).astype(numpy.float32)
    y = (x[:, :1] + 0.3 * r.normal(size=(n, 1)) > 0.4).astype(numpy.float32)
    return x, y


@pytest.mark.parametrize("loss_fn, activation", [(nn.BCELoss(), "sigmoid"), (nn.BCEWithLogitsLoss(), None)])
def test_fit_accuracy_of_a_single_sigmoid_or_logit_output_is_the_true_accuracy(loss_fn, activation):
    autograd.manual_seed(0)
    x, y = _binary_problem()
    model = nn.Sequential(nn.Dense(2, 1, activation=activation))
    loader = DataLoader(TensorDataset(x, y), batch_size=32)
    history = fit(model, loss_fn, optim.SGD(model.parameters(), lr=0.1), loader, epochs=2, val_loader=loader,
                  metrics=["accuracy"], progress=False)
    with autograd.no_grad():
        scores = model.eval()(autograd.tensor(x)).numpy()
    truth = ((scores > (0.5 if activation else 0.0)) == y).mean()
    assert history["val_accuracy"][-1] == pytest.approx(truth)
    assert accuracy_for(loss_fn).threshold == (0.5 if activation else 0.0)


def test_accuracy_of_sequences_does_not_count_ignored_positions():
    logits = numpy.zeros((2, 3, 4))  # (N, T, V)
    logits[..., 1] = 1.0  # always predicts class 1
    target = numpy.array([[1, 1, 0], [2, 0, 0]])  # 0 is padding
    metric = accuracy_for(nn.CrossEntropyLoss(ignore_index=0))
    assert metric.counts(logits, target) == (2, 3)
    assert Accuracy()(logits, target) == pytest.approx(2 / 6)
    classes_on_axis_1 = numpy.swapaxes(logits, 1, 2)  # (N, C, T), PyTorch's layout
    assert metric.counts(classes_on_axis_1, target) == (2, 3)


def test_accuracy_that_cannot_be_computed_raises():
    with pytest.raises(autograd.ArgumentError, match="regression"):
        accuracy_for(nn.MSELoss())
    with pytest.raises(autograd.ArgumentError, match="threshold"):
        Accuracy()(numpy.zeros((4, 1)), numpy.zeros((4, 1)))
    with pytest.raises(autograd.ShapeError):
        Accuracy()(numpy.zeros((4, 3)), numpy.zeros((5,)))
    with pytest.raises(autograd.ArgumentError, match="class_axis"):
        Accuracy()(numpy.zeros((2, 3, 3)), numpy.zeros((2, 3)))  # (N, C, T) or (N, T, C)? it does not guess
    with pytest.raises(autograd.ArgumentError, match="0 and 1"):
        Accuracy(threshold=0.5)(numpy.zeros(3), numpy.array([0.0, 2.0, 1.0]))


def test_import_autograd_reaches_the_subpackages_lazily():
    code = ("import sys, autograd; assert 'autograd.nn' not in sys.modules; "
            "autograd.nn.Linear; autograd.optim.lr_scheduler.OneCycleLR; autograd.data.DataLoader; "
            "autograd.nn.utils.rnn.pack_padded_sequence; print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "ok", result.stderr


@needs_torch
@pytest.mark.parametrize("fractions", [[0.33, 0.33, 0.34], [0.25] * 4, [0.5, 0.5]])
def test_random_split_sizes_match_pytorch(fractions):
    from autograd.data import random_split

    ours = random_split(TensorDataset(numpy.arange(10.0)), fractions, generator=numpy.random.default_rng(0))
    theirs = torch.utils.data.random_split(range(10), fractions)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert sorted(int(i) for s in ours for i in s.indices) == list(range(10))


@needs_torch
@pytest.mark.parametrize("shape", [(5,), (2, 5), (2, 3, 4), (2, 3, 4, 2)])
@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
def test_softmax_modules_take_pytorchs_dim_also_the_implicit_one(name, shape):
    x = rng(10).normal(size=shape)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        ours = getattr(nn, name)()(autograd.tensor(x)).numpy()
    with pytest.warns(UserWarning, match="Implicit dimension"):
        theirs = getattr(torch.nn, name)()(torch.tensor(x)).numpy()
    numpy.testing.assert_allclose(ours, theirs, rtol=1e-12)
    numpy.testing.assert_allclose(getattr(nn, name)(dim=-1)(autograd.tensor(x)).numpy(),
                                  getattr(torch.nn, name)(dim=-1)(torch.tensor(x)).numpy(), rtol=1e-12)
    assert getattr(nn, name)(axis=0).dim == 0  # the NumPy spelling, same meaning
