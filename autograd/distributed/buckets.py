"""Gradient buckets: all-reduce gradients in a few large messages, while backward still runs.

One all-reduce per parameter pays MPI's fixed cost per message many times; one
all-reduce of every gradient at the end waits for the whole backward pass. A
bucket is the middle way: parameters are grouped, in reverse registration
order (roughly the order backward finishes their gradients), into flat
buffers of about `bucket_cap_mb` each:

    parameters   w1 b1 w2 b2 w3 b3        backward finishes   b3 w3 | b2 w2 | b1 w1
    buckets      [b3 w3]  [b2 w2]  [b1 w1]                     ^ reduce   ^ reduce ...

When the engine reports that a parameter's gradient is final, it is copied
into its slot of the bucket; when the bucket is full its non-blocking
all-reduce starts, and the rest of the backward pass computes meanwhile.

MPI requires every rank to start its collectives in the same order, so bucket
k is started only after buckets 0 .. k-1: a rank whose backward finishes the
gradients in another order still starts the same messages in the same order.

    >>> reducer = GradientReducer(params, bucket_cap_mb=25)
    >>> reducer.gradient_ready(p)     # called by the engine's hook, for each parameter
"""
import numpy

from .. import backend
from ..errors import DistributedError, GraphError
from ..tensor import Tensor
from . import collectives
from .process_group import _world

__all__ = ["Bucket", "GradientReducer", "assign_buckets"]


def assign_buckets(params, cap_bytes):
    """Group `params` (already in reverse registration order) into lists of at most `cap_bytes`.

    A parameter larger than the cap gets a bucket of its own; parameters of
    different dtypes or devices never share one (a flat buffer has one of each).

    >>> [len(b) for b in assign_buckets(list(reversed(list(model.parameters()))), 1 << 20)]
    """
    buckets, current, size = [], [], 0
    for p in params:
        nbytes = p.data.size * p.data.dtype.itemsize
        same_kind = not current or (current[0].data.dtype == p.data.dtype and current[0].device == p.device)
        if current and (size + nbytes > cap_bytes or not same_kind):
            buckets.append(current)
            current, size = [], 0
        current.append(p)
        size += nbytes
    if current:
        buckets.append(current)
    return buckets


class Bucket:
    """A flat buffer holding the gradients of some parameters, reduced with one message.

    Each gradient passes through memory once on the way in and not at all on the way out:

        stage    slot = grad / world_size     (one fused pass: the sum of the shares is the mean)
        reduce   all-reduce(sum) of the whole flat buffer, in place
        finish   .grad becomes a view of its slot (nothing copied back)

    The flat buffer is a fresh one in every iteration (the allocator hands back the one freed with
    the previous step's gradients, so this costs little): a `.grad` kept from an earlier step is a
    view of an older buffer, and never changes under its holder.

    With `count_users`, one more slot per parameter holds 1 where this rank
    computed a gradient for it and 0 where not: summed over the ranks, it says
    whether any rank did (a parameter no rank used keeps its `.grad` untouched).
    """

    def __init__(self, index, params, count_users=False):
        self.index = index
        self.params = params
        self.count_users = count_users
        sizes = [p.data.size for p in params]
        self.offsets = numpy.concatenate([[0], numpy.cumsum(sizes)]).astype(int)
        self.length = int(self.offsets[-1]) + (len(params) if count_users else 0)
        self.position = {id(p): i for i, p in enumerate(params)}
        self.flat = self._new_flat()
        self.reset()

    def _new_flat(self):
        xp = backend.get_array_module(self.params[0].data)
        return xp.empty(self.length, dtype=self.params[0].data.dtype)  # every slot is written before use

    def reset(self):
        self.ready = [False] * len(self.params)
        self.missing = len(self.params)
        self.deferred = []   # ready parameters whose gradient is copied only when the bucket starts
        self.work = None

    @property
    def full(self):
        return self.missing == 0

    def _slot(self, i):
        return self.flat[self.offsets[i]:self.offsets[i + 1]]

    def add(self, param, defer=False):
        """Mark `param` ready and stage `param.grad` (zeros when it has none) into its slot, now or
        (`defer`) when the bucket starts; True when the bucket is full."""
        i = self.position[id(param)]
        if self.ready[i]:
            raise GraphError(f"DistributedDataParallel: the gradient of a parameter of shape {param.shape} "
                             "was reported twice in one iteration (two backward() calls after one forward? "
                             "use no_sync() for the first ones)")
        self.ready[i] = True
        self.missing -= 1
        if defer:
            self.deferred.append(i)
        else:
            self._stage(i, param)
        return self.full

    def _stage(self, i, param):
        if self.flat is None:  # the previous iteration's buffer now belongs to the gradients it holds
            self.flat = self._new_flat()
        has_grad = param.grad is not None
        slot = self._slot(i)
        if has_grad:
            # Divided before the sum, in the same pass as the copy (as PyTorch's default DDP hook does):
            # for 2 ranks the halves add up to exactly the mean; a Python float keeps float32 float32.
            grad = param.grad.data
            backend.get_array_module(grad).multiply(grad, 1.0 / _world.size, out=slot.reshape(grad.shape))
        else:
            slot[...] = 0
        if self.count_users:
            self.flat[self.offsets[-1] + i] = 1 if has_grad else 0

    def start(self):
        for i in self.deferred:
            self._stage(i, self.params[i])
        self.work = collectives.start_all_reduce(self.flat, "sum")

    def finish(self):
        """Wait for the sum of the shares (the mean) and make each `.grad` a view of its slot."""
        self.work.wait()
        for i, p in enumerate(self.params):
            if self.count_users and self.flat[self.offsets[-1] + i] == 0:
                continue  # no rank computed a gradient for it: leave .grad as it is
            mean = self._slot(i).reshape(p.data.shape)
            if p.grad is None:
                p.grad = Tensor._from_op(mean, None, 0)
            else:
                # The same Tensor object, now holding the mean (what PyTorch's in-place copy leaves).
                p.grad.data = mean
        self.work = None
        self.flat = None  # handed out: the next iteration stages into a fresh buffer


