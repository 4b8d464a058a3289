"""Device placement: every nn module, optimizer and checkpoint works on 'cuda' as on 'cpu'.

Marked `cuda`: they run on a GPU, or anywhere under the CPU stand-in for CuPy
(`AUTOGRAD_EMULATE_CUDA=1 pytest -m cuda`, as CI does), and skip otherwise.
For each module: `.to('cuda')` moves parameters and buffers; the forward pass,
its states, masks and dropout masks stay on the device; values and gradients
equal the CPU run; `.to('cpu')` brings everything back.
"""
import numpy
import pytest

import autograd
from autograd import backend, nn, optim
from autograd.text import lm, word2vec

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not autograd.cuda_available(),
                                 reason="no CUDA GPU (AUTOGRAD_EMULATE_CUDA=1 runs these on the CPU stand-in)")]

RNG = numpy.random.default_rng(5)


class Const:
    """An input that does not require a gradient (targets, masks, ids)."""

    def __init__(self, array):
        self.array = array


def floats(*shape):
    return RNG.normal(size=shape).astype(numpy.float32)


def ids(*shape, high=7):
    return Const(RNG.integers(1, high, size=shape))


def probabilities(*shape):
    return Const(RNG.uniform(0.1, 0.9, size=shape).astype(numpy.float32))


def seq2seq(decoder):
    def make():
        encoder = nn.Encoder(9, 4, 6)
        return nn.Seq2Seq(encoder, decoder(), bos_index=1, eos_index=2, pad_index=0)
    return make


