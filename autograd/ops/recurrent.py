"""Fused recurrent ops: a whole RNN / LSTM / GRU layer over a sequence is ONE graph node.

Written with elementary ops, an LSTM over 35 time steps records ~700 nodes,
each with its own Python overhead and saved buffers. Here the forward loop
runs on raw arrays and `backward` is backpropagation through time written by
hand:

    forward:   pre = x W_ihᵀ + b         one matrix product for all time steps
               for t: gates = pre_t + h W_hhᵀ;  h, c = pointwise(gates, c)
    backward:  for t backwards: d_gates_t = pointwise'(...);  dh = d_gates_t W_hh
               dW_hh = Σ_t d_gates_tᵀ h_{t-1},  dW_ih = d_preᵀ x,  dx = d_pre W_ih

The pointwise parts live in `backend/kernels.py` (in-place NumPy on the CPU,
one CUDA kernel per step on the GPU). Equations, gate orders and weight
shapes follow PyTorch (LSTM i,f,g,o; GRU r,z,n; `weight_ih` (G·H, in)).

Variable lengths: with `lengths`, steps past a sequence's end leave its state
unchanged and output zeros, so its final state is the one at its last real
step. `reverse=True` runs from the last step to the first; with lengths, each
sequence then starts at its own last real step (what a bidirectional layer needs).

    >>> y, h_n, c_n = autograd.lstm(x, h0, c0, w_ih, w_hh, b_ih, b_hh)       # x: (B, T, in)
    >>> h1, c1 = autograd.lstm_cell(x_t, h0, c0, w_ih, w_hh, b_ih, b_hh)      # one step

These fused ops are not twice differentiable; `autograd.nn` layers built with
`fused=False` compose elementary ops instead (and agree with these to rounding).
"""
import numpy

from .. import backend
from ..backend import kernels
from ..errors import ArgumentError, DTypeError, ShapeError
from ..graph import Function, once_differentiable
from .registry import declare, Sample, ErrorInput
from ..tensor import unwrap

__all__ = ["lstm", "gru", "rnn", "lstm_cell", "gru_cell", "rnn_cell"]


