"""Numerical gradient checking: compare backward with central differences.

    >>> x = autograd.tensor(numpy.random.rand(3), dtype="float64", requires_grad=True)
    >>> autograd.gradcheck(lambda x: (x.exp() * x).sum(), [x])       # True, or GradcheckError
    >>> autograd.gradgradcheck(lambda x: x.tanh(), [x])               # second derivatives too

The function's outputs are reduced to one scalar with fixed random weights,
L = Σ v·f(x), so one backward gives the vector-Jacobian product vᵀJ that a
correct backward must reproduce. Two ways to check it numerically:

- element-wise (the default): perturb one input element at a time by ±eps,
  which gives vᵀJ entry by entry; 2 calls of f per input element.
- fast (`fast_mode=True`): also pick a random direction u per input and
  compare one number, vᵀJu, with the directional difference
  (L(x + eps·u) - L(x - eps·u)) / 2eps; 2 calls of f per input, whatever its size.

When they disagree, the GradcheckError shows the worst Jacobian entries
(∂output[i]/∂input[j], analytic next to numerical) and, for an input that the
op broadcasts, whether a missing sum over the broadcast axes explains it.
Everything runs in float64 (inputs are cast).
"""
import ast
import re

import numpy

from . import backend
from .errors import GradcheckError, ShapeError
from .grad_mode import no_grad
from .graph import grad as autograd_grad
from .tensor import Tensor

# Above this many output elements, a failure report skips the full analytic Jacobian (one backward per
# output element) and shows the entries of vᵀJ instead.
_JACOBIAN_ROWS_LIMIT = 4096
# Above this many elements in the failing input, fast mode does not redo it element-wise for the report.
_DIAGNOSE_ELEMENTS_LIMIT = 16384
_TABLE_ROWS = 5


# ---------------------------------------------------------------- the two public checks


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0, fast_mode=False):
    """Check the gradients of `fn(*inputs)` against central differences.

    Returns True, or raises GradcheckError with a table of the worst Jacobian
    entries (input, output, indices, analytic, numerical, difference).
    `fast_mode=True` compares one random projection vᵀJu per input instead of
    every element: much faster for large inputs, same verdict on real bugs.
    """
    inputs = _as_float64_inputs(inputs)
    wanted = _wanted(inputs, "gradcheck")
    problem = _FirstOrder(fn, inputs, wanted, seed)
    return _check(problem, eps, atol, rtol, seed, fast_mode)


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0, fast_mode=False):
    """Check second derivatives: the gradient of Σ u·∇(Σ v·f) against central differences of ∇(Σ v·f).

    Same arguments, result and error as `gradcheck`; the "outputs" are the
    first derivatives ∂L/∂input.
    """
    inputs = _as_float64_inputs(inputs)
    wanted = _wanted(inputs, "gradgradcheck")
    problem = _SecondOrder(fn, inputs, wanted, seed)
    return _check(problem, eps, atol, rtol, seed, fast_mode)


# ---------------------------------------------------------------- what is differentiated


class _FirstOrder:
    """The function itself: its outputs, and their gradients with respect to the inputs."""

    what = "gradient"
    check_name = "gradcheck"

    def __init__(self, fn, inputs, wanted, seed):
        self.fn, self.inputs, self.wanted = fn, inputs, wanted
        self.outputs = _outputs_as_list(fn(*inputs))
        self.weights = _random_like(self.outputs, seed)
        self.output_names = [f"output {k}" for k in range(len(self.outputs))]

    def evaluate(self):
        """The outputs as plain arrays, for the numerical side (nothing recorded)."""
        with no_grad():
            return [o.data for o in _outputs_as_list(self.fn(*self.inputs))]

    def differentiable_outputs(self):
        """Fresh outputs in a graph, for the analytic side."""
        return _outputs_as_list(self.fn(*self.inputs))


