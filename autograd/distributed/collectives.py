"""Collective operations: every process calls the same function, and they all get the result.

    all_reduce   [a0] [a1] [a2]  ->  [a0+a1+a2] on every rank       (op "sum", "mean", "max", "min")
    broadcast    [a0] [ .] [ .]  ->  [a0] [a0] [a0]                   (from rank src)
    all_gather   [a0] [a1] [a2]  ->  [a0, a1, a2] on every rank

They work in place on a tensor's array (as in PyTorch) and pick the transport
from where the array lives: NumPy arrays go through MPI's buffer interface
(mpi4py passes the memory itself, nothing is pickled); CuPy arrays go through
NCCL when CuPy has it, else through host memory and MPI.

    >>> g = autograd.tensor([1.0, 2.0]) * (dist.get_rank() + 1)
    >>> dist.all_reduce(g, op="mean")     # on 2 ranks: [1.5, 3.0] on both

Every rank must call the same collectives in the same order with arrays of the
same shape and dtype; that is MPI's contract, and DistributedDataParallel keeps it.
In a world of one process every collective returns its input unchanged.
"""
import numpy

from .. import backend
from ..errors import ArgumentError, ShapeError, DistributedError
from ..tensor import Tensor
from . import process_group
from .process_group import _require_init, _world

__all__ = ["ReduceOp", "Work", "all_reduce", "broadcast", "all_gather", "start_all_reduce"]


class ReduceOp:
    """The names of the reductions, as constants (`dist.ReduceOp.SUM`) or strings ("sum")."""

    SUM = "sum"
    MEAN = AVG = "mean"
    MAX = "max"
    MIN = "min"


_OPS = {"sum": "sum", "mean": "mean", "avg": "mean", "max": "max", "min": "min"}


def _op_name(op):
    name = _OPS.get(str(op).lower())
    if name is None:
        raise ArgumentError(f"all_reduce: op must be one of 'sum', 'mean', 'max', 'min', not {op!r}")
    return name


class Work:
    """A started collective: `wait()` blocks until it is done and its result is in place.

    >>> work = dist.all_reduce(g, async_op=True); ...; work.wait()
    """

    def __init__(self, request=None, finish=None):
        self._request = request     # an MPI request, or an object with wait() / test()
        self._finish = finish       # what to do with the result once it arrived (divide, copy back)
        self._done = request is None

    def is_completed(self):
        """True when the data has arrived (lets MPI progress; does not run `finish`)."""
        if not self._done and self._request is not None:
            return bool(self._request.Test() if hasattr(self._request, "Test") else self._request.test())
        return True

    def wait(self):
        if not self._done:
            self._request.Wait() if hasattr(self._request, "Wait") else self._request.wait()
            self._done = True
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()
        return True


def _array_of(tensor, name):
    array = tensor.data if isinstance(tensor, Tensor) else tensor
    if not hasattr(array, "shape") or not hasattr(array, "dtype"):
        raise ArgumentError(f"{name}: expected a Tensor or an array, got {type(tensor).__name__}")
    return array


def _contiguous(array):
    """The array itself if MPI/NCCL can use its memory directly, else a C-ordered copy."""
    return array if array.flags.c_contiguous else array.copy(order="C")


# ---------------------------------------------------------------- the public collectives


def all_reduce(tensor, op=ReduceOp.SUM, async_op=False):
    """Reduce `tensor` over all ranks, in place: afterwards every rank holds the same result.

    Returns None, or with `async_op=True` a `Work` to `wait()` on.

    >>> dist.all_reduce(loss_sum)                      # the sum over ranks, on every rank
    """
    _require_init("all_reduce")
    op = _op_name(op)
    array = _array_of(tensor, "all_reduce")
    if op == "mean" and array.dtype.kind != "f":
        raise ArgumentError(f"all_reduce(op='mean') needs a floating tensor, not {array.dtype}")
    work = start_all_reduce(array, op)
    if async_op:
        return work
    work.wait()
    return None


def start_all_reduce(array, op="sum"):
    """Begin an all-reduce of `array` in place and return its `Work` (the non-blocking core)."""
    if _world.size == 1:
        return Work()
    buffer = _contiguous(array)
    transport = _transport_for(buffer)
    request = transport.start_all_reduce(buffer, "sum" if op == "mean" else op)

    def finish():
        if op == "mean":
            buffer[...] /= _world.size
        if buffer is not array:
            array[...] = buffer

    return Work(request, finish)


