"""Tests for neurona/initializers.py: Keras's formulas, fans, statistics, seeding, lookup."""

import json
import math

import numpy as np
import pytest

import neurona as nr
from neurona import initializers as I

TRUNCATED_STD = 0.87962566103423978  # std of a standard normal truncated to [-2, 2]

CLASSES = {
    "zeros": I.Zeros, "ones": I.Ones, "constant": I.Constant, "random_normal": I.RandomNormal,
    "random_uniform": I.RandomUniform, "truncated_normal": I.TruncatedNormal,
    "variance_scaling": I.VarianceScaling, "glorot_uniform": I.GlorotUniform,
    "glorot_normal": I.GlorotNormal, "he_uniform": I.HeUniform, "he_normal": I.HeNormal,
    "lecun_uniform": I.LecunUniform, "lecun_normal": I.LecunNormal, "orthogonal": I.Orthogonal,
    "identity": I.Identity,
}
RANDOM = ["random_normal", "random_uniform", "truncated_normal", "variance_scaling",
          "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
          "lecun_normal", "orthogonal"]


# -- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CLASSES)
def test_snake_case_alias_is_the_class(name):
    cls = CLASSES[name]
    assert getattr(I, name) is cls
    assert type(I.get(name)) is cls
    assert type(I.get(cls.__name__)) is cls


def test_keras_extra_spellings():
    assert I.IdentityInitializer is I.Identity
    assert type(I.get("IdentityInitializer")) is I.Identity
    assert type(I.get("normal")) is I.RandomNormal
    assert type(I.get("uniform")) is I.RandomUniform
    assert type(I.get("zero")) is I.Zeros
    assert type(I.get("one")) is I.Ones


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError, match=r"Unknown initializer 'glorot_unifrom'\. Did you mean "
                                         r"'glorot_uniform'\? Valid names: constant, "):
        I.get("glorot_unifrom")


def test_unknown_name_without_close_match():
    with pytest.raises(ValueError, match=r"Unknown initializer 'xyz'\. Valid names: ") as err:
        I.get("xyz")
    assert "Did you mean" not in str(err.value)


def test_get_other_identifiers():
    init = I.HeNormal(seed=3)
    assert I.get(None) is None
    assert I.get(init) is init
    assert type(I.get(I.GlorotNormal)) is I.GlorotNormal

    def custom(shape, dtype=None):
        return np.full(shape, 7.0, dtype=dtype)

    assert I.get(custom) is custom
    got = I.get({"class_name": "RandomNormal", "config": {"stddev": 2.0, "seed": 1}})
    assert isinstance(got, I.RandomNormal) and got.stddev == 2.0 and got.seed == 1
    with pytest.raises(ValueError, match=r"Could not interpret initializer identifier 1\.5 "
                                         r"\(type float\): expected None, a name"):
        I.get(1.5)


# -- config round trips -------------------------------------------------------------------------

NON_DEFAULT = [
    I.Zeros(), I.Ones(), I.Constant(0.25), I.RandomNormal(1.0, 0.5, seed=4),
    I.RandomUniform(-2.0, 3.0, seed=5), I.TruncatedNormal(0.5, 2.0, seed=6),
    I.VarianceScaling(3.0, "fan_avg", "uniform", seed=7), I.GlorotUniform(seed=8),
    I.GlorotNormal(seed=9), I.HeUniform(seed=10), I.HeNormal(seed=11), I.LecunUniform(seed=12),
    I.LecunNormal(seed=13), I.Orthogonal(gain=2.0, seed=14), I.Identity(gain=3.0),
]


@pytest.mark.parametrize("init", NON_DEFAULT, ids=repr)
def test_config_round_trip(init):
    config = init.get_config()
    clone = type(init).from_config(config)
    assert clone.get_config() == config
    assert init.clone().get_config() == config
    serialized = I.serialize(init)
    assert serialized == {"class_name": type(init).__name__, "config": config}
    assert json.loads(json.dumps(serialized)) == serialized
    back = I.deserialize(serialized)
    assert type(back) is type(init) and back.get_config() == config
    shape = (5, 4)
    np.testing.assert_array_equal(back(shape), init(shape))  # seeded: same values


def test_keras_configs():
    assert I.GlorotUniform().get_config() == {"seed": None}
    assert I.HeNormal(seed=1).get_config() == {"seed": 1}
    assert I.RandomNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert I.RandomUniform().get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}
    assert I.TruncatedNormal().get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    assert I.VarianceScaling().get_config() == {
        "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": None}
    assert I.Orthogonal().get_config() == {"gain": 1.0, "seed": None}
    assert I.Identity().get_config() == {"gain": 1.0}
    assert I.Constant().get_config() == {"value": 0.0}
    assert I.Zeros().get_config() == {}


