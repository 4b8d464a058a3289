"""Convolutional layers against torch.nn: shapes, initialisation, state dicts, forward and backward."""
import numpy
import pytest

import autograd
from autograd import nn
from autograd.nn import functional as F

torch = pytest.importorskip("torch")
tnn = torch.nn


def load_from_torch(model, torch_model):
    model.load_state_dict({k: v.detach().numpy() for k, v in torch_model.state_dict().items()})


def check_same(model, torch_model, x, atol=1e-9):
    """Same outputs and the same gradients for inputs and every parameter (float64)."""
    load_from_torch(model, torch_model)
    xm, xt = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, yt = model(xm), torch_model(xt)
    numpy.testing.assert_allclose(ym.numpy(), yt.detach().numpy(), atol=atol, rtol=1e-7)
    w = numpy.random.default_rng(1).standard_normal(yt.shape)
    (ym * autograd.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    numpy.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), atol=atol, rtol=1e-7)
    theirs = dict(torch_model.named_parameters())
    for name, p in model.named_parameters():
        numpy.testing.assert_allclose(p.grad.numpy(), theirs[name].grad.numpy(), atol=atol, rtol=1e-7, err_msg=name)
    ours_state = model.state_dict()
    for name, value in torch_model.state_dict().items():  # buffers too (running statistics)
        numpy.testing.assert_allclose(numpy.asarray(ours_state[name].numpy() if hasattr(ours_state[name], "numpy")
                                                    else ours_state[name]), value.numpy(), atol=1e-9, err_msg=name)


@pytest.fixture(autouse=True)
def float64():
    autograd.set_default_dtype("float64")
    torch.set_default_dtype(torch.float64)
    yield
    autograd.set_default_dtype("float32")
    torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same"], ids=str)
def test_conv2d_padding_modes_match_torch(padding_mode, padding):
    ours = nn.Conv2d(3, 4, (3, 2), padding=padding, padding_mode=padding_mode)
    theirs = tnn.Conv2d(3, 4, (3, 2), padding=padding, padding_mode=padding_mode)
    check_same(ours, theirs, numpy.random.default_rng(0).standard_normal((2, 3, 6, 5)))


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "circular"])
def test_conv1d_matches_torch(padding_mode):
    ours = nn.Conv1d(3, 4, 3, padding=2, dilation=2, padding_mode=padding_mode, groups=1)
    theirs = tnn.Conv1d(3, 4, 3, padding=2, dilation=2, padding_mode=padding_mode)
    check_same(ours, theirs, numpy.random.default_rng(0).standard_normal((2, 3, 9)))


def test_pad_modes_match_torch():
    x = numpy.random.default_rng(0).standard_normal((1, 2, 4, 5))
    for mode in ("constant", "reflect", "replicate", "circular"):
        got = F.pad(autograd.tensor(x), (2, 1, 3, 0), mode=mode)
        numpy.testing.assert_allclose(got.numpy(), torch.nn.functional.pad(torch.tensor(x), (2, 1, 3, 0), mode=mode))


def test_conv_transpose_layers_match_torch_with_output_size():
    ours = nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, groups=1)
    theirs = tnn.ConvTranspose2d(4, 3, 3, stride=2, padding=1)
    x = numpy.random.default_rng(0).standard_normal((2, 4, 4, 5))
    check_same(ours, theirs, x)
    y = ours(autograd.tensor(x), output_size=(8, 10))
    assert y.shape == theirs(torch.tensor(x), output_size=(8, 10)).shape == (2, 3, 8, 10)
    ours1, theirs1 = nn.ConvTranspose1d(4, 2, 3, stride=2, output_padding=1), tnn.ConvTranspose1d(4, 2, 3, stride=2,
                                                                                                   output_padding=1)
    check_same(ours1, theirs1, numpy.random.default_rng(1).standard_normal((2, 4, 6)))


def test_parameter_shapes_and_default_init_are_torch_s():
    autograd.manual_seed(0)
    for ours, theirs in [(nn.Conv2d(6, 8, (3, 5), groups=2), tnn.Conv2d(6, 8, (3, 5), groups=2)),
                         (nn.ConvTranspose2d(6, 8, 3, groups=2), tnn.ConvTranspose2d(6, 8, 3, groups=2)),
                         (nn.Conv1d(4, 5, 7), tnn.Conv1d(4, 5, 7))]:
        assert ours.weight.shape == tuple(theirs.weight.shape) and ours.bias.shape == tuple(theirs.bias.shape)
        # kaiming_uniform(a=√5) and the bias are both U(±1/√fan_in), fan_in as PyTorch computes it
        bound = 1 / numpy.sqrt(torch.nn.init._calculate_fan_in_and_fan_out(theirs.weight)[0])
        assert float(theirs.weight.detach().abs().max()) <= bound and float(theirs.bias.detach().abs().max()) <= bound
        assert 0.9 * bound <= float(abs(ours.weight).max().numpy()) <= bound  # many draws reach the bound
        assert float(abs(ours.bias).max().numpy()) <= bound
    assert nn.Conv2d(3, 4, 3).weight.dtype == numpy.float64  # the default dtype (float64 in this file)


