"""Neural-network building blocks: modules, layers, losses, initializers.

    >>> from autograd import nn
    >>> model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    >>> loss = nn.MSELoss()(model(x), y)

Parameter names and shapes follow PyTorch, so a PyTorch state dict of an
equivalent architecture loads with
`model.load_state_dict({k: v.numpy() for k, v in torch_model.state_dict().items()})`.
"""
from .module import Parameter, Module, ModuleList, ModuleDict
from .layers import (Linear, Dense, Sequential, Dropout, LayerNorm, BatchNorm1d, GroupNorm, RMSNorm, Flatten,
                     Unflatten, Identity, ReLU, Sigmoid, Tanh, SELU, GELU, ELU, LeakyReLU, PReLU, SiLU, Mish,
                     Softplus, Softmax, LogSoftmax, activation)
from . import init
from .losses import (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, KLDivLoss, BCELoss, BCEWithLogitsLoss,
                     CrossEntropyLoss, NLLLoss)
from . import utils
from .utils import rnn as _rnn  # noqa: F401 (makes nn.utils.rnn an attribute)
from .embedding import *  # noqa: F401,F403
from .recurrent import *  # noqa: F401,F403
from .vocab import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .seq2seq import *  # noqa: F401,F403
from .transformer import *  # noqa: F401,F403
from .attention_plot import plot_attention  # noqa: F401
from .conv import *  # noqa: F401,F403
from .tcn import TCN, TemporalBlock  # noqa: F401
from . import functional  # noqa: F401
