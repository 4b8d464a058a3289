"""Tensor hooks: functions called with a gradient while backward runs.

    >>> h = x.register_hook(lambda g: g * 2)      # replaces x's gradient by twice itself
    >>> h.remove()
    >>> w.register_post_accumulate_grad_hook(lambda w: print(w.grad))   # after w.grad is final

A hook may return nothing (the gradient is kept), a Tensor, a NumPy/CuPy array
or a Python number; what it returns must have the tensor's shape and a
floating dtype on the tensor's device, else `GraphError` names the hook and
both shapes. Nothing here keeps a tensor alive: the hooks live on the tensor
(a leaf) or on the node that made it.
"""
import numpy

from . import backend
from .errors import GraphError, ShapeError
from .tensor import Tensor, unwrap


class LeafHooks:
    """The hooks of one leaf tensor: on its gradient, and after that gradient is accumulated."""

    __slots__ = ("grad", "post_accumulate")

    def __init__(self):
        self.grad = []
        self.post_accumulate = []


# How many post-accumulate hooks exist anywhere (a count, not a list: it keeps nothing alive).
# While it is 0, backward skips the pre-pass that finds when each leaf's gradient is final.
post_accumulate_hooks = 0
# Set once a hook or retain_grad() is put on a non-leaf tensor (anywhere, ever): until then the backward
# sweep does not look for such hooks on each node.
non_leaf_hooks = False


class RemovableHandle:
    """Returned by register_*_hook; `remove()` unregisters the hook (twice is harmless)."""

    def __init__(self, hooks, hook, counted=False):
        self.hooks, self.hook, self.counted = hooks, hook, counted

    def remove(self):
        global post_accumulate_hooks
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)
            if self.counted:
                post_accumulate_hooks -= 1


def register_hook(tensor, hook):
    if not tensor.requires_grad:
        raise GraphError("register_hook: cannot register a hook on a tensor that does not require grad")
    if tensor.creator is None:
        if tensor._hooks is None:
            tensor._hooks = LeafHooks()
        hooks = tensor._hooks.grad
    else:
        global non_leaf_hooks
        non_leaf_hooks = True
        node = tensor.creator
        if node._output_hooks is None:
            node._output_hooks = {}
        hooks = node._output_hooks.setdefault(tensor.output_index, [])
    hooks.append(hook)
    return RemovableHandle(hooks, hook)


def register_post_accumulate_grad_hook(tensor, hook):
    global post_accumulate_hooks
    if tensor.creator is not None or not tensor.requires_grad:
        raise GraphError("register_post_accumulate_grad_hook: only a leaf that requires grad accumulates "
                         "a gradient")
    if tensor._hooks is None:
        tensor._hooks = LeafHooks()
    tensor._hooks.post_accumulate.append(hook)
    post_accumulate_hooks += 1
    return RemovableHandle(tensor._hooks.post_accumulate, hook, counted=True)


def run_grad_hooks(hooks, grad, create_graph):
    """Pass `grad` through each hook in turn; returns the final gradient (array, or Tensor under create_graph)."""
    for hook in hooks:
        result = hook(grad if create_graph else Tensor._from_op(grad, None, 0))
        if result is not None:
            grad = checked_gradient(result, grad, f"hook {_name(hook)}", create_graph)
    return grad


def checked_gradient(value, like, source, create_graph):
    """`value` (a Tensor, an array or a number) as a gradient in place of `like` (same shape, floating
    dtype, same device), or GraphError saying why not."""
    like = unwrap(like)
    if isinstance(value, Tensor):
        array = value.data
    elif isinstance(value, (int, float, numpy.generic)):
        array = backend.as_array(numpy.asarray(value, dtype=like.dtype), device=backend.device_of(like))
    elif isinstance(value, numpy.ndarray) or backend.is_cupy_array(value):
        array = value
    else:
        raise GraphError(f"{source} returned a {type(value).__name__}; a gradient must be a Tensor, an "
                         f"array or a number")
    if tuple(array.shape) != tuple(like.shape):
        raise ShapeError(f"{source} returned a gradient of shape {tuple(array.shape)} for a tensor of "
                         f"shape {tuple(like.shape)}")
    if array.dtype.kind != "f":
        raise GraphError(f"{source} returned a gradient of dtype {array.dtype}; it must be floating-point "
                         f"like the tensor ({like.dtype})")
    if backend.device_of(array) != backend.device_of(like):
        raise GraphError(f"{source} returned a gradient on {backend.device_of(array)} for a tensor on "
                         f"{backend.device_of(like)}")
    if create_graph:
        return value if isinstance(value, Tensor) else Tensor._from_op(array, None, 0)
    return array


def _name(hook):
    return getattr(hook, "__qualname__", None) or repr(hook)
