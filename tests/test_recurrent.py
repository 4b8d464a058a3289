"""Recurrent cells and layers: gradients, fused vs composed, PyTorch layout, padding, TBPTT.

The fused ops (one node per layer with a hand-written backward through time)
are checked three ways: gradcheck, agreement with the same layer composed
from elementary ops, and agreement with the equations written out in NumPy
(and with PyTorch when it is installed).
"""
import numpy
import pytest

import autograd
from autograd import nn
from autograd.backend import kernels
from autograd.ops import recurrent as rec

KINDS = [("LSTM", nn.LSTM, {}), ("GRU", nn.GRU, {}), ("RNN", nn.RNN, {}),
         ("RNN-relu", nn.RNN, {"nonlinearity": "relu"})]


def _state_list(state):
    return list(state) if isinstance(state, tuple) else [state]


def _tensor(rng, *shape):
    return autograd.tensor(rng.uniform(-1, 1, shape), dtype="float64")


# ---------------------------------------------------------------- gradcheck of every cell and layer


@pytest.mark.parametrize("cell_class, options", [(nn.LSTMCell, {}), (nn.GRUCell, {}), (nn.RNNCell, {}),
                                                 (nn.RNNCell, {"nonlinearity": "relu"})])
@pytest.mark.parametrize("fused", [True, False])
def test_cell_gradcheck(cell_class, options, fused):
    autograd.manual_seed(1)
    rng = numpy.random.default_rng(0)
    cell = cell_class(3, 2, fused=fused, dtype="float64", **options)
    x, h = _tensor(rng, 4, 3), _tensor(rng, 4, 2)
    params = list(cell.parameters())
    if cell_class is nn.LSTMCell:
        c = _tensor(rng, 4, 2)
        fn = lambda x, h, c, *w: _run_cell(cell, params, w, x, (h, c))  # noqa: E731
        inputs = [x, h, c, *params]
    else:
        fn = lambda x, h, *w: _run_cell(cell, params, w, x, h)  # noqa: E731
        inputs = [x, h, *params]
    for t in inputs:
        t.requires_grad_(True)
    assert autograd.gradcheck(fn, inputs)


def _run_cell(module, params, weights, x, state):
    """Call `module` with its parameters replaced by `weights` (gradcheck's float64 copies)."""
    names = [n for n, _ in module.named_parameters()]
    for name, w in zip(names, weights):
        object.__setattr__(module, name, w)
    try:
        return module(x, state)
    finally:
        for name, p in zip(names, params):
            object.__setattr__(module, name, p)


LAYER_CASES = [
    pytest.param(dict(num_layers=1, batch_first=True), None, id="one-layer"),
    pytest.param(dict(num_layers=2, batch_first=True), None, id="two-layers"),
    pytest.param(dict(bidirectional=True, batch_first=True), None, id="bidirectional"),
    pytest.param(dict(num_layers=2, bidirectional=True, batch_first=True), [3, 1, 2], id="deep-bidirectional-padded"),
    pytest.param(dict(num_layers=1, batch_first=True), [2, 3, 1], id="padded"),
    pytest.param(dict(), None, id="time-major-default"),
]


@pytest.mark.parametrize("name, layer_class, options", KINDS, ids=[k[0] for k in KINDS])
@pytest.mark.parametrize("config, lengths", LAYER_CASES)
def test_layer_gradcheck(name, layer_class, options, config, lengths):
    autograd.manual_seed(2)
    rng = numpy.random.default_rng(3)
    layer = layer_class(2, 2, dtype="float64", **options, **config)
    directions = 2 if config.get("bidirectional") else 1
    layers = config.get("num_layers", 1)
    x = _tensor(rng, 3, 3, 2)
    states = [_tensor(rng, layers * directions, 3, 2) for _ in range(2 if name == "LSTM" else 1)]
    params = list(layer.parameters())
    inputs = [x, *states, *params]
    for t in inputs:
        t.requires_grad_(True)
    count = len(states)

    def fn(x, *rest):
        state = tuple(rest[:count]) if count == 2 else rest[0]
        output, final = _run_layer(layer, params, rest[count:], x, state, lengths)
        return [output, *_state_list(final)]

    assert autograd.gradcheck(fn, inputs)


def _run_layer(layer, params, weights, x, state, lengths):
    names = [n for n, _ in layer.named_parameters()]
    for name, w in zip(names, weights):
        object.__setattr__(layer, name, w)
    try:
        return layer(x, state, lengths=lengths)
    finally:
        for name, p in zip(names, params):
            object.__setattr__(layer, name, p)


