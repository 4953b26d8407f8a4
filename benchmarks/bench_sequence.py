"""neurona's recurrent and Transformer layers against PyTorch 2.13 on the CPU.

Four models, float32, the same data, initial weights and batches in both frameworks:

1. ``LSTM``: batch 64, 50 steps, 32 input features, 128 units, a ``Dense(10)`` head on the last
   output, softmax with sparse cross-entropy, Adam(1e-3);
2. ``GRU``: the same with a GRU (``reset_after=True``, PyTorch's form);
3. a tiny bidirectional GRU (MNIST-1D's recurrent baseline): batch 100, 40 steps, 1 feature,
   6 units per direction, the two final states concatenated into a ``Dense(10)`` head;
4. a Transformer encoder block: d_model 128, 4 heads, feed-forward 512 (ReLU), post-norm,
   dropout 0, batch 32, 64 steps, MSE against random targets, Adam(1e-3).

Both frameworks are used the way their users train:

- neurona: ``Sequential`` of ``neurona.layers.recurrent`` ``LSTM``/``GRU``/``Bidirectional``
  or ``neurona.layers.transformer.TransformerEncoder`` and ``Dense``, ``compile`` then
  ``fit(..., shuffle=False)`` (epoch time from a callback, so ``fit``'s set-up is excluded);
- PyTorch: ``nn.LSTM``/``nn.GRU`` (``batch_first=True``) + ``nn.Linear`` on the final hidden
  state, or ``nn.TransformerEncoderLayer(batch_first=True, dropout=0)``, a plain loop with
  ``torch.optim.Adam`` (epsilon 1e-7, Keras's), ``cross_entropy`` on logits or ``mse_loss``
  and ``loss.item()`` every step. ``nn.LSTM`` has two biases where Keras's LSTM has one: the
  second stays zero and untrained, so both frameworks take the same step.

Inference (no graph): ``model.predict`` against the PyTorch model in ``eval()`` mode under
``torch.no_grad()`` (softmax included for the classifiers, a NumPy array out), per batch.

Before timing, both start from the same weights (neurona's initialisers, perturbed so that no
bias is zero, converted with ``neurona.utils.convert`` and, for attention, the layout map in
``transformer_to_torch``): the inference outputs must agree (rtol 1e-4), and so must one SGD
training step (its loss, and the outputs after it), or the script stops. Timings are medians
of repeats that alternate between the frameworks (ABBA), each after a quiet pause. Ratios are
neurona's speed over PyTorch's: above 1 means neurona is faster.

Run (see benchmarks/README.md for why the two OPENBLAS variables are unset):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_sequence.py

``--only lstm,gru`` runs some of the workloads; ``--profile NAME`` profiles neurona's training
and inference on one workload with cProfile instead, and prints the time per Function (forward
and backward, cumulative) and the functions with the most own time.
"""

from __future__ import annotations

import argparse
import datetime
import inspect
import os
import platform
import sys
import time

import _common

WORKLOADS = {
    "lstm": {"label": "LSTM 32->128, seq 50, batch 64, Dense(10) on the last output",
             "kind": "lstm", "features": 32, "units": 128, "steps": 50, "batch": 64,
             "classes": 10, "seed": 0},
    "gru": {"label": "GRU 32->128, seq 50, batch 64, Dense(10) on the last output",
            "kind": "gru", "features": 32, "units": 128, "steps": 50, "batch": 64,
            "classes": 10, "seed": 1},
    "tiny_gru": {"label": "tiny bidirectional GRU 1->2x6, seq 40, batch 100, Dense(10)",
                 "kind": "bigru", "features": 1, "units": 6, "steps": 40, "batch": 100,
                 "classes": 10, "seed": 2},
    "transformer": {"label": "Transformer encoder d128 h4 ff512 post-norm, seq 64, batch 32",
                    "kind": "transformer", "features": 128, "heads": 4, "ff": 512,
                    "steps": 64, "batch": 32, "seed": 3},
}


def parse_args(argv=None) -> argparse.Namespace:
    p = _common.arg_parser(__doc__, "threads for NumPy's BLAS and PyTorch (default: all cores)")
    p.add_argument("--only", metavar="NAMES",
                   help="comma-separated workloads to run (default: all of "
                        f"{', '.join(WORKLOADS)})")
    p.add_argument("--profile", metavar="NAME", choices=tuple(WORKLOADS),
                   help="profile neurona's training and inference on one workload instead of "
                        "timing")
    args = _common.parse_args(p, argv)
    names = list(WORKLOADS) if not args.only else [n.strip() for n in args.only.split(",")]
    bad = [n for n in names if n not in WORKLOADS]
    if bad or not names:
        p.error(f"--only takes names from {', '.join(WORKLOADS)}, got {args.only!r}")
    args.names = names
    return args


