"""Activation layers (neurona/layers/activation.py): the declarative layer check, values against
NumPy formulas, gradients, PReLU learning its slope, Softmax as a fused output layer, error
messages, and a property test on random shapes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurona as nr
from neurona import initializers, layers

from .layercheck import LayerCase, layer_tests

CASES = [
    LayerCase("relu", lambda: layers.ReLU(), (3, 5), (3, 5), 0, trains=False),
    LayerCase("relu/options",
              lambda: layers.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.5), (3, 5),
              (3, 5), 0, trains=False),
    LayerCase("relu/relu6", lambda: layers.ReLU(max_value=6), (3, 5), (3, 5), 0, trains=False),
    LayerCase("leaky_relu", lambda: layers.LeakyReLU(), (3, 5), (3, 5), 0, trains=False),
    LayerCase("leaky_relu/slope", lambda: layers.LeakyReLU(negative_slope=0.05), (2, 3, 4),
              (2, 3, 4), 0, trains=False),
    LayerCase("prelu", lambda: layers.PReLU(), (3, 5), (3, 5), 5, weights_order=[(5,)]),
    LayerCase("prelu/shared", lambda: layers.PReLU(shared_axes=[1]), (2, 4, 3), (2, 4, 3), 3,
              weights_order=[(1, 3)]),
    LayerCase("prelu/options", lambda: layers.PReLU(
        alpha_initializer=initializers.Constant(0.25), alpha_regularizer="l2",
        alpha_constraint="non_neg", shared_axes=(1, 2)), (2, 3, 4, 2), (2, 3, 4, 2), 2,
        weights_order=[(1, 1, 2)]),
    LayerCase("elu", lambda: layers.ELU(), (3, 5), (3, 5), 0, trains=False),
    LayerCase("elu/alpha", lambda: layers.ELU(alpha=0.5), (3, 5), (3, 5), 0, trains=False),
    LayerCase("softmax", lambda: layers.Softmax(), (3, 5), (3, 5), 0, trains=False),
    LayerCase("softmax/axis1", lambda: layers.Softmax(axis=1), (2, 3, 4), (2, 3, 4), 0,
              trains=False),
    LayerCase("softmax/axes", lambda: layers.Softmax(axis=(1, 2)), (2, 3, 4), (2, 3, 4), 0,
              trains=False),
]


(test_shape_and_params, test_config_round_trip, test_weights_round_trip, test_save_load,
 test_training_step) = layer_tests(CASES)


def _away_from_kinks(shape, seed=0, dtype=np.float64, kinks=(0.0,)):
    x = np.random.default_rng(seed).normal(scale=2.0, size=shape)
    for k in kinks:  # central differences need |x - kink| well above the step
        near = np.abs(x - k) < 1e-2
        x[near] += 0.05
    return x.astype(dtype)


def _relu_ref(x, max_value=None, negative_slope=0.0, threshold=0.0):
    above = x if max_value is None else np.minimum(x, max_value)
    return np.where(x > threshold, above, negative_slope * (x - threshold))


def _softmax_ref(x, axis):
    if x.size == 0:
        return x
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# -- values and gradients ----------------------------------------------------------------------


@pytest.mark.parametrize("kwargs", [
    {}, {"max_value": 6.0}, {"negative_slope": 0.2}, {"max_value": 1.5},
    {"threshold": 0.5}, {"max_value": 2.0, "negative_slope": 0.1, "threshold": 0.5},
    {"negative_slope": 0.3, "max_value": 1.0},
], ids=lambda k: ",".join(f"{a}={b}" for a, b in k.items()) or "default")
def test_relu_matches_keras_formula_and_gradchecks(kwargs):
    kinks = (0.0, kwargs.get("threshold", 0.0), kwargs.get("max_value") or 0.0)
    x = _away_from_kinks((4, 6), kinks=kinks)
    layer = layers.ReLU(**kwargs)
    np.testing.assert_allclose(layer(nr.tensor(x)).data, _relu_ref(x, **kwargs), rtol=1e-12)
    out32 = layer(x.astype(np.float32))
    assert out32.dtype == np.float32
    assert nr.testing.gradcheck(layer, [nr.tensor(x, requires_grad=True)])


def test_leaky_relu_elu_values():
    x = _away_from_kinks((3, 4))
    np.testing.assert_allclose(layers.LeakyReLU()(nr.tensor(x)).data, np.where(x > 0, x, 0.3 * x))
    np.testing.assert_allclose(layers.LeakyReLU(alpha=0.1)(nr.tensor(x)).data,
                               np.where(x > 0, x, 0.1 * x))  # Keras 2's argument name
    np.testing.assert_allclose(layers.ELU(alpha=0.5)(nr.tensor(x)).data,
                               np.where(x > 0, x, 0.5 * np.expm1(x)), rtol=1e-12)
    for layer in (layers.LeakyReLU(0.2), layers.ELU(0.7)):
        assert nr.testing.gradcheck(layer, [nr.tensor(x, requires_grad=True)])


def test_prelu_values_and_gradients():
    x = _away_from_kinks((3, 2, 4))
    layer = layers.PReLU(alpha_initializer=initializers.RandomUniform(0.1, 0.5, seed=0),
                         shared_axes=1)
    layer(nr.tensor(x))
    alpha = layer.alpha.data
    assert alpha.shape == (1, 4)
    np.testing.assert_allclose(layer(nr.tensor(x)).data, np.where(x > 0, x, alpha * x),
                               rtol=1e-6)
    layer64 = layers.PReLU(dtype="float64", shared_axes=1)
    layer64(nr.tensor(x))
    layer64.alpha.data[...] = 0.3
    assert nr.testing.gradcheck(layer64, [nr.tensor(x, requires_grad=True)])
    assert nr.testing.gradcheck(lambda a: layer64(nr.tensor(x)), [layer64.alpha])


def test_prelu_learns_its_slope():
    nr.utils.set_seed(0)
    x = np.random.default_rng(0).normal(size=(256, 3)).astype(np.float32)
    slopes = np.array([0.1, 0.5, 0.9], np.float32)
    y = np.where(x > 0, x, slopes * x)
    model = nr.Sequential([layers.PReLU(input_shape=(3,))])
    model.compile(optimizer=nr.optimizers.SGD(learning_rate=0.5), loss="mse")
    history = model.fit(x, y, epochs=30, batch_size=64, verbose=0)
    assert history.history["loss"][-1] < 1e-4 < history.history["loss"][0]
    np.testing.assert_allclose(model.layers[0].get_weights()[0], slopes, atol=0.02)


def test_softmax_values_axes_and_mask():
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    np.testing.assert_allclose(layers.Softmax()(nr.tensor(x)).data, _softmax_ref(x, -1))
    np.testing.assert_allclose(layers.Softmax(axis=1)(nr.tensor(x)).data, _softmax_ref(x, 1))
    both = layers.Softmax(axis=[1, 2])(nr.tensor(x)).data
    np.testing.assert_allclose(both, _softmax_ref(x.reshape(2, 12), -1).reshape(2, 3, 4))
    mask = np.array([[True, True, False, True]])
    out = layers.Softmax()(nr.tensor(x), mask=mask).data
    assert (out[..., 2] == 0).all()
    np.testing.assert_allclose(out.sum(-1), 1.0)
    np.testing.assert_allclose(out[..., [0, 1, 3]], _softmax_ref(x[..., [0, 1, 3]], -1))
    big = layers.Softmax()(np.array([[1000.0, 0.0]], np.float32)).data
    np.testing.assert_array_equal(big, [[1.0, 0.0]])
    t = nr.tensor(x, requires_grad=True)
    assert nr.testing.gradcheck(layers.Softmax(axis=(1, 2)), [t])
    assert nr.testing.gradcheck(lambda a: layers.Softmax()(a, mask=mask), [t])


def test_softmax_output_layer_trains_like_a_softmax_dense():
    x = np.random.default_rng(0).normal(size=(60, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0).astype(np.int64)

    def train(last):
        nr.utils.set_seed(1)
        model = nr.Sequential([layers.Dense(3, input_shape=(4,),
                                            activation="softmax" if last is None else None)]
                              + ([] if last is None else [last]))
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return model, model.fit(x, y, epochs=5, batch_size=20, shuffle=False, verbose=0)

    model, history = train(layers.Softmax())
    _, reference = train(None)
    np.testing.assert_allclose(history.history["loss"], reference.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(model.predict(x, verbose=0).sum(-1), 1.0, rtol=1e-5)


def test_activation_layers_inside_a_functional_model():
    inputs = nr.Input(shape=(6,))
    h = layers.Dense(8)(inputs)
    h = layers.Add()([layers.ReLU(max_value=3.0)(h), layers.LeakyReLU()(h),
                      layers.PReLU()(h), layers.ELU()(h)])
    model = nr.Model(inputs, layers.Softmax()(layers.Dense(3)(h)))
    out = model.predict(np.ones((5, 6), np.float32), verbose=0)
    assert out.shape == (5, 3)
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-5)


# -- errors ----------------------------------------------------------------------------------


def test_argument_errors():
    with pytest.raises(ValueError, match="ReLU: max_value cannot be negative, got -1"):
        layers.ReLU(max_value=-1)
    with pytest.raises(ValueError, match="ReLU: negative_slope cannot be negative, got -0.1"):
        layers.ReLU(negative_slope=-0.1)
    with pytest.raises(ValueError, match="ReLU: threshold cannot be negative, got -2"):
        layers.ReLU(threshold=-2)
    with pytest.raises(TypeError, match="ReLU: negative_slope must be a number, got None"):
        layers.ReLU(negative_slope=None)
    with pytest.raises(ValueError, match="LeakyReLU: negative_slope cannot be negative, got -1"):
        layers.LeakyReLU(-1)
    with pytest.raises(TypeError, match="ELU: alpha must be a number, got 'one'"):
        layers.ELU("one")
    with pytest.raises(TypeError, match=r"Softmax: axis must be an int or a tuple of ints, got "
                                        r"1\.0"):
        layers.Softmax(axis=1.0)
    with pytest.raises(ValueError, match=r"PReLU: shared_axes must be None or positive ints "
                                         r"\(axis 1 is the first after the batch\), got \[0\]"):
        layers.PReLU(shared_axes=[0])
    with pytest.raises(ValueError, match="Unknown initializer"):
        layers.PReLU(alpha_initializer="zeroes_please")


def test_input_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"PReLU 'pr': shared axis 3 does not exist in inputs of "
                                         r"shape \(2, 4, 5\) \(valid: 1 to 2\)"):
        layers.PReLU(shared_axes=3, name="pr")(np.ones((2, 4, 5), np.float32))
    layer = layers.PReLU(name="pr2")
    layer(np.ones((2, 4, 5), np.float32))
    with pytest.raises(ValueError, match=r"PReLU 'pr2' was built for inputs of shape \(None, 4, "
                                         r"5\) \(alpha of shape \(4, 5\)\), got shape \(2, 4, 6\)"):
        layer(np.ones((2, 4, 6), np.float32))
    with pytest.raises(ValueError, match=r"Softmax 'sm': axis 2 is out of range for inputs of "
                                         r"shape \(2, 3\)"):
        layers.Softmax(axis=2, name="sm")(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"Softmax 'sm2': axis \[1, -1\] names an axis twice"):
        layers.Softmax(axis=[1, -1], name="sm2")(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"Softmax 'sm3': mask of shape \(2, 2\) does not "
                                         r"broadcast to inputs of shape \(2, 3\)"):
        layers.Softmax(name="sm3")(np.ones((2, 3), np.float32), mask=np.ones((2, 2), bool))
    with pytest.raises(ValueError, match=r"mask of shape \(2, 1, 3\) does not broadcast"):
        layers.Softmax()(np.ones((2, 3), np.float32), mask=np.ones((2, 1, 3), bool))
    with pytest.raises(TypeError, match=r"ELU 'e' expects floating-point inputs, got dtype "
                                        r"int64; convert them first"):
        layers.ELU(name="e")(np.ones((2, 3), np.int64))


# -- property test: random shapes --------------------------------------------------------------

_LAYERS = [
    (lambda: layers.ReLU(), lambda x: _relu_ref(x)),
    (lambda: layers.ReLU(max_value=0.5, negative_slope=0.1, threshold=0.2),
     lambda x: _relu_ref(x, 0.5, 0.1, 0.2)),
    (lambda: layers.LeakyReLU(), lambda x: np.where(x > 0, x, 0.3 * x)),
    (lambda: layers.ELU(alpha=0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    (lambda: layers.Softmax(), lambda x: _softmax_ref(x, -1)),
    (lambda: layers.Softmax(axis=1), lambda x: _softmax_ref(x, 1)),
    (lambda: layers.PReLU(alpha_initializer=initializers.Constant(0.25)),
     lambda x: np.where(x > 0, x, 0.25 * x)),
    (lambda: layers.PReLU(alpha_initializer=initializers.Constant(0.25), shared_axes=[1, 2]),
     lambda x: np.where(x > 0, x, 0.25 * x)),
]


@settings(max_examples=250, deadline=None)
@given(which=st.integers(0, len(_LAYERS) - 1),
       shapes=st.lists(st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple),
                       min_size=1, max_size=2),
       dtype=st.sampled_from(["float32", "float64", "int64"]))
def test_random_shapes_give_a_result_or_a_clear_error(which, shapes, dtype):
    make, reference = _LAYERS[which]
    layer = make()
    for shape in shapes:  # a second call checks a built layer against a new shape
        x = np.random.default_rng(0).normal(size=shape).astype(dtype)
        try:
            out = layer(nr.tensor(x))
        except (ValueError, TypeError) as err:
            assert type(layer).__name__ in str(err), f"unclear error: {err}"
            continue
        np.testing.assert_allclose(out.data, reference(x), rtol=1e-5, atol=1e-6)
        assert out.shape == x.shape and out.dtype == x.dtype
