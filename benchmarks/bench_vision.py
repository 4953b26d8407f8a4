"""neurona's convolutions against PyTorch on the CPU: the Keras "simple MNIST convnet".

The model (34,826 parameters, float32, 28x28x1 inputs, 10 classes)::

    Conv2D(32, 3x3, ReLU) -> MaxPooling2D(2) -> Conv2D(64, 3x3, ReLU) -> MaxPooling2D(2)
    -> Flatten -> Dropout(0.5) -> Dense(10, softmax)

Workloads, each timed for both frameworks in this one process, the same threads:

1. training, batch 128, Adam(1e-3), categorical cross-entropy: neurona ``Sequential`` +
   ``compile`` + ``fit(shuffle=False)`` (epoch time from a callback) against a plain PyTorch
   loop over ``nn.Sequential`` (channels-first, as PyTorch users write it) with
   ``torch.optim.Adam``, ``F.cross_entropy`` on logits and ``loss.item()`` every step;
2. inference: ``model.predict(batch_size=128)`` against the PyTorch model in ``eval()`` mode
   under ``torch.no_grad()``, softmax included, a NumPy array out;
3. the convolutions alone at the model's shapes, forward + backward: ``neurona.functions.conv``
   ``conv2d`` (channels-last) against ``torch.nn.functional.conv2d`` (channels-first), with the
   gradients training needs: weight and bias for the first layer (its input is the image), and
   also the input for the second;
4. peak memory of training: the growth of the peak resident set size (VmHWM) over the resident
   size before training, in a fresh process per framework (imports, model and data excluded).

Before timing, both frameworks start from the same weights: their inference outputs must agree
(rtol 1e-4) and so must one training step without dropout (loss and updated weights), or the
script stops. Timings are medians of repeats that alternate between the frameworks (ABBA), each
after a quiet pause. Ratios are neurona's speed over PyTorch's (memory: PyTorch's growth over
neurona's): above 1 means neurona is better.

Run (see benchmarks/README.md for why the two OPENBLAS variables are unset):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_vision.py
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

import _common


def parse_args(argv=None) -> argparse.Namespace:
    p = _common.arg_parser(__doc__, "threads for NumPy's BLAS and PyTorch (default: all cores)")
    # internal: measure one framework's memory in this fresh process
    p.add_argument("--rss-child", choices=("neurona", "pytorch"), help=argparse.SUPPRESS)
    return _common.parse_args(p, argv)


ARGS = parse_args()
_common.set_thread_env(ARGS.threads)

import numpy as np  # noqa: E402

# neurona and torch are imported where they are used, so that a memory-measuring child process
# loads only the framework it measures.

PAUSE_S = 0.025 if ARGS.quick else 0.25
BATCH = 128
ROWS = 2 * BATCH if ARGS.quick else 16 * BATCH  # one epoch
PARAMS = 34_826
# (epochs or calls per repeat, repeats)
PLAN = {"train": (1, 7), "predict": (3, 7), "conv": (10, 7)}
QUICK_PLAN = {"train": (1, 2), "predict": (1, 2), "conv": (2, 2)}
RSS_STEPS = 4 if ARGS.quick else 20
TARGETS = {"train": 1.2, "predict": 1.2, "conv1": 1.0, "conv2": 1.0, "rss": 1.0}
CONV_SHAPES = {  # name: (input NHWC, kernel (kh, kw, in, out), input needs a gradient)
    "conv1": ((BATCH, 28, 28, 1), (3, 3, 1, 32), False),
    "conv2": ((BATCH, 13, 13, 32), (3, 3, 32, 64), True),
}


def plan(name):
    return (QUICK_PLAN if ARGS.quick else PLAN)[name]


def _torch():
    import torch

    torch.set_num_threads(ARGS.threads)
    return torch


# -- data and weights --------------------------------------------------------------------------


def make_data(rows=ROWS, seed=0):
    """Seeded float32 "images" in [0, 1), integer labels and their one-hot rows."""
    rng = np.random.default_rng(seed)
    x = rng.random((rows, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, size=rows)
    return x, labels, np.eye(10, dtype=np.float32)[labels]


def init_arrays(seed=100):
    """Glorot-uniform kernels and small random biases in Keras's layouts and order."""
    rng = np.random.default_rng(seed)
    shapes = [((3, 3, 1, 32), 9, 9 * 32), ((3, 3, 32, 64), 9 * 32, 9 * 64), ((1600, 10), 1600, 10)]
    arrays = []
    for shape, fan_in, fan_out in shapes:
        lim = np.sqrt(6.0 / (fan_in + fan_out))
        arrays.append(rng.uniform(-lim, lim, size=shape).astype(np.float32))
        arrays.append(rng.uniform(-0.1, 0.1, size=shape[-1]).astype(np.float32))
    return arrays


