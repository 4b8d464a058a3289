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

Under `mpirun` every rank holds the same model, and `save` called on every
rank writes the file once, from rank 0 (call `autograd.distributed.barrier()`
before other ranks read it back).
"""
import io
import json
import os
import re
import signal
import struct
import tempfile
import threading
import zipfile
import zlib

import numpy

from . import backend
from .errors import CheckpointError, missing_extra
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


def _is_flat_state_dict(structure):
    """Whether `_flatten` described a {str: array} dict: stored under its own names, with no structure."""
    return "dict" in structure and all(isinstance(k, str) and "array" in node for k, node in structure["dict"])


def _uses_safetensors(path):
    return str(path).endswith(".safetensors")


def save(obj, path):
    """Write `obj` (a state dict, or nested dicts/lists of arrays and numbers) to `path` atomically.

    >>> autograd.save(model.state_dict(), "model.safetensors")
    """
    from .distributed import process_group

    path = os.fspath(path)
    if not process_group.is_main_process():  # data-parallel ranks hold the same state: rank 0 writes it
        return
    arrays = {}
    structure = _flatten(obj, "", arrays)
    description = json.dumps(structure)
    if _uses_safetensors(path):
        try:
            from safetensors.numpy import save as safetensors_save
        except ImportError:
            raise missing_extra("safetensors", "safetensors", "saving to .safetensors "
                                "(or use a .npz file name)") from None
        # safetensors sorts its keys: the structure also records the original order
        metadata = {_STRUCTURE_KEY: description}
        payload = safetensors_save(arrays, metadata=metadata)
    else:
        # An empty dict keeps its structure entry: a zip with no member at all is not a valid .npz.
        if not arrays or not _is_flat_state_dict(structure):
            arrays[_STRUCTURE_KEY] = numpy.frombuffer(description.encode("utf-8"), dtype=numpy.uint8)
        buffer = io.BytesIO()
        numpy.savez(buffer, **arrays)
        payload = buffer.getvalue()
    write_atomically(path, payload)


def write_atomically(path, payload):
    """Write to a temporary file beside `path`, then rename it over `path`.

    The temporary file is removed on any failure, including Ctrl-C and (in the
    main thread) SIGTERM, which is turned into SystemExit for the duration.
    The file gets the permissions `open()` would give (0666 minus the umask),
    not mkstemp's private 0600.
    """
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.basename(path), dir=directory)
    previous_sigterm = _raise_on_sigterm()
    try:
        with os.fdopen(handle, "wb") as f:
            if hasattr(os, "fchmod"):
                os.fchmod(f.fileno(), 0o666 & ~_current_umask())
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)  # atomic on POSIX and Windows
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    finally:
        if previous_sigterm is not None:
            signal.signal(signal.SIGTERM, previous_sigterm)


def _current_umask():
    mask = os.umask(0o022)  # the only way to read the umask is to set it
    os.umask(mask)
    return mask


def _raise_on_sigterm():
    """While saving, a default-handled SIGTERM raises SystemExit so the temporary file is cleaned up.

    Returns the handler to restore, or None when nothing was changed (not the
    main thread, or a handler of the program's own is installed).
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return None

    def terminate(signum, frame):
        raise SystemExit(128 + signum)

    return signal.signal(signal.SIGTERM, terminate)


# ---------------------------------------------------------------- loading

DEFAULT_MAX_BYTES = 4 * 2**30   # what a file may hold (or inflate to) unless load(max_bytes=) says otherwise
MAX_STRUCTURE_BYTES = 64 * 2**20  # the JSON description of a nested checkpoint
MAX_STRUCTURE_DEPTH = 64         # nesting of dicts/lists in a checkpoint (an optimizer state needs 4)
_JSON_DEPTH_PER_LEVEL = 3        # {"dict": [[key, {...}]]}: three JSON brackets per level of nesting


def load(path, max_bytes=None):
    """Read a checkpoint written by `save` (or any .npz / .safetensors of arrays) without unpickling.

    Nothing in the file is trusted: a file larger than `max_bytes` (default
    `DEFAULT_MAX_BYTES`, 4 GiB), arrays that would inflate past it, members
    claiming more bytes than they hold, and structure entries nested deeper
    than `MAX_STRUCTURE_DEPTH` are all refused with a CheckpointError naming
    the file and the reason, before anything large is allocated.

    >>> model.load_state_dict(autograd.load("model.npz"))
    """
    path = os.fspath(path)
    max_bytes = DEFAULT_MAX_BYTES if max_bytes is None else int(max_bytes)
    size = os.path.getsize(path)  # a missing file raises FileNotFoundError, which says it all
    if size > max_bytes:
        raise CheckpointError(f"{path}: the file has {size} bytes, more than max_bytes={max_bytes} "
                              "(pass load(..., max_bytes=) to allow a larger checkpoint)")
    with open(path, "rb") as f:
        payload = f.read()
    if payload[:4] in (b"PK\x03\x04", b"PK\x05\x06"):  # a zip with members, or an empty zip
        arrays, description = _read_npz(path, payload, max_bytes)
    elif len(payload) >= 8 and payload[8:9] == b"{":
        arrays, description = _read_safetensors(path, payload)
    else:
        raise CheckpointError(f"{path} is not a checkpoint this library can read: neither .npz nor "
                              f"safetensors (the file may be empty, truncated or of another kind)")
    if description is None:
        return arrays
    return _rebuild(path, _parse_structure(path, description), arrays, 0)


def _parse_structure(path, description):
    """The structure entry as JSON, refusing non-UTF-8 bytes, oversized or overly nested text."""
    if isinstance(description, bytes):
        if len(description) > MAX_STRUCTURE_BYTES:
            raise CheckpointError(f"{path}: the structure entry has {len(description)} bytes, "
                                  f"more than the {MAX_STRUCTURE_BYTES} allowed")
        try:
            description = description.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CheckpointError(f"{path}: the structure entry is not UTF-8 text ({error})") from None
    depth = _json_depth(description)
    if depth > MAX_STRUCTURE_DEPTH * _JSON_DEPTH_PER_LEVEL:
        raise CheckpointError(f"{path}: the structure entry is nested {depth} brackets deep, more than "
                              f"{MAX_STRUCTURE_DEPTH * _JSON_DEPTH_PER_LEVEL} allowed")
    try:
        return json.loads(description)
    except (ValueError, RecursionError) as error:
        raise CheckpointError(f"{path}: the checkpoint's structure entry is corrupt ({error})") from None


def _json_depth(text):
    """The deepest bracket nesting of JSON `text`, without parsing it (brackets inside strings skipped)."""
    outside_strings = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
    steps = numpy.frombuffer(outside_strings.encode("utf-8", "replace"), dtype=numpy.uint8)
    change = (numpy.isin(steps, (ord("["), ord("{"))).astype(numpy.int64)
              - numpy.isin(steps, (ord("]"), ord("}"))))
    return int(numpy.cumsum(change).max(initial=0))


def _rebuild(path, node, arrays, depth):
    """The object `_flatten` described, checking every node's form (a crafted file can say anything)."""
    def corrupt(reason):
        return CheckpointError(f"{path}: the checkpoint's structure entry is corrupt ({reason})")

    if depth > MAX_STRUCTURE_DEPTH:
        raise corrupt(f"nested more than {MAX_STRUCTURE_DEPTH} levels")
    if not isinstance(node, dict) or len(node) != 1:
        raise corrupt(f"expected one of array/dict/list/tuple/value, got {str(node)[:80]}")
    (kind, content), = node.items()
    if kind == "array":
        if not isinstance(content, str) or content not in arrays:
            raise corrupt(f"it refers to an array {str(content)[:80]!r} that the file does not hold")
        return arrays[content]
    if kind == "dict":
        if not isinstance(content, list):
            raise corrupt("a dict entry is not a list of [key, value] pairs")
        result = {}
        for item in content:
            if (not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], (str, int))
                    or isinstance(item[0], bool)):
                raise corrupt(f"a dict item is not a [str or int key, value] pair: {str(item)[:80]}")
            result[item[0]] = _rebuild(path, item[1], arrays, depth + 1)
        return result
    if kind in ("list", "tuple"):
        if not isinstance(content, list):
            raise corrupt(f"a {kind} entry is not a list")
        items = [_rebuild(path, v, arrays, depth + 1) for v in content]
        return items if kind == "list" else tuple(items)
    if kind == "value":
        if content is not None and not isinstance(content, (bool, int, float, str)):
            raise corrupt(f"a value must be a number, a string or null, not {type(content).__name__}")
        return content
    raise corrupt(f"unknown entry kind {kind!r}")


