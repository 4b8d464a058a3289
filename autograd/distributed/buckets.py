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
    """The gradients of some parameters, reduced with one message.

    Each gradient passes through memory once before the all-reduce and not at all after it:

        stage    share = grad / world_size    (one pass; the sum of the shares is the mean)
        reduce   all-reduce(sum) of the shares, in place
        finish   .grad holds the mean

    A bucket of one parameter (the large ones) divides that gradient's own array in place and
    all-reduces it there: nothing is copied. A bucket of several parameters stages them into the
    slots of one flat buffer, and afterwards each `.grad` becomes a view of its slot. That buffer
    is a fresh one in every iteration (the allocator hands back the one freed with the previous
    step's gradients, so this costs little): a `.grad` kept from an earlier step is a view of an
    older buffer, and never changes under its holder.

    With `count_users`, one more slot per parameter holds 1 where this rank
    computed a gradient for it and 0 where not: summed over the ranks, it says
    whether any rank did (a parameter no rank used keeps its `.grad` untouched).
    """

    def __init__(self, index, params, count_users=False):
        self.index = index
        self.params = params
        self.count_users = count_users
        self.single = len(params) == 1 and not count_users   # may reduce its gradient where it lies
        sizes = [p.data.size for p in params]
        self.offsets = numpy.concatenate([[0], numpy.cumsum(sizes)]).astype(int)
        self.length = int(self.offsets[-1]) + (len(params) if count_users else 0)
        self.position = {id(p): i for i, p in enumerate(params)}
        self.flat = None     # made at the first staging of an iteration
        self.buffer = None   # what this iteration's all-reduce works on: a gradient's array, or `flat`
        self.reset()

    def reset(self):
        self.ready = [False] * len(self.params)
        self.missing = len(self.params)
        self.deferred = []   # ready parameters staged only when the bucket starts
        self.work = None

    @property
    def full(self):
        return self.missing == 0

    def _slot(self, i):
        return self.flat[self.offsets[i]:self.offsets[i + 1]]

    def add(self, param, defer=False):
        """Mark `param` ready and stage `param.grad` (zeros when it has none), now or (`defer`, and
        always for a one-parameter bucket) when the bucket starts; True when the bucket is full."""
        i = self.position[id(param)]
        if self.ready[i]:
            raise GraphError(f"DistributedDataParallel: the gradient of a parameter of shape {param.shape} "
                             "was reported twice in one iteration (two backward() calls after one forward? "
                             "use no_sync() for the first ones)")
        self.ready[i] = True
        self.missing -= 1
        if defer or self.single:
            self.deferred.append(i)
        else:
            self._stage(i, param)
        return self.full

    def _stage(self, i, param):
        """Write param.grad / world_size into slot i of the flat buffer (one fused pass)."""
        if self.flat is None:  # the previous iteration's buffer now belongs to the gradients it holds
            xp = backend.get_array_module(self.params[0].data)
            self.flat = xp.empty(self.length, dtype=self.params[0].data.dtype)  # every slot gets written
        has_grad = param.grad is not None
        slot = self._slot(i)
        if has_grad:
            # Divided before the sum (as PyTorch's default DDP hook does): for 2 ranks the halves add up
            # to exactly the mean. A Python float scalar keeps float32 float32.
            grad = param.grad.data
            backend.get_array_module(grad).multiply(grad, 1.0 / _world.size, out=slot.reshape(grad.shape))
        else:
            slot[...] = 0
        if self.count_users:
            self.flat[self.offsets[-1] + i] = 1 if has_grad else 0

    def _stage_in_place(self, param):
        """Divide param.grad by world_size where it lies, if MPI can reduce that array itself."""
        grad = None if param.grad is None else param.grad.data
        xp = backend.get_array_module(param.data)
        if (type(grad) is not xp.ndarray or grad.dtype != param.data.dtype or grad.shape != param.data.shape
                or not grad.flags.c_contiguous or not getattr(grad.flags, "writeable", True)):  # (CuPy: no flag)
            return None  # (no gradient, or one laid out otherwise): the flat buffer instead
        xp.multiply(grad, 1.0 / _world.size, out=grad)
        return grad

    def start(self):
        """Stage what waited for the start, then begin the non-blocking all-reduce."""
        self.buffer = self._stage_in_place(self.params[0]) if self.single else None
        if self.buffer is None:
            for i in self.deferred:
                self._stage(i, self.params[i])
            self.buffer = self.flat
        self.work = collectives.start_all_reduce(self.buffer, "sum")

    def finish(self):
        """Wait for the sum of the shares (the mean); in the flat buffer, make each `.grad` a view of its slot."""
        self.work.wait()
        self.work = None
        if self.buffer is not self.flat:
            self.buffer = None
            return  # reduced inside the gradient's own array: .grad holds the mean already
        for i, p in enumerate(self.params):
            if self.count_users and self.flat[self.offsets[-1] + i] == 0:
                continue  # no rank computed a gradient for it: leave .grad as it is
            mean = self._slot(i).reshape(p.data.shape)
            if p.grad is None:
                p.grad = Tensor._from_op(mean, None, 0)
            else:
                # The same Tensor object, now holding the mean (what PyTorch's in-place copy leaves).
                p.grad.data = mean
        self.buffer = self.flat = None  # handed out: the next iteration stages into a fresh buffer


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
        """Finish the started messages (an unfinished MPI request must not dangle): their gradients hold
        the mean, those of the buckets that never started this rank's own gradient."""
        for b in self.buckets:
            if b.work is not None:
                b.finish()
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
