"""Regenerate the README's diagram, docs/images/xor_graph.svg, with the library itself.

    $ python scripts/make_readme_diagram.py

It trains the XOR network of `python -m autograd` and draws it with values and gradients.
"""
import os
import sys

from autograd.__main__ import train, write_diagram

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.path.join(HERE, "..", "docs", "images", "xor_graph.svg")

if __name__ == "__main__":
    with open(os.devnull, "w") as quiet:
        params, _, _ = train(out=quiet)
    print(write_diagram(params, os.path.normpath(TARGET)))
    sys.exit(0)
