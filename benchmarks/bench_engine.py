"""neurona against PyTorch on the CPU: the same small models, the same data, the same threads.

Four workloads, each timed for both frameworks in this one process:

1. tiny MLP 2-16-16-1 (tanh, MSE, batch 32): a training step, bound by per-op Python overhead;
2. MLP 784-256-128-10 (ReLU, softmax cross-entropy, batch 128): a training step, bound by matrix
   products, also compared with a NumPy "ceiling" (the step's matrix products alone);
3. one scalar multiply and its backward: the fixed cost of one op through the engine;
4. ``import neurona`` in a fresh interpreter, and which optional dependencies it loads (none).

Training steps use the tensor API and a hand-written SGD update (no optimizer classes). Each
measurement is the best of several repeats of many steps each, after a warm-up (the best run is
the one least disturbed by other work on the machine; the medians are kept in the JSON); neurona
and PyTorch repeats alternate so that drift in the machine's speed hits both alike. Ratios are
neurona's speed over PyTorch's: above 1 means neurona is faster.

Run (see benchmarks/README.md for why the two OPENBLAS variables are unset):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_engine.py
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys

import _common

OPTIONAL_DEPS = (
    "cupy", "matplotlib", "torch", "scipy", "sklearn", "optuna", "mpi4py", "tqdm", "graphviz",
    "onnx", "starlette", "uvicorn",
)


ARGS = _common.parse_args(_common.arg_parser(
    __doc__, "threads for NumPy's BLAS and PyTorch (default: all cores)"))
_common.set_thread_env(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as TF  # noqa: E402

import neurona as nr  # noqa: E402
import neurona.functions as F  # noqa: E402

torch.set_num_threads(ARGS.threads)

# Seconds to wait before each timed repeat. NumPy's OpenBLAS worker threads keep spinning for a
# while after a matrix product; on a small machine they would take a core from PyTorch's next
# repeat (measured: 2x slower PyTorch steps), so every repeat starts from quiet thread pools.
PAUSE_S = 0.25

# steps per repeat, repeats, warm-up steps: (full run, quick run)
PLAN = {
    "tiny_mlp": ((1000, 7, 200), (50, 3, 10)),
    "mlp": ((100, 7, 20), (5, 3, 2)),
    "scalar": ((10000, 7, 1000), (300, 3, 50)),
}


# -- timing ------------------------------------------------------------------------------------


def compare(name: str, steps: dict, resets: dict | None = None) -> dict:
    """Time each framework's ``step`` with this workload's plan (see ``_common.compare``)."""
    n, repeats, warmup = PLAN[name][1 if ARGS.quick else 0]
    return _common.compare(steps, n, repeats, warmup, PAUSE_S / 10 if ARGS.quick else PAUSE_S,
                           resets)


# -- data and parameters -----------------------------------------------------------------------


def init_params(rng, sizes):
    """Glorot-uniform weights (in, out) and small random biases, float32, as NumPy arrays."""
    return _common.glorot_arrays(rng, sizes)


def both_params(arrays):
    """The same initial values as neurona tensors (W: (in, out)) and torch tensors (W: (out, in),
    the layout ``torch.nn.functional.linear`` multiplies without a transpose)."""
    nr_params = [nr.tensor(a, requires_grad=True) for a in arrays]
    torch_params = [torch.tensor(a.T.copy() if a.ndim == 2 else a, requires_grad=True)
                    for a in arrays]
    return nr_params, torch_params


def resetters(arrays, nr_params, torch_params):
    def reset_nr():
        for p, a in zip(nr_params, arrays, strict=True):
            p.data[...] = a
            p.grad = None

    def reset_torch():
        with torch.no_grad():
            for p, a in zip(torch_params, arrays, strict=True):
                p.copy_(torch.from_numpy(a.T if a.ndim == 2 else a))
                p.grad = None

    return {"neurona": reset_nr, "pytorch": reset_torch}


def check_same_step(name, nr_step, torch_step, nr_params, torch_params, resets) -> float:
    """One step in each framework from the same start: the losses and the updated parameters
    must agree, or the timings would compare different computations."""
    for reset in resets.values():
        reset()
    loss_nr = float(nr_step().item())
    loss_torch = float(torch_step().item())
    if not np.isclose(loss_nr, loss_torch, rtol=1e-4, atol=1e-6):
        raise AssertionError(f"{name}: first-step loss differs: neurona {loss_nr!r}, "
                             f"PyTorch {loss_torch!r}")
    for i, (a, b) in enumerate(zip(nr_params, torch_params, strict=True)):
        b = b.detach().numpy()
        b = b.T if b.ndim == 2 else b
        if a.data.dtype != np.float32:
            raise AssertionError(f"{name}: parameter {i} became {a.data.dtype}, not float32")
        if not np.allclose(a.data, b, rtol=1e-4, atol=1e-5):
            err = float(np.abs(a.data - b).max())
            raise AssertionError(f"{name}: parameter {i} differs after one step (max {err:.3g})")
    return loss_nr


# -- workloads ---------------------------------------------------------------------------------


def sgd_nr(params, lr):
    for p in params:
        p.data -= lr * p.grad
        p.grad = None


def sgd_torch(params, lr):
    with torch.no_grad():
        for p in params:
            p.sub_(p.grad, alpha=lr)  # PyTorch's fastest form of p -= lr * p.grad
            p.grad = None


def bench_tiny_mlp() -> dict:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 2)).astype(np.float32)
    t = (np.sin(x[:, :1]) * np.cos(x[:, 1:])).astype(np.float32)
    arrays = init_params(rng, [2, 16, 16, 1])
    lr = 0.05

    nr_params, torch_params = both_params(arrays)
    w1, b1, w2, b2, w3, b3 = nr_params
    xn, tn = nr.tensor(x), nr.tensor(t)

    def nr_step():
        h = F.tanh(F.linear(xn, w1, b1))
        h = F.tanh(F.linear(h, w2, b2))
        y = F.linear(h, w3, b3)
        loss = ((y - tn) ** 2).mean()
        loss.backward()
        sgd_nr(nr_params, lr)
        return loss

    tw1, tb1, tw2, tb2, tw3, tb3 = torch_params
    xt, tt = torch.from_numpy(x), torch.from_numpy(t)

    def torch_step():
        h = torch.tanh(TF.linear(xt, tw1, tb1))
        h = torch.tanh(TF.linear(h, tw2, tb2))
        y = TF.linear(h, tw3, tb3)
        loss = ((y - tt) ** 2).mean()
        loss.backward()
        sgd_torch(torch_params, lr)
        return loss

    resets = resetters(arrays, nr_params, torch_params)
    loss0 = check_same_step("tiny MLP", nr_step, torch_step, nr_params, torch_params, resets)
    res = compare("tiny_mlp", {"neurona": nr_step, "pytorch": torch_step}, resets)
    res["first_loss"] = loss0
    return res


def mlp_data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(128, 784)).astype(np.float32)
    labels = rng.integers(0, 10, size=128)
    return x, labels, init_params(rng, [784, 256, 128, 10])


def gemm_ceiling_step():
    """The MLP step's matrix products alone, with NumPy, in the layouts the step uses: 3 forward,
    3 weight gradients and 2 input gradients (the input batch needs none)."""
    x, _, (w1, _, w2, _, w3, _) = mlp_data()
    rng = np.random.default_rng(2)
    h1 = rng.normal(size=(128, 256)).astype(np.float32)
    h2 = rng.normal(size=(128, 128)).astype(np.float32)
    g1, g2, g3 = (rng.normal(size=s).astype(np.float32) for s in [(128, 256), (128, 128),
                                                                   (128, 10)])

    def products():
        # on BLAS's threads: importing neurona keeps NumPy's BLAS on one thread outside it
        with nr.parallel.blas_threads():
            forward = (x @ w1, h1 @ w2, h2 @ w3)
            backward = (h2.T @ g3, g3 @ w3.T, h1.T @ g2, g2 @ w2.T, x.T @ g1)
        return forward, backward

    return products


def bench_mlp() -> dict:
    x, labels, arrays = mlp_data()
    lr = 0.01

    nr_params, torch_params = both_params(arrays)
    w1, b1, w2, b2, w3, b3 = nr_params
    xn, yn = nr.tensor(x), nr.tensor(labels)

    def nr_step():
        h = F.relu(F.linear(xn, w1, b1))
        h = F.relu(F.linear(h, w2, b2))
        loss = F.softmax_cross_entropy(F.linear(h, w3, b3), yn)
        loss.backward()
        sgd_nr(nr_params, lr)
        return loss

    tw1, tb1, tw2, tb2, tw3, tb3 = torch_params
    xt, yt = torch.from_numpy(x), torch.from_numpy(labels)

    def torch_step():
        h = torch.relu(TF.linear(xt, tw1, tb1))
        h = torch.relu(TF.linear(h, tw2, tb2))
        loss = TF.cross_entropy(TF.linear(h, tw3, tb3), yt)
        loss.backward()
        sgd_torch(torch_params, lr)
        return loss

    resets = resetters(arrays, nr_params, torch_params)
    loss0 = check_same_step("MLP", nr_step, torch_step, nr_params, torch_params, resets)
    # the NumPy ceiling is timed in the same rotation, so the fraction compares like with like
    steps = {"neurona": nr_step, "pytorch": torch_step, "numpy_gemm": gemm_ceiling_step()}
    res = compare("mlp", steps, resets)
    res["first_loss"] = loss0
    return res


def bench_scalar() -> dict:
    a, b = nr.tensor([2.0], requires_grad=True), nr.tensor([3.0], requires_grad=True)
    ta = torch.tensor([2.0], requires_grad=True)
    tb = torch.tensor([3.0], requires_grad=True)

    def nr_step():
        (a * b).backward()
        a.grad = None
        b.grad = None

    def torch_step():
        (ta * tb).backward()
        ta.grad = None
        tb.grad = None

    (a * b).backward()
    (ta * tb).backward()
    if not (np.allclose(a.grad, ta.grad.numpy()) and np.allclose(b.grad, tb.grad.numpy())):
        raise AssertionError("scalar op: gradients differ between neurona and PyTorch")
    return compare("scalar", {"neurona": nr_step, "pytorch": torch_step})


_IMPORT_PROBE = """
import json, sys, time
t = time.perf_counter()
import {module}
dt = time.perf_counter() - t
optional = {optional!r}
loaded = sorted(m for m in sys.modules if m.split(".")[0] in optional)
print(json.dumps([dt, loaded]))
"""


def import_time(module: str, runs: int) -> dict:
    """Seconds to import ``module`` in a fresh interpreter (median of ``runs``), timed inside the
    child so interpreter start-up is excluded, and the optional dependencies it loaded."""
    code = _IMPORT_PROBE.format(module=module, optional=OPTIONAL_DEPS)
    times, loaded = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env=os.environ.copy())
        dt, loaded = json.loads(out.stdout.strip().splitlines()[-1])
        times.append(dt)
    return {"median_s": statistics.median(times), "runs_s": times, "optional_loaded": loaded}


# -- machine -----------------------------------------------------------------------------------


def blas_pools() -> list[str]:
    """Which BLAS / OpenMP libraries are loaded and with how many threads (needs threadpoolctl;
    without it, NumPy's build configuration names its BLAS)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        try:
            blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
            return [f"numpy: {blas['name']} {blas.get('version', '')} (threadpoolctl not "
                    "installed: thread counts not verified)"]
        except Exception:  # show_config's layout is informational, not an API
            return ["numpy: BLAS unknown (install threadpoolctl to see it)"]
    pools = []
    for info in threadpool_info():
        owner = info["filepath"].split("site-packages/")[-1].split("/")[0]
        pools.append(f"{owner}: {info['internal_api']} {info.get('version') or ''} "
                     f"({info['num_threads']} threads)")
    return pools


def machine_info() -> dict:
    torch_blas = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    return {
        "cpu": _common.cpu_model(),
        "cores": os.cpu_count(),
        "threads": ARGS.threads,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "torch_blas": torch_blas.group(1) if torch_blas else "unknown",
        "neurona": nr.__version__,
        "blas_pools": blas_pools(),
        "openblas_env": _common.openblas_env(),
        "date": datetime.date.today().isoformat(),
        "quick": ARGS.quick,
    }


# -- report ------------------------------------------------------------------------------------


def _rate(seconds: float) -> str:
    return f"{1 / seconds:,.0f} steps/s"


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} us/iter"