# -- the two contenders ------------------------------------------------------------------------


class NeuronaModel:
    def __init__(self, arrays, dropout=0.5, sgd=False):
        import neurona as nr
        from neurona.layers.convolutional import Conv2D
        from neurona.layers.pooling import MaxPooling2D

        L = nr.layers
        self.model = nr.Sequential([
            L.Input((28, 28, 1)),
            Conv2D(32, 3, activation="relu"),
            MaxPooling2D(2),
            Conv2D(64, 3, activation="relu"),
            MaxPooling2D(2),
            L.Flatten(),
            L.Dropout(dropout, seed=0),
            L.Dense(10, activation="softmax"),
        ])
        self.model.set_weights(arrays)
        opt = nr.optimizers.SGD(0.1) if sgd else nr.optimizers.Adam(learning_rate=1e-3)
        self.model.compile(optimizer=opt, loss="categorical_crossentropy")
        self.count = self.model.count_params()

        self.timer = _common.epoch_timer(nr.callbacks.Callback)

    def epochs(self, x, labels, onehot, n):
        """Train ``n`` epochs; returns (seconds of each epoch, first-step loss)."""
        timer = self.timer()
        self.model.fit(x, onehot, batch_size=BATCH, epochs=n, verbose=0, shuffle=False,
                       callbacks=[timer])
        return timer.times, timer.first

    def predict(self, x):
        return self.model.predict(x, batch_size=BATCH, verbose=0)

    def weights(self):
        return self.model.get_weights()


class TorchModel:
    def __init__(self, arrays, dropout=0.5, sgd=False):
        torch = _torch()
        nn = torch.nn
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(1600, 10),
        )
        with torch.no_grad():
            for p, a in zip(self.net.parameters(), to_torch_layout(arrays), strict=True):
                p.copy_(torch.from_numpy(a))
        # epsilon as Keras's default, so both add the same constant (at different places)
        self.opt = (torch.optim.SGD(self.net.parameters(), lr=0.1) if sgd else
                    torch.optim.Adam(self.net.parameters(), lr=1e-3, eps=1e-7))
        self.count = sum(p.numel() for p in self.net.parameters())
        self.torch = torch

    def epochs(self, x, labels, onehot, n):
        torch, net, opt = self.torch, self.net, self.opt
        loss_fn = torch.nn.functional.cross_entropy
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        yt = torch.from_numpy(labels)
        net.train()
        times, first = [], None
        for _ in range(n):
            t0 = time.perf_counter()
            for i in range(0, len(x), BATCH):
                opt.zero_grad()
                loss = loss_fn(net(xt[i:i + BATCH]), yt[i:i + BATCH])
                loss.backward()
                opt.step()
                value = loss.item()
                if first is None:
                    first = value
            times.append(time.perf_counter() - t0)
        return times, first

    def predict(self, x):
        torch = self.torch
        self.net.eval()
        with torch.no_grad():
            xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
            outs = [torch.softmax(self.net(xt[i:i + BATCH]), dim=-1)
                    for i in range(0, len(x), BATCH)]
            return torch.cat(outs).numpy()

    def weights(self):
        return from_torch_layout([p.detach().numpy() for p in self.net.parameters()])


