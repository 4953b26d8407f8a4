"""neurona's generative models against PyTorch on the CPU: a DCGAN and a VAE, training steps.

Models (float32), each written once with neurona (``nr.models.GAN`` / ``nr.models.VAE`` +
``fit``) and once as plain PyTorch modules and a hand-written training loop:

- **DCGAN on 8x8 digits** (the ``examples/gan_digits.py`` model, batch 64, noise of 16):
  generator ``Dense(256) -> LeakyReLU -> (2,2,64) -> ConvT(32, 4, /2) -> LeakyReLU ->
  ConvT(1, 4, /2, tanh)``; discriminator ``Conv(32, 3, /2) -> LeakyReLU -> Conv(64, 3, /2) ->
  LeakyReLU -> Flatten -> Dropout(0.3) -> Dense(1, sigmoid)``. One step: the generator makes 64
  fakes; the discriminator takes one Adam step on 64 real + 64 fake images (binary
  cross-entropy, labels smoothed to 0.9); the generator takes one Adam step through the frozen
  discriminator (non-saturating loss). PyTorch does the same with ``BCEWithLogitsLoss`` on the
  discriminator's logits and ``requires_grad_(False)`` to freeze it.
- **VAE on 28x28 images** (the ``examples/vae.py`` model, batch 64, 2-D code): encoder
  ``Flatten -> Dense(256, relu) -> [Dense(2), Dense(2)]``, decoder ``Dense(256, relu) ->
  Dense(784, sigmoid)``; loss: binary cross-entropy summed over pixels + KL, batch mean; Adam.

Before timing, both frameworks get the same weights and must agree on the outputs of the
generator, the discriminator and the VAE's deterministic reconstruction (rtol 1e-4), or the
script stops. Timings: one epoch of ``fit`` (neurona, ``shuffle=False``) against one epoch of
the PyTorch loop (``loss.item()`` every step, as ``fit`` logs the losses), per step, medians of
repeats alternating between the frameworks (ABBA) after a quiet pause. Ratios are neurona's
speed over PyTorch's: above 1 means neurona is faster. The table also gives the ratio of the
process's CPU time per step, which other processes on a shared machine disturb less than the
wall clock (the target applies to the wall-clock ratio).

Run (see benchmarks/README.md for why the two OPENBLAS variables are unset):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_generative.py
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time

import _common


def parse_args(argv=None) -> argparse.Namespace:
    p = _common.arg_parser(__doc__, "threads for NumPy's BLAS and PyTorch (default: all cores)")
    return _common.parse_args(p, argv)


ARGS = parse_args()
_common.set_thread_env(ARGS.threads)

import numpy as np  # noqa: E402

PAUSE_S = 0.025 if ARGS.quick else 0.25
LATENT, GAN_BATCH, GAN_ROWS = 16, 64, (4 if ARGS.quick else 28) * 64
VAE_LATENT, VAE_BATCH, VAE_ROWS = 2, 64, (4 if ARGS.quick else 24) * 64
REPEATS = 2 if ARGS.quick else 7
TARGET = 1.2


def _torch():
    import torch

    torch.set_num_threads(ARGS.threads)
    return torch



def _timed(runs: dict, steps: int) -> tuple[dict, dict]:
    """Seconds per step of each contender's epoch: wall-clock time, and this process's CPU
    time (steadier than the wall clock when other processes share the CPU)."""
    cpu = {key: [] for key in runs}

    def timed(key):
        c0, t0 = time.process_time(), time.perf_counter()
        runs[key]()
        wall = (time.perf_counter() - t0) / steps
        cpu[key].append((time.process_time() - c0) / steps)
        return wall

    return _common.alternate(list(runs), REPEATS, timed, PAUSE_S), cpu


# -- the DCGAN -----------------------------------------------------------------------------------


def gan_neurona():
    import neurona as nr
    from neurona import layers
    from neurona.layers.convolutional import Conv2D, Conv2DTranspose
    from neurona.layers.reshaping import Flatten, Reshape
    from neurona.models.gan import GAN

    nr.utils.set_seed(0)
    g = nr.Sequential([
        nr.Input(shape=(LATENT,)), layers.Dense(256), layers.LeakyReLU(0.2), Reshape((2, 2, 64)),
        Conv2DTranspose(32, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh")])
    d = nr.Sequential([
        nr.Input(shape=(8, 8, 1)), Conv2D(32, 3, strides=2, padding="same"),
        layers.LeakyReLU(0.2), Conv2D(64, 3, strides=2, padding="same"), layers.LeakyReLU(0.2),
        Flatten(), layers.Dropout(0.3), layers.Dense(1, activation="sigmoid")])
    gan = GAN(g, d, latent_dim=LATENT)
    gan.compile(g_optimizer=nr.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=nr.optimizers.Adam(2e-4, beta_1=0.5), label_smoothing=0.1)
    return gan


class GanTorch:
    def __init__(self):
        torch = _torch()
        nn = torch.nn
        torch.manual_seed(0)
        self.torch = torch
        self.g = nn.Sequential(
            nn.Linear(LATENT, 256), nn.LeakyReLU(0.2), nn.Unflatten(1, (64, 2, 2)),
            nn.ConvTranspose2d(64, 32, 4, 2, padding=1), nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(32, 1, 4, 2, padding=1), nn.Tanh())
        # Keras's "same" with stride 2 pads the odd extra row and column at the bottom/right
        self.d = nn.Sequential(
            nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(1, 32, 3, 2), nn.LeakyReLU(0.2),
            nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(32, 64, 3, 2), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(256, 1))
        self.g_opt = torch.optim.Adam(self.g.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-7)
        self.d_opt = torch.optim.Adam(self.d.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-7)
        self.loss = nn.BCEWithLogitsLoss()

    def set_from(self, gan) -> None:
        """Copy a neurona GAN's weights (Keras layouts) into the PyTorch modules."""
        torch = self.torch
        gk, gb, t1k, t1b, t2k, t2b = gan.generator.get_weights()
        # the Dense output is reshaped (h, w, c) by neurona and (c, h, w) by PyTorch
        perm = np.arange(256).reshape(2, 2, 64).transpose(2, 0, 1).reshape(-1)
        c1k, c1b, c2k, c2b, dk, db = gan.discriminator.get_weights()
        dperm = np.arange(256).reshape(2, 2, 64).transpose(2, 0, 1).reshape(-1)
        arrays = {
            self.g[0].weight: gk[:, perm].T, self.g[0].bias: gb[perm],
            self.g[3].weight: t1k.transpose(3, 2, 0, 1), self.g[3].bias: t1b,
            self.g[5].weight: t2k.transpose(3, 2, 0, 1), self.g[5].bias: t2b,
            self.d[1].weight: c1k.transpose(3, 2, 0, 1), self.d[1].bias: c1b,
            self.d[4].weight: c2k.transpose(3, 2, 0, 1), self.d[4].bias: c2b,
            self.d[8].weight: dk[dperm].T, self.d[8].bias: db,
        }
        with torch.no_grad():
            for p, a in arrays.items():
                p.copy_(torch.from_numpy(np.ascontiguousarray(a)))

    def epoch(self, x_nchw) -> None:
        torch, g, d, loss = self.torch, self.g, self.d, self.loss
        g.train()
        d.train()
        for i in range(0, len(x_nchw), GAN_BATCH):
            real = x_nchw[i:i + GAN_BATCH]
            n = len(real)
            fake = g(torch.randn(n, LATENT))
            targets = torch.cat([torch.full((n, 1), 0.9), torch.zeros(n, 1)])
            d_loss = loss(d(torch.cat([real, fake.detach()])), targets)
            self.d_opt.zero_grad()
            d_loss.backward()
            self.d_opt.step()
            for p in d.parameters():
                p.requires_grad_(False)
            g_loss = loss(d(fake), torch.ones(n, 1))
            self.g_opt.zero_grad()
            g_loss.backward()
            self.g_opt.step()
            for p in d.parameters():
                p.requires_grad_(True)
            d_loss.item()
            g_loss.item()


