"""One Adam step over the parameter arena against PyTorch's multi-tensor Adam, on the CPU.

The parameters are those of a 784-256-128-10 MLP (235,146 float32 values in six tensors) with
fixed gradients; a tiny 2-16-16-1 MLP (337 values), where per-call overhead dominates, is timed
too. neurona's ``Adam`` updates them as one flat buffer (a dozen in-place NumPy
operations); PyTorch's ``torch.optim.Adam(foreach=True)`` updates the six tensors with its
multi-tensor kernels. PyTorch's ``fused=True`` is timed too, for reference. Both start from the
same values and must agree after one step before anything is timed.

Each measurement is the best of several repeats of many steps (the medians are printed too);
repeats alternate between the contenders. The ratio is neurona's speed over PyTorch's: above 1
means neurona is faster.

Run (see benchmarks/README.md for why the two OPENBLAS variables are unset):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_optimizers.py
"""

from __future__ import annotations

import json
import platform

import _common

ARGS = _common.parse_args(_common.arg_parser(
    __doc__, "threads for PyTorch and NumPy's BLAS (default: all cores)", strict=False))
_common.set_thread_env(ARGS.threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402

import neurona as nr  # noqa: E402
from neurona import optimizers  # noqa: E402

torch.set_num_threads(ARGS.threads)

MODELS = {"MLP 784-256-128-10": (784, 256, 128, 10), "tiny MLP 2-16-16-1": (2, 16, 16, 1)}
LR = 1e-3
# steps per repeat, repeats, warm-up steps, by model
PLAN = {
    "MLP 784-256-128-10": (20, 3, 5) if ARGS.quick else (500, 9, 100),
    "tiny MLP 2-16-16-1": (200, 3, 50) if ARGS.quick else (5000, 9, 500),
}
PAUSE_S = 0.02 if ARGS.quick else 0.2


def initial_arrays(sizes):
    rng = np.random.default_rng(0)
    values, grads = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        lim = np.sqrt(6.0 / (n_in + n_out))
        for shape in ((n_in, n_out), (n_out,)):
            values.append(rng.uniform(-lim, lim, size=shape).astype(np.float32))
            grads.append(rng.normal(0.0, 0.01, size=shape).astype(np.float32))
    return values, grads


def make_neurona(values, grads, **kwargs):
    params = [nr.tensor(v, requires_grad=True) for v in values]
    opt = optimizers.Adam(params, learning_rate=LR, **kwargs)
    for p, g in zip(params, grads, strict=True):
        p.grad[...] = g  # the arena's gradient buffer, as backward() would fill it
    return params, opt


def make_torch(values, grads, **kwargs):
    params = [torch.tensor(v, requires_grad=True) for v in values]
    for p, g in zip(params, grads, strict=True):
        p.grad = torch.tensor(g)
    return params, torch.optim.Adam(params, lr=LR, **kwargs)


def check_same_step(values, grads) -> None:
    """One step from the same start: both must give the same parameters. Keras (and neurona)
    add epsilon before the bias correction of the second moment, PyTorch after it: the two
    agree exactly with epsilon 0, used for this check only."""
    nr_params, nr_opt = make_neurona(values, grads, epsilon=0.0)
    nr_opt.step()
    torch_params, torch_opt = make_torch(values, grads, foreach=True, eps=0.0)
    torch_opt.step()
    for i, (a, b) in enumerate(zip(nr_params, torch_params, strict=True)):
        if a.data.dtype != np.float32:
            raise AssertionError(f"parameter {i} became {a.data.dtype}, not float32")
        if not np.allclose(a.data, b.detach().numpy(), rtol=1e-5, atol=1e-7):
            raise AssertionError(f"parameter {i} differs after one Adam step")


def compare(steps: dict, plan) -> dict:
    n, repeats, warmup = plan
    return _common.compare(steps, n, repeats, warmup, PAUSE_S)


def bench(name: str) -> dict:
    values, grads = initial_arrays(MODELS[name])
    check_same_step(values, grads)
    _, nr_opt = make_neurona(values, grads)
    _, torch_foreach = make_torch(values, grads, foreach=True)
    _, torch_fused = make_torch(values, grads, fused=True)
    res = compare({"neurona": nr_opt.step, "pytorch_foreach": torch_foreach.step,
                   "pytorch_fused": torch_fused.step}, PLAN[name])
    res["values"] = int(sum(v.size for v in values))
    res["ratio"] = res["pytorch_foreach"]["best_s"] / res["neurona"]["best_s"]
    return res


def main() -> dict:
    with _common.Contention() as contention:
        results = {name: bench(name) for name in MODELS}
    others = contention.share

    print(f"One Adam step, float32, fixed gradients; numpy {np.__version__}, torch "
          f"{torch.__version__}, {ARGS.threads} threads, {platform.machine()}")
    print("ratio: PyTorch foreach time / this row's time (above 1: faster than foreach)")
    for name, res in results.items():
        print(f"\n{name} ({res['values']:,} values in 6 tensors)")
        print(f"  {'':30s}{'best µs':>10s}{'median µs':>12s}{'ratio':>8s}")
        ref = res["pytorch_foreach"]["best_s"]
        for label, key in (("neurona Adam (arena)", "neurona"),
                           ("PyTorch Adam foreach=True", "pytorch_foreach"),
                           ("PyTorch Adam fused=True", "pytorch_fused")):
            r = res[key]
            print(f"  {label:30s}{r['best_s'] * 1e6:10.1f}{r['median_s'] * 1e6:12.1f}"
                  f"{ref / r['best_s']:8.2f}")
    if others is not None:
        print(f"\nother processes used {others:.0%} of the CPU during the measurement")
        if others > 0.10:
            print("warning: the machine was busy; the timings are not reliable")
    report = {"threads": ARGS.threads, "results": results, "other_cpu_share": others}
    if ARGS.json:
        with open(ARGS.json, "w") as f:
            json.dump(report, f, indent=2)
    return report


if __name__ == "__main__":
    main()
