"""The datasets of the TensorFlow Playground (playground.tensorflow.org), by its definitions.

Four classification sets and two regression sets of points in the square [-6, 6]², generated
with the Playground's own definitions:

==============  =======================================================================
``circle``      label 1 inside radius 2.5 (radius drawn uniformly in [0, 2.5)), label 0
                on a ring of radius [3.5, 5); half the points each.
``xor``         points uniform in [-5, 5]², pushed 0.3 away from both axes; label 1
                where x1·x2 >= 0 (first and third quadrants).
``gauss``       two Gaussian blobs centred at (2, 2) (label 1) and (-2, -2) (label 0),
                variance 0.5 growing to 4 with the noise; half the points each.
``spiral``      two spiral arms turning 1.75 times out to radius 5, the arm that starts
                at angle 0 labelled 1, the other (turned by half a turn) labelled 0.
``plane``       points uniform in [-6, 6]²; target (x1 + x2) / 10.
``multi_gauss`` points uniform in [-6, 6]²; six bumps of radius 2 at (±4, ±2.5) and
                (0, ±2.5) with alternating signs; the target is the bump of largest size
                at the point, 1 - distance / 2, signed ("regression gaussian").
==============  =======================================================================

``noise`` is the Playground's slider: a percentage from 0 to 50. What it does depends on the
set, as in the Playground. For ``circle``, ``xor``, ``plane`` and ``multi_gauss`` the points
stay where they are and the label is computed at a jittered position (uniform jitter of up to
noise% of the set's radius, 5 or 6, on each coordinate), so noise flips labels near the
boundary. For ``gauss`` it widens the blobs; for ``spiral`` it moves the points by up to
noise/100 on each coordinate. The Playground labels classes -1 and +1; here they are 0 and 1
(its +1 is our 1).

Three details differ from the Playground, on purpose: the points are shuffled (the Playground
shuffles them right after generating them); ``gauss`` redraws the rare points that fall outside
[-6, 6]² (the Playground draws them off the chart); ``plane`` clips its target to [-1, 1] (the
Playground's scale is not clamped and reaches ±1.2 in the corners, ±1.8 with noise 50).

``spiral`` and :mod:`neurona.data.datasets.spirals` draw the same curves: ``make_spiral(n,
noise=p)`` has the points of ``spirals.make_spirals(n, noise=p / 100)`` (whose noise is a
distance, not a percentage) with the labels swapped (there the arm that starts at angle 0 is
class 0). Their ``load_data`` differ too: ``spirals.load_data`` gives a stratified 80/20 split of
1,000 noisy points; this one a random split, 50/50 by default as in the Playground.

Every generator draws from its own ``np.random.default_rng(seed)``, or from neurona's generator
(``neurona.backend.rng()``, seeded by ``nr.utils.set_seed``) when ``seed`` is None, and never
touches NumPy's global random state. The jitter is drawn even at noise 0, so for one seed the
points of ``circle``, ``xor``, ``plane`` and ``multi_gauss`` (and the noiseless curve positions
of ``spiral``) are the same at every noise level: only the labels, or the jitter, change.

Example:
    >>> from neurona.data.datasets import playground
    >>> (x_train, y_train), (x_test, y_test) = playground.load_data("spiral", noise=10)
    >>> x_train.shape, y_train.shape, x_test.shape
    ((250, 2), (250,), (250, 2))
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

from ... import _lookup
from ._checks import check_dtype, check_n_samples, generator
from .spirals import _arms

__all__ = [
    "CLASSIFICATION",
    "REGRESSION",
    "load_data",
    "make_circle",
    "make_data",
    "make_gauss",
    "make_multi_gauss",
    "make_plane",
    "make_spiral",
    "make_xor",
]

CLASSIFICATION: tuple[str, ...] = ("circle", "xor", "gauss", "spiral")
"""Names of the classification sets (labels 0 and 1)."""

REGRESSION: tuple[str, ...] = ("plane", "multi_gauss")
"""Names of the regression sets (targets in [-1, 1])."""

# the Playground's URL names for its regression sets
_ALIASES = {"reg_plane": "plane", "reg_gauss": "multi_gauss"}

_CIRCLE_RADIUS = 5.0
_XOR_HALF_WIDTH, _XOR_PADDING = 5.0, 0.3
_BOX = 6.0  # the Playground's chart spans [-6, 6] on both axes
# (x1, x2, sign) of the six bumps of multi_gauss
_BUMPS = np.array([(-4.0, 2.5, 1.0), (0.0, 2.5, -1.0), (4.0, 2.5, 1.0),
                   (-4.0, -2.5, -1.0), (0.0, -2.5, 1.0), (4.0, -2.5, -1.0)])


# -- argument checks ---------------------------------------------------------------------------

def _check_noise(where: str, noise) -> float:
    """The Playground's noise percentage (0 to 50) as a fraction (0 to 0.5)."""
    if not isinstance(noise, Real) or isinstance(noise, bool) or not math.isfinite(noise) \
            or not 0 <= noise <= 50:
        raise ValueError(
            f"{where}: noise must be a percentage between 0 and 50, as on the Playground's "
            f"slider, got {noise!r}"
        )
    return float(noise) / 100.0


