"""Sequential models (neurona/models/sequential.py), with the course's Keras code."""

import numpy as np
import pytest

import neurona as keras
from neurona import layers


def _data(n=200, features=10, classes=10, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    w = rng.normal(size=(features, classes))
    y = (x @ w).argmax(axis=1)
    return x, y


def test_course_snippet_runs_unchanged(tmp_path, capsys):
    x_train, y_train = _data()
    x_test, y_test = _data(50, seed=1)
    keras.utils.set_seed(0)
    model = keras.Sequential()
    model.add(layers.Dense(20, activation='relu', input_shape=(10,)))
    model.add(layers.Dense(20, activation='relu'))
    model.add(layers.Dense(10, activation='softmax'))
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    history = model.fit(x_train, y_train, epochs=10, batch_size=32, validation_split=0.2,
                        verbose=0)
    model.summary()
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    probs = model.predict(x_test, verbose=0)
    assert probs.shape == (50, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = tmp_path / "m.neurona"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x_test, verbose=0), probs, rtol=1e-6)
    out = capsys.readouterr().out
    assert "Total params: 850" in out


def test_built_from_input_shape_and_summary_shapes():
    model = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2)])
    assert model.built and model.count_params() == 3 * 4 + 4 + 4 * 2 + 2
    assert model.layers[0].output_shape == (None, 4)
    text = model.summary(print_fn=lambda s: None)
    assert "(None, 2)" in text and "Trainable params: 26" in text


def test_input_first_and_pop():
    model = keras.Sequential([keras.Input(shape=(5,)), layers.Dense(3), layers.Dense(1)])
    assert len(model.layers) == 2
    last = model.pop()
    assert last.units == 1 and len(model.layers) == 1
    assert model(np.ones((2, 5), np.float32)).shape == (2, 3)


def test_builds_on_first_call_without_input_shape():
    model = keras.Sequential([layers.Dense(4), layers.Dense(1)])
    assert not model.built
    model(np.ones((2, 6), np.float32))
    assert model.count_params() == 6 * 4 + 4 + 5


def test_add_rejects_non_layers_and_duplicates():
    model = keras.Sequential()
    with pytest.raises(TypeError, match="Sequential.add expects a layer, got int"):
        model.add(3)
    d = layers.Dense(2)
    model.add(d)
    with pytest.raises(ValueError, match="already in this Sequential model"):
        model.add(d)


def test_empty_model_call_and_pop():
    model = keras.Sequential()
    with pytest.raises(ValueError, match="has no layers"):
        model.pop()


def test_config_round_trip():
    model = keras.Sequential([layers.Dense(4, activation="tanh", input_shape=(3,)),
                              layers.Dense(2, activation="softmax")])
    clone = keras.Sequential.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_sequential_carries_masks():
    from neurona.layers.core import Masking

    model = keras.Sequential([Masking(0.0, input_shape=(3, 2)), layers.Dense(2),
                              layers.Activation("relu")])
    x = np.array([[[1.0, 0.0], [0.0, 0.0], [0.0, 2.0]]], np.float32)
    out = model(x)
    np.testing.assert_array_equal(out._keras_mask, [[True, False, True]])


def test_variable_length_input_spec():
    from neurona.layers.pooling import GlobalAveragePooling1D, MaxPooling1D

    model = keras.Sequential([keras.Input(shape=(None, 4)), layers.Dense(8), MaxPooling1D(4),
                              GlobalAveragePooling1D()])
    assert [layer.output_shape for layer in model.layers] == [
        (None, None, 8), (None, None, 8), (None, 8)]
    assert model.predict(np.zeros((3, 11, 4), np.float32), verbose=0).shape == (3, 8)


def _conv_pool_model(conv, pool, shape):
    model = keras.Sequential([keras.Input(shape), conv, pool, layers.Flatten(), layers.Dense(3)])
    model.build((None,) + shape)
    return model


def _run_layers_one_by_one(model, x):
    """The model's output and gradients with every layer called on its own (never fused)."""
    out = keras.tensor(x)
    for layer in model.layers:
        out = layer(out)
    return out


def _output_and_grads(model, x, call):
    for w in model.trainable_weights:
        w.grad = None
    y = call(model, x)
    (y * keras.tensor(np.arange(y.size, dtype=y.dtype).reshape(y.shape) / y.size)).sum().backward()
    return [y.data] + [w.grad.copy() for w in model.trainable_weights]


