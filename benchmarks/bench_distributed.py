"""Data-parallel training: scaling from 1 to 2 processes, all-reduce bandwidth, overlap with backward.

Three measurements, each at one BLAS thread per process:

1. Throughput (samples/s) of an SGD step of the MLP 784-1000-1000-10 (ReLU,
   float32, batch 100 per process) under DistributedDataParallel, on 1 and on
   2 processes (weak scaling: 2 processes train a global batch of 200).
2. The time of one all-reduce against the message size, and the effective
   bandwidth (bytes reduced per second), next to the MLP's gradient size.
3. How much of the communication the buckets hide behind backward: the step
   with bucketed all-reduces started from the engine's hooks (overlap), with
   the same buckets reduced after backward (none), and without communication
   (no_sync); hidden share = 1 - (overlap - no_sync) / (none - no_sync).
4. Where the time of a step goes, on each rank (an instrumented pass after the
   timed ones, buckets reduced after backward): compute, staging the gradients
   into the buckets, waiting for the slower rank (a barrier before the first
   all-reduce), the all-reduces themselves, the optimizer; and the budget that
   1.7x the throughput of one process leaves for the communication.

Run it plainly; it launches itself under `mpirun -n 1` and `mpirun -n 2`,
alternating the launches so that machine noise hits both alike:

    python benchmarks/bench_distributed.py                  # 3 launches of each
    python benchmarks/bench_distributed.py --launches 5 --steps 40
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 100
SIZES = [784, 1000, 1000, 10]


# ---------------------------------------------------------------- inside each MPI process


def decompose(ddp, opt, loss_fn, x, y, comm, steps, mode):
    """Mean milliseconds per step of each piece of a step on this rank, in `mode` ("overlap" or "none").

    The reducer's methods are wrapped with clocks for this pass only. After backward ("none"),
    a barrier before the reduction separates waiting for the slower rank from the all-reduce.
    """
    from autograd.distributed import buckets, collectives

    clock = time.perf_counter
    spent = dict.fromkeys(["reducer", "stage", "post", "test", "wait", "finish", "barrier", "reduce_now"], 0.0)
    originals = []

    def clocked(owner, name, key, barrier_first=False, excluding_stage=False):
        original = getattr(owner, name, None)
        if original is None:
            return  # (a version of the library without this step)
        originals.append((owner, name, original))

        def timed(*args, **kwargs):
            if barrier_first:
                start = clock()
                comm.Barrier()
                spent["barrier"] += clock() - start
            start, staged = clock(), spent["stage"]
            try:
                return original(*args, **kwargs)
            finally:
                spent[key] += clock() - start - (spent["stage"] - staged if excluding_stage else 0.0)
        setattr(owner, name, timed)

    clocked(buckets.GradientReducer, "gradient_ready", "reducer")  # everything the hooks do
    clocked(buckets.Bucket, "_stage", "stage")              # grad / world into a flat bucket
    clocked(buckets.Bucket, "_stage_in_place", "stage")     # grad / world where it lies (one-parameter buckets)
    clocked(buckets.Bucket, "start", "post", excluding_stage=True)   # posts the Iallreduce
    clocked(collectives.Work, "is_completed", "test")   # MPI moves messages only inside MPI calls
    clocked(collectives.Work, "wait", "wait")
    clocked(buckets.Bucket, "finish", "finish")         # wait + making .grad views of the slots
    if comm is not None and mode == "none":
        clocked(buckets.GradientReducer, "reduce_now", "reduce_now", barrier_first=True)
    ddp.overlap_with_backward = mode != "none"
    samples = []
    try:
        for _ in range(steps + 3):
            for key in spent:
                spent[key] = 0.0
            t0 = clock()
            opt.zero_grad()
            loss = loss_fn(ddp(x), y)
            t1 = clock()
            loss.backward()
            t2 = clock()
            in_backward = spent["reducer"]
            ddp.finish_gradient_sync()
            t3 = clock()
            opt.step()
            t4 = clock()
            samples.append({
                "forward": t1 - t0,
                "backward (compute)": (t2 - t1) - in_backward,
                "stage": spent["stage"],
                "wait for the other rank": spent["barrier"],
                "all-reduce": spent["post"] + spent["test"] + spent["wait"],
                ".grad views": spent["finish"] - spent["wait"],
                "bookkeeping": spent["reducer"] - spent["stage"] - spent["post"] - spent["test"] - spent["finish"]
                + (t3 - t2) - (spent["reducer"] - in_backward) - spent["barrier"],
                "optimizer step": t4 - t3,
                "step": t4 - t0})
    finally:
        for owner, name, original in reversed(originals):
            setattr(owner, name, original)
        ddp.overlap_with_backward = True
    samples = samples[3:]  # warm-up
    return {key: 1e3 * statistics.fmean(s[key] for s in samples) for key in samples[0]}


def worker(steps, rounds, bucket_cap_mb):
    import numpy

    import autograd
    import autograd.distributed as dist
    from autograd import nn, optim

    dist.init()
    rank, world = dist.get_rank(), dist.get_world_size()
    comm = dist.process_group.world().comm
    autograd.manual_seed(0)
    layers = []
    for i in range(len(SIZES) - 1):
        layers += [nn.Linear(SIZES[i], SIZES[i + 1])] + ([nn.ReLU()] if i < len(SIZES) - 2 else [])
    model = nn.Sequential(*layers)
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=bucket_cap_mb)
    opt = optim.SGD(ddp.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    rng = numpy.random.default_rng(rank)
    x = autograd.tensor(rng.standard_normal((BATCH, SIZES[0])).astype(numpy.float32))
    y = rng.integers(0, SIZES[-1], BATCH)
    gradient_bytes = sum(p.data.nbytes for p in model.parameters())

    def synchronised():
        if comm is not None:
            comm.Barrier()

    def step(mode):
        opt.zero_grad()
        if mode == "no_sync":
            with ddp.no_sync():
                loss_fn(ddp(x), y).backward()
        else:
            loss_fn(ddp(x), y).backward()
            ddp.finish_gradient_sync()
        opt.step()

    def timed(mode, count):
        ddp.overlap_with_backward = mode != "none"  # "none": the same buckets, reduced after backward
        synchronised()
        start, cpu_start = time.perf_counter(), time.process_time()
        for _ in range(count):
            step(mode)
        seconds = (time.perf_counter() - start) / count
        cpu_seconds[mode].append((time.process_time() - cpu_start) / count)
        return comm.allreduce(seconds, op=dist.process_group.import_mpi().MAX) if comm is not None else seconds

    modes = ["overlap", "none", "no_sync"] if world > 1 else ["overlap"]
    cpu_seconds = {mode: [] for mode in modes}  # this process's CPU time per step (MPICH polls: includes waits)
    for mode in modes:
        timed(mode, 3)  # warm-up
    times = {mode: [] for mode in modes}
    for _ in range(rounds):
        for mode in modes:
            times[mode].append(timed(mode, steps))
    result = {"world": world, "gradient_bytes": gradient_bytes,
              "buckets": [sum(p.data.nbytes for p in b.params) for b in ddp._reducer.buckets] if ddp._reducer else [],
              "step_seconds": {mode: statistics.median(t) for mode, t in times.items()},
              "best_step_seconds": {mode: min(t) for mode, t in times.items()},
              "cpu_seconds": {mode: statistics.median(t) for mode, t in cpu_seconds.items()}}

    result["pieces"] = {}
    for mode in (["none", "overlap"] if world > 1 else ["overlap"]):
        pieces = decompose(ddp, opt, loss_fn, x, y, comm, steps * rounds, mode)
        result["pieces"][mode] = comm.gather(pieces, root=0) if comm is not None else [pieces]

    if world > 1:  # all-reduce time against the message size
        sizes = [2 ** k for k in range(10, 24, 2)] + [gradient_bytes // 4]
        allreduce = {}
        for count in sizes:
            buffer = numpy.ones(count, numpy.float32)
            repeats = max(3, min(200, 2 ** 22 // count))
            dist.all_reduce(buffer)
            samples = []
            for _ in range(5):
                synchronised()
                start = time.perf_counter()
                for _ in range(repeats):
                    dist.all_reduce(buffer)
                samples.append((time.perf_counter() - start) / repeats)
            allreduce[count * 4] = (statistics.median(samples), min(samples))
        result["allreduce_seconds"] = {size: t[0] for size, t in allreduce.items()}
        result["best_allreduce_seconds"] = {size: t[1] for size, t in allreduce.items()}
    if rank == 0:
        print("RESULT " + json.dumps(result), flush=True)


# ---------------------------------------------------------------- the launcher


def launch(processes, args):
    mpirun = os.path.join(os.path.dirname(sys.executable), "mpirun")
    mpirun = mpirun if os.path.exists(mpirun) else shutil.which("mpirun")
    if mpirun is None:
        sys.exit("mpirun not found: pip install 'autograd-dag[distributed]'")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([ROOT] + os.environ.get("PYTHONPATH", "").split(os.pathsep)).rstrip(os.pathsep)}
    command = [mpirun, "-n", str(processes), sys.executable, os.path.abspath(__file__), "--worker",
               "--steps", str(args.steps), "--rounds", str(args.rounds), "--bucket-cap-mb", str(args.bucket_cap_mb)]
    output = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if output.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{output.stderr}")
    line = next(line for line in output.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--launches", type=int, default=3, help="launches of each world size, alternating")
    parser.add_argument("--steps", type=int, default=20, help="steps per timed round")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per mode in one launch")
    parser.add_argument("--bucket-cap-mb", type=float, default=1.0, help="bucket size (MB) of the DDP runs")
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument("--plot", help="also draw the figures into this image (PNG, SVG, ...)")
    args = parser.parse_args()
    if args.worker:
        return worker(args.steps, args.rounds, args.bucket_cap_mb)

    runs = {1: [], 2: []}
    for _ in range(args.launches):
        for processes in (1, 2):
            runs[processes].append(launch(processes, args))
    one = statistics.median(r["step_seconds"]["overlap"] for r in runs[1])
    two_results = runs[2]
    two_modes = two_results[0]["step_seconds"].keys()
    two = {mode: statistics.median(r["step_seconds"][mode] for r in two_results) for mode in two_modes}
    best_two = two.get("overlap", two.get("none"))
    print(f"MLP {'-'.join(map(str, SIZES))}, float32, batch {BATCH} per process, 1 BLAS thread each, "
          f"gradients {two_results[0]['gradient_bytes'] / 1e6:.2f} MB in buckets of "
          f"{', '.join(f'{b / 1e6:.2f}' for b in two_results[0]['buckets'])} MB")
    best_one = min(r["best_step_seconds"]["overlap"] for r in runs[1])
    best = {mode: min(r["best_step_seconds"][mode] for r in two_results) for mode in two_modes}
    best_mode = "overlap" if "overlap" in best else "none"
    print(f"  best round (least disturbed by other load): 1 process {best_one * 1e3:.2f} ms/step; 2 processes "
          + ", ".join(f"{mode} {t * 1e3:.2f} ms" for mode, t in best.items())
          + f" -> {2 * best_one / best[best_mode]:.2f}x the throughput")
    cpu_one = statistics.median(r["cpu_seconds"]["overlap"] for r in runs[1])
    cpu_two = {mode: statistics.median(r["cpu_seconds"][mode] for r in two_results) for mode in two_modes}
    print(f"  CPU time per step and process (less sensitive to other load): 1 process {cpu_one * 1e3:.2f} ms; "
          + ", ".join(f"2 processes {mode} {t * 1e3:.2f} ms" for mode, t in cpu_two.items()))
    print(f"  1 process : {one * 1e3:7.2f} ms/step  {BATCH / one:8.0f} samples/s")
    print(f"  2 processes: {best_two * 1e3:7.2f} ms/step  {2 * BATCH / best_two:8.0f} samples/s  "
          f"-> {2 * one / best_two:.2f}x the throughput of one process")
    if {"overlap", "none", "no_sync"} <= set(two):
        exposed_none = two["none"] - two["no_sync"]
        exposed_overlap = two["overlap"] - two["no_sync"]
        hidden = 1 - exposed_overlap / exposed_none if exposed_none > 0 else float("nan")
        print(f"  2 processes, step without communication (no_sync) {two['no_sync'] * 1e3:.2f} ms, "
              f"buckets reduced after backward {two['none'] * 1e3:.2f} ms, during backward {two['overlap'] * 1e3:.2f} ms"
              f" -> {100 * hidden:.0f}% of the communication hidden")
    print("  all-reduce on 2 processes:  bytes -> time and effective bandwidth (median; best round)")
    for size in two_results[0]["allreduce_seconds"]:
        seconds = statistics.median(r["allreduce_seconds"][size] for r in two_results)
        fastest = min(r["best_allreduce_seconds"][size] for r in two_results)
        print(f"    {int(size):>10,d} B  {seconds * 1e6:9.1f} us  {int(size) / seconds / 1e9:6.2f} GB/s;"
              f"  {fastest * 1e6:9.1f} us  {int(size) / fastest / 1e9:6.2f} GB/s")
    print_decomposition(runs, one, best_one, two, best)
    load = os.getloadavg()[0]
    print(f"  load average at the end: {load:.1f} runnable processes on {os.cpu_count()} cores "
          "(near 2 the figures above measure this code; far above, they measure the other load)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(runs, f, indent=1)
    if args.plot:
        plot(args.plot, runs, load)


def print_decomposition(runs, one, best_one, two, best):
    """Where a step's time goes on each rank, and what 1.7x the throughput of one process leaves."""
    columns = [("1 process", [r["pieces"]["overlap"][0] for r in runs[1]])]
    for mode in ("none", "overlap"):
        columns += [(f"{mode}, rank {rank}", [r["pieces"][mode][rank] for r in runs[2]]) for rank in (0, 1)]
    print("  where the time of a step goes (ms per step: means over an instrumented pass, medians over launches; "
          "2 processes with the buckets reduced after backward (none) and during it (overlap)):")
    print("    " + f"{'':24s}" + "".join(f"{name:>17s}" for name, _ in columns))
    for key in columns[0][1][0]:
        print("    " + f"{key:24s}" + "".join(f"{statistics.median(p[key] for p in pieces):17.2f}"
                                            for _, pieces in columns))
    if "no_sync" not in two:
        return
    gradients = str(runs[2][0]["gradient_bytes"])
    allreduce = statistics.median(r["allreduce_seconds"][gradients] for r in runs[2])
    best_allreduce = min(r["best_allreduce_seconds"][gradients] for r in runs[2])
    for label, t1, t2, no_sync, reduce in (("median", one, two, two["no_sync"], allreduce),
                                           ("best round", best_one, best, best["no_sync"], best_allreduce)):
        budget = 2 * t1 / 1.7
        print(f"  1.7x target ({label}): a 2-process step within {budget * 1e3:.2f} ms (2 x {t1 * 1e3:.2f} / 1.7); "
              f"without communication it takes {no_sync * 1e3:.2f} ms, which leaves {(budget - no_sync) * 1e3:.2f} ms "
              f"for all of it; the all-reduce of the gradients alone takes {reduce * 1e3:.2f} ms; the step with it "
              f"took {t2['overlap'] * 1e3:.2f} ms (overlap), {t2['none'] * 1e3:.2f} ms (after backward)")


