"""Attention: gradients, masking, and multi-head attention against NumPy and PyTorch."""
import numpy
import pytest

import autograd
from autograd import nn


def rand(rng, *shape):
    return autograd.tensor(rng.standard_normal(shape), dtype="float64", requires_grad=True)


def np_softmax(x):
    e = numpy.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def parameter_gradcheck(module, loss_fn, eps=1e-6, tol=1e-5, samples=12, seed=0):
    """Central differences of loss_fn() for a sample of each parameter's elements vs .grad."""
    module.double()
    module.zero_grad()
    loss_fn().backward()
    rng = numpy.random.default_rng(seed)
    for name, p in module.named_parameters():
        flat = p.data.reshape(-1)
        for i in rng.choice(flat.size, size=min(samples, flat.size), replace=False):
            original = flat[i]
            flat[i] = original + eps
            with autograd.no_grad():
                plus = loss_fn().item()
            flat[i] = original - eps
            with autograd.no_grad():
                minus = loss_fn().item()
            flat[i] = original
            numerical = (plus - minus) / (2 * eps)
            analytic = p.grad.data.reshape(-1)[i]
            assert abs(analytic - numerical) <= tol + 1e-3 * abs(numerical), (name, i, analytic, numerical)


# ---------------------------------------------------------------- scaled dot-product attention


def np_attention(q, k, v, allowed=None):
    scores = q @ numpy.swapaxes(k, -1, -2) / numpy.sqrt(q.shape[-1])
    if allowed is not None:
        scores = numpy.where(allowed, scores, -numpy.inf)
    return np_softmax(scores) @ v


def test_sdpa_matches_numpy_with_mask_true_meaning_allowed():
    rng = numpy.random.default_rng(0)
    q, k, v = rand(rng, 2, 3, 4), rand(rng, 2, 5, 4), rand(rng, 2, 5, 6)
    allowed = rng.random((2, 3, 5)) < 0.6
    allowed[..., 0] = True
    out, weights = nn.scaled_dot_product_attention(q, k, v, mask=allowed, return_weights=True)
    numpy.testing.assert_allclose(out.numpy(), np_attention(q.numpy(), k.numpy(), v.numpy(), allowed), atol=1e-12)
    assert numpy.all(weights.numpy()[~allowed] == 0.0)
    numpy.testing.assert_allclose(weights.numpy().sum(-1), 1.0)


def test_sdpa_float_mask_is_added_and_causal_mask():
    rng = numpy.random.default_rng(1)
    q, k, v = rand(rng, 4, 4), rand(rng, 4, 4), rand(rng, 4, 3)
    additive = rng.standard_normal((4, 4))
    out = nn.scaled_dot_product_attention(q, k, v, mask=additive)
    scores = q.numpy() @ k.numpy().T / 2.0 + additive
    numpy.testing.assert_allclose(out.numpy(), np_softmax(scores) @ v.numpy(), atol=1e-12)
    causal = nn.scaled_dot_product_attention(q, k, v, is_causal=True)
    numpy.testing.assert_allclose(causal.numpy(), np_attention(q.numpy(), k.numpy(), v.numpy(),
                                                               numpy.tril(numpy.ones((4, 4), bool))), atol=1e-12)


@pytest.mark.parametrize("masking", ["none", "bool", "causal"])
def test_sdpa_gradcheck(masking):
    rng = numpy.random.default_rng(2)
    q, k, v = rand(rng, 2, 3, 4), rand(rng, 2, 3, 4), rand(rng, 2, 3, 5)
    mask = rng.random((2, 3, 3)) < 0.7
    mask[..., 0] = True
    options = {"none": {}, "bool": {"mask": mask}, "causal": {"is_causal": True}}[masking]
    assert autograd.gradcheck(lambda q, k, v: nn.scaled_dot_product_attention(q, k, v, **options), [q, k, v])


