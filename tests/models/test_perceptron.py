"""The McCulloch–Pitts neuron and Rosenblatt's perceptron (neurona/models/perceptron.py)."""

import numpy as np
import pytest

import neurona as nr
from neurona.data.datasets import logic_gates, tennis
from neurona.models.perceptron import McCullochPitts, Perceptron

SEPARABLE = ["and", "or", "and_not", "nand", "nor"]


# -- McCulloch–Pitts ------------------------------------------------------------------------------

@pytest.mark.parametrize("gate, weights, threshold", [
    ("and", [1, 1], 2),
    ("or", [2, 2], 2),
    ("and_not", [2, -1], 2),
])
def test_mcculloch_pitts_gates(gate, weights, threshold):
    x, y = logic_gates.load_data(gate, dtype="int64")
    neuron = McCullochPitts(weights, threshold)
    out = neuron(x)
    assert out.dtype == np.int64 and out.shape == (4,)
    np.testing.assert_array_equal(out, y)
    # one sample gives a Python int
    assert [neuron(row) for row in x] == y.tolist()
    assert isinstance(neuron(x[0]), int)


def test_mcculloch_pitts_fires_at_the_threshold():
    neuron = McCullochPitts([1.0, 1.0], threshold=2.0)
    assert neuron([1, 1]) == 1  # the sum reaches the threshold: fires
    assert neuron([1, 0.999]) == 0


def test_mcculloch_pitts_xor_from_three_neurons():
    x, y = logic_gates.load_data("xor", dtype="int64")
    z1 = McCullochPitts([2, -1], 2)
    z2 = McCullochPitts([-1, 2], 2)
    out = McCullochPitts([2, 2], 2)(np.stack([z1(x), z2(x)], axis=1))
    np.testing.assert_array_equal(out, y)


def test_mcculloch_pitts_accepts_tensors_and_repr():
    neuron = McCullochPitts(nr.tensor([1.0, 1.0]), 1)
    np.testing.assert_array_equal(neuron(nr.tensor([[0.0, 1.0], [0.0, 0.0]])), [1, 0])
    assert repr(neuron) == "McCullochPitts(weights=[1, 1], threshold=1)"


@pytest.mark.parametrize("weights, threshold, match", [
    ([[1, 1]], 1, "weights must be a non-empty 1-D sequence of numbers"),
    ([], 1, "weights must be a non-empty 1-D sequence"),
    (["a", "b"], 1, "weights must be a non-empty 1-D sequence of numbers"),
    ([1, np.inf], 1, "weights must be finite"),
    ([1, 1], float("nan"), "threshold must be a finite number"),
    ([1, 1], "2", "threshold must be a finite number"),
])
def test_mcculloch_pitts_bad_arguments(weights, threshold, match):
    with pytest.raises(ValueError, match=match):
        McCullochPitts(weights, threshold)


@pytest.mark.parametrize("x", [[1, 1, 1], [[1, 1, 1]], [[[1, 1]]], 3])
def test_mcculloch_pitts_bad_input_shape(x):
    with pytest.raises(ValueError, match=r"McCullochPitts: x must have shape \(2,\) or "
                                         r"\(batch, 2\) for a neuron with 2 weights, got shape"):
        McCullochPitts([1, 1], 2)(x)


# -- Perceptron: learning -------------------------------------------------------------------------

@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("gate", SEPARABLE)
def test_perceptron_learns_separable_gates(gate, shuffle):
    x, y = logic_gates.load_data(gate)
    p = Perceptron(seed=0, shuffle=shuffle).fit(x, y)
    assert p.converged_
    assert p.errors_per_epoch_[-1] == 0 and all(e > 0 for e in p.errors_per_epoch_[:-1])
    assert p.n_epochs_ == len(p.errors_per_epoch_) < p.max_epochs
    np.testing.assert_array_equal(p.predict(x), y)
    assert p.predict(x).dtype == np.int64
    assert p.score(x, y) == 1.0
    # a margin: positives at >= 0, negatives at <= -1 (whole-number weights from zero)
    z = p.decision_function(x)
    assert (z[y == 1] >= 0).all() and (z[y == 0] <= -1).all()
    np.testing.assert_array_equal(p.weights_, np.round(p.weights_))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_perceptron_never_converges_on_xor(seed):
    x, y = logic_gates.load_data("xor")
    p = Perceptron(max_epochs=60, seed=seed).fit(x, y)
    assert not p.converged_
    assert p.n_epochs_ == 60 and len(p.errors_per_epoch_) == 60
    assert min(p.errors_per_epoch_) >= 1
    assert p.score(x, y) < 1.0


def test_perceptron_follows_rosenblatts_rule_step_by_step():
    # AND in the slides' order (11, 10, 01, 00), from zero weights, learning rate 1:
    # epoch 1: (1,1) -> z=0 -> 1, right; (1,0) -> z=0 -> 1, wrong: w=(0,0)-(1,0)=(-1,0), b=-1;
    # (0,1) -> z=-1 -> 0, right; (0,0) -> z=-1 -> 0, right.
    x, y = logic_gates.load_data("and")
    p = Perceptron(max_epochs=1, shuffle=False).fit(x, y)
    np.testing.assert_array_equal(p.weights_, [-1.0, 0.0])
    assert p.bias_ == -1.0 and p.errors_per_epoch_ == [1] and not p.converged_


def test_perceptron_learning_rate_scales_the_weights():
    x, y = logic_gates.load_data("or")
    a = Perceptron(learning_rate=1.0, shuffle=False).fit(x, y)
    b = Perceptron(learning_rate=0.1, shuffle=False).fit(x, y)
    # from zero weights the decisions are the same, so the weights scale with the rate
    np.testing.assert_allclose(b.weights_, 0.1 * a.weights_)
    assert b.errors_per_epoch_ == a.errors_per_epoch_


