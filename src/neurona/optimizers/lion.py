"""Lion: sign-based updates with two momentum rates (Chen et al., 2023)."""

from __future__ import annotations

from .base import Optimizer, ParamGroup, _number

__all__ = ["Lion"]


class Lion(Optimizer):
    """Lion, as Keras 3 computes it: every element moves by exactly ``lr`` per step::

        p -= lr * sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g

    Its steps are larger than Adam's for the same learning rate: use a 3-10x smaller one.

    Args:
        learning_rate: float >= 0, schedule or callable (default 0.001).
        beta_1: interpolation factor of the update direction, in (0, 1] (default 0.9).
        beta_2: decay rate of the momentum, in [0, 1] (default 0.99).
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see :class:`Optimizer`.

    Example:
        >>> opt = nr.optimizers.Lion(model.parameters(), lr=1e-4)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="lion", **kwargs):
        owner = type(self).__name__
        # beta_1 = 0 would make Lion plain sign descent (signSGD)
        self.beta_1 = _number(owner, "beta_1", beta_1, low=0.0, low_open=True, high=1.0)
        self.beta_2 = _number(owner, "beta_2", beta_2, low=0.0, high=1.0)
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name,
                         **kwargs)

    def slot_names(self) -> tuple[str, ...]:
        return ("momentum",)

    def update_step(self, group: ParamGroup, learning_rate: float) -> None:
        xp, p, g = group.xp, group.data, group.grad
        m = group.slots["momentum"]
        b1, b2 = self.beta_1, self.beta_2
        s, t = group.scratch(0), group.scratch(1)
        xp.multiply(m, b1, out=s)
        xp.multiply(g, 1 - b1, out=t)
        s += t
        xp.sign(s, out=s)
        s *= learning_rate
        p -= s
        m *= b2
        xp.multiply(g, 1 - b2, out=t)
        m += t

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
