"""Matrix products: ``matmul`` (batched, broadcasting) and the fused ``linear`` layer op."""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function, unbroadcast
from ..parallel import matmul as _gemm
from ..tensor import Tensor
from .arithmetic import operand

__all__ = ["matmul", "linear"]


def _matmul_error(a, b) -> ValueError:
    sa, sb = a.shape, b.shape
    if a.ndim == 0 or b.ndim == 0:
        return ValueError(f"matmul: both operands need at least 1 dimension, got {sa} and {sb}")
    ka = sa[-1]
    kb = sb[-2] if b.ndim >= 2 else sb[0]
    if ka != kb:
        return ValueError(
            f"matmul: cannot multiply {sa} by {sb}: inner dimensions {ka} and {kb} differ"
        )
    return ValueError(f"matmul: batch dimensions of {sa} and {sb} do not broadcast")


class MatMul(Function):
    """``a @ b`` with NumPy's rules: 1-D operands are promoted, batch dimensions broadcast."""

    def forward(self, a, b):
        if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[0]:
            self.save_for_backward(a, b)
            return _gemm(a, b)
        try:
            y = a @ b
        except ValueError:
            raise _matmul_error(a, b) from None
        self.save_for_backward(a, b)
        return y

    def backward(self, gy):
        a, b = self.saved
        xp = self.xp
        if a.ndim == 2 and b.ndim == 2:  # the common case, no reshaping
            return (_gemm(gy, b.T) if self.needs_grad[0] else None,
                    _gemm(a.T, gy) if self.needs_grad[1] else None)
        if a.ndim == 1 and b.ndim == 1:  # inner product: gy is a scalar
            return (gy * b if self.needs_grad[0] else None,
                    gy * a if self.needs_grad[1] else None)
        # promote 1-D operands to matrices, as matmul does, and the gradient with them
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a.ndim == 1:
            gy = xp.expand_dims(gy, -2)
        if b.ndim == 1:
            gy = xp.expand_dims(gy, -1)
        ga = gb = None
        if self.needs_grad[0]:
            ga = unbroadcast(gy @ xp.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if self.needs_grad[1]:
            gb = unbroadcast(xp.swapaxes(a2, -1, -2) @ gy, b2.shape).reshape(b.shape)
        return ga, gb


_ones_cache: dict = {}


def _sum_rows(xp, g):
    """``g.sum(axis=0)`` for a matrix, as a matrix-vector product with a cached ones vector:
    BLAS's GEMV is about 2x faster than NumPy's reduction machinery on small batches."""
    if xp is not np:
        return g.sum(axis=0)
    key = (g.shape[0], g.dtype)
    ones = _ones_cache.get(key)
    if ones is None:
        ones = _ones_cache[key] = np.ones(g.shape[0], g.dtype)
    return np.dot(ones, g)


class Linear(Function):
    """``x @ W + b`` fused: one GEMM forward, at most two backward, no broadcast temporaries.

    x: (..., in), W: (in, out) (Keras's kernel layout), b: (out,) or absent.
    """

    def forward(self, x, w, b=None):
        if x.shape[-1] != w.shape[0]:
            raise ValueError(
                f"linear: input has last dimension {x.shape[-1]} but the weight expects "
                f"{w.shape[0]} (input shape {x.shape}, weight shape {w.shape})"
            )
        self.save_for_backward(x, w)
        if x.ndim > 2:  # one 2-D GEMM: NumPy's stacked matmul is several times slower
            rows = math.prod(x.shape[:-1])  # not -1: a zero-size batch has no inferable size
            y = _gemm(x.reshape(rows, x.shape[-1]), w).reshape(x.shape[:-1] + (w.shape[1],))
        else:
            y = _gemm(x, w)
        if b is not None:
            y += b
        return y

    def backward(self, gy):
        x, w = self.saved
        needs = self.needs_grad
        gx = gw = gb = None
        if x.ndim != 2:  # fold the leading dimensions into one batch dimension
            shape = x.shape
            rows = math.prod(shape[:-1])
            x = x.reshape(rows, shape[-1])
            gy = gy.reshape(rows, gy.shape[-1])
            if needs[0]:
                gx = _gemm(gy, w.T).reshape(shape)
        elif needs[0]:
            gx = _gemm(gy, w.T)
        if needs[1]:
            gw = _gemm(x.T, gy)
        if len(needs) == 3 and needs[2]:
            gb = _sum_rows(self.xp, gy)
        return (gx, gw) if len(needs) == 2 else (gx, gw, gb)


def matmul(a, b) -> Tensor:
    """Matrix product ``a @ b``. a: (..., n, k), b: (..., k, m) -> (..., n, m); batch
    dimensions broadcast, 1-D operands are treated as row/column vectors.

    Example:
        >>> nr.matmul(nr.ones(2, 3), nr.ones(3, 4)).shape
        (2, 4)
    """
    return MatMul.apply(operand(a), operand(b))


def linear(x, weight, bias=None) -> Tensor:
    """Fused affine map ``x @ weight + bias``. x: (..., in), weight: (in, out), bias: (out,).
    Returns (..., out).

    Example:
        >>> y = F.linear(x, W, b)     # x (32, 10), W (10, 20), b (20,) -> (32, 20)
    """
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)
