"""Shared pytest settings: under the CPU stand-in for CuPy, a CUDA test may not skip.

`AUTOGRAD_EMULATE_CUDA=1 pytest -m cuda` (run by CI) must exercise every CUDA
test; a skip there means a test lost its device without anyone noticing, so it
is reported as a failure instead.
"""
import pytest

from autograd import backend


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if backend.EMULATED_CUDA and report.skipped and item.get_closest_marker("cuda") is not None:
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid} is marked cuda but skipped under AUTOGRAD_EMULATE_CUDA=1 "
                           f"({report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr})")