def test_deserialize_snake_case_and_custom_objects():
    assert type(I.deserialize({"class_name": "he_normal", "config": {}})) is I.HeNormal
    assert type(I.deserialize("lecun_normal")) is I.LecunNormal

    class Halves(I.Initializer):
        def __call__(self, shape, dtype=None):
            return np.full(shape, 0.5, dtype=dtype or "float32")

    got = I.deserialize({"class_name": "Halves", "config": {}}, custom_objects={"Halves": Halves})
    assert isinstance(got, Halves)


def test_deserialize_errors():
    with pytest.raises(ValueError, match=r"Cannot deserialize initializer from 3: expected a "
                                         r"name or a dict"):
        I.deserialize(3)
    with pytest.raises(ValueError, match=r"Cannot build initializer 'HeNormal' from config "
                                         r"\{'scale': 2\.0\}: .*scale"):
        I.deserialize({"class_name": "HeNormal", "config": {"scale": 2.0}})


def test_serialize_errors():
    assert I.serialize(None) is None
    with pytest.raises(ValueError, match=r"Cannot serialize initializer .* it has no "
                                         r"get_config\(\)"):
        I.serialize(lambda shape, dtype=None: np.zeros(shape))


def test_repr():
    assert repr(I.RandomUniform(seed=1)) == "RandomUniform(minval=-0.05, maxval=0.05, seed=1)"


# -- shapes, dtypes, deterministic initializers ------------------------------------------------


@pytest.mark.parametrize("name", CLASSES)
def test_shape_and_default_dtype(name):
    shape = (6, 4)
    w = I.get(name)(shape)
    assert isinstance(w, np.ndarray)
    assert w.shape == shape and w.dtype == np.float32


@pytest.mark.parametrize("dtype", ["float64", np.float64, nr.float64])
def test_float64_requested(dtype):
    assert I.GlorotUniform(seed=0)((3, 2), dtype=dtype).dtype == np.float64
    assert I.Zeros()((3, 2), dtype=dtype).dtype == np.float64


def test_int_shape_and_scalar_shape():
    assert I.Ones()(3).shape == (3,)
    assert I.RandomNormal(seed=0)(()).shape == ()
    assert I.GlorotUniform(seed=0)(np.int64(5)).shape == (5,)
    assert I.HeNormal(seed=0)((0, 3)).shape == (0, 3)