def _resolve_name(where: str, name) -> str:
    if not isinstance(name, str):
        raise ValueError(f"{where}: name must be a string such as 'spiral', got {name!r}")
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    key = _ALIASES.get(key, key)
    valid = CLASSIFICATION + REGRESSION
    if key not in valid:
        near = _lookup.closest(key, valid)
        hint = f" Did you mean {near!r}?" if near else ""
        raise ValueError(f"{where}: unknown dataset {name!r}.{hint} "
                         f"Valid names: {', '.join(valid)}")
    return key


# -- the generators: (n, fraction of noise, rng) -> unshuffled points (n, 2) and labels (n,) ----

def _split_counts(n: int) -> tuple[int, int]:
    """Points of class 1 and class 0; class 1 (the Playground's positives) gets the odd one."""
    return n - n // 2, n // 2


def _circle(n, noise, rng):
    n_in, n_out = _split_counts(n)
    radius = np.concatenate([
        rng.uniform(0.0, _CIRCLE_RADIUS * 0.5, n_in),
        rng.uniform(_CIRCLE_RADIUS * 0.7, _CIRCLE_RADIUS, n_out),
    ])
    angle = rng.uniform(0.0, 2.0 * math.pi, n)
    points = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    jitter = noise * rng.uniform(-_CIRCLE_RADIUS, _CIRCLE_RADIUS, (n, 2))
    labels = np.hypot(*(points + jitter).T) < _CIRCLE_RADIUS * 0.5
    return points, labels.astype(np.int64)


def _xor(n, noise, rng):
    points = rng.uniform(-_XOR_HALF_WIDTH, _XOR_HALF_WIDTH, (n, 2))
    points += np.where(points > 0, _XOR_PADDING, -_XOR_PADDING)  # keep clear of the axes
    jitter = noise * rng.uniform(-_XOR_HALF_WIDTH, _XOR_HALF_WIDTH, (n, 2))
    moved = points + jitter
    return points, (moved[:, 0] * moved[:, 1] >= 0).astype(np.int64)


def _gauss(n, noise, rng):
    n_pos, n_neg = _split_counts(n)
    std = math.sqrt(0.5 + 7.0 * noise)  # the Playground's variance: 0.5 at noise 0, 4 at 50%
    centres = np.repeat([[2.0, 2.0], [-2.0, -2.0]], [n_pos, n_neg], axis=0)
    points = centres + std * rng.standard_normal((n, 2))
    # redraw the few points outside the chart (at most ~5% of them, at noise 50)
    out = np.abs(points).max(axis=1) > _BOX
    while out.any():
        points[out] = centres[out] + std * rng.standard_normal((int(out.sum()), 2))
        out = np.abs(points).max(axis=1) > _BOX
    labels = np.repeat(np.array([1, 0], dtype=np.int64), [n_pos, n_neg])
    return points, labels


