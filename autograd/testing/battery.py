"""The checks every op gets, one function per check, and the list of cases for one op.

The project's declarations (autograd/ops/registry.py) and a user's op in
`check_op` go through the same functions here: there is one battery.

    >>> for case in cases(REGISTRY["exp"], devices=("cpu",)):
    ...     case.run()                     # raises OpCheckError naming check, sample and device

A check raises `SkipCheck` when it cannot apply (no GPU, no hypothesis, an op
that records no node) and any other exception when the op is wrong; `Case.run`
turns the latter into one `OpCheckError`.
"""
import re
from dataclasses import dataclass
from typing import Callable

import numpy

from .. import backend
from ..errors import GraphError, OpCheckError
from ..gradcheck import gradcheck, gradgradcheck
from ..grad_mode import no_grad
from ..graph import grad
from ..tensor import Tensor, tensor

# Forward against the reference: float64 on both sides, so only real differences show.
FORWARD_RTOL, FORWARD_ATOL = 1e-6, 1e-8
# Broadcasting check: input i of case j gets BROADCAST_FORMS[(i + j) % 7]; all broadcast to (4, 2, 3).
BROADCAST_FORMS = [(4, 2, 3), (2, 3), (2, 1), (3,), (), (4, 1, 1), (1, 3)]
DRAWN_EXAMPLES = 8


class SkipCheck(Exception):
    """The check does not apply here (the reason is the message)."""


@dataclass
class Case:
    """One check of one op on one sample and device: `run()` it."""

    op: str
    check: str
    sample: object    # a Sample, an ErrorInput or None (checks that draw their own inputs)
    label: str        # which sample: "0", "1", ... or "" for checks without one
    device: str
    function: Callable

    @property
    def id(self):
        return "-".join(part for part in (self.check, self.label, self.device) if part)

    def run(self):
        """Run the check; raise SkipCheck, or OpCheckError naming the check, the sample and what differed."""
        if self.device != "cpu" and not backend.cuda_available():
            raise SkipCheck(f"device {self.device!r} is not available")
        try:
            self.function()
        except SkipCheck:
            raise
        except Exception as error:  # noqa: BLE001 - every failure is reported the same way, cause attached
            on = f" on sample {self.label} {self.sample!r}" if self.sample is not None else ""
            detail = error if type(error) is AssertionError else f"{type(error).__name__}: {error}"
            raise OpCheckError(f"{self.op}: check '{self.check}' failed{on} (device {self.device}):\n{detail}",
                               check=self.check, sample=self.sample, device=self.device) from error


def cases(info, devices=("cpu",), seed=1234):
    """Every check that applies to the op declared by `info` (an OpInfo), for every device."""
    rng = numpy.random.default_rng(seed)
    samples = info.samples(rng)
    errors = info.error_inputs(rng) if info.error_inputs is not None else []
    result = []
    for device in devices:
        def case(check, run, sample=None, label=""):
            result.append(Case(info.name, check, sample, label, device, run))

        for i, sample in enumerate(samples):
            label = str(i)
            bind = _bind(info, sample, device)
            if info.reference is not None:
                case("forward", bind(check_forward), sample, label)
            if info.differentiable:
                case("gradcheck", bind(check_gradcheck), sample, label)
                if info.twice_differentiable:
                    case("gradgradcheck", bind(check_gradgradcheck), sample, label)
            if info.preserves_dtype:
                case("float32", bind(check_float32), sample, label)
            case("no_grad", bind(check_no_grad), sample, label)
            if info.differentiable:
                case("frees_saved", bind(check_frees_saved), sample, label)
            if info.inplace is not None and _writable_in_place(sample):
                case("inplace", bind(check_inplace), sample, label)
        if info.shaped is not None and info.arity >= 2:
            case("broadcasting", lambda d=device: check_broadcasting(info, d))
        if info.shaped is not None:
            case("drawn_shapes", lambda d=device: check_drawn_shapes(info, d))
        for k, error_input in enumerate(errors):
            case("error_input", lambda e=error_input, d=device: check_error_input(info, e, d), error_input, str(k))
    return result


def _bind(info, sample, device):
    return lambda check: (lambda: check(info, sample, device))


# ---------------------------------------------------------------- inputs and outputs


def make_inputs(sample, device="cpu", dtype=numpy.float64, requires_grad=True):
    """Float ndarrays become tensors (of `dtype`, requiring grad); other arrays move to the device; the rest stays."""
    inputs = []
    for a in sample.args:
        if isinstance(a, numpy.ndarray) and a.dtype.kind == "f":
            inputs.append(tensor(a.astype(dtype), requires_grad=requires_grad, device=device))
        elif isinstance(a, numpy.ndarray) and device != "cpu":
            inputs.append(tensor(a, device=device))
        else:
            inputs.append(a)
    return inputs


def outputs_of(result):
    return list(result) if isinstance(result, (list, tuple)) else [result]


def _call(info, sample):
    return lambda *args: info.function(*args, **sample.kwargs)