class GradientReducer:
    """Tracks which gradients are final in this iteration and reduces the buckets in order.

    States of one iteration: nothing ready yet -> some buckets started -> all
    finished (`complete`). `prepare()` starts the next iteration and refuses to
    if the previous backward left some gradients unreduced.
    """

    def __init__(self, params, names, bucket_cap_mb=25, count_users=False):
        ordered = list(reversed(params))
        self.names = names  # id(param) -> its dotted name, for error messages
        groups = assign_buckets(ordered, int(bucket_cap_mb * 1024 * 1024))
        self.buckets = [Bucket(i, group, count_users) for i, group in enumerate(groups)]
        self.bucket_of = {id(p): b for b in self.buckets for p in b.params}
        self.reset()

    def reset(self):
        for b in self.buckets:
            b.reset()
        self.next_to_start = 0
        self.started = False
        self.complete = False

    def prepare(self):
        """Called at each forward: the previous iteration must have finished (or never begun)."""
        if self.started and not self.complete:
            missing = [self.names[id(p)] for b in self.buckets for p, r in zip(b.params, b.ready) if not r]
            self.abandon()
            raise DistributedError(
                "DistributedDataParallel: the previous backward() did not produce gradients for "
                f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}, so their all-reduce never "
                "started and the optimizer step used unsynchronised gradients. Pass "
                "find_unused_parameters=True if some parameters are not used in every forward.")
        self.reset()

    def abandon(self):
        """Wait for started messages before buffers are reused (an unfinished MPI request must not dangle)."""
        for b in self.buckets:
            if b.work is not None:
                b.work.wait()
        self.reset()

    def gradient_ready(self, param):
        """`param.grad` is final for this iteration: stage it, start every bucket that can start."""
        self.started = True
        self.bucket_of[id(param)].add(param)
        while self.next_to_start < len(self.buckets) and self.buckets[self.next_to_start].full:
            self.buckets[self.next_to_start].start()
            self.next_to_start += 1
        if self.next_to_start == len(self.buckets):
            self.finish_all()
            return
        if self.next_to_start:
            # MPI moves non-blocking messages forward only inside MPI calls: one test moves them all.
            self.buckets[self.next_to_start - 1].work.is_completed()

    def finish_all(self):
        for b in self.buckets:
            b.finish()
        self.complete = True

    def mark_unused(self, params):
        """Parameters this forward did not use: their slots hold zeros (or an accumulated `.grad`).

        Only staged here; their buckets start from the backward pass, with the others, so a
        forward without a backward leaves nothing in flight.
        """
        for p in params:
            self.bucket_of[id(p)].add(p, defer=True)

    def reduce_now(self):
        """Reduce every bucket now, after backward: no overlap (what the overlap is measured against)."""
        for b in self.buckets:
            for i, p in enumerate(b.params):
                if not b.ready[i]:
                    if p.grad is None and not b.count_users:
                        raise DistributedError(
                            f"DistributedDataParallel: parameter {self.names[id(p)]} got no gradient in this "
                            "backward; pass find_unused_parameters=True if that is expected")
                    self.gradient_ready(p)
        if not self.complete:  # nothing to reduce at all
            self.complete = True
