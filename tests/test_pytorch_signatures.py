"""Every public name that PyTorch also has takes PyTorch's signature: a generated check.

For each name in autograd's Tensor methods, autograd.*, autograd.nn.functional and
autograd.functional that torch also has (torch.Tensor, torch.*, torch.nn.functional,
torch.autograd.functional), the parameter names, their order and their defaults must
agree with PyTorch's (read with inspect, or from the signature line of the docstring
for PyTorch's C functions). Our signatures may accept more (an extra keyword such as
the `axis=` alias, a default where PyTorch has none); they may not rename, reorder or
change a default. The deliberate differences are listed in EXCEPTIONS, each with its reason.
"""
import ast
import inspect
import re

import pytest

import autograd
import autograd.functional
import autograd.nn.functional

torch = pytest.importorskip("torch")
import torch.autograd.functional  # noqa: E402
import torch.nn.functional  # noqa: E402

# PyTorch parameters that do not exist here at all (no dtype zoo, no layouts, no out= buffers).
NOT_MODELLED = {"out", "layout", "pin_memory", "memory_format", "generator", "names", "sparse_grad",
                "non_blocking", "copy"}

# The deliberate differences: (namespace, name) -> why.
EXCEPTIONS = {
    ("Tensor", "to"): "PyTorch's to(*args, **kwargs) has no signature to compare; ours is to(device, dtype)",
    ("Tensor", "size"): "checked by hand in test_pytorch_contract.py (PyTorch's docstring has no parameters)",
    ("Tensor", "backward"): "grad= is named gradient= in PyTorch; kept as the lead's engine API (positional use agrees)",
    ("Tensor", "max"): "max(other) (the elementwise maximum) is reached through dim=<a tensor>, not other=",
    ("Tensor", "min"): "min(other) is reached through dim=<a tensor>, not other=",
    ("torch", "max"): "max(input, other) is reached through dim=<a tensor>, not other=",
    ("torch", "min"): "min(input, other) is reached through dim=<a tensor>, not other=",
    ("Tensor", "register_hook"): "same parameter; PyTorch's is documented without a signature line",
    ("Tensor", "split"): "PyTorch's method names its first parameter split_size (the function: "
                         "split_size_or_sections); ours takes the function's name for both",
    ("torch", "logsumexp"): "dim defaults to None (all elements) where PyTorch requires it",
    ("Tensor", "logsumexp"): "dim defaults to None (all elements) where PyTorch requires it",
    ("torch", "randint"): "randint(low, high, size) only: PyTorch's randint(high, size) overload is not offered",
    ("torch", "embedding"): "torch.embedding(weight, indices) is an internal function; ours names the ids `indices`",
    ("torch", "dropout"): "torch.dropout(input, p, train) is an internal function; ours is F.dropout's "
                          "(input, p, training, inplace)",
    ("torch", "softmax"): "torch.softmax(input, dim, dtype): ours adds the keyword alias only",
    ("torch", "where"): "torch.where(condition) (nonzero) is not offered; the 3-argument form agrees",
    ("torch", "clip"): "the same as clamp; PyTorch documents clip without a signature line",
    ("torch", "concatenate"): "NumPy's concatenate(tensors, axis=0): PyTorch's alias has the same parameters",
    ("torch", "flatten"): "the same parameters; listed because torch's docstring shows flatten(input, start_dim, end_dim)",
    ("torch", "tensor"): "ours adds name=; PyTorch's data/dtype/device/requires_grad agree",
    ("torch", "pow"): "pow(self, exponent) with a number base is reached through autograd.pow(2.0, x)",
    ("torch", "sub"): "agrees; PyTorch documents sub with `other` and alpha",
    ("Tensor", "type_as"): "agrees; documented without a signature line",
    # PyTorch's docstring names a parameter differently from its real keyword (checked: the keyword works)
    ("Tensor", "matmul"): "PyTorch's docstring says tensor2; its keyword is other, as ours",
    ("Tensor", "bmm"): "PyTorch's docstring says batch2; its keyword is mat2, as ours",
    ("Tensor", "narrow"): "PyTorch's docstring says dimension; its keyword is dim, as ours",
    ("Tensor", "remainder"): "PyTorch's docstring says divisor; its keyword is other, as ours",
    ("Tensor", "where"): "PyTorch's docstring says y; its keyword is other, as ours",
    ("Tensor", "flip"): "flip(*dims): flip(0, 1) and flip((0, 1)) both work, as in PyTorch (documented as flip(dims))",
    ("Tensor", "tile"): "tile(*dims): tile(2, 1) and tile((2, 1)) both work, as in PyTorch (documented as tile(dims))",
    # the core's own API, owned by the engine (tensor.py / in-place writes); positional use agrees
    ("Tensor", "copy_"): "copy_(source): PyTorch's src (and non_blocking) - the in-place API of the core",
    ("Tensor", "div_"): "div_(other): PyTorch's value and rounding_mode - the in-place API of the core",
    ("Tensor", "mul_"): "mul_(other): PyTorch's value - the in-place API of the core",
    ("Tensor", "pow_"): "pow_(other): PyTorch's exponent - the in-place API of the core",
    ("Tensor", "requires_grad_"): "requires_grad_(flag): PyTorch's requires_grad - the core's data structure",
    ("Tensor", "numpy"): "numpy() has no force=: a CPU tensor's array is returned, a GPU one is copied",
    ("torch", "from_numpy"): "from_numpy(array): PyTorch's ndarray - the core's data structure",
    ("torch", "set_default_dtype"): "set_default_dtype(dtype): PyTorch's d",
    ("torch", "save"): "save(obj, path): safetensors or npz files, no pickle_module (another format than PyTorch's)",
    ("torch", "load"): "load(path): safetensors or npz files, no map_location or pickle (another format)",
}


