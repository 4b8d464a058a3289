"""The library's own exception types.

Every error the library raises on purpose is an `AutogradError`, so
`except autograd.AutogradError` catches exactly what we raise. Each one also
derives from the built-in exception a Python user would expect (a shape
mismatch is a `ValueError`, a freed graph is a `RuntimeError`).

    >>> try: autograd.tensor([1., 2.]) + autograd.tensor([1., 2., 3.])
    ... except autograd.ShapeError as e: print(e)   # names the op and both shapes
"""


class AutogradError(Exception):
    """Base class of every error raised by the library."""


class ShapeError(AutogradError, ValueError):
    """Inputs whose shapes do not fit the op (the message names the op and the shapes)."""


class DeviceError(AutogradError, RuntimeError):
    """Tensors on different devices, or a device that is not available."""


class DTypeError(AutogradError, TypeError):
    """A dtype the operation cannot use (e.g. requires_grad on an integer tensor)."""


class GraphError(AutogradError, RuntimeError):
    """Misuse of the graph: backward through a freed graph, a non-scalar backward without grad, ..."""


class GradcheckError(AutogradError, AssertionError):
    """Analytic and numerical gradients disagree (raised by `gradcheck` and `gradgradcheck`)."""


class CheckpointError(AutogradError, ValueError):
    """A checkpoint that cannot be read, or does not fit the model it is loaded into."""


class IndexOutOfRangeError(AutogradError, IndexError):
    """An index (a token id, a class id) outside the table or the classes it refers to."""


class ArgumentError(AutogradError, ValueError):
    """A setting outside its valid range (a dropout probability, a reduction name, ...)."""
