"""What the benchmark scripts share: the command line, the thread settings, the machine, timing.

Standard library only: the scripts set the thread variables from the command line before NumPy
and PyTorch load, so this module must not import either of them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

THREAD_VARS = ("NEURONA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# -- command line and threads ------------------------------------------------------------------


def default_threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def arg_parser(doc: str, threads_help: str, strict: bool = True) -> argparse.ArgumentParser:
    """The options every benchmark takes; a script adds its own before calling ``parse_args``."""
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=default_threads(), help=threads_help)
    p.add_argument("--quick", action="store_true", help="a short smoke run (seconds)")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    if strict:
        p.add_argument("--strict", action="store_true",
                       help="exit with status 1 if a target is missed")
    return p


def parse_args(p: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    args = p.parse_args(argv)
    if args.threads < 1:
        p.error(f"--threads must be at least 1, got {args.threads}")
    return args


def set_thread_env(threads: int) -> None:
    """BLAS and OpenMP read these once, when NumPy and PyTorch load them: call before importing."""
    for var in THREAD_VARS:
        os.environ[var] = str(threads)


# -- timing ------------------------------------------------------------------------------------


def time_calls(step, n: int) -> float:
    """Seconds per call of ``step`` over ``n`` calls."""
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t0) / n


def compare(steps: dict, n: int, repeats: int, warmup: int, pause_s: float,
            resets: dict | None = None) -> dict:
    """Time each contender's ``step`` (seconds per call): the best of several repeats.

    Repeats alternate between the contenders (in ABBA order) so slow phases of the machine are
    shared, each after ``pause_s`` of quiet; ``resets`` restore the initial parameters before
    each repeat, outside the timing, so every repeat runs the same steps from the same start.
    """
    resets = resets or {}
    for key, step in steps.items():
        if key in resets:
            resets[key]()
        time_calls(step, warmup)
    times = {key: [] for key in steps}
    order = list(steps)
    for r in range(repeats):
        for key in order if r % 2 == 0 else order[::-1]:
            if key in resets:
                resets[key]()
            time.sleep(pause_s)
            times[key].append(time_calls(steps[key], n))
    return {key: {"best_s": min(ts), "median_s": statistics.median(ts), "runs_s": ts,
                  "steps": n} for key, ts in times.items()}


# -- data --------------------------------------------------------------------------------------


def alternate(keys, repeats: int, run, pause_s: float) -> dict:
    """``{key: [run(key) ...]}``: ``repeats`` calls per key in ABBA order (so a slow phase of
    the machine hits every contender alike), each after ``pause_s`` of quiet (BLAS threads stop
    spinning)."""
    out = {key: [] for key in keys}
    for r in range(repeats):
        for key in keys if r % 2 == 0 else keys[::-1]:
            time.sleep(pause_s)
            out[key].append(run(key))
    return out


def summary(times: list[float], **extra) -> dict:
    """Median, best and every repeat (seconds), plus ``extra`` entries, for the JSON report."""
    return {"median_s": statistics.median(times), "best_s": min(times), "runs_s": times, **extra}


def glorot_arrays(rng, sizes) -> list:
    """Glorot-uniform kernels (in, out) and small random biases, float32 NumPy arrays, in
    Keras's weight order (kernel, bias per layer)."""
    import numpy as np  # here, not at the top: the scripts set the thread variables first

    arrays = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        lim = np.sqrt(6.0 / (fan_in + fan_out))
        arrays.append(rng.uniform(-lim, lim, size=(fan_in, fan_out)).astype(np.float32))
        arrays.append(rng.uniform(-0.1, 0.1, size=fan_out).astype(np.float32))
    return arrays


# -- machine -----------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def openblas_env() -> dict:
    """The OpenBLAS variables that slow NumPy's BLAS when set (see benchmarks/README.md)."""
    return {k: os.environ[k] for k in OPENBLAS_VARS if k in os.environ}


def _machine_busy_s() -> float | None:
    """CPU-seconds all processes have used since boot, counting time the hypervisor stole
    (Linux only; None elsewhere)."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class Contention:
    """The share of the machine's CPU that other processes used while the benchmark ran: timings
    taken while something else computes are not worth comparing. ``share`` is None where the
    machine's CPU time cannot be read."""

    def __enter__(self):
        self.start = (time.perf_counter(), _machine_busy_s(), _own_cpu_s())
        return self

    def __exit__(self, *exc):
        wall0, busy0, own0 = self.start
        busy1 = _machine_busy_s()
        self.share = None
        if busy0 is not None and busy1 is not None:
            others = (busy1 - busy0) - (_own_cpu_s() - own0)
            capacity = (time.perf_counter() - wall0) * (os.cpu_count() or 1)
            self.share = max(0.0, others / capacity)
        return False


# -- report ------------------------------------------------------------------------------------


def print_conditions(openblas: dict, ratio_line: str, share: float | None) -> None:
    """The report's lines on how it was measured: OpenBLAS warnings, what the ratios mean and
    how busy the machine was."""
    for k, v in openblas.items():
        print(f"  warning: {k}={v} is set; it can slow NumPy's BLAS (see benchmarks/README.md)")
    print(ratio_line)
    if share is not None:
        print(f"other processes used {share:.0%} of the CPU during the run"
              + (": timings are disturbed, rerun on an idle machine" if share > 0.1 else ""))


def print_table(table: list[tuple]) -> None:
    """Rows of strings as aligned columns: the first row is the head, the first column is left
    aligned."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for i, row in enumerate(table):
        cells = [c.ljust(w) if j == 0 else c.rjust(w)
                 for j, (c, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def finish(args, info: dict, results: dict, rows: list[dict]) -> int:
    """The report's end: the JSON file (``--json``), the missed targets, and the exit status
    (1 with ``--strict`` when a target is missed)."""
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": info, "results": results, "table": rows}, f, indent=2,
                      default=float)
    missed = [r["workload"].strip() for r in rows if not r["met"]]
    if missed:
        print(f"\ntargets missed: {'; '.join(missed)}")
    return 1 if args.strict and missed else 0


# -- fit timing ----------------------------------------------------------------------------------


def epoch_timer(base):
    """A callback class on ``base`` (neurona's or Keras's ``Callback``) recording each epoch's
    wall time in ``times`` (so that ``fit``'s set-up is left out of the timings) and, with
    ``first_loss``, the first training step's loss in ``first`` (a per-batch hook: off where
    its cost would show in the timings of tiny steps)."""

    class EpochTimer(base):
        def __init__(self, first_loss=True):
            super().__init__()
            self.times = []
            self.first = None
            if first_loss:
                self.on_train_batch_end = self._first_loss

        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.t0)

        def _first_loss(self, batch, logs=None):
            if self.first is None:
                self.first = float(logs["loss"])

    return EpochTimer