def to_torch_layout(arrays):
    """Keras-layout weights as PyTorch's: conv kernels (out, in, kh, kw); the dense kernel
    (out, in) with its rows reordered from Keras's (h, w, c) flattening to PyTorch's (c, h, w)."""
    k1, b1, k2, b2, kd, bd = arrays
    kd_t = kd.reshape(5, 5, 64, 10).transpose(2, 0, 1, 3).reshape(1600, 10).T
    return [np.ascontiguousarray(a) for a in
            (k1.transpose(3, 2, 0, 1), b1, k2.transpose(3, 2, 0, 1), b2, kd_t, bd)]


def from_torch_layout(arrays):
    k1, b1, k2, b2, kd, bd = arrays
    kd_k = kd.T.reshape(64, 5, 5, 10).transpose(1, 2, 0, 3).reshape(1600, 10)
    return [k1.transpose(2, 3, 1, 0), b1, k2.transpose(2, 3, 1, 0), b2, kd_k, bd]


FRAMEWORKS = {"neurona": NeuronaModel, "pytorch": TorchModel}


# -- measurements ------------------------------------------------------------------------------




def check_same_computation(arrays) -> dict:
    """Same weights, same data: inference outputs and one training step without dropout (loss
    and every updated weight) must agree between the frameworks. The step uses SGD: Adam's
    first step is about ``lr * sign(gradient)``, which turns float32 rounding in near-zero
    gradients into full-size differences (and the frameworks place Adam's epsilon
    differently)."""
    x, labels, onehot = make_data(BATCH, seed=1)
    models = {key: cls(arrays, dropout=0.0, sgd=True) for key, cls in FRAMEWORKS.items()}
    counts = {key: m.count for key, m in models.items()}
    if set(counts.values()) != {PARAMS}:
        raise AssertionError(f"parameter counts {counts}, expected {PARAMS:,} (Keras's)")
    out = {key: m.predict(x) for key, m in models.items()}
    if out["neurona"].dtype != np.float32:
        raise AssertionError(f"predict: neurona returned {out['neurona'].dtype}, not float32")
    if not np.allclose(out["neurona"], out["pytorch"], rtol=1e-4, atol=1e-6):
        raise AssertionError("inference outputs differ between neurona and PyTorch")
    first = {key: m.epochs(x, labels, onehot, 1)[1] for key, m in models.items()}
    if not np.isclose(first["neurona"], first["pytorch"], rtol=1e-4):
        raise AssertionError(f"first training step's loss differs: {first}")
    for i, (a, b) in enumerate(zip(models["neurona"].weights(), models["pytorch"].weights(),
                                   strict=True)):
        if a.dtype != np.float32:
            raise AssertionError(f"neurona's weight {i} became {a.dtype}, not float32")
        if not np.allclose(a, b, rtol=1e-4, atol=1e-6):
            raise AssertionError(f"weight {i} differs after one training step: max difference "
                                 f"{np.abs(a - b).max():.3g}")
    return {"first_loss": first, "params": PARAMS}


