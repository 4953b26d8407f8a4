"""Losses: the quantity training minimises, with Keras 3's names, arguments and defaults.

Every loss exists twice, as in Keras:

- a **function** ``fn(y_true, y_pred) -> Tensor`` giving the loss of each sample
  (``mean_squared_error``, alias ``mse``; ``binary_crossentropy``; ...), and
- a **class** (``MeanSquaredError``, ``BinaryCrossentropy``, ...) whose instances carry a
  ``reduction`` and a ``name``; ``loss(y_true, y_pred, sample_weight=None)`` returns the scalar
  that the optimizer minimises.

``y_pred`` is the model's output Tensor (gradients flow into it). ``y_true`` is data: a list, an
array or a Tensor; it never receives a gradient. Every loss is a composition of
``neurona.functions``, so the engine differentiates it; the cross-entropies on logits
(``from_logits=True``) use the fused, numerically stable primitives
``F.softmax_cross_entropy`` and ``F.sigmoid_binary_cross_entropy``.

Which loss goes with which output layer (the course's table):

=================================  ==========  ==============================================
problem                            activation  loss
=================================  ==========  ==============================================
regression (a number)              linear      ``'mse'`` (:class:`MeanSquaredError`)
binary classification              sigmoid     ``'binary_crossentropy'``
one label among several classes    softmax     ``'categorical_crossentropy'`` (one-hot ``y``)
                                               or ``'sparse_categorical_crossentropy'``
                                               (integer class labels ``y``)
several labels, several classes    sigmoid     ``'binary_crossentropy'``
=================================  ==========  ==============================================

Shapes:

- A loss averages (or, for distributions, sums) over the last axis, as Keras does:
  ``y`` of shape ``(batch, d)`` gives per-sample losses of shape ``(batch,)``. A ``y`` with one
  value per sample, shape ``(batch,)``, is read as ``(batch, 1)`` and gives one loss per value
  (Keras would average it into one number, which then mixes all sample weights together).
- ``y_true`` must have exactly the shape of ``y_pred``: ``(n, 1)`` against ``(n,)`` would
  broadcast to ``(n, n)`` and train on nonsense, so it is refused with a ``ValueError`` naming
  both shapes and the fix. Sparse class labels are the exception: ``(batch,)`` or
  ``(batch, 1)`` against predictions ``(batch, classes)``.

Reductions (the ``reduction`` argument of the classes): ``'sum_over_batch_size'`` (the default:
the sum of the weighted per-sample losses divided by their number, i.e. the mean), ``'mean'``
(the same), ``'sum'``, ``'mean_with_sample_weight'`` (divided by the sum of the weights), and
``None`` or ``'none'`` (the weighted per-sample losses). Sample weights have shape ``(batch,)``
and multiply the per-sample losses before the reduction, as in Keras.

Example:
    >>> import neurona as nr
    >>> from neurona import losses
    >>> y_pred = nr.tensor([[0.9], [0.2]], requires_grad=True)
    >>> loss = losses.BinaryCrossentropy()([[1.0], [0.0]], y_pred)
    >>> loss.backward()
"""

from __future__ import annotations

import math
import re

import numpy as np

from . import _lookup
from . import functions as F
from .tensor import Tensor, _to_array, resolve_dtype

__all__ = [
    "Loss", "LossFunctionWrapper",
    "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "Huber", "LogCosh", "BinaryCrossentropy",
    "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "BinaryFocalCrossentropy",
    "Hinge", "SquaredHinge", "CategoricalHinge", "KLDivergence", "Poisson", "CosineSimilarity",
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "huber", "log_cosh", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_focal_crossentropy",
    "hinge", "squared_hinge", "categorical_hinge", "kl_divergence", "poisson",
    "cosine_similarity",
    "mse", "mae", "mape", "msle", "kld", "logcosh", "MSE", "MAE", "MAPE", "MSLE", "KLD",
    "get", "serialize", "deserialize",
]

EPSILON = 1e-7  # Keras's backend.epsilon(): the clip for probabilities and denominators
_LOG2 = math.log(2.0)  # a Python float: a weak scalar, so float32 stays float32


# -- inputs --------------------------------------------------------------------------------------


def _pred(name: str, y_pred, dtype=None) -> Tensor:
    """``y_pred`` as a floating Tensor (integers and booleans become float32, as Keras)."""
    if not isinstance(y_pred, Tensor):
        try:
            y_pred = Tensor._make(_to_array(y_pred, None), None)
        except (TypeError, ValueError) as err:
            raise TypeError(
                f"{name}: y_pred must be a Tensor or an array of numbers, got "
                f"{type(y_pred).__name__} ({err})"
            ) from None
    kind = y_pred.dtype.kind
    if dtype is not None and y_pred.dtype != dtype:
        return F.cast(y_pred, dtype)
    if kind in "biu":
        return F.cast(y_pred, "float32")
    if kind != "f":
        raise TypeError(f"{name}: y_pred must hold real numbers, got dtype {y_pred.dtype}")
    return y_pred


def _raw_true(name: str, y_true, xp, what: str = "y_true"):
    """``y_true`` as an array of numbers on y_pred's device, dtype unchanged (never a grad)."""
    data = y_true.data if isinstance(y_true, Tensor) else y_true
    try:
        t = xp.asarray(data)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"{name}: {what} must be a list, an array or a Tensor of numbers, got "
            f"{type(y_true).__name__} ({err})"
        ) from None
    if t.dtype.kind not in "biuf":
        raise TypeError(f"{name}: {what} must hold numbers, got dtype {t.dtype}")
    return t


def _shape_error(name: str, t_shape, p_shape, hint: str = "") -> ValueError:
    if math.prod(t_shape) == math.prod(p_shape):
        fix = (f"reshape y_true to y_pred's shape, y_true.reshape({p_shape}), or change the "
               "model's output")
    else:
        fix = ("they hold different numbers of values; check that these targets belong to "
               "these predictions")
    return ValueError(
        f"{name}: y_true has shape {t_shape} but y_pred has shape {p_shape}; they must match "
        f"exactly, because broadcasting would silently compare every prediction with every "
        f"target. Fix: {fix}.{hint}"
    )


def _pair(name: str, y_true, y_pred):
    """(y_true as an array of y_pred's dtype, y_pred as a Tensor), shapes checked equal."""
    p = _pred(name, y_pred)
    t = _raw_true(name, y_true, p.xp)
    if t.shape != p.shape:
        raise _shape_error(name, t.shape, p.shape)
    return t.astype(p.dtype, copy=False), p


