"""Tests for neurona/activations.py: values, dtypes, gradients, Keras's relu variants, lookup."""

import json
import math

import numpy as np
import pytest

import neurona as nr
import neurona.functions as F
from neurona import activations
from neurona.testing import gradcheck

NAMES = [
    "linear", "step", "sigmoid", "hard_sigmoid", "tanh", "relu", "relu6", "leaky_relu", "elu",
    "selu", "gelu", "softplus", "softsign", "silu", "swish", "mish", "softmax", "log_softmax",
    "exponential",
]

_erf = np.vectorize(math.erf, otypes=[np.float64])
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def _softmax(a, axis=-1):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# NumPy references, written from the formulas
REFERENCE = {
    "linear": lambda a: a,
    "step": lambda a: (a >= 0).astype(a.dtype),
    "sigmoid": lambda a: 1 / (1 + np.exp(-a)),
    "hard_sigmoid": lambda a: np.clip(a + 3, 0, 6) / 6,
    "tanh": np.tanh,
    "relu": lambda a: np.maximum(a, 0),
    "relu6": lambda a: np.clip(a, 0, 6),
    "leaky_relu": lambda a: np.where(a > 0, a, 0.2 * a),
    "elu": lambda a: np.where(a > 0, a, np.expm1(np.minimum(a, 0))),
    "selu": lambda a: SELU_SCALE * np.where(a > 0, a, SELU_ALPHA * np.expm1(np.minimum(a, 0))),
    "gelu": lambda a: a * (1 + _erf(a / np.sqrt(2))) / 2,
    "softplus": lambda a: np.log1p(np.exp(a)),
    "softsign": lambda a: a / (1 + np.abs(a)),
    "silu": lambda a: a / (1 + np.exp(-a)),
    "swish": lambda a: a / (1 + np.exp(-a)),
    "mish": lambda a: a * np.tanh(np.log1p(np.exp(a))),
    "softmax": _softmax,
    "log_softmax": lambda a: np.log(_softmax(a)),
    "exponential": np.exp,
}

# away from the kinks at 0, +-3 and 6
X = np.array([[-7.1, -3.4, -1.2, -0.4], [0.3, 1.7, 2.6, 4.2], [5.1, 6.8, -2.2, 0.9]])


@pytest.mark.parametrize("name", NAMES)
def test_values_match_numpy(name):
    fn = activations.get(name)
    out = fn(nr.tensor(X))
    np.testing.assert_allclose(out.data, REFERENCE[name](X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_float32_in_float32_out(name):
    out = activations.get(name)(nr.tensor(X.astype(np.float32)))
    assert out.dtype == np.float32
    assert out.shape == X.shape


@pytest.mark.parametrize("name", [n for n in NAMES if n not in ("linear", "step")])
def test_gradcheck(name):
    x = nr.tensor(X, requires_grad=True)
    assert gradcheck(activations.get(name), [x])


def test_linear_is_identity_and_the_default():
    x = nr.tensor([1.0, -2.0])
    assert activations.linear(x) is x
    assert activations.get(None) is activations.linear


def test_swish_is_silu():
    assert activations.swish is activations.silu
    assert activations.get("swish") is activations.silu


def test_keras_defaults():
    x = nr.tensor([-1.0, 2.0], dtype="float64")
    np.testing.assert_allclose(activations.leaky_relu(x).data, [-0.2, 2.0])
    np.testing.assert_allclose(activations.leaky_relu(x, negative_slope=0.1).data, [-0.1, 2.0])
    np.testing.assert_allclose(activations.elu(x, alpha=2.0).data, [2 * np.expm1(-1), 2.0])
    approx = activations.gelu(x, approximate=True).data
    t = np.tanh(np.sqrt(2 / np.pi) * (x.data + 0.044715 * x.data**3))
    np.testing.assert_allclose(approx, 0.5 * x.data * (1 + t))


def test_softmax_axis():
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(activations.softmax(nr.tensor(a), axis=0).data, _softmax(a, 0))
    np.testing.assert_allclose(
        activations.log_softmax(nr.tensor(a), axis=0).data, np.log(_softmax(a, 0))
    )


# -- relu's Keras arguments ---------------------------------------------------------------------

KERAS_X = [-10.0, -5.0, 0.0, 5.0, 10.0]


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({}, [0.0, 0.0, 0.0, 5.0, 10.0]),
        ({"negative_slope": 0.5}, [-5.0, -2.5, 0.0, 5.0, 10.0]),
        ({"max_value": 5.0}, [0.0, 0.0, 0.0, 5.0, 5.0]),
        ({"threshold": 5.0}, [0.0, 0.0, 0.0, 0.0, 10.0]),
        ({"max_value": 6}, [0.0, 0.0, 0.0, 5.0, 6.0]),
        ({"max_value": 10, "negative_slope": 0.5}, [-5.0, -2.5, 0.0, 5.0, 10.0]),
        ({"max_value": 8, "negative_slope": 0.5, "threshold": 2.0},
         [-6.0, -3.5, -1.0, 5.0, 8.0]),
        ({"negative_slope": 0.1, "threshold": -2.0}, [-0.8, -0.3, 0.0, 5.0, 10.0]),
    ],
    ids=str,
)
def test_relu_keras_variants(kwargs, expected):
    out = activations.relu(nr.tensor(KERAS_X, dtype="float64"), **kwargs)
    np.testing.assert_allclose(out.data, expected)


def _relu_reference(a, negative_slope, max_value, threshold):
    y = np.where(a >= threshold, a, negative_slope * (a - threshold))
    return y if max_value is None else np.where(a >= max_value, max_value, y)


