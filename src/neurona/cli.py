"""The ``neurona`` command line.

    neurona demo      train a small network on the two spirals, with the tensor API
    neurona info      versions of neurona, Python and NumPy, and which optional extras are installed
    neurona --version
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import math
import os
import platform
import shutil
import sys
import time

import numpy as np

from . import __version__
from . import functions as F
from .autograd import no_grad
from .data.datasets import spirals
from .tensor import Tensor, from_numpy, tensor, zeros

__all__ = ["main", "build_parser"]


# ---------------------------------------------------------------------------------------------
# neurona demo
# ---------------------------------------------------------------------------------------------

_HIDDEN = (32, 32)


def _glorot_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> Tensor:
    # keeps the variance of activations and gradients about the same from layer to layer
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    w = rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(np.float32)
    return tensor(w, requires_grad=True)


def _init_mlp(rng: np.random.Generator, sizes) -> list[Tensor]:
    """Weights (in, out) and biases (out,) of each layer: [W1, b1, W2, b2, ...]."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        params += [_glorot_uniform(rng, fan_in, fan_out), zeros(fan_out, requires_grad=True)]
    return params


def _mlp(params: list[Tensor], x: Tensor) -> Tensor:
    """x: (batch, 2) -> logits (batch, 2); ReLU between the layers."""
    h = x
    for i in range(0, len(params) - 2, 2):
        h = F.relu(F.linear(h, params[i], params[i + 1]))
    return F.linear(h, params[-2], params[-1])