ARGS = parse_args()
_common.set_thread_env(ARGS.threads)

import numpy as np  # noqa: E402

PAUSE_S = 0.025 if ARGS.quick else 0.25
# (training steps per timed repeat, predict batches per timed repeat, repeats)
PLAN = {"lstm": (4, 8, 7), "gru": (4, 8, 7), "tiny_gru": (16, 16, 7), "transformer": (8, 8, 7)}
QUICK_PLAN = (1, 1, 2)
TARGETS = {"train": 1.0, "predict": None}


def plan(name):
    return QUICK_PLAN if ARGS.quick else PLAN[name]


def _torch():
    import torch

    torch.set_num_threads(ARGS.threads)
    return torch


# -- data and weights --------------------------------------------------------------------------


def make_data(spec, rows, seed=0):
    """Seeded float32 sequences ``(rows, steps, features)`` and targets: integer labels for the
    classifiers, a random ``(rows, steps, features)`` array for the Transformer block."""
    rng = np.random.default_rng(spec["seed"] * 10 + seed)
    x = rng.normal(size=(rows, spec["steps"], spec["features"])).astype(np.float32)
    if spec["kind"] == "transformer":
        y = rng.normal(size=x.shape).astype(np.float32)
    else:
        y = rng.integers(0, spec["classes"], size=rows)
    return x, y


def init_arrays(spec):
    """neurona's initial weights for the workload (Keras's initialisers, seeded), each value
    moved by up to 0.05 so that biases are not zero and their layouts are checked too."""
    import neurona as nr

    nr.utils.set_seed(spec["seed"])
    arrays = NeuronaModel(spec).model.get_weights()
    rng = np.random.default_rng(spec["seed"] + 100)
    return [(a + rng.uniform(-0.05, 0.05, size=a.shape)).astype(np.float32) for a in arrays]


def transformer_to_torch(arrays):
    """``TransformerEncoder`` weights (Keras/KerasNLP order and layouts) as the state dict of
    ``torch.nn.TransformerEncoderLayer``: query/key/value kernels ``(d, heads, head_dim)`` stacked
    into ``in_proj_weight`` ``(3d, d)``, the output kernel ``(heads, head_dim, d)`` into
    ``out_proj.weight`` ``(d, d)``, Dense kernels transposed; the attention's norm is ``norm1``
    and the feed-forward's ``norm2`` (post-norm)."""
    qk, qb, kk, kb, vk, vb, ok, ob, g1, b1, g2, b2, w1, c1, w2, c2 = arrays
    d = qk.shape[0]

    def flat(kernel):  # (d, heads, head_dim) -> torch's (heads * head_dim, d)
        return kernel.reshape(d, -1).T

    return {
        "self_attn.in_proj_weight": np.concatenate([flat(qk), flat(kk), flat(vk)]),
        "self_attn.in_proj_bias": np.concatenate([qb.ravel(), kb.ravel(), vb.ravel()]),
        "self_attn.out_proj.weight": ok.reshape(-1, d).T,
        "self_attn.out_proj.bias": ob,
        "linear1.weight": w1.T, "linear1.bias": c1,
        "linear2.weight": w2.T, "linear2.bias": c2,
        "norm1.weight": g1, "norm1.bias": b1, "norm2.weight": g2, "norm2.bias": b2,
    }


def recurrent_to_torch(spec, arrays):
    """LSTM/GRU (and Bidirectional) + Dense weights as the state dict of ``RecurrentNet``."""
    from neurona.utils.convert import gru_to_torch, lstm_to_torch

    convert = lstm_to_torch if spec["kind"] == "lstm" else gru_to_torch
    state = {}
    if spec["kind"] == "bigru":
        state.update(convert(arrays[0:3]))
        state.update(convert(arrays[3:6], reverse=True))
    else:
        state.update(convert(arrays[0:3]))
    out = {f"rnn.{k}": v for k, v in state.items()}
    out["head.weight"], out["head.bias"] = arrays[-2].T, arrays[-1]
    return out


# -- the two contenders ------------------------------------------------------------------------


