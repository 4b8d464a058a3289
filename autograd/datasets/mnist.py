"""MNIST (and Fashion-MNIST) from the IDX files you already have: nothing is downloaded.

    >>> from autograd.datasets import mnist
    >>> images, labels = mnist.load("train", path="~/data/mnist")     # (60000, 1, 28, 28) float32 in [0, 1]

The IDX format (LeCun's): a big-endian header `0 0 <type> <ndim>`, then one 4-byte
size per axis, then the values. Files may be gzipped (`.gz`).
"""
import gzip
import os

import numpy

from ..errors import DataError, DataNotFoundError

__all__ = ["read_idx", "load"]

_TYPES = {0x08: numpy.uint8, 0x09: numpy.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def read_idx(path):
    """The array stored in one IDX file (optionally gzipped).

    >>> read_idx("t10k-labels-idx1-ubyte").shape                      # (10000,)
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _TYPES:
        raise DataError(f"{path}: not an IDX file (bad magic number {raw[:4]!r})")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = numpy.dtype(_TYPES[raw[2]])
    offset = 4 + 4 * ndim
    expected = int(numpy.prod(shape, dtype=numpy.int64)) * dtype.itemsize
    if len(raw) - offset != expected:
        raise DataError(f"{path}: header says shape {shape} ({expected} bytes of data) but the file has "
                         f"{len(raw) - offset}")
    return numpy.frombuffer(raw, dtype=dtype, offset=offset).reshape(shape).astype(dtype.newbyteorder("="))


def _find(directory, name):
    for candidate in (name, name + ".gz", name.replace("-idx", ".idx"), name.replace("-idx", ".idx") + ".gz"):
        full = os.path.join(directory, candidate)
        if os.path.exists(full):
            return full
    raise DataNotFoundError(f"mnist: {name}[.gz] not found in {directory} (this library downloads nothing: "
                            f"put the IDX files there)")


def load(split="train", path="."):
    """(images (N, 1, 28, 28) float32 in [0, 1], labels (N,) int64) of the 'train' or 'test' split.

    >>> x, y = mnist.load("test", path="data/mnist")
    """
    if split not in _FILES:
        raise DataError(f"mnist: split must be 'train' or 'test', not {split!r}")
    directory = os.path.expanduser(path)
    images_name, labels_name = _FILES[split]
    images = read_idx(_find(directory, images_name))
    labels = read_idx(_find(directory, labels_name))
    if images.ndim != 3 or labels.shape != (images.shape[0],):
        raise DataError(f"mnist: images {images.shape} and labels {labels.shape} do not match")
    return (images[:, None].astype(numpy.float32) / 255.0), labels.astype(numpy.int64)
