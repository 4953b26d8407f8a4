"""The declarative layer check (DESIGN §9): one ``LayerCase`` per layer configuration.

For every case: the output shape, the parameter count, the config round trip
(``from_config(get_config())`` gives the same outputs with the same weights), the
``get_weights``/``set_weights`` round trip, a save/load round trip inside a model, and that one
training step lowers a simple loss when the layer has trainable weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import neurona as nr


@dataclass
class LayerCase:
    """Attributes:
        name: test id.
        make: builds a fresh layer.
        input_shape: batch shape of the sample input.
        output_shape: expected output shape for that input.
        params: expected number of parameters once built.
        trains: whether one SGD step should lower the loss (layers with trainable weights).
        dtype: input dtype (int64 for embeddings, say).
        weights_order: expected shapes of ``get_weights()`` in Keras's order.
    """

    name: str
    make: object
    input_shape: tuple
    output_shape: tuple
    params: int
    trains: bool = True
    dtype: str = "float32"
    weights_order: list = field(default_factory=list)

    def __str__(self) -> str:
        return self.name

    def sample(self, seed=0):
        rng = np.random.default_rng(seed)
        if self.dtype.startswith("int"):
            return rng.integers(0, 5, size=self.input_shape).astype(self.dtype)
        return rng.normal(size=self.input_shape).astype(self.dtype)


def check_shape_and_params(case: LayerCase) -> None:
    layer = case.make()
    out = layer(case.sample())
    assert out.shape == case.output_shape, f"{case.name}: {out.shape} != {case.output_shape}"
    assert layer.count_params() == case.params
    if case.weights_order:
        assert [w.shape for w in layer.get_weights()] == [tuple(s) for s in case.weights_order]


def check_config_round_trip(case: LayerCase) -> None:
    layer = case.make()
    x = case.sample()
    with nr.no_grad():
        expected = layer(x, training=False).data
    config = layer.get_config()
    clone = type(layer).from_config(config)
    clone(x)  # build
    clone.set_weights(layer.get_weights())
    with nr.no_grad():
        got = clone(x, training=False).data
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    config2 = clone.get_config()
    config2.pop("name")
    config.pop("name")
    assert config2 == config


def check_weights_round_trip(case: LayerCase) -> None:
    layer = case.make()
    layer(case.sample())
    weights = layer.get_weights()
    shifted = [w + 1 if w.dtype.kind == "f" else w for w in weights]
    layer.set_weights(shifted)
    for got, want in zip(layer.get_weights(), shifted, strict=True):
        np.testing.assert_array_equal(got, want)


def check_save_load(case: LayerCase, tmp_path) -> None:
    inputs = nr.Input(shape=case.input_shape[1:], dtype=case.dtype)
    model = nr.Model(inputs, case.make()(inputs))
    x = case.sample()
    expected = model.predict(x, verbose=0)
    path = tmp_path / f"{case.name.replace('/', '_')}.neurona"
    model.save(path)
    loaded = nr.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-6)


def check_training_step(case: LayerCase) -> None:
    if not case.trains:
        return
    nr.utils.set_seed(0)
    layer = case.make()
    x = nr.as_tensor(case.sample())
    out = layer(x, training=True)
    target = np.zeros(out.shape, dtype=out.dtype) + 0.5
    params = layer.trainable_weights
    assert params, f"{case.name}: no trainable weights"

    def loss_fn():
        diff = layer(x, training=True) - target
        return (diff * diff).mean()

    before = loss_fn()
    before.backward()
    with nr.no_grad():
        for p in params:
            p -= 0.05 * p.grad
            p.grad = None
    after = loss_fn()
    assert after.item() < before.item(), f"{case.name}: one step did not lower the loss"


def layer_tests(cases: list[LayerCase]):
    """The five declarative tests for a family's ``CASES``; a test module binds them with
    ``(test_shape_and_params, test_config_round_trip, test_weights_round_trip, test_save_load,
    test_training_step) = layer_tests(CASES)``."""
    import pytest

    parametrize = pytest.mark.parametrize("case", cases, ids=str)

    @parametrize
    def test_shape_and_params(case):
        check_shape_and_params(case)

    @parametrize
    def test_config_round_trip(case):
        check_config_round_trip(case)

    @parametrize
    def test_weights_round_trip(case):
        check_weights_round_trip(case)

    @parametrize
    def test_save_load(case, tmp_path):
        check_save_load(case, tmp_path)

    @parametrize
    def test_training_step(case):
        check_training_step(case)

    return (test_shape_and_params, test_config_round_trip, test_weights_round_trip,
            test_save_load, test_training_step)
