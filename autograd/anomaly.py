"""Anomaly mode: find the op whose backward first produced NaN or infinity.

    >>> with autograd.detect_anomaly():
    ...     loss = model(x); loss.backward()    # GraphError naming the op and where it was created

While it is on, each recorded node keeps the traceback of the user code that
created it, and backward checks every gradient an op returns. Off by default,
and then it costs one flag read per recorded op.
"""
import traceback

from . import backend
from .errors import GraphError
from .tensor import Tensor, unwrap

enabled = False   # process-wide, as PyTorch's anomaly mode


def is_anomaly_enabled():
    return enabled


def set_detect_anomaly(mode):
    """Switch anomaly mode on or off; also a context manager restoring the previous mode."""
    return _AnomalyMode(mode)


class _AnomalyMode:
    def __init__(self, mode):
        global enabled
        self.previous, enabled = enabled, bool(mode)
        self.mode = bool(mode)

    def __enter__(self):
        global enabled
        enabled = self.mode
        return self

    def __exit__(self, *exc):
        global enabled
        enabled = self.previous
        return False


def detect_anomaly():
    """A context manager with anomaly mode on inside."""
    return _AnomalyMode(True)


def creation_trace():
    """Where the op is being created, without the library's own frames."""
    frames = traceback.extract_stack()[:-1]
    user = [f for f in frames if "/autograd/" not in f.filename.replace("\\", "/")
            or "/tests/" in f.filename.replace("\\", "/")]
    return user or frames


def check_gradients(node, input_grads):
    """Raise at the first NaN/Inf among the gradients `node.backward` returned."""
    for index, g in enumerate(input_grads):
        if g is None:
            continue
        data = unwrap(g)
        if not bool(backend.get_array_module(data).isfinite(data).all()):
            where = "".join(traceback.format_list(node._trace[-3:])) if node._trace else "  (not recorded)\n"
            raise GraphError(f"anomaly: {node.name}.backward returned a gradient with NaN or infinity for "
                             f"its input {index} (shape {tuple(g.shape)}). {node.name} was created at:\n{where}")
