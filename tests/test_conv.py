"""Convolution and pooling ops against PyTorch 2.13: values and gradients for every option.

The registry (tests/test_ops.py) already checks each op against a direct-sum NumPy
reference with gradcheck and gradgradcheck; here PyTorch is the oracle for the
settings' *meaning* (padding='same', ceil_mode, output_padding, indices, ...).
"""
import numpy
import pytest

import autograd
from autograd import ops
from autograd.ops.registry import REGISTRY

torch = pytest.importorskip("torch")
F = torch.nn.functional

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.cuda)]


def requires_device(device):
    if device == "cuda" and not autograd.cuda_available():
        pytest.skip("no CUDA GPU available")


def compare(ours, theirs, arrays, kwargs, device="cpu", atol=1e-9):
    """Run both on the same float64 data; compare outputs and the gradients of Σ w·y for every input."""
    mine = [autograd.tensor(a, requires_grad=True, device=device) if a is not None else None for a in arrays]
    torchs = [torch.tensor(a, requires_grad=True) if a is not None else None for a in arrays]
    y = ours(*mine, **kwargs)
    t = theirs(*torchs, **kwargs)
    y, t = (y[0], t[0]) if isinstance(t, tuple) else (y, t)
    numpy.testing.assert_allclose(y.numpy(), t.detach().numpy(), atol=atol, rtol=1e-7)
    weights = numpy.random.default_rng(0).standard_normal(t.shape)
    (y * autograd.tensor(weights, device=device)).sum().backward()
    (t * torch.tensor(weights)).sum().backward()
    for m, th in zip(mine, torchs):
        if m is not None:
            numpy.testing.assert_allclose(m.grad.numpy(), th.grad.numpy(), atol=atol, rtol=1e-7)


def rand(*shape, seed=0):
    return numpy.random.default_rng(seed + sum(shape)).standard_normal(shape)


CONV2D = [
    dict(),
    dict(stride=2),
    dict(stride=(2, 3), padding=(1, 2)),
    dict(padding="same"),
    dict(padding="same", dilation=2),
    dict(padding="valid", dilation=(1, 2)),
    dict(stride=3, padding=1, dilation=2),
    dict(groups=2, padding=1),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kwargs", CONV2D, ids=str)
@pytest.mark.parametrize("kernel", [(3, 3), (2, 4), (1, 1)], ids=str)
def test_conv2d_matches_torch(kwargs, kernel, device):
    requires_device(device)
    x, w, b = rand(2, 4, 9, 8), rand(6, 4 // kwargs.get("groups", 1), *kernel), rand(6)
    compare(autograd.conv2d, F.conv2d, [x, w, b], kwargs, device)


@pytest.mark.parametrize("device", DEVICES)
def test_depthwise_and_unbatched_conv2d_match_torch(device):
    requires_device(device)
    compare(autograd.conv2d, F.conv2d, [rand(2, 3, 7, 7), rand(6, 1, 3, 3), None], dict(groups=3, padding=1), device)
    compare(autograd.conv2d, F.conv2d, [rand(3, 6, 5), rand(2, 3, 2, 2), rand(2)], dict(stride=2), device)


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=2), dict(padding="same", dilation=3),
                                    dict(groups=2, dilation=2), dict(stride=3)], ids=str)
