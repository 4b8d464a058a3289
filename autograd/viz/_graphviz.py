"""The `graphviz` package, or the library's error that says how to install it.

    >>> from autograd.viz._graphviz import graphviz      # graphviz.Digraph builds the DOT text

The viz extra (`pip install 'autograd-dag[viz]'`) brings it with the graphviz-pure layout
engine. Without it, importing `autograd.viz` raises `VizNotInstalled` naming that command;
`text_only()` lets a caller that only writes DOT text (``python -m autograd --graph x.dot``)
go on with a small built-in writer of DOT text instead.
"""
import contextlib

from ..errors import AutogradError

INSTALL = "pip install 'autograd-dag[viz]'"


class VizNotInstalled(AutogradError, ImportError):
    """Diagrams need the viz extra: pip install 'autograd-dag[viz]'."""


_TEXT_ONLY = False


@contextlib.contextmanager
def text_only():
    """Import autograd.viz inside this block to draw DOT text even without the graphviz package."""
    global _TEXT_ONLY
    before, _TEXT_ONLY = _TEXT_ONLY, True
    try:
        yield
    finally:
        _TEXT_ONLY = before


def _load():
    try:
        import graphviz as module
    except ImportError as error:
        from . import _dot_text

        if _TEXT_ONLY:
            return _dot_text
        raise VizNotInstalled(f"autograd.viz needs the graphviz package: install it with {INSTALL} "
                              f"(it brings the graphviz-pure layout engine too). Note: `autograd` on "
                              f"PyPI is another project; this one is `autograd-dag`.") from error
    return module


graphviz = _load()
