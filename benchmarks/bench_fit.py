"""neurona's ``model.fit`` and ``model.predict`` against a PyTorch training loop and Keras 3.

The same Keras-style models, trained the way each library's users train them:

- neurona: ``Sequential`` of ``Dense`` layers, ``compile`` then ``fit(..., shuffle=False)``;
- PyTorch 2.13 on the CPU: a plain loop over ``nn.Sequential`` with ``torch.optim`` and
  ``torch.nn.functional.cross_entropy`` on logits (or ``mse_loss``), reading ``loss.item()``
  every step as a loop that reports its epoch loss does;
- Keras 3 ``fit`` on its PyTorch backend (``KERAS_BACKEND=torch``, set by this script), when
  Keras is installed (it is not a dependency: ``pip install keras`` into the virtualenv).

Workloads (float32, the same data, initial weights and batches in every framework):

1. an MLP the size of MNIST-1D's, 40-100-100-10, ReLU, softmax with sparse cross-entropy,
   batch 100, Adam(1e-3), on seeded random data of MNIST-1D's shape (4,000 x 40, 10
   classes): the per-step overhead of ``fit`` on small matrices;
2. the engine benchmark's tiny MLP 2-16-16-1 (tanh, MSE, batch 32, SGD) and its MLP
   784-256-128-10 (ReLU, softmax cross-entropy, batch 128, Adam), through ``fit``;
3. ``predict`` on 10,000 rows of the MNIST-1D-sized MLP, batch 1000 (PyTorch under
   ``torch.no_grad()``, softmax included, a NumPy array out);
4. the peak resident memory of a ``fit`` run, each framework in a fresh interpreter
   (``ru_maxrss`` after the run, imports included, nothing subtracted).

Before timing, each workload trains one epoch in every framework from the same weights: the loss
of the first step must agree (rtol 1e-4) and so must the epoch's mean loss (rtol 1e-3; Keras and
neurona add Adam's epsilon before the second-moment bias correction, PyTorch after it). That
epoch is also the warm-up. Training speed is steps per second over whole epochs (timed by an
epoch callback, so ``fit``'s set-up before the first epoch is excluded), the median of several
repeats; repeats alternate between the frameworks (ABBA) so drift in the machine's speed hits
all alike. Ratios are neurona's speed over the other's: above 1 means neurona is faster.

Run (see benchmarks/README.md for why the two OPENBLAS variables are unset):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_fit.py
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import _common


def parse_args(argv=None) -> argparse.Namespace:
    p = _common.arg_parser(__doc__, "threads for NumPy's BLAS and PyTorch (default: all cores)")
    p.add_argument("--no-keras", action="store_true", help="leave Keras out even if installed")
    # internal: measure one framework's peak memory in this fresh process
    p.add_argument("--rss-child", choices=("neurona", "pytorch", "keras"), help=argparse.SUPPRESS)
    p.add_argument("--rss-data", help=argparse.SUPPRESS)
    return _common.parse_args(p, argv)


ARGS = parse_args()
_common.set_thread_env(ARGS.threads)
os.environ["KERAS_BACKEND"] = "torch"  # Keras reads it at import

import numpy as np  # noqa: E402

# neurona, torch and keras are imported where they are used, so that a memory-measuring child
# process loads only the framework it measures.

# Seconds of quiet before each timed repeat: OpenBLAS's worker threads spin for a while after a
# matrix product and would take a core from the next contender (see bench_engine.py).
PAUSE_S = 0.025 if ARGS.quick else 0.25

WORKLOADS = {
    "mnist1d": {"label": "MNIST-1D MLP 40-100-100-10, batch 100, Adam",
                "sizes": (40, 100, 100, 10), "act": "relu", "loss": "sparse_ce",
                "opt": ("adam", 1e-3), "batch": 100, "rows": 4000, "seed": 0},
    "tiny": {"label": "tiny MLP 2-16-16-1, batch 32, SGD",
             "sizes": (2, 16, 16, 1), "act": "tanh", "loss": "mse",
             "opt": ("sgd", 0.05), "batch": 32, "rows": 2048, "seed": 1},
    "mlp": {"label": "MLP 784-256-128-10, batch 128, Adam",
            "sizes": (784, 256, 128, 10), "act": "relu", "loss": "sparse_ce",
            "opt": ("adam", 1e-3), "batch": 128, "rows": 2048, "seed": 2},
}
# (epochs per timed repeat, repeats): full run, quick run
PLAN = {"mnist1d": ((5, 7), (1, 2)), "tiny": ((3, 7), (1, 2)), "mlp": ((5, 7), (1, 2))}
PREDICT_ROWS, PREDICT_BATCH = 10_000, 1000
PREDICT_PLAN = (20, 7) if not ARGS.quick else (2, 2)  # (calls per repeat, repeats)
RSS_EPOCHS = 1 if ARGS.quick else 5
# targets: minimum ratio against the PyTorch loop and against Keras (for memory: PyTorch's peak
# over neurona's); the tiny MLP is bound by per-step overhead like the MNIST-1D one: same targets
TARGETS = {"mnist1d": (2.0, 2.5), "tiny": (2.0, 2.5), "mlp": (1.1, 2.5),
           "predict": (2.0, None), "rss": (1.0, None)}


# -- frameworks --------------------------------------------------------------------------------


def _torch():
    import torch

    torch.set_num_threads(ARGS.threads)
    return torch


_KERAS_MISSING = "not installed: `.venv/bin/pip install keras` (runs on the torch backend)"


def _keras():
    """The keras module on its torch backend, or None (with the reason in ``keras_note``)."""
    global keras_note
    if ARGS.no_keras:
        keras_note = "left out (--no-keras)"
        return None
    try:
        _torch()
        import keras
    except ImportError:
        keras_note = _KERAS_MISSING
        return None
    if keras.backend.backend() != "torch":
        keras_note = f"runs on the {keras.backend.backend()} backend, not torch"
        return None
    keras_note = None
    return keras


keras_note = None


# -- data and weights --------------------------------------------------------------------------


def make_data(spec, rows=None):
    """Seeded float32 inputs and targets: integer labels for a classifier, a smooth function of
    the inputs for the regression (timings do not depend on the values)."""
    rng = np.random.default_rng(spec["seed"])
    rows = rows or spec["rows"]
    x = rng.normal(size=(rows, spec["sizes"][0])).astype(np.float32)
    if spec["loss"] == "sparse_ce":
        y = rng.integers(0, spec["sizes"][-1], size=rows)
    else:
        y = (np.sin(x[:, :1]) * np.cos(x[:, 1:2])).astype(np.float32)
    return x, y


def init_arrays(spec):
    """Glorot-uniform kernels (in, out) and small random biases, in Keras's weight order."""
    rng = np.random.default_rng(spec["seed"] + 100)
    return _common.glorot_arrays(rng, spec["sizes"])


