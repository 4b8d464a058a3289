#!/usr/bin/env bash
# The two commands of the README, each of which sets everything up first:
#   bash run.sh demo   trains the XOR network of the computation-graph chapter and writes its diagram
#                      (installs only when .venv is missing or older than pyproject.toml's contents)
#   bash run.sh test   runs the whole test suite (tests/ and the notebooks): it runs .ci/run
#   bash run.sh setup  only creates .venv and installs everything
# Everything is installed into ./.venv (created if missing) from the package registries.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

STAMP="$VENV/.autograd-dag-installed"   # what the last install was made from

setup() {
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[viz,train,test,distributed]"
    install_fingerprint > "$STAMP"
}

install_fingerprint() {
    # pyproject.toml (dependencies, extras) and the interpreter: a change to either needs a new install
    { cat pyproject.toml; "$VENV/bin/python" --version; } | cksum
}

setup_unless_current() {
    # demo: skip pip (seconds) when .venv was set up from this very pyproject.toml. `setup` and
    # `test` (CI) always install.
    if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(install_fingerprint)" = "$(cat "$STAMP")" ] \
            && "$VENV/bin/python" -c "import autograd" 2>/dev/null; then
        return
    fi
    setup
}

install_torch_oracle() {
    # PyTorch is only an optional test oracle. Always pinned to 2.13.0, and only from a local CPU
    # wheel: an unpinned or remote torch pulls gigabytes of CUDA packages.
    if "$VENV/bin/python" -c "import torch" 2>/dev/null; then
        return
    fi
    local dirs wheel=""
    dirs=$("$VENV/bin/python" -m pip config list 2>/dev/null | sed -n "s/.*find-links='\(.*\)'/\1/p" | tr ' ' '\n')
    for dir in $dirs ${PIP_FIND_LINKS:-}; do
        dir=${dir#file://}
        for candidate in "$dir"/torch-2.13.0*-cp3*-linux_x86_64.whl "$dir"/torch-2.13.0*manylinux*x86_64.whl; do
            if [ -f "$candidate" ]; then wheel=$candidate; break 2; fi
        done
    done
    if [ -n "$wheel" ]; then
        echo "installing the PyTorch oracle from $wheel"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel" \
            || echo "PyTorch oracle not installed; the tests that compare with it will skip"
    else
        echo "no local torch==2.13.0 CPU wheel found; the tests that compare with PyTorch will skip"
    fi
}

case "${1:-}" in
    setup)
        setup
        install_torch_oracle
        ;;
    demo)
        setup_unless_current
        "$VENV/bin/python" -m autograd "${@:2}"
        ;;
    test)
        exec bash .ci/run "${@:2}"   # the same command CI runs: setup, then pytest
        ;;
    *)
        echo "usage: bash run.sh setup|demo|test [extra arguments]" >&2
        exit 2
        ;;
esac
