"""Argument checks the dataset modules share; each error names the function that raised it."""

from __future__ import annotations

from numbers import Integral

import numpy as np

from ... import backend
from ...tensor import resolve_dtype


def check_n_samples(where: str, n_samples, minimum: int, why: str = "") -> int:
    """``n_samples`` as an int, or a ValueError if it is not an integer >= ``minimum``."""
    if not isinstance(n_samples, Integral) or isinstance(n_samples, bool) \
            or n_samples < minimum:
        raise ValueError(
            f"{where}: n_samples must be an integer >= {minimum}{why}, got {n_samples!r}"
        )
    return int(n_samples)


def check_dtype(where: str, dtype, integer: bool = False) -> np.dtype:
    """``dtype`` resolved to a floating-point NumPy dtype (or an integer one, if ``integer``)."""
    try:
        dt = resolve_dtype(dtype)
    except TypeError as err:
        raise ValueError(f"{where}: {err}") from None
    kinds, what = ("fiu", "floating-point or integer") if integer else ("f", "floating-point")
    if dt is None or dt.kind not in kinds:
        raise ValueError(f"{where}: dtype must be a {what} dtype such as 'float32', got {dtype!r}")
    return dt


def generator(where: str, seed) -> np.random.Generator:
    """A generator seeded by ``seed``; for None, neurona's own (seeded by nr.utils.set_seed)."""
    if seed is None:
        return backend.rng()
    if not isinstance(seed, Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"{where}: seed must be None or an integer >= 0, got {seed!r}")
    return np.random.default_rng(int(seed))