# -- the three contenders ----------------------------------------------------------------------


class NeuronaFit:
    def __init__(self, spec, arrays):
        import neurona as nr

        *hidden, out = spec["sizes"][1:]
        head = "softmax" if spec["loss"] == "sparse_ce" else None
        layers = [nr.layers.Dense(hidden[0], activation=spec["act"],
                                  input_shape=(spec["sizes"][0],))]
        layers += [nr.layers.Dense(n, activation=spec["act"]) for n in hidden[1:]]
        self.model = nr.Sequential(layers + [nr.layers.Dense(out, activation=head)])
        self.model.set_weights(arrays)
        name, lr = spec["opt"]
        opt = nr.optimizers.Adam(learning_rate=lr) if name == "adam" else nr.optimizers.SGD(lr)
        loss = "sparse_categorical_crossentropy" if spec["loss"] == "sparse_ce" else "mse"
        self.model.compile(optimizer=opt, loss=loss)
        self.timer = _common.epoch_timer(nr.callbacks.Callback)
        self.batch = spec["batch"]

    def epochs(self, x, y, n, first_loss=False):
        """Train ``n`` epochs; returns (seconds of each epoch, first-step loss, epoch losses)."""
        timer = self.timer(first_loss)
        hist = self.model.fit(x, y, batch_size=self.batch, epochs=n, verbose=0, shuffle=False,
                              callbacks=[timer])
        return timer.times, timer.first, hist.history["loss"]

    def predict(self, x):
        return self.model.predict(x, batch_size=PREDICT_BATCH, verbose=0)

    def weights(self):
        return self.model.get_weights()