def _axis(name: str, axis, shape) -> int:
    """``axis`` as a non-negative int valid for ``shape`` (at least one dimension)."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name}: axis must be an int, got {axis!r}")
    ndim = len(shape)
    if ndim == 0:
        raise ValueError(
            f"{name}: y_pred needs at least one dimension (the class or feature axis), got a "
            "scalar of shape ()"
        )
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{name}: axis {axis} is out of range for y_pred of shape {shape} (valid axes are "
            f"{-ndim} to {ndim - 1})"
        )
    return int(axis) % ndim


def _nonempty(name: str, shape, axis: int) -> None:
    if shape[axis] == 0:
        raise ValueError(
            f"{name}: axis {axis} of y_pred is empty (shape {shape}); a loss over no values is "
            "undefined"
        )


def _mean_axis(name: str, shape, axis):
    """The axis a per-sample mean runs over, or None when there is no feature axis: a
    ``(batch,)`` or scalar input has one value per sample, which is its own loss."""
    if len(shape) < 2:
        if len(shape) == 1:
            _axis(name, axis, shape)  # still refuse a nonsensical axis
        return None
    ax = _axis(name, axis, shape)
    _nonempty(name, shape, ax)
    return ax


def _mean_last(name: str, loss: Tensor, axis=-1) -> Tensor:
    """Average over ``axis`` when the values have a feature axis (see ``_mean_axis``)."""
    ax = _mean_axis(name, loss.shape, axis)
    return loss if ax is None else F.mean(loss, axis=ax)


def _fraction(name: str, what: str, value) -> float:
    value = float(value)  # a Python float: NumPy float64 scalars would upcast float32
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name}: {what} must be in [0, 1], got {value}")
    return value


def _move_last(p: Tensor, t, axis: int):
    """Move the class axis of y_pred (and of an array ``t`` of the same shape) to the end."""
    if axis == p.ndim - 1:
        return p, t
    order = tuple(i for i in range(p.ndim) if i != axis) + (axis,)
    if t is not None:
        t = p.xp.moveaxis(t, axis, -1)
    return F.permute(p, order), t


# -- regression losses -----------------------------------------------------------------------------


def mean_squared_error(y_true, y_pred) -> Tensor:
    """Mean squared error per sample: ``mean((y_true - y_pred) ** 2, axis=-1)``.

    Args:
        y_true: targets, the shape of ``y_pred``.
        y_pred: (batch, d0, ..., dN) predictions.

    Returns:
        (batch, d0, ..., dN-1); a ``(batch,)`` input gives ``(batch,)``.

    Example:
        >>> losses.mse([[1.0, 2.0]], nr.tensor([[1.0, 4.0]]))
        tensor([2.])
    """
    name = "mean_squared_error"
    t, p = _pair(name, y_true, y_pred)
    d = p - t
    return _mean_last(name, d * d)


def mean_absolute_error(y_true, y_pred) -> Tensor:
    """Mean absolute error per sample: ``mean(|y_true - y_pred|, axis=-1)``.

    Less sensitive to outliers than MSE. Shapes as :func:`mean_squared_error`.

    Example:
        >>> losses.mae([[1.0, 2.0]], nr.tensor([[1.0, 4.0]]))
        tensor([1.])
    """
    name = "mean_absolute_error"
    t, p = _pair(name, y_true, y_pred)
    return _mean_last(name, F.abs(p - t))


def mean_absolute_percentage_error(y_true, y_pred) -> Tensor:
    """Mean absolute percentage error per sample:
    ``100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7), axis=-1)``.

    Shapes as :func:`mean_squared_error`.

    Example:
        >>> losses.mape([[2.0, 4.0]], nr.tensor([[1.0, 4.0]]))
        tensor([25.])
    """
    name = "mean_absolute_percentage_error"
    t, p = _pair(name, y_true, y_pred)
    # the epsilon keeps a zero target from dividing by zero, as Keras
    scale = p.xp.maximum(p.xp.abs(t), EPSILON)
    return 100.0 * _mean_last(name, F.abs(p - t) / scale)


def mean_squared_logarithmic_error(y_true, y_pred) -> Tensor:
    """Mean squared logarithmic error per sample:
    ``mean((log(1 + y_pred) - log(1 + y_true)) ** 2, axis=-1)``, values below 1e-7 raised to
    1e-7 first (as Keras). Shapes as :func:`mean_squared_error`.

    Example:
        >>> losses.msle([[0.0]], nr.tensor([[math.e - 1]]))
        tensor([1.])
    """
    name = "mean_squared_logarithmic_error"
    t, p = _pair(name, y_true, y_pred)
    xp = p.xp
    d = F.log1p(F.clip(p, EPSILON, None)) - xp.log1p(xp.maximum(t, EPSILON))
    return _mean_last(name, d * d)


def huber(y_true, y_pred, delta: float = 1.0) -> Tensor:
    """Huber loss per sample: quadratic for small errors, linear for large ones.

    For ``e = y_pred - y_true``: ``0.5 * e**2`` where ``|e| <= delta``, else
    ``delta * |e| - 0.5 * delta**2``; then the mean over the last axis. Shapes as
    :func:`mean_squared_error`.

    Example:
        >>> losses.huber([[0.0, 0.0]], nr.tensor([[0.5, 3.0]]))
        tensor([1.3125])
    """
    name = "huber"
    delta = float(delta)
    if not delta > 0:
        raise ValueError(f"{name}: delta must be positive, got {delta}")
    t, p = _pair(name, y_true, y_pred)
    e = p - t
    a = F.abs(e)
    loss = F.where(a.data <= delta, 0.5 * e * e, delta * a - 0.5 * delta * delta)
    return _mean_last(name, loss)


def log_cosh(y_true, y_pred) -> Tensor:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``: like MSE for small errors and like MAE
    for large ones. Computed as ``x + softplus(-2x) - log(2)``, finite for any error.
    Shapes as :func:`mean_squared_error`.

    Example:
        >>> losses.log_cosh([[0.0, 1.0]], nr.tensor([[1.0, 1.0]]))
        tensor([0.2169])
    """
    name = "log_cosh"
    t, p = _pair(name, y_true, y_pred)
    x = p - t
    return _mean_last(name, x + F.softplus(-2.0 * x) - _LOG2)


# -- probabilistic losses ------------------------------------------------------------------------


