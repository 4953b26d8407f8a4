"""Activation functions by name, as ``keras.activations``: ``Dense(10, activation='relu')``.

Each activation is a thin wrapper over :mod:`neurona.functions` (the math and the backward passes
live there) with Keras 3's name, arguments and defaults. :func:`get` turns whatever a layer was
given (None, a name, a callable, a config dict) into a function Tensor -> Tensor;
:func:`serialize` and :func:`deserialize` turn it into a name and back for model files.

The course's activations are all here: linear, step, sigmoid, tanh, ReLU, LeakyReLU, ELU and
softmax (``step`` is the course's Heaviside function; Keras has no such activation).
"""

from __future__ import annotations

from collections.abc import Callable

from . import _lookup
from . import functions as F
from .tensor import Tensor, as_tensor

__all__ = [
    "linear", "step", "sigmoid", "hard_sigmoid", "tanh", "relu", "relu6", "leaky_relu", "elu",
    "selu", "gelu", "softplus", "softsign", "silu", "swish", "mish", "softmax", "log_softmax",
    "exponential", "get", "serialize", "deserialize",
]


def linear(x: Tensor) -> Tensor:
    """The linear (identity) activation ``f(x) = x``: returns ``x`` itself.

    A Dense layer without an activation is linear; this is what ``activation=None`` means.
    x: any shape; returns the same tensor.

    Example:
        >>> activations.linear(x) is x
        True
    """
    return F.identity(x)


def step(x: Tensor) -> Tensor:
    """Heaviside step ``f(x) = 1 if x >= 0 else 0`` (the course's perceptron activation).

    Its gradient is zero everywhere, so it cannot be trained by backpropagation.
    x: any shape; returns the same shape and dtype.

    Example:
        >>> activations.step(nr.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 1., 1.])
    """
    return F.step(x)


def sigmoid(x: Tensor) -> Tensor:
    """Logistic sigmoid ``f(x) = 1 / (1 + exp(-x))``, in (0, 1).

    x: any shape; returns the same shape.

    Example:
        >>> activations.sigmoid(nr.tensor([0.0]))
        tensor([0.5])
    """
    return F.sigmoid(x)


def hard_sigmoid(x: Tensor) -> Tensor:
    """Piecewise-linear sigmoid ``f(x) = relu6(x + 3) / 6``: 0 for ``x <= -3``, 1 for
    ``x >= 3``, ``x / 6 + 0.5`` between (Keras 3's definition).

    x: any shape; returns the same shape.

    Example:
        >>> activations.hard_sigmoid(nr.tensor([-4.0, 0.0, 1.5]))
        tensor([0.  , 0.5 , 0.75])
    """
    return F.hard_sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent ``f(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))``, in (-1, 1).

    x: any shape; returns the same shape.

    Example:
        >>> activations.tanh(nr.tensor([0.0]))
        tensor([0.])
    """
    return F.tanh(x)


def relu(
    x: Tensor,
    negative_slope: float = 0.0,
    max_value: float | None = None,
    threshold: float = 0.0,
) -> Tensor:
    """Rectified linear unit; with the defaults ``f(x) = max(x, 0)``.

    The other arguments give Keras's generalised form::

        f(x) = max_value                         if x >= max_value
        f(x) = x                                 if threshold <= x < max_value
        f(x) = negative_slope * (x - threshold)  otherwise

    Args:
        x: any shape.
        negative_slope: slope below ``threshold``.
        max_value: the largest value returned (None: no cap).
        threshold: values below it are damped (to 0 when ``negative_slope`` is 0).

    Returns:
        A tensor of the same shape and dtype.

    Example:
        >>> activations.relu(nr.tensor([-10.0, -5.0, 0.0, 5.0, 10.0]), max_value=5.0)
        tensor([0., 0., 0., 5., 5.])
    """
    if negative_slope == 0 and max_value is None and threshold == 0:
        return F.relu(x)  # the usual case: one primitive
    if max_value is not None and max_value < 0:
        raise ValueError(f"relu: max_value must be >= 0 or None, got {max_value!r}")
    if threshold == 0 and max_value is None:
        return F.leaky_relu(x, negative_slope=negative_slope)
    if threshold == 0 and max_value == 6 and negative_slope == 0:
        return F.relu6(x)
    x = as_tensor(x)
    # x above the threshold, 0 below; the negative slope is added afterwards
    y = F.relu(x) if threshold == 0 else x * (x.data > threshold)
    if max_value is not None:
        y = F.clip(y, 0.0, float(max_value))
    if negative_slope != 0:
        y = y - negative_slope * F.relu(threshold - x)
    return y


def relu6(x: Tensor) -> Tensor:
    """ReLU capped at 6: ``f(x) = min(max(x, 0), 6)``.

    x: any shape; returns the same shape.

    Example:
        >>> activations.relu6(nr.tensor([-1.0, 3.0, 8.0]))
        tensor([0., 3., 6.])
    """
    return F.relu6(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.2) -> Tensor:
    """Leaky ReLU: ``f(x) = x`` for ``x > 0``, ``negative_slope * x`` otherwise.

    The default slope is Keras 3's, 0.2. x: any shape; returns the same shape.

    Example:
        >>> activations.leaky_relu(nr.tensor([-1.0, 2.0]))
        tensor([-0.2,  2. ])
    """
    return F.leaky_relu(x, negative_slope=negative_slope)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit: ``f(x) = x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    x: any shape; returns the same shape.

    Example:
        >>> activations.elu(nr.tensor([-1.0, 2.0]))
        tensor([-0.6321,  2.    ])
    """
    return F.elu(x, alpha=alpha)