def broadcast(tensor, src=0, async_op=False):
    """Overwrite `tensor` on every rank with rank `src`'s, in place.

    >>> dist.broadcast(model_weight, src=0)      # every rank starts from rank 0's values
    """
    _require_init("broadcast")
    array = _array_of(tensor, "broadcast")
    if not 0 <= src < _world.size:
        raise ArgumentError(f"broadcast: src={src} is not a rank of this world of {_world.size}")
    if _world.size > 1:
        buffer = _contiguous(array)
        _transport_for(buffer).broadcast(buffer, src)
        if buffer is not array:
            array[...] = buffer
    return Work() if async_op else None


def all_gather(tensor_list, tensor, async_op=False):
    """Fill `tensor_list[r]` with rank r's `tensor`, on every rank (PyTorch's signature).

    >>> parts = [autograd.zeros(3) for _ in range(dist.get_world_size())]
    >>> dist.all_gather(parts, local)                   # parts[r] is rank r's `local`
    """
    _require_init("all_gather")
    array = _array_of(tensor, "all_gather")
    if len(tensor_list) != _world.size:
        raise ShapeError(f"all_gather: tensor_list has {len(tensor_list)} entries for a world of {_world.size}")
    outputs = [_array_of(t, "all_gather") for t in tensor_list]
    for r, out in enumerate(outputs):
        if out.shape != array.shape:
            raise ShapeError(f"all_gather: tensor_list[{r}] has shape {tuple(out.shape)}, "
                             f"the tensor {tuple(array.shape)}")
    if _world.size == 1:
        outputs[0][...] = array
    else:
        xp = backend.get_array_module(array)
        gathered = xp.empty((_world.size,) + tuple(array.shape), dtype=array.dtype)
        _transport_for(array).all_gather(_contiguous(array), gathered)
        for r, out in enumerate(outputs):
            out[...] = gathered[r]
    return Work() if async_op else None


# ---------------------------------------------------------------- transports


def _transport_for(array):
    if backend.is_cupy_array(array):
        return _cuda_transport()
    return _MPI_TRANSPORT


class _MPITransport:
    """Host (NumPy) memory over MPI: mpi4py reads the array's buffer directly."""

    @staticmethod
    def _mpi_op(op):
        MPI = process_group.import_mpi()
        return {"sum": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN}[op]

    def start_all_reduce(self, buffer, op):
        MPI = process_group.import_mpi()
        return _world.comm.Iallreduce(MPI.IN_PLACE, buffer, op=self._mpi_op(op))

    def broadcast(self, buffer, src):
        _world.comm.Bcast(buffer, root=src)

    def all_gather(self, buffer, gathered):
        _world.comm.Allgather(buffer, gathered)


class _HostStagedTransport:
    """CuPy arrays without NCCL: copy to host memory, use MPI, copy back (correct, slower)."""

    def start_all_reduce(self, buffer, op):
        host = backend.to_device(buffer, "cpu")
        _MPI_TRANSPORT.start_all_reduce(host, op).Wait()
        buffer[...] = backend.to_device(host, "cuda")
        return None

    def broadcast(self, buffer, src):
        host = backend.to_device(buffer, "cpu")
        _MPI_TRANSPORT.broadcast(host, src)
        buffer[...] = backend.to_device(host, "cuda")

    def all_gather(self, buffer, gathered):
        host = numpy.empty(gathered.shape, gathered.dtype)
        _MPI_TRANSPORT.all_gather(backend.to_device(buffer, "cpu"), host)
        gathered[...] = backend.to_device(host, "cuda")


_MPI_TRANSPORT = _MPITransport()


def _cuda_transport():
    """NCCL for CuPy arrays when CuPy was built with it, else host staging."""
    if _world.nccl is None:
        from . import nccl

        try:
            _world.nccl = nccl.NCCLCommunicator.for_world(_world)
        except nccl.NCCLUnavailable:
            _world.nccl = _HostStagedTransport()
        except Exception as error:  # a broken NCCL setup must say so, not hang
            raise DistributedError(f"could not create the NCCL communicator: {error}") from error
    return _world.nccl
