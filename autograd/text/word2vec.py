"""word2vec: word vectors learnt by predicting words from their neighbours (Mikolov et al. 2013).

CBOW predicts the centre word from the mean of its context vectors; skip-gram
predicts each context word from the centre word. Instead of a softmax over the
whole vocabulary, *negative sampling* turns this into binary decisions: the
true (centre, context) pair should score high, k random words drawn from the
unigram distribution raised to 0.75 should score low:

    loss = -log σ(u_true · h) - Σ_k log σ(-u_k · h)

(a sigmoid and binary cross-entropy). The input embedding is the word vector.

    >>> vectors = train_word2vec(corpus, vocab_size, model="cbow", time_limit=60)
    >>> WordVectors(vectors, word_to_id, id_to_word).most_similar("you")
"""
import time

import numpy

from .. import ops
from ..errors import ArgumentError, TokenError
from ..nn.embedding import Embedding
from ..nn.module import Module
from ..nn import init

__all__ = ["UnigramSampler", "CBOW", "SkipGram", "cbow_batches", "skipgram_pairs", "train_word2vec",
           "WordVectors", "most_similar", "analogy"]


class UnigramSampler:
    """Draws negative words with probability ∝ count^power (power 0.75 flattens the frequent words).

    >>> sampler = UnigramSampler(corpus, vocab_size=10000)
    >>> sampler.sample((100, 5), numpy.random.default_rng(0)).shape        # (100, 5) word ids
    """

    def __init__(self, corpus, vocab_size, power=0.75):
        counts = numpy.bincount(numpy.asarray(corpus), minlength=vocab_size).astype(numpy.float64)
        p = counts ** power
        self.probabilities = p / p.sum()
        self.cumulative = numpy.cumsum(self.probabilities)

    def sample(self, shape, rng):
        """Word ids of the given shape; inverse-CDF sampling (fast, and repeatable with `rng`)."""
        ids = numpy.searchsorted(self.cumulative, rng.random(shape) * self.cumulative[-1], side="right")
        return numpy.minimum(ids, len(self.cumulative) - 1)


def _negative_sampling_loss(h, out_embedding, positives, negatives):
    """Mean over examples of BCE(σ(h·u_pos), 1) + Σ_k BCE(σ(h·u_neg), 0); h (N, D), ids (N,), (N, k)."""
    positive_scores = (h * out_embedding(positives)).sum(axis=-1)                     # (N,)
    negative_scores = (ops.expand_dims(h, 1) * out_embedding(negatives)).sum(axis=-1)  # (N, k)
    ones = numpy.ones(positive_scores.shape, dtype=positive_scores.dtype)
    zeros = numpy.zeros(negative_scores.shape, dtype=negative_scores.dtype)
    positive = ops.binary_cross_entropy_with_logits(positive_scores, ones, reduction="sum")
    negative = ops.binary_cross_entropy_with_logits(negative_scores, zeros, reduction="sum")
    return (positive + negative) * (1.0 / positive_scores.shape[0])


class _Word2Vec(Module):
    def __init__(self, vocab_size, dim):
        super().__init__()
        self.in_embedding = Embedding(vocab_size, dim)   # the word vectors
        self.out_embedding = Embedding(vocab_size, dim)  # the "output" vectors scored against them
        init.normal_(self.in_embedding.weight, 0.0, 0.01)
        init.zeros_(self.out_embedding.weight)

    @property
    def word_vectors(self):
        return self.in_embedding.weight.numpy()


class CBOW(_Word2Vec):
    """Continuous bag of words: the mean of the context vectors predicts the centre word.

    >>> model = CBOW(10000, 100)
    >>> loss = model(contexts, targets, negatives)     # (N, 2·window), (N,), (N, k) word ids
    """

    def forward(self, contexts, targets, negatives):
        h = self.in_embedding(contexts).mean(axis=1)
        return _negative_sampling_loss(h, self.out_embedding, targets, negatives)


class SkipGram(_Word2Vec):
    """Skip-gram: the centre word's vector predicts each context word.

    >>> model = SkipGram(10000, 100)
    >>> loss = model(centres, contexts, negatives)     # (N,), (N,), (N, k): one (centre, context) pair per row
    """

    def forward(self, centres, contexts, negatives):
        return _negative_sampling_loss(self.in_embedding(centres), self.out_embedding, contexts, negatives)


def cbow_batches(corpus, window=5):
    """(contexts (N, 2·window), targets (N,)) for every position with a full window on both sides.

    >>> contexts, targets = cbow_batches(numpy.arange(10), window=1)   # contexts[0] = [0, 2], targets[0] = 1
    """
    corpus = numpy.asarray(corpus)
    targets = corpus[window:len(corpus) - window]
    offsets = [o for o in range(-window, window + 1) if o != 0]
    contexts = numpy.stack([corpus[window + o:len(corpus) - window + o] for o in offsets], axis=1)
    return contexts, targets


def skipgram_pairs(corpus, window=5):
    """(centres (N,), contexts (N,)): every (centre, neighbour) pair within the window.

    >>> centres, contexts = skipgram_pairs(numpy.arange(5), window=1)
    """
    contexts, targets = cbow_batches(corpus, window)
    return numpy.repeat(targets, contexts.shape[1]), contexts.reshape(-1)