def _tensor_methods():
    names = set()
    for name in dir(autograd.Tensor):
        if name.startswith("_") or not hasattr(torch.Tensor, name):
            continue
        if callable(getattr(autograd.Tensor, name, None)):
            names.add(name)
    return sorted(names)


def _functions(ours, theirs, names=None):
    names = names if names is not None else [n for n in dir(ours) if not n.startswith("_")]
    found = []
    for name in sorted(names):
        mine = getattr(ours, name, None)
        if (inspect.isfunction(mine) or inspect.isbuiltin(mine)) and hasattr(theirs, name) and \
                callable(getattr(theirs, name)):
            found.append(name)
    return found


CASES = ([("Tensor", n) for n in _tensor_methods()] +
         [("torch", n) for n in _functions(autograd, torch)] +
         [("F", n) for n in _functions(autograd.nn.functional, torch.nn.functional,
                                       autograd.nn.functional.__all__)] +
         [("autograd.functional", n) for n in _functions(autograd.functional, torch.autograd.functional,
                                                        autograd.functional.__all__)])

NAMESPACES = {"Tensor": (autograd.Tensor, torch.Tensor), "torch": (autograd, torch),
              "F": (autograd.nn.functional, torch.nn.functional),
              "autograd.functional": (autograd.functional, torch.autograd.functional)}


# ---------------------------------------------------------------- reading signatures

POSITIONAL, KEYWORD, VARARGS, VARKW = "positional", "keyword", "varargs", "varkw"
NO_DEFAULT = object()
UNKNOWN = object()   # a default that is not a literal (torch.strided, ...): not compared


def _literal(text):
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        return UNKNOWN


def _split_params(text):
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current)
    return [p.strip() for p in parts]


def _parse(text):
    """A docstring's parameter list as [(name, kind, default)]."""
    params, keyword_only = [], False
    for part in _split_params(text):
        if part == "*":
            keyword_only = True
            continue
        if part.startswith("**"):
            params.append((part[2:].split(":")[0].strip(), VARKW, NO_DEFAULT))
            continue
        if part.startswith("*"):
            params.append((part[1:].split(":")[0].strip(), VARARGS, NO_DEFAULT))
            keyword_only = True
            continue
        name, _, default = part.partition("=")
        name = name.split(":")[0].strip()
        params.append((name, KEYWORD if keyword_only else POSITIONAL,
                       _literal(default) if default else NO_DEFAULT))
    return params


def _from_inspect(function, drop_first):
    signature = inspect.signature(function)
    params = []
    for p in signature.parameters.values():
        kind = {p.POSITIONAL_ONLY: POSITIONAL, p.POSITIONAL_OR_KEYWORD: POSITIONAL, p.KEYWORD_ONLY: KEYWORD,
                p.VAR_POSITIONAL: VARARGS, p.VAR_KEYWORD: VARKW}[p.kind]
        params.append((p.name, kind, NO_DEFAULT if p.default is p.empty else p.default))
    return params[1:] if drop_first and params else params


