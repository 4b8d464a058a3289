"""The pointwise parts of the LSTM and GRU cells, fused.

One step of an LSTM is a matrix product (done by BLAS / cuBLAS) followed by a
dozen elementwise operations on the gate pre-activations. Done one NumPy call
at a time, each of those operations walks the whole array and allocates a new
one. Here they are grouped so that

- on the CPU they run in place on the arrays they are given (few allocations), and
- on a CUDA GPU each group is ONE CuPy `ElementwiseKernel`: one launch per step
  instead of ~15, with every intermediate kept in registers.

The recurrent ops (autograd/ops/recurrent.py) call these four functions and
never look at the device themselves:

    >>> act, c, tanh_c, h = lstm_pointwise_forward(gates, c_prev)   # gates: (B, 4H) in order i, f, g, o
    >>> d_gates, dc_prev = lstm_pointwise_backward(act, c_prev, tanh_c, dh, dc)

Gate orders follow PyTorch: LSTM (i, f, g, o), GRU (r, z, n).
"""
import numpy

from . import cupy, is_cupy_array


# ---------------------------------------------------------------- NumPy (CPU)


def sigmoid_(a):
    """sigmoid(a) in place, as 0.5·tanh(a/2) + 0.5: it never overflows, unlike 1/(1+e^-a)."""
    numpy.multiply(a, 0.5, out=a)
    numpy.tanh(a, out=a)
    numpy.multiply(a, 0.5, out=a)
    numpy.add(a, 0.5, out=a)
    return a


def _lstm_forward_numpy(gates, c_prev):
    hidden = c_prev.shape[-1]
    act = gates  # overwritten: pre-activations become activations
    sigmoid_(act[:, :2 * hidden])          # input and forget gates
    numpy.tanh(act[:, 2 * hidden:3 * hidden], out=act[:, 2 * hidden:3 * hidden])  # candidate g
    sigmoid_(act[:, 3 * hidden:])          # output gate
    i, f, g, o = act[:, :hidden], act[:, hidden:2 * hidden], act[:, 2 * hidden:3 * hidden], act[:, 3 * hidden:]
    c = f * c_prev
    c += i * g
    tanh_c = numpy.tanh(c)
    h = o * tanh_c
    return act, c, tanh_c, h


def _lstm_backward_numpy(act, c_prev, tanh_c, dh, dc):
    hidden = c_prev.shape[-1]
    i, f, g, o = act[:, :hidden], act[:, hidden:2 * hidden], act[:, 2 * hidden:3 * hidden], act[:, 3 * hidden:]
    # through h = o·tanh(c): dc gets dh·o·(1 - tanh²c), added to what comes from the next step
    dc_total = dh * o
    dc_total *= 1 - tanh_c * tanh_c
    dc_total += dc
    d_gates = numpy.empty_like(act)
    di, df, dg, do = (d_gates[:, :hidden], d_gates[:, hidden:2 * hidden], d_gates[:, 2 * hidden:3 * hidden],
                      d_gates[:, 3 * hidden:])
    # c = f·c_prev + i·g, then through each gate's nonlinearity: σ' = σ(1-σ), tanh' = 1 - tanh²
    numpy.multiply(dc_total, g, out=di)
    di *= i * (1 - i)
    numpy.multiply(dc_total, c_prev, out=df)
    df *= f * (1 - f)
    numpy.multiply(dc_total, i, out=dg)
    dg *= 1 - g * g
    numpy.multiply(dh, tanh_c, out=do)
    do *= o * (1 - o)
    dc_prev = dc_total * f
    return d_gates, dc_prev


def _gru_forward_numpy(gates_x, gates_h, h_prev):
    hidden = h_prev.shape[-1]
    act = gates_x  # overwritten with (r, z, n)
    act[:, :2 * hidden] += gates_h[:, :2 * hidden]
    sigmoid_(act[:, :2 * hidden])
    r, z, n = act[:, :hidden], act[:, hidden:2 * hidden], act[:, 2 * hidden:]
    n += r * gates_h[:, 2 * hidden:]       # the reset gate scales (W_hn h + b_hn)
    numpy.tanh(n, out=n)
    h = h_prev - n                          # h = (1 - z)·n + z·h_prev = n + z·(h_prev - n)
    h *= z
    h += n
    return act, h


