"""autograd: a reverse-mode automatic differentiation engine on NumPy (and CuPy).

    >>> import autograd
    >>> x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> loss = (autograd.tanh(x) ** 2).sum()
    >>> loss.backward()
    >>> x.grad                      # 2 tanh(x) (1 - tanh(x)^2)

The tensor is in tensor.py, the engine in graph.py, the ops in ops/; tensor_methods.py joins them.
"""
from .errors import (AutogradError, ShapeError, DeviceError, DTypeError, GraphError, GradcheckError,
                     OpCheckError, CheckpointError, IndexOutOfRangeError, ArgumentError, MissingExtraError,
                     NonFiniteError, AxisError, TokenError, DataError, DataNotFoundError, ArgumentTypeError,
                     DistributedError)
from .backend import set_default_dtype, get_default_dtype, cuda_available
from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled
from .anomaly import detect_anomaly, set_detect_anomaly, is_anomaly_enabled
from .tensor import Tensor, tensor, from_numpy
from .graph import Function, once_differentiable, grad
from . import tensor_methods  # noqa: F401  (wires operators and methods onto Tensor: the one place)
from .tensor_methods import Size, backward_tensors as backward
from .creation import (zeros, ones, empty, full, eye, arange, linspace, randn, rand, randint, zeros_like,
                       ones_like, empty_like, full_like, randn_like, rand_like, manual_seed)
from .ops import *  # noqa: F401,F403
from .ops import PUBLIC_OPS
from .gradcheck import gradcheck, gradgradcheck
from .serialization import save, load

__version__ = "0.1.0"

float32 = "float32"
float64 = "float64"


# Sub-packages reachable as attributes after a plain `import autograd` (autograd.nn.Linear, autograd.optim.SGD),
# imported on first use so that `import autograd` itself stays fast.
_LAZY_SUBMODULES = ("nn", "optim", "functional", "data", "training", "text", "datasets", "viz")


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib

        try:
            return importlib.import_module("." + name, __name__)
        except ModuleNotFoundError as error:
            if error.name != __name__ + "." + name:  # a dependency is missing: say which
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_SUBMODULES))
