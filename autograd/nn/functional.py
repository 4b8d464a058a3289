"""The functional forms of the layers, under the names PyTorch users know (`F.conv2d`, `F.max_pool2d`, ...).

    >>> from autograd.nn import functional as F
    >>> y = F.max_pool2d(F.conv2d(x, w, b, padding=1).relu(), 2)
"""
# ---------------------------------------------------------------- convolutional networks (issue 12): begin
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d  # noqa: F401
from ..ops.pool import (max_pool1d, max_pool2d, avg_pool1d, avg_pool2d, adaptive_avg_pool1d,  # noqa: F401
                        adaptive_avg_pool2d, adaptive_max_pool2d, interpolate, unfold, fold, batch_norm, dropout2d)
from .conv import pad  # noqa: F401  (PyTorch's pad: pairs from the last axis, reflect/replicate/circular modes)
# ---------------------------------------------------------------- convolutional networks (issue 12): end
