"""Adam and its relatives: AdamW (decoupled weight decay), Adamax (infinity norm) and Nadam
(Nesterov momentum), with Keras 3's formulas and defaults."""

from __future__ import annotations

import math

from .base import Optimizer, ParamGroup, _number

__all__ = ["Adam", "AdamW", "Adamax", "Nadam"]


def _check_moment_args(owner: str, beta_1, beta_2, epsilon) -> tuple[float, float, float]:
    """``beta_1`` and ``beta_2`` in [0, 1) and ``epsilon`` >= 0, as floats."""
    return (_number(owner, "beta_1", beta_1, low=0.0, high=1.0, high_open=True),
            _number(owner, "beta_2", beta_2, low=0.0, high=1.0, high_open=True),
            _number(owner, "epsilon", epsilon, low=0.0))


def _update_moments(xp, g, m, v, b1: float, b2: float, s) -> None:
    """In place: ``m = b1 * m + (1 - b1) * g`` and ``v = b2 * v + (1 - b2) * g * g`` (Keras's
    formulas, in the fewest passes); ``s`` is scratch space of g's shape."""
    m *= b1
    xp.multiply(g, 1 - b1, out=s)
    m += s
    v *= b2
    xp.multiply(g, g, out=s)
    s *= 1 - b2
    v += s


class Adam(Optimizer):
    """Adam, as Keras 3 computes it (``epsilon`` is Kingma and Ba's "epsilon hat").

    With ``t = iterations + 1``::

        m += (g - m) * (1 - beta_1)
        v += (g * g - v) * (1 - beta_2)
        v_hat = max(v_hat, v) if amsgrad else v
        p -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v_hat) + epsilon)

    Args:
        learning_rate: float >= 0, schedule or callable (default 0.001).
        beta_1: decay rate of the first-moment estimate, in [0, 1) (default 0.9).
        beta_2: decay rate of the second-moment estimate, in [0, 1) (default 0.999).
        epsilon: small constant >= 0 added to the denominator (default 1e-7).
        amsgrad: use the maximum of past second moments (AMSGrad).
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see :class:`Optimizer`.

    Example:
        >>> opt = nr.optimizers.Adam(model.parameters(), lr=1e-3)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name="adam", **kwargs):
        self.beta_1, self.beta_2, self.epsilon = _check_moment_args(
            type(self).__name__, beta_1, beta_2, epsilon)
        self.amsgrad = bool(amsgrad)
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name,
                         **kwargs)

    def slot_names(self) -> tuple[str, ...]:
        if self.amsgrad:
            return ("momentum", "velocity", "velocity_hat")
        return ("momentum", "velocity")

    def update_step(self, group: ParamGroup, learning_rate: float) -> None:
        xp, p, g = group.xp, group.data, group.grad
        m, v = group.slots["momentum"], group.slots["velocity"]
        b1, b2 = self.beta_1, self.beta_2
        t = self.iterations + 1
        alpha = learning_rate * math.sqrt(1 - b2**t) / (1 - b1**t)
        s, denom = group.scratch(0), group.scratch(1)
        _update_moments(xp, g, m, v, b1, b2, s)
        if self.amsgrad:
            v_hat = group.slots["velocity_hat"]
            xp.maximum(v_hat, v, out=v_hat)
            v = v_hat
        xp.sqrt(v, out=denom)
        denom += self.epsilon
        xp.divide(m, denom, out=s)
        s *= alpha
        p -= s

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter): every step first shrinks the
    parameters, ``p -= lr * weight_decay * p``, then takes an Adam step.

    Args:
        learning_rate: float >= 0, schedule or callable (default 0.001).
        weight_decay: the decay rate, required (default 0.004).
        beta_1, beta_2, epsilon, amsgrad: as for :class:`Adam`.

    Example:
        >>> opt = nr.optimizers.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name="adamw", **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a number (it is what makes AdamW "
                             "differ from Adam), got None")
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name,
                         **kwargs)


class Adamax(Optimizer):
    """Adamax, Adam with the infinity norm, as Keras 3 computes it::

        m += (g - m) * (1 - beta_1)
        u = max(beta_2 * u, |g|)
        p -= lr * m / ((1 - beta_1**t) * (u + epsilon))

    Args:
        learning_rate: float >= 0, schedule or callable (default 0.001).
        beta_1: decay rate of the first moment, in [0, 1) (default 0.9).
        beta_2: decay rate of the infinity norm, in [0, 1) (default 0.999).
        epsilon: small constant >= 0 (default 1e-7).
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see :class:`Optimizer`.

    Example:
        >>> opt = nr.optimizers.Adamax(model.parameters(), lr=2e-3)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="adamax", **kwargs):
        self.beta_1, self.beta_2, self.epsilon = _check_moment_args(
            type(self).__name__, beta_1, beta_2, epsilon)
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name,
                         **kwargs)

    def slot_names(self) -> tuple[str, ...]:
        return ("momentum", "norm")

    def update_step(self, group: ParamGroup, learning_rate: float) -> None:
        xp, p, g = group.xp, group.data, group.grad
        m, u = group.slots["momentum"], group.slots["norm"]
        b1 = self.beta_1
        s, denom = group.scratch(0), group.scratch(1)
        m *= b1
        xp.multiply(g, 1 - b1, out=s)
        m += s
        u *= self.beta_2
        xp.abs(g, out=s)
        xp.maximum(u, s, out=u)
        xp.add(u, self.epsilon, out=denom)
        xp.divide(m, denom, out=s)
        s *= learning_rate / (1 - b1 ** (self.iterations + 1))
        p -= s

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config


