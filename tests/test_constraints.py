"""Tests for neurona/constraints.py: hand-computed projections, shapes, dtypes, errors, lookup."""

import json

import numpy as np
import pytest

import neurona as nr
from neurona import constraints as C

EPS = 1e-7

# columns with norms 5 and 1; rows with norms 3 and sqrt(17)
W = np.array([[3.0, 0.0], [4.0, 1.0]])


def test_max_norm_axis0_hand_computed():
    out = C.MaxNorm(max_value=2)(W)
    # column 0 (norm 5) is scaled to norm 2; column 1 (norm 1) stays, up to the epsilon
    expected = np.array([[3 * 2 / (5 + EPS), 0.0], [4 * 2 / (5 + EPS), 1 / (1 + EPS)]])
    np.testing.assert_allclose(out, expected, rtol=1e-15)
    np.testing.assert_allclose(np.linalg.norm(out, axis=0), [2.0, 1.0], rtol=1e-6)


def test_max_norm_axis1_hand_computed():
    out = C.MaxNorm(max_value=3.5, axis=1)(W)
    n1 = np.sqrt(17.0)
    # row 0 (norm 3) stays, row 1 (norm sqrt(17)) is scaled to norm 3.5
    expected = np.array([[3 * 3 / (3 + EPS), 0.0], [4 * 3.5 / (n1 + EPS), 3.5 / (n1 + EPS)]])
    np.testing.assert_allclose(out, expected, rtol=1e-15)


def test_max_norm_conv_kernel_over_several_axes():
    w = np.random.default_rng(0).normal(size=(3, 3, 2, 4))
    out = C.MaxNorm(1.0, axis=[0, 1, 2])(w)
    norms = np.sqrt((w * w).sum(axis=(0, 1, 2)))
    np.testing.assert_allclose(out, w * (np.minimum(norms, 1.0) / (norms + EPS)), rtol=1e-15)
    assert np.all(np.sqrt((out * out).sum(axis=(0, 1, 2))) <= 1.0)


def test_non_neg_hand_computed():
    w = np.array([[-1.5, 0.0], [2.0, -0.1]])
    out = C.NonNeg()(w)
    np.testing.assert_array_equal(out, [[0.0, 0.0], [2.0, 0.0]])
    assert not np.signbit(out).any()  # no -0.0
    ints = C.NonNeg()(np.array([-3, 4], dtype=np.int32))
    assert ints.dtype == np.int32
    np.testing.assert_array_equal(ints, [0, 4])
    assert np.isnan(C.NonNeg()(np.array([np.nan, -1.0]))[0])  # NaN is not hidden


def test_unit_norm_hand_computed():
    np.testing.assert_allclose(
        C.UnitNorm()(W), [[3 / (5 + EPS), 0.0], [4 / (5 + EPS), 1 / (1 + EPS)]], rtol=1e-15
    )
    n1 = np.sqrt(17.0)
    np.testing.assert_allclose(
        C.UnitNorm(axis=-1)(W), [[3 / (3 + EPS), 0.0], [4 / (n1 + EPS), 1 / (n1 + EPS)]],
        rtol=1e-15,
    )


def test_min_max_norm_hand_computed():
    # norms 5 and 1 against [2, 4]: 5 -> 4 and 1 -> 2
    out = C.MinMaxNorm(min_value=2.0, max_value=4.0)(W)
    expected = np.array([[3 * 4 / (5 + EPS), 0.0], [4 * 4 / (5 + EPS), 2 / (1 + EPS)]])
    np.testing.assert_allclose(out, expected, rtol=1e-15)


def test_min_max_norm_rate():
    # rate 0.25: desired = 0.25 * clip(norm) + 0.75 * norm -> 5 -> 4.75, 1 -> 1.25
    out = C.MinMaxNorm(2.0, 4.0, rate=0.25)(W)
    expected = np.array([[3 * 4.75 / (5 + EPS), 0.0], [4 * 4.75 / (5 + EPS), 1.25 / (1 + EPS)]])
    np.testing.assert_allclose(out, expected, rtol=1e-15)
    # rate 0 leaves the norms where they are
    norms = np.array([5.0, 1.0])
    np.testing.assert_allclose(C.MinMaxNorm(2.0, 4.0, rate=0.0)(W), W * norms / (norms + EPS),
                               rtol=1e-15)


