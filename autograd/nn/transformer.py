"""The Transformer (Vaswani et al., 2017): attention instead of recurrence.

An encoder layer lets every source position attend to every other one, then
applies the same small feed-forward net to each position; a decoder layer
adds causal self-attention (a position sees only earlier ones) and attention
over the encoder's output. Each sub-block is wrapped in a residual connection
and a LayerNorm:

    post-norm (default, as the paper):   x = norm(x + block(x))
    pre-norm (norm_first=True):          x = x + block(norm(x))     (trains more easily)

Recurrence gave the RNN the order of tokens; here a sinusoidal positional
encoding is added to the embeddings instead. Class, argument and parameter
names follow PyTorch's nn.Transformer*, also the time-major default (pass batch_first=True
for (B, T, E) inputs).

    >>> layer = TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=128, batch_first=True)
    >>> encoder = TransformerEncoder(layer, num_layers=2)
    >>> memory = encoder(PositionalEncoding(64)(embedded), src_key_padding_mask=ids == pad)
    >>> model = TransformerSeq2Seq(V, V, d_model=64, nhead=4, bos_index=1, eos_index=2, pad_index=0)
"""
import copy
import math

import numpy

from .. import backend, ops
from ..errors import ShapeError
from ..tensor import Tensor
from . import init
from .attention import MultiheadAttention, lengths_to_mask
from .embedding import Embedding
from .layers import Dropout, LayerNorm, Linear, activation as activation_module
from .module import Module, ModuleList
from .seq2seq import EncoderDecoder, _ids, _source_mask

__all__ = ["PositionalEncoding", "TransformerEncoderLayer", "TransformerDecoderLayer", "TransformerEncoder",
           "TransformerDecoder", "TransformerSeq2Seq", "generate_square_subsequent_mask",
           "sinusoidal_positional_encoding"]


