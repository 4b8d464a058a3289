"""The engine: graph nodes, grad mode and the backward pass, in one file.

Every differentiable operation is a `Function`. Calling one runs its `forward`
on raw arrays and, when a gradient is wanted, records the call as a node:

    x ──► [Function] ──► y          y.creator is the node, node.inputs == (x,)

A node holds its inputs strongly and its outputs only weakly, so an output and
the node that made it never form a reference cycle: dropping the last output
frees the whole graph at once.

`backward` walks the nodes reachable from the output in *decreasing creation
order*. A node's consumers were all created after it, so when a node is taken
from the heap every gradient flowing into it has already been summed: this is
a topological order, found without recursion (a 100,000-op chain is fine).

    >>> x = autograd.tensor(2.0, requires_grad=True)
    >>> (x * x + x).backward(); x.grad          # d(x²+x)/dx = 2x+1 = 5
"""
import heapq
import itertools
import sys
import weakref

import numpy

from . import backend
from .backend import numpy_namespace
from .errors import AutogradError, GraphError, ShapeError, DeviceError

# tensor.py imports this module and then fills these in (graph.Tensor = Tensor), once they exist.
Tensor = TensorDescription = None

# ---------------------------------------------------------------- grad mode


class GradMode:
    """Whether ops record nodes. Read by every op call, so it is a plain class attribute."""

    enabled = True


def is_grad_enabled():
    return GradMode.enabled


class set_grad_enabled:
    """Switch recording on or off; usable as a call, a context manager or a decorator.

    >>> with autograd.set_grad_enabled(False):
    ...     y = x * 2                       # y.requires_grad is False
    """

    def __init__(self, mode):
        self.previous = GradMode.enabled
        self.mode = bool(mode)
        GradMode.enabled = self.mode

    def __enter__(self):
        GradMode.enabled = self.mode  # a second `with` of the same object re-applies it
        return self

    def __exit__(self, *exc):
        GradMode.enabled = self.previous
        return False

    def __call__(self, function):
        import functools

        mode = self.mode
        GradMode.enabled = self.previous  # decorating must not change the mode now

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return function(*args, **kwargs)

        return wrapper


class no_grad(set_grad_enabled):
    """Record nothing inside: for evaluation and parameter updates.

    >>> with autograd.no_grad():
    ...     w -= lr * w.grad                  # not part of any graph
    """

    def __init__(self):
        self.previous = GradMode.enabled
        self.mode = False

    def __enter__(self):
        self.previous = GradMode.enabled
        GradMode.enabled = False
        return self

    def __call__(self, function):
        return set_grad_enabled.__call__(self, function)


class enable_grad(no_grad):
    """Record again inside a `no_grad` block."""

    def __init__(self):
        self.previous = GradMode.enabled
        self.mode = True

    def __enter__(self):
        self.previous = GradMode.enabled
        GradMode.enabled = True
        return self


# ---------------------------------------------------------------- nodes

_creation_counter = itertools.count()