class Recurrence(Function):
    """One recurrent layer over a whole sequence, with backpropagation through time by hand.

    Inputs: x, weight_ih, weight_hh, bias_ih, bias_hh, h0 (and c0 for the LSTM).
    Outputs: y (every step's h), h_n (and c_n). Subclasses define one step
    forward (`step`) and backward (`step_back`); this class does the rest.
    """

    gate_count = 1
    has_cell_state = False

    def __init__(self, lengths=None, reverse=False, batch_first=True):
        self.lengths = lengths
        self.reverse = reverse
        self.batch_first = batch_first

    # ---------------------------------------------------------------- forward
    def forward(self, x, w_ih, w_hh, b_ih, b_hh, h0, c0=None):
        xp = self.xp
        if self.batch_first:
            x = x.swapaxes(0, 1)  # inside, time comes first: each step's arrays are contiguous
        steps, batch, features = x.shape
        hidden = w_hh.shape[1]
        self._check_shapes(x, w_ih, w_hh, b_ih, b_hh, h0, c0, hidden)
        dtype = x.dtype

        x_flat = x.reshape(steps * batch, features)
        pre = (x_flat @ w_ih.T).reshape(steps, batch, self.gate_count * hidden)  # all steps at once
        if b_ih is not None:
            pre += b_ih
        if b_hh is not None and self.fold_hidden_bias:
            pre += b_hh  # LSTM and plain RNN simply add both biases

        # h_states[k] is the state between steps: forward, step t goes k=t -> t+1; reverse, k=t+1 -> t.
        h_states = xp.empty((steps + 1, batch, hidden), dtype=dtype)
        first = steps if self.reverse else 0
        h_states[first] = h0
        self.c_states = None
        if self.has_cell_state:
            self.c_states = xp.empty((steps + 1, batch, hidden), dtype=dtype)
            self.c_states[first] = c0
        self.masks = self._masks(xp, steps, batch, dtype)
        self.start_step(xp, steps, batch, hidden, dtype)

        for t in self._order(steps):
            before, after = (t + 1, t) if self.reverse else (t, t + 1)
            self.step(t, pre[t], h_states, before, after, w_hh, b_hh)
            if self.masks is not None:  # past its end, a sequence keeps its state
                keep = self.masks[t] == 0
                h_states[after] = xp.where(keep, h_states[before], h_states[after])
                if self.has_cell_state:
                    self.c_states[after] = xp.where(keep, self.c_states[before], self.c_states[after])

        y = h_states[:steps] if self.reverse else h_states[1:]
        if self.masks is not None:
            y = y * self.masks  # zero output at padded steps
        last = 0 if self.reverse else steps
        self.h_states = h_states
        self.save_for_backward(x_flat, w_ih, w_hh, b_ih, b_hh)
        outputs = (y.swapaxes(0, 1) if self.batch_first else y, h_states[last].copy())
        if self.has_cell_state:
            outputs += (self.c_states[last].copy(),)
        return outputs

    def release(self):
        """Free the per-step buffers with the saved inputs once backward has run."""
        self.h_states = self.c_states = self.masks = None
        self.acts = self.tanh_cs = self.hidden_ns = self.outs = None
        super().release()

    def _order(self, steps):
        return range(steps - 1, -1, -1) if self.reverse else range(steps)

    def _masks(self, xp, steps, batch, dtype):
        """(T, B, 1): 1 where step t is inside sequence b, 0 past its end; None without lengths."""
        if self.lengths is None:
            return None
        lengths = unwrap(self.lengths)  # a Tensor
        lengths = xp.asarray(lengths)
        if lengths.shape != (batch,):
            raise ShapeError(f"{self.name}: lengths has shape {tuple(lengths.shape)}, expected ({batch},)")
        if lengths.dtype.kind not in "iu":  # 1.5 steps would silently count as 1 or 2
            raise DTypeError(f"{self.name}: lengths must be integers, got {lengths.dtype}")
        if int(lengths.max()) > steps or int(lengths.min()) < 0:
            raise ShapeError(f"{self.name}: lengths must lie in [0, {steps}] for a sequence of {steps} steps")
        return (xp.arange(steps)[:, None] < lengths[None, :]).astype(dtype)[:, :, None]

    def _check_shapes(self, x, w_ih, w_hh, b_ih, b_hh, h0, c0, hidden):
        steps, batch, features = x.shape
        gates = self.gate_count * hidden
        expected = {"weight_ih": (w_ih, (gates, features)), "weight_hh": (w_hh, (gates, hidden)),
                    "bias_ih": (b_ih, (gates,)), "bias_hh": (b_hh, (gates,)), "h0": (h0, (batch, hidden)),
                    "c0": (c0, (batch, hidden))}
        for name, (array, shape) in expected.items():
            if array is not None and tuple(array.shape) != shape:
                raise ShapeError(f"{self.name}: {name} has shape {tuple(array.shape)}, expected {shape} "
                                 f"(input of shape {tuple(x.shape)} time-major, hidden size {hidden})")

    # ---------------------------------------------------------------- backward
    @once_differentiable
    def backward(self, dy, dh_n, dc_n=None):
        x_flat, w_ih, w_hh, b_ih, b_hh = self.saved_tensors
        xp = self.xp
        steps = self.h_states.shape[0] - 1
        batch, hidden = dh_n.shape
        if self.batch_first:
            dy = dy.swapaxes(0, 1)
        if self.masks is not None:
            dy = dy * self.masks

        d_pre = xp.empty((steps, batch, self.gate_count * hidden), dtype=dy.dtype)
        d_hidden = d_pre if self.same_gate_grads else xp.empty_like(d_pre)  # grad of h W_hhᵀ + b_hh
        dh = dh_n.copy()
        dc = dc_n.copy() if self.has_cell_state else None
        for t in reversed(self._order(steps)):
            before, after = (t + 1, t) if self.reverse else (t, t + 1)
            dh += dy[t]
            if self.masks is None:
                dh, dc = self.step_back(t, dh, dc, before, after, w_hh, d_pre, d_hidden)
            else:  # padded rows: the gradient passes straight to the previous state
                m = self.masks[t]
                dh_cell, dc_cell = dh * m, (dc * m if dc is not None else None)
                dh_prev, dc_prev = self.step_back(t, dh_cell, dc_cell, before, after, w_hh, d_pre, d_hidden)
                dh = dh_prev + dh * (1 - m)
                dc = dc_prev + dc * (1 - m) if dc is not None else None

        need = self.needs_input_grad
        gates = self.gate_count * hidden
        d_pre_flat = d_pre.reshape(steps * batch, gates)
        d_hidden_flat = d_hidden.reshape(steps * batch, gates)
        h_prev = self.h_states[1:] if self.reverse else self.h_states[:steps]
        dx = dw_ih = dw_hh = db_ih = db_hh = None
        if need[0]:
            dx = (d_pre_flat @ w_ih).reshape(steps, batch, -1)
            dx = dx.swapaxes(0, 1) if self.batch_first else dx
        if need[1]:
            dw_ih = d_pre_flat.T @ x_flat
        if need[2]:
            dw_hh = d_hidden_flat.T @ h_prev.reshape(steps * batch, hidden)
        if need[3]:
            db_ih = d_pre_flat.sum(axis=0)
        if need[4]:
            # LSTM / RNN: d_hidden is d_pre, so the second reduction would repeat the first
            db_hh = db_ih.copy() if (self.same_gate_grads and db_ih is not None) else d_hidden_flat.sum(axis=0)
        grads = (dx, dw_ih, dw_hh, db_ih, db_hh, dh if need[5] else None)
        if self.has_cell_state:
            grads += (dc if need[6] else None,)
        return grads


