"""Diagrams at the edges: nothing kept alive, bounded layout, formats, graphviz's render(), the extra missing."""
import gc
import os
import pathlib
import subprocess
import sys
import textwrap
import weakref

import pytest

import autograd
from autograd import nn, viz
from autograd.graph import Function

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
needs_engine = pytest.mark.skipif(viz.layout_engine() is None, reason="no Graphviz layout engine")


def small_loss():
    a = autograd.tensor([1.0, 2.0], requires_grad=True, name="a")
    b = autograd.tensor([3.0, 4.0], requires_grad=True, name="b")
    return (a * b).sum()


def test_the_module_record_keeps_no_model_alive():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    model(autograd.randn(5, 3))
    alive = weakref.ref(model)
    layer = weakref.ref(model[0])
    del model
    gc.collect()
    assert alive() is None and layer() is None


def test_module_boxes_still_come_from_the_record():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
    out = model(autograd.randn(2, 3)).sum()
    assert "0: Linear" in viz.draw(out, model=model).source


def test_a_layout_over_its_time_budget_is_refused_with_the_way_out(tmp_path):
    slow = tmp_path / "slow-dot"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    with pytest.raises(viz.GraphTooLarge, match=r"collapse_modules=True.*max_nodes"):
        viz.run_layout("digraph { a -> b }", "svg", engine=str(slow), timeout=0.3)


@needs_engine
def test_an_unsupported_format_is_refused_before_any_file_is_created(tmp_path):
    target = tmp_path / "graph.tiff"
    with pytest.raises(viz.FormatNotSupported, match="tiff"):
        viz.draw(small_loss()).save(str(target))
    assert os.listdir(tmp_path) == []


@needs_engine
def test_pdf_is_written(tmp_path):
    pytest.importorskip("PIL")
    path = viz.draw(small_loss()).save(str(tmp_path / "graph.pdf"))
    assert pathlib.Path(path).read_bytes()[:5] == b"%PDF-" and os.listdir(tmp_path) == ["graph.pdf"]


@needs_engine
def test_render_takes_graphvizs_arguments(tmp_path):
    diagram = viz.draw(small_loss())
    written = diagram.render("graph", directory=str(tmp_path), format="svg")
    assert written == os.path.join(str(tmp_path), "graph.svg")
    assert pathlib.Path(written).read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert "digraph" in pathlib.Path(tmp_path / "graph").read_text(encoding="utf-8")
    again = diagram.render(str(tmp_path / "other"), format="png", cleanup=True)
    assert again.endswith("other.png") and not (tmp_path / "other").exists()


def test_a_custom_function_without_a_formula_shows_its_name():
    class Cube(Function):
        def forward(self, x):
            self.save_for_backward(x)
            return x ** 3

        def backward(self, grad):
            x, = self.saved_tensors
            return 3 * x * x * grad

    class Square(Cube):
        formula = "∂y/∂x = 2x"

    x = autograd.tensor([2.0], requires_grad=True, name="x")
    source = viz.draw(Square()(Cube()(x)), backward=True).source
    assert "<b>CubeBackward</b>>" in source  # the name alone, no placeholder formula
    assert "∂y/∂x = 2x" in source


def test_names_come_from_the_callers_variables_and_from_expressions():
    x = autograd.tensor([[1.0, 2.0]], name="x")
    W = autograd.tensor([[1.0], [0.5]], requires_grad=True, name="W")
    hidden = (x @ W).tanh() if hasattr(autograd.Tensor, "tanh") else autograd.tanh(x @ W)
    source = viz.draw(hidden.sum(), backward=True).source
    assert "<b>hidden</b>" in source and "<b>x@W</b>" in source and "∂L/∂hidden" not in source
    assert "∂hidden" not in viz.draw(hidden.sum(), infer_names=False).source


SUBPROCESS_WITHOUT_GRAPHVIZ = """
import sys
sys.modules["graphviz"] = None   # as if the viz extra were not installed
"""


def run_without_graphviz(code):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-c", SUBPROCESS_WITHOUT_GRAPHVIZ + textwrap.dedent(code)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_without_the_extra_viz_and_draw_name_the_install_command():
    result = run_without_graphviz("""
        import autograd
        from autograd.errors import AutogradError
        for attempt in (lambda: __import__("autograd.viz"), lambda: autograd.tensor([1.0], requires_grad=True).draw()):
            try:
                attempt()
            except AutogradError as error:
                print(type(error).__name__, error)
    """)
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert all(line.startswith("VizNotInstalled") and "pip install 'autograd-dag[viz]'" in line for line in lines)


def test_the_demo_writes_dot_without_graphviz(tmp_path):
    target = tmp_path / "xor.dot"
    result = run_without_graphviz(f"""
        from autograd.__main__ import main
        main(["--epochs", "20", "--graph", {str(target)!r}])
    """)
    assert result.returncode == 0, result.stderr
    assert pathlib.Path(target).read_text(encoding="utf-8").startswith("digraph")


def xor_diagram(**options):
    from autograd.__main__ import xor_data, make_parameters, forward

    x, t = xor_data()
    params = make_parameters(1)
    for name, p in params.items():
        p.name = name
    return viz.draw(forward(params, x, t)[1], show_values=True, show_grads=True, **options)


def test_a_long_chain_wraps_onto_rows():
    wrapped, single = xor_diagram(), xor_diagram(rankdir="LR")
    assert "rank=same" in wrapped.source and "rank=same" not in single.source


@needs_engine
def test_the_xor_diagram_keeps_a_page_shape():
    import re

    def size(diagram):
        svg = diagram.pipe(format="svg", encoding="utf-8")
        return tuple(float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())

    width, height = size(xor_diagram())
    single_width, single_height = size(xor_diagram(rankdir="LR"))
    assert width / height < 2 and single_width / single_height > 3  # about 1.4 against about 4.4
    assert width < 0.5 * single_width


def test_a_recorded_backward_pass_goes_top_to_bottom():
    W = autograd.tensor([[0.5, -0.4], [0.3, 0.8]], dtype="float64", requires_grad=True)
    x = autograd.tensor([[0.0, 1.0], [1.0, 1.0]], dtype="float64")
    loss = (autograd.sigmoid(autograd.sigmoid(x @ W) @ W) ** 2).mean()
    g, = autograd.grad(loss, [W], create_graph=True)
    assert "rankdir=TB" in viz.draw(g.sum()).source


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads the resident set size from /proc")
def test_dropped_models_give_their_memory_back():
    def resident_bytes():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def call_and_drop():
        model = nn.Sequential(nn.Linear(1024, 4096))  # 16 MiB of float32 weights
        model(autograd.randn(2, 1024))

    call_and_drop()
    gc.collect()
    before = resident_bytes()
    for _ in range(5):  # 80 MiB if the module record kept them
        call_and_drop()
    gc.collect()
    assert resident_bytes() - before < 40 * 2**20


def test_the_module_record_stays_flat_over_training():
    import tracemalloc

    from autograd.viz import scopes

    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    x = autograd.randn(4, 2)
    tracemalloc.start()
    try:
        for _ in range(getattr(scopes, "CALLS_PER_MODULE", 256) + 10):  # every module's record is full (and traced)
            model(x)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(500):
            model(x)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 16 * 1024  # 2,000 more module calls, and the record has not grown
