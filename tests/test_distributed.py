"""autograd.distributed in one process, the DistributedSampler, and a failing rank under mpirun.

The two-rank training tests are in tests/distributed/ and run under
`mpirun -n 2` (see .ci/run); here everything runs in the ordinary pytest process.
"""
import os
import shutil
import subprocess
import sys
import textwrap
import time

import numpy
import pytest

import autograd
import autograd.distributed as dist
from autograd import nn
from autograd.data import DataLoader, DistributedSampler, TensorDataset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_python(code, env=None, timeout=60):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def mpirun():
    """The mpirun next to this Python (the mpich wheel puts it in the venv), else on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "mpirun")
    return beside if os.path.exists(beside) else shutil.which("mpirun")


# ---------------------------------------------------------------- a world of one process


def test_a_single_process_is_a_world_of_one_where_collectives_are_the_identity():
    dist.init()
    assert dist.is_initialized() and (dist.get_rank(), dist.get_world_size()) == (0, 1)
    t = autograd.tensor([1.0, 2.0])
    dist.all_reduce(t, op="mean")
    dist.broadcast(t, src=0)
    parts = [autograd.zeros(2)]
    dist.all_gather(parts, t)
    assert t.tolist() == [1.0, 2.0] and parts[0].tolist() == [1.0, 2.0]
    dist.barrier()
    with pytest.raises(autograd.ArgumentError, match="op must be one of"):
        dist.all_reduce(t, op="median")
    with pytest.raises(autograd.ArgumentError, match="src=1"):
        dist.broadcast(t, src=1)
    with pytest.raises(autograd.ShapeError, match="2 entries for a world of 1"):
        dist.all_gather([t, t], t)


def test_ddp_in_one_process_trains_exactly_like_the_module():
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    ddp = dist.DistributedDataParallel(model)
    x = autograd.randn(5, 3)
    numpy.testing.assert_array_equal(ddp(x).numpy(), model(x).numpy())
    ddp(x).sum().backward()
    ddp.finish_gradient_sync()
    with ddp.no_sync():
        assert not ddp.require_backward_grad_sync
    assert ddp.require_backward_grad_sync
    assert list(ddp.parameters()) == list(model.parameters())
    assert list(ddp.state_dict()) == ["module." + k for k in model.state_dict()]  # as PyTorch's DDP


def test_a_one_parameter_bucket_reduces_the_gradient_in_place_unless_it_is_laid_out_otherwise():
    from autograd.distributed.buckets import Bucket

    for layout, in_place in (("C", True), ("transposed", False)):
        p = autograd.tensor(numpy.zeros((3, 4)), requires_grad=True)
        g = numpy.arange(12.0).reshape(3, 4) if layout == "C" else numpy.arange(12.0).reshape(4, 3).T
        p.grad = autograd.tensor(numpy.zeros((3, 4)))
        p.grad.data = array = g              # (as a hook or the user may leave it)
        bucket = Bucket(0, [p])
        bucket.add(p)
        bucket.start()                       # a world of one: the all-reduce is the identity
        assert (bucket.buffer is array) == in_place
        bucket.finish()
        assert (p.grad.data is array) == in_place   # otherwise a view of the flat buffer, C-ordered
        numpy.testing.assert_array_equal(p.grad.numpy(), g)


def test_importing_works_without_mpi4py_and_using_it_names_the_extra():
    code = """
        import sys
        sys.modules["mpi4py"] = None            # as if mpi4py were not installed
        import autograd.distributed as dist
        dist.init()                             # a single process needs no MPI
        print(dist.get_world_size())
        dist.destroy()
        import os
        os.environ["PMI_SIZE"] = "2"            # now as if started by mpirun
        try:
            dist.init()
        except autograd.MissingExtraError as error:
            print(error)
    """.replace("import autograd.distributed", "import autograd, autograd.distributed")
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1"
    assert "pip install 'autograd-dag[distributed]'" in lines[1]


def test_calls_before_init_say_to_call_init():
    result = run_python("""
        import autograd, autograd.distributed as dist
        try:
            dist.get_rank()
        except autograd.DistributedError as error:
            print(error)
    """)
    assert "call autograd.distributed.init() first" in result.stdout, result.stderr


# ---------------------------------------------------------------- DistributedSampler


@pytest.mark.parametrize("n, replicas", [(10, 4), (12, 3), (3, 4), (1, 2)])
@pytest.mark.parametrize("shuffle", [False, True])
def test_sampler_shards_have_equal_sizes_are_disjoint_up_to_padding_and_cover(n, replicas, shuffle):
    shards = [DistributedSampler(range(n), num_replicas=replicas, rank=r, shuffle=shuffle, seed=5).indices()
              for r in range(replicas)]
    size = -(-n // replicas)
    assert all(len(s) == size for s in shards)
    together = numpy.concatenate(shards)
    assert set(together.tolist()) == set(range(n))
    assert len(together) - len(set(together.tolist())) == size * replicas - n   # only the padding repeats


def test_sampler_without_shuffle_deals_indices_like_cards_and_pads_from_the_start():
    assert [list(DistributedSampler(range(10), 4, r, shuffle=False)) for r in range(4)] == \
        [[0, 4, 8], [1, 5, 9], [2, 6, 0], [3, 7, 1]]


@pytest.mark.parametrize("n, replicas, drop_last", [(10, 4, False), (10, 4, True), (3, 4, False), (12, 3, True)])
def test_sampler_shards_match_pytorch_without_shuffling(n, replicas, drop_last):
    pytest.importorskip("torch")
    from torch.utils.data import DistributedSampler as TorchSampler

    for rank in range(replicas):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_sampler_drop_last_drops_the_tail_instead_of_padding():
    shards = [DistributedSampler(range(10), 4, r, shuffle=False, drop_last=True).indices().tolist() for r in range(4)]
    assert shards == [[0, 4], [1, 5], [2, 6], [3, 7]]
    assert len(DistributedSampler(range(10), 4, 0, drop_last=True)) == 2


def test_sampler_set_epoch_reshuffles_the_same_way_for_every_rank():
    samplers = [DistributedSampler(range(50), 2, r, seed=7) for r in range(2)]
    orders = []
    for epoch in range(3):
        for s in samplers:
            s.set_epoch(epoch)
        first = [s.indices().tolist() for s in samplers]
        assert sorted(first[0] + first[1]) == list(range(50))
        orders.append(first[0])
        again = DistributedSampler(range(50), 2, 0, seed=7)
        again.set_epoch(epoch)
        assert again.indices().tolist() == first[0]       # a function of (seed, epoch) only
    assert orders[0] != orders[1] != orders[2]


def test_sampler_refuses_impossible_ranks_and_the_loader_takes_it():
    with pytest.raises(autograd.ArgumentError, match="rank 2 is not in"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    x = numpy.arange(10.0)[:, None]
    dataset = TensorDataset(x, numpy.arange(10))
    loader = DataLoader(dataset, batch_size=2, sampler=DistributedSampler(dataset, 2, 1, shuffle=False))
    assert len(loader) == 3
    assert [yb.tolist() for _, yb in loader] == [[1, 3], [5, 7], [9]]
    with pytest.raises(autograd.ArgumentError, match="exclude each other"):
        DataLoader(dataset, sampler=DistributedSampler(dataset, 2, 0), shuffle=True)


# ---------------------------------------------------------------- a failing rank under mpirun


@pytest.mark.skipif(mpirun() is None, reason="needs mpirun: pip install 'autograd-dag[distributed]'")
def test_a_rank_that_raises_stops_every_rank_quickly_and_names_itself():
    pytest.importorskip("mpi4py")
    script = textwrap.dedent("""
        import autograd.distributed as dist
        dist.init()
        if dist.get_rank() == 1:
            raise ValueError("rank one breaks")
        dist.barrier()           # rank 0 would wait here forever without the abort
        print("rank 0 went on")
    """)
    start = time.monotonic()
    try:
        result = subprocess.run([mpirun(), "-n", "2", sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                                text=True, timeout=40)
    except subprocess.TimeoutExpired:
        pytest.fail("mpirun hung after a rank raised")
    seconds = time.monotonic() - start
    assert result.returncode != 0
    assert seconds < 30
    assert "rank 1 of 2 raised ValueError" in result.stderr
    assert "rank 0 went on" not in result.stdout


# ---------------------------------------------------------------- CUDA: NCCL on a single GPU (a 1-rank communicator)


@pytest.mark.cuda
@pytest.mark.real_gpu
def test_nccl_one_rank_communicator_reduces_broadcasts_and_gathers_cupy_arrays():
    if not autograd.cuda_available():
        pytest.skip("needs a CUDA GPU")
    from autograd.distributed import nccl

    try:
        comm = nccl.NCCLCommunicator(world_size=1, rank=0)
    except nccl.NCCLUnavailable as error:
        pytest.skip(f"CuPy without NCCL: {error}")
    cupy = autograd.backend.cupy
    a = cupy.arange(6, dtype=cupy.float32)
    comm.start_all_reduce(a, "sum").wait()
    comm.broadcast(a, 0)
    gathered = cupy.empty((1, 6), cupy.float32)
    comm.all_gather(a, gathered)
    cupy.cuda.get_current_stream().synchronize()
    numpy.testing.assert_array_equal(cupy.asnumpy(gathered[0]), numpy.arange(6))


@pytest.mark.cuda
@pytest.mark.real_gpu
def test_gradient_buckets_of_cuda_parameters_go_through_nccl():
    if not autograd.cuda_available():
        pytest.skip("needs a CUDA GPU")
    from autograd.distributed import collectives, nccl, process_group
    from autograd.distributed.buckets import Bucket

    try:
        comm = nccl.NCCLCommunicator(world_size=1, rank=0)
    except nccl.NCCLUnavailable as error:
        pytest.skip(f"CuPy without NCCL: {error}")
    world = process_group.world()
    saved = world.nccl, world.size
    world.nccl = comm
    try:
        model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)).to("cuda")
        model(autograd.randn(5, 3, device="cuda")).sum().backward()
        expected = [p.grad.numpy().copy() for p in model.parameters()]
        params = list(model.parameters())[::-1]
        bucket = Bucket(0, params)
        for p in params:
            bucket.add(p)     # staged into the bucket's flat buffer, a CuPy array
        assert collectives._transport_for(bucket.flat) is comm
        bucket.buffer = bucket.flat
        bucket.work = collectives.Work(comm.start_all_reduce(bucket.flat, "sum"))
        bucket.finish()
        for p, e in zip(model.parameters(), expected):
            numpy.testing.assert_allclose(p.grad.numpy(), e, rtol=1e-6)
    finally:
        world.nccl, world.size = saved


def test_the_ddp_digits_example_runs_in_one_process():
    pytest.importorskip("sklearn")
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    try:
        import ddp_digits
    finally:
        sys.path.pop(0)
    history = ddp_digits.main(epochs=2, out=None, progress=False)
    assert history["val_accuracy"][-1] > 0.8
