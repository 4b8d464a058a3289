"""The engine: graph nodes, recording, the backward sweep and grad().

Every differentiable operation is a `Function`. Calling one runs its `forward`
on raw arrays and, when a gradient is wanted, records the call as a node:

    x ──► [Function] ──► y          y.creator is the node, node.inputs == (x,)

A node holds its inputs strongly and its outputs only weakly, so an output and
the node that made it never form a reference cycle: dropping the last output
frees the whole graph at once.

`backward` is a sweep over the nodes reachable from the output in *decreasing
creation order*, then a deposit of the gradients into the leaves' `.grad`. A
node's consumers were all created after it, so when a node is taken from the
heap every gradient flowing into it has already been summed: this is a
topological order, found without recursion (a 100,000-op chain is fine).

    >>> x = autograd.tensor(2.0, requires_grad=True)
    >>> (x * x + x).backward(); x.grad          # d(x²+x)/dx = 2x+1 = 5

This module sits on tensor.py, grad_mode.py, hooks.py and the backend, and on
nothing above them: ops are built on it, and tensor_methods.py wires both onto Tensor.
"""
import gc
import heapq
import itertools
import weakref

import numpy

from . import anomaly, backend, hooks
from .backend import numpy_namespace
from .errors import AutogradError, ArgumentError, GraphError, ShapeError, explain_op_failure
from .grad_mode import is_grad_enabled, set_grad_enabled
from .tensor import Tensor, TensorDescription, unwrap

# One clock for node creation and in-place writes: a tensor written after a node was created has
# a write time larger than the node's sequence_nr, which is how backward notices stale inputs.
clock = itertools.count()
last_write = [-1]   # the clock at the latest in-place write anywhere (backward checks nodes older than it)


# ---------------------------------------------------------------- nodes


class _SavedTensors:
    """`Function.saved_tensors` where forward saved nothing: an empty tuple, or, once the node was
    released after backward, the error saying why (a non-data descriptor: the attribute that
    `save_for_backward` sets on the node takes precedence over it).

    Under create_graph=True a saved input or output is, during backward, that very tensor, so that
    second derivatives flow through it; anything else saved (a mask, say) is a constant. An op whose
    backward needs a derived value to be differentiable recomputes it from inputs and outputs with
    `self.xp`.
    """

    def __get__(self, node, owner=None):
        if node is None:
            return self
        if getattr(node, "_released", False):   # (a node never called has no such slot yet)
            raise GraphError(_FREED_MESSAGE.format(name=node.name))
        return ()


