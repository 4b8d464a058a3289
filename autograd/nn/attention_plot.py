"""Draw attention weights as a heatmap: which source token each output token looked at.

    >>> from autograd.nn.attention_plot import plot_attention
    >>> plot_attention(weights, source="1984 ,25 rebmetpes", target="1984-09-25", path="attention.png")

Row i of `weights` (target length x source length) is the attention the
decoder paid to the source while writing target token i; each row sums to 1.
Matplotlib is imported only when a plot is drawn (it is an optional extra) and
uses the non-interactive Agg backend when no backend was chosen, so the helper
works on servers and in tests.
"""
import numpy

from .. import backend
from ..errors import ShapeError, missing_extra

__all__ = ["plot_attention"]


def plot_attention(weights, source, target, path=None, title=None, ax=None, cmap="viridis"):
    """Heatmap of `weights` (T_target, T_source) with the tokens on the axes; saved to `path`.

    `source` and `target` are strings (one token per character) or lists of
    tokens; their lengths must match the weights' shape. Returns the matplotlib
    Figure (saved to `path` when given; pass `ax` to draw into your own axes).

    >>> fig = plot_attention(w[0].numpy(), list("abc"), list("cba"), path="attn.png")
    """
    weights = numpy.asarray(backend.to_device(getattr(weights, "data", weights), "cpu"), dtype=numpy.float64)
    source, target = list(source), list(target)
    if weights.shape != (len(target), len(source)):
        raise ShapeError(f"plot_attention: weights have shape {weights.shape} but there are "
                         f"{len(target)} target and {len(source)} source tokens")

    try:
        import matplotlib
    except ImportError:
        raise missing_extra("matplotlib", "train", "plot_attention") from None
    if "matplotlib.pyplot" not in __import__("sys").modules:
        matplotlib.use("Agg")  # no display needed; an interactive session keeps its own backend
    import matplotlib.pyplot as plt

    if ax is None:
        width = max(3.0, 0.32 * len(source) + 1.5)
        height = max(2.5, 0.32 * len(target) + 1.2)
        fig, ax = plt.subplots(figsize=(width, height))
    else:
        fig = ax.figure
    image = ax.imshow(weights, cmap=cmap, vmin=0.0, vmax=max(weights.max(), 1e-12), aspect="auto")
    ax.set_xticks(range(len(source)))
    ax.set_xticklabels([_visible(t) for t in source], fontsize=9)
    ax.set_yticks(range(len(target)))
    ax.set_yticklabels([_visible(t) for t in target], fontsize=9)
    ax.set_xlabel("source")
    ax.set_ylabel("target")
    if title:
        ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.04)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def _visible(token):
    """A space would be an invisible tick label; show it as '␣'."""
    return "\u2423" if token == " " else str(token)
