import numpy as np
import pytest

from neurona import optimizers

from .helpers import assert_same_trajectory, train_nr, train_reference, train_torch


def keras_adam(lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    """Keras 3's Adam update, written out (epsilon outside the bias correction)."""

    def update(p, g, st, t):
        m = st.get("m", 0 * p) + (g - st.get("m", 0 * p)) * (1 - beta_1)
        v = st.get("v", 0 * p) + (g * g - st.get("v", 0 * p)) * (1 - beta_2)
        st["m"], st["v"] = m, v
        if amsgrad:
            v = st["v_hat"] = np.maximum(st.get("v_hat", 0 * p), v)
        alpha = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        return p - m * alpha / (np.sqrt(v) + epsilon)

    return update


def keras_adamax(lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    def update(p, g, st, t):
        m = st["m"] = st.get("m", 0 * p) + (g - st.get("m", 0 * p)) * (1 - beta_1)
        u = st["u"] = np.maximum(beta_2 * st.get("u", 0 * p), np.abs(g))
        return p - lr * m / ((1 - beta_1**t) * (u + epsilon))

    return update


def keras_nadam(lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    product = {"u": 1.0, "t": 0}  # shared by all parameters, advanced once per step

    def update(p, g, st, t):
        u_t = beta_1 * (1 - 0.5 * 0.96**t)
        u_next = beta_1 * (1 - 0.5 * 0.96 ** (t + 1))
        if product["t"] != t:
            product["u"] *= u_t
            product["t"] = t
        prod = product["u"]
        m = st["m"] = st.get("m", 0 * p) + (g - st.get("m", 0 * p)) * (1 - beta_1)
        v = st["v"] = st.get("v", 0 * p) + (g * g - st.get("v", 0 * p)) * (1 - beta_2)
        m_hat = u_next * m / (1 - prod * u_next) + (1 - u_t) * g / (1 - prod)
        v_hat = v / (1 - beta_2**t)
        return p - m_hat * lr / (np.sqrt(v_hat) + epsilon)

    return update


# -- Adam ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_matches_keras_formula(amsgrad):
    got = train_nr(lambda ps: optimizers.Adam(ps, lr=0.05, amsgrad=amsgrad))
    assert_same_trajectory(got, train_reference(keras_adam(0.05, amsgrad=amsgrad)))


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_matches_torch(amsgrad):
    # Keras adds epsilon to sqrt(v) before the bias correction of v, PyTorch after it: the
    # two agree exactly when epsilon is 0
    torch = pytest.importorskip("torch")
    got = train_nr(lambda ps: optimizers.Adam(ps, lr=0.05, epsilon=0.0, amsgrad=amsgrad))
    want = train_torch(lambda ps: torch.optim.Adam(ps, lr=0.05, eps=0.0, amsgrad=amsgrad))
    assert_same_trajectory(got, want)


def test_adam_matches_torch_float32():
    torch = pytest.importorskip("torch")
    got = train_nr(lambda ps: optimizers.Adam(ps, lr=0.01, epsilon=0.0), dtype="float32")
    want = train_torch(lambda ps: torch.optim.Adam(ps, lr=0.01, eps=0.0), dtype="float32")
    assert all(p.dtype == np.float32 for p in got[-1])
    assert_same_trajectory(got, want, rtol=1e-5, atol=1e-6)


def test_adam_epsilon_placement_is_keras():
    # with a large epsilon the two conventions differ visibly; neurona follows Keras
    got = train_nr(lambda ps: optimizers.Adam(ps, lr=0.05, epsilon=0.1), steps=2)
    keras = train_reference(keras_adam(0.05, epsilon=0.1), steps=2)
    assert_same_trajectory(got, keras)


def test_adam_defaults():
    opt = optimizers.Adam()
    assert (opt.learning_rate, opt.beta_1, opt.beta_2, opt.epsilon, opt.amsgrad, opt.name) == (
        0.001, 0.9, 0.999, 1e-7, False, "adam")
    assert opt.slot_names() == ("momentum", "velocity")
    assert optimizers.Adam(amsgrad=True).slot_names() == ("momentum", "velocity", "velocity_hat")


@pytest.mark.parametrize("beta", [-0.1, 1.0])
def test_adam_beta_out_of_range(beta):
    with pytest.raises(ValueError, match=r"Adam: beta_1 must be >= 0.0 and < 1.0, got"):
        optimizers.Adam(beta_1=beta)


def test_adam_epsilon_negative():
    with pytest.raises(ValueError, match=r"Adam: epsilon must be >= 0.0, got -1e-07"):
        optimizers.Adam(epsilon=-1e-7)


# -- AdamW --------------------------------------------------------------------------------------


def test_adamw_matches_torch():
    torch = pytest.importorskip("torch")
    got = train_nr(lambda ps: optimizers.AdamW(ps, lr=0.05, weight_decay=0.1, epsilon=0.0))
    want = train_torch(lambda ps: torch.optim.AdamW(ps, lr=0.05, weight_decay=0.1, eps=0.0))
    assert_same_trajectory(got, want)


def test_adamw_matches_keras_formula():
    got = train_nr(lambda ps: optimizers.AdamW(ps, lr=0.05))
    want = train_reference(keras_adam(0.05), lr=0.05, weight_decay=0.004)
    assert_same_trajectory(got, want)


def test_adamw_defaults():
    opt = optimizers.AdamW()
    assert (opt.learning_rate, opt.weight_decay, opt.name) == (0.001, 0.004, "adamw")
    assert opt.get_config()["weight_decay"] == 0.004


def test_adamw_needs_weight_decay():
    with pytest.raises(ValueError, match="AdamW: weight_decay must be a number"):
        optimizers.AdamW(weight_decay=None)


# -- Adamax -------------------------------------------------------------------------------------


def test_adamax_matches_keras_formula():
    got = train_nr(lambda ps: optimizers.Adamax(ps, lr=0.05))
    assert_same_trajectory(got, train_reference(keras_adamax(0.05)))


def test_adamax_matches_torch():
    # PyTorch adds epsilon inside the max, Keras to the max: equal when epsilon is 0
    torch = pytest.importorskip("torch")
    got = train_nr(lambda ps: optimizers.Adamax(ps, lr=0.05, epsilon=0.0))
    want = train_torch(lambda ps: torch.optim.Adamax(ps, lr=0.05, eps=0.0))
    assert_same_trajectory(got, want)


def test_adamax_defaults():
    opt = optimizers.Adamax()
    assert (opt.learning_rate, opt.beta_1, opt.beta_2, opt.epsilon, opt.name) == (
        0.001, 0.9, 0.999, 1e-7, "adamax")
    assert opt.slot_names() == ("momentum", "norm")


# -- Nadam --------------------------------------------------------------------------------------


def test_nadam_matches_keras_formula():
    got = train_nr(lambda ps: optimizers.Nadam(ps, lr=0.05))
    assert_same_trajectory(got, train_reference(keras_nadam(0.05)))


def test_nadam_matches_torch():
    # PyTorch's momentum schedule is beta_1 * (1 - 0.5 * 0.96 ** (t * momentum_decay)); Keras
    # uses 0.96 ** t, that is momentum_decay=1. PyTorch keeps its running product of the
    # momentum factors in the default dtype: float64 here, so that the comparison is exact.
    torch = pytest.importorskip("torch")
    got = train_nr(lambda ps: optimizers.Nadam(ps, lr=0.05))
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        want = train_torch(lambda ps: torch.optim.NAdam(ps, lr=0.05, eps=1e-7,
                                                        momentum_decay=1.0))
    finally:
        torch.set_default_dtype(previous)
    assert_same_trajectory(got, want)


def test_nadam_with_weight_decay_matches_keras_formula():
    got = train_nr(lambda ps: optimizers.Nadam(ps, lr=0.05, weight_decay=0.05))
    want = train_reference(keras_nadam(0.05), lr=0.05, weight_decay=0.05)
    assert_same_trajectory(got, want)


def test_nadam_defaults_and_state():
    opt = optimizers.Nadam()
    assert (opt.learning_rate, opt.beta_1, opt.beta_2, opt.epsilon, opt.name) == (
        0.001, 0.9, 0.999, 1e-7, "nadam")
    assert opt.state_dict()["u_product"] == 1.0
