"""Under `mpirun -n 2 python -m pytest tests/distributed`, a test that fails on one rank would
leave the other rank waiting forever in its next collective call. So a failure prints its
report and aborts every rank (MPI_Abort): the run ends at once, non-zero."""
import sys

import pytest

from autograd.distributed import process_group


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    world = process_group.world()
    if report.failed and world.size > 1:
        sys.stderr.write(f"\n[rank {world.rank}] {item.nodeid} FAILED:\n{report.longreprtext}\n"
                         f"[rank {world.rank}] aborting all ranks so that none waits forever\n")
        sys.stderr.flush()
        process_group.import_mpi().COMM_WORLD.Abort(1)
