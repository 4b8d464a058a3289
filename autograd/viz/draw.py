"""Draw a computation graph as a diagram for slides: tensors, ops, values and gradients.

    >>> from autograd import viz
    >>> viz.draw(loss, show_values=True, show_grads=True).save("xor.svg")
    >>> viz.draw(loss, backward=True)          # the backward pass: what each op receives and sends

Tensors are boxes (parameters blue, inputs grey, intermediates white, the
output green), ops are yellow ellipses, and edges follow the data left to
right (a long chain wraps onto several rows, read like text). Gradients are
printed in orange beside the values. In the backward view the arrows point the
other way and each op shows its local derivative (the `formula` its class
declares next to its backward), so the chain rule dE/dA = dE/dB · dB/dA can be
read off node by node.
"""
import html
import inspect
import math
import os
import re

import numpy

from .. import backend
from ..errors import AutogradError
from ..graph import grad as autograd_grad
from ..serialization import write_atomically
from ..tensor import Tensor
from . import scopes
from ._graphviz import graphviz
from .render import (run_layout, layout_engine, supported_formats, LayoutEngineMissing, GraphTooLarge,
                     INSTALL_HINT, TOO_LARGE_ADVICE)
from .walk import collect, tensor_key, op_key, is_released

PARAMETER, INPUT, INTERMEDIATE, OUTPUT, OP = "#dbeafe", "#eef0f3", "#ffffff", "#dcfce7", "#fff3c4"
GRAD_COLOUR, HIGHLIGHT, MUTED = "#c2410c", "#dc2626", "#6b7280"
SYMBOLS = {"Add": "+", "Sub": "−", "Mul": "×", "Div": "÷", "Pow": "**"}

# Layout metrics come from DejaVu Sans, the widest of the fonts the layout engine knows and the
# sans-serif font of a plain Linux machine: a label fits its box whichever of the fonts in
# SVG_FONTS the viewer has (the others are narrower).
FONT = "DejaVu Sans"
SVG_FONTS = "DejaVu Sans,Verdana,Arial,Helvetica,sans-serif"
WRAP_COLUMNS = 6  # a chain longer than this many columns (plus two) wraps onto rows


def formula_of(node):
    """The op's local derivative as its class declares it (`formula = "..."` next to its
    backward), or None for a custom Function without one (the diagram then shows its name)."""
    formula = getattr(node, "formula", None)
    return formula if isinstance(formula, str) and formula.strip() else None