def bench_train(arrays) -> dict:
    x, labels, onehot = make_data()
    models = {key: cls(arrays) for key, cls in FRAMEWORKS.items()}
    for m in models.values():  # warm-up epoch
        m.epochs(x, labels, onehot, 1)
    epochs, repeats = plan("train")
    steps = -(-len(x) // BATCH)

    def run(key):
        times, _ = models[key].epochs(x, labels, onehot, epochs)
        return sum(times) / (epochs * steps)

    times = _common.alternate(list(models), repeats, run, PAUSE_S)
    return {key: _common.summary(ts, steps_per_epoch=steps, epochs=epochs)
            for key, ts in times.items()}


def bench_predict(arrays) -> dict:
    x, _, _ = make_data()
    models = {key: cls(arrays) for key, cls in FRAMEWORKS.items()}
    for m in models.values():
        m.predict(x)
    calls, repeats = plan("predict")

    def run(key):
        predict = models[key].predict
        t0 = time.perf_counter()
        for _ in range(calls):
            predict(x)
        return (time.perf_counter() - t0) / calls / (len(x) // BATCH)

    times = _common.alternate(list(models), repeats, run, PAUSE_S)
    return {key: _common.summary(ts, calls=calls) for key, ts in times.items()}


def bench_conv(name) -> dict:
    """Forward + backward of one convolution at the model's shapes, with the gradients that
    training needs."""
    import neurona as nr
    from neurona.functions.conv import conv2d

    torch = _torch()
    xshape, kshape, input_grad = CONV_SHAPES[name]
    rng = np.random.default_rng(7)
    x = rng.random(xshape, dtype=np.float32)
    k = (rng.normal(size=kshape) * 0.1).astype(np.float32)
    b = np.zeros(kshape[-1], np.float32)
    ho = xshape[1] - kshape[0] + 1
    gy = rng.normal(size=(xshape[0], ho, ho, kshape[-1])).astype(np.float32)

    xn, kn, bn = nr.from_numpy(x), nr.from_numpy(k), nr.from_numpy(b)
    xn.requires_grad_(input_grad)
    kn.requires_grad_(True)
    bn.requires_grad_(True)
    gyn = nr.from_numpy(gy)

    def ours():
        kn.grad = bn.grad = xn.grad = None
        conv2d(xn, kn, bn).backward(gyn)
        return kn.grad, xn.grad

    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    xt.requires_grad_(input_grad)
    kt = torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1))).requires_grad_(True)
    bt = torch.from_numpy(b.copy()).requires_grad_(True)
    gyt = torch.from_numpy(np.ascontiguousarray(gy.transpose(0, 3, 1, 2)))
    conv = torch.nn.functional.conv2d

    def theirs():
        kt.grad = bt.grad = xt.grad = None
        conv(xt, kt, bt).backward(gyt)
        return kt.grad, xt.grad

    gk, gx = ours()
    tgk, tgx = theirs()
    if not np.allclose(gk, tgk.numpy().transpose(2, 3, 1, 0), rtol=1e-3, atol=1e-2):
        raise AssertionError(f"{name}: weight gradients differ from PyTorch's")
    if input_grad and not np.allclose(gx, tgx.numpy().transpose(0, 2, 3, 1), rtol=1e-3,
                                      atol=1e-3):
        raise AssertionError(f"{name}: input gradients differ from PyTorch's")
    n, repeats = plan("conv")
    return _common.compare({"neurona": ours, "pytorch": theirs}, n, repeats, 2, PAUSE_S)


# -- memory ------------------------------------------------------------------------------------


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _reset_peak() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def rss_child(framework: str) -> None:
    """In a fresh process: build the model and data, then train RSS_STEPS steps; print JSON
    with the resident size before training and the peak during it (KiB)."""
    x, labels, onehot = make_data(RSS_STEPS * BATCH)
    model = FRAMEWORKS[framework](init_arrays())
    model.epochs(x[:BATCH], labels[:BATCH], onehot[:BATCH], 1)  # first-step allocations
    before = _status_kib("VmRSS")
    reset = _reset_peak()
    model.epochs(x, labels, onehot, 1)
    peak = _status_kib("VmHWM")
    print(json.dumps({"before_kib": before, "peak_kib": peak, "reset": reset,
                      "growth_kib": None if not reset or peak is None else peak - before}))


