"""Fahrenheit readings and their Celsius values: the course's one-neuron regression.

The course shows five thermometer readings in both scales::

    Fahrenheit (°F)   Celsius (°C)
         32.4             0.2
         50.1            10.4
         67.6            19.7
         85.8            29.9
        103.5            39.4

A single linear neuron fitted to them by least squares gives ŷ = 0.5503·x − 17.44, close to the
true rule C = (F − 32)·5/9 = 0.5556·F − 17.78: the readings are slightly noisy. ``load_data``
returns this table; ``make_data`` draws as many new pairs as wanted from the true rule, with
Gaussian noise on the Celsius side.

Example:
    >>> from neurona.data.datasets import fahrenheit
    >>> f, c = fahrenheit.load_data()
    >>> print(f, c)
    [ 32.4  50.1  67.6  85.8 103.5] [ 0.2 10.4 19.7 29.9 39.4]
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

from ._checks import check_dtype, check_n_samples, generator

__all__ = ["load_data", "make_data", "to_celsius"]

_FAHRENHEIT = (32.4, 50.1, 67.6, 85.8, 103.5)
_CELSIUS = (0.2, 10.4, 19.7, 29.9, 39.4)


def to_celsius(f):
    """The true rule C = (F − 32)·5/9. f: a number or an array of any shape.

    Example:
        >>> to_celsius(212.0)
        100.0
    """
    return (f - 32.0) * 5.0 / 9.0


def _is_number(v) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(v)


def load_data(dtype="float32"):
    """The course's table of five Fahrenheit readings and their Celsius values.

    Args:
        dtype: floating-point dtype of both arrays (``'float32'``, the default).

    Returns:
        ``(f, c)``: two arrays of shape (5,): the Fahrenheit readings, in the slide's order,
        and the Celsius values read for them.

    Raises:
        ValueError: for a dtype that is not floating-point.

    Example:
        >>> f, c = load_data(dtype="float64")
        >>> f.shape, c.dtype
        ((5,), dtype('float64'))
    """
    dt = check_dtype("fahrenheit.load_data", dtype)
    return np.array(_FAHRENHEIT, dtype=dt), np.array(_CELSIUS, dtype=dt)


def make_data(n_samples: int = 100, noise: float = 0.3, seed: int | None = None,
              low: float = 32.0, high: float = 104.0, dtype="float32"):
    """New (Fahrenheit, Celsius) pairs from the true rule C = (F − 32)·5/9, with noise.

    The Fahrenheit values are drawn uniformly in ``[low, high)``; each Celsius value is the
    exact conversion plus Gaussian noise of standard deviation ``noise`` (in °C). The
    default 0.3 °C is about the scatter of the course's readings around the true rule.

    Args:
        n_samples: number of pairs (>= 1).
        noise: standard deviation of the noise on the Celsius values, in °C (>= 0; 0 gives the
            exact rule).
        seed: an integer for reproducible pairs, or None to draw from neurona's generator
            (``neurona.backend.rng()``, seeded by ``nr.utils.set_seed``).
        low, high: range of the Fahrenheit values (``low < high``); the default spans the
            course's readings, 0 °C to 40 °C.
        dtype: floating-point dtype of both arrays (``'float32'``, the default).

    Returns:
        ``(f, c)``: two arrays of shape (n_samples,).

    Raises:
        ValueError: for a bad ``n_samples``, ``noise``, ``seed``, range or ``dtype``.

    Example:
        >>> f, c = make_data(200, noise=0.0, seed=0)
        >>> f.shape, bool(abs(c - (f - 32) * 5 / 9).max() < 1e-4)
        ((200,), True)
    """
    where = "fahrenheit.make_data"
    n = check_n_samples(where, n_samples, 1)
    if not _is_number(noise) or noise < 0:
        raise ValueError(f"{where}: noise must be a finite number >= 0 (degrees Celsius), "
                         f"got {noise!r}")
    if not (_is_number(low) and _is_number(high)) or not low < high:
        raise ValueError(f"{where}: low and high must be finite numbers with low < high, "
                         f"got low={low!r}, high={high!r}")
    dt = check_dtype(where, dtype)
    rng = generator(where, seed)

    f = rng.uniform(float(low), float(high), size=n)
    # drawn even when noise is 0, so one seed gives the same readings at any noise level
    c = to_celsius(f) + float(noise) * rng.standard_normal(n)
    return f.astype(dt), c.astype(dt)
