"""Module: registration, traversal, tying, freezing, modes, state dicts, repr and summary."""
import numpy
import pytest

import autograd
from autograd import nn, optim


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 4)
        self.out = nn.Linear(4, 2)
        self.scale = nn.Parameter(autograd.tensor([1.5]))
        self.note = "not registered"

    def forward(self, x):
        return self.out(autograd.tanh(self.hidden(x))) * self.scale


def test_attributes_register_parameters_and_modules_in_order():
    model = TwoLayer()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["scale", "hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert [n for n, _ in model.named_children()] == ["hidden", "out"]
    assert [n for n, _ in model.named_modules()] == ["", "hidden", "out"]
    assert len(list(model.modules())) == 3
    assert all(isinstance(p, nn.Parameter) and p.requires_grad and p.is_leaf for p in model.parameters())
    assert model.hidden.weight.dtype == numpy.float32


def test_parameter_is_a_float32_leaf_tensor_that_requires_grad():
    p = nn.Parameter(autograd.zeros(2, 3))
    assert isinstance(p, autograd.Tensor) and p.requires_grad and p.is_leaf
    assert p.dtype == numpy.float32
    assert nn.Parameter([1.0, 2.0]).dtype == numpy.float32
    assert nn.Parameter(numpy.zeros(2)).dtype == numpy.float64  # float64 accepted as given
    assert not nn.Parameter([1.0], requires_grad=False).requires_grad
    assert "Parameter containing" in repr(p)


def test_reassigning_and_deleting_update_the_registry():
    model = TwoLayer()
    model.out = nn.Identity()
    assert [n for n, _ in model.named_parameters()] == ["scale", "hidden.weight", "hidden.bias"]
    model.scale = None
    assert "scale" not in dict(model.named_parameters())
    del model.hidden
    assert list(model.parameters()) == []


def test_setting_attributes_before_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Broken()


def test_lists_and_dicts_of_modules_register():
    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = [nn.Linear(2, 2), nn.Linear(2, 2)]           # plain list -> ModuleList
            self.heads = {"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)}    # plain dict -> ModuleDict
            self.extra = nn.ModuleList([nn.Linear(2, 2)])

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return {k: head(x) for k, head in self.heads.items()}

    model = Stack()
    assert isinstance(model.blocks, nn.ModuleList) and isinstance(model.heads, nn.ModuleDict)
    names = [n for n, _ in model.named_parameters()]
    assert names[:2] == ["blocks.0.weight", "blocks.0.bias"]
    assert "heads.b.weight" in names and "extra.0.bias" in names
    assert len(names) == 10
    out = model(autograd.randn(5, 2))
    assert out["b"].shape == (5, 3)
    model.extra.append(nn.Linear(2, 2))
    assert "extra.1.weight" in dict(model.named_parameters())
    assert len(model.blocks) == 2 and isinstance(model.blocks[-1], nn.Linear)
    assert "a" in model.heads and len(model.heads) == 2


def test_tied_parameter_appears_once_and_receives_the_sum_of_gradients():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.encode = nn.Linear(3, 3, bias=False)
            self.decode = nn.Linear(3, 3, bias=False)
            self.decode.weight = self.encode.weight          # weight tying

        def forward(self, x):
            return self.decode(self.encode(x))

    model = Tied()
    assert len(list(model.parameters())) == 1
    assert list(model.state_dict()) == ["encode.weight", "decode.weight"]  # as PyTorch: every name
    x = autograd.randn(4, 3, dtype="float64")
    model.double()
    W = model.encode.weight
    model(x).sum().backward()
    # y = x W^T W^T; d(sum y)/dW summed over both uses, computed by hand
    xs, w = x.numpy(), W.numpy()
    ones = numpy.ones((4, 3))
    grad_decode = ones.T @ (xs @ w.T)          # use as decode: input is x W^T
    grad_encode = (ones @ w).T @ xs            # use as encode: output gradient is ones W
    numpy.testing.assert_allclose(W.grad.numpy(), grad_decode + grad_encode, rtol=1e-10)
    summary = model.summary((3,), print_fn=None)
    assert "Total params: 9" in summary


def test_freezing_counts_as_non_trainable_and_optimizers_leave_it_alone():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    model[0].requires_grad_(False)
    assert not model[0].weight.requires_grad and model[2].weight.requires_grad
    summary = model.summary((2,), print_fn=None)
    assert "Trainable params: 4" in summary and "Non-trainable params: 9" in summary
    before = model[0].weight.numpy().copy()
    opt = optim.SGD(model.parameters(), lr=0.5)
    model(autograd.randn(5, 2)).sum().backward()
    assert model[0].weight.grad is None
    opt.step()
    numpy.testing.assert_array_equal(model[0].weight.numpy(), before)
    # a frozen parameter that still carries an old gradient is skipped too
    model[0].weight.grad = autograd.ones(3, 2)
    opt.step()
    numpy.testing.assert_array_equal(model[0].weight.numpy(), before)
    model.requires_grad_(True)
    assert all(p.requires_grad for p in model.parameters())


def test_train_eval_propagate_and_zero_grad_clears():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5)))
    assert model.training and model[1][0].training
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model(autograd.randn(3, 2)).sum().backward()
    assert model[0].weight.grad is not None
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_to_dtype_converts_parameters_and_buffers_in_place():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    weight = model[0].weight
    model.to(dtype="float64")
    assert model[0].weight is weight and weight.dtype == numpy.float64
    assert model[1].running_mean.dtype == numpy.float64
    assert model[1].num_batches_tracked.dtype == numpy.int64
    y = model(autograd.randn(4, 2, dtype="float64"))
    assert y.dtype == numpy.float64
    model.float()
    assert weight.dtype == numpy.float32
    model.to("cpu")
    with pytest.raises(autograd.DeviceError):
        model.to("tpu")


