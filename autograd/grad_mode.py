"""Grad mode: whether ops record graph nodes, per thread (as in PyTorch).

Each thread (and each asyncio task) has its own mode, kept in a ContextVar, so
one thread's `no_grad()` or `backward()` never switches recording off for
another thread training its own model.

    >>> with autograd.no_grad():
    ...     y = x * 2                 # y.requires_grad is False; other threads still record
"""
import contextvars
import functools
import inspect

_enabled = contextvars.ContextVar("autograd_grad_enabled", default=True)
is_grad_enabled = _enabled.get   # read by every op call: a bound method, no wrapper


class set_grad_enabled:
    """Switch recording on or off: as a call, a context manager or a decorator.

    >>> autograd.set_grad_enabled(False)          # for this thread, until switched back
    >>> with autograd.set_grad_enabled(True): ...
    """

    def __init__(self, mode):
        self.mode = bool(mode)
        self._restore = []
        self._before = _enabled.get()
        _enabled.set(self.mode)   # as a plain call it takes effect at once, like torch's

    def __enter__(self):
        before, self._before = (self._before if self._before is not None else _enabled.get()), None
        self._restore.append(before)
        _enabled.set(self.mode)
        return self

    def __exit__(self, *exc):
        _enabled.set(self._restore.pop())
        return False

    def __call__(self, function):
        if self._before is not None:   # used as a decorator: the mode applies inside calls only
            _enabled.set(self._before)
            self._before = None
        return _decorate(function, self.mode)


class no_grad(set_grad_enabled):
    """Record nothing inside: for evaluation and parameter updates.

    >>> with autograd.no_grad():
    ...     w -= lr * w.grad                # an in-place update, not part of any graph
    """

    def __init__(self):
        self.mode, self._restore, self._before = False, [], None


class enable_grad(set_grad_enabled):
    """Record again inside a `no_grad` block."""

    def __init__(self):
        self.mode, self._restore, self._before = True, [], None


def _decorate(function, mode):
    """Run `function` under `mode`; a generator runs each of its steps under it (not just its creation)."""
    if inspect.isgeneratorfunction(function):
        @functools.wraps(function)
        def generator_wrapper(*args, **kwargs):
            generator = function(*args, **kwargs)
            resume, value = generator.send, None
            while True:
                token = _enabled.set(mode)
                try:
                    response = resume(value)
                except StopIteration as stop:
                    return stop.value
                finally:
                    _enabled.reset(token)
                try:
                    resume, value = generator.send, (yield response)
                except GeneratorExit:
                    generator.close()
                    raise
                except BaseException as error:   # thrown in by the caller: pass it on, under the mode
                    resume, value = generator.throw, error
        return generator_wrapper

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        token = _enabled.set(mode)
        try:
            return function(*args, **kwargs)
        finally:
            _enabled.reset(token)
    return wrapper
