"""Normalisation: fused ``batch_norm`` and ``layer_norm``, and L2 ``normalize``.

Both fused primitives work on a 2-D ``(rows, features)`` view of their input: batch norm
averages each feature (channel) over the rows, layer norm each row over its features. Inputs
whose normalised axes are not the last ones are transposed into that layout (one copy); the
channels-last layouts Keras uses by default need no copy.

Each fused primitive is one Function with the closed-form gradient. It replaces about ten
Functions of the composite (``mean``, ``var``, ``sqrt`` and elementwise ops), and measured
faster: forward + backward, float32, median microseconds on one CPU core (composite -> fused;
PyTorch 2.13 for scale):

    shape             layer_norm (axis -1)     batch_norm (axis -1)
    (32, 64)          63 -> 29  (torch 21)     69 -> 25  (torch 30)
    (256, 512)       485 -> 261 (torch 93)    425 -> 214 (torch 124)
    (64, 16, 16, 32) 3789 -> 1269 (torch 668) 3668 -> 1060 (torch 472)

(Measured with glibc's malloc trim/mmap thresholds raised; with the defaults, freshly mapped
pages dominate at (256, 512): 2264 -> 1206 and 2160 -> 981.)
"""

from __future__ import annotations

import math
import operator

import numpy as np

from .. import backend
from ..autograd import Function
from ..tensor import Tensor, _to_array
from .arithmetic import div, maximum, mul, sqrt
from .linalg import _sum_rows
from .reduction import _axes
from .reduction import sum as reduce_sum

__all__ = ["batch_norm", "layer_norm", "normalize"]


# -- layout ---------------------------------------------------------------------------------------


def _rows(x, axes):
    """``x`` as a 2-D ``(rows, features)`` array with the ``axes`` as features, and the
    permutation that moved them last (None when they already were)."""
    nd = x.ndim
    perm = [i for i in range(nd) if i not in axes] + list(axes)
    if perm == list(range(nd)):
        perm = None
    else:
        x = x.transpose(perm)
    features = math.prod(x.shape[nd - len(axes):])
    return x.reshape(-1, features), perm


def _alloc(xp, shape, perm, rows_shape, dtype):
    """A fresh array of the input's ``shape`` and its 2-D ``(rows, features)`` view.

    Allocated in the input's shape (not as a reshaped 2-D array), it is an owned array the
    engine can store as a ``.grad`` without another copy. With moved axes (``perm``) it is the
    transposed 2-D array instead."""
    if perm is None:
        out = xp.empty(shape, dtype)
        return out, out.reshape(rows_shape)
    out2 = xp.empty(rows_shape, dtype)
    moved = out2.reshape(tuple(shape[i] for i in perm))
    inverse = tuple(sorted(range(len(perm)), key=perm.__getitem__))
    return moved.transpose(inverse), out2


def _sum_cols(xp, a, v=None):
    """``(a * v).sum(axis=1)`` (``a.sum(axis=1)`` without ``v``) of a 2-D array, as a column
    ``(rows, 1)``: a BLAS matrix-vector product, no elementwise temporary."""
    if v is not None:
        return (a @ v)[:, None]
    if xp is not np:
        return a.sum(axis=1, keepdims=True)
    return _sum_rows(xp, a.T)[:, None]


# -- batch norm -----------------------------------------------------------------------------------


