"""Sequence to sequence: an encoder reads the source, a decoder writes the target.

    source ids ──► Encoder (embedding + LSTM/GRU) ──► states h_1..h_S, final state
                                                          │
    <bos> y_1 .. y_{T-1} ──► Decoder (embedding + LSTM/GRU + Linear) ──► scores of y_1 .. y_T

Training uses *teacher forcing*: the decoder reads the true previous token
(the target shifted right, starting with <bos>) and the loss is the
cross-entropy of every next token, ignoring <pad>. At inference the decoder
reads its own previous output: `greedy_decode` takes the best token at each
step until <eos>; `beam_search` keeps the `beam_size` best partial outputs.

Three improvements from the literature are options:
  - reverse_source=True: read the source backwards (Sutskever et al., 2014), so
    the first target tokens are close to the source tokens they depend on;
  - Decoder(peeky=True): feed the encoder's summary vector to every decoder
    step and to the output layer, not only as the initial state;
  - AttentionDecoder: at every step, attend over all encoder states (Luong et
    al., 2015) instead of relying on one summary vector; returns the weights.

    >>> model = Seq2Seq(Encoder(V, 16, 128), Decoder(V, 16, 128, peeky=True, context_size=128),
    ...                 bos_index=vocab.bos_index, eos_index=vocab.eos_index, pad_index=vocab.pad_index)
    >>> loss = model.loss(src, tgt, src_lengths); loss.backward()
    >>> hypotheses = model.beam_search(src, src_lengths, beam_size=4)

Any model with `start`, `step` and `reorder` (see `EncoderDecoder`) gets
greedy and beam decoding: the Transformer in transformer.py is one.
"""
from collections import namedtuple

import numpy

from .. import backend, ops
from ..creation import zeros_like
from ..errors import ArgumentError, ShapeError
from ..grad_mode import no_grad
from ..tensor import Tensor
from .attention import Attention, AdditiveAttention, DotAttention, GeneralAttention, lengths_to_mask
from .embedding import Embedding
from .layers import Dropout, Linear
from .module import Module
from .recurrent import GRU, LSTM

__all__ = ["Encoder", "Decoder", "AttentionDecoder", "EncoderDecoder", "Seq2Seq", "Hypothesis",
           "greedy_decode", "beam_search", "reverse_padded", "encode_pairs", "batches", "exact_match"]

Hypothesis = namedtuple("Hypothesis", ["tokens", "score", "log_prob"])
Hypothesis.__doc__ = """One beam-search result: the generated ids (no <bos>; <eos> last if it was
produced), the length-normalised score the hypotheses are sorted by, and the
plain sum of log-probabilities."""


# ---------------------------------------------------------------- small helpers


def _ids(x):
    """Integer ids as an array (they are never differentiated)."""
    return x.data if isinstance(x, Tensor) else backend.as_array(x) if not hasattr(x, "shape") else x


def _source_mask(src, src_lengths):
    """(B, S) bool, True at real source positions, on the device of `src` (beam search indexes it there)."""
    return lengths_to_mask(backend.to_device(_ids(src_lengths), backend.device_of(src)), src.shape[1])


def _rnn(cell, input_size, hidden_size, num_layers, bidirectional=False, dropout=0.0):
    layers = {"lstm": LSTM, "gru": GRU}
    if cell not in layers:
        raise ArgumentError(f"cell must be 'lstm' or 'gru', not {cell!r}")
    return layers[cell](input_size, hidden_size, num_layers=num_layers, batch_first=True,
                        bidirectional=bidirectional, dropout=dropout)


def _map_state(state, function):
    """Apply `function` to h (GRU) or to both h and c (LSTM)."""
    return tuple(function(s) for s in state) if isinstance(state, tuple) else function(state)


def reverse_padded(ids, lengths=None):
    """Reverse each row of a (B, T) id array within its length; the padding stays at the end.

    >>> reverse_padded(numpy.array([[5, 6, 7], [8, 9, 0]]), [3, 2])   # [[7, 6, 5], [9, 8, 0]]
    """
    ids = _ids(ids)
    xp = backend.get_array_module(ids)
    T = ids.shape[1]
    if lengths is None:
        return ids[:, ::-1].copy()
    lengths = xp.asarray(_ids(lengths))
    t = xp.arange(T)[None, :]
    source = xp.where(t < lengths[:, None], lengths[:, None] - 1 - t, t)
    return xp.take_along_axis(ids, source, axis=1)


