"""Pictures of convnets (viz.plot_filters / plot_feature_maps) and the MNIST IDX loader."""
import gzip
import struct

import numpy
import pytest

import autograd
from autograd import nn, viz
from autograd.datasets import mnist

pytest.importorskip("matplotlib")


def small_cnn():
    return nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 4, 3), nn.Flatten(), nn.Linear(16, 3))


def test_plot_filters_draws_one_tile_per_filter(tmp_path):
    conv = nn.Conv2d(1, 6, 3)
    fig = viz.plot_filters(conv, path=tmp_path / "filters.png")
    images = [ax.images[0].get_array() for ax in fig.axes if ax.images]
    assert len(images) == 6 and images[0].shape == (3, 3)
    numpy.testing.assert_allclose(images[2], (conv.weight.numpy()[2, 0] - conv.weight.numpy()[2, 0].min())
                                  / numpy.ptp(conv.weight.numpy()[2, 0]))
    assert (tmp_path / "filters.png").stat().st_size > 0
    rgb = viz.plot_filters(nn.Conv2d(3, 4, 5))
    assert [ax.images[0].get_array().shape for ax in rgb.axes if ax.images] == [(5, 5, 3)] * 4


def test_plot_feature_maps_shows_each_conv_and_pool_layer_without_changing_the_model(tmp_path):
    model = small_cnn()
    model.train()
    x = numpy.random.default_rng(0).random((2, 1, 8, 8)).astype(numpy.float32)
    before = model(autograd.tensor(x)).numpy()
    running = model[1].running_mean.numpy().copy()
    fig = viz.plot_feature_maps(model, x, path=tmp_path / "maps.png", max_channels=4)
    shapes = [ax.images[0].get_array().shape for ax in fig.axes if ax.images]
    assert shapes == [(8, 8)] * 4 + [(4, 4)] * 4 + [(2, 2)] * 4  # conv 0, pool 3, conv 4
    assert model.training
    numpy.testing.assert_array_equal(model[1].running_mean.numpy(), running)  # ran in eval mode
    numpy.testing.assert_allclose(model(autograd.tensor(x)).numpy().shape, before.shape)
    with pytest.raises(autograd.ArgumentError, match="no conv or pool"):
        viz.plot_feature_maps(nn.Sequential(nn.Linear(2, 2)), numpy.zeros((1, 2)))


def write_idx(path, array, code):
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape)
    data = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    (gzip.open if str(path).endswith(".gz") else open)(path, "wb").write(data)


def test_mnist_loader_reads_idx_files_plain_and_gzipped(tmp_path):
    rng = numpy.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28)).astype(numpy.uint8)
    labels = numpy.array([3, 1, 4, 1, 5], dtype=numpy.uint8)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images, 0x08)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels, 0x08)
    x, y = mnist.load("test", path=str(tmp_path))
    assert x.shape == (5, 1, 28, 28) and x.dtype == numpy.float32
    numpy.testing.assert_allclose(x[:, 0] * 255, images)
    numpy.testing.assert_array_equal(y, labels)
    floats = rng.standard_normal((2, 3))
    write_idx(tmp_path / "f.idx", floats, 0x0E)
    numpy.testing.assert_array_equal(mnist.read_idx(tmp_path / "f.idx"), floats)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(autograd.DataError, match="not an IDX file"):
        mnist.read_idx(tmp_path / "bad")
    with pytest.raises(autograd.DataNotFoundError, match="downloads nothing"):
        mnist.load("train", path=str(tmp_path))


# ---------------------------------------------------------------- temporal convolutional network


def test_tcn_is_causal_with_the_stated_receptive_field():
    tcn = nn.TCN(3, [4, 4, 5], kernel_size=3, dropout=0.0)
    assert tcn.receptive_field == 1 + 2 * 2 * 7 == 29
    for p in tcn.parameters():  # positive weights and inputs: no ReLU is ever off, every path carries gradient
        nn.init.uniform_(p, 0.01, 0.1)
    x = autograd.tensor(numpy.random.default_rng(0).random((2, 3, 40)) + 0.1, dtype="float64", requires_grad=True)
    y = tcn(x)
    assert y.shape == (2, 5, 40)
    y[:, :, 30].sum().backward()
    reached = numpy.nonzero(numpy.abs(x.grad.numpy()).sum(axis=(0, 1)))[0]
    assert reached.max() == 30                      # nothing from the future
    assert reached.min() == 30 - tcn.receptive_field + 1  # and exactly the receptive field from the past


def test_tcn_blocks_have_residual_downsampling_and_the_papers_init():
    tcn = nn.TCN(2, [6, 6], kernel_size=2)
    first, second = tcn.blocks
    assert first.downsample is not None and second.downsample is None
    assert first.conv1.dilation == (1,) and second.conv1.dilation == (2,)
    assert abs(float(first.conv1.weight.numpy().std()) - 0.01) < 0.005
    names = [name for name, _ in tcn.named_parameters()]
    assert "blocks.0.conv1.weight" in names and "blocks.0.downsample.bias" in names
    x = autograd.tensor(numpy.random.default_rng(1).standard_normal((1, 2, 9)), dtype="float64", requires_grad=True)
    tcn.eval()
    assert autograd.gradcheck(lambda t: tcn(t), [x])


def test_diagrams_box_conv_layers_and_show_their_shapes():
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 2))
    source = viz.draw(model(autograd.randn(1, 1, 4, 4)).sum(), group_modules=True).source
    assert "label=Conv2d" in source and "label=MaxPool2d" in source
    assert "1×2×4×4" in source and "1×2×2×2" in source  # the conv's output and the pooled one