# name: (make the module, its inputs, keyword arguments)
MODULES = {
    "Linear": (lambda: nn.Linear(3, 4), lambda: [floats(2, 3)], {}),
    "Sequential": (lambda: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)), lambda: [floats(2, 3)], {}),
    "Dropout": (lambda: nn.Dropout(0.5), lambda: [floats(2, 3)], {}),
    "LayerNorm": (lambda: nn.LayerNorm(3), lambda: [floats(2, 3)], {}),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3), lambda: [floats(4, 3)], {}),
    "Flatten": (lambda: nn.Flatten(), lambda: [floats(2, 3, 2)], {}),
    "Identity": (lambda: nn.Identity(), lambda: [floats(2, 3)], {}),
    **{name: (getattr(nn, name), lambda: [floats(2, 3)], {})
       for name in ("ReLU", "Sigmoid", "Tanh", "SELU", "GELU", "ELU", "LeakyReLU", "Softplus")},
    **{name: (lambda name=name: getattr(nn, name)(dim=-1), lambda: [floats(2, 3)], {})
       for name in ("Softmax", "LogSoftmax")},
    "MSELoss": (nn.MSELoss, lambda: [floats(2, 3), Const(floats(2, 3))], {}),
    "BCELoss": (nn.BCELoss, lambda: [probabilities(2, 3).array, probabilities(2, 3)], {}),
    "BCEWithLogitsLoss": (nn.BCEWithLogitsLoss, lambda: [floats(2, 3), probabilities(2, 3)], {}),
    "CrossEntropyLoss": (nn.CrossEntropyLoss, lambda: [floats(4, 5), ids(4, high=5)], {}),
    "NLLLoss": (nn.NLLLoss, lambda: [floats(4, 5), ids(4, high=5)], {}),
    "Embedding": (lambda: nn.Embedding(7, 3, padding_idx=0), lambda: [ids(2, 4)], {}),
    **{f"{name}{'' if fused else '-composed'}": (
        lambda name=name, fused=fused: getattr(nn, name)(3, 4, fused=fused), lambda: [floats(2, 3)], {})
       for name in ("RNNCell", "LSTMCell", "GRUCell") for fused in (True, False)},
    **{f"{name}{'' if fused else '-composed'}": (
        lambda name=name, fused=fused: getattr(nn, name)(3, 4, num_layers=2, bidirectional=True, batch_first=True, fused=fused),
        lambda: [floats(2, 5, 3)], {"lengths": [5, 3]})
       for name in ("RNN", "LSTM", "GRU") for fused in (True, False)},
    "DotAttention": (lambda: nn.DotAttention(scaled=True), lambda: [floats(2, 3, 4), floats(2, 5, 4)],
                     {"mask": numpy.array([[True] * 5, [True] * 3 + [False] * 2])}),
    "GeneralAttention": (lambda: nn.GeneralAttention(4, 6), lambda: [floats(2, 3, 4), floats(2, 5, 6)], {}),
    "AdditiveAttention": (lambda: nn.AdditiveAttention(4, 6, 5), lambda: [floats(2, 3, 4), floats(2, 5, 6)], {}),
    "MultiHeadAttention": (lambda: nn.MultiHeadAttention(8, 2, batch_first=True), lambda: [floats(2, 3, 8)] * 3,
                           {"key_padding_mask": numpy.array([[False] * 3, [False, False, True]])}),
    "PositionalEncoding": (lambda: nn.PositionalEncoding(8, dropout=0.1), lambda: [floats(2, 3, 8)], {}),
    "TransformerEncoderLayer": (lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True),
                                lambda: [floats(2, 3, 8)], {}),
    "TransformerDecoderLayer": (lambda: nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True),
                                lambda: [floats(2, 3, 8), floats(2, 4, 8)], {"tgt_is_causal": True}),
    "TransformerEncoder": (lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True), 2,
                                                         norm=nn.LayerNorm(8)), lambda: [floats(2, 3, 8)], {}),
    "TransformerDecoder": (lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True), 2),
                           lambda: [floats(2, 3, 8), floats(2, 4, 8)], {}),
    "TransformerSeq2Seq": (lambda: nn.TransformerSeq2Seq(9, 9, d_model=8, nhead=2, dim_feedforward=16),
                           lambda: [ids(2, 4, high=9), ids(2, 3, high=9)], {"src_lengths": [4, 2]}),
    "Encoder": (lambda: nn.Encoder(9, 4, 6, bidirectional=True), lambda: [ids(2, 4, high=9)],
                {"lengths": [4, 2]}),
    "Seq2Seq": (seq2seq(lambda: nn.Decoder(9, 4, 6, peeky=True, context_size=6)),
                lambda: [ids(2, 4, high=9), ids(2, 3, high=9)], {"src_lengths": [4, 2]}),
    "Seq2Seq-attention": (seq2seq(lambda: nn.AttentionDecoder(9, 4, 6, attention="additive")),
                          lambda: [ids(2, 4, high=9), ids(2, 3, high=9)], {"src_lengths": [4, 2]}),
    "LSTMLanguageModel": (lambda: lm.LSTMLanguageModel(9, 4, 4, num_layers=2, dropout=0.5, tie_weights=True),
                          lambda: [ids(2, 5, high=9)], {}),
    "CBOW": (lambda: word2vec.CBOW(9, 4), lambda: [ids(3, 4, high=9), ids(3, high=9), ids(3, 2, high=9)], {}),
    "SkipGram": (lambda: word2vec.SkipGram(9, 4), lambda: [ids(3, high=9), ids(3, high=9), ids(3, 2, high=9)], {}),
}


def as_tensor(value, device):
    if isinstance(value, Const):
        return autograd.tensor(value.array, device=device)
    return autograd.tensor(value, device=device, requires_grad=True)


def float_tensors(result):
    """Every floating Tensor in a result (tensors, tuples, lists, dicts)."""
    if isinstance(result, autograd.Tensor):
        return [result] if result.dtype.kind == "f" else []
    if isinstance(result, dict):
        result = list(result.values())
    if isinstance(result, (tuple, list)):
        return [t for r in result for t in float_tensors(r)]
    return []


def tensors_of(model):
    return list(model.parameters()) + list(model.buffers())