class LSTMRecurrence(Recurrence):
    """LSTM: i,f,g,o = σ,σ,tanh,σ(W_ih x + b_ih + W_hh h + b_hh);  c' = f c + i g;  h' = o tanh(c')."""

    gate_count = 4
    has_cell_state = True
    fold_hidden_bias = True
    same_gate_grads = True

    @property
    def name(self):
        return "LSTM"

    def start_step(self, xp, steps, batch, hidden, dtype):
        self.acts = xp.empty((steps, batch, 4 * hidden), dtype=dtype)
        self.tanh_cs = xp.empty((steps, batch, hidden), dtype=dtype)

    def step(self, t, pre_t, h_states, before, after, w_hh, b_hh):
        gates = self.acts[t]
        self.xp.matmul(h_states[before], w_hh.T, out=gates)
        gates += pre_t
        act, c, tanh_c, h = kernels.lstm_pointwise_forward(gates, self.c_states[before])
        if act is not gates:  # the GPU kernel writes a new array
            gates[...] = act
        self.c_states[after] = c
        self.tanh_cs[t] = tanh_c
        h_states[after] = h

    formula = ("i, f, g, o = σ, σ, tanh, σ(W_ih x + W_hh h + b)\n"
               "c' = f·c + i·g,   h' = o·tanh(c')\n"
               "backward: these steps in reverse (BPTT)")

    def step_back(self, t, dh, dc, before, after, w_hh, d_pre, d_hidden):
        d_gates, dc_prev = kernels.lstm_pointwise_backward(self.acts[t], self.c_states[before], self.tanh_cs[t],
                                                           dh, dc)
        d_pre[t] = d_gates
        return d_gates @ w_hh, dc_prev