class BatchNorm(Function):
    """Batch normalisation with the batch's statistics (training mode), on ``(rows, C)``:
    ``y = (x - mean) / sqrt(var + eps) * gamma + beta``, mean and (biased) variance over the
    rows. Updates ``moving_mean`` / ``moving_var`` in place when given.

    Backward, with ``xhat`` the normalised input and ``n`` the rows:
    ``gbeta = sum(gy)``, ``ggamma = sum(gy * xhat)``,
    ``gx = gamma / sqrt(var + eps) * (gy - gbeta / n - xhat * ggamma / n)``.
    """

    def forward(self, x, gamma, beta):
        xp = self.xp
        x2, self.perm = _rows(x, (self.axis,))
        self.shape = x.shape
        n = x2.shape[0]
        mean = _sum_rows(xp, x2) * (1.0 / n)
        xc = x2 - mean
        y, y2 = _alloc(xp, x.shape, self.perm, x2.shape, xc.dtype)
        xp.multiply(xc, xc, out=y2)  # the squares, in the output's buffer
        var = _sum_rows(xp, y2) * (1.0 / n)
        inv_std = 1.0 / xp.sqrt(var + self.eps)
        xc *= inv_std  # now xhat
        if gamma is not None:
            xp.multiply(xc, gamma, out=y2)
        else:
            y2[...] = xc
        if beta is not None:
            y2 += beta
        if self.moving_mean is not None:
            # Keras's rule; the biased batch variance, as Keras 3
            m = self.momentum
            self.moving_mean *= m
            self.moving_mean += mean * (1.0 - m)
            self.moving_var *= m
            self.moving_var += var * (1.0 - m)
        self.save_for_backward(xc, inv_std, gamma)
        return y

    def backward(self, gy):
        xhat, inv_std, gamma = self.saved
        xp = self.xp
        need_x, need_gamma, need_beta = self.needs_grad
        g2, _ = _rows(gy, (self.axis,))
        gx = ggamma = gbeta = None
        if need_x or need_beta:
            gbeta = _sum_rows(xp, g2)
        if need_x:
            gx, t = _alloc(xp, self.shape, self.perm, xhat.shape, xhat.dtype)
        elif need_gamma:
            t = xp.empty_like(xhat)
        if need_x or need_gamma:
            xp.multiply(g2, xhat, out=t)
            ggamma = _sum_rows(xp, t)
        if need_x:
            n = xhat.shape[0]
            scale = inv_std if gamma is None else inv_std * gamma
            xp.multiply(xhat, ggamma * (1.0 / n), out=t)
            xp.subtract(g2, t, out=t)
            t -= gbeta * (1.0 / n)
            t *= scale
        return (gx, ggamma if need_gamma else None, gbeta if need_beta else None)


class BatchNormInference(Function):
    """Batch normalisation with fixed (moving) statistics: the affine map
    ``y = x * scale + shift`` with ``scale = gamma / sqrt(moving_var + eps)`` and
    ``shift = beta - moving_mean * scale``, per channel."""

    def forward(self, x, gamma, beta):
        xp = self.xp
        shape = [1] * x.ndim
        shape[self.axis] = x.shape[self.axis]
        # the statistics in x's dtype: float64 moving statistics must not upcast float32 data
        mean = self.moving_mean.astype(x.dtype, copy=False).reshape(shape)
        inv_std = 1.0 / xp.sqrt(self.moving_var.astype(x.dtype, copy=False) + self.eps)
        inv_std = inv_std.reshape(shape)
        scale = inv_std if gamma is None else inv_std * gamma.reshape(shape)
        shift = -mean * scale
        if beta is not None:
            shift += beta.reshape(shape)
        y = x * scale
        y += shift
        if self.needs_grad[1]:  # gamma's gradient needs xhat; a copy, as the stats move later
            self.save_for_backward(scale, x, mean.copy(), inv_std)
        else:
            self.save_for_backward(scale, None, None, None)
        return y

    def backward(self, gy):
        scale, x, mean, inv_std = self.saved
        gx = ggamma = gbeta = None
        axes = tuple(i for i in range(gy.ndim) if i != self.axis)
        if self.needs_grad[0]:
            gx = gy * scale
        if self.needs_grad[1]:
            xhat = x - mean
            xhat *= inv_std
            xhat *= gy
            ggamma = xhat.sum(axis=axes)
        if self.needs_grad[2]:
            gbeta = gy.sum(axis=axes)
        return gx, ggamma, gbeta


# -- layer norm -----------------------------------------------------------------------------------