def run(model, device, inputs, kwargs):
    """Forward and backward on `device`: the outputs, input and parameter gradients, as NumPy."""
    model.zero_grad()
    args = [as_tensor(a, device) for a in inputs]
    outputs = float_tensors(model(*args, **kwargs))
    assert outputs and all(o.device == device for o in outputs)
    loss = sum((o * o).sum() for o in outputs)
    loss.backward()
    grads = [a.grad for a in args if a.grad is not None] + [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(g.device == device for g in grads)
    assert all(t.device == device for t in tensors_of(model))  # buffers updated in forward stay put
    return [o.numpy() for o in outputs] + [g.numpy() for g in grads]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_on_cuda_matches_cpu_and_moves_back(name):
    make, make_inputs, kwargs = MODULES[name]
    autograd.manual_seed(0)
    model = make().eval()  # eval: dropout is off, so both devices compute the same thing
    inputs = make_inputs()
    expected = run(model, "cpu", inputs, kwargs)
    assert model.to("cuda") is model
    assert all(backend.is_cupy_array(t.data) for t in tensors_of(model))
    got = run(model, "cuda", inputs, kwargs)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        numpy.testing.assert_allclose(g, e, rtol=2e-4, atol=1e-5)
    model.to("cpu")
    assert all(isinstance(t.data, numpy.ndarray) for t in tensors_of(model))
    assert all(p.grad is None or p.grad.device == "cpu" for p in model.parameters())


TRAINING = ["Dropout", "BatchNorm1d", "PositionalEncoding", "TransformerEncoderLayer", "LSTMLanguageModel",
            "MultiHeadAttention", "LSTM", "Seq2Seq-attention"]


@pytest.mark.parametrize("name", TRAINING)
def test_training_mode_dropout_masks_and_running_statistics_stay_on_cuda(name):
    make, make_inputs, kwargs = MODULES[name]
    autograd.manual_seed(0)
    model = make().train().to("cuda")
    run(model, "cuda", make_inputs(), kwargs)


def test_dropout_masks_are_drawn_on_the_device():
    x = autograd.ones(1000, device="cuda")
    y = nn.Dropout(0.5)(x)
    assert backend.is_cupy_array(y.data)
    kept = float((y.data != 0).mean())
    assert 0.4 < kept < 0.6 and set(numpy.unique(y.numpy())) <= {0.0, 2.0}


def test_host_ids_from_a_vocabulary_are_looked_up_on_the_device():
    vocab = nn.Vocabulary.build(["a b c", "c b"])
    embedding = nn.Embedding(len(vocab), 3).to("cuda")
    host_ids = numpy.array([vocab.encode("a b c")])
    for given in (host_ids, host_ids.tolist()):
        out = embedding(given)
        assert out.device == "cuda"
        numpy.testing.assert_array_equal(out.numpy(), embedding.weight.numpy()[host_ids])


@pytest.mark.parametrize("name", ["Seq2Seq", "Seq2Seq-attention", "TransformerSeq2Seq"])
def test_decoding_on_cuda_gives_the_cpu_sequences(name):
    make, make_inputs, kwargs = MODULES[name]
    autograd.manual_seed(0)
    model = make().eval()
    src = make_inputs()[0].array
    results = []
    for device in ("cpu", "cuda"):
        model.to(device)
        source = autograd.tensor(src, device=device)
        results.append((model.greedy_decode(source, [4, 2], max_length=5),
                        model.beam_search(source, [4, 2], beam_size=2, max_length=5)))
    (greedy_cpu, beam_cpu), (greedy_gpu, beam_gpu) = results
    assert backend.device_of(greedy_gpu) == "cuda"
    numpy.testing.assert_array_equal(greedy_cpu, backend.to_device(greedy_gpu, "cpu"))
    for hyps_cpu, hyps_gpu in zip(beam_cpu, beam_gpu):
        assert [h.tokens.tolist() for h in hyps_cpu] == [h.tokens.tolist() for h in hyps_gpu]
        assert [h.score for h in hyps_gpu] == pytest.approx([h.score for h in hyps_cpu], rel=1e-5)


def test_language_model_generate_and_perplexity_on_cuda():
    autograd.manual_seed(0)
    model = lm.LSTMLanguageModel(9, 4, 4)
    corpus = RNG.integers(0, 9, size=200)
    expected = (lm.generate(model, [1, 2], 6, seed=3), lm.perplexity(model, corpus, batch_size=2, time_steps=5))
    model.to("cuda")
    got = (lm.generate(model, [1, 2], 6, seed=3), lm.perplexity(model, corpus, batch_size=2, time_steps=5))
    assert got[0] == expected[0]
    assert got[1] == pytest.approx(expected[1], rel=1e-5)


# ---------------------------------------------------------------- optimizers and checkpoints

OPTIMIZERS = {"SGD": lambda p: optim.SGD(p, lr=0.1), "Momentum": lambda p: optim.Momentum(p, lr=0.1),
              "Nesterov": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
              "Adam": lambda p: optim.Adam(p, lr=0.1, amsgrad=True, weight_decay=0.01),
              "AdamW": lambda p: optim.AdamW(p, lr=0.1), "AdaGrad": lambda p: optim.AdaGrad(p, lr=0.1),
              "RMSprop": lambda p: optim.RMSprop(p, lr=0.1, momentum=0.5, centered=True),
              "Adadelta": lambda p: optim.Adadelta(p)}


def train_steps(model, optimizer, device, steps=2):
    x = autograd.tensor(numpy.linspace(-1, 1, 12, dtype=numpy.float32).reshape(4, 3), device=device)
    for _ in range(steps):
        optimizer.zero_grad()
        (model(x) ** 2).mean().backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()


def fresh_model():
    autograd.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 2))


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_state_lives_with_the_parameters_and_checkpoints_cross_devices(name):
    make = OPTIMIZERS[name]
    cpu_model = fresh_model()
    cpu_opt = make(cpu_model.parameters())
    train_steps(cpu_model, cpu_opt, "cpu", steps=4)

    model = fresh_model().to("cuda")
    opt = make(model.parameters())
    train_steps(model, opt, "cuda")
    arrays = [v for state in opt.state.values() for v in state.values() if hasattr(v, "shape")]
    assert all(backend.device_of(v) == "cuda" for v in arrays)

    # a checkpoint saved from the GPU loads on the CPU, trains on, and goes back
    moved = fresh_model()
    moved.load_state_dict(model.state_dict())
    moved_opt = make(moved.parameters())
    moved_opt.load_state_dict(opt.state_dict())
    assert all(backend.device_of(v) == "cpu" for s in moved_opt.state.values() for v in s.values()
               if hasattr(v, "shape"))
    train_steps(moved, moved_opt, "cpu", steps=1)
    moved.to("cuda")  # the model moves; its optimizer state follows at the next step
    train_steps(moved, moved_opt, "cuda", steps=1)
    assert all(backend.device_of(v) == "cuda" for s in moved_opt.state.values() for v in s.values()
               if hasattr(v, "shape"))
    for a, b in zip(moved.state_dict().values(), cpu_model.state_dict().values()):
        numpy.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_checkpoint_saved_from_cuda_loads_on_cpu_and_back(tmp_path, suffix):
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    model = fresh_model().to("cuda")
    train_steps(model, optim.Adam(model.parameters()), "cuda")
    path = tmp_path / ("model" + suffix)
    autograd.save({"model": model.state_dict()} if suffix == ".npz" else model.state_dict(), path)
    loaded = autograd.load(path)
    loaded = loaded.get("model", loaded)
    on_cpu = fresh_model()
    on_cpu.load_state_dict(loaded)
    back = fresh_model().to("cuda")
    back.load_state_dict(on_cpu.state_dict())
    assert all(t.device == "cuda" for t in tensors_of(back))
    for name, value in model.state_dict().items():
        numpy.testing.assert_array_equal(on_cpu.state_dict()[name].numpy(), value.numpy(), err_msg=name)
        numpy.testing.assert_array_equal(back.state_dict()[name].numpy(), value.numpy(), err_msg=name)


