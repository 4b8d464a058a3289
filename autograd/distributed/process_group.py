"""The world of processes: who am I (rank), how many are we (world size), and stopping together.

`mpirun -n 4 python train.py` starts four copies of the same script. Each calls
`init()`, which joins the MPI world started by the launcher and learns its
rank (0 .. 3). Started as plain `python train.py`, `init()` makes a world of
one process, where every collective operation is the identity: the same script
runs both ways.

    >>> import autograd.distributed as dist
    >>> dist.init()
    >>> dist.get_rank(), dist.get_world_size()       # (1, 4) on the second of four processes

A process that dies leaves the others blocked in their next collective call,
forever. So `init()` also installs an exception hook: an uncaught exception on
any rank prints its traceback, names the rank, and calls MPI_Abort, which makes
the launcher kill every process and exit non-zero.
"""
import os
import sys
import time

from ..errors import DistributedError, missing_extra

__all__ = ["init", "is_initialized", "get_rank", "get_world_size", "get_local_rank", "barrier",
           "destroy", "INSTALL_HINT"]

INSTALL_HINT = "pip install 'autograd-dag[distributed]'"

# Environment variables that MPI launchers set in the processes they start
# (MPICH/Hydra and Intel MPI: PMI_*, Open MPI: OMPI_*, PMIx-based launchers, MVAPICH).
_LAUNCHER_VARIABLES = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "MV2_COMM_WORLD_SIZE")


class _World:
    """The state of this process's membership: one instance, `_world`, per process."""

    def __init__(self):
        self.initialized = False
        self.rank = 0
        self.size = 1
        self.local_rank = 0
        self.comm = None          # an mpi4py communicator (a duplicate of COMM_WORLD), None alone
        self.nccl = None          # the NCCL communicator for CuPy arrays, made on first use
        self.previous_excepthook = None


_world = _World()


def launched_by_mpi():
    """True when this process was started by mpirun/mpiexec (or a similar launcher)."""
    return any(name in os.environ for name in _LAUNCHER_VARIABLES)


def import_mpi():
    """mpi4py's MPI module, or the library's error saying how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise missing_extra("mpi4py", "distributed", "autograd.distributed on several processes") from error
    return MPI


def init(comm=None):
    """Join the world of processes started by `mpirun`, or make a world of one.

    `comm` may be an mpi4py communicator to use instead of COMM_WORLD (a
    sub-group of processes). Calling `init()` twice is harmless.

    >>> dist.init(); print(f"rank {dist.get_rank()} of {dist.get_world_size()}")
    """
    if _world.initialized:
        return
    if comm is None and not launched_by_mpi() and "mpi4py.MPI" not in sys.modules:
        _world.initialized = True     # a single process: nothing to join, no MPI needed
        return
    MPI = import_mpi()
    base = comm if comm is not None else MPI.COMM_WORLD
    # A private duplicate: our messages never match a user's own MPI calls on COMM_WORLD.
    _world.comm = base.Dup()
    _world.rank = _world.comm.Get_rank()
    _world.size = _world.comm.Get_size()
    shared = _world.comm.Split_type(MPI.COMM_TYPE_SHARED)  # the processes on this machine
    _world.local_rank = shared.Get_rank()
    shared.Free()
    _world.initialized = True
    if _world.size > 1:
        _install_abort_on_exception()
        _pick_gpu()


def _pick_gpu():
    """With several GPUs on a machine, process k uses GPU k (mod the count), as NCCL expects."""
    from .. import backend

    if backend.cuda_available():
        count = backend.cupy.cuda.runtime.getDeviceCount()
        backend.cupy.cuda.Device(_world.local_rank % count).use()


def _install_abort_on_exception():
    _world.previous_excepthook = sys.excepthook

    def abort_on_exception(kind, value, traceback):
        sys.stderr.write(f"autograd.distributed: rank {_world.rank} of {_world.size} raised "
                         f"{kind.__name__}; aborting all ranks (MPI_Abort)\n")
        _world.previous_excepthook(kind, value, traceback)   # then the usual traceback
        sys.stderr.flush()
        time.sleep(0.2)   # let mpirun forward what this rank printed before the abort tears the job down
        import_mpi().COMM_WORLD.Abort(1)

    sys.excepthook = abort_on_exception


def destroy():
    """Leave the world (frees the communicators); `init()` may be called again afterwards."""
    if _world.comm is not None:
        _world.comm.Free()
    if _world.previous_excepthook is not None:
        sys.excepthook = _world.previous_excepthook
    _world.__init__()


def is_initialized():
    return _world.initialized


def _require_init(name):
    if not _world.initialized:
        raise DistributedError(f"autograd.distributed.{name}: call autograd.distributed.init() first")


def get_rank():
    """This process's number, 0 .. world size - 1 (0 in a single process)."""
    _require_init("get_rank")
    return _world.rank


def get_world_size():
    """The number of processes (1 in a single process)."""
    _require_init("get_world_size")
    return _world.size


def get_local_rank():
    """This process's number among those on the same machine (which GPU it uses)."""
    _require_init("get_local_rank")
    return _world.local_rank


def barrier():
    """Wait until every process has reached this call."""
    _require_init("barrier")
    if _world.size > 1:
        _world.comm.Barrier()


def is_main_process():
    """True on rank 0, and in a process that never called `init()`: the one that prints and saves."""
    return _world.rank == 0


def world():
    return _world
