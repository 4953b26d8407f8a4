"""Merging layers: combine a list of tensors into one (``layers.Add()([a, b])``).

Elementwise merges (Add, Subtract, Multiply, Average, Maximum, Minimum) need inputs with the
same batch size whose other axes broadcast as NumPy's do (aligned from the right; a size 1
stretches). Concatenate joins along an axis; Dot takes dot products sample by sample. Each
family also has a function form, as in Keras: ``layers.add([a, b])``.
"""

from __future__ import annotations

import math

import numpy as np

from .. import functions as F
from .base import Layer

__all__ = [
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
]


def _who(layer) -> str:
    return f"{type(layer).__name__} '{layer.name}'"


def _shapes(tensors) -> str:
    return ", ".join(str(tuple(t.shape)) for t in tensors)


def _input_list(layer, inputs, count: int | None = None) -> list:
    """``inputs`` as a list of tensors that all have a batch axis of one size."""
    if not isinstance(inputs, (list, tuple)):
        shape = getattr(inputs, "shape", None)
        raise ValueError(
            f"{_who(layer)} should be called on a list of tensors, e.g. "
            f"{type(layer).__name__}()([a, b]); got a single {type(inputs).__name__}"
            + (f" of shape {tuple(shape)}" if shape is not None else "")
        )
    if count is not None and len(inputs) != count:
        raise ValueError(
            f"{_who(layer)} should be called on exactly {count} inputs, got {len(inputs)}"
            + (f" with shapes {_shapes(inputs)}" if inputs else "")
        )
    if not inputs:
        raise ValueError(f"{_who(layer)} should be called on at least 1 input, got an empty list")
    if any(t.ndim == 0 for t in inputs):
        raise ValueError(
            f"{_who(layer)} needs inputs with a batch axis; got shapes {_shapes(inputs)}"
        )
    batch = {t.shape[0] for t in inputs}
    if len(batch) > 1:
        raise ValueError(
            f"{_who(layer)} cannot merge inputs with different batch sizes; got shapes "
            f"{_shapes(inputs)}"
        )
    return list(inputs)


class _Merge(Layer):
    """Elementwise merge of any number of inputs; subclasses define ``_merge(tensors)``."""

    _count: int | None = None  # exact number of inputs, None for one or more

    def call(self, inputs):
        tensors = _input_list(self, inputs, self._count)
        try:  # the non-batch axes broadcast, right-aligned
            np.broadcast_shapes(*(t.shape[1:] for t in tensors))
        except ValueError:
            raise ValueError(
                f"{_who(self)} got inputs with incompatible shapes {_shapes(tensors)}: apart "
                "from the batch axis, each size must match or be 1"
            ) from None
        rank = max(t.ndim for t in tensors)
        # a lower-rank input gets its missing axes right after the batch axis
        tensors = [t if t.ndim == rank else
                   F.reshape(t, t.shape[:1] + (1,) * (rank - t.ndim) + t.shape[1:])
                   for t in tensors]
        return self._merge(tensors)

    def _merge(self, tensors):
        raise NotImplementedError


class Add(_Merge):
    """Elementwise sum of a list of inputs.

    Shapes: a list of tensors ``(batch, ...)`` of one shape (or broadcastable shapes) ->
    that shape.

    Example:
        >>> a, b = nr.Input(shape=(16,)), nr.Input(shape=(16,))
        >>> nr.layers.Add()([a, b]).shape
        (None, 16)
    """

    def _merge(self, tensors):
        out = tensors[0]
        for t in tensors[1:]:
            out = out + t
        return out


class Subtract(_Merge):
    """Difference ``inputs[0] - inputs[1]`` of exactly two inputs.

    Shapes: two tensors ``(batch, ...)`` of one shape (or broadcastable shapes) -> that shape.

    Example:
        >>> nr.layers.Subtract()([nr.ones(2, 3), nr.ones(2, 3)]).shape
        (2, 3)
    """

    _count = 2

    def _merge(self, tensors):
        return tensors[0] - tensors[1]


class Multiply(_Merge):
    """Elementwise product of a list of inputs.

    Shapes: a list of tensors ``(batch, ...)`` of one shape (or broadcastable shapes) ->
    that shape.

    Example:
        >>> nr.layers.Multiply()([nr.ones(2, 3), nr.ones(2, 3)]).shape
        (2, 3)
    """

    def _merge(self, tensors):
        out = tensors[0]
        for t in tensors[1:]:
            out = out * t
        return out