def sinusoidal_positional_encoding(max_length, d_model, dtype=None):
    """The (max_length, d_model) table PE[p, 2i] = sin(p / 10000^(2i/d)), PE[p, 2i+1] = cos(...).

    Each pair of features is a rotation at its own frequency, so the encoding of
    position p + k is a fixed linear function of that of p: relative offsets are easy to read.

    >>> sinusoidal_positional_encoding(50, 16).shape           # (50, 16)
    """
    position = numpy.arange(max_length)[:, None]
    frequency = numpy.exp(numpy.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
    table = numpy.zeros((max_length, d_model))
    table[:, 0::2] = numpy.sin(position * frequency)
    table[:, 1::2] = numpy.cos(position * frequency)[:, : d_model // 2]
    return table.astype(dtype or backend.get_default_dtype())


def generate_square_subsequent_mask(size):
    """The causal mask (size, size) of PyTorch: 0 on and below the diagonal, -inf above (added to scores).

    >>> generate_square_subsequent_mask(3)      # row i may attend to positions 0..i
    """
    return numpy.triu(numpy.full((size, size), -numpy.inf, dtype=backend.get_default_dtype()), k=1)


class PositionalEncoding(Module):
    """Add the sinusoidal position table to (B, T, d_model) inputs, then dropout.

    >>> x = PositionalEncoding(64, dropout=0.1)(embeddings)    # same shape
    """

    def __init__(self, d_model, dropout=0.0, max_length=1024):
        super().__init__()
        self.dropout = Dropout(dropout)
        self.register_buffer("pe", Tensor(sinusoidal_positional_encoding(max_length, d_model)), persistent=False)

    def forward(self, x):
        T = x.shape[1]
        if T > self.pe.shape[0]:
            raise ShapeError(f"PositionalEncoding: sequence of {T} steps, table has {self.pe.shape[0]} "
                             "(raise max_length)")
        return self.dropout(x + self.pe.data[:T].astype(x.dtype))


class TransformerEncoderLayer(Module):
    """Self-attention then a position-wise feed-forward net, each with residual + LayerNorm.

    forward(src (B, S, d_model), src_mask=None, src_key_padding_mask=None) -> (B, S, d_model),
    masks as in MultiHeadAttention (True = blocked).

    >>> layer = TransformerEncoderLayer(d_model=64, nhead=4, dim_feedforward=256, dropout=0.1)
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=True)
        self.linear1 = Linear(d_model, dim_feedforward)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = activation_module(activation) if isinstance(activation, str) else activation
        self.batch_first = batch_first

    def _feed_forward(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def _self_attention(self, x, mask, padding):
        return self.dropout1(self.self_attn(x, x, x, key_padding_mask=padding, attn_mask=mask,
                                            need_weights=False)[0])

    def forward(self, src, src_mask=None, src_key_padding_mask=None):
        x = src if self.batch_first else ops.swapaxes(src, 0, 1)
        if self.norm_first:
            x = x + self._self_attention(self.norm1(x), src_mask, src_key_padding_mask)
            x = x + self._feed_forward(self.norm2(x))
        else:
            x = self.norm1(x + self._self_attention(x, src_mask, src_key_padding_mask))
            x = self.norm2(x + self._feed_forward(x))
        return x if self.batch_first else ops.swapaxes(x, 0, 1)


class TransformerDecoderLayer(Module):
    """Causal self-attention, attention over the encoder output ("memory"), feed-forward.

    forward(tgt (B, T, d), memory (B, S, d), tgt_mask=None, memory_mask=None,
    tgt_key_padding_mask=None, memory_key_padding_mask=None, tgt_is_causal=False) -> (B, T, d).

    >>> layer = TransformerDecoderLayer(d_model=64, nhead=4, dim_feedforward=256)
    >>> y = layer(tgt, memory, tgt_mask=generate_square_subsequent_mask(T))
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=True)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=True)
        self.linear1 = Linear(d_model, dim_feedforward)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = activation_module(activation) if isinstance(activation, str) else activation
        self.batch_first = batch_first

    def _feed_forward(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def _self_attention(self, x, mask, padding, causal):
        return self.dropout1(self.self_attn(x, x, x, key_padding_mask=padding, attn_mask=mask,
                                            need_weights=False, is_causal=causal)[0])

    def _cross_attention(self, x, memory, mask, padding):
        return self.dropout2(self.multihead_attn(x, memory, memory, key_padding_mask=padding, attn_mask=mask,
                                                 need_weights=False)[0])

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False):
        if not self.batch_first:
            tgt, memory = ops.swapaxes(tgt, 0, 1), ops.swapaxes(memory, 0, 1)
        x = tgt
        if self.norm_first:
            x = x + self._self_attention(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._cross_attention(self.norm2(x), memory, memory_mask, memory_key_padding_mask)
            x = x + self._feed_forward(self.norm3(x))
        else:
            x = self.norm1(x + self._self_attention(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._cross_attention(x, memory, memory_mask, memory_key_padding_mask))
            x = self.norm3(x + self._feed_forward(x))
        return x if self.batch_first else ops.swapaxes(x, 0, 1)


class TransformerEncoder(Module):
    """`num_layers` copies of an encoder layer (parameters layers.0..., as PyTorch), then an optional norm.

    >>> encoder = TransformerEncoder(TransformerEncoderLayer(64, 4, 128), num_layers=3, norm=LayerNorm(64))
    """

    def __init__(self, encoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask)
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(Module):
    """`num_layers` copies of a decoder layer, then an optional norm.

    >>> decoder = TransformerDecoder(TransformerDecoderLayer(64, 4, 128), num_layers=3)
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False):
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=tgt_is_causal)
        return x if self.norm is None else self.norm(x)


class TransformerSeq2Seq(EncoderDecoder):
    """A small encoder-decoder Transformer with token embeddings and an output layer.

    Embeddings (initialised with std 1/sqrt(d_model)) are scaled by sqrt(d_model) and
    added to the positional encoding.
    Decoding (greedy or beam, from EncoderDecoder) re-runs the decoder over the
    whole prefix at each step: simple, and cheap for short outputs.
    `norm_first=True` (pre-norm, with a final LayerNorm) is the default because
    it trains well without a learning-rate warm-up.

    >>> model = TransformerSeq2Seq(V, V, d_model=64, nhead=4, bos_index=1, eos_index=2, pad_index=0)
    >>> model.loss(src, tgt, src_lengths).backward()
    """

    def __init__(self, source_vocab_size, target_vocab_size, d_model=64, nhead=4, num_encoder_layers=2,
                 num_decoder_layers=2, dim_feedforward=256, dropout=0.1, bos_index=1, eos_index=2, pad_index=0,
                 max_length=256, norm_first=True):
        super().__init__()
        self.d_model = d_model
        self.bos_index, self.eos_index, self.pad_index = bos_index, eos_index, pad_index
        self.source_embedding = Embedding(source_vocab_size, d_model)
        self.target_embedding = Embedding(target_vocab_size, d_model)
        self.positional = PositionalEncoding(d_model, dropout, max_length)
        options = dict(dim_feedforward=dim_feedforward, dropout=dropout, norm_first=norm_first, batch_first=True)
        self.encoder = TransformerEncoder(TransformerEncoderLayer(d_model, nhead, **options), num_encoder_layers,
                                          norm=LayerNorm(d_model) if norm_first else None)
        self.decoder = TransformerDecoder(TransformerDecoderLayer(d_model, nhead, **options), num_decoder_layers,
                                          norm=LayerNorm(d_model) if norm_first else None)
        self.output = Linear(d_model, target_vocab_size)
        # Embeddings start with std 1/sqrt(d_model): scaled by sqrt(d_model) they are of size
        # ~1 like the positional encoding (with PyTorch's N(0, 1) start the positions would be drowned).
        for embedding in (self.source_embedding, self.target_embedding):
            init.normal_(embedding.weight, 0.0, d_model ** -0.5)

    def _embed(self, embedding, ids):
        return self.positional(embedding(ids) * math.sqrt(self.d_model))

    def start(self, src, src_lengths=None):
        src = _ids(src)
        padding = None if src_lengths is None else ~_source_mask(src, src_lengths)
        memory = self.encoder(self._embed(self.source_embedding, src), src_key_padding_mask=padding)
        return {"memory": memory, "padding": padding}

    def _decode(self, tgt_in, cache):
        x = self._embed(self.target_embedding, tgt_in)
        y = self.decoder(x, cache["memory"], memory_key_padding_mask=cache["padding"], tgt_is_causal=True)
        return self.output(y)

    def forward(self, src, tgt_in, src_lengths=None):
        """Teacher-forced logits (B, T, V); position t sees tgt_in[:, :t+1] only."""
        return self._decode(_ids(tgt_in), self.start(src, src_lengths))

    def step(self, prefix, cache):
        logits = self._decode(prefix, cache)
        return ops.log_softmax(logits[:, -1], axis=-1).data, cache
