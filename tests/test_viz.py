"""Graph diagrams: structure, labels, the order of backward steps, SVG output, refusals, no side effects."""
import pathlib
import re
import xml.etree.ElementTree as ElementTree

import numpy
import pytest

import autograd
from autograd import nn, viz
from autograd.__main__ import xor_data, make_parameters, forward

needs_engine = pytest.mark.skipif(viz.layout_engine() is None, reason="no Graphviz layout engine")


def xor_loss(seed=1):
    x, t = xor_data()
    params = make_parameters(seed)
    for name, p in params.items():
        p.name = name
    y, loss = forward(params, x, t)
    return params, y, loss


def node_lines(diagram):
    return [line for line in diagram.body if "[label=" in line and "->" not in line]


def edge_lines(diagram):
    return [line for line in diagram.body if "->" in line and "style=invis" not in line]  # not the row order


def test_xor_graph_has_every_op_tensor_and_edge():
    params, y, loss = xor_loss()
    diagram = viz.draw(loss)
    # ops: MatMul Add Sigmoid MatMul Add Sigmoid Sub Pow Mean = 9
    # tensors: x W1 b1 W2 b2 t + 9 op outputs (h, y and E among them) = 15
    assert len(node_lines(diagram)) == 24
    # one edge per tensor input of each op (2+2+1+2+2+1+2+1+1 = 14; Pow's exponent is a constant)
    # and one from each op to its output (9)
    assert len(edge_lines(diagram)) == 14 + 9
    source = diagram.source
    for label in ["W1", "b1", "W2", "b2", "x", "h", "y", "E", "MatMul", "Sigmoid", "Mean", "Pow"]:
        assert f"<b>{label}</b>" in source


def test_edges_follow_the_data():
    a = autograd.tensor([1.0, 2.0], requires_grad=True, name="a")
    b = autograd.tensor([3.0, 4.0], requires_grad=True, name="b")
    out = (a * b).sum()
    diagram = viz.draw(out)
    ids = {name: re.search(rf"(\S+) \[label=<[^\n]*?<b>{name}</b>", diagram.source).group(1) for name in ["a", "b", "Mul", "Sum"]}
    edges = {tuple(line.strip().split(" -> ")) for line in edge_lines(diagram)}
    assert (ids["a"], ids["Mul"]) in edges and (ids["b"], ids["Mul"]) in edges
    assert any(e[0] == ids["Mul"] for e in edges) and len(edges) == 5  # a, b -> Mul -> product -> Sum -> out


def test_shapes_values_and_grads_are_labelled():
    params, y, loss = xor_loss()
    diagram = viz.draw(loss, show_values=True, show_grads=True)
    source = diagram.source
    assert "2×2  float32" in source and "scalar  float32" in source
    assert "<i>grad</i> 1" in source  # dE/dE
    w1 = params["W1"]
    expected, = autograd.grad(loss, [w1], retain_graph=True)
    assert f"{expected.data[0, 0]:.3g}" in source
    assert "#c2410c" in source  # gradients in their own colour


def test_drawing_changes_no_tensor_and_no_gradient():
    params, y, loss = xor_loss()
    before = {k: p.data.copy() for k, p in params.items()}
    viz.draw(loss, show_values=True, show_grads=True)
    viz.draw(loss, backward=True)
    viz.backward_steps(loss)
    for k, p in params.items():
        assert p.grad is None
        numpy.testing.assert_array_equal(p.data, before[k])
    loss.backward()  # the graph is still usable afterwards
    assert params["W1"].grad is not None


def test_names_option_and_intermediate_names():
    a = autograd.tensor([1.0, 2.0], requires_grad=True, name="a")
    hidden = autograd.exp(a)
    out = hidden.sum()
    source = viz.draw(out, names={hidden: "hidden", "total": out}).source
    assert "<b>hidden</b>" in source and "<b>total</b>" in source


def test_backward_steps_follow_the_engine_order_and_reveal_gradients():
    params, y, loss = xor_loss()
    steps = viz.backward_steps(loss)
    names = [step.node.name for step in steps]
    assert names == ["Mean", "Pow", "Sub", "Sigmoid", "Add", "MatMul", "Sigmoid", "Add", "MatMul"]
    numbers = [step.node.sequence_nr for step in steps]
    assert numbers == sorted(numbers, reverse=True)
    known = [len(step.complete) for step in steps]
    assert known == sorted(known) and known[0] >= 1
    assert "backward step 1 of 9: Mean" in steps[0].diagram.source
    assert "#dc2626" in steps[3].diagram.source  # the node being processed is highlighted