class _SecondOrder:
    """The first derivatives ∂L/∂x of L = Σ v·f, as functions of the inputs."""

    what = "second derivative"
    check_name = "gradgradcheck"

    def __init__(self, fn, inputs, wanted, seed):
        self.fn, self.inputs, self.wanted = fn, inputs, wanted
        self.first_weights = _random_like(_outputs_as_list(fn(*inputs)), seed)
        self.outputs = self._first_derivatives(create_graph=True)
        self.weights = _random_like(wanted, seed + 1)
        self.output_names = [f"∂L/∂input {j}" for j in range(len(wanted))]

    def _first_derivatives(self, create_graph):
        outs = _outputs_as_list(self.fn(*self.inputs))
        pairs = [(o, w) for o, w in zip(outs, self.first_weights) if o.requires_grad]
        if not pairs:
            return [None] * len(self.wanted)
        return list(autograd_grad([o for o, _ in pairs], self.wanted, grad_outputs=[Tensor(w) for _, w in pairs],
                                  create_graph=create_graph, allow_unused=True))

    def evaluate(self):
        return [None if g is None else g.data for g in self._first_derivatives(create_graph=False)]

    def differentiable_outputs(self):
        return self._first_derivatives(create_graph=True)


# ---------------------------------------------------------------- comparing


def _check(problem, eps, atol, rtol, seed, fast_mode):
    """Compare vᵀJ with central differences, input by input (fast mode: its projection on a random u)."""
    analytic = _vector_jacobian_product(problem, problem.outputs, problem.weights)
    directions = _random_like(problem.wanted, seed + 2) if fast_mode else None
    scalar = _weighted_scalar(problem)
    for position, x in enumerate(problem.wanted):
        if fast_mode:
            u = directions[position]
            got = 0.0 if analytic[position] is None else float(_cpu(analytic[position] * u).sum())
            expected = _directional_difference(scalar, x, u, eps)
            if abs(got - expected) <= atol + rtol * abs(expected) and numpy.isfinite(got):
                continue
            header = (f"fast {problem.check_name}: the {problem.what} for input {position} (shape {x.shape}) "
                      f"disagrees in the random projection vᵀJu: analytic {got:.6g}, numerical {expected:.6g}")
            if x.numel() > _DIAGNOSE_ELEMENTS_LIMIT:
                raise GradcheckError(header + "\n(run with fast_mode=False to see the Jacobian entries)")
            numerical = _numerical_gradient(scalar, x, eps)
            raise GradcheckError(header + "\n" + _explain(problem, position, analytic[position], numerical,
                                                          eps, atol, rtol))
        numerical = _numerical_gradient(scalar, x, eps)
        if not _agree(analytic[position], numerical, atol, rtol):
            raise GradcheckError(f"{problem.check_name}: " + _explain(problem, position, analytic[position],
                                                                      numerical, eps, atol, rtol))
    return True


def _vector_jacobian_product(problem, outputs, weights):
    """vᵀJ for every wanted input (None where no gradient reaches it)."""
    pairs = [(o, w) for o, w in zip(outputs, weights) if o is not None and o.requires_grad]
    if not pairs:  # no output depends differentiably on the inputs (for second derivatives: a linear f)
        return [None] * len(problem.wanted)
    try:
        grads = autograd_grad([o for o, _ in pairs], problem.wanted, grad_outputs=[Tensor(w) for _, w in pairs],
                              allow_unused=True)
    except ShapeError as error:
        raise _wrong_shape_error(problem, error) from error
    return [None if g is None else g.data for g in grads]


def _weighted_scalar(problem):
    """The function L(x) = Σ v·f(x) as a float, evaluated without recording."""
    def scalar():
        return sum(float(_cpu(out * w).sum()) for out, w in zip(problem.evaluate(), problem.weights)
                   if out is not None)
    return scalar


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


def _directional_difference(scalar_fn, x, u, eps):
    """(L(x + eps·u) - L(x - eps·u)) / 2eps: the derivative of L along u, from two calls."""
    original = x.data.copy()
    x.data[...] = original + eps * u
    plus = scalar_fn()
    x.data[...] = original - eps * u
    minus = scalar_fn()
    x.data[...] = original
    return (plus - minus) / (2 * eps)


def _agree(analytic, numerical, atol, rtol):
    analytic = numpy.zeros(numerical.shape) if analytic is None else _cpu(analytic)
    return bool(numpy.all(numpy.abs(analytic - numerical) <= atol + rtol * numpy.abs(numerical))
                and numpy.all(numpy.isfinite(analytic)))


