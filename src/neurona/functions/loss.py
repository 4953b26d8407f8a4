"""Fused, numerically stable losses on logits: softmax cross-entropy and sigmoid binary
cross-entropy.

Each takes raw scores (logits), never probabilities: folding the softmax or sigmoid into the loss
lets the forward pass use ``logsumexp`` / ``log1p(exp(-|x|))`` (finite for logits of any size)
and makes the backward pass one step, ``(probabilities - targets) * gy / n``.

Labels and targets are data: they get a gradient only when they are float Tensors that require
one (soft targets from another network), otherwise None.
"""

from __future__ import annotations

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .activation import _sigmoid
from .reduction import row_max as _row_max
from .reduction import row_sum as _row_sum

__all__ = ["softmax_cross_entropy", "sigmoid_binary_cross_entropy"]

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(name: str, reduction) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{name}: unknown reduction {reduction!r}; valid reductions are 'mean', 'sum' "
            "and 'none'"
        )


def _reduce(loss, reduction, count, shape):
    """Reduce per-row losses (N,) to a scalar or reshape them to ``shape``.

    A mean over no elements (an empty batch, or every label ignored) is 0, not NaN, so a batch
    made only of padding contributes nothing instead of poisoning training.
    """
    if reduction == "none":
        return loss.reshape(shape)
    total = loss.sum()
    if reduction == "sum":
        return total
    return total / max(count, 1)  # a Python int keeps the loss's dtype


def _weights(gy, reduction, count):
    """d(reduced loss)/d(each unreduced loss): a scalar, or ``gy`` itself for ``'none'``."""
    if reduction == "mean":
        return gy / max(count, 1)
    return gy


class SoftmaxCrossEntropy(Function):
    """Cross-entropy between ``softmax(logits)`` over the last axis and the labels.

    Integer labels (``self.sparse``) pick one class per row; float targets give a distribution
    per row. Loss per row: ``logsumexp(x) - sum_c t_c x_c`` (times ``sum_c t_c`` on the first
    term, which is 1 for proper distributions).
    """

    def forward(self, logits, labels):
        xp = self.xp
        n_cls = logits.shape[-1]
        x = logits.reshape(-1, n_cls)
        eps = self.label_smoothing
        # Shift by the row max: exp(shift) <= 1 cannot overflow and the row sum is >= 1, so its
        # log is finite; the shift cancels in logsumexp(x) - x_label.
        shift = x - _row_max(xp, x)
        if self.sparse:
            lab = labels.reshape(-1)
            keep = None
            if self.ignore_index is not None:
                keep = lab != self.ignore_index
                lab = xp.where(keep, lab, 0)  # any valid index; those rows are zeroed below
                self.count = int(keep.sum())
            else:
                self.count = lab.shape[0]
            picked = shift[xp.arange(lab.shape[0]), lab]
            if eps:
                picked *= 1 - eps
                picked += shift.sum(axis=1) * (eps / n_cls)
            e = xp.exp(shift, out=shift)
            s = _row_sum(xp, e)
            loss = xp.log(s)
            loss -= picked
            if keep is not None:
                loss *= keep
            self.save_for_backward(e, s, lab, keep)
        else:
            t = labels.reshape(-1, n_cls).astype(x.dtype, copy=False)
            if eps:
                t = t * (1 - eps) + eps / n_cls
            self.count = x.shape[0]
            e = xp.exp(shift)
            s = _row_sum(xp, e)
            shift -= xp.log(s)[:, None]  # now log_softmax(x)
            loss = -xp.einsum("ij,ij->i", t, shift)
            self.save_for_backward(e, s, t, shift if self.needs_grad[1] else None)
        return _reduce(loss, self.reduction, self.count, logits.shape[:-1])

    def backward(self, gy):
        w = _weights(gy, self.reduction, self.count)
        if self.reduction == "none":
            w = w.reshape(-1, 1)  # one weight per row of the (N, C) logits
        eps = self.label_smoothing
        gx = gt = None
        if self.sparse:
            e, s, lab, keep = self.saved
            if keep is not None:
                w = w * keep[:, None]  # ignored rows get no gradient
            # (softmax - target) * w, with target = (1 - eps) onehot + eps / C; the row factor
            # w / s is formed on the (N, 1) column so the (N, C) array is touched once
            gx = e * (w / s[:, None])
            if eps:
                gx -= w * (eps / e.shape[1])
            gx[self.xp.arange(lab.shape[0]), lab] -= w.reshape(-1) * (1 - eps)
        else:
            e, s, t, log_p = self.saved
            if self.needs_grad[0]:
                # d/dx -sum t log softmax(x) = softmax(x) * sum(t) - t
                gx = e * (t.sum(axis=1) / s)[:, None]
                gx -= t
                gx *= w
            if self.needs_grad[1]:
                gt = log_p * (w * -(1 - eps))
                gt = gt.reshape(self.labels_shape).astype(self.labels_dtype, copy=False)
        if gx is not None:
            gx = gx.reshape(self.logits_shape)
        return gx, gt


