"""Word-level language modelling: an LSTM model, truncated-BPTT batches, perplexity, generation.

A language model gives the probability of the next word: p(w_t | w_1 .. w_{t-1}).
It is trained on one long text cut into parallel streams; each batch holds the
next `time_steps` words of every stream, and the recurrent state is carried
from one batch to the next (detached: gradients stop at the batch boundary,
hence *truncated* backpropagation through time).

    >>> model = LSTMLanguageModel(10000, 100, 100)
    >>> state = None
    >>> for x, y in TBPTTBatcher(corpus, batch_size=20, time_steps=35):
    ...     logits, state = model(x, detach_state(state))
    ...     loss = lm_loss(logits, y)
    >>> perplexity(model, test_corpus)           # exp(mean cross-entropy): 10000 for a uniform model
"""
import math

import numpy

from .. import ops
from ..backend import numpy_namespace
from ..grad_mode import no_grad
from ..errors import ArgumentError, DTypeError, IndexOutOfRangeError, NonFiniteError, ShapeError
from ..nn.embedding import Embedding
from ..nn.layers import Linear, Dropout
from ..nn.module import Module
from ..nn.recurrent import LSTM, detach_state
from ..nn import init

__all__ = ["TBPTTBatcher", "LSTMLanguageModel", "lm_loss", "perplexity", "generate"]


class TBPTTBatcher:
    """(inputs, targets) batches of shape (batch_size, time_steps) from one long token sequence.

    The corpus is cut into `batch_size` streams starting at even offsets
    0, L, 2L, ... (L = (N - 1) // batch_size); batch k holds words
    [k·T, (k+1)·T) of every stream, the targets are the same words shifted by
    one. Consecutive batches continue each stream, so the state carries over.
    The last batch may be shorter than `time_steps`.

    >>> batches = TBPTTBatcher(numpy.arange(101), batch_size=4, time_steps=10)
    >>> batches.offsets, len(batches)           # (array([ 0, 25, 50, 75]), 3)
    """

    def __init__(self, corpus, batch_size, time_steps, drop_last=False):
        corpus = numpy.asarray(corpus)
        for name, value in (("batch_size", batch_size), ("time_steps", time_steps)):
            if isinstance(value, bool) or not isinstance(value, (int, numpy.integer)) or value < 1:
                raise ArgumentError(f"TBPTTBatcher: {name} must be an integer >= 1, got {value!r}")
        if corpus.ndim != 1 or corpus.dtype.kind not in "iu":
            raise DTypeError(f"TBPTTBatcher: the corpus must be a 1-d array of integer ids, got "
                             f"{corpus.dtype} of shape {corpus.shape}")
        self.batch_size, self.time_steps, self.drop_last = batch_size, time_steps, drop_last
        self.stream_length = (len(corpus) - 1) // batch_size
        if self.stream_length < 1:
            raise ArgumentError(f"TBPTTBatcher: a corpus of {len(corpus)} tokens is too short for {batch_size} streams")
        self.offsets = numpy.arange(batch_size) * self.stream_length
        positions = self.offsets[:, None] + numpy.arange(self.stream_length)
        self.inputs = corpus[positions]
        self.targets = corpus[positions + 1]

    def __len__(self):
        full, rest = divmod(self.stream_length, self.time_steps)
        return full + (1 if rest and not self.drop_last else 0)

    def __iter__(self):
        for k in range(len(self)):
            window = slice(k * self.time_steps, (k + 1) * self.time_steps)
            yield self.inputs[:, window], self.targets[:, window]


class LSTMLanguageModel(Module):
    """Embedding -> stacked LSTM -> dropout -> linear projection to the vocabulary.

    With `tie_weights=True` the output projection shares the embedding matrix
    (Press & Wolf 2017; needs embedding_dim == hidden_size). Called as
    `logits, state = model(ids, state)` with ids (B, T) -> logits (B, T, V).

    >>> model = LSTMLanguageModel(10000, 650, 650, num_layers=2, dropout=0.5, tie_weights=True)
    """

    def __init__(self, vocab_size, embedding_dim=100, hidden_size=100, num_layers=1, dropout=0.0,
                 tie_weights=False, fused=True):
        super().__init__()
        self.vocab_size = vocab_size
        self.embedding = Embedding(vocab_size, embedding_dim)
        self.lstm = LSTM(embedding_dim, hidden_size, num_layers=num_layers, dropout=dropout, fused=fused,
                         batch_first=True)
        self.drop = Dropout(dropout)
        self.decoder = Linear(hidden_size, vocab_size)
        self.reset_parameters()
        if tie_weights:
            if embedding_dim != hidden_size:
                raise ShapeError(f"tie_weights needs embedding_dim == hidden_size, got {embedding_dim} and {hidden_size}")
            self.decoder.weight = self.embedding.weight

    def reset_parameters(self):
        """Small embeddings, weights scaled by 1/√fan_in, zero biases (the usual LM initialisation)."""
        init.normal_(self.embedding.weight, 0.0, 0.01)
        for name, p in self.lstm.named_parameters():
            if name.startswith("weight"):
                init.normal_(p, 0.0, 1 / math.sqrt(p.shape[1]))
            else:
                init.zeros_(p)
        init.normal_(self.decoder.weight, 0.0, 1 / math.sqrt(self.decoder.in_features))
        init.zeros_(self.decoder.bias)

    def forward(self, ids, state=None):
        x = self.drop(self.embedding(ids))
        output, state = self.lstm(x, state)
        batch, steps, hidden = output.shape
        # project all positions at once: one (B·T, H) @ (H, V) product
        logits = self.decoder(self.drop(output).reshape(batch * steps, hidden))
        return logits.reshape(batch, steps, self.vocab_size), state