def build_rows(r: dict) -> list[dict]:
    tiny, mlp, scalar, imp = r["tiny_mlp"], r["mlp"], r["scalar"], r["import"]
    gemm = mlp["numpy_gemm"]
    rows = []

    def speed_row(label, res, fmt, target):
        ratio = res["pytorch"]["best_s"] / res["neurona"]["best_s"]
        rows.append({"workload": label, "neurona": fmt(res["neurona"]["best_s"]),
                     "pytorch": fmt(res["pytorch"]["best_s"]), "ratio": f"{ratio:.2f}x",
                     "target": f">= {target}x", "met": ratio >= target, "value": ratio})

    speed_row("tiny MLP 2-16-16-1, batch 32", tiny, _rate, 2.5)
    speed_row("MLP 784-256-128-10, batch 128", mlp, _rate, 1.1)
    frac = gemm["best_s"] / mlp["neurona"]["best_s"]
    torch_frac = gemm["best_s"] / mlp["pytorch"]["best_s"]
    rows.append({"workload": f"  share of NumPy GEMM ceiling ({_rate(gemm['best_s'])})",
                 "neurona": f"{frac:.0%}", "pytorch": f"{torch_frac:.0%}", "ratio": "-",
                 "target": ">= 80%", "met": frac >= 0.8, "value": frac})
    speed_row("scalar a*b + backward", scalar, _us, 1.0)
    torch_imp = r.get("import_torch")
    rows.append({"workload": "import neurona (fresh process)",
                 "neurona": f"{imp['median_s']:.3f} s",
                 "pytorch": f"{torch_imp['median_s']:.3f} s" if torch_imp else "-",
                 "ratio": "-", "target": "<= 0.300 s", "met": imp["median_s"] <= 0.3,
                 "value": imp["median_s"]})
    loaded = imp["optional_loaded"]
    rows.append({"workload": "optional deps loaded by import", "neurona": ", ".join(loaded) or
                 "none", "pytorch": "-", "ratio": "-", "target": "none", "met": not loaded,
                 "value": loaded})
    return rows


