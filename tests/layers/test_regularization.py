"""Regularization layers (neurona/layers/regularization.py): the declarative layer check, then
dropout behaviour (inference, scaling, seeds, masks), the noise layers' statistics, the activity
penalty, error messages, and a property test on random shapes."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurona as nr
from neurona import layers

from .layercheck import LayerCase, layer_tests

CASES = [
    LayerCase("dropout", lambda: layers.Dropout(0.5), (3, 5), (3, 5), 0, trains=False),
    LayerCase("dropout/noise_shape_seed",
              lambda: layers.Dropout(0.3, noise_shape=(None, 1, 4), seed=7),
              (2, 3, 4), (2, 3, 4), 0, trains=False),
    LayerCase("spatial_dropout1d", lambda: layers.SpatialDropout1D(0.2, seed=1), (2, 5, 3),
              (2, 5, 3), 0, trains=False),
    LayerCase("spatial_dropout2d", lambda: layers.SpatialDropout2D(0.2), (2, 4, 4, 3),
              (2, 4, 4, 3), 0, trains=False),
    LayerCase("spatial_dropout2d/channels_first",
              lambda: layers.SpatialDropout2D(0.2, data_format="channels_first", seed=2),
              (2, 3, 4, 4), (2, 3, 4, 4), 0, trains=False),
    LayerCase("spatial_dropout3d", lambda: layers.SpatialDropout3D(0.1), (2, 2, 3, 2, 3),
              (2, 2, 3, 2, 3), 0, trains=False),
    LayerCase("gaussian_noise", lambda: layers.GaussianNoise(0.1, seed=3), (3, 4), (3, 4), 0,
              trains=False),
    LayerCase("gaussian_dropout", lambda: layers.GaussianDropout(0.2), (3, 4), (3, 4), 0,
              trains=False),
    LayerCase("alpha_dropout", lambda: layers.AlphaDropout(0.1, noise_shape=(None, 4), seed=4),
              (3, 4), (3, 4), 0, trains=False),
    LayerCase("activity_regularization",
              lambda: layers.ActivityRegularization(l1=0.01, l2=0.001), (3, 4), (3, 4), 0,
              trains=False),
]


(test_shape_and_params, test_config_round_trip, test_weights_round_trip, test_save_load,
 test_training_step) = layer_tests(CASES)


def _normal(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


# -- Dropout ---------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [
    lambda: layers.Dropout(0.5), lambda: layers.SpatialDropout1D(0.5),
    lambda: layers.GaussianNoise(0.5), lambda: layers.GaussianDropout(0.5),
    lambda: layers.AlphaDropout(0.5)], ids=["dropout", "spatial", "noise", "gdrop", "alpha"])
def test_random_layers_are_identity_at_inference(make):
    layer = make()
    x = _normal((4, 6, 3))
    for out in (layer(x), layer(x, training=False)):
        np.testing.assert_array_equal(out.data, x)
    t = nr.tensor(x)
    assert layer(t) is t  # not even a copy


def test_dropout_in_training_zeroes_and_scales():
    x = np.ones((200, 50), np.float32)
    out = layers.Dropout(0.25, seed=0)(x, training=True).data
    assert out.dtype == np.float32
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.02
    assert abs(out.mean() - 1.0) < 0.03  # inverted dropout keeps the expectation


def test_dropout_gradient_is_the_mask():
    x = nr.tensor(np.ones((8, 8), np.float32), requires_grad=True)
    out = layers.Dropout(0.5, seed=1)(x, training=True)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)


def test_seed_gives_reproducible_masks_and_layers_their_own_generator():
    x = np.ones((6, 10), np.float32)
    a = layers.Dropout(0.5, seed=42)(x, training=True).data
    b = layers.Dropout(0.5, seed=42)(x, training=True).data
    np.testing.assert_array_equal(a, b)
    layer = layers.Dropout(0.5, seed=42)
    first, second = layer(x, training=True).data, layer(x, training=True).data
    np.testing.assert_array_equal(first, a)
    assert not np.array_equal(first, second)  # the generator moves on between calls
    for make in (lambda: layers.GaussianNoise(1.0, seed=5),
                 lambda: layers.AlphaDropout(0.3, seed=5)):
        np.testing.assert_array_equal(make()(x, training=True).data,
                                      make()(x, training=True).data)


def test_without_seed_dropout_follows_set_seed():
    x = np.ones((6, 10), np.float32)
    nr.utils.set_seed(3)
    a = layers.Dropout(0.5)(x, training=True).data
    nr.utils.set_seed(3)
    b = layers.Dropout(0.5)(x, training=True).data
    np.testing.assert_array_equal(a, b)


def test_noise_shape_shares_the_mask_and_none_takes_the_input_size():
    x = np.ones((4, 5, 6), np.float32)
    out = layers.Dropout(0.5, noise_shape=(None, 1, None), seed=0)(x, training=True).data
    assert (out == out[:, :1, :]).all()  # the same mask at every step
    assert 0 < (out == 0).mean() < 1
    # a fixed batch size in noise_shape is only checked when the mask is drawn (in training),
    # so building a functional model (with a placeholder batch) and predicting work
    inputs = nr.Input(shape=(5, 6))
    model = nr.Model(inputs, layers.Dropout(0.5, noise_shape=(4, 1, 6), seed=0)(inputs))
    np.testing.assert_array_equal(model.predict(x, batch_size=3, verbose=0), x)
    out = model(x, training=True).data
    assert (out == out[:, :1, :]).all()


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((8, 5, 5, 6), np.float32)
    out = layers.SpatialDropout2D(0.5, seed=0)(x, training=True).data
    per_channel = out.reshape(8, 25, 6)
    assert (per_channel == per_channel[:, :1, :]).all()
    assert set(np.unique(out)) == {0.0, 2.0}
    first = np.ones((8, 6, 5, 5), np.float32)
    out = layers.SpatialDropout2D(0.5, data_format="channels_first", seed=0)(
        first, training=True).data.reshape(8, 6, 25)
    assert (out == out[:, :, :1]).all()
    seq = layers.SpatialDropout1D(0.5, seed=0)(np.ones((8, 7, 6), np.float32), training=True)
    assert (seq.data == seq.data[:, :1, :]).all()


def test_gaussian_noise_statistics():
    out = layers.GaussianNoise(0.5, seed=0)(np.zeros((400, 250), np.float32), training=True)
    assert out.dtype == np.float32
    assert abs(out.data.mean()) < 0.01 and abs(out.data.std() - 0.5) < 0.01


def test_gaussian_dropout_statistics():
    out = layers.GaussianDropout(0.2, seed=0)(np.ones((400, 250), np.float32), training=True)
    assert out.dtype == np.float32
    assert abs(out.data.mean() - 1.0) < 0.01
    assert abs(out.data.std() - math.sqrt(0.2 / 0.8)) < 0.01


def test_alpha_dropout_keeps_selu_mean_and_variance():
    rate = 0.2
    x = _normal((500, 200), seed=1)
    out = layers.AlphaDropout(rate, seed=0)(x, training=True).data
    assert out.dtype == np.float32
    assert abs(out.mean()) < 0.02 and abs(out.var() - 1.0) < 0.03
    # a dropped unit sits at a * alpha' + b, alpha' = -scale * alpha (SELU's saturation)
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    dropped = a * alpha_p - a * alpha_p * rate
    assert abs(np.isclose(out, dropped, atol=1e-6).mean() - rate) < 0.01


def test_dropout_only_acts_during_fit():
    nr.utils.set_seed(0)
    model = nr.Sequential([layers.Dense(8, input_shape=(4,)), layers.Dropout(0.5),
                           layers.Dense(1)])
    x = _normal((16, 4))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((16, 1), np.float32), epochs=1, verbose=0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
    train_a, train_b = model(x, training=True).data, model(x, training=True).data
    assert not np.array_equal(train_a, train_b)


# -- ActivityRegularization ------------------------------------------------------------------


def test_activity_regularization_adds_the_penalty_per_sample():
    x = _normal((4, 3))
    layer = layers.ActivityRegularization(l1=0.1, l2=0.01)
    out = layer(x)
    np.testing.assert_array_equal(out.data, x)
    (penalty,) = layer.losses
    expected = (0.1 * np.abs(x).sum() + 0.01 * (x ** 2).sum()) / 4
    np.testing.assert_allclose(penalty.item(), expected, rtol=1e-5)
    t = nr.tensor(x, requires_grad=True)
    layer._clear_losses()
    layer(t)
    layer.losses[0].backward()
    np.testing.assert_allclose(t.grad, (0.1 * np.sign(x) + 0.02 * x) / 4, rtol=1e-5)


# -- errors ----------------------------------------------------------------------------------


def test_rate_errors():
    with pytest.raises(ValueError, match=r"Dropout: rate is the probability of dropping a unit "
                                         r"and must be in \[0, 1\), got 1\.0 \(rate=1 would"):
        layers.Dropout(1.0)
    with pytest.raises(ValueError, match=r"SpatialDropout2D: rate .* got -0\.1"):
        layers.SpatialDropout2D(-0.1)
    with pytest.raises(ValueError, match=r"GaussianDropout: rate .* got 2\.0"):
        layers.GaussianDropout(2)
    with pytest.raises(TypeError, match="AlphaDropout: rate must be a number, got 'half'"):
        layers.AlphaDropout("half")
    with pytest.raises(TypeError, match="Dropout: rate must be a number, got nan"):
        layers.Dropout(float("nan"))


def test_argument_errors():
    with pytest.raises(ValueError, match="Dropout: seed must be None or a non-negative integer, "
                                         "got -1"):
        layers.Dropout(0.5, seed=-1)
    with pytest.raises(TypeError, match=r"Dropout: noise_shape must be a tuple of non-negative "
                                        r"ints or None"):
        layers.Dropout(0.5, noise_shape=(None, 1.5))
    with pytest.raises(ValueError, match="GaussianNoise: stddev must be >= 0, got -1.0"):
        layers.GaussianNoise(-1.0)
    with pytest.raises(ValueError, match="SpatialDropout2D: data_format must be 'channels_last' "
                                         "or 'channels_first', got 'NHWC'"):
        layers.SpatialDropout2D(0.1, data_format="NHWC")
    with pytest.raises(ValueError, match="ActivityRegularization: l2 must be >= 0, got -0.5"):
        layers.ActivityRegularization(l2=-0.5)
    with pytest.raises(TypeError, match=r"SpatialDropout1D takes no noise_shape: its mask is "
                                        r"one draw per sample and channel"):
        layers.SpatialDropout1D(0.1, noise_shape=(None, 1, None))


def test_input_errors_name_the_layer_and_shapes():
    layer = layers.Dropout(0.5, noise_shape=(None, 1, 3), name="drop")
    with pytest.raises(ValueError, match=r"Dropout 'drop': noise_shape \(None, 1, 3\) does not "
                                         r"fit inputs of shape \(2, 4, 5\)"):
        layer(np.ones((2, 4, 5), np.float32), training=True)
    spatial = layers.SpatialDropout1D(0.5, name="sd")
    with pytest.raises(ValueError, match=r"SpatialDropout1D 'sd' expects 3-D inputs \(batch, "
                                         r"steps, channels\), got shape \(2, 4\)"):
        spatial(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match=r"SpatialDropout2D 'sd2' expects 4-D inputs \(batch, "
                                         r"channels, rows, cols\), got shape \(2, 4, 5\)"):
        layers.SpatialDropout2D(0.5, data_format="channels_first", name="sd2")(
            np.ones((2, 4, 5), np.float32))
    with pytest.raises(TypeError, match="GaussianNoise 'gn' expects floating-point inputs in "
                                        "training, got dtype int64"):
        layers.GaussianNoise(0.1, name="gn")(np.ones((2, 3), np.int64), training=True)
    with pytest.raises(ValueError, match=r"ActivityRegularization 'ar' expects inputs with a "
                                         r"batch axis, got a 0-d tensor"):
        layers.ActivityRegularization(l1=0.1, name="ar")(np.float32(2.0))


# -- property test: random shapes --------------------------------------------------------------

_MAKERS = [
    lambda: layers.Dropout(0.4, seed=0),
    lambda: layers.Dropout(0.4, noise_shape=(None, 1, None), seed=0),
    lambda: layers.SpatialDropout1D(0.4, seed=0),
    lambda: layers.SpatialDropout2D(0.4, seed=0),
    lambda: layers.SpatialDropout3D(0.4, data_format="channels_first", seed=0),
    lambda: layers.GaussianNoise(0.3, seed=0),
    lambda: layers.GaussianDropout(0.3, seed=0),
    lambda: layers.AlphaDropout(0.3, seed=0),
    lambda: layers.AlphaDropout(0.3, noise_shape=(None, 1), seed=0),
    lambda: layers.ActivityRegularization(l1=0.01, l2=0.01),
]


@settings(max_examples=150, deadline=None)
@given(which=st.integers(0, len(_MAKERS) - 1),
       shape=st.lists(st.integers(0, 4), min_size=0, max_size=5).map(tuple),
       training=st.booleans(),
       dtype=st.sampled_from(["float32", "float64", "int64"]))
def test_random_shapes_give_a_result_or_a_clear_error(which, shape, training, dtype):
    layer = _MAKERS[which]()
    x = np.random.default_rng(0).normal(size=shape).astype(dtype)
    try:
        out = layer(nr.tensor(x), training=training)
    except (ValueError, TypeError) as err:
        assert type(layer).__name__ in str(err), f"unclear error: {err}"
        return
    assert out.shape == x.shape and out.dtype == x.dtype
    if not training:
        np.testing.assert_array_equal(out.data, x)