def binary_crossentropy(y_true, y_pred, from_logits: bool = False, label_smoothing: float = 0.0,
                        axis: int = -1) -> Tensor:
    """Binary cross-entropy per sample, averaged over ``axis``.

    ``-(t log p + (1 - t) log(1 - p))`` elementwise; with ``from_logits=False`` the
    probabilities are clipped to ``[1e-7, 1 - 1e-7]`` as in Keras, with ``from_logits=True``
    ``y_pred`` holds raw scores and the fused, stable ``F.sigmoid_binary_cross_entropy`` is
    used (preferred: finite for any score).

    Args:
        y_true: targets in [0, 1] (0/1 labels or soft labels), the shape of ``y_pred``.
        y_pred: (batch, d0, ..., dN) probabilities, or logits with ``from_logits=True``.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: in [0, 1]; targets become ``t * (1 - s) + 0.5 * s``.
        axis: the axis averaged over.

    Returns:
        (batch, d0, ..., dN-1); a ``(batch,)`` input gives ``(batch,)``.

    Example:
        >>> losses.binary_crossentropy([[0, 1], [0, 0]], nr.tensor([[0.6, 0.4], [0.4, 0.6]]))
        tensor([0.9163, 0.7136])
    """
    return _binary_crossentropy(y_true, y_pred, from_logits, label_smoothing, axis)


