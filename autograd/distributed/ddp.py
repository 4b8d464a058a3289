"""DistributedDataParallel: the same model on every process, each on its own share of the batch.

Data parallelism in three facts:

1. Every rank starts from the same parameters (rank 0's, broadcast at construction).
2. Every rank runs forward and backward on its own part of the global batch.
3. The gradients are averaged over the ranks before the optimizer step, so each
   rank takes the same step, and the parameters stay identical everywhere.

With a loss that is a mean over the batch, the average of the ranks' gradients
is the gradient of the mean over the global batch: training on N ranks with a
batch of B each is training on one process with a batch of N·B.

    >>> dist.init()
    >>> model = dist.DistributedDataParallel(MLP())
    >>> for x, y in loader:                     # a DistributedSampler gives each rank its share
    ...     opt.zero_grad()
    ...     loss_fn(model(x), y).backward()     # gradients averaged over the ranks during backward
    ...     opt.step()

Averaging happens while backward runs (see buckets.py): the engine calls a
hook on each parameter as soon as its gradient is final, and full buckets of
gradients start their non-blocking all-reduce at once.
"""
import contextlib
import weakref

from ..errors import DistributedError, ShapeError
from ..grad_mode import is_grad_enabled
from ..nn.module import Module
from ..tensor import Tensor
from . import collectives
from .buckets import GradientReducer
from .process_group import _world, init, is_initialized

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(Module):
    """Wrap `module` so that backward() averages its gradients over all ranks.

    bucket_cap_mb: the size of one all-reduce message (MB of gradients).
    broadcast_buffers: copy rank 0's buffers (BatchNorm statistics) to every rank before each forward.
    find_unused_parameters: let some parameters get no gradient in a step (a branch taken on some
        ranks only); each forward then walks its graph to find them.

    >>> ddp = dist.DistributedDataParallel(model, bucket_cap_mb=25)
    >>> with ddp.no_sync():                       # accumulate locally, no communication
    ...     loss_fn(ddp(x0), y0).backward()
    >>> loss_fn(ddp(x1), y1).backward()           # this backward averages the summed gradients
    """

    def __init__(self, module, bucket_cap_mb=25, broadcast_buffers=True, find_unused_parameters=False):
        super().__init__()
        if not is_initialized():
            init()
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.bucket_cap_mb = bucket_cap_mb
        self.require_backward_grad_sync = True
        self.overlap_with_backward = True  # False: reduce after backward, in finish_gradient_sync (to measure)
        names = {id(p): name for name, p in module.named_parameters()}
        self._trained = [p for p in module.parameters() if p.requires_grad]
        self._checked_usage = find_unused_parameters  # without it, the first forward checks usage once
        self._reducer = None
        self._hook_handles = []
        if _world.size == 1:
            return  # one process: nothing to broadcast or average
        _check_same_parameters(module)
        for p in module.parameters():
            collectives.broadcast(p, src=0)
        for b in module.buffers():
            collectives.broadcast(b, src=0)
        if self._trained:
            self._reducer = GradientReducer(self._trained, names, bucket_cap_mb, count_users=find_unused_parameters)
        if self._reducer is not None:
            self._register_hooks()

    # ------------------------------------------------------------ hooks
    def _register_hooks(self):
        # The engine calls a post-accumulate hook on a parameter as soon as no node left in the backward
        # sweep can add to its .grad. The hooks hold the reducer weakly: parameters must not keep this
        # wrapper alive.
        reducer = weakref.ref(self._reducer)
        wrapper = weakref.ref(self)

        def on_gradient_final(param):
            r, w = reducer(), wrapper()
            if r is not None and w is not None and w._sync_this_iteration and w.overlap_with_backward:
                r.gradient_ready(param)

        for p in self._trained:
            self._hook_handles.append(p.register_post_accumulate_grad_hook(on_gradient_final))
        weakref.finalize(self, _remove_all, self._hook_handles)

    # ------------------------------------------------------------ forward
    _sync_this_iteration = False

    def forward(self, *args, **kwargs):
        if self._reducer is None:
            return self.module(*args, **kwargs)
        recording = is_grad_enabled()
        if recording:
            self._reducer.prepare()
        if self.broadcast_buffers and recording:  # not in evaluation, where ranks may run different counts
            for b in self.module.buffers():
                collectives.broadcast(b, src=0)
        output = self.module(*args, **kwargs)
        if recording:  # (a forward under no_grad, say for validation, changes nothing for the pending backward)
            # Whether the coming backward averages is decided here, as in PyTorch: inside no_sync() it does not.
            self._sync_this_iteration = self.require_backward_grad_sync
        if recording and self._sync_this_iteration and (self.find_unused_parameters or not self._checked_usage):
            self._handle_unused(output)
        return output

    def _handle_unused(self, output):
        used = _leaves_reached_from(output)
        unused = [p for p in self._trained if id(p) not in used]
        if self.find_unused_parameters:
            self._reducer.mark_unused(unused)
            return
        self._checked_usage = True
        if unused:
            names = {id(p): n for n, p in self.module.named_parameters()}
            shown = ", ".join(names[id(p)] for p in unused[:5])
            raise DistributedError(f"DistributedDataParallel: parameters {shown} were not used to compute the "
                                   "output of forward, so they would never get a gradient to average; pass "
                                   "find_unused_parameters=True, or freeze them with requires_grad_(False)")

    # ------------------------------------------------------------ synchronisation
    @contextlib.contextmanager
    def no_sync(self):
        """Inside, forward/backward only accumulate gradients locally; the next synced backward
        averages the accumulated sum (gradient accumulation without communication).

        >>> with ddp.no_sync(): loss_fn(ddp(x), y).backward()
        """
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    def finish_gradient_sync(self):
        """Check that this iteration's gradients are averaged (backward() has done it; `fit` checks).

        Raises DistributedError when some parameter got no gradient, so its bucket never started.
        With `overlap_with_backward = False` (used to measure what the overlap saves) the buckets
        are reduced here instead, one after the other.
        """
        if self._reducer is None or not self._sync_this_iteration or self._reducer.complete:
            return
        if self.overlap_with_backward:
            self._reducer.prepare()   # raises: the backward left some buckets unreduced
        self._reducer.reduce_now()

    def extra_repr(self):
        return f"world_size={_world.size}, bucket_cap_mb={self.bucket_cap_mb}"