# ---------------------------------------------------------------- failures that teach


def _explain(problem, position, analytic_vjp, numerical_vjp, eps, atol, rtol):
    """The message of a failed check: the worst Jacobian entries as a table, and a broadcasting hint."""
    x = problem.wanted[position]
    jacobians = _jacobians(problem, position, eps)
    rows = [] if jacobians is None else _worst_jacobian_entries(jacobians, problem, position, atol, rtol)
    if not rows:  # too many outputs for the full Jacobian (or no single entry wrong): the entries of vᵀJ
        rows = _worst_vjp_entries(analytic_vjp, numerical_vjp, position, atol, rtol)
    if rows:
        output = rows[0][1]
        shape = problem.outputs[output].shape if isinstance(output, int) else None
        where = (f"the {problem.what} of {problem.output_names[output]} (shape {shape}) with respect to "
                 f"input {position} (shape {x.shape})" if shape is not None else
                 f"the {problem.what} with respect to input {position} (shape {x.shape})")
        text = f"{where} disagrees with central differences.\n" + _table(rows, problem)
    else:  # the projection differed but no entry is outside the tolerance
        text = "no single Jacobian entry is outside the tolerance: the small errors add up in the projection vᵀJu"
    hint = ""
    if problem.what == "gradient":
        hint = _broadcast_hint(problem, position, numerical_vjp, jacobians, atol, rtol)
    return text + ("\n" + hint if hint else "")


def _jacobians(problem, position, eps):
    """[(output number, analytic, numerical)], each Jacobian of shape (output size, input size); None if too big.

    The analytic one takes one backward per output element (retain_graph=True), the numerical one two
    calls per input element: affordable on the failure path of small and medium checks.
    """
    x = problem.wanted[position]
    outputs = problem.differentiable_outputs()
    if sum(o.numel() for o in outputs if o is not None) > _JACOBIAN_ROWS_LIMIT:
        return None
    numerical = _numerical_jacobian(problem, x, eps)
    result = []
    for k, out in enumerate(outputs):
        if out is None:
            continue
        analytic = numpy.zeros((out.numel(), x.numel()))
        if out.requires_grad:
            for i in range(out.numel()):
                seed = numpy.zeros(out.numel())
                seed[i] = 1.0
                seed = backend.to_device(seed.reshape(out.shape), out.device)
                g, = autograd_grad([out], [x], grad_outputs=[Tensor(seed)], retain_graph=True, allow_unused=True)
                if g is not None:
                    analytic[i] = _cpu(g.data).reshape(-1)
        result.append((k, analytic, numerical[k]))
    return result


def _worst_jacobian_entries(jacobians, problem, position, atol, rtol):
    """Rows (input, output, output index, input index, analytic, numerical), worst first."""
    x = problem.wanted[position]
    rows = []
    for k, analytic, numerical in jacobians:
        excess = _excess(analytic, numerical, atol, rtol)
        for i, j in zip(*numpy.nonzero(excess > 0)):
            rows.append((excess[i, j], position, k, _index(i, problem.outputs[k].shape), _index(j, x.shape),
                         analytic[i, j], numerical[i, j]))
    rows.sort(key=lambda r: -r[0])
    return [r[1:] for r in rows]


def _numerical_jacobian(problem, x, eps):
    """Central-difference Jacobian of every output with respect to x, one column per element of x."""
    flat = x.data.reshape(-1)
    columns = None
    for j in range(flat.size):
        original = flat[j].item()
        flat[j] = original + eps
        plus = problem.evaluate()
        flat[j] = original - eps
        minus = problem.evaluate()
        flat[j] = original
        if columns is None:
            columns = [numpy.zeros((0 if p is None else p.size, flat.size)) for p in plus]
        for k, (p, m) in enumerate(zip(plus, minus)):
            if p is not None:
                columns[k][:, j] = (_cpu(p) - _cpu(m)).reshape(-1) / (2 * eps)
    return columns


def _worst_vjp_entries(analytic, numerical, position, atol, rtol):
    analytic = numpy.zeros(numerical.shape) if analytic is None else _cpu(analytic)
    excess = _excess(analytic, numerical, atol, rtol).reshape(-1)
    order = [j for j in numpy.argsort(-excess) if excess[j] > 0]
    return [(position, "Σ v·outputs", "-", _index(j, numerical.shape), analytic.reshape(-1)[j],
             numerical.reshape(-1)[j]) for j in order]


