"""Activation functions: elementwise nonlinearities, and softmax / log-softmax over one axis.

Each is one primitive with forward and backward side by side. ``relu``, ``tanh`` and ``sigmoid``
run in every training step of a small model, so their forward and backward passes use as few
NumPy calls as possible. Constants are Python floats (weak scalars), so float32 inputs give
float32 outputs and gradients.

The course's activations: linear (here :func:`identity`), step, sigmoid, tanh, ReLU, LeakyReLU,
ELU and softmax; the others are those of Keras 3 and PyTorch.
"""

from __future__ import annotations

import operator

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .reduction import row_max, row_sum

__all__ = [
    "identity", "step", "sigmoid", "hard_sigmoid", "tanh", "relu", "relu6", "leaky_relu",
    "elu", "selu", "gelu", "softplus", "softsign", "silu", "swish", "mish", "softmax",
    "log_softmax",
]


# -- array helpers (no graph), shared with loss.py --------------------------------------------


def _sigmoid(xp, x):
    """Logistic sigmoid of an array, accurate in both tails.

    ``1 / (1 + exp(-x))`` keeps full relative precision for tiny results (``sigmoid(-30)`` is
    ``9.4e-14``, not 0); for ``x`` below about -88 (float32) or -709 (float64) ``exp(-x)``
    overflows to inf and the result is the correct limit 0, so the overflow warning is muted.
    """
    with np.errstate(over="ignore"):
        y = xp.negative(x, out=xp.empty_like(x))  # out=: an array even for 0-d x
        xp.exp(y, out=y)
    y += 1
    return xp.reciprocal(y, out=y)


def _softplus(xp, x):
    """``log(1 + exp(x))`` without overflow: ``max(x, 0) + log1p(exp(-|x|))``."""
    y = xp.abs(x, out=xp.empty_like(x))  # out=: an array even for 0-d x
    xp.negative(y, out=y)
    xp.exp(y, out=y)
    xp.log1p(y, out=y)
    y += xp.maximum(x, 0)
    return y


# Cody's rational Chebyshev approximations of erf / erfc (W. J. Cody, "Rational Chebyshev
# approximations for the error function", Math. Comp. 23 (1969) 631-637), in three intervals of
# |x|. Coefficients are listed from the highest power down, for Horner's rule.
_ERF_NUM = (1.85777706184603153e-1, 3.16112374387056560e00, 1.13864154151050156e02,
            3.77485237685302021e02, 3.20937758913846947e03)
_ERF_DEN = (1.0, 2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
            2.84423683343917062e03)
_ERFC_NUM = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e00,
             6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
             1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03)
_ERFC_DEN = (1.0, 1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
             1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
             3.43936767414372164e03, 1.23033935480374942e03)
_ERFC_TAIL_NUM = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
                  1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_ERFC_TAIL_DEN = (1.0, 2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
                  6.05183413124413191e-2, 2.33520497626869185e-3)
_INV_SQRT_PI = 0.5641895835477563  # 1 / sqrt(pi)


def _horner(t, coefs):
    p = t * coefs[0]
    for c in coefs[1:-1]:
        p += c
        p *= t
    p += coefs[-1]
    return p


def _erf(xp, x):
    """Error function of a float array, vectorised (NumPy has none, SciPy is not a dependency).

    Cody's approximations: ``x * P(x^2) / Q(x^2)`` for ``|x| <= 0.46875``; ``1 - erfc`` with
    ``erfc(y) = exp(-y^2) P(y) / Q(y)`` up to ``|x| = 4`` and an asymptotic series in ``1/y^2``
    beyond. Agrees with ``math.erf`` to within about 1e-16 in float64 (the tests ask 1e-14);
    float32 inputs are evaluated in float32. ``|x| >= 6`` gives exactly +-1 (``erfc(6)`` is
    2e-17, below float64's resolution around 1). NaN stays NaN.
    """
    # Each approximation runs on all of |x| clamped into its own interval (so it is finite
    # everywhere) and the pieces are summed under 0/1 masks: on large arrays, boolean gathers
    # and np.where are several times slower than this branch-free form.
    a = xp.abs(x)
    small = a <= 0.46875
    tail = a > 4.0
    z = xp.minimum(a, 0.46875)
    t = z * z
    out = z * _horner(t, _ERF_NUM) / _horner(t, _ERF_DEN) * small
    if not small.all():
        y = xp.clip(a, 0.46875, 4.0)
        erfc = xp.exp(-y * y) * _horner(y, _ERFC_NUM) / _horner(y, _ERFC_DEN)
        out += (1 - erfc) * ~(small | tail)  # NaN fails both tests and lands here
        if tail.any():
            y = xp.clip(a, 4.0, 6.0)  # no y*y overflow; erf is +-1 beyond 6 anyway
            t = 1 / (y * y)
            r = t * _horner(t, _ERFC_TAIL_NUM) / _horner(t, _ERFC_TAIL_DEN)
            out += (1 - xp.exp(-y * y) * (_INV_SQRT_PI - r) / y) * tail
    return xp.copysign(out, x)