def gan_data():
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (GAN_ROWS, 8, 8, 1)).astype(np.float32)


def check_gan(gan, ref) -> None:
    torch = ref.torch
    z = np.random.default_rng(1).normal(size=(8, LATENT)).astype(np.float32)
    ours = gan.generate(8, z=z)
    ref.g.eval()
    ref.d.eval()
    with torch.no_grad():
        theirs = ref.g(torch.from_numpy(z)).numpy().transpose(0, 2, 3, 1)
        x = gan_data()[:8]
        d_theirs = torch.sigmoid(ref.d(torch.from_numpy(x.transpose(0, 3, 1, 2)))).numpy()
    if not np.allclose(ours, theirs, rtol=1e-4, atol=1e-5):
        raise AssertionError("the generators' outputs differ between neurona and PyTorch")
    if not np.allclose(gan.discriminate(x), d_theirs, rtol=1e-4, atol=1e-6):
        raise AssertionError("the discriminators' outputs differ between neurona and PyTorch")


def bench_gan() -> dict:
    torch = _torch()
    x = gan_data()
    gan = gan_neurona()
    gan.fit(x[:GAN_BATCH], epochs=1, batch_size=GAN_BATCH, verbose=0)  # builds both parts
    ref = GanTorch()
    ref.set_from(gan)
    check_gan(gan, ref)
    x_nchw = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    steps = len(x) // GAN_BATCH
    runs = {
        "neurona": lambda: gan.fit(x, epochs=1, batch_size=GAN_BATCH, shuffle=False, verbose=0),
        "pytorch": lambda: ref.epoch(x_nchw),
    }
    for run in runs.values():
        run()  # warm-up epoch

    times, cpu = _timed(runs, steps)
    params = {"neurona": gan.count_params(),
              "pytorch": sum(p.numel() for m in (ref.g, ref.d) for p in m.parameters())}
    return {key: {"median_s": statistics.median(ts), "best_s": min(ts), "runs_s": ts,
                  "cpu_median_s": statistics.median(cpu[key]), "steps": steps,
                  "params": params[key]} for key, ts in times.items()}


