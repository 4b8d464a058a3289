"""DataLoader: iterate over a dataset in (optionally shuffled) mini-batches.

    >>> loader = DataLoader(dataset, batch_size=64, shuffle=True, seed=0, drop_last=True)
    >>> len(loader)                       # the number of batches per epoch
    >>> for xb, yb in loader: ...         # Tensors, first axis = batch

With a seed (or a NumPy Generator) the order of every epoch is reproducible:
two loaders built with the same seed yield the same batches, epoch after
epoch, while successive epochs of one loader are shuffled differently.
Without either, shuffling draws from the library's generator
(`autograd.manual_seed`).
"""
import numpy

from .. import backend
from ..creation import generator as library_generator
from ..errors import ArgumentError
from ..tensor import Tensor

__all__ = ["DataLoader", "default_collate"]


def default_collate(examples):
    """Stack a list of examples into a batch: tuples are stacked field by field.

    >>> default_collate([(x0, y0), (x1, y1)])   # (Tensor of shape (2, ...), Tensor of shape (2,))
    """
    first = examples[0]
    if isinstance(first, (tuple, list)):
        return tuple(default_collate([e[i] for e in examples]) for i in range(len(first)))
    if isinstance(first, dict):
        return {key: default_collate([e[key] for e in examples]) for key in first}
    arrays = [e.numpy() if isinstance(e, Tensor) else e for e in examples]
    stacked = numpy.stack([numpy.asarray(a) for a in arrays])
    if stacked.dtype == numpy.float64 and not isinstance(arrays[0], numpy.ndarray):
        stacked = stacked.astype(backend.get_default_dtype())  # Python floats: the default dtype
    return Tensor(stacked)


class DataLoader:
    """Batches of a dataset, shuffled or in order.

    >>> loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, seed=42)
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None, generator=None,
                 collate_fn=None, device=None, sampler=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, numpy.integer)) or batch_size < 1:
            raise ArgumentError(f"DataLoader: batch_size must be an integer >= 1, got {batch_size!r}")
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise ArgumentError(f"DataLoader: the dataset must have __len__ and __getitem__, "
                                f"not be a {type(dataset).__name__}")
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(flag, (bool, numpy.bool_)):
                raise ArgumentError(f"DataLoader: {name} must be True or False, got {flag!r}")
        if collate_fn is not None and not callable(collate_fn):
            raise ArgumentError(f"DataLoader: collate_fn must be callable, got {type(collate_fn).__name__}")
        device = backend.check_device(device)  # an unknown device fails here, not at the first batch
        if sampler is not None and shuffle:
            raise ArgumentError("DataLoader: sampler and shuffle=True exclude each other (the sampler decides "
                                "the order; DistributedSampler shuffles itself)")
        self.sampler = sampler  # an iterable of indices (DistributedSampler) replacing the loader's order
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self.device = device
        if generator is not None:
            self.generator = generator
        elif seed is not None:
            self.generator = numpy.random.default_rng(seed)
        else:
            self.generator = None  # use the library's generator at each epoch

    def __len__(self):
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self):
        if self.sampler is not None:
            return numpy.fromiter(iter(self.sampler), dtype=numpy.int64)
        n = len(self.dataset)
        if not self.shuffle:
            return numpy.arange(n)
        rng = self.generator if self.generator is not None else library_generator()
        return rng.permutation(n)

    def __iter__(self):
        order = self._order()
        fast = self.collate_fn is None and hasattr(self.dataset, "batch")
        collate = self.collate_fn or default_collate
        for batch_number in range(len(self)):
            indices = order[batch_number * self.batch_size:(batch_number + 1) * self.batch_size]
            if fast:
                batch = self.dataset.batch(indices)
            else:
                batch = collate([self.dataset[int(i)] for i in indices])
            if self.device is not None:
                batch = _to_device(batch, self.device)
            yield batch


def _to_device(batch, device):
    if isinstance(batch, Tensor):
        return Tensor(batch.data, device=device)
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to_device(b, device) for b in batch)
    if isinstance(batch, dict):
        return {k: _to_device(v, device) for k, v in batch.items()}
    return batch
