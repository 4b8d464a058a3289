"""Derivatives of whole functions, as torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp.

    >>> from autograd.functional import jacobian, hessian, jvp
    >>> jacobian(lambda x: x ** 2, autograd.tensor([1., 2.]))       # [[2, 0], [0, 4]]
    >>> hessian(lambda x: (x ** 3).sum(), autograd.tensor([1., 2.]))   # diag(6x)

All of them are built on `autograd.grad`: a vector-Jacobian product is one backward
pass; a Jacobian is one backward per output element; a Jacobian-vector product is
the vjp of the vjp (the "double backward" trick: vᵀJ is linear in v, so its gradient
with respect to v is J u); a Hessian is the Jacobian of the gradient (create_graph=True).

`inputs` is a tensor or a tuple of tensors, and results follow that structure.
`create_graph=True` keeps the results differentiable; `strict=True` raises when an
output does not depend on an input (otherwise that part of the result is zeros).
"""
from .errors import ArgumentError, GraphError, ShapeError
from .graph import grad
from .grad_mode import enable_grad
from .tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _as_tuple(value, what):
    is_tuple = isinstance(value, (tuple, list))
    values = tuple(value) if is_tuple else (value,)
    for v in values:
        if not isinstance(v, Tensor):
            raise ArgumentError(f"{what} must be a tensor or a tuple of tensors, got {type(v).__name__}")
    return is_tuple, values


def _grad_inputs(inputs, create_graph):
    """Fresh leaves that require grad (the caller's tensors are not changed); with create_graph the
    results stay connected to the caller's graph."""
    if create_graph:
        return tuple(x if x.requires_grad else x.detach().requires_grad_(True) for x in inputs)
    return tuple(Tensor._from_op(x.data, None, 0).requires_grad_(True) for x in inputs)


def _zeros_like(x):
    return Tensor._from_op(x.data * 0, None, 0)


