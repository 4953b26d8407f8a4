"""Merging layers (neurona/layers/merging.py): the declarative layer check (adapted to a list of
inputs), values and gradients against NumPy, functional models with two inputs, the function
forms, error messages, and a property test on random shapes."""

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurona as nr
from neurona import layers

from .layercheck import (
    LayerCase,
    check_config_round_trip,
    check_shape_and_params,
    check_weights_round_trip,
)


@dataclass
class MergeCase(LayerCase):
    """A LayerCase whose ``input_shape`` is a list of batch shapes, one per input."""

    def sample(self, seed=0):
        rng = np.random.default_rng(seed)
        return [rng.normal(size=s).astype(self.dtype) for s in self.input_shape]


def _case(name, make, shapes, out):
    return MergeCase(name, make, shapes, out, 0, trains=False)


CASES = [
    _case("add", lambda: layers.Add(), [(2, 3), (2, 3)], (2, 3)),
    _case("add/three_broadcast", lambda: layers.Add(), [(2, 3, 4), (2, 1, 4), (2, 4)],
          (2, 3, 4)),
    _case("subtract", lambda: layers.Subtract(), [(2, 3), (2, 3)], (2, 3)),
    _case("multiply", lambda: layers.Multiply(), [(2, 3, 2), (2, 3, 2)], (2, 3, 2)),
    _case("average", lambda: layers.Average(), [(2, 3), (2, 3), (2, 3)], (2, 3)),
    _case("maximum", lambda: layers.Maximum(), [(2, 3), (2, 3)], (2, 3)),
    _case("minimum", lambda: layers.Minimum(), [(2, 3), (2, 1)], (2, 3)),
    _case("concatenate", lambda: layers.Concatenate(), [(2, 3), (2, 5)], (2, 8)),
    _case("concatenate/axis1", lambda: layers.Concatenate(axis=1), [(2, 3, 4), (2, 1, 4)],
          (2, 4, 4)),
    _case("dot", lambda: layers.Dot(axes=1), [(2, 4), (2, 4)], (2, 1)),
    _case("dot/pair_normalize", lambda: layers.Dot(axes=(2, 1), normalize=True),
          [(2, 3, 4), (2, 4, 5)], (2, 3, 5)),
    _case("dot/negative", lambda: layers.Dot(axes=-1), [(2, 3, 4), (2, 5, 4)], (2, 3, 5)),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_shape_and_params(case):
    check_shape_and_params(case)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_config_round_trip(case):
    check_config_round_trip(case)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_weights_round_trip(case):
    check_weights_round_trip(case)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_save_load_with_one_input_per_tensor(case, tmp_path):
    inputs = [nr.Input(shape=s[1:]) for s in case.input_shape]
    model = nr.Model(inputs, case.make()(inputs))
    x = case.sample()
    expected = model.predict(x, verbose=0)
    assert expected.shape == case.output_shape
    path = tmp_path / f"{case.name.replace('/', '_')}.neurona"
    model.save(path)
    loaded = nr.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-6)


