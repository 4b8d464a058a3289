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


class OpCheckError(AutogradError, AssertionError):
    """A check of `autograd.testing.check_op` failed: the message names the check, the sample and what
    differed; `.check`, `.sample` and `.device` say the same for code."""

    def __init__(self, message, check=None, sample=None, device=None):
        super().__init__(message)
        self.check, self.sample, self.device = check, sample, device


class CheckpointError(AutogradError, ValueError):
    """A checkpoint that cannot be read, or does not fit the model it is loaded into."""


class IndexOutOfRangeError(AutogradError, IndexError):
    """An index (a token id, a class id) outside the table or the classes it refers to."""


class ArgumentError(AutogradError, ValueError):
    """A setting outside its valid range (a dropout probability, a reduction name, ...)."""


class DistributedError(AutogradError, RuntimeError):
    """Several processes that disagree (parameter shapes, call order), or distributed training without MPI."""


def explain_op_failure(op_name, shapes, devices, error):
    """NumPy's broadcasting or device error from inside an op, restated as ours: naming the op and shapes.

    >>> explain_op_failure("Add", [(2,), (3,)], {"cpu"}, ValueError("operands could not be broadcast"))
    ShapeError('Add: incompatible shapes (2,) and (3,) (operands could not be broadcast)')
    """
    if len(devices) > 1:
        return DeviceError(f"{op_name}: inputs are on different devices ({', '.join(sorted(devices))}); "
                           f"move them with .to(device) first")
    if isinstance(error, ValueError) and shapes:
        shown = " and ".join(str(s) for s in shapes)
        return ShapeError(f"{op_name}: incompatible shapes {shown} ({error})")
    if isinstance(error, IndexError):  # an index past the end of an axis (getitem, scatter_add)
        shown = " and ".join(str(s) for s in shapes)
        return IndexOutOfRangeError(f"{op_name}: index out of range for shapes {shown} ({error})")
    if isinstance(error, TypeError) and (type(error).__module__.startswith("numpy")
                                         or "ufunc" in str(error) or "dtype" in str(error)):
        # NumPy cannot compute on these dtypes (strings, objects, ...); other TypeErrors are bugs, kept as they are
        return DTypeError(f"{op_name}: unsupported dtype ({error})")
    return error


class MissingExtraError(AutogradError, ImportError):
    """An optional package is not installed; the message names the exact `pip install` command."""


def missing_extra(package, extra, purpose):
    """The error for `purpose` needing `package`, which comes with the `extra` of autograd-dag.

    >>> try: import tqdm
    ... except ImportError: raise missing_extra("tqdm", "train", "fit(progress=True)") from None
    """
    return MissingExtraError(f"{purpose} needs the {package} package, which is not installed: "
                             f"pip install 'autograd-dag[{extra}]'")


class NonFiniteError(AutogradError, RuntimeError):
    """A NaN or infinity where a finite value is required (e.g. `clip_grad_norm_(..., error_if_nonfinite=True)`)."""


class AxisError(IndexOutOfRangeError, ValueError):
    """An axis (dim) outside -ndim..ndim-1 of the tensor it refers to; an IndexError as in PyTorch,
    and a ValueError as NumPy's AxisError."""


class TokenError(AutogradError, KeyError):
    """A token (a word, a character) that is not in the vocabulary, which has no <unk> to stand for it."""

    def __str__(self):  # KeyError would show the message with quotes around it
        return str(self.args[0]) if self.args else ""


class DataError(AutogradError, ValueError):
    """A data file or dataset setting that cannot be used (bad encoding, unknown words, bad split);
    the message names the file."""


class DataNotFoundError(AutogradError, FileNotFoundError):
    """A data file that is not where it was looked for; the message says where to put it."""


class ArgumentTypeError(ArgumentError, TypeError):
    """An argument of the wrong kind (a Module where a Parameter is needed, a string for a function, ...)."""