class SigmoidBinaryCrossEntropy(Function):
    """Binary cross-entropy of ``sigmoid(logits)`` against targets in [0, 1], elementwise:
    ``max(x, 0) - x t + log1p(exp(-|x|))``, finite for any x."""

    def forward(self, x, t):
        xp = self.xp
        t = t.astype(x.dtype, copy=False)
        tail = xp.abs(x, out=xp.empty_like(x))  # out=: an array even for 0-d x
        xp.negative(tail, out=tail)
        xp.exp(tail, out=tail)  # in (0, 1]: no overflow
        xp.log1p(tail, out=tail)
        loss = xp.maximum(x, 0)
        loss -= x * t
        loss += tail
        self.save_for_backward(x, t)
        return _reduce(loss, self.reduction, x.size, x.shape)

    def backward(self, gy):
        x, t = self.saved
        w = _weights(gy, self.reduction, x.size)
        gx = gt = None
        if self.needs_grad[0]:
            gx = _sigmoid(self.xp, x)
            gx -= t
            gx *= w
        if self.needs_grad[1]:
            gt = -(x * w)
            gt = gt.astype(self.targets_dtype, copy=False)
        return gx, gt


# -- wrappers -----------------------------------------------------------------------------------


def _data(name, what, a, xp):
    if isinstance(a, Tensor):
        return a.data
    try:
        return xp.asarray(a)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name}: could not turn {what} of type {type(a).__name__} into an "
                        "array") from err


def _logits(name, logits):
    x = logits.data if isinstance(logits, Tensor) else logits
    if not hasattr(x, "dtype"):
        raise TypeError(f"{name}: logits must be a Tensor or an array, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(
            f"{name}: logits must be floating point (raw scores), got dtype {x.dtype}"
        )
    return x


def _grad_source(labels, data):
    # keep a float Tensor that requires grad so its gradient flows; otherwise pass plain data
    if isinstance(labels, Tensor) and labels.requires_grad:
        return labels
    return data