def _binary_crossentropy(y_true, y_pred, from_logits, label_smoothing, axis, reduction="none"):
    """:func:`binary_crossentropy`; ``reduction='mean'`` with logits gives the mean of the
    per-sample losses in one fused step (every per-sample mean has the same count)."""
    name = "binary_crossentropy"
    smoothing = _fraction(name, "label_smoothing", label_smoothing)
    t, p = _pair(name, y_true, y_pred)
    if smoothing:
        t = t * (1.0 - smoothing) + 0.5 * smoothing
    if from_logits:
        if reduction == "mean":
            _mean_axis(name, p.shape, axis)
            return F.sigmoid_binary_cross_entropy(p, t, reduction="mean")
        loss = F.sigmoid_binary_cross_entropy(p, t, reduction="none")
    else:
        q = F.clip(p, EPSILON, 1.0 - EPSILON)
        loss = -(t * F.log(q) + (1.0 - t) * F.log(1.0 - q))
    return _mean_last(name, loss, axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing: bool = False,
                              alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                              label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """Binary focal cross-entropy per sample (Lin et al., 2018), averaged over ``axis``.

    The binary cross-entropy times ``(1 - p_t) ** gamma``, where ``p_t`` is the probability
    given to the true class: confident, correct predictions count less. With
    ``apply_class_balancing`` each term is also weighted by ``alpha`` (class 1) or
    ``1 - alpha`` (class 0). ``gamma=0`` without balancing is the binary cross-entropy.

    Args:
        y_true, y_pred, from_logits, label_smoothing, axis: as :func:`binary_crossentropy`.
        apply_class_balancing: whether to weight the classes by ``alpha`` / ``1 - alpha``.
        alpha: the weight of class 1, in [0, 1].
        gamma: the focusing exponent, >= 0.

    Example:
        >>> losses.binary_focal_crossentropy([[0, 1], [0, 0]],
        ...                                  nr.tensor([[0.6, 0.4], [0.4, 0.6]]))
        tensor([0.3299, 0.2058])
    """
    name = "binary_focal_crossentropy"
    smoothing = _fraction(name, "label_smoothing", label_smoothing)
    alpha = _fraction(name, "alpha", alpha)
    gamma = float(gamma)
    if not gamma >= 0:
        raise ValueError(f"{name}: gamma must be >= 0, got {gamma}")
    t, p = _pair(name, y_true, y_pred)
    if smoothing:
        t = t * (1.0 - smoothing) + 0.5 * smoothing
    if from_logits:
        bce = F.sigmoid_binary_cross_entropy(p, t, reduction="none")
        prob = F.sigmoid(p)
    else:
        prob = p
        q = F.clip(p, EPSILON, 1.0 - EPSILON)
        bce = -(t * F.log(q) + (1.0 - t) * F.log(1.0 - q))
    loss = bce
    if gamma:
        # 1 - p_t with p_t = t p + (1 - t)(1 - p), written with one product of y_pred
        miss = prob * (1.0 - 2.0 * t) + t
        loss = miss**gamma * bce
    if apply_class_balancing:
        loss = loss * (t * alpha + (1.0 - t) * (1.0 - alpha))
    return _mean_last(name, loss, axis)


def _class_axis(name: str, p: Tensor, axis) -> int:
    ax = _axis(name, axis, p.shape)
    _nonempty(name, p.shape, ax)
    return ax


def categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """Categorical cross-entropy per sample: ``-sum(y_true * log(p), axis)``.

    With ``from_logits=False``, ``y_pred`` holds probabilities (a softmax output): they are
    normalised to sum 1 and clipped to ``[1e-7, 1 - 1e-7]`` as in Keras. With
    ``from_logits=True`` it holds raw scores and the fused, stable ``F.softmax_cross_entropy``
    is used.

    Args:
        y_true: one-hot or probability targets, the shape of ``y_pred``. (Integer class
            labels go to :func:`sparse_categorical_crossentropy`.)
        y_pred: (batch, ..., classes) probabilities or logits.
        from_logits: whether ``y_pred`` holds logits.
        label_smoothing: in [0, 1]; targets become ``t * (1 - s) + s / classes``.
        axis: the class axis.

    Returns:
        ``y_pred``'s shape without ``axis``: (batch, ...).

    Example:
        >>> losses.categorical_crossentropy([[0, 1, 0], [0, 0, 1]],
        ...                                 nr.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]))
        tensor([0.0513, 2.3026])
    """
    return _categorical_crossentropy(y_true, y_pred, from_logits, label_smoothing, axis)


def _categorical_crossentropy(y_true, y_pred, from_logits, label_smoothing, axis,
                              reduction="none"):
    """:func:`categorical_crossentropy`; with logits, ``reduction`` ('mean' or 'sum') reduces
    inside the fused primitive."""
    name = "categorical_crossentropy"
    smoothing = _fraction(name, "label_smoothing", label_smoothing)
    p = _pred(name, y_pred)
    t = _raw_true(name, y_true, p.xp)
    ax = _class_axis(name, p, axis)
    if t.shape != p.shape:
        hint = ""
        if t.shape == p.shape[:ax] + p.shape[ax + 1:]:
            hint = (" y_true has one value per sample, so it looks like integer class labels: "
                    "use sparse_categorical_crossentropy, or one-hot encode the labels.")
        raise _shape_error(name, t.shape, p.shape, hint)
    if p.shape[ax] == 1:
        raise ValueError(
            f"{name}: y_pred has a single class along axis {ax} (shape {p.shape}), so the loss "
            "is always 0; for two classes use one sigmoid output with binary_crossentropy, or "
            "a softmax over 2 units"
        )
    t = t.astype(p.dtype, copy=False)
    if from_logits:
        p, t = _move_last(p, t, ax)
        return F.softmax_cross_entropy(p, t, label_smoothing=smoothing, reduction=reduction)
    if smoothing:
        t = t * (1.0 - smoothing) + smoothing / p.shape[ax]
    # Normalise as Keras does; the clip on the sum only acts on degenerate all-zero rows,
    # which would otherwise give 0 / 0.
    s = F.clip(F.sum(p, axis=ax, keepdims=True), EPSILON, None)
    q = F.clip(p / s, EPSILON, 1.0 - EPSILON)
    return -F.sum(t * F.log(q), axis=ax)


def _labels(name: str, y_true, p: Tensor, ignore_class):
    """Integer class labels of shape ``p.shape[:-1]`` and the mask of kept ones (or None).
    Their range is checked by ``_check_range``."""
    xp = p.xp
    lab = _raw_true(name, y_true, xp)
    batch = p.shape[:-1]
    if lab.ndim == p.ndim and lab.shape[-1:] == (1,):
        lab = lab.reshape(lab.shape[:-1])  # (batch, 1) labels, as Keras squeezes them
    if lab.shape != batch:
        if lab.shape == p.shape:
            hint = (" They have y_pred's shape, so they look one-hot encoded: use "
                    "categorical_crossentropy, or pass labels.argmax(-1).")
        else:
            hint = ""
        raise ValueError(
            f"{name}: y_true must hold one integer class label per sample, shape {batch} (or "
            f"{batch + (1,)}), for y_pred of shape {p.shape}; got shape {lab.shape}.{hint}"
        )
    if lab.dtype.kind == "f":
        whole = xp.isfinite(lab) & (lab == xp.floor(lab))
        if not bool(whole.all()):
            pos = tuple(int(i) for i in xp.argwhere(~whole)[0])
            raise ValueError(
                f"{name}: y_true must hold integer class labels, got {float(lab[pos])} at "
                f"position {pos}; for one-hot or probability targets use "
                "categorical_crossentropy"
            )
    if lab.dtype.kind not in "iu":
        lab = lab.astype(np.int64)
    keep = None if ignore_class is None else lab != ignore_class
    return lab, keep


def _check_range(name: str, lab, keep, p: Tensor, ignore_class) -> None:
    xp = p.xp
    n_cls = p.shape[-1]
    if lab.size and (lab.min() < 0 or lab.max() >= n_cls):
        bad = (lab < 0) | (lab >= n_cls)
        if keep is not None:
            bad &= keep
        if bool(bad.any()):
            pos = tuple(int(i) for i in xp.argwhere(bad)[0])
            also = "" if ignore_class is None else f", or ignore_class={ignore_class}"
            hint = ""
            if n_cls == 1:
                hint = (" y_pred has a single class: for two classes use one sigmoid output "
                        "with binary_crossentropy, or a softmax over 2 units.")
            raise ValueError(
                f"{name}: label {int(lab[pos])} at position {pos} is out of range for y_pred "
                f"with {n_cls} classes (shape {p.shape}); labels must be 0 to {n_cls - 1}"
                f"{also}.{hint}"
            )


def _sparse(name, y_true, y_pred, from_logits, ignore_class, axis, reduction="none"):
    """(per-sample losses, mask of the samples that count or None); with logits,
    ``reduction`` ('mean' over the kept samples, or 'sum') reduces inside the fused primitive."""
    if ignore_class is not None:
        if isinstance(ignore_class, bool) or not isinstance(ignore_class, (int, np.integer)):
            raise TypeError(f"{name}: ignore_class must be an int or None, got {ignore_class!r}")
        ignore_class = int(ignore_class)
    p = _pred(name, y_pred)
    ax = _class_axis(name, p, axis)
    p, _ = _move_last(p, None, ax)
    lab, keep = _labels(name, y_true, p, ignore_class)
    if from_logits:
        try:  # the primitive checks the labels' range itself; the loss words the message
            loss = F.softmax_cross_entropy(p, lab, ignore_index=ignore_class, reduction=reduction)
        except ValueError:
            _check_range(name, lab, keep, p, ignore_class)
            raise
        return loss, keep
    _check_range(name, lab, keep, p, ignore_class)
    xp = p.xp
    n_cls = p.shape[-1]
    flat = F.reshape(p, (-1, n_cls))
    rows = lab.reshape(-1)
    if keep is not None:
        rows = xp.where(keep.reshape(-1), rows, 0)  # any valid class; zeroed below
    # Only the true class's probability enters the loss: pick it before the log. The
    # normalisation and the clip are Keras's (see categorical_crossentropy).
    picked = flat[xp.arange(rows.shape[0]), rows]
    s = F.clip(F.sum(flat, axis=1), EPSILON, None)
    loss = -F.log(F.clip(picked / s, EPSILON, 1.0 - EPSILON))
    if keep is not None:
        loss = loss * keep.reshape(-1).astype(p.dtype)
    return F.reshape(loss, lab.shape), keep


def sparse_categorical_crossentropy(y_true, y_pred, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> Tensor:
    """Categorical cross-entropy per sample with integer class labels.

    ``-log(p[label])``; probabilities are normalised and clipped as in
    :func:`categorical_crossentropy`, logits (``from_logits=True``) go through the fused
    ``F.softmax_cross_entropy``.

    Args:
        y_true: integer class labels in ``[0, classes)``, shape (batch, ...) or
            (batch, ..., 1); whole-number floats are accepted and cast.
        y_pred: (batch, ..., classes) probabilities, or logits with ``from_logits=True``.
        from_logits: whether ``y_pred`` holds logits.
        ignore_class: a label value (e.g. -1 or 255 for padding) whose samples get loss 0 and
            no gradient; the class ``SparseCategoricalCrossentropy`` also leaves them out of
            the mean.
        axis: the class axis of ``y_pred``.

    Returns:
        (batch, ...), one loss per label.

    Example:
        >>> losses.sparse_categorical_crossentropy(
        ...     [1, 2], nr.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]))
        tensor([0.0513, 2.3026])
    """
    loss, _ = _sparse("sparse_categorical_crossentropy", y_true, y_pred, from_logits,
                      ignore_class, axis)
    return loss


def kl_divergence(y_true, y_pred) -> Tensor:
    """Kullback-Leibler divergence per sample: ``sum(t * log(t / p), axis=-1)``, with both
    clipped to ``[1e-7, 1]`` as in Keras.

    Args:
        y_true: (batch, ..., classes) target distributions.
        y_pred: the predicted distributions, same shape.

    Returns:
        (batch, ...).

    Example:
        >>> losses.kl_divergence([[0.5, 0.5]], nr.tensor([[0.25, 0.75]]))
        tensor([0.1438])
    """
    name = "kl_divergence"
    t, p = _pair(name, y_true, y_pred)
    _class_axis(name, p, -1)
    xp = p.xp
    t = xp.clip(t, EPSILON, 1.0)
    return F.sum(t * (xp.log(t) - F.log(F.clip(p, EPSILON, 1.0))), axis=-1)


def poisson(y_true, y_pred) -> Tensor:
    """Poisson negative log-likelihood per sample (up to a constant):
    ``mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)``, for count data with ``y_pred``
    the predicted rate (> 0). Shapes as :func:`mean_squared_error`.

    Example:
        >>> losses.poisson([[1.0]], nr.tensor([[1.0]]))
        tensor([1.])
    """
    name = "poisson"
    t, p = _pair(name, y_true, y_pred)
    return _mean_last(name, p - t * F.log(p + EPSILON))


def cosine_similarity(y_true, y_pred, axis: int = -1) -> Tensor:
    """Negative cosine similarity per sample: ``-sum(l2_normalize(t) * l2_normalize(p), axis)``.

    In [-1, 1]; -1 when the vectors point the same way. Norms below 1e-7 count as 1e-7 (as
    Keras), so a zero vector gives 0 instead of a division by zero.

    Args:
        y_true: targets, the shape of ``y_pred``.
        y_pred: (batch, ..., features).
        axis: the feature axis.

    Returns:
        ``y_pred``'s shape without ``axis``.

    Example:
        >>> losses.cosine_similarity([[0.0, 1.0], [1.0, 1.0]], nr.tensor([[1.0, 0.0], [1.0, 1.0]]))
        tensor([-0., -1.])
    """
    name = "cosine_similarity"
    t, p = _pair(name, y_true, y_pred)
    ax = _class_axis(name, p, axis)
    xp = p.xp
    t_unit = t / xp.maximum(xp.sqrt((t * t).sum(axis=ax, keepdims=True)), EPSILON)
    # max(norm, eps) as sqrt(max(sum of squares, eps^2)): also a finite gradient at 0
    p_norm = F.sqrt(F.clip(F.sum(p * p, axis=ax), EPSILON * EPSILON, None))
    return -(F.sum(p * t_unit, axis=ax) / p_norm)


# -- hinge losses --------------------------------------------------------------------------------


def _signed(t, xp):
    # Keras: 0/1 labels become -1/+1; any other labels are used as given
    if bool(xp.all((t == 0) | (t == 1))):
        return 2.0 * t - 1.0
    return t


def hinge(y_true, y_pred) -> Tensor:
    """Hinge loss per sample: ``mean(max(1 - y_true * y_pred, 0), axis=-1)``.

    ``y_true`` holds -1/+1 labels (0/1 labels are converted). Shapes as
    :func:`mean_squared_error`.

    Example:
        >>> losses.hinge([[1.0, -1.0]], nr.tensor([[0.5, -2.0]]))
        tensor([0.25])
    """
    name = "hinge"
    t, p = _pair(name, y_true, y_pred)
    return _mean_last(name, F.relu(1.0 - _signed(t, p.xp) * p))


def squared_hinge(y_true, y_pred) -> Tensor:
    """Squared hinge loss per sample: ``mean(max(1 - y_true * y_pred, 0) ** 2, axis=-1)``.

    Labels as :func:`hinge`. Shapes as :func:`mean_squared_error`.

    Example:
        >>> losses.squared_hinge([[1.0, -1.0]], nr.tensor([[0.5, -2.0]]))
        tensor([0.125])
    """
    name = "squared_hinge"
    t, p = _pair(name, y_true, y_pred)
    m = F.relu(1.0 - _signed(t, p.xp) * p)
    return _mean_last(name, m * m)


def categorical_hinge(y_true, y_pred) -> Tensor:
    """Categorical hinge per sample: ``max(neg - pos + 1, 0)`` with
    ``pos = sum(t * p, -1)`` and ``neg = max((1 - t) * p, -1)``.

    Args:
        y_true: (batch, ..., classes) one-hot targets.
        y_pred: (batch, ..., classes) scores.

    Returns:
        (batch, ...).

    Example:
        >>> losses.categorical_hinge([[0.0, 1.0]], nr.tensor([[0.3, 0.8]]))
        tensor([0.5])
    """
    name = "categorical_hinge"
    t, p = _pair(name, y_true, y_pred)
    _class_axis(name, p, -1)
    pos = F.sum(t * p, axis=-1)
    neg = F.max((1.0 - t) * p, axis=-1)
    return F.relu(neg - pos + 1.0)


# Keras's short and legacy names
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
logcosh = log_cosh


# -- reduction -----------------------------------------------------------------------------------

_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def _standardize_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"Invalid reduction {reduction!r} for a loss; valid reductions are "
            "'sum_over_batch_size' (the default: the mean over the batch), 'sum', 'mean', "
            "'mean_with_sample_weight', 'none' and None"
        )
    return reduction


def _sample_weight(name: str, sample_weight, shape, dtype, xp):
    """Weights as an array that multiplies per-sample losses of ``shape`` without ambiguity."""
    w = _raw_true(name, sample_weight, xp, "sample_weight").astype(dtype, copy=False)
    if w.ndim == 0:
        return w
    if w.ndim == len(shape) + 1 and w.shape[-1] == 1:
        w = w.reshape(w.shape[:-1])  # (batch, 1) weights, as Keras squeezes them
    if w.ndim <= len(shape) and w.shape == shape[:w.ndim]:
        return w.reshape(w.shape + (1,) * (len(shape) - w.ndim))
    expected = f"shape {shape[:1]}" if shape else "a single number"
    raise ValueError(
        f"{name}: sample_weight has shape {w.shape} but the per-sample losses have shape "
        f"{shape}; give one weight per sample ({expected})"
    )


def _reduce(name: str, losses: Tensor, sample_weight, mask, reduction) -> Tensor:
    """Weight per-sample ``losses`` and reduce them as Keras's ``reduce_weighted_values``."""
    xp = losses.xp
    w = None
    if sample_weight is not None:
        w = _sample_weight(name, sample_weight, losses.shape, losses.dtype, xp)
    if mask is not None:
        m = mask.astype(losses.dtype)
        w = m if w is None else w * m
    if w is not None:
        losses = losses * w
    if reduction is None or reduction == "none":
        return losses
    if reduction == "sum":
        return F.sum(losses)
    if reduction == "mean_with_sample_weight" and w is not None:
        divisor = float(xp.broadcast_to(w, losses.shape).sum())
    elif mask is not None:
        divisor = int(mask.sum())  # ignored samples are left out of the mean
    else:
        if losses.size:
            return F.mean(losses)
        divisor = 0
    if divisor == 0:
        return F.sum(losses) * 0.0  # nothing to average: 0, as Keras's divide_no_nan
    return F.sum(losses) / divisor  # a Python number keeps the dtype


# -- classes ---------------------------------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


class Loss:
    """Base class of losses: subclass it and write ``call(y_true, y_pred)``.

    Args:
        name: the loss's name (default: the class name in snake_case).
        reduction: how per-sample losses become one number: ``'sum_over_batch_size'``
            (default, the mean), ``'sum'``, ``'mean'``, ``'mean_with_sample_weight'``, or
            ``None`` / ``'none'`` (no reduction).
        dtype: compute in this dtype (y_pred is cast to it); default: y_pred's own dtype.

    ``call`` receives ``y_true`` as a Tensor of y_pred's dtype (never requiring grad) and
    ``y_pred`` as a floating Tensor, and returns per-sample losses of shape (batch,) or
    (batch, ...). ``loss(y_true, y_pred, sample_weight=None)`` weights them by
    ``sample_weight`` (shape (batch,)) and reduces them.

    Example:
        >>> class MyMSE(losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return ((y_pred - y_true) ** 2).mean(axis=-1)
        >>> MyMSE()([[1.0], [2.0]], nr.tensor([[1.0], [4.0]]))
        tensor(2.)
    """

    def __init__(self, name: str | None = None, reduction="sum_over_batch_size", dtype=None):
        self.name = name if name is not None else _snake(type(self).__name__)
        self.reduction = _standardize_reduction(reduction)
        self.dtype = resolve_dtype(dtype)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        raise NotImplementedError(
            f"{type(self).__name__} must define call(y_true, y_pred) returning per-sample losses"
        )

    def _losses(self, y_true, y_pred: Tensor):
        """(per-sample losses, mask of the samples that count or None)."""
        t = _raw_true(self.name, y_true, y_pred.xp).astype(y_pred.dtype, copy=False)
        out = self.call(Tensor._make(t, None), y_pred)
        if not isinstance(out, Tensor):
            out = Tensor._make(y_pred.xp.asarray(out), None)
        return out, None

    def _fused(self, y_true, y_pred: Tensor):
        """The reduced loss in one fused step, or None where there is none (the default)."""
        return None

    def __call__(self, y_true, y_pred, sample_weight=None) -> Tensor:
        """The reduced loss: a scalar Tensor (per-sample losses with reduction None).

        Args:
            y_true: targets (list, array or Tensor; no gradient).
            y_pred: predictions, a Tensor (gradients flow into it).
            sample_weight: None, a number, or one weight per sample, shape (batch,).
        """
        # a Keras mask on the predictions (Embedding(mask_zero=True), Masking) leaves the
        # masked time steps out of the loss and out of its mean, as in Keras
        # Tensor._keras_mask without the raise of its unset slot (~0.6 us on every call)
        step_mask = getattr(y_pred, "_mask", None) if isinstance(y_pred, Tensor) else None
        y_pred = _pred(self.name, y_pred, self.dtype)
        if sample_weight is None and step_mask is None:
            fused = self._fused(y_true, y_pred)
            if fused is not None:
                return fused
        losses, mask = self._losses(y_true, y_pred)
        if step_mask is not None and tuple(step_mask.shape) == tuple(losses.shape):
            mask = step_mask if mask is None else mask & step_mask
        return _reduce(self.name, losses, sample_weight, mask, self.reduction)

    def get_config(self) -> dict:
        config = {"name": self.name, "reduction": self.reduction}
        if self.dtype is not None:
            config["dtype"] = str(self.dtype)
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "fn")
        return f"{type(self).__name__}({args})"