def _grads(outputs, inputs, grad_outputs, create_graph, strict, what):
    """Σ_k grad_outputs[k]ᵀ ∂outputs[k]/∂inputs, with zeros (or an error, strict) for unused inputs."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if pairs:
        results = grad([o for o, _ in pairs], list(inputs), [g for _, g in pairs], retain_graph=True,
                       create_graph=create_graph, allow_unused=True)
    else:
        results = (None,) * len(inputs)
    out = []
    for i, (x, g) in enumerate(zip(inputs, results)):
        if g is None:
            if strict:
                raise GraphError(f"{what}: the output does not depend on input {i} (strict=True)")
            g = _zeros_like(x)
        elif not create_graph and isinstance(g, Tensor):
            g = Tensor._from_op(g.data, None, 0)
        out.append(g)
    return tuple(out)


def _check_v(v, like, what):
    _, vs = _as_tuple(v, what + " v")
    if len(vs) != len(like):
        raise ShapeError(f"{what}: v has {len(vs)} tensors, expected {len(like)}")
    for i, (a, b) in enumerate(zip(vs, like)):
        if tuple(a.shape) != tuple(b.shape):
            raise ShapeError(f"{what}: v[{i}] has shape {tuple(a.shape)}, expected {tuple(b.shape)}")
    return vs


def _result(values, is_tuple):
    return tuple(values) if is_tuple else values[0]


def _detached(values, create_graph):
    return tuple(v if create_graph else Tensor._from_op(v.data, None, 0) for v in values)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ J): the vector-Jacobian product (v may be omitted for a scalar output).

    >>> out, g = vjp(lambda x: x * 3, autograd.tensor([1., 2.]), autograd.tensor([1., 1.]))   # g = [3, 3]
    """
    inputs_tuple, inputs = _as_tuple(inputs, "inputs")
    with enable_grad():
        leaves = _grad_inputs(inputs, create_graph)
        outputs_tuple, outputs = _as_tuple(func(*leaves), "func's output")
        if v is None:
            if len(outputs) != 1 or outputs[0].numel() != 1:
                raise ShapeError("vjp: v can only be omitted when func returns a single one-element tensor")
            vs = (None,)
        else:
            vs = _check_v(v, outputs, "vjp")
        grads = _grads(outputs, leaves, vs, create_graph, strict, "vjp")
    return _result(_detached(outputs, create_graph), outputs_tuple), _result(grads, inputs_tuple)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product, by differentiating a vjp with respect to its vector.

    >>> out, jv = jvp(lambda x: x ** 2, autograd.tensor([1., 2.]), autograd.tensor([1., 0.]))   # jv = [2, 0]
    """
    inputs_tuple, inputs = _as_tuple(inputs, "inputs")
    with enable_grad():
        leaves = _grad_inputs(inputs, create_graph)
        if v is None:
            if len(inputs) != 1 or inputs[0].numel() != 1:
                raise ShapeError("jvp: v can only be omitted when there is a single one-element input")
            vs = (Tensor._from_op(inputs[0].data * 0 + 1, None, 0),)
        else:
            vs = _check_v(v, inputs, "jvp")
        outputs_tuple, outputs = _as_tuple(func(*leaves), "func's output")
        # u ↦ uᵀ J is linear; its gradient with respect to u, contracted with v, is J v.
        dummies = tuple(Tensor._from_op(o.data * 0, None, 0).requires_grad_(True) for o in outputs)
        vjps = _grads(outputs, leaves, dummies, True, strict, "jvp")
        used = [(g, v_i) for g, v_i in zip(vjps, vs) if g.requires_grad]
        if used:
            results = grad([g for g, _ in used], list(dummies), [v_i for _, v_i in used], retain_graph=True,
                           create_graph=create_graph, allow_unused=True)
        else:
            results = (None,) * len(dummies)
        jvps = []
        for i, (o, r) in enumerate(zip(outputs, results)):
            if r is None:
                if strict:
                    raise GraphError(f"jvp: output {i} does not depend on the inputs (strict=True)")
                r = _zeros_like(o)
            jvps.append(r if create_graph else Tensor._from_op(r.data, None, 0))
    return _result(_detached(outputs, create_graph), outputs_tuple), _result(jvps, outputs_tuple)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """∂func/∂inputs: for one input and one output a tensor of shape output.shape + input.shape;
    tuples of them (outputs outer, inputs inner) otherwise. One backward pass per output element.

    >>> jacobian(lambda x: x.sum(dim=0), autograd.ones(2, 3)).shape      # (3, 2, 3)
    """
    if strategy not in ("reverse-mode",):
        raise ArgumentError("jacobian: only strategy='reverse-mode' is implemented")
    from . import ops

    inputs_tuple, inputs = _as_tuple(inputs, "inputs")
    with enable_grad():
        leaves = _grad_inputs(inputs, create_graph)
        outputs_tuple, outputs = _as_tuple(func(*leaves), "func's output")
        blocks = []
        for out in outputs:
            rows = [[] for _ in leaves]
            flat_count = out.numel()
            for k in range(flat_count):
                seed = out.data.reshape(-1) * 0
                seed[k] = 1
                seed = Tensor._from_op(seed.reshape(out.shape), None, 0)
                for i, g in enumerate(_grads((out,), leaves, (seed,), create_graph, strict, "jacobian")):
                    rows[i].append(g)
            per_input = []
            for i, x in enumerate(leaves):
                if rows[i]:
                    stacked = ops.stack(rows[i]) if create_graph else \
                        Tensor._from_op(ops.stack(rows[i]).data, None, 0)
                else:
                    stacked = Tensor._from_op(x.data.reshape((0,) + tuple(x.shape)), None, 0)
                per_input.append(ops.reshape(stacked, tuple(out.shape) + tuple(x.shape)) if create_graph else
                                 Tensor._from_op(stacked.data.reshape(tuple(out.shape) + tuple(x.shape)), None, 0))
            blocks.append(_result(per_input, inputs_tuple))
    return _result(blocks, outputs_tuple)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """Second derivatives of a scalar func: shape input.shape + input.shape (tuples of tuples for
    several inputs).

    >>> hessian(lambda x: (x ** 3).sum(), autograd.tensor([1., 2.]))     # [[6, 0], [0, 12]]
    """
    inputs_tuple, inputs = _as_tuple(inputs, "inputs")

    def gradient(*xs):
        out = func(*xs)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise ShapeError("hessian: func must return a single one-element tensor")
        return _grads((out.reshape(()),), xs, (None,), True, strict, "hessian")

    result = jacobian(gradient, inputs if inputs_tuple else inputs[0], create_graph, strict)
    # jacobian of a tuple-valued gradient: a tuple (one per gradient) of per-input results
    return result if inputs_tuple else result[0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ H) for a scalar func: the vjp of its gradient.

    >>> vhp(lambda x: (x ** 3).sum(), autograd.tensor([1., 2.]), autograd.tensor([1., 1.]))   # (9, [6, 12])
    """
    inputs_tuple, inputs = _as_tuple(inputs, "inputs")
    vs = _check_v(v, inputs, "vhp") if v is not None else None
    with enable_grad():
        leaves = _grad_inputs(inputs, True)
        out = func(*leaves)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise ShapeError("vhp: func must return a single one-element tensor")
        if vs is None:
            if len(inputs) != 1 or inputs[0].numel() != 1:
                raise ShapeError("vhp: v can only be omitted when there is a single one-element input")
            vs = (Tensor._from_op(inputs[0].data * 0 + 1, None, 0),)
        gradients = _grads((out.reshape(()),), leaves, (None,), True, strict, "vhp")
        products = _grads(gradients, leaves, vs, create_graph, strict, "vhp")
    return (out if create_graph else Tensor._from_op(out.data, None, 0)), _result(products, inputs_tuple)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a scalar func; the Hessian is symmetric, so this is vhp's product.

    >>> hvp(lambda x: (x ** 3).sum(), autograd.tensor([1., 2.]), autograd.tensor([1., 0.]))   # (9, [6, 0])
    """
    return vhp(func, inputs, v, create_graph, strict)