# ---------------------------------------------------------------- encoder and decoders


class Encoder(Module):
    """Embedding + LSTM/GRU over the source; returns every step's states and the final state.

    forward(src (B, S) ids, lengths=None) -> outputs (B, S, output_size), state,
    with output_size = hidden_size x directions and state in PyTorch's shape
    (num_layers x directions, B, hidden_size) (a pair (h, c) for the LSTM).
    With `lengths`, padded steps are skipped: the final state is each
    sequence's own last real step, and outputs at padding are zero.

    >>> encoder = Encoder(vocab_size=13, embed_dim=16, hidden_size=128, bidirectional=True)
    >>> outputs, (h, c) = encoder(src, lengths)          # outputs (B, S, 256), h (2, B, 128)
    """

    def __init__(self, vocab_size, embed_dim, hidden_size, cell="lstm", num_layers=1, bidirectional=False,
                 dropout=0.0, padding_idx=None):
        super().__init__()
        self.cell, self.num_layers, self.bidirectional = cell, num_layers, bidirectional
        self.hidden_size = hidden_size
        self.output_size = hidden_size * (2 if bidirectional else 1)
        self.embedding = Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.dropout = Dropout(dropout)
        self.rnn = _rnn(cell, embed_dim, hidden_size, num_layers, bidirectional,
                        dropout if num_layers > 1 else 0.0)

    def forward(self, src, lengths=None):
        x = self.dropout(self.embedding(_ids(src)))
        return self.rnn(x, lengths=None if lengths is None else _ids(lengths))

    def decoder_state(self, state):
        """The final state reshaped for a decoder of size `output_size`: (num_layers, B, output_size).

        A bidirectional encoder's two directions are concatenated per layer.
        """
        if not self.bidirectional:
            return state

        def merge(s):  # (layers*2, B, H) -> (layers, 2, B, H) -> (layers, B, 2H)
            L2, B, H = s.shape
            pairs = ops.reshape(s, (L2 // 2, 2, B, H))
            return ops.concatenate([pairs[:, 0], pairs[:, 1]], axis=-1)

        return _map_state(state, merge)

    def summary(self, state):
        """The top layer's final hidden state (B, output_size): the "thought vector"."""
        h = self.decoder_state(state)
        h = h[0] if isinstance(h, tuple) else h
        return h[-1]


class Decoder(Module):
    """Embedding + LSTM/GRU + Linear, started from the encoder's final state.

    forward(tokens (B, T), state, context=None) -> (logits (B, T, vocab_size), state).
    `peeky=True` (needs `context_size`) concatenates the encoder summary
    `context` (B, context_size) to the input of every step and to the input of
    the output layer, so the decoder never has to remember it.

    >>> decoder = Decoder(vocab_size=13, embed_dim=16, hidden_size=128, peeky=True, context_size=128)
    >>> logits, state = decoder(tgt_in, encoder_state, context=encoder_summary)
    """

    def __init__(self, vocab_size, embed_dim, hidden_size, cell="lstm", num_layers=1, peeky=False,
                 context_size=None, dropout=0.0, padding_idx=None):
        super().__init__()
        if peeky and context_size is None:
            raise ArgumentError("Decoder(peeky=True) needs context_size (the encoder's output size)")
        self.peeky = peeky
        self.context_size = context_size if peeky else 0
        self.hidden_size = hidden_size
        self.embedding = Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.dropout = Dropout(dropout)
        self.rnn = _rnn(cell, embed_dim + self.context_size, hidden_size, num_layers,
                        dropout=dropout if num_layers > 1 else 0.0)
        self.output = Linear(hidden_size + self.context_size, vocab_size)

    def forward(self, tokens, state=None, context=None):
        x = self.dropout(self.embedding(_ids(tokens)))
        if self.peeky:
            if context is None:
                raise ArgumentError("a peeky Decoder needs context= (the encoder summary, (B, context_size))")
            repeated = ops.broadcast_to(ops.expand_dims(context, 1), (x.shape[0], x.shape[1], self.context_size))
            x = ops.concatenate([repeated, x], axis=-1)
        h, state = self.rnn(x, state)
        h = self.dropout(h)
        if self.peeky:
            h = ops.concatenate([repeated, h], axis=-1)
        return self.output(h), state


_ATTENTIONS = {"dot": DotAttention, "general": GeneralAttention, "additive": AdditiveAttention}


class AttentionDecoder(Module):
    """A decoder that attends over all encoder states at every step (Luong et al., 2015).

    At step t the RNN's output h_t is the query; the attention over the encoder
    states (B, S, memory_size) gives the context c_t and the output layer
    reads [c_t, h_t]. Because h_t does not depend on c_t, training runs the
    RNN over all steps at once and attends for all steps with one matmul.

    forward(tokens (B, T), state, memory (B, S, memory_size), memory_mask=None)
    -> (logits (B, T, V), state, weights (B, T, S)); `memory_mask` is a bool
    (B, S) array, True at real source positions.
    `attention` is "dot" (needs hidden_size == memory_size), "general",
    "additive", or an `Attention` module.

    >>> decoder = AttentionDecoder(vocab_size=59, embed_dim=16, hidden_size=256, memory_size=256)
    >>> logits, state, weights = decoder(tgt_in, encoder_state, encoder_outputs, source_mask)
    """

    def __init__(self, vocab_size, embed_dim, hidden_size, memory_size=None, attention="dot", cell="lstm",
                 num_layers=1, dropout=0.0, padding_idx=None):
        super().__init__()
        memory_size = hidden_size if memory_size is None else memory_size
        self.hidden_size, self.memory_size = hidden_size, memory_size
        self.embedding = Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.dropout = Dropout(dropout)
        self.rnn = _rnn(cell, embed_dim, hidden_size, num_layers, dropout=dropout if num_layers > 1 else 0.0)
        if isinstance(attention, Attention):
            self.attention = attention
        elif attention == "dot":
            if hidden_size != memory_size:
                raise ShapeError(f"dot attention needs hidden_size ({hidden_size}) == memory_size ({memory_size}); "
                                 "use attention='general' or 'additive'")
            self.attention = DotAttention()
        elif attention == "general":
            self.attention = GeneralAttention(hidden_size, memory_size)
        elif attention == "additive":
            self.attention = AdditiveAttention(hidden_size, memory_size, hidden_size)
        else:
            raise ArgumentError(f"attention must be one of {list(_ATTENTIONS)} or an Attention module, "
                             f"not {attention!r}")
        self.output = Linear(memory_size + hidden_size, vocab_size)

    def forward(self, tokens, state, memory, memory_mask=None):
        x = self.dropout(self.embedding(_ids(tokens)))
        h, state = self.rnn(x, state)
        context, weights = self.attention(h, memory, mask=memory_mask)
        features = self.dropout(ops.concatenate([context, h], axis=-1))
        return self.output(features), state, weights


# ---------------------------------------------------------------- decoding, for any encoder-decoder


class EncoderDecoder(Module):
    """What greedy and beam decoding need from a model, and the teacher-forcing loss.

    A subclass defines:
      forward(src, tgt_in, src_lengths=None) -> logits (B, T, V)
      start(src, src_lengths) -> cache         everything the decoder needs (a dict)
      step(prefix (B, t), cache) -> (log-probabilities (B, V) as an array, cache)
    and sets `bos_index`, `eos_index` (None: fixed-length outputs) and `pad_index`.
    Cache entries carry the batch on axis 0, except those named in
    `cache_batch_axes` ({name: axis}); `reorder` picks rows for beam search.
    """

    cache_batch_axes = {}

    def loss(self, src, tgt, src_lengths=None):
        """Teacher forcing: read tgt[:, :-1] (starting with <bos>), predict tgt[:, 1:]; <pad> is ignored.

        >>> model.loss(src, tgt, src_lengths).backward()     # tgt = <bos> y_1 .. y_T <eos> <pad>..
        """
        tgt = _ids(tgt)
        logits = self(src, tgt[:, :-1], src_lengths)
        ignore = -100 if self.pad_index is None else self.pad_index
        # flattened to (B·T, V) rows: the loss reads the same whether classes are on the last axis or on axis 1
        return ops.cross_entropy(ops.reshape(logits, (-1, logits.shape[-1])), tgt[:, 1:].reshape(-1),
                                 ignore_index=ignore)

    def reorder(self, cache, rows):
        """The cache with batch rows `rows` (an int array), e.g. to follow the surviving beams."""
        def pick(value, axis):
            if value is None:
                return None
            if isinstance(value, tuple):
                return tuple(pick(v, axis) for v in value)
            if isinstance(value, Tensor):
                return ops.getitem(value, (slice(None),) * axis + (rows,))
            return value[(slice(None),) * axis + (rows,)]

        return {name: pick(value, self.cache_batch_axes.get(name, 0)) for name, value in cache.items()}

    def greedy_decode(self, src, src_lengths=None, max_length=50):
        return greedy_decode(self, src, src_lengths, max_length)

    def beam_search(self, src, src_lengths=None, beam_size=4, max_length=50, length_penalty=1.0, num_return=None):
        return beam_search(self, src, src_lengths, beam_size, max_length, length_penalty, num_return)


def greedy_decode(model, src, src_lengths=None, max_length=50):
    """Generate with the most likely token at each step, until <eos> (or `max_length` steps).

    Returns a (B, T) int array without <bos>: each row ends with <eos> when the
    model produced one, then <pad> (or <eos> where the model has no pad token).
    Without an eos_index, exactly `max_length` tokens are generated.

    >>> ids = model.greedy_decode(src, src_lengths, max_length=12)
    >>> [vocab.decode(row) for row in ids]
    """
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            src = _ids(src)
            xp = backend.get_array_module(src)
            batch = src.shape[0]
            cache = model.start(src, src_lengths)
            prefix = xp.full((batch, 1), model.bos_index, dtype=xp.int64)
            finished = xp.zeros(batch, dtype=bool)
            filler = model.pad_index if model.pad_index is not None else model.eos_index
            for _ in range(max_length):
                log_probs, cache = model.step(prefix, cache)
                token = log_probs.argmax(axis=-1)
                if model.eos_index is not None:
                    token = xp.where(finished, filler, token)
                    finished = finished | (token == model.eos_index)
                prefix = xp.concatenate([prefix, token[:, None].astype(xp.int64)], axis=1)
                if model.eos_index is not None and bool(finished.all()):
                    break
            return prefix[:, 1:]
    finally:
        model.train(was_training)


def beam_search(model, src, src_lengths=None, beam_size=4, max_length=50, length_penalty=1.0, num_return=None):
    """Batched beam search: for each source, the best outputs under a length-normalised score.

    Keeps `beam_size` partial outputs per source; at each step every one is
    extended by every token and the `beam_size` best extensions that do not end
    in <eos> survive. One that ends in <eos> among the best is finished, scored
    by log P / length ** length_penalty (0: no normalisation, 1: the mean
    log-probability per token; length counts <eos>). A source is done when it
    has `beam_size` finished outputs; at `max_length` the survivors are
    finished as they are. Returns, per source, a list of `num_return`
    (default beam_size) `Hypothesis(tokens, score, log_prob)` sorted by score,
    best first. beam_size=1 gives exactly the greedy output.

    >>> best = [hyps[0].tokens for hyps in model.beam_search(src, lengths, beam_size=5)]
    """
    num_return = beam_size if num_return is None else num_return
    if not 1 <= num_return <= beam_size:
        raise ArgumentError(f"num_return must be between 1 and beam_size ({beam_size}), got {num_return}")
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            return _beam_search(model, _ids(src), src_lengths, beam_size, max_length, length_penalty, num_return)
    finally:
        model.train(was_training)


def _beam_search(model, src, src_lengths, K, max_length, alpha, num_return):
    xp = backend.get_array_module(src)
    B = src.shape[0]
    cache = model.start(src, src_lengths)
    cache = model.reorder(cache, xp.repeat(xp.arange(B), K))          # row b*K + k is beam k of source b
    prefix = xp.full((B * K, 1), model.bos_index, dtype=xp.int64)
    scores = numpy.full((B, K), -numpy.inf)
    scores[:, 0] = 0.0                                                 # at first only one beam is alive
    finished = [[] for _ in range(B)]                                  # (score, log_prob, tokens)
    done = numpy.zeros(B, dtype=bool)

    def normalised(log_prob, length):
        return log_prob / (length ** alpha) if alpha else log_prob

    for t in range(max_length):
        log_probs, cache = model.step(prefix, cache)
        log_probs = backend.to_device(log_probs, "cpu").astype(numpy.float64)
        V = log_probs.shape[-1]
        total = (scores[:, :, None] + log_probs.reshape(B, K, V)).reshape(B, K * V)
        # The 2K best extensions per source: K of them at least do not end in <eos>.
        count = min(2 * K, K * V)
        top = numpy.argpartition(-total, count - 1, axis=1)[:, :count]
        top_scores = numpy.take_along_axis(total, top, axis=1)
        order = numpy.lexsort((top, -top_scores), axis=1)              # best first; ties: lowest index
        top, top_scores = numpy.take_along_axis(top, order, axis=1), numpy.take_along_axis(top_scores, order, axis=1)
        beam, token = top // V, top % V
        is_eos = (token == model.eos_index) if model.eos_index is not None else numpy.zeros_like(token, bool)

        host_prefix = backend.to_device(prefix, "cpu")
        for b, rank in zip(*numpy.nonzero(is_eos[:, :K])):           # <eos> among the K best: finished
            if done[b] or not numpy.isfinite(top_scores[b, rank]):
                continue
            tokens = numpy.append(host_prefix[b * K + beam[b, rank], 1:], model.eos_index)
            finished[b].append((normalised(top_scores[b, rank], t + 1), top_scores[b, rank], tokens))
        for b in range(B):
            if not done[b] and len(finished[b]) >= K:
                done[b] = True

        # The K best extensions that do not end in <eos> survive (stable: best first).
        keep = numpy.argsort(is_eos, axis=1, kind="stable")[:, :K]
        beam = numpy.take_along_axis(beam, keep, axis=1)
        token = numpy.take_along_axis(token, keep, axis=1)
        scores = numpy.take_along_axis(top_scores, keep, axis=1)
        scores[done] = -numpy.inf
        rows = (numpy.arange(B)[:, None] * K + beam).reshape(-1)
        rows_on_device = backend.to_device(rows, backend.device_of(src))
        prefix = xp.concatenate([prefix[rows_on_device],
                                 backend.to_device(token.reshape(-1, 1), backend.device_of(src))], axis=1)
        cache = model.reorder(cache, rows_on_device)
        if done.all():
            break

    host_prefix = backend.to_device(prefix, "cpu")
    results = []
    for b in range(B):
        hyps = list(finished[b])
        if len(hyps) < num_return or not done[b]:                    # ran out of steps: take the survivors
            for k in range(K):
                if numpy.isfinite(scores[b, k]):
                    tokens = host_prefix[b * K + k, 1:]
                    hyps.append((normalised(scores[b, k], len(tokens)), scores[b, k], tokens))
        hyps.sort(key=lambda h: -h[0])
        results.append([Hypothesis(tokens.astype(numpy.int64), float(s), float(lp))
                        for s, lp, tokens in hyps[:num_return]])
    return results


# ---------------------------------------------------------------- the RNN encoder-decoder


class Seq2Seq(EncoderDecoder):
    """An RNN encoder and a (plain, peeky or attention) decoder, trained with teacher forcing.

    The decoder starts from the encoder's final state (a bidirectional encoder's
    directions concatenated, so the decoder's hidden size is encoder.output_size;
    a decoder with fewer layers starts from the encoder's top layers).
    `reverse_source=True` reverses each source within its length before encoding.
    `carry_cell_state=False` starts an LSTM decoder from the encoder's h only, with
    c = 0 (the book "Deep Learning from Scratch 2" does this).

    >>> model = Seq2Seq(Encoder(V, 16, 256), AttentionDecoder(V, 16, 256), bos_index=1, eos_index=2, pad_index=0)
    >>> logits, weights = model(src, tgt[:, :-1], src_lengths, return_attention=True)
    """

    cache_batch_axes = {"state": 1}

    def __init__(self, encoder, decoder, bos_index, eos_index=None, pad_index=None, reverse_source=False,
                 carry_cell_state=True):
        super().__init__()
        self.carry_cell_state = carry_cell_state
        self.encoder, self.decoder = encoder, decoder
        self.bos_index, self.eos_index, self.pad_index = bos_index, eos_index, pad_index
        self.reverse_source = reverse_source
        self.attends = isinstance(decoder, AttentionDecoder)
        if decoder.hidden_size != encoder.output_size:
            raise ShapeError(f"Seq2Seq: the decoder's hidden_size ({decoder.hidden_size}) must equal the "
                             f"encoder's output_size ({encoder.output_size}) to start from its final state")
        if decoder.rnn.num_layers > encoder.num_layers:
            raise ShapeError(f"Seq2Seq: the decoder has more layers ({decoder.rnn.num_layers}) than the encoder "
                             f"({encoder.num_layers}) to start from")

    def start(self, src, src_lengths=None):
        """Encode: the decoder's initial state and what it reads at every step."""
        src = _ids(src)
        if self.reverse_source:
            src = reverse_padded(src, src_lengths)
        outputs, state = self.encoder(src, src_lengths)
        decoder_state = self.encoder.decoder_state(state)
        layers = self.decoder.rnn.num_layers
        if layers < self.encoder.num_layers:  # a shallower decoder starts from the encoder's top layers
            decoder_state = _map_state(decoder_state, lambda s: s[-layers:])
        if isinstance(decoder_state, tuple) and not self.carry_cell_state:
            h, c = decoder_state
            decoder_state = (h, zeros_like(c))
        cache = {"state": decoder_state, "memory": outputs}
        if self.attends:
            cache["mask"] = None if src_lengths is None else _source_mask(src, src_lengths)
        elif self.decoder.peeky:
            cache["context"] = self.encoder.summary(state)
        return cache

    def _decode(self, tokens, cache):
        """Run the decoder over `tokens` from the cached state: (logits, new state, weights or None)."""
        if self.attends:
            return self.decoder(tokens, cache["state"], cache["memory"], cache["mask"])
        logits, state = self.decoder(tokens, cache["state"], cache.get("context"))
        return logits, state, None

    def forward(self, src, tgt_in, src_lengths=None, return_attention=False):
        """Teacher-forced logits (B, T, V) for decoder inputs `tgt_in` (B, T) (and attention weights)."""
        cache = self.start(src, src_lengths)
        logits, _, weights = self._decode(_ids(tgt_in), cache)
        return (logits, weights) if return_attention else logits

    def step(self, prefix, cache):
        """One decoding step: the RNN only needs the last token and the state."""
        logits, state, _ = self._decode(prefix[:, -1:], cache)
        cache = dict(cache, state=state)
        return ops.log_softmax(logits[:, -1], axis=-1).data, cache


# ---------------------------------------------------------------- data helpers


def encode_pairs(pairs, source_vocab, target_vocab=None):
    """(question, answer) strings -> (src (N, S), src_lengths (N,), tgt (N, T)) padded id arrays.

    The target is <bos> answer <eos>, padded with <pad>; the source has no special tokens.

    >>> src, src_lengths, tgt = encode_pairs([("1+2", "3"), ("10+20", "30")], vocab)
    """
    target_vocab = source_vocab if target_vocab is None else target_vocab
    src, src_lengths = source_vocab.encode_batch([q for q, _ in pairs])
    tgt, _ = target_vocab.encode_batch([a for _, a in pairs], add_bos=True, add_eos=True)
    return src, src_lengths, tgt


def batches(arrays, batch_size, shuffle=True, rng=None, lengths_index=None, pad_index=None):
    """Yield tuples of `batch_size` rows of each array (the last batch may be smaller).

    With `lengths_index` (the position of a lengths array among `arrays`) the
    sequence array just before it is trimmed to the batch's longest length;
    with `pad_index`, all-padding columns at the end of the last array (the
    target) are trimmed too, so short batches cost less.

    >>> for src, lengths, tgt in batches((src, lengths, tgt), 128, rng=numpy.random.default_rng(0),
    ...                                  lengths_index=1, pad_index=vocab.pad_index): ...
    """
    n = len(arrays[0])
    order = (rng or numpy.random.default_rng()).permutation(n) if shuffle else numpy.arange(n)
    for start in range(0, n, batch_size):
        rows = order[start:start + batch_size]
        batch = [a[rows] for a in arrays]
        if lengths_index is not None:
            width = int(batch[lengths_index].max())
            batch[lengths_index - 1] = batch[lengths_index - 1][:, :width]
        if pad_index is not None:
            used = (batch[-1] != pad_index).any(axis=0)
            batch[-1] = batch[-1][:, :int(numpy.nonzero(used)[0].max()) + 1]
        yield tuple(batch)


def exact_match(model, src, src_lengths, answers, vocab, max_length=50, batch_size=500, beam_size=None):
    """The share of sources whose decoded output equals the answer string exactly, and the outputs.

    Greedy decoding, or beam search with `beam_size` (the best hypothesis).

    >>> accuracy, outputs = exact_match(model, src, src_lengths, [a for _, a in test_pairs], vocab, max_length=6)
    """
    outputs = []
    for start in range(0, len(answers), batch_size):
        rows = slice(start, start + batch_size)
        lengths = None if src_lengths is None else src_lengths[rows]
        if beam_size is None:
            ids = greedy_decode(model, src[rows], lengths, max_length)
        else:
            ids = [hyps[0].tokens for hyps in beam_search(model, src[rows], lengths, beam_size, max_length)]
        outputs += [vocab.decode(row) for row in ids]
    correct = sum(out == answer for out, answer in zip(outputs, answers))
    return correct / max(len(answers), 1), outputs