class NeuronaModel:
    def __init__(self, spec, arrays=None, sgd=False):
        import neurona as nr
        from neurona.layers.recurrent import GRU, LSTM, Bidirectional
        from neurona.layers.transformer import TransformerEncoder

        L = nr.layers
        kind = spec["kind"]
        inputs = L.Input((spec["steps"], spec["features"]))
        if kind == "transformer":
            layers = [inputs, TransformerEncoder(spec["ff"], spec["heads"], dropout=0.0)]
            loss = "mse"
        else:
            rnn = LSTM(spec["units"]) if kind == "lstm" else GRU(spec["units"])
            if kind == "bigru":
                rnn = Bidirectional(rnn)
            layers = [inputs, rnn, L.Dense(spec["classes"], activation="softmax")]
            loss = "sparse_categorical_crossentropy"
        self.model = nr.Sequential(layers)
        if arrays is not None:
            self.model.set_weights(arrays)
        opt = nr.optimizers.SGD(0.1) if sgd else nr.optimizers.Adam(learning_rate=1e-3)
        self.model.compile(optimizer=opt, loss=loss)
        self.batch = spec["batch"]

        self.timer = _common.epoch_timer(nr.callbacks.Callback)

    def epochs(self, x, y, n):
        """Train ``n`` epochs; returns (seconds of each epoch, first-step loss)."""
        timer = self.timer()
        self.model.fit(x, y, batch_size=self.batch, epochs=n, verbose=0, shuffle=False,
                       callbacks=[timer])
        return timer.times, timer.first

    def predict(self, x):
        return self.model.predict(x, batch_size=self.batch, verbose=0)


def _recurrent_net(torch, spec):
    nn = torch.nn
    bi = spec["kind"] == "bigru"

    class RecurrentNet(nn.Module):
        def __init__(self):
            super().__init__()
            cls = nn.LSTM if spec["kind"] == "lstm" else nn.GRU
            self.rnn = cls(spec["features"], spec["units"], batch_first=True, bidirectional=bi)
            self.head = nn.Linear(spec["units"] * (2 if bi else 1), spec["classes"])

        def forward(self, x):
            _, h = self.rnn(x)
            if isinstance(h, tuple):  # LSTM: (h_n, c_n)
                h = h[0]
            # h_n: (directions, batch, units); Keras concatenates forward then backward
            return self.head(torch.cat([h[0], h[1]], dim=-1) if bi else h[0])

    return RecurrentNet()


class TorchModel:
    def __init__(self, spec, arrays, sgd=False):
        torch = _torch()
        if spec["kind"] == "transformer":
            self.net = torch.nn.TransformerEncoderLayer(
                spec["features"], spec["heads"], spec["ff"], dropout=0.0, batch_first=True)
            state = transformer_to_torch(arrays)
            self.loss_fn = torch.nn.functional.mse_loss
            self.classifier = False
        else:
            self.net = _recurrent_net(torch, spec)
            state = recurrent_to_torch(spec, arrays)
            self.loss_fn = torch.nn.functional.cross_entropy
            self.classifier = True
        self.net.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v))
                                  for k, v in state.items()})
        if spec["kind"] == "lstm":
            # Keras's LSTM has one bias: PyTorch's second one stays zero and untrained, or
            # every step would move the bias twice as far
            self.net.rnn.bias_hh_l0.requires_grad_(False)
        params = [p for p in self.net.parameters() if p.requires_grad]
        # epsilon as Keras's default, so both add the same constant (at different places)
        self.opt = (torch.optim.SGD(params, lr=0.1) if sgd
                    else torch.optim.Adam(params, lr=1e-3, eps=1e-7))
        self.batch = spec["batch"]
        self.torch = torch

    def epochs(self, x, y, n):
        torch, net, opt, loss_fn, bs = self.torch, self.net, self.opt, self.loss_fn, self.batch
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        net.train()
        times, first = [], None
        for _ in range(n):
            t0 = time.perf_counter()
            for i in range(0, len(x), bs):
                opt.zero_grad()
                loss = loss_fn(net(xt[i:i + bs]), yt[i:i + bs])
                loss.backward()
                opt.step()
                value = loss.item()
                if first is None:
                    first = value
            times.append(time.perf_counter() - t0)
        return times, first

    def predict(self, x):
        torch, bs = self.torch, self.batch
        self.net.eval()
        with torch.no_grad():
            xt = torch.from_numpy(x)
            outs = [self.net(xt[i:i + bs]) for i in range(0, len(x), bs)]
            if self.classifier:
                outs = [torch.softmax(o, dim=-1) for o in outs]
            return torch.cat(outs).numpy()


FRAMEWORKS = {"neurona": NeuronaModel, "pytorch": TorchModel}


# -- measurements ------------------------------------------------------------------------------




