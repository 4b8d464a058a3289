"""Data-parallel training on two processes equals training on one process with the global batch.

These tests need two MPI ranks; `.ci/run` launches them as

    mpirun -n 2 python -m pytest -p no:xdist -o addopts="" -q tests/distributed

A plain `pytest` run collects this file too and skips it (single-process tests
of the same package are in tests/test_distributed.py).
"""
import contextlib
import os
import tempfile

import numpy
import pytest

import autograd
from autograd import nn, optim
from autograd.distributed import process_group

if not process_group.launched_by_mpi():
    pytest.skip("needs two MPI ranks: mpirun -n 2 python -m pytest tests/distributed", allow_module_level=True)

import autograd.distributed as dist  # noqa: E402
from autograd.data import DataLoader, DistributedSampler, TensorDataset  # noqa: E402
from autograd.text.lm import LSTMLanguageModel, lm_loss  # noqa: E402
from autograd.training import fit  # noqa: E402

dist.init()
if dist.get_world_size() != 2:
    pytest.skip("these tests are written for exactly two ranks", allow_module_level=True)
RANK = dist.get_rank()
WORLD = process_group.world()
STEPS = 20
TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


def gathered(value):
    """`value` (a picklable Python object) from every rank, as a list indexed by rank."""
    return WORLD.comm.allgather(value)


# ---------------------------------------------------------------- models and their global batches


def make_mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))


def mlp_batch(step, dtype):
    rng = numpy.random.default_rng(1000 + step)  # the same global batch on every rank
    return rng.standard_normal((8, 6)).astype(dtype), rng.integers(0, 3, 8)


def mlp_loss(model, x, y):
    return nn.CrossEntropyLoss()(model(autograd.tensor(x)), y)


def make_lm():
    return LSTMLanguageModel(20, embedding_dim=6, hidden_size=8)


def lm_batch(step, dtype):
    rng = numpy.random.default_rng(2000 + step)
    ids = rng.integers(0, 20, (4, 6))             # 4 streams of 6 tokens
    return ids[:, :-1], ids[:, 1:]


def lm_loss_of(model, x, y):
    logits, _ = model(x)
    return lm_loss(logits, y)


MODELS = {"mlp": (make_mlp, mlp_batch, mlp_loss), "lstm_lm": (make_lm, lm_batch, lm_loss_of)}


def train_both(model_name, dtype, bucket_cap_mb, micro_batches):
    """Train a DDP model on this rank's half of each global batch (in `micro_batches` pieces, all but
    the last under no_sync) and a reference model on the whole global batch; return both models."""
    make, batch, loss_of = MODELS[model_name]
    autograd.manual_seed(10 + RANK)            # different starts: the broadcast must make them equal
    local = make().to(dtype=dtype)
    ddp = dist.DistributedDataParallel(local, bucket_cap_mb=bucket_cap_mb)
    reference = make().to(dtype=dtype)
    for p, q in zip(local.parameters(), reference.parameters()):
        q.data = p.data.copy()
    opt = optim.SGD(ddp.parameters(), lr=0.5, momentum=0.9)
    opt_reference = optim.SGD(reference.parameters(), lr=0.5, momentum=0.9)
    for step in range(STEPS):
        x, y = batch(step, dtype)
        opt_reference.zero_grad()
        loss_of(reference, x, y).backward()
        opt_reference.step()

        half = len(x) // 2
        mine = numpy.arange(RANK * half, (RANK + 1) * half)
        pieces = numpy.array_split(mine, micro_batches)
        opt.zero_grad()
        for k, piece in enumerate(pieces):
            last = k == len(pieces) - 1
            with contextlib.nullcontext() if last else ddp.no_sync():
                (loss_of(ddp, x[piece], y[piece]) / len(pieces)).backward()
        opt.step()   # backward has averaged the gradients
    return ddp, reference


def relative_difference(a, b):
    return float(numpy.linalg.norm(a - b) / max(numpy.linalg.norm(b), 1e-300))