def selu(x: Tensor) -> Tensor:
    """Scaled ELU: ``f(x) = scale * x`` for ``x > 0``, ``scale * alpha * (exp(x) - 1)``
    otherwise, with ``alpha = 1.67326324`` and ``scale = 1.05070098`` (self-normalising; pair it
    with ``lecun_normal`` initialization).

    x: any shape; returns the same shape.

    Example:
        >>> activations.selu(nr.tensor([1.0]))
        tensor([1.0507])
    """
    return F.selu(x)


def gelu(x: Tensor, approximate: bool = False) -> Tensor:
    """Gaussian error linear unit ``f(x) = x * Phi(x)``, Phi the standard normal CDF.

    ``approximate=True`` uses ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.
    x: any shape; returns the same shape.

    Example:
        >>> activations.gelu(nr.tensor([1.0]))
        tensor([0.8413])
    """
    return F.gelu(x, approximate=approximate)


def softplus(x: Tensor) -> Tensor:
    """``f(x) = log(1 + exp(x))``, computed without overflow.

    x: any shape; returns the same shape.

    Example:
        >>> activations.softplus(nr.tensor([0.0]))
        tensor([0.6931])
    """
    return F.softplus(x)


def softsign(x: Tensor) -> Tensor:
    """``f(x) = x / (1 + |x|)``, in (-1, 1).

    x: any shape; returns the same shape.

    Example:
        >>> activations.softsign(nr.tensor([1.0]))
        tensor([0.5])
    """
    return F.softsign(x)


def silu(x: Tensor) -> Tensor:
    """Sigmoid linear unit ``f(x) = x * sigmoid(x)``; ``swish`` is the same function.

    x: any shape; returns the same shape.

    Example:
        >>> activations.silu(nr.tensor([0.0, 1.0]))
        tensor([0.    , 0.7311])
    """
    return F.silu(x)


swish = silu  # Keras exports one function under both names


