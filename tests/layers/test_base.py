"""The Layer base class (neurona/layers/base.py)."""

import numpy as np
import pytest

import neurona as nr
from neurona import layers


class Scale(layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), initializer="ones")
        self.count = self.add_weight("count", (), initializer="zeros", trainable=False)

    def call(self, inputs, training=None):
        if training:
            self.count.data += 1
        return inputs * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Block(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = [layers.Dense(3), layers.Dense(2)]

    def call(self, x):
        for layer in self.inner:
            x = layer(x)
        return x


def test_add_weight_and_weight_lists():
    layer = Scale()
    layer(np.ones((2, 3), np.float32))
    assert [w.shape for w in layer.weights] == [(3,), ()]
    assert len(layer.trainable_weights) == 1 and len(layer.non_trainable_weights) == 1
    assert layer.count_params() == 4
    assert layer.parameters() == layer.trainable_weights


def test_sublayers_in_lists_are_tracked():
    block = Block()
    block(np.ones((4, 5), np.float32))
    assert len(block.weights) == 4 and block.count_params() == 5 * 3 + 3 + 3 * 2 + 2


def test_trainable_false_freezes_weights():
    block = Block()
    block(np.ones((1, 5), np.float32))
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 4
    assert not any(w.requires_grad for w in block.weights)
    block.trainable = True
    assert len(block.trainable_weights) == 4


def test_training_flag_reaches_the_call():
    layer = Scale()
    x = np.ones((1, 2), np.float32)
    layer(x)
    layer(x, training=True)
    assert layer.count.item() == 1
    model = nr.Sequential([layer])
    model(x, training=True)
    assert layer.count.item() == 2
    model(x)
    assert layer.count.item() == 2


def test_set_weights_errors():
    layer = Scale(name="scale_for_test")
    layer(np.ones((1, 3), np.float32))
    with pytest.raises(ValueError, match="layer 'scale_for_test' has 2 weights but set_weights "
                                         "received 1"):
        layer.set_weights([np.ones(3)])
    with pytest.raises(ValueError, match=r"weight 'scale_for_test/w' has shape \(3,\), got an "
                                         r"array of shape \(4,\)"):
        layer.set_weights([np.ones(4), np.zeros(())])


def test_count_params_before_build():
    with pytest.raises(ValueError, match="is not built yet"):
        layers.Dense(3).count_params()


def test_duplicate_weight_name():
    layer = layers.Layer()
    layer.add_weight("w", (2,))
    with pytest.raises(ValueError, match="already has a weight named 'w'"):
        layer.add_weight("w", (2,))


def test_deserialize_unknown_class():
    with pytest.raises(ValueError, match=r"Unknown layer class 'Nope'; register it"):
        layers.deserialize({"class_name": "Nope", "config": {}})


def test_bad_name():
    with pytest.raises(ValueError, match="layer name must be a non-empty string"):
        layers.Dense(3, name="a/b")


def test_float64_layer_keeps_float64():
    layer = layers.Dense(2, dtype="float64")
    out = layer(np.ones((1, 3)))
    assert out.dtype == np.float64 and layer.kernel.dtype == np.float64
