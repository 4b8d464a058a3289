"""benchmarks/gpu/bench_gpu.py runs end to end (tiny sizes, one round) wherever 'cuda' exists.

Under the CPU stand-in this only shows that the GPU script works, so that
whoever has a GPU next only has to run benchmarks/gpu/device_check.sh.
"""
import argparse
import importlib.util
import json
import os
import shutil
import subprocess

import pytest

import autograd

requires_cuda = pytest.mark.skipif(not autograd.cuda_available(),
                                   reason="no CUDA GPU (AUTOGRAD_EMULATE_CUDA=1 runs these on the CPU stand-in)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_script():
    spec = importlib.util.spec_from_file_location("bench_gpu", os.path.join(ROOT, "benchmarks", "gpu", "bench_gpu.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.cuda
@requires_cuda
@pytest.mark.parametrize("name", ["lstm", "mlp", "conv", "launches"])
def test_gpu_benchmark_runs_and_writes_json(name, tmp_path, monkeypatch):
    bench = load_script()
    monkeypatch.setattr(bench, "torch_device", lambda: (None, None))  # PyTorch's side is not under test here
    args = argparse.Namespace(benchmark=name, size="small", rounds=1, warmup=0, out=str(tmp_path))
    getattr(bench, f"bench_{name}")(args)
    (written,) = tmp_path.glob("bench_*.json")
    result = json.loads(written.read_text())
    if name == "launches":  # counted by the stand-in; on a GPU only with PyTorch's profiler (not used here)
        per_step = result["per_step"]
        assert per_step["forward"] >= 1 if isinstance(per_step, dict) else per_step.startswith("not counted")
    elif "skipped" not in result:
        assert result["median_ms"]["autograd"] > 0


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_device_check_script_is_valid_bash():
    script = os.path.join(ROOT, "benchmarks", "gpu", "device_check.sh")
    assert subprocess.run(["bash", "-n", script], capture_output=True).returncode == 0
