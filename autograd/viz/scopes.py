"""Which nn.Module call created which graph node, for boxing nodes by module.

Nodes are numbered in creation order (`sequence_nr`). While `autograd.viz` is
imported, every `Module.__call__` notes the range of numbers handed out during
its forward: a node whose number falls in that range was made inside that call.
Nothing is added to the nodes themselves. The record holds each module by a weak
reference and keeps only the latest calls, so it never keeps a model alive (a
dropped model's calls vanish with it), and training with viz imported costs two
counter reads per module call.

    >>> y = model(x)                            # records (first, last, model) and one entry per sub-module
    >>> calls_for([node.sequence_nr])           # [(first, last, module), ...]
"""
import collections
import contextlib
import weakref

from .. import graph

# (first sequence number, one past the last, weak reference to the module); newest last.
CALLS = collections.deque(maxlen=20000)


def _next_number():
    # The engine's counter only has to grow, so taking one number to read it is harmless.
    return next(graph.clock)


@contextlib.contextmanager
def module_call(module):
    first = _next_number()
    try:
        yield
    finally:
        try:
            reference = weakref.ref(module)
        except TypeError:  # a module class with __slots__ and no __weakref__: not recorded
            return
        CALLS.append((first, _next_number(), reference))


def install():
    """Record module calls from now on (done when autograd.viz is imported)."""
    from ..nn import module as nn_module  # viz reads nn; the core never imports it

    nn_module.set_call_scope(module_call)


def uninstall():
    from ..nn import module as nn_module

    nn_module.set_call_scope(None)


def calls_for(sequence_numbers):
    """The recorded module calls (still alive) that contain at least one of `sequence_numbers`."""
    if not sequence_numbers:
        return []
    low, high = min(sequence_numbers), max(sequence_numbers)
    calls = []
    for first, last, reference in list(CALLS):
        if first <= high and last > low:
            module = reference()
            if module is not None:
                calls.append((first, last, module))
    return calls
