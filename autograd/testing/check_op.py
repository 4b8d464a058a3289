"""`check_op` and `op_tests`: the battery the project's own ops get, for your op.

    >>> report = check_op(MySin.apply, reference=numpy.sin)   # raises OpCheckError, or:
    >>> print(report)                                          # check_op(MySin): 31 checks passed ... in 0.2 s

    >>> test_my_sin = op_tests(MySin.apply, reference=numpy.sin)   # in a test file: one pytest test per check

The op is described by the same declaration the project uses for its own ops
(`OpInfo` in autograd/ops/registry.py); `check_op` builds one from its keyword
arguments, or takes an OpInfo as it is.
"""
import inspect
import time
from dataclasses import dataclass, field

import numpy

from ..errors import ArgumentError
from ..graph import Function
from ..ops.registry import OpInfo, Sample, ErrorInput  # noqa: F401  (ErrorInput: re-exported for users)
from .battery import SkipCheck, cases

# Sample shapes when none are given: one op input, or n same-shaped ones (broadcasting has its own check).
DEFAULT_SHAPES = [(3,), (2, 3), (2, 1, 4), ()]


@dataclass
class CheckReport:
    """What `check_op` ran: the ids of the passed checks, the skipped ones with why, and the time."""

    op: str
    passed: list = field(default_factory=list)
    skipped: list = field(default_factory=list)   # (check id, reason)
    seconds: float = 0.0

    def __str__(self):
        text = f"check_op({self.op}): {len(self.passed)} checks passed"
        if self.skipped:
            reasons = sorted({reason for _, reason in self.skipped})
            text += f", {len(self.skipped)} skipped ({'; '.join(reasons)})"
        return text + f" in {self.seconds:.2f} s"


def check_op(function, *, reference=None, samples=None, shapes=None, arity=1, twice_differentiable=True,
             error_inputs=None, devices=("cpu",), atol=1e-5, rtol=1e-3, name=None, differentiable=True,
             preserves_dtype=True, inplace=None, shaped=None, domain=(-2.0, 2.0), seed=1234):
    """Run every check of the project's op battery on `function`; return a CheckReport or raise OpCheckError.

    function: the op, taking tensors (a Function subclass is called through `.apply`), or an OpInfo.
    reference: a NumPy function computing the same forward, or None to skip that check.
    samples: the inputs to check on: a list of Samples, of argument tuples or of arrays, or a function
        rng -> list; by default random values in `domain` with the shapes in `shapes`.
    shapes: the input shapes of the default samples (tuples of `arity` shapes for several inputs).
    With neither `samples` nor `shapes` the op is taken to accept any shapes (like an elementwise op):
    then hypothesis also draws shapes for it and, for several inputs, broadcasting shapes are checked.
    `shaped` (rng, *shapes) -> Sample does the same for an op with a restricted domain.
    error_inputs: ErrorInputs (or rng -> list of them): calls that must raise the given error.
    inplace: the in-place variant, e.g. `lambda x, y: x.add_(y)`, checked against the op.
    devices: 'cpu' and/or 'cuda'; a device that is not available is skipped (and reported).

    Checks: forward, gradcheck, gradgradcheck, float32, no_grad, frees_saved, inplace,
    broadcasting, drawn_shapes, error_input; each on every sample and device.
    """
    info = declaration(function, reference=reference, samples=samples, shapes=shapes, arity=arity,
                       twice_differentiable=twice_differentiable, error_inputs=error_inputs, atol=atol,
                       rtol=rtol, name=name, differentiable=differentiable, preserves_dtype=preserves_dtype,
                       inplace=inplace, shaped=shaped, domain=domain)
    report = CheckReport(info.name)
    start = time.perf_counter()
    for case in cases(info, devices, seed):
        try:
            case.run()
        except SkipCheck as why:
            report.skipped.append((case.id, str(why)))
        else:
            report.passed.append(case.id)
    report.seconds = time.perf_counter() - start
    return report


def op_tests(function, *, devices=("cpu",), seed=1234, **options):
    """The same battery as a pytest test function, one test id per check, sample and device.

    >>> test_my_sin = op_tests(MySin.apply, reference=numpy.sin)    # test_my_sin[gradcheck-2-cpu], ...

    Takes check_op's arguments. A 'cuda' device's tests are marked `pytest.mark.cuda`.
    """
    import pytest

    info = declaration(function, **options)
    params = [pytest.param(case, id=case.id, marks=[pytest.mark.cuda] if case.device != "cpu" else [])
              for case in cases(info, devices, seed)]

    @pytest.mark.parametrize("case", params)
    def test_op(case):
        try:
            case.run()
        except SkipCheck as why:
            pytest.skip(str(why))

    test_op.__name__ = test_op.__qualname__ = f"test_{info.name}"
    test_op.__doc__ = f"The op battery (autograd.testing.check_op) on {info.name}."
    return test_op


# ---------------------------------------------------------------- from keyword arguments to a declaration


def declaration(function, *, reference=None, samples=None, shapes=None, arity=1, twice_differentiable=True,
                error_inputs=None, atol=1e-5, rtol=1e-3, name=None, differentiable=True, preserves_dtype=True,
                inplace=None, shaped=None, domain=(-2.0, 2.0)):
    """The OpInfo that check_op's arguments describe (an OpInfo is returned as it is)."""
    if isinstance(function, OpInfo):
        given = dict(reference=reference, samples=samples, shapes=shapes, arity=arity,
                     twice_differentiable=twice_differentiable, error_inputs=error_inputs, atol=atol, rtol=rtol,
                     name=name, differentiable=differentiable, preserves_dtype=preserves_dtype, inplace=inplace,
                     shaped=shaped, domain=domain)
        defaults = inspect.signature(declaration).parameters
        changed = sorted(k for k, v in given.items() if v is not defaults[k].default and v != defaults[k].default)
        if changed:  # they would be ignored: say so rather than check something else than asked
            raise ArgumentError(f"check_op: {', '.join(changed)} cannot be combined with an OpInfo; "
                                "set them in the declaration")
        return function
    if isinstance(function, type) and issubclass(function, Function):
        name = name or function.__name__
        function = function.apply
    name = name or getattr(function, "__name__", "op")
    low, high = domain
    any_shape = samples is None and shapes is None
    if shaped is None and any_shape:
        def shaped(rng, *input_shapes):
            return Sample(tuple(rng.uniform(low, high, size=s) for s in input_shapes))
    return OpInfo(name, function, reference, _sample_maker(samples, shapes, arity, low, high),
                  shaped=shaped, arity=arity, differentiable=differentiable,
                  twice_differentiable=twice_differentiable, preserves_dtype=preserves_dtype, atol=atol, rtol=rtol,
                  error_inputs=error_inputs if error_inputs is None or callable(error_inputs)
                  else (lambda rng, given=list(error_inputs): given),
                  inplace=inplace)


def _sample_maker(samples, shapes, arity, low, high):
    """rng -> list of Samples, from what the user gave."""
    if callable(samples):
        return samples
    if samples is not None:
        given = [_as_sample(s) for s in samples]
        return lambda rng: given
    if shapes is None:
        shapes = DEFAULT_SHAPES if arity == 1 else [(s,) * arity for s in DEFAULT_SHAPES]
    shapes = [(s,) if arity == 1 else tuple(s) for s in shapes]
    return lambda rng: [Sample(tuple(rng.uniform(low, high, size=s) for s in group),
                               description=" and ".join(map(str, group))) for group in shapes]


def _as_sample(item):
    if isinstance(item, Sample):
        return item
    if isinstance(item, numpy.ndarray):
        return Sample((item,))
    return Sample(tuple(item))