def test_zero_vectors_stay_zero():
    w = np.zeros((3, 2))
    for c in (C.MaxNorm(), C.UnitNorm(), C.MinMaxNorm(1.0, 2.0), C.NonNeg()):
        out = c(w)
        assert np.all(out == 0) and np.all(np.isfinite(out))


CONSTRAINTS = [C.MaxNorm(1.0), C.NonNeg(), C.UnitNorm(), C.MinMaxNorm(0.5, 1.0, rate=0.5),
               C.MaxNorm(1.0, axis=(0, 1, 2)), C.UnitNorm(axis=[0, 1, 2])]


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=repr)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shape_dtype_kept_and_input_untouched(constraint, dtype):
    w = np.random.default_rng(1).normal(size=(3, 3, 2, 4)).astype(dtype)
    original = w.copy()
    out = constraint(w)
    assert out.shape == w.shape and out.dtype == dtype
    assert isinstance(out, np.ndarray) and out is not w
    np.testing.assert_array_equal(w, original)


def test_float32_matches_float64():
    w = np.random.default_rng(2).normal(size=(5, 4))
    for c in (C.MaxNorm(1.0), C.UnitNorm(), C.MinMaxNorm(0.5, 1.0, rate=0.5)):
        np.testing.assert_allclose(c(w.astype(np.float32)), c(w), rtol=1e-5, atol=1e-7)


def test_non_contiguous_input():
    w = np.random.default_rng(3).normal(size=(4, 6))[:, ::2]
    np.testing.assert_allclose(C.UnitNorm()(w), C.UnitNorm()(np.ascontiguousarray(w)))


def test_tensor_input_gives_an_array():
    out = C.MaxNorm(2)(nr.tensor(W))
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, C.MaxNorm(2)(W))


# -- errors -------------------------------------------------------------------------------------


def test_axis_out_of_range():
    with pytest.raises(ValueError, match=r"MaxNorm: axis 2 is out of range for a weight of shape "
                                         r"\(2, 2\) \(valid axes are -2 to 1\)"):
        C.MaxNorm(axis=2)(W)
    with pytest.raises(ValueError, match=r"UnitNorm: axis 1 is out of range for a weight of "
                                         r"shape \(3,\)"):
        C.UnitNorm(axis=[0, 1])(np.ones(3))


def test_bad_axis_type():
    with pytest.raises(TypeError, match=r"MinMaxNorm: axis must be an int or a list of ints, got "
                                        r"1\.5"):
        C.MinMaxNorm(axis=1.5)


def test_integer_weights_rejected_by_norm_constraints():
    with pytest.raises(TypeError, match=r"MaxNorm: expects a floating-point weight array, got "
                                        r"dtype int64"):
        C.MaxNorm()(np.array([[1, 2]], dtype=np.int64))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: C.MaxNorm(-1), r"MaxNorm: max_value must be a non-negative number, got "
                                r"max_value=-1"),
        (lambda: C.MaxNorm("2"), r"MaxNorm: max_value must be a non-negative number, got "
                                 r"max_value='2'"),
        (lambda: C.MinMaxNorm(min_value=-0.5), r"MinMaxNorm: min_value must be a non-negative "
                                               r"number, got min_value=-0\.5"),
        (lambda: C.MinMaxNorm(2.0, 1.0), r"MinMaxNorm: min_value must be <= max_value, got "
                                         r"min_value=2\.0, max_value=1\.0"),
        (lambda: C.MinMaxNorm(rate=1.5), r"MinMaxNorm: rate must be in \[0, 1\], got rate=1\.5"),
        (lambda: C.MinMaxNorm(rate=float("nan")), r"MinMaxNorm: rate must be a non-negative "
                                                  r"number, got rate=nan"),
    ],
)
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# -- lookup and configs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, cls",
    [("max_norm", C.MaxNorm), ("non_neg", C.NonNeg), ("unit_norm", C.UnitNorm),
     ("min_max_norm", C.MinMaxNorm), ("MaxNorm", C.MaxNorm), ("NonNeg", C.NonNeg),
     ("UnitNorm", C.UnitNorm), ("MinMaxNorm", C.MinMaxNorm)],
)
def test_get_by_name(name, cls):
    assert type(C.get(name)) is cls