def _gru_backward_numpy(act, hidden_n, h_prev, dh):
    hidden = h_prev.shape[-1]
    r, z, n = act[:, :hidden], act[:, hidden:2 * hidden], act[:, 2 * hidden:]
    d_gates_x = numpy.empty_like(act)
    dr, dz, dn = d_gates_x[:, :hidden], d_gates_x[:, hidden:2 * hidden], d_gates_x[:, 2 * hidden:]
    numpy.multiply(dh, 1 - z, out=dn)
    dn *= 1 - n * n                         # gradient of n's pre-activation
    numpy.multiply(dn, hidden_n, out=dr)
    dr *= r * (1 - r)
    numpy.subtract(h_prev, n, out=dz)
    dz *= dh
    dz *= z * (1 - z)
    d_gates_h = d_gates_x.copy()
    d_gates_h[:, 2 * hidden:] *= r          # (W_hn h + b_hn) enters multiplied by r
    dh_prev_direct = dh * z
    return d_gates_x, d_gates_h, dh_prev_direct


# ---------------------------------------------------------------- CuPy (GPU): one kernel per group

_KERNELS = {}


def _cuda_kernel(name):
    """Compile a kernel on first use (never at import: importing must work without a GPU)."""
    if name not in _KERNELS:
        _KERNELS[name] = cupy.ElementwiseKernel(*_KERNEL_SOURCES[name], name=f"autograd_{name}")
    return _KERNELS[name]


# Each kernel runs once per (batch row b, hidden unit j); `i` is CuPy's flat index over (B, H).
# Raw arrays are indexed by hand: gate k of row b, unit j is at b*G*H + k*H + j.
_KERNEL_SOURCES = {
    "lstm_forward": (
        "raw T gates, T c_prev, int32 H",
        "raw T act, T c, T tanh_c, T h",
        """
        const int b = i / H, j = i % H, base = b * 4 * H + j;
        const T gi = 1 / (1 + exp(-gates[base])), gf = 1 / (1 + exp(-gates[base + H]));
        const T gg = tanh(gates[base + 2 * H]),   go = 1 / (1 + exp(-gates[base + 3 * H]));
        act[base] = gi; act[base + H] = gf; act[base + 2 * H] = gg; act[base + 3 * H] = go;
        c = gf * c_prev + gi * gg;
        tanh_c = tanh(c);
        h = go * tanh_c;
        """),
    "lstm_backward": (
        "raw T act, T c_prev, T tanh_c, T dh, T dc, int32 H",
        "raw T d_gates, T dc_prev",
        """
        const int b = i / H, j = i % H, base = b * 4 * H + j;
        const T gi = act[base], gf = act[base + H], gg = act[base + 2 * H], go = act[base + 3 * H];
        const T dc_total = dc + dh * go * (1 - tanh_c * tanh_c);
        d_gates[base] = dc_total * gg * gi * (1 - gi);
        d_gates[base + H] = dc_total * c_prev * gf * (1 - gf);
        d_gates[base + 2 * H] = dc_total * gi * (1 - gg * gg);
        d_gates[base + 3 * H] = dh * tanh_c * go * (1 - go);
        dc_prev = dc_total * gf;
        """),
    "gru_forward": (
        "raw T gates_x, raw T gates_h, T h_prev, int32 H",
        "raw T act, T h",
        """
        const int b = i / H, j = i % H, base = b * 3 * H + j;
        const T r = 1 / (1 + exp(-(gates_x[base] + gates_h[base])));
        const T z = 1 / (1 + exp(-(gates_x[base + H] + gates_h[base + H])));
        const T n = tanh(gates_x[base + 2 * H] + r * gates_h[base + 2 * H]);
        act[base] = r; act[base + H] = z; act[base + 2 * H] = n;
        h = n + z * (h_prev - n);
        """),
    "gru_backward": (
        "raw T act, raw T hidden_n, T h_prev, T dh, int32 H",
        "raw T d_gates_x, raw T d_gates_h, T dh_prev_direct",
        """
        const int b = i / H, j = i % H, base = b * 3 * H + j;
        const T r = act[base], z = act[base + H], n = act[base + 2 * H];
        const T dn = dh * (1 - z) * (1 - n * n);
        const T dr = dn * hidden_n[i] * r * (1 - r);
        const T dz = dh * (h_prev - n) * z * (1 - z);
        d_gates_x[base] = dr; d_gates_x[base + H] = dz; d_gates_x[base + 2 * H] = dn;
        d_gates_h[base] = dr; d_gates_h[base + H] = dz; d_gates_h[base + 2 * H] = dn * r;
        dh_prev_direct = dh * z;
        """),
}


