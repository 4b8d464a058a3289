"""The `graphviz` package, or the library's error that says how to install it.

    >>> from autograd.viz._graphviz import graphviz      # graphviz.Digraph builds the DOT text

The viz extra (`pip install 'autograd-dag[viz]'`) brings it with the graphviz-pure layout
engine. Without it, importing `autograd.viz` raises `VizNotInstalled` naming that command;
inside `autograd._dot_only.dot_only()` a caller that only writes DOT text
(``python -m autograd --graph x.dot``) goes on with a small built-in DOT writer instead.
"""
from .. import _dot_only
from ..errors import AutogradError

INSTALL = "pip install 'autograd-dag[viz]'"


class VizNotInstalled(AutogradError, ImportError):
    """Diagrams need the viz extra: pip install 'autograd-dag[viz]'."""


def _load():
    try:
        import graphviz as module
    except ImportError as error:
        from . import _dot_text

        if _dot_only.ENABLED:
            return _dot_text
        raise VizNotInstalled(f"autograd.viz needs the graphviz package: install it with {INSTALL} "
                              f"(it brings the graphviz-pure layout engine too). Note: `autograd` on "
                              f"PyPI is another project; this one is `autograd-dag`.") from error
    return module


graphviz = _load()
