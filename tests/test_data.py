"""Datasets and the DataLoader: batching, shuffling with a seed, drop_last."""
import numpy
import pytest

import autograd
from autograd.data import DataLoader, Dataset, TensorDataset, Subset, random_split, default_collate


def dataset(n=10):
    return TensorDataset(numpy.arange(n, dtype=numpy.float32).reshape(n, 1), numpy.arange(n))


def epoch_ids(loader):
    return [yb.numpy().tolist() for _, yb in loader]


def test_batches_are_tensors_in_order_without_shuffle():
    loader = DataLoader(dataset(), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    xb, yb = batches[0]
    assert isinstance(xb, autograd.Tensor) and xb.shape == (4, 1) and xb.dtype == numpy.float32
    assert yb.dtype == numpy.int64
    assert epoch_ids(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_drop_last_drops_the_short_batch():
    loader = DataLoader(dataset(), batch_size=4, drop_last=True)
    assert len(loader) == 2 and epoch_ids(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_shuffle_with_a_seed_is_reproducible_and_differs_between_epochs():
    a = DataLoader(dataset(20), batch_size=6, shuffle=True, seed=7)
    b = DataLoader(dataset(20), batch_size=6, shuffle=True, seed=7)
    first_a, second_a = epoch_ids(a), epoch_ids(a)
    assert first_a == epoch_ids(b) and second_a == epoch_ids(b)
    assert first_a != second_a
    assert sorted(sum(first_a, [])) == list(range(20))  # a permutation: every example once
    assert first_a != epoch_ids(DataLoader(dataset(20), batch_size=6, shuffle=True, seed=8))
    gen = DataLoader(dataset(20), batch_size=6, shuffle=True, generator=numpy.random.default_rng(7))
    assert epoch_ids(gen) == first_a


def test_shuffle_without_seed_follows_manual_seed():
    autograd.manual_seed(5)
    first = epoch_ids(DataLoader(dataset(20), batch_size=5, shuffle=True))
    autograd.manual_seed(5)
    assert epoch_ids(DataLoader(dataset(20), batch_size=5, shuffle=True)) == first


def test_custom_dataset_and_collate():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return float(i), {"square": i * i}

    xb, extra = next(iter(DataLoader(Squares(), batch_size=3)))
    assert xb.dtype == numpy.float32 and xb.numpy().tolist() == [0.0, 1.0, 2.0]
    assert extra["square"].numpy().tolist() == [0, 1, 4]
    collated = default_collate([(autograd.tensor([1.0, 2.0]), 1), (autograd.tensor([3.0, 4.0]), 0)])
    assert collated[0].shape == (2, 2) and collated[1].numpy().tolist() == [1, 0]
    with pytest.raises(ValueError):
        DataLoader(Squares(), batch_size=0)


def test_tensor_dataset_checks_lengths_and_indexes():
    ds = TensorDataset(autograd.randn(4, 2), numpy.arange(4))
    x0, y0 = ds[0]
    assert x0.shape == (2,) and y0.item() == 0 and len(ds) == 4
    with pytest.raises(ValueError, match="different lengths"):
        TensorDataset(numpy.zeros(3), numpy.zeros(4))


def test_random_split_and_subset():
    train, val = random_split(dataset(10), [0.8, 0.2], seed=0)
    assert len(train) == 8 and len(val) == 2
    ids = sorted(int(train[i][1].item()) for i in range(8)) + sorted(int(val[i][1].item()) for i in range(2))
    assert sorted(ids) == list(range(10))
    batch = next(iter(DataLoader(Subset(dataset(10), [9, 3]), batch_size=2)))
    assert batch[1].numpy().tolist() == [9, 3]
    with pytest.raises(ValueError):
        random_split(dataset(10), [3, 3])


def test_subsets_of_a_dataset_without_batch_go_through_the_loader():
    class Squares(Dataset):  # only __len__ and __getitem__: no batch method
        def __len__(self):
            return 10

        def __getitem__(self, i):
            return float(i), i * i

    train, val = random_split(Squares(), [0.8, 0.2], seed=0)
    seen = []
    for loader in (DataLoader(train, batch_size=3), DataLoader(val, batch_size=3, shuffle=True, seed=1)):
        for xb, yb in loader:
            assert xb.dtype == numpy.float32
            assert yb.numpy().tolist() == [x * x for x in xb.numpy().astype(int).tolist()]
            seen.extend(xb.numpy().astype(int).tolist())
    assert sorted(seen) == list(range(10))
    assert len(list(DataLoader(train, batch_size=3))) == 3