def test_perceptron_sign_activation():
    x, y = logic_gates.load_data("or")
    y = 2 * y - 1  # -1 / +1
    p = Perceptron(activation="sign", seed=0).fit(x, y)
    assert p.converged_
    np.testing.assert_array_equal(p.predict(x), y)
    assert set(np.unique(p.predict(x)).tolist()) == {-1, 1}


def test_perceptron_is_seeded_and_leaves_numpy_global_state_alone():
    x, y = tennis.load_data()
    state = np.random.get_state()[1].copy()
    a = Perceptron(max_epochs=30, seed=3).fit(x, y)
    b = Perceptron(max_epochs=30, seed=3).fit(x, y)
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    assert a.errors_per_epoch_ == b.errors_per_epoch_
    np.testing.assert_array_equal(a.weights_, b.weights_)
    # refitting starts again from scratch
    np.testing.assert_array_equal(a.fit(x, y).weights_, b.weights_)
    # seed=None draws from neurona's generator: reproducible through nr.utils.set_seed
    nr.utils.set_seed(5)
    c = Perceptron(max_epochs=30).fit(x, y).errors_per_epoch_
    nr.utils.set_seed(5)
    assert Perceptron(max_epochs=30).fit(x, y).errors_per_epoch_ == c


def test_perceptron_tennis_reaches_the_best_possible():
    # two contradictory groups cap any model at 10 of 12; the perceptron cycles there
    x, y = tennis.load_data()
    p = Perceptron(shuffle=False).fit(x, y)
    assert not p.converged_
    assert p.score(x, y) == pytest.approx(10 / 12)


def test_perceptron_accepts_lists_tensors_and_column_labels():
    x, y = logic_gates.load_data("and")
    p = Perceptron(seed=0).fit(nr.tensor(x), y.reshape(-1, 1).astype(np.int64))
    np.testing.assert_array_equal(p.predict(x.tolist()), y)
    assert repr(p) == ("Perceptron(learning_rate=1, max_epochs=100, activation='step', seed=0, "
                       "shuffle=True)")


# -- Perceptron: errors ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    ({"learning_rate": 0}, "learning_rate must be a finite number > 0, got 0"),
    ({"learning_rate": float("inf")}, "learning_rate must be a finite number > 0"),
    ({"learning_rate": "1"}, "learning_rate must be a finite number > 0"),
    ({"max_epochs": 0}, "max_epochs must be an integer >= 1, got 0"),
    ({"max_epochs": 2.5}, "max_epochs must be an integer >= 1, got 2.5"),
    ({"max_epochs": True}, "max_epochs must be an integer >= 1"),
    ({"activation": "stpe"}, "unknown activation 'stpe'. Did you mean 'step'\\? Valid names: "
                             "step, sign"),
    ({"activation": "relu"}, "unknown activation 'relu'. Valid names: step, sign"),
    ({"seed": -1}, "seed must be None or an integer >= 0, got -1"),
    ({"seed": 1.5}, "seed must be None or an integer >= 0"),
    ({"shuffle": "yes"}, "shuffle must be True or False, got 'yes'"),
])
def test_perceptron_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=f"Perceptron: {match}"):
        Perceptron(**kwargs)


@pytest.mark.parametrize("x, y, error, match", [
    ([0, 1, 1], [0, 1, 1], ValueError,
     r"x must have shape \(n_samples, n_features\), got shape \(3,\)\. For one sample"),
    (np.zeros((0, 2)), [], ValueError, r"x has no samples \(shape \(0, 2\)\)"),
    ([["a", "b"]], [1], TypeError, "x must hold numbers, got dtype <U1"),
    ([[0, 1], [np.nan, 1]], [0, 1], ValueError, "x has NaN or Inf values, first in row 1"),
    ([[0, 1], [1, 1]], [0, 1, 1], ValueError,
     r"y must have shape \(2,\), one label per row of x \(2, 2\), got shape \(3,\)"),
    ([[0, 1], [1, 1]], [[0, 1], [1, 1]], ValueError, r"y must have shape \(2,\)"),
    ([[0, 1], [1, 1]], [0, 2], ValueError,
     r"activation 'step' needs labels 0 and 1, got other values \[2\]"),
    ([[0, 1], [1, 1]], ["a", "b"], ValueError, "y must hold numeric labels 0 and 1"),
])
def test_perceptron_fit_bad_data(x, y, error, match):
    with pytest.raises(error, match=f"Perceptron.fit: {match}"):
        Perceptron(seed=0).fit(x, y)


def test_perceptron_sign_refuses_zero_one_labels():
    with pytest.raises(ValueError, match=r"activation 'sign' needs labels -1 and 1, got other "
                                         r"values \[0\]"):
        Perceptron(activation="sign").fit([[0, 1], [1, 1]], [0, 1])


def test_perceptron_before_fit_and_wrong_features():
    p = Perceptron(seed=0)
    for method in (p.predict, p.decision_function):
        with pytest.raises(RuntimeError, match="not fitted yet; call fit"):
            method([[0, 1]])
    x, y = logic_gates.load_data("and")
    p.fit(x, y)
    with pytest.raises(ValueError, match=r"Perceptron.predict: x must have 2 features \(the "
                                         r"number seen by fit\), got shape \(1, 3\)"):
        p.predict([[0, 1, 1]])
    with pytest.raises(ValueError, match=r"Perceptron.score: y must have shape \(4,\), got "
                                         r"shape \(3,\)"):
        p.score(x, [0, 1, 1])
