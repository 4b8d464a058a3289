"""Execute the notebooks in place and save their outputs, so that they show their diagrams on the web.

    $ python scripts/execute_notebooks.py                       # every notebook in notebooks/
    $ python scripts/execute_notebooks.py notebooks/05_autodiff_by_hand.ipynb
    $ python scripts/execute_notebooks.py --check               # exit 1 if committed outputs are stale

Needs the `notebook` extra (pip install -e '.[notebook]'). Each notebook runs in a
fresh kernel from its own folder, as nbmake runs it in CI. Afterwards its metadata
holds a fingerprint of its code cells (`autograd.code_sha256`): `--check`, and
tests/test_notebooks_in_sync.py in CI, compare it with the code cells as committed,
which needs no kernel and takes milliseconds. A notebook whose code changed since
its outputs were made fails there with this command as the fix. Outputs are never
compared (timings differ from run to run); nbmake re-executes every notebook in CI.
"""
import argparse
import glob
import hashlib
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NOTEBOOKS = os.path.normpath(os.path.join(HERE, "..", "notebooks"))


def code_fingerprint(notebook):
    """sha256 of the notebook's code cells (their sources only, trailing spaces ignored)."""
    cells = notebook["cells"] if isinstance(notebook, dict) else notebook.cells
    sources = []
    for cell in cells:
        if cell["cell_type"] == "code":
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            sources.append("\n".join(line.rstrip() for line in source.strip().splitlines()))
    return hashlib.sha256(json.dumps(sources).encode("utf-8")).hexdigest()


def stale(path):
    """Why the committed outputs of `path` do not belong to its code, or None when they do."""
    with open(path, encoding="utf-8") as f:
        notebook = json.load(f)
    recorded = notebook.get("metadata", {}).get("autograd", {}).get("code_sha256")
    if recorded is None:
        return "never executed by scripts/execute_notebooks.py"
    if recorded != code_fingerprint(notebook):
        return "its code cells changed since its outputs were made"
    if any(cell["cell_type"] == "code" and cell.get("execution_count") is None and cell["source"]
           for cell in notebook["cells"]):
        return "some code cells have no outputs"
    return None


def execute(path, timeout=600):
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    start = time.perf_counter()
    client.execute()
    notebook.metadata["autograd"] = {"code_sha256": code_fingerprint(notebook)}
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="notebooks to run (default: every notebook in notebooks/)")
    parser.add_argument("--check", action="store_true", help="only report notebooks whose outputs are stale")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(glob.glob(os.path.join(NOTEBOOKS, "*.ipynb")))
    if args.check:
        problems = [(p, stale(p)) for p in paths if stale(p)]
        for path, reason in problems:
            print(f"{os.path.relpath(path)}: {reason}; run: python scripts/execute_notebooks.py {os.path.relpath(path)}")
        return 1 if problems else 0
    for path in paths:
        print(f"{os.path.relpath(path)}: {execute(path, args.timeout):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
