"""Stochastic gradient descent, with optional (Nesterov) momentum."""

from __future__ import annotations

from .base import Optimizer, ParamGroup, _number

__all__ = ["SGD"]


class SGD(Optimizer):
    """Gradient descent with momentum, as Keras 3 computes it.

    Without momentum: ``p -= lr * g``. With momentum: ``v = momentum * v - lr * g`` then
    ``p += v``; with ``nesterov=True``: ``p += momentum * v - lr * g`` (with the new ``v``).

    Args:
        learning_rate: float >= 0, schedule or callable (default 0.01).
        momentum: in [0, 1] (default 0: plain gradient descent, no state).
        nesterov: use Nesterov momentum.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see :class:`Optimizer`.

    Example:
        >>> opt = nr.optimizers.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> opt.zero_grad(); loss.backward(); opt.step()
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="SGD", **kwargs):
        self.momentum = _number(type(self).__name__, "momentum", momentum, low=0.0, high=1.0)
        self.nesterov = bool(nesterov)
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name,
                         **kwargs)

    def slot_names(self) -> tuple[str, ...]:
        return ("momentum",) if self.momentum != 0 else ()

    def update_step(self, group: ParamGroup, learning_rate: float) -> None:
        xp, p, g = group.xp, group.data, group.grad
        step = group.scratch(0)
        xp.multiply(g, learning_rate, out=step)  # lr * g
        if self.momentum == 0:
            p -= step
            return
        v = group.slots["momentum"]
        v *= self.momentum
        v -= step  # v = momentum * v - lr * g
        if self.nesterov:
            ahead = group.scratch(1)
            xp.multiply(v, self.momentum, out=ahead)
            ahead -= step
            p += ahead
        else:
            p += v

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