def _rand(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def _batch_dot(x, y, ax, ay):
    """Reference: contract x's axis ``ax`` with y's axis ``ay``, sample by sample."""
    out = np.stack([np.tensordot(a, b, axes=(ax - 1, ay - 1)) for a, b in zip(x, y,
                                                                               strict=True)])
    return out.reshape(len(x), 1) if out.ndim == 1 else out


# -- values and gradients ----------------------------------------------------------------------


def test_elementwise_values_match_numpy():
    a, b, c = _rand(2, 3, 4), _rand(2, 3, 4, seed=1), _rand(2, 1, 4, seed=2)
    np.testing.assert_allclose(layers.Add()([a, b, c]).data, a + b + c, rtol=1e-6)
    np.testing.assert_allclose(layers.Subtract()([a, c]).data, a - c, rtol=1e-6)
    np.testing.assert_allclose(layers.Multiply()([a, b, c]).data, a * b * c, rtol=1e-6)
    np.testing.assert_allclose(layers.Average()([a, b, c]).data, (a + b + c) / 3, rtol=1e-6)
    np.testing.assert_array_equal(layers.Maximum()([a, b, c]).data,
                                  np.maximum(np.maximum(a, b), c))
    np.testing.assert_array_equal(layers.Minimum()([a, b]).data, np.minimum(a, b))
    # a lower-rank input gets its missing axes right after the batch axis
    v = _rand(2, 4, seed=3)
    np.testing.assert_allclose(layers.Add()([a, v]).data, a + v[:, None, :], rtol=1e-6)
    np.testing.assert_array_equal(layers.Add()([a]).data, a)


def test_concatenate_values():
    a, b = _rand(2, 3, 4), _rand(2, 3, 2, seed=1)
    np.testing.assert_array_equal(layers.Concatenate()([a, b]).data, np.concatenate([a, b], -1))
    np.testing.assert_array_equal(layers.Concatenate(axis=1)([a, a]).data,
                                  np.concatenate([a, a], 1))


@pytest.mark.parametrize("shapes,axes", [
    (((3, 4), (3, 4)), 1),
    (((3, 2, 4), (3, 4, 5)), (2, 1)),
    (((3, 4, 2), (3, 4, 5)), 1),
    (((3, 2, 4), (3, 5, 4)), -1),
    (((3, 4), (3, 4, 5)), (1, 1)),
    (((3, 2, 4), (3, 4)), (-1, -1)),
    (((3, 2, 3, 4), (3, 4, 2, 2)), (3, 1)),
], ids=["vectors", "matmul", "axis1", "negative", "vec_mat", "mat_vec", "4d"])
def test_dot_matches_batched_tensordot_and_gradchecks(shapes, axes):
    x, y = _rand(*shapes[0], dtype=np.float64), _rand(*shapes[1], seed=1, dtype=np.float64)
    layer = layers.Dot(axes=axes)
    out = layer([nr.tensor(x), nr.tensor(y)])
    pair = (axes, axes) if isinstance(axes, int) else axes
    ax, ay = pair[0] % x.ndim, pair[1] % y.ndim
    np.testing.assert_allclose(out.data, _batch_dot(x, y, ax, ay), rtol=1e-10)
    tx, ty = nr.tensor(x, requires_grad=True), nr.tensor(y, requires_grad=True)
    assert nr.testing.gradcheck(lambda a, b: layer([a, b]), [tx, ty])


def test_dot_normalize_is_cosine_similarity():
    x, y = _rand(5, 8), _rand(5, 8, seed=1)
    x[0] = 0.0  # a zero vector stays finite
    out = layers.Dot(axes=1, normalize=True)([x, y]).data
    norms = np.maximum(np.linalg.norm(x, axis=1), 1e-7) * np.linalg.norm(y, axis=1)
    np.testing.assert_allclose(out[:, 0], (x * y).sum(1) / norms, rtol=1e-5, atol=1e-7)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    tx = nr.tensor(_rand(4, 3, dtype=np.float64), requires_grad=True)
    ty = nr.tensor(_rand(4, 3, seed=2, dtype=np.float64), requires_grad=True)
    assert nr.testing.gradcheck(
        lambda a, b: layers.Dot(axes=1, normalize=True)([a, b]), [tx, ty])


@pytest.mark.parametrize("make", [layers.Add, layers.Subtract, layers.Multiply, layers.Average,
                                  layers.Maximum, layers.Minimum, layers.Concatenate])
def test_gradients_reach_every_input(make):
    a = nr.tensor(_rand(3, 4, dtype=np.float64), requires_grad=True)
    b = nr.tensor(_rand(3, 1, seed=1, dtype=np.float64) if make is not layers.Concatenate
                  else _rand(3, 2, seed=1, dtype=np.float64), requires_grad=True)
    assert nr.testing.gradcheck(lambda x, y: make()([x, y]), [a, b])


# -- inside models -------------------------------------------------------------------------------


def test_merges_inside_a_functional_model_with_two_inputs():
    nr.utils.set_seed(0)
    left, right = nr.Input(shape=(4,), name="left"), nr.Input(shape=(4,), name="right")
    a = layers.Dense(8, activation="relu")(left)
    b = layers.Dense(8, activation="relu")(right)
    merged = layers.concatenate([layers.add([a, b]), layers.multiply([a, b]),
                                 layers.Dot(axes=1)([a, b])])
    assert merged.shape == (None, 17)
    model = nr.Model([left, right], layers.Dense(1)(merged))
    xl, xr = _rand(64, 4), _rand(64, 4, seed=1)
    y = (xl[:, :1] * xr[:, 1:2] + xl[:, 2:3]).astype(np.float32)
    model.compile(optimizer="adam", loss="mse")
    history = model.fit([xl, xr], y, epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    by_name = model.predict({"left": xl, "right": xr}, verbose=0)
    np.testing.assert_allclose(by_name, model.predict([xl, xr], verbose=0), rtol=1e-6)


def test_function_forms_match_the_layers():
    a, b = _rand(2, 3), _rand(2, 3, seed=1)
    pairs = [(layers.add, layers.Add()), (layers.subtract, layers.Subtract()),
             (layers.multiply, layers.Multiply()), (layers.average, layers.Average()),
             (layers.maximum, layers.Maximum()), (layers.minimum, layers.Minimum()),
             (layers.concatenate, layers.Concatenate())]
    for fn, layer in pairs:
        np.testing.assert_array_equal(fn([a, b]).data, layer([a, b]).data)
    np.testing.assert_array_equal(layers.dot([a, b], axes=1).data,
                                  layers.Dot(axes=1)([a, b]).data)
    assert layers.concatenate([a, b], axis=1, name="joined").shape == (2, 6)
    x = nr.Input(shape=(3,))
    assert layers.add([x, x]).shape == (None, 3)


# -- errors ----------------------------------------------------------------------------------


def test_merge_needs_a_list():
    with pytest.raises(ValueError, match=r"Add 'sum' should be called on a list of tensors, e\.g\. "
                                         r"Add\(\)\(\[a, b\]\); got a single Tensor of shape "
                                         r"\(2, 3\)"):
        layers.Add(name="sum")(nr.ones(2, 3))
    with pytest.raises(ValueError, match=r"Maximum 'mx' should be called on at least 1 input, "
                                         r"got an empty list"):
        layers.Maximum(name="mx")([])


def test_wrong_number_of_inputs():
    a = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match=r"Subtract 'sub' should be called on exactly 2 inputs, "
                                         r"got 3 with shapes \(2, 3\), \(2, 3\), \(2, 3\)"):
        layers.Subtract(name="sub")([a, a, a])
    with pytest.raises(ValueError, match=r"Dot 'd' should be called on exactly 2 inputs, got 1"):
        layers.Dot(axes=1, name="d")([a])


def test_mismatched_shapes_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Add 'add_bad' got inputs with incompatible shapes "
                                         r"\(2, 3\), \(2, 4\): apart from the batch axis"):
        layers.Add(name="add_bad")([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match=r"Multiply 'm' cannot merge inputs with different batch "
                                         r"sizes; got shapes \(2, 3\), \(5, 3\)"):
        layers.Multiply(name="m")([np.ones((2, 3)), np.ones((5, 3))])
    with pytest.raises(ValueError, match=r"Concatenate 'c' needs inputs that match on every axis "
                                         r"except the concatenation axis -1; got shapes "
                                         r"\(2, 3, 4\), \(2, 5, 4\)"):
        layers.Concatenate(name="c")([np.ones((2, 3, 4)), np.ones((2, 5, 4))])
    with pytest.raises(ValueError, match=r"Concatenate 'c2' needs inputs with the same number of "
                                         r"axes; got shapes \(2, 3\), \(2, 3, 1\)"):
        layers.Concatenate(name="c2")([np.ones((2, 3)), np.ones((2, 3, 1))])
    with pytest.raises(ValueError, match=r"Concatenate 'c3': axis 0 is not a non-batch axis"):
        layers.Concatenate(axis=0, name="c3")([np.ones((2, 3)), np.ones((2, 3))])
    with pytest.raises(ValueError, match=r"Dot 'd': axis 1 of the first input \(size 3\) and axis "
                                         r"1 of the second \(size 4\) must have the same size; "
                                         r"got shapes \(2, 3\), \(2, 4\)"):
        layers.Dot(axes=1, name="d")([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match=r"Dot 'd0': axis 0 is not a non-batch axis of the first "
                                         r"input, of shape \(2, 3\) \(the batch axis 0 cannot be "
                                         r"contracted\)"):
        layers.Dot(axes=0, name="d0")([np.ones((2, 3)), np.ones((2, 3))])
    with pytest.raises(ValueError, match=r"Dot 'd1' needs inputs with at least 2 axes"):
        layers.Dot(axes=1, name="d1")([np.ones(2), np.ones(2)])


def test_mismatch_in_a_functional_model_is_caught_when_building():
    a, b = nr.Input(shape=(3,)), nr.Input(shape=(4,))
    with pytest.raises(ValueError, match=r"Add 'joined' got inputs with incompatible shapes "
                                         r"\(\d+, 3\), \(\d+, 4\)"):
        layers.Add(name="joined")([a, b])


def test_argument_errors():
    with pytest.raises(TypeError, match=r"Dot: axes must be an int or a pair of ints, got 'last'"):
        layers.Dot(axes="last")
    with pytest.raises(ValueError, match=r"Dot: axes must be an int or a pair of ints, got "
                                         r"\(1, 2, 3\)"):
        layers.Dot(axes=(1, 2, 3))
    with pytest.raises(TypeError, match=r"Concatenate: axis must be an int, got 1\.5"):
        layers.Concatenate(axis=1.5)


# -- property test: random shapes --------------------------------------------------------------

_LAYERS = [
    (lambda: layers.Add(), lambda xs: sum(xs[1:], xs[0])),
    (lambda: layers.Subtract(), lambda xs: xs[0] - xs[1]),
    (lambda: layers.Multiply(), lambda xs: np.prod(np.broadcast_arrays(*xs), axis=0)),
    (lambda: layers.Average(), lambda xs: sum(xs[1:], xs[0]) / len(xs)),
    (lambda: layers.Maximum(), lambda xs: np.max(np.broadcast_arrays(*xs), axis=0)),
    (lambda: layers.Minimum(), lambda xs: np.min(np.broadcast_arrays(*xs), axis=0)),
    (lambda: layers.Concatenate(), lambda xs: np.concatenate(xs, axis=-1)),
    (lambda: layers.Concatenate(axis=1), lambda xs: np.concatenate(xs, axis=1)),
    (lambda: layers.Dot(axes=-1), lambda xs: _batch_dot(xs[0], xs[1], xs[0].ndim - 1,
                                                        xs[1].ndim - 1)),
    (lambda: layers.Dot(axes=(1, 1)), lambda xs: _batch_dot(xs[0], xs[1], 1, 1)),
]


def _aligned(xs):
    # the layers' convention: missing axes of a lower-rank input go right after the batch axis
    rank = max(x.ndim for x in xs)
    return [x.reshape(x.shape[:1] + (1,) * (rank - x.ndim) + x.shape[1:]) if x.ndim else x
            for x in xs]


@settings(max_examples=250, deadline=None)
@given(which=st.integers(0, len(_LAYERS) - 1),
       shapes=st.lists(st.lists(st.integers(1, 3), min_size=0, max_size=4).map(tuple),
                       min_size=1, max_size=3),
       dtype=st.sampled_from(["float32", "float64"]))
def test_random_shapes_give_a_result_or_a_clear_error(which, shapes, dtype):
    make, reference = _LAYERS[which]
    layer = make()
    xs = [np.random.default_rng(i).normal(size=s).astype(dtype) for i, s in enumerate(shapes)]
    try:
        out = layer([nr.tensor(x) for x in xs])
    except (ValueError, TypeError) as err:
        assert type(layer).__name__ in str(err), f"unclear error: {err}"
        return
    expected = reference(_aligned(xs) if which < 6 else xs)
    np.testing.assert_allclose(out.data, expected, rtol=1e-5, atol=1e-6)
    assert out.dtype == np.dtype(dtype)
