"""Elementwise arithmetic: + - * / ** and the elementwise math functions.

Binary operations broadcast as NumPy does; their backward sums the gradient back down to each
input's shape (``unbroadcast``). A Python number operand stays a weak scalar, so ``x * 2`` keeps
``x``'s dtype (no silent float64 upcast).
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..autograd import Function, unbroadcast
from ..tensor import Tensor, _to_array, resolve_dtype

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "log1p", "sqrt", "abs", "sign",
    "clip", "maximum", "minimum", "where", "sin", "cos", "cast", "to_device",
    "eq", "ne", "lt", "le", "gt", "ge", "logical_not",
]


def _shape(x):
    return x.shape if hasattr(x, "shape") else ()


def _broadcast_error(op, *arrays) -> ValueError:
    shapes = " and ".join(str(_shape(a)) for a in arrays)
    return ValueError(f"{op}: cannot broadcast shapes {shapes}")


def operand(x):
    """Tensors and Python numbers pass through; anything else (lists, arrays) becomes a Tensor."""
    if isinstance(x, (Tensor, int, float)):
        return x
    return Tensor._make(_to_array(x, None), None)


class Add(Function):
    def forward(self, a, b):
        self.shapes = (_shape(a), _shape(b))
        try:
            return a + b
        except ValueError:
            raise _broadcast_error("add", a, b) from None

    def backward(self, gy):
        sa, sb = self.shapes
        return (unbroadcast(gy, sa) if self.needs_grad[0] else None,
                unbroadcast(gy, sb) if self.needs_grad[1] else None)


class Sub(Function):
    def forward(self, a, b):
        self.shapes = (_shape(a), _shape(b))
        try:
            return a - b
        except ValueError:
            raise _broadcast_error("sub", a, b) from None

    def backward(self, gy):
        sa, sb = self.shapes
        return (unbroadcast(gy, sa) if self.needs_grad[0] else None,
                unbroadcast(-gy, sb) if self.needs_grad[1] else None)


class Mul(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        try:
            return a * b
        except ValueError:
            raise _broadcast_error("mul", a, b) from None

    def backward(self, gy):
        a, b = self.saved
        return (unbroadcast(gy * b, _shape(a)) if self.needs_grad[0] else None,
                unbroadcast(gy * a, _shape(b)) if self.needs_grad[1] else None)


class Div(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        try:
            return a / b
        except ValueError:
            raise _broadcast_error("div", a, b) from None

    def backward(self, gy):
        a, b = self.saved
        ga = gy / b
        gb = unbroadcast(-ga * a / b, _shape(b)) if self.needs_grad[1] else None
        return (unbroadcast(ga, _shape(a)) if self.needs_grad[0] else None, gb)


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class Pow(Function):
    """``a ** b``; ``b`` may be a number or a tensor (then ``a`` must be positive where it
    needs a gradient, since d/db a^b = a^b log a)."""

    def forward(self, a, b):
        try:
            y = a ** b
        except ValueError:
            raise _broadcast_error("pow", a, b) from None
        self.save_for_backward(a, b, y)
        return y

    def backward(self, gy):
        a, b, y = self.saved
        ga = gb = None
        if self.needs_grad[0]:
            # x ** 2 is the common case (squared errors): skip the general power
            if isinstance(b, (int, float)) and b == 2:
                ga = gy * a
                ga += ga
            else:
                ga = gy * (b * a ** (b - 1))
            ga = unbroadcast(ga, _shape(a))
        if self.needs_grad[1]:
            # a Python number's log must stay a weak scalar (no float64 upcast)
            log_a = self.xp.log(a) if hasattr(a, "dtype") else math.log(a)
            gb = unbroadcast(gy * y * log_a, _shape(b))
        return ga, gb


class Exp(Function):
    def forward(self, x):
        y = self.xp.exp(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy * y


class Log(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.log(x)

    def backward(self, gy):
        (x,) = self.saved
        return gy / x


class Log1p(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.log1p(x)

    def backward(self, gy):
        (x,) = self.saved
        return gy / (1 + x)


class Sqrt(Function):
    def forward(self, x):
        y = self.xp.sqrt(x)
        self.save_for_backward(y)
        return y

    def backward(self, gy):
        (y,) = self.saved
        return gy / (2 * y)


class Abs(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.abs(x)

    def backward(self, gy):
        (x,) = self.saved
        return gy * self.xp.sign(x)  # 0 at x == 0, as PyTorch


class Sign(Function):
    """Sign of x; its gradient is zero everywhere (undefined at 0, taken as 0)."""

    def forward(self, x):
        return self.xp.sign(x)

    def backward(self, gy):
        return self.xp.zeros_like(gy)


class Clip(Function):
    """Clamp to ``[low, high]`` (either may be None); the gradient passes where
    ``low <= x <= high`` (bounds included, as PyTorch's clamp)."""

    def forward(self, x):
        xp = self.xp
        self.save_for_backward(x)
        return xp.clip(x, self.low, self.high)

    def backward(self, gy):
        (x,) = self.saved
        inside = self.xp.ones(x.shape, dtype=bool)
        if self.low is not None:
            inside &= x >= self.low
        if self.high is not None:
            inside &= x <= self.high
        return gy * inside


class Maximum(Function):
    """Elementwise max; where the inputs tie, each receives half the gradient."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        try:
            return self.xp.maximum(a, b)
        except ValueError:
            raise _broadcast_error("maximum", a, b) from None

    def backward(self, gy):
        a, b = self.saved
        half = gy.dtype.type(0.5)
        share_a = self.xp.where(a == b, half, (a > b).astype(gy.dtype))
        return (unbroadcast(gy * share_a, _shape(a)) if self.needs_grad[0] else None,
                unbroadcast(gy * (1 - share_a), _shape(b)) if self.needs_grad[1] else None)


class Minimum(Function):
    """Elementwise min; where the inputs tie, each receives half the gradient."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        try:
            return self.xp.minimum(a, b)
        except ValueError:
            raise _broadcast_error("minimum", a, b) from None

    def backward(self, gy):
        a, b = self.saved
        half = gy.dtype.type(0.5)
        share_a = self.xp.where(a == b, half, (a < b).astype(gy.dtype))
        return (unbroadcast(gy * share_a, _shape(a)) if self.needs_grad[0] else None,
                unbroadcast(gy * (1 - share_a), _shape(b)) if self.needs_grad[1] else None)


class Where(Function):
    """``a`` where ``condition`` holds, else ``b`` (all three broadcast together)."""

    def forward(self, condition, a, b):
        self.save_for_backward(condition)
        self.shapes = (_shape(a), _shape(b))
        try:
            return self.xp.where(condition, a, b)
        except ValueError:
            raise _broadcast_error("where", condition, a, b) from None

    def backward(self, gy):
        (cond,) = self.saved
        sa, sb = self.shapes
        zero = gy.dtype.type(0)
        return (None,
                unbroadcast(self.xp.where(cond, gy, zero), sa) if self.needs_grad[1] else None,
                unbroadcast(self.xp.where(cond, zero, gy), sb) if self.needs_grad[2] else None)


class Sin(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.sin(x)

    def backward(self, gy):
        (x,) = self.saved
        return gy * self.xp.cos(x)


class Cos(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return self.xp.cos(x)

    def backward(self, gy):
        (x,) = self.saved
        return -gy * self.xp.sin(x)


class Cast(Function):
    """Change dtype; the gradient is cast back to the input's dtype."""

    def forward(self, x):
        self.src = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        return gy.astype(self.src)


class ToDevice(Function):
    """Copy to another device; the gradient is copied back."""

    def forward(self, x):
        self.src = backend.device_of(x)
        return backend.to_device(x, self.device)

    def backward(self, gy):
        return backend.to_device(gy, self.src)


# -- wrappers ----------------------------------------------------------------------------------


def add(a, b) -> Tensor:
    """``a + b`` with broadcasting."""
    return Add.apply(operand(a), operand(b))


def sub(a, b) -> Tensor:
    """``a - b`` with broadcasting."""
    return Sub.apply(operand(a), operand(b))


def mul(a, b) -> Tensor:
    """``a * b`` elementwise with broadcasting."""
    return Mul.apply(operand(a), operand(b))


def div(a, b) -> Tensor:
    """``a / b`` elementwise with broadcasting."""
    return Div.apply(operand(a), operand(b))


def neg(x) -> Tensor:
    """``-x``."""
    return Neg.apply(x)


def pow(a, b) -> Tensor:  # noqa: A001  (the operator's name)
    """``a ** b``; ``b`` may be a number or a tensor."""
    return Pow.apply(operand(a), operand(b))


def exp(x) -> Tensor:
    """``e ** x`` elementwise."""
    return Exp.apply(x)


def log(x) -> Tensor:
    """Natural logarithm elementwise."""
    return Log.apply(x)


def log1p(x) -> Tensor:
    """``log(1 + x)``, accurate for small x."""
    return Log1p.apply(x)


def sqrt(x) -> Tensor:
    """Square root elementwise."""
    return Sqrt.apply(x)


def abs(x) -> Tensor:  # noqa: A001
    """Absolute value elementwise (gradient 0 at 0)."""
    return Abs.apply(x)


def sign(x) -> Tensor:
    """-1, 0 or 1 elementwise; the gradient is zero."""
    return Sign.apply(x)


def clip(x, low=None, high=None) -> Tensor:
    """Clamp ``x`` to ``[low, high]``; either bound may be None."""
    if low is None and high is None:
        raise ValueError("clip: give at least one of low and high")
    return Clip.apply(x, low=low, high=high)


def maximum(a, b) -> Tensor:
    """Elementwise maximum of two tensors (broadcast); ties share the gradient equally."""
    return Maximum.apply(operand(a), operand(b))


def minimum(a, b) -> Tensor:
    """Elementwise minimum of two tensors (broadcast); ties share the gradient equally."""
    return Minimum.apply(operand(a), operand(b))


def where(condition, a, b) -> Tensor:
    """``a`` where ``condition`` is true, else ``b``; the gradient flows to the chosen side.

    Example:
        >>> nr.where(x > 0, x, 0.1 * x)   # a leaky ReLU
    """
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != bool:
        raise TypeError(f"where: condition must be boolean, got dtype {cond.dtype}")
    return Where.apply(cond, operand(a), operand(b))


def sin(x) -> Tensor:
    """Sine elementwise."""
    return Sin.apply(x)


def cos(x) -> Tensor:
    """Cosine elementwise."""
    return Cos.apply(x)


def cast(x, dtype) -> Tensor:
    """``x`` converted to ``dtype`` (``'float32'``, ``nr.float64``...); differentiable between
    floating dtypes. Converting a tensor that requires grad to an integer dtype detaches it."""
    dtype = resolve_dtype(dtype)
    if dtype == x.dtype:
        return x
    if dtype.kind not in "fc":
        return Tensor._make(x.data.astype(dtype), None)
    return Cast.apply(x, dtype=dtype)


def to_device(x, device) -> Tensor:
    """``x`` on ``device``; the copy is differentiable. Returns ``x`` if it is already there."""
    kind, index = backend._parse_device(device)
    target = "cpu" if kind == "cpu" else f"cuda:{index}"
    if x.device == target:
        return x
    return ToDevice.apply(x, device=target)


# -- comparisons: no gradient, boolean results ---------------------------------------------------


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def eq(a, b) -> Tensor:
    """``a == b`` elementwise (boolean tensor, no gradient)."""
    return Tensor._make(_data(a) == _data(b), None)


def ne(a, b) -> Tensor:
    """``a != b`` elementwise (boolean tensor, no gradient)."""
    return Tensor._make(_data(a) != _data(b), None)


def lt(a, b) -> Tensor:
    """``a < b`` elementwise (boolean tensor, no gradient)."""
    return Tensor._make(_data(a) < _data(b), None)


def le(a, b) -> Tensor:
    """``a <= b`` elementwise (boolean tensor, no gradient)."""
    return Tensor._make(_data(a) <= _data(b), None)


def gt(a, b) -> Tensor:
    """``a > b`` elementwise (boolean tensor, no gradient)."""
    return Tensor._make(_data(a) > _data(b), None)


def ge(a, b) -> Tensor:
    """``a >= b`` elementwise (boolean tensor, no gradient)."""
    return Tensor._make(_data(a) >= _data(b), None)


def logical_not(x) -> Tensor:
    """``~x`` for a boolean tensor."""
    return Tensor._make(~_data(x), None)
