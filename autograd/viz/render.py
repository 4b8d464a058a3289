"""Turning DOT text into SVG or PNG: which layout engine, and how to call it.

The `graphviz` Python package only writes DOT text and calls a `dot` program.
We prefer a system `dot` when one is on PATH, and fall back to the engine that
the `graphviz-pure` wheel installs next to the Python interpreter (found even
when a Jupyter kernel runs without the virtual environment's bin folder on PATH).

    >>> layout_engine()                        # '/usr/bin/dot' or '.../.venv/bin/graphviz-pure' or None
    >>> svg = run_layout(dot_source, "svg")    # bytes
"""
import os
import shutil
import subprocess
import sys

from ..errors import AutogradError

INSTALL_HINT = "pip install 'autograd-dag[viz]' (it brings the graphviz-pure layout engine)"


class LayoutEngineMissing(AutogradError, RuntimeError):
    """No program to lay out the diagram; the DOT text is still available."""


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


def run_layout(dot_source, fmt="svg", engine=None):
    """Lay out `dot_source` and return the image as bytes (svg, png, pdf, ...)."""
    engine = engine or layout_engine()
    if engine is None:
        raise LayoutEngineMissing(f"no Graphviz layout engine found (no `dot` on PATH and no graphviz-pure); "
                                  f"install one with: {INSTALL_HINT}. The DOT text is in `diagram.source`.")
    result = subprocess.run([engine, f"-T{fmt}"], input=dot_source.encode("utf-8"), capture_output=True,
                            timeout=120)
    if result.returncode != 0:
        raise AutogradError(f"the layout engine {engine} failed: {result.stderr.decode(errors='replace')[:500]}")
    return result.stdout