class _Adam:
    """Adam on the parameters' ``.data``: running means of the gradient and of its square."""

    def __init__(self, params, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
        self.params, self.lr, self.beta1, self.beta2, self.eps = params, lr, beta1, beta2, eps
        self.m = [np.zeros_like(p.data) for p in params]
        self.v = [np.zeros_like(p.data) for p in params]
        self.t = 0

    def step(self):
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # the bias corrections of both moments, folded into the step size
        lr_t = self.lr * math.sqrt(1.0 - b2**self.t) / (1.0 - b1**self.t)
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            g = p.grad
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * (g * g)
            p.data -= lr_t * m / (np.sqrt(v) + self.eps)
            p.grad = None


def _accuracy(params, x: np.ndarray, y: np.ndarray) -> float:
    with no_grad():
        logits = _mlp(params, from_numpy(x))
    return float((logits.data.argmax(axis=1) == y).mean())


def _text_map(params, mean, std, rows: int = 23, cols: int = 47) -> list[str]:
    """The learned decision regions as text: '#' where the network says class 1, '.' for 0."""
    half = 6.0  # the arms reach radius 5 (plus noise)
    u = np.linspace(-half, half, cols)
    v = np.linspace(half, -half, rows)  # first printed row at the top
    grid = np.stack(np.meshgrid(u, v), axis=-1).reshape(-1, 2).astype(np.float32)
    with no_grad():
        pred = _mlp(params, from_numpy((grid - mean) / std)).data.argmax(axis=1)
    chars = np.where(pred.reshape(rows, cols) == 1, "#", ".")
    return ["    " + "".join(row) for row in chars]


def run_demo(epochs: int = 40, seed: int = 0, quiet: bool = False, batch_size: int = 32,
             lr: float = 0.01, out=None) -> dict:
    """Train a 2-32-32-2 ReLU network on the two spirals with the tensor API alone.

    Parameters are plain tensors with ``requires_grad=True``; each step computes
    ``softmax_cross_entropy(mlp(x), y)``, calls ``backward()`` and applies an Adam update to the
    arrays in ``.data``.

    Args:
        epochs: passes over the 800 training points.
        seed: seeds the data, the initial weights and the shuffling.
        quiet: print only the final line.
        batch_size, lr: mini-batch size and Adam's learning rate.
        out: a text stream (default ``sys.stdout``).

    Returns:
        A dict with ``epochs`` (the printed epoch numbers), ``loss``, ``train_acc``, ``test_acc``
        (one value per printed epoch), ``final_test_acc`` and ``seconds``.
    """
    out = sys.stdout if out is None else out

    def say(line=""):
        print(line, file=out)

    (x_train, y_train), (x_test, y_test) = spirals.load_data(seed=seed)
    # standardise with the training set's statistics (the raw coordinates reach +-5)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x_train = (x_train - mean) / std
    x_test = (x_test - mean) / std

    rng = np.random.default_rng(seed)
    sizes = (2, *_HIDDEN, 2)
    params = _init_mlp(rng, sizes)
    opt = _Adam(params, lr=lr)
    n = len(y_train)
    every = max(1, epochs // 10)

    if not quiet:
        arch = "-".join(str(s) for s in sizes)
        n_params = sum(p.size for p in params)
        say(f"neurona {__version__} demo: a {arch} ReLU network ({n_params:,} parameters) "
            "learns the two spirals")
        say(f"{n} training and {len(y_test)} test points, mini-batches of {batch_size}, "
            f"Adam (learning rate {lr})")
        say()
        say("epoch   train loss   train acc   test acc")

    history = {"epochs": [], "loss": [], "train_acc": [], "test_acc": []}
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        total = 0.0
        for i in range(0, n, batch_size):
            idx = order[i:i + batch_size]
            loss = F.softmax_cross_entropy(_mlp(params, from_numpy(x_train[idx])), y_train[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        if epoch % every == 0 or epoch == 1 or epoch == epochs:
            train_acc = _accuracy(params, x_train, y_train)
            test_acc = _accuracy(params, x_test, y_test)
            for key, value in zip(history, (epoch, total / n, train_acc, test_acc), strict=True):
                history[key].append(value)
            if not quiet:
                say(f"{epoch:5d}   {total / n:10.4f}   {train_acc:8.1%}   {test_acc:8.1%}")
    seconds = time.perf_counter() - start
    final = _accuracy(params, x_test, y_test)

    if not quiet:
        say()
        say("what the network learned ('#' = class 1, '.' = class 0), over -6 <= x1, x2 <= 6:")
        for line in _text_map(params, mean, std):
            say(line)
        say()
    say(f"final test accuracy: {final:.1%} on {len(y_test)} points; "
        f"trained in {seconds:.1f} s")
    history.update(final_test_acc=final, seconds=seconds)
    return history


# ---------------------------------------------------------------------------------------------
# neurona info
# ---------------------------------------------------------------------------------------------

# (extra, module, distributions that provide the module), as in pyproject.toml's extras
_EXTRAS = (
    ("gpu", "cupy", ("cupy-cuda12x", "cupy-cuda13x", "cupy-cuda11x", "cupy")),
    ("plot", "matplotlib", ("matplotlib",)),
    ("plot", "tqdm", ("tqdm",)),
    ("viz", "graphviz", ("graphviz",)),
    ("viz", "dot", ()),  # the Graphviz program itself, looked up on PATH
    ("tune", "optuna", ("optuna",)),
    ("dist", "mpi4py", ("mpi4py",)),
    ("onnx", "onnx", ("onnx",)),
    ("playground", "starlette", ("starlette",)),
    ("playground", "uvicorn", ("uvicorn",)),
    ("datasets", "sklearn", ("scikit-learn",)),
    ("datasets", "mlxtend", ("mlxtend",)),
    ("datasets", "scipy", ("scipy",)),
    ("dev", "pytest", ("pytest",)),
    ("dev", "hypothesis", ("hypothesis",)),
    ("dev", "torch", ("torch",)),
)


def _installed_version(module: str, dists=()) -> str | None:
    """The version of an importable module, without importing it; None when it is absent."""
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        return None
    for dist in dists or (module,):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "installed"


def run_info(out=None) -> None:
    """Print the versions neurona runs with and which optional extras are importable."""
    out = sys.stdout if out is None else out

    def say(line=""):
        print(line, file=out)

    say(f"neurona      {__version__}")
    say(f"python       {platform.python_version()} ({sys.executable})")
    say(f"numpy        {np.__version__}")
    say(f"safetensors  {_installed_version('safetensors') or 'not installed'}")
    say(f"platform     {platform.platform()}")
    say()
    say("optional extras (pip install 'neurona[EXTRA]'):")
    for extra, module, dists in _EXTRAS:
        if module == "dot":
            found = shutil.which("dot") or "not found (the Graphviz program, to draw graphs)"
        else:
            found = _installed_version(module, dists) or "not installed"
        say(f"  {extra:<11} {module:<11} {found}")


# ---------------------------------------------------------------------------------------------
# the command
# ---------------------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``neurona`` command."""
    parser = argparse.ArgumentParser(
        prog="neurona",
        description="neurona: a readable, fast deep-learning framework with its own autodiff "
        "engine.",
    )
    parser.add_argument("--version", action="version", version=f"neurona {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser(
        "demo",
        help="train a small network on the two spirals and show the loss falling",
        description="Train a 2-32-32-2 network on the two spirals with the tensor API "
        "(tensors, backward, an Adam update), printing the loss and the accuracy.",
    )
    demo.add_argument("--epochs", type=_positive_int, default=40,
                      help="passes over the training set (default: 40)")
    demo.add_argument("--seed", type=_seed, default=0,
                      help="seed of the data, the initial weights and the shuffling (default: 0)")
    demo.add_argument("--quiet", action="store_true", help="print only the final result")

    sub.add_parser(
        "info",
        help="show the versions of neurona, Python and NumPy and the installed extras",
        description="Show the versions of neurona, Python and NumPy, and which optional "
        "extras are installed (without importing them).",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``neurona`` command with ``argv`` (default: ``sys.argv[1:]``); returns the exit
    status.

    Example:
        >>> main(["demo", "--epochs", "5", "--quiet"])
        final test accuracy: ...
        0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version and usage errors
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 2)
    try:
        if args.command == "demo":
            run_demo(epochs=args.epochs, seed=args.seed, quiet=args.quiet)
        elif args.command == "info":
            run_info()
        else:
            parser.print_help()
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`neurona demo | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush fails no more
        return 1
    return 0