def _excess(analytic, numerical, atol, rtol):
    """How far each entry is outside the tolerance (positive: wrong); not-finite entries are infinitely wrong."""
    difference = numpy.abs(analytic - numerical)
    return numpy.where(numpy.isfinite(difference), difference - (atol + rtol * numpy.abs(numerical)), numpy.inf)


def _table(rows, problem):
    header = ("input", "output", "output index", "input index", "analytic", "numerical", "difference")
    body = [(str(p), str(k), str(i), str(j), f"{a:.6g}", f"{n:.6g}", f"{abs(a - n):.3g}")
            for p, k, i, j, a, n in rows[:_TABLE_ROWS]]
    widths = [max(len(h), *(len(r[c]) for r in body)) for c, h in enumerate(header)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in body]
    more = f"\n({len(rows) - _TABLE_ROWS} more wrong entries)" if len(rows) > _TABLE_ROWS else ""
    title = "worst Jacobian entries (∂output[output index] / ∂input[input index]):"
    if problem.what != "gradient":
        title = "worst second-derivative entries (∂(∂L/∂input j)[output index] / ∂input[input index]):"
    return title + "\n" + "\n".join(lines) + more


def _index(flat, shape):
    return tuple(int(i) for i in numpy.unravel_index(int(flat), shape)) if shape else ()


def _broadcast_axes(shape, full):
    """The axes of `full` along which an array of `shape` is broadcast (leading ones and size-1 ones)."""
    extra = len(full) - len(shape)
    return tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape) if n == 1 and full[extra + i] != 1)


def _broadcast_hint(problem, position, numerical_vjp, jacobians, atol, rtol):
    """For an input the op broadcasts: is its wrong gradient a missing sum over the broadcast axes?

    Two tests, either can say yes. (1) Call the function again with that input
    given at the full broadcast shape (nothing to broadcast), sum its gradient
    over the broadcast axes: if that agrees with the numerical gradient, the
    backward is right except for the reduction. (2) In the Jacobian, the
    gradient is exactly right from some broadcast copies of the input and zero
    from the others: the backward keeps some copies instead of summing them all.
    """
    x = problem.wanted[position]
    index = next(i for i, t in enumerate(problem.inputs) if t is x)
    try:
        full = tuple(numpy.broadcast_shapes(*[t.shape for t in problem.inputs if isinstance(t, Tensor)]))
    except ValueError:
        return ""  # not an op that broadcasts its inputs together
    if x.shape == full:
        return ""
    axes = _broadcast_axes(x.shape, full)
    where = f"input {position} (shape {x.shape}) is broadcast to {full} along axis {_axes_text(axes)}"
    missing_sum = (f"the error is a missing (or wrong) sum over the broadcast axis {_axes_text(axes)}: reduce the "
                   f"gradient with autograd.unbroadcast(grad, x.shape).")
    at_full_shape = _gradient_at_full_shape(problem, index, full, axes)
    if at_full_shape is not None and _agree(at_full_shape, numerical_vjp, atol, rtol):
        return f"hint: {where}. Given at the full shape {full} its gradient is right, so {missing_sum}"
    kept = _copies_kept(jacobians, problem, full, axes, atol, rtol)
    if kept:
        return (f"hint: {where}. Its gradient is right from the copies at position {kept} of the broadcast "
                f"axis {_axes_text(axes)} and zero from the other copies, so {missing_sum}")
    if at_full_shape is not None:
        return f"hint: {where}, but its gradient is wrong at the full shape {full} too: not a missing sum " \
               f"over a broadcast axis."
    return f"hint: {where}, but the wrong entries do not look like a missing sum over a broadcast axis."