class Function:
    """Base class of every op: subclass it to define a differentiable operation.

    `forward` receives arrays (NumPy or CuPy) and returns an array or a tuple of
    arrays. `backward` receives one gradient per output and returns one per
    input (None where an input needs none). Write backward with operators,
    array methods and `self.xp`: then it works on plain arrays and, under
    `create_graph=True`, on Tensors, which makes higher-order gradients free.

        >>> class Square(Function):
        ...     def forward(self, x):
        ...         self.save_for_backward(x)
        ...         return x * x
        ...     def backward(self, grad):
        ...         x, = self.saved_tensors
        ...         return 2 * x * grad
        >>> Square()(autograd.tensor([3.0], requires_grad=True))   # grad_fn=Square

    Non-tensor arguments (Python numbers, index tuples, ...) pass through to
    forward unchanged and get no gradient. Settings go to `__init__`.
    """

    inputs = ()            # the arguments of the call (tensors and constants)
    sequence_nr = -1       # creation order; larger means created later
    needs_input_grad = ()  # per input: does it want a gradient?
    xp = backend.numpy_namespace  # set by the engine before backward runs
    _saved = ()
    _outputs = ()          # weak references to the output tensors
    _released = False
    _create_graph = False
    _output_hooks = None   # {output index: [hook, ...]} for hooks on non-leaf tensors
    _retained = None       # {output index: weakref to a tensor that retains its grad}

    @property
    def name(self):
        """The op's name as shown in reprs and diagrams ('Mul', 'MatMul', ...)."""
        return type(self).__name__

    # ---- the two methods an op defines
    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, *grad_outputs):
        raise NotImplementedError(f"{self.name} has no backward")

    # ---- saving what backward needs
    def save_for_backward(self, *arrays):
        """Keep arrays for backward; freed after backward unless retain_graph=True."""
        self._saved = arrays

    @property
    def saved_tensors(self):
        """What forward saved: arrays, or under create_graph=True, tensors in the graph.

        In create_graph mode a saved input or output becomes that very tensor
        so that second derivatives flow through it; anything else saved (a mask,
        say) is a constant. An op whose backward needs a derived value to be
        differentiable must recompute it from inputs and outputs with `self.xp`.
        """
        if self._released:
            raise GraphError(_FREED_MESSAGE.format(name=self.name))
        if not self._create_graph:
            return self._saved
        return tuple(self._as_graph_tensor(a) for a in self._saved)

    @property
    def saved_arrays(self):
        """What forward saved, always as plain arrays: for masks and counts, which are constants."""
        return self._saved

    def _as_graph_tensor(self, array):
        if array is None or not hasattr(array, "shape"):
            return array
        for x in self.inputs:
            if isinstance(x, Tensor) and x.data is array:
                return x
        for ref in self._outputs:
            out = ref()
            if out is not None and out.data is array:
                return out
        return Tensor._from_op(array, None, 0)

    # ---- recording a call
    def __call__(self, *args):
        arrays = []
        needs_grad = []
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a.data)
                needs_grad.append(a.requires_grad)
            else:
                arrays.append(a if type(a) in _PYTHON_NUMBERS else _as_constant(a))
                needs_grad.append(False)
        try:
            outputs = self.forward(*arrays)
        except AutogradError:  # already ours, and already explained
            raise
        except (ValueError, TypeError) as error:
            raise _explain_failure(self, args, error) from error

        if isinstance(outputs, numpy.generic):
            outputs = self._scalar_output_as_array(outputs)

        if not (GradMode.enabled and True in needs_grad):
            self._saved = ()  # no backward will run: drop what forward saved
            if type(outputs) is tuple:
                return tuple([Tensor._from_op(y, None, 0) for y in outputs])
            return Tensor._from_op(outputs, None, 0)

        # Record the node: inputs strongly, outputs weakly (no cycle with the outputs).
        self.inputs = args
        self.needs_input_grad = needs_grad
        self.sequence_nr = next(_creation_counter)
        if type(outputs) is tuple:
            results = tuple([Tensor._from_op(y, self, i) for i, y in enumerate(outputs)])
            self._outputs = tuple([weakref.ref(t) for t in results])
            # an output nobody keeps may be gone by backward: remember enough to give it zero gradient
            self._output_templates = tuple((y.shape, y.dtype) for y in outputs)
            return results
        result = Tensor._from_op(outputs, self, 0)
        self._outputs = (weakref.ref(result),)
        return result

    def _scalar_output_as_array(self, scalar):
        """NumPy returns scalars for 0-d results; outputs must be arrays, also where saved."""
        array = backend.get_array_module(scalar).asarray(scalar)
        self._saved = tuple(array if a is scalar else a for a in self._saved)
        return array

    @classmethod
    def apply(cls, *args, **settings):
        """`Op.apply(x, y, axis=1)` is `Op(axis=1)(x, y)`, as in torch.autograd.Function."""
        return cls(**settings)(*args)

    def release(self):
        """Free what backward needed; the node can no longer run backward."""
        self._saved = ()
        self._released = True
        # Keep the graph's structure (for diagrams) but not the intermediate values.
        self.inputs = tuple([x if x.__class__ is not Tensor or x.creator is None else TensorDescription(x)
                             for x in self.inputs])

    def __repr__(self):
        return f"<{self.name} node #{self.sequence_nr}>"


_FREED_MESSAGE = ("Trying to backward through the graph a second time: the values saved by "
                  "{name} were freed after the first backward. Pass retain_graph=True to the "
                  "first backward() if you need to call it again.")


_PYTHON_NUMBERS = (float, int, bool)