def lm_loss(logits, targets, reduction="mean"):
    """Cross-entropy over every position: logits (B, T, V), targets (B, T) word ids; mean unless `reduction`.

    >>> loss = lm_loss(logits, y); loss.backward()
    """
    return ops.cross_entropy(logits.reshape(-1, logits.shape[-1]), numpy.asarray(targets).reshape(-1),
                             reduction=reduction)


def perplexity(model, corpus, batch_size=10, time_steps=35):
    """exp(mean cross-entropy per word) of `model` on `corpus`, carrying the state through it.

    `model(ids, state)` must return (logits, state). Runs in evaluation mode
    without recording a graph. A model that predicts the uniform distribution
    scores exactly the vocabulary size.

    >>> perplexity(model, test_corpus)          # ~136 for the small PTB configuration
    """
    was_training = model.training
    model.eval()
    total, count, state = 0.0, 0, None
    with no_grad():
        for x, y in TBPTTBatcher(corpus, batch_size, time_steps):
            logits, state = model(x, state)
            total += float(lm_loss(logits, y, reduction="sum").item())
            count += math.prod(y.shape)
    model.train(was_training)
    return math.exp(total / count)


def generate(model, start_tokens, length, temperature=1.0, top_k=None, skip_ids=None, greedy=False, seed=None):
    """Continue `start_tokens` by `length` words sampled one at a time, carrying the model's state.

    `temperature` < 1 sharpens the distribution, > 1 flattens it; `top_k` keeps
    only the k most likely words; `skip_ids` are never produced (e.g. <unk>);
    `greedy=True` always takes the most likely word. The same `seed` gives the
    same text. Returns the start tokens followed by the new ones (a list of ids).

    >>> ids = generate(model, [word_to_id["the"]], 20, top_k=50, skip_ids=[word_to_id["<unk>"]], seed=0)
    >>> " ".join(id_to_word[i] for i in ids)
    """
    start = numpy.asarray(start_tokens).reshape(-1)
    if start.size == 0:
        raise ArgumentError("generate: start_tokens must hold at least one id")
    if start.dtype.kind not in "iu":
        raise DTypeError(f"generate: start_tokens must be integer ids, got {start.dtype}")
    start_tokens = [int(t) for t in start]
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, numpy.number)) \
            or not 0 < temperature < math.inf:
        raise ArgumentError(f"generate: temperature must be a positive number, got {temperature!r}")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, (int, numpy.integer)) or top_k < 1):
        raise ArgumentError(f"generate: top_k must be None (no cut) or an integer >= 1, got {top_k!r}")
    if isinstance(length, bool) or not isinstance(length, (int, numpy.integer)) or length < 0:
        raise ArgumentError(f"generate: length must be an integer >= 0, got {length!r}")
    skip = None if skip_ids is None else numpy.asarray(list(skip_ids), dtype=numpy.int64)
    rng = numpy.random.default_rng(seed)
    was_training = model.training
    model.eval()
    tokens = list(start_tokens)
    try:
        with no_grad():
            logits, state = model(numpy.array([start_tokens]), None)  # read the whole prompt at once
            vocabulary = logits.shape[-1]
            if skip is not None and skip.size and (skip.min() < 0 or skip.max() >= vocabulary):
                raise IndexOutOfRangeError(f"generate: skip_ids {skip.tolist()} are not all in [0, {vocabulary})")
            for _ in range(length):
                scores = logits.numpy()[0, -1].astype(numpy.float64) / temperature
                if numpy.isnan(scores).any():
                    raise NonFiniteError("generate: the model's scores contain NaN")
                if skip is not None:
                    scores[skip] = -numpy.inf
                if not numpy.isfinite(scores).any():
                    raise ArgumentError(f"generate: no word is left to choose from (skip_ids removes "
                                        f"{len(set(skip.tolist())) if skip is not None else 0} of {vocabulary})")
                if top_k is not None and top_k < scores.size:
                    cutoff = numpy.partition(scores, -top_k)[-top_k]
                    scores[scores < cutoff] = -numpy.inf
                if greedy:
                    word = int(numpy.argmax(scores))
                else:
                    p = numpy_namespace.softmax(scores)  # float64, like scores
                    word = int(rng.choice(p.size, p=p))
                tokens.append(word)
                logits, state = model(numpy.array([[word]]), state)
    finally:
        model.train(was_training)
    return tokens


# `detach_state` is the one-line TBPTT helper; re-exported here for language-model code.
__all__.append("detach_state")


def lstm_weights_from_fgio(weight_x, weight_h, bias):
    """Convert LSTM weights stored as x @ W_x with gate blocks [f, g, i, o] to PyTorch's layout.

    That storage is the one of "Deep Learning from Scratch 2" (and of
    `shared/data/reference/rnnlm_ch06.npz`): W_x (in, 4H), W_h (H, 4H), b (4H,).
    PyTorch keeps W_ih (4H, in) with blocks [i, f, g, o] and two biases; the
    whole bias goes to bias_ih here and bias_hh is zero.
    Returns (weight_ih, weight_hh, bias_ih, bias_hh).

    >>> w_ih, w_hh, b_ih, b_hh = lstm_weights_from_fgio(npz["lstm_Wx"], npz["lstm_Wh"], npz["lstm_b"])
    """
    hidden = weight_h.shape[0]
    f, g, i, o = (slice(k * hidden, (k + 1) * hidden) for k in range(4))
    order = numpy.r_[i, f, g, o]
    return (numpy.ascontiguousarray(weight_x[:, order].T), numpy.ascontiguousarray(weight_h[:, order].T),
            bias[order].copy(), numpy.zeros_like(bias))


__all__.append("lstm_weights_from_fgio")
