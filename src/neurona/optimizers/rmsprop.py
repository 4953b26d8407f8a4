"""RMSprop, with optional momentum and centering, as Keras 3 computes it."""

from __future__ import annotations

from .base import Optimizer, ParamGroup, _number

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """Divide the gradient by a running root-mean-square of recent gradients (Hinton)::

        v = rho * v + (1 - rho) * g * g
        a = rho * a + (1 - rho) * g                       (centered only)
        step = lr * g / sqrt(v - a * a + epsilon)         (v + epsilon when not centered)
        mom = momentum * mom + step;  p -= mom            (p -= step without momentum)

    Args:
        learning_rate: float >= 0, schedule or callable (default 0.001).
        rho: decay rate of the running averages, in [0, 1] (default 0.9).
        momentum: >= 0 (default 0: no momentum, no momentum state).
        epsilon: small constant >= 0 added under the square root (default 1e-7).
        centered: normalise by the estimated variance of the gradient instead of its
            uncentered second moment.
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see :class:`Optimizer`.

    Example:
        >>> opt = nr.optimizers.RMSprop(model.parameters(), lr=1e-3)
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="rmsprop", **kwargs):
        owner = type(self).__name__
        self.rho = _number(owner, "rho", rho, low=0.0, high=1.0)
        self.momentum = _number(owner, "momentum", momentum, low=0.0)
        self.epsilon = _number(owner, "epsilon", epsilon, low=0.0)
        self.centered = bool(centered)
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name,
                         **kwargs)

    def slot_names(self) -> tuple[str, ...]:
        names = ["velocity"]
        if self.momentum > 0:
            names.append("momentum")
        if self.centered:
            names.append("average_gradient")
        return tuple(names)

    def update_step(self, group: ParamGroup, learning_rate: float) -> None:
        xp, p, g = group.xp, group.data, group.grad
        rho = self.rho
        v = group.slots["velocity"]
        s, denom = group.scratch(0), group.scratch(1)
        v *= rho
        xp.multiply(g, g, out=s)
        s *= 1 - rho
        v += s
        if self.centered:
            a = group.slots["average_gradient"]
            a *= rho
            xp.multiply(g, 1 - rho, out=s)
            a += s
            xp.multiply(a, a, out=denom)
            xp.subtract(v, denom, out=denom)
            denom += self.epsilon
        else:
            xp.add(v, self.epsilon, out=denom)
        xp.sqrt(denom, out=denom)
        xp.multiply(g, learning_rate, out=s)
        s /= denom  # the increment lr * g / sqrt(...)
        if self.momentum > 0:
            mom = group.slots["momentum"]
            mom *= self.momentum
            mom += s
            p -= mom
        else:
            p -= s

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