def _assert_forward(info, sample, device):
    got = outputs_of(info.function(*make_inputs(sample, device), **sample.kwargs))
    expected = outputs_of(info.reference(*sample.args, **sample.kwargs))
    if len(got) != len(expected):
        raise AssertionError(f"{len(got)} outputs, the reference gives {len(expected)}")
    for k, (g, e) in enumerate(zip(got, expected)):
        numpy.testing.assert_allclose(g.numpy(), numpy.asarray(e), rtol=FORWARD_RTOL, atol=FORWARD_ATOL,
                                      err_msg=f"output {k} differs from the reference")


def _weights(outputs, seed=0):
    rng = numpy.random.default_rng(seed)
    return [Tensor(backend.to_device(rng.uniform(-1.0, 1.0, size=o.shape), o.device)) for o in outputs]


# ---------------------------------------------------------------- the checks on one sample


def check_forward(info, sample, device):
    """The output equals the NumPy reference's."""
    _assert_forward(info, sample, device)


def check_gradcheck(info, sample, device):
    """Backward agrees with central differences."""
    gradcheck(_call(info, sample), make_inputs(sample, device), atol=info.atol, rtol=info.rtol)


def check_gradgradcheck(info, sample, device):
    """The backward of the backward agrees with central differences of the backward."""
    gradgradcheck(_call(info, sample), make_inputs(sample, device), atol=info.atol, rtol=info.rtol)


def check_float32(info, sample, device):
    """No silent float64: float32 inputs give float32 outputs and float32 gradients."""
    args = make_inputs(sample, device, dtype=numpy.float32, requires_grad=info.differentiable)
    outs = [o for o in outputs_of(info.function(*args, **sample.kwargs)) if o.dtype.kind == "f"]
    for k, o in enumerate(outs):
        if o.dtype != numpy.float32:
            raise AssertionError(f"output {k} is {o.dtype} for float32 inputs")
    if info.differentiable and outs and outs[0].requires_grad:
        total = outs[0].sum()
        for o in outs[1:]:
            total = total + o.sum()
        total.backward()
        for position, a in enumerate(args):
            if isinstance(a, Tensor) and a.grad is not None and a.grad.dtype != numpy.float32:
                raise AssertionError(f"the gradient of input {position} is {a.grad.dtype} for float32 inputs")


def check_no_grad(info, sample, device):
    """Under no_grad nothing is recorded: no node, no requires_grad."""
    with no_grad():
        outs = outputs_of(info.function(*make_inputs(sample, device), **sample.kwargs))
    for k, o in enumerate(outs):
        if o.creator is not None or o.requires_grad:
            raise AssertionError(f"output {k} was recorded under no_grad (creator {o.creator})")


def check_frees_saved(info, sample, device):
    """After a plain backward every node of the op's graph has dropped what it saved, and a
    second backward raises GraphError instead of silently using freed values."""
    inputs = make_inputs(sample, device)
    outs = [o for o in outputs_of(info.function(*inputs, **sample.kwargs)) if o.requires_grad]
    if not outs:
        raise SkipCheck("no output requires grad")
    root = outs[0]
    if root.creator is None:
        raise SkipCheck("the op recorded no node (it returned an input as it is)")
    nodes = _nodes_reachable_from(root)
    seed = _weights([root])[0]
    root.backward(seed)
    try:
        root.backward(seed)
    except GraphError:
        pass
    else:
        raise AssertionError("a second backward() through the same graph ran: the graph was not freed after "
                             "the first one (each node must be released after its backward)")
    holding = [n.name for n in nodes if any(a is not None for a in n.saved_arrays)]
    if holding:
        raise AssertionError(f"after backward these nodes still hold saved values: {', '.join(holding)}")


def _nodes_reachable_from(output):
    nodes, seen, stack = [], set(), [output.creator]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        stack.extend(x.creator for x in node.inputs if isinstance(x, Tensor))
    return nodes


def _writable_in_place(sample):
    """Can this sample's result be written into its first argument? (a float array that the other array
    arguments broadcast to; e.g. `2.0 ** x` or `(3,) + (2, 3)` cannot)."""
    first = sample.args[0] if sample.args else None
    if not (isinstance(first, numpy.ndarray) and first.dtype.kind == "f"):
        return False
    shapes = [a.shape for a in sample.args if isinstance(a, numpy.ndarray)]
    try:
        return numpy.broadcast_shapes(*shapes) == first.shape
    except ValueError:
        return False


