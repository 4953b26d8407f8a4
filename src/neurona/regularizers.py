"""Weight penalties, as ``keras.regularizers``: ``Dense(64, kernel_regularizer='l2')``.

A regularizer maps a weight Tensor to a scalar Tensor that is added to the loss; it is built
from :mod:`neurona.functions`, so its gradient reaches the weight by backpropagation
(``d/dw l2 * sum(w^2) = 2 * l2 * w``). The course's L1 and L2 penalties are :class:`L1` and
:class:`L2`; :class:`L1L2` adds both.
"""

from __future__ import annotations

import math

import numpy as np

from . import _lookup
from . import functions as F
from .backend import get_array_module
from .tensor import Tensor, as_tensor

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get", "serialize",
           "deserialize"]


def _factor(who: str, name: str, value) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0:
        raise ValueError(f"{who}: {name} must be a non-negative number, got {name}={value!r}")
    return float(value)


def _weight(who: str, x) -> Tensor:
    x = as_tensor(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{who}: expects a floating-point weight, got dtype {x.dtype}")
    return x


def _zero(x: Tensor) -> Tensor:
    # a constant: nothing to differentiate, so no graph node
    xp = get_array_module(x.data)
    return Tensor._make(xp.zeros((), dtype=x.dtype), None)


class Regularizer:
    """Base class: ``regularizer(weight)`` returns a scalar penalty Tensor.

    Subclasses implement ``__call__`` and ``get_config``.
    """

    def __call__(self, x: Tensor) -> Tensor:
        return _zero(_weight(type(self).__name__, x))

    def get_config(self) -> dict:
        """The constructor arguments, as a JSON-able dict."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    @classmethod
    def from_config(cls, config: dict) -> Regularizer:
        """A new regularizer from :meth:`get_config`'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1(Regularizer):
    """L1 penalty ``l1 * sum(|w|)``: pushes weights to exactly zero (sparse weights).

    Args:
        l1: the factor, >= 0.

    Example:
        >>> regularizers.L1(0.1)(nr.tensor([1.0, -2.0]))
        tensor(0.3)
    """

    def __init__(self, l1: float = 0.01):
        self.l1 = _factor("L1", "l1", 0.01 if l1 is None else l1)

    def __call__(self, x: Tensor) -> Tensor:
        """x: a weight of any shape; returns a scalar Tensor of the same dtype."""
        return self.l1 * F.sum(F.abs(_weight("L1", x)))

    def get_config(self) -> dict:
        return {"l1": self.l1}


class L2(Regularizer):
    """L2 penalty ``l2 * sum(w^2)`` (weight decay): keeps weights small.

    Args:
        l2: the factor, >= 0.

    Example:
        >>> regularizers.L2(0.1)(nr.tensor([1.0, -2.0]))
        tensor(0.5)
    """

    def __init__(self, l2: float = 0.01):
        self.l2 = _factor("L2", "l2", 0.01 if l2 is None else l2)

    def __call__(self, x: Tensor) -> Tensor:
        """x: a weight of any shape; returns a scalar Tensor of the same dtype."""
        x = _weight("L2", x)
        return self.l2 * F.sum(x * x)

    def get_config(self) -> dict:
        return {"l2": self.l2}


class L1L2(Regularizer):
    """Both penalties: ``l1 * sum(|w|) + l2 * sum(w^2)``. A zero factor adds nothing (and
    no graph node).

    Args:
        l1: the L1 factor, >= 0.
        l2: the L2 factor, >= 0.

    Example:
        >>> regularizers.L1L2(l1=0.1, l2=0.1)(nr.tensor([1.0, -2.0]))
        tensor(0.8)
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        self.l1 = _factor("L1L2", "l1", 0.0 if l1 is None else l1)
        self.l2 = _factor("L1L2", "l2", 0.0 if l2 is None else l2)

    def __call__(self, x: Tensor) -> Tensor:
        """x: a weight of any shape; returns a scalar Tensor of the same dtype."""
        x = _weight("L1L2", x)
        penalty = None
        if self.l1:
            penalty = self.l1 * F.sum(F.abs(x))
        if self.l2:
            term = self.l2 * F.sum(x * x)
            penalty = term if penalty is None else penalty + term
        return _zero(x) if penalty is None else penalty

    def get_config(self) -> dict:
        return {"l1": self.l1, "l2": self.l2}


# Keras exports each class under its snake_case name as well.
l1 = L1
l2 = L2
l1_l2 = L1L2


# -- lookup -------------------------------------------------------------------------------------

_REGULARIZERS: dict[str, type[Regularizer]] = {"l1": L1, "l2": L2, "l1_l2": L1L2}


def get(identifier):
    """Resolve a regularizer: None, a name, a class, an instance, a callable or a config dict.

    A name (``'l2'`` or ``'L2'``) or a class gives a new instance with the default factors
    (0.01 for ``L1`` and ``L2``; 0 for ``L1L2``, as in Keras); an instance or a callable
    ``f(weight) -> scalar Tensor`` is returned unchanged; None stays None.

    Raises:
        ValueError: for an unknown name (listing the valid ones and the closest) or an
            identifier of another kind.

    Example:
        >>> regularizers.get("l2")
        L2(l2=0.01)
    """
    return _lookup.get_instance(identifier, "regularizer", Regularizer, _REGULARIZERS, example="l2")


def serialize(regularizer: Regularizer | None) -> dict | None:
    """``{"class_name": ..., "config": ...}`` of a regularizer (None for None).

    Example:
        >>> regularizers.serialize(regularizers.L2(0.001))
        {'class_name': 'L2', 'config': {'l2': 0.001}}
    """
    return _lookup.serialize_instance(regularizer, "regularizer", Regularizer)


def deserialize(config, custom_objects: dict | None = None) -> Regularizer:
    """The regularizer that :func:`serialize` described (a config dict, or a name).

    Args:
        config: ``{"class_name": "L2", "config": {"l2": 0.001}}`` or ``'l2'``.
        custom_objects: user classes by name, looked up before the built-ins.

    Example:
        >>> regularizers.deserialize({"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.0}})
        L1L2(l1=0.1, l2=0.0)
    """
    return _lookup.deserialize_instance(config, "regularizer", _REGULARIZERS, custom_objects)
