"""What a convnet learns, as pictures: its filters and the feature maps they produce.

    >>> from autograd import viz
    >>> viz.plot_filters(model[0], path="filters.png")            # one tile per (output, input) kernel
    >>> viz.plot_feature_maps(model, images[:1], path="maps.png")  # one row per conv / pool layer

Matplotlib (the `train` extra) is imported only when a picture is drawn, with the
non-interactive Agg backend unless one was chosen, so this works on servers and in tests.
"""
import numpy

from .. import backend
from ..errors import ArgumentError, ShapeError, missing_extra
from ..grad_mode import no_grad

__all__ = ["plot_filters", "plot_feature_maps"]


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise missing_extra("matplotlib", "train", "viz.plot_filters / plot_feature_maps") from None
    if "matplotlib.pyplot" not in __import__("sys").modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _as_numpy(t):
    return numpy.asarray(backend.to_device(getattr(t, "data", t), "cpu"), dtype=numpy.float64)


def plot_filters(conv, path=None, max_filters=64, input_channel=None, cmap="gray", title=None):
    """Each filter of a Conv2d (or a weight array (O, C, kh, kw)) as a small image.

    With one input channel, or `input_channel` given, tiles are grey images of that
    channel's kernel; with three input channels and no `input_channel`, RGB tiles.
    Each tile is scaled on its own to the full colour range. Returns the Figure.

    >>> fig = viz.plot_filters(nn.Conv2d(1, 8, 5), path="filters.png")
    """
    weight = _as_numpy(getattr(conv, "weight", conv))
    if weight.ndim == 3:  # a Conv1d: draw each (C, k) kernel as an image
        weight = weight[:, None]
    if weight.ndim != 4:
        raise ShapeError(f"plot_filters: expected a Conv2d or an (out, in, kh, kw) weight, got shape {weight.shape}")
    weight = weight[:max_filters]
    rgb = weight.shape[1] == 3 and input_channel is None
    tiles = weight.transpose(0, 2, 3, 1) if rgb else weight[:, input_channel or 0]
    low = tiles.reshape(len(tiles), -1).min(axis=1).reshape((-1,) + (1,) * (tiles.ndim - 1))
    high = tiles.reshape(len(tiles), -1).max(axis=1).reshape((-1,) + (1,) * (tiles.ndim - 1))
    tiles = (tiles - low) / numpy.maximum(high - low, 1e-12)
    plt = _pyplot()
    columns = int(numpy.ceil(numpy.sqrt(len(tiles))))
    rows = int(numpy.ceil(len(tiles) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.1 * columns, 1.1 * rows + 0.4), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < len(tiles):
            ax.imshow(tiles[index], cmap=None if rgb else cmap, interpolation="nearest")
    fig.suptitle(title or f"{len(tiles)} filters {weight.shape[2]}x{weight.shape[3]}", fontsize=9)
    if path:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig


def _default_layers(model):
    from ..nn import conv as conv_layers

    kinds = (conv_layers._ConvNd, conv_layers._MaxPool, conv_layers._AvgPool)
    return [(name, m) for name, m in model.named_modules() if isinstance(m, kinds) and m is not model]


def plot_feature_maps(model, x, layers=None, path=None, max_channels=8, cmap="viridis", title=None):
    """The activations of one image after each conv/pool layer (or the named `layers`): a row per layer.

    `x` is one input (C, H, W) or a batch whose first image is used. The model runs in eval mode
    without recording a graph; its training mode is restored afterwards. Returns the Figure.

    >>> fig = viz.plot_feature_maps(model, images[:1], path="maps.png")
    """
    named = dict(model.named_modules())
    chosen = _default_layers(model) if layers is None else [(n, named[n]) for n in layers]
    if not chosen:
        raise ArgumentError("plot_feature_maps: the model has no conv or pool layers; name some with layers=[...]")
    maps, handles = {}, []

    def recorder(name):
        def record(module, inputs, output):  # returns None: a hook's return value would replace the output
            maps.setdefault(name, _as_numpy(output)[0])
        return record

    for name, module in chosen:
        handles.append(module.register_forward_hook(recorder(name)))
    from ..tensor import Tensor

    data = getattr(x, "data", x)
    if data.ndim == 3:
        data = data[None]
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            model(Tensor(data[:1]))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    plt = _pyplot()
    columns = max_channels
    fig, axes = plt.subplots(len(chosen), columns, figsize=(1.2 * columns, 1.3 * len(chosen) + 0.4), squeeze=False)
    for row, (name, module) in enumerate(chosen):
        activation = maps[name]
        if activation.ndim == 2:  # 1-D feature maps (C, L): one strip per channel
            activation = activation[:, None, :]
        for col in range(columns):
            ax = axes[row, col]
            ax.axis("off")
            if col < activation.shape[0]:
                ax.imshow(activation[col], cmap=cmap, interpolation="nearest")
        axes[row, 0].set_title(f"{name} ({type(module).__name__}) {tuple(activation.shape)}", fontsize=7, loc="left")
    fig.suptitle(title or "feature maps (first channels of each layer)", fontsize=9)
    if path:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig
