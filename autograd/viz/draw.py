"""Draw a computation graph as a diagram for slides: tensors, ops, values and gradients.

    >>> from autograd import viz
    >>> viz.draw(loss, show_values=True, show_grads=True).save("xor.svg")
    >>> viz.draw(loss, backward=True)          # the backward pass: what each op receives and sends

Tensors are boxes (parameters blue, inputs grey, intermediates white, the
output green), ops are yellow ellipses, and edges follow the data left to
right. Gradients are printed in orange beside the values. In the backward view
the arrows point the other way and each op shows its local derivative, so the
chain rule dE/dA = dE/dB · dB/dA can be read off node by node.
"""
import html

import graphviz
import numpy

from .. import backend
from ..errors import AutogradError
from ..graph import grad as autograd_grad
from ..tensor import Tensor
from . import scopes
from .render import run_layout, layout_engine, LayoutEngineMissing, INSTALL_HINT
from .walk import collect, tensor_key, op_key, is_released

PARAMETER, INPUT, INTERMEDIATE, OUTPUT, OP = "#dbeafe", "#eef0f3", "#ffffff", "#dcfce7", "#fff3c4"
GRAD_COLOUR, HIGHLIGHT, MUTED = "#c2410c", "#dc2626", "#6b7280"
SYMBOLS = {"Add": "+", "Sub": "−", "Mul": "×", "Div": "÷", "Pow": "**"}

# What each op's backward multiplies the incoming gradient g by (for the backward view).
LOCAL_DERIVATIVES = {
    "Add": "g, g", "Sub": "g, −g", "Mul": "g·b, g·a", "Div": "g/b, −g·a/b²", "Neg": "−g",
    "Pow": "g·p·x^(p−1)", "Exp": "g·y", "Log": "g/x", "Sqrt": "g/(2y)", "Tanh": "g·(1−y²)",
    "Sigmoid": "g·y·(1−y)", "ReLU": "g·[x>0]", "Sin": "g·cos x", "Cos": "−g·sin x", "Abs": "g·sign x",
    "MatMul": "g·Bᵀ, Aᵀ·g", "Linear": "g·W, gᵀ·x, Σg", "Sum": "broadcast g", "Mean": "broadcast g/n",
    "Max": "g to the max", "Min": "g to the min", "Reshape": "reshape g", "Transpose": "transpose g",
    "BroadcastTo": "sum g over copies", "GetItem": "scatter g", "Softmax": "y·(g − Σg·y)",
    "LogSoftmax": "g − eʸ·Σg", "CrossEntropy": "(softmax − onehot)·g", "MSELoss": "2(a−b)·g/n",
}


class GraphTooLarge(AutogradError, ValueError):
    """The graph has more nodes than a readable diagram; collapse modules or raise max_nodes."""


class Diagram(graphviz.Digraph):
    """A graphviz.Digraph that renders with the engine we find (system dot or graphviz-pure).

    It shows inline in Jupyter as SVG; `save(path)` writes .svg, .png, .pdf or .dot.
    """

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False, *,
             engine=None, encoding=None):
        data = run_layout(self.source, format or self.format or "svg")
        return data.decode(encoding) if encoding else data

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        try:
            return {"image/svg+xml": self.pipe(format="svg", encoding="utf-8")}
        except LayoutEngineMissing as error:
            return {"text/plain": f"{error}\n\n{self.source}"}

    def save(self, path, format=None):
        """Write the diagram; the format comes from the suffix (.svg .png .pdf .dot). Returns the path.

        Without a layout engine, the DOT text is written next to `path` (as .dot) with a warning.
        """
        fmt = format or (path.rsplit(".", 1)[-1].lower() if "." in path else "svg")
        if fmt in ("dot", "gv"):
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.source)
            return path
        if layout_engine() is None:
            import warnings

            dot_path = path.rsplit(".", 1)[0] + ".dot"
            with open(dot_path, "w", encoding="utf-8") as f:
                f.write(self.source)
            warnings.warn(f"no layout engine to make {fmt.upper()}: wrote the DOT text to {dot_path}. "
                          f"Install one with: {INSTALL_HINT}")
            return dot_path
        with open(path, "wb") as f:
            f.write(self.pipe(format=fmt))
        return path


