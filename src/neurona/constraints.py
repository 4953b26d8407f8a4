"""Weight constraints, as ``keras.constraints``: ``Dense(64, kernel_constraint='max_norm')``.

A constraint maps a weight's array to the projected array of the same shape and dtype; the
trainer applies it after each optimizer step and writes the result back into the weight. It
works on the raw array (NumPy or CuPy), outside the graph: a projection is not differentiated.

Norms are taken along ``axis`` (default 0): for a Dense kernel ``(in, out)`` that is the vector
of incoming weights of each unit; for a Conv2D kernel ``(kh, kw, in, out)`` use
``axis=(0, 1, 2)``. Like Keras, the rescaling divides by ``norm + 1e-7`` so an all-zero vector
stays zero.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from . import _lookup
from .backend import get_array_module
from .tensor import Tensor

__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", "max_norm", "non_neg",
           "unit_norm", "min_max_norm", "get", "serialize", "deserialize"]

_EPSILON = 1e-7  # Keras's backend.epsilon(): keeps the division finite for a zero norm


def _number(who: str, name: str, value) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0:
        raise ValueError(f"{who}: {name} must be a non-negative number, got {name}={value!r}")
    # ints stay ints so the config reads as written (Keras's MaxNorm default is 2)
    return int(value) if isinstance(value, (int, np.integer)) else float(value)


def _check_axis(who: str, axis):
    try:
        return operator.index(axis)
    except TypeError:
        pass
    try:
        return [operator.index(a) for a in axis]
    except TypeError:
        raise TypeError(f"{who}: axis must be an int or a list of ints, got {axis!r}") from None


class Constraint:
    """Base class: ``constraint(w)`` returns the projected array, same shape and dtype.

    Subclasses implement ``__call__`` and, when they take arguments, ``get_config``.
    """

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-able dict."""
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Constraint:
        """A new constraint from :meth:`get_config`'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def _array(self, w, floating: bool):
        # A Tensor is accepted for convenience; its array is what gets projected.
        if isinstance(w, Tensor):
            w = w.data
        xp = get_array_module(w)
        w = xp.asarray(w)
        if floating and w.dtype.kind != "f":
            raise TypeError(
                f"{type(self).__name__}: expects a floating-point weight array, got dtype "
                f"{w.dtype}"
            )
        return xp, w

    def _norms(self, xp, w):
        """The L2 norms along ``self.axis``, kept as size-1 axes so they broadcast against w."""
        axes = (self.axis,) if isinstance(self.axis, int) else tuple(self.axis)
        for a in axes:
            if not -w.ndim <= a < w.ndim:
                raise ValueError(
                    f"{type(self).__name__}: axis {a} is out of range for a weight of shape "
                    f"{w.shape} (valid axes are {-w.ndim} to {w.ndim - 1})"
                )
        return xp.sqrt(xp.sum(w * w, axis=axes, keepdims=True))


class MaxNorm(Constraint):
    """Caps the L2 norm along ``axis`` at ``max_value``: vectors with a larger norm are scaled
    down to it, the others stay (up to the 1e-7 of the division)::

        w * clip(norm, 0, max_value) / (norm + 1e-7)

    Args:
        max_value: the largest norm allowed, >= 0.
        axis: the axis (or list of axes) the norm runs over.

    Example:
        >>> constraints.MaxNorm(2.0)(np.array([[3.0], [4.0]]))   # norm 5 -> 2
        array([[1.19999998],
               [1.59999997]])
    """

    def __init__(self, max_value: float = 2, axis: int | list[int] = 0):
        self.max_value = _number("MaxNorm", "max_value", max_value)
        self.axis = _check_axis("MaxNorm", axis)

    def __call__(self, w):
        """w: a float array of any shape; returns an array of the same shape and dtype."""
        xp, w = self._array(w, floating=True)
        norms = self._norms(xp, w)
        desired = xp.clip(norms, 0.0, float(self.max_value))
        desired /= norms + _EPSILON
        return w * desired

    def get_config(self) -> dict:
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero: ``max(w, 0)`` (Keras writes it ``w * (w >= 0)``; the
    values are the same, without the ``-0.0`` that form leaves, and NaN stays NaN).

    Example:
        >>> constraints.NonNeg()(np.array([-1.0, 2.0]))
        array([0., 2.])
    """

    def __call__(self, w):
        """w: an array of any shape; returns an array of the same shape and dtype."""
        xp, w = self._array(w, floating=False)
        return xp.maximum(w, 0)  # a Python 0 keeps w's dtype