# ---------------------------------------------------------------- the kernels' NumPy twins
#
# The CPU stand-in for CuPy (emulation.py, AUTOGRAD_EMULATE_CUDA=1) cannot run CUDA C,
# so each kernel above has a twin here, called with the kernel's own arguments (NumPy
# values; outputs filled in place) and computing what its C source says, formula for
# formula (σ as 1/(1+e^-x), as in the kernel). Change a kernel, change its twin:
# tests/test_emulation.py checks each twin against the same step composed of autograd ops.
# `raw` arrays arrive C-contiguous (the stand-in checks), so reshaping them gives views.


def _sigmoid(a):
    with numpy.errstate(over="ignore"):  # e^-a overflows to inf for very negative a: σ is then 0, as in C
        return 1 / (1 + numpy.exp(-a))


def _twin_lstm_forward(gates, c_prev, H, act, c, tanh_c, h):
    g, a = gates.reshape(-1, 4, H), act.reshape(-1, 4, H)  # [b, k, j] is flat b*4*H + k*H + j
    a[:, 0], a[:, 1] = _sigmoid(g[:, 0]), _sigmoid(g[:, 1])
    a[:, 2], a[:, 3] = numpy.tanh(g[:, 2]), _sigmoid(g[:, 3])
    c[...] = a[:, 1] * c_prev + a[:, 0] * a[:, 2]
    tanh_c[...] = numpy.tanh(c)
    h[...] = a[:, 3] * tanh_c


def _twin_lstm_backward(act, c_prev, tanh_c, dh, dc, H, d_gates, dc_prev):
    a, d = act.reshape(-1, 4, H), d_gates.reshape(-1, 4, H)
    gi, gf, gg, go = a[:, 0], a[:, 1], a[:, 2], a[:, 3]
    dc_total = dc + dh * go * (1 - tanh_c * tanh_c)
    d[:, 0] = dc_total * gg * gi * (1 - gi)
    d[:, 1] = dc_total * c_prev * gf * (1 - gf)
    d[:, 2] = dc_total * gi * (1 - gg * gg)
    d[:, 3] = dh * tanh_c * go * (1 - go)
    dc_prev[...] = dc_total * gf


def _twin_gru_forward(gates_x, gates_h, h_prev, H, act, h):
    gx, gh, a = gates_x.reshape(-1, 3, H), gates_h.reshape(-1, 3, H), act.reshape(-1, 3, H)
    r = _sigmoid(gx[:, 0] + gh[:, 0])
    z = _sigmoid(gx[:, 1] + gh[:, 1])
    n = numpy.tanh(gx[:, 2] + r * gh[:, 2])
    a[:, 0], a[:, 1], a[:, 2] = r, z, n
    h[...] = n + z * (h_prev - n)


def _twin_gru_backward(act, hidden_n, h_prev, dh, H, d_gates_x, d_gates_h, dh_prev_direct):
    a = act.reshape(-1, 3, H)
    dx, dhh = d_gates_x.reshape(-1, 3, H), d_gates_h.reshape(-1, 3, H)
    r, z, n = a[:, 0], a[:, 1], a[:, 2]
    hn = hidden_n.reshape(-1)[:h_prev.size].reshape(h_prev.shape)  # the kernel reads hidden_n[i], i flat over (B, H)
    dn = dh * (1 - z) * (1 - n * n)
    dr = dn * hn * r * (1 - r)
    dz = dh * (h_prev - n) * z * (1 - z)
    dx[:, 0], dx[:, 1], dx[:, 2] = dr, dz, dn
    dhh[:, 0], dhh[:, 1], dhh[:, 2] = dr, dz, dn * r
    dh_prev_direct[...] = dh * z