# dtypes a checkpoint may hold: numbers, booleans and fixed-width strings (never objects or raw records)
_LOADABLE_KINDS = "biufcSU"


def _read_npz(path, payload, max_bytes):
    """Every member of the .npz as an array, each checked against its claims before it is inflated."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
        raise CheckpointError(f"{path} is truncated or corrupt: {error}") from None
    arrays = {}
    total = 0
    with archive:
        for info in archive.infolist():
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if info.compress_size > len(payload):
                raise CheckpointError(f"{path}: member {name!r} claims {info.compress_size} compressed bytes "
                                      f"but the file has only {len(payload)} (truncated or corrupt)")
            array, nbytes = _read_member(path, archive, info, name, max_bytes - total)
            total += nbytes
            arrays[name] = array
    description = arrays.pop(_STRUCTURE_KEY, None)
    if description is not None:
        if description.dtype != numpy.uint8 or description.ndim != 1:
            raise CheckpointError(f"{path}: the structure entry is not a 1-d uint8 array")
        description = description.tobytes()
    return arrays, description


def _read_member(path, archive, info, name, budget):
    """One .npy member: header first (shape, dtype), refused if it claims too much, then exactly its bytes."""
    from numpy.lib import format as npy

    try:
        with archive.open(info) as f:
            version = npy.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = npy.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = npy.read_array_header_2_0(f)
            else:
                raise CheckpointError(f"{path}: member {name!r} has .npy format version {version}, which is "
                                      "not read (only 1.0 and 2.0)")
            if dtype.hasobject:
                raise CheckpointError(f"{path} contains pickled objects (member {name!r}), "
                                      "which are never loaded (unsafe)")
            if dtype.kind not in _LOADABLE_KINDS or dtype.fields is not None:
                raise CheckpointError(f"{path}: member {name!r} has dtype {dtype}, which a checkpoint "
                                      "may not hold (only numbers, booleans and strings)")
            count = 1
            for n in shape:
                count *= int(n)
            nbytes = count * dtype.itemsize
            header_size = f.tell()
            if nbytes > budget:
                raise CheckpointError(f"{path}: member {name!r} claims shape {tuple(shape)} of {dtype} "
                                      f"({nbytes} bytes), more than the {max(budget, 0)} bytes left under "
                                      "max_bytes (pass load(..., max_bytes=) to allow a larger checkpoint)")
            if nbytes + header_size > info.file_size:
                raise CheckpointError(f"{path}: member {name!r} claims {nbytes} bytes of data but holds "
                                      f"only {info.file_size - header_size} (truncated or corrupt)")
            data = f.read(nbytes)
    except CheckpointError:
        raise
    except (ValueError, zipfile.BadZipFile, EOFError, OSError, KeyError, struct.error, SyntaxError,
            zlib.error, NotImplementedError) as error:
        raise CheckpointError(f"{path} is truncated or corrupt (member {name!r}: {error})") from None
    if len(data) != nbytes:
        raise CheckpointError(f"{path}: member {name!r} holds {len(data)} bytes, its header claims {nbytes} "
                              "(truncated or corrupt)")
    array = numpy.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    return array.copy(order="K"), nbytes


def _read_safetensors(path, payload):
    try:
        from safetensors.numpy import load as safetensors_load
    except ImportError:
        raise missing_extra("safetensors", "safetensors", f"reading the safetensors file {path}") from None
    header_size = struct.unpack("<Q", payload[:8])[0]
    if 8 + header_size > len(payload) or header_size > MAX_STRUCTURE_BYTES:
        raise CheckpointError(f"{path} is truncated or corrupt: header of {header_size} bytes "
                              f"but the file has {len(payload)}")
    try:
        header = json.loads(payload[8:8 + header_size])
        arrays = safetensors_load(payload)
    except Exception as error:  # safetensors raises its own SafetensorError type
        raise CheckpointError(f"{path} is truncated or corrupt: {error}") from None
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(metadata, (dict, type(None))):
        raise CheckpointError(f"{path} is corrupt: its __metadata__ is not a JSON object")
    metadata = metadata or {}
    description = metadata.get(_STRUCTURE_KEY)
    if description is not None and not isinstance(description, str):
        raise CheckpointError(f"{path}: the structure entry is not text")
    return arrays, description