@pytest.mark.parametrize("micro_batches", [1, 2], ids=["one_backward", "no_sync_accumulation"])
@pytest.mark.parametrize("bucket_cap_mb", [1e-6, 100.0], ids=["bucket_below_one_param", "bucket_above_all"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("model_name", ["mlp", "lstm_lm"])
def test_two_ranks_train_as_one_process_on_the_global_batch(model_name, dtype, bucket_cap_mb, micro_batches):
    ddp, reference = train_both(model_name, dtype, bucket_cap_mb, micro_batches)
    worst = max(relative_difference(p.data, q.data) for p, q in zip(ddp.module.parameters(), reference.parameters()))
    assert worst <= TOLERANCE[dtype], f"{model_name} {dtype}: relative difference {worst:.3g}"
    # and the ranks hold bit-identical parameters
    mine = numpy.concatenate([p.data.ravel() for p in ddp.module.parameters()])
    theirs = gathered(mine)
    assert numpy.array_equal(theirs[0], theirs[1])


def test_bucket_caps_make_one_bucket_per_parameter_or_one_for_all():
    small = dist.DistributedDataParallel(make_mlp(), bucket_cap_mb=1e-6)
    large = dist.DistributedDataParallel(make_mlp(), bucket_cap_mb=100)
    params = list(small.module.parameters())
    assert [b.params[0] for b in small._reducer.buckets] == params[::-1]  # reverse registration order
    assert len(large._reducer.buckets) == 1 and large._reducer.buckets[0].params == list(large.module.parameters())[::-1]


def test_construction_broadcasts_rank_0_parameters_and_buffers():
    autograd.manual_seed(RANK)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    model[1].running_mean.data[...] = RANK + 5.0
    dist.DistributedDataParallel(model)
    values = gathered([p.data.copy() for p in model.parameters()] + [b.data.copy() for b in model.buffers()])
    for a, b in zip(values[0], values[1]):
        numpy.testing.assert_array_equal(a, b)
    assert numpy.all(model[1].running_mean.data == 5.0)


def test_mismatched_parameter_shapes_are_refused_on_every_rank():
    model = nn.Linear(4, 5 + RANK)
    with pytest.raises(autograd.ShapeError, match=r"'weight' has shape \(6, 4\).* on rank 1 .*\(5, 4\)"):
        dist.DistributedDataParallel(model)


class TwoBranches(nn.Module):
    """Branch b is used on rank 1 only; branch c on no rank (unless use_c)."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = nn.Linear(3, 2), nn.Linear(3, 2), nn.Linear(3, 2)

    def forward(self, x, use_b, use_c=False):
        y = self.a(x)
        y = y + self.b(x) if use_b else y
        return y + self.c(x) if use_c else y


def test_find_unused_parameters_averages_with_zeros_and_leaves_unused_grads_alone():
    autograd.manual_seed(0)
    model = TwoBranches().double()
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=1e-6, find_unused_parameters=True)
    x = autograd.tensor(numpy.random.default_rng(RANK).standard_normal((4, 3)))
    local = TwoBranches().double()
    local.load_state_dict(model.state_dict())
    (local(x, use_b=RANK == 1) ** 2).sum().backward()
    (ddp(x, use_b=RANK == 1) ** 2).sum().backward()
    b_grads = gathered(model.b.weight.grad.numpy())
    numpy.testing.assert_array_equal(b_grads[0], b_grads[1])
    local_b = gathered(local.b.weight.grad.numpy() if local.b.weight.grad is not None else None)
    numpy.testing.assert_allclose(b_grads[0], local_b[1] / 2, rtol=1e-12)
    a_local = gathered(local.a.weight.grad.numpy())
    numpy.testing.assert_allclose(model.a.weight.grad.numpy(), (a_local[0] + a_local[1]) / 2, rtol=1e-12)
    assert model.c.weight.grad is None and model.c.bias.grad is None


def test_an_unused_parameter_without_find_unused_parameters_is_an_error_before_any_step():
    ddp = dist.DistributedDataParallel(TwoBranches())
    with pytest.raises(autograd.DistributedError, match="c.weight.*find_unused_parameters=True"):
        ddp(autograd.randn(2, 3), use_b=True)


def test_collectives_on_numpy_buffers():
    t = autograd.tensor([1.0, 2.0, 3.0]) * (RANK + 1)
    dist.all_reduce(t)
    numpy.testing.assert_array_equal(t.numpy(), [3.0, 6.0, 9.0])
    t = autograd.tensor([1.0, 2.0]) * (RANK + 1)
    dist.all_reduce(t, op="mean")
    numpy.testing.assert_array_equal(t.numpy(), [1.5, 3.0])
    t = autograd.tensor([RANK, -RANK])
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    numpy.testing.assert_array_equal(t.numpy(), [1, 0])
    strided = numpy.arange(12.0).reshape(3, 4).T * (RANK + 1)  # not contiguous: staged and copied back
    work = dist.all_reduce(strided, async_op=True)
    work.wait()
    numpy.testing.assert_array_equal(strided, numpy.arange(12.0).reshape(3, 4).T * 3)
    b = autograd.tensor(numpy.full(4, float(RANK)))
    dist.broadcast(b, src=1)
    numpy.testing.assert_array_equal(b.numpy(), numpy.ones(4))
    parts = [autograd.zeros(2) for _ in range(2)]
    dist.all_gather(parts, autograd.tensor([RANK, RANK + 10.0]))
    assert [p.tolist() for p in parts] == [[0.0, 10.0], [1.0, 11.0]]
    dist.barrier()


def test_distributed_sampler_shards_are_disjoint_cover_and_follow_set_epoch():
    dataset = list(range(23))
    sampler = DistributedSampler(dataset, seed=3)
    assert (sampler.num_replicas, sampler.rank) == (2, RANK)
    for epoch in range(3):
        sampler.set_epoch(epoch)
        shards = gathered(sampler.indices().tolist())
        assert len(shards[0]) == len(shards[1]) == 12
        assert set(shards[0]) | set(shards[1]) == set(range(23))
        assert len(set(shards[0]) & set(shards[1])) == 1          # the one padded example
        order = numpy.random.default_rng(3 + epoch).permutation(23).tolist()
        assert shards[0] == (order + order[:1])[0::2] and shards[1] == (order + order[:1])[1::2]


def test_fit_under_mpirun_averages_metrics_and_save_writes_once(capsys):
    autograd.manual_seed(RANK)
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(numpy.float32)
    y = (x[:, 0] > 0).astype(numpy.int64)
    dataset = TensorDataset(x, y)
    sampler = DistributedSampler(dataset, seed=0)
    loader = DataLoader(dataset, batch_size=8, sampler=sampler)
    model = dist.DistributedDataParallel(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)))
    history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loader, epochs=2,
                  val_loader=DataLoader(dataset, batch_size=16, sampler=DistributedSampler(dataset, shuffle=False)),
                  metrics=["accuracy"], progress=True)
    printed = capsys.readouterr()
    both = gathered((history["loss"], history["val_accuracy"], printed.out + printed.err))
    assert both[0][:2] == both[1][:2]                               # the same averaged metrics on both ranks
    assert "epoch 2/2" in both[0][2] and both[1][2] == ""             # only rank 0 prints
    assert sampler.epoch == 1                                         # fit called set_epoch

    directory = WORLD.comm.bcast(tempfile.mkdtemp() if RANK == 0 else None, root=0)
    path = os.path.join(directory, "checkpoint.npz")
    autograd.save({"rank": numpy.array([RANK])}, path)
    dist.barrier()
    assert autograd.load(path)["rank"].tolist() == [0]               # rank 1 did not overwrite it
    assert sorted(os.listdir(directory)) == ["checkpoint.npz"]


def test_backward_itself_averages_and_starts_buckets_before_the_last_gradient_is_final():
    autograd.manual_seed(RANK)
    model = make_mlp().double()
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=1e-6)   # one bucket per parameter
    still_missing = []
    for bucket in ddp._reducer.buckets:
        def start(bucket=bucket, original=bucket.start):
            still_missing.append(sum(b.missing for b in ddp._reducer.buckets))
            original()
        bucket.start = start
    x, y = mlp_batch(0, "float64")
    mine = slice(RANK * 4, RANK * 4 + 4)
    local = make_mlp().double()
    local.load_state_dict(model.state_dict())
    mlp_loss(local, x[mine], y[mine]).backward()
    mlp_loss(ddp, x[mine], y[mine]).backward()        # no finish_gradient_sync(): backward did it all
    assert ddp._reducer.complete
    assert still_missing[0] > 0 and still_missing == sorted(still_missing, reverse=True)
    local_grads = gathered([p.grad.numpy() for p in local.parameters()])
    for p, g0, g1 in zip(model.parameters(), *local_grads):
        numpy.testing.assert_allclose(p.grad.numpy(), (g0 + g1) / 2, rtol=1e-12, atol=1e-15)


def test_a_backward_that_misses_a_parameter_is_reported_at_the_next_forward():
    model = TwoBranches()
    ddp = dist.DistributedDataParallel(model)
    x = autograd.randn(2, 3)
    ddp(x, use_b=True, use_c=True).sum().backward()
    assert ddp._reducer.complete
    ddp(x, use_b=True).sum().backward()                 # c got no gradient: its bucket never started
    with pytest.raises(autograd.DistributedError, match="did not produce gradients for c.bias, c.weight"):
        ddp.finish_gradient_sync()


@pytest.mark.parametrize("bucket_cap_mb", [1e-6, 100.0], ids=["reduced_in_place", "flat_bucket"])
def test_kept_gradients_never_change_and_zero_grad_without_none_accumulates_in_the_same_tensors(bucket_cap_mb):
    # One parameter per bucket: each gradient is reduced in its own array. One bucket for all: .grad
    # becomes a view of the flat buffer, which must be a fresh one at every step, or a gradient kept
    # from an earlier step would silently take the next step's values.
    autograd.manual_seed(0)
    model = make_mlp().double()
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=bucket_cap_mb)
    local = make_mlp().double()
    local.load_state_dict(model.state_dict())
    opt = optim.SGD(ddp.parameters(), lr=0.1)
    mine = slice(RANK * 4, RANK * 4 + 4)
    x, y = mlp_batch(0, "float64")
    mlp_loss(ddp, x[mine], y[mine]).backward()
    kept = [p.grad for p in model.parameters()]
    kept_values = [g.numpy().copy() for g in kept]
    opt.zero_grad()                                   # set_to_none: the next backward makes new .grad tensors
    x, y = mlp_batch(1, "float64")
    mlp_loss(ddp, x[mine], y[mine]).backward()
    for g, before, p in zip(kept, kept_values, model.parameters()):
        numpy.testing.assert_array_equal(g.numpy(), before)
        assert not numpy.array_equal(p.grad.numpy(), before)

    opt.zero_grad(set_to_none=False)                  # zeros in the same tensors, then two backwards add up
    held = [p.grad for p in model.parameters()]
    with ddp.no_sync():
        mlp_loss(ddp, x[mine], y[mine]).backward()
    mlp_loss(ddp, x[mine], y[mine]).backward()
    for _ in range(2):
        mlp_loss(local, x[mine], y[mine]).backward()
    local_sums = gathered([p.grad.numpy() for p in local.parameters()])
    for p, h, g0, g1 in zip(model.parameters(), held, *local_sums):
        assert p.grad is h                            # the tensor the caller holds has the mean
        numpy.testing.assert_allclose(h.numpy(), (g0 + g1) / 2, rtol=1e-12, atol=1e-15)


def test_buckets_that_never_started_leave_this_ranks_gradients_as_backward_left_them():
    autograd.manual_seed(0)
    model = TwoBranches().double()
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=1e-6)   # c's buckets come first in the order
    local = TwoBranches().double()
    local.load_state_dict(model.state_dict())
    x = autograd.tensor(numpy.random.default_rng(RANK).standard_normal((4, 3)))
    ddp(x, use_b=True, use_c=True).sum().backward()               # the first forward checks usage
    opt = optim.SGD(ddp.parameters(), lr=0.1)
    opt.zero_grad()
    ddp(x, use_b=True).sum().backward()                           # c gets no gradient: nothing starts
    local(x, use_b=True).sum().backward()
    with pytest.raises(autograd.DistributedError, match="did not produce gradients for c.bias, c.weight"):
        ddp(x, use_b=True)
    for p, q in zip(model.parameters(), local.parameters()):
        if q.grad is not None:
            numpy.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())   # not divided, not averaged