def test_conv1d_matches_torch(kwargs):
    compare(autograd.conv1d, F.conv1d, [rand(3, 4, 20), rand(6, 4 // kwargs.get("groups", 1), 3), rand(6)], kwargs)
    compare(autograd.conv1d, F.conv1d, [rand(4, 11), rand(2, 4 // kwargs.get("groups", 1), 2), None], kwargs)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2), dict(stride=2, padding=1, output_padding=1),
                                    dict(stride=(3, 2), padding=(2, 0), output_padding=(2, 1)),
                                    dict(dilation=2, padding=1), dict(groups=2, stride=2),
                                    dict(dilation=3, output_padding=2, padding=1)], ids=str)
def test_conv_transpose2d_matches_torch(kwargs, device):
    requires_device(device)
    x, w, b = rand(2, 4, 5, 4), rand(4, 3, 3, 2), rand(3 * kwargs.get("groups", 1))
    compare(autograd.conv_transpose2d, F.conv_transpose2d, [x, w, b], kwargs, device)


@pytest.mark.parametrize("kwargs", [dict(), dict(stride=2, padding=1, output_padding=1), dict(groups=2, dilation=2)],
                         ids=str)
def test_conv_transpose1d_matches_torch(kwargs):
    compare(autograd.conv_transpose1d, F.conv_transpose1d, [rand(2, 4, 7), rand(4, 3, 3), None], kwargs)



@pytest.mark.parametrize("op, arrays, kwargs", [
    (autograd.conv2d, [rand(3, 4, 9, 8), rand(6, 4, 3, 3), rand(6)], dict(padding=1)),
    (autograd.conv2d, [rand(3, 4, 9, 8), rand(6, 2, 2, 3), rand(6)], dict(groups=2, stride=(2, 1), dilation=(1, 2))),
    (autograd.conv_transpose2d, [rand(3, 4, 5, 4), rand(4, 3, 3, 2), rand(3)],
     dict(stride=2, padding=1, output_padding=1)),
], ids=["conv2d", "conv2d groups", "conv_transpose2d"])
def test_a_batch_done_a_few_images_at_a_time_matches_torch(op, arrays, kwargs, monkeypatch):
    """On CPU the kernels take the batch a few images per step (for the cache): 2 at a time over 3 images
    leaves a short last step, and values and gradients must not change."""
    from autograd.ops import conv

    monkeypatch.setattr(conv, "_images_per_step", lambda xp, n, floats_per_image, budget: 2)
    theirs = F.conv2d if op is autograd.conv2d else F.conv_transpose2d
    compare(op, theirs, arrays, kwargs)


MAX_POOL = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=3, stride=2, ceil_mode=True),
            dict(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 1), padding=(1, 1)),
            dict(kernel_size=2, stride=1, ceil_mode=True, padding=1)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kwargs", MAX_POOL, ids=str)
def test_max_pool2d_matches_torch_with_indices(kwargs, device):
    requires_device(device)
    x = rand(2, 3, 7, 8)
    y, idx = autograd.max_pool2d(autograd.tensor(x, device=device), return_indices=True, **kwargs)
    ty, tidx = F.max_pool2d(torch.tensor(x), return_indices=True, **kwargs)
    numpy.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    assert idx.dtype == numpy.int64
    compare(autograd.max_pool2d, F.max_pool2d, [x], kwargs, device)


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                    dict(kernel_size=2, dilation=3)], ids=str)
def test_max_pool1d_matches_torch(kwargs):
    x = rand(2, 3, 13)
    compare(autograd.max_pool1d, F.max_pool1d, [x], kwargs)
    _, idx = autograd.max_pool1d(autograd.tensor(x), return_indices=True, **kwargs)
    numpy.testing.assert_array_equal(idx.numpy(), F.max_pool1d(torch.tensor(x), return_indices=True, **kwargs)[1])


def test_max_pool_ties_go_to_the_first_maximum_as_in_torch():
    x = numpy.ones((1, 1, 4, 4))
    compare(autograd.max_pool2d, F.max_pool2d, [x], dict(kernel_size=2))


def test_max_pool_nan_wins_as_in_torch():
    x = numpy.array([[[[1.0, numpy.nan, 3, 0], [numpy.nan, 2, 5, numpy.nan]]]])
    y, idx = autograd.max_pool2d(autograd.tensor(x), 2, return_indices=True)
    ty, tidx = F.max_pool2d(torch.tensor(x), 2, return_indices=True)
    numpy.testing.assert_array_equal(y.numpy(), ty.numpy())
    numpy.testing.assert_array_equal(idx.numpy(), tidx.numpy())


AVG_POOL = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
            dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
            dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
            dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
            dict(kernel_size=(2, 3), stride=(3, 1), divisor_override=4)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kwargs", AVG_POOL, ids=str)
def test_avg_pool2d_matches_torch(kwargs, device):
    requires_device(device)
    compare(autograd.avg_pool2d, F.avg_pool2d, [rand(2, 3, 7, 8)], kwargs, device)


