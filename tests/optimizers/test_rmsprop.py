import numpy as np
import pytest

from neurona import optimizers

from .helpers import assert_same_trajectory, train_nr, train_reference, train_torch


def keras_rmsprop(lr, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    """Keras 3's RMSprop update, written out (epsilon under the square root)."""

    def update(p, g, st, t):
        v = st["v"] = rho * st.get("v", 0 * p) + (1 - rho) * g * g
        if centered:
            a = st["a"] = rho * st.get("a", 0 * p) + (1 - rho) * g
            denominator = v - a * a + epsilon
        else:
            denominator = v + epsilon
        increment = lr * g / np.sqrt(denominator)
        if momentum > 0:
            mom = st["mom"] = momentum * st.get("mom", 0 * p) + increment
            return p - mom
        return p - increment

    return update


CASES = [(0.0, False), (0.9, False), (0.0, True), (0.5, True)]


@pytest.mark.parametrize("momentum, centered", CASES)
def test_matches_keras_formula(momentum, centered):
    got = train_nr(lambda ps: optimizers.RMSprop(ps, lr=0.01, momentum=momentum,
                                                 centered=centered))
    want = train_reference(keras_rmsprop(0.01, momentum=momentum, centered=centered))
    assert_same_trajectory(got, want)


@pytest.mark.parametrize("momentum, centered", CASES)
def test_matches_torch(momentum, centered):
    # PyTorch adds epsilon after the square root, Keras under it: equal when epsilon is 0.
    # PyTorch's momentum buffer holds g / rms and is scaled by lr when applied; with a
    # constant learning rate the trajectories are the same.
    torch = pytest.importorskip("torch")
    got = train_nr(lambda ps: optimizers.RMSprop(ps, lr=0.01, rho=0.8, momentum=momentum,
                                                 centered=centered, epsilon=0.0))
    want = train_torch(lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.8, eps=0.0,
                                                      momentum=momentum, centered=centered))
    assert_same_trajectory(got, want)


def test_defaults_and_slots():
    opt = optimizers.RMSprop()
    assert (opt.learning_rate, opt.rho, opt.momentum, opt.epsilon, opt.centered, opt.name) == (
        0.001, 0.9, 0.0, 1e-7, False, "rmsprop")
    assert opt.slot_names() == ("velocity",)
    assert optimizers.RMSprop(momentum=0.9, centered=True).slot_names() == (
        "velocity", "momentum", "average_gradient")


def test_rho_out_of_range():
    with pytest.raises(ValueError, match=r"RMSprop: rho must be >= 0.0 and <= 1.0, got 1.5"):
        optimizers.RMSprop(rho=1.5)