class Average(_Merge):
    """Elementwise mean of a list of inputs.

    Shapes: a list of tensors ``(batch, ...)`` of one shape (or broadcastable shapes) ->
    that shape.

    Example:
        >>> nr.layers.Average()([nr.zeros(2, 3), nr.ones(2, 3)]).data[0]
        array([0.5, 0.5, 0.5], dtype=float32)
    """

    def _merge(self, tensors):
        out = tensors[0]
        for t in tensors[1:]:
            out = out + t
        return out / len(tensors) if len(tensors) > 1 else out


class Maximum(_Merge):
    """Elementwise maximum of a list of inputs (ties share the gradient).

    Shapes: a list of tensors ``(batch, ...)`` of one shape (or broadcastable shapes) ->
    that shape.

    Example:
        >>> nr.layers.Maximum()([nr.zeros(2, 3), nr.ones(2, 3)]).data[0]
        array([1., 1., 1.], dtype=float32)
    """

    def _merge(self, tensors):
        out = tensors[0]
        for t in tensors[1:]:
            out = F.maximum(out, t)
        return out


class Minimum(_Merge):
    """Elementwise minimum of a list of inputs (ties share the gradient).

    Shapes: a list of tensors ``(batch, ...)`` of one shape (or broadcastable shapes) ->
    that shape.

    Example:
        >>> nr.layers.Minimum()([nr.zeros(2, 3), nr.ones(2, 3)]).data[0]
        array([0., 0., 0.], dtype=float32)
    """

    def _merge(self, tensors):
        out = tensors[0]
        for t in tensors[1:]:
            out = F.minimum(out, t)
        return out


def _check_axis(who: str, axis) -> int:
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{who}: axis must be an int, got {axis!r}")
    return int(axis)


