"""A switch that lets `autograd.viz` load without the graphviz package, to write DOT text only.

    >>> with dot_only():
    ...     from autograd import viz        # a small built-in DOT writer stands in for graphviz
    >>> viz.draw(loss).save("graph.dot")

It lives outside `autograd.viz` because importing anything inside that package
imports the package first. `python -m autograd --graph x.dot` uses it.
"""
import contextlib

ENABLED = False


@contextlib.contextmanager
def dot_only():
    global ENABLED
    before, ENABLED = ENABLED, True
    try:
        yield
    finally:
        ENABLED = before
