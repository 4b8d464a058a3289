#!/usr/bin/env bash
# The GPU check, in one run of at most 8 minutes on a machine with an NVIDIA GPU:
#   1. the environment (GPU, CuPy, NumPy, PyTorch versions),
#   2. every CUDA-marked test on the real GPU: pytest -m cuda -x -q,
#   3. the GPU benchmarks (benchmarks/gpu/bench_gpu.py): LSTM LM step at PTB size (B20 T35 V10k H100)
#      and large (B128 T35 H650) against PyTorch's cuDNN nn.LSTM, the MLP step at batch 1024 against
#      PyTorch CUDA, the conv step when autograd.nn.Conv2d exists, kernel launches per LSTM step.
# Results and logs go to $OUT (default ./gpu-results); summary.md lists every part and its outcome.
#
# It uses the machine's own python3 (or $PYTHON) and installs nothing: the project runs from this
# tree with PYTHONPATH=. Run it from anywhere:
#     bash benchmarks/gpu/device_check.sh
# Without a GPU, the same script runs end to end on the CPU stand-in for CuPy, with small sizes
# (the figures then only show that the script works):
#     AUTOGRAD_EMULATE_CUDA=1 bash benchmarks/gpu/device_check.sh
set -uo pipefail   # no -e: one failing part must not hide the others' results
cd "$(dirname "$0")/../.."

OUT="${OUT:-./gpu-results}"
mkdir -p "$OUT"
PYTHON="${PYTHON:-python3}"
export PYTHONPATH=".${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
SUMMARY="$OUT/summary.md"
START=$(date +%s)

if [ "${AUTOGRAD_EMULATE_CUDA:-0}" = 1 ]; then
    MODE="emulated (CPU stand-in for CuPy: the figures say nothing about a GPU)"
    LSTM_SIZES="small"; OTHER_SIZE="small"; ROUNDS=3; WARMUP=1
    TEST_TIMEOUT=240; BENCH_TIMEOUT=120
else
    MODE="GPU"
    LSTM_SIZES="ptb large"; OTHER_SIZE="full"; ROUNDS=30; WARMUP=5
    # 8 minutes in all: tests at most 240 s, each benchmark at most 60 s, none started past the deadline
    TEST_TIMEOUT=240; BENCH_TIMEOUT=60
fi

DEADLINE=$(( START + 470 ))  # the whole run stays under 8 minutes
budget() {  # budget SECONDS: SECONDS, or what is left before the deadline if less
    local left=$(( DEADLINE - $(date +%s) ))
    [ "$left" -lt "$1" ] && echo "$left" || echo "$1"
}
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/device_check.log"; }
part() {  # part NAME TIMEOUT COMMAND...: run, log to $OUT/NAME.log, one line in the summary
    local name=$1 limit=$2; shift 2
    if [ "$limit" -lt 10 ]; then
        log "$name: NOT RUN: the 8-minute budget is spent"
        echo "| $name | NOT RUN: out of time | |" >>"$SUMMARY"
        return 1
    fi
    log "$name: $*"
    timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
    local rc=$?
    local verdict="ok"
    [ $rc -eq 124 ] && verdict="TIMED OUT after ${limit} s"
    [ $rc -ne 0 ] && [ $rc -ne 124 ] && verdict="FAILED (exit $rc)"
    log "$name: $verdict"
    echo "| $name | $verdict | \`$name.log\` |" >>"$SUMMARY"
    tail -n 4 "$OUT/$name.log" | sed 's/^/    /' | tee -a "$OUT/device_check.log"
    return $rc
}

{
    echo "# Device check ($MODE)"
    echo
    echo "started $(date -u '+%Y-%m-%d %H:%M:%S UTC') in $(pwd), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo
    echo "| part | outcome | log |"
    echo "|---|---|---|"
} >"$SUMMARY"