@pytest.mark.parametrize("conv, pool, shape", [
    (lambda: layers.Conv2D(4, 3, activation="relu"), lambda: layers.MaxPooling2D(2), (9, 8, 2)),
    (lambda: layers.Conv2D(4, 3, padding="same"), lambda: layers.MaxPooling2D((2, 3)), (7, 9, 2)),
    (lambda: layers.Conv2D(4, 3, activation="relu", data_format="channels_first"),
     lambda: layers.MaxPooling2D(2, data_format="channels_first"), (2, 8, 8)),
    (lambda: layers.Conv1D(5, 3, padding="causal", activation="relu"),
     lambda: layers.MaxPooling1D(2), (11, 3)),
])
def test_a_convolution_then_max_pool_runs_fused_with_the_same_result(conv, pool, shape):
    keras.utils.set_seed(0)
    model = _conv_pool_model(conv(), pool(), shape)
    x = np.random.default_rng(0).normal(size=(4,) + shape)
    fused = _output_and_grads(model, x, lambda m, x: m(keras.tensor(x)))
    plain = _output_and_grads(model, x, _run_layers_one_by_one)
    # float32: the fused convolution orders its GEMM's rows by window position, so sums may
    # round differently in the last bits (F.conv2d's own tests compare in float64)
    for got, want in zip(fused, plain, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    conv_layer, pool_layer = model.layers[:2]
    assert conv_layer._fusable_pool(pool_layer, keras.tensor(x)) == pool_layer.pool_size
    assert "MaxPool" not in _functions_in_graph(model(keras.tensor(x)))  # the Conv pools


def _functions_in_graph(y) -> set:
    names, todo = set(), [y.creator]
    while todo:
        fn = todo.pop()
        if fn is not None:
            names.add(type(fn).__name__)
            todo.extend(t.creator for t in fn.inputs if t is not None)
    return names


@pytest.mark.parametrize("conv, pool", [
    (lambda: layers.Conv2D(4, 3, activation="tanh"), lambda: layers.MaxPooling2D(2)),
    (lambda: layers.Conv2D(4, 3), lambda: layers.MaxPooling2D(2, strides=1)),
    (lambda: layers.Conv2D(4, 3), lambda: layers.MaxPooling2D(2, padding="same")),
    (lambda: layers.Conv2D(4, 3), lambda: layers.AveragePooling2D(2)),
    (lambda: layers.Conv2D(4, 3, activity_regularizer="l2"), lambda: layers.MaxPooling2D(2)),
])
def test_other_convolution_pool_pairs_are_not_fused(conv, pool):
    model = _conv_pool_model(conv(), pool(), (8, 8, 2))
    x = keras.tensor(np.ones((2, 8, 8, 2)))
    conv_layer, pool_layer = model.layers[:2]
    assert conv_layer._fusable_pool(pool_layer, x) is None
    np.testing.assert_allclose(model(x).data, _run_layers_one_by_one(model, x.data).data)
    assert {"MaxPool", "AvgPool"} & _functions_in_graph(model(x))  # the pool ran on its own


def test_no_fusion_while_a_layers_call_is_replaced_to_record_its_output():
    model = _conv_pool_model(layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(2),
                             (8, 8, 2))
    conv_layer, pool_layer = model.layers[:2]
    seen = []
    original = conv_layer.call
    conv_layer.call = lambda inputs: seen.append(inputs.shape) or original(inputs)
    model(keras.tensor(np.ones((2, 8, 8, 2))))
    assert seen == [(2, 8, 8, 2)]  # the convolution ran as its own layer
    del conv_layer.call
    assert conv_layer._fusable_pool(pool_layer, keras.tensor(np.ones((2, 8, 8, 2)))) == (2, 2)


def test_a_pool_window_larger_than_the_convolutions_output_gives_the_pool_layers_error():
    conv, pool = layers.Conv2D(2, 3), layers.MaxPooling2D(4)
    model = keras.Sequential([conv, pool])
    model(keras.tensor(np.ones((1, 7, 7, 1))))  # builds: 5x5 -> 1x1
    with pytest.raises(ValueError, match="MaxPooling2D.*cannot pool a \\(4, 4\\) window"):
        model(keras.tensor(np.ones((1, 5, 5, 1))))  # 3x3 output: too small for the window