def _spiral(n, noise, rng):
    # spirals' arm 0 starts at angle 0, the Playground's positive arm: swap the labels
    xs, ys = _arms(_split_counts(n), noise, rng)
    return np.concatenate(xs), 1 - np.concatenate(ys)


def _plane(n, noise, rng):
    points = rng.uniform(-_BOX, _BOX, (n, 2))
    jitter = noise * rng.uniform(-_BOX, _BOX, (n, 2))
    target = (points + jitter).sum(axis=1) / 10.0
    return points, np.clip(target, -1.0, 1.0)


def _multi_gauss(n, noise, rng):
    points = rng.uniform(-_BOX, _BOX, (n, 2))
    jitter = noise * rng.uniform(-_BOX, _BOX, (n, 2))
    moved = points + jitter
    dist = np.hypot(moved[:, None, 0] - _BUMPS[:, 0], moved[:, None, 1] - _BUMPS[:, 1])
    bumps = _BUMPS[:, 2] * np.clip(1.0 - dist / 2.0, 0.0, 1.0)  # (n, 6)
    # the bump largest in absolute value wins; the first one on a tie, as in the Playground
    pick = np.abs(bumps).argmax(axis=1)
    return points, bumps[np.arange(n), pick]


_GENERATORS = {
    "circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral,
    "plane": _plane, "multi_gauss": _multi_gauss,
}


def _make(where, name, n_samples, noise, seed, dtype):
    if name in CLASSIFICATION:
        n = check_n_samples(where, n_samples, 2, " (at least one point per class)")
    else:
        n = check_n_samples(where, n_samples, 1)
    fraction = _check_noise(where, noise)
    dt = check_dtype(where, dtype)
    rng = generator(where, seed)
    points, labels = _GENERATORS[name](n, fraction, rng)
    order = rng.permutation(n)
    x = points[order].astype(dt)
    y = labels[order]
    return x, (y if name in CLASSIFICATION else y.astype(dt))


# -- public API --------------------------------------------------------------------------------

def make_circle(n_samples: int = 500, noise: float = 0.0, seed: int | None = None,
                dtype="float32"):
    """The Playground's circle: a disc of class 1 inside a ring of class 0.

    Args:
        n_samples: number of points (>= 2). Half are drawn in the disc and half in the ring;
            the disc gets the extra one when ``n_samples`` is odd.
        noise: the Playground's noise, a percentage from 0 to 50: each label is taken at the
            point moved by up to noise% of 5 on each axis, so labels near the edge flip.
        seed: an integer for a reproducible set, or None to draw from neurona's generator
            (``neurona.backend.rng()``, seeded by ``nr.utils.set_seed``).
        dtype: floating-point dtype of ``x`` (``'float32'``, the default).

    Returns:
        ``(x, y)``, shuffled: x (n_samples, 2), the points, within radius 5; y (n_samples,)
        int64, the labels 0 and 1.

    Raises:
        ValueError: for a bad ``n_samples``, ``noise``, ``seed`` or ``dtype``.

    Example:
        >>> x, y = make_circle(200, noise=10, seed=0)
        >>> x.shape, y.shape, y.dtype
        ((200, 2), (200,), dtype('int64'))
    """
    return _make("make_circle", "circle", n_samples, noise, seed, dtype)


def make_xor(n_samples: int = 500, noise: float = 0.0, seed: int | None = None,
             dtype="float32"):
    """The Playground's XOR: class 1 in the first and third quadrants, class 0 elsewhere.

    Args:
        n_samples: number of points (>= 2), uniform over the four quadrants, so the classes
            are balanced only on average.
        noise: the Playground's noise, a percentage from 0 to 50: each label is taken at the
            point moved by up to noise% of 5 on each axis.
        seed: an integer for a reproducible set, or None to draw from neurona's generator.
        dtype: floating-point dtype of ``x`` (``'float32'``, the default).

    Returns:
        ``(x, y)``, shuffled: x (n_samples, 2), the points, 0.3 to 5.3 away from each axis;
        y (n_samples,) int64, the labels 0 and 1.

    Raises:
        ValueError: for a bad ``n_samples``, ``noise``, ``seed`` or ``dtype``.

    Example:
        >>> x, y = make_xor(200, seed=0)
        >>> bool(((x[:, 0] * x[:, 1] >= 0) == (y == 1)).all())
        True
    """
    return _make("make_xor", "xor", n_samples, noise, seed, dtype)


