"""Two interleaved spirals: the classic 2-D problem a linear model cannot solve.

Each class is one arm of a spiral that turns 1.75 times around the origin while its radius grows
from 0 to 5; the second arm is the first one rotated by half a turn, so the two classes wind
around each other. This is the spiral set of the course's Playground exercise ("find the
smallest network with a test loss under 15%").

The points are generated on the spot from a seeded generator (nothing is downloaded) and NumPy's
global random state is never touched.

Example:
    >>> from neurona.data.datasets import spirals
    >>> (x_train, y_train), (x_test, y_test) = spirals.load_data()
    >>> x_train.shape, y_train.shape, x_test.shape
    ((800, 2), (800,), (200, 2))
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

from ._checks import check_dtype, check_n_samples, generator

__all__ = ["make_spirals", "load_data"]

_TURNS = 1.75  # turns of each arm around the origin
_RADIUS = 5.0  # radius at the outer end of each arm
_PER_CLASS = " (at least one point per class)"


def _check_noise(where: str, noise) -> float:
    if not isinstance(noise, Real) or isinstance(noise, bool) or not math.isfinite(noise) \
            or noise < 0:
        raise ValueError(f"{where}: noise must be a finite number >= 0, got {noise!r}")
    return float(noise)


def _arms(counts: tuple[int, int], noise: float, rng: np.random.Generator):
    """The two arms, unshuffled: points (sum(counts), 2) float64 and labels (sum(counts),)."""
    xs, ys = [], []
    for label, n in enumerate(counts):
        t = np.arange(n) / n  # position along the arm: 0 at the centre, towards 1 outside
        radius = _RADIUS * t
        angle = 2.0 * math.pi * _TURNS * t + math.pi * label  # arm 1 = arm 0 turned by pi
        points = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
        # drawn even when noise is 0, so one seed gives the same points and order at any noise
        points += noise * rng.uniform(-1.0, 1.0, size=points.shape)
        xs.append(points)
        ys.append(np.full(n, label, dtype=np.int64))
    return xs, ys


def make_spirals(n_samples: int = 500, noise: float = 0.0, seed: int | None = None,
                 dtype="float32") -> tuple[np.ndarray, np.ndarray]:
    """Generate the two spirals, shuffled.

    Args:
        n_samples: total number of points (>= 2). The classes are balanced: each gets
            ``n_samples // 2`` points, and class 0 one more when ``n_samples`` is odd.
        noise: half-width of the uniform jitter added to each coordinate, in the units of the
            points (the arms reach radius 5); 0 gives the exact curves.
        seed: an integer for a reproducible set, or None to draw from neurona's generator
            (``neurona.backend.rng()``, seeded by ``nr.utils.set_seed``).
        dtype: floating-point dtype of ``x`` (``'float32'``, the default, or ``'float64'``...).

    Returns:
        ``(x, y)``: x of shape (n_samples, 2) and dtype ``dtype``, the (x1, x2) coordinates;
        y of shape (n_samples,) and dtype int64, the labels 0 and 1.

    Raises:
        ValueError: for a bad ``n_samples``, ``noise``, ``seed`` or ``dtype``.

    Example:
        >>> x, y = make_spirals(6, seed=0)
        >>> x.shape, x.dtype, y.tolist()
        ((6, 2), dtype('float32'), [1, 1, 0, 0, 1, 0])
    """
    n_samples = check_n_samples("make_spirals", n_samples, 2, _PER_CLASS)
    noise = _check_noise("make_spirals", noise)
    rng = generator("make_spirals", seed)
    dt = check_dtype("make_spirals", dtype)

    counts = (n_samples - n_samples // 2, n_samples // 2)
    xs, ys = _arms(counts, noise, rng)
    order = rng.permutation(n_samples)
    x = np.concatenate(xs)[order].astype(dt)
    y = np.concatenate(ys)[order]
    return x, y


def load_data(n_samples: int = 1000, noise: float = 0.1, test_split: float = 0.2,
              seed: int | None = 0):
    """The spirals split into training and test sets, as Keras's ``load_data()`` does.

    The split is stratified (each set is balanced between the two classes) and each set is
    shuffled. The same ``seed`` always gives the same sets.

    Args:
        n_samples: total number of points, training plus test.
        noise: half-width of the uniform jitter on each coordinate (the arms reach radius 5).
        test_split: fraction of the points kept for testing, strictly between 0 and 1.
        seed: an integer for reproducible sets (default 0), or None to draw from neurona's
            generator.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: x arrays of shape (n, 2) float32, y arrays of
        shape (n,) int64 with labels 0 and 1.

    Raises:
        ValueError: for a bad argument, or a split that leaves a set without one of the classes.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data(n_samples=1000, test_split=0.2)
        >>> x_train.shape, x_test.shape, y_test.mean()
        ((800, 2), (200, 2), np.float64(0.5))
    """
    n_samples = check_n_samples("spirals.load_data", n_samples, 2, _PER_CLASS)
    noise = _check_noise("spirals.load_data", noise)
    if not isinstance(test_split, Real) or isinstance(test_split, bool) \
            or not 0.0 < test_split < 1.0:
        raise ValueError(
            f"spirals.load_data: test_split must be a number strictly between 0 and 1, "
            f"got {test_split!r}"
        )
    rng = generator("spirals.load_data", seed)

    counts = (n_samples - n_samples // 2, n_samples // 2)
    n_test = [round(n * test_split) for n in counts]
    if any(k == 0 or k == n for k, n in zip(n_test, counts, strict=True)):
        raise ValueError(
            f"spirals.load_data: test_split={test_split} of {n_samples} samples leaves the "
            f"training or the test set without points of one class; use more samples or a "
            f"test_split closer to 0.5"
        )
    xs, ys = _arms(counts, noise, rng)

    train, test = [], []
    for x, y, k in zip(xs, ys, n_test, strict=True):
        order = rng.permutation(len(y))  # pick each class's test points at random
        test.append((x[order[:k]], y[order[:k]]))
        train.append((x[order[k:]], y[order[k:]]))

    def merge(parts):
        x = np.concatenate([p[0] for p in parts])
        y = np.concatenate([p[1] for p in parts])
        order = rng.permutation(len(y))
        return x[order].astype(np.float32), y[order]

    return merge(train), merge(test)