def test_data_loader_moves_batches_to_the_device():
    from autograd.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(numpy.ones((4, 2), numpy.float32), numpy.arange(4)), batch_size=2,
                        device="cuda")
    for x, y in loader:
        assert x.device == y.device == "cuda"


# ---------------------------------------------------------------- mixed devices


def test_a_mixed_device_op_raises_device_error_naming_both_devices():
    on_cpu = autograd.tensor([1.0, 2.0], requires_grad=True)
    on_gpu = autograd.tensor([1.0, 2.0], device="cuda")
    for op in (lambda: on_cpu + on_gpu, lambda: on_gpu * on_cpu, lambda: on_cpu @ on_gpu,
               lambda: autograd.ops.maximum(on_gpu, on_cpu)):
        with pytest.raises(autograd.DeviceError, match=r"cpu, cuda"):
            op()
    layer = nn.Linear(2, 3).to("cuda")
    with pytest.raises(autograd.DeviceError, match=r"cpu, cuda"):
        layer(on_cpu.reshape(1, 2))
    with pytest.raises(autograd.DeviceError, match=r"cpu, cuda"):
        nn.LSTM(2, 3, batch_first=True).to("cuda")(on_cpu.reshape(1, 1, 2))


def test_device_of_tensors_and_round_trip():
    x = autograd.tensor([[1.0, 2.0]], requires_grad=True)
    y = x.to("cuda")
    assert y.device == "cuda" and not isinstance(y.data, numpy.ndarray)
    (y * 3).sum().backward()
    assert x.grad.device == "cpu"
    numpy.testing.assert_array_equal(x.grad.numpy(), [[3.0, 3.0]])