class Function:
    """Base class of every op: subclass it to define a differentiable operation.

    `forward` receives arrays (NumPy or CuPy) and returns an array or a tuple of
    arrays. `backward` receives one gradient per output and returns one per
    input (None where an input needs none). Write both with operators, array
    methods and `self.xp` (NumPy or CuPy, chosen from the inputs' device): then
    backward works on plain arrays and, under `create_graph=True`, on Tensors
    (`self.xp` is then `autograd.ops`), which makes higher-order gradients free.

        >>> class Square(Function):
        ...     formula = "∂y/∂x = 2x"
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

    # Set when the call is recorded (slots: the engine's code reads them on nodes of every op class, where
    # Python cannot specialise a dictionary lookup to one class; a slot is found faster):
    #   inputs            the arguments of the call (tensors and constants)
    #   needs_input_grad  per input: does it want a gradient?
    #   sequence_nr       creation order; larger means created later
    #   _outputs          weak references to the output tensors
    #   _released         True once backward has freed what the node saved
    __slots__ = ("inputs", "needs_input_grad", "sequence_nr", "_outputs", "_released", "__dict__", "__weakref__")
    xp = numpy_namespace   # the array namespace: set from the inputs before forward, by the engine before backward
    formula = None         # the local derivative, shown in backward diagrams
    _saved = ()
    _create_graph = False
    _keep_saved = False    # set by the engine for a backward with retain_graph=True: then what forward saved
                           # must stay intact (otherwise a backward may reuse a saved buffer for its result,
                           # since the engine frees it right after)
    _output_hooks = None   # {output index: [hook, ...]} for hooks on non-leaf tensors
    _retained = None       # {output index: weakref to a tensor that retains its grad}
    _trace = None          # anomaly mode: where in the user's code the node was created

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
        # Two names for one tuple: `_saved` is the engine's (always arrays); `saved_tensors` is what
        # backward reads, a plain attribute so the hottest read of backward costs no call. Under
        # create_graph=True the engine puts graph tensors there for the duration of the backward call.
        self._saved = self.saved_tensors = arrays

    saved_tensors = _SavedTensors()   # answers only when nothing was saved, or after release

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
                data = a.data
                if type(data) is not _ndarray:  # CuPy (or its stand-in): its namespace
                    self.xp = backend.namespace(data)
                arrays.append(data)
                needs_grad.append(a.requires_grad)
            else:
                arrays.append(a if type(a) in _PYTHON_NUMBERS else _as_constant(a, self.name))
                needs_grad.append(False)
        try:
            # (spelled out for one and two inputs: Python runs a call with *arrays through a slower path)
            count = len(arrays)
            outputs = (self.forward(arrays[0]) if count == 1 else self.forward(arrays[0], arrays[1]) if count == 2
                       else self.forward(*arrays))
        except AutogradError:  # already ours, and already explained
            raise
        except (ValueError, TypeError, IndexError) as error:
            raise _explain_failure(self, args, error) from error

        single = type(outputs) is not tuple
        if single and type(outputs) is not _ndarray:
            outputs = self._output_as_array(outputs)

        if not (True in needs_grad and is_grad_enabled()):
            self._saved = self.saved_tensors = ()  # no backward will run: drop what forward saved
            if single:
                return Tensor._from_op(outputs, None, 0)
            return tuple([Tensor._from_op(y, None, 0) for y in outputs])

        # Record the node: inputs strongly, outputs weakly (no cycle with the outputs).
        self.inputs = args
        needs_grad = tuple(needs_grad)
        self.needs_input_grad = _NEEDS_INPUT_GRAD.get(needs_grad, needs_grad)
        self.sequence_nr = next(clock)
        self._released = False
        if anomaly.enabled:
            self._trace = anomaly.creation_trace()
        if single:   # Tensor._from_op, inlined: this is the hottest line of the library
            result = _new_tensor(Tensor)
            result.data = outputs   # (one assignment per line: `a.x, a.y = 1, 2` would build a tuple)
            result.grad = None
            result.creator = self
            result.output_index = 0
            result.requires_grad = True
            result.name = result._hooks = result._versions = None
            self._outputs = (weakref.ref(result),)
            return result
        results = tuple([Tensor._from_op(y, self, i) for i, y in enumerate(outputs)])
        self._outputs = tuple([weakref.ref(t) for t in results])
        # an output nobody keeps may be gone by backward: remember enough to give it zero gradient
        self._output_templates = tuple((y.shape, y.dtype) for y in outputs)
        return results

    def _output_as_array(self, output):
        """NumPy returns scalars for 0-d results (and a custom forward may return a number); outputs
        must be arrays, also where saved. CuPy arrays pass as they are."""
        if backend.is_cupy_array(output):
            return output
        array = backend.get_array_module(output).asarray(output)
        self._saved = self.saved_tensors = tuple(array if a is output else a for a in self._saved)
        return array

    @classmethod
    def apply(cls, *args, **settings):
        """`Op.apply(x, y, axis=1)` is `Op(axis=1)(x, y)`, as in torch.autograd.Function."""
        return cls(**settings)(*args)

    def release(self):
        """Free what backward needed; the node can no longer run backward."""
        if self._saved:
            del self.saved_tensors   # reading it now raises the freed-graph error
        self._saved = ()
        self._released = True
        # Keep the graph's structure (for diagrams) but not the intermediate values: an input made by
        # another op becomes its description (shape, dtype, name, creator, output index); leaves and
        # constants stay. Written out, not a call per input: this runs for every node.
        described = []
        for x in self.inputs:
            if x.__class__ is Tensor and x.creator is not None:
                data = x.data
                x = tuple.__new__(TensorDescription, (data.shape, data.dtype, x.name, x.creator, x.output_index))
            described.append(x)
        self.inputs = tuple(described)

    def __repr__(self):
        return f"<{self.name} node #{getattr(self, 'sequence_nr', '-')}>"   # (a node never called has none)


_FREED_MESSAGE = ("Trying to backward through the graph a second time: the values saved by "
                  "{name} were freed after the first backward. Pass retain_graph=True to the "
                  "first backward() if you need to call it again.")


def once_differentiable(backward):
    """Mark a hand-written backward (a fused op's) as differentiable once only.

    Under create_graph=True it still runs, on plain arrays, but its results are
    tensors whose own backward raises GraphError naming the op: a second
    derivative through it is refused, never silently zero.

        >>> class FusedOp(Function):
        ...     @once_differentiable
        ...     def backward(self, grad): ...
    """
    def run_once(self, *grads):
        if not self._create_graph:
            return backward(self, *grads)
        arrays = [unwrap(g) for g in grads]
        graph_saved = self.saved_tensors
        self._create_graph, self.saved_tensors = False, self._saved
        self.xp = backend.namespace(next(a for a in arrays if a is not None))
        try:
            results = backward(self, *arrays)
        finally:
            self._create_graph, self.saved_tensors = True, graph_saved
        single = type(results) is not tuple
        refusal = _NotTwiceDifferentiable(self.name)
        wrapped = tuple(None if r is None else refusal(Tensor._from_op(r, None, 0).requires_grad_(True))
                        for r in ((results,) if single else results))
        return wrapped[0] if single else wrapped

    run_once.__name__, run_once.__doc__ = backward.__name__, backward.__doc__
    run_once.once_differentiable = True
    return run_once


class _NotTwiceDifferentiable(Function):
    """Stands after a once-differentiable backward: differentiating through it is refused."""

    def __init__(self, op_name):
        self.op_name = op_name

    def forward(self, gradient):
        return gradient

    def backward(self, grad):
        raise GraphError(f"{self.op_name} is a fused op whose backward is differentiable once only; build it "
                         f"from elementary ops (e.g. fused=False) for higher-order gradients")


_PYTHON_NUMBERS = (float, int, bool)
_ndarray = numpy.ndarray   # read on every op call: a global, not an attribute of the numpy module
# The needs_input_grad tuples of ops with up to three inputs, shared by all nodes: one object fewer per
# node for the garbage collector to track (its passes over young objects are a large part of forward's cost).
_NEEDS_INPUT_GRAD = {flags: flags for flags in itertools.chain.from_iterable(
    itertools.product((False, True), repeat=n) for n in (1, 2, 3))}
_new_tensor = object.__new__


def _as_constant(value, op_name):
    """Non-tensor arguments: NumPy scalars become Python numbers (so that a float32 tensor
    times np.float64(2) stays float32), lists become arrays, the rest passes.
    A list holding tensors is refused: turning it into a constant would cut the graph."""
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, Tensor) for v in _flatten(value)):
            raise ArgumentError(f"{op_name}: got a {type(value).__name__} of tensors, which would become a "
                                f"constant; combine them with autograd.stack(...) or autograd.cat(...) first")
        return backend.as_array(value) if isinstance(value, list) else value
    if hasattr(value, "ndim") and getattr(value, "ndim", 1) == 0 and hasattr(value, "item"):
        return value.item()
    return value


def _flatten(items):
    for item in items:
        if isinstance(item, (list, tuple)):
            yield from _flatten(item)
        else:
            yield item


def _explain_failure(function, args, error):
    devices = {backend.device_of(unwrap(a)) for a in args if hasattr(a, "shape")}
    shapes = [tuple(a.shape) for a in args if hasattr(a, "shape")]
    return explain_op_failure(function.name, shapes, devices, error)


# ---------------------------------------------------------------- backward


def backward(roots, root_grads, retain_graph=False, create_graph=False, inputs=None, accumulate=False):
    """Back-propagate from `roots` (tensors) seeded with `root_grads` (arrays, or tensors under create_graph).

    Without `inputs`, leaf gradients are accumulated into `.grad`. With `inputs`
    (what `autograd.grad` uses), their gradients are returned instead and no
    `.grad` changes; with `accumulate` too (`backward(inputs=...)`), they are
    accumulated into those tensors' `.grad` only.
    """
    collecting = gc.isenabled()
    gc.disable()   # the graph has no cycles; collections set off by the sweep's allocations are wasted time
    try:
        sweep = _Sweep(roots, create_graph, retain_graph, inputs)
        for root, grad in zip(roots, root_grads):
            sweep.send(root, grad, foreign=True)
        sweep.run()
    finally:
        if collecting:
            gc.enable()
    if inputs is not None and not accumulate:
        return sweep.captured_grads(inputs)
    for tensor, grad in (sweep.leaf_grads.values() if inputs is None else sweep.reached(inputs)):
        sweep.deposit(tensor, grad)
    return None


class _Sweep:
    """One backward pass: gradients travel from node to node, latest-created first."""

    def __init__(self, roots, create_graph, retain_graph, inputs):
        self.create_graph, self.retain_graph = create_graph, retain_graph
        self.node_grads = {}   # node -> [gradient of each output], summed as they arrive
        self.leaf_grads = {}   # id(leaf) -> [leaf, summed gradient]
        self.heap = []         # (-sequence_nr, node): the latest-created node comes out first
        self.foreign = set()   # ids of arrays user code may hold (seeds, hook results): never taken as .grad
        self.owned = set()     # ids of arrays already made some leaf's .grad in this pass
        self.wanted = {}       # for autograd.grad: node -> [(output index, position in `inputs`)]
        self.captured = {}
        for position, t in enumerate(inputs or ()):
            if t.creator is not None:
                self.wanted.setdefault(t.creator, []).append((t.output_index, position))
        # Leaves with post-accumulate hooks get their .grad as soon as it is final: count their edges.
        self.pending = _leaf_edges(roots) if hooks.post_accumulate_hooks and inputs is None else None

    def send(self, tensor, grad, foreign=False):
        """Add `grad` to what `tensor` has received so far."""
        if foreign:
            self.foreign.add(id(grad))
        node = tensor.creator
        if node is None:  # a leaf: its gradient goes to .grad at the end (or once final)
            entry = self.leaf_grads.get(id(tensor))
            if entry is None:
                entry = self.leaf_grads[id(tensor)] = [tensor, grad]
            else:
                entry[1] = entry[1] + grad
            if self.pending is not None and id(tensor) in self.pending:
                self.pending[id(tensor)] -= 1
                if self.pending[id(tensor)] == 0:
                    del self.leaf_grads[id(tensor)]
                    self.foreign.add(id(entry[1]))  # later nodes may still read it: .grad gets a copy
                    self.deposit(tensor, entry[1])
            return
        slots = self.node_grads.get(node)
        if slots is None:  # first gradient reaching this node: schedule it
            slots = self.node_grads[node] = [None] * len(node._outputs)
            heapq.heappush(self.heap, (-node.sequence_nr, node))
        index = tensor.output_index
        slots[index] = grad if slots[index] is None else slots[index] + grad

    def run(self):
        create_graph, heap, node_grads, wanted = self.create_graph, self.heap, self.node_grads, self.wanted
        retain_graph = self.retain_graph
        with set_grad_enabled(create_graph):
            node = heapq.heappop(heap)[1] if heap else None
            while node is not None:
                grads = node_grads.pop(node)
                if node._released:
                    raise GraphError(_FREED_MESSAGE.format(name=node.name))
                if node.sequence_nr < last_write[0]:
                    _check_versions(node)
                if hooks.non_leaf_hooks and (node._output_hooks or node._retained):
                    grads = self._apply_output_hooks(node, grads)
                if wanted and node in wanted:
                    for index, position in wanted[node]:
                        self.captured[position] = grads[index]
                if len(grads) > 1 and any(g is None for g in grads):
                    grads = _fill_missing_grads(node, grads, create_graph)

                if create_graph:
                    input_grads = _backward_on_tensors(node, grads)
                else:
                    if type(grads[0]) is not _ndarray:
                        node.xp = backend.namespace(grads[0])
                    if retain_graph:
                        node._keep_saved = True
                    input_grads = node.backward(grads[0]) if len(grads) == 1 else node.backward(*grads)
                if type(input_grads) is not tuple:
                    input_grads = (input_grads,)
                if len(input_grads) != len(node.inputs):
                    raise GraphError(f"{node.name}.backward returned {len(input_grads)} gradients "
                                     f"for {len(node.inputs)} inputs")
                if anomaly.enabled:
                    anomaly.check_gradients(node, input_grads)

                # Pass each input its gradient. The single-output producer (the common case) is inlined,
                # and a producer that is the only node left to run is run next without the heap (a chain).
                following = None
                for x, g, needed in zip(node.inputs, input_grads, node.needs_input_grad):
                    if not needed or g is None:
                        continue
                    if type(g) is not _ndarray and not isinstance(g, Tensor) and not backend.is_cupy_array(g):
                        g = hooks.checked_gradient(g, x, f"{node.name}.backward", create_graph)
                    if g.shape != x.data.shape:
                        raise ShapeError(f"{node.name}.backward returned a gradient of shape "
                                         f"{tuple(g.shape)} for an input of shape {x.shape}")
                    producer = x.creator
                    if producer is not None and len(producer._outputs) == 1:
                        slots = node_grads.get(producer)
                        if slots is not None:
                            slots[0] = slots[0] + g
                        elif following is None and not heap:
                            node_grads[producer] = [g]
                            following = producer
                        else:
                            node_grads[producer] = [g]
                            heapq.heappush(heap, (-producer.sequence_nr, producer))
                    else:
                        self.send(x, g)
                if not retain_graph:
                    node.release()
                if following is not None:
                    if heap:   # another input scheduled more nodes: the heap decides the order
                        heapq.heappush(heap, (-following.sequence_nr, following))
                        node = heapq.heappop(heap)[1]
                    else:
                        node = following
                else:
                    node = heapq.heappop(heap)[1] if heap else None

    def _apply_output_hooks(self, node, grads):
        grads = list(grads)
        for index, node_hooks in (node._output_hooks or {}).items():
            if grads[index] is not None and node_hooks:
                grads[index] = hooks.run_grad_hooks(node_hooks, grads[index], self.create_graph)
                self.foreign.add(id(grads[index]))
        for index, ref in (node._retained or {}).items():
            tensor = ref()
            g = grads[index]
            if tensor is not None and g is not None:  # a retained grad accumulates, like a leaf's
                if self.create_graph:
                    tensor.grad = g if tensor.grad is None else tensor.grad + g
                elif tensor.grad is None:
                    tensor.grad = Tensor._from_op(g.copy(), None, 0)
                else:
                    tensor.grad.data += g
        return grads

    def deposit(self, leaf, grad):
        """Accumulate a final gradient into `leaf.grad`, after the leaf's hooks."""
        leaf_hooks = leaf._hooks
        if leaf_hooks is not None and leaf_hooks.grad:
            grad = hooks.run_grad_hooks(leaf_hooks.grad, grad, self.create_graph)
            self.foreign.add(id(grad))
        if self.create_graph:
            leaf.grad = grad if leaf.grad is None else leaf.grad + grad
        elif leaf.grad is None:
            if id(grad) in self.foreign or id(grad) in self.owned or not _fresh(grad, leaf.data.dtype):
                grad = grad.astype(leaf.data.dtype, copy=True)
            self.owned.add(id(grad))
            leaf.grad = Tensor._from_op(grad, None, 0)
        else:
            leaf.grad.data += grad
        if leaf_hooks is not None:
            for hook in list(leaf_hooks.post_accumulate):
                hook(leaf)

    def reached(self, inputs):
        """(tensor, its summed gradient) for each of `inputs` the pass reached, once each (hooks not yet run)."""
        seen = set()
        for position, t in enumerate(inputs):
            if t.creator is None:   # a leaf: what the sweep summed for it
                entry = self.leaf_grads.get(id(t))
                grad = None if entry is None else entry[1]
            else:                   # an intermediate: what its node received
                grad = self.captured.get(position)
            if grad is not None and id(t) not in seen:
                seen.add(id(t))
                yield t, grad

    def captured_grads(self, inputs):
        for position, t in enumerate(inputs):
            if t.creator is None and id(t) in self.leaf_grads:
                grad = self.leaf_grads[id(t)][1]
                if t._hooks is not None and t._hooks.grad:
                    grad = hooks.run_grad_hooks(t._hooks.grad, grad, self.create_graph)
                self.captured[position] = grad
        results = [self.captured.get(i) for i in range(len(inputs))]
        if self.create_graph:
            return results
        return [None if g is None else Tensor._from_op(g if id(g) not in self.foreign else g.copy(), None, 0)
                for g in results]


def _fresh(grad, dtype):
    """Can this gradient array become `.grad` as it is? Only a writeable NumPy array that owns its memory
    and has the leaf's dtype (views and broadcast results belong to other arrays). Arrays that user code
    may hold, or another leaf already took, were ruled out by the sweep; no reference counts are read."""
    return type(grad) is numpy.ndarray and grad.dtype == dtype and grad.base is None and grad.flags.writeable


def _leaf_edges(roots):
    """For the leaves with post-accumulate hooks: how many gradients each will receive in this pass."""
    counts, seen = {}, set()
    stack = []
    for r in roots:
        if r.creator is not None:
            stack.append(r.creator)
        elif r._hooks is not None and r._hooks.post_accumulate:
            counts[id(r)] = counts.get(id(r), 0) + 1
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for x, needed in zip(node.inputs, node.needs_input_grad):
            if not needed:
                continue
            if x.creator is not None:
                stack.append(x.creator)
            elif x._hooks is not None and x._hooks.post_accumulate:
                counts[id(x)] = counts.get(id(x), 0) + 1
    return counts


def _check_versions(node):
    """Raise if a tensor this node used was written in place after the node was created."""
    for position, x in enumerate(node.inputs):
        versions = getattr(x, "_versions", None)
        if versions is not None and versions.last > node.sequence_nr:
            _raise_stale(node, f"input {position}", x, versions)
    if node._saved:
        for position, ref in enumerate(node._outputs):
            out = ref()
            if out is not None and out._versions is not None and out._versions.last > node.sequence_nr:
                _raise_stale(node, f"output {position}", out, out._versions)


def _raise_stale(node, which, tensor, versions):
    name = f" '{tensor.name}'" if tensor.name else ""
    raise GraphError(f"{node.name}: its {which}{name} of shape {tuple(tensor.shape)} was modified by an in-place "
                     f"operation after {node.name} used it: it is at version {versions.count}, {node.name} used "
                     f"version {versions.at(node.sequence_nr)}. Clone it before the in-place op (x.clone()), or "
                     f"run backward first.")


def _backward_on_tensors(node, grads):
    """create_graph=True: run the node's backward on tensors, with `self.xp` = autograd.ops and the saved
    inputs and outputs as the graph's own tensors, so that backward is recorded (higher-order gradients)."""
    saved, xp = node._saved, node.xp
    node._create_graph, node.xp = True, Tensor.ops
    if saved:
        node.saved_tensors = tuple([node._as_graph_tensor(a) for a in saved])
    try:
        return node.backward(*grads)
    finally:
        node._create_graph, node.xp = False, xp
        if saved:
            node.saved_tensors = saved


def _fill_missing_grads(node, grads, create_graph):
    """Outputs that received no gradient get zeros, so op authors never see None."""
    like = next(g for g in grads if g is not None)
    xp = backend.get_array_module(unwrap(like))
    filled = []
    for g, (shape, dtype) in zip(grads, node._output_templates):
        if g is None:
            g = xp.zeros(shape, dtype)
            if create_graph:
                g = Tensor._from_op(g, None, 0)
        filled.append(g)
    return filled


# ---------------------------------------------------------------- entry points


def initial_grad(output, grad, create_graph):
    """The seed of backward: ones for a scalar, else the given `grad` (checked)."""
    if grad is None:
        if output.data.size != 1:
            raise GraphError(f"backward() on a non-scalar tensor of shape {output.shape} needs grad= "
                             "(a tensor of that shape), e.g. y.backward(autograd.ones_like(y))")
        seed = backend.get_array_module(output.data).ones_like(output.data)
    else:
        seed = grad.data if isinstance(grad, Tensor) else backend.as_array(grad, output.dtype, output.device)
        if seed.shape != output.shape:
            raise ShapeError(f"backward: grad has shape {seed.shape} but the output has shape {output.shape}")
    if create_graph:
        return grad if isinstance(grad, Tensor) else Tensor._from_op(seed, None, 0)
    return seed


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
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outputs):   # zip() below would drop the outputs without one
        raise ShapeError(f"autograd.grad: {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    if retain_graph is None:
        retain_graph = create_graph
    for position, t in enumerate(inputs):
        if not t.requires_grad:
            raise GraphError(f"autograd.grad: input {position} does not require grad")
    for position, out in enumerate(outputs):
        if not out.requires_grad:
            raise GraphError(f"autograd.grad: output {position} does not require grad (nothing it was "
                             f"computed from requires grad)")
    seeds = [initial_grad(out, g, create_graph) for out, g in zip(outputs, grad_outputs)]
    results = backward(outputs, seeds, retain_graph, create_graph, inputs=inputs)
    for position, g in enumerate(results):
        if g is None and not allow_unused:
            raise GraphError(f"autograd.grad: input {position} was not used to compute the outputs "
                             "(pass allow_unused=True to get None for it)")
    return tuple(results)