def train_word2vec(corpus, vocab_size, model="cbow", dim=100, window=5, negatives=5, batch_size=100, epochs=1,
                   lr=1e-3, time_limit=None, seed=0, log=None):
    """Train CBOW or skip-gram with negative sampling and Adam; returns the word vectors (V, dim).

    `time_limit` (seconds) stops early; `log(message)` receives progress lines.

    >>> vectors = train_word2vec(corpus, 10000, model="skipgram", time_limit=120)
    """
    from ..optim import Adam
    from ..creation import manual_seed

    manual_seed(seed)
    rng = numpy.random.default_rng(seed)
    net = CBOW(vocab_size, dim) if model == "cbow" else SkipGram(vocab_size, dim)
    if model == "cbow":
        inputs, outputs = cbow_batches(corpus, window)
    elif model == "skipgram":
        inputs, outputs = skipgram_pairs(corpus, window)
    else:
        raise ArgumentError(f"train_word2vec: model must be 'cbow' or 'skipgram', not {model!r}")
    sampler = UnigramSampler(corpus, vocab_size)
    optimizer = Adam(net.parameters(), lr=lr)
    start = time.perf_counter()
    total, count = 0.0, 0
    for epoch in range(epochs):
        order = rng.permutation(len(outputs))
        for k, first in enumerate(range(0, len(order), batch_size)):
            rows = order[first:first + batch_size]
            loss = net(inputs[rows], outputs[rows], sampler.sample((len(rows), negatives), rng))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, count = total + loss.item(), count + 1
            if log is not None and (k + 1) % 1000 == 0:
                log(f"epoch {epoch + 1} batch {k + 1}/{-(-len(order) // batch_size)} loss {total / count:.4f} "
                    f"({time.perf_counter() - start:.0f} s)")
                total, count = 0.0, 0
            if time_limit is not None and time.perf_counter() - start > time_limit:
                return net.word_vectors
    return net.word_vectors


def _unit_rows(vectors):
    """The rows of `vectors` scaled to unit length (float64)."""
    vectors = numpy.asarray(vectors, dtype=numpy.float64)
    return vectors / (numpy.linalg.norm(vectors, axis=1, keepdims=True) + 1e-8)


def _nearest(unit, query, exclude, top, id_to_word):
    """The `top` rows of `unit` most similar to `query`, skipping the ids in `exclude`: [(word, similarity), ...]."""
    similarity = unit @ query
    similarity[list(exclude)] = -numpy.inf
    best = numpy.argsort(-similarity)[:top]
    return [(id_to_word[int(i)], float(similarity[i])) for i in best]


def _check_words(name, words, word_to_id):
    for word in words:
        if word not in word_to_id:
            raise TokenError(f"{name}: {word!r} is not in the vocabulary")


def _most_similar(word, word_to_id, id_to_word, unit, top):
    _check_words("most_similar", (word,), word_to_id)
    index = word_to_id[word]
    return _nearest(unit, unit[index], (index,), top, id_to_word)  # the word itself does not count


def _analogy(a, b, c, word_to_id, id_to_word, unit, top):
    _check_words("analogy", (a, b, c), word_to_id)
    query = unit[word_to_id[b]] - unit[word_to_id[a]] + unit[word_to_id[c]]
    return _nearest(unit, query / numpy.linalg.norm(query), (word_to_id[w] for w in (a, b, c)), top, id_to_word)


def most_similar(word, word_to_id, id_to_word, vectors, top=5):
    """The `top` words closest to `word` by cosine similarity, as [(word, similarity), ...].

    >>> most_similar("you", word_to_id, id_to_word, vectors)   # [('we', 0.73), ('i', 0.70), ...]
    """
    return _most_similar(word, word_to_id, id_to_word, _unit_rows(vectors), top)


def analogy(a, b, c, word_to_id, id_to_word, vectors, top=5):
    """a : b = c : ?  — the words closest to b - a + c (the three query words excluded).

    >>> analogy("man", "king", "woman", word_to_id, id_to_word, vectors)   # [('queen', ...), ...]
    """
    return _analogy(a, b, c, word_to_id, id_to_word, _unit_rows(vectors), top)


class WordVectors:
    """Word vectors with their vocabulary: `most_similar(word)` and `analogy(a, b, c)`.

    >>> wv = WordVectors(numpy.load("cbow_ch04.npz")["word_vecs"], word_to_id, id_to_word)
    >>> wv.most_similar("car", top=5); wv.analogy("king", "man", "queen")
    """

    def __init__(self, vectors, word_to_id, id_to_word):
        self.vectors = numpy.asarray(vectors, dtype=numpy.float32)
        self.word_to_id, self.id_to_word = word_to_id, id_to_word
        self._unit = _unit_rows(self.vectors)  # normalised once, not per query

    def most_similar(self, word, top=5):
        return _most_similar(word, self.word_to_id, self.id_to_word, self._unit, top)

    def analogy(self, a, b, c, top=5):
        """a : b = c : ?"""
        return _analogy(a, b, c, self.word_to_id, self.id_to_word, self._unit, top)