def _as_constant(value):
    """Non-tensor arguments: NumPy scalars become Python numbers (so that a float32
    tensor times np.float64(2) stays float32), lists become arrays, the rest passes."""
    if isinstance(value, list):
        return backend.as_array(value)
    if hasattr(value, "ndim") and getattr(value, "ndim", 1) == 0 and hasattr(value, "item"):
        return value.item()
    return value


def _explain_failure(function, args, error):
    """Turn NumPy's broadcasting / device errors into our own, naming the op and shapes."""
    tensors = [a for a in args if isinstance(a, Tensor)]
    devices = {t.device for t in tensors}
    devices |= {backend.device_of(a) for a in args if hasattr(a, "shape") and not isinstance(a, Tensor)}
    if len(devices) > 1:
        return DeviceError(f"{function.name}: inputs are on different devices ({', '.join(sorted(devices))}); "
                           f"move them with .to(device) first")
    shapes = [tuple(a.shape) for a in args if hasattr(a, "shape")]
    if isinstance(error, ValueError) and len(shapes) >= 1:
        shown = " and ".join(str(s) for s in shapes)
        return ShapeError(f"{function.name}: incompatible shapes {shown} ({error})")
    return error


# ---------------------------------------------------------------- backward


def backward(roots, root_grads, retain_graph=False, create_graph=False, inputs=None):
    """Back-propagate from `roots` (tensors) seeded with `root_grads` (arrays or tensors).

    Without `inputs`, leaf gradients are accumulated into `.grad`. With
    `inputs` (used by `autograd.grad`), their gradients are returned instead and
    no `.grad` changes.
    """
    node_grads = {}    # node -> [gradient of each output], summed as they arrive
    leaf_grads = {}    # id(leaf) -> [leaf, summed gradient]
    heap = []          # (-sequence_nr, node): the latest-created node comes out first

    def send(tensor, grad):
        """Add `grad` to what `tensor` has received so far."""
        node = tensor.creator
        if node is None:  # a leaf: its gradient goes to .grad at the end
            entry = leaf_grads.get(id(tensor))
            if entry is None:
                leaf_grads[id(tensor)] = [tensor, grad]
            else:
                entry[1] = entry[1] + grad
            return
        slots = node_grads.get(node)
        if slots is None:  # first gradient reaching this node: schedule it
            slots = node_grads[node] = [None] * len(node._outputs)
            heapq.heappush(heap, (-node.sequence_nr, node))
        index = tensor.output_index
        slots[index] = grad if slots[index] is None else slots[index] + grad

    wanted = {}  # for autograd.grad: node -> [(output index, position in `inputs`)]
    captured = {}
    for position, t in enumerate(inputs or ()):
        if t.creator is not None:
            wanted.setdefault(t.creator, []).append((t.output_index, position))

    for root, grad in zip(roots, root_grads):
        send(root, grad)

    from . import ops  # the namespace of differentiable functions, used under create_graph
    with set_grad_enabled(create_graph):
        while heap:
            node = heapq.heappop(heap)[1]
            grads = node_grads.pop(node)
            if node._released:
                raise GraphError(_FREED_MESSAGE.format(name=node.name))
            if node._output_hooks or node._retained:
                grads = _apply_output_hooks(node, grads, create_graph)
            if wanted and node in wanted:
                for index, position in wanted[node]:
                    captured[position] = grads[index]
            if len(grads) > 1 and any(g is None for g in grads):
                grads = _fill_missing_grads(node, grads)

            # Backward formulas run on arrays, or on tensors when building a graph of the backward.
            node._create_graph = create_graph
            g = grads[0]
            node.xp = ops if create_graph else numpy_namespace if type(g) is numpy.ndarray else backend.namespace(g)
            input_grads = node.backward(*grads)
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
            if len(input_grads) != len(node.inputs):
                raise GraphError(f"{node.name}.backward returned {len(input_grads)} gradients "
                                 f"for {len(node.inputs)} inputs")

            for x, g, needed in zip(node.inputs, input_grads, node.needs_input_grad):
                if not needed or g is None:
                    continue
                if g.shape != x.data.shape:
                    raise ShapeError(f"{node.name}.backward returned a gradient of shape "
                                     f"{tuple(g.shape)} for an input of shape {x.shape}")
                producer = x.creator
                if producer is not None and len(producer._outputs) == 1:  # the common case, inlined
                    slots = node_grads.get(producer)
                    if slots is None:
                        node_grads[producer] = [g]
                        heapq.heappush(heap, (-producer.sequence_nr, producer))
                    else:
                        slots[0] = slots[0] + g
                else:
                    send(x, g)
            if not retain_graph:
                node.release()
        input_grads = g = None  # drop loop leftovers: they would count as other owners below

    if inputs is not None:
        for position, t in enumerate(inputs):
            if t.creator is None and id(t) in leaf_grads:
                captured[position] = _run_leaf_hooks(t, leaf_grads[id(t)][1], create_graph)
        return [_wrap_grad(captured.get(i), create_graph) for i in range(len(inputs))]

    for leaf, grad in leaf_grads.values():
        grad = _run_leaf_hooks(leaf, grad, create_graph)
        if create_graph:
            leaf.grad = grad if leaf.grad is None else leaf.grad + grad
        elif leaf.grad is None:
            if not _owned_by_engine(grad, leaf.data.dtype):  # shared: another tensor may hold it too
                grad = grad.astype(leaf.data.dtype, copy=True)
            leaf.grad = Tensor._from_op(grad, None, 0)
        else:
            leaf.grad.data += grad
    return None


