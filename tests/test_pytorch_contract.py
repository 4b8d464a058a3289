"""The PyTorch contract, checked against PyTorch 2.13: the same call on autograd and on torch gives the
same values, gradients, shapes and return types (skipped without torch).

Each case is `f(lib, *tensors)`, run once with lib = autograd and once with lib = torch, on
float64 copies of the same arrays that require grad. Outputs are compared (named tuples by
their field names too); then Σ wᵢ · outputᵢ with fixed random weights is differentiated on
both sides and the input gradients are compared.
"""
import math

import numpy
import pytest

import autograd
import autograd.functional
import autograd.nn.functional as AF

torch = pytest.importorskip("torch")
import torch.autograd.functional  # noqa: E402
import torch.nn.functional as TF  # noqa: E402


class Lib:
    def __init__(self, module, functional):
        self.m, self.F = module, functional

    def tensor(self, array):
        return self.m.tensor(array)


AUTOGRAD, TORCH = Lib(autograd, AF), Lib(torch, TF)
rng = numpy.random.default_rng(10)


def r(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape)


def distinct(*shape):
    n = math.prod(shape)
    return (rng.permutation(n) * 0.37 - n * 0.18).reshape(shape)


def ints(high, *shape):
    return rng.integers(0, high, size=shape)


class C:
    """A constant input: a tensor that does not require grad (class weights, ...)."""

    def __init__(self, array):
        self.array = array


def _to_lib(lib, value):
    if isinstance(value, C):
        return autograd.tensor(value.array) if lib is AUTOGRAD else torch.tensor(value.array)
    if isinstance(value, numpy.ndarray):
        if value.dtype.kind == "f":
            return (autograd.tensor(value, requires_grad=True) if lib is AUTOGRAD
                    else torch.tensor(value, requires_grad=True))
        return autograd.tensor(value) if lib is AUTOGRAD else torch.tensor(value)
    return value


def _flat(result):
    """Outputs as a list of (path, value): tuples and named tuples are walked."""
    if isinstance(result, (tuple, list)):
        items = []
        for i, item in enumerate(result):
            items.extend(_flat(item))
        return items
    return [result]


def _as_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, autograd.Tensor):
        return x.numpy()
    return numpy.asarray(x)


def check(f, *arrays, atol=1e-10, grad=True):
    ours_in = [_to_lib(AUTOGRAD, a) for a in arrays]
    theirs_in = [_to_lib(TORCH, a) for a in arrays]
    ours, theirs = f(AUTOGRAD, *ours_in), f(TORCH, *theirs_in)
    assert type(ours).__name__ == type(theirs).__name__ or not isinstance(theirs, tuple), \
        (type(ours).__name__, type(theirs).__name__)
    if hasattr(theirs, "_fields") or type(theirs).__module__ == "torch.return_types":
        assert ours._fields == tuple(f for f in ("values", "indices") if hasattr(theirs, f))
    flat_ours, flat_theirs = _flat(ours), _flat(theirs)
    assert len(flat_ours) == len(flat_theirs)
    for a, b in zip(flat_ours, flat_theirs):
        if isinstance(b, torch.Tensor):
            assert tuple(a.shape) == tuple(b.shape), (a.shape, b.shape)
            assert (a.dtype.kind == "f") == b.dtype.is_floating_point, (a.dtype, b.dtype)
            assert a.dtype.kind != "b" or b.dtype == torch.bool
        else:
            assert not isinstance(a, autograd.Tensor) or numpy.ndim(b) == a.ndim
        numpy.testing.assert_allclose(_as_numpy(a), _as_numpy(b), atol=atol, rtol=1e-7)
    if not grad:
        return
    pairs = [(a, b) for a, b in zip(flat_ours, flat_theirs)
             if isinstance(b, torch.Tensor) and b.requires_grad and b.dtype.is_floating_point]
    if not pairs:
        return
    weights = [rng.uniform(0.5, 1.5, size=tuple(b.shape)) for _, b in pairs]
    sum(((a * autograd.tensor(w)).sum() for (a, _), w in zip(pairs, weights)), autograd.tensor(0.0,
                                                                                               dtype="float64")).backward()
    sum((b * torch.tensor(w)).sum() for (_, b), w in zip(pairs, weights)).backward()
    for a, b in zip(ours_in, theirs_in):
        if isinstance(b, torch.Tensor) and b.requires_grad:
            if b.grad is None:
                assert a.grad is None or numpy.all(a.grad.numpy() == 0)
            else:
                numpy.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=atol, rtol=1e-7)


