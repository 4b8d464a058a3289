"""Attention: a differentiable look-up that mixes values by how well their keys match a query.

    weights = softmax(score(query, keys))          one weight per key, summing to 1
    context = weights @ values                     the weighted average of the values

The score function is what distinguishes the classic variants:

    DotAttention        q . k                        (Luong et al., 2015, "dot")
    GeneralAttention    q . (W k)                    (Luong et al., 2015, "general")
    AdditiveAttention   v . tanh(W_q q + W_k k)      (Bahdanau et al., 2015)
    scaled_dot_product_attention   q . k / sqrt(d)   (Vaswani et al., 2017)

`MultiheadAttention` runs several scaled dot-product attentions side by side on
learned projections. It follows PyTorch's `nn.MultiheadAttention` exactly:
the same parameter names and shapes (a converted state dict loads directly)
and the same mask conventions.

Masks. Two conventions exist and we keep both, because PyTorch does:

    scaled_dot_product_attention(q, k, v, mask)   bool mask: True = MAY attend
    the attention modules of this file (mask=)     bool mask: True = MAY attend
    MultiheadAttention(..., key_padding_mask, attn_mask)   bool: True = must NOT attend

(`torch.nn.functional.scaled_dot_product_attention` uses "True = allowed",
`torch.nn.MultiheadAttention` uses "True = masked out"; a float mask is added to
the scores in both.) A masked key gets the score -inf, hence weight exactly 0:
changing a padded position changes nothing. A query whose keys are all masked
gets NaN weights, as in PyTorch.

    >>> out = scaled_dot_product_attention(q, k, v, mask=lengths_to_mask(lengths, k.shape[1])[:, None, :])
    >>> mha = MultiheadAttention(64, num_heads=4, batch_first=True)
    >>> out, weights = mha(x, x, x, key_padding_mask=~lengths_to_mask(lengths, x.shape[1]))
"""
import math

import numpy

from .. import backend, ops
from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor, unwrap
from . import init
from .layers import Linear
from .module import Module, Parameter, check_input_dtype

__all__ = ["scaled_dot_product_attention", "lengths_to_mask", "Attention", "DotAttention", "GeneralAttention",
           "AdditiveAttention", "MultiheadAttention", "MultiHeadAttention"]


# ---------------------------------------------------------------- masks


def lengths_to_mask(lengths, max_length=None):
    """A (B, T) bool array, True at the valid positions t < lengths[b] (False at padding).

    >>> lengths_to_mask([2, 3])                # [[True, True, False], [True, True, True]]
    """
    lengths = unwrap(lengths)
    xp = backend.get_array_module(lengths) if hasattr(lengths, "shape") else numpy
    lengths = xp.asarray(lengths)
    if max_length is None:
        max_length = int(lengths.max())
    return xp.arange(max_length)[None, :] < lengths[:, None]


def _additive_mask(mask, like, allowed_when_true=True):
    """A bool or float mask as an array added to the scores: 0 where allowed, -inf where not.

    A bool mask uses `allowed_when_true` to say which value means "may attend";
    a float mask is already additive and is only cast to the scores' dtype.
    """
    mask = unwrap(mask)
    xp = backend.get_array_module(like)
    mask = xp.asarray(mask)
    if mask.dtype == bool:
        blocked = ~mask if allowed_when_true else mask
        return xp.where(blocked, -numpy.inf, 0.0).astype(like.dtype)
    return mask.astype(like.dtype)


def _attend(scores, value, bias=None, dropout_p=0.0, training=True):
    """softmax(scores + bias) @ value, and the weights (the common tail of every attention)."""
    if bias is not None:
        scores = scores + bias  # a constant array: -inf at masked keys, so their weight is exactly 0
    weights = ops.softmax(scores, axis=-1)
    if dropout_p > 0.0 and training:
        weights = ops.dropout(weights, dropout_p, training=True)
    return ops.matmul(weights, value), weights


