"""Adagrad and Adadelta: per-element learning rates from accumulated squared gradients."""

from __future__ import annotations

from .base import Optimizer, ParamGroup, _number

__all__ = ["Adagrad", "Adadelta"]


class Adagrad(Optimizer):
    """Adagrad, as Keras 3 computes it: each element's step shrinks with the sum of its past
    squared gradients::

        acc += g * g
        p -= lr * g / sqrt(acc + epsilon)

    Args:
        learning_rate: float >= 0, schedule or callable (default 0.001).
        initial_accumulator_value: starting value of ``acc``, >= 0 (default 0.1).
        epsilon: small constant >= 0 added under the square root (default 1e-7).
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see :class:`Optimizer`.

    Example:
        >>> opt = nr.optimizers.Adagrad(model.parameters(), lr=0.01)
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="adagrad", **kwargs):
        owner = type(self).__name__
        self.initial_accumulator_value = _number(owner, "initial_accumulator_value",
                                                 initial_accumulator_value, low=0.0)
        self.epsilon = _number(owner, "epsilon", epsilon, low=0.0)
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name,
                         **kwargs)

    def slot_names(self) -> tuple[str, ...]:
        return ("accumulator",)

    def slot_initial_value(self, name: str) -> float:
        return self.initial_accumulator_value

    def update_step(self, group: ParamGroup, learning_rate: float) -> None:
        xp, p, g = group.xp, group.data, group.grad
        acc = group.slots["accumulator"]
        s, denom = group.scratch(0), group.scratch(1)
        xp.multiply(g, g, out=s)
        acc += s
        xp.add(acc, self.epsilon, out=denom)
        xp.sqrt(denom, out=denom)
        xp.multiply(g, learning_rate, out=s)
        s /= denom
        p -= s

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config


class Adadelta(Optimizer):
    """Adadelta (Zeiler), as Keras 3 computes it: steps scaled by the ratio of running RMS of
    past updates to running RMS of gradients::

        acc_g = rho * acc_g + (1 - rho) * g * g
        delta = -sqrt(acc_d + epsilon) * g / sqrt(acc_g + epsilon)
        acc_d = rho * acc_d + (1 - rho) * delta * delta
        p += lr * delta

    Args:
        learning_rate: float >= 0, schedule or callable (default 0.001; the original paper
            uses 1.0).
        rho: decay rate of the running averages, in [0, 1] (default 0.95).
        epsilon: small constant >= 0 (default 1e-7).
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see :class:`Optimizer`.

    Example:
        >>> opt = nr.optimizers.Adadelta(model.parameters(), lr=1.0)
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name="adadelta",
                 **kwargs):
        owner = type(self).__name__
        self.rho = _number(owner, "rho", rho, low=0.0, high=1.0)
        self.epsilon = _number(owner, "epsilon", epsilon, low=0.0)
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name,
                         **kwargs)

    def slot_names(self) -> tuple[str, ...]:
        return ("accumulated_grad", "accumulated_delta_var")

    def update_step(self, group: ParamGroup, learning_rate: float) -> None:
        xp, p, g = group.xp, group.data, group.grad
        rho, eps = self.rho, self.epsilon
        acc_g = group.slots["accumulated_grad"]
        acc_d = group.slots["accumulated_delta_var"]
        s, t = group.scratch(0), group.scratch(1)
        acc_g *= rho
        xp.multiply(g, g, out=s)
        s *= 1 - rho
        acc_g += s
        xp.add(acc_d, eps, out=s)
        xp.sqrt(s, out=s)
        s *= g
        xp.add(acc_g, eps, out=t)
        xp.sqrt(t, out=t)
        s /= t  # s = -delta
        acc_d *= rho
        xp.multiply(s, s, out=t)
        t *= 1 - rho
        acc_d += t
        s *= learning_rate
        p -= s

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