# ---------------------------------------------------------------- fused == composed


@pytest.mark.parametrize("name, layer_class, options", KINDS, ids=[k[0] for k in KINDS])
def test_fused_agrees_with_composed(name, layer_class, options):
    """Outputs, final states and every parameter gradient agree to rounding (float64)."""
    autograd.manual_seed(4)
    rng = numpy.random.default_rng(5)
    layer = layer_class(3, 4, num_layers=2, bidirectional=True, dtype="float64", **options, batch_first=True)
    x = autograd.tensor(rng.normal(size=(3, 6, 3)), requires_grad=True)
    results = []
    for fused in (True, False):
        layer.fused = fused
        for p in layer.parameters():
            p.grad = None
        x.grad = None
        output, state = layer(x, lengths=[6, 2, 4])
        total = (output * output).sum() + sum((s * s).sum() for s in _state_list(state))
        total.backward()
        results.append([output.numpy(), *(s.numpy() for s in _state_list(state)), x.grad.numpy(),
                        *(p.grad.numpy() for p in layer.parameters())])
    for fused_value, composed_value in zip(*results):
        numpy.testing.assert_allclose(fused_value, composed_value, rtol=1e-9, atol=1e-12)


def test_the_fused_layer_is_one_node_per_layer_and_direction():
    layer = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    output, (h, c) = layer(autograd.randn(2, 35, 3))
    nodes = set()
    stack = [output.creator]
    while stack:
        node = stack.pop()
        if node is None or node in nodes:
            continue
        nodes.add(node)
        stack.extend(getattr(t, "creator", None) for t in node.inputs)
    assert sum(n.name == "LSTM" for n in nodes) == 4
    assert len(nodes) < 20  # not hundreds of per-step nodes


def test_fused_op_refuses_create_graph_and_composed_allows_it():
    rng = numpy.random.default_rng(0)
    cell = nn.LSTMCell(2, 2, dtype="float64")
    x = autograd.tensor(rng.normal(size=(1, 2)), requires_grad=True)
    h, c = cell(x)
    g, = autograd.grad(h.sum(), [x], create_graph=True)   # the first derivative works under create_graph
    numpy.testing.assert_allclose(g.numpy(), autograd.grad(cell(x)[0].sum(), [x])[0].numpy())
    with pytest.raises(autograd.GraphError, match="fused=False"):   # a second one through it is refused
        g.sum().backward()
    cell.fused = False
    h, c = cell(x)
    g, = autograd.grad(h.sum(), [x], create_graph=True)
    g.sum().backward()  # second derivatives exist
    assert x.grad is not None


# ---------------------------------------------------------------- PyTorch layout against the equations


def _sigmoid(a):
    return 1 / (1 + numpy.exp(-a))