class KerasFit(NeuronaFit):
    def __init__(self, spec, arrays):
        keras = _keras()
        *hidden, out = spec["sizes"][1:]
        head = "softmax" if spec["loss"] == "sparse_ce" else None
        layers = [keras.Input((spec["sizes"][0],))]
        layers += [keras.layers.Dense(n, activation=spec["act"]) for n in hidden]
        self.model = keras.Sequential(layers + [keras.layers.Dense(out, activation=head)])
        self.model.set_weights(arrays)
        name, lr = spec["opt"]
        opt = (keras.optimizers.Adam(learning_rate=lr) if name == "adam"
               else keras.optimizers.SGD(learning_rate=lr))
        loss = "sparse_categorical_crossentropy" if spec["loss"] == "sparse_ce" else "mse"
        self.model.compile(optimizer=opt, loss=loss)
        self.timer = _common.epoch_timer(keras.callbacks.Callback)
        self.batch = spec["batch"]


class TorchLoop:
    def __init__(self, spec, arrays):
        torch = _torch()
        nn = torch.nn
        act = nn.ReLU if spec["act"] == "relu" else nn.Tanh
        mods = []
        for i in range(0, len(arrays), 2):
            lin = nn.Linear(*arrays[i].shape)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(arrays[i].T))  # torch keeps (out, in)
                lin.bias.copy_(torch.from_numpy(arrays[i + 1]))
            mods += [lin, act()] if i + 2 < len(arrays) else [lin]
        self.net = nn.Sequential(*mods)
        name, lr = spec["opt"]
        params = self.net.parameters()
        # epsilon as Keras's default, so both add the same constant (at different places)
        self.opt = (torch.optim.Adam(params, lr=lr, eps=1e-7) if name == "adam"
                    else torch.optim.SGD(params, lr=lr))
        F = torch.nn.functional
        self.loss_fn = F.cross_entropy if spec["loss"] == "sparse_ce" else F.mse_loss
        self.batch = spec["batch"]
        self.torch = torch

    def epochs(self, x, y, n, first_loss=False):
        torch, net, opt, loss_fn, bs = self.torch, self.net, self.opt, self.loss_fn, self.batch
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        rows = len(x)
        times, losses, first = [], [], None
        for _ in range(n):
            t0 = time.perf_counter()
            total = 0.0
            for i in range(0, rows, bs):
                opt.zero_grad()
                loss = loss_fn(net(xt[i:i + bs]), yt[i:i + bs])
                loss.backward()
                opt.step()
                total += loss.item()
                if first is None:
                    first = total
            times.append(time.perf_counter() - t0)
            losses.append(total / -(-rows // bs))
        return times, first, losses

    def predict(self, x):
        torch = self.torch
        with torch.no_grad():
            xt = torch.from_numpy(x)
            outs = [torch.softmax(self.net(xt[i:i + PREDICT_BATCH]), dim=-1)
                    for i in range(0, len(x), PREDICT_BATCH)]
            return torch.cat(outs).numpy()

    def weights(self):
        out = []
        for p in self.net.parameters():
            a = p.detach().numpy()
            out.append(a.T if a.ndim == 2 else a)
        return out


FRAMEWORKS = {"neurona": NeuronaFit, "pytorch": TorchLoop, "keras": KerasFit}


def contenders(spec, arrays) -> dict:
    models = {"neurona": NeuronaFit(spec, arrays), "pytorch": TorchLoop(spec, arrays)}
    if _keras() is not None:
        models["keras"] = KerasFit(spec, arrays)
    return models


# -- measurements ------------------------------------------------------------------------------


def check_first_epoch(name, models, x, y) -> dict:
    """One epoch in every framework from the same weights (the warm-up): the first step's loss
    and the epoch's mean loss must agree with neurona's, and neurona's weights stay float32."""
    seen = {}
    for key, model in models.items():
        _, first, losses = model.epochs(x, y, 1, first_loss=True)
        seen[key] = {"first_loss": first, "epoch_loss": float(losses[0])}
    ref = seen["neurona"]
    for key, got in seen.items():
        if not np.isclose(got["first_loss"], ref["first_loss"], rtol=1e-4, atol=1e-6):
            raise AssertionError(f"{name}: first-step loss differs: neurona "
                                 f"{ref['first_loss']!r}, {key} {got['first_loss']!r}")
        if not np.isclose(got["epoch_loss"], ref["epoch_loss"], rtol=1e-3):
            raise AssertionError(f"{name}: first epoch's mean loss differs: neurona "
                                 f"{ref['epoch_loss']!r}, {key} {got['epoch_loss']!r}")
    bad = [w.dtype for w in models["neurona"].weights() if w.dtype != np.float32]
    if bad:
        raise AssertionError(f"{name}: neurona's weights became {bad[0]}, not float32")
    return seen




def bench_fit(name) -> dict:
    spec = WORKLOADS[name]
    x, y = make_data(spec)
    models = contenders(spec, init_arrays(spec))
    check = check_first_epoch(name, models, x, y)
    epochs, repeats = PLAN[name][1 if ARGS.quick else 0]
    steps = -(-len(x) // spec["batch"])

    def run(key):
        times, _, _ = models[key].epochs(x, y, epochs)
        return sum(times) / (epochs * steps)

    times = _common.alternate(list(models), repeats, run, PAUSE_S)
    res = {key: _common.summary(ts, steps_per_epoch=steps, epochs=epochs)
           for key, ts in times.items()}
    res["check"] = check
    return res


def bench_predict() -> dict:
    spec = WORKLOADS["mnist1d"]
    x, _ = make_data(spec, rows=PREDICT_ROWS)
    models = contenders(spec, init_arrays(spec))
    ref = models["neurona"].predict(x)
    if ref.dtype != np.float32:
        raise AssertionError(f"predict: neurona returned {ref.dtype}, not float32")
    for key, model in models.items():  # also the warm-up
        got = model.predict(x)
        if got.shape != ref.shape or not np.allclose(got, ref, rtol=1e-4, atol=1e-6):
            raise AssertionError(f"predict: {key}'s outputs differ from neurona's")
    calls, repeats = PREDICT_PLAN

    def run(key):
        predict = models[key].predict
        t0 = time.perf_counter()
        for _ in range(calls):
            predict(x)
        return (time.perf_counter() - t0) / calls

    times = _common.alternate(list(models), repeats, run, PAUSE_S)
    return {key: _common.summary(ts, calls=calls) for key, ts in times.items()}


def rss_child(framework: str, path: str) -> None:
    """In a fresh process: train the MNIST-1D-sized MLP for RSS_EPOCHS epochs, print JSON with
    the peak resident memory after the imports and after the run (KiB, as Linux reports)."""
    import resource

    def peak():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    data = np.load(path)
    x, y = data["x"], data["y"]
    arrays = [data[f"w{i}"] for i in range(len(data.files) - 2)]
    model = FRAMEWORKS[framework](WORKLOADS["mnist1d"], arrays)
    after_import = peak()
    model.epochs(x, y, RSS_EPOCHS)
    print(json.dumps({"after_import_kib": after_import, "peak_kib": peak(),
                      "vm_hwm_kib": _vm_hwm_kib()}))


def _vm_hwm_kib() -> int | None:
    """This process's own peak RSS as /proc reports it (Linux; None elsewhere)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def bench_rss(frameworks) -> dict:
    """Peak RSS of a fit run of the MNIST-1D-sized MLP, each framework in a fresh process.

    Linux carries the parent's peak RSS over into a child's ``ru_maxrss`` (fork, then exec keeps
    the larger of the two), so this runs first, while this process holds only NumPy; each child
    also reports VmHWM, its own peak, which must agree.
    """
    spec = WORKLOADS["mnist1d"]
    x, y = make_data(spec)
    arrays = init_arrays(spec)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "data.npz")
        np.savez(path, x=x, y=y, **{f"w{i}": a for i, a in enumerate(arrays)})
        for key in frameworks:
            cmd = [sys.executable, os.path.abspath(__file__), "--threads", str(ARGS.threads),
                   "--rss-child", key, "--rss-data", path] + (["--quick"] if ARGS.quick else [])
            proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
            if proc.returncode != 0:
                if key == "keras":  # installed but unusable: its column says n/a
                    continue
                raise RuntimeError(f"memory run for {key} failed:\n{proc.stderr}")
            out[key] = got = json.loads(proc.stdout.strip().splitlines()[-1])
            own = got["vm_hwm_kib"]
            if own is not None and abs(own - got["peak_kib"]) > 0.05 * own:
                print(f"warning: {key}'s ru_maxrss ({got['peak_kib']} KiB) differs from its "
                      f"VmHWM ({own} KiB): the peak may include this process's memory")
    return out


# -- machine -----------------------------------------------------------------------------------


def machine_info(keras) -> dict:
    import neurona as nr

    torch = _torch()
    return {
        "cpu": _common.cpu_model(), "cores": os.cpu_count(), "threads": ARGS.threads,
        "python": platform.python_version(), "numpy": np.__version__,
        "torch": torch.__version__, "keras": keras.__version__ if keras else None,
        "keras_note": keras_note, "neurona": nr.__version__,
        "openblas_env": _common.openblas_env(),
        "date": datetime.date.today().isoformat(), "quick": ARGS.quick,
    }


# -- report ------------------------------------------------------------------------------------


def _rate(seconds: float) -> str:
    return f"{1 / seconds:,.0f} steps/s"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms/call"


def _mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"


def _row(label, values: dict, fmt, targets, ratio_of) -> dict:
    """One table row: each framework's value, neurona's ratio to PyTorch and to Keras."""
    row = {"workload": label, "met": True}
    for key in ("neurona", "pytorch", "keras"):
        row[key] = fmt(values[key]) if key in values else "n/a"
    for key, target in zip(("pytorch", "keras"), targets, strict=True):
        ratio = ratio_of(values, key) if key in values else None
        row[f"vs_{key}"] = "n/a" if ratio is None else f"{ratio:.2f}x"
        row[f"target_{key}"] = "-" if target is None else f">= {target}x"
        row[f"value_{key}"] = ratio
        if ratio is not None and target is not None and ratio < target:
            row["met"] = False
    return row


def build_rows(results: dict) -> list[dict]:
    def speed(res, key):  # neurona's speed over the other's = the other's time over neurona's
        return res[key] / res["neurona"]

    rows = []
    for name in ("mnist1d", "tiny", "mlp"):
        med = {k: v["median_s"] for k, v in results[name].items() if k != "check"}
        rows.append(_row(f"fit: {WORKLOADS[name]['label']}", med, _rate, TARGETS[name], speed))
    med = {k: v["median_s"] for k, v in results["predict"].items()}
    rows.append(_row(f"predict: {PREDICT_ROWS:,} rows of the MNIST-1D MLP, batch "
                     f"{PREDICT_BATCH}", med, _ms, TARGETS["predict"], speed))
    peak = {k: v["peak_kib"] for k, v in results["rss"].items()}
    rows.append(_row(f"peak RSS of fit, {RSS_EPOCHS} epoch(s) of the MNIST-1D MLP (fresh "
                     "process)", peak, _mib, TARGETS["rss"], speed))
    return rows


def print_report(info: dict, rows: list[dict]) -> None:
    quick = " (QUICK smoke run: rough numbers)" if info["quick"] else ""
    keras = f"Keras {info['keras']} (torch backend)" if info["keras"] else "Keras n/a"
    print(f"neurona {info['neurona']} fit/predict vs a PyTorch {info['torch']} loop and {keras}, "
          f"CPU, float32, {info['threads']} thread(s){quick}")
    print(f"machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, "
          f"numpy {info['numpy']}; {info['date']}")
    if info["keras_note"]:
        print(f"  Keras: {info['keras_note']}")
    _common.print_conditions(
        info["openblas_env"],
        "ratios: neurona's speed / the other's (> 1: neurona is faster; for memory: the other's "
        "peak / neurona's); medians of repeats",
        info["other_processes_cpu_share"])
    print()
    head = ("workload", "neurona", "PyTorch loop", "Keras (torch)", "vs PyTorch", "target",
            "vs Keras", "target", "")
    keys = ("workload", "neurona", "pytorch", "keras", "vs_pytorch", "target_pytorch",
            "vs_keras", "target_keras")
    table = [head] + [tuple(r[k] for k in keys) + ("ok" if r["met"] else "MISS",)
                      for r in rows]
    _common.print_table(table)


def main() -> int:
    if ARGS.rss_child:
        rss_child(ARGS.rss_child, ARGS.rss_data)
        return 0
    with _common.Contention() as contention:
        with_keras = not ARGS.no_keras and importlib.util.find_spec("keras") is not None
        results = {"rss": bench_rss(["neurona", "pytorch"] + (["keras"] if with_keras else []))}
        keras = _keras()
        info = machine_info(keras)
        results.update({name: bench_fit(name) for name in WORKLOADS})
        results["predict"] = bench_predict()
    info["other_processes_cpu_share"] = contention.share
    rows = build_rows(results)
    print_report(info, rows)
    return _common.finish(ARGS, info, results, rows)


if __name__ == "__main__":
    sys.exit(main())