def bench_rss() -> dict:
    out = {}
    for key in FRAMEWORKS:
        cmd = [sys.executable, os.path.abspath(__file__), "--threads", str(ARGS.threads),
               "--rss-child", key] + (["--quick"] if ARGS.quick else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
        if proc.returncode != 0:
            raise RuntimeError(f"memory run for {key} failed:\n{proc.stderr}")
        out[key] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


# -- report ------------------------------------------------------------------------------------


def machine_info() -> dict:
    import neurona as nr

    torch = _torch()
    return {
        "cpu": _common.cpu_model(), "cores": os.cpu_count(), "threads": ARGS.threads,
        "python": platform.python_version(), "numpy": np.__version__,
        "torch": torch.__version__, "neurona": nr.__version__,
        "openblas_env": _common.openblas_env(),
        "date": datetime.date.today().isoformat(), "quick": ARGS.quick,
    }


def _row(label, ours, theirs, fmt, ratio, target) -> dict:
    return {"workload": label, "neurona": fmt(ours), "pytorch": fmt(theirs),
            "ratio": "n/a" if ratio is None else f"{ratio:.2f}x", "value": ratio,
            "target": f">= {target}x",
            "met": ratio is not None and ratio >= target}


def build_rows(results) -> list[dict]:
    def rate(s):
        return f"{1 / s:,.1f} steps/s"

    def ms(s):
        return f"{s * 1e3:.2f} ms"

    def mib(kib):
        return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"

    rows = []
    tr = results["train"]
    rows.append(_row(f"train step, batch {BATCH}, Adam", tr["neurona"]["median_s"],
                     tr["pytorch"]["median_s"], rate,
                     tr["pytorch"]["median_s"] / tr["neurona"]["median_s"], TARGETS["train"]))
    pr = results["predict"]
    rows.append(_row(f"inference, batch {BATCH} (predict)", pr["neurona"]["median_s"],
                     pr["pytorch"]["median_s"], ms,
                     pr["pytorch"]["median_s"] / pr["neurona"]["median_s"], TARGETS["predict"]))
    for name, what in (("conv1", "conv 1 (128,28,28,1)*(3,3,1,32) fwd+bwd (dW, db)"),
                       ("conv2", "conv 2 (128,13,13,32)*(3,3,32,64) fwd+bwd (dW, db, dx)")):
        c = results[name]
        rows.append(_row(what, c["neurona"]["median_s"], c["pytorch"]["median_s"], ms,
                         c["pytorch"]["median_s"] / c["neurona"]["median_s"], TARGETS[name]))
    rss = results["rss"]
    ours, theirs = rss["neurona"]["growth_kib"], rss["pytorch"]["growth_kib"]
    # no growth at all counts as 1 KiB (VmHWM's resolution): the ratio is then a lower bound
    ratio = None if ours is None or theirs is None else theirs / max(ours, 1)
    rows.append(_row(f"peak RSS growth while training {RSS_STEPS} steps", ours, theirs, mib,
                     ratio, TARGETS["rss"]))
    return rows


def print_report(info, rows) -> None:
    quick = " (QUICK smoke run: rough numbers)" if info["quick"] else ""
    print(f"neurona {info['neurona']} vs PyTorch {info['torch']}: Keras MNIST convnet "
          f"({PARAMS:,} parameters), CPU, float32, {info['threads']} thread(s){quick}")
    print(f"machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, "
          f"numpy {info['numpy']}; {info['date']}")
    _common.print_conditions(
        info["openblas_env"],
        "ratios: neurona's speed / PyTorch's (memory: PyTorch's growth / neurona's); > 1: "
        "neurona is better; medians of repeats",
        info["other_processes_cpu_share"])
    print()
    head = ("workload", "neurona", "PyTorch", "ratio", "target", "")
    keys = ("workload", "neurona", "pytorch", "ratio", "target")
    _common.print_table([head] + [tuple(r[k] for k in keys) + ("ok" if r["met"] else "MISS",)
                                  for r in rows])


def main() -> int:
    if ARGS.rss_child:
        rss_child(ARGS.rss_child)
        return 0
    with _common.Contention() as contention:
        results = {"rss": bench_rss()}  # first, while this process is small
        info = machine_info()
        arrays = init_arrays()
        results["check"] = check_same_computation(arrays)
        results["conv1"] = bench_conv("conv1")
        results["conv2"] = bench_conv("conv2")
        results["train"] = bench_train(arrays)
        results["predict"] = bench_predict(arrays)
    info["other_processes_cpu_share"] = contention.share
    rows = build_rows(results)
    print_report(info, rows)
    return _common.finish(ARGS, info, results, rows)


if __name__ == "__main__":
    sys.exit(main())