class LayerNorm(Function):
    """Layer normalisation on ``(rows, D)``: each row is normalised over its D features,
    ``y = (x - mean) / sqrt(var + eps) * gamma + beta``, with gamma and beta of D values.

    Backward, with ``gh = gy * gamma`` the gradient of the normalised ``xhat``:
    ``gx = (gh - mean(gh) - xhat * mean(gh * xhat)) / sqrt(var + eps)`` (means over each row),
    ``ggamma = sum(gy * xhat)`` and ``gbeta = sum(gy)`` over the rows.
    """

    def forward(self, x, gamma, beta):
        xp = self.xp
        x2, self.perm = _rows(x, self.axes)
        self.shape = x.shape
        d = x2.shape[1]
        mean = _sum_cols(xp, x2) * (1.0 / d)
        xc = x2 - mean
        y, y2 = _alloc(xp, x.shape, self.perm, x2.shape, xc.dtype)
        xp.multiply(xc, xc, out=y2)  # the squares, in the output's buffer
        var = _sum_cols(xp, y2) * (1.0 / d)
        inv_std = 1.0 / xp.sqrt(var + self.eps)
        xc *= inv_std  # now xhat
        g = None if gamma is None else gamma.reshape(-1)
        if g is not None:
            xp.multiply(xc, g, out=y2)
        else:
            y2[...] = xc
        if beta is not None:
            y2 += beta.reshape(-1)
        self.save_for_backward(xc, inv_std, g)
        return y

    def backward(self, gy):
        xhat, inv_std, g = self.saved
        xp = self.xp
        need_x, need_gamma, need_beta = self.needs_grad
        g2, _ = _rows(gy, self.axes)
        gx = ggamma = gbeta = None
        pshape = self.pshape
        if need_beta:
            gbeta = _sum_rows(xp, g2)
            gbeta = gbeta if gbeta.shape == pshape else gbeta.reshape(pshape)
        if not (need_x or need_gamma):
            return gx, ggamma, gbeta
        t = g2 * xhat
        if need_gamma:
            ggamma = _sum_rows(xp, t)
            ggamma = ggamma if ggamma.shape == pshape else ggamma.reshape(pshape)
        if need_x:
            d = xhat.shape[1]
            # the row means of gh and gh * xhat, as matrix-vector products with gamma
            a = _sum_cols(xp, g2, g) * (1.0 / d)
            b = _sum_cols(xp, t, g) * (1.0 / d)
            gx, gh = _alloc(xp, self.shape, self.perm, xhat.shape, xhat.dtype)
            if g is not None:
                xp.multiply(g2, g, out=gh)
            else:
                gh[...] = g2
            xp.multiply(xhat, b, out=t)
            t += a
            gh -= t
            gh *= inv_std
        return gx, ggamma, gbeta


# -- wrappers -------------------------------------------------------------------------------------


def _array(x):
    return x.data if isinstance(x, Tensor) else x


def _float_input(op, x):
    if not isinstance(x, Tensor):
        x = Tensor._make(_to_array(x, None), None)
    if x.data.dtype.kind != "f":
        raise TypeError(f"{op}: x must be floating point, got dtype {x.data.dtype}")
    return x


def _param(op, name, p, shape, what):
    """``p`` (gamma or beta) as a Tensor of ``shape``, or None."""
    if p is None:
        return None
    if not isinstance(p, Tensor):
        p = Tensor._make(_to_array(p, None), None)
    if p.data.shape != shape:
        raise ValueError(f"{op}: {name} must have shape {shape} ({what}), got {p.data.shape}")
    return p


def _moving(name, m, shape):
    """A moving statistic as the array to update in place (a Tensor's own array)."""
    arr = _array(m)
    if not isinstance(arr, backend.get_array_module(arr).ndarray):
        raise TypeError(
            f"batch_norm: {name} must be an array or a Tensor (it is updated in place), got "
            f"{type(m).__name__}"
        )
    if arr.shape != shape:
        raise ValueError(
            f"batch_norm: {name} must have shape {shape} (one value per channel), got "
            f"{arr.shape}"
        )
    return arr


