"""Computation graphs as diagrams, for learning and teaching how networks compute.

    >>> from autograd import viz
    >>> viz.draw(loss, show_values=True, show_grads=True).save("graph.svg")
    >>> viz.draw(loss, backward=True)                   # how gradients flow back, op by op
    >>> viz.save_steps(viz.backward_steps(loss), "steps/")   # one slide per backward step
    >>> loss.draw()                                     # the same as viz.draw(loss)

Diagrams are `graphviz.Digraph`s: the DOT text is always available (`.source`); SVG
and PNG need a layout engine: a system `dot`, else the one in the `graphviz-pure`
wheel (installed with `pip install 'autograd-dag[viz]'`). In Jupyter they show inline.
Without that extra, importing this package raises `VizNotInstalled` naming the command.

Module boxes (`group_modules`, `collapse_modules`) come from the nn.Module calls
recorded with weak references while viz is imported: the record never keeps a
model (or its graph) alive.
"""
from ._graphviz import VizNotInstalled  # first: raises VizNotInstalled without the extra
from . import scopes
from .draw import draw, Diagram, GraphTooLarge, FormatNotSupported, format_values, formula_of
from .render import layout_engine, run_layout, supported_formats, LayoutEngineMissing, INSTALL_HINT
from .steps import backward_steps, save_steps, BackwardStep
from .convnet import plot_filters, plot_feature_maps


def render(diagram, path, format=None):
    """Write `diagram` to `path` (.svg, .png, .pdf or .dot); returns the path written."""
    return diagram.save(path, format)


scopes.install()

__all__ = ["draw", "backward_steps", "save_steps", "render", "Diagram", "BackwardStep", "GraphTooLarge",
           "FormatNotSupported", "LayoutEngineMissing", "VizNotInstalled", "layout_engine", "run_layout",
           "supported_formats", "format_values", "formula_of", "INSTALL_HINT", "plot_filters", "plot_feature_maps"]
