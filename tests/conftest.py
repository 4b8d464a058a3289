"""Shared pytest settings: under the CPU stand-in for CuPy, a CUDA test may not skip for want of a GPU.

`AUTOGRAD_EMULATE_CUDA=1 pytest -m cuda` (run by CI) must exercise every CUDA
test; a skip there that names the device (no GPU, no CuPy) means a test lost
its device without anyone noticing, so it is reported as a failure instead.
"""
import re

import pytest

from autograd import backend

# Skips that say the device is missing. A case the test itself finds inapplicable (the in-place
# battery skips samples whose result cannot be written in place) skips on the CPU alike and is kept.
LOST_DEVICE = re.compile(r"cuda|gpu|cupy|device", re.IGNORECASE)
# What the stand-in cannot be: NCCL, a real collective library (tests/test_distributed.py). Those
# tests skip here and run only on a GPU (benchmarks/gpu/device_check.sh).
NEEDS_REAL_GPU = re.compile(r"NCCL")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if (backend.EMULATED_CUDA and report.skipped and not hasattr(report, "wasxfail")  # an xfail is no lost device
            and item.get_closest_marker("cuda") is not None
            and LOST_DEVICE.search(str(report.longrepr)) and not NEEDS_REAL_GPU.search(str(report.longrepr))):
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} is marked cuda but skipped under AUTOGRAD_EMULATE_CUDA=1 "
                           f"({report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr})")