def batch_norm(x, gamma=None, beta=None, axis: int = -1, eps: float = 1e-3,
               training: bool = True, moving_mean=None, moving_var=None,
               momentum: float = 0.99) -> Tensor:
    """Batch normalisation (Ioffe & Szegedy, 2015) over every axis but ``axis``, fused.

    In training, each channel is normalised with the batch's mean and biased variance, and the
    moving statistics (when given) are updated in place as Keras does:
    ``moving = moving * momentum + batch * (1 - momentum)``. At inference
    (``training=False``) the moving statistics are used instead.

    Args:
        x: (..., C, ...) floating point, with the C channels on ``axis`` (the last axis for
            Keras's channels-last layouts, e.g. (batch, C) or (batch, H, W, C)).
        gamma: (C,) scale, or None for none.
        beta: (C,) offset, or None for none.
        axis: the channel axis.
        eps: added to the variance before the square root.
        training: use (and update) batch statistics, or use the moving ones.
        moving_mean, moving_var: (C,) arrays or Tensors; required when ``training=False``.
        momentum: weight of the old moving statistics in their update.

    Returns:
        The same shape and dtype as ``x``.

    Raises:
        ValueError: on an axis out of range, parameters of the wrong shape, an empty batch in
            training, or missing moving statistics at inference.

    Example:
        >>> x = nr.randn(32, 4)
        >>> mm, mv = np.zeros(4, np.float32), np.ones(4, np.float32)
        >>> y = F.batch_norm(x, nr.ones(4), nr.zeros(4), moving_mean=mm, moving_var=mv)
        >>> y.shape                   # each column now has mean 0, variance ~1; mm, mv moved
        (32, 4)
    """
    op = "batch_norm"
    x = _float_input(op, x)
    shape = x.data.shape
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be an int (the channel axis), got {axis!r}")
    if x.data.ndim < 2:
        raise ValueError(
            f"{op}: x needs a batch axis besides the channel axis, got shape {shape}"
        )
    if not -x.data.ndim <= axis < x.data.ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for x of shape {shape}")
    ax = operator.index(axis) % x.data.ndim
    channels = (shape[ax],)
    what = f"one value per channel on axis {axis}"
    gamma = _param(op, "gamma", gamma, channels, what)
    beta = _param(op, "beta", beta, channels, what)
    if (moving_mean is None) != (moving_var is None):
        raise ValueError(f"{op}: give both moving_mean and moving_var, or neither")
    if moving_mean is not None:
        moving_mean = _moving("moving_mean", moving_mean, channels)
        moving_var = _moving("moving_var", moving_var, channels)
    if not training:
        if moving_mean is None:
            raise ValueError(
                f"{op}: inference (training=False) normalises with the moving statistics: "
                "pass moving_mean and moving_var"
            )
        return BatchNormInference.apply(x, gamma, beta, axis=ax, eps=float(eps),
                                        moving_mean=moving_mean, moving_var=moving_var)
    if x.data.size == 0:
        raise ValueError(f"{op}: cannot compute batch statistics of an empty batch "
                         f"(shape {shape})")
    return BatchNorm.apply(x, gamma, beta, axis=ax, eps=float(eps), momentum=float(momentum),
                           moving_mean=moving_mean, moving_var=moving_var)


def layer_norm(x, gamma=None, beta=None, axis=-1, eps: float = 1e-3) -> Tensor:
    """Layer normalisation (Ba et al., 2016), fused: each sample is normalised over ``axis``
    (an int or a tuple of ints) with its own mean and biased variance, then scaled by
    ``gamma`` and shifted by ``beta``.

    Args:
        x: any shape with at least the normalised axes, floating point.
        gamma, beta: shaped as the normalised axes (``tuple(x.shape[a] for a in axis)``, e.g.
            (D,) for ``axis=-1``), or None.
        axis: the axis or axes to normalise over.
        eps: added to the variance before the square root.

    Returns:
        The same shape and dtype as ``x``.

    Raises:
        ValueError: on an axis out of range or repeated, or parameters of the wrong shape.

    Example:
        >>> x = nr.randn(2, 5, 8)
        >>> F.layer_norm(x, nr.ones(8), nr.zeros(8)).shape     # each (i, j, :) normalised
        (2, 5, 8)
    """
    op = "layer_norm"
    x = _float_input(op, x)
    shape = x.data.shape
    axes = _axes(op, shape, axis)
    if axes is None:
        raise TypeError(f"{op}: axis must be an int or a tuple of ints, got None")
    pshape = tuple(shape[a] for a in axes)
    what = f"the size of axis {axis} of x, shape {shape}"
    gamma = _param(op, "gamma", gamma, pshape, what)
    beta = _param(op, "beta", beta, pshape, what)
    if math.prod(pshape) == 0:
        raise ValueError(f"{op}: cannot normalise over axis {axis} of length 0 (shape {shape})")
    return LayerNorm.apply(x, gamma, beta, axes=axes, eps=float(eps), pshape=pshape)


def normalize(x, axis=-1, eps: float = 1e-12) -> Tensor:
    """L2 normalisation: ``x / sqrt(max(sum(x ** 2, axis), eps))``, as Keras's
    ``UnitNormalization`` (``eps`` bounds the squared norm, so zero vectors stay zero).

    A composite of elementwise ops and ``sum``.

    Args:
        x: any shape, floating point.
        axis: the axis or axes whose L2 norm becomes 1.
        eps: lower bound of the squared norm.

    Returns:
        The same shape and dtype as ``x``.

    Example:
        >>> F.normalize(nr.tensor([[3.0, 4.0]])).data
        array([[0.6, 0.8]], dtype=float32)
    """
    x = _float_input("normalize", x)
    _axes("normalize", x.data.shape, axis)  # a clear error for a bad axis
    squares = reduce_sum(mul(x, x), axis=axis, keepdims=True)
    return div(x, sqrt(maximum(squares, float(eps))))