class GRURecurrence(Recurrence):
    """GRU: r,z = σ(W_i x + b_i + W_h h + b_h);  n = tanh(W_in x + b_in + r (W_hn h + b_hn));  h' = (1-z) n + z h."""

    gate_count = 3
    fold_hidden_bias = False  # b_hn sits inside r·(...)
    same_gate_grads = False

    @property
    def name(self):
        return "GRU"

    def start_step(self, xp, steps, batch, hidden, dtype):
        self.acts = xp.empty((steps, batch, 3 * hidden), dtype=dtype)
        self.hidden_ns = xp.empty((steps, batch, hidden), dtype=dtype)

    def step(self, t, pre_t, h_states, before, after, w_hh, b_hh):
        hidden = w_hh.shape[1]
        gates_h = h_states[before] @ w_hh.T
        if b_hh is not None:
            gates_h += b_hh
        gates_x = self.acts[t]
        gates_x[...] = pre_t
        act, h = kernels.gru_pointwise_forward(gates_x, gates_h, h_states[before])
        if act is not gates_x:
            gates_x[...] = act
        self.hidden_ns[t] = gates_h[:, 2 * hidden:]
        h_states[after] = h

    formula = ("r, z = σ(W_ir x + W_hr h + b_r),  σ(W_iz x + W_hz h + b_z)\n"
               "n = tanh(W_in x + b_in + r·(W_hn h + b_hn))\n"
               "h' = (1 − z)·n + z·h,   backward: BPTT")

    def step_back(self, t, dh, dc, before, after, w_hh, d_pre, d_hidden):
        d_gates_x, d_gates_h, dh_direct = kernels.gru_pointwise_backward(self.acts[t], self.hidden_ns[t],
                                                                        self.h_states[before], dh)
        d_pre[t] = d_gates_x
        d_hidden[t] = d_gates_h
        return dh_direct + d_gates_h @ w_hh, None


class RNNRecurrence(Recurrence):
    """Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu)."""

    gate_count = 1
    fold_hidden_bias = True
    same_gate_grads = True

    def __init__(self, lengths=None, reverse=False, batch_first=True, nonlinearity="tanh"):
        super().__init__(lengths, reverse, batch_first)
        if nonlinearity not in ("tanh", "relu"):
            raise ArgumentError(f"rnn: nonlinearity must be 'tanh' or 'relu', not {nonlinearity!r}")
        self.nonlinearity = nonlinearity

    @property
    def name(self):
        return "RNN"

    def start_step(self, xp, steps, batch, hidden, dtype):
        self.outs = xp.empty((steps, batch, hidden), dtype=dtype)  # the cell's own output (before masking)

    def step(self, t, pre_t, h_states, before, after, w_hh, b_hh):
        xp = self.xp
        out = self.outs[t]
        xp.matmul(h_states[before], w_hh.T, out=out)
        out += pre_t
        if self.nonlinearity == "tanh":
            xp.tanh(out, out=out)
        else:
            xp.maximum(out, 0, out=out)
        h_states[after] = out

    formula = ("h' = tanh(W_ih x + W_hh h + b)  (or relu)\n"
               "∂h'/∂pre = 1 − h'²  (relu: [h' > 0]),   backward: BPTT")

    def step_back(self, t, dh, dc, before, after, w_hh, d_pre, d_hidden):
        out = self.outs[t]
        d = d_pre[t]
        if self.nonlinearity == "tanh":
            d[...] = dh * (1 - out * out)
        else:
            d[...] = dh * (out > 0)
        return d @ w_hh, None


# ---------------------------------------------------------------- one step = a sequence of length 1


class Cell(Function):
    """One time step of a recurrent cell as one node: a `Recurrence` over a length-1 sequence."""

    def __init__(self, recurrence):
        self.recurrence = recurrence
        recurrence.inputs = ()   # it runs inside this node, never as a node of its own: it has no inputs

    @property
    def name(self):
        return self.recurrence.name + "Cell"

    @property
    def formula(self):  # the equations of the recurrence it runs for one step
        return self.recurrence.formula

    def forward(self, x, *args):
        if x.ndim != 2:
            raise ShapeError(f"{self.name}: the input must be (batch, features), got shape {tuple(x.shape)}")
        self.recurrence.xp = self.xp
        outputs = self.recurrence.forward(x[:, None, :], *args)
        return outputs[1:] if self.recurrence.has_cell_state else outputs[1]  # the state(s) after the step

    def release(self):
        self.recurrence.release()
        super().release()

    @once_differentiable
    def backward(self, dh, dc=None):
        inner = self.recurrence
        inner.xp = self.xp
        inner.needs_input_grad = self.needs_input_grad
        inner._create_graph = self._create_graph
        dy = self.xp.zeros((dh.shape[0], 1, dh.shape[1]), dtype=dh.dtype)
        grads = inner.backward(dy, dh, dc) if inner.has_cell_state else inner.backward(dy, dh)
        if grads[0] is not None:
            grads = (grads[0][:, 0, :],) + grads[1:]
        return grads


