"""The core's import structure: dependencies point down, and no module imports one above it.

    backend, errors  <-  tensor, grad_mode  <-  hooks, anomaly  <-  graph  <-  ops, creation  <-  tensor_methods

Imports inside functions count too: a lazy import is still a cycle for the reader.
"""
import ast
import os

import autograd

PACKAGE = os.path.dirname(autograd.__file__)
CORE = ("errors", "backend", "tensor", "grad_mode", "hooks", "anomaly", "graph", "creation", "ops",
        "tensor_methods")


def _module_of(path):
    relative = os.path.relpath(path, PACKAGE)[:-3].replace(os.sep, ".")
    return relative[: -len(".__init__")] if relative.endswith(".__init__") else relative


def _core_name(module):
    """'ops.shape' -> 'ops', 'backend.kernels' -> 'backend', 'nn.layers' -> None (not core)."""
    top = module.split(".")[0]
    return top if top in CORE else None


def _imports(path, module):
    """Every autograd module `path` imports, anywhere in the file, as dotted names inside the package."""
    tree = ast.parse(open(path, encoding="utf-8").read())
    package = module.split(".") if os.path.basename(path) == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                found.add(target)
                if not node.module:
                    found.update(".".join(base + [alias.name]) for alias in node.names)
            elif node.module and node.module.startswith("autograd."):
                found.add(node.module[len("autograd."):])
        elif isinstance(node, ast.Import):
            found.update(a.name[len("autograd."):] for a in node.names if a.name.startswith("autograd."))
    return {f for f in found if f}


def core_graph():
    edges = {}
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                module = _module_of(path)
                source = _core_name(module)
                if source is None:
                    continue
                for target in _imports(path, module):
                    target_core = _core_name(target)
                    if target_core is not None and target_core != source:
                        edges.setdefault(source, set()).add(target_core)
    return edges


def test_core_modules_have_no_import_cycle():
    edges = core_graph()
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                raise AssertionError("import cycle among core modules: " + " -> ".join(path + [nxt]))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])


def test_the_engine_sits_below_the_ops_and_the_wiring():
    edges = core_graph()
    assert not edges.get("tensor", set()) & {"graph", "ops", "tensor_methods", "creation"}
    assert not edges.get("graph", set()) & {"ops", "tensor_methods", "creation"}
    assert "tensor_methods" not in set().union(*edges.values())   # only the package's __init__ imports it


def test_the_core_imports_no_layer_above_it():
    """nn, optim, data, text and viz are built on the core, never the other way round (Tensor.draw,
    the one exception, imports viz when called: the wiring is the top of the core)."""
    above = ("nn", "optim", "data", "datasets", "text", "viz", "training", "distributed")
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            path = os.path.join(folder, name)
            module = _module_of(path) if name.endswith(".py") else None
            if module is None or _core_name(module) is None:
                continue
            wrong = {t for t in _imports(path, module) if t.split(".")[0] in above}
            if module == "tensor_methods":
                wrong -= {"viz"}
            assert not wrong, f"{module} imports {sorted(wrong)}, which are built on the core"


def test_the_check_finds_a_cycle(tmp_path, monkeypatch):
    """The cycle check can fail: a graph.py that imports ops is reported."""
    monkeypatch.setattr(__import__(__name__), "core_graph", lambda: {"graph": {"ops"}, "ops": {"graph"}})
    try:
        test_core_modules_have_no_import_cycle()
    except AssertionError as error:
        assert "graph -> ops -> graph" in str(error)
    else:
        raise AssertionError("the cycle was not found")