def test_sdpa_against_torch():
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(3)
    q, k, v = (rng.standard_normal((2, 2, 5, 8)) for _ in range(3))
    allowed = rng.random((5, 5)) < 0.7
    allowed[:, 0] = True
    ours = nn.scaled_dot_product_attention(autograd.tensor(q), autograd.tensor(k), autograd.tensor(v), mask=allowed)
    tq, tk, tv = (torch.tensor(a, dtype=torch.float32) for a in (q, k, v))
    theirs = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.tensor(allowed))
    numpy.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-5)


def test_padded_keys_get_zero_weight_and_change_nothing():
    rng = numpy.random.default_rng(4)
    lengths = numpy.array([3, 5])
    allowed = nn.lengths_to_mask(lengths, 5)
    assert allowed.tolist() == [[True] * 3 + [False] * 2, [True] * 5]
    q, k, v = rand(rng, 2, 2, 4), rand(rng, 2, 5, 4), rand(rng, 2, 5, 4)
    out, weights = nn.scaled_dot_product_attention(q, k, v, mask=allowed[:, None, :], return_weights=True)
    assert numpy.all(weights.numpy()[0, :, 3:] == 0.0)
    out.sum().backward()
    assert numpy.all(k.grad.numpy()[0, 3:] == 0) and numpy.all(v.grad.numpy()[0, 3:] == 0)
    k2, v2 = k.numpy().copy(), v.numpy().copy()
    k2[0, 3:] = 100.0 * rng.standard_normal((2, 4))
    v2[0, 3:] = 100.0 * rng.standard_normal((2, 4))
    out2 = nn.scaled_dot_product_attention(q, autograd.tensor(k2), autograd.tensor(v2), mask=allowed[:, None, :])
    numpy.testing.assert_array_equal(out.numpy(), out2.numpy())


# ---------------------------------------------------------------- classic attention modules


@pytest.mark.parametrize("make", [lambda: nn.DotAttention(), lambda: nn.DotAttention(scaled=True),
                                  lambda: nn.GeneralAttention(4, 4), lambda: nn.AdditiveAttention(4, 4, 3)],
                         ids=["dot", "scaled-dot", "general", "additive"])
def test_score_attention_gradcheck_masking_and_parameters(make):
    autograd.manual_seed(0)
    attention = make().double()
    rng = numpy.random.default_rng(5)
    mask = nn.lengths_to_mask([2, 4], 4)
    query, keys = rand(rng, 2, 3, 4), rand(rng, 2, 4, 4)

    def context(q, k):
        return attention(q, k, mask=mask)[0]

    assert autograd.gradcheck(context, [query, keys])
    context_, weights = attention(query, keys, mask=mask)
    assert context_.shape == (2, 3, 4) and weights.shape == (2, 3, 4)
    assert numpy.all(weights.numpy()[0, :, 2:] == 0.0)
    numpy.testing.assert_allclose(weights.numpy().sum(-1), 1.0)
    # one decoder step: query (B, D) gives context (B, D) and weights (B, T_k)
    c1, w1 = attention(query[:, 0], keys, mask=mask)
    numpy.testing.assert_allclose(c1.numpy(), context_.numpy()[:, 0], atol=1e-12)
    assert w1.shape == (2, 4)
    if list(attention.parameters()):
        parameter_gradcheck(attention, lambda: (attention(query, keys, mask=mask)[0] ** 2).sum())


def test_additive_attention_is_bahdanau_formula():
    autograd.manual_seed(1)
    attention = nn.AdditiveAttention(3, 5, 4).double()
    rng = numpy.random.default_rng(6)
    q, k = rng.standard_normal((1, 2, 3)), rng.standard_normal((1, 6, 5))
    _, weights = attention(autograd.tensor(q), autograd.tensor(k))
    Wq, Wk, bk, v = (p.numpy() for p in (attention.query_proj.weight, attention.key_proj.weight,
                                           attention.key_proj.bias, attention.v.weight))
    scores = numpy.array([[v[0] @ numpy.tanh(Wq @ q[0, i] + Wk @ k[0, j] + bk) for j in range(6)] for i in range(2)])
    numpy.testing.assert_allclose(weights.numpy()[0], np_softmax(scores), atol=1e-12)