def scaled_dot_product_attention(query, key, value, mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 return_weights=False):
    """softmax(Q K^T / sqrt(d_k) + mask) V over the last two axes; leading axes are batch axes.

    query (..., L, d_k), key (..., S, d_k), value (..., S, d_v) -> (..., L, d_v).
    `mask` broadcasts to (..., L, S): bool True where attention is ALLOWED (as
    torch.nn.functional.scaled_dot_product_attention), or float, added to the
    scores. `is_causal=True` lets position i attend to positions <= i only.
    `return_weights=True` also returns the (..., L, S) attention weights.

    >>> q = k = v = autograd.randn(2, 5, 8)
    >>> out = scaled_dot_product_attention(q, k, v, is_causal=True)     # (2, 5, 8)
    """
    d_k = query.shape[-1]
    if key.shape[-1] != d_k:
        raise ShapeError(f"scaled_dot_product_attention: query {tuple(query.shape)} and key {tuple(key.shape)} "
                         "need the same last axis")
    if key.shape[-2] != value.shape[-2]:
        raise ShapeError(f"scaled_dot_product_attention: key {tuple(key.shape)} and value {tuple(value.shape)} "
                         "need the same number of positions")
    scale = 1.0 / math.sqrt(d_k) if scale is None else float(scale)
    scores = ops.matmul(query, ops.swapaxes(key, -1, -2)) * scale
    bias = None
    if is_causal:
        length, source = query.shape[-2], key.shape[-2]
        bias = _additive_mask(numpy.tril(numpy.ones((length, source), dtype=bool)), scores.data)
    if mask is not None:
        extra = _additive_mask(mask, scores.data, allowed_when_true=True)
        bias = extra if bias is None else bias + extra
    out, weights = _attend(scores, value, bias, dropout_p)
    return (out, weights) if return_weights else out


# ---------------------------------------------------------------- classic attention modules


class Attention(Module):
    """Base of the score-based attentions: subclasses define `score(query, keys)`.

    Call with query (B, D_q) for one decoder step or (B, T_q, D_q) for many,
    keys (B, T_k, D_k), values (B, T_k, D_v) (default: the keys) and an optional
    bool `mask` (B, T_k), True where a key may be attended to (False at padding).
    Returns (context, weights): context (B, [T_q,] D_v), weights (B, [T_q,] T_k).

    >>> context, weights = DotAttention()(decoder_states, encoder_states, mask=source_mask)
    """

    def score(self, query, keys):
        """Scores (B, T_q, T_k) for query (B, T_q, D_q) and keys (B, T_k, D_k)."""
        raise NotImplementedError

    def forward(self, query, keys, values=None, mask=None):
        values = keys if values is None else values
        one_step = query.ndim == 2
        if one_step:
            query = ops.expand_dims(query, 1)
        scores = self.score(query, keys)
        bias = None
        if mask is not None:  # (B, T_k) -> (B, 1, T_k): the same keys are masked for every query
            bias = _additive_mask(mask, scores.data)
            if bias.ndim == 2:
                bias = bias[:, None, :]
        context, weights = _attend(scores, values, bias)
        if one_step:
            context, weights = ops.squeeze(context, 1), ops.squeeze(weights, 1)
        return context, weights


class DotAttention(Attention):
    """score(q, k) = q . k (Luong's "dot"); `scaled=True` divides by sqrt(d). No parameters.

    >>> context, weights = DotAttention()(h_dec, h_enc)      # h_dec (B, T, H), h_enc (B, S, H)
    """

    def __init__(self, scaled=False):
        super().__init__()
        self.scaled = scaled

    def score(self, query, keys):
        if query.shape[-1] != keys.shape[-1]:
            raise ShapeError(f"DotAttention: query {tuple(query.shape)} and keys {tuple(keys.shape)} need the "
                             "same size (use GeneralAttention or AdditiveAttention otherwise)")
        scores = ops.matmul(query, ops.swapaxes(keys, 1, 2))
        return scores * (1.0 / math.sqrt(query.shape[-1])) if self.scaled else scores

    def extra_repr(self):
        return f"scaled={self.scaled}"


class GeneralAttention(Attention):
    """score(q, k) = q . (W k) with a learned W (Luong's "general"); q and k may differ in size.

    >>> attention = GeneralAttention(query_size=256, key_size=512)
    """

    def __init__(self, query_size, key_size):
        super().__init__()
        self.key_proj = Linear(key_size, query_size, bias=False)

    def score(self, query, keys):
        return ops.matmul(query, ops.swapaxes(self.key_proj(keys), 1, 2))


