"""The CPU stand-in for CuPy (autograd/backend/emulation.py) and the fused kernels' NumPy twins.

The stand-in is only worth something if it is as strict as CuPy where CuPy
differs from NumPy, so those refusals are tested here, on the module itself
(no environment variable needed). The twins are checked against the same cell
step composed of autograd ops, forward and backward (autodiff).
"""
import inspect

import numpy
import pytest

import autograd
from autograd.backend import emulation, kernels

cp, cupyx = emulation.cupy, emulation.cupyx


def device_array(*shape, seed=0):
    return cp.asarray(numpy.random.default_rng(seed).normal(size=shape))


# ---------------------------------------------------------------- strict where CuPy is strict


def test_device_arrays_are_their_own_type():
    x = device_array(2, 3)
    assert type(x) is cp.ndarray and not isinstance(x, numpy.ndarray)
    assert (x.shape, x.dtype, x.ndim, x.size) == ((2, 3), numpy.float64, 2, 6)


def test_implicit_conversion_to_numpy_raises():
    x = device_array(3)
    for convert in (numpy.asarray, numpy.array, lambda a: numpy.testing.assert_allclose(a, 0)):
        with pytest.raises(TypeError, match="Implicit conversion to a NumPy array"):
            convert(x)


def test_the_explicit_ways_to_the_host():
    host = numpy.arange(3.0)
    x = cp.asarray(host)
    host[0] = 7.0  # the device copy is not a view of host memory
    for back in (x.get(), cp.asnumpy(x)):
        assert type(back) is numpy.ndarray
        numpy.testing.assert_array_equal(back, [0.0, 1.0, 2.0])
    assert float(x.sum()) == 3.0 and x[2].item() == 2.0 and int(x[1]) == 1 and bool(x[1])
    assert x.tolist() == [0.0, 1.0, 2.0] and f"{x[1]:.1f}" == "1.0"


def test_reductions_and_indexing_give_0d_arrays_not_numpy_scalars():
    x = device_array(2, 3)
    for result in (x.sum(), x.max(), x.mean(), x[0, 1], x[1][2], cp.sum(x), numpy.sum(x), cp.exp(x[0, 0])):
        assert type(result) is cp.ndarray and result.shape == ()


def test_mixing_with_numpy_arrays_raises_but_scalars_are_fine():
    x, host = device_array(3), numpy.ones(3)
    for mix in (lambda: x + host, lambda: host * x, lambda: cp.maximum(x, host), lambda: x @ host,
                lambda: cp.concatenate([x, host]), lambda: numpy.add(host, x), lambda: cp.where(host > 0, x, x),
                lambda: x[numpy.array([0, 1])]):
        with pytest.raises(TypeError, match="Unsupported type"):
            mix()
    assert type(x * 2.0 + numpy.float32(1)) is cp.ndarray


def test_no_ufunc_at_use_scatter_add():
    out, rows = cp.zeros(3), cp.asarray(numpy.array([0, 2, 0]))
    with pytest.raises(TypeError, match="scatter_add"):
        numpy.add.at(out, rows, 1.0)
    assert not hasattr(cp.add, "at")
    cupyx.scatter_add(out, rows, cp.asarray(numpy.array([1.0, 2.0, 3.0])))
    numpy.testing.assert_array_equal(out.get(), [4.0, 0.0, 2.0])


def test_names_cupy_lacks_are_missing_with_a_message():
    for name in ("errstate", "seterr", "vectorize"):
        with pytest.raises(AttributeError, match=f"no cupy.{name}"):
            getattr(cp, name)


def test_numpy_functions_on_device_arrays_run_on_the_device_as_in_cupy():
    x = device_array(2, 2)
    assert type(numpy.exp(x)) is cp.ndarray and type(numpy.concatenate([x, x])) is cp.ndarray
    out = cp.empty_like(x)
    assert numpy.multiply(x, 2.0, out=out) is out and cp.multiply(x, 2.0, out=out) is out
    y = x.copy()
    y += 1.0
    numpy.testing.assert_allclose(y.get(), x.get() + 1.0)
    view = y[:, :1]
    view *= 0.0  # views write through, as on the device
    assert float(abs(y[:, 0]).sum()) == 0.0


def test_random_draws_on_the_device_with_dtype():
    cp.random.seed(0)
    a = cp.random.random((2, 3), dtype=numpy.float32)
    cp.random.seed(0)
    b = cp.random.random((2, 3), dtype=numpy.float32)
    assert type(a) is cp.ndarray and a.dtype == numpy.float32
    numpy.testing.assert_array_equal(a.get(), b.get())


