"""Variable-length batches for recurrent layers: pad_sequence, pack_padded_sequence, pad_packed_sequence.

A batch of sequences of different lengths is stored either padded (one
(T, B, *) tensor plus the lengths) or *packed*: the real steps only, time step
by time step, the longest sequences first, as PyTorch's PackedSequence:

    lengths [3, 1, 2] (sorted: batches 0, 2, 1)     data rows   t=0: a0 c0 b0 | t=1: a1 c1 | t=2: a2
    batch_sizes [3, 2, 1]                            (3 rows at t=0, 2 at t=1, 1 at t=2)

The recurrent layers accept a PackedSequence and return one; inside they run
the padded form with `lengths=` (which masks each sequence past its end), so
the packing is bookkeeping: gathers that carry gradients, no new recurrence.

    >>> packed = nn.utils.rnn.pack_padded_sequence(x, lengths=[3, 1, 2], enforce_sorted=False)
    >>> output, (h_n, c_n) = lstm(packed)             # h_n at each sequence's own last step
    >>> padded, lengths = nn.utils.rnn.pad_packed_sequence(output)
"""
from typing import NamedTuple, Optional

import numpy

from ... import backend, ops
from ...errors import ArgumentError, ShapeError
from ...tensor import Tensor

__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence", "pack_sequence",
           "unpad_sequence"]


class PackedSequence(NamedTuple):
    """The real steps of a batch, time-major, longest first (PyTorch's fields and meaning).

    data (sum of lengths, *): the steps; batch_sizes (T,): how many sequences are
    still running at each step; sorted_indices[k]: the original batch index of
    the k-th longest sequence (None when the batch was given sorted);
    unsorted_indices: its inverse.

    >>> packed.data.shape, packed.batch_sizes          # ((6, 8), tensor([3, 2, 1]))
    """

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Optional[Tensor] = None
    unsorted_indices: Optional[Tensor] = None


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(numpy.asarray(x))


def _int_array(values, what):
    """Host int64 array from a list, a NumPy array or a Tensor."""
    if isinstance(values, Tensor):
        values = backend.to_device(values.data, "cpu")
    array = numpy.asarray(values)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise ShapeError(f"{what} must be a 1-D sequence of integers, got {array.dtype} of shape {array.shape}")
    return array.astype(numpy.int64)


def _constant_like(x, shape, value):
    """A constant tensor of x's dtype and device (padding), outside any graph."""
    xp = backend.get_array_module(x.data)
    return Tensor(xp.full(shape, value, dtype=x.dtype))


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shape (L_i, *) into (T, B, *) (or (B, T, *)), padding each to the longest.

    >>> pad_sequence([autograd.ones(3, 2), autograd.ones(1, 2)], batch_first=True).shape     # (2, 3, 2)
    """
    if padding_side not in ("right", "left"):
        raise ArgumentError(f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}")
    sequences = [_as_tensor(s) for s in sequences]
    if not sequences:
        raise ArgumentError("pad_sequence: got no sequences")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences:
        if s.ndim < 1 or tuple(s.shape[1:]) != trailing:
            raise ShapeError(f"pad_sequence: every sequence must have shape (L, {', '.join(map(str, trailing))}), "
                             f"got {[tuple(t.shape) for t in sequences]}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            filler = _constant_like(s, (missing, *trailing), padding_value)
            s = ops.concatenate([s, filler] if padding_side == "right" else [filler, s], axis=0)
        padded.append(s)
    return ops.stack(padded, axis=0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The inverse of pad_sequence: a list of (L_i, *) tensors.

    >>> unpad_sequence(padded, lengths=[3, 1], batch_first=True)
    """
    lengths = _int_array(lengths, "lengths")
    return [padded_sequences[i, :n] if batch_first else padded_sequences[:n, i] for i, n in enumerate(lengths)]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):  # noqa: A002 (PyTorch's name)
    """Pack a padded batch (T, B, *) (or (B, T, *)) with the given lengths.

    enforce_sorted=True needs the lengths in decreasing order (as PyTorch);
    with False the batch is sorted here and the order is remembered, so
    pad_packed_sequence and the layers' h_n give the original order back.

    >>> packed = pack_padded_sequence(x, [5, 2, 4], batch_first=True, enforce_sorted=False)
    """
    x = _as_tensor(input)
    lengths = _int_array(lengths, "pack_padded_sequence: lengths")
    if x.ndim < 2:
        raise ShapeError(f"pack_padded_sequence: expected a padded batch of at least 2 dims, got {tuple(x.shape)}")
    batch, steps = (x.shape[0], x.shape[1]) if batch_first else (x.shape[1], x.shape[0])
    if lengths.shape != (batch,):
        raise ShapeError(f"pack_padded_sequence: {batch} sequences in the batch but {lengths.size} lengths")
    if lengths.size and (lengths.min() <= 0 or lengths.max() > steps):
        raise ArgumentError(f"pack_padded_sequence: lengths must lie in [1, {steps}], got {lengths.tolist()}")
    if enforce_sorted:
        if numpy.any(numpy.diff(lengths) > 0):
            raise ArgumentError("pack_padded_sequence: `lengths` must be sorted in decreasing order when "
                                "enforce_sorted=True; pass enforce_sorted=False to sort them here")
        order = numpy.arange(batch)
        sorted_indices = None
    else:
        order = numpy.argsort(-lengths, kind="stable")
        sorted_indices = order
    return _pack(x, lengths[order], order, sorted_indices, batch_first)


