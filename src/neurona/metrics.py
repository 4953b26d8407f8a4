"""Metrics: stateful measures of a model's quality, accumulated batch by batch (Keras 3 names).

A metric keeps a few float64 running sums (its state). ``update_state(y_true, y_pred,
sample_weight=None)`` adds one batch, ``result()`` turns the sums into the value, and
``reset_state()`` zeroes them. Because the state is a set of sums, feeding a dataset in batches
gives the same result as feeding it whole::

    m = BinaryAccuracy()
    m.update_state([1, 0], [0.9, 0.2])
    m.update_state([1, 1], [0.3, 0.8])
    m.result()                                  # 0.75, as on the four samples together

Metrics work on arrays, not on the autodiff graph: NumPy arrays, lists and Tensors (their ``.data``)
are accepted, CuPy arrays are copied to the host. Every division is guarded: an empty state gives 0.

Where neurona differs from Keras, on purpose:

- 1-D targets ``(batch,)`` are ``batch`` samples of one output each (Keras averages them into one
  value per batch, which makes the result depend on the batch size).
- ``F1Score(threshold=None)`` on a single output column thresholds at 0.5 (the row-argmax rule would
  mark every sample positive).
- ``get("accuracy", loss=BinaryCrossentropy(from_logits=True))`` thresholds logits at 0.
"""

from __future__ import annotations

import inspect
import math
import numbers
import re
import warnings

import numpy as np

from . import _lookup, backend
from .tensor import Tensor

__all__ = [
    "Metric",
    "Mean",
    "Sum",
    "MeanMetricWrapper",
    "Accuracy",
    "AutoAccuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "TruePositives",
    "FalsePositives",
    "TrueNegatives",
    "FalseNegatives",
    "Precision",
    "Recall",
    "FBetaScore",
    "F1Score",
    "AUC",
    "MeanSquaredError",
    "RootMeanSquaredError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError",
    "R2Score",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "ConfusionMatrix",
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "mean_squared_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "get",
    "serialize",
    "deserialize",
]

EPSILON = 1e-7  # Keras's backend.epsilon(): clips probabilities and guards MAPE's denominator


# ---------------------------------------------------------------------------------------------
# Input helpers
# ---------------------------------------------------------------------------------------------


def _array(x, who: str, role: str) -> np.ndarray:
    """A NumPy view of ``x`` (array, list, Tensor or CuPy array); numeric dtypes only."""
    if isinstance(x, Tensor):
        x = x.data
    a = backend.to_numpy(x)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{who}: {role} must hold numbers, got dtype {a.dtype}")
    return a


def _float(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _same_shape(who: str, y_true: np.ndarray, y_pred: np.ndarray):
    """Drop a trailing size-1 axis when it is the only difference (Keras's squeeze), then insist on
    equal shapes: anything else would broadcast silently into a wrong number."""
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred[..., 0]
    elif y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{who}: y_true and y_pred must have the same shape, got y_true of shape "
            f"{y_true.shape} and y_pred of shape {y_pred.shape}"
        )
    return y_true, y_pred


def _class_axis(who: str, y_pred: np.ndarray) -> int:
    """Check that ``y_pred`` has a non-empty class axis last; return its size."""
    if y_pred.ndim < 2 or y_pred.shape[-1] == 0:
        raise ValueError(
            f"{who}: expected y_pred of shape (batch, num_classes), got shape {y_pred.shape}"
        )
    return y_pred.shape[-1]


