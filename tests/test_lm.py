"""Language modelling: perplexity, overfitting a tiny text, generation, pretrained weights."""
import math
import os

import numpy
import pytest

import autograd
from autograd import nn, optim
from autograd.text import (LSTMLanguageModel, TBPTTBatcher, lm_loss, perplexity, generate, detach_state,
                           lstm_weights_from_fgio)

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")


class Uniform(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.vocab_size = vocab_size

    def forward(self, ids, state=None):
        return autograd.zeros(*numpy.shape(ids), self.vocab_size), state


def test_uniform_model_perplexity_is_the_vocabulary_size():
    corpus = numpy.random.default_rng(0).integers(0, 50, size=400)
    assert perplexity(Uniform(50), corpus, batch_size=3, time_steps=7) == pytest.approx(50, rel=1e-5)


def test_tiny_model_overfits_a_short_text():
    autograd.manual_seed(0)
    text = "the cat sat on the mat and the dog sat on the log".split() * 4
    vocabulary = sorted(set(text))
    corpus = numpy.array([vocabulary.index(w) for w in text])
    model = LSTMLanguageModel(len(vocabulary), 16, 32)
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    for epoch in range(60):
        state = None
        for x, y in TBPTTBatcher(corpus, batch_size=2, time_steps=8):
            logits, state = model(x, detach_state(state))
            loss = lm_loss(logits, y)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
    # "sat on the" is ambiguous after "the" (cat/mat/dog/log), so not 1.0, but far below the 8 words
    assert perplexity(model, corpus, batch_size=2, time_steps=8) < 1.6


def test_weight_tying_shares_one_matrix():
    model = LSTMLanguageModel(20, 8, 8, tie_weights=True)
    assert model.decoder.weight is model.embedding.weight
    assert sum(p.numel() for p in model.parameters()) == 20 * 8 + 4 * 8 * 8 * 2 + 2 * 32 + 20
    with pytest.raises(ValueError):
        LSTMLanguageModel(20, 8, 6, tie_weights=True)


def test_generation_is_reproducible_with_a_seed():
    autograd.manual_seed(1)
    model = LSTMLanguageModel(30, 8, 8)
    a = generate(model, [1, 2], 15, seed=3)
    b = generate(model, [1, 2], 15, seed=3)
    assert a == b and len(a) == 17 and a[:2] == [1, 2]
    assert generate(model, [1, 2], 15, seed=4) != a
    skipped = generate(model, [1], 40, skip_ids=[0, 5], temperature=2.0, seed=0)
    assert 0 not in skipped[1:] and 5 not in skipped[1:]
    assert generate(model, [1], 5, greedy=True) == generate(model, [1], 5, greedy=True, seed=9)
    with no_grad_check(model):
        top1 = generate(model, [1], 5, top_k=1, seed=0)
    assert top1 == generate(model, [1], 5, greedy=True)


class no_grad_check:
    """Generation must leave the model in the mode it found it in."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        self.model.train()

    def __exit__(self, *exc):
        assert self.model.training


def test_generation_matches_step_by_step_forward():
    """Reading the prompt at once and carrying the state equals feeding it word by word."""
    autograd.manual_seed(2)
    model = LSTMLanguageModel(12, 6, 6)
    with autograd.no_grad():
        whole, _ = model(numpy.array([[3, 4, 5]]))
        state = None
        for t, word in enumerate([3, 4, 5]):
            step, state = model(numpy.array([[word]]), state)
            numpy.testing.assert_allclose(step.numpy()[0, 0], whole.numpy()[0, t], rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(not os.path.isfile(os.path.join(DATA, "reference", "rnnlm_ch06.npz")),
                    reason="reference weights not found")
def test_pretrained_book_weights_give_the_published_perplexity():
    """rnnlm_ch06.npz (gates [f, g, i, o], x @ W) converted to PyTorch layout: ~136 on PTB test."""
    from autograd.datasets import ptb

    test, word_to_id, _ = ptb.load("test", os.path.join(DATA, "ptb"))
    weights = numpy.load(os.path.join(DATA, "reference", "rnnlm_ch06.npz"))
    f32 = {k: weights[k].astype(numpy.float32) for k in weights.files}
    w_ih, w_hh, b_ih, b_hh = lstm_weights_from_fgio(f32["lstm_Wx"], f32["lstm_Wh"], f32["lstm_b"])
    model = LSTMLanguageModel(10000, 100, 100)
    model.load_state_dict({"embedding.weight": f32["embed_W"], "lstm.weight_ih_l0": w_ih, "lstm.weight_hh_l0": w_hh,
                           "lstm.bias_ih_l0": b_ih, "lstm.bias_hh_l0": b_hh,
                           "decoder.weight": f32["affine_W"].T.copy(), "decoder.bias": f32["affine_b"]})
    # the first 5,000 test words (the full test set gives 135.9)
    assert 125 < perplexity(model, test[:5000]) < 140
    assert math.isfinite(perplexity(model, test[:500], batch_size=1))
