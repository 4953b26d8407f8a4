import numpy as np
import pytest

from neurona import optimizers

from .helpers import assert_same_trajectory, make_params, train_nr, train_reference, train_torch


def keras_adagrad(lr, initial_accumulator_value=0.1, epsilon=1e-7):
    def update(p, g, st, t):
        acc = st["acc"] = st.get("acc", 0 * p + initial_accumulator_value) + g * g
        return p - lr * g / np.sqrt(acc + epsilon)

    return update


def keras_adadelta(lr, rho=0.95, epsilon=1e-7):
    def update(p, g, st, t):
        acc_g = st["g"] = rho * st.get("g", 0 * p) + (1 - rho) * g * g
        acc_d = st.get("d", 0 * p)
        delta = -(np.sqrt(acc_d + epsilon) * g) / np.sqrt(acc_g + epsilon)
        st["d"] = rho * acc_d + (1 - rho) * delta * delta
        return p + lr * delta

    return update


# -- Adagrad ------------------------------------------------------------------------------------


def test_adagrad_matches_keras_formula():
    got = train_nr(lambda ps: optimizers.Adagrad(ps, lr=0.1))
    assert_same_trajectory(got, train_reference(keras_adagrad(0.1)))


def test_adagrad_matches_torch():
    # PyTorch adds epsilon after the square root, Keras under it: equal when epsilon is 0
    torch = pytest.importorskip("torch")
    got = train_nr(lambda ps: optimizers.Adagrad(ps, lr=0.1, initial_accumulator_value=0.2,
                                                 epsilon=0.0))
    want = train_torch(lambda ps: torch.optim.Adagrad(ps, lr=0.1, initial_accumulator_value=0.2,
                                                      eps=0.0))
    assert_same_trajectory(got, want)


def test_adagrad_accumulator_starts_at_initial_value():
    opt = optimizers.Adagrad(initial_accumulator_value=0.3)
    params = make_params()
    opt.build(params)
    assert np.all(opt.groups[0].slots["accumulator"] == 0.3)
    assert opt.state_dict()["accumulator/2"].shape == ()


def test_adagrad_defaults():
    opt = optimizers.Adagrad()
    assert (opt.learning_rate, opt.initial_accumulator_value, opt.epsilon, opt.name) == (
        0.001, 0.1, 1e-7, "adagrad")


def test_adagrad_negative_accumulator():
    with pytest.raises(ValueError, match="Adagrad: initial_accumulator_value must be >= 0.0"):
        optimizers.Adagrad(initial_accumulator_value=-1)


# -- Adadelta -----------------------------------------------------------------------------------


def test_adadelta_matches_keras_formula():
    got = train_nr(lambda ps: optimizers.Adadelta(ps, lr=1.0))
    assert_same_trajectory(got, train_reference(keras_adadelta(1.0)))


def test_adadelta_matches_torch():
    # the same formula, epsilon included
    torch = pytest.importorskip("torch")
    got = train_nr(lambda ps: optimizers.Adadelta(ps, lr=1.0, rho=0.9, epsilon=1e-6))
    want = train_torch(lambda ps: torch.optim.Adadelta(ps, lr=1.0, rho=0.9, eps=1e-6))
    assert_same_trajectory(got, want)


def test_adadelta_defaults():
    opt = optimizers.Adadelta()
    assert (opt.learning_rate, opt.rho, opt.epsilon, opt.name) == (0.001, 0.95, 1e-7, "adadelta")
    assert opt.slot_names() == ("accumulated_grad", "accumulated_delta_var")
