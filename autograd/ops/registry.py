"""Every op is declared once here; the test suite derives its checks from the declaration.

A declaration names the op, the function users call, an independent NumPy
reference of its forward, and a generator of sample inputs that are safe for
the op's domain (positive for log, away from kinks for abs and relu, ...).
From that, tests/test_ops.py generates for every op: forward against the
reference, gradcheck, gradgradcheck (when twice differentiable), a
broadcasting case and hypothesis-drawn shapes.

    >>> declare("exp", exp, numpy.exp, samples=unary_samples(-2, 2), shaped=unary_shaped(-2, 2))

Optional parts: `error_inputs` (calls that must be refused with the library's
error, as in PyTorch's OpInfo), `inplace` (the in-place variant, checked against
the op itself) and `formula` (the local derivative shown in diagrams when the op
is not a single Function with a `formula` attribute).
"""
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy

from ..errors import ArgumentError


@dataclass
class Sample:
    """One call of an op: float ndarrays in `args` become tensors that require grad."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    description: str = ""

    def __repr__(self):
        shapes = [getattr(a, "shape", a) for a in self.args]
        return f"Sample({self.description or shapes}, {self.kwargs})"


@dataclass
class ErrorInput:
    """A call the op must refuse: `sample` raises `error` (an AutogradError subclass) whose
    message matches the regular expression `match`, and no input tensor changes."""

    sample: Sample
    error: type
    match: str = ""


@dataclass
class OpInfo:
    name: str
    function: Callable                   # takes tensors (and settings), returns tensor(s)
    reference: Callable                  # takes arrays, returns the expected array(s)
    samples: Callable                    # rng -> list[Sample]
    shaped: Optional[Callable] = None    # (rng, *shapes) -> Sample, for hypothesis-drawn shapes
    arity: int = 1                       # how many mutually broadcastable shapes `shaped` takes
    differentiable: bool = True
    twice_differentiable: bool = True
    preserves_dtype: bool = True          # float32 in, float32 out (False for casts)
    atol: float = 1e-5
    rtol: float = 1e-3
    error_inputs: Optional[Callable] = None  # rng -> list[ErrorInput]: bad calls and the error each raises
    inplace: Optional[Callable] = None       # the in-place variant, e.g. lambda x, y: x.add_(y)
    formula: Optional[str] = None            # local derivative for diagrams, for ops without one Function


REGISTRY = {}


def declare(name, function, reference, samples, **options):
    """Register an op's declaration under its public name."""
    if name in REGISTRY:
        raise ArgumentError(f"op {name!r} is declared twice")
    REGISTRY[name] = OpInfo(name, function, reference, samples, **options)
    return REGISTRY[name]


# ---------------------------------------------------------------- sample helpers


def uniform(rng, shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape)


def away_from(rng, shape, points=(0.0,), low=-2.0, high=2.0, margin=0.1):
    """Uniform values, none within `margin` of a kink in `points` (for abs, relu, max...)."""
    x = rng.uniform(low, high, size=shape)
    for p in points:
        near = numpy.abs(x - p) < margin
        x = numpy.where(near, p + numpy.sign(x - p + 1e-12) * (margin + rng.uniform(0, margin, size=shape)), x)
    return x


def distinct(rng, shape, low=-2.0, high=2.0, gap=0.05):
    """Values that differ pairwise by at least `gap` (no ties for max/min/sort-like ops)."""
    n = int(numpy.prod(shape, dtype=numpy.int64))
    values = low + gap * rng.permutation(max(n, 1))[:n] + rng.uniform(0, gap / 4, size=n)
    return values.reshape(shape)


SHAPES = [(), (3,), (2, 3), (2, 1, 4)]


def unary_samples(low=-2.0, high=2.0, make=uniform, **kwargs):
    def samples(rng):
        return [Sample((make(rng, s, low=low, high=high),), dict(kwargs)) for s in SHAPES]

    return samples


def unary_shaped(low=-2.0, high=2.0, make=uniform, **kwargs):
    def shaped(rng, shape):
        return Sample((make(rng, shape, low=low, high=high),), dict(kwargs))

    return shaped


def binary_samples(low=-2.0, high=2.0, make=uniform, **kwargs):
    pairs = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 2)), ((4, 1, 3), (2, 1))]

    def samples(rng):
        return [Sample((make(rng, a, low=low, high=high), make(rng, b, low=low, high=high)), dict(kwargs),
                       f"{a} with {b}") for a, b in pairs]

    return samples


def binary_shaped(low=-2.0, high=2.0, make=uniform, **kwargs):
    def shaped(rng, shape_a, shape_b):
        return Sample((make(rng, shape_a, low=low, high=high), make(rng, shape_b, low=low, high=high)),
                      dict(kwargs))

    return shaped


def error_cases(*cases):
    """`error_inputs` from a table: each case is (args, kwargs, error type, message regex), where
    args[0] is the shape of a random input tensor and the other args are passed as given.

    >>> error_inputs=error_cases((([2, 3], 5), {}, IndexOutOfRangeError, "out of range"))
    """
    def make(rng):
        return [ErrorInput(Sample((uniform(rng, tuple(args[0])),) + tuple(args[1:]), dict(kwargs)), error, match)
                for args, kwargs, error, match in cases]
    make.cases = cases   # so that a table can be extended
    return make


# ---------------------------------------------------------------- error-input helpers


def mismatched_shapes(error, match=r"incompatible shapes \(3,\) and \(4,\)"):
    """For binary ops: operands of shapes (3,) and (4,), which do not broadcast."""
    def error_inputs(rng):
        return [ErrorInput(Sample((uniform(rng, (3,)), uniform(rng, (4,))), description="(3,) with (4,)"),
                           error, match)]

    return error_inputs


def string_input(error, match="dtype", **kwargs):
    """For elementwise ops: an array of strings, which no arithmetic accepts."""
    def error_inputs(rng):
        return [ErrorInput(Sample((numpy.array(["a", "b"]),), dict(kwargs), "strings"), error, match)]

    return error_inputs