# 1. environment: what this machine has (nothing is installed)
part environment 40 "$PYTHON" - <<'EOF'
import importlib, platform, sys
print("python", sys.version.split()[0], platform.platform())
for name in ("numpy", "cupy", "torch", "pytest", "hypothesis", "xdist", "mpi4py", "scipy", "safetensors"):
    try:
        module = importlib.import_module(name)
        print(f"{name:12s}", getattr(module, "__version__", "present"))
    except Exception as error:  # noqa: BLE001 - a missing module is a finding, not a crash
        print(f"{name:12s} missing ({type(error).__name__})")
import autograd
from autograd import backend
print("autograd from", autograd.__file__, "| emulated CUDA:", backend.EMULATED_CUDA,
      "| cuda available:", backend.cuda_available())
if backend.cuda_available() and not backend.EMULATED_CUDA:
    import cupy
    props = cupy.cuda.runtime.getDeviceProperties(0)
    print("GPU", props["name"].decode(), "| CUDA runtime", cupy.cuda.runtime.runtimeGetVersion(),
          "| memory %.1f GiB" % (props["totalGlobalMem"] / 2 ** 30))
EOF

# 2. the CUDA-marked tests on the device (stop at the first failure: -x).
# -p no:cacheprovider: write nothing into the tree; -o addopts="": no notebooks, no xdist needed.
# Test files that cannot even be imported here (an optional package missing) are listed and left out.
PYTEST=("$PYTHON" -m pytest -p no:cacheprovider -o addopts="")
if "$PYTHON" -c "import pytest" 2>/dev/null; then
    IGNORE=()
    "${PYTEST[@]}" --collect-only -q -m cuda tests >"$OUT/pytest_collect.log" 2>&1
    for broken in $(grep -oE "^ERROR tests/[^ ]+\.py" "$OUT/pytest_collect.log" | cut -d' ' -f2 | sort -u); do
        log "cannot import $broken here (see pytest_collect.log): left out of the CUDA tests"
        echo "| pytest_cuda | left out $broken: it cannot be imported here | \`pytest_collect.log\` |" >>"$SUMMARY"
        IGNORE+=("--ignore=$broken")
    done
    part pytest_cuda "$(budget "$TEST_TIMEOUT")" "${PYTEST[@]}" -m cuda -x -q --durations=10 "${IGNORE[@]}" tests
else
    log "pytest is missing here: the CUDA tests cannot run"
    echo "| pytest_cuda | NOT RUN: pytest missing | |" >>"$SUMMARY"
fi

# 3. benchmarks (each a separate process: one failure or time-out leaves the rest)
BENCH=("$PYTHON" benchmarks/gpu/bench_gpu.py)
for size in $LSTM_SIZES; do
    part "bench_lstm_$size" "$(budget "$BENCH_TIMEOUT")" "${BENCH[@]}" lstm --size "$size" --rounds "$ROUNDS" \
        --warmup "$WARMUP" --out "$OUT"
done
part bench_mlp "$(budget "$BENCH_TIMEOUT")" "${BENCH[@]}" mlp --size "$OTHER_SIZE" --rounds "$ROUNDS" --warmup "$WARMUP" --out "$OUT"
part bench_conv "$(budget "$BENCH_TIMEOUT")" "${BENCH[@]}" conv --size "$OTHER_SIZE" --rounds "$ROUNDS" --warmup "$WARMUP" --out "$OUT"
part bench_launches "$(budget "$BENCH_TIMEOUT")" "${BENCH[@]}" launches --size "$(echo $LSTM_SIZES | cut -d' ' -f1)" --out "$OUT"

{
    echo
    echo "## Figures"
    echo
    cat "$OUT"/bench_*.log 2>/dev/null | grep -E "ms/step|ratio|launches|skipped" | sed 's/^/    /'
    echo
    echo "finished in $(( $(date +%s) - START )) s"
} >>"$SUMMARY"
log "done in $(( $(date +%s) - START )) s: see $SUMMARY"
grep -q "FAILED\|TIMED OUT\|NOT RUN" "$SUMMARY" && exit 1
exit 0