class Nadam(Optimizer):
    """Nadam, Adam with Nesterov momentum (Dozat), as Keras 3 computes it.

    With ``t = iterations + 1``, ``u_t = beta_1 * (1 - 0.5 * 0.96**t)`` and ``prod_t`` the
    product of ``u_1 ... u_t``::

        m += (g - m) * (1 - beta_1);  v += (g * g - v) * (1 - beta_2)
        m_hat = u_{t+1} * m / (1 - prod_t * u_{t+1}) + (1 - u_t) * g / (1 - prod_t)
        p -= lr * m_hat / (sqrt(v / (1 - beta_2**t)) + epsilon)

    Args:
        learning_rate: float >= 0, schedule or callable (default 0.001).
        beta_1, beta_2: moment decay rates in [0, 1) (defaults 0.9, 0.999).
        epsilon: small constant >= 0 (default 1e-7).
        weight_decay, clipnorm, clipvalue, global_clipnorm, name: see :class:`Optimizer`.

    Example:
        >>> opt = nr.optimizers.Nadam(model.parameters(), lr=2e-3)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name="nadam", **kwargs):
        self.beta_1, self.beta_2, self.epsilon = _check_moment_args(
            type(self).__name__, beta_1, beta_2, epsilon)
        self.u_product = 1.0  # prod of u_1 ... u_t, shared by all parameters
        super().__init__(learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name,
                         **kwargs)

    def slot_names(self) -> tuple[str, ...]:
        return ("momentum", "velocity")

    def _u(self, t: int) -> float:
        return self.beta_1 * (1.0 - 0.5 * 0.96**t)

    def prepare_step(self, learning_rate: float) -> None:
        self.u_product *= self._u(self.iterations + 1)

    def update_step(self, group: ParamGroup, learning_rate: float) -> None:
        xp, p, g = group.xp, group.data, group.grad
        m, v = group.slots["momentum"], group.slots["velocity"]
        b1, b2 = self.beta_1, self.beta_2
        t = self.iterations + 1
        u_t, u_next = self._u(t), self._u(t + 1)
        prod, prod_next = self.u_product, self.u_product * u_next
        s, denom = group.scratch(0), group.scratch(1)
        _update_moments(xp, g, m, v, b1, b2, s)
        xp.multiply(m, u_next / (1 - prod_next), out=s)  # m_hat = this + the next term
        xp.multiply(g, (1 - u_t) / (1 - prod), out=denom)
        s += denom
        xp.divide(v, 1 - b2**t, out=denom)  # v_hat
        xp.sqrt(denom, out=denom)
        denom += self.epsilon
        s /= denom
        s *= learning_rate
        p -= s

    def _extra_state(self) -> dict:
        return {"u_product": self.u_product}

    def _load_extra_state(self, state: dict) -> None:
        if "u_product" in state:
            self.u_product = float(state["u_product"])

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