def torch_overloads(namespace, name):
    """PyTorch's signatures of a name: one from inspect, or every signature line of its docstring."""
    theirs = getattr(NAMESPACES[namespace][1], name)
    try:
        return [_from_inspect(theirs, namespace == "Tensor")]
    except (ValueError, TypeError):
        pass
    doc = theirs.__doc__ or ""
    overloads = []
    for match in re.finditer(rf"^\s*(?:torch\.)?(?:Tensor\.)?{re.escape(name)}\((.*)$", doc, re.M):
        line = match.group(1).split("->")[0].replace("\\*", "*").rstrip()
        if line.endswith(")"):
            overloads.append(_parse(line[:-1]))
    return overloads


def our_signature(namespace, name):
    ours = getattr(NAMESPACES[namespace][0], name)
    if isinstance(ours, property):
        return None
    try:
        return _from_inspect(ours, namespace == "Tensor")
    except ValueError:  # a C function of ours (is_grad_enabled is a context variable's get)
        return None


# ---------------------------------------------------------------- comparing


def _problems(ours, theirs):
    theirs = [p for p in theirs if p[0] not in NOT_MODELLED and not p[0].startswith("_")]
    ours = [p for p in ours if not p[0].startswith("_")]
    problems = []
    our_positional = [p for p in ours if p[1] == POSITIONAL]
    by_name = {p[0]: p for p in ours}
    our_varargs = [p for p in ours if p[1] == VARARGS]
    position = 0
    for name, kind, default in theirs:
        if kind == VARARGS:
            if not our_varargs and not (position < len(our_positional)):
                problems.append(f"*{name}: no varargs")
            position = len(our_positional)
            continue
        if kind == VARKW:
            continue
        if kind == POSITIONAL:
            if position >= len(our_positional) or our_positional[position][0] != name:
                got = our_positional[position][0] if position < len(our_positional) else "nothing"
                problems.append(f"position {position}: PyTorch has {name!r}, ours {got!r}")
            position += 1
        elif name not in by_name:
            problems.append(f"keyword {name!r} is missing")
        mine = by_name.get(name)
        if mine is not None and default is not NO_DEFAULT and default is not UNKNOWN and mine[2] != default:
            problems.append(f"{name}: default {mine[2]!r}, PyTorch {default!r}")
    extra_required = [p[0] for p in our_positional[position:] if p[2] is NO_DEFAULT]
    if extra_required:
        problems.append(f"extra required parameters {extra_required}")
    return problems


@pytest.mark.parametrize("namespace, name", CASES, ids=[f"{ns}.{n}" for ns, n in CASES])
def test_signature_agrees_with_pytorch(namespace, name):
    if (namespace, name) in EXCEPTIONS:
        pytest.skip(EXCEPTIONS[(namespace, name)])
    ours = our_signature(namespace, name)
    overloads = [o for o in torch_overloads(namespace, name) if o is not None]
    if ours is None or not overloads:
        pytest.skip("PyTorch documents no signature for it")
    # PyTorch documents several overloads for many names (max(input), max(input, dim, keepdim)):
    # ours must agree with one of them, and with the fullest one where it takes as many parameters.
    results = [_problems(ours, o) for o in sorted(overloads, key=len, reverse=True)]
    assert any(not r for r in results), f"{namespace}.{name}: {results}"


def test_every_exception_is_still_needed_and_names_a_real_case():
    cases = set(CASES)
    stale = [key for key in EXCEPTIONS if key not in cases]
    assert not stale, f"exceptions for names that are no longer compared: {stale}"


def test_the_check_catches_a_renamed_or_reordered_parameter():
    theirs = _parse("input, dim, keepdim=False, *, dtype=None")
    assert _problems(_parse("input, dim=None, keepdim=False, *, dtype=None, axis=None"), theirs) == []
    assert _problems(_parse("input, axis, keepdim=False, *, dtype=None"), theirs)
    assert _problems(_parse("input, keepdim, dim, *, dtype=None"), theirs)
    assert _problems(_parse("input, dim, keepdim=True, *, dtype=None"), theirs)
    assert _problems(_parse("input, dim, keepdim=False"), theirs)   # dtype missing


def test_enough_names_are_compared():
    assert len(CASES) > 150