def mish(x: Tensor) -> Tensor:
    """``f(x) = x * tanh(softplus(x))``.

    x: any shape; returns the same shape.

    Example:
        >>> activations.mish(nr.tensor([1.0]))
        tensor([0.8651])
    """
    return F.mish(x)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """``f(x) = exp(x) / sum(exp(x))`` along ``axis``: each slice is a probability vector.

    x: any shape with at least one dimension, e.g. ``(batch, classes)``; returns the same shape.

    Example:
        >>> activations.softmax(nr.tensor([[1.0, 1.0]]))
        tensor([[0.5, 0.5]])
    """
    return F.softmax(x, axis=axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """``f(x) = x - log(sum(exp(x)))`` along ``axis``, the logarithm of :func:`softmax`.

    x: any shape with at least one dimension; returns the same shape.

    Example:
        >>> activations.log_softmax(nr.tensor([[0.0, 0.0]]))
        tensor([[-0.6931, -0.6931]])
    """
    return F.log_softmax(x, axis=axis)


def exponential(x: Tensor) -> Tensor:
    """``f(x) = exp(x)``.

    x: any shape; returns the same shape.

    Example:
        >>> activations.exponential(nr.tensor([0.0, 1.0]))
        tensor([1.    , 2.7183])
    """
    return F.exp(x)


# -- lookup -------------------------------------------------------------------------------------

_ACTIVATIONS: dict[str, Callable] = {
    "linear": linear, "step": step, "sigmoid": sigmoid, "hard_sigmoid": hard_sigmoid,
    "tanh": tanh, "relu": relu, "relu6": relu6, "leaky_relu": leaky_relu, "elu": elu,
    "selu": selu, "gelu": gelu, "softplus": softplus, "softsign": softsign, "silu": silu,
    "swish": swish, "mish": mish, "softmax": softmax, "log_softmax": log_softmax,
    "exponential": exponential,
}

# Function -> name, for serialize. The functions of neurona.functions count as the activation
# of the same name (F.linear is the affine map x @ W + b, not an activation, so it is left out);
# silu and swish are one function, which serializes under its first name, 'silu'.
_NAMES: dict[Callable, str] = {}
for _name, _fn in _ACTIVATIONS.items():
    _NAMES.setdefault(_fn, _name)
    if _name != "linear" and hasattr(F, _name):
        _NAMES.setdefault(getattr(F, _name), _name)
_NAMES.update({F.identity: "linear", F.exp: "exponential"})
del _name, _fn


def _by_name(name: str, custom_objects: dict | None = None) -> Callable:
    return _lookup.find("activation", name, _ACTIVATIONS, custom_objects)


def get(identifier) -> Callable:
    """Resolve an activation: None (linear), a name, a callable or a config dict.

    Names are Keras's (``'relu'``, ``'leaky_relu'``...); case and underscores are ignored, so the
    layer class names (``'ReLU'``, ``'LeakyReLU'``) work too.

    Returns:
        A function Tensor -> Tensor (a callable given is returned unchanged).

    Raises:
        ValueError: for an unknown name (listing the valid ones and the closest) or an
            identifier of another kind.

    Example:
        >>> activations.get("relu") is activations.relu
        True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return _by_name(identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret activation identifier {identifier!r} (type "
        f"{type(identifier).__name__}): expected None, a name such as 'relu', a callable or a "
        "config dict"
    )


def serialize(activation: Callable) -> str | dict:
    """The name of a built-in activation (``'relu'``), or a config dict for a custom one.

    A custom function serializes as ``{"class_name": "function", "config": its name}`` (give it
    to :func:`deserialize` with ``custom_objects`` to load it back); an object with
    ``get_config`` as ``{"class_name": its class name, "config": its config}``.

    Raises:
        ValueError: for an anonymous function (a lambda has no name to load it by).

    Example:
        >>> activations.serialize(activations.relu)
        'relu'
    """
    try:
        return _NAMES[activation]
    except (KeyError, TypeError):  # TypeError: an unhashable callable object
        pass
    if hasattr(activation, "get_config"):
        return {"class_name": type(activation).__name__, "config": activation.get_config()}
    name = getattr(activation, "__name__", None)
    if not callable(activation) or name is None or name == "<lambda>":
        raise ValueError(
            f"Cannot serialize activation {activation!r}: expected a built-in activation or a "
            "named function (a lambda has no name to load it by)"
        )
    return {"class_name": "function", "config": name}


def deserialize(config, custom_objects: dict | None = None) -> Callable:
    """The activation that :func:`serialize` described: a name or a config dict.

    Args:
        config: ``'relu'``, or a dict ``{"class_name": "function", "config": "relu"}``.
        custom_objects: names of user functions, looked up before the built-ins.

    Example:
        >>> activations.deserialize("relu") is activations.relu
        True
    """
    if isinstance(config, str):
        return _by_name(config, custom_objects)
    if isinstance(config, dict) and isinstance(config.get("class_name"), str):
        name, args = config["class_name"], config.get("config")
        if name == "function":  # {"class_name": "function", "config": "relu"}
            name, args = args or config.get("registered_name"), None
        if isinstance(name, str):
            fn = _by_name(name, custom_objects)
            if isinstance(fn, type):  # a custom activation class, rebuilt from its config
                args = args or {}
                return fn.from_config(args) if hasattr(fn, "from_config") else fn(**args)
            if args:
                # arguments such as ReLU's max_value belong to a layer; dropping them would
                # silently change the model
                raise ValueError(
                    f"Cannot deserialize activation {name!r} with arguments {args!r}: an "
                    "activation function is stored by name alone; use the layer of that name "
                    "(e.g. layers.ReLU(max_value=6.0)) for an activation with arguments"
                )
            return fn
    raise ValueError(
        f"Cannot deserialize activation from {config!r}: expected a name or a dict "
        '{"class_name": ..., "config": ...}'
    )
