"""Turn DOT text into SVG/PNG with whichever Graphviz layout engine is available.

The engine is a system `dot` if there is one, else the `graphviz-pure` executable
that the viz extra installs next to the Python interpreter (found even
when a Jupyter kernel runs without the virtual environment's bin folder on PATH).
The layout runs under a time budget (LAYOUT_TIMEOUT seconds, or `timeout=`): a graph it
cannot lay out in time is refused with GraphTooLarge instead of hanging.

    >>> layout_engine()                        # '/usr/bin/dot' or '.../.venv/bin/graphviz-pure' or None
    >>> svg = run_layout(dot_source, "svg")    # bytes
"""
import functools
import os
import re
import shutil
import subprocess
import sys

from ..errors import AutogradError

INSTALL_HINT = "pip install 'autograd-dag[viz]' (it brings the graphviz-pure layout engine)"
LAYOUT_TIMEOUT = 10.0  # seconds; a readable diagram lays out in well under one


class LayoutEngineMissing(AutogradError, RuntimeError):
    """No program to lay out the diagram; the DOT text is still available."""


class GraphTooLarge(AutogradError, ValueError):
    """The graph is too big for a readable diagram; collapse modules or raise max_nodes."""


TOO_LARGE_ADVICE = ("draw it with collapse_modules=True (one box per module call), draw a smaller part "
                    "(an intermediate tensor instead of the loss), or raise max_nodes")


def layout_engine():
    """Path of the program that lays out graphs, or None when there is none."""
    system_dot = shutil.which("dot")
    if system_dot:
        return system_dot
    here = os.path.dirname(os.path.abspath(sys.executable))
    for candidate in (os.path.join(here, "graphviz-pure"), os.path.join(here, "graphviz-pure.exe"),
                      shutil.which("graphviz-pure")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def supported_formats(engine=None):
    """The output formats the layout engine can write ({'svg', 'png', ...}); DOT text always."""
    engine = engine or layout_engine()
    return _formats(engine) | {"dot", "gv"} if engine else {"dot", "gv"}


@functools.lru_cache(maxsize=4)
def _formats(engine):
    # An unknown format makes Graphviz list the ones it knows: "Use one of: svg png ..."
    result = subprocess.run([engine, "-T?"], input=b"digraph{}", capture_output=True, timeout=30)
    listed = re.search(r"Use one of:(.*)", (result.stderr + result.stdout).decode(errors="replace"))
    return frozenset(name.split(":")[0] for name in listed.group(1).split()) if listed else frozenset({"svg", "png"})


def run_layout(dot_source, fmt="svg", engine=None, timeout=None):
    """Lay out `dot_source` and return the image as bytes (svg, png, pdf, ...)."""
    engine = engine or layout_engine()
    if engine is None:
        raise LayoutEngineMissing(f"no Graphviz layout engine found (no `dot` on PATH and no graphviz-pure); "
                                  f"install one with: {INSTALL_HINT}. The DOT text is in `diagram.source`.")
    budget = LAYOUT_TIMEOUT if timeout is None else timeout
    try:
        result = subprocess.run([engine, f"-T{fmt}"], input=dot_source.encode("utf-8"), capture_output=True,
                                timeout=budget)
    except subprocess.TimeoutExpired:
        raise GraphTooLarge(f"the layout engine could not lay out this graph within {budget:g} s "
                            f"(layout_timeout): {TOO_LARGE_ADVICE}, or a lower max_nodes to be "
                            f"refused at once.") from None
    if result.returncode != 0:
        raise AutogradError(f"the layout engine {engine} failed: {result.stderr.decode(errors='replace')[:500]}")
    return result.stdout
