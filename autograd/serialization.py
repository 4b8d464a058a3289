"""Saving and loading checkpoints, safely: arrays only, never pickle.

    >>> autograd.save(model.state_dict(), "model.npz")
    >>> model.load_state_dict(autograd.load("model.npz"))
    >>> autograd.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 7},
    ...               "checkpoint.safetensors")

Two formats, chosen by the file name:

* `.safetensors` (needs the `safetensors` package): the format of the Hugging
  Face hub, readable from any framework.
* anything else: NumPy's `.npz`, read back with `allow_pickle=False`.

Why not pickle: unpickling runs arbitrary code, so opening a downloaded
checkpoint could run anything. Both formats here hold raw arrays plus a JSON
description, so loading a file can only ever give arrays and numbers.

A flat {name: array} dict (a model's state dict) is stored under its own
names, so other tools read the file directly. Nested dicts, lists and Python
numbers/strings (an optimizer state, an epoch counter) are flattened to
"a/b/0"-style keys and a JSON "structure" entry rebuilds them on loading.
Arrays come back as NumPy arrays on the CPU; `load_state_dict` moves them.

Saving is atomic: the file is written under a temporary name in the same
directory and renamed over the target only when complete, so a crash never
leaves a half-written checkpoint under the real name.
"""
import io
import json
import os
import struct
import tempfile
import zipfile

import numpy

from . import backend
from .errors import CheckpointError
from .tensor import Tensor

__all__ = ["save", "load"]

_STRUCTURE_KEY = "__autograd_structure__"
_SEPARATOR = "/"


def _to_numpy(value):
    if isinstance(value, Tensor):
        value = value.data
    if backend.is_cupy_array(value):
        value = backend.to_device(value, "cpu")
    if isinstance(value, numpy.ndarray):
        if value.dtype.kind == "O":
            raise CheckpointError("cannot save an array of Python objects (that would need pickle)")
        # C order: safetensors 0.8 writes the raw buffer of strided arrays (w.T) scrambled.
        # (Not numpy.ascontiguousarray, which turns a 0-d array into a 1-d one.)
        return value if value.flags.c_contiguous else value.copy(order="C")
    return None


def _flatten(obj, prefix, arrays):
    """Split `obj` into arrays (added to `arrays` under path keys) and a JSON-able description."""
    array = _to_numpy(obj)
    if array is not None:
        key = prefix or "value"
        if key in arrays or key == _STRUCTURE_KEY:
            raise CheckpointError(f"two entries of the checkpoint map to the same key {key!r}")
        arrays[key] = array
        return {"array": key}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)):
                raise CheckpointError(f"checkpoint dict keys must be str or int, not {type(k).__name__}")
            child = f"{prefix}{_SEPARATOR}{k}" if prefix else str(k)
            items.append([k, _flatten(v, child, arrays)])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_flatten(v, f"{prefix}{_SEPARATOR}{i}" if prefix else str(i), arrays)
                       for i, v in enumerate(obj)]}
    if isinstance(obj, numpy.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"value": obj}
    raise CheckpointError(f"cannot save a {type(obj).__name__} in a checkpoint: only arrays, tensors, numbers, "
                          "strings, None and dicts/lists of them are allowed (no pickle)")


def _rebuild(node, arrays):
    if "array" in node:
        return arrays[node["array"]]
    if "dict" in node:
        return {k: _rebuild(v, arrays) for k, v in node["dict"]}
    if "list" in node:
        return [_rebuild(v, arrays) for v in node["list"]]
    if "tuple" in node:
        return tuple(_rebuild(v, arrays) for v in node["tuple"])
    return node["value"]


def _is_flat_state_dict(structure):
    """Whether `_flatten` described a {str: array} dict: stored under its own names, with no structure."""
    return "dict" in structure and all(isinstance(k, str) and "array" in node for k, node in structure["dict"])


def _uses_safetensors(path):
    return str(path).endswith(".safetensors")


def save(obj, path):
    """Write `obj` (a state dict, or nested dicts/lists of arrays and numbers) to `path` atomically.

    >>> autograd.save(model.state_dict(), "model.safetensors")
    """
    path = os.fspath(path)
    arrays = {}
    structure = _flatten(obj, "", arrays)
    description = json.dumps(structure)
    if _uses_safetensors(path):
        try:
            from safetensors.numpy import save as safetensors_save
        except ImportError:
            raise CheckpointError("saving to .safetensors needs the safetensors package "
                                  "(pip install safetensors), or use a .npz file name") from None
        # safetensors sorts its keys: the structure also records the original order
        metadata = {_STRUCTURE_KEY: description}
        payload = safetensors_save(arrays, metadata=metadata)
    else:
        if not _is_flat_state_dict(structure):
            arrays[_STRUCTURE_KEY] = numpy.frombuffer(description.encode("utf-8"), dtype=numpy.uint8)
        buffer = io.BytesIO()
        numpy.savez(buffer, **arrays)
        payload = buffer.getvalue()
    _write_atomically(path, payload)


def _write_atomically(path, payload):
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.basename(path), dir=directory)
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)  # atomic on POSIX and Windows
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def load(path):
    """Read a checkpoint written by `save` (or any .npz / .safetensors of arrays) without unpickling.

    >>> model.load_state_dict(autograd.load("model.npz"))
    """
    path = os.fspath(path)
    with open(path, "rb") as f:  # a missing file raises FileNotFoundError, which says it all
        payload = f.read()
    if payload[:4] == b"PK\x03\x04":
        arrays, description = _read_npz(path, payload)
    elif len(payload) >= 8 and payload[8:9] == b"{":
        arrays, description = _read_safetensors(path, payload)
    else:
        raise CheckpointError(f"{path} is not a checkpoint this library can read: neither .npz nor "
                              f"safetensors (the file may be empty, truncated or of another kind)")
    if description is None:
        return arrays
    try:
        return _rebuild(json.loads(description), arrays)
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"{path}: the checkpoint's structure entry is corrupt ({error})") from error


def _read_npz(path, payload):
    try:
        with numpy.load(io.BytesIO(payload), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except ValueError as error:
        if "pickle" in str(error):
            raise CheckpointError(f"{path} contains pickled objects, which are never loaded (unsafe)") from error
        raise CheckpointError(f"{path} is truncated or corrupt: {error}") from error
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, struct.error) as error:
        raise CheckpointError(f"{path} is truncated or corrupt: {error}") from error
    description = arrays.pop(_STRUCTURE_KEY, None)
    if description is not None:
        description = description.tobytes().decode("utf-8")
    return arrays, description


def _read_safetensors(path, payload):
    try:
        from safetensors.numpy import load as safetensors_load
    except ImportError:
        raise CheckpointError(f"{path} is a safetensors file: reading it needs the safetensors package") from None
    try:
        header_size = struct.unpack("<Q", payload[:8])[0]
        if 8 + header_size > len(payload):
            raise ValueError(f"header of {header_size} bytes but the file has {len(payload)}")
        header = json.loads(payload[8:8 + header_size])
        arrays = safetensors_load(payload)
    except Exception as error:  # safetensors raises its own SafetensorError type
        raise CheckpointError(f"{path} is truncated or corrupt: {error}") from error
    metadata = header.get("__metadata__") or {}
    return arrays, metadata.get(_STRUCTURE_KEY)