def print_report(info: dict, rows: list[dict]) -> None:
    quick = " (QUICK smoke run: rough numbers)" if info["quick"] else ""
    print(f"neurona {info['neurona']} vs PyTorch {info['torch']} on the CPU, float32, "
          f"{info['threads']} thread(s){quick}")
    print(f"machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, "
          f"numpy {info['numpy']}, torch BLAS {info['torch_blas']}; {info['date']}")
    for pool in info["blas_pools"]:
        print(f"  {pool}")
    _common.print_conditions(
        info["openblas_env"],
        "ratio = neurona speed / PyTorch speed (> 1: neurona is faster); best of repeats",
        info["other_processes_cpu_share"])
    print()
    head = ("workload", "neurona", "PyTorch", "ratio", "target", "")
    table = [head] + [(r["workload"], r["neurona"], r["pytorch"], r["ratio"], r["target"],
                       "ok" if r["met"] else "MISS") for r in rows]
    _common.print_table(table)


def main() -> int:
    info = machine_info()
    with _common.Contention() as contention:
        results = {
            "tiny_mlp": bench_tiny_mlp(),
            "mlp": bench_mlp(),
            "scalar": bench_scalar(),
            "import": import_time("neurona", 3 if ARGS.quick else 7),
        }
        if not ARGS.quick:
            results["import_torch"] = import_time("torch", 3)
    info["other_processes_cpu_share"] = contention.share
    rows = build_rows(results)
    print_report(info, rows)
    return _common.finish(ARGS, info, results, rows)


if __name__ == "__main__":
    sys.exit(main())