def _sparse_labels(who: str, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Integer labels ``(batch, ...)`` for scores ``(batch, ..., num_classes)``; ``(batch, 1)`` is
    squeezed."""
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape[:-1]:
        hint = (
            " For one-hot labels use the categorical metric."
            if y_true.shape == y_pred.shape
            else ""
        )
        raise ValueError(
            f"{who}: expected integer labels of shape {y_pred.shape[:-1]} for y_pred of shape "
            f"{y_pred.shape}, got y_true of shape {y_true.shape}.{hint}"
        )
    return y_true


def _onehot_labels(who: str, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Class indices from one-hot (or probability) targets of the same shape as ``y_pred``."""
    if y_true.shape != y_pred.shape:
        hint = (
            " For integer labels use the sparse metric."
            if y_true.shape == y_pred.shape[:-1]
            or (y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1)
            else ""
        )
        raise ValueError(
            f"{who}: expected one-hot y_true of the same shape as y_pred, got y_true of shape "
            f"{y_true.shape} and y_pred of shape {y_pred.shape}.{hint}"
        )
    return np.argmax(y_true, axis=-1)


def _int_labels(who: str, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Labels as int64 indices, refusing fractions and values outside ``[0, num_classes)``."""
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError(f"{who}: labels must be whole numbers, got {labels.ravel()[:5]}...")
    labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"{who}: labels must be in [0, {num_classes}), got values from {labels.min()} to "
            f"{labels.max()}"
        )
    return labels


def _weights(who: str, sample_weight, shape: tuple) -> np.ndarray:
    """``sample_weight`` as float64 broadcast to ``shape``, aligned on the leading axes: a scalar,
    ``(batch,)`` or ``(batch, 1)`` weighs whole samples, ``shape`` weighs each entry."""
    w = _float(_array(sample_weight, who, "sample_weight"))
    given = w.shape
    while w.ndim > len(shape) and w.shape[-1] == 1:
        w = w[..., 0]
    if w.ndim <= len(shape):
        w = w.reshape(w.shape + (1,) * (len(shape) - w.ndim))
        try:
            return np.broadcast_to(w, shape)
        except ValueError:
            pass
    raise ValueError(
        f"{who}: sample_weight of shape {given} does not fit values of shape {shape}; expected "
        f"a scalar, shape {shape[:1]} or shape {shape}"
    )


def _div(a, b) -> np.ndarray:
    """``a / b`` with 0 where ``b`` is 0 (no warning, no NaN)."""
    a = _float(a)
    b = _float(b)
    out = np.zeros(np.broadcast_shapes(a.shape, b.shape))
    np.divide(a, b, out=out, where=b != 0)
    return out


def _per_sample(who: str, values: np.ndarray) -> np.ndarray:
    """Average elementwise values over the last axis, one value per sample (a 1-D input is already
    one value per sample)."""
    if values.ndim >= 2:
        if values.shape[-1] == 0:
            raise ValueError(f"{who}: got inputs with an empty last axis, shape {values.shape}")
        return values.mean(axis=-1)
    return values.reshape(-1)


def _check_number(who: str, name: str, value, low=None, high=None, integer=False) -> None:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok and integer:
        ok = isinstance(value, numbers.Integral)
    if ok and low is not None:
        ok = value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        kind = "an integer" if integer else "a number"
        bounds = ""
        if low is not None and high is not None:
            bounds = f" in [{low}, {high}]"
        elif low is not None:
            bounds = f" >= {low}"
        raise ValueError(f"{who}: {name} must be {kind}{bounds}, got {value!r}")


def _snake_case(name: str) -> str:
    name = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # no overflow for large |x|


def _log_softmax(x: np.ndarray) -> np.ndarray:
    shift = x - x.max(axis=-1, keepdims=True)
    return shift - np.log(np.exp(shift).sum(axis=-1, keepdims=True))


# ---------------------------------------------------------------------------------------------
# Per-sample functions (Keras's metric functions): arrays in, one value per sample out
# ---------------------------------------------------------------------------------------------


def _accuracy(who, y_true, y_pred):
    y_true, y_pred = _same_shape(who, y_true, y_pred)
    return _per_sample(who, _float(y_true == y_pred))


def _binary_accuracy(who, y_true, y_pred, threshold):
    y_true, y_pred = _same_shape(who, y_true, y_pred)
    return _per_sample(who, _float(y_true == (y_pred > threshold)))


def _categorical_accuracy(who, y_true, y_pred):
    _class_axis(who, y_pred)
    labels = _onehot_labels(who, y_true, y_pred)
    return _float(labels == np.argmax(y_pred, axis=-1))


def _sparse_categorical_accuracy(who, y_true, y_pred):
    _class_axis(who, y_pred)
    labels = _sparse_labels(who, y_true, y_pred)
    return _float(labels == np.argmax(y_pred, axis=-1))


def _in_top_k(who, labels, y_pred, k):
    """A label is a hit when fewer than ``k`` classes score strictly higher (ties are hits)."""
    labels = _int_labels(who, labels, y_pred.shape[-1])
    target = np.take_along_axis(y_pred, labels[..., None], axis=-1)
    higher = (y_pred > target).sum(axis=-1)
    return _float((higher < k) & ~np.isnan(target[..., 0]))


def _top_k_categorical_accuracy(who, y_true, y_pred, k):
    _class_axis(who, y_pred)
    return _in_top_k(who, _onehot_labels(who, y_true, y_pred), y_pred, k)


def _sparse_top_k_categorical_accuracy(who, y_true, y_pred, k, from_sorted_ids=False):
    _class_axis(who, y_pred)
    labels = _sparse_labels(who, y_true, y_pred)
    if from_sorted_ids:  # y_pred holds class ids, best first
        return _float(np.any(y_pred[..., :k] == labels[..., None], axis=-1))
    return _in_top_k(who, labels, y_pred, k)


def _regression_pair(who, y_true, y_pred):
    y_true, y_pred = _same_shape(who, y_true, y_pred)
    return _float(y_true), _float(y_pred)


def _mean_squared_error(who, y_true, y_pred):
    t, p = _regression_pair(who, y_true, y_pred)
    return _per_sample(who, np.square(t - p))


def _mean_absolute_error(who, y_true, y_pred):
    t, p = _regression_pair(who, y_true, y_pred)
    return _per_sample(who, np.abs(t - p))


def _mean_absolute_percentage_error(who, y_true, y_pred):
    t, p = _regression_pair(who, y_true, y_pred)
    return _per_sample(who, 100.0 * np.abs((t - p) / np.maximum(np.abs(t), EPSILON)))


def _mean_squared_logarithmic_error(who, y_true, y_pred):
    t, p = _regression_pair(who, y_true, y_pred)
    return _per_sample(
        who, np.square(np.log1p(np.maximum(p, EPSILON)) - np.log1p(np.maximum(t, EPSILON)))
    )


def _binary_crossentropy(who, y_true, y_pred, from_logits, label_smoothing):
    t, p = _regression_pair(who, y_true, y_pred)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:  # max(x, 0) - x t + log(1 + exp(-|x|)) never overflows
        loss = np.maximum(p, 0.0) - p * t + np.log1p(np.exp(-np.abs(p)))
    else:
        p = np.clip(p, EPSILON, 1.0 - EPSILON)
        loss = -(t * np.log(p) + (1.0 - t) * np.log1p(-p))
    return _per_sample(who, loss)


def _categorical_crossentropy(who, y_true, y_pred, from_logits, label_smoothing, axis):
    y_true = np.moveaxis(_float(y_true), axis, -1) if y_true.ndim else _float(y_true)
    y_pred = np.moveaxis(_float(y_pred), axis, -1) if y_pred.ndim else _float(y_pred)
    num_classes = _class_axis(who, y_pred)
    _onehot_labels(who, y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    return -np.sum(y_true * _log_probabilities(y_pred, from_logits), axis=-1)


def _sparse_categorical_crossentropy(who, y_true, y_pred, from_logits, axis):
    y_pred = np.moveaxis(_float(y_pred), axis, -1) if y_pred.ndim else _float(y_pred)
    num_classes = _class_axis(who, y_pred)
    labels = _int_labels(who, _sparse_labels(who, y_true, y_pred), num_classes)
    logp = _log_probabilities(y_pred, from_logits)
    return -np.take_along_axis(logp, labels[..., None], axis=-1)[..., 0]


def _log_probabilities(y_pred, from_logits):
    if from_logits:
        return _log_softmax(y_pred)
    total = y_pred.sum(axis=-1, keepdims=True)
    # rescale rows to sum to 1, as Keras does; an all-zero row stays zero (then clipped)
    p = np.divide(y_pred, total, out=np.zeros_like(y_pred), where=total != 0)
    return np.log(np.clip(p, EPSILON, 1.0 - EPSILON))


def accuracy(y_true, y_pred) -> np.ndarray:
    """Exact agreement: 1 where ``y_true == y_pred``, averaged over the last axis.

    Args:
        y_true, y_pred: same shape, ``(batch,)`` or ``(batch, d)``.

    Returns:
        ``(batch,)`` float64.

    Example:
        >>> accuracy([1, 2, 3], [1, 2, 0]).tolist()
        [1.0, 1.0, 0.0]
    """
    who = "accuracy"
    return _accuracy(who, _array(y_true, who, "y_true"), _array(y_pred, who, "y_pred"))


def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> np.ndarray:
    """How often ``y_pred > threshold`` equals the 0/1 label, averaged over the last axis.

    Args:
        y_true: 0/1 labels ``(batch,)`` or ``(batch, d)``.
        y_pred: probabilities of the same shape (a trailing size-1 axis may differ).
        threshold: predictions above it are positive.

    Returns:
        ``(batch,)`` float64.

    Example:
        >>> binary_accuracy([1, 0], [0.7, 0.6]).tolist()
        [1.0, 0.0]
    """
    who = "binary_accuracy"
    y_true, y_pred = _array(y_true, who, "y_true"), _array(y_pred, who, "y_pred")
    return _binary_accuracy(who, y_true, y_pred, threshold)


def categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """1 where the argmax of one-hot ``y_true`` equals the argmax of ``y_pred``.

    Args:
        y_true: one-hot ``(batch, ..., num_classes)``.
        y_pred: scores of the same shape.

    Returns:
        ``(batch, ...)`` float64.

    Example:
        >>> categorical_accuracy([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]]).tolist()
        [1.0, 0.0]
    """
    who = "categorical_accuracy"
    y_true, y_pred = _array(y_true, who, "y_true"), _array(y_pred, who, "y_pred")
    return _categorical_accuracy(who, y_true, y_pred)


def sparse_categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """1 where the integer label equals the argmax of ``y_pred``.

    Args:
        y_true: labels ``(batch, ...)`` or ``(batch, ..., 1)``.
        y_pred: scores ``(batch, ..., num_classes)``.

    Returns:
        ``(batch, ...)`` float64.

    Example:
        >>> sparse_categorical_accuracy([1, 0], [[0.2, 0.8], [0.3, 0.7]]).tolist()
        [1.0, 0.0]
    """
    who = "sparse_categorical_accuracy"
    y_true, y_pred = _array(y_true, who, "y_true"), _array(y_pred, who, "y_pred")
    return _sparse_categorical_accuracy(who, y_true, y_pred)


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5) -> np.ndarray:
    """1 where the one-hot target's class is among the ``k`` highest scores (ties count).

    Args:
        y_true: one-hot ``(batch, num_classes)``.
        y_pred: scores of the same shape.
        k: how many top classes count as a hit.

    Returns:
        ``(batch,)`` float64.

    Example:
        >>> top_k_categorical_accuracy([[0, 0, 1]], [[0.5, 0.3, 0.2]], k=2).tolist()
        [0.0]
    """
    who = "top_k_categorical_accuracy"
    y_true, y_pred = _array(y_true, who, "y_true"), _array(y_pred, who, "y_pred")
    return _top_k_categorical_accuracy(who, y_true, y_pred, k)


def sparse_top_k_categorical_accuracy(
    y_true, y_pred, k: int = 5, from_sorted_ids: bool = False
) -> np.ndarray:
    """1 where the integer label is among the ``k`` highest scores (ties count).

    Args:
        y_true: labels ``(batch,)`` or ``(batch, 1)``.
        y_pred: scores ``(batch, num_classes)``, or with ``from_sorted_ids=True`` class ids sorted
            best first ``(batch, m)``.
        k: how many top classes count as a hit.

    Returns:
        ``(batch,)`` float64.

    Example:
        >>> sparse_top_k_categorical_accuracy([2], [[0.5, 0.3, 0.2]], k=3).tolist()
        [1.0]
    """
    who = "sparse_top_k_categorical_accuracy"
    y_true, y_pred = _array(y_true, who, "y_true"), _array(y_pred, who, "y_pred")
    return _sparse_top_k_categorical_accuracy(who, y_true, y_pred, k, from_sorted_ids)


def mean_squared_error(y_true, y_pred) -> np.ndarray:
    """``mean((y_true - y_pred)**2)`` over the last axis.

    Args:
        y_true, y_pred: same shape ``(batch,)`` or ``(batch, d)``.

    Returns:
        ``(batch,)`` float64.

    Example:
        >>> mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).tolist()
        [0.5]
    """
    who = "mean_squared_error"
    y_true, y_pred = _array(y_true, who, "y_true"), _array(y_pred, who, "y_pred")
    return _mean_squared_error(who, y_true, y_pred)


def mean_absolute_error(y_true, y_pred) -> np.ndarray:
    """``mean(|y_true - y_pred|)`` over the last axis.

    Args:
        y_true, y_pred: same shape ``(batch,)`` or ``(batch, d)``.

    Returns:
        ``(batch,)`` float64.

    Example:
        >>> mean_absolute_error([[0.0, 1.0]], [[1.0, 3.0]]).tolist()
        [1.5]
    """
    who = "mean_absolute_error"
    y_true, y_pred = _array(y_true, who, "y_true"), _array(y_pred, who, "y_pred")
    return _mean_absolute_error(who, y_true, y_pred)


def mean_absolute_percentage_error(y_true, y_pred) -> np.ndarray:
    """``100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7))`` over the last axis.

    Args:
        y_true, y_pred: same shape ``(batch,)`` or ``(batch, d)``.

    Returns:
        ``(batch,)`` float64.

    Example:
        >>> mean_absolute_percentage_error([2.0], [3.0]).tolist()
        [50.0]
    """
    who = "mean_absolute_percentage_error"
    y_true, y_pred = _array(y_true, who, "y_true"), _array(y_pred, who, "y_pred")
    return _mean_absolute_percentage_error(who, y_true, y_pred)


def mean_squared_logarithmic_error(y_true, y_pred) -> np.ndarray:
    """``mean((log(1 + y_pred) - log(1 + y_true))**2)`` over the last axis (inputs floored at
    1e-7).

    Args:
        y_true, y_pred: same shape ``(batch,)`` or ``(batch, d)``.

    Returns:
        ``(batch,)`` float64.

    Example:
        >>> round(float(mean_squared_logarithmic_error([0.0], [np.e - 1])[0]), 6)
        1.0
    """
    who = "mean_squared_logarithmic_error"
    y_true, y_pred = _array(y_true, who, "y_true"), _array(y_pred, who, "y_pred")
    return _mean_squared_logarithmic_error(who, y_true, y_pred)


def binary_crossentropy(
    y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0
) -> np.ndarray:
    """Binary cross-entropy averaged over the last axis (probabilities clipped to
    ``[1e-7, 1 - 1e-7]``; logits handled stably).

    Args:
        y_true: 0/1 targets ``(batch,)`` or ``(batch, d)``.
        y_pred: probabilities (or logits with ``from_logits=True``) of the same shape.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: squeezes targets towards 0.5.

    Returns:
        ``(batch,)`` float64.

    Example:
        >>> round(float(binary_crossentropy([1.0], [0.5])[0]), 4)
        0.6931
    """
    who = "binary_crossentropy"
    y_true, y_pred = _array(y_true, who, "y_true"), _array(y_pred, who, "y_pred")
    return _binary_crossentropy(who, y_true, y_pred, from_logits, label_smoothing)


def categorical_crossentropy(
    y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1
) -> np.ndarray:
    """Cross-entropy between one-hot (or probability) targets and predicted distributions.

    Args:
        y_true: targets ``(batch, ..., num_classes)``.
        y_pred: probabilities (rescaled to sum to 1) or logits, same shape.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: mixes the targets with the uniform distribution.
        axis: the class axis.

    Returns:
        ``(batch, ...)`` float64.

    Example:
        >>> round(float(categorical_crossentropy([[0, 1]], [[0.5, 0.5]])[0]), 4)
        0.6931
    """
    who = "categorical_crossentropy"
    y_true, y_pred = _array(y_true, who, "y_true"), _array(y_pred, who, "y_pred")
    return _categorical_crossentropy(who, y_true, y_pred, from_logits, label_smoothing, axis)


def sparse_categorical_crossentropy(
    y_true, y_pred, from_logits: bool = False, axis: int = -1
) -> np.ndarray:
    """Cross-entropy between integer labels and predicted distributions.

    Args:
        y_true: labels ``(batch, ...)`` or ``(batch, ..., 1)``.
        y_pred: probabilities or logits ``(batch, ..., num_classes)``.
        from_logits: whether ``y_pred`` holds logits.
        axis: the class axis of ``y_pred``.

    Returns:
        ``(batch, ...)`` float64.

    Example:
        >>> round(float(sparse_categorical_crossentropy([1], [[0.5, 0.5]])[0]), 4)
        0.6931
    """
    who = "sparse_categorical_crossentropy"
    y_true, y_pred = _array(y_true, who, "y_true"), _array(y_pred, who, "y_pred")
    return _sparse_categorical_crossentropy(who, y_true, y_pred, from_logits, axis)


# ---------------------------------------------------------------------------------------------
# Base classes
# ---------------------------------------------------------------------------------------------


class Metric:
    """Base class: a named set of float64 running sums.

    Subclasses create their state with :meth:`add_variable` (zeroed arrays, updated in place) and
    implement ``update_state(...)`` and ``result()``; ``reset_state`` zeroes every variable.

    Args:
        name: the name shown in training logs (default: the class name in snake_case).
        dtype: kept for Keras compatibility and in the config; sums are always float64.

    Example:
        >>> class Count(Metric):
        ...     def __init__(self, name="count", dtype=None):
        ...         super().__init__(name=name, dtype=dtype)
        ...         self.n = self.add_variable((), name="n")
        ...     def update_state(self, values, sample_weight=None):
        ...         self.n += np.size(values)
        ...     def result(self):
        ...         return float(self.n)
    """

    def __init__(self, name: str | None = None, dtype=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(
                f"{type(self).__name__}: name must be a string, got {type(name).__name__}"
            )
        self.name = name if name is not None else _snake_case(type(self).__name__)
        if dtype is not None:
            try:
                kind = np.dtype(dtype).kind
            except TypeError:
                kind = None
            if kind != "f":
                raise ValueError(
                    f"{type(self).__name__}: dtype must be a floating type such as 'float32', "
                    f"got {dtype!r}"
                )
            dtype = np.dtype(dtype).name
        self.dtype = dtype
        self._variables: dict[str, np.ndarray] = {}

    @property
    def _who(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def add_variable(self, shape=(), name: str | None = None) -> np.ndarray:
        """A zeroed float64 state array that :meth:`reset_state` zeroes again (update it in place:
        ``self.total += x``)."""
        name = name or f"variable_{len(self._variables)}"
        value = np.zeros(shape, dtype=np.float64)
        self._variables[name] = value
        return value

    @property
    def variables(self) -> list[np.ndarray]:
        """The state arrays, in creation order."""
        return list(self._variables.values())

    def update_state(self, *args, **kwargs) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def reset_state(self) -> None:
        """Zero every state variable (the metric's settings stay)."""
        for value in self._variables.values():
            value.fill(0.0)

    def __call__(self, *args, **kwargs):
        """Update with one batch and return the running result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        """The constructor arguments, JSON-able."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


class Sum(Metric):
    """Running (weighted) sum of values.

    Example:
        >>> m = Sum()
        >>> m.update_state([1, 3, 5, 7])
        >>> m.result()
        16.0
    """

    def __init__(self, name: str = "sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), name="total")

    def update_state(self, values, sample_weight=None) -> None:
        values = _float(_array(values, self._who, "values"))
        if sample_weight is not None:
            values = values * _weights(self._who, sample_weight, values.shape)
        self.total += values.sum()

    def result(self) -> float:
        return float(self.total)


class Mean(Metric):
    """Running (weighted) mean of values.

    Values ``(batch, ...)`` are first averaged per sample over their trailing axes, then over
    samples, weighted by ``sample_weight`` (a scalar, ``(batch,)``, or the values' shape).

    Example:
        >>> m = Mean()
        >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
        >>> m.result()
        2.0
    """

    def __init__(self, name: str = "mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), name="total")
        self.count = self.add_variable((), name="count")

    def update_state(self, values, sample_weight=None) -> None:
        self._accumulate(_float(_array(values, self._who, "values")), sample_weight)

    def _accumulate(self, values: np.ndarray, sample_weight) -> None:
        if values.ndim == 0:
            values = values.reshape(1)
        per_sample = math.prod(values.shape[1:])  # entries averaged into each sample's value
        if values.size == 0 and values.shape[0] and not per_sample:
            raise ValueError(f"{self._who}: got values with an empty trailing axis, {values.shape}")
        if sample_weight is None:
            self.total += values.sum() / max(per_sample, 1)
            self.count += values.shape[0]
        else:
            w = _weights(self._who, sample_weight, values.shape)
            self.total += np.vdot(values, w) / max(per_sample, 1)
            self.count += w.sum() / max(per_sample, 1)

    def result(self) -> float:
        return float(_div(self.total, self.count))


class MeanMetricWrapper(Mean):
    """The running mean of ``fn(y_true, y_pred, **kwargs)``, a function giving one value per
    sample.

    Args:
        fn: ``fn(y_true, y_pred, **kwargs) -> (batch, ...)`` array.
        name: defaults to the function's name.
        dtype: see :class:`Metric`.
        **kwargs: passed to ``fn``.

    Example:
        >>> m = MeanMetricWrapper(mean_absolute_error)
        >>> m.update_state([[1.0], [2.0]], [[1.5], [2.5]])
        >>> m.result()
        0.5
    """

    def __init__(self, fn, name: str | None = None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper: fn must be callable, got {type(fn).__name__}")
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true = _array(y_true, self._who, "y_true")
        y_pred = _array(y_pred, self._who, "y_pred")
        values = _array(self._values(y_true, y_pred), self._who, "values")
        self._accumulate(_float(values), sample_weight)

    def _values(self, y_true, y_pred):
        return self._fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        if type(self) is MeanMetricWrapper:
            fn_name = getattr(self._fn, "__name__", None)
            if _FUNCTIONS.get(fn_name) is not self._fn:
                raise ValueError(
                    f"{self._who}: cannot serialize the function {self._fn!r}; only "
                    f"neurona.metrics functions ({', '.join(sorted(_FUNCTIONS))}) have a config"
                )
            config.update(fn=fn_name, **self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        config = dict(config)
        if "fn" in config and isinstance(config["fn"], str):
            name = config["fn"]
            if name not in _FUNCTIONS:
                raise ValueError(
                    f"MeanMetricWrapper: unknown function {name!r}; valid names: "
                    f"{', '.join(sorted(_FUNCTIONS))}"
                )
            config["fn"] = _FUNCTIONS[name]
        return cls(**config)


# ---------------------------------------------------------------------------------------------
# Accuracy
# ---------------------------------------------------------------------------------------------


class Accuracy(MeanMetricWrapper):
    """How often ``y_pred`` equals ``y_true`` exactly (for predicted labels, not probabilities).

    Example:
        >>> m = Accuracy()
        >>> m.update_state([1, 2, 3, 4], [0, 2, 3, 4])
        >>> m.result()
        0.75
    """

    def __init__(self, name: str = "accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)

    def _values(self, y_true, y_pred):
        return _accuracy(self._who, y_true, y_pred)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches a 0/1 label.

    Args:
        name, dtype: see :class:`Metric`.
        threshold: predictions above it count as positive (use 0.0 for logits).

    Shapes: ``y_true`` and ``y_pred`` ``(batch,)`` or ``(batch, d)`` (a trailing size-1 axis may
    differ); ``sample_weight`` a scalar or ``(batch,)``.

    Example:
        >>> m = BinaryAccuracy()
        >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
        >>> m.result()
        0.75
    """

    def __init__(self, name: str = "binary_accuracy", dtype=None, threshold: float = 0.5):
        _check_number("BinaryAccuracy", "threshold", threshold)
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold

    def _values(self, y_true, y_pred):
        return _binary_accuracy(self._who, y_true, y_pred, self.threshold)

    def get_config(self) -> dict:
        return {**super().get_config(), "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the prediction matches the argmax of a one-hot label.

    Shapes: ``y_true`` and ``y_pred`` ``(batch, ..., num_classes)``; ``sample_weight`` a scalar,
    ``(batch,)`` or ``(batch, ...)``.

    Example:
        >>> m = CategoricalAccuracy()
        >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> m.result()
        0.5
    """

    def __init__(self, name: str = "categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)

    def _values(self, y_true, y_pred):
        return _categorical_accuracy(self._who, y_true, y_pred)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of the prediction matches an integer label.

    Shapes: ``y_true`` ``(batch, ...)`` or ``(batch, ..., 1)``; ``y_pred``
    ``(batch, ..., num_classes)``.

    Example:
        >>> m = SparseCategoricalAccuracy()
        >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
        >>> m.result()
        0.5
    """

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)

    def _values(self, y_true, y_pred):
        return _sparse_categorical_accuracy(self._who, y_true, y_pred)


class AutoAccuracy(MeanMetricWrapper):
    """``"accuracy"`` whose kind is decided by the shapes of the first batch (Keras 3's rule).

    ``y_pred`` of shape ``(batch,)`` or ``(batch, 1)`` -> binary; ``y_true`` with one axis fewer
    than ``y_pred``, or a last axis of 1 -> sparse categorical; otherwise categorical. The kind
    then stays fixed (also across ``reset_state``). :func:`get` returns this only when the loss
    does not tell the kind.

    Args:
        name, dtype: see :class:`Metric`.
        kind: ``None`` (decide later), ``"binary"``, ``"categorical"`` or
            ``"sparse_categorical"``.
        threshold: for the binary kind.

    Example:
        >>> m = AutoAccuracy()
        >>> m.update_state([0, 2], [[0.9, 0.1, 0.0], [0.2, 0.3, 0.5]])
        >>> m.kind, m.result()
        ('sparse_categorical', 1.0)
    """

    _KINDS = (None, "binary", "categorical", "sparse_categorical")

    def __init__(self, name: str = "accuracy", dtype=None, kind: str | None = None,
                 threshold: float = 0.5):
        if kind not in self._KINDS:
            raise ValueError(
                f"AutoAccuracy: kind must be one of {self._KINDS}, got {kind!r}"
            )
        _check_number("AutoAccuracy", "threshold", threshold)
        super().__init__(accuracy, name=name, dtype=dtype)
        self.kind = kind
        self.threshold = threshold

    def _values(self, y_true, y_pred):
        if self.kind is None:
            if y_pred.ndim <= 1 or y_pred.shape[-1] == 1:
                self.kind = "binary"
            elif y_true.ndim < y_pred.ndim or y_true.shape[-1] == 1:
                self.kind = "sparse_categorical"
            else:
                self.kind = "categorical"
        if self.kind == "binary":
            return _binary_accuracy(self._who, y_true, y_pred, self.threshold)
        if self.kind == "sparse_categorical":
            return _sparse_categorical_accuracy(self._who, y_true, y_pred)
        return _categorical_accuracy(self._who, y_true, y_pred)

    def get_config(self) -> dict:
        return {**super().get_config(), "kind": self.kind, "threshold": self.threshold}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target's class is among the ``k`` highest predictions.

    Example:
        >>> m = TopKCategoricalAccuracy(k=1)
        >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> m.result()
        0.5
    """

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy", dtype=None):
        _check_number("TopKCategoricalAccuracy", "k", k, low=1, integer=True)
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

    def _values(self, y_true, y_pred):
        return _top_k_categorical_accuracy(self._who, y_true, y_pred, self.k)

    def get_config(self) -> dict:
        return {**super().get_config(), "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` highest predictions.

    Args:
        k: how many top classes count.
        from_sorted_ids: ``y_pred`` holds class ids sorted best first instead of scores.

    Example:
        >>> m = SparseTopKCategoricalAccuracy(k=1)
        >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
        >>> m.result()
        0.5
    """

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids: bool = False):
        _check_number("SparseTopKCategoricalAccuracy", "k", k, low=1, integer=True)
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self.from_sorted_ids = bool(from_sorted_ids)

    def _values(self, y_true, y_pred):
        return _sparse_top_k_categorical_accuracy(
            self._who, y_true, y_pred, self.k, self.from_sorted_ids
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "k": self.k, "from_sorted_ids": self.from_sorted_ids}


# ---------------------------------------------------------------------------------------------
# Regression and probabilistic means
# ---------------------------------------------------------------------------------------------


class MeanSquaredError(MeanMetricWrapper):
    """Mean of ``(y_true - y_pred)**2``.

    Example:
        >>> m = MeanSquaredError()
        >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        >>> m.result()
        0.25
    """

    def __init__(self, name: str = "mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)

    def _values(self, y_true, y_pred):
        return _mean_squared_error(self._who, y_true, y_pred)


class RootMeanSquaredError(Mean):
    """Square root of the mean of ``(y_true - y_pred)**2`` (the root is taken after averaging).

    Example:
        >>> m = RootMeanSquaredError()
        >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        >>> m.result()
        0.5
    """

    def __init__(self, name: str = "root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        t = _array(y_true, self._who, "y_true")
        p = _array(y_pred, self._who, "y_pred")
        t, p = _regression_pair(self._who, t, p)
        self._accumulate(np.square(t - p), sample_weight)

    def result(self) -> float:
        return math.sqrt(max(super().result(), 0.0))


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean of ``|y_true - y_pred|``.

    Example:
        >>> m = MeanAbsoluteError()
        >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        >>> m.result()
        0.25
    """

    def __init__(self, name: str = "mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)

    def _values(self, y_true, y_pred):
        return _mean_absolute_error(self._who, y_true, y_pred)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean of ``100 * |y_true - y_pred| / max(|y_true|, 1e-7)``.

    Example:
        >>> m = MeanAbsolutePercentageError()
        >>> m.update_state([2.0, 4.0], [3.0, 4.0])
        >>> m.result()
        25.0
    """

    def __init__(self, name: str = "mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)

    def _values(self, y_true, y_pred):
        return _mean_absolute_percentage_error(self._who, y_true, y_pred)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Mean of ``(log(1 + y_pred) - log(1 + y_true))**2``.

    Example:
        >>> m = MeanSquaredLogarithmicError()
        >>> m.update_state([0.0], [0.0])
        >>> m.result()
        0.0
    """

    def __init__(self, name: str = "mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)

    def _values(self, y_true, y_pred):
        return _mean_squared_logarithmic_error(self._who, y_true, y_pred)


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary cross-entropy (see :func:`binary_crossentropy`).

    Example:
        >>> m = BinaryCrossentropy()
        >>> m.update_state([1.0], [0.5])
        >>> round(m.result(), 4)
        0.6931
    """

    def __init__(self, name: str = "binary_crossentropy", dtype=None, from_logits: bool = False,
                 label_smoothing: float = 0.0):
        _check_number("BinaryCrossentropy", "label_smoothing", label_smoothing, low=0, high=1)
        super().__init__(binary_crossentropy, name=name, dtype=dtype)
        self.from_logits = bool(from_logits)
        self.label_smoothing = label_smoothing

    def _values(self, y_true, y_pred):
        return _binary_crossentropy(
            self._who, y_true, y_pred, self.from_logits, self.label_smoothing
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical cross-entropy (see :func:`categorical_crossentropy`).

    Example:
        >>> m = CategoricalCrossentropy()
        >>> m.update_state([[0, 1]], [[0.5, 0.5]])
        >>> round(m.result(), 4)
        0.6931
    """

    def __init__(self, name: str = "categorical_crossentropy", dtype=None,
                 from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1):
        _check_number("CategoricalCrossentropy", "label_smoothing", label_smoothing, low=0, high=1)
        super().__init__(categorical_crossentropy, name=name, dtype=dtype)
        self.from_logits = bool(from_logits)
        self.label_smoothing = label_smoothing
        self.axis = axis

    def _values(self, y_true, y_pred):
        return _categorical_crossentropy(
            self._who, y_true, y_pred, self.from_logits, self.label_smoothing, self.axis
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean sparse categorical cross-entropy (see :func:`sparse_categorical_crossentropy`).

    Example:
        >>> m = SparseCategoricalCrossentropy()
        >>> m.update_state([1], [[0.5, 0.5]])
        >>> round(m.result(), 4)
        0.6931
    """

    def __init__(self, name: str = "sparse_categorical_crossentropy", dtype=None,
                 from_logits: bool = False, axis: int = -1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype)
        self.from_logits = bool(from_logits)
        self.axis = axis

    def _values(self, y_true, y_pred):
        return _sparse_categorical_crossentropy(
            self._who, y_true, y_pred, self.from_logits, self.axis
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "from_logits": self.from_logits, "axis": self.axis}


class R2Score(Metric):
    """Coefficient of determination, ``1 - SS_res / SS_tot`` per output, then aggregated.

    The total sum of squares is accumulated with Chan's parallel update (per-batch mean and
    squared deviations), which stays accurate when the targets sit far from zero. An output whose
    targets are constant scores 1.0 if predicted exactly, else 0.0 (as scikit-learn).

    Args:
        class_aggregation: ``"uniform_average"`` (mean over outputs),
            ``"variance_weighted_average"`` (weighted by each output's variance) or None
            (a per-output array).
        num_regressors: for the adjusted R², the number of independent variables (0: plain R²).
        name, dtype: see :class:`Metric`.

    Shapes: ``y_true``, ``y_pred`` ``(batch, outputs)`` or ``(batch,)``; ``sample_weight`` a
    scalar, ``(batch,)`` or ``(batch, outputs)``.

    Example:
        >>> m = R2Score()
        >>> m.update_state([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])
        >>> round(m.result(), 2)
        0.57
    """

    _AGGREGATIONS = ("uniform_average", "variance_weighted_average", None)

    def __init__(self, class_aggregation: str | None = "uniform_average", num_regressors: int = 0,
                 name: str = "r2_score", dtype=None):
        if class_aggregation not in self._AGGREGATIONS:
            raise ValueError(
                f"R2Score: class_aggregation must be one of {self._AGGREGATIONS}, got "
                f"{class_aggregation!r}"
            )
        _check_number("R2Score", "num_regressors", num_regressors, low=0, integer=True)
        super().__init__(name=name, dtype=dtype)
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), name="num_samples")
        self._outputs = None

    def _build(self, outputs: int) -> None:
        self._outputs = outputs
        self.count = self.add_variable((outputs,), name="count")  # sum of weights
        self.mean = self.add_variable((outputs,), name="mean")  # weighted mean of y_true
        self.m2 = self.add_variable((outputs,), name="m2")  # weighted squared deviations
        self.sse = self.add_variable((outputs,), name="sse")  # weighted squared residuals

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        t = _array(y_true, self._who, "y_true")
        p = _array(y_pred, self._who, "y_pred")
        t, p = _regression_pair(self._who, t, p)
        if t.ndim == 1:
            t, p = t[:, None], p[:, None]
        if t.ndim != 2:
            raise ValueError(
                f"{self._who}: expected inputs of shape (batch, outputs), got shape {t.shape}"
            )
        if self._outputs is None:
            self._build(t.shape[1])
        elif t.shape[1] != self._outputs:
            raise ValueError(
                f"{self._who}: was updated with {self._outputs} outputs, got shape {t.shape}"
            )
        w = np.ones_like(t) if sample_weight is None else _weights(
            self._who, sample_weight, t.shape
        )
        n_b = w.sum(axis=0)
        mean_b = _div((w * t).sum(axis=0), n_b)
        m2_b = (w * np.square(t - mean_b)).sum(axis=0)
        n_a = self.count.copy()
        n = n_a + n_b
        delta = mean_b - self.mean
        self.mean += delta * _div(n_b, n)
        self.m2 += m2_b + np.square(delta) * _div(n_a * n_b, n)
        self.count += n_b
        self.sse += (w * np.square(t - p)).sum(axis=0)
        self.num_samples += t.shape[0]

    def result(self):
        if self._outputs is None or not np.any(self.count):
            return 0.0 if self.class_aggregation is not None else np.zeros(self._outputs or 0)
        # constant targets: 1 when predicted exactly, else 0; outputs with no weight: 0
        exact = ((self.sse == 0) & (self.count != 0)).astype(np.float64)
        raw = np.where(self.m2 == 0, exact, 1.0 - _div(self.sse, self.m2))
        if self.class_aggregation is None:
            return raw
        if self.class_aggregation == "uniform_average":
            score = float(raw.mean())
        else:
            score = float(_div((self.m2 * raw).sum(), self.m2.sum()))
        n, k = float(self.num_samples), self.num_regressors
        if k:
            if k >= n - 1:
                warnings.warn(
                    f"{self._who}: num_regressors={k} needs more than {k + 1} samples (got "
                    f"{int(n)}); returning the unadjusted R2 score",
                    stacklevel=2,
                )
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - k - 1.0)
        return score

    def get_config(self) -> dict:
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


# ---------------------------------------------------------------------------------------------
# Threshold metrics: confusion counts at one or more thresholds
# ---------------------------------------------------------------------------------------------


def _threshold_counts(positive, y_pred, weights, thresholds, columns=None):
    """Weighted true/false positive/negative counts of ``y_pred > t`` for sorted ``thresholds``.

    One pass, no ``(thresholds, samples)`` matrix: ``searchsorted`` gives each prediction the
    number of thresholds it exceeds, ``bincount`` sums the weights per count, and a reversed
    cumulative sum turns "exceeds exactly i" into "exceeds threshold j".

    Args:
        positive: bool labels, any shape.
        y_pred: predictions, the same shape.
        weights: float64 weights of the same shape, or None.
        thresholds: ``(T,)`` ascending.
        columns: None to pool everything, or the size L of the last axis to count each column
            apart.

    Returns:
        tp, fp, tn, fn: float64 ``(T,)``, or ``(T, L)`` with ``columns``.
    """
    num = len(thresholds)
    if columns is None:
        positive, y_pred = np.ravel(positive), np.ravel(y_pred)
        weights = None if weights is None else np.ravel(weights)
    above = np.searchsorted(thresholds, y_pred, side="left")  # thresholds strictly below
    above[np.isnan(y_pred)] = 0
    w = np.ones(y_pred.shape) if weights is None else weights
    pos_w = np.where(positive, w, 0.0)
    neg_w = w - pos_w
    if columns is None:
        bins, size, shape = above.ravel(), num + 1, (num + 1,)
    else:
        bins = (above + (num + 1) * np.arange(columns)).ravel()
        size, shape = (num + 1) * columns, (columns, num + 1)

    def exceeding(weight):
        hist = np.bincount(bins, weights=weight.ravel(), minlength=size).reshape(shape)
        counts = np.cumsum(hist[..., ::-1], axis=-1)[..., ::-1][..., 1:]
        return counts.T  # (T,) or (T, L)

    tp, fp = exceeding(pos_w), exceeding(neg_w)
    if columns is None:
        total_pos, total_neg = pos_w.sum(), neg_w.sum()
    else:
        total_pos = pos_w.reshape(-1, columns).sum(axis=0)
        total_neg = neg_w.reshape(-1, columns).sum(axis=0)
    return tp, fp, total_neg - fp, total_pos - tp


_COUNTS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def _add_counts(metric: Metric, shape) -> None:
    """The four confusion counts, :data:`_COUNTS`, as zeroed state variables of ``metric``."""
    for name in _COUNTS:
        setattr(metric, name, metric.add_variable(shape, name=name))


def _parse_thresholds(who, thresholds, default):
    """``(thresholds as a float64 array, initial value for the config)``; values in [0, 1]."""
    if thresholds is None:
        return np.array([default], dtype=np.float64), None
    arr = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{who}: thresholds must be a number or a list of numbers, got "
                         f"{thresholds!r}")
    if np.any(~((arr >= 0) & (arr <= 1))):
        raise ValueError(f"{who}: threshold values must be in [0, 1], got {arr.tolist()}")
    init = float(arr[0]) if np.ndim(thresholds) == 0 else arr.tolist()
    return arr, init


class _ConfusionCounts(Metric):
    """tp/fp/tn/fn at each threshold, for predictions in [0, 1] against 0/1 labels (any nonzero
    label is positive). With ``top_k``, only each row's k highest predictions may be positive;
    with ``class_id``, only that column of the last axis counts."""

    def __init__(self, thresholds=None, top_k: int | None = None, class_id: int | None = None,
                 name: str | None = None, dtype=None):
        who = type(self).__name__
        if top_k is not None:
            _check_number(who, "top_k", top_k, low=1, integer=True)
        if class_id is not None:
            _check_number(who, "class_id", class_id, low=0, integer=True)
        super().__init__(name=name, dtype=dtype)
        # with top_k every kept score is positive by default, as Keras's -inf threshold
        default = 0.5 if top_k is None else -np.inf
        self.thresholds, self.init_thresholds = _parse_thresholds(who, thresholds, default)
        self.top_k = top_k
        self.class_id = class_id
        self._order = np.argsort(self.thresholds, kind="stable")
        _add_counts(self, (len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true = _array(y_true, self._who, "y_true")
        y_pred = _float(_array(y_pred, self._who, "y_pred"))
        y_true, y_pred = _same_shape(self._who, y_true, y_pred)
        if self.top_k is not None or self.class_id is not None:
            if y_pred.ndim < 2:
                raise ValueError(
                    f"{self._who}: top_k and class_id need y_pred of shape (batch, num_classes), "
                    f"got shape {y_pred.shape}"
                )
        if self.top_k is not None and self.top_k < y_pred.shape[-1]:
            # keep the k best scores per row (ties: lower index first), the rest never positive
            best = np.argsort(-y_pred, axis=-1, kind="stable")[..., : self.top_k]
            keep = np.zeros(y_pred.shape, dtype=bool)
            np.put_along_axis(keep, best, True, axis=-1)
            y_pred = np.where(keep, y_pred, -np.inf)
        if self.class_id is not None:
            if self.class_id >= y_pred.shape[-1]:
                raise ValueError(
                    f"{self._who}: class_id={self.class_id} is out of range for y_pred of shape "
                    f"{y_pred.shape}"
                )
            y_true, y_pred = y_true[..., self.class_id], y_pred[..., self.class_id]
        w = None if sample_weight is None else _weights(self._who, sample_weight, y_pred.shape)
        counts = _threshold_counts(y_true != 0, y_pred, w, self.thresholds[self._order])
        for name, sorted_counts in zip(_COUNTS, counts, strict=True):
            getattr(self, name)[self._order] += sorted_counts

    def _value(self) -> np.ndarray:
        raise NotImplementedError

    def result(self):
        value = self._value()
        return float(value[0]) if value.size == 1 else value

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class _Count(_ConfusionCounts):
    """One of the four counts, the state variable named ``_state``."""

    _state = ""

    def __init__(self, thresholds=None, name: str | None = None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def _value(self):
        return getattr(self, self._state)


class TruePositives(_Count):
    """Weighted count of true positives (``y_pred > threshold`` and a positive label).

    Args:
        thresholds: a number or list in [0, 1] (default 0.5); a list gives an array result.

    Example:
        >>> m = TruePositives()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> m.result()
        2.0
    """

    _state = "true_positives"


class FalsePositives(_Count):
    """Weighted count of false positives. See :class:`TruePositives`.

    Example:
        >>> m = FalsePositives()
        >>> m.update_state([0, 1, 0, 0], [0, 0, 1, 1])
        >>> m.result()
        2.0
    """

    _state = "false_positives"


class TrueNegatives(_Count):
    """Weighted count of true negatives. See :class:`TruePositives`.

    Example:
        >>> m = TrueNegatives()
        >>> m.update_state([0, 1, 0, 0], [1, 1, 0, 0])
        >>> m.result()
        2.0
    """

    _state = "true_negatives"


class FalseNegatives(_Count):
    """Weighted count of false negatives. See :class:`TruePositives`.

    Example:
        >>> m = FalseNegatives()
        >>> m.update_state([0, 1, 1, 1], [0, 1, 0, 0])
        >>> m.result()
        2.0
    """

    _state = "false_negatives"


class Precision(_ConfusionCounts):
    """``tp / (tp + fp)``: of the predicted positives, the fraction that are positive.

    Args:
        thresholds: a number or list in [0, 1]; predictions above it are positive (default 0.5,
            or every top-k score with ``top_k``). A list gives one result per threshold.
        top_k: only each row's k highest scores may be positive.
        class_id: only this column of the last axis counts (one class of a multi-class output).
        name, dtype: see :class:`Metric`.

    Shapes: ``y_true`` (0/1) and ``y_pred`` the same shape, ``(batch,)`` or ``(batch, d)``;
    ``sample_weight`` a scalar, ``(batch,)`` or the full shape.

    Example:
        >>> m = Precision()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> round(m.result(), 4)
        0.6667
    """

    def _value(self):
        return _div(self.true_positives, self.true_positives + self.false_positives)

    def get_config(self) -> dict:
        return {**super().get_config(), "top_k": self.top_k, "class_id": self.class_id}


class Recall(_ConfusionCounts):
    """``tp / (tp + fn)``: of the positives, the fraction predicted positive.

    Arguments and shapes as :class:`Precision`.

    Example:
        >>> m = Recall()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> round(m.result(), 4)
        0.6667
    """

    def _value(self):
        return _div(self.true_positives, self.true_positives + self.false_negatives)

    def get_config(self) -> dict:
        return {**super().get_config(), "top_k": self.top_k, "class_id": self.class_id}


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from confusion counts at fixed thresholds.

    Predictions (clipped to [0, 1]) are counted at ``num_thresholds`` thresholds: ``-1e-7``,
    ``i / (num_thresholds - 1)`` for ``i = 1 .. num_thresholds - 2``, and ``1 + 1e-7``. The ROC
    area is the trapezoid sum over those points; the PR area interpolates true and false positives
    linearly between thresholds (Davis & Goadrich). With predictions spread over [0, 1] the ROC
    value is within about 1e-3 of the exact area; thresholds at every distinct prediction make it
    exact.

    Args:
        num_thresholds: number of thresholds (> 1), ignored when ``thresholds`` is given.
        curve: ``"ROC"`` or ``"PR"``.
        summation_method: ``"interpolation"``, ``"minoring"`` (lower bound) or ``"majoring"``
            (upper bound).
        name, dtype: see :class:`Metric`.
        thresholds: explicit thresholds in [0, 1] (the two end points are added).
        multi_label: one AUC per column of ``(batch, labels)`` data, then averaged; otherwise all
            entries are pooled.
        num_labels: the number of labels when ``multi_label`` (else learnt on the first update).
        label_weights: per-label weights: the average's weights with ``multi_label``, otherwise
            weights of each column's entries.
        from_logits: apply a sigmoid to ``y_pred`` first.

    Example:
        >>> m = AUC(num_thresholds=3)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        >>> m.result()
        0.75
    """

    _CURVES = ("ROC", "PR")
    _SUMMATIONS = ("interpolation", "minoring", "majoring")

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None, dtype=None,
                 thresholds=None, multi_label: bool = False, num_labels: int | None = None,
                 label_weights=None, from_logits: bool = False):
        if not isinstance(curve, str) or curve.upper() not in self._CURVES:
            raise ValueError(f"AUC: curve must be one of {self._CURVES}, got {curve!r}")
        if (not isinstance(summation_method, str)
                or summation_method.lower() not in self._SUMMATIONS):
            raise ValueError(
                f"AUC: summation_method must be one of {self._SUMMATIONS}, got "
                f"{summation_method!r}"
            )
        if thresholds is not None:
            inner, _ = _parse_thresholds("AUC", thresholds, None)
            inner = np.sort(inner)
            self.num_thresholds = len(inner) + 2
        else:
            _check_number("AUC", "num_thresholds", num_thresholds, low=2, integer=True)
            self.num_thresholds = num_thresholds
            inner = np.arange(1, num_thresholds - 1) / (num_thresholds - 1)
        if num_labels is not None:
            if not multi_label:
                raise ValueError("AUC: num_labels is needed only when multi_label=True")
            _check_number("AUC", "num_labels", num_labels, low=1, integer=True)
        super().__init__(name=name, dtype=dtype)
        self._init_thresholds = None if thresholds is None else inner.tolist()
        self._thresholds = np.concatenate([[-EPSILON], inner, [1.0 + EPSILON]])
        self.curve = curve.upper()
        self.summation_method = summation_method.lower()
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.from_logits = bool(from_logits)
        self.label_weights = None
        if label_weights is not None:
            lw = _float(_array(label_weights, "AUC", "label_weights"))
            if lw.ndim != 1 or np.any(lw < 0):
                raise ValueError(
                    f"AUC: label_weights must be a 1-D list of non-negative numbers, got "
                    f"{lw.tolist()}"
                )
            if num_labels is not None and len(lw) != num_labels:
                raise ValueError(
                    f"AUC: got {len(lw)} label_weights for num_labels={num_labels}"
                )
            self.label_weights = lw
        self._labels = None
        if not self.multi_label:
            self._build(None)
        elif num_labels is not None:
            self._build(num_labels)

    @property
    def thresholds(self) -> list[float]:
        """All thresholds, end points included."""
        return self._thresholds.tolist()

    def _build(self, labels) -> None:
        self._labels = labels
        shape = (self.num_thresholds,) if labels is None else (self.num_thresholds, labels)
        _add_counts(self, shape)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true = _array(y_true, self._who, "y_true")
        y_pred = _float(_array(y_pred, self._who, "y_pred"))
        y_true, y_pred = _same_shape(self._who, y_true, y_pred)
        if self.from_logits:
            y_pred = _sigmoid(y_pred)
        # the end thresholds then see every prediction positive / negative: the curve is closed
        y_pred = np.clip(y_pred, 0.0, 1.0)
        columns = None
        if self.multi_label:
            if y_pred.ndim != 2 or y_pred.shape[1] == 0:
                raise ValueError(
                    f"{self._who}: multi_label=True expects y_pred of shape (batch, labels), got "
                    f"shape {y_pred.shape}"
                )
            if self._labels is None:
                if self.label_weights is not None and len(self.label_weights) != y_pred.shape[1]:
                    raise ValueError(
                        f"{self._who}: {len(self.label_weights)} label_weights do not match "
                        f"y_pred of shape {y_pred.shape}"
                    )
                self._build(y_pred.shape[1])
            if y_pred.shape[1] != self._labels:
                raise ValueError(
                    f"{self._who}: expected {self._labels} labels, got y_pred of shape "
                    f"{y_pred.shape}"
                )
            columns = self._labels
        w = None if sample_weight is None else _weights(self._who, sample_weight, y_pred.shape)
        if self.label_weights is not None and not self.multi_label:
            if y_pred.ndim == 0 or y_pred.shape[-1] != len(self.label_weights):
                raise ValueError(
                    f"{self._who}: {len(self.label_weights)} label_weights do not match y_pred "
                    f"of shape {y_pred.shape}"
                )
            w = self.label_weights if w is None else w * self.label_weights
            w = np.broadcast_to(w, y_pred.shape)
        counts = _threshold_counts(y_true != 0, y_pred, w, self._thresholds, columns)
        for name, count in zip(_COUNTS, counts, strict=True):
            getattr(self, name)[...] += count

    def _interpolate_pr(self) -> np.ndarray:
        """Area under PR per label, precision interpolated along P = TP + FP (Davis & Goadrich):
        on each interval TP is linear in P, so precision TP/P integrates to a log term."""
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        p = tp + fp
        dtp = tp[:-1] - tp[1:]
        dp = p[:-1] - p[1:]
        slope = _div(dtp, np.maximum(dp, 0.0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, _div(p[:-1], np.maximum(p[1:], 0.0)), 1.0)
        log_ratio = np.log(np.where(ratio > 0, ratio, 1.0))
        return _div(slope * (dtp + intercept * log_ratio), np.maximum(tp[1:] + fn[1:], 0.0))

    def result(self) -> float:
        if self._labels is None and self.multi_label:
            return 0.0
        tp, fp, tn, fn = (self.true_positives, self.false_positives, self.true_negatives,
                          self.false_negatives)
        if self.curve == "PR" and self.summation_method == "interpolation":
            terms = self._interpolate_pr()
        else:
            recall = _div(tp, tp + fn)
            if self.curve == "ROC":
                x, y = _div(fp, fp + tn), recall
            else:
                x, y = recall, _div(tp, tp + fp)
            if self.summation_method == "interpolation":
                heights = (y[:-1] + y[1:]) / 2.0
            elif self.summation_method == "minoring":
                heights = np.minimum(y[:-1], y[1:])
            else:
                heights = np.maximum(y[:-1], y[1:])
            terms = (x[:-1] - x[1:]) * heights
        by_label = terms.sum(axis=0)
        if not self.multi_label:
            return float(by_label)
        if self.label_weights is None:
            return float(by_label.mean())
        return float(_div((by_label * self.label_weights).sum(), self.label_weights.sum()))

    def get_config(self) -> dict:
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self.from_logits,
        }
        if self._init_thresholds is not None:
            config["thresholds"] = self._init_thresholds
        return config


class FBetaScore(Metric):
    """F-beta score per class, ``(1 + beta²) P R / (beta² P + R)``, optionally averaged.

    Predictions become 0/1 first: ``y_pred > threshold``, or with ``threshold=None`` the row's
    maximum (1 for one output column: then 0.5 is used, as the row-max would mark every sample
    positive). Classes with no true positive score 0 (no warning).

    Args:
        average: None (one score per class), ``"micro"`` (pool all classes), ``"macro"`` (mean
            of the class scores) or ``"weighted"`` (mean weighted by each class's support).
        beta: weight of recall against precision (> 0).
        threshold: in (0, 1], or None.
        name, dtype: see :class:`Metric`.

    Shapes: ``y_true`` (0/1, one-hot or multi-hot) and ``y_pred`` ``(batch, num_classes)``
    (``(batch,)`` is one class); ``sample_weight`` a scalar or ``(batch,)``.

    Example:
        >>> m = FBetaScore(beta=2.0, threshold=0.5)
        >>> m.update_state([[1, 0], [1, 1]], [[0.9, 0.2], [0.3, 0.7]])
        >>> m.result().round(4).tolist()
        [0.5556, 1.0]
    """

    _AVERAGES = (None, "micro", "macro", "weighted")

    def __init__(self, average: str | None = None, beta: float = 1.0,
                 threshold: float | None = None, name: str = "fbeta_score", dtype=None):
        who = type(self).__name__
        if average not in self._AVERAGES:
            raise ValueError(f"{who}: average must be one of {self._AVERAGES}, got {average!r}")
        if not isinstance(beta, numbers.Real) or isinstance(beta, bool) or not beta > 0:
            raise ValueError(f"{who}: beta must be a number > 0, got {beta!r}")
        if threshold is not None and (
            not isinstance(threshold, numbers.Real) or isinstance(threshold, bool)
            or not 0 < threshold <= 1
        ):
            raise ValueError(f"{who}: threshold must be a number in (0, 1] or None, got "
                             f"{threshold!r}")
        super().__init__(name=name, dtype=dtype)
        self.average = average
        self.beta = float(beta)
        self.threshold = threshold
        self._classes = None

    def _build(self, classes: int) -> None:
        self._classes = classes
        self.true_positives = self.add_variable((classes,), name="true_positives")
        self.false_positives = self.add_variable((classes,), name="false_positives")
        self.false_negatives = self.add_variable((classes,), name="false_negatives")
        self.support = self.add_variable((classes,), name="support")

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        t = _float(_array(y_true, self._who, "y_true"))
        p = _float(_array(y_pred, self._who, "y_pred"))
        if t.ndim == 1 and p.ndim == 1:
            t, p = t[:, None], p[:, None]
        if t.ndim != 2 or t.shape != p.shape or p.shape[1] == 0:
            raise ValueError(
                f"{self._who}: expected y_true and y_pred of the same shape (batch, "
                f"num_classes), got y_true of shape {t.shape} and y_pred of shape {p.shape}"
            )
        if self._classes is None:
            self._build(p.shape[1])
        elif p.shape[1] != self._classes:
            raise ValueError(
                f"{self._who}: was updated with {self._classes} classes, got y_pred of shape "
                f"{p.shape}"
            )
        if self.threshold is not None:
            hit = p > self.threshold
        elif p.shape[1] == 1:
            hit = p > 0.5
        else:  # the row's best class; an all-zero row predicts nothing
            hit = (p >= p.max(axis=1, keepdims=True)) & (np.abs(p) > 1e-9)
        hit = hit.astype(np.float64)
        w = np.ones((p.shape[0], 1)) if sample_weight is None else _weights(
            self._who, sample_weight, p.shape
        )
        self.true_positives += (w * hit * t).sum(axis=0)
        self.false_positives += (w * hit * (1.0 - t)).sum(axis=0)
        self.false_negatives += (w * (1.0 - hit) * t).sum(axis=0)
        self.support += (w * t).sum(axis=0)

    def result(self):
        if self._classes is None:
            return np.zeros(0) if self.average is None else 0.0
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        if self.average == "micro":
            tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
        precision = _div(tp, tp + fp)
        recall = _div(tp, tp + fn)
        b2 = self.beta**2
        score = _div((1.0 + b2) * precision * recall, b2 * precision + recall)
        if self.average is None:
            return score
        if self.average == "weighted":
            return float(_div((score * self.support).sum(), self.support.sum()))
        return float(score.mean())

    def get_config(self) -> dict:
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score: :class:`FBetaScore` with ``beta=1``, ``2 P R / (P + R)``.

    Example:
        >>> m = F1Score(average="macro")
        >>> m.update_state([[1, 0, 0], [0, 1, 0], [0, 0, 1]],
        ...                [[0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])
        >>> round(m.result(), 4)
        0.5556
    """

    def __init__(self, average: str | None = None, threshold: float | None = None,
                 name: str = "f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config


# ---------------------------------------------------------------------------------------------
# Confusion matrix
# ---------------------------------------------------------------------------------------------


class ConfusionMatrix(Metric):
    """Counts of (true class, predicted class) pairs: ``result()[i, j]`` is the number of samples
    of class i predicted as class j.

    Either side may be labels ``(batch,)`` / ``(batch, 1)`` or one-hot / probabilities
    ``(batch, num_classes)`` (reduced by argmax). With ``num_classes=2``, predictions of shape
    ``(batch,)`` or ``(batch, 1)`` that are not whole numbers are probabilities of class 1,
    thresholded at 0.5.

    Args:
        num_classes: the number of classes.
        name, dtype: see :class:`Metric`.

    Example:
        >>> m = ConfusionMatrix(num_classes=2)
        >>> m.update_state([0, 1, 1, 0], [0.2, 0.9, 0.4, 0.1])
        >>> m.result().tolist()
        [[2, 0], [1, 1]]
        >>> print(m.to_string(labels=["no", "yes"]))
        true \\ pred  no  yes
        no            2    0
        yes           1    1
    """

    def __init__(self, num_classes: int, name: str = "confusion_matrix", dtype=None):
        _check_number("ConfusionMatrix", "num_classes", num_classes, low=1, integer=True)
        super().__init__(name=name, dtype=dtype)
        self.num_classes = int(num_classes)
        self.counts = self.add_variable((num_classes, num_classes), name="counts")

    def _labels(self, a: np.ndarray, role: str, other_ndim: int) -> np.ndarray:
        """Class labels from labels, one-hot rows or probabilities. A last axis of num_classes is
        a class axis unless the other side has more axes (then ``a`` holds labels, as (n, T)
        sequence labels against (n, T, C) scores)."""
        c = self.num_classes
        if a.ndim >= 2 and c > 1 and a.shape[-1] == c and a.ndim >= other_ndim:
            return np.argmax(a, axis=-1)
        if a.ndim >= 2 and a.shape[-1] == 1:
            a = a[..., 0]
        if a.dtype.kind == "f" and np.any(a != np.round(a)):
            if role == "y_pred" and c == 2:
                return (a > 0.5).astype(np.int64)
            raise ValueError(
                f"{self._who}: {role} of shape {a.shape} holds values that are not class labels; "
                f"pass integer labels, or one-hot / probabilities of shape (batch, {c})"
            )
        return _int_labels(f"{self._who} ({role})", a, c)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        t = _array(y_true, self._who, "y_true")
        p = _array(y_pred, self._who, "y_pred")
        t_lab = self._labels(t, "y_true", p.ndim)
        p_lab = self._labels(p, "y_pred", t.ndim)
        if t_lab.shape != p_lab.shape:
            raise ValueError(
                f"{self._who}: y_true of shape {t.shape} and y_pred of shape {p.shape} give "
                f"different numbers of samples ({t_lab.shape} and {p_lab.shape})"
            )
        w = None
        if sample_weight is not None:
            w = _weights(self._who, sample_weight, t_lab.shape).ravel()
        c = self.num_classes
        pairs = (t_lab * c + p_lab).ravel()
        self.counts += np.bincount(pairs, weights=w, minlength=c * c).reshape(c, c)

    def result(self) -> np.ndarray:
        """``(num_classes, num_classes)`` int64 counts (float64 if weights were fractional)."""
        m = self.counts
        if np.all(m == np.round(m)):
            return m.astype(np.int64)
        return m.copy()

    def to_string(self, labels=None) -> str:
        """The matrix as a text table: rows are true classes, columns predicted classes.

        Args:
            labels: ``num_classes`` class names (default ``0 .. num_classes - 1``).
        """
        c = self.num_classes
        names = [str(i) for i in range(c)] if labels is None else [str(x) for x in labels]
        if len(names) != c:
            raise ValueError(
                f"{self._who}.to_string: expected {c} labels, got {len(names)}: {names}"
            )
        m = self.result()
        cells = [[f"{v:g}" if m.dtype.kind == "f" else str(v) for v in row] for row in m]
        corner = "true \\ pred"
        first = max(len(corner), *(len(n) for n in names))
        widths = [max(len(names[j]), *(len(cells[i][j]) for i in range(c))) for j in range(c)]
        lines = [corner.ljust(first) + "".join("  " + n.rjust(w) for n, w in zip(names, widths,
                                                                                  strict=True))]
        for name, row in zip(names, cells, strict=True):
            lines.append(
                name.ljust(first) + "".join("  " + v.rjust(w) for v, w in zip(row, widths,
                                                                              strict=True))
            )
        return "\n".join(lines)

    def get_config(self) -> dict:
        return {**super().get_config(), "num_classes": self.num_classes}


# ---------------------------------------------------------------------------------------------
# Lookup
# ---------------------------------------------------------------------------------------------

_FUNCTIONS = {
    fn.__name__: fn
    for fn in (
        accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
        top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, mean_squared_error,
        mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
        binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
    )
}

_CLASSES = {
    cls.__name__: cls
    for cls in (
        Metric, Mean, Sum, MeanMetricWrapper, Accuracy, AutoAccuracy, BinaryAccuracy,
        CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
        SparseTopKCategoricalAccuracy, TruePositives, FalsePositives, TrueNegatives,
        FalseNegatives, Precision, Recall, FBetaScore, F1Score, AUC, MeanSquaredError,
        RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError, R2Score, BinaryCrossentropy, CategoricalCrossentropy,
        SparseCategoricalCrossentropy, ConfusionMatrix,
    )
}

# snake_case names and short aliases; the metric is named as the string the user wrote
_NAMES = {
    "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError,
    "mse": MeanSquaredError,
    "root_mean_squared_error": RootMeanSquaredError,
    "rmse": RootMeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mae": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError,
    "r2_score": R2Score,
    "r2": R2Score,
    "precision": Precision,
    "recall": Recall,
    "auc": AUC,
    "f1_score": F1Score,
    "f1": F1Score,
    "fbeta_score": FBetaScore,
    "true_positives": TruePositives,
    "false_positives": FalsePositives,
    "true_negatives": TrueNegatives,
    "false_negatives": FalseNegatives,
    "binary_crossentropy": BinaryCrossentropy,
    "bce": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "cce": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "scce": SparseCategoricalCrossentropy,
    "mean": Mean,
    "sum": Sum,
}

# classes a bare name can build (ConfusionMatrix needs num_classes, the bases need more)
_NAMEABLE = {
    name.lower(): cls
    for name, cls in _CLASSES.items()
    if cls not in (Metric, MeanMetricWrapper, ConfusionMatrix, AutoAccuracy)
}

# the accuracy each loss implies: normalised loss name -> kind
_LOSS_ACCURACY = {
    "binarycrossentropy": "binary",
    "bce": "binary",
    "binaryfocalcrossentropy": "binary",
    "categoricalcrossentropy": "categorical",
    "cce": "categorical",
    "categoricalfocalcrossentropy": "categorical",
    "sparsecategoricalcrossentropy": "sparse_categorical",
    "scce": "sparse_categorical",
}


def _loss_info(loss) -> tuple[str | None, bool]:
    """(accuracy kind, from_logits) told by a loss given as a name, config dict, function or
    object; (None, False) when it tells nothing."""
    if loss is None or isinstance(loss, (list, tuple)):
        return None, False
    if isinstance(loss, str):
        candidates, from_logits = [loss], False
    elif isinstance(loss, dict):
        candidates = [loss.get("class_name")]
        from_logits = bool((loss.get("config") or {}).get("from_logits", False))
    elif inspect.isfunction(loss) or inspect.isbuiltin(loss):
        candidates, from_logits = [loss.__name__], False
    else:
        fn = getattr(loss, "fn", None)
        candidates = [type(loss).__name__, getattr(loss, "name", None),
                      getattr(fn, "__name__", None)]
        from_logits = bool(getattr(loss, "from_logits", False))
    for name in candidates:
        if isinstance(name, str):
            kind = _LOSS_ACCURACY.get(_lookup.key(name))
            if kind is not None:
                return kind, from_logits
    return None, False


def _accuracy_for(loss, name: str) -> Metric:
    kind, from_logits = _loss_info(loss)
    if kind == "binary":
        return BinaryAccuracy(name=name, threshold=0.0 if from_logits else 0.5)
    if kind == "sparse_categorical":
        return SparseCategoricalAccuracy(name=name)
    if kind == "categorical":
        return CategoricalAccuracy(name=name)
    return AutoAccuracy(name=name)


def _unknown(identifier: str) -> ValueError:
    valid = ["accuracy", "acc", *_NAMES]
    return _lookup.unknown_name_error(
        "metric", identifier, valid, candidates=[*valid, *_NAMEABLE],
        note=" (or a class name such as 'BinaryAccuracy')",
    )


def get(identifier, loss=None) -> Metric | None:
    """Resolve a metric from a name, a config dict, a class, a function or an instance.

    ``"accuracy"`` / ``"acc"`` follow the loss as Keras does: binary cross-entropy ->
    :class:`BinaryAccuracy` (threshold 0 when the loss takes logits), sparse categorical
    cross-entropy -> :class:`SparseCategoricalAccuracy`, categorical cross-entropy ->
    :class:`CategoricalAccuracy`; with any other loss an :class:`AutoAccuracy` decides from the
    first batch's shapes. A snake_case name or alias gives the metric named as written (``"mse"``
    logs as ``mse``); a class name gives it with its default name. A plain function
    ``fn(y_true, y_pred)`` is averaged by a :class:`MeanMetricWrapper`.

    Args:
        identifier: None, a Metric, a Metric subclass, a string, a dict
            ``{"class_name": ..., "config": {...}}`` or a function.
        loss: the compiled loss (a name, function, loss object or config), used for accuracy.

    Returns:
        A Metric, or None for None.

    Raises:
        ValueError: an unknown name (with the closest valid one).
        TypeError: anything else.

    Example:
        >>> type(get("acc", loss="sparse_categorical_crossentropy")).__name__
        'SparseCategoricalAccuracy'
    """
    if identifier is None:
        return None
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        key = identifier.strip()
        low = key.lower()
        if low in ("accuracy", "acc"):
            return _accuracy_for(loss, key)
        if key in _CLASSES and key.lower() in _NAMEABLE:  # a class name: its default name
            return _CLASSES[key]()
        if low in _NAMES:
            return _NAMES[low](name=key)
        if low in _NAMEABLE:
            return _NAMEABLE[low]()
        if low in ("confusion_matrix", "confusionmatrix"):
            raise ValueError(
                "ConfusionMatrix needs the number of classes: pass "
                "neurona.metrics.ConfusionMatrix(num_classes=...) instead of a name"
            )
        raise _unknown(identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise TypeError(
        f"Could not interpret metric identifier {identifier!r}: expected a name, a Metric, a "
        "config dict or a function fn(y_true, y_pred)"
    )


def serialize(metric) -> dict | str:
    """A JSON-able description: ``{"class_name": ..., "config": {...}}`` for a Metric, the name
    for a neurona metric function.

    Example:
        >>> serialize(BinaryAccuracy(threshold=0.7))["config"]["threshold"]
        0.7
    """
    if isinstance(metric, Metric):
        return {"class_name": type(metric).__name__, "config": metric.get_config()}
    name = getattr(metric, "__name__", None)
    if name in _FUNCTIONS and _FUNCTIONS[name] is metric:
        return name
    raise TypeError(f"serialize expects a Metric or a neurona.metrics function, got {metric!r}")


def deserialize(config, custom_objects: dict | None = None) -> Metric:
    """Rebuild a metric from :func:`serialize`'s output (a dict or a name).

    Args:
        config: ``{"class_name": ..., "config": {...}}`` or a string name.
        custom_objects: extra ``{class_name: class}`` to look up first.

    Example:
        >>> deserialize({"class_name": "AUC", "config": {"curve": "PR"}}).curve
        'PR'
    """
    if isinstance(config, str):
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"deserialize expects a dict with 'class_name' and 'config', got {config!r}"
        )
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        near = _lookup.closest(str(name), _CLASSES)
        hint = f" Did you mean {near!r}?" if near else ""
        raise ValueError(
            f"Unknown metric class '{name}'.{hint} Valid classes: {', '.join(_CLASSES)}"
        )
    return cls.from_config(dict(config.get("config") or {}))
