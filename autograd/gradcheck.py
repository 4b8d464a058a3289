"""Numerical gradient checking: compare backward with central differences.

    >>> x = autograd.tensor(numpy.random.rand(3), dtype="float64", requires_grad=True)
    >>> autograd.gradcheck(lambda x: (x.exp() * x).sum(), [x])       # True, or GradcheckError
    >>> autograd.gradgradcheck(lambda x: x.tanh(), [x])               # second derivatives too

The function's outputs are reduced to one scalar with fixed random weights,
L = Σ v · f(x), so one backward gives the vector-Jacobian product that a
correct backward must reproduce for every v. The numerical side perturbs one
input element at a time by ±eps. Everything runs in float64 (inputs are cast).
"""
import numpy

from . import backend
from .errors import GradcheckError
from .graph import grad as autograd_grad
from .grad_mode import no_grad
from .tensor import Tensor


def _as_float64_inputs(inputs):
    """Copies of the inputs in float64; those that required grad still do."""
    copies = []
    for x in inputs:
        if isinstance(x, Tensor):
            floating = x.dtype.kind == "f"
            data = x.data.astype(numpy.float64) if floating else x.data
            copies.append(Tensor(data.copy(), requires_grad=x.requires_grad and floating))
        else:
            copies.append(x)
    return copies


def _outputs_as_list(out):
    if isinstance(out, Tensor):
        return [out]
    return [o for o in out if isinstance(o, Tensor)]


def _weights_for(outputs, seed):
    rng = numpy.random.default_rng(seed)
    return [backend.to_device(rng.uniform(0.5, 1.5, size=o.shape) * rng.choice([-1.0, 1.0], size=o.shape),
                              o.device) for o in outputs]


def _weighted_sum(outputs, weights):
    """Σ v·f(x) as a float, for the numerical side."""
    return sum(float((backend.to_device(o.data, "cpu") * backend.to_device(w, "cpu")).sum())
               for o, w in zip(outputs, weights))


def _numerical_gradient(scalar_fn, x, eps):
    """Central differences of scalar_fn() with respect to every element of x.data (perturbed in place)."""
    flat = x.data.reshape(-1)  # a view: writing into it perturbs x
    result = numpy.zeros(flat.shape, dtype=numpy.float64)
    for i in range(flat.size):
        original = flat[i].item()
        flat[i] = original + eps
        plus = scalar_fn()
        flat[i] = original - eps
        minus = scalar_fn()
        flat[i] = original
        result[i] = (plus - minus) / (2 * eps)
    return result.reshape(x.shape)


def _compare(analytic, numerical, atol, rtol, what, position, input_shape):
    analytic = numpy.zeros(input_shape) if analytic is None else backend.to_device(analytic, "cpu")
    difference = numpy.abs(analytic - numerical)
    allowed = atol + rtol * numpy.abs(numerical)
    if numpy.all(difference <= allowed) and numpy.all(numpy.isfinite(analytic)):
        return
    excess = numpy.where(numpy.isfinite(difference), difference - allowed, numpy.inf)
    worst = numpy.unravel_index(int(numpy.argmax(excess)), excess.shape) if excess.ndim else ()
    raise GradcheckError(
        f"{what} for input {position} (shape {tuple(input_shape)}) disagrees at element {tuple(int(i) for i in worst)}: "
        f"analytic {float(analytic[worst]):.6g}, numerical {float(numerical[worst]):.6g}, "
        f"difference {float(difference[worst]):.3g} > atol + rtol*|numerical| = {float(allowed[worst]):.3g}")


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check the gradients of `fn(*inputs)` against central differences.

    Returns True, or raises GradcheckError naming the input, the worst
    element, both values and their difference.
    """
    inputs = _as_float64_inputs(inputs if isinstance(inputs, (list, tuple)) else [inputs])
    wanted = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not wanted:
        raise GradcheckError("gradcheck: no input requires grad")
    outputs = _outputs_as_list(fn(*inputs))
    weights = _weights_for(outputs, seed)
    differentiable = [(o, w) for o, w in zip(outputs, weights) if o.requires_grad]
    if differentiable:
        analytic = autograd_grad([o for o, _ in differentiable], wanted,
                                 grad_outputs=[Tensor(w) for _, w in differentiable], allow_unused=True)
    else:
        analytic = [None] * len(wanted)

    def scalar():
        with no_grad():
            return _weighted_sum(_outputs_as_list(fn(*inputs)), weights)

    for position, (x, g) in enumerate(zip(wanted, analytic)):
        numerical = _numerical_gradient(scalar, x, eps)
        _compare(None if g is None else g.data, numerical, atol, rtol, "gradient", position, x.shape)
    return True


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check second derivatives: the gradient of Σ u·∇(Σ v·f) against central differences of ∇(Σ v·f)."""
    inputs = _as_float64_inputs(inputs if isinstance(inputs, (list, tuple)) else [inputs])
    wanted = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not wanted:
        raise GradcheckError("gradgradcheck: no input requires grad")
    outputs = _outputs_as_list(fn(*inputs))
    weights = _weights_for(outputs, seed)
    directions = _weights_for(wanted, seed + 1)

    def first_order(create_graph):
        outs = [o for o in _outputs_as_list(fn(*inputs))]
        pairs = [(o, w) for o, w in zip(outs, weights) if o.requires_grad]
        return autograd_grad([o for o, _ in pairs], wanted, grad_outputs=[Tensor(w) for _, w in pairs],
                             create_graph=create_graph, allow_unused=True)

    grads = first_order(create_graph=True)
    terms = [(g * Tensor(u)).sum() for g, u in zip(grads, directions) if g is not None and g.requires_grad]
    if terms:
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        analytic = autograd_grad(total, wanted, allow_unused=True)
    else:  # the first derivative does not depend on the inputs (a linear function)
        analytic = [None] * len(wanted)

    def scalar():
        gs = first_order(create_graph=False)
        return sum(float((backend.to_device(g.data, "cpu") * backend.to_device(u, "cpu")).sum())
                   for g, u in zip(gs, directions) if g is not None)

    for position, (x, g) in enumerate(zip(wanted, analytic)):
        numerical = _numerical_gradient(scalar, x, eps)
        _compare(None if g is None else g.data, numerical, atol, rtol, "second derivative", position, x.shape)
    return True
