"""Collect what a diagram shows: the tensors and op nodes behind some outputs.

A tensor is keyed by what it *is*, not by the Python object that holds it:
a leaf by its identity, any other tensor by (the node that made it, which
output). After a plain backward() a node keeps only a description of its
intermediate inputs, and two consumers then hold two descriptions of one tensor;
the key still makes them one box in the diagram.

    >>> g = collect([loss])
    >>> g.ops, g.tensors, g.edges        # nodes in creation order, tensors by key, (from, to) pairs
"""
from ..tensor import Tensor, TensorDescription


def tensor_key(t):
    if t.creator is None:
        return ("leaf", id(t))
    return ("tensor", id(t.creator), t.output_index)


def op_key(node):
    return ("op", id(node))


class GraphView:
    """The tensors, ops and edges reachable backwards from some outputs."""

    def __init__(self):
        self.tensors = {}     # key -> Tensor or TensorDescription (the most informative we met)
        self.ops = {}         # key -> Function
        self.constants = {}   # op key -> [(input position, value)] for non-tensor inputs
        self.edges = []       # (from key, to key, input position or None)
        self.outputs = []     # keys of the tensors asked for
        self.consumers = {}   # tensor key -> [op keys that use it]

    @property
    def size(self):
        return len(self.tensors) + len(self.ops)

    def ops_in_backward_order(self):
        """The order in which backward() visits the nodes: latest created first."""
        return sorted(self.ops.values(), key=lambda node: -node.sequence_nr)


def collect(outputs):
    """Walk from `outputs` (a tensor or a list) back to the leaves, without recursion."""
    outputs = [outputs] if isinstance(outputs, (Tensor, TensorDescription)) else list(outputs)
    view = GraphView()
    stack = []
    for out in outputs:
        key = tensor_key(out)
        view.outputs.append(key)
        view.tensors[key] = out
        stack.append(out)
    while stack:
        t = stack.pop()
        node = t.creator
        if node is None:
            continue
        okey = op_key(node)
        view.edges.append((okey, tensor_key(t), None))
        if okey in view.ops:
            continue
        view.ops[okey] = node
        for position, x in enumerate(node.inputs):
            if isinstance(x, (Tensor, TensorDescription)):
                key = tensor_key(x)
                known = view.tensors.get(key)
                if known is None or (isinstance(known, TensorDescription) and isinstance(x, Tensor)):
                    view.tensors[key] = x
                view.edges.append((key, okey, position))
                view.consumers.setdefault(key, []).append(okey)
                if known is None:
                    stack.append(x)
            elif x is not None:
                view.constants.setdefault(okey, []).append((position, x))
    view.edges = list(dict.fromkeys(view.edges))  # an output reached twice is one edge
    return view


def is_released(view):
    return any(getattr(node, "_released", False) for node in view.ops.values())


__all__ = ["collect", "GraphView", "tensor_key", "op_key", "is_released"]