# ---------------------------------------------------------------- multi-head attention


def np_multi_head(mha, query, key, value, key_padding_mask=None, attn_mask=None):
    """An independent computation: loop over batch and heads, PyTorch's mask conventions."""
    E, h = mha.embed_dim, mha.num_heads
    d = E // h
    W, b = mha.in_proj_weight.numpy(), mha.in_proj_bias.numpy()
    Wo, bo = mha.out_proj.weight.numpy(), mha.out_proj.bias.numpy()
    B, L, S = query.shape[0], query.shape[1], key.shape[1]
    out = numpy.zeros((B, L, E))
    weights = numpy.zeros((B, h, L, S))
    for n in range(B):
        q = query[n] @ W[:E].T + b[:E]
        k = key[n] @ W[E:2 * E].T + b[E:2 * E]
        v = value[n] @ W[2 * E:].T + b[2 * E:]
        heads = []
        for j in range(h):
            cols = slice(j * d, (j + 1) * d)
            scores = q[:, cols] @ k[:, cols].T / numpy.sqrt(d)
            if attn_mask is not None:
                scores = numpy.where(attn_mask, -numpy.inf, scores)
            if key_padding_mask is not None:
                scores = numpy.where(key_padding_mask[n][None, :], -numpy.inf, scores)
            weights[n, j] = np_softmax(scores)
            heads.append(weights[n, j] @ v[:, cols])
        out[n] = numpy.concatenate(heads, axis=1) @ Wo.T + bo
    return out, weights


def test_multi_head_attention_parameters_follow_pytorch_names():
    mha = nn.MultiheadAttention(8, 2, batch_first=True)
    shapes = {name: tuple(p.shape) for name, p in mha.named_parameters()}
    assert shapes == {"in_proj_weight": (24, 8), "in_proj_bias": (24,), "out_proj.weight": (8, 8),
                      "out_proj.bias": (8,)}


def test_multi_head_attention_against_numpy():
    autograd.manual_seed(2)
    mha = nn.MultiheadAttention(8, 2, batch_first=True).double()
    rng = numpy.random.default_rng(7)
    with autograd.no_grad():  # non-zero biases, so that their placement is checked too
        mha.in_proj_bias.data[:] = rng.standard_normal(24)
        mha.out_proj.bias.data[:] = rng.standard_normal(8)
    query, memory = rng.standard_normal((2, 3, 8)), rng.standard_normal((2, 5, 8))
    padding = numpy.array([[False] * 3 + [True] * 2, [False] * 5])
    blocked = numpy.triu(numpy.ones((3, 5), bool), k=2)
    out, weights = mha(autograd.tensor(query), autograd.tensor(memory), autograd.tensor(memory),
                       key_padding_mask=padding, attn_mask=blocked, average_attn_weights=False)
    expected, expected_weights = np_multi_head(mha, query, memory, memory, padding, blocked)
    numpy.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    numpy.testing.assert_allclose(weights.numpy(), expected_weights, atol=1e-12)
    _, averaged = mha(autograd.tensor(query), autograd.tensor(memory), autograd.tensor(memory),
                      key_padding_mask=padding, attn_mask=blocked)
    numpy.testing.assert_allclose(averaged.numpy(), expected_weights.mean(axis=1), atol=1e-12)
    # a float mask with -inf where the bool mask is True gives the same result
    float_out, _ = mha(autograd.tensor(query), autograd.tensor(memory), autograd.tensor(memory),
                       key_padding_mask=numpy.where(padding, -numpy.inf, 0.0),
                       attn_mask=numpy.where(blocked, -numpy.inf, 0.0))
    numpy.testing.assert_allclose(float_out.numpy(), expected, atol=1e-12)
    # self-attention (one fused projection) and batch_first=False agree with the NumPy loop too
    t = autograd.tensor(query)
    self_out, _ = mha(t, t, t)
    numpy.testing.assert_allclose(self_out.numpy(), np_multi_head(mha, query, query, query)[0], atol=1e-12)
    mha.batch_first = False
    t = autograd.tensor(query.swapaxes(0, 1))
    seq_first, _ = mha(t, t, t)
    numpy.testing.assert_allclose(seq_first.numpy().swapaxes(0, 1), self_out.numpy(), atol=1e-12)


