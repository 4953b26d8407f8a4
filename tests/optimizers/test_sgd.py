import pytest

from neurona import optimizers

from .helpers import (
    assert_same_trajectory,
    make_params,
    train_nr,
    train_reference,
    train_torch,
)


def keras_sgd(lr, momentum=0.0, nesterov=False):
    """Keras 3's SGD update, written out."""

    def update(p, g, st, t):
        if momentum == 0:
            return p - lr * g
        v = st.get("v", 0 * p)
        v = momentum * v - lr * g
        st["v"] = v
        return p + (momentum * v - lr * g if nesterov else v)

    return update


@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_matches_keras_formula(momentum, nesterov):
    got = train_nr(lambda ps: optimizers.SGD(ps, lr=0.05, momentum=momentum, nesterov=nesterov))
    assert_same_trajectory(got, train_reference(keras_sgd(0.05, momentum, nesterov)))


@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.5, True)])
def test_matches_torch(momentum, nesterov):
    # torch keeps v' = m v' + g and steps p -= lr v'; Keras keeps v = -lr v': with a constant
    # learning rate the parameter trajectories are the same
    torch = pytest.importorskip("torch")
    got = train_nr(lambda ps: optimizers.SGD(ps, lr=0.05, momentum=momentum, nesterov=nesterov))
    want = train_torch(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=momentum,
                                                  nesterov=nesterov))
    assert_same_trajectory(got, want)


def test_matches_torch_float32():
    torch = pytest.importorskip("torch")
    got = train_nr(lambda ps: optimizers.SGD(ps, lr=0.05, momentum=0.9), dtype="float32")
    want = train_torch(lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9), dtype="float32")
    assert got[-1][0].dtype == "float32"
    assert_same_trajectory(got, want, rtol=1e-5, atol=1e-6)


def test_decoupled_weight_decay():
    got = train_nr(lambda ps: optimizers.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.1))
    want = train_reference(keras_sgd(0.05, 0.9), lr=0.05, weight_decay=0.1)
    assert_same_trajectory(got, want)


def test_no_state_without_momentum():
    opt = optimizers.SGD(make_params())
    assert opt.slot_names() == ()
    assert opt.state_dict() == {"iterations": 0, "learning_rate": 0.01}


def test_defaults_and_config():
    opt = optimizers.SGD()
    assert (opt.learning_rate, opt.momentum, opt.nesterov, opt.name) == (0.01, 0.0, False, "SGD")
    config = opt.get_config()
    assert config["momentum"] == 0.0 and config["nesterov"] is False
    assert optimizers.SGD.from_config(config).get_config() == config


@pytest.mark.parametrize("momentum", [-0.1, 1.5])
def test_momentum_out_of_range(momentum):
    with pytest.raises(ValueError, match=r"SGD: momentum must be >= 0.0 and <= 1.0, got"):
        optimizers.SGD(momentum=momentum)