class Concatenate(Layer):
    """Joins a list of inputs along ``axis``.

    Args:
        axis: the axis to join along (-1, the last, by default); the batch axis 0 cannot be
            used.

    Shapes: tensors that match on every axis except ``axis`` -> the same shape with ``axis``
    of size ``sum(t.shape[axis])``.

    Example:
        >>> a, b = nr.Input(shape=(4, 3)), nr.Input(shape=(4, 5))
        >>> nr.layers.Concatenate()([a, b]).shape
        (None, 4, 8)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = _check_axis("Concatenate", axis)

    def call(self, inputs):
        tensors = _input_list(self, inputs)
        ranks = {t.ndim for t in tensors}
        ndim = tensors[0].ndim
        if len(ranks) > 1:
            raise ValueError(
                f"{_who(self)} needs inputs with the same number of axes; got shapes "
                f"{_shapes(tensors)}"
            )
        if not -ndim <= self.axis < ndim or self.axis % ndim == 0:
            raise ValueError(
                f"{_who(self)}: axis {self.axis} is not a non-batch axis of inputs with shapes "
                f"{_shapes(tensors)} (valid: 1 to {ndim - 1}, or -1 to {1 - ndim})"
            )
        axis = self.axis % ndim
        rest = {t.shape[:axis] + t.shape[axis + 1:] for t in tensors}
        if len(rest) > 1:
            raise ValueError(
                f"{_who(self)} needs inputs that match on every axis except the concatenation "
                f"axis {self.axis}; got shapes {_shapes(tensors)}"
            )
        if len(tensors) == 1:
            return tensors[0]
        return F.concat(tensors, axis=axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


def _l2_normalize(x, axis: int):
    # x / max(||x||, 1e-7): the floor keeps a zero vector finite, with a finite gradient
    norm2 = F.sum(x * x, axis=axis, keepdims=True)
    return x / F.sqrt(F.maximum(norm2, 1e-14))


class Dot(Layer):
    """Dot products of two inputs, sample by sample: contracts ``axes[0]`` of the first input
    with ``axes[1]`` of the second (Keras's ``batch_dot``).

    Args:
        axes: an int (the same axis of both inputs) or a pair of ints; axis 0, the batch, cannot
            be contracted. Negative axes count from the end.
        normalize: L2-normalize both inputs along the contracted axes first, so the result is
            the cosine similarity.

    Shapes: ``x: (batch, ...)``, ``y: (batch, ...)`` with ``x.shape[axes[0]] ==
    y.shape[axes[1]]`` -> ``(batch, *x_rest, *y_rest)`` (the remaining non-batch axes of
    ``x`` then of ``y``); two ``(batch, n)`` vectors give ``(batch, 1)``.

    Example:
        >>> a, b = nr.Input(shape=(8,)), nr.Input(shape=(8,))
        >>> nr.layers.Dot(axes=1, normalize=True)([a, b]).shape   # cosine similarity
        (None, 1)
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2 or not all(
                    isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes):
                raise ValueError(f"Dot: axes must be an int or a pair of ints, got {axes!r}")
            axes = (int(axes[0]), int(axes[1]))
        elif not isinstance(axes, (int, np.integer)) or isinstance(axes, bool):
            raise TypeError(f"Dot: axes must be an int or a pair of ints, got {axes!r}")
        else:
            axes = int(axes)
        self.axes = axes
        self.normalize = bool(normalize)

    def _resolve_axes(self, x, y) -> tuple[int, int]:
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        out = []
        for axis, t, which in zip(pair, (x, y), ("first", "second"), strict=True):
            if not -t.ndim <= axis < t.ndim or axis % t.ndim == 0:
                raise ValueError(
                    f"{_who(self)}: axis {axis} is not a non-batch axis of the {which} input, of "
                    f"shape {t.shape} (the batch axis 0 cannot be contracted)"
                )
            out.append(axis % t.ndim)
        return out[0], out[1]

    def call(self, inputs):
        x, y = _input_list(self, inputs, 2)
        if x.ndim < 2 or y.ndim < 2:
            raise ValueError(
                f"{_who(self)} needs inputs with at least 2 axes (batch, features); got shapes "
                f"{_shapes((x, y))}"
            )
        ax, ay = self._resolve_axes(x, y)
        n = x.shape[ax]
        if y.shape[ay] != n:
            raise ValueError(
                f"{_who(self)}: axis {ax} of the first input (size {n}) and axis {ay} of the "
                f"second (size {y.shape[ay]}) must have the same size; got shapes "
                f"{_shapes((x, y))}"
            )
        if self.normalize:
            x, y = _l2_normalize(x, ax), _l2_normalize(y, ay)
        batch = x.shape[0]
        x_rest = [i for i in range(1, x.ndim) if i != ax]
        y_rest = [i for i in range(1, y.ndim) if i != ay]
        # one batched matmul: (batch, rest of x, n) @ (batch, n, rest of y)
        x_order, y_order = (0, *x_rest, ax), (0, ay, *y_rest)
        if x_order != tuple(range(x.ndim)):
            x = F.transpose(x, x_order)
        if y_order != tuple(range(y.ndim)):
            y = F.transpose(y, y_order)
        x_dims = tuple(x.shape[1:-1])
        y_dims = tuple(y.shape[2:])
        out = F.matmul(F.reshape(x, (batch, math.prod(x_dims), n)),
                       F.reshape(y, (batch, n, math.prod(y_dims))))
        return F.reshape(out, (batch,) + (x_dims + y_dims or (1,)))

    def get_config(self) -> dict:
        axes = self.axes if isinstance(self.axes, int) else list(self.axes)
        return {**super().get_config(), "axes": axes, "normalize": self.normalize}


# -- function forms, as keras.layers.add(...) ---------------------------------------------------


def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``: elementwise sum of a list of tensors.

    Example:
        >>> y = nr.layers.add([a, b])
    """
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)``: ``inputs[0] - inputs[1]``.

    Example:
        >>> y = nr.layers.subtract([a, b])
    """
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)``: elementwise product of a list of tensors.

    Example:
        >>> y = nr.layers.multiply([a, b])
    """
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)``: elementwise mean of a list of tensors.

    Example:
        >>> y = nr.layers.average([a, b])
    """
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)``: elementwise maximum of a list of tensors.

    Example:
        >>> y = nr.layers.maximum([a, b])
    """
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)``: elementwise minimum of a list of tensors.

    Example:
        >>> y = nr.layers.minimum([a, b])
    """
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis, **kwargs)(inputs)``: join a list of tensors along ``axis``.

    Example:
        >>> y = nr.layers.concatenate([a, b], axis=-1)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """``Dot(axes, **kwargs)(inputs)``: sample-wise dot products of two tensors.

    Example:
        >>> y = nr.layers.dot([a, b], axes=1)
    """
    return Dot(axes=axes, **kwargs)(inputs)
