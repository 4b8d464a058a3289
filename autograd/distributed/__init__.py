"""Data-parallel training on several processes (and machines, and GPUs) over MPI and NCCL.

Launch the same script on N processes; each trains on its share of the data and
the gradients are averaged over all of them during backward:

    mpirun -n 2 python examples/ddp_digits.py

    >>> import autograd.distributed as dist
    >>> dist.init()                                         # joins mpirun's world (or a world of one)
    >>> model = dist.DistributedDataParallel(model)         # same start everywhere, averaged gradients
    >>> sampler = autograd.data.DistributedSampler(dataset) # this rank's share of the data
    >>> loader = autograd.data.DataLoader(dataset, batch_size=32, sampler=sampler)

Files: process_group.py (ranks, world size, aborting together), collectives.py
(all_reduce, broadcast, all_gather over MPI or NCCL), nccl.py (the GPU transport),
buckets.py (gradient buckets reduced while backward runs), ddp.py (the wrapper).

The transport is mpi4py with an MPI library (the `distributed` extra installs
the MPICH wheel, which brings `mpirun`): pip install 'autograd-dag[distributed]'.
Importing this package works without it, and so does a single process.
"""
from .process_group import (init, is_initialized, get_rank, get_world_size, get_local_rank, barrier, destroy,
                            is_main_process, INSTALL_HINT)
from .collectives import ReduceOp, Work, all_reduce, broadcast, all_gather
from .ddp import DistributedDataParallel

__all__ = ["init", "is_initialized", "get_rank", "get_world_size", "get_local_rank", "barrier", "destroy",
           "is_main_process", "ReduceOp", "Work", "all_reduce", "broadcast", "all_gather",
           "DistributedDataParallel", "INSTALL_HINT"]
