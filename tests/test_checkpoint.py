"""autograd.save / autograd.load: safe formats, round trips, refusals, corrupt files, atomicity."""
import os

import numpy
import pytest

import autograd
from autograd import nn


def model():
    autograd.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_state_dict_round_trip(tmp_path, suffix):
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    source = model()
    source(autograd.randn(5, 3))
    path = tmp_path / ("model" + suffix)
    autograd.save(source.state_dict(), path)
    loaded = autograd.load(path)
    assert list(loaded) == list(source.state_dict())
    assert loaded["1.num_batches_tracked"].dtype == numpy.int64
    target = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    target.load_state_dict(loaded)
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        numpy.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
        assert a.dtype == b.dtype


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_transposed_parameter_round_trips_unscrambled(tmp_path, suffix):
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    weight = numpy.arange(12, dtype=numpy.float32).reshape(3, 4)
    layer = nn.Linear(3, 4, bias=False)
    layer.weight.data = weight.T  # a non-contiguous view, as after tying to a transposed matrix
    assert not layer.weight.data.flags["C_CONTIGUOUS"]
    autograd.save(layer.state_dict(), tmp_path / ("w" + suffix))
    numpy.testing.assert_array_equal(autograd.load(tmp_path / ("w" + suffix))["weight"], weight.T)


def test_flat_state_dicts_are_readable_by_numpy_and_safetensors_directly(tmp_path):
    source = model()
    autograd.save(source.state_dict(), tmp_path / "m.npz")
    with numpy.load(tmp_path / "m.npz", allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted(source.state_dict())
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    autograd.save(source.state_dict(), tmp_path / "m.safetensors")
    assert sorted(safetensors_numpy.load_file(str(tmp_path / "m.safetensors"))) == sorted(source.state_dict())


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_nested_checkpoints_keep_structure_numbers_and_strings(tmp_path, suffix):
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    checkpoint = {"model": {"w": numpy.ones((2, 2), numpy.float32)},
                  "optimizer": {"state": {0: {"step": 3, "exp_avg": numpy.zeros(2)}},
                                "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0]}]},
                  "epoch": 7, "name": "run-1", "best": None, "history": [0.5, 0.25]}
    autograd.save(checkpoint, tmp_path / ("c" + suffix))
    loaded = autograd.load(tmp_path / ("c" + suffix))
    assert loaded["epoch"] == 7 and loaded["name"] == "run-1" and loaded["best"] is None
    assert loaded["history"] == [0.5, 0.25]
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert loaded["optimizer"]["state"][0]["step"] == 3  # integer keys survive
    numpy.testing.assert_array_equal(loaded["model"]["w"], checkpoint["model"]["w"])


def test_objects_that_would_need_pickle_are_refused(tmp_path):
    with pytest.raises(autograd.CheckpointError, match="pickle"):
        autograd.save({"f": lambda: 1}, tmp_path / "x.npz")
    with pytest.raises(autograd.CheckpointError, match="pickle"):
        autograd.save({"a": numpy.array([object()])}, tmp_path / "x.npz")
    numpy.savez(tmp_path / "evil.npz", a=numpy.array([{"x": 1}], dtype=object))
    with pytest.raises(autograd.CheckpointError, match="pickle"):
        autograd.load(tmp_path / "evil.npz")
    assert not os.path.exists(tmp_path / "x.npz")


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_truncated_and_corrupt_files_give_a_clear_error(tmp_path, suffix):
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    path = tmp_path / ("m" + suffix)
    autograd.save(model().state_dict(), path)
    data = path.read_bytes()
    for broken in (data[: len(data) // 2], data[:20], b"", b"hello, not a checkpoint at all"):
        path.write_bytes(broken)
        with pytest.raises(autograd.CheckpointError, match="truncated|corrupt|not a checkpoint"):
            autograd.load(path)
    with pytest.raises(FileNotFoundError):
        autograd.load(tmp_path / "missing.npz")


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    autograd.save({"w": numpy.ones(3)}, path)
    original = path.read_bytes()

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        autograd.save({"w": numpy.zeros(3)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == original  # the old checkpoint is intact
    assert os.listdir(tmp_path) == ["m.npz"]  # and the temporary file is gone


def test_mismatched_checkpoint_is_refused_before_any_parameter_changes(tmp_path):
    small = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    autograd.save(small.state_dict(), tmp_path / "small.npz")
    other = nn.Sequential(nn.Linear(3, 5), nn.Linear(5, 2), nn.Linear(2, 2))
    before = [p.numpy().copy() for p in other.parameters()]
    with pytest.raises(autograd.CheckpointError) as error:
        other.load_state_dict(autograd.load(tmp_path / "small.npz"))
    message = str(error.value)
    assert "missing keys: 2.weight, 2.bias" in message
    assert "0.weight: checkpoint (4, 3) vs model (5, 3)" in message and "1.weight" in message
    for p, b in zip(other.parameters(), before):
        numpy.testing.assert_array_equal(p.numpy(), b)


def test_safetensors_name_without_the_package_is_a_clear_error(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_safetensors(name, *args, **kwargs):
        if name.startswith("safetensors"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_safetensors)
    with pytest.raises(autograd.MissingExtraError, match=r"pip install 'autograd-dag\[safetensors\]'"):
        autograd.save({"w": numpy.ones(2)}, tmp_path / "m.safetensors")
    assert os.listdir(tmp_path) == []