def test_call_runs_forward_and_forward_hooks():
    layer = nn.Linear(2, 2)
    seen = []
    handle = layer.register_forward_hook(lambda module, inputs, output: seen.append(output.shape))
    layer(autograd.randn(3, 2))
    handle.remove()
    layer(autograd.randn(3, 2))
    assert seen == [(3, 2)]
    doubled = layer.register_forward_hook(lambda m, i, o: o * 2)
    x = autograd.randn(1, 2)
    numpy.testing.assert_allclose(layer(x).numpy(), 2 * layer.forward(x).numpy())
    doubled.remove()


def test_call_scope_hook_wraps_every_module_call():
    import contextlib

    entered = []

    @contextlib.contextmanager
    def scope(module):
        entered.append(type(module).__name__)
        yield

    previous = nn.module._call_scope  # autograd.viz may have installed its own: put it back after
    nn.module.set_call_scope(scope)
    try:
        nn.Sequential(nn.Linear(2, 2), nn.ReLU())(autograd.randn(1, 2))
    finally:
        nn.module.set_call_scope(previous)
    assert entered == ["Sequential", "Linear", "ReLU"]


def test_state_dict_round_trip_between_two_models():
    source = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    source(autograd.randn(8, 3))  # moves the running statistics
    target = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    state = source.state_dict()
    assert list(state) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                           "1.num_batches_tracked", "2.weight", "2.bias"]
    result = target.load_state_dict({k: v.numpy() for k, v in state.items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        numpy.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    assert int(target[1].num_batches_tracked.item()) == 1
    source.eval(), target.eval()
    x = autograd.randn(5, 3)
    numpy.testing.assert_array_equal(source(x).numpy(), target(x).numpy())


def test_state_dict_shares_memory_like_pytorch():
    layer = nn.Linear(2, 2)
    state = layer.state_dict()
    layer.weight.data[0, 0] = 42.0
    assert state["weight"].numpy()[0, 0] == 42.0


def test_load_state_dict_refuses_mismatches_before_changing_anything():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    good = {k: numpy.ones_like(v) for k, v in before.items()}

    bad = dict(good)
    bad["1.weight"] = numpy.ones((3, 4), numpy.float32)  # wrong shape; 0.weight would load first
    with pytest.raises(autograd.CheckpointError, match=r"1\.weight.*\(3, 4\).*\(2, 4\)"):
        model.load_state_dict(bad)

    bad = dict(good)
    del bad["0.bias"]
    bad["2.weight"] = numpy.ones((2, 4), numpy.float32)
    with pytest.raises(autograd.CheckpointError) as error:
        model.load_state_dict(bad)
    assert "missing keys: 0.bias" in str(error.value) and "unexpected keys: 2.weight" in str(error.value)
    for k, v in model.state_dict().items():
        numpy.testing.assert_array_equal(v.numpy(), before[k], err_msg=f"{k} changed by a refused load")

    result = model.load_state_dict(bad, strict=False)  # non-strict: load what matches
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["2.weight"]
    numpy.testing.assert_array_equal(model[0].weight.numpy(), 1.0)
    numpy.testing.assert_array_equal(model[0].bias.numpy(), before["0.bias"])


def test_load_state_dict_keeps_the_model_dtype():
    model = nn.Linear(2, 2)
    model.load_state_dict({"weight": numpy.eye(2), "bias": numpy.zeros(2)})  # float64 values
    assert model.weight.dtype == numpy.float32
    numpy.testing.assert_array_equal(model.weight.numpy(), numpy.eye(2))


def test_repr_is_readable_and_nested():
    model = nn.Sequential(nn.Linear(2, 3, activation="relu"), nn.Dropout(0.1),
                          nn.Sequential(nn.LayerNorm(3), nn.Linear(3, 1, bias=False)))
    text = repr(model)
    assert text.splitlines()[0] == "Sequential("
    assert "(0): Linear(in_features=2, out_features=3, bias=True, activation=ReLU())" in text
    assert "(1): Dropout(p=0.1)" in text
    assert "    (1): Linear(in_features=3, out_features=1, bias=False)" in text
    assert repr(nn.ReLU()) == "ReLU()"


def test_summary_lists_output_shapes_and_counts():
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.BatchNorm1d(32), nn.Linear(32, 10))
    text = model.summary((64,), print_fn=None)
    lines = text.splitlines()
    row = next(line for line in lines if line.startswith("0 (Linear)"))
    assert "(None, 32)" in row and row.rstrip().endswith("2,080")
    assert any(line.startswith("3 (Linear)") and "(None, 10)" in line and line.endswith("330") for line in lines)
    assert "Total params: 2,474" in text and "Trainable params: 2,474" in text
    assert "Non-trainable params: 0" in text
    assert model.training  # summary restores the mode
    printed = []
    model.summary((64,), print_fn=printed.append)
    assert printed == [text]


def test_pytorch_state_dict_loads_into_the_same_architecture():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    torch_model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.BatchNorm1d(8),
                                      torch.nn.LayerNorm(8), torch.nn.Linear(8, 3))
    torch_model.train()
    torch_model(torch.randn(16, 5))  # non-trivial running statistics
    torch_model.eval()
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.BatchNorm1d(8), nn.LayerNorm(8), nn.Linear(8, 3))
    assert list(model.state_dict()) == list(torch_model.state_dict())
    model.load_state_dict({k: v.numpy() for k, v in torch_model.state_dict().items()})
    model.eval()
    x = numpy.random.default_rng(0).standard_normal((4, 5)).astype(numpy.float32)
    expected = torch_model(torch.from_numpy(x)).detach().numpy()
    numpy.testing.assert_allclose(model(autograd.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_deepcopy_gives_an_independent_snapshot():
    import copy

    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    snapshot = copy.deepcopy(model)
    model[0].weight.data[...] = 0
    assert snapshot[0].weight.numpy().any()
    assert isinstance(snapshot[0].weight, nn.Parameter)
    assert [n for n, _ in snapshot.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
