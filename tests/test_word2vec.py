"""word2vec: negative sampling, CBOW/skip-gram training, similarity queries."""
import os

import numpy
import pytest

import autograd
from autograd.text import (UnigramSampler, CBOW, SkipGram, cbow_batches, skipgram_pairs, train_word2vec,
                           WordVectors, most_similar, analogy)

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")


def test_unigram_sampler_follows_counts_to_the_three_quarters():
    corpus = numpy.array([0] * 81 + [1] * 16 + [2] * 1)
    sampler = UnigramSampler(corpus, 4)
    expected = numpy.array([27, 8, 1, 0]) / 36  # 81^.75, 16^.75, 1^.75, and an unseen word never
    numpy.testing.assert_allclose(sampler.probabilities, expected)
    draws = sampler.sample((20000,), numpy.random.default_rng(0))
    numpy.testing.assert_allclose(numpy.bincount(draws, minlength=4) / 20000, expected, atol=0.01)


def test_contexts_and_pairs():
    contexts, targets = cbow_batches(numpy.arange(6), window=1)
    assert contexts.tolist() == [[0, 2], [1, 3], [2, 4], [3, 5]] and targets.tolist() == [1, 2, 3, 4]
    centres, neighbours = skipgram_pairs(numpy.arange(4), window=1)
    assert list(zip(centres.tolist(), neighbours.tolist())) == [(1, 0), (1, 2), (2, 1), (2, 3)]


@pytest.mark.parametrize("model_class", [CBOW, SkipGram])
def test_negative_sampling_loss_gradcheck(model_class):
    autograd.manual_seed(0)
    model = model_class(7, 3)
    autograd.nn.init.normal_(model.out_embedding.weight, 0, 0.5)
    rng = numpy.random.default_rng(0)
    inputs = rng.integers(0, 7, size=(4, 2)) if model_class is CBOW else rng.integers(0, 7, size=4)
    targets, negatives = rng.integers(0, 7, size=4), rng.integers(0, 7, size=(4, 3))
    w_in, w_out = model.in_embedding.weight, model.out_embedding.weight

    def loss(a, b):
        object.__setattr__(model.in_embedding, "weight", a)
        object.__setattr__(model.out_embedding, "weight", b)
        try:
            return model(inputs, targets, negatives)
        finally:
            object.__setattr__(model.in_embedding, "weight", w_in)
            object.__setattr__(model.out_embedding, "weight", w_out)

    assert autograd.gradcheck(loss, [w_in, w_out])


@pytest.mark.parametrize("kind", ["cbow", "skipgram"])
def test_training_puts_words_of_the_same_context_together(kind):
    """In a text where 'cat' and 'dog' occur in the same contexts, they end up most similar."""
    rng = numpy.random.default_rng(0)
    words = ["the", "cat", "dog", "eats", "sleeps", "car", "drives", "road", "fast", "on"]
    sentences = []
    for _ in range(300):
        sentences += ["the", ["cat", "dog"][rng.integers(2)], ["eats", "sleeps"][rng.integers(2)]]
        sentences += ["the", "car", "drives", "fast", "on", "the", "road"]
    word_to_id = {w: i for i, w in enumerate(words)}
    id_to_word = dict(enumerate(words))
    corpus = numpy.array([word_to_id[w] for w in sentences])
    vectors = train_word2vec(corpus, len(words), model=kind, dim=10, window=2, negatives=3, batch_size=50,
                             epochs=3, lr=0.02)
    assert most_similar("cat", word_to_id, id_to_word, vectors, top=1)[0][0] == "dog"


DATA_FILES = [os.path.join(DATA, "reference", "cbow_ch04.npz"), os.path.join(DATA, "ptb", "ptb.train.txt")]


@pytest.mark.skipif(not all(os.path.isfile(f) for f in DATA_FILES), reason="reference vectors or PTB not found")
def test_most_similar_on_the_reference_vectors():
    from autograd.datasets import ptb

    word_to_id, id_to_word = ptb.load_vocabulary(os.path.join(DATA, "ptb"))
    wv = WordVectors(numpy.load(DATA_FILES[0])["word_vecs"], word_to_id, id_to_word)
    similar = wv.most_similar("you", top=5)
    assert len(similar) == 5 and "you" not in [w for w, _ in similar]
    assert {"we", "i"} <= {w for w, _ in similar}
    assert "month" in [w for w, _ in wv.most_similar("year", top=3)]
    result = wv.analogy("king", "man", "queen", top=5)
    assert len(result) == 5 and not {"king", "man", "queen"} & {w for w, _ in result}
    with pytest.raises(KeyError):
        wv.most_similar("notaword")


def test_analogy_on_constructed_vectors():
    words = ["king", "queen", "man", "woman", "apple"]
    vectors = numpy.array([[1, 1, 0], [1, -1, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1]], dtype=float)
    w2i, i2w = {w: i for i, w in enumerate(words)}, dict(enumerate(words))
    assert analogy("man", "king", "woman", w2i, i2w, vectors, top=1)[0][0] == "queen"