class Diagram(graphviz.Digraph):
    """A graphviz.Digraph that renders with the engine we find (system dot or graphviz-pure).

    It shows inline in Jupyter as SVG; `save(path)` writes .svg, .png, .pdf or .dot, and
    `render()` takes graphviz's arguments. The layout runs under `layout_timeout` seconds.
    """

    layout_timeout = None  # seconds; None: render.LAYOUT_TIMEOUT

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None, quiet=False, *,
             engine=None, encoding=None):
        fmt = format or self.format or "svg"
        if fmt == "pdf" and "pdf" not in supported_formats():
            if not _pillow_available():
                raise FormatNotSupported(f"the layout engine {layout_engine()} has no PDF writer and Pillow, "
                                         f"which makes one from the PNG, is missing: pip install pillow")
            # twice the screen resolution, so that the PDF prints sharply
            data = _pdf_from_png(self._png(self.source.replace("{", "{\n\tdpi=192", 1)), dpi=192)
        elif fmt == "png":
            data = self._png(self.source)
        else:
            data = run_layout(self.source, fmt, timeout=self.layout_timeout)
        if fmt == "svg":  # name fallbacks for the metrics font (the engine writes only its name)
            data = data.replace(f'font-family="{FONT}"'.encode(), f'font-family="{SVG_FONTS}"'.encode())
        return data.decode(encoding) if encoding else data

    def _png(self, source):
        # graphviz-pure's PNG writer draws its own Helvetica, whose metrics it knows
        return run_layout(source.replace(f'"{FONT}"', '"Helvetica"'), "png", timeout=self.layout_timeout)

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None, renderer=None,
               formatter=None, neato_no_op=None, quiet=False, quiet_view=False, *, outfile=None, engine=None,
               raise_if_result_exists=False, overwrite_source=False):
        """As graphviz's render: write the DOT source to `directory/filename`, the image next to it
        (`filename.svg`, or `outfile`), remove the source if `cleanup`; returns the image's path."""
        source_path = os.path.join(directory or self.directory or "", filename or self.filename or "autograd.gv")
        fmt = format or (outfile.rsplit(".", 1)[-1].lower() if outfile and "." in outfile else None) \
            or self.format or "svg"
        target = outfile or f"{source_path}.{fmt}"
        if raise_if_result_exists and os.path.exists(target):
            raise OutputExists(f"Diagram.render: the output file exists already: {target!r}")
        folder = os.path.dirname(source_path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(source_path, "w", encoding="utf-8") as f:
            f.write(self.source)
        written = self.save(target, fmt)
        if cleanup:
            os.remove(source_path)
        return written

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        try:
            return {"image/svg+xml": self.pipe(format="svg", encoding="utf-8"), "text/plain": repr(self)}
        except LayoutEngineMissing as error:
            return {"text/plain": f"{error}\n\n{self.source}"}

    def __repr__(self):  # the same text on every run (no address), so saved notebooks only change with the graph
        boxes = sum(1 for line in self.body if "[label=" in line and "->" not in line)
        return f"<autograd diagram: {boxes} nodes; .source is its DOT text, .save(path) writes it>"

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
        if fmt not in supported_formats() and not (fmt == "pdf" and _pillow_available()):
            raise FormatNotSupported(
                f"cannot write {path}: the layout engine {layout_engine()} makes "
                f"{', '.join(sorted(supported_formats()))}, not {fmt!r}"
                + ("; PDF is made from PNG with Pillow: pip install pillow" if fmt == "pdf" else ""))
        data = self.pipe(format=fmt)  # laid out before the file is created: a refusal leaves no file
        write_atomically(path, data)   # as checkpoints are written: never a half-written image
        return path


class OutputExists(AutogradError, FileExistsError):
    """render(raise_if_result_exists=True) found the image already there (graphviz's behaviour)."""


class FormatNotSupported(AutogradError, ValueError):
    """A diagram asked for in a format the layout engine cannot make."""


def _pillow_available():
    try:
        import PIL  # noqa: F401
    except ImportError:
        return False
    return True


def _pdf_from_png(png, dpi):
    """A one-page PDF of the PNG (for layout engines without a PDF writer)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, "PDF", resolution=float(dpi))
    return out.getvalue()


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


def op_label(node, constants, backward, show_formula=False):
    title = f"{node.name}Backward" if backward else node.name
    rows = [f"<b>{html.escape(title)}</b>"]
    formula = formula_of(node) if backward or show_formula else None
    if formula:
        rows.extend(f'<font point-size="10">{html.escape(line)}</font>' for line in formula.split("\n"))
    elif constants:
        symbol = SYMBOLS.get(node.name, "with")
        shown = ", ".join(_constant_text(value) for _, value in constants)
        rows.append(f'<font point-size="9">{html.escape(symbol)} {html.escape(shown)}</font>')
    return "<" + "<br/>".join(rows) + ">"


def _constant_text(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    if hasattr(value, "shape"):
        return f"array{tuple(value.shape)}" if math.prod(value.shape) > 4 else format_values(value)
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
        seed = None if root.numel() == 1 else Tensor(backend.get_array_module(root.data).ones_like(root.data))
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


def draw(outputs, rankdir="auto", show_shapes=True, show_values=False, show_grads=False, backward=False,
         names=None, model=None, group_modules=True, collapse_modules=False, max_nodes=400, value_limit=12,
         highlight=None, known_grads=None, title=None, infer_names=True, layout_timeout=None):
    """The computation graph behind `outputs` (a tensor or several) as a `Diagram`.

    >>> viz.draw(loss, show_values=True)                       # before or after backward()
    >>> viz.draw(loss, show_grads=True, names={h: "h", y: "y"})

    rankdir: "auto" (left to right; a long chain without module boxes wraps onto rows, read like
      text), "wrap", or graphviz's "LR" / "TB".
    names: {tensor: "name"} (or {"name": tensor}) for tensors without `.name`; with infer_names,
      a tensor held by a variable of the calling code (`h = ...`) is named after it, and an unnamed
      result of a named input gets a short expression ("x@W1", "σ(a)").
    model: a Module whose attribute names label the module boxes ('encoder.lstm').
    group_modules: box the nodes made inside each nn.Module call; collapse_modules: draw each
      call of the model's direct children (or of the modules listed) as one node instead.
    max_nodes: a graph with more nodes plus edges is refused (GraphTooLarge) rather than hanging the
      layout; layout_timeout (seconds, default render.LAYOUT_TIMEOUT) bounds the layout itself.
    """
    outputs = [outputs] if not isinstance(outputs, (list, tuple)) else list(outputs)
    view = collect(outputs)
    labels = _names(names)
    if infer_names:
        labels = {**_inferred_names(view, _caller_variables()), **labels}
    grads = {}
    if known_grads is not None:
        grads = known_grads
    elif show_grads or backward:
        grads = tensor_gradients(view, outputs)
    calls = _module_calls(view) if (group_modules or collapse_modules) else []
    module_names = _module_names(model)
    collapsed = _collapsed_groups(view, calls, collapse_modules, model)

    visible = {k for k in list(view.tensors) + list(view.ops) if k not in collapsed}
    nodes = len(visible) + len(set(collapsed.values()))
    edges = len({(collapsed.get(a, a), collapsed.get(b, b)) for a, b, _ in view.edges
                 if collapsed.get(a, a) != collapsed.get(b, b)})
    if nodes + edges > max_nodes:
        raise GraphTooLarge(f"the graph has {nodes} nodes and {edges} edges, more than max_nodes={max_nodes} "
                            f"(nodes and edges counted together): {TOO_LARGE_ADVICE}.")

    diagram = Diagram(name="autograd", format="svg")
    diagram.layout_timeout = layout_timeout
    wrap = rankdir in ("auto", "wrap")
    diagram.attr(rankdir="LR" if wrap else rankdir, fontname=FONT, nodesep="0.25", ranksep="0.35",
                 bgcolor="white")
    if title:
        diagram.attr(label=title, labelloc="t", fontsize="18")
    diagram.attr("node", fontname=FONT, fontsize="12")
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
        placed[node_id(key)] = (cluster_of_op(node), op_label(node, view.constants.get(key), backward,
                                                                  show_formula=key == highlighted), style)

    for key, t in view.tensors.items():
        if key in collapsed:
            continue
        name = (labels.get(key) or t.name or parameter_names.get(id(t))
                or ("" if key not in output_keys else "output"))
        shown = f"({name})" if " " in (name or "") else (name or "·")
        symbol = f"∂{_root_name(view, labels)}/∂{shown}" if backward else "grad"
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
    if wrap and not used:  # rows only where no module box would be cut through
        _wrap_rows(diagram, list(placed), drawn, WRAP_COLUMNS)
    return diagram


def _wrap_rows(diagram, node_ids, edges, columns):
    """Lay a long, narrow graph (a chain) out in rows of about `columns` ranks, like a snake.

    A node's place along the chain is its depth (longest path from the inputs; an input sits just
    before the op that uses it). The first row runs left to right, the next right to left under
    it, and so on, so that every edge stays short: the end of a row is right above the start of
    the next. Each column is one graphviz rank (`rank=same`); invisible edges keep the rows in
    order and the columns in place, and only the left-to-right edges of the even rows constrain.
    """
    before = {n: [] for n in node_ids}
    after = {n: [] for n in node_ids}
    for a, b in edges:
        after[a].append(b)
        before[b].append(a)
    depth = {}
    for n in _topological(node_ids, before):
        depth[n] = 1 + max((depth[p] for p in before[n]), default=-1)
    total = max(depth.values(), default=0) + 1
    if total <= columns + 2:  # short enough for one row
        return
    rows = math.ceil(total / columns)
    columns = math.ceil(total / rows)  # balance the rows
    for n in node_ids:  # inputs next to their first user, in the same row
        if not before[n] and after[n]:
            first_user = min(depth[u] for u in after[n])
            depth[n] = first_user if first_user % columns == 0 else first_user - 1
    # Rows suit a chain. A graph with many long edges (a backward pass recorded under create_graph
    # reuses forward values much later) would have them cross every row: draw it top to bottom.
    long_edges = sum(1 for a, b in edges if depth[b] - depth[a] > 2)
    if long_edges > max(2, len(edges) // 10):
        diagram.attr(rankdir="TB")  # a later graph attribute overrides the first
        return

    def row(n):
        return depth[n] // columns

    def column(n):
        along = depth[n] % columns
        return along if row(n) % 2 == 0 else columns - 1 - along

    for i, line in enumerate(diagram.body):  # right-to-left and row-changing edges do not constrain
        edge = re.match(r"\t(\S+) -> (\S+)(?: \[(.*)\])?\n$", line)
        if edge and edge.group(1) in depth and edge.group(2) in depth:
            a, b = edge.group(1), edge.group(2)
            if row(a) != row(b) or row(a) % 2 == 1:
                attributes = (edge.group(3) + " " if edge.group(3) else "") + "constraint=false"
                diagram.body[i] = f"\t{a} -> {b} [{attributes}]\n"
    by_column = {}
    for n in node_ids:
        by_column.setdefault(column(n), {}).setdefault(row(n), []).append(n)
    firsts = []
    for c, by_row in sorted(by_column.items()):
        members = " ".join(n for r in sorted(by_row) for n in by_row[r])
        diagram.body.append(f"\t{{rank=same; {members}}}\n")
        rows_here = [by_row[r] for r in sorted(by_row)]
        firsts.append(rows_here[0][0])
        for upper, lower in zip(rows_here, rows_here[1:]):  # every node of a row above the next row's
            if len(upper) * len(lower) > 36:  # a wide graph: its first nodes only
                upper, lower = upper[:1], lower[:1]
            for a in upper:
                for b in lower:
                    diagram.edge(a, b, style="invis")
    for a, b in zip(firsts, firsts[1:]):  # the columns in order, left to right
        diagram.edge(a, b, style="invis")


def _topological(node_ids, before):
    order, seen = [], set()
    for start in node_ids:
        stack = [(start, False)]
        while stack:
            n, expanded = stack.pop()
            if expanded:
                order.append(n)
                continue
            if n in seen:
                continue
            seen.add(n)
            stack.append((n, True))
            stack.extend((p, False) for p in before[n] if p not in seen)
    return order


def _caller_variables():
    """{id(tensor): variable name} in the first frame outside this library (the user's code)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame = inspect.currentframe()
    try:
        while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
            frame = frame.f_back
        if frame is None:
            return {}
        return {id(value): name for name, value in frame.f_locals.items()
                if isinstance(value, Tensor) and not name.startswith("_")}
    finally:
        del frame


# Short names for the unnamed result of a simple op whose inputs all have names.
EXPRESSIONS = {"Add": "{0} + {1}", "Sub": "{0} − {1}", "Mul": "{0}·{1}", "Div": "{0}/{1}", "MatMul": "{0}@{1}",
               "Pow": "{0}**{1}", "Neg": "−{0}", "Sigmoid": "σ({0})", "Tanh": "tanh({0})", "ReLU": "relu({0})",
               "Exp": "exp({0})", "Log": "log({0})", "Sum": "Σ{0}", "Mean": "mean({0})", "Transpose": "{0}ᵀ",
               "GetItem": "{0}[…]"}
MAX_EXPRESSION = 14


def _inferred_names(view, variables):
    """Names for the tensors of `view`: the caller's variable names, then short expressions of
    named inputs for the results of simple ops (so the diagram reads ∂E/∂(x@W1) instead of ∂E/∂·)."""
    names = {}
    for key, t in view.tensors.items():
        if isinstance(t, Tensor) and not t.name and id(t) in variables:
            names[key] = variables[id(t)]
    made_by = {}
    for key, t in view.tensors.items():
        if t.creator is not None:
            made_by.setdefault(op_key(t.creator), []).append(key)

    def name_of(x):
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            return f"{x:g}"
        if not hasattr(x, "creator"):
            return None
        return names.get(tensor_key(x)) or x.name

    for node in sorted(view.ops.values(), key=lambda n: n.sequence_nr):  # inputs before results
        pattern = EXPRESSIONS.get(node.name)
        outputs = made_by.get(op_key(node), [])
        if pattern is None or len(outputs) != 1 or names.get(outputs[0]) or view.tensors[outputs[0]].name:
            continue
        parts = [name_of(x) for x in node.inputs if x is not None][:pattern.count("{")]  # not an index
        if not parts or any(p is None for p in parts):
            continue
        if len(parts) > 1:
            parts = [f"({p})" if " " in p else p for p in parts]
        text = pattern.format(*parts)
        if len(text) <= MAX_EXPRESSION:
            names[outputs[0]] = text
    return names


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
