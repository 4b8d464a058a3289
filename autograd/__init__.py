"""autograd: a reverse-mode automatic differentiation engine on NumPy (and CuPy).

    >>> import autograd
    >>> x = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> loss = (autograd.tanh(x) ** 2).sum()
    >>> loss.backward()
    >>> x.grad                      # 2 tanh(x) (1 - tanh(x)^2)

The engine is in graph.py, the tensor in tensor.py, the ops in ops/.
"""
from .errors import (AutogradError, ShapeError, DeviceError, DTypeError, GraphError, GradcheckError,
                     CheckpointError, IndexOutOfRangeError, ArgumentError)
from .backend import set_default_dtype, get_default_dtype, cuda_available
from .graph import Function, no_grad, enable_grad, set_grad_enabled, is_grad_enabled, grad
from .tensor import Tensor, tensor
from .creation import (zeros, ones, full, eye, arange, randn, rand, randint, zeros_like, ones_like,
                       full_like, randn_like, rand_like, manual_seed)
from .ops import *  # noqa: F401,F403
from .ops import PUBLIC_OPS
from .gradcheck import gradcheck, gradgradcheck
from .serialization import save, load

__version__ = "0.1.0"

float32 = "float32"
float64 = "float64"