def test_launches_are_counted_but_views_and_allocations_are_not():
    x = device_array(4, 2)
    before = emulation.launches()
    with emulation.trace() as names:
        ((x * 2.0) + x).sum()
        x[1:].reshape(-1).T, cp.empty_like(x), cp.ascontiguousarray(x)
        x[[0, 1]]
    assert names == ["multiply", "add", "sum", "getitem"]
    assert emulation.launches() - before == 4


# ---------------------------------------------------------------- the emulated ElementwiseKernel


def lstm_kernel():
    return cp.ElementwiseKernel(*kernels._KERNEL_SOURCES["lstm_forward"], name="autograd_lstm_forward")


def test_every_kernel_has_a_twin_with_the_kernel_parameters_in_order():
    assert sorted(kernels.NUMPY_TWINS) == sorted(kernels._KERNEL_SOURCES)
    for name, (in_params, out_params, _source) in kernels._KERNEL_SOURCES.items():
        names = [p.split()[-1] for p in (in_params + "," + out_params).split(",")]
        assert list(inspect.signature(kernels.NUMPY_TWINS[name]).parameters) == names, name


def test_the_emulated_kernel_checks_arguments_like_cuda():
    gates, c = device_array(2, 8), device_array(2, 2)
    outputs = [cp.empty_like(c) for _ in range(3)]
    act = cp.empty_like(gates)
    lstm_kernel()(gates, c, 2, act, *outputs)  # fine
    with pytest.raises(ValueError, match="raw argument gates must be C-contiguous"):
        lstm_kernel()(device_array(8, 2).T, c, 2, act, *outputs)
    with pytest.raises(TypeError, match="type T is mismatched"):
        lstm_kernel()(gates.astype(numpy.float32), c, 2, act, *outputs)
    with pytest.raises(TypeError, match="NumPy array"):
        lstm_kernel()(gates.get(), c, 2, act, *outputs)
    with pytest.raises(NotImplementedError, match="no NumPy twin"):
        cp.ElementwiseKernel("T x", "T y", "y = x", name="unknown")


# ---------------------------------------------------------------- the twins equal the composed ops


def composed_lstm(gates, c_prev, H):
    i, f = autograd.sigmoid(gates[:, :H]), autograd.sigmoid(gates[:, H:2 * H])
    g, o = autograd.tanh(gates[:, 2 * H:3 * H]), autograd.sigmoid(gates[:, 3 * H:])
    c = f * c_prev + i * g
    return c, o * autograd.tanh(c)


def composed_gru(gates_x, gates_h, h_prev, H):
    r = autograd.sigmoid(gates_x[:, :H] + gates_h[:, :H])
    z = autograd.sigmoid(gates_x[:, H:2 * H] + gates_h[:, H:2 * H])
    n = autograd.tanh(gates_x[:, 2 * H:] + r * gates_h[:, 2 * H:])
    return (1 - z) * n + z * h_prev, (r, z, n)


def tensor(array):
    return autograd.tensor(array, requires_grad=True)


