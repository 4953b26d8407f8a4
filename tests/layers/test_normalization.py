"""Normalization layers (neurona/layers/normalization.py): the declarative layer check, moving
statistics, Keras's computation written in NumPy, and errors."""

import numpy as np
import pytest

import neurona as nr
from neurona.layers.normalization import (
    BatchNormalization,
    LayerNormalization,
    UnitNormalization,
)

from .layercheck import LayerCase, layer_tests

C4 = [(4,)] * 4

CASES = [
    LayerCase("batch_norm/2d", lambda: BatchNormalization(), (8, 4), (8, 4), 16,
              weights_order=C4),
    LayerCase("batch_norm/4d_channels_last", lambda: BatchNormalization(momentum=0.9),
              (2, 3, 3, 5), (2, 3, 3, 5), 20, weights_order=[(5,)] * 4),
    LayerCase("batch_norm/channels_first", lambda: BatchNormalization(axis=1, epsilon=0.01),
              (4, 3, 2, 2), (4, 3, 2, 2), 12, weights_order=[(3,)] * 4),
    LayerCase("batch_norm/no_center", lambda: BatchNormalization(center=False), (8, 4), (8, 4),
              12, weights_order=[(4,)] * 3),
    LayerCase("batch_norm/no_params", lambda: BatchNormalization(center=False, scale=False),
              (8, 4), (8, 4), 8, trains=False, weights_order=[(4,)] * 2),
    LayerCase("batch_norm/regularized", lambda: BatchNormalization(
        gamma_regularizer="l2", beta_constraint="non_neg", gamma_initializer="random_normal",
        moving_variance_initializer="ones"), (6, 3), (6, 3), 12),
    LayerCase("layer_norm/2d", lambda: LayerNormalization(), (3, 6), (3, 6), 12,
              weights_order=[(6,), (6,)]),
    LayerCase("layer_norm/3d", lambda: LayerNormalization(epsilon=1e-5), (2, 3, 4), (2, 3, 4),
              8),
    LayerCase("layer_norm/axes", lambda: LayerNormalization(axis=[1, 2]), (2, 3, 4), (2, 3, 4),
              24, weights_order=[(3, 4), (3, 4)]),
    LayerCase("layer_norm/axes_reversed", lambda: LayerNormalization(axis=(-1, 1)), (2, 3, 4),
              (2, 3, 4), 24, weights_order=[(4, 3), (4, 3)]),
    LayerCase("layer_norm/no_scale", lambda: LayerNormalization(scale=False,
                                                               beta_regularizer="l1"),
              (3, 6), (3, 6), 6, weights_order=[(6,)]),
    LayerCase("unit_norm/2d", lambda: UnitNormalization(), (3, 4), (3, 4), 0, trains=False),
    LayerCase("unit_norm/axes", lambda: UnitNormalization(axis=[1, 2]), (2, 3, 4), (2, 3, 4), 0,
              trains=False),
]


(test_shape_and_params, test_config_round_trip, test_weights_round_trip, test_save_load,
 test_training_step) = layer_tests(CASES)


# -- BatchNormalization: Keras's computation ------------------------------------------------


def _keras_batch_norm(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99,
                      epsilon=1e-3, axis=-1):
    """Keras 3's BatchNormalization.call in NumPy: returns the output and the new moving
    statistics (moments over every axis but ``axis``, the biased variance)."""
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    if training:
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)
        moving_mean = moving_mean * momentum + mean * (1.0 - momentum)
        moving_var = moving_var * momentum + var * (1.0 - momentum)
    else:
        mean, var = moving_mean, moving_var
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    inv = (1.0 / np.sqrt(var + epsilon) * gamma).reshape(shape)
    out = x * inv + (beta - mean * (1.0 / np.sqrt(var + epsilon)) * gamma).reshape(shape)
    return out, moving_mean, moving_var


def test_batch_norm_matches_keras_in_training_and_inference():
    rng = np.random.default_rng(3)
    x = (rng.normal(size=(4, 3, 3, 5)) * 2 + 1).astype(np.float32)
    gamma = rng.uniform(0.5, 1.5, 5).astype(np.float32)
    beta = rng.normal(size=5).astype(np.float32)
    mm = rng.normal(size=5).astype(np.float32)
    mv = rng.uniform(0.5, 2.0, 5).astype(np.float32)
    layer = BatchNormalization(momentum=0.8, epsilon=0.01)
    layer(x[:1])  # build (inference: no update)
    layer.set_weights([gamma, beta, mm, mv])

    got = layer(x, training=True)
    want, want_mm, want_mv = _keras_batch_norm(x.astype(np.float64), gamma, beta, mm, mv, True,
                                               momentum=0.8, epsilon=0.01)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.data, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.data, want_mm, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.data, want_mv, rtol=1e-5, atol=1e-6)

    got = layer(x, training=False)
    want, same_mm, _ = _keras_batch_norm(x.astype(np.float64), gamma, beta, want_mm, want_mv,
                                         False, epsilon=0.01)
    np.testing.assert_allclose(got.data, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.data, same_mm, rtol=1e-5, atol=1e-6)