NUMPY_TWINS = {"lstm_forward": _twin_lstm_forward, "lstm_backward": _twin_lstm_backward,
               "gru_forward": _twin_gru_forward, "gru_backward": _twin_gru_backward}


def _lstm_forward_cuda(gates, c_prev):
    hidden = c_prev.shape[-1]
    act = cupy.empty_like(gates)
    c, tanh_c, h = (cupy.empty_like(c_prev) for _ in range(3))
    _cuda_kernel("lstm_forward")(cupy.ascontiguousarray(gates), cupy.ascontiguousarray(c_prev), hidden,
                                 act, c, tanh_c, h)
    return act, c, tanh_c, h


def _lstm_backward_cuda(act, c_prev, tanh_c, dh, dc):
    hidden = c_prev.shape[-1]
    d_gates = cupy.empty_like(act)
    dc_prev = cupy.empty_like(c_prev)
    _cuda_kernel("lstm_backward")(cupy.ascontiguousarray(act), c_prev, tanh_c, dh, dc, hidden, d_gates, dc_prev)
    return d_gates, dc_prev


def _gru_forward_cuda(gates_x, gates_h, h_prev):
    hidden = h_prev.shape[-1]
    act = cupy.empty_like(gates_x)
    h = cupy.empty_like(h_prev)
    _cuda_kernel("gru_forward")(cupy.ascontiguousarray(gates_x), cupy.ascontiguousarray(gates_h), h_prev,
                                hidden, act, h)
    return act, h


def _gru_backward_cuda(act, hidden_n, h_prev, dh):
    hidden = h_prev.shape[-1]
    d_gates_x, d_gates_h = cupy.empty_like(act), cupy.empty_like(act)
    dh_prev_direct = cupy.empty_like(h_prev)
    _cuda_kernel("gru_backward")(cupy.ascontiguousarray(act), cupy.ascontiguousarray(hidden_n), h_prev, dh,
                                 hidden, d_gates_x, d_gates_h, dh_prev_direct)
    return d_gates_x, d_gates_h, dh_prev_direct


# ---------------------------------------------------------------- the four entry points


def lstm_pointwise_forward(gates, c_prev):
    """LSTM cell after its matrix products: gates (B, 4H) pre-activations i, f, g, o; c_prev (B, H).

    Returns (act, c, tanh_c, h): the gate activations (B, 4H) — on the CPU `gates`
    itself, overwritten — the new cell state, its tanh (kept for backward) and h.
    """
    if is_cupy_array(gates):
        return _lstm_forward_cuda(gates, c_prev)
    return _lstm_forward_numpy(gates, c_prev)


def lstm_pointwise_backward(act, c_prev, tanh_c, dh, dc):
    """Gradients of the LSTM pointwise part: returns (d_gates (B, 4H), dc_prev (B, H)).

    `dh`, `dc` are the gradients reaching h and c of this step.
    """
    if is_cupy_array(act):
        return _lstm_backward_cuda(act, c_prev, tanh_c, dh, dc)
    return _lstm_backward_numpy(act, c_prev, tanh_c, dh, dc)


def gru_pointwise_forward(gates_x, gates_h, h_prev):
    """GRU cell after its matrix products: gates_x = W_ih x + b_ih and gates_h = W_hh h + b_hh, (B, 3H) each.

    Returns (act, h): activations r, z, n (B, 3H) — on the CPU `gates_x` overwritten — and the new h.
    """
    if is_cupy_array(gates_x):
        return _gru_forward_cuda(gates_x, gates_h, h_prev)
    return _gru_forward_numpy(gates_x, gates_h, h_prev)


def gru_pointwise_backward(act, hidden_n, h_prev, dh):
    """Gradients of the GRU pointwise part, given `hidden_n` = W_hn h + b_hn of the step.

    Returns (d_gates_x, d_gates_h, dh_prev_direct): the gradients of both
    projections (they differ in the n block, which r multiplies on the hidden
    side) and the part of dh_prev that flows through z·h_prev.
    """
    if is_cupy_array(act):
        return _gru_backward_cuda(act, hidden_n, h_prev, dh)
    return _gru_backward_numpy(act, hidden_n, h_prev, dh)
