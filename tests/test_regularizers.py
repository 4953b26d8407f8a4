"""Tests for neurona/regularizers.py: penalty values, gradients, dtypes, errors, lookup."""

import json

import numpy as np
import pytest

import neurona as nr
from neurona import regularizers as R
from neurona.testing import gradcheck

# away from 0, where |w| has its kink
W = np.array([[0.8, -1.3, 0.4], [-0.6, 2.1, -0.9]])


def _reference(w, l1=0.0, l2=0.0):
    return l1 * np.abs(w).sum() + l2 * (w * w).sum()


@pytest.mark.parametrize(
    "reg, l1, l2",
    [(R.L1(), 0.01, 0.0), (R.L2(), 0.0, 0.01), (R.L1(0.3), 0.3, 0.0), (R.L2(0.2), 0.0, 0.2),
     (R.L1L2(l1=0.1, l2=0.05), 0.1, 0.05), (R.L1L2(l1=0.1), 0.1, 0.0),
     (R.L1L2(l2=0.05), 0.0, 0.05)],
    ids=repr,
)
def test_value_and_gradient(reg, l1, l2):
    out = reg(nr.tensor(W))
    assert out.shape == () and out.dtype == np.float64
    np.testing.assert_allclose(out.item(), _reference(W, l1, l2), rtol=1e-14)
    w = nr.tensor(W, requires_grad=True)
    assert gradcheck(reg, [w])
    w.grad = None
    reg(w).backward()
    np.testing.assert_allclose(w.grad, l1 * np.sign(W) + 2 * l2 * W, rtol=1e-14)


@pytest.mark.parametrize("reg", [R.L1(), R.L2(), R.L1L2(0.1, 0.1), R.L1L2()], ids=repr)
def test_float32_stays_float32(reg):
    w = nr.tensor(W.astype(np.float32), requires_grad=True)
    out = reg(w)
    assert out.dtype == np.float32
    if out.requires_grad:
        out.backward()
        assert w.grad.dtype == np.float32


def test_zero_factors_give_a_constant_zero():
    out = R.L1L2()(nr.tensor(W, requires_grad=True))
    assert out.item() == 0.0 and out.shape == () and not out.requires_grad
    assert out.dtype == np.float64


def test_added_to_a_loss():
    w = nr.tensor(W, requires_grad=True)
    loss = (w * 2.0).sum() + R.L2(0.5)(w)
    loss.backward()
    np.testing.assert_allclose(w.grad, 2.0 + W)


def test_numpy_array_accepted():
    np.testing.assert_allclose(R.L1(0.5)(W).item(), 0.5 * np.abs(W).sum())


def test_integer_weight_rejected():
    with pytest.raises(TypeError, match=r"L2: expects a floating-point weight, got dtype int64"):
        R.L2()(np.array([1, 2], dtype=np.int64))


def test_keras_defaults_and_configs():
    assert R.L1().get_config() == {"l1": 0.01}
    assert R.L2().get_config() == {"l2": 0.01}
    assert R.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert R.L1(None).l1 == 0.01  # Keras treats None as the default
    assert R.L1L2(l1=1).get_config() == {"l1": 1.0, "l2": 0.0}


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: R.L1(-0.1), r"L1: l1 must be a non-negative number, got l1=-0\.1"),
        (lambda: R.L2(float("nan")), r"L2: l2 must be a non-negative number, got l2=nan"),
        (lambda: R.L1L2(l2=-1), r"L1L2: l2 must be a non-negative number, got l2=-1"),
        (lambda: R.L1L2(l1="0.1"), r"L1L2: l1 must be a non-negative number, got l1='0\.1'"),
        (lambda: R.L2(True), r"L2: l2 must be a non-negative number, got l2=True"),
        (lambda: R.L1(float("inf")), r"L1: l1 must be a non-negative number, got l1=inf"),
    ],
)
def test_bad_factors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# -- lookup -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, cls", [("l1", R.L1), ("l2", R.L2), ("l1_l2", R.L1L2), ("L1", R.L1), ("L2", R.L2),
                  ("L1L2", R.L1L2)]
)
def test_get_by_name(name, cls):
    assert type(R.get(name)) is cls


def test_snake_case_aliases_are_the_classes():
    assert R.l1 is R.L1 and R.l2 is R.L2 and R.l1_l2 is R.L1L2


def test_get_other_identifiers():
    reg = R.L2(0.3)
    assert R.get(None) is None
    assert R.get(reg) is reg
    assert type(R.get(R.L1)) is R.L1

    def custom(w):
        return (w * w).sum()

    assert R.get(custom) is custom
    got = R.get({"class_name": "L1L2", "config": {"l1": 0.2, "l2": 0.1}})
    assert isinstance(got, R.L1L2) and (got.l1, got.l2) == (0.2, 0.1)
    with pytest.raises(ValueError, match=r"Could not interpret regularizer identifier 0\.1 \(type "
                                         r"float\): expected None, a name"):
        R.get(0.1)


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError, match=r"Unknown regularizer 'l1_l3'\. Did you mean 'l1_l2'\? "
                                         r"Valid names: l1, l1_l2, l2"):
        R.get("l1_l3")
    with pytest.raises(ValueError, match=r"Unknown regularizer 'dropout'\. Valid names: ") as err:
        R.get("dropout")
    assert "Did you mean" not in str(err.value)


@pytest.mark.parametrize("reg", [R.L1(0.2), R.L2(0.003), R.L1L2(0.1, 0.2)], ids=repr)
def test_serialize_round_trip(reg):
    config = R.serialize(reg)
    assert config == {"class_name": type(reg).__name__, "config": reg.get_config()}
    assert json.loads(json.dumps(config)) == config
    back = R.deserialize(config)
    assert type(back) is type(reg) and back.get_config() == reg.get_config()
    assert type(reg).from_config(reg.get_config()).get_config() == reg.get_config()


def test_deserialize_names_custom_objects_and_errors():
    assert type(R.deserialize("l1_l2")) is R.L1L2
    assert type(R.deserialize({"class_name": "l2", "config": {"l2": 0.5}})) is R.L2

    class Zero(R.Regularizer):
        def get_config(self):
            return {}

    got = R.deserialize({"class_name": "Zero", "config": {}}, custom_objects={"Zero": Zero})
    assert isinstance(got, Zero)
    assert got(nr.tensor(W)).item() == 0.0
    with pytest.raises(ValueError, match=r"Cannot deserialize regularizer from \['l2'\]: expected "
                                         r"a name or a dict"):
        R.deserialize(["l2"])
    with pytest.raises(ValueError, match=r"Cannot build regularizer 'L2' from config "
                                         r"\{'l1': 0\.1\}: .*l1"):
        R.deserialize({"class_name": "L2", "config": {"l1": 0.1}})


def test_serialize_errors_and_repr():
    assert R.serialize(None) is None
    with pytest.raises(ValueError, match=r"Cannot serialize regularizer .* it has no "
                                         r"get_config\(\)"):
        R.serialize(lambda w: w)
    with pytest.raises(NotImplementedError, match=r"Regularizer does not implement get_config"):
        R.Regularizer().get_config()
    assert repr(R.L1L2(0.1, 0.2)) == "L1L2(l1=0.1, l2=0.2)"