# ---------------------------------------------------------------- labels


def _numpy(array):
    return backend.to_device(array, "cpu")


def format_values(array, limit=12):
    """Small arrays in full (3 significant digits), large ones as min / mean / max."""
    a = numpy.asarray(_numpy(array), dtype=numpy.float64) if array.dtype.kind in "fc" else _numpy(array)
    if a.size <= limit:
        if a.ndim == 0:
            return f"{a.item():.4g}" if a.dtype.kind == "f" else str(a.item())
        if a.ndim <= 2:  # columns padded to one width, so a matrix reads as a matrix
            # three significant digits, so that small gradients read 2.1e-05 rather than 0.
            cells = [f"{v:.3g}" if a.dtype.kind == "f" else str(v) for v in a.ravel().tolist()]
            width = max(len(c) for c in cells)
            rows = numpy.array(cells, dtype=object).reshape(a.shape if a.ndim == 2 else (1, -1))
            lines = ["[" + ", ".join(c.rjust(width) for c in row) + "]" for row in rows]
            if a.ndim == 1:
                return lines[0]
            return "\n".join(("[" if i == 0 else " ") + line + ("]" if i == len(lines) - 1 else ",")
                             for i, line in enumerate(lines))
        return numpy.array2string(a, separator=", ", max_line_width=48,
                                  formatter={"float_kind": lambda v: f"{v:.3g}"})
    if a.dtype.kind not in "fc":
        return f"{a.size} values"
    return f"min {a.min():.3g} · mean {a.mean():.3g} · max {a.max():.3g}"


def _shape_text(t):
    shape = "×".join(str(n) for n in t.shape) if len(t.shape) else "scalar"
    return f"{shape}  {t.dtype}"


def _value_cell(text, colour=None, heading=None):
    """A left-aligned monospace block, so the columns of a matrix line up."""
    lines = str(text).split("\n")
    body = "<br/>".join(html.escape(line) for line in lines)
    if heading:
        body = f"<i>{html.escape(heading)}</i><br/>{body}" if len(lines) > 1 or len(body) > 18 \
            else f"<i>{html.escape(heading)}</i> {body}"
    body = f'<font face="Courier" point-size="10">{body}</font>'
    if colour:
        body = f'<font color="{colour}">{body}</font>'
    return f'<tr><td align="left" balign="left">{body}</td></tr>'


def tensor_label(t, name, show_shapes, show_values, grad, value_limit, grad_symbol="grad"):
    rows = []
    if name:
        rows.append(f"<tr><td><b>{html.escape(name)}</b></td></tr>")
    if show_shapes:
        rows.append(f'<tr><td><font point-size="9" color="{MUTED}">{html.escape(_shape_text(t))}</font></td></tr>')
    if show_values:
        data = getattr(t, "data", None)
        rows.append(_value_cell(format_values(data, value_limit)) if data is not None
                    else f'<tr><td><font color="{MUTED}" point-size="9"><i>value freed by backward</i></font></td></tr>')
    if grad is not None:
        rows.append(_value_cell(format_values(grad, value_limit), GRAD_COLOUR, grad_symbol))
    if not rows:
        rows.append("<tr><td> </td></tr>")
    return '<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">' + "".join(rows) + "</table>>"


def op_label(node, constants, backward):
    title = f"{node.name}Backward" if backward else node.name
    rows = [f"<b>{html.escape(title)}</b>"]
    if backward:
        rows.append(f'<font point-size="9">{html.escape(LOCAL_DERIVATIVES.get(node.name, "∂ local · g"))}</font>')
    elif constants:
        symbol = SYMBOLS.get(node.name, "with")
        shown = ", ".join(_constant_text(value) for _, value in constants)
        rows.append(f'<font point-size="9">{html.escape(symbol)} {html.escape(shown)}</font>')
    return "<" + "<br/>".join(rows) + ">"