# ---------------------------------------------------------------- public functions


def _zeros_state(x, weight_hh, batch_first):
    """A zero initial state when none is given (a constant array of x's dtype and device)."""
    data = unwrap(x)
    batch = data.shape[0] if (batch_first or data.ndim == 2) else data.shape[1]
    return backend.get_array_module(data).zeros((batch, weight_hh.shape[1]), dtype=data.dtype)


def lstm(x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, lengths=None, reverse=False,
         batch_first=True):
    """One LSTM layer over a sequence, as one node: returns (y, h_n, c_n).

    >>> y, h_n, c_n = lstm(x, None, None, w_ih, w_hh, b_ih, b_hh)   # x (B, T, in) -> y (B, T, H)
    >>> y, h_n, c_n = lstm(x, h0, c0, w_ih, w_hh, lengths=[5, 3])   # padded batch
    """
    h0 = _zeros_state(x, weight_hh, batch_first) if h0 is None else h0
    c0 = _zeros_state(x, weight_hh, batch_first) if c0 is None else c0
    return LSTMRecurrence(lengths, reverse, batch_first)(x, weight_ih, weight_hh, bias_ih, bias_hh, h0, c0)


def gru(x, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, lengths=None, reverse=False, batch_first=True):
    """One GRU layer over a sequence, as one node: returns (y, h_n).

    >>> y, h_n = gru(x, None, w_ih, w_hh, b_ih, b_hh)               # w_ih (3H, in), gates r, z, n
    """
    h0 = _zeros_state(x, weight_hh, batch_first) if h0 is None else h0
    return GRURecurrence(lengths, reverse, batch_first)(x, weight_ih, weight_hh, bias_ih, bias_hh, h0)


def rnn(x, h0, weight_ih, weight_hh, bias_ih=None, bias_hh=None, nonlinearity="tanh", lengths=None,
        reverse=False, batch_first=True):
    """One Elman RNN layer (tanh or relu) over a sequence, as one node: returns (y, h_n).

    >>> y, h_n = rnn(x, None, w_ih, w_hh, b_ih, b_hh, nonlinearity="relu")
    """
    h0 = _zeros_state(x, weight_hh, batch_first) if h0 is None else h0
    return RNNRecurrence(lengths, reverse, batch_first, nonlinearity)(x, weight_ih, weight_hh, bias_ih, bias_hh, h0)