def make_gauss(n_samples: int = 500, noise: float = 0.0, seed: int | None = None,
               dtype="float32"):
    """The Playground's two Gaussian blobs: class 1 around (2, 2), class 0 around (-2, -2).

    Args:
        n_samples: number of points (>= 2), half in each blob; class 1 gets the extra one
            when ``n_samples`` is odd.
        noise: the Playground's noise, a percentage from 0 to 50: the variance of each
            coordinate grows linearly from 0.5 at 0 to 4 at 50, so the blobs overlap.
        seed: an integer for a reproducible set, or None to draw from neurona's generator.
        dtype: floating-point dtype of ``x`` (``'float32'``, the default).

    Returns:
        ``(x, y)``, shuffled: x (n_samples, 2), the points in [-6, 6]²; y (n_samples,) int64,
        the labels 0 and 1.

    Raises:
        ValueError: for a bad ``n_samples``, ``noise``, ``seed`` or ``dtype``.

    Example:
        >>> x, y = make_gauss(200, seed=0)
        >>> x[y == 1].mean(axis=0).round().tolist()
        [2.0, 2.0]
    """
    return _make("make_gauss", "gauss", n_samples, noise, seed, dtype)


def make_spiral(n_samples: int = 500, noise: float = 0.0, seed: int | None = None,
                dtype="float32"):
    """The Playground's two spirals, one arm per class (see the module notes on ``spirals``).

    Args:
        n_samples: number of points (>= 2), half on each arm; class 1 (the arm that starts at
            angle 0) gets the extra one when ``n_samples`` is odd.
        noise: the Playground's noise, a percentage from 0 to 50: each point moves by up to
            noise/100 on each axis.
        seed: an integer for a reproducible set, or None to draw from neurona's generator.
        dtype: floating-point dtype of ``x`` (``'float32'``, the default).

    Returns:
        ``(x, y)``, shuffled: x (n_samples, 2), the points, within radius 5 (+ the noise);
        y (n_samples,) int64, the labels 0 and 1.

    Raises:
        ValueError: for a bad ``n_samples``, ``noise``, ``seed`` or ``dtype``.

    Example:
        >>> x, y = make_spiral(200, noise=20, seed=0)
        >>> x.shape, y.sum()
        ((200, 2), np.int64(100))
    """
    return _make("make_spiral", "spiral", n_samples, noise, seed, dtype)


def make_plane(n_samples: int = 500, noise: float = 0.0, seed: int | None = None,
               dtype="float32"):
    """The Playground's plane: the target (x1 + x2) / 10, clipped to [-1, 1].

    Args:
        n_samples: number of points (>= 1), uniform in [-6, 6]². (The Playground draws 1,200
            for its regression sets.)
        noise: the Playground's noise, a percentage from 0 to 50: each target is taken at the
            point moved by up to noise% of 6 on each axis.
        seed: an integer for a reproducible set, or None to draw from neurona's generator.
        dtype: floating-point dtype of ``x`` and ``y`` (``'float32'``, the default).

    Returns:
        ``(x, y)``, shuffled: x (n_samples, 2), the points; y (n_samples,), the targets in
        [-1, 1].

    Raises:
        ValueError: for a bad ``n_samples``, ``noise``, ``seed`` or ``dtype``.

    Example:
        >>> x, y = make_plane(100, seed=0)
        >>> y.dtype, bool(abs(y - (x.sum(axis=1) / 10).clip(-1, 1)).max() < 1e-6)
        (dtype('float32'), True)
    """
    return _make("make_plane", "plane", n_samples, noise, seed, dtype)