# -- primitives ---------------------------------------------------------------------------------


class Step(Function):
    """Heaviside step: 1 where ``x >= 0``, else 0 (the course's convention at 0).

    Its derivative is 0 wherever it exists, so no gradient reaches the weights below it: a step
    network cannot be trained by backpropagation, which is why the course moves to the sigmoid.
    """

    def forward(self, x):
        return (x >= 0).astype(x.dtype)

    def backward(self, gy):
        return self.xp.zeros_like(gy)


class Sigmoid(Function):
    def forward(self, x):
        y = _sigmoid(self.xp, x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy * y * (1 - y)


class HardSigmoid(Function):
    """Keras 3's hard sigmoid ``relu6(x + 3) / 6``: 0 below -3, 1 above 3, ``x/6 + 1/2``
    between (also PyTorch's ``hardsigmoid``)."""

    def forward(self, x):
        xp = self.xp
        y = xp.minimum(xp.maximum(x / 6 + 0.5, 0), 1)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return (gy / 6) * ((y > 0) & (y < 1))


class Tanh(Function):
    def forward(self, x):
        y = self.xp.tanh(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        if y.ndim == 0:
            return gy * (1 - y * y)
        g = gy * y  # gy - gy*y*y, in place on one temporary: fewer passes than gy*(1-y*y)
        g *= y
        return self.xp.subtract(gy, g, out=g)


class ReLU(Function):
    """``max(x, 0)``; the gradient at 0 is taken as 0 (as PyTorch and Keras)."""

    def forward(self, x):
        # maximum against an array of zeros is ~2x faster in NumPy than against the scalar 0
        y = self.xp.zeros_like(x)
        self.xp.maximum(x, y, out=y)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy * (y > 0)  # a boolean factor keeps gy's dtype


class ReLU6(Function):
    """``min(max(x, 0), 6)``; the gradient passes strictly between 0 and 6."""

    def forward(self, x):
        xp = self.xp
        y = xp.minimum(xp.maximum(x, 0), 6)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy * ((y > 0) & (y < 6))


class LeakyReLU(Function):
    """``x`` where ``x > 0``, else ``negative_slope * x``.

    No ``np.where`` here: with a random sign pattern it is an order of magnitude slower than
    ``maximum`` and masked multiplies on large arrays.
    """

    def forward(self, x):
        self.save_for_backward(x)
        slope = self.negative_slope
        # for slope <= 1, x >= slope * x exactly where x >= 0 (and the reverse above 1)
        pick = self.xp.maximum if slope <= 1 else self.xp.minimum
        return pick(x, x * slope)

    def backward(self, gy):
        (x,) = self.saved
        slope = self.negative_slope
        g = (x > 0).astype(gy.dtype)  # 1 or 0 -> 1 or slope
        g *= 1 - slope
        g += slope
        g *= gy
        return g


class ELU(Function):
    """``scale * x`` where ``x > 0``, else ``scale * alpha * (exp(x) - 1)``."""

    scale = 1.0

    def forward(self, x):
        xp = self.xp
        sa = self.scale * self.alpha
        # expm1 of min(x, 0): the positive side is never exponentiated, so it cannot overflow;
        # it is 0 there, so the two halves add up without a np.where
        neg = xp.expm1(xp.minimum(x, 0))
        neg *= sa
        self.save_for_backward(x, neg)
        y = xp.maximum(x, 0)
        if self.scale != 1.0:
            y *= self.scale
        y += neg
        return y

    def backward(self, gy):
        x, neg = self.saved
        sa = self.scale * self.alpha
        # slope: scale for x > 0; scale * alpha * e^x = neg + sa for x <= 0 (where neg + sa = sa
        # for x > 0, hence the correction scale - sa on the positive side)
        g = (x > 0).astype(gy.dtype)
        g *= self.scale - sa
        g += neg
        g += sa
        g *= gy
        return g


class SELU(ELU):
    """Scaled ELU with the self-normalising constants of Klambauer et al. (2017)."""

    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946


_SQRT_HALF = 0.7071067811865476  # 1 / sqrt(2)
_INV_SQRT_2PI = 0.3989422804014327  # 1 / sqrt(2 pi)
_SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2 / pi)


class GELU(Function):
    """``x * Phi(x)``, Phi the standard normal CDF; with ``approximate`` the tanh form
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""

    def forward(self, x):
        xp = self.xp
        if self.approximate:
            with np.errstate(over="ignore"):  # x^3 of a huge x: tanh(inf) = 1 is right
                t = x * x
                t *= 0.044715
                t += 1
                t *= x
                t *= _SQRT_2_OVER_PI
            t = xp.tanh(t)
            self.save_for_backward(x, t)
            y = t + 1
            y *= x
            y *= 0.5
            return y
        cdf = _erf(xp, x * _SQRT_HALF)
        cdf += 1
        cdf *= 0.5
        self.save_for_backward(x, cdf)
        return x * cdf

    def backward(self, gy):
        x, s = self.saved
        x2 = x * x
        if self.approximate:
            t = s
            # d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)
            g = 1 - t * t
            g *= x
            x2 *= 3 * 0.044715
            x2 += 1
            g *= x2
            g *= _SQRT_2_OVER_PI
            g += t
            g += 1
            g *= 0.5
            return gy * g
        # d/dx x Phi(x) = Phi(x) + x phi(x), phi the standard normal density
        x2 *= -0.5
        pdf = self.xp.exp(x2)
        pdf *= _INV_SQRT_2PI
        pdf *= x
        pdf += s
        return gy * pdf


class Softplus(Function):
    def forward(self, x):
        y = _softplus(self.xp, x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        # sigmoid(x) = 1 - exp(-softplus(x)) = -expm1(-y): accurate in both tails
        g = self.xp.expm1(-y)
        g *= gy
        g *= -1
        return g


class Softsign(Function):
    def forward(self, x):
        d = self.xp.abs(x)
        d += 1
        self.save_for_backward(d)
        return x / d

    def backward(self, gy):
        (d,) = self.saved
        return gy / (d * d)


class SiLU(Function):
    """``x * sigmoid(x)`` (swish)."""

    def forward(self, x):
        s = _sigmoid(self.xp, x)
        self.save_for_backward(x, s)
        return x * s

    def backward(self, gy):
        x, s = self.saved
        # d/dx x s = s + x s (1 - s) = s (1 + x (1 - s))
        g = 1 - s
        g *= x
        g += 1
        g *= s
        g *= gy
        return g


class Mish(Function):
    """``x * tanh(softplus(x))``."""

    def forward(self, x):
        xp = self.xp
        sp = _softplus(xp, x)
        t = xp.tanh(sp)
        self.save_for_backward(x, sp, t)
        return x * t

    def backward(self, gy):
        x, sp, t = self.saved
        xp = self.xp
        # d/dx = t + x (1 - t^2) sigmoid(x), with sigmoid(x) = -expm1(-softplus(x))
        g = xp.expm1(-sp)
        g *= x
        g *= t * t - 1
        g += t
        g *= gy
        return g


class Softmax(Function):
    """``exp(x) / sum(exp(x))`` along ``axis``."""

    def forward(self, x):
        xp = self.xp
        if x.size == 0:  # max() of an empty axis fails; the softmax of nothing is nothing
            y = xp.empty_like(x)
        else:
            # Subtracting the max leaves the result unchanged (it cancels in the ratio) and
            # keeps every exponent <= 0, so exp cannot overflow and the largest term is 1.
            if x.ndim == 2 and self.axis in (-1, 1):  # the common (batch, classes) case
                y = x - row_max(xp, x)
                xp.exp(y, out=y)
                y /= row_sum(xp, y)[:, None]
            else:
                y = x - x.max(axis=self.axis, keepdims=True)
                xp.exp(y, out=y)
                y /= y.sum(axis=self.axis, keepdims=True)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        # J^T gy = y * (gy - sum(gy * y))
        gx = gy * y
        gx -= y * gx.sum(axis=self.axis, keepdims=True)
        return gx


class LogSoftmax(Function):
    """``x - log(sum(exp(x)))`` along ``axis``."""

    def forward(self, x):
        xp = self.xp
        if x.size == 0:
            y = xp.empty_like(x)
        else:
            # Shift by the max so exp cannot overflow and the sum is >= 1 (its log is finite).
            y = x - x.max(axis=self.axis, keepdims=True)
            y -= xp.log(xp.exp(y).sum(axis=self.axis, keepdims=True))
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        # gx = gy - softmax(x) * sum(gy)
        gx = self.xp.exp(y)
        gx *= gy.sum(axis=self.axis, keepdims=True)
        return gy - gx


# -- wrappers -----------------------------------------------------------------------------------


def identity(x: Tensor) -> Tensor:
    """The linear activation ``f(x) = x``: returns ``x`` itself (no new graph node).

    Keras calls this activation ``'linear'``; here ``F.linear`` is already the fused affine map
    ``x @ W + b`` (see ``functions/linalg.py``), so the activation is named identity.

    Example:
        >>> F.identity(x) is x
        True
    """
    return x


def step(x: Tensor) -> Tensor:
    """Heaviside step: 1 where ``x >= 0``, 0 elsewhere (the course's ``F(x) = 1 si x >= 0``).

    The gradient is zero everywhere, so a network built on the step cannot learn by
    backpropagation (the perceptron rule trains it instead); this is why the course moves on to
    the sigmoid. x: any shape; returns the same shape and dtype.

    Example:
        >>> F.step(nr.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 1., 1.])
    """
    return Step.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    """Logistic sigmoid ``1 / (1 + exp(-x))``, in (0, 1); finite and warning-free for any x.

    x: any shape; returns the same shape.

    Example:
        >>> F.sigmoid(nr.tensor([0.0, 1000.0, -1000.0]))
        tensor([0.5, 1. , 0. ])
    """
    return Sigmoid.apply(x)


def hard_sigmoid(x: Tensor) -> Tensor:
    """Piecewise-linear sigmoid, Keras 3's definition ``relu6(x + 3) / 6``: 0 for ``x <= -3``,
    1 for ``x >= 3``, ``x / 6 + 0.5`` between. x: any shape; returns the same shape.

    Example:
        >>> F.hard_sigmoid(nr.tensor([-4.0, 0.0, 1.5]))
        tensor([0.  , 0.5 , 0.75])
    """
    return HardSigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent, in (-1, 1). x: any shape; returns the same shape.

    Example:
        >>> F.tanh(nr.tensor([0.0]))
        tensor([0.])
    """
    return Tanh.apply(x)


def relu(x: Tensor) -> Tensor:
    """Rectified linear unit ``max(x, 0)``; gradient 1 where ``x > 0``, else 0.

    x: any shape; returns the same shape.

    Example:
        >>> F.relu(nr.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """
    return ReLU.apply(x)


def relu6(x: Tensor) -> Tensor:
    """ReLU capped at 6: ``min(max(x, 0), 6)``. x: any shape; returns the same shape.

    Example:
        >>> F.relu6(nr.tensor([-1.0, 3.0, 8.0]))
        tensor([0., 3., 6.])
    """
    return ReLU6.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.2) -> Tensor:
    """Leaky ReLU: ``x`` for ``x > 0``, ``negative_slope * x`` otherwise.

    The default slope 0.2 is Keras 3's (``keras.activations.leaky_relu``); PyTorch's is 0.01.
    x: any shape; returns the same shape.

    Example:
        >>> F.leaky_relu(nr.tensor([-1.0, 2.0]))
        tensor([-0.2,  2. ])
    """
    return LeakyReLU.apply(x, negative_slope=float(negative_slope))


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    x: any shape; returns the same shape.

    Example:
        >>> F.elu(nr.tensor([-1.0, 2.0]))
        tensor([-0.6321,  2.    ])
    """
    return ELU.apply(x, alpha=float(alpha))


def selu(x: Tensor) -> Tensor:
    """Scaled ELU, ``scale * elu(x, alpha)`` with alpha = 1.6732632423543772 and
    scale = 1.0507009873554805 (Klambauer et al., 2017). x: any shape; returns the same shape.

    Example:
        >>> F.selu(nr.tensor([1.0]))
        tensor([1.0507])
    """
    return SELU.apply(x)


def gelu(x: Tensor, approximate: bool | str = False) -> Tensor:
    """Gaussian error linear unit ``x * Phi(x)`` (Phi the standard normal CDF).

    The exact form uses the error function, ``Phi(x) = (1 + erf(x / sqrt(2))) / 2``, with a
    vectorised erf accurate to about 1e-16 in float64. ``approximate=True`` (or ``'tanh'``)
    uses ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``; ``False`` or ``'none'`` the exact
    form (Keras's ``approximate`` flag and PyTorch's ``approximate`` string both work).
    x: any shape; returns the same shape.

    Example:
        >>> F.gelu(nr.tensor([1.0]))
        tensor([0.8413])
    """
    if approximate is True or approximate == "tanh":
        approx = True
    elif approximate is False or approximate == "none":
        approx = False
    else:
        raise ValueError(
            f"gelu: approximate must be False, True, 'none' or 'tanh', got {approximate!r}"
        )
    return GELU.apply(x, approximate=approx)


def softplus(x: Tensor) -> Tensor:
    """``log(1 + exp(x))``, computed as ``max(x, 0) + log1p(exp(-|x|))`` so it never overflows.

    x: any shape; returns the same shape.

    Example:
        >>> F.softplus(nr.tensor([0.0, 1000.0]))
        tensor([6.9315e-01, 1.0000e+03])
    """
    return Softplus.apply(x)


def softsign(x: Tensor) -> Tensor:
    """``x / (1 + |x|)``, in (-1, 1). x: any shape; returns the same shape.

    Example:
        >>> F.softsign(nr.tensor([1.0]))
        tensor([0.5])
    """
    return Softsign.apply(x)


def silu(x: Tensor) -> Tensor:
    """Sigmoid linear unit ``x * sigmoid(x)``, also called swish. x: any shape; returns the
    same shape.

    Example:
        >>> F.silu(nr.tensor([0.0, 1.0]))
        tensor([0.    , 0.7311])
    """
    return SiLU.apply(x)


swish = silu


def mish(x: Tensor) -> Tensor:
    """``x * tanh(softplus(x))`` (Misra, 2019). x: any shape; returns the same shape.

    Example:
        >>> F.mish(nr.tensor([1.0]))
        tensor([0.8651])
    """
    return Mish.apply(x)


def _axis(name: str, x, axis) -> int:
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{name}: axis must be an integer, got {axis!r}") from None
    ndim = len(x.shape)
    if not -ndim <= axis < ndim:
        if ndim == 0:
            raise ValueError(f"{name}: needs an input with at least 1 dimension, got shape ()")
        raise ValueError(
            f"{name}: axis {axis} is out of range for an input of shape {tuple(x.shape)} "
            f"(valid axes are {-ndim} to {ndim - 1})"
        )
    return axis


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """Softmax along ``axis``: ``exp(x) / sum(exp(x))``, each slice sums to 1.

    One fused primitive: the max along ``axis`` is subtracted first, so large logits (1000 or
    more) do not overflow. x: any shape with at least one dimension; returns the same shape.

    Example:
        >>> F.softmax(nr.tensor([[1.0, 1.0]]))
        tensor([[0.5, 0.5]])
    """
    return Softmax.apply(x, axis=_axis("softmax", x, axis))


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """``log(softmax(x))`` along ``axis``, computed as ``x - max - log(sum(exp(x - max)))`` so it
    stays finite where ``softmax`` underflows to 0. x: any shape with at least one dimension;
    returns the same shape.

    Example:
        >>> F.log_softmax(nr.tensor([[0.0, 0.0]]))
        tensor([[-0.6931, -0.6931]])
    """
    return LogSoftmax.apply(x, axis=_axis("log_softmax", x, axis))