def test_multi_head_attention_gradcheck_and_padding_invariance():
    autograd.manual_seed(3)
    mha = nn.MultiheadAttention(4, 2, batch_first=True).double()
    rng = numpy.random.default_rng(8)
    query, memory = rand(rng, 2, 2, 4), rand(rng, 2, 3, 4)
    padding = numpy.array([[False, False, True], [False, False, False]])
    blocked = numpy.array([[False, True, False], [False, False, False]])

    def f(q, m):
        return mha(q, m, m, key_padding_mask=padding, attn_mask=blocked)

    assert autograd.gradcheck(f, [query, memory])
    parameter_gradcheck(mha, lambda: (f(query, memory)[0] ** 2).sum())
    out, weights = f(query, memory)
    assert numpy.all(weights.numpy()[0, :, 2] == 0.0)
    changed = memory.numpy().copy()
    changed[0, 2] = 50.0
    out2, _ = f(query, autograd.tensor(changed))
    numpy.testing.assert_array_equal(out.numpy(), out2.numpy())


@pytest.mark.parametrize("separate_kv", [False, True])
def test_multi_head_attention_against_torch(separate_kv):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    kdim = vdim = 6 if separate_kv else None
    theirs = torch.nn.MultiheadAttention(8, 4, batch_first=True, kdim=kdim, vdim=vdim)
    with torch.no_grad():
        theirs.in_proj_bias.normal_()
    ours = nn.MultiheadAttention(8, 4, kdim=kdim, vdim=vdim, batch_first=True)
    state = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert set(state) == set(ours.state_dict())
    ours.load_state_dict(state)
    rng = numpy.random.default_rng(9)
    q = rng.standard_normal((3, 4, 8)).astype(numpy.float32)
    kv = rng.standard_normal((3, 6, kdim or 8)).astype(numpy.float32)
    padding = numpy.zeros((3, 6), bool)
    padding[0, 4:] = padding[2, 2:] = True
    blocked = numpy.zeros((4, 6), bool)
    blocked[1, 0] = True
    out, w = ours(autograd.tensor(q), autograd.tensor(kv), autograd.tensor(kv), key_padding_mask=padding,
                  attn_mask=blocked)
    t_out, t_w = theirs(torch.tensor(q), torch.tensor(kv), torch.tensor(kv), key_padding_mask=torch.tensor(padding),
                        attn_mask=torch.tensor(blocked))
    numpy.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), atol=1e-5)
    numpy.testing.assert_allclose(w.numpy(), t_w.detach().numpy(), atol=1e-6)
    _, w_heads = ours(autograd.tensor(q), autograd.tensor(kv), autograd.tensor(kv), average_attn_weights=False)
    _, t_heads = theirs(torch.tensor(q), torch.tensor(kv), torch.tensor(kv), average_attn_weights=False)
    numpy.testing.assert_allclose(w_heads.numpy(), t_heads.detach().numpy(), atol=1e-6)


def test_multi_head_attention_checks_masks():
    mha = nn.MultiheadAttention(4, 2, batch_first=True)
    x = autograd.randn(2, 3, 4)
    with pytest.raises(autograd.ShapeError):
        mha(x, x, x, key_padding_mask=numpy.zeros((2, 4), bool))
    with pytest.raises(autograd.ShapeError):
        mha(x, x, x, attn_mask=numpy.zeros((2, 3), bool))
    with pytest.raises(ValueError):
        nn.MultiHeadAttention(6, 4)