def test_snake_case_aliases_are_the_classes():
    assert C.max_norm is C.MaxNorm and C.non_neg is C.NonNeg
    assert C.unit_norm is C.UnitNorm and C.min_max_norm is C.MinMaxNorm


def test_keras_defaults_and_configs():
    assert C.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    assert C.NonNeg().get_config() == {}
    assert C.UnitNorm().get_config() == {"axis": 0}
    assert C.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0,
                                           "axis": 0}
    assert C.MaxNorm(3, axis=(0, 1)).get_config() == {"max_value": 3, "axis": [0, 1]}


@pytest.mark.parametrize("constraint", CONSTRAINTS, ids=repr)
def test_serialize_round_trip(constraint):
    config = C.serialize(constraint)
    assert config == {"class_name": type(constraint).__name__,
                      "config": constraint.get_config()}
    assert json.loads(json.dumps(config)) == config
    back = C.deserialize(config)
    assert type(back) is type(constraint) and back.get_config() == constraint.get_config()
    w = np.random.default_rng(4).normal(size=(3, 3, 2, 4))
    np.testing.assert_array_equal(back(w), constraint(w))


def test_get_other_identifiers():
    c = C.UnitNorm(axis=1)
    assert C.get(None) is None
    assert C.get(c) is c
    assert type(C.get(C.NonNeg)) is C.NonNeg

    def clip(w):
        return np.clip(w, -1, 1)

    assert C.get(clip) is clip
    got = C.get({"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 1}})
    assert isinstance(got, C.MaxNorm) and got.get_config() == {"max_value": 3, "axis": 1}
    with pytest.raises(ValueError, match=r"Could not interpret constraint identifier 2 \(type "
                                         r"int\): expected None, a name"):
        C.get(2)


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError, match=r"Unknown constraint 'max_nrom'\. Did you mean "
                                         r"'max_norm'\? Valid names: max_norm, min_max_norm, "
                                         r"non_neg, unit_norm"):
        C.get("max_nrom")
    with pytest.raises(ValueError, match=r"Unknown constraint 'zzz'\. Valid names: ") as err:
        C.get("zzz")
    assert "Did you mean" not in str(err.value)


def test_deserialize_custom_objects_and_errors():
    class Clip(C.Constraint):
        def __call__(self, w):
            return np.clip(w, -1, 1)

    got = C.deserialize({"class_name": "Clip", "config": {}}, custom_objects={"Clip": Clip})
    assert isinstance(got, Clip)
    assert type(C.deserialize("non_neg")) is C.NonNeg
    with pytest.raises(ValueError, match=r"Cannot deserialize constraint from \{'name': 'x'\}: "
                                         r"expected a name or a dict"):
        C.deserialize({"name": "x"})
    with pytest.raises(ValueError, match=r"Cannot build constraint 'NonNeg' from config "
                                         r"\{'axis': 0\}: "):
        C.deserialize({"class_name": "NonNeg", "config": {"axis": 0}})


def test_serialize_errors_repr_and_base():
    assert C.serialize(None) is None
    with pytest.raises(ValueError, match=r"Cannot serialize constraint .* it has no "
                                         r"get_config\(\)"):
        C.serialize(lambda w: w)
    assert repr(C.MaxNorm(3)) == "MaxNorm(max_value=3, axis=0)"
    assert C.Constraint()(W) is W
