"""``Sequential``: a plain stack of layers, each feeding the next."""

from __future__ import annotations

import numpy as np

from ..autograd import no_grad
from ..layers.base import _STAND_IN, KerasTensor, Layer, _training_scope
from ..layers.core import InputLayer
from ..tensor import Tensor
from .model import Model

__all__ = ["Sequential"]


class Sequential(Model):
    """A linear stack of layers.

    Example (the course's Keras code, unchanged)::

        model = keras.Sequential()
        model.add(layers.Dense(20, activation='relu', input_shape=(10,)))
        model.add(layers.Dense(10, activation='softmax'))

    The model is built as soon as the input shape is known (``input_shape=`` on the first
    layer, an ``nr.Input`` added first, or the first call), so ``summary()`` works right away.
    """

    def __init__(self, layers=None, name=None, trainable=True):
        super().__init__(name=name, trainable=trainable)
        self._stack: list[Layer] = []
        self._input_spec = None  # batch shape of the inputs, once known
        for layer in layers or []:
            self.add(layer)

    def add(self, layer) -> None:
        """Append a layer (or start with ``nr.Input(shape=...)``)."""
        if isinstance(layer, KerasTensor):
            if self._stack:
                raise ValueError("Sequential: an Input can only be added first")
            self._input_spec = layer.shape
            self._input_dtype = layer.dtype
            return
        if isinstance(layer, InputLayer):
            self._input_spec = (layer.batch_size,) + layer.shape
            self._input_dtype = layer.dtype
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add expects a layer, got {type(layer).__name__}; for example "
                "model.add(nr.layers.Dense(10))"
            )
        if any(layer is other for other in self._stack):
            raise ValueError(f"layer '{layer.name}' is already in this Sequential model")
        if not self._stack and self._input_spec is None and layer._input_shape_arg is not None:
            self._input_spec = (layer._batch_size_arg,) + layer._input_shape_arg
            self._input_dtype = np.dtype("float32")
        self._stack.append(layer)
        self._sublayers.append(layer)
        self.built = False
        if self._input_spec is not None:
            self._build_from_spec()

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._stack:
            raise ValueError("Sequential.pop: the model has no layers")
        layer = self._stack.pop()
        self._sublayers.remove(layer)
        return layer

    @property
    def layers(self) -> list[Layer]:
        return list(self._stack)

    def _build_from_spec(self) -> None:
        # Run a batch of zeros through the stack: each layer builds its weights from the shape
        # it receives and records its output shape (for summary()). A None length (variable
        # sequences) gets a stand-in; a second run marks the output dimensions that follow it.
        spec, dtype = self._input_spec, getattr(self, "_input_dtype", "float32")

        def run(length):
            shape = tuple(1 if i == 0 and d is None else (length if d is None else d)
                          for i, d in enumerate(spec))
            x = Tensor._make(np.zeros(shape, dtype=dtype), None)
            shapes = []
            with no_grad(), _training_scope(False):
                for layer in self._stack:
                    x = layer(x)
                    shapes.append(tuple(x.shape) if isinstance(x, Tensor) else None)
            return shapes

        shapes = run(_STAND_IN)
        if any(d is None for d in spec[1:]):
            for i, (layer, a, b) in enumerate(zip(self._stack, shapes, run(2 * _STAND_IN),
                                                  strict=True)):
                if a is not None and b is not None:
                    shapes[i] = tuple(d if d == e else None for d, e in zip(a, b, strict=True))
                    layer._output_shape = shapes[i]
        self._clear_losses()
        self.built = True
        self._build_shape = self._input_spec
        self._output_shape = shapes[-1]

    def build(self, input_shape) -> None:
        if self._input_spec is None:
            self._input_spec = (None,) + tuple(input_shape[1:])
        self._build_from_spec()

    def call(self, inputs, training=None):
        if not self._stack:
            raise ValueError("Sequential model has no layers: add some with model.add(...)")
        x = inputs
        stack = self._stack
        i, last = 0, len(stack) - 1
        while i <= last:
            layer = stack[i]
            # a convolution followed by a max pool runs as one fused function (the same
            # result; the convolution's output never leaves the cache)
            window = (layer._fusable_pool(stack[i + 1], x)
                      if i < last and type(x) is Tensor and hasattr(layer, "_fusable_pool")
                      else None)
            if window is not None:
                x = layer._convolve(x, window)
                i += 2
            else:
                x = layer(x)
                i += 1
        return x

    def get_config(self) -> dict:
        config = {
            "name": self.name,
            "trainable": self._trainable,
            "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                       for layer in self._stack],
        }
        if self._input_spec is not None:
            config["input_shape"] = list(self._input_spec)
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from .. import layers as layer_module

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        if config.get("input_shape") is not None:
            model._input_spec = tuple(config["input_shape"])
        for item in config.get("layers", []):
            model.add(layer_module.deserialize(item, custom_objects))
        return model