def _owned_by_engine(grad, dtype):
    """Can this gradient array become `.grad` without a copy? (PyTorch's AccumulateGrad asks the same.)

    Only if nothing else refers to it: not a view of another array, and no other reference than
    the engine's own (in CPython 4: the leaf_grads entry, the loop variable, this function's
    argument and getrefcount's argument). A gradient shared by two leaves, kept by a retained
    graph or by a hook has more.
    """
    return (type(grad) is numpy.ndarray and grad.dtype == dtype and grad.base is None
            and grad.flags.writeable and sys.getrefcount(grad) <= 4)


def _wrap_grad(grad, create_graph):
    if grad is None or create_graph:
        return grad
    return Tensor._from_op(grad, None, 0)


def _run_leaf_hooks(leaf, grad, create_graph):
    for hook in leaf._hooks or ():
        result = hook(_wrap_grad(grad, create_graph))
        if result is not None:
            grad = result if create_graph else result.data
    return grad


def _apply_output_hooks(node, grads, create_graph):
    grads = list(grads)
    for index, hooks in (node._output_hooks or {}).items():
        for hook in hooks:
            if grads[index] is not None:
                result = hook(_wrap_grad(grads[index], create_graph))
                if result is not None:
                    grads[index] = result if create_graph else result.data
    for index, ref in (node._retained or {}).items():
        tensor = ref()
        if tensor is not None and grads[index] is not None:
            g = grads[index]
            tensor.grad = g if create_graph else Tensor._from_op(g.copy(), None, 0)
    return grads


def _fill_missing_grads(node, grads):
    """Outputs that received no gradient get zeros, so op authors never see None."""
    like = next(g for g in grads if g is not None)
    xp = backend.get_array_module(like.data if hasattr(like, "creator") else like)
    filled = []
    for g, (shape, dtype) in zip(grads, node._output_templates):
        if g is None:
            g = xp.zeros(shape, dtype)
            if node._create_graph:
                g = Tensor._from_op(g, None, 0)
        filled.append(g)
    return filled


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Gradients of `outputs` with respect to `inputs`, returned instead of stored in `.grad`.

    >>> x = autograd.tensor(3.0, requires_grad=True)
    >>> dy, = autograd.grad(x ** 3, [x], create_graph=True)     # 3x² = 27
    >>> d2y, = autograd.grad(dy, [x])                           # 6x  = 18
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if retain_graph is None:
        retain_graph = create_graph
    for t in inputs:
        if not t.requires_grad:
            raise GraphError("autograd.grad: an input does not require grad")
    seeds = [tensor_module.initial_grad(out, g, create_graph) for out, g in zip(outputs, grad_outputs)]
    results = backward(outputs, seeds, retain_graph, create_graph, inputs=inputs)
    for position, g in enumerate(results):
        if g is None and not allow_unused:
            raise GraphError(f"autograd.grad: input {position} was not used to compute the outputs "
                             "(pass allow_unused=True to get None for it)")
    return tuple(results)


# tensor.py hands over its classes (graph.Tensor, graph.TensorDescription) once they exist.
from . import tensor as tensor_module  # noqa: E402