def _gradient_at_full_shape(problem, index, full, axes):
    """vᵀJ for input `index` given at the full broadcast shape, summed back over `axes`; None if not possible."""
    x = problem.inputs[index]
    xp = backend.get_array_module(x.data)
    expanded = Tensor(xp.broadcast_to(x.data, full).copy(), requires_grad=True)
    inputs = list(problem.inputs)
    inputs[index] = expanded
    try:
        outputs = _outputs_as_list(problem.fn(*inputs))
        if [o.shape for o in outputs] != [o.shape for o in problem.outputs]:
            return None  # the op is not elementwise in this input
        pairs = [(o, w) for o, w in zip(outputs, problem.weights) if o.requires_grad]
        g, = autograd_grad([o for o, _ in pairs], [expanded], grad_outputs=[Tensor(w) for _, w in pairs],
                           allow_unused=True)
    except Exception:  # noqa: BLE001 - a backward that only works at the broadcast shape: no answer here
        return None
    return numpy.zeros(x.shape) if g is None else _cpu(g.data).sum(axis=axes, keepdims=True).reshape(x.shape)


def _copies_kept(jacobians, problem, full, axes, atol, rtol):
    """Broadcast copies (positions along `axes`) whose Jacobian rows are right, when all others are zero."""
    if not jacobians:
        return None
    for k, analytic, numerical in jacobians:
        if problem.outputs[k].shape != full:
            continue
        right = numpy.all(_excess(analytic, numerical, atol, rtol) <= 0, axis=1)
        zero = numpy.all(analytic == 0, axis=1)
        if right.all() or not (right | zero).all():
            continue
        copies = {tuple(_index(i, full)[a] for a in axes) for i in numpy.nonzero(right & ~zero)[0]}
        if copies:
            shown = sorted(copies)[:3]
            return ", ".join(str(c[0]) if len(c) == 1 else str(c) for c in shown) + (" ..." if len(copies) > 3
                                                                                     else "")
    return None


def _axes_text(axes):
    return str(axes[0]) if len(axes) == 1 else str(axes)


_WRONG_SHAPE = re.compile(r"(\w+)\.backward returned a gradient of shape (\(.*?\)) for an input of shape (\(.*?\))")


def _wrong_shape_error(problem, error):
    """The engine refused a gradient of the wrong shape: say whether it is a missing sum over broadcast axes."""
    found = _WRONG_SHAPE.search(str(error))
    if not found:
        return GradcheckError(f"{problem.check_name}: backward failed: {error}")
    name, got, wanted = found.group(1), ast.literal_eval(found.group(2)), ast.literal_eval(found.group(3))
    text = (f"{problem.check_name}: {name}.backward returned a gradient of shape {got} for an input of "
            f"shape {wanted}.")
    try:
        broadcasts = tuple(numpy.broadcast_shapes(wanted, got)) == got
    except ValueError:
        broadcasts = False
    if broadcasts:
        axes = _broadcast_axes(wanted, got)
        text += (f"\nhint: that input is broadcast to {got} along axis {_axes_text(axes)}, and its gradient "
                 f"is missing the sum over the broadcast axis {_axes_text(axes)}: return "
                 f"autograd.unbroadcast(grad, x.shape).")
    else:
        text += "\nhint: not a broadcasting problem: the gradient must have the shape of its input."
    return GradcheckError(text)


# ---------------------------------------------------------------- small helpers


def _as_float64_inputs(inputs):
    """Copies of the inputs in float64; those that required grad still do."""
    inputs = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    copies = []
    for x in inputs:
        if isinstance(x, Tensor):
            floating = x.dtype.kind == "f"
            data = x.data.astype(numpy.float64) if floating else x.data
            copies.append(Tensor(data.copy(), requires_grad=x.requires_grad and floating))
        else:
            copies.append(x)
    return copies


def _wanted(inputs, check_name):
    wanted = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not wanted:
        raise GradcheckError(f"{check_name}: no input requires grad")
    return wanted


def _outputs_as_list(out):
    if isinstance(out, Tensor):
        return [out]
    return [o for o in out if isinstance(o, Tensor)]


def _random_like(tensors, seed):
    """Fixed random weights of magnitude 0.5 to 1.5 and random sign, one array per tensor, on its device."""
    rng = numpy.random.default_rng(seed)
    return [None if t is None else
            backend.to_device(rng.uniform(0.5, 1.5, size=t.shape) * rng.choice([-1.0, 1.0], size=t.shape), t.device)
            for t in tensors]


def _cpu(array):
    return backend.to_device(array, "cpu")
