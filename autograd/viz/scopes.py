"""Which nn.Module call created which graph node, for boxing nodes by module.

Nodes are numbered in creation order (`sequence_nr`). While `autograd.viz` is
imported, every `Module.__call__` notes the range of numbers handed out during
its forward: a node whose number falls in that range was made inside that call.
Nothing is added to the nodes themselves.

The record is keyed by the module through a weak reference, so it never keeps a
model alive (a dropped model's calls vanish with it), and it keeps only each
module's latest CALLS_PER_MODULE calls, so its size depends on the model, not on
how long it trains: memory stays flat over any number of steps. Training with
viz imported costs two counter reads per module call.

    >>> y = model(x)                            # records (first, last) for model and each sub-module
    >>> calls_for([node.sequence_nr])           # [(first, last, module), ...]
"""
import collections
import contextlib
import weakref

from .. import graph

# A diagram shows one graph; a module called more often than this within one graph (a cell
# stepped over a long sequence) loses the boxes of its oldest calls, nothing else.
CALLS_PER_MODULE = 256

# module (weakly) -> deque of (first sequence number, one past the last), newest last
CALLS = weakref.WeakKeyDictionary()


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
            calls = CALLS.get(module)
            if calls is None:
                calls = CALLS[module] = collections.deque(maxlen=CALLS_PER_MODULE)
        except TypeError:  # a module class without weak references (__slots__): not recorded
            return
        calls.append((first, _next_number()))


def install():
    """Record module calls from now on (done when autograd.viz is imported)."""
    from ..nn import module as nn_module  # viz reads nn; the core never imports it

    nn_module.set_call_scope(module_call)


def uninstall():
    from ..nn import module as nn_module

    nn_module.set_call_scope(None)


def calls_for(sequence_numbers):
    """The recorded calls of live modules that contain at least one of `sequence_numbers`."""
    if not sequence_numbers:
        return []
    low, high = min(sequence_numbers), max(sequence_numbers)
    found = []
    for module, calls in list(CALLS.items()):
        found.extend((first, last, module) for first, last in calls if first <= high and last > low)
    return sorted(found, key=lambda call: call[0])
