"""The backward pass step by step: one diagram per node, in the order backward() visits them.

    >>> steps = viz.backward_steps(loss)        # before loss.backward(): the graph must be alive
    >>> steps[0].node.name, len(steps)          # ('Mean', 7): the last op made is the first visited
    >>> viz.save_steps(steps, "slides/")        # slides/step_01.svg, step_02.svg, ... and index.html

At step k the node being processed is highlighted, and every tensor whose
gradient is complete by then shows it: the output first, then each tensor once
all the ops that used it have passed their gradient back. Nothing is changed:
the gradients come from autograd.grad(..., retain_graph=True), not from `.grad`.
"""
import html
import os
from dataclasses import dataclass, field

from ..errors import GraphError
from .draw import draw, tensor_gradients, formula_of, Diagram
from .render import layout_engine
from .walk import collect, op_key, is_released


@dataclass
class BackwardStep:
    index: int                   # 1, 2, ...
    node: object                 # the Function being processed
    diagram: Diagram
    complete: list = field(default_factory=list)   # keys of tensors whose gradient is known after this step

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        return self.diagram._repr_mimebundle_(include, exclude)


def backward_steps(loss, **draw_options):
    """The diagrams of the backward pass of `loss`, one per op node, in topological order."""
    view = collect(loss)
    if is_released(view):
        raise GraphError("backward_steps needs the graph: call it before loss.backward(), "
                         "or run backward(retain_graph=True)")
    grads = tensor_gradients(view, [loss])
    order = view.ops_in_backward_order()
    consumers = view.consumers
    done = set()
    known = {view.outputs[0]: grads.get(view.outputs[0])}
    steps = []
    for index, node in enumerate(order, start=1):
        done.add(op_key(node))
        # a tensor's gradient is complete once every op that used it has sent its share back
        for key in view.tensors:
            if key in known:
                continue
            users = consumers.get(key, [])
            if users and all(u in done for u in users) and key in grads:
                known[key] = grads[key]
        options = dict(show_grads=True, show_values=True)
        options.update(draw_options)
        formula = formula_of(node)  # the op's own `formula`, next to its backward
        title = f"backward step {index} of {len(order)}: {node.name}" + (f"   ({formula.splitlines()[0]})"
                                                                        if formula else "")
        diagram = draw(loss, highlight=node, known_grads=dict(known), title=title, **options)
        steps.append(BackwardStep(index, node, diagram, list(known)))
    return steps


def save_steps(steps, directory, format="svg", html_page=True):
    """Write the steps as step_01.svg, step_02.svg, ... (and an index.html to click through them).

    Returns the list of written paths. Without a layout engine the DOT files are written instead.
    """
    os.makedirs(directory, exist_ok=True)
    width = max(2, len(str(len(steps))))
    paths = [step.diagram.save(os.path.join(directory, f"step_{step.index:0{width}d}.{format}"))
             for step in steps]
    if html_page and format == "svg" and layout_engine() is not None:
        paths.append(_write_html(steps, paths, directory))
    return paths


def _write_html(steps, paths, directory):
    figures = "\n".join(
        f'<section id="s{i}" {"hidden" if i else ""}><h2>Step {step.index} of {len(steps)}: '
        f'{html.escape(step.node.name)}</h2><img src="{os.path.basename(path)}"></section>'
        for i, (step, path) in enumerate(zip(steps, paths)))
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Backward pass</title>
<style>body{{font-family:sans-serif;margin:2em}} img{{max-width:100%}} button{{font-size:1.2em}}</style></head>
<body><p><button onclick="go(-1)">&larr; previous</button> <button onclick="go(1)">next &rarr;</button>
(or use the arrow keys)</p>
{figures}
<script>
let k = 0; const n = {len(steps)};
function go(d) {{ document.getElementById('s' + k).hidden = true; k = Math.min(n - 1, Math.max(0, k + d));
  document.getElementById('s' + k).hidden = false; }}
document.addEventListener('keydown', e => {{ if (e.key == 'ArrowRight') go(1); if (e.key == 'ArrowLeft') go(-1); }});
</script></body></html>"""
    path = os.path.join(directory, "index.html")
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
    return path


__all__ = ["backward_steps", "save_steps", "BackwardStep"]