def _pack(x, sorted_lengths, order, sorted_indices, batch_first):
    """PackedSequence of padded x, whose batch row order[k] is the k-th longest sequence."""
    batch, steps = (x.shape[0], x.shape[1]) if batch_first else (x.shape[1], x.shape[0])
    longest = int(sorted_lengths[0]) if sorted_lengths.size else 0
    batch_sizes = (numpy.arange(longest)[:, None] < sorted_lengths[None, :]).sum(axis=1)
    # the flat position, in x reshaped to (rows, *), of step t of the k-th longest sequence
    flat = []
    for t, running in enumerate(batch_sizes):
        rows = order[:running]
        flat.append(rows * steps + t if batch_first else t * batch + rows)
    flat = numpy.concatenate(flat) if flat else numpy.zeros(0, dtype=numpy.int64)
    data = x.reshape(batch * steps, *x.shape[2:])[flat]
    sorted_tensor = unsorted_tensor = None
    if sorted_indices is not None:
        sorted_tensor = Tensor(numpy.asarray(sorted_indices, dtype=numpy.int64))
        unsorted_tensor = Tensor(numpy.argsort(sorted_indices, kind="stable").astype(numpy.int64))
    return PackedSequence(data, Tensor(batch_sizes.astype(numpy.int64)), sorted_tensor, unsorted_tensor)


def _lengths_and_order(sequence):
    """(sorted lengths, sorted_indices, unsorted_indices) of a PackedSequence, as host arrays."""
    batch_sizes = _int_array(sequence.batch_sizes, "batch_sizes")
    batch = int(batch_sizes[0]) if batch_sizes.size else 0
    sorted_lengths = (batch_sizes[None, :] > numpy.arange(batch)[:, None]).sum(axis=1)
    if sequence.sorted_indices is None:
        order = numpy.arange(batch)
        return sorted_lengths, order, order
    return (sorted_lengths, _int_array(sequence.sorted_indices, "sorted_indices"),
            _int_array(sequence.unsorted_indices, "unsorted_indices"))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Unpack to (padded (T, B, *) or (B, T, *), lengths), in the batch's original order.

    `total_length` pads to that many steps (it must be at least the longest length).

    >>> padded, lengths = pad_packed_sequence(output, batch_first=True)
    """
    sorted_lengths, _, unsorted = _lengths_and_order(sequence)
    data = sequence.data
    longest = int(sorted_lengths[0]) if sorted_lengths.size else 0
    steps = longest if total_length is None else int(total_length)
    if steps < longest:
        raise ArgumentError(f"pad_packed_sequence: total_length={total_length} is shorter than the longest "
                            f"sequence ({longest} steps)")
    batch = sorted_lengths.size
    total = data.shape[0]
    # index[t, k]: the data row of step t of the k-th longest sequence, or `total` (the padding row)
    index = numpy.full((steps, batch), total, dtype=numpy.int64)
    batch_sizes = _int_array(sequence.batch_sizes, "batch_sizes")
    starts = numpy.concatenate([[0], numpy.cumsum(batch_sizes)[:-1]]).astype(numpy.int64)
    for t, (start, running) in enumerate(zip(starts, batch_sizes)):
        index[t, :running] = start + numpy.arange(running)
    index = index[:, unsorted]  # back to the original batch order
    if batch_first:
        index = index.T
    rows = ops.concatenate([data, _constant_like(data, (1, *data.shape[1:]), padding_value)], axis=0)
    return rows[index], Tensor(sorted_lengths[unsorted].astype(numpy.int64))


def pack_sequence(sequences, enforce_sorted=True):
    """pack_padded_sequence(pad_sequence(sequences), lengths): a list of (L_i, *) tensors, packed.

    >>> packed = pack_sequence([a, b, c], enforce_sorted=False)
    """
    lengths = [int(_as_tensor(s).shape[0]) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)
