"""Weight initializers, as ``keras.initializers``: ``Dense(64, kernel_initializer='he_normal')``.

An initializer is called with a shape and a dtype and returns a NumPy array; layers wrap it in a
Tensor. Random initializers draw from neurona's generator (``neurona.backend.rng()``, reseeded by
``nr.utils.set_seed``) or, given ``seed=``, from a generator of their own made afresh at every
call, so a seeded initializer returns the same values each time (as in Keras 3). NumPy's global
random state is never touched. Values are drawn in float64 and then cast, so the float32 and
float64 results of the same seed agree.

Every class is also exported under Keras's snake_case name (``glorot_uniform is
GlorotUniform``); :func:`get` resolves names, classes, instances and config dicts.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from . import _lookup, backend
from .tensor import resolve_dtype

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform",
    "HeNormal", "LecunUniform", "LecunNormal", "Orthogonal", "Identity", "IdentityInitializer",
    "zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
    "variance_scaling", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
    "lecun_uniform", "lecun_normal", "orthogonal", "identity",
    "compute_fans", "get", "serialize", "deserialize",
]

# Standard deviation of a standard normal truncated to [-2, 2]: truncated draws are divided by
# it so that their standard deviation is the one asked for.
_TRUNCATED_STD = 0.87962566103423978


def _check_shape(who: str, shape) -> tuple[int, ...]:
    try:
        dims = (operator.index(shape),)
    except TypeError:
        try:
            dims = tuple(operator.index(d) for d in shape)
        except TypeError:
            raise TypeError(
                f"{who}: shape must be an int or a tuple of ints, got {shape!r}"
            ) from None
    if any(d < 0 for d in dims):
        raise ValueError(f"{who}: shape dimensions must be >= 0, got {dims}")
    return dims


def _check_dtype(who: str, dtype, floating: bool) -> np.dtype:
    dtype = np.dtype("float32") if dtype is None else resolve_dtype(dtype)
    if floating and dtype.kind != "f":
        raise TypeError(f"{who}: dtype must be a floating-point dtype, got {dtype}")
    return dtype


def _check_number(who: str, name: str, value, positive: bool = False) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or (positive and value <= 0):
        kind = "a positive number" if positive else "a finite number"
        raise ValueError(f"{who}: {name} must be {kind}, got {value!r}")
    return float(value)


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Keras's ``(fan_in, fan_out)`` of a weight shape.

    For a shape ``(..., in, out)`` (a Dense kernel ``(in, out)``, a Conv2D kernel
    ``(kh, kw, in, out)``), ``fan_in = prod(shape[:-1])`` and
    ``fan_out = prod(shape[:-2]) * shape[-1]``; a 1-D shape ``(n,)`` has ``fan_in = fan_out = n``
    and a scalar ``()`` has 1 and 1.

    Example:
        >>> initializers.compute_fans((3, 3, 16, 32))
        (144, 288)
    """
    shape = tuple(int(d) for d in shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def _truncated_normal(gen, shape, mean: float, stddev: float) -> np.ndarray:
    """Normal draws in float64; those more than 2 standard deviations from the mean are drawn
    again (as Keras and TensorFlow do), so every value lies within ``mean +- 2 stddev``."""
    x = gen.standard_normal(shape)
    bad = np.abs(x) > 2.0
    while bad.any():  # each round keeps about 95% of what is redrawn: a few rounds at most
        x[bad] = gen.standard_normal(int(bad.sum()))
        bad = np.abs(x) > 2.0
    x *= stddev
    x += mean
    return x


class Initializer:
    """Base class: ``initializer(shape, dtype='float32')`` returns a NumPy array of that shape
    (``dtype=None`` also means float32, Keras's default).

    Subclasses implement ``__call__`` and, when they take arguments, ``get_config``.
    """

    def __call__(self, shape, dtype="float32") -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__")

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-able dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        """A new initializer from :meth:`get_config`'s dict."""
        return cls(**config)

    def clone(self) -> Initializer:
        """A new initializer with the same configuration."""
        return type(self).from_config(self.get_config())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros.

    Example:
        >>> initializers.Zeros()((2, 3))
        array([[0., 0., 0.],
               [0., 0., 0.]], dtype=float32)
    """

    def __call__(self, shape, dtype="float32") -> np.ndarray:
        who = type(self).__name__
        return np.zeros(_check_shape(who, shape), dtype=_check_dtype(who, dtype, False))


class Ones(Initializer):
    """All ones.

    Example:
        >>> initializers.Ones()((3,))
        array([1., 1., 1.], dtype=float32)
    """

    def __call__(self, shape, dtype="float32") -> np.ndarray:
        who = type(self).__name__
        return np.ones(_check_shape(who, shape), dtype=_check_dtype(who, dtype, False))


class Constant(Initializer):
    """Every value equal to ``value`` (a number, or an array that broadcasts to the shape).

    Example:
        >>> initializers.Constant(0.1)((2,))
        array([0.1, 0.1], dtype=float32)
    """

    def __init__(self, value=0.0):
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"Constant: value must be a number or an array of numbers, got "
                            f"{value!r}")
        self.value = value

    def __call__(self, shape, dtype="float32") -> np.ndarray:
        shape = _check_shape("Constant", shape)
        dtype = _check_dtype("Constant", dtype, False)
        value = np.asarray(self.value)
        try:
            full = np.broadcast_to(value, shape)
        except ValueError:
            raise ValueError(
                f"Constant: value of shape {value.shape} cannot fill a weight of shape {shape}"
            ) from None
        return full.astype(dtype)

    def get_config(self) -> dict:
        value = self.value
        return {"value": value.tolist() if isinstance(value, (np.ndarray, np.generic)) else value}


class RandomInitializer(Initializer):
    """Base class of the random initializers: holds ``seed`` and gives the generator."""

    def __init__(self, seed: int | None = None):
        ok = isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0
        if seed is not None and not ok:
            raise ValueError(
                f"{type(self).__name__}: seed must be None or a non-negative integer, got "
                f"{seed!r}"
            )
        self.seed = None if seed is None else int(seed)

    def _generator(self) -> np.random.Generator:
        # A fresh generator per call: a seeded initializer gives the same values every time.
        if self.seed is None:
            return backend.rng()
        return np.random.default_rng(self.seed)

    def __call__(self, shape, dtype="float32") -> np.ndarray:
        who = type(self).__name__
        shape = _check_shape(who, shape)
        dtype = _check_dtype(who, dtype, True)
        return self._draw(self._generator(), shape).astype(dtype, copy=False)

    def _draw(self, gen: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """float64 values of ``shape`` drawn from ``gen``."""
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"seed": self.seed}


class RandomNormal(RandomInitializer):
    """Normal distribution with ``mean`` and ``stddev``.

    Example:
        >>> initializers.RandomNormal(stddev=1.0, seed=0)((2, 2)).shape
        (2, 2)
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        self.mean = _check_number("RandomNormal", "mean", mean)
        self.stddev = _check_number("RandomNormal", "stddev", stddev, positive=True)

    def _draw(self, gen, shape):
        return gen.normal(self.mean, self.stddev, size=shape)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(RandomInitializer):
    """Uniform distribution on ``[minval, maxval)``.

    Example:
        >>> initializers.RandomUniform(-1.0, 1.0, seed=0)((3,)).shape
        (3,)
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        self.minval = _check_number("RandomUniform", "minval", minval)
        self.maxval = _check_number("RandomUniform", "maxval", maxval)
        if self.minval > self.maxval:
            raise ValueError(
                f"RandomUniform: minval must be <= maxval, got minval={minval!r}, "
                f"maxval={maxval!r}"
            )

    def _draw(self, gen, shape):
        return gen.uniform(self.minval, self.maxval, size=shape)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(RandomInitializer):
    """Normal distribution with ``mean`` and ``stddev``, with values more than two ``stddev``
    from the mean drawn again (so the result's standard deviation is about 0.88 ``stddev``).

    Example:
        >>> w = initializers.TruncatedNormal(stddev=1.0, seed=0)((1000,))
        >>> bool(abs(w).max() <= 2.0)
        True
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        self.mean = _check_number("TruncatedNormal", "mean", mean)
        self.stddev = _check_number("TruncatedNormal", "stddev", stddev, positive=True)

    def _draw(self, gen, shape):
        return _truncated_normal(gen, shape, self.mean, self.stddev)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(RandomInitializer):
    """Draws with a variance of ``scale / n``, ``n`` the fan chosen by ``mode``.

    ``mode`` is ``'fan_in'``, ``'fan_out'`` or ``'fan_avg'`` (their mean), with fans from
    :func:`compute_fans`. ``distribution``:

    - ``'truncated_normal'``: normal truncated at 2 standard deviations, rescaled so that its
      standard deviation is ``sqrt(scale / n)``;
    - ``'untruncated_normal'``: normal with standard deviation ``sqrt(scale / n)``;
    - ``'uniform'``: uniform on ``[-limit, limit]`` with ``limit = sqrt(3 * scale / n)``.

    Glorot, He and LeCun initializers are its special cases.

    Example:
        >>> init = initializers.VarianceScaling(2.0, "fan_in", "truncated_normal", seed=0)
        >>> init((784, 64)).shape   # He normal for a (784, 64) Dense kernel
        (784, 64)
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(
        self,
        scale: float = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        seed: int | None = None,
    ):
        super().__init__(seed)
        who = type(self).__name__
        self.scale = _check_number(who, "scale", scale, positive=True)
        if mode not in self._MODES:
            raise ValueError(
                f"{who}: mode must be one of {', '.join(map(repr, self._MODES))}, got {mode!r}"
            )
        dist = distribution.lower() if isinstance(distribution, str) else distribution
        if dist == "normal":  # Keras's older spelling of the truncated normal
            dist = "truncated_normal"
        if dist not in self._DISTRIBUTIONS:
            raise ValueError(
                f"{who}: distribution must be one of "
                f"{', '.join(map(repr, self._DISTRIBUTIONS))}, got {distribution!r}"
            )
        self.mode = mode
        self.distribution = dist

    def _draw(self, gen, shape):
        fan_in, fan_out = compute_fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}
        variance = self.scale / max(1.0, fan[self.mode])  # an empty weight has fan 0
        if self.distribution == "truncated_normal":
            return _truncated_normal(gen, shape, 0.0, math.sqrt(variance) / _TRUNCATED_STD)
        if self.distribution == "untruncated_normal":
            return gen.normal(0.0, math.sqrt(variance), size=shape)
        limit = math.sqrt(3.0 * variance)
        return gen.uniform(-limit, limit, size=shape)

    def get_config(self) -> dict:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling with fixed arguments: its only argument (and config) is ``seed``."""

    _ARGS: tuple[float, str, str]

    def __init__(self, seed: int | None = None):
        super().__init__(*self._ARGS, seed=seed)

    def get_config(self) -> dict:
        return {"seed": self.seed}


class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform: uniform on ``[-limit, limit]``,
    ``limit = sqrt(6 / (fan_in + fan_out))``. Keras's default kernel initializer.

    Example:
        >>> initializers.GlorotUniform(seed=0)((10, 20)).shape
        (10, 20)
    """

    _ARGS = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal: truncated normal with standard deviation
    ``sqrt(2 / (fan_in + fan_out))``.

    Example:
        >>> initializers.GlorotNormal(seed=0)((10, 20)).dtype
        dtype('float32')
    """

    _ARGS = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_FixedVarianceScaling):
    """He uniform: uniform on ``[-limit, limit]``, ``limit = sqrt(6 / fan_in)``; for ReLU
    layers.

    Example:
        >>> initializers.HeUniform(seed=0)((3, 3, 1, 8)).shape   # a Conv2D kernel
        (3, 3, 1, 8)
    """

    _ARGS = (2.0, "fan_in", "uniform")


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal with standard deviation ``sqrt(2 / fan_in)``; for ReLU
    layers.

    Example:
        >>> initializers.HeNormal(seed=0)((784, 64)).shape
        (784, 64)
    """

    _ARGS = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: uniform on ``[-limit, limit]``, ``limit = sqrt(3 / fan_in)``.

    Example:
        >>> initializers.LecunUniform(seed=0)((4, 4)).shape
        (4, 4)
    """

    _ARGS = (1.0, "fan_in", "uniform")


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal with standard deviation ``sqrt(1 / fan_in)``; the partner
    of the SELU activation.

    Example:
        >>> initializers.LecunNormal(seed=0)((4, 4)).shape
        (4, 4)
    """

    _ARGS = (1.0, "fan_in", "truncated_normal")


class Orthogonal(RandomInitializer):
    """A random orthogonal matrix times ``gain``.

    The shape is seen as a matrix ``(prod(shape[:-1]), shape[-1])``; its rows (if fewer) or its
    columns (otherwise) are orthonormal. Made from the QR decomposition of a normal matrix, with
    the signs of ``R``'s diagonal moved into ``Q`` so that ``Q`` is uniformly distributed.

    Raises:
        ValueError: for shapes with fewer than 2 dimensions.

    Example:
        >>> w = initializers.Orthogonal(seed=0)((4, 4), dtype="float64")
        >>> bool(np.allclose(w.T @ w, np.eye(4)))
        True
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None):
        super().__init__(seed)
        self.gain = _check_number("Orthogonal", "gain", gain)

    def __call__(self, shape, dtype="float32") -> np.ndarray:
        shape = _check_shape("Orthogonal", shape)
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal: needs a shape with at least 2 dimensions, got shape {shape}"
            )
        return super().__call__(shape, dtype)

    def _draw(self, gen, shape):
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = gen.standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)
        if rows < cols:
            q = q.T
        q *= self.gain
        return q.reshape(shape)

    def get_config(self) -> dict:
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """The identity matrix times ``gain``; for 2-D shapes only (a rectangular shape gets ones on
    its main diagonal).

    Raises:
        ValueError: for shapes that are not 2-D.

    Example:
        >>> initializers.Identity()((2, 2))
        array([[1., 0.],
               [0., 1.]], dtype=float32)
    """

    def __init__(self, gain: float = 1.0):
        self.gain = _check_number("Identity", "gain", gain)

    def __call__(self, shape, dtype="float32") -> np.ndarray:
        shape = _check_shape("Identity", shape)
        dtype = _check_dtype("Identity", dtype, False)
        if len(shape) != 2:
            raise ValueError(f"Identity: only 2-D shapes have an identity matrix, got shape "
                             f"{shape}; use Orthogonal for other shapes")
        return (self.gain * np.eye(*shape)).astype(dtype)

    def get_config(self) -> dict:
        return {"gain": self.gain}