def _constant_text(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    if hasattr(value, "shape"):
        return f"array{tuple(value.shape)}" if value.size > 4 else format_values(value)
    text = repr(value)
    return text if len(text) <= 24 else text[:21] + "..."


# ---------------------------------------------------------------- gradients


def tensor_gradients(view, outputs):
    """Gradient of the (single, scalar) output with respect to every tensor in the view.

    A live graph is differentiated with autograd.grad (retain_graph=True), which changes no
    `.grad`; a graph released by backward() shows the gradients tensors kept (`.grad`).
    """
    grads = {}
    live = [t for t in view.tensors.values() if isinstance(t, Tensor) and t.requires_grad]
    root = outputs[0] if len(outputs) == 1 else None
    if root is not None and isinstance(root, Tensor) and root.requires_grad and not is_released(view):
        seed = None if root.size == 1 else Tensor(backend.get_array_module(root.data).ones_like(root.data))
        values = autograd_grad(root, live, grad_outputs=seed, retain_graph=True, allow_unused=True)
        for t, g in zip(live, values):
            if g is not None:
                grads[tensor_key(t)] = g.data
        return grads
    for key, t in view.tensors.items():
        g = getattr(t, "grad", None)
        if g is not None:
            grads[key] = g.data
    return grads


# ---------------------------------------------------------------- modules


def _module_names(model):
    if model is None:
        return {}
    return {id(module): name or type(module).__name__ for name, module in model.named_modules()}


def _module_calls(view):
    """Recorded module calls covering this graph, largest first, each with its parent call."""
    numbers = [node.sequence_nr for node in view.ops.values()]
    calls = sorted(scopes.calls_for(numbers), key=lambda c: (c[0] - c[1], c[0]))
    calls = [c for c in calls if any(c[0] <= n < c[1] for n in numbers)]
    return calls


def _innermost(calls, number):
    best = None
    for index, (first, last, _) in enumerate(calls):
        if first <= number < last and (best is None or last - first < calls[best][1] - calls[best][0]):
            best = index
    return best


def _parent_of(calls, index):
    """The smallest recorded call that contains this one (nested calls have nested ranges)."""
    first, last, _ = calls[index]
    best = None
    for other, (f, l, _) in enumerate(calls):
        if other != index and f <= first and last <= l:
            if best is None or l - f < calls[best][1] - calls[best][0]:
                best = other
    return best


# ---------------------------------------------------------------- draw


def draw(outputs, rankdir="LR", show_shapes=True, show_values=False, show_grads=False, backward=False,
         names=None, model=None, group_modules=True, collapse_modules=False, max_nodes=400, value_limit=12,
         highlight=None, known_grads=None, title=None):
    """The computation graph behind `outputs` (a tensor or several) as a `Diagram`.

    >>> viz.draw(loss, show_values=True)                       # before or after backward()
    >>> viz.draw(loss, show_grads=True, names={h: "h", y: "y"})

    names: {tensor: "name"} (or {"name": tensor}) for tensors without `.name`.
    model: a Module whose attribute names label the module boxes ('encoder.lstm').
    group_modules: box the nodes made inside each nn.Module call; collapse_modules: draw each
      call of the model's direct children (or of the modules listed) as one node instead.
    max_nodes: a bigger graph is refused (GraphTooLarge) rather than hanging the layout.
    """
    outputs = [outputs] if not isinstance(outputs, (list, tuple)) else list(outputs)
    view = collect(outputs)
    labels = _names(names)
    grads = {}
    if known_grads is not None:
        grads = known_grads
    elif show_grads or backward:
        grads = tensor_gradients(view, outputs)
    calls = _module_calls(view) if (group_modules or collapse_modules) else []
    module_names = _module_names(model)
    collapsed = _collapsed_groups(view, calls, collapse_modules, model)

    visible = {k for k in list(view.tensors) + list(view.ops) if k not in collapsed}
    size = len(visible) + len(set(collapsed.values()))
    if size > max_nodes:
        raise GraphTooLarge(f"the graph has {size} nodes, more than max_nodes={max_nodes}: draw it with "
                            f"collapse_modules=True (one box per module call), draw a smaller part "
                            f"(an intermediate tensor instead of the loss), or raise max_nodes.")

    diagram = Diagram(name="autograd", format="svg")
    diagram.attr(rankdir=rankdir, fontname="Helvetica", nodesep="0.25", ranksep="0.35", bgcolor="white")
    if title:
        diagram.attr(label=title, labelloc="t", fontsize="16")
    diagram.attr("node", fontname="Helvetica", fontsize="11")
    diagram.attr("edge", color="#4b5563", arrowsize="0.7", **({"dir": "back"} if backward else {}))

    clusters = {index: graphviz.Digraph(name=f"cluster_{index}") for index in range(len(calls))}
    placed = {}  # dot node id -> cluster index (None: top level)

    def node_id(key):
        return "n" + "_".join(str(part) for part in key)

    def cluster_of_op(node):
        return _innermost(calls, node.sequence_nr) if calls and group_modules else None

    owner = _parameter_owners(calls) if calls and group_modules else {}
    parameter_names = _parameter_names(model, calls)
    output_keys = set(view.outputs)
    highlighted = op_key(highlight) if highlight is not None else None

    for key, node in view.ops.items():
        if key in collapsed:
            continue
        style = dict(shape="ellipse", style="filled", fillcolor=OP, color="#a16207", margin="0.05,0.02")
        if key == highlighted:
            style.update(color=HIGHLIGHT, penwidth="3", fillcolor="#fde68a")
        placed[node_id(key)] = (cluster_of_op(node), op_label(node, view.constants.get(key), backward), style)

    for key, t in view.tensors.items():
        if key in collapsed:
            continue
        name = (labels.get(key) or t.name or parameter_names.get(id(t))
                or ("" if key not in output_keys else "output"))
        symbol = f"∂{_root_name(view, labels)}/∂{name or '·'}" if backward else "grad"
        g = grads.get(key) if (show_grads or backward) else None
        label = tensor_label(t, name, show_shapes, show_values and not backward, g, value_limit, symbol)
        if key in output_keys:
            colour = OUTPUT
        elif t.creator is not None:
            colour = INTERMEDIATE
        else:
            colour = PARAMETER if t.requires_grad else INPUT
        style = dict(shape="box", style="rounded,filled", fillcolor=colour, color="#374151")
        if key in output_keys:
            style["peripheries"] = "2"
        cluster = None
        if t.creator is not None and calls and group_modules:
            cluster = cluster_of_op(t.creator)
        elif t.creator is None:
            cluster = owner.get(id(t))
        placed[node_id(key)] = (cluster, label, style)

    for group, members in _group_members(collapsed).items():
        first, last, module = calls[group]
        kind = type(module).__name__
        name = module_names.get(id(module))
        shown = f"{name}: {kind}" if name and name != kind else kind
        label = f"<<b>{html.escape(shown)}</b><br/>" \
                f"<font point-size=\"9\">{len(members)} nodes collapsed</font>>"
        placed[f"g{group}"] = (None, label, dict(shape="box3d", style="filled", fillcolor="#ede9fe"))

    for dot_id, (cluster, label, style) in placed.items():
        (clusters[cluster] if cluster is not None else diagram).node(dot_id, label=label, **style)

    drawn = set()
    for source, target, _ in view.edges:
        a = f"g{collapsed[source]}" if source in collapsed else node_id(source)
        b = f"g{collapsed[target]}" if target in collapsed else node_id(target)
        if a == b or (a, b) in drawn:
            continue
        drawn.add((a, b))
        style = {}
        if highlighted is not None and (source == highlighted and backward or target == highlighted):
            style = dict(color=HIGHLIGHT, penwidth="2")
        diagram.edge(a, b, **style)

    used = {cluster for cluster, _, _ in placed.values() if cluster is not None}
    _nest_clusters(diagram, clusters, calls, module_names, used)
    return diagram


def _names(names):
    """{tensor: name} or {name: tensor} -> {tensor key: name}."""
    result = {}
    for a, b in (names or {}).items():
        tensor_obj, name = (b, a) if isinstance(a, str) else (a, b)
        result[tensor_key(tensor_obj)] = name
    return result


def _root_name(view, labels):
    key = view.outputs[0]
    return labels.get(key) or view.tensors[key].name or "L"


def _parameter_owners(calls):
    """id(parameter) -> the call of the module that holds it directly (for placing it in that box)."""
    owners = {}
    for index, (_, _, module) in enumerate(calls):
        for p in getattr(module, "_parameters", {}).values():
            if p is not None and id(p) not in owners:
                owners[id(p)] = index
    return owners


def _parameter_names(model, calls):
    """id(parameter) -> 'weight' (its attribute in the module that holds it) or '0.weight' with a model."""
    names = {}
    for _, _, module in calls:
        for name, p in getattr(module, "_parameters", {}).items():
            if p is not None:
                names.setdefault(id(p), name)
    if model is not None:
        names.update({id(p): name for name, p in model.named_parameters()})
    return names


def _collapsed_groups(view, calls, collapse_modules, model):
    """key of every hidden node/tensor -> index of the module call it is folded into."""
    if not collapse_modules or not calls:
        return {}
    if collapse_modules is True:
        if model is not None:
            wanted = {id(m) for m in model.children()} or {id(model)}
            targets = [i for i, c in enumerate(calls) if id(c[2]) in wanted]
        else:  # the outermost calls
            targets = [i for i in range(len(calls)) if _parent_of(calls, i) is None]
    else:
        chosen = collapse_modules if isinstance(collapse_modules, (list, tuple, set)) else [collapse_modules]
        targets = [i for i, c in enumerate(calls)
                   if any(c[2] is m or type(c[2]).__name__ == m for m in chosen)]
    hidden = {}
    for index in targets:
        first, last, module = calls[index]
        params = {id(p) for p in module.parameters()} if hasattr(module, "parameters") else set()
        for key, node in view.ops.items():
            if first <= node.sequence_nr < last:
                hidden.setdefault(key, index)
        for key, t in view.tensors.items():
            if t.creator is not None and first <= t.creator.sequence_nr < last and key not in view.outputs:
                hidden.setdefault(key, index)
            elif t.creator is None and id(t) in params:
                hidden.setdefault(key, index)
    return hidden


def _group_members(collapsed):
    groups = {}
    for key, index in collapsed.items():
        groups.setdefault(index, []).append(key)
    return groups


def _nest_clusters(diagram, clusters, calls, module_names, used):
    """Put each module's box inside its parent's box, labelled 'name: Class'; skip empty boxes."""
    for index in list(used):  # a box whose child has nodes is drawn too
        parent = _parent_of(calls, index)
        while parent is not None and parent not in used:
            used.add(parent)
            parent = _parent_of(calls, parent)
    for index, (_, _, module) in enumerate(calls):
        name = module_names.get(id(module))
        kind = type(module).__name__
        clusters[index].attr(label=f"{name}: {kind}" if name and name != kind else kind, style="rounded,dashed",
                             color="#7c3aed", fontcolor="#5b21b6", fontsize="11", labeljust="l")
    # innermost boxes first: graphviz copies a subgraph's body when it is added to its parent
    for index in sorted(used, key=lambda i: calls[i][1] - calls[i][0]):
        parent = _parent_of(calls, index)
        (clusters[parent] if parent is not None else diagram).subgraph(clusters[index])