def plot(path, runs, load):
    """All-reduce time against message size; samples/s of 1 and 2 processes (medians and best rounds)."""
    from matplotlib.figure import Figure

    two_results = runs[2]
    figure = Figure(figsize=(10, 3.8), layout="constrained")
    left, right = figure.subplots(1, 2)
    sizes = list(two_results[0]["allreduce_seconds"])
    for key, label in (("allreduce_seconds", "median"), ("best_allreduce_seconds", "best round")):
        pick = statistics.median if key == "allreduce_seconds" else min
        seconds = [pick(r[key][s] for r in two_results) for s in sizes]
        left.loglog([int(s) for s in sizes], [t * 1e6 for t in seconds], marker="o", linestyle="", label=label)
        if label == "best round":
            for s, t in zip(sizes, seconds):
                left.annotate(f"{int(s) / t / 1e9:.1f} GB/s", (int(s), t * 1e6), textcoords="offset points",
                              xytext=(4, -10), fontsize=7)
    left.axvline(two_results[0]["gradient_bytes"], color="gray", linestyle=":", label="MLP gradients")
    left.set_xlabel("message (bytes)")
    left.set_ylabel("all-reduce time (µs), 2 processes")
    left.legend(fontsize=8)
    left.grid(alpha=0.3)
    modes = list(two_results[0]["step_seconds"])
    labels = ["1 process"] + [f"2, {mode}" for mode in modes]
    for offset, (key, pick, label) in enumerate((("step_seconds", statistics.median, "median"),
                                                 ("best_step_seconds", min, "best round"))):
        one = pick(r[key]["overlap"] for r in runs[1])
        values = [BATCH / one] + [2 * BATCH / pick(r[key][m] for r in two_results) for m in modes]
        positions = [i + 0.4 * offset for i in range(len(values))]
        right.bar(positions, values, width=0.4, label=label)
        for x, v in zip(positions, values):
            right.annotate(f"{v * one / BATCH:.2f}x", (x, v), ha="center", textcoords="offset points",
                           xytext=(0, 2), fontsize=7)
    right.set_xticks([i + 0.2 for i in range(len(labels))], labels, fontsize=8)
    right.set_ylabel("samples / s, MLP 784-1000-1000-10")
    right.legend(fontsize=8)
    figure.suptitle(f"2-core machine shared with other work (load average {load:.0f}); 1 BLAS thread per process",
                    fontsize=9)
    figure.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