def lstm_cell(x, h, c, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """One LSTM step, one node: x (B, in), h and c (B, H) -> (h', c').

    >>> h, c = lstm_cell(x_t, h, c, w_ih, w_hh, b_ih, b_hh)
    """
    h = _zeros_state(x, weight_hh, True) if h is None else h
    c = _zeros_state(x, weight_hh, True) if c is None else c
    return Cell(LSTMRecurrence())(x, weight_ih, weight_hh, bias_ih, bias_hh, h, c)


def gru_cell(x, h, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """One GRU step, one node: x (B, in), h (B, H) -> h'.

    >>> h = gru_cell(x_t, h, w_ih, w_hh, b_ih, b_hh)
    """
    h = _zeros_state(x, weight_hh, True) if h is None else h
    return Cell(GRURecurrence())(x, weight_ih, weight_hh, bias_ih, bias_hh, h)


def rnn_cell(x, h, weight_ih, weight_hh, bias_ih=None, bias_hh=None, nonlinearity="tanh"):
    """One Elman RNN step, one node: h' = tanh(W_ih x + b_ih + W_hh h + b_hh).

    >>> h = rnn_cell(x_t, h, w_ih, w_hh, b_ih, b_hh)
    """
    h = _zeros_state(x, weight_hh, True) if h is None else h
    return Cell(RNNRecurrence(nonlinearity=nonlinearity))(x, weight_ih, weight_hh, bias_ih, bias_hh, h)


# ---------------------------------------------------------------- independent NumPy references (for the tests)


def _sigmoid(a):
    return 1 / (1 + numpy.exp(-a))


def reference_lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """PyTorch's LSTM equations, written out plainly."""
    i, f, g, o = numpy.split(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 4, axis=-1)
    c = _sigmoid(f) * c + _sigmoid(i) * numpy.tanh(g)
    return _sigmoid(o) * numpy.tanh(c), c


def reference_gru_step(x, h, w_ih, w_hh, b_ih, b_hh):
    xr, xz, xn = numpy.split(x @ w_ih.T + b_ih, 3, axis=-1)
    hr, hz, hn = numpy.split(h @ w_hh.T + b_hh, 3, axis=-1)
    r, z = _sigmoid(xr + hr), _sigmoid(xz + hz)
    n = numpy.tanh(xn + r * hn)
    return (1 - z) * n + z * h


def reference_rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh"):
    a = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    return numpy.tanh(a) if nonlinearity == "tanh" else numpy.maximum(a, 0)


def reference_sequence(step, x, states, *weights, lengths=None, reverse=False, **options):
    """Run `step` over (B, T, in) one sequence at a time, honouring lengths and direction."""
    batch, steps = x.shape[:2]
    lengths = [steps] * batch if lengths is None else list(lengths)
    hidden = states[0].shape[-1]
    y = numpy.zeros((batch, steps, hidden))
    finals = [numpy.array(s, dtype=float) for s in states]
    for b in range(batch):
        state = [s[b:b + 1] for s in states]
        order = range(lengths[b] - 1, -1, -1) if reverse else range(lengths[b])
        for t in order:
            out = step(x[b:b + 1, t], *state, *weights, **options)
            state = list(out) if isinstance(out, tuple) else [out]
            y[b, t] = state[0][0]
        for final, s in zip(finals, state):
            final[b] = s[0]
    return (y, *finals)


# ---------------------------------------------------------------- declarations


def _weights(rng, gates, features, hidden):
    return [rng.uniform(-0.6, 0.6, size=s) for s in [(gates * hidden, features), (gates * hidden, hidden),
                                                     (gates * hidden,), (gates * hidden,)]]


def _lstm_samples(rng):
    x, h, c = rng.uniform(-1, 1, (2, 3, 3)), rng.uniform(-1, 1, (2, 2)), rng.uniform(-1, 1, (2, 2))
    w = _weights(rng, 4, 3, 2)
    return [Sample((x, h, c, *w)), Sample((x, h, c, *w), {"reverse": True}, "reverse"),
            Sample((x, h, c, *w), {"lengths": numpy.array([3, 2])}, "lengths"),
            Sample((x, h, c, *w), {"lengths": numpy.array([1, 3]), "reverse": True}, "lengths reverse"),
            Sample((x, rng.uniform(-1, 1, (3, 2)), rng.uniform(-1, 1, (3, 2)), *w), {"batch_first": False},
                   "time-major: 2 steps of batch 3")]


def _gru_samples(rng):
    x, h = rng.uniform(-1, 1, (2, 3, 3)), rng.uniform(-1, 1, (2, 2))
    w = _weights(rng, 3, 3, 2)
    return [Sample((x, h, *w)), Sample((x, h, *w), {"reverse": True}, "reverse"),
            Sample((x, h, *w), {"lengths": numpy.array([2, 3])}, "lengths")]


def _rnn_samples(rng):
    x, h = rng.uniform(-1, 1, (2, 3, 3)), rng.uniform(-1, 1, (2, 2))
    w = _weights(rng, 1, 3, 2)
    return [Sample((x, h, *w)), Sample((x, h, *w), {"nonlinearity": "relu"}, "relu"),
            Sample((x, h, *w), {"lengths": numpy.array([3, 1]), "reverse": True}, "lengths reverse")]


def _time_major(reference):
    def wrapped(x, *args, batch_first=True, **options):
        if batch_first:
            return reference(x, *args, **options)
        y, *finals = reference(x.swapaxes(0, 1), *args, **options)
        return (y.swapaxes(0, 1), *finals)
    return wrapped


def _ref_lstm(x, h, c, *w, lengths=None, reverse=False):
    return reference_sequence(reference_lstm_step, x, (h, c), *w, lengths=lengths, reverse=reverse)


def _ref_gru(x, h, *w, lengths=None, reverse=False):
    return reference_sequence(reference_gru_step, x, (h,), *w, lengths=lengths, reverse=reverse)


def _ref_rnn(x, h, *w, nonlinearity="tanh", lengths=None, reverse=False):
    return reference_sequence(reference_rnn_step, x, (h,), *w, lengths=lengths, reverse=reverse,
                              nonlinearity=nonlinearity)


def _cell_samples(gates, with_c):
    def samples(rng):
        x, h = rng.uniform(-1, 1, (3, 2)), rng.uniform(-1, 1, (3, 2))
        states = (h, rng.uniform(-1, 1, (3, 2))) if with_c else (h,)
        return [Sample((x, *states, *_weights(rng, gates, 2, 2)))]
    return samples


def _recurrent_errors(samples, sequence, nonlinearity=False):
    """Bad calls of a recurrent op, derived from its first sample: a wrong input width, a wrong
    state shape, and (for whole sequences) lengths that do not fit, or are not integers."""
    def error_inputs(rng):
        x, h, *rest = samples(rng)[0].args
        wide = numpy.concatenate([x, x[..., :1]], axis=-1)
        cases = [ErrorInput(Sample((wide, h, *rest), {}, "input one feature too wide"), ShapeError,
                            "weight_ih has shape"),
                 ErrorInput(Sample((x, h[:, :1], *rest), {}, "state too narrow"), ShapeError, "h0 has shape")]
        if sequence:
            batch = x.shape[0]
            cases += [ErrorInput(Sample((x, h, *rest), {"lengths": numpy.full(batch, x.shape[1] + 1)}), ShapeError,
                                 "lengths must lie in"),
                      ErrorInput(Sample((x, h, *rest), {"lengths": numpy.ones(batch + 1, dtype=numpy.int64)}),
                                 ShapeError, "lengths has shape"),
                      ErrorInput(Sample((x, h, *rest), {"lengths": numpy.full(batch, 1.5)}), DTypeError,
                                 "lengths must be integers")]
        if nonlinearity:
            cases.append(ErrorInput(Sample((x, h, *rest), {"nonlinearity": "sigmoid"}), ArgumentError,
                                    "nonlinearity must be 'tanh' or 'relu'"))
        return cases

    return error_inputs


declare("lstm", lstm, _time_major(_ref_lstm), _lstm_samples, twice_differentiable=False,
        error_inputs=_recurrent_errors(_lstm_samples, True))
declare("gru", gru, _time_major(_ref_gru), _gru_samples, twice_differentiable=False,
        error_inputs=_recurrent_errors(_gru_samples, True))
declare("rnn", rnn, _time_major(_ref_rnn), _rnn_samples, twice_differentiable=False,
        error_inputs=_recurrent_errors(_rnn_samples, True, nonlinearity=True))
declare("lstm_cell", lstm_cell, reference_lstm_step, _cell_samples(4, True), twice_differentiable=False,
        error_inputs=_recurrent_errors(_cell_samples(4, True), False))
declare("gru_cell", gru_cell, reference_gru_step, _cell_samples(3, False), twice_differentiable=False,
        error_inputs=_recurrent_errors(_cell_samples(3, False), False))
declare("rnn_cell", rnn_cell, reference_rnn_step,
        lambda rng: _cell_samples(1, False)(rng) + [Sample(_cell_samples(1, False)(rng)[0].args,
                                                           {"nonlinearity": "relu"}, "relu")],
        twice_differentiable=False,
        error_inputs=_recurrent_errors(_cell_samples(1, False), False, nonlinearity=True))
