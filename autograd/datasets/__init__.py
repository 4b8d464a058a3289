"""Loaders for the datasets used in the notebooks and benchmarks.

Each loader reads files from a directory you give (or a cache directory) and
never downloads anything:

    >>> from autograd.datasets import ptb
    >>> corpus, word_to_id, id_to_word = ptb.load("train", path="../shared/data/ptb")
"""