def check_inplace(info, sample, device):
    """The in-place variant writes the op's result into its first input and has the op's gradients.

    It runs on a copy of the first input made inside the graph (an in-place op on a leaf that
    requires grad is refused, as in PyTorch), so gradients still reach the original leaf.
    """
    inputs = make_inputs(sample, device)
    if not isinstance(inputs[0], Tensor):
        raise SkipCheck("the first argument is not a tensor")
    expected = outputs_of(info.function(*inputs, **sample.kwargs))[0]
    if expected.shape != inputs[0].shape:
        raise SkipCheck(f"the result's shape {expected.shape} is not the first input's {inputs[0].shape}")
    target = inputs[0] * 1.0
    result = info.inplace(target, *inputs[1:], **sample.kwargs)
    for what, got in (("the returned tensor", result), ("the first input after the call", target)):
        numpy.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=FORWARD_RTOL, atol=FORWARD_ATOL,
                                      err_msg=f"in-place variant: {what} differs from the op's result")
    leaves = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not (info.differentiable and leaves and expected.requires_grad):
        return
    weight = _weights([expected])[0]
    wanted = grad([expected], leaves, grad_outputs=[weight], allow_unused=True)
    got = grad([result], leaves, grad_outputs=[weight], allow_unused=True)
    for position, (w, g) in enumerate(zip(wanted, got)):
        w = numpy.zeros(leaves[position].shape) if w is None else w.numpy()
        g = numpy.zeros(leaves[position].shape) if g is None else g.numpy()
        numpy.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-10,
                                      err_msg=f"in-place variant: the gradient of input {position} differs "
                                              "from the op's")


# ---------------------------------------------------------------- checks with inputs of their own


def check_broadcasting(info, device):
    """Forward and gradcheck on inputs of different shapes that broadcast together to (4, 2, 3)."""
    rng = numpy.random.default_rng(0)
    n = len(BROADCAST_FORMS)
    for j in range(n):
        shapes = tuple(BROADCAST_FORMS[(i + j) % n] for i in range(info.arity))
        _forward_and_gradcheck(info, info.shaped(rng, *shapes), device, "input shapes", shapes)


def _forward_and_gradcheck(info, sample, device, what, shapes):
    """Forward against the reference and gradcheck on one shaped sample; a failure names the shapes."""
    try:
        if info.reference is not None:
            _assert_forward(info, sample, device)
        if info.differentiable:
            gradcheck(_call(info, sample), make_inputs(sample, device), atol=info.atol, rtol=info.rtol)
    except Exception as error:  # noqa: BLE001 - say which shapes, keep the cause
        raise AssertionError(f"with {what} {' and '.join(map(str, shapes))}: "
                             f"{type(error).__name__}: {error}") from error


def check_drawn_shapes(info, device):
    """Forward and gradcheck on shapes drawn by hypothesis (mutually broadcastable ones for several inputs)."""
    try:
        from hypothesis import HealthCheck, given, settings, strategies as st
    except ImportError:
        raise SkipCheck("hypothesis is not installed (pip install 'autograd-dag[test]')") from None
    from .strategies import broadcastable_shapes, shapes

    @settings(max_examples=DRAWN_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def drawn(data):
        shape = data.draw(shapes() if info.arity == 1 else broadcastable_shapes(info.arity), label="shapes")
        shape = (shape,) if info.arity == 1 else tuple(shape)
        rng = numpy.random.default_rng(data.draw(st.integers(0, 2 ** 16), label="seed"))
        _forward_and_gradcheck(info, info.shaped(rng, *shape), device, "drawn input shapes", shape)

    drawn()


def check_error_input(info, error_input, device):
    """The call is refused with the declared error type and message, and no input tensor changed.

    Float ndarrays become tensors that require grad, keeping their dtype; pass Tensors in the
    sample to control exactly what the op receives.
    """
    inputs = []
    for a in error_input.sample.args:
        if isinstance(a, Tensor):
            a = a if device == a.device else tensor(a.numpy(), requires_grad=a.requires_grad, device=device)
        elif isinstance(a, numpy.ndarray):
            a = tensor(a.copy(), requires_grad=a.dtype.kind == "f", device=device)
        inputs.append(a)
    before = [(x, x.numpy().copy(), x.dtype, x.requires_grad, x.grad) for x in inputs if isinstance(x, Tensor)]
    expected = error_input.error
    try:
        info.function(*inputs, **error_input.sample.kwargs)
    except expected as error:
        if not re.search(error_input.match, str(error)):
            raise AssertionError(f"{type(error).__name__} was raised, but its message does not match "
                                 f"{error_input.match!r}: {error}") from None
    except Exception as error:
        raise AssertionError(f"expected {expected.__name__} matching {error_input.match!r}, got "
                             f"{type(error).__name__}: {error}") from error
    else:
        raise AssertionError(f"expected {expected.__name__} matching {error_input.match!r}; the call succeeded")
    for position, (x, data, dtype, requires_grad, old_grad) in enumerate(before):
        same = numpy.array_equal(x.numpy(), data, equal_nan=data.dtype.kind in "fc")  # NaN test: numbers only
        if x.dtype != dtype or x.shape != data.shape or not same:
            raise AssertionError(f"the refused call changed input tensor {position}")
        if x.requires_grad != requires_grad or x.grad is not old_grad:
            raise AssertionError(f"the refused call changed requires_grad or .grad of input tensor {position}")

