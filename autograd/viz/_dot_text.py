"""A minimal stand-in for `graphviz.Digraph` that only writes DOT text (no rendering).

Used when the graphviz package is missing and all that is asked for is a `.dot` file.

    >>> g = Digraph(name="g"); g.node("a", label="A"); g.edge("a", "b"); g.source
"""


def _quote(value):
    value = str(value)
    if value.startswith("<") and value.endswith(">"):  # an HTML-like label goes as it is
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _attributes(attrs):
    return " ".join(f"{key}={_quote(value)}" for key, value in attrs.items() if value is not None)


class Digraph:
    def __init__(self, name=None, format=None, **_):
        self.name, self.format = name, format
        self.filename = self.directory = None
        self.body = []

    def attr(self, kw=None, **attrs):
        if kw is None:
            self.body.append(f"\t{_attributes(attrs)}\n")
        else:
            self.body.append(f"\t{kw} [{_attributes(attrs)}]\n")

    def node(self, name, label=None, **attrs):
        self.body.append(f"\t{name} [{_attributes(dict(label=label, **attrs))}]\n")

    def edge(self, tail, head, **attrs):
        self.body.append(f"\t{tail} -> {head}" + (f" [{_attributes(attrs)}]" if attrs else "") + "\n")

    def subgraph(self, graph):
        self.body.append(f"\tsubgraph {graph.name} {{\n")
        self.body.extend("\t" + line for line in graph.body)
        self.body.append("\t}\n")

    @property
    def source(self):
        return f"digraph {self.name or ''} {{\n" + "".join(self.body) + "}\n"
