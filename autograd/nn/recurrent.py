"""Recurrent layers: RNN, LSTM and GRU cells, and layers that run them over sequences.

A recurrent layer reads a sequence one step at a time, carrying a state:

    h_t = cell(x_t, h_{t-1})              (an LSTM also carries a cell state c_t)

Equations, gate orders and parameter names follow PyTorch, so weights
converted from PyTorch load directly:

    LSTM   i, f, g, o = σ, σ, tanh, σ (W_ih x + b_ih + W_hh h + b_hh)   (blocks of weight_ih_l0, (4H, in))
           c' = f c + i g,   h' = o tanh(c')
    GRU    r, z = σ(W_ir x + b_ir + W_hr h + b_hr), σ(W_iz x + ...)       (blocks r, z, n of (3H, in))
           n = tanh(W_in x + b_in + r (W_hn h + b_hn)),   h' = (1 - z) n + z h
    RNN    h' = tanh(W_ih x + b_ih + W_hh h + b_hh)   (or relu)

By default (`fused=True`) a whole layer over a whole sequence is one graph
node with a hand-written backward through time (autograd/ops/recurrent.py);
`fused=False` composes elementary ops step by step instead — slower, but
twice differentiable, and the reference the fused ops are tested against.

Shapes are PyTorch's: time-major (T, B, features) by default, (B, T, features)
with `batch_first=True`; a PackedSequence (nn.utils.rnn) in gives one out.

    >>> lstm = nn.LSTM(100, 200, num_layers=2, dropout=0.5, batch_first=True)
    >>> output, (h_n, c_n) = lstm(x)                              # x (B, T, 100) -> output (B, T, 200)
    >>> output, state = lstm(x_next, detach_state((h_n, c_n)))   # truncated BPTT: carry, but cut the graph
"""
import math

import numpy

from .. import backend, ops
from ..creation import zeros
from ..errors import ArgumentError, ShapeError
from ..grad_mode import no_grad
from ..ops.recurrent import _zeros_state
from ..tensor import Tensor, unwrap
from . import init
from .module import Module, Parameter, check_input_dtype
from .utils.rnn import PackedSequence, _lengths_and_order, _pack, pad_packed_sequence

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU", "detach_state",
           "lstm_cell_composed", "gru_cell_composed", "rnn_cell_composed", "run_composed"]


def detach_state(state):
    """Cut a recurrent state (a tensor, or a tuple/list of them) from its graph, keeping its values.

    The one line of truncated backpropagation through time: the next batch
    starts from where this one ended, but gradients stop at the boundary.

    >>> output, state = model(x, state)
    >>> state = detach_state(state)
    """
    if state is None:
        return None
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    return state.detach()


# ---------------------------------------------------------------- composed cells (elementary ops)


def _affine(x, h, w_ih, w_hh, b_ih, b_hh):
    gates = ops.matmul(x, w_ih.T) + ops.matmul(h, w_hh.T)
    if b_ih is not None:
        gates = gates + b_ih
    if b_hh is not None:
        gates = gates + b_hh
    return gates


