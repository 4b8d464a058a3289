"""Datasets and batches: what a training loop iterates over.

    >>> from autograd.data import TensorDataset, DataLoader
    >>> loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, seed=0)
    >>> for xb, yb in loader:          # Tensors of shape (32, ...) and (32,)
    ...     ...
"""
from .dataset import Dataset, TensorDataset, Subset, random_split
from .loader import DataLoader, default_collate
from .sampler import DistributedSampler