def small_vgg(lib):
    def block(cin, cout):
        return [lib.Conv2d(cin, cout, 3, padding=1), lib.BatchNorm2d(cout), lib.ReLU(),
                lib.Conv2d(cout, cout, 3, padding=1), lib.ReLU(), lib.MaxPool2d(2)]
    return lib.Sequential(*block(3, 4), *block(4, 6), *block(6, 8), lib.AdaptiveAvgPool2d(1), lib.Flatten(),
                          lib.Linear(8, 5))


def test_small_vgg_matches_torch_in_training_and_eval():
    ours, theirs = small_vgg(nn), small_vgg(tnn)
    x = numpy.random.default_rng(0).standard_normal((2, 3, 16, 16))
    check_same(ours, theirs, x)  # training mode: batch statistics, running stats updated
    ours.eval(), theirs.eval()
    ym = ours(autograd.tensor(x))
    numpy.testing.assert_allclose(ym.numpy(), theirs(torch.tensor(x)).detach().numpy(), atol=1e-9)


class TorchBasicBlock(tnn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = tnn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(cout)
        self.conv2 = tnn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(cout)
        self.shortcut = tnn.Sequential(tnn.Conv2d(cin, cout, 1, stride, bias=False), tnn.BatchNorm2d(cout))

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(h)) + self.shortcut(x))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = self.bn1(self.conv1(x)).relu()
        return (self.bn2(self.conv2(h)) + self.shortcut(x)).relu()


def test_resnet_basic_block_matches_torch():
    check_same(BasicBlock(3, 6, 2), TorchBasicBlock(3, 6, 2), numpy.random.default_rng(0).standard_normal((2, 3, 9, 9)))


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("affine, track", [(True, True), (False, True), (True, False)])
def test_batchnorm2d_running_stats_and_eval_match_torch(momentum, affine, track):
    ours = nn.BatchNorm2d(3, momentum=momentum, affine=affine, track_running_stats=track)
    theirs = tnn.BatchNorm2d(3, momentum=momentum, affine=affine, track_running_stats=track)
    rng = numpy.random.default_rng(0)
    for _ in range(3):
        x = rng.standard_normal((4, 3, 3, 3)) * 2 + 1
        numpy.testing.assert_allclose(ours(autograd.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(),
                                      atol=1e-9)
    ours_state = ours.state_dict()
    assert sorted(ours_state) == sorted(theirs.state_dict())
    for name, value in theirs.state_dict().items():
        numpy.testing.assert_allclose(ours_state[name].numpy(), value.numpy(), atol=1e-12, err_msg=name)
    ours.eval(), theirs.eval()
    x = rng.standard_normal((2, 3, 3, 3))
    numpy.testing.assert_allclose(ours(autograd.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), atol=1e-9)


def test_pools_dropout_and_upsample_layers_match_torch():
    x = numpy.random.default_rng(0).standard_normal((2, 3, 8, 7))
    pairs = [(nn.MaxPool2d(3, 2, 1, ceil_mode=True), tnn.MaxPool2d(3, 2, 1, ceil_mode=True)),
             (nn.AvgPool2d(2, count_include_pad=False, padding=1), tnn.AvgPool2d(2, count_include_pad=False, padding=1)),
             (nn.AdaptiveAvgPool2d((3, 2)), tnn.AdaptiveAvgPool2d((3, 2))),
             (nn.AdaptiveMaxPool2d(3), tnn.AdaptiveMaxPool2d(3)),
             (nn.Upsample(scale_factor=2), tnn.Upsample(scale_factor=2)),
             (nn.Upsample(size=(5, 9), mode="bilinear"), tnn.Upsample(size=(5, 9), mode="bilinear"))]
    for ours, theirs in pairs:
        check_same(ours, theirs, x)
    x1 = x.reshape(2, 3, 56)
    for ours, theirs in [(nn.MaxPool1d(3, 2), tnn.MaxPool1d(3, 2)), (nn.AvgPool1d(4), tnn.AvgPool1d(4)),
                         (nn.AdaptiveAvgPool1d(5), tnn.AdaptiveAvgPool1d(5))]:
        check_same(ours, theirs, x1)
    drop = nn.Dropout2d(0.5)
    drop.eval()
    numpy.testing.assert_array_equal(drop(autograd.tensor(x)).numpy(), x)


def test_layer_reprs_and_summary():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding="same", padding_mode="reflect"), nn.MaxPool2d(2),
                          nn.ConvTranspose2d(4, 2, 2, stride=2, output_padding=1), nn.Flatten())
    assert "padding='same'" in repr(model) and "padding_mode='reflect'" in repr(model)
    assert "output_padding=(1, 1)" in repr(model)
    text = model.summary((1, 8, 8))
    assert "(None, 4, 8, 8)" in text and "(None, 2, 9, 9)" in text and "40" in text


def test_bad_layer_settings_are_refused():
    with pytest.raises(autograd.ShapeError, match="groups=3 must divide"):
        nn.Conv2d(4, 6, 3, groups=3)
    with pytest.raises(autograd.ArgumentError, match="padding_mode"):
        nn.Conv2d(4, 6, 3, padding_mode="mirror")
    with pytest.raises(autograd.ShapeError, match="BatchNorm2d"):
        nn.BatchNorm2d(3)(autograd.randn(2, 4, 3, 3))
