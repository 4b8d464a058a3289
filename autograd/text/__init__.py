"""Language-model and word-embedding helpers: batching, perplexity, generation, word2vec.

    >>> from autograd.text import LSTMLanguageModel, TBPTTBatcher, perplexity, generate
    >>> model = LSTMLanguageModel(vocab_size=10000, embedding_dim=100, hidden_size=100)
    >>> for x, y in TBPTTBatcher(corpus, batch_size=20, time_steps=35): ...
"""
from .lm import *  # noqa: F401,F403
from .word2vec import *  # noqa: F401,F403