# ---------------------------------------------------------------- Tensor methods

METHODS = {
    "size": (lambda l, x: (x.size(), x.size(0), x.size(-1)), r(2, 3)),
    "numel, dim": (lambda l, x: (x.numel(), x.dim()), r(2, 3, 4)),
    "view": (lambda l, x: x.view(3, -1), r(2, 3, 2)),
    "view tuple": (lambda l, x: x.view((6, 2)), r(2, 3, 2)),
    "reshape": (lambda l, x: x.reshape(-1), r(2, 3)),
    "permute": (lambda l, x: x.permute(2, 0, 1), r(2, 3, 4)),
    "transpose 2-D": (lambda l, x: x.transpose(0, 1), r(2, 3)),
    "transpose 3-D": (lambda l, x: x.transpose(1, 2), r(2, 3, 4)),
    "t": (lambda l, x: x.t(), r(2, 3)),
    "T": (lambda l, x: x.T, r(2, 3)),
    "expand": (lambda l, x: x.expand(2, -1, 4), r(3, 1)),
    "expand_as": (lambda l, x, y: x.expand_as(y), r(3, 1), r(2, 3, 4)),
    "repeat": (lambda l, x: x.repeat(2, 1, 3), r(2, 3)),
    "flatten": (lambda l, x: x.flatten(1), r(2, 3, 4)),
    "flatten range": (lambda l, x: x.flatten(0, 1), r(2, 3, 4)),
    "unflatten": (lambda l, x: x.unflatten(1, (3, 4)), r(2, 12)),
    "squeeze all": (lambda l, x: x.squeeze(), r(2, 1, 3, 1)),
    "squeeze a dim of 1": (lambda l, x: x.squeeze(1), r(2, 1, 3)),
    "squeeze a dim that is not 1": (lambda l, x: x.squeeze(0), r(2, 1, 3)),
    "unsqueeze": (lambda l, x: x.unsqueeze(-1), r(2, 3)),
    "chunk": (lambda l, x: x.chunk(3, 1), r(2, 5)),
    "split size": (lambda l, x: x.split(2), r(5, 2)),
    "split sizes": (lambda l, x: x.split([1, 3], dim=1), r(2, 4)),
    "narrow": (lambda l, x: x.narrow(1, 1, 2), r(2, 4)),
    "flip": (lambda l, x: x.flip(0, 1), r(2, 3)),
    "roll": (lambda l, x: x.roll(1, 1), r(2, 3)),
    "roll flat": (lambda l, x: x.roll(2), r(2, 3)),
    "contiguous": (lambda l, x: x.contiguous(), r(2, 3)),
    "clone": (lambda l, x: x.clone(), r(2, 3)),
    "float": (lambda l, x: x.float(), r(2, 3)),
    "double": (lambda l, x: x.double(), r(2, 3)),
    "long": (lambda l, x: x.long(), r(2, 3)),
    "int": (lambda l, x: x.int(), r(2, 3)),
    "bool": (lambda l, x: x.bool(), r(2, 3)),
    "clamp": (lambda l, x: x.clamp(-0.5, 0.7), r(2, 5)),
    "clamp min": (lambda l, x: x.clamp(min=0.1), r(2, 5)),
    "clip": (lambda l, x: x.clip(max=0.3), r(2, 5)),
    "abs": (lambda l, x: x.abs(), r(3, 3)),
    "pow": (lambda l, x: x.pow(3), r(2, 3)),
    "sqrt": (lambda l, x: x.sqrt(), r(2, 3, low=0.5)),
    "exp, log": (lambda l, x: (x.exp(), x.log()), r(2, 3, low=0.5)),
    "log1p, expm1": (lambda l, x: (x.log1p(), x.expm1()), r(2, 3, low=-0.5)),
    "sum dim": (lambda l, x: x.sum(1), r(2, 3)),
    "sum dim keepdim": (lambda l, x: x.sum(dim=(0, 2), keepdim=True), r(2, 3, 4)),
    "mean": (lambda l, x: x.mean(-1), r(2, 3)),
    "prod": (lambda l, x: (x.prod(), x.prod(1)), r(2, 3)),
    "prod with a zero": (lambda l, x: x.prod(1), numpy.array([[0.0, 2.0, 3.0], [1.5, 0.5, 2.0]])),
    "std, var unbiased": (lambda l, x: (x.std(), x.var(1), x.var(0, keepdim=True)), r(3, 4)),
    "var correction": (lambda l, x: (x.var(correction=0), x.std(1, correction=2)), r(3, 4)),
    "var unbiased=False": (lambda l, x: x.var(1, unbiased=False), r(3, 4)),
    "amax, amin": (lambda l, x: (x.amax(1), x.amin((0, 1))), distinct(2, 3, 2)),
    "logsumexp": (lambda l, x: x.logsumexp(1), r(2, 3)),
    "max all": (lambda l, x: x.max(), distinct(2, 3)),
    "max dim": (lambda l, x: x.max(1), distinct(2, 3)),
    "max dim keepdim": (lambda l, x: x.max(0, keepdim=True), distinct(2, 3)),
    "min dim": (lambda l, x: x.min(dim=-1), distinct(2, 3)),
    "max other": (lambda l, x, y: x.max(y), distinct(2, 3), distinct(2, 3) + 0.1),
    "argmax, argmin": (lambda l, x: (x.argmax(), x.argmax(1), x.argmin(0, keepdim=True)), distinct(2, 3)),
    "cumsum, cumprod": (lambda l, x: (x.cumsum(1), x.cumprod(0)), r(3, 3)),
    "sort": (lambda l, x: x.sort(), distinct(2, 4)),
    "sort descending": (lambda l, x: x.sort(0, descending=True), distinct(3, 2)),
    "argsort": (lambda l, x: x.argsort(dim=1, descending=True), distinct(2, 4)),
    "topk": (lambda l, x: x.topk(2), distinct(2, 4)),
    "topk smallest": (lambda l, x: x.topk(2, dim=0, largest=False), distinct(3, 2)),
    "gather": (lambda l, x, i: x.gather(1, i), r(3, 4), numpy.array([[0, 3], [1, 1], [2, 0]])),
    "scatter": (lambda l, x, i, s: x.scatter(1, i, s), r(2, 4), numpy.array([[3, 0], [1, 2]]), r(2, 2)),
    "scatter value": (lambda l, x, i: x.scatter(0, i, 1.5), r(3, 2), numpy.array([[2, 0]])),
    "scatter_add": (lambda l, x, i, s: x.scatter_add(0, i, s), r(3, 2), numpy.array([[0, 1], [0, 0]]), r(2, 2)),
    "index_select": (lambda l, x, i: x.index_select(0, i), r(4, 2), numpy.array([3, 0, 3])),
    "masked_fill": (lambda l, x, m: x.masked_fill(m, -1.0), r(2, 3), rng.random((2, 3)) > 0.5),
    "where": (lambda l, x, y: x.where(x > 0, y), r(2, 3), r(2, 3)),
    "tril, triu": (lambda l, x: (x.tril(), x.triu(1), x.tril(-1)), r(3, 4)),
    "diag": (lambda l, x, v: (x.diag(), x.diag(1), v.diag(), v.diag(-1)), r(3, 3), r(2)),
    "trace": (lambda l, x: x.trace(), r(3, 3)),
    "norm": (lambda l, x: (x.norm(), x.norm(1), x.norm(dim=1), x.norm(p=3, dim=0, keepdim=True)), r(2, 3)),
    "matmul, mm, bmm": (lambda l, a, b, c: (a.matmul(b), a.mm(b), c.bmm(c.transpose(1, 2))), r(2, 3), r(3, 2),
                        r(2, 2, 3)),
    "dot, outer": (lambda l, a, b: (a.dot(b), a.outer(b)), r(3), r(3)),
    "%": (lambda l, x: (x % 1.5, x.remainder(-1.3)), r(2, 5, low=-3, high=3) + 0.01),
    "//": (lambda l, x: (x // 0.7, 7 // x), C(r(2, 5, low=-3, high=3) + 0.01)),
    "comparisons": (lambda l, x, y: (x == y, x < y, x.ge(y), x.ne(y)), r(2, 3), r(2, 3)),
    "logical": (lambda l, a, b: (a & b, a | b, a ^ b, ~a, a.logical_and(b)), rng.random(4) > 0.5,
                rng.random(4) > 0.5),
    "softmax": (lambda l, x: (x.softmax(1), x.log_softmax(dim=0)), r(2, 3)),
}


@pytest.mark.parametrize("name", sorted(METHODS))
def test_tensor_method_matches_pytorch(name):
    f, *arrays = METHODS[name]
    check(f, *arrays)


# ---------------------------------------------------------------- functions

FUNCTIONS = {
    "cat": (lambda l, a, b: l.m.cat([a, b], dim=1), r(2, 3), r(2, 1)),
    "stack": (lambda l, a, b: l.m.stack([a, b], dim=-1), r(2, 3), r(2, 3)),
    "split": (lambda l, x: l.m.split(x, 2, dim=1), r(2, 5)),
    "chunk": (lambda l, x: l.m.chunk(x, 2), r(5, 2)),
    "einsum": (lambda l, a, b: l.m.einsum("bij,bjk->bik", a, b), r(2, 2, 3), r(2, 3, 2)),
    "einsum sum and outer": (lambda l, a, b: (l.m.einsum("ij->i", a), l.m.einsum("i,j->ij", b, b)), r(2, 3), r(3)),
    "tensordot": (lambda l, a, b: (l.m.tensordot(a, b, dims=2), l.m.tensordot(a, b, dims=([1], [0]))),
                  r(2, 3, 4), r(3, 4, 2)),
    "transpose": (lambda l, x: l.m.transpose(x, 0, 2), r(2, 3, 4)),
    "permute": (lambda l, x: l.m.permute(x, (1, 2, 0)), r(2, 3, 4)),
    "tile": (lambda l, x: l.m.tile(x, (2, 1, 2)), r(2, 3)),
    "meshgrid": (lambda l, a, b: l.m.meshgrid(a, b, indexing="ij") + l.m.meshgrid(a, b, indexing="xy"), r(3), r(2)),
    "eye, linspace": (lambda l: (l.m.eye(3, 2, dtype=l.m.float64), l.m.linspace(0, 1, 5, dtype=l.m.float64)),),
    "zeros_like, ones_like, full_like": (lambda l, x: (l.m.zeros_like(x), l.m.ones_like(x),
                                                       l.m.full_like(x, 2.5)), r(2, 3)),
    "where": (lambda l, x, y: l.m.where(x > 0, x, y), r(2, 3), r(2, 3)),
    "clamp": (lambda l, x: l.m.clamp(x, min=-0.5), r(2, 3)),
    "max with dim= alias axis=": (lambda l, x: l.m.max(x, 1), distinct(2, 3)),
    "var": (lambda l, x: (l.m.var(x), l.m.std(x, 0)), r(3, 4)),
    "logsumexp": (lambda l, x: l.m.logsumexp(x, 0), r(3, 4)),
    "gather": (lambda l, x, i: l.m.gather(x, 0, i), r(3, 2), numpy.array([[2, 0], [1, 1]])),
    "sort, topk": (lambda l, x: (l.m.sort(x, 0), l.m.topk(x, 1)), distinct(3, 3)),
    "trace, diag, tril": (lambda l, x: (l.m.trace(x), l.m.diag(x), l.m.tril(x)), r(3, 3)),
    "norm": (lambda l, x: l.m.norm(x, p=1, dim=1), r(2, 3)),
    "cumsum": (lambda l, x: l.m.cumsum(x, dim=0), r(3, 2)),
    "flip, roll": (lambda l, x: (l.m.flip(x, (0,)), l.m.roll(x, (1, 1), (0, 1))), r(2, 3)),
    "bmm, mm, dot, outer": (lambda l, a, b, v: (l.m.bmm(a, b), l.m.mm(a[0], b[0]), l.m.dot(v, v), l.m.outer(v, v)),
                            r(2, 2, 3), r(2, 3, 2), r(3)),
    "index_select, masked_fill": (lambda l, x, i, m: (l.m.index_select(x, 1, i), l.m.masked_fill(x, m, 0.0)),
                                  r(2, 3), numpy.array([2, 2]), rng.random((2, 3)) > 0.5),
    "unsqueeze, squeeze, flatten": (lambda l, x: (l.m.unsqueeze(x, 0), l.m.squeeze(x, 1), l.m.flatten(x)),
                                    r(2, 1, 3)),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_matches_pytorch(name):
    f, *arrays = FUNCTIONS[name]
    check(f, *arrays)


# ---------------------------------------------------------------- nn.functional

PAD_INPUT = r(2, 3, 4)

FUNCTIONAL = {
    "activations": (lambda l, x: (l.F.relu(x), l.F.leaky_relu(x, 0.2), l.F.elu(x, 0.5), l.F.selu(x), l.F.gelu(x),
                                  l.F.gelu(x, approximate="tanh"), l.F.silu(x), l.F.mish(x), l.F.softplus(x, beta=2.0),
                                  l.F.softsign(x), l.F.hardtanh(x, -0.5, 0.5), l.F.sigmoid(x), l.F.tanh(x)),
                    rng.uniform(0.1, 2, size=(3, 4)) * numpy.where(rng.random((3, 4)) > 0.5, 1, -1)),
    "softmax, log_softmax": (lambda l, x: (l.F.softmax(x, dim=1), l.F.log_softmax(x, dim=0)), r(2, 3, 4)),
    "linear": (lambda l, x, w, b: l.F.linear(x, w, b), r(4, 3), r(5, 3), r(5)),
    "embedding": (lambda l, i, w: l.F.embedding(i, w), numpy.array([[0, 2], [2, 1]]), r(3, 4)),
    "one_hot": (lambda l, i: l.F.one_hot(i, 4), numpy.array([0, 3, 1])),
    "pad constant": (lambda l, x: (l.F.pad(x, (1, 2)), l.F.pad(x, (1, 0, 0, 2), value=1.5),
                                   l.F.pad(x, (0, 1, 1, 1, 2, 0))), PAD_INPUT),
    "pad reflect": (lambda l, x: l.F.pad(x, (2, 1, 1, 1), mode="reflect"), PAD_INPUT),
    "pad replicate": (lambda l, x: l.F.pad(x, (3, 1, 0, 2), mode="replicate"), PAD_INPUT),
    "normalize": (lambda l, x: (l.F.normalize(x), l.F.normalize(x, p=1.0, dim=0)), r(3, 4)),
    "cosine_similarity": (lambda l, a, b: l.F.cosine_similarity(a, b, dim=-1), r(3, 4), r(3, 4)),
    "cross_entropy (N, C)": (lambda l, x, t: l.F.cross_entropy(x, t), r(4, 5), ints(5, 4)),
    "cross_entropy (N, C, d)": (lambda l, x, t: l.F.cross_entropy(x, t, reduction="none"), r(2, 5, 3), ints(5, 2, 3)),
    "cross_entropy weight ignore smoothing": (
        lambda l, x, t, w: (l.F.cross_entropy(x, t, weight=w, ignore_index=1, label_smoothing=0.2),
                            l.F.cross_entropy(x, t, weight=w, reduction="sum")),
        r(6, 4), numpy.array([0, 1, 2, 3, 1, 2]), C(rng.uniform(0.5, 2, size=4))),
    "cross_entropy probabilities": (
        lambda l, x, t: (l.F.cross_entropy(x, t), l.F.cross_entropy(x, t, label_smoothing=0.1, reduction="none")),
        r(3, 4), rng.dirichlet(numpy.ones(4), size=3)),
    "nll_loss": (lambda l, x, t, w: (l.F.nll_loss(x, t), l.F.nll_loss(x, t, weight=w),
                                     l.F.nll_loss(x, t, weight=w, reduction="none")),
                 r(5, 3, low=-3, high=0), ints(3, 5), C(rng.uniform(0.5, 2, size=3))),
    "binary_cross_entropy weight": (lambda l, p, t, w: l.F.binary_cross_entropy(p, t, weight=w),
                                    rng.uniform(0.1, 0.9, size=(3, 2)), rng.random((3, 2)), C(rng.uniform(0.5, 2, (3, 2)))),
    "bce with logits weight pos_weight": (
        lambda l, x, t, w, pw: l.F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw),
        r(3, 2), rng.random((3, 2)), C(rng.uniform(0.5, 2, (3, 1))), C(rng.uniform(0.5, 2, 2))),
    "mse, l1, smooth_l1, huber": (lambda l, a, b: (l.F.mse_loss(a, b), l.F.l1_loss(a, b, reduction="sum"),
                                                   l.F.smooth_l1_loss(a, b, beta=0.5), l.F.huber_loss(a, b, delta=0.7)),
                                  r(3, 4), r(3, 4)),
    "kl_div": (lambda l, x, t: (l.F.kl_div(x, t, reduction="batchmean"), l.F.kl_div(x, t.log(), log_target=True)),
               numpy.log(rng.dirichlet(numpy.ones(4), size=3)), rng.dirichlet(numpy.ones(4), size=3)),
    "scaled_dot_product_attention": (lambda l, q, k, v: (l.F.scaled_dot_product_attention(q, k, v),
                                                         l.F.scaled_dot_product_attention(q, k, v, is_causal=True)),
                                     r(2, 3, 4), r(2, 3, 4), r(2, 3, 5)),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
def test_nn_functional_matches_pytorch(name):
    f, *arrays = FUNCTIONAL[name]
    check(f, *arrays)


def test_kl_div_counts_zero_target_probabilities_as_zero():
    x = numpy.log(numpy.array([[0.2, 0.3, 0.5]]))
    t = numpy.array([[0.0, 0.5, 0.5]])
    ours = AF.kl_div(autograd.tensor(x), autograd.tensor(t), reduction="sum")
    theirs = TF.kl_div(torch.tensor(x), torch.tensor(t), reduction="sum")
    numpy.testing.assert_allclose(ours.item(), theirs.item())


# ---------------------------------------------------------------- autograd.functional and autograd.backward


def _cubic(lib):
    return lambda x, y: (x ** 3 * y).sum() + (x * y).sum() ** 2


@pytest.mark.parametrize("name", ["jacobian", "hessian", "vjp", "jvp", "vhp", "hvp"])
def test_autograd_functional_matches_pytorch(name):
    x, y, v, u = r(3), r(3), r(3), r(3)
    ours_f, theirs_f = getattr(autograd.functional, name), getattr(torch.autograd.functional, name)
    A, T = (lambda a: autograd.tensor(a)), (lambda a: torch.tensor(a))
    if name == "jacobian":
        def f(m):
            return lambda a, b: (a * b.exp(), (a ** 2).sum(0))
        got, want = ours_f(f(autograd), (A(x), A(y))), theirs_f(f(torch), (T(x), T(y)))
    elif name == "hessian":
        got, want = ours_f(_cubic(autograd), (A(x), A(y))), theirs_f(_cubic(torch), (T(x), T(y)))
    elif name in ("vjp", "jvp"):
        def g(a):
            return a.sin() * a.sum()
        got, want = ours_f(g, A(x), A(v)), theirs_f(g, T(x), T(v))
    else:
        got, want = ours_f(_cubic(autograd), (A(x), A(y)), (A(v), A(u))), \
            theirs_f(_cubic(torch), (T(x), T(y)), (T(v), T(u)))
    flat_got, flat_want = _flat(got), _flat(want)
    assert len(flat_got) == len(flat_want)
    for a, b in zip(flat_got, flat_want):
        assert tuple(a.shape) == tuple(b.shape)
        numpy.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-10)


def test_jacobian_create_graph_is_differentiable_and_strict_refuses_unused_inputs():
    x = autograd.tensor(r(2), requires_grad=True)
    jac = autograd.functional.jacobian(lambda a: a ** 3, x, create_graph=True)
    jac.sum().backward()
    numpy.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy())
    with pytest.raises(autograd.GraphError, match="strict"):
        autograd.functional.jacobian(lambda a, b: a * 2, (x, autograd.tensor(r(2))), strict=True)
    zeros = autograd.functional.jacobian(lambda a, b: a * 2, (x, autograd.tensor(r(2))))[1]
    assert numpy.all(zeros.numpy() == 0)


def test_backward_of_several_tensors_matches_pytorch():
    a, b = r(3), r(3)
    x, tx = autograd.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    seed = b
    autograd.backward([(x * x).sum(), x * 3], [None, autograd.tensor(seed)])
    torch.autograd.backward([(tx * tx).sum(), tx * 3], [None, torch.tensor(seed)])
    numpy.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


# ---------------------------------------------------------------- refused where PyTorch's meaning cannot be given


def test_transpose_with_a_permutation_names_permute():
    with pytest.raises(autograd.ArgumentError, match="permute"):
        autograd.transpose(autograd.zeros(2, 3, 4), (2, 0, 1), None)
    with pytest.raises(TypeError):
        autograd.zeros(2, 3, 4).transpose(2, 0, 1)


def test_a_loss_refuses_a_target_of_another_shape():
    with pytest.raises(autograd.ShapeError, match=r"\(4,\) differs from the input of shape \(4, 1\)"):
        AF.mse_loss(autograd.zeros(4, 1), autograd.zeros(4))
    with pytest.raises(autograd.ShapeError):
        AF.l1_loss(autograd.zeros(4, 1), numpy.zeros(4))
    with pytest.raises(autograd.ShapeError):
        AF.binary_cross_entropy(autograd.full((4, 1), 0.5), autograd.zeros(4))


def test_aliases_never_change_the_meaning():
    x = autograd.tensor(distinct(2, 3))
    assert x.max(axis=1).indices.tolist() == x.max(dim=1).indices.tolist()
    assert x.sum(axis=0, keepdims=True).shape == x.sum(dim=0, keepdim=True).shape == (1, 3)
    assert x.var(axis=1).tolist() == x.var(dim=1).tolist()
    with pytest.raises(autograd.ArgumentError, match="both"):
        x.sum(dim=0, axis=1)


def test_numpy_names_keep_numpy_meanings():
    x = autograd.tensor(r(2, 3, 4))
    assert x.T.shape == (4, 3, 2)
    assert x.swapaxes(0, 2).shape == (4, 3, 2)
    assert x.expand_dims(0).shape == (1, 2, 3, 4)
    assert autograd.concatenate([x, x], axis=None).shape == (48,)
    assert x.astype("float64").dtype == numpy.float64


def test_size_is_a_tuple_subclass_and_numel_counts():
    x = autograd.zeros(2, 3)
    assert isinstance(x.size(), tuple) and x.size() == (2, 3) and x.size().numel() == 6
    assert x.size(1) == 3 and x.numel() == 6 and x.dim() == 2
    with pytest.raises(autograd.IndexOutOfRangeError):
        x.size(2)


def test_indices_carry_no_gradient():
    x = autograd.tensor(distinct(2, 3), requires_grad=True)
    values, indices = x.max(1)
    assert values.requires_grad and not indices.requires_grad and indices.dtype == numpy.int64