@pytest.mark.parametrize("seed", [0, 1])
def test_lstm_twins_equal_the_composed_step(seed):
    rng = numpy.random.default_rng(seed)
    B, H = 3, 4
    gates, c_prev = rng.normal(size=(B, 4 * H)) * 3, rng.normal(size=(B, H))
    dh, dc = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    act, c, tanh_c, h = numpy.empty_like(gates), *(numpy.empty_like(c_prev) for _ in range(3))
    kernels.NUMPY_TWINS["lstm_forward"](gates, c_prev, H, act, c, tanh_c, h)

    g, cp_ = tensor(gates), tensor(c_prev)
    c_ref, h_ref = composed_lstm(g, cp_, H)
    numpy.testing.assert_allclose(c, c_ref.numpy(), rtol=1e-12)
    numpy.testing.assert_allclose(h, h_ref.numpy(), rtol=1e-12)
    numpy.testing.assert_allclose(tanh_c, numpy.tanh(c_ref.numpy()), rtol=1e-12)

    d_gates, dc_prev = numpy.empty_like(act), numpy.empty_like(c_prev)
    kernels.NUMPY_TWINS["lstm_backward"](act, c_prev, tanh_c, dh, dc, H, d_gates, dc_prev)
    expected = autograd.grad((h_ref * autograd.tensor(dh)).sum() + (c_ref * autograd.tensor(dc)).sum(), [g, cp_])
    numpy.testing.assert_allclose(d_gates, expected[0].numpy(), rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(dc_prev, expected[1].numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_gru_twins_equal_the_composed_step(seed):
    rng = numpy.random.default_rng(seed)
    B, H = 3, 4
    gates_x, gates_h = rng.normal(size=(B, 3 * H)) * 3, rng.normal(size=(B, 3 * H))
    h_prev, dh = rng.normal(size=(B, H)), rng.normal(size=(B, H))
    act, h = numpy.empty_like(gates_x), numpy.empty_like(h_prev)
    kernels.NUMPY_TWINS["gru_forward"](gates_x, gates_h, h_prev, H, act, h)

    gx, gh, hp = tensor(gates_x), tensor(gates_h), tensor(h_prev)
    h_ref, activations = composed_gru(gx, gh, hp, H)
    numpy.testing.assert_allclose(h, h_ref.numpy(), rtol=1e-12)
    numpy.testing.assert_allclose(act, numpy.concatenate([a.numpy() for a in activations], axis=1), rtol=1e-12)

    outs = [numpy.empty_like(act), numpy.empty_like(act), numpy.empty_like(h_prev)]
    hidden_n = numpy.ascontiguousarray(gates_h[:, 2 * H:])
    kernels.NUMPY_TWINS["gru_backward"](act, hidden_n, h_prev, dh, H, *outs)
    expected = autograd.grad((h_ref * autograd.tensor(dh)).sum(), [gx, gh, hp])
    for got, want in zip(outs, expected):
        numpy.testing.assert_allclose(got, want.numpy(), rtol=1e-10, atol=1e-12)


def test_the_twins_agree_with_the_cpu_kernels():
    """The CPU path (in place, σ through tanh) and the twins (σ as in the CUDA source) agree to rounding."""
    rng = numpy.random.default_rng(3)
    gates, c_prev = rng.normal(size=(2, 8)), rng.normal(size=(2, 2))
    act, c, tanh_c, h = numpy.empty_like(gates), *(numpy.empty_like(c_prev) for _ in range(3))
    kernels.NUMPY_TWINS["lstm_forward"](gates, c_prev, 2, act, c, tanh_c, h)
    for got, want in zip((act, c, tanh_c, h), kernels.lstm_pointwise_forward(gates.copy(), c_prev)):
        numpy.testing.assert_allclose(got, want, rtol=1e-12)


# ---------------------------------------------------------------- the backend under emulation


@pytest.mark.cuda
@pytest.mark.skipif(not autograd.backend.EMULATED_CUDA, reason="checks the stand-in (AUTOGRAD_EMULATE_CUDA=1)")
def test_backend_helpers_under_emulation():
    from autograd import backend

    x = backend.to_device(numpy.arange(4.0), "cuda")
    assert backend.is_cupy_array(x) and backend.device_of(x) == "cuda"
    assert backend.get_array_module(x) is cp and backend.namespace(x).module is cp
    assert backend.cuda_available() and backend.check_device("cuda:0") == "cuda"
    rows = backend.to_device(numpy.array([[1], [1]]), "cuda")
    total = backend.scatter_add((3, 2), rows, cp.ones((2, 1, 2)))
    numpy.testing.assert_array_equal(backend.to_device(total, "cpu"), [[0, 0], [2, 2], [0, 0]])
    assert type(backend.erf(x)) is cp.ndarray
    numpy.testing.assert_allclose(backend.erf(x).get(), backend.numpy_erf(numpy.arange(4.0)))
    before = emulation.launches()
    from autograd import nn

    layer = nn.LSTM(3, 4, batch_first=True).to("cuda")
    layer(autograd.randn(2, 5, 3, device="cuda"))
    assert emulation.launches() > before


def test_arithmetic_with_a_tensor_is_left_to_the_tensor():
    class Deferring:
        __array_ufunc__ = None

        def __rmul__(self, other):
            return "deferred"

    assert device_array(2) * Deferring() == "deferred"


# ---------------------------------------------------------------- the CUDA C source, read on the CPU
#
# The kernels' bodies use a small part of C: `const int a = ..., b = ...;` and `const T ... ;`
# declarations, and assignments `out[index] = ...;` (raw) or `out = ...;` (elementwise), over
# expressions that are valid Python too, except that `/` of two ints truncates. Evaluating the
# source on NumPy arrays, for every flat index i at once, checks its formulas and index arithmetic
# against the twins: what is left for a GPU is only that NVRTC compiles it and the device runs it.

import ast  # noqa: E402
import re  # noqa: E402


class _CDivision(ast.NodeTransformer):
    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Div):
            return ast.Call(ast.Name("_c_div", ast.Load()), [node.left, node.right], [])
        return node


def _c_div(a, b):
    both_int = all(numpy.asarray(v).dtype.kind in "iu" for v in (a, b))
    return numpy.floor_divide(a, b) if both_int else numpy.true_divide(a, b)  # indices are never negative


def run_cuda_source(in_params, out_params, body, *args):
    """Run an ElementwiseKernel's C body on NumPy arguments (outputs filled in place), like the GPU would."""
    params = [p.split() for p in (in_params + "," + out_params).split(",")]
    scope = {"exp": numpy.exp, "tanh": numpy.tanh, "_c_div": _c_div}
    elementwise = [a for a, p in zip(args, params) if "raw" not in p and hasattr(a, "shape")]
    shape = numpy.broadcast_shapes(*(a.shape for a in elementwise))
    scope["i"] = numpy.arange(int(numpy.prod(shape)))
    outputs = {}
    for arg, (*qualifiers, type_name, name) in zip(args, params):
        if not hasattr(arg, "shape"):
            scope[name] = numpy.int64(arg)
        elif "raw" in qualifiers:
            scope[name] = arg.reshape(-1)  # a view: the kernel indexes raw arrays by flat position
        else:
            scope[name] = numpy.broadcast_to(arg, shape).reshape(-1)
            outputs[name] = arg
    for statement in filter(None, (s.strip() for s in body.split(";"))):
        declaration = re.match(r"const\s+(int|T)\s+(.*)", statement, re.S)
        if declaration:  # `const int b = i / H, j = i % H` : split at commas outside brackets
            for part in re.split(r",(?![^()\[\]]*[\])])", declaration.group(2)):
                name, expression = part.split("=", 1)
                scope[name.strip()] = _evaluate(expression, scope)
            continue
        target, expression = statement.split("=", 1)
        value = _evaluate(expression, scope)
        indexed = re.match(r"(\w+)\s*\[(.*)\]", target.strip(), re.S)
        if indexed:
            scope[indexed.group(1)][_evaluate(indexed.group(2), scope)] = value
        else:
            name = target.strip()
            outputs[name][...] = value.reshape(outputs[name].shape)


def _evaluate(expression, scope):
    tree = _CDivision().visit(ast.parse(expression.strip(), mode="eval"))
    return eval(compile(ast.fix_missing_locations(tree), "<cuda>", "eval"), dict(scope))  # noqa: S307


def kernel_arguments(name, rng, B=3, H=4):
    """Random arguments for kernel `name` in its parameter order (outputs zero-filled)."""
    in_params, out_params, _body = kernels._KERNEL_SOURCES[name]
    gates = {"lstm": 4, "gru": 3}[name.split("_")[0]]
    args = []
    for param in (in_params + "," + out_params).split(","):
        *qualifiers, _type, pname = param.split()
        if pname == "H":
            args.append(H)
        elif "raw" in qualifiers and pname not in ("hidden_n",):
            args.append(rng.uniform(0.05, 0.95, size=(B, gates * H)) if pname == "act" else rng.normal(size=(B, gates * H)))
        else:
            args.append(rng.uniform(0.05, 0.95, size=(B, H)) if pname == "tanh_c" else rng.normal(size=(B, H)))
    n_in = len(in_params.split(","))
    for k in range(n_in, len(args)):
        args[k] = numpy.zeros_like(args[k])
    return args, n_in


@pytest.mark.parametrize("name", sorted(kernels._KERNEL_SOURCES))
def test_the_cuda_source_computes_what_its_twin_computes(name):
    rng = numpy.random.default_rng(7)
    args, n_in = kernel_arguments(name, rng)
    from_source = [a.copy() if hasattr(a, "shape") else a for a in args]
    run_cuda_source(*kernels._KERNEL_SOURCES[name], *from_source)
    kernels.NUMPY_TWINS[name](*args)
    for k in range(n_in, len(args)):
        assert numpy.any(from_source[k] != 0), f"{name}: output {k} never written by the source"
        numpy.testing.assert_allclose(from_source[k], args[k], rtol=1e-12, atol=1e-14, err_msg=f"{name} output {k}")


def test_the_emulated_kernel_checks_shapes_like_cuda():
    gates, c = device_array(2, 8), device_array(2, 2)
    with pytest.raises(ValueError, match="output h has shape"):
        lstm_kernel()(gates, c, 2, cp.empty_like(gates), cp.empty_like(c), cp.empty_like(c), cp.empty((3, 2)))


def test_views_know_their_base_and_copies_own_their_memory():
    x = device_array(3, 4)
    assert x.base is None and (x * 2).base is None and x[[0, 1]].base is None and x.sum().base is None
    view = x[1:]
    assert view.base is x and view[1:].base is x and x.T.base is x and x.reshape(-1).base is x
    assert x.astype(x.dtype, copy=False) is x and cp.ascontiguousarray(x) is x