@pytest.mark.parametrize("kwargs", [dict(kernel_size=3), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True,
                                                               count_include_pad=False)], ids=str)
def test_avg_pool1d_matches_torch(kwargs):
    compare(autograd.avg_pool1d, F.avg_pool1d, [rand(2, 3, 14)], kwargs)


@pytest.mark.parametrize("size", [1, 3, (2, 5), (4, None), (7, 8)], ids=str)
def test_adaptive_pools_match_torch(size):
    x = rand(2, 3, 7, 8)
    compare(autograd.adaptive_avg_pool2d, F.adaptive_avg_pool2d, [x], dict(output_size=size))
    compare(autograd.adaptive_max_pool2d, F.adaptive_max_pool2d, [x], dict(output_size=size))
    _, idx = autograd.adaptive_max_pool2d(autograd.tensor(x), size, return_indices=True)
    numpy.testing.assert_array_equal(idx.numpy(), F.adaptive_max_pool2d(torch.tensor(x), size, True)[1])
    compare(autograd.adaptive_avg_pool1d, F.adaptive_avg_pool1d, [rand(2, 3, 11)],
            dict(output_size=size if isinstance(size, int) else size[0]))


@pytest.mark.parametrize("kwargs", [dict(scale_factor=2), dict(size=(5, 11)), dict(scale_factor=3, mode="bilinear"),
                                    dict(size=(4, 13), mode="bilinear"), dict(scale_factor=(0.5, 1.5))], ids=str)
def test_interpolate_matches_torch(kwargs):
    compare(autograd.interpolate, F.interpolate, [rand(2, 3, 6, 7)], kwargs)


def test_linear_interpolate_matches_torch():
    compare(autograd.interpolate, F.interpolate, [rand(2, 3, 6)], dict(size=13, mode="linear"))


@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=(2, 3), stride=2, padding=1, dilation=(2, 1))],
                         ids=str)
def test_unfold_and_fold_match_torch(kwargs):
    x = rand(2, 3, 7, 6)
    compare(autograd.unfold, F.unfold, [x], kwargs)
    cols = F.unfold(torch.tensor(x), **kwargs).numpy()
    compare(autograd.fold, F.fold, [cols], dict(output_size=(7, 6), **kwargs))


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_torch_and_updates_running_stats(training):
    x, w, b = rand(4, 3, 5, 5), rand(3), rand(3)
    mean, var = numpy.zeros(3), numpy.ones(3) * 2
    rm, rv = autograd.tensor(mean.copy()), autograd.tensor(var.copy())
    trm, trv = torch.tensor(mean.copy()), torch.tensor(var.copy())
    compare(lambda x, w, b: autograd.batch_norm(x, rm, rv, w, b, training=training, momentum=0.3),
            lambda x, w, b: F.batch_norm(x, trm, trv, w, b, training=training, momentum=0.3), [x, w, b], {})
    numpy.testing.assert_allclose(rm.numpy(), trm.numpy(), atol=1e-12)
    numpy.testing.assert_allclose(rv.numpy(), trv.numpy(), atol=1e-12)


def test_dropout2d_zeroes_whole_channels_and_scales_the_rest():
    autograd.manual_seed(0)
    x = autograd.ones(8, 16, 3, 3, requires_grad=True)
    y = autograd.dropout2d(x, p=0.25)
    per_channel = y.numpy().reshape(8, 16, 9)
    assert set(numpy.unique(per_channel).tolist()) <= {0.0, numpy.float32(1 / 0.75).item()}
    assert (per_channel.min(axis=2) == per_channel.max(axis=2)).all()  # a channel is kept or dropped whole
    assert 0.1 < (per_channel[:, :, 0] == 0).mean() < 0.4
    y.sum().backward()
    numpy.testing.assert_array_equal(x.grad.numpy(), y.numpy())
    assert autograd.dropout2d(x, p=1.0).numpy().sum() == 0


# ---------------------------------------------------------------- second derivatives through a CNN


