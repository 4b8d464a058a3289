"""The named tuples that ops returning two tensors give back, as torch.return_types.

    >>> values, indices = x.max(dim=1)          # also x.max(dim=1).values, .indices
"""
from collections import namedtuple

max = namedtuple("max", ["values", "indices"])  # noqa: A001 (PyTorch's names)
min = namedtuple("min", ["values", "indices"])  # noqa: A001
sort = namedtuple("sort", ["values", "indices"])
topk = namedtuple("topk", ["values", "indices"])