def test_zeros_ones_constant_values():
    np.testing.assert_array_equal(I.Zeros()((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(I.Ones()((2, 3), dtype="int32"), np.ones((2, 3)))
    assert I.Ones()((2,), dtype="int32").dtype == np.int32
    np.testing.assert_array_equal(I.Constant(0.5)((2, 2)), np.full((2, 2), 0.5))
    np.testing.assert_array_equal(I.Constant(3)((2,), dtype="int64"), [3, 3])
    row = I.Constant(np.array([1.0, 2.0, 3.0]))((2, 3))
    np.testing.assert_array_equal(row, [[1, 2, 3], [1, 2, 3]])
    assert I.Constant(np.array([1.0, 2.0])).get_config() == {"value": [1.0, 2.0]}


def test_constant_errors():
    with pytest.raises(ValueError, match=r"Constant: value of shape \(3,\) cannot fill a weight "
                                         r"of shape \(2, 2\)"):
        I.Constant(np.ones(3))((2, 2))
    with pytest.raises(TypeError, match=r"Constant: value must be a number or an array of "
                                        r"numbers, got 'a'"):
        I.Constant("a")


def test_identity():
    np.testing.assert_array_equal(I.Identity()((3, 3)), np.eye(3))
    np.testing.assert_array_equal(I.Identity(gain=2.0)((2, 3)), 2 * np.eye(2, 3))
    with pytest.raises(ValueError, match=r"Identity: only 2-D shapes have an identity matrix, "
                                         r"got shape \(2, 2, 2\)"):
        I.Identity()((2, 2, 2))
    with pytest.raises(ValueError, match=r"Identity: only 2-D shapes .* got shape \(4,\)"):
        I.Identity()(4)


# -- fans ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, fans",
    [((), (1, 1)), ((7,), (7, 7)), ((3, 5), (3, 5)), ((3, 3, 16, 32), (144, 288)),
     ((5, 8, 4), (40, 20)), ((2, 3, 3, 4, 6), (72, 108))],
)
def test_compute_fans(shape, fans):
    assert I.compute_fans(shape) == fans


# -- statistics on large draws ------------------------------------------------------------------


def _draw(init, shape=(400, 600)):
    return init(shape, dtype="float64")


def test_random_normal_statistics():
    w = _draw(I.RandomNormal(mean=1.0, stddev=2.0, seed=0))
    assert abs(w.mean() - 1.0) < 0.02 and abs(w.std() - 2.0) < 0.02


def test_random_uniform_statistics():
    w = _draw(I.RandomUniform(minval=-1.0, maxval=3.0, seed=0))
    assert w.min() >= -1.0 and w.max() < 3.0
    assert abs(w.mean() - 1.0) < 0.02 and abs(w.std() - 4 / math.sqrt(12)) < 0.01


def test_truncated_normal_statistics():
    w = _draw(I.TruncatedNormal(mean=0.5, stddev=2.0, seed=0))
    assert w.min() >= 0.5 - 4.0 and w.max() <= 0.5 + 4.0
    assert abs(w.mean() - 0.5) < 0.02 and abs(w.std() - 2.0 * TRUNCATED_STD) < 0.02
    assert w.max() > 0.5 + 3.9  # really reaches out to two stddev


@pytest.mark.parametrize(
    "init, shape, fan",
    [
        (I.GlorotUniform, (400, 600), 2 / (400 + 600)),
        (I.HeUniform, (400, 600), 2 / 400),
        (I.LecunUniform, (400, 600), 1 / 400),
        (I.HeUniform, (3, 3, 64, 128), 2 / (3 * 3 * 64)),
        (I.GlorotUniform, (3, 3, 64, 128), 2 / (9 * 64 + 9 * 128)),
    ],
    ids=str,
)
def test_uniform_variance_scaling_limits(init, shape, fan):
    # variance scale/n means a uniform limit sqrt(3 scale / n); glorot: sqrt(6 / (in + out))
    w = init(seed=0)(shape, dtype="float64")
    limit = math.sqrt(3 * fan)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    assert abs(w.mean()) < 0.01 * limit
    assert abs(w.std() - math.sqrt(fan)) < 0.01 * math.sqrt(fan)


def test_glorot_uniform_limit_formula():
    w = I.GlorotUniform(seed=1)((50, 30), dtype="float64")
    assert np.abs(w).max() <= math.sqrt(6 / 80)


@pytest.mark.parametrize(
    "init, shape, variance",
    [
        (I.GlorotNormal, (400, 600), 2 / (400 + 600)),
        (I.HeNormal, (400, 600), 2 / 400),
        (I.LecunNormal, (400, 600), 1 / 400),
        (I.HeNormal, (3, 3, 64, 128), 2 / (3 * 3 * 64)),
    ],
    ids=str,
)
def test_truncated_variance_scaling_statistics(init, shape, variance):
    w = init(seed=0)(shape, dtype="float64")
    std = math.sqrt(variance)
    assert abs(w.std() - std) < 0.01 * std  # the truncation correction restores the std
    assert abs(w.mean()) < 0.01 * std
    # truncated at two standard deviations of the underlying normal
    assert np.abs(w).max() <= 2 * std / TRUNCATED_STD


@pytest.mark.parametrize(
    "mode, variance",
    [("fan_in", 3.0 / 400), ("fan_out", 3.0 / 600), ("fan_avg", 3.0 / 500)],
)
def test_variance_scaling_modes_untruncated(mode, variance):
    w = I.VarianceScaling(3.0, mode, "untruncated_normal", seed=0)((400, 600), dtype="float64")
    assert abs(w.std() - math.sqrt(variance)) < 0.01 * math.sqrt(variance)
    assert np.abs(w).max() > 2.5 * math.sqrt(variance)  # not truncated


def test_variance_scaling_accepts_keras_spellings():
    assert I.VarianceScaling(distribution="Uniform").distribution == "uniform"
    assert I.VarianceScaling(distribution="normal").distribution == "truncated_normal"


# -- orthogonal ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5, 5), (4, 7), (7, 4), (3, 3, 4, 8), (2, 3, 40)])
def test_orthogonal(shape):
    w = I.Orthogonal(seed=0)(shape, dtype="float64")
    assert w.shape == shape
    m = w.reshape(-1, shape[-1])
    gram = m @ m.T if m.shape[0] < m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, np.eye(min(m.shape)), atol=1e-12)


def test_orthogonal_gain():
    w = I.Orthogonal(gain=3.0, seed=0)((4, 4), dtype="float64")
    np.testing.assert_allclose(w.T @ w, 9 * np.eye(4), atol=1e-12)


def test_orthogonal_rejects_1d():
    with pytest.raises(ValueError, match=r"Orthogonal: needs a shape with at least 2 dimensions, "
                                         r"got shape \(5,\)"):
        I.Orthogonal()(5)


def test_orthogonal_is_not_biased_to_the_identity():
    # without the sign correction, QR's conventions make the diagonal mostly positive
    diag = np.concatenate([np.diag(I.Orthogonal(seed=s)((8, 8), dtype="float64"))
                           for s in range(50)])
    assert abs((diag > 0).mean() - 0.5) < 0.1


# -- seeding ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RANDOM)
def test_seed_gives_the_same_values_each_call(name):
    cls = CLASSES[name]
    a = cls(seed=42)((6, 5))
    b = cls(seed=42)((6, 5))
    np.testing.assert_array_equal(a, b)
    init = cls(seed=42)
    np.testing.assert_array_equal(init((6, 5)), init((6, 5)))
    assert not np.array_equal(cls(seed=43)((6, 5)), a)


@pytest.mark.parametrize("name", RANDOM)
def test_float32_is_float64_cast(name):
    cls = CLASSES[name]
    w32 = cls(seed=7)((6, 5), dtype="float32")
    w64 = cls(seed=7)((6, 5), dtype="float64")
    assert w32.dtype == np.float32 and w64.dtype == np.float64
    np.testing.assert_array_equal(w32, w64.astype(np.float32))


@pytest.mark.parametrize("name", RANDOM)
def test_unseeded_draws_follow_set_seed(name):
    init = I.get(name)
    nr.utils.set_seed(123)
    a, b = init((6, 5)), init((6, 5))
    nr.utils.set_seed(123)
    np.testing.assert_array_equal(init((6, 5)), a)
    np.testing.assert_array_equal(init((6, 5)), b)
    assert not np.array_equal(a, b)  # the generator moves on between calls


@pytest.mark.parametrize("name", RANDOM)
def test_numpy_global_state_untouched(name):
    before = np.random.get_state()
    I.get(name)((20, 10))
    CLASSES[name](seed=1)((20, 10))
    after = np.random.get_state()
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    assert before[2:] == after[2:]


# -- errors -------------------------------------------------------------------------------------


def test_random_initializers_need_float_dtypes():
    with pytest.raises(TypeError, match=r"HeNormal: dtype must be a floating-point dtype, got "
                                        r"int32"):
        I.HeNormal()((2, 2), dtype="int32")


def test_unknown_dtype():
    with pytest.raises(TypeError, match=r"unknown dtype 'float99'"):
        I.Zeros()((2,), dtype="float99")


@pytest.mark.parametrize(
    "shape, error, message",
    [
        ((2, -1), ValueError, r"GlorotUniform: shape dimensions must be >= 0, got \(2, -1\)"),
        ((2.5, 3), TypeError, r"GlorotUniform: shape must be an int or a tuple of ints, got "
                              r"\(2\.5, 3\)"),
        ("ab", TypeError, r"GlorotUniform: shape must be an int or a tuple of ints, got 'ab'"),
    ],
)
def test_bad_shapes(shape, error, message):
    with pytest.raises(error, match=message):
        I.GlorotUniform()(shape)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match=r"HeUniform: seed must be None or a non-negative "
                                         r"integer, got "):
        I.HeUniform(seed=seed)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"VarianceScaling: scale must be a positive number, "
                                         r"got 0"):
        I.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match=r"VarianceScaling: mode must be one of 'fan_in', "
                                         r"'fan_out', 'fan_avg', got 'fan'"):
        I.VarianceScaling(mode="fan")
    with pytest.raises(ValueError, match=r"VarianceScaling: distribution must be one of "
                                         r"'truncated_normal', 'untruncated_normal', 'uniform', "
                                         r"got 'gaussian'"):
        I.VarianceScaling(distribution="gaussian")
    with pytest.raises(ValueError, match=r"RandomNormal: stddev must be a positive number, "
                                         r"got -1"):
        I.RandomNormal(stddev=-1)
    with pytest.raises(ValueError, match=r"RandomUniform: minval must be <= maxval, got "
                                         r"minval=1, maxval=0"):
        I.RandomUniform(minval=1, maxval=0)
    with pytest.raises(ValueError, match=r"Orthogonal: gain must be a finite number, got nan"):
        I.Orthogonal(gain=float("nan"))


def test_base_initializer_must_be_implemented():
    with pytest.raises(NotImplementedError, match=r"Initializer must implement __call__"):
        I.Initializer()((2,))