def test_gradient_penalty_through_a_cnn_matches_torch():
    """‖∂L/∂x‖² differentiated again (create_graph=True) through conv, max-pool, avg-pool and conv_transpose."""
    rng = numpy.random.default_rng(3)
    x = rng.standard_normal((2, 2, 8, 8))
    w1, w2, w3 = rng.standard_normal((3, 2, 3, 3)), rng.standard_normal((3, 4, 2, 2)), rng.standard_normal((3, 4, 3, 3))

    def net(f, x, w1, w2, w3):
        h = f.conv2d(x, w1, padding=1, stride=1).tanh()
        h = f.max_pool2d(h, 2)
        h = f.conv_transpose2d(h, w2, stride=2)
        h = f.avg_pool2d(f.conv2d(h, w3, padding="same").tanh(), 2)
        return (h * h).sum()

    ours = [autograd.tensor(a, requires_grad=True) for a in (x, w1, w2, w3)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w1, w2, w3)]
    for f, inputs, grad in ((autograd, ours, autograd.grad), (_TorchNamespace, theirs, torch.autograd.grad)):
        gx, = grad(net(f, *inputs), [inputs[0]], create_graph=True)
        penalty = (gx * gx).sum()
        penalty.backward()
    for m, t in zip(ours, theirs):
        numpy.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-7, atol=1e-9)


class _TorchNamespace:
    conv2d, max_pool2d, conv_transpose2d, avg_pool2d = F.conv2d, F.max_pool2d, F.conv_transpose2d, F.avg_pool2d


# ---------------------------------------------------------------- refused calls (declared error_inputs, run by the
# registry's battery in tests/test_ops.py)

OUR_OPS = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d",
           "avg_pool2d"]


def test_every_conv_op_declares_its_bad_inputs():
    assert all(REGISTRY[name].error_inputs is not None for name in OUR_OPS)


def test_conv_settings_out_of_range_are_refused():
    x, w = autograd.randn(1, 2, 5, 5), autograd.randn(2, 2, 3, 3)
    with pytest.raises(autograd.ArgumentError, match="same.*strided"):
        autograd.conv2d(x, w, stride=2, padding="same")
    with pytest.raises(autograd.ArgumentError, match="output_padding"):
        autograd.conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(autograd.ArgumentError, match="stride"):
        autograd.conv2d(x, w, stride=0)


# ---------------------------------------------------------------- the fast paths are the ones used


def test_col2im_and_max_pool_backward_never_use_add_at():
    """The backward of conv and max-pool adds strided slices; the slow np.add.at scatter is never called."""
    import sys

    calls = []

    def watch(frame, event, arg):
        if event == "c_call" and getattr(arg, "__name__", "") == "at":
            calls.append(arg)

    x = autograd.randn(2, 3, 8, 8, requires_grad=True)
    w = autograd.randn(4, 3, 3, 3, requires_grad=True)
    sys.setprofile(watch)
    try:
        y = autograd.max_pool2d(autograd.conv2d(x, w, padding=1, stride=2), 3, stride=1, padding=1)
        y.sum().backward()
        autograd.embedding(autograd.randn(5, 2, requires_grad=True), numpy.array([1, 1])).sum().backward()
    finally:
        sys.setprofile(None)
    assert x.grad.shape == x.shape and w.grad.shape == w.shape
    assert len(calls) == 1  # the embedding's scatter: proof that the watch sees np.add.at


def test_float32_conv_stays_float32_and_is_accurate():
    rng = numpy.random.default_rng(0)
    x, w = rng.standard_normal((4, 8, 12, 12)), rng.standard_normal((16, 8, 3, 3))
    y = autograd.conv2d(autograd.tensor(x.astype(numpy.float32)), autograd.tensor(w.astype(numpy.float32)), padding=1)
    assert y.dtype == numpy.float32
    numpy.testing.assert_allclose(y.numpy(), F.conv2d(torch.tensor(x), torch.tensor(w), padding=1).numpy(),
                                  rtol=1e-4, atol=1e-4)


def test_ops_are_in_the_namespace():
    for name in OUR_OPS + ["adaptive_avg_pool2d", "interpolate", "unfold", "fold", "batch_norm", "dropout2d"]:
        assert name in ops.PUBLIC_OPS