def _close(a, b, what, name, rtol=1e-4, atol=1e-5):
    if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=atol):
        err = float(np.abs(a - b).max()) if a.shape == b.shape else float("nan")
        raise AssertionError(f"{name}: {what} differ between neurona and PyTorch (max "
                             f"difference {err:.3g}, shapes {a.shape} and {b.shape})")


def check_same_computation(name, spec, arrays) -> dict:
    """Same weights, same batch: inference outputs, the loss of one SGD step and the outputs
    after that step must agree (SGD, not Adam: Adam's first step is about ``lr * sign(g)``,
    which turns float32 rounding in near-zero gradients into full-size differences)."""
    x, y = make_data(spec, spec["batch"], seed=1)
    models = {key: cls(spec, arrays, sgd=True) for key, cls in FRAMEWORKS.items()}
    before = {key: m.predict(x) for key, m in models.items()}
    if before["neurona"].dtype != np.float32:
        raise AssertionError(f"{name}: neurona's outputs are {before['neurona'].dtype}, "
                             "not float32")
    _close(before["neurona"], before["pytorch"], "inference outputs", name)
    first = {key: m.epochs(x, y, 1)[1] for key, m in models.items()}
    if not np.isclose(first["neurona"], first["pytorch"], rtol=1e-4):
        raise AssertionError(f"{name}: the first training step's loss differs: {first}")
    after = {key: m.predict(x) for key, m in models.items()}
    if np.allclose(after["neurona"], before["neurona"], rtol=0, atol=1e-6):
        raise AssertionError(f"{name}: one SGD step did not change neurona's outputs")
    _close(after["neurona"], after["pytorch"], "outputs after one SGD step", name, rtol=1e-3,
           atol=1e-4)
    bad = [w.dtype for w in models["neurona"].model.get_weights() if w.dtype != np.float32]
    if bad:
        raise AssertionError(f"{name}: neurona's weights became {bad[0]}, not float32")
    return {"first_loss": first}


def bench_workload(name) -> dict:
    spec = WORKLOADS[name]
    arrays = init_arrays(spec)
    check = check_same_computation(name, spec, arrays)
    steps, batches, repeats = plan(name)
    models = {key: cls(spec, arrays) for key, cls in FRAMEWORKS.items()}

    x, y = make_data(spec, steps * spec["batch"])
    for m in models.values():  # warm-up epoch
        m.epochs(x, y, 1)

    def train(key):
        times, _ = models[key].epochs(x, y, 1)
        return times[0] / steps

    train_times = _common.alternate(list(models), repeats, train, PAUSE_S)

    xp, _ = make_data(spec, batches * spec["batch"], seed=2)
    for m in models.values():
        m.predict(xp)

    def predict(key):
        t0 = time.perf_counter()
        models[key].predict(xp)
        return (time.perf_counter() - t0) / batches

    predict_times = _common.alternate(list(models), repeats, predict, PAUSE_S)
    return {"check": check,
            "train": {k: _common.summary(ts, steps=steps) for k, ts in train_times.items()},
            "predict": {k: _common.summary(ts, batches=batches) for k, ts in predict_times.items()}}


# -- profile -----------------------------------------------------------------------------------


