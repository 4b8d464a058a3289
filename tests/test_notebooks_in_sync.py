"""The committed notebooks carry the outputs of their current code (cheap: nothing is executed here).

nbmake executes every notebook in CI; this test only checks that the outputs saved in the
repository (what a reader sees on the web) were made by the code cells as committed.
The fix for a failure: python scripts/execute_notebooks.py notebooks/NAME.ipynb
"""
import glob
import importlib.util
import json
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("execute_notebooks", os.path.join(ROOT, "scripts", "execute_notebooks.py"))
execute_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(execute_notebooks)

NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_committed_outputs_belong_to_the_committed_code(path):
    reason = execute_notebooks.stale(path)
    assert reason is None, (f"{os.path.basename(path)}: {reason}; "
                            f"run: python scripts/execute_notebooks.py notebooks/{os.path.basename(path)}")


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if os.path.basename(p)[:2] in ("01", "05")],
                         ids=os.path.basename)
def test_diagram_notebooks_show_their_diagrams_inline(path):
    with open(path, encoding="utf-8") as f:
        cells = json.load(f)["cells"]
    svgs = [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])
            if "image/svg+xml" in o.get("data", {})]
    assert svgs, "no inline SVG diagram among the outputs"


def test_an_edited_cell_is_noticed(tmp_path):
    notebook = {"cells": [{"cell_type": "code", "source": "x = 1", "execution_count": 1, "outputs": []}],
                "metadata": {}}
    notebook["metadata"]["autograd"] = {"code_sha256": execute_notebooks.code_fingerprint(notebook)}
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(notebook))
    assert execute_notebooks.stale(str(path)) is None
    notebook["cells"][0]["source"] = "x = 2"
    path.write_text(json.dumps(notebook))
    assert "changed" in execute_notebooks.stale(str(path))
