"""Every error the library raises on purpose is its own (an AutogradError subclass).

The test reads the package's source (ast) and fails on any `raise` of a
built-in exception class, outside a short allow-list where Python itself
decides the type. A re-raise (`raise`, `raise error`) is not a new error and is
not checked. The library's classes may also derive from a built-in one
(ShapeError is a ValueError), so `except ValueError` keeps working.
"""
import ast
import builtins
import pathlib

import autograd

PACKAGE = pathlib.Path(autograd.__file__).parent
BUILTIN_EXCEPTIONS = {name for name, value in vars(builtins).items()
                      if isinstance(value, type) and issubclass(value, BaseException)}

# (file, enclosing function, exception): why a built-in is right there
ALLOWED = {
    ("nn/module.py", "Module.__setattr__", "AttributeError"):
        "Python's attribute protocol: hasattr()/getattr() expect AttributeError",
    ("tensor.py", "Tensor.__len__", "TypeError"): "len() of an unsized object raises TypeError, as for NumPy arrays",
    ("tensor.py", "Tensor.__bool__", "ValueError"): "bool() of an array is a ValueError in NumPy; kept the same",
    ("tensor.py", "Tensor.__index__", "TypeError"): "operator.index() protocol: a non-integer must raise TypeError",
    ("serialization.py", "_raise_on_sigterm.terminate", "SystemExit"):
        "SIGTERM during a save ends the program as the default handler would, after the temporary file is removed",
    ("testing/__init__.py", "__getattr__", "AttributeError"): "a module's __getattr__ protocol (PEP 562)",
    ("__init__.py", "__getattr__", "AttributeError"): "a module's __getattr__ protocol (PEP 562): lazy sub-packages",
    ("ops/linalg.py", "MatMul.forward", "ValueError"):
        "raised inside forward for the engine, which turns it into a ShapeError naming MatMul and both shapes",
}


# Whole files where one built-in is the protocol: autograd.testing's checks fail with AssertionError,
# as pytest expects, and Case.run reports each as an OpCheckError (an AssertionError too).
ALLOWED_IN_FILE = {("testing/battery.py", "AssertionError"): "a failed check, reported by Case.run as OpCheckError",
                   # the CPU stand-in for CuPy (a test double) raises the built-in types CuPy raises, so that the
                   # library's handling of CuPy's errors (e.g. TypeError -> DeviceError) is what gets tested
                   **{("backend/emulation.py", name): "the CPU stand-in for CuPy raises what CuPy raises"
                      for name in ("TypeError", "ValueError", "AttributeError", "NotImplementedError")}}


def _is_abstract(function):
    """A method whose body is only (a docstring and) `raise NotImplementedError`: subclasses define it."""
    body = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return len(body) == 1 and isinstance(body[0], ast.Raise)


def raised_builtins():
    """(file, function, exception name, line) of every `raise BuiltinError(...)` in the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        relative = path.relative_to(PACKAGE).as_posix()

        def visit(node, scope):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    visit(child, scope + [child])
                    continue
                if isinstance(child, ast.Raise) and child.exc is not None:
                    target = child.exc.func if isinstance(child.exc, ast.Call) else child.exc
                    name = target.id if isinstance(target, ast.Name) else None
                    if name in BUILTIN_EXCEPTIONS:
                        functions = [s for s in scope if not isinstance(s, ast.ClassDef)]
                        if name == "NotImplementedError" and functions and _is_abstract(functions[-1]):
                            continue  # an abstract method
                        where = ".".join(s.name for s in scope)
                        found.append((relative, where, name, child.lineno))
                visit(child, scope)

        visit(tree, [])
    return found


def test_no_deliberate_builtin_exceptions():
    unexpected = [f"{file}:{line} {where} raises {name}" for file, where, name, line in raised_builtins()
                  if (file, where, name) not in ALLOWED and (file, name) not in ALLOWED_IN_FILE]
    assert not unexpected, "raise the library's own error (autograd/errors.py) instead:\n" + "\n".join(unexpected)


def test_the_allow_list_has_no_stale_entries():
    found = raised_builtins()
    present = {(file, where, name) for file, where, name, _ in found}
    assert sorted(set(ALLOWED) - present) == []
    assert sorted(set(ALLOWED_IN_FILE) - {(file, name) for file, _, name, _ in found}) == []


def test_the_scan_finds_a_builtin_raise(tmp_path, monkeypatch):
    """The scan itself can fail: a planted `raise ValueError` is reported."""
    planted = tmp_path / "autograd"
    planted.mkdir()
    (planted / "bad.py").write_text("def f(x):\n    raise ValueError('no')\n\n\nclass A:\n"
                                    "    def g(self):\n        raise NotImplementedError\n", encoding="utf-8")
    monkeypatch.setitem(globals(), "PACKAGE", planted)
    assert [(f, w, n) for f, w, n, _ in raised_builtins()] == [("bad.py", "f", "ValueError")]


def test_every_error_class_is_an_autograd_error_and_exported():
    from autograd import errors
    classes = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, BaseException)]
    assert all(issubclass(c, autograd.AutogradError) for c in classes)
    assert all(getattr(autograd, c.__name__) is c for c in classes)