def _function_methods() -> dict:
    """(file, first line, method name) of every Function subclass's forward and backward,
    mapped to "Class.method", to group cProfile's entries per Function."""
    from neurona.autograd import Function

    out, todo = {}, list(Function.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        for meth in ("forward", "backward"):
            fn = cls.__dict__.get(meth)
            # the method itself, not a decorator's wrapper (shared by every wrapped method)
            code = getattr(inspect.unwrap(fn), "__code__", None) if fn else None
            if code is not None:
                out[(code.co_filename, code.co_firstlineno, code.co_name)] = \
                    f"{cls.__name__}.{meth}"
    return out


def _profile_table(title, run, steps) -> None:
    """Run ``run()`` once untimed, once timed and once under cProfile; print the time per
    Function forward/backward (cumulative) and the entries with the most own time, per step."""
    import cProfile
    import pstats

    run()
    t0 = time.perf_counter()
    run()
    plain = (time.perf_counter() - t0) / steps
    prof = cProfile.Profile()
    prof.enable()
    run()
    prof.disable()
    stats = pstats.Stats(prof).stats
    total = sum(tt for _, _, tt, _, _ in stats.values())
    per_fn = sorted(((label, stats[key][3], stats[key][1])
                     for key, label in _function_methods().items() if key in stats),
                    key=lambda r: -r[1])
    print(f"{title}: {plain * 1e3:.2f} ms per step without the profiler, "
          f"{total / steps * 1e3:.2f} ms with it; {steps} steps")
    print()
    table = [("Function method (cumulative)", "ms/step", "share", "calls/step")]
    for label, cum, calls in per_fn[:15]:
        table.append((label, f"{cum / steps * 1e3:.2f}", f"{cum / total:.0%}",
                      f"{calls / steps:g}"))
    _common.print_table(table)
    print()
    table = [("own time (tottime)", "ms/step", "share", "calls/step")]
    top = sorted(stats.items(), key=lambda kv: -kv[1][2])[:15]
    for (file, line, func), (_, calls, tt, _, _) in top:
        where = f"{os.path.basename(file)}:{line}({func})" if line else func
        table.append((where, f"{tt / steps * 1e3:.2f}", f"{tt / total:.0%}",
                      f"{calls / steps:g}"))
    _common.print_table(table)
    print()


def profile(name) -> None:
    """cProfile of neurona on one workload: ``fit`` over several batches (after a warm-up
    epoch), then ``predict`` over as many."""
    spec = WORKLOADS[name]
    steps = 2 if ARGS.quick else 10
    model = NeuronaModel(spec, init_arrays(spec))
    x, y = make_data(spec, steps * spec["batch"])
    print(f"neurona on {spec['label']}, {ARGS.threads} thread(s)")
    print()
    _profile_table("training (fit, Adam)", lambda: model.epochs(x, y, 1), steps)
    _profile_table("inference (predict)", lambda: model.predict(x), steps)


# -- report ------------------------------------------------------------------------------------


def machine_info() -> dict:
    import neurona as nr

    torch = _torch()
    return {
        "cpu": _common.cpu_model(), "cores": os.cpu_count(), "threads": ARGS.threads,
        "python": platform.python_version(), "numpy": np.__version__,
        "torch": torch.__version__, "neurona": nr.__version__,
        "openblas_env": _common.openblas_env(), "load_average_start": _loadavg(),
        "date": datetime.date.today().isoformat(), "quick": ARGS.quick,
    }


def _loadavg():
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def _row(label, res, fmt, target) -> dict:
    ours, theirs = res["neurona"]["median_s"], res["pytorch"]["median_s"]
    ratio = theirs / ours
    return {"workload": label, "neurona": fmt(ours), "pytorch": fmt(theirs),
            "ratio": f"{ratio:.2f}x", "value": ratio,
            "target": "-" if target is None else f">= {target}x",
            "met": target is None or ratio >= target}


def build_rows(results) -> list[dict]:
    def rate(s):
        return f"{1 / s:,.1f} steps/s"

    def ms(s):
        return f"{s * 1e3:.2f} ms/batch"

    rows = []
    for name in ARGS.names:
        res = results[name]
        label = WORKLOADS[name]["label"]
        rows.append(_row(f"train: {label}", res["train"], rate, TARGETS["train"]))
        rows.append(_row(f"inference: {label}", res["predict"], ms, TARGETS["predict"]))
    return rows


def print_report(info, rows) -> None:
    quick = " (QUICK smoke run: rough numbers)" if info["quick"] else ""
    print(f"neurona {info['neurona']} vs PyTorch {info['torch']}: sequence models, CPU, float32, "
          f"{info['threads']} thread(s){quick}")
    print(f"machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, "
          f"numpy {info['numpy']}; {info['date']}")
    loads = [info["load_average_start"], info["load_average_end"]]
    if None not in loads:
        print("load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in loads[0])
              + " at the start, " + ", ".join(f"{v:.2f}" for v in loads[1]) + " at the end")
    _common.print_conditions(
        info["openblas_env"],
        "ratios: neurona's speed / PyTorch's (> 1: neurona is faster); medians of repeats; "
        "training: Adam, forward + loss + backward + update",
        info["other_processes_cpu_share"])
    print()
    head = ("workload", "neurona", "PyTorch", "ratio", "target", "")
    keys = ("workload", "neurona", "pytorch", "ratio", "target")
    _common.print_table([head] + [tuple(r[k] for k in keys) + (_status(r),) for r in rows])


def _status(row) -> str:
    if row["target"] == "-":  # reported, no target
        return ""
    return "ok" if row["met"] else "MISS"


def main() -> int:
    if ARGS.profile:
        profile(ARGS.profile)
        return 0
    with _common.Contention() as contention:
        info = machine_info()
        results = {name: bench_workload(name) for name in ARGS.names}
    info["other_processes_cpu_share"] = contention.share
    info["load_average_end"] = _loadavg()
    rows = build_rows(results)
    print_report(info, rows)
    return _common.finish(ARGS, info, results, rows)


if __name__ == "__main__":
    sys.exit(main())
