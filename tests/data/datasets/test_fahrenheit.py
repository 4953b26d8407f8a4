import doctest

import numpy as np
import pytest

import neurona as nr
from neurona.data.datasets import fahrenheit
from neurona.data.datasets.fahrenheit import load_data, make_data, to_celsius

from .helpers import neurona_seed_restored

# the slide's table: Fahrenheit (°F) and Celsius (°C)
SLIDE_F = [32.4, 50.1, 67.6, 85.8, 103.5]
SLIDE_C = [0.2, 10.4, 19.7, 29.9, 39.4]


def test_reexports():
    assert nr.data.datasets.fahrenheit is fahrenheit
    assert set(fahrenheit.__all__) == {"load_data", "make_data", "to_celsius"}


def test_table_is_the_slide():
    f, c = load_data(dtype="float64")
    assert f.tolist() == SLIDE_F and c.tolist() == SLIDE_C
    f32, c32 = load_data()
    assert f32.shape == c32.shape == (5,)
    assert f32.dtype == c32.dtype == np.float32
    np.testing.assert_array_equal(f32, np.array(SLIDE_F, dtype=np.float32))
    np.testing.assert_array_equal(c32, np.array(SLIDE_C, dtype=np.float32))


def test_least_squares_fit_is_the_slides_line():
    # the slide: fitted ŷ = 0.5503x − 17.44, true y_r = 0.5556x − 17.78
    f, c = load_data(dtype="float64")
    slope, intercept = np.polyfit(f, c, 1)
    assert round(slope, 4) == 0.5503 and round(intercept, 2) == -17.44
    assert round(5 / 9, 4) == 0.5556 and round(-32 * 5 / 9, 2) == -17.78
    # and the readings lie within half a degree of the true rule
    assert np.abs(c - to_celsius(f)).max() < 0.5


def test_to_celsius():
    assert to_celsius(32.0) == 0.0
    assert to_celsius(212.0) == 100.0
    assert to_celsius(-40.0) == -40.0
    f = np.array([50.0, 86.0], dtype=np.float32)
    out = to_celsius(f)
    assert out.dtype == np.float32 and out.tolist() == [10.0, 30.0]


def test_make_data_shapes_dtypes_range():
    f, c = make_data(300, seed=0)
    assert f.shape == c.shape == (300,)
    assert f.dtype == c.dtype == np.float32
    assert f.min() >= 32.0 and f.max() < 104.0
    f, c = make_data(10, seed=0, low=-40, high=-10, dtype="float64")
    assert f.dtype == np.float64 and f.min() >= -40 and f.max() < -10
    assert make_data(1, seed=0)[0].shape == (1,)


def test_make_data_without_noise_is_the_rule():
    f, c = make_data(1000, noise=0.0, seed=1, dtype="float64")
    np.testing.assert_allclose(c, (f - 32) * 5 / 9, rtol=0, atol=1e-12)


def test_noise_is_gaussian_with_the_given_std():
    f, c = make_data(20000, noise=2.0, seed=2, dtype="float64")
    residual = c - to_celsius(f)
    assert abs(residual.mean()) < 0.05
    assert 1.95 < residual.std() < 2.05
    # a Gaussian: about 68% within one standard deviation
    assert 0.66 < (np.abs(residual) < 2.0).mean() < 0.70


def test_same_seed_same_readings_at_any_noise():
    f0, _ = make_data(50, noise=0.0, seed=3)
    f1, _ = make_data(50, noise=5.0, seed=3)
    np.testing.assert_array_equal(f0, f1)


def test_seeded_reproducibility():
    a = make_data(40, seed=7)
    b = make_data(40, seed=7)
    c = make_data(40, seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    assert make_data(5, seed=np.int64(7))[0].tolist() == make_data(5, seed=7)[0].tolist()


@pytest.fixture
def restore_neurona_seed():
    with neurona_seed_restored():
        yield


def test_seed_none_uses_neurona_generator(restore_neurona_seed):
    nr.utils.set_seed(11)
    a = make_data(20)
    nr.utils.set_seed(11)
    b = make_data(20)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], make_data(20)[0])


def test_global_numpy_state_untouched():
    state = np.random.get_state()
    load_data()
    make_data(100, seed=0)
    make_data(100)
    after = np.random.get_state()
    np.testing.assert_array_equal(state[1], after[1])
    assert state[2:] == after[2:]


@pytest.mark.parametrize("kwargs, match", [
    ({"n_samples": 0}, r"fahrenheit\.make_data: n_samples must be an integer >= 1, got 0"),
    ({"n_samples": 2.0}, r"n_samples must be an integer >= 1, got 2\.0"),
    ({"n_samples": True}, r"n_samples must be an integer >= 1, got True"),
    ({"noise": -0.1}, r"fahrenheit\.make_data: noise must be a finite number >= 0 "
                      r"\(degrees Celsius\), got -0\.1"),
    ({"noise": float("inf")}, r"noise must be a finite number >= 0.*got inf"),
    ({"noise": "1"}, r"noise must be a finite number >= 0.*got '1'"),
    ({"low": 50, "high": 50}, r"fahrenheit\.make_data: low and high must be finite numbers "
                              r"with low < high, got low=50, high=50"),
    ({"high": float("nan")}, r"low and high must be finite numbers.*high=nan"),
    ({"low": "0"}, r"low and high must be finite numbers.*low='0'"),
    ({"seed": -3}, r"fahrenheit\.make_data: seed must be None or an integer >= 0, got -3"),
    ({"seed": "0"}, r"seed must be None or an integer >= 0, got '0'"),
    ({"dtype": "int32"}, r"fahrenheit\.make_data: dtype must be a floating-point dtype such as "
                         r"'float32', got 'int32'"),
    ({"dtype": "float31"}, r"fahrenheit\.make_data: unknown dtype 'float31'"),
])
def test_make_data_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_data(**kwargs)


@pytest.mark.parametrize("dtype, match", [
    ("int64", r"fahrenheit\.load_data: dtype must be a floating-point dtype.*'int64'"),
    ("float31", r"fahrenheit\.load_data: unknown dtype 'float31'"),
])
def test_load_data_bad_dtype(dtype, match):
    with pytest.raises(ValueError, match=match):
        load_data(dtype=dtype)


def test_docstring_examples():
    result = doctest.testmod(fahrenheit)
    assert result.attempted > 0 and result.failed == 0