def _remove_all(handles):
    for handle in handles:
        handle.remove()


def _tensors_in(value):
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _tensors_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _tensors_in(v)


def _leaves_reached_from(output):
    """ids of the leaf tensors that backward from `output` would reach (an iterative graph walk)."""
    leaves, seen, stack = set(), set(), []
    for t in _tensors_in(output):
        if t.creator is None:
            leaves.add(id(t))
        else:
            stack.append(t.creator)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for x in node.inputs:
            if isinstance(x, Tensor):
                if x.creator is None:
                    leaves.add(id(x))
                elif id(x.creator) not in seen:
                    stack.append(x.creator)
    return leaves


def _check_same_parameters(module):
    """Every rank must hold the same parameters (names, shapes, dtypes), or the all-reduces would mix
    unrelated numbers or hang. Compared on every rank, so all of them raise together."""
    mine = [(name, tuple(p.shape), str(p.dtype)) for name, p in module.named_parameters()]
    everyone = _world.comm.allgather(mine)    # small Python lists of names and shapes
    reference = everyone[0]
    for rank, theirs in enumerate(everyone):
        if theirs == reference:
            continue
        if len(theirs) != len(reference):
            raise ShapeError(f"DistributedDataParallel: rank {rank} has {len(theirs)} parameters, rank 0 has "
                             f"{len(reference)}; every rank must build the same model")
        for (name0, shape0, dtype0), (name, shape, dtype) in zip(reference, theirs):
            if (name0, shape0, dtype0) != (name, shape, dtype):
                raise ShapeError(f"DistributedDataParallel: parameter {name!r} has shape {shape} ({dtype}) on "
                                 f"rank {rank} but {name0!r} has shape {shape0} ({dtype0}) on rank 0; every "
                                 "rank must build the same model")
