"""A temporal convolutional network (Bai, Kolter & Koltun 2018): causal dilated Conv1d blocks.

Each block sees only the past: its two convolutions are padded on the left by
(k - 1)·d, so output t depends on inputs ≤ t. Dilations double from block to
block (1, 2, 4, ...), so the receptive field grows exponentially with depth:
1 + 2·(k - 1)·(2^levels - 1) steps. A residual connection (a 1x1 conv when the
channel count changes) wraps each block.

    >>> tcn = nn.TCN(10, [32, 32, 32], kernel_size=3, dropout=0.1)     # receptive field 29
    >>> tcn(autograd.randn(8, 10, 100)).shape                            # (8, 32, 100): (N, C, L) in and out

Differences from the paper's code: no weight normalisation (weights ~ N(0, 0.01) as there).
"""
from .. import ops
from . import init
from .conv import Conv1d
from .layers import Dropout
from .module import Module, ModuleList

__all__ = ["TemporalBlock", "TCN"]


def causal_pad(x, amount):
    """Zeros on the left of the time axis of (N, C, L): output t then sees inputs up to t only."""
    return ops.pad(x, (amount, 0)) if amount else x   # left of the last (time) axis, PyTorch's pad tuple


class TemporalBlock(Module):
    """Two causal dilated convolutions with ReLU and dropout, plus a residual connection.

    >>> block = nn.TemporalBlock(16, 32, kernel_size=3, dilation=4)
    """

    def __init__(self, in_channels, out_channels, kernel_size, dilation, dropout=0.2, dtype=None, device=None):
        super().__init__()
        self.padding = (kernel_size - 1) * dilation
        self.conv1 = Conv1d(in_channels, out_channels, kernel_size, dilation=dilation, dtype=dtype, device=device)
        self.conv2 = Conv1d(out_channels, out_channels, kernel_size, dilation=dilation, dtype=dtype, device=device)
        self.drop = Dropout(dropout)
        self.downsample = (Conv1d(in_channels, out_channels, 1, dtype=dtype, device=device)
                           if in_channels != out_channels else None)
        for conv in (self.conv1, self.conv2, self.downsample):
            if conv is not None:
                init.normal_(conv.weight, 0.0, 0.01)  # the paper's initialisation

    def forward(self, x):
        h = self.drop(ops.relu(self.conv1(causal_pad(x, self.padding))))
        h = self.drop(ops.relu(self.conv2(causal_pad(h, self.padding))))
        residual = x if self.downsample is None else self.downsample(x)
        return ops.relu(h + residual)


class TCN(Module):
    """A stack of TemporalBlocks with dilations 1, 2, 4, ...: (N, C_in, L) -> (N, channels[-1], L).

    >>> nn.TCN(1, [25] * 8, kernel_size=7).receptive_field             # 1 + 2·6·255 = 3061
    """

    def __init__(self, num_inputs, num_channels, kernel_size=2, dropout=0.2, dtype=None, device=None):
        super().__init__()
        self.kernel_size = kernel_size
        channels = [num_inputs] + list(num_channels)
        self.blocks = ModuleList([TemporalBlock(channels[i], channels[i + 1], kernel_size, 2 ** i, dropout,
                                                dtype=dtype, device=device) for i in range(len(num_channels))])

    @property
    def receptive_field(self):
        """How many past steps (the current one included) an output depends on."""
        return 1 + 2 * (self.kernel_size - 1) * (2 ** len(self.blocks) - 1)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return x