def test_moving_statistics_converge_and_drive_inference():
    data = np.random.default_rng(5).normal(loc=[2.0, -1.0, 0.5], scale=[1.0, 3.0, 0.5],
                                           size=(4000, 3)).astype(np.float32)
    layer = BatchNormalization(momentum=0.9)
    for batch in np.split(data, 200):
        layer(batch, training=True)
    np.testing.assert_allclose(layer.moving_mean.data, data.mean(axis=0), atol=0.15)
    np.testing.assert_allclose(layer.moving_variance.data, data.var(axis=0), rtol=0.15)
    # inference normalises with the moving statistics, whatever the batch
    x = data[:5]
    mm, mv = layer.moving_mean.data, layer.moving_variance.data
    np.testing.assert_allclose(layer(x, training=False).data, (x - mm) / np.sqrt(mv + 1e-3),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer(x[:1]).data, ((x - mm) / np.sqrt(mv + 1e-3))[:1],
                               rtol=1e-5, atol=1e-5)  # default: inference


def _same(tensors, expected) -> bool:
    return len(tensors) == len(expected) and all(
        t is e for t, e in zip(tensors, expected, strict=True))


def test_weights_in_keras_order_and_trainability():
    layer = BatchNormalization()
    layer(np.ones((2, 3), np.float32))
    assert _same(layer.weights, [layer.gamma, layer.beta, layer.moving_mean,
                                 layer.moving_variance])
    assert _same(layer.trainable_weights, [layer.gamma, layer.beta])
    assert _same(layer.non_trainable_weights, [layer.moving_mean, layer.moving_variance])
    np.testing.assert_array_equal(np.stack(layer.get_weights()),
                                  [[1, 1, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1]])
    assert not layer.moving_mean.requires_grad


@pytest.mark.parametrize("when", ["constructor", "attribute"])
def test_non_trainable_layer_runs_in_inference_mode(when):
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(16, 3)).astype(np.float32)
    layer = BatchNormalization(trainable=when != "constructor")
    layer(x[:2])
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4
    y = layer(x, training=True)
    np.testing.assert_allclose(y.data, x / np.sqrt(1 + 1e-3), rtol=1e-6)  # moving: 0 and 1
    np.testing.assert_array_equal(layer.moving_mean.data, np.zeros(3))
    np.testing.assert_array_equal(layer.moving_variance.data, np.ones(3))


def test_symbolic_calls_do_not_update_moving_statistics():
    inputs = nr.Input(shape=(3,))
    layer = BatchNormalization()
    model = nr.Model(inputs, layer(inputs))
    model.predict(np.full((4, 3), 5.0, np.float32), verbose=0)
    np.testing.assert_array_equal(layer.moving_mean.data, np.zeros(3))