class LossFunctionWrapper(Loss):
    """A Loss made from a function ``fn(y_true, y_pred, **kwargs) -> per-sample losses``.

    Example:
        >>> def scaled_mse(y_true, y_pred, scale=1.0):
        ...     return scale * ((y_pred - y_true) ** 2).mean(axis=-1)
        >>> loss = losses.LossFunctionWrapper(scaled_mse, scale=2.0)
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper: fn must be callable, got {fn!r}")
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction,
                         dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        config["fn"] = serialize(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        config = dict(config)
        fn = config.pop("fn")
        if isinstance(fn, str):
            fn = (custom_objects or {}).get(fn) or _function(fn)
        return cls(fn, **config)


class _Builtin(LossFunctionWrapper):
    """A built-in loss: its function takes y_true as given (labels stay integers) and its
    config lists its own arguments instead of a function."""

    _fn = None  # the loss function, set by each subclass
    _params: tuple[str, ...] = ()

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(type(self)._fn, reduction=reduction, name=name, dtype=dtype, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def _losses(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs), None

    def get_config(self) -> dict:
        config = Loss.get_config(self)
        config.update({key: getattr(self, key) for key in self._params})
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        return cls(**config)


# reductions the fused cross-entropy primitives can do themselves
_FUSED_MEAN = {"sum_over_batch_size": "mean", "mean": "mean"}
_FUSED_MEAN_SUM = {**_FUSED_MEAN, "sum": "sum"}


class _Crossentropy(_Builtin):
    def with_logits(self):
        """The same loss taking logits (``from_logits=True``): a sigmoid or softmax output
        layer can then be folded into the loss, which is faster and numerically stable."""
        config = self.get_config()
        config["from_logits"] = True
        return type(self).from_config(config)


class MeanSquaredError(_Builtin):
    """Mean of squared errors, :func:`mean_squared_error`; the loss for regression.

    Example:
        >>> losses.MeanSquaredError()([[1.0], [2.0]], nr.tensor([[1.0], [4.0]]))
        tensor(2.)
    """

    _fn = staticmethod(mean_squared_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(_Builtin):
    """Mean of absolute errors, :func:`mean_absolute_error`.

    Example:
        >>> losses.MeanAbsoluteError()([[1.0], [2.0]], nr.tensor([[1.0], [4.0]]))
        tensor(1.)
    """

    _fn = staticmethod(mean_absolute_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(_Builtin):
    """Mean absolute percentage error, :func:`mean_absolute_percentage_error`.

    Example:
        >>> losses.MeanAbsolutePercentageError()([[2.0], [4.0]], nr.tensor([[1.0], [4.0]]))
        tensor(25.)
    """

    _fn = staticmethod(mean_absolute_percentage_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_Builtin):
    """Mean squared logarithmic error, :func:`mean_squared_logarithmic_error`.

    Example:
        >>> losses.MeanSquaredLogarithmicError()([[0.0]], nr.tensor([[1.0]]))
        tensor(0.4805)
    """

    _fn = staticmethod(mean_squared_logarithmic_error)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class Huber(_Builtin):
    """Huber loss, :func:`huber`: quadratic up to ``delta``, linear beyond.

    Args:
        delta: where the loss turns from quadratic to linear (> 0).

    Example:
        >>> losses.Huber(delta=1.0)([[0.0, 0.0]], nr.tensor([[0.5, 3.0]]))
        tensor(1.3125)
    """

    _fn = staticmethod(huber)
    _params = ("delta",)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, delta=float(delta))


class LogCosh(_Builtin):
    """Log of the hyperbolic cosine of the error, :func:`log_cosh`.

    Example:
        >>> losses.LogCosh()([[0.0, 1.0]], nr.tensor([[1.0, 1.0]]))
        tensor(0.2169)
    """

    _fn = staticmethod(log_cosh)

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class BinaryCrossentropy(_Crossentropy):
    """Binary cross-entropy, :func:`binary_crossentropy`: for a sigmoid output (binary or
    multi-label classification).

    Args:
        from_logits: whether y_pred holds logits (recommended: stable and faster).
        label_smoothing: in [0, 1]; targets are squeezed toward 0.5.
        axis: the axis averaged over.

    Example:
        >>> bce = losses.BinaryCrossentropy(from_logits=True)
        >>> bce([[0, 1], [0, 0]], nr.tensor([[-18.6, 0.51], [2.94, -12.8]]))
        tensor(0.8654)
    """

    _fn = staticmethod(binary_crossentropy)
    _params = ("from_logits", "label_smoothing", "axis")

    def _fused(self, y_true, y_pred):
        # "sum" is a sum of per-sample means, which the elementwise primitive cannot give
        reduction = _FUSED_MEAN.get(self.reduction)
        if not self.from_logits or reduction is None:
            return None
        return _binary_crossentropy(y_true, y_pred, True, self.label_smoothing, self.axis,
                                    reduction)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype,
                         from_logits=bool(from_logits),
                         label_smoothing=_fraction(name, "label_smoothing", label_smoothing),
                         axis=axis)


class BinaryFocalCrossentropy(_Crossentropy):
    """Binary focal cross-entropy, :func:`binary_focal_crossentropy`: down-weights easy
    examples, for imbalanced binary problems.

    Args:
        apply_class_balancing: weight class 1 by ``alpha`` and class 0 by ``1 - alpha``.
        alpha: the weight of class 1 when balancing.
        gamma: the focusing exponent (0: plain binary cross-entropy).
        from_logits, label_smoothing, axis: as :class:`BinaryCrossentropy`.

    Example:
        >>> loss = losses.BinaryFocalCrossentropy(gamma=2.0, from_logits=True)
        >>> loss([0, 1, 0, 0], nr.tensor([-18.6, 0.51, 2.94, -12.8]))
        tensor(0.6912)
    """

    _fn = staticmethod(binary_focal_crossentropy)
    _params = ("apply_class_balancing", "alpha", "gamma", "from_logits", "label_smoothing",
               "axis")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        gamma = float(gamma)
        if not gamma >= 0:
            raise ValueError(f"{name}: gamma must be >= 0, got {gamma}")
        super().__init__(reduction=reduction, name=name, dtype=dtype,
                         apply_class_balancing=bool(apply_class_balancing),
                         alpha=_fraction(name, "alpha", alpha), gamma=gamma,
                         from_logits=bool(from_logits),
                         label_smoothing=_fraction(name, "label_smoothing", label_smoothing),
                         axis=axis)


class CategoricalCrossentropy(_Crossentropy):
    """Categorical cross-entropy, :func:`categorical_crossentropy`: for a softmax output with
    one-hot (or probability) targets.

    Args:
        from_logits: whether y_pred holds logits (recommended: stable and faster).
        label_smoothing: in [0, 1]; targets become ``t * (1 - s) + s / classes``.
        axis: the class axis.

    Example:
        >>> cce = losses.CategoricalCrossentropy()
        >>> cce([[0, 1, 0], [0, 0, 1]], nr.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]))
        tensor(1.1769)
    """

    _fn = staticmethod(categorical_crossentropy)
    _params = ("from_logits", "label_smoothing", "axis")

    def _fused(self, y_true, y_pred):
        reduction = _FUSED_MEAN_SUM.get(self.reduction)
        if not self.from_logits or reduction is None:
            return None
        return _categorical_crossentropy(y_true, y_pred, True, self.label_smoothing, self.axis,
                                         reduction)

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype,
                         from_logits=bool(from_logits),
                         label_smoothing=_fraction(name, "label_smoothing", label_smoothing),
                         axis=axis)


class SparseCategoricalCrossentropy(_Crossentropy):
    """Categorical cross-entropy with integer labels,
    :func:`sparse_categorical_crossentropy`: for a softmax output and labels ``0..classes-1``.

    Args:
        from_logits: whether y_pred holds logits (recommended: stable and faster).
        ignore_class: a label value whose samples count for nothing: loss 0, no gradient, and
            left out of the mean (``'sum_over_batch_size'`` averages over the other samples).

    Example:
        >>> scce = losses.SparseCategoricalCrossentropy()
        >>> scce([1, 2], nr.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]]))
        tensor(1.1769)
    """

    _fn = staticmethod(sparse_categorical_crossentropy)
    _params = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        if ignore_class is not None:
            if isinstance(ignore_class, bool) or not isinstance(ignore_class, (int, np.integer)):
                raise TypeError(f"{name}: ignore_class must be an int or None, got "
                                f"{ignore_class!r}")
            ignore_class = int(ignore_class)
        super().__init__(reduction=reduction, name=name, dtype=dtype,
                         from_logits=bool(from_logits), ignore_class=ignore_class)

    def _losses(self, y_true, y_pred):
        return _sparse(self.name, y_true, y_pred, self.from_logits, self.ignore_class, -1)

    def _fused(self, y_true, y_pred):
        reduction = _FUSED_MEAN_SUM.get(self.reduction)
        if not self.from_logits or reduction is None:
            return None
        return _sparse(self.name, y_true, y_pred, True, self.ignore_class, -1, reduction)[0]


class Hinge(_Builtin):
    """Hinge loss, :func:`hinge` (labels -1/+1, or 0/1 converted).

    Example:
        >>> losses.Hinge()([[1.0, -1.0]], nr.tensor([[0.5, -2.0]]))
        tensor(0.25)
    """

    _fn = staticmethod(hinge)

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(_Builtin):
    """Squared hinge loss, :func:`squared_hinge`.

    Example:
        >>> losses.SquaredHinge()([[1.0, -1.0]], nr.tensor([[0.5, -2.0]]))
        tensor(0.125)
    """

    _fn = staticmethod(squared_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CategoricalHinge(_Builtin):
    """Categorical hinge loss, :func:`categorical_hinge` (one-hot targets).

    Example:
        >>> losses.CategoricalHinge()([[0.0, 1.0]], nr.tensor([[0.3, 0.8]]))
        tensor(0.5)
    """

    _fn = staticmethod(categorical_hinge)

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class KLDivergence(_Builtin):
    """Kullback-Leibler divergence, :func:`kl_divergence`.

    Example:
        >>> losses.KLDivergence()([[0.5, 0.5]], nr.tensor([[0.25, 0.75]]))
        tensor(0.1438)
    """

    _fn = staticmethod(kl_divergence)

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class Poisson(_Builtin):
    """Poisson loss, :func:`poisson`, for count data.

    Example:
        >>> losses.Poisson()([[1.0]], nr.tensor([[1.0]]))
        tensor(1.)
    """

    _fn = staticmethod(poisson)

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(_Builtin):
    """Negative cosine similarity, :func:`cosine_similarity`.

    Args:
        axis: the feature axis.

    Example:
        >>> losses.CosineSimilarity()([[1.0, 1.0]], nr.tensor([[2.0, 2.0]]))
        tensor(-1.)
    """

    _fn = staticmethod(cosine_similarity)
    _params = ("axis",)

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(reduction=reduction, name=name, dtype=dtype, axis=axis)


# -- lookups -------------------------------------------------------------------------------------

# each class with its Keras function name, then the short and legacy aliases
_CLASSES = {
    "mean_squared_error": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "huber": Huber,
    "log_cosh": LogCosh,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "hinge": Hinge,
    "squared_hinge": SquaredHinge,
    "categorical_hinge": CategoricalHinge,
    "kl_divergence": KLDivergence,
    "poisson": Poisson,
    "cosine_similarity": CosineSimilarity,
}
_ALIASES = {
    "mse": "mean_squared_error", "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
    "huber_loss": "huber", "logcosh": "log_cosh", "kld": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
}
_FUNCTIONS = {name: cls._fn for name, cls in _CLASSES.items()}
_FUNCTION_NAMES = {id(fn): name for name, fn in _FUNCTIONS.items()}

# lower-case spelling -> (the spelling shown in messages, the class)
_LOOKUP = {name: (name, cls) for name, cls in _CLASSES.items()}
_LOOKUP.update({alias: (alias, _CLASSES[name]) for alias, name in _ALIASES.items()})
_LOOKUP.update({cls.__name__.lower(): (cls.__name__, cls) for cls in _CLASSES.values()})


def _unknown(identifier: str) -> ValueError:
    return _lookup.unknown_name_error(
        "loss", identifier, sorted([*_CLASSES, *_ALIASES]),
        candidates=[shown for shown, _ in _LOOKUP.values()],
        note=" (or a class name such as 'MeanSquaredError').",
    )


def _class(identifier: str):
    found = _LOOKUP.get(identifier.lower())
    if found is None:
        raise _unknown(identifier)
    return found[1]


def _function(name: str):
    found = _FUNCTIONS.get(_ALIASES.get(name.lower(), name.lower()))
    if found is None:
        raise _unknown(name)
    return found


def get(identifier) -> Loss | None:
    """Resolve a loss identifier to a :class:`Loss` instance (None stays None).

    Accepts a Loss instance (returned as is), a Loss subclass (instantiated), a name
    (``'mse'``, ``'binary_crossentropy'``, ``'MeanSquaredError'``...; case does not matter), a
    Keras-style dict ``{"class_name": ..., "config": {...}}``, or a function
    ``fn(y_true, y_pred)`` (a built-in function gives its class; any other is wrapped in a
    :class:`LossFunctionWrapper`). The result can always be called with sample weights.

    Raises:
        ValueError: for an unknown name, listing the valid ones and the closest match.
        TypeError: for anything else.

    Example:
        >>> losses.get("mse")
        MeanSquaredError(name='mean_squared_error', reduction='sum_over_batch_size')
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        return _class(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type):
        if issubclass(identifier, Loss):
            return identifier()
        raise TypeError(
            f"Could not interpret loss identifier {identifier!r}: a loss class must subclass "
            "neurona.losses.Loss"
        )
    if callable(identifier):
        name = _FUNCTION_NAMES.get(id(identifier))
        if name is not None and _FUNCTIONS[name] is identifier:
            return _CLASSES[name]()
        return LossFunctionWrapper(identifier)
    raise TypeError(
        f"Could not interpret loss identifier {identifier!r} of type "
        f"{type(identifier).__name__}: expected a name, a Loss, a function or a config dict"
    )