def lstm_cell_composed(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step from elementary ops (one node per operation); returns (h', c').

    >>> h, c = lstm_cell_composed(x_t, h, c, w_ih, w_hh, b_ih, b_hh)
    """
    n = h.shape[-1]
    gates = _affine(x, h, w_ih, w_hh, b_ih, b_hh)
    i = ops.sigmoid(gates[:, :n])
    f = ops.sigmoid(gates[:, n:2 * n])
    g = ops.tanh(gates[:, 2 * n:3 * n])
    o = ops.sigmoid(gates[:, 3 * n:])
    c = f * c + i * g
    return o * ops.tanh(c), c


def gru_cell_composed(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step from elementary ops; the reset gate multiplies (W_hn h + b_hn).

    >>> h = gru_cell_composed(x_t, h, w_ih, w_hh, b_ih, b_hh)
    """
    n = h.shape[-1]
    gx = ops.matmul(x, w_ih.T) + b_ih if b_ih is not None else ops.matmul(x, w_ih.T)
    gh = ops.matmul(h, w_hh.T) + b_hh if b_hh is not None else ops.matmul(h, w_hh.T)
    r = ops.sigmoid(gx[:, :n] + gh[:, :n])
    z = ops.sigmoid(gx[:, n:2 * n] + gh[:, n:2 * n])
    candidate = ops.tanh(gx[:, 2 * n:] + r * gh[:, 2 * n:])
    return (1 - z) * candidate + z * h


def rnn_cell_composed(x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity="tanh"):
    """One Elman RNN step from elementary ops.

    >>> h = rnn_cell_composed(x_t, h, w_ih, w_hh, b_ih, b_hh)
    """
    a = _affine(x, h, w_ih, w_hh, b_ih, b_hh)
    return ops.tanh(a) if nonlinearity == "tanh" else ops.relu(a)


def run_composed(step, x, states, weights, lengths=None, reverse=False, batch_first=True, **options):
    """Run a composed cell over a sequence: returns (y, *final_states), like the fused ops.

    Past a sequence's length its state is kept (`where`) and its output is zero.

    >>> y, h_n, c_n = run_composed(lstm_cell_composed, x, (h0, c0), (w_ih, w_hh, b_ih, b_hh))
    """
    if not batch_first:
        x = x.swapaxes(0, 1)
    batch, steps = x.shape[:2]
    masks = None
    if lengths is not None:
        lengths = numpy.asarray(lengths.numpy() if isinstance(lengths, Tensor) else lengths)
        device = backend.device_of(unwrap(x))
        masks = backend.to_device((numpy.arange(steps)[:, None] < lengths)[:, :, None], device)  # (T, B, 1)
    outputs = [None] * steps
    states = tuple(states)
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        new = step(x[:, t], *states, *weights, **options)
        new = new if isinstance(new, tuple) else (new,)
        if masks is not None:
            new = tuple(ops.where(masks[t], n, s) for n, s in zip(new, states))
            outputs[t] = new[0] * masks[t].astype(x.dtype)
        else:
            outputs[t] = new[0]
        states = new
    y = ops.stack(outputs, axis=1)
    return (y if batch_first else y.swapaxes(0, 1), *states)


# ---------------------------------------------------------------- the cell types

# kind -> (gates per unit, fused sequence op, fused cell op, composed cell)
_KINDS = {
    "LSTM": (4, ops.lstm, ops.lstm_cell, lstm_cell_composed),
    "GRU": (3, ops.gru, ops.gru_cell, gru_cell_composed),
    "RNN_TANH": (1, ops.rnn, ops.rnn_cell, rnn_cell_composed),
    "RNN_RELU": (1, ops.rnn, ops.rnn_cell, rnn_cell_composed),
}


def _rnn_kind(nonlinearity):
    if nonlinearity not in ("tanh", "relu"):
        raise ArgumentError(f"nonlinearity must be 'tanh' or 'relu', not {nonlinearity!r}")
    return "RNN_" + nonlinearity.upper()


def _options(kind):
    """Extra keyword arguments of the ops for this kind (the RNN's nonlinearity)."""
    return {"nonlinearity": kind[4:].lower()} if kind.startswith("RNN") else {}


def _reset_uniform(module):
    """PyTorch's initialisation: every weight and bias ~ U(-1/√H, 1/√H)."""
    bound = 1 / math.sqrt(module.hidden_size)
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


def _zeros(x, weight_hh, batch_first=True):
    """A zero state of x's dtype and device (a constant tensor) for the composed path."""
    return Tensor(_zeros_state(x, weight_hh, batch_first))


def _set_forget_bias(bias_ih, bias_hh, hidden, value):
    """LSTM forget-gate bias: b_ih + b_hh = value on the f block (rows H..2H), so the cell starts remembering."""
    with no_grad():
        bias_ih.data[hidden:2 * hidden] = value
        if bias_hh is not None:
            bias_hh.data[hidden:2 * hidden] = 0


class _CellBase(Module):
    def __init__(self, kind, input_size, hidden_size, bias=True, fused=True, dtype=None, device=None):
        super().__init__()
        gates = _KINDS[kind][0]
        self.kind = kind
        self.input_size, self.hidden_size, self.fused = input_size, hidden_size, fused
        self.weight_ih = Parameter(zeros(gates * hidden_size, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(zeros(gates * hidden_size, hidden_size, dtype=dtype, device=device))
        self.bias_ih = Parameter(zeros(gates * hidden_size, dtype=dtype, device=device)) if bias else None
        self.bias_hh = Parameter(zeros(gates * hidden_size, dtype=dtype, device=device)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's initialisation: every weight and bias ~ U(-1/√H, 1/√H)."""
        _reset_uniform(self)

    def _weights(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def _check(self, x):
        if x.ndim != 2 or x.shape[-1] != self.input_size:
            raise ShapeError(f"{type(self).__name__}: expected input (batch, {self.input_size}), "
                             f"got shape {tuple(x.shape)}")
        check_input_dtype(self, x, self.weight_ih)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias_ih is not None else ", bias=False")


class RNNCell(_CellBase):
    """One Elman RNN step: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu).

    >>> cell = nn.RNNCell(10, 20)
    >>> h = cell(x_t, h)                        # x_t (B, 10), h (B, 20) or None (zeros)
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", fused=True, dtype=None,
                 device=None):
        super().__init__(_rnn_kind(nonlinearity), input_size, hidden_size, bias, fused, dtype, device)
        self.nonlinearity = nonlinearity

    def forward(self, x, h=None):
        self._check(x)
        if self.fused:
            return ops.rnn_cell(x, h, *self._weights(), nonlinearity=self.nonlinearity)
        h = _zeros(x, self.weight_hh) if h is None else h
        return rnn_cell_composed(x, h, *self._weights(), nonlinearity=self.nonlinearity)


class LSTMCell(_CellBase):
    """One LSTM step: returns (h', c'). `forget_bias` (e.g. 1.0) sets the forget gate's initial bias.

    >>> cell = nn.LSTMCell(10, 20, forget_bias=1.0)
    >>> h, c = cell(x_t, (h, c))                # state None means zeros
    """

    def __init__(self, input_size, hidden_size, bias=True, fused=True, forget_bias=None, dtype=None, device=None):
        super().__init__("LSTM", input_size, hidden_size, bias, fused, dtype, device)
        if forget_bias is not None and bias:
            _set_forget_bias(self.bias_ih, self.bias_hh, hidden_size, forget_bias)

    def forward(self, x, state=None):
        self._check(x)
        h, c = (None, None) if state is None else state
        if self.fused:
            return ops.lstm_cell(x, h, c, *self._weights())
        h = _zeros(x, self.weight_hh) if h is None else h
        c = _zeros(x, self.weight_hh) if c is None else c
        return lstm_cell_composed(x, h, c, *self._weights())


class GRUCell(_CellBase):
    """One GRU step (gates r, z, n; the reset gate multiplies W_hn h + b_hn).

    >>> cell = nn.GRUCell(10, 20)
    >>> h = cell(x_t, h)
    """

    def __init__(self, input_size, hidden_size, bias=True, fused=True, dtype=None, device=None):
        super().__init__("GRU", input_size, hidden_size, bias, fused, dtype, device)

    def forward(self, x, h=None):
        self._check(x)
        if self.fused:
            return ops.gru_cell(x, h, *self._weights())
        h = _zeros(x, self.weight_hh) if h is None else h
        return gru_cell_composed(x, h, *self._weights())


# ---------------------------------------------------------------- sequence layers


class _RNNBase(Module):
    """Stacked, optionally bidirectional recurrent layers over whole sequences."""

    def __init__(self, kind, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, fused=True, dtype=None, device=None):
        super().__init__()
        if not 0 <= dropout < 1:
            raise ArgumentError(f"dropout must be in [0, 1), got {dropout}")
        self.kind = kind
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.fused = bidirectional, fused
        self.num_directions = 2 if bidirectional else 1
        gates = _KINDS[kind][0] * hidden_size
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size * self.num_directions
            for suffix in self._suffixes():
                name = f"l{layer}{suffix}"
                self.register_parameter(f"weight_ih_{name}", Parameter(zeros(gates, width, dtype=dtype, device=device)))
                self.register_parameter(f"weight_hh_{name}",
                                        Parameter(zeros(gates, hidden_size, dtype=dtype, device=device)))
                if bias:
                    self.register_parameter(f"bias_ih_{name}", Parameter(zeros(gates, dtype=dtype, device=device)))
                    self.register_parameter(f"bias_hh_{name}", Parameter(zeros(gates, dtype=dtype, device=device)))
        self.reset_parameters()

    def _suffixes(self):
        return ("", "_reverse") if self.bidirectional else ("",)

    def reset_parameters(self):
        """PyTorch's initialisation: every weight and bias ~ U(-1/√H, 1/√H)."""
        _reset_uniform(self)

    def layer_weights(self, layer, direction=0):
        """(weight_ih, weight_hh, bias_ih, bias_hh) of one layer and direction (biases None without bias)."""
        name = f"l{layer}{self._suffixes()[direction]}"
        return tuple(getattr(self, f"{w}_{name}", None) for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def forward(self, x, state=None, lengths=None):
        """x (T, B, in) (or (B, T, in) with batch_first=True, (T, in) unbatched, or a PackedSequence)
        -> (output, state).

        output: (T, B, D·H), the last layer's h at every step (zero past each `lengths`);
        state: h_n (L·D, B, H) — for the LSTM (h_n, c_n) — at each sequence's last real step.
        """
        if isinstance(x, PackedSequence):
            if lengths is not None:
                raise ShapeError(f"{type(self).__name__}: a PackedSequence carries its lengths; "
                                 "do not pass lengths= too")
            padded, lengths = pad_packed_sequence(x, batch_first=self.batch_first)
            output, final = self.forward(padded, state, lengths.numpy())
            sorted_lengths, order, _ = _lengths_and_order(x)
            packed = _pack(output, sorted_lengths, order, None, self.batch_first)
            return packed._replace(sorted_indices=x.sorted_indices, unsorted_indices=x.unsorted_indices), final
        if x.ndim == 2 and x.shape[-1] == self.input_size:  # one unbatched sequence (T, in), as PyTorch
            return self._forward_unbatched(x, state, lengths)
        if x.ndim != 3 or x.shape[-1] != self.input_size:
            raise ShapeError(f"{type(self).__name__}: expected input ({'B, T' if self.batch_first else 'T, B'}, "
                             f"{self.input_size}), got shape {tuple(x.shape)}")
        check_input_dtype(self, x, self.weight_ih_l0)
        batch = x.shape[0] if self.batch_first else x.shape[1]
        states = self._initial_states(state, batch)
        has_c = self.kind == "LSTM"
        finals = [[] for _ in range(2 if has_c else 1)]
        output = x
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout and self.training:
                output = ops.dropout(output, self.dropout, training=True)
            directions = []
            for direction in range(self.num_directions):
                index = layer * self.num_directions + direction
                initial = [None if s is None else s[index] for s in states]
                y, *last = self._run(output, initial, self.layer_weights(layer, direction), lengths,
                                     reverse=direction == 1)
                directions.append(y)
                for store, value in zip(finals, last):
                    store.append(value)
            output = directions[0] if len(directions) == 1 else ops.concatenate(directions, axis=-1)
        final = tuple(ops.stack(values, axis=0) for values in finals)
        return output, (final if has_c else final[0])

    def _forward_unbatched(self, x, state, lengths):
        """(T, in) -> output (T, D·H) and h_n (L·D, H): a batch of one, time-major, then squeezed."""
        if lengths is not None:
            raise ShapeError(f"{type(self).__name__}: lengths= needs a batch, got one unbatched sequence")
        x = x.reshape(x.shape[0], 1, x.shape[1])
        if state is not None:
            states = tuple(state) if self.kind == "LSTM" else (state,)
            states = tuple(s.reshape(s.shape[0], 1, s.shape[-1]) for s in states)
            state = states if self.kind == "LSTM" else states[0]
        batch_first, self.batch_first = self.batch_first, False
        try:
            output, final = self.forward(x, state)
        finally:
            self.batch_first = batch_first
        squeeze = lambda t: t.reshape(t.shape[0], t.shape[2])  # noqa: E731
        final = tuple(squeeze(f) for f in final) if self.kind == "LSTM" else squeeze(final)
        return squeeze(output), final

    def _initial_states(self, state, batch):
        count = 2 if self.kind == "LSTM" else 1
        if state is None:
            return [None] * count
        states = tuple(state) if self.kind == "LSTM" else (state,)
        if len(states) != count:
            raise ShapeError(f"{type(self).__name__}: state must be (h_0, c_0) for an LSTM, a single h_0 otherwise")
        expected = (self.num_layers * self.num_directions, batch, self.hidden_size)
        for s in states:
            if tuple(s.shape) != expected:
                raise ShapeError(f"{type(self).__name__}: initial state has shape {tuple(s.shape)}, expected "
                                 f"{expected} (num_layers × directions, batch, hidden), also with batch_first")
        return [s if isinstance(s, Tensor) else Tensor(s) for s in states]

    def _run(self, x, initial, weights, lengths, reverse):
        _, sequence_op, _, composed_cell = _KINDS[self.kind]
        options = _options(self.kind)
        if self.fused:
            return sequence_op(x, *initial, *weights, lengths=lengths, reverse=reverse,
                               batch_first=self.batch_first, **options)
        initial = [_zeros(x, weights[1], self.batch_first) if s is None else s for s in initial]
        return run_composed(composed_cell, x, initial, weights, lengths=lengths, reverse=reverse,
                            batch_first=self.batch_first, **options)

    def extra_repr(self):
        parts = [f"{self.input_size}, {self.hidden_size}"]
        if self.num_layers != 1:
            parts.append(f"num_layers={self.num_layers}")
        if self.dropout:
            parts.append(f"dropout={self.dropout}")
        if self.bidirectional:
            parts.append("bidirectional=True")
        if self.batch_first:
            parts.append("batch_first=True")
        return ", ".join(parts)


class RNN(_RNNBase):
    """Elman RNN layers (tanh or relu) over sequences; returns (output, h_n).

    >>> rnn = nn.RNN(10, 20, num_layers=2, nonlinearity="relu")
    >>> output, h_n = rnn(x)                    # x (T, B, 10); h_n (2, B, 20)
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, fused=True, dtype=None, device=None):
        super().__init__(_rnn_kind(nonlinearity), input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, fused, dtype, device)
        self.nonlinearity = nonlinearity


class LSTM(_RNNBase):
    """LSTM layers over sequences; returns (output, (h_n, c_n)). `forget_bias` sets the forget gates' bias.

    >>> lstm = nn.LSTM(10, 20, bidirectional=True, forget_bias=1.0, batch_first=True)
    >>> output, (h_n, c_n) = lstm(x, lengths=[5, 3])    # output (B, T, 40); h_n (2, B, 20)
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, fused=True, forget_bias=None, dtype=None, device=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         fused, dtype, device)
        if forget_bias is not None and bias:
            for layer in range(num_layers):
                for direction in range(self.num_directions):
                    _, _, b_ih, b_hh = self.layer_weights(layer, direction)
                    _set_forget_bias(b_ih, b_hh, hidden_size, forget_bias)


class GRU(_RNNBase):
    """GRU layers over sequences; returns (output, h_n).

    >>> gru = nn.GRU(10, 20, num_layers=2, dropout=0.3)
    >>> output, h_n = gru(x, h_0)               # x (T, B, 10); h_0 (2, B, 20)
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, fused=True, dtype=None, device=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         fused, dtype, device)