IdentityInitializer = Identity  # Keras 3's class name

# Keras exports each class under its snake_case name as well.
zeros = Zeros
ones = Ones
constant = Constant
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_uniform = HeUniform
he_normal = HeNormal
lecun_uniform = LecunUniform
lecun_normal = LecunNormal
orthogonal = Orthogonal
identity = Identity


# -- lookup -------------------------------------------------------------------------------------

_INITIALIZERS: dict[str, type[Initializer]] = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_uniform": HeUniform, "he_normal": HeNormal,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal, "orthogonal": Orthogonal,
    "identity": Identity,
}
# Keras's other accepted spellings
_ALIASES = {"zero": Zeros, "one": Ones, "normal": RandomNormal, "uniform": RandomUniform,
            "identity_initializer": Identity, "orthogonal_initializer": Orthogonal}


def get(identifier):
    """Resolve an initializer: None, a name, a class, an instance, a callable or a config dict.

    A name (``'glorot_uniform'`` or ``'GlorotUniform'``) or a class gives a new instance with
    the default arguments; an instance or another callable ``f(shape, dtype)`` is returned
    unchanged; None stays None.

    Raises:
        ValueError: for an unknown name (listing the valid ones and the closest) or an
            identifier of another kind.

    Example:
        >>> initializers.get("he_normal")
        HeNormal(seed=None)
    """
    return _lookup.get_instance(identifier, "initializer", Initializer, _INITIALIZERS,
                                example="glorot_uniform", aliases=_ALIASES)


def serialize(initializer: Initializer | None) -> dict | None:
    """``{"class_name": ..., "config": ...}`` of an initializer (None for None).

    Example:
        >>> initializers.serialize(initializers.GlorotUniform(seed=1))
        {'class_name': 'GlorotUniform', 'config': {'seed': 1}}
    """
    return _lookup.serialize_instance(initializer, "initializer", Initializer)


def deserialize(config, custom_objects: dict | None = None) -> Initializer:
    """The initializer that :func:`serialize` described (a config dict, or a name).

    Args:
        config: ``{"class_name": "GlorotUniform", "config": {"seed": 1}}`` or ``'he_normal'``.
        custom_objects: user classes by name, looked up before the built-ins.

    Example:
        >>> initializers.deserialize({"class_name": "Constant", "config": {"value": 0.5}})
        Constant(value=0.5)
    """
    return _lookup.deserialize_instance(config, "initializer", _INITIALIZERS, custom_objects,
                                        aliases=_ALIASES)