@pytest.mark.parametrize(
    "negative_slope, max_value, threshold",
    [(0.0, 4.0, 0.0), (0.3, None, 0.0), (0.3, 4.0, 1.0), (0.0, None, 1.0), (0.2, 6.0, 0.0)],
)
def test_relu_variants_formula_dtype_and_gradient(negative_slope, max_value, threshold):
    a = X[:, :3]  # values away from 0, 1, 4 and 6
    args = (negative_slope, max_value, threshold)
    out = activations.relu(nr.tensor(a), *args)
    np.testing.assert_allclose(out.data, _relu_reference(a, *args), atol=1e-12)
    assert activations.relu(nr.tensor(a.astype(np.float32)), *args).dtype == np.float32
    x = nr.tensor(a, requires_grad=True)
    assert gradcheck(lambda t: activations.relu(t, *args), [x])


def test_relu_rejects_negative_max_value():
    with pytest.raises(ValueError, match=r"relu: max_value must be >= 0 or None, got -1"):
        activations.relu(nr.tensor([1.0]), max_value=-1)


def test_exponential_is_f_exp():
    x = nr.tensor([0.0, 1.0], dtype="float64")
    np.testing.assert_allclose(activations.exponential(x).data, [1.0, np.e])
    assert activations.serialize(F.exp) == "exponential"


def test_numpy_input_accepted():
    out = activations.relu(np.array([-1.0, 2.0]), negative_slope=0.5, max_value=1.0)
    np.testing.assert_allclose(out.data, [-0.5, 1.0])


@pytest.mark.parametrize("name", NAMES)
def test_public_functions_have_docstrings_with_example(name):
    doc = getattr(activations, name).__doc__
    assert doc and "Example:" in doc and "shape" in doc


# -- lookup -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_get_by_name(name):
    assert activations.get(name) is getattr(activations, name)


@pytest.mark.parametrize(
    "spelling, name",
    [("ReLU", "relu"), ("LeakyReLU", "leaky_relu"), ("LogSoftmax", "log_softmax"),
     ("SIGMOID", "sigmoid"), ("HardSigmoid", "hard_sigmoid"), ("leakyrelu", "leaky_relu")],
)
def test_get_ignores_case_and_underscores(spelling, name):
    assert activations.get(spelling) is getattr(activations, name)


def test_get_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError, match=r"Unknown activation 'rleu'\. Did you mean 'relu'\? "
                                         r"Valid names: elu, exponential, gelu, "):
        activations.get("rleu")


def test_get_unknown_name_without_close_match():
    with pytest.raises(ValueError, match=r"Unknown activation 'qqqqqq'\. Valid names: ") as err:
        activations.get("qqqqqq")
    assert "Did you mean" not in str(err.value)


def test_get_returns_callables_unchanged():
    def custom(x):
        return x * 2

    assert activations.get(custom) is custom
    assert activations.get(F.relu) is F.relu


def test_get_rejects_other_types():
    with pytest.raises(ValueError, match=r"Could not interpret activation identifier 3 \(type "
                                         r"int\): expected None, a name"):
        activations.get(3)


@pytest.mark.parametrize("name", NAMES)
def test_serialize_round_trip(name):
    fn = activations.get(name)
    config = activations.serialize(fn)
    assert isinstance(config, str)
    assert json.loads(json.dumps(config)) == config
    assert activations.deserialize(config) is fn
    assert activations.get(config) is fn


def test_serialize_names():
    assert activations.serialize(activations.relu) == "relu"
    assert activations.serialize(activations.swish) == "silu"
    assert activations.serialize(F.relu) == "relu"
    assert activations.serialize(F.identity) == "linear"
    assert activations.serialize(F.softmax) == "softmax"


def test_serialize_custom_function_and_load_with_custom_objects():
    def doubled(x):
        return x * 2

    config = activations.serialize(doubled)
    assert config == {"class_name": "function", "config": "doubled"}
    assert activations.deserialize(config, custom_objects={"doubled": doubled}) is doubled
    with pytest.raises(ValueError, match=r"Unknown activation 'doubled'"):
        activations.deserialize(config)


def test_serialize_object_with_get_config():
    class Scaled:
        def __init__(self, k=2.0):
            self.k = k

        def __call__(self, x):
            return x * self.k

        def get_config(self):
            return {"k": self.k}

    config = activations.serialize(Scaled(3.0))
    assert config == {"class_name": "Scaled", "config": {"k": 3.0}}
    back = activations.deserialize(config, custom_objects={"Scaled": Scaled})
    assert isinstance(back, Scaled) and back.k == 3.0


def test_deserialize_refuses_to_drop_arguments():
    with pytest.raises(ValueError, match=r"Cannot deserialize activation 'ReLU' with arguments "
                                         r"\{'max_value': 6\.0\}: an activation function is "
                                         r"stored by name alone"):
        activations.deserialize({"class_name": "ReLU", "config": {"max_value": 6.0}})


def test_serialize_rejects_lambdas():
    with pytest.raises(ValueError, match=r"Cannot serialize activation .*a lambda has no name"):
        activations.serialize(lambda x: x)


def test_deserialize_keras_function_dict():
    keras_style = {"module": "keras.activations", "class_name": "function", "config": "relu",
                   "registered_name": "relu"}
    assert activations.deserialize(keras_style) is activations.relu
    assert activations.get(keras_style) is activations.relu
    assert activations.get({"class_name": "tanh", "config": {}}) is activations.tanh


def test_deserialize_rejects_bad_config():
    with pytest.raises(ValueError, match=r"Cannot deserialize activation from \{'config': 'relu'"
                                         r"\}: expected a name or a dict"):
        activations.deserialize({"config": "relu"})
