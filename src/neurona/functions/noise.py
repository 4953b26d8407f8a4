"""Random regularisation: dropout.

Random numbers come from the generator passed in, or from neurona's own seeded generator
(``neurona.backend.rng``, reseeded by ``neurona.utils.set_seed``), never from NumPy's global
state.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function
from ..tensor import Tensor

__all__ = ["dropout"]

_DRAW_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class Dropout(Function):
    """Inverted dropout: each element is zeroed with probability ``rate`` and the kept ones are
    scaled by ``1 / (1 - rate)``, so the expected output equals the input."""

    def forward(self, x):
        xp = self.xp
        # Uniforms in x's dtype (the generators draw float32 or float64 only).
        u = self.rng.random(x.shape, dtype=x.dtype if x.dtype in _DRAW_DTYPES else np.float32)
        if not isinstance(u, xp.ndarray):
            raise ValueError(
                f"dropout: x is on {backend.device_of(x)} but rng draws "
                f"{type(u).__module__}.{type(u).__name__} arrays; pass a generator of the same "
                "array library (numpy.random.default_rng or cupy.random.default_rng), or None"
            )
        keep = u >= self.rate  # probability 1 - rate
        # The mask holds 0 or 1 / (1 - rate) in x's dtype and reuses u's memory when it can.
        mask = xp.multiply(keep, x.dtype.type(1.0 / (1.0 - self.rate)),
                           out=u if u.dtype == x.dtype else None)
        self.save_for_backward(mask)
        return x * mask

    def backward(self, gy):
        (mask,) = self.saved
        return gy * mask


def dropout(x: Tensor, rate: float, training: bool = True, rng=None) -> Tensor:
    """Inverted dropout (Srivastava et al., 2014), Keras's convention.

    ``rate`` is the probability of *dropping* each element (Keras); the course's ``p`` is the
    probability of *keeping* one, so ``rate = 1 - p``. Kept elements are scaled by
    ``1 / (1 - rate)`` during training so nothing needs rescaling at inference.

    Args:
        x: any shape, floating point.
        rate: in [0, 1).
        training: when False (inference) ``x`` is returned unchanged, as it is for ``rate=0``.
        rng: a ``numpy.random.Generator`` (or CuPy's, for GPU tensors) to draw the mask from;
            None uses neurona's generator, seeded by ``neurona.utils.set_seed``.

    Returns:
        The same shape and dtype as ``x``.

    Raises:
        ValueError: when ``rate`` is outside [0, 1).
        TypeError: for a non-float ``x`` or an ``rng`` that is not a Generator.

    Example:
        >>> nr.utils.set_seed(0)
        >>> y = F.dropout(nr.ones(2, 4), rate=0.5)    # zeros and 2.0s
    """
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)):
        raise TypeError(f"dropout: rate must be a number in [0, 1), got {rate!r}")
    rate = float(rate)
    if not 0.0 <= rate < 1.0:
        hint = " (rate=1 would drop everything)" if rate == 1.0 else ""
        raise ValueError(
            f"dropout: rate is the probability of dropping an element and must be in [0, 1), "
            f"got {rate}{hint}"
        )
    if not training or rate == 0.0:
        return x
    data = x.data if isinstance(x, Tensor) else x
    if getattr(data, "dtype", None) is None or data.dtype.kind != "f":
        raise TypeError(
            f"dropout: x must be a floating-point tensor, got "
            f"{getattr(data, 'dtype', type(data).__name__)}"
        )
    if rng is None:
        rng = backend.rng(backend.get_array_module(data))
    elif isinstance(rng, np.random.RandomState) or not callable(getattr(rng, "random", None)):
        raise TypeError(
            f"dropout: rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)), a "
            f"CuPy Generator, or None for neurona's seeded generator; got {type(rng).__name__}"
        )
    return Dropout.apply(x, rate=rate, rng=rng)
