import numpy as np
import pytest

from neurona import optimizers

from .helpers import INIT, assert_same_trajectory, train_nr, train_reference


def keras_lion(lr, beta_1=0.9, beta_2=0.99):
    # PyTorch 2.13 has no Lion: the reference is Keras's formula
    def update(p, g, st, t):
        m = st.get("m", 0 * p)
        p = p - lr * np.sign(m * beta_1 + g * (1 - beta_1))
        st["m"] = m * beta_2 + g * (1 - beta_2)
        return p

    return update


@pytest.mark.parametrize("beta_1, beta_2", [(0.9, 0.99), (0.5, 0.9), (1.0, 0.0)])
def test_matches_keras_formula(beta_1, beta_2):
    got = train_nr(lambda ps: optimizers.Lion(ps, lr=0.01, beta_1=beta_1, beta_2=beta_2))
    want = train_reference(keras_lion(0.01, beta_1, beta_2))
    assert_same_trajectory(got, want)


def test_every_element_moves_by_lr():
    got = train_nr(lambda ps: optimizers.Lion(ps, lr=0.01), steps=1)
    for p, p0 in zip(got[0], INIT, strict=True):
        np.testing.assert_allclose(np.abs(p - p0), 0.01, rtol=1e-12)


def test_with_weight_decay():
    got = train_nr(lambda ps: optimizers.Lion(ps, lr=0.01, weight_decay=0.5))
    want = train_reference(keras_lion(0.01), lr=0.01, weight_decay=0.5)
    assert_same_trajectory(got, want)


def test_defaults():
    opt = optimizers.Lion()
    assert (opt.learning_rate, opt.beta_1, opt.beta_2, opt.name) == (0.001, 0.9, 0.99, "lion")


@pytest.mark.parametrize("beta_1", [0.0, 1.5])
def test_beta_1_out_of_range(beta_1):
    with pytest.raises(ValueError, match=r"Lion: beta_1 must be > 0.0 and <= 1.0, got"):
        optimizers.Lion(beta_1=beta_1)