class UnitNorm(Constraint):
    """Scales each vector along ``axis`` to unit L2 norm: ``w / (norm + 1e-7)``.

    Args:
        axis: the axis (or list of axes) the norm runs over.

    Example:
        >>> constraints.UnitNorm()(np.array([[3.0], [4.0]]))
        array([[0.59999999],
               [0.79999998]])
    """

    def __init__(self, axis: int | list[int] = 0):
        self.axis = _check_axis("UnitNorm", axis)

    def __call__(self, w):
        """w: a float array of any shape; returns an array of the same shape and dtype."""
        xp, w = self._array(w, floating=True)
        norms = self._norms(xp, w)
        norms += _EPSILON
        return w / norms

    def get_config(self) -> dict:
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Keeps the L2 norm along ``axis`` within ``[min_value, max_value]``, moving it a fraction
    ``rate`` of the way there at each call::

        desired = rate * clip(norm, min_value, max_value) + (1 - rate) * norm
        w * desired / (norm + 1e-7)

    ``rate=1`` enforces the bounds at once; a smaller rate approaches them gradually.

    Args:
        min_value: the smallest norm, >= 0.
        max_value: the largest norm, >= min_value.
        rate: in [0, 1].
        axis: the axis (or list of axes) the norm runs over.

    Example:
        >>> constraints.MinMaxNorm(1.0, 2.0)(np.array([[0.3], [0.4]]))   # norm 0.5 -> 1
        array([[0.59999988],
               [0.79999984]])
    """

    def __init__(
        self,
        min_value: float = 0.0,
        max_value: float = 1.0,
        rate: float = 1.0,
        axis: int | list[int] = 0,
    ):
        self.min_value = _number("MinMaxNorm", "min_value", min_value)
        self.max_value = _number("MinMaxNorm", "max_value", max_value)
        self.rate = _number("MinMaxNorm", "rate", rate)
        if self.min_value > self.max_value:
            raise ValueError(
                f"MinMaxNorm: min_value must be <= max_value, got min_value={min_value!r}, "
                f"max_value={max_value!r}"
            )
        if self.rate > 1:
            raise ValueError(f"MinMaxNorm: rate must be in [0, 1], got rate={rate!r}")
        self.axis = _check_axis("MinMaxNorm", axis)

    def __call__(self, w):
        """w: a float array of any shape; returns an array of the same shape and dtype."""
        xp, w = self._array(w, floating=True)
        norms = self._norms(xp, w)
        rate = float(self.rate)
        desired = xp.clip(norms, float(self.min_value), float(self.max_value))
        desired *= rate
        desired += (1.0 - rate) * norms
        desired /= norms + _EPSILON
        return w * desired

    def get_config(self) -> dict:
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


# Keras exports each class under its snake_case name as well.
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm


# -- lookup -------------------------------------------------------------------------------------

_CONSTRAINTS: dict[str, type[Constraint]] = {
    "max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm,
}


def get(identifier):
    """Resolve a constraint: None, a name, a class, an instance, a callable or a config dict.

    A name (``'max_norm'`` or ``'MaxNorm'``) or a class gives a new instance with the default
    arguments; an instance or a callable ``f(array) -> array`` is returned unchanged; None
    stays None.

    Raises:
        ValueError: for an unknown name (listing the valid ones and the closest) or an
            identifier of another kind.

    Example:
        >>> constraints.get("max_norm")
        MaxNorm(max_value=2, axis=0)
    """
    return _lookup.get_instance(identifier, "constraint", Constraint, _CONSTRAINTS,
                                example="max_norm")


def serialize(constraint: Constraint | None) -> dict | None:
    """``{"class_name": ..., "config": ...}`` of a constraint (None for None).

    Example:
        >>> constraints.serialize(constraints.MaxNorm(3))
        {'class_name': 'MaxNorm', 'config': {'max_value': 3, 'axis': 0}}
    """
    return _lookup.serialize_instance(constraint, "constraint", Constraint)


def deserialize(config, custom_objects: dict | None = None) -> Constraint:
    """The constraint that :func:`serialize` described (a config dict, or a name).

    Args:
        config: ``{"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 0}}`` or
            ``'non_neg'``.
        custom_objects: user classes by name, looked up before the built-ins.

    Example:
        >>> constraints.deserialize("non_neg")
        NonNeg()
    """
    return _lookup.deserialize_instance(config, "constraint", _CONSTRAINTS, custom_objects)