def test_fit_updates_moving_statistics_and_they_are_saved(tmp_path):
    nr.utils.set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(4.0, 3.0, size=(256, 5)).astype(np.float32)
    y = (x @ rng.normal(size=(5, 1)) / 10).astype(np.float32)
    bn = BatchNormalization(momentum=0.9)
    model = nr.Sequential([bn, nr.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    # the optimizer trained gamma and beta, and the layer tracked the data's statistics
    assert not np.allclose(bn.gamma.data, 1.0)
    np.testing.assert_allclose(bn.moving_mean.data, x.mean(axis=0), atol=0.5)
    np.testing.assert_allclose(bn.moving_variance.data, x.var(axis=0), rtol=0.3)
    path = tmp_path / "bn.neurona"
    model.save(path)
    loaded = nr.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    np.testing.assert_array_equal(loaded.layers[0].moving_variance.data, bn.moving_variance.data)


# -- LayerNormalization and UnitNormalization ---------------------------------------------------


def test_layer_norm_matches_keras():
    rng = np.random.default_rng(2)
    x = rng.normal(1.0, 2.0, size=(2, 3, 4)).astype(np.float32)
    layer = LayerNormalization(axis=[2, 1], epsilon=0.01)
    layer(x)
    gamma = rng.uniform(0.5, 1.5, size=(4, 3)).astype(np.float32)
    beta = rng.normal(size=(4, 3)).astype(np.float32)
    layer.set_weights([gamma, beta])
    # Keras: moments over the axes; gamma/beta reshaped (not transposed) to broadcast
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    want = (x - mean) / np.sqrt(var + 0.01) * gamma.reshape(1, 3, 4) + beta.reshape(1, 3, 4)
    for training in (True, False):
        np.testing.assert_allclose(layer(x, training=training).data, want, rtol=1e-5,
                                   atol=1e-5)


def test_unit_normalization_gives_unit_norms():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    y = UnitNormalization()(x).data
    np.testing.assert_allclose((y ** 2).sum(axis=1), [1.0, 1.0], rtol=1e-6)
    z = UnitNormalization(axis=0)(np.zeros((2, 3), np.float32)).data
    np.testing.assert_array_equal(z, np.zeros((2, 3)))


# -- errors ----------------------------------------------------------------------------------------


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"^BatchNormalization 'bn': axis 2 is out of range for "
                                         r"inputs of shape \(4, 3\) \(2 dimensions\)$"):
        BatchNormalization(axis=2, name="bn")(np.ones((4, 3), np.float32))
    with pytest.raises(ValueError, match=r"^BatchNormalization 'bn_1': axis -3 is out of range"):
        BatchNormalization(axis=-3, name="bn_1")(np.ones((4, 3), np.float32))
    with pytest.raises(TypeError, match=r"^BatchNormalization: axis must be an int, got "
                                        r"\[1, 2\]$"):
        BatchNormalization(axis=[1, 2])
    with pytest.raises(TypeError, match=r"^BatchNormalization: momentum must be a number, got "
                                        r"'high'$"):
        BatchNormalization(momentum="high")
    with pytest.raises(ValueError, match=r"^BatchNormalization 'bn_2' expects a single input "
                                         r"with a batch axis and a channel axis, got shape\(s\) "
                                         r"\(3,\)$"):
        BatchNormalization(name="bn_2")(np.ones(3, np.float32))
    layer = BatchNormalization(name="bn_3")
    layer(np.ones((4, 3), np.float32))
    with pytest.raises(ValueError, match=r"^BatchNormalization 'bn_3' expects inputs with 2 "
                                         r"dimensions and 3 on axis 1, got shape \(4, 5\)\. Did "
                                         r"the previous layer change\?"):
        layer(np.ones((4, 5), np.float32))


def test_layer_and_unit_norm_errors():
    with pytest.raises(ValueError, match=r"^LayerNormalization 'ln': axis 3 is out of range for "
                                         r"inputs of shape \(2, 3, 4\) \(3 dimensions\)$"):
        LayerNormalization(axis=[1, 3], name="ln")(np.ones((2, 3, 4), np.float32))
    with pytest.raises(ValueError, match=r"^LayerNormalization 'ln_1': axis \[2, -1\] repeats a "
                                         r"dimension \(input shape \(2, 3, 4\)\)$"):
        LayerNormalization(axis=[2, -1], name="ln_1")(np.ones((2, 3, 4), np.float32))
    with pytest.raises(TypeError, match=r"^LayerNormalization: axis must be an int or a "
                                        r"list/tuple of ints, got 'last'$"):
        LayerNormalization(axis="last")
    with pytest.raises(ValueError, match=r"^LayerNormalization: axis must name at least one "
                                         r"axis, got \[\]$"):
        LayerNormalization(axis=[])
    layer = LayerNormalization(name="ln_2")
    layer(np.ones((2, 6), np.float32))
    with pytest.raises(ValueError, match=r"^LayerNormalization 'ln_2' expects inputs with 2 "
                                         r"dimensions and 6 on axis 1, got shape \(2, 5\)"):
        layer(np.ones((2, 5), np.float32))
    with pytest.raises(TypeError, match=r"^UnitNormalization: axis must be an int or a "
                                        r"list/tuple of ints, got 1.5$"):
        UnitNormalization(axis=1.5)
    with pytest.raises(ValueError, match=r"^UnitNormalization 'un': axis 2 is out of range for "
                                         r"inputs of shape \(2, 3\) \(2 dimensions\)$"):
        UnitNormalization(axis=2, name="un")(np.ones((2, 3), np.float32))