def test_lstm_with_pytorch_layout_matches_the_equations():
    """Load weights in PyTorch's layout (gates i, f, g, o) and compare with NumPy written from the paper."""
    rng = numpy.random.default_rng(6)
    H, I, B, T = 3, 2, 2, 4
    w_ih, w_hh = rng.normal(size=(4 * H, I)), rng.normal(size=(4 * H, H))
    b_ih, b_hh = rng.normal(size=4 * H), rng.normal(size=4 * H)
    layer = nn.LSTM(I, H, dtype="float64", batch_first=True)
    layer.load_state_dict({"weight_ih_l0": w_ih, "weight_hh_l0": w_hh, "bias_ih_l0": b_ih, "bias_hh_l0": b_hh})
    x = rng.normal(size=(B, T, I))
    output, (h_n, c_n) = layer(autograd.tensor(x))

    h, c = numpy.zeros((B, H)), numpy.zeros((B, H))
    for t in range(T):
        a = x[:, t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f, g, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), numpy.tanh(a[:, 2 * H:3 * H]), _sigmoid(a[:, 3 * H:])
        c = f * c + i * g
        h = o * numpy.tanh(c)
        numpy.testing.assert_allclose(output.numpy()[:, t], h, rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(h_n.numpy()[0], h, rtol=1e-12)
    numpy.testing.assert_allclose(c_n.numpy()[0], c, rtol=1e-12)


def test_gru_with_pytorch_layout_matches_the_equations():
    """GRU gates r, z, n; the reset gate multiplies (W_hn h + b_hn), not h."""
    rng = numpy.random.default_rng(7)
    H, I, B, T = 3, 2, 2, 4
    w_ih, w_hh = rng.normal(size=(3 * H, I)), rng.normal(size=(3 * H, H))
    b_ih, b_hh = rng.normal(size=3 * H), rng.normal(size=3 * H)
    layer = nn.GRU(I, H, dtype="float64", batch_first=True)
    layer.load_state_dict({"weight_ih_l0": w_ih, "weight_hh_l0": w_hh, "bias_ih_l0": b_ih, "bias_hh_l0": b_hh})
    x = rng.normal(size=(B, T, I))
    output, h_n = layer(autograd.tensor(x))
    h = numpy.zeros((B, H))
    for t in range(T):
        gx, gh = x[:, t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        r, z = _sigmoid(gx[:, :H] + gh[:, :H]), _sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
        n = numpy.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
        h = (1 - z) * n + z * h
        numpy.testing.assert_allclose(output.numpy()[:, t], h, rtol=1e-12, atol=1e-12)
    numpy.testing.assert_allclose(h_n.numpy()[0], h, rtol=1e-12)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_matches_pytorch(name, batch_first):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    reference = getattr(torch.nn, name)(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first).double()
    ours = getattr(nn, name)(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first, dtype="float64")
    ours.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    x = numpy.random.default_rng(8).normal(size=(2, 5, 3))
    expected_out, expected_state = reference(torch.from_numpy(x))
    out, state = ours(autograd.tensor(x))
    numpy.testing.assert_allclose(out.numpy(), expected_out.detach().numpy(), rtol=1e-10, atol=1e-12)
    for s, e in zip(_state_list(state), _state_list(expected_state)):
        numpy.testing.assert_allclose(s.numpy(), e.detach().numpy(), rtol=1e-10, atol=1e-12)
    # gradients too
    (out.sum() + sum(s.sum() for s in _state_list(state))).backward()
    (expected_out.sum() + sum(s.sum() for s in _state_list(expected_state))).backward()
    for (key, p), (_, q) in zip(ours.named_parameters(), reference.named_parameters()):
        numpy.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=key)


# ---------------------------------------------------------------- variable lengths


@pytest.mark.parametrize("name, layer_class, options", KINDS, ids=[k[0] for k in KINDS])
def test_padded_batch_equals_sequences_one_by_one(name, layer_class, options):
    autograd.manual_seed(9)
    rng = numpy.random.default_rng(9)
    layer = layer_class(3, 4, num_layers=2, bidirectional=True, dtype="float64", **options, batch_first=True)
    lengths = [5, 2, 4]
    x = rng.normal(size=(3, 5, 3))
    x[1, 2:] = 99.0  # garbage in the padding must not matter
    output, state = layer(autograd.tensor(x), lengths=lengths)
    for b, length in enumerate(lengths):
        alone, alone_state = layer(autograd.tensor(x[b:b + 1, :length]))
        numpy.testing.assert_allclose(output.numpy()[b, :length], alone.numpy()[0], rtol=1e-10, atol=1e-12)
        assert numpy.all(output.numpy()[b, length:] == 0)
        for s, a in zip(_state_list(state), _state_list(alone_state)):
            numpy.testing.assert_allclose(s.numpy()[:, b], a.numpy()[:, 0], rtol=1e-10, atol=1e-12)


def test_padded_gradients_equal_one_by_one_gradients():
    autograd.manual_seed(10)
    layer = nn.LSTM(2, 3, dtype="float64", batch_first=True)
    x = numpy.random.default_rng(10).normal(size=(2, 4, 2))
    output, (h, c) = layer(autograd.tensor(x), lengths=[4, 2])
    (output.sum() + h.sum()).backward()
    padded = [p.grad.numpy().copy() for p in layer.parameters()]
    for p in layer.parameters():
        p.grad = None
    for b, length in enumerate([4, 2]):
        out, (h, c) = layer(autograd.tensor(x[b:b + 1, :length]))
        (out.sum() + h.sum()).backward()
    for a, b in zip(padded, layer.parameters()):
        numpy.testing.assert_allclose(a, b.grad.numpy(), rtol=1e-10)


def test_bad_lengths_and_states_raise_shape_errors():
    layer = nn.GRU(2, 3, batch_first=True)
    with pytest.raises(autograd.ShapeError, match="lengths"):
        layer(autograd.randn(2, 4, 2), lengths=[5, 1])
    with pytest.raises(autograd.ShapeError, match=r"\(1, 2, 3\)"):
        layer(autograd.randn(2, 4, 2), autograd.zeros(2, 3))
    with pytest.raises(autograd.ShapeError, match="expected input"):
        layer(autograd.randn(2, 4, 5))


# ---------------------------------------------------------------- state handling


def test_state_shape_is_layers_times_directions_also_batch_first():
    layer = nn.LSTM(3, 5, num_layers=3, bidirectional=True, batch_first=True)
    output, (h, c) = layer(autograd.randn(2, 7, 3))
    assert output.shape == (2, 7, 10) and h.shape == (6, 2, 5) and c.shape == (6, 2, 5)
    output, h = nn.GRU(3, 5)(autograd.randn(7, 2, 3))  # time-major by default, as PyTorch
    assert output.shape == (7, 2, 5) and h.shape == (1, 2, 5)


def test_detach_state_carries_values_but_cuts_the_graph():
    layer = nn.LSTM(2, 3, batch_first=True)
    x = autograd.randn(1, 6, 2)
    _, whole = layer(x)
    _, first = layer(x[:, :3])
    carried = nn.detach_state(first)
    assert all(s.creator is None and not s.requires_grad for s in carried)
    out, second = layer(x[:, 3:], carried)
    numpy.testing.assert_allclose(second[0].numpy(), whole[0].numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()  # only through the second half; the first graph is not needed
    # backward releases every node it runs: the second half's are spent, the first half's were never reached
    assert out.creator._released
    assert first[0].creator._released is False and first[1].creator._released is False
    assert nn.detach_state(None) is None


def test_forget_bias_option():
    layer = nn.LSTM(2, 3, forget_bias=1.0, batch_first=True)
    total = layer.bias_ih_l0.numpy() + layer.bias_hh_l0.numpy()
    numpy.testing.assert_allclose(total[3:6], 1.0)
    cell = nn.LSTMCell(2, 3, forget_bias=2.0)
    numpy.testing.assert_allclose((cell.bias_ih.numpy() + cell.bias_hh.numpy())[3:6], 2.0)


def test_float32_stays_float32():
    layer = nn.LSTM(3, 4, bidirectional=True, batch_first=True)
    x = autograd.randn(2, 5, 3, requires_grad=True)
    output, (h, c) = layer(x, lengths=[5, 3])
    assert output.dtype == h.dtype == numpy.float32
    output.sum().backward()
    assert x.grad.dtype == numpy.float32 and all(p.grad.dtype == numpy.float32 for p in layer.parameters())


def test_graph_buffers_are_freed_after_backward():
    layer = nn.LSTM(2, 3, batch_first=True)
    output, _ = layer(autograd.randn(1, 4, 2))
    node = output.creator
    output.sum().backward()
    assert node.h_states is None and node.acts is None


# ---------------------------------------------------------------- the pointwise kernels


def test_numpy_kernels_match_the_equations():
    rng = numpy.random.default_rng(11)
    gates, c_prev = rng.normal(size=(2, 8)), rng.normal(size=(2, 2))
    expected_h, expected_c = rec.reference_lstm_step(numpy.zeros((2, 0)), numpy.zeros((2, 2)), c_prev,
                                                     numpy.zeros((8, 0)), numpy.zeros((8, 2)), gates, 0.0)
    act, c, tanh_c, h = kernels.lstm_pointwise_forward(gates.copy(), c_prev)
    numpy.testing.assert_allclose(h, expected_h, rtol=1e-12)
    numpy.testing.assert_allclose(c, expected_c, rtol=1e-12)


@pytest.mark.cuda
@pytest.mark.skipif(not autograd.cuda_available(), reason="no CUDA GPU available")
@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_cuda_kernels_match_cpu(name):
    """The fused CUDA kernels give the CPU results, forward and backward."""
    layer = getattr(nn, name)(3, 4, num_layers=2, bidirectional=True, batch_first=True, dtype="float64")
    x = numpy.random.default_rng(12).normal(size=(2, 5, 3))
    results = []
    for device in ("cpu", "cuda"):
        layer.to(device)
        for p in layer.parameters():
            p.grad = None
        xt = autograd.tensor(x, device=device, requires_grad=True)
        output, state = layer(xt, lengths=[5, 3])
        (output * output).sum().backward()
        results.append([output.numpy(), xt.grad.numpy(), *(p.grad.numpy() for p in layer.parameters())])
    for a, b in zip(*results):
        numpy.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_cells_return_a_tensor_or_a_pair():
    x = autograd.randn(2, 3)
    assert isinstance(nn.GRUCell(3, 4)(x), autograd.Tensor)
    assert isinstance(nn.RNNCell(3, 4)(x), autograd.Tensor)
    h, c = nn.LSTMCell(3, 4)(x)
    assert h.shape == c.shape == (2, 4)