class AdditiveAttention(Attention):
    """score(q, k) = v . tanh(W_q q + W_k k) (Bahdanau): a one-hidden-layer net scores each pair.

    >>> attention = AdditiveAttention(query_size=256, key_size=512, hidden_size=128)
    """

    def __init__(self, query_size, key_size, hidden_size):
        super().__init__()
        self.query_proj = Linear(query_size, hidden_size, bias=False)
        self.key_proj = Linear(key_size, hidden_size, bias=True)
        self.v = Linear(hidden_size, 1, bias=False)

    def score(self, query, keys):
        q = ops.expand_dims(self.query_proj(query), 2)     # (B, T_q, 1, H)
        k = ops.expand_dims(self.key_proj(keys), 1)        # (B, 1, T_k, H)
        return ops.squeeze(self.v(ops.tanh(q + k)), -1)    # (B, T_q, T_k)


# ---------------------------------------------------------------- multi-head attention


class MultiheadAttention(Module):
    """Multi-head attention with the parameters and call of PyTorch's `nn.MultiheadAttention`.

    Each of `num_heads` heads projects query, key and value to embed_dim/num_heads
    features, attends with scaled dot products, and the heads' outputs are
    concatenated and projected by `out_proj`. Parameters (PyTorch's names):
    `in_proj_weight` (3E, E) = [W_q; W_k; W_v], `in_proj_bias` (3E,), `out_proj.weight`
    (E, E), `out_proj.bias` (E,); with kdim/vdim != E, `q_proj_weight`,
    `k_proj_weight`, `v_proj_weight` replace `in_proj_weight`.

    Call: `output, weights = mha(query, key, value, key_padding_mask=None,
    need_weights=True, attn_mask=None, average_attn_weights=True, is_causal=False)`.
    Shapes with batch_first=True: query (B, L, E), key (B, S, kdim), value (B, S, vdim)
    -> output (B, L, E), weights (B, L, S); time-major (L, B, E) by default, as PyTorch,
    averaged over heads, or (B, num_heads, L, S) with average_attn_weights=False.
    Masks as in PyTorch: key_padding_mask (B, S) bool True = padding (ignored);
    attn_mask (L, S) or (B*num_heads, L, S) bool True = NOT allowed; float masks are
    added to the scores. `is_causal=True` without attn_mask builds the causal mask
    (PyTorch wants the mask too and treats the flag as a hint). NOTE: this is the opposite of the bool `mask` of
    `scaled_dot_product_attention`, where True means allowed.

    >>> mha = nn.MultiheadAttention(embed_dim=32, num_heads=4, batch_first=True)
    >>> out, w = mha(x, x, x, key_padding_mask=ids == pad)    # self-attention, padding ignored
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, kdim=None, vdim=None, batch_first=False,
                 dtype=None, device=None):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ArgumentError(f"MultiheadAttention: embed_dim {embed_dim} is not divisible by num_heads {num_heads}")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.head_dim = embed_dim // num_heads
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout = dropout
        self.batch_first = batch_first

        def empty(*shape):
            return Parameter(numpy.zeros(shape, dtype=dtype or backend.get_default_dtype()), device=device)

        if self._qkv_same_embed_dim:
            self.in_proj_weight = empty(3 * embed_dim, embed_dim)
            self.q_proj_weight = self.k_proj_weight = self.v_proj_weight = None
        else:
            self.in_proj_weight = None
            self.q_proj_weight = empty(embed_dim, embed_dim)
            self.k_proj_weight = empty(embed_dim, self.kdim)
            self.v_proj_weight = empty(embed_dim, self.vdim)
        self.in_proj_bias = empty(3 * embed_dim) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype, device=device)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's initialisation: Xavier-uniform projections, zero biases."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _projection(self, index):
        """(weight, bias) of the query (0), key (1) or value (2) projection."""
        E = self.embed_dim
        if self._qkv_same_embed_dim:
            weight = self.in_proj_weight[index * E:(index + 1) * E]
        else:
            weight = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)[index]
        bias = None if self.in_proj_bias is None else self.in_proj_bias[index * E:(index + 1) * E]
        return weight, bias

    def _project(self, x, index):
        weight, bias = self._projection(index)
        return ops.linear(x, weight, bias)

    def _split_heads(self, x):
        """(B, T, E) -> (B, heads, T, head_dim)."""
        B, T, _ = x.shape
        return ops.swapaxes(ops.reshape(x, (B, T, self.num_heads, self.head_dim)), 1, 2)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        self_attention = query is key and key is value  # before the swap below makes new tensors
        if not self.batch_first:  # (L, B, E) -> (B, L, E)
            query, key, value = (ops.swapaxes(t, 0, 1) for t in (query, key, value))
        if query.ndim != 3 or key.ndim != 3 or value.ndim != 3:
            raise ShapeError(f"MultiheadAttention: expected 3-D query/key/value, got {tuple(query.shape)}, "
                             f"{tuple(key.shape)}, {tuple(value.shape)}")
        check_input_dtype(self, query, self.out_proj.weight)
        if query.shape[-1] != self.embed_dim:
            raise ShapeError(f"MultiheadAttention: query has {query.shape[-1]} features, expected {self.embed_dim}")
        B, L, _ = query.shape
        S = key.shape[1]

        if self._qkv_same_embed_dim and self_attention:
            # self-attention: one matmul with the whole (3E, E) weight, then split
            qkv = ops.linear(query, self.in_proj_weight, self.in_proj_bias)
            E = self.embed_dim
            q, k, v = qkv[..., :E], qkv[..., E:2 * E], qkv[..., 2 * E:]
        else:
            q, k, v = self._project(query, 0), self._project(key, 1), self._project(value, 2)
        q, k, v = self._split_heads(q), self._split_heads(k), self._split_heads(v)

        bias = self._merged_mask(key_padding_mask, attn_mask, is_causal, B, L, S, q.data)
        scores = ops.matmul(q, ops.swapaxes(k, -1, -2)) * (1.0 / math.sqrt(self.head_dim))
        heads, weights = _attend(scores, v, bias, self.dropout, self.training)   # (B, h, L, d), (B, h, L, S)
        merged = ops.reshape(ops.swapaxes(heads, 1, 2), (B, L, self.embed_dim))
        output = self.out_proj(merged)
        if not self.batch_first:
            output = ops.swapaxes(output, 0, 1)
        if not need_weights:
            return output, None
        return output, (weights.mean(axis=1) if average_attn_weights else weights)

    def _merged_mask(self, key_padding_mask, attn_mask, is_causal, B, L, S, like):
        """One additive (B|1, heads|1, L|1, S) array from PyTorch-style masks (bool True = blocked)."""
        bias = None
        if is_causal and attn_mask is None:
            attn_mask = ~numpy.tril(numpy.ones((L, S), dtype=bool))
        if attn_mask is not None:
            mask = _additive_mask(attn_mask, like, allowed_when_true=False)
            if mask.ndim == 2:
                if mask.shape != (L, S):
                    raise ShapeError(f"MultiheadAttention: attn_mask {mask.shape} should be {(L, S)}")
                bias = mask[None, None]
            elif mask.ndim == 3:
                if mask.shape != (B * self.num_heads, L, S):
                    raise ShapeError(f"MultiheadAttention: attn_mask {mask.shape} should be "
                                     f"{(B * self.num_heads, L, S)}")
                bias = mask.reshape(B, self.num_heads, L, S)
            else:
                raise ShapeError(f"MultiheadAttention: attn_mask must be 2-D or 3-D, got {mask.shape}")
        if key_padding_mask is not None:
            padding = _additive_mask(key_padding_mask, like, allowed_when_true=False)
            if padding.shape != (B, S):
                raise ShapeError(f"MultiheadAttention: key_padding_mask {padding.shape} should be {(B, S)}")
            padding = padding[:, None, None, :]
            bias = padding if bias is None else bias + padding
        return bias

    def extra_repr(self):
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}, " \
               f"batch_first={self.batch_first}"


MultiHeadAttention = MultiheadAttention  # the spelling used before PyTorch's name; kept as an alias