# -- the VAE -------------------------------------------------------------------------------------


def vae_neurona():
    import neurona as nr
    from neurona import layers
    from neurona.layers.reshaping import Flatten, Reshape
    from neurona.models.vae import VAE

    nr.utils.set_seed(0)
    inputs = nr.Input(shape=(28, 28, 1))
    h = layers.Dense(256, activation="relu")(Flatten()(inputs))
    encoder = nr.Model(inputs, [layers.Dense(VAE_LATENT)(h), layers.Dense(VAE_LATENT)(h)])
    decoder = nr.Sequential([nr.Input(shape=(VAE_LATENT,)), layers.Dense(256, activation="relu"),
                             layers.Dense(784, activation="sigmoid"), Reshape((28, 28, 1))])
    vae = VAE(encoder, decoder, latent_dim=VAE_LATENT)
    vae.compile(optimizer=nr.optimizers.Adam(1e-3))
    return vae


class VaeTorch:
    def __init__(self):
        torch = _torch()
        nn = torch.nn
        self.torch = torch
        self.hidden = nn.Linear(784, 256)
        self.mean = nn.Linear(256, VAE_LATENT)
        self.log_var = nn.Linear(256, VAE_LATENT)
        self.dec1 = nn.Linear(VAE_LATENT, 256)
        self.dec2 = nn.Linear(256, 784)
        self.modules = [self.hidden, self.mean, self.log_var, self.dec1, self.dec2]
        self.opt = torch.optim.Adam([p for m in self.modules for p in m.parameters()], lr=1e-3,
                                    eps=1e-7)

    def set_from(self, vae) -> None:
        torch = self.torch
        hk, hb, mk, mb, lk, lb = vae.encoder.get_weights()
        d1k, d1b, d2k, d2b = vae.decoder.get_weights()
        with torch.no_grad():
            for m, (k, b) in zip(self.modules, ((hk, hb), (mk, mb), (lk, lb), (d1k, d1b),
                                                (d2k, d2b)), strict=True):
                m.weight.copy_(torch.from_numpy(np.ascontiguousarray(k.T)))
                m.bias.copy_(torch.from_numpy(b))

    def logits(self, x, sample=True):
        torch = self.torch
        h = torch.relu(self.hidden(x))
        z_mean, z_log_var = self.mean(h), self.log_var(h)
        z = z_mean + torch.exp(0.5 * z_log_var) * torch.randn_like(z_mean) if sample else z_mean
        return self.dec2(torch.relu(self.dec1(z))), z_mean, z_log_var

    def epoch(self, x_flat) -> None:
        torch = self.torch
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        for i in range(0, len(x_flat), VAE_BATCH):
            x = x_flat[i:i + VAE_BATCH]
            n = len(x)
            logits, z_mean, z_log_var = self.logits(x)
            rec = bce(logits, x, reduction="sum") / n
            kl = -0.5 * torch.sum(1 + z_log_var - z_mean * z_mean - torch.exp(z_log_var)) / n
            loss = rec + kl
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            loss.item()
            rec.item()
            kl.item()


