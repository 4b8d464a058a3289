"""NCCL for CuPy arrays: GPU-to-GPU collectives that never copy through host memory.

NCCL needs one shared secret to connect the processes: rank 0 makes a unique
id and MPI broadcasts it (128 bytes, the only thing pickled). After
that, every all-reduce is enqueued on a CUDA stream and runs on the GPUs.

    >>> comm = NCCLCommunicator(world_size=1, rank=0)        # one GPU: a 1-rank communicator
    >>> comm.start_all_reduce(cupy_array, "sum").wait()

Gradient buckets are reduced on a side stream, so the kernels of the rest of
the backward pass keep running; `wait()` makes the current stream wait for the
reduction (an event, not a host synchronisation).
"""
from .. import backend
from ..errors import DTypeError

__all__ = ["NCCLCommunicator", "NCCLUnavailable"]


class NCCLUnavailable(Exception):
    """CuPy was built without NCCL (or is missing): use another transport."""


def _nccl_module():
    try:
        from cupy.cuda import nccl
    except ImportError as error:
        raise NCCLUnavailable(str(error)) from error
    if not getattr(nccl, "available", True):
        raise NCCLUnavailable("cupy.cuda.nccl is not available in this CuPy build")
    return nccl


class _StreamWork:
    """The completion of work enqueued on a side stream, as an event."""

    def __init__(self, event):
        self.event = event

    def test(self):
        return self.event.done

    def wait(self):
        backend.cupy.cuda.get_current_stream().wait_event(self.event)


class NCCLCommunicator:
    """One NCCL communicator over `world_size` processes, this one being `rank`.

    >>> comm = NCCLCommunicator.for_world(world)       # the unique id travels over MPI
    """

    def __init__(self, world_size, rank, unique_id=None):
        self.nccl = nccl = _nccl_module()
        cupy = backend.cupy
        if unique_id is None:
            unique_id = nccl.get_unique_id()
        self.world_size, self.rank = world_size, rank
        self.comm = nccl.NcclCommunicator(world_size, unique_id, rank)
        self.side_stream = cupy.cuda.Stream(non_blocking=True)
        self._dtypes = {
            "float16": nccl.NCCL_FLOAT16, "float32": nccl.NCCL_FLOAT32, "float64": nccl.NCCL_FLOAT64,
            "int32": nccl.NCCL_INT32, "int64": nccl.NCCL_INT64, "uint8": nccl.NCCL_UINT8,
            "int8": nccl.NCCL_INT8,
        }
        self._ops = {"sum": nccl.NCCL_SUM, "max": nccl.NCCL_MAX, "min": nccl.NCCL_MIN}

    @classmethod
    def for_world(cls, world):
        nccl = _nccl_module()
        unique_id = nccl.get_unique_id() if world.rank == 0 else None
        unique_id = world.comm.bcast(unique_id, root=0)
        return cls(world.size, world.rank, unique_id)

    def _dtype(self, array):
        try:
            return self._dtypes[str(array.dtype)]
        except KeyError:
            raise DTypeError(f"NCCL cannot reduce arrays of dtype {array.dtype}") from None

    def start_all_reduce(self, buffer, op):
        """Enqueue an in-place all-reduce on the side stream, after what the current stream has queued."""
        cupy = backend.cupy
        ready = cupy.cuda.Event()
        ready.record(cupy.cuda.get_current_stream())
        self.side_stream.wait_event(ready)
        self.comm.allReduce(buffer.data.ptr, buffer.data.ptr, buffer.size, self._dtype(buffer), self._ops[op],
                            self.side_stream.ptr)
        done = cupy.cuda.Event()
        done.record(self.side_stream)
        return _StreamWork(done)

    def broadcast(self, buffer, src):
        stream = backend.cupy.cuda.get_current_stream()
        self.comm.bcast(buffer.data.ptr, buffer.size, self._dtype(buffer), src, stream.ptr)

    def all_gather(self, buffer, gathered):
        stream = backend.cupy.cuda.get_current_stream()
        self.comm.allGather(buffer.data.ptr, gathered.data.ptr, buffer.size, self._dtype(buffer), stream.ptr)
