"""Array backends: NumPy on the CPU, CuPy on NVIDIA GPUs.

This is the only module that imports CuPy, and it does so lazily: ``import neurona`` never loads
it. Op code is written once against ``xp`` (the array module of its inputs), so the same Function
runs on both devices.

Random numbers: neurona draws from its own generators (one per device), never from NumPy's
global state. :func:`set_seed` reseeds all of them at once.
"""

from __future__ import annotations

import sys

import numpy as np

__all__ = [
    "get_array_module",
    "device_of",
    "to_numpy",
    "to_device",
    "cupy_module",
    "rng",
    "set_seed",
    "get_seed",
]

# Set once CuPy has been imported by neurona (``tensor.to('cuda')``). While it is None, every
# array is a NumPy array and device checks cost nothing.
_cupy = None


def cupy_module():
    """Import and return CuPy, or raise a clear error naming the ``gpu`` extra."""
    global _cupy
    if _cupy is None:
        try:
            import cupy
        except ImportError as err:
            raise RuntimeError(
                "GPU support needs CuPy: install the 'gpu' extra (pip install 'neurona[gpu]') "
                "on a machine with an NVIDIA GPU and CUDA."
            ) from err
        _cupy = cupy
    return _cupy


def _loaded_cupy():
    # CuPy arrays can only exist if CuPy was imported, by neurona or by the user.
    global _cupy
    if _cupy is None and "cupy" in sys.modules:
        _cupy = sys.modules["cupy"]
    return _cupy


def get_array_module(*arrays):
    """Return ``numpy`` or ``cupy``, whichever holds ``arrays``.

    Raises:
        ValueError: if the arrays live on different devices (naming both).
    """
    cp = _loaded_cupy()
    if cp is None:
        return np
    found = None
    for a in arrays:
        if isinstance(a, (np.ndarray, cp.ndarray)):
            dev = device_of(a)
            if found is None:
                found = dev
            elif dev != found:
                raise ValueError(
                    f"expected all tensors on the same device, found {found} and {dev}; "
                    "move them with .to(device) first"
                )
    if found is not None and found != "cpu":
        return cp
    return np


def device_of(array) -> str:
    """The device name of an array: ``'cpu'`` or ``'cuda:N'``."""
    cp = _loaded_cupy()
    if cp is not None and isinstance(array, cp.ndarray):
        return f"cuda:{array.device.id}"
    return "cpu"


def _parse_device(device) -> tuple[str, int]:
    name = str(device).lower()
    if name == "cpu":
        return "cpu", 0
    if name == "cuda" or name == "gpu":
        return "cuda", 0
    if name.startswith("cuda:") and name[5:].isdigit():
        return "cuda", int(name[5:])
    raise ValueError(f"unknown device {device!r}; expected 'cpu', 'cuda' or 'cuda:N'")


def to_device(array, device):
    """Copy ``array`` to ``device`` (``'cpu'``, ``'cuda'``, ``'cuda:1'``); no copy if it is
    already there."""
    kind, index = _parse_device(device)
    if kind == "cpu":
        return to_numpy(array)
    cp = cupy_module()
    with cp.cuda.Device(index):
        return cp.asarray(array)


def to_numpy(array) -> np.ndarray:
    """Return a NumPy array: the same object on the CPU, a host copy of a CuPy array."""
    cp = _loaded_cupy()
    if cp is not None and isinstance(array, cp.ndarray):
        return cp.asnumpy(array)
    return np.asarray(array)


# ---------------------------------------------------------------------------------------------
# Random numbers
# ---------------------------------------------------------------------------------------------

_seed: int | None = None
_generators: dict[str, object] = {}


def rng(xp=np):
    """neurona's random generator for the array module ``xp`` (seeded by :func:`set_seed`)."""
    key = xp.__name__
    gen = _generators.get(key)
    if gen is None:
        gen = xp.random.default_rng(_seed)
        _generators[key] = gen
    return gen


def set_seed(seed: int) -> None:
    """Seed every random source neurona uses (CPU and GPU generators, data shuffling, dropout,
    initializers). NumPy's global random state is left untouched.

    Example:
        >>> import neurona as nr
        >>> nr.utils.set_seed(0)
    """
    global _seed
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"set_seed expects a non-negative integer, got {seed!r}")
    _seed = int(seed)
    _generators.clear()


def get_seed() -> int | None:
    """The seed last given to :func:`set_seed`, or None."""
    return _seed
