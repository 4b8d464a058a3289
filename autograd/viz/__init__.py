"""Computation graphs as diagrams, for learning and teaching how networks compute.

    >>> from autograd import viz
    >>> viz.draw(loss, show_values=True, show_grads=True).save("graph.svg")
    >>> viz.draw(loss, backward=True)                   # how gradients flow back, op by op
    >>> viz.save_steps(viz.backward_steps(loss), "steps/")   # one slide per backward step
    >>> loss.draw()                                     # the same as viz.draw(loss)

Diagrams are `graphviz.Digraph`s: the DOT text is always available (`.source`); SVG
and PNG need a layout engine: a system `dot`, else the one in the `graphviz-pure`
wheel (installed with `pip install 'autograd-dag[viz]'`). In Jupyter they show inline.
Importing this package also records which nn.Module call made which node, so
diagrams can box nodes by module (`group_modules`, `collapse_modules`).
"""
from . import scopes
from .draw import draw, Diagram, GraphTooLarge, format_values, LOCAL_DERIVATIVES
from .render import layout_engine, run_layout, LayoutEngineMissing, INSTALL_HINT
from .steps import backward_steps, save_steps, BackwardStep


def render(diagram, path, format=None):
    """Write `diagram` to `path` (.svg, .png, .pdf or .dot); returns the path written."""
    return diagram.save(path, format)


scopes.install()

__all__ = ["draw", "backward_steps", "save_steps", "render", "Diagram", "BackwardStep", "GraphTooLarge",
           "LayoutEngineMissing", "layout_engine", "run_layout", "format_values", "LOCAL_DERIVATIVES",
           "INSTALL_HINT"]
