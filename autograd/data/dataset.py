"""Datasets: indexable collections of examples.

A `Dataset` is anything with `__len__` and `__getitem__(i)` returning one
example (often an (input, target) pair). `TensorDataset` wraps arrays that
share their first axis; it can also hand out whole batches at once, which the
DataLoader uses to avoid building a batch example by example.

    >>> ds = TensorDataset(X, y)          # X: (1000, 64), y: (1000,)
    >>> x0, y0 = ds[0]; len(ds)           # one example; 1000
"""
import numpy

from .. import backend
from ..creation import generator as _generator
from ..errors import ArgumentError, IndexOutOfRangeError, ShapeError
from ..tensor import Tensor
from .loader import default_collate

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split"]


class Dataset:
    """Base class: define `__len__` and `__getitem__(index)`.

    >>> class Squares(Dataset):
    ...     def __len__(self): return 10
    ...     def __getitem__(self, i): return float(i), float(i * i)
    """

    def __len__(self):
        raise NotImplementedError

    def __getitem__(self, index):
        raise NotImplementedError


class TensorDataset(Dataset):
    """Examples are the rows of the given arrays/tensors (all with the same length).

    >>> ds = TensorDataset(autograd.randn(100, 3), numpy.arange(100))
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ArgumentError("TensorDataset needs at least one array")
        self.arrays = [a.data if isinstance(a, Tensor) else backend.as_array(a) for a in arrays]
        lengths = {len(a) for a in self.arrays}
        if len(lengths) != 1:
            raise ShapeError(f"TensorDataset: arrays have different lengths {[len(a) for a in self.arrays]}")

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(Tensor(a[index]) for a in self.arrays)

    def batch(self, indices):
        """The examples at `indices` stacked along a new first axis, in one indexing operation."""
        return tuple(Tensor(a[indices]) for a in self.arrays)


class Subset(Dataset):
    """The examples of `dataset` at `indices`.  >>> train = Subset(ds, range(800))"""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = numpy.asarray(indices, dtype=numpy.int64 if len(indices) == 0 else None)
        if self.indices.ndim != 1 or self.indices.dtype.kind not in "iu":
            raise ArgumentError(f"Subset: indices must be a 1-d sequence of integers, got {self.indices.dtype} "
                                f"of shape {self.indices.shape}")
        n = len(dataset)
        if self.indices.size and (int(self.indices.min()) < 0 or int(self.indices.max()) >= n):
            raise IndexOutOfRangeError(f"Subset: indices must lie in [0, {n}) for a dataset of {n} examples, got "
                                       f"{int(self.indices.min())} to {int(self.indices.max())}")

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def batch(self, indices):
        """The examples at `indices` as one batch: the dataset's own `batch` if it has one, else collated."""
        indices = self.indices[indices]
        if hasattr(self.dataset, "batch"):
            return self.dataset.batch(indices)
        return default_collate([self.dataset[int(i)] for i in indices])


def random_split(dataset, lengths, seed=None, generator=None):
    """Split into non-overlapping random subsets of the given lengths (or fractions summing to 1).

    Fractions are rounded down and the remaining examples go one each to the
    first subsets, as in PyTorch. `generator` is a NumPy Generator (or give `seed`).

    >>> train, val = random_split(ds, [0.8, 0.2], seed=0)
    """
    n = len(dataset)
    if all(isinstance(x, float) for x in lengths) and abs(sum(lengths) - 1) < 1e-6:
        counts = [int(n * x) for x in lengths]
        for i in range(n - sum(counts)):  # the rounding remainder, round-robin from the first subset
            counts[i % len(counts)] += 1
    else:
        counts = [int(x) for x in lengths]
    if any(c < 0 for c in counts) or sum(counts) != n:
        raise ArgumentError(f"random_split: lengths {lengths} do not add up to the dataset size {n}")
    rng = generator if generator is not None else numpy.random.default_rng(seed) if seed is not None else _generator()
    order = rng.permutation(n)
    subsets, start = [], 0
    for count in counts:
        subsets.append(Subset(dataset, order[start:start + count]))
        start += count
    return subsets