def test_backward_steps_need_a_live_graph():
    params, y, loss = xor_loss()
    loss.backward()
    with pytest.raises(autograd.GraphError, match="before loss.backward"):
        viz.backward_steps(loss)


def test_draw_works_after_a_plain_backward():
    params, y, loss = xor_loss()
    loss.backward()
    source = viz.draw(loss, show_values=True, show_grads=True).source
    assert "value freed by backward" in source  # intermediates are gone
    assert "<b>W1</b>" in source and "grad" in source  # leaves keep their values and gradients


def test_backward_view_shows_local_derivatives_and_reversed_arrows():
    params, y, loss = xor_loss()
    source = viz.draw(loss, backward=True).source
    assert "SigmoidBackward" in source and "∂y/∂x = y·(1 − y)" in source  # Sigmoid.formula
    assert "dir=back" in source and "∂E/∂W1" in source


def test_modules_are_boxed_and_can_be_collapsed():
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    loss = autograd.cross_entropy(model(autograd.randn(5, 3)), [0, 1, 0, 1, 1])
    boxed = viz.draw(loss, model=model)
    assert boxed.source.count("subgraph cluster_") == 4  # Sequential and its three layers
    assert "0: Linear" in boxed.source and "<b>0.weight</b>" in boxed.source
    collapsed = viz.draw(loss, model=model, collapse_modules=True)
    assert len(node_lines(collapsed)) < len(node_lines(boxed))
    assert "nodes collapsed" in collapsed.source and "subgraph cluster_" not in collapsed.source


def test_a_large_graph_is_refused_with_the_way_out():
    x = autograd.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(300):
        y = y * 1.01
    with pytest.raises(viz.GraphTooLarge, match="collapse_modules=True"):
        viz.draw(y, max_nodes=100)
    with pytest.raises(viz.GraphTooLarge, match="601 nodes and 600 edges"):  # edges count too
        viz.draw(y, max_nodes=1000)
    assert len(node_lines(viz.draw(y, max_nodes=1201))) == 300 + 301  # allowed when asked for: 300 ops, 301 tensors


@needs_engine
def test_svg_is_valid_xml_with_the_labels(tmp_path):
    params, y, loss = xor_loss()
    path = viz.draw(loss, show_values=True).save(str(tmp_path / "xor.svg"))
    root = ElementTree.parse(path).getroot()
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    for label in ["W1", "b2", "MatMul", "Sigmoid", "E"]:
        assert label in texts
    png = viz.draw(loss).save(str(tmp_path / "xor.png"))
    assert pathlib.Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_engine
def test_steps_are_saved_as_numbered_svgs_and_a_page(tmp_path):
    params, y, loss = xor_loss()
    paths = viz.save_steps(viz.backward_steps(loss), str(tmp_path))
    assert [p.rsplit("/", 1)[-1] for p in paths[:2]] == ["step_01.svg", "step_02.svg"]
    assert paths[-1].endswith("index.html") and len(paths) == 10


def test_without_a_layout_engine_the_dot_text_is_kept(tmp_path, monkeypatch):
    import importlib

    draw_module = importlib.import_module("autograd.viz.draw")
    render = importlib.import_module("autograd.viz.render")

    monkeypatch.setattr(render, "layout_engine", lambda: None)
    monkeypatch.setattr(draw_module, "layout_engine", lambda: None)
    params, y, loss = xor_loss()
    diagram = viz.draw(loss)
    with pytest.warns(UserWarning, match="autograd-dag\\[viz\\]"):
        written = diagram.save(str(tmp_path / "xor.svg"))
    assert written.endswith(".dot") and "digraph" in pathlib.Path(written).read_text(encoding="utf-8")
    with pytest.raises(viz.LayoutEngineMissing, match="pip install"):
        diagram.pipe(format="svg")
    assert "digraph" in diagram._repr_mimebundle_()["text/plain"]


def test_tensor_draw_method_and_jupyter_display():
    params, y, loss = xor_loss()
    diagram = loss.draw(show_values=True)
    assert isinstance(diagram, viz.Diagram)
    if viz.layout_engine() is not None:
        assert diagram._repr_mimebundle_()["image/svg+xml"].lstrip().startswith("<?xml")


def test_small_matrices_print_in_aligned_columns_and_large_ones_as_a_summary():
    text = viz.format_values(numpy.array([[0.0521, 0.0357], [0.906, 8.03e-5]], dtype="float32"))
    first, second = text.split("\n")
    assert first.index(",") == second.index(",")  # the columns line up in a monospace font
    assert "8.03e-05" in text
    summary = viz.format_values(numpy.linspace(-1, 1, 100))
    assert summary.startswith("min -1") and "mean" in summary and "max 1" in summary