def test_fit_trains_on_cuda_batches_with_metrics_clipping_and_a_scheduler():
    from autograd import training
    from autograd.data import DataLoader, TensorDataset

    x = RNG.normal(size=(20, 3)).astype(numpy.float32)
    loader = DataLoader(TensorDataset(x, (x[:, 0] > 0).astype(numpy.int64)), batch_size=5, device="cuda")
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).to("cuda")
    opt = optim.Adam(model.parameters(), lr=0.05)
    history = training.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=2, val_loader=loader,
                           metrics=["accuracy"], scheduler=optim.lr_scheduler.ReduceLROnPlateau(opt),
                           clip_grad_norm=1.0, progress=False)
    assert len(history) == 2 and all(p.device == "cuda" for p in model.parameters())


def mixed_device_cases():
    from autograd.ops.registry import REGISTRY

    rng = numpy.random.default_rng(0)
    for name in sorted(REGISTRY):
        sample = next(iter(REGISTRY[name].samples(rng)), None)
        floats_at = [] if sample is None else [i for i, a in enumerate(sample.args)
                                               if isinstance(a, numpy.ndarray) and a.dtype.kind == "f"]
        if len(floats_at) >= 2:
            yield pytest.param(REGISTRY[name], sample, floats_at, id=name)


@pytest.mark.parametrize("first", ["cuda", "cpu"])
@pytest.mark.parametrize("info, sample, floats_at", list(mixed_device_cases()))
def test_every_declared_op_refuses_mixed_devices_naming_both(info, sample, floats_at, first):
    other = "cpu" if first == "cuda" else "cuda"
    args = list(sample.args)
    for k, i in enumerate(floats_at):
        args[i] = autograd.tensor(args[i], requires_grad=True, device=first if k == 0 else other)
    if (info.name, first) in IMPLICIT_MOVES:
        try:
            info.function(*args, **sample.kwargs)
        except autograd.DeviceError:
            return  # fixed: remove it from IMPLICIT_MOVES
        pytest.xfail("x on the CPU with a CUDA weight: the op moves x to the weight's device instead of refusing")
    with pytest.raises(autograd.DeviceError, match=r"cpu, cuda"):
        info.function(*args, **sample.kwargs)


# Ops known to move an input to another device instead of refusing (none now: conv checks devices first).
IMPLICIT_MOVES = set()


def test_summary_diagrams_and_attention_plots_of_a_cuda_model():
    viz = pytest.importorskip("autograd.viz")  # the viz extra (graphviz)
    pytest.importorskip("matplotlib")
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).to("cuda")
    lines = []
    model.summary((3,), print_fn=lines.append)
    assert any("Total params: 26" in line for line in lines)
    x = autograd.randn(2, 3, device="cuda", requires_grad=True)
    loss = model(x).sum()
    loss.backward()
    assert "Linear" in viz.draw(loss, show_values=True, show_grads=True, model=model).source
    weights = nn.DotAttention()(autograd.randn(1, 2, 4, device="cuda"), autograd.randn(1, 3, 4, device="cuda"))[1]
    nn.plot_attention(weights[0], "abc", "xy")


@pytest.mark.parametrize("name", ["zeros_", "ones_", "uniform_", "normal_", "xavier_uniform_", "xavier_normal_",
                                  "kaiming_uniform_", "kaiming_normal_", "orthogonal_"])
def test_initializers_fill_parameters_in_place_on_the_device(name):
    layer = nn.Linear(4, 3).to("cuda")
    weight = layer.weight.data
    getattr(nn.init, name)(layer.weight)
    assert layer.weight.data is weight and backend.is_cupy_array(weight)
    expected = {"zeros_": 0.0, "ones_": 12.0}.get(name)
    if expected is not None:
        assert float(weight.sum()) == expected