def softmax_cross_entropy(
    logits: Tensor,
    labels,
    label_smoothing: float = 0.0,
    ignore_index: int | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Cross-entropy of ``softmax(logits)`` over the last axis, fused and numerically stable.

    The Keras ``(sparse_)categorical_crossentropy(from_logits=True)`` and PyTorch
    ``cross_entropy`` loss, with the class axis last (Keras style).

    Args:
        logits: (..., C) raw class scores (no softmax applied).
        labels: either integer class indices of shape (...) in ``[0, C)``, or float probability
            targets of shape (..., C) (one-hot or soft labels).
        label_smoothing: epsilon in [0, 1]; the targets become ``(1 - eps) * onehot + eps / C``.
        ignore_index: integer labels equal to this value add no loss and no gradient; ``'mean'``
            averages over the other positions only (integer labels only).
        reduction: ``'mean'`` (over positions; 0 when none is kept), ``'sum'``, or ``'none'``
            for the per-position losses of shape (...).

    Returns:
        A scalar, or shape (...) for ``reduction='none'``.

    Raises:
        ValueError: on labels of the wrong shape (including ones that would broadcast), a label
            outside ``[0, C)``, an unknown reduction, or label_smoothing outside [0, 1].
        TypeError: on non-float logits or labels that are neither integer nor float.

    Example:
        >>> logits = nr.tensor([[2.0, 0.5, -1.0]], requires_grad=True)
        >>> F.softmax_cross_entropy(logits, np.array([0]))
        tensor(0.2413, grad_fn=<SoftmaxCrossEntropy>)
    """
    name = "softmax_cross_entropy"
    _check_reduction(name, reduction)
    x = _logits(name, logits)
    if x.ndim == 0 or x.shape[-1] == 0:
        raise ValueError(
            f"{name}: logits need a non-empty class axis (the last one), got shape {x.shape}"
        )
    eps = float(label_smoothing)
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    xp = backend.get_array_module(x)
    lab = _data(name, "labels", labels, xp)
    n_cls = x.shape[-1]
    batch = x.shape[:-1]
    if lab.dtype.kind in "iu":
        if lab.shape != batch:
            if lab.shape == x.shape:
                hint = (" They have the logits' shape, so they look one-hot encoded: pass "
                        "them as floats (labels.astype('float32')) or as indices "
                        "(labels.argmax(-1)).")
            elif lab.shape == batch + (1,):
                hint = f" Reshape them with labels.reshape{batch}."
            else:
                hint = ""
            raise ValueError(
                f"{name}: integer labels must have shape {batch} (one class index per row of "
                f"logits of shape {x.shape}), got shape {lab.shape}.{hint}"
            )
        if ignore_index is not None:
            ignore_index = int(ignore_index)
        if lab.size and (lab.min() < 0 or lab.max() >= n_cls):
            bad = (lab < 0) | (lab >= n_cls)
            if ignore_index is not None:
                bad &= lab != ignore_index
            if bad.any():
                pos = tuple(int(i) for i in xp.argwhere(bad)[0])
                also = f" or ignore_index={ignore_index}" if ignore_index is not None else ""
                raise ValueError(
                    f"{name}: label {int(lab[pos])} at position {pos} is out of range for "
                    f"{n_cls} classes (valid labels are 0 to {n_cls - 1}{also})"
                )
        return SoftmaxCrossEntropy.apply(
            logits, lab, sparse=True, label_smoothing=eps, ignore_index=ignore_index,
            reduction=reduction, logits_shape=x.shape,
        )
    if lab.dtype.kind != "f":
        raise TypeError(
            f"{name}: labels must be integer class indices or float probabilities, got dtype "
            f"{lab.dtype}"
        )
    if ignore_index is not None:
        raise ValueError(
            f"{name}: ignore_index works with integer class labels only; got float targets of "
            f"shape {lab.shape}"
        )
    if lab.shape != x.shape:
        if lab.shape == batch:
            hint = (" They have one value per row, so they look like class indices: pass "
                    "them as integers (labels.astype('int64')).")
        else:
            hint = ""
        raise ValueError(
            f"{name}: float targets must have the logits' shape {x.shape} (a distribution over "
            f"the {n_cls} classes per row), got shape {lab.shape}.{hint}"
        )
    return SoftmaxCrossEntropy.apply(
        logits, _grad_source(labels, lab), sparse=False, label_smoothing=eps, ignore_index=None,
        reduction=reduction, logits_shape=x.shape, labels_shape=lab.shape,
        labels_dtype=lab.dtype,
    )


def sigmoid_binary_cross_entropy(logits: Tensor, targets, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of ``sigmoid(logits)`` against targets, fused and stable.

    Computed as ``max(x, 0) - x * t + log1p(exp(-|x|))``: finite for logits of any size. The
    Keras ``binary_crossentropy(from_logits=True)`` and PyTorch
    ``binary_cross_entropy_with_logits`` loss; ``'mean'`` averages over every element.

    Args:
        logits: any shape, raw scores.
        targets: the same shape exactly, values in [0, 1] (int, bool or float). Shapes that
            would broadcast, such as (n, 1) against (n,), are refused.
        reduction: ``'mean'``, ``'sum'`` or ``'none'`` (elementwise losses, logits' shape).

    Example:
        >>> logits = nr.tensor([[0.3], [-1.2]], requires_grad=True)
        >>> F.sigmoid_binary_cross_entropy(logits, np.array([[1.0], [0.0]]))
        tensor(0.4088, grad_fn=<SigmoidBinaryCrossEntropy>)
    """
    name = "sigmoid_binary_cross_entropy"
    _check_reduction(name, reduction)
    x = _logits(name, logits)
    xp = backend.get_array_module(x)
    t = _data(name, "targets", targets, xp)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"{name}: targets must be numbers in [0, 1], got dtype {t.dtype}")
    if t.shape != x.shape:
        if t.size == x.size:
            fix = (f"reshape one to the other's shape, e.g. targets.reshape{x.shape} (or "
                   "flatten the model's output)")
        else:
            fix = "they hold different numbers of elements; check that they belong together"
        raise ValueError(
            f"{name}: logits have shape {x.shape} but targets have shape {t.shape}; they must "
            f"match exactly, since broadcasting would silently pair every logit with every "
            f"target: {fix}"
        )
    return SigmoidBinaryCrossEntropy.apply(
        logits, _grad_source(targets, t), reduction=reduction, targets_dtype=t.dtype
    )