def bench_vae() -> dict:
    torch = _torch()
    x = np.random.default_rng(2).random((VAE_ROWS, 28, 28, 1), dtype=np.float32)
    vae = vae_neurona()
    vae.fit(x[:VAE_BATCH], epochs=1, batch_size=VAE_BATCH, verbose=0)
    ref = VaeTorch()
    ref.set_from(vae)
    with torch.no_grad():
        theirs = torch.sigmoid(ref.logits(torch.from_numpy(x[:8].reshape(8, 784)),
                                          sample=False)[0]).numpy()
    if not np.allclose(vae.predict(x[:8], verbose=0).reshape(8, 784), theirs, rtol=1e-4,
                       atol=1e-6):
        raise AssertionError("the VAEs' reconstructions differ between neurona and PyTorch")
    x_flat = torch.from_numpy(x.reshape(len(x), 784))
    steps = len(x) // VAE_BATCH
    runs = {
        "neurona": lambda: vae.fit(x, epochs=1, batch_size=VAE_BATCH, shuffle=False, verbose=0),
        "pytorch": lambda: ref.epoch(x_flat),
    }
    for run in runs.values():
        run()

    times, cpu = _timed(runs, steps)
    params = {"neurona": vae.count_params(),
              "pytorch": sum(p.numel() for m in ref.modules for p in m.parameters())}
    return {key: {"median_s": statistics.median(ts), "best_s": min(ts), "runs_s": ts,
                  "cpu_median_s": statistics.median(cpu[key]), "steps": steps,
                  "params": params[key]} for key, ts in times.items()}


# -- report --------------------------------------------------------------------------------------


def machine_info() -> dict:
    import neurona as nr

    torch = _torch()
    return {"cpu": _common.cpu_model(), "cores": os.cpu_count(), "threads": ARGS.threads,
            "python": platform.python_version(), "numpy": np.__version__,
            "torch": torch.__version__, "neurona": nr.__version__,
            "openblas_env": _common.openblas_env(),
            "date": datetime.date.today().isoformat(), "quick": ARGS.quick}


def build_rows(results) -> list[dict]:
    rows = []
    for key, label in (("gan", f"DCGAN digits step (D + G), batch {GAN_BATCH}"),
                       ("vae", f"VAE 784-256-{VAE_LATENT} step, batch {VAE_BATCH}")):
        r = results[key]
        ours, theirs = r["neurona"]["median_s"], r["pytorch"]["median_s"]
        ratio = theirs / ours
        cpu_ratio = r["pytorch"]["cpu_median_s"] / r["neurona"]["cpu_median_s"]
        rows.append({"workload": label, "neurona": f"{1 / ours:,.1f} steps/s",
                     "pytorch": f"{1 / theirs:,.1f} steps/s", "ratio": f"{ratio:.2f}x",
                     "value": ratio, "cpu_ratio": f"{cpu_ratio:.2f}x",
                     "target": f">= {TARGET}x", "met": ratio >= TARGET,
                     "params": r["neurona"]["params"]})
        if r["neurona"]["params"] != r["pytorch"]["params"]:
            raise AssertionError(f"{key}: parameter counts differ: {r['neurona']['params']} "
                                 f"against {r['pytorch']['params']}")
    return rows


def main() -> int:
    with _common.Contention() as contention:
        info = machine_info()
        results = {"gan": bench_gan(), "vae": bench_vae()}
    info["other_processes_cpu_share"] = contention.share
    rows = build_rows(results)
    quick = " (QUICK smoke run: rough numbers)" if info["quick"] else ""
    print(f"neurona {info['neurona']} vs PyTorch {info['torch']}: GAN and VAE training steps, "
          f"CPU, float32, {info['threads']} thread(s){quick}")
    print(f"machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, "
          f"numpy {info['numpy']}; {info['date']}")
    _common.print_conditions(info["openblas_env"], "ratios: neurona's speed / PyTorch's; > 1: "
                             "neurona is faster; medians of repeats",
                             info["other_processes_cpu_share"])
    print()
    head = ("workload", "params", "neurona", "PyTorch", "ratio", "CPU-time ratio", "target",
            "")
    _common.print_table([head] + [(r["workload"], f"{r['params']:,}", r["neurona"],
                                   r["pytorch"], r["ratio"], r["cpu_ratio"], r["target"],
                                   "ok" if r["met"] else "MISS") for r in rows])
    return _common.finish(ARGS, info, results, rows)


if __name__ == "__main__":
    sys.exit(main())