def make_multi_gauss(n_samples: int = 500, noise: float = 0.0, seed: int | None = None,
                     dtype="float32"):
    """The Playground's regression gaussian: six signed bumps on the plane.

    The bumps sit at (-4, 2.5) +, (0, 2.5) -, (4, 2.5) +, (-4, -2.5) -, (0, -2.5) +,
    (4, -2.5) -; each has height 1 at its centre falling linearly to 0 at distance 2. The
    target at a point is the bump that is largest there, with its sign (0 far from all).

    Arguments, result and errors as for :func:`make_plane`: ``x`` (n_samples, 2) uniform in
    [-6, 6]², ``y`` (n_samples,) in [-1, 1], each target taken at its point moved by up to
    noise% of 6 on each axis.

    Example:
        >>> x, y = make_multi_gauss(300, seed=0)
        >>> x.shape, bool(y.min() >= -1 and y.max() <= 1)
        ((300, 2), True)
    """
    return _make("make_multi_gauss", "multi_gauss", n_samples, noise, seed, dtype)


def make_data(name: str, n_samples: int = 500, noise: float = 0.0, seed: int | None = None,
              dtype="float32"):
    """Any Playground set by name: ``make_data("spiral", ...)`` is ``make_spiral(...)``.

    Args:
        name: one of :data:`CLASSIFICATION` + :data:`REGRESSION` (case is ignored; the
            Playground's ``'reg-plane'`` and ``'reg-gauss'`` work too).
        n_samples, noise, seed, dtype: as for the ``make_<name>`` functions.

    Returns:
        ``(x, y)``: x (n_samples, 2); y (n_samples,): int64 labels for classification, float
        targets in [-1, 1] for regression.

    Raises:
        ValueError: for an unknown name (naming the closest one) or a bad argument.

    Example:
        >>> x, y = make_data("reg-gauss", 100, seed=0)
        >>> x.shape, float(abs(y).max()) <= 1.0
        ((100, 2), True)
    """
    key = _resolve_name("playground.make_data", name)
    return _make(f"make_{key}", key, n_samples, noise, seed, dtype)


def load_data(name: str, n_samples: int = 500, noise: float = 0.0, test_split: float = 0.5,
              seed: int | None = 0, dtype="float32"):
    """A Playground set split into training and test sets, as Keras's ``load_data()`` does.

    As in the Playground, the points are shuffled and then cut in two: the first
    ``n_samples - round(n_samples * test_split)`` train, the rest test. The split is random,
    not stratified, so the classes are balanced only on average.

    Args:
        name: one of :data:`CLASSIFICATION` + :data:`REGRESSION` (see :func:`make_data`).
        n_samples: total number of points, training plus test (the Playground uses 500 for
            classification and 1,200 for regression).
        noise: the Playground's noise, a percentage from 0 to 50.
        test_split: fraction of the points kept for testing, strictly between 0 and 1 (0.5
            matches the Playground's default "ratio of training to test data: 50%").
        seed: an integer for reproducible sets (default 0), or None to draw from neurona's
            generator.
        dtype: floating-point dtype of the x arrays (and of the y arrays for regression).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: x arrays of shape (n, 2); y arrays of shape
        (n,), int64 labels 0 and 1 for classification, float targets for regression.

    Raises:
        ValueError: for an unknown name, a bad argument, or a split that leaves a set empty.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data("circle", n_samples=400,
        ...                                                  test_split=0.25, seed=1)
        >>> x_train.shape, x_test.shape
        ((300, 2), (100, 2))
    """
    where = "playground.load_data"
    key = _resolve_name(where, name)
    n = check_n_samples(where, n_samples, 2, " (at least one to train and one to test)")
    if not isinstance(test_split, Real) or isinstance(test_split, bool) \
            or not 0.0 < test_split < 1.0:
        raise ValueError(f"{where}: test_split must be a number strictly between 0 and 1, "
                         f"got {test_split!r}")
    n_test = round(n * test_split)
    if not 0 < n_test < n:
        raise ValueError(f"{where}: test_split={test_split} of {n_samples} samples leaves the "
                         f"training or the test set empty; use more samples or a test_split "
                         f"closer to 0.5")
    x, y = _make(where, key, n, noise, seed, dtype)
    n_train = n - n_test
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])