def serialize(loss):
    """A JSON-able description of ``loss``: ``{"class_name": ..., "config": {...}}`` for a
    Loss, the name for a function (or a name string), None for None.

    Example:
        >>> losses.serialize(losses.Huber(delta=2.0))
        {'class_name': 'Huber', 'config': {'name': 'huber_loss', 'reduction': ..., 'delta': 2.0}}
    """
    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, Loss):
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    if callable(loss):
        name = _FUNCTION_NAMES.get(id(loss))
        if name is not None and _FUNCTIONS[name] is loss:
            return name
        name = getattr(loss, "__name__", None)
        if name and name != "<lambda>":
            return name
    raise TypeError(f"serialize: cannot describe {loss!r} as a loss (no name to save it by)")


def deserialize(config, custom_objects: dict | None = None) -> Loss:
    """Rebuild a loss from :func:`serialize`'s output (a dict or a name).

    Args:
        config: ``{"class_name": ..., "config": {...}}``, or a name.
        custom_objects: extra classes or functions by name, looked up first.

    Raises:
        ValueError: for an unknown class name (with the closest match) or a malformed config.
    """
    custom = custom_objects or {}
    if isinstance(config, str):
        found = custom.get(config)
        return get(found) if found is not None else get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"deserialize: expected a loss name or a dict with 'class_name' and 'config', got "
            f"{config!r}"
        )
    class_name = config["class_name"]
    inner = config.get("config") or {}
    if class_name == "function":  # Keras's form for a plain function: the config is its name
        return deserialize(inner, custom_objects)
    cls = custom.get(class_name)
    if cls is None:
        if class_name == "LossFunctionWrapper":
            return LossFunctionWrapper.from_config(inner, custom)
        if not isinstance(class_name, str):
            raise ValueError(f"deserialize: class_name must be a string, got {class_name!r}")
        cls = _class(class_name)
    if isinstance(cls, type) and issubclass(cls, Loss):
        if not isinstance(inner, dict):
            raise ValueError(f"deserialize: the config of {class_name!r} must be a dict, got "
                             f"{inner!r}")
        return cls.from_config(inner)
    return get(cls)

