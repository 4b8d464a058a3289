"""DistributedSampler: each of N processes reads its own, equally long share of a dataset.

The indices of one epoch are shuffled with the same seed on every rank (seed +
epoch), padded by repeating the first ones until N divides their number, and
dealt out like cards: rank r takes positions r, r + N, r + 2N, ...

    indices 0..9, N = 4, no shuffle    padded to 12: 0 1 2 3 4 5 6 7 8 9 0 1
    rank 0: 0 4 8    rank 1: 1 5 9    rank 2: 2 6 0    rank 3: 3 7 1

    >>> sampler = DistributedSampler(dataset, num_replicas=4, rank=1, seed=0)
    >>> loader = DataLoader(dataset, batch_size=32, sampler=sampler)
    >>> for epoch in range(10):
    ...     sampler.set_epoch(epoch)          # a new order each epoch, the same on every rank

As in PyTorch, `drop_last=True` drops the tail instead of padding, so no
example is seen twice in an epoch.
"""
import math

import numpy

from ..errors import ArgumentError

__all__ = ["DistributedSampler"]


class DistributedSampler:
    """Iterates over this rank's indices of `dataset` (PyTorch's signature and meaning).

    num_replicas and rank default to the world size and rank of `autograd.distributed`.

    >>> list(DistributedSampler(range(10), num_replicas=4, rank=2, shuffle=False))   # [2, 6, 0]
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            from .. import distributed

            distributed.init()
            num_replicas = distributed.get_world_size() if num_replicas is None else num_replicas
            rank = distributed.get_rank() if rank is None else rank
        if num_replicas < 1:
            raise ArgumentError(f"DistributedSampler: num_replicas must be >= 1, got {num_replicas}")
        if not 0 <= rank < num_replicas:
            raise ArgumentError(f"DistributedSampler: rank {rank} is not in [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch):
        """Use the order of epoch `epoch` (call it at each epoch, with the same number on every rank)."""
        self.epoch = int(epoch)

    def indices(self):
        """This rank's indices for the current epoch, as an integer array."""
        n = len(self.dataset)
        if self.shuffle:
            order = numpy.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            order = numpy.arange(n)
        if self.drop_last:
            order = order[:self.total_size]
        elif self.total_size > n:  # pad by repeating from the start (several times for tiny datasets)
            order = numpy.resize(order, self.total_size)
        return order[self.rank:self.total_size:self.num_replicas]

    def __iter__(self):
        return iter(self.indices().tolist())

    def __len__(self):
        return self.num_samples

    def __repr__(self):
        return (f"DistributedSampler(rank={self.rank}, num_replicas={self.num_replicas}, "
                f"num_samples={self.num_samples}, shuffle={self.shuffle}, seed={self.seed})")
