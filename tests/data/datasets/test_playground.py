import doctest
import math

import numpy as np
import pytest

import neurona as nr
from neurona.data.datasets import playground, spirals
from neurona.data.datasets.playground import (
    CLASSIFICATION,
    REGRESSION,
    load_data,
    make_circle,
    make_data,
    make_gauss,
    make_multi_gauss,
    make_plane,
    make_spiral,
    make_xor,
)

from .helpers import neurona_seed_restored

NAMES = CLASSIFICATION + REGRESSION
MAKERS = {"circle": make_circle, "xor": make_xor, "gauss": make_gauss, "spiral": make_spiral,
          "plane": make_plane, "multi_gauss": make_multi_gauss}
# sets whose points do not depend on the noise (it only moves where the label is read)
LABEL_NOISE = ("circle", "xor", "plane", "multi_gauss")


def test_reexports():
    assert nr.data.datasets.playground is playground
    assert set(playground.__all__) == {"CLASSIFICATION", "REGRESSION", "load_data", "make_data",
                                       *(f"make_{n}" for n in NAMES)}
    assert CLASSIFICATION == ("circle", "xor", "gauss", "spiral")
    assert REGRESSION == ("plane", "multi_gauss")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("noise", [0, 25, 50])
def test_shapes_dtypes_and_range(name, noise):
    x, y = MAKERS[name](500, noise=noise, seed=0)
    assert x.shape == (500, 2) and x.dtype == np.float32
    assert y.shape == (500,)
    assert np.abs(x).max() <= 6.0
    if name in CLASSIFICATION:
        assert y.dtype == np.int64 and set(np.unique(y).tolist()) <= {0, 1}
    else:
        assert y.dtype == np.float32 and np.abs(y).max() <= 1.0


@pytest.mark.parametrize("name", NAMES)
def test_defaults_and_float64(name):
    x, y = MAKERS[name](seed=0)
    assert x.shape == (500, 2)
    x, y = MAKERS[name](20, seed=0, dtype="float64")
    assert x.dtype == np.float64
    assert y.dtype == (np.int64 if name in CLASSIFICATION else np.float64)


@pytest.mark.parametrize("name", NAMES)
def test_make_data_dispatches(name):
    a = make_data(name, 60, noise=20, seed=4)
    b = MAKERS[name](60, noise=20, seed=4)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_playground_url_names():
    np.testing.assert_array_equal(make_data("reg-plane", 30, seed=1)[1],
                                  make_plane(30, seed=1)[1])
    np.testing.assert_array_equal(make_data("Reg-Gauss", 30, seed=1)[1],
                                  make_multi_gauss(30, seed=1)[1])
    np.testing.assert_array_equal(make_data("MULTI GAUSS", 30, seed=1)[1],
                                  make_multi_gauss(30, seed=1)[1])


# -- the Playground's definitions, at noise 0 --------------------------------------------------

def test_circle_geometry():
    x, y = make_circle(2000, seed=0, dtype="float64")
    radius = np.hypot(x[:, 0], x[:, 1])
    assert (radius[y == 1] < 2.5).all()
    assert ((radius[y == 0] >= 3.5) & (radius[y == 0] < 5.0)).all()
    assert np.bincount(y).tolist() == [1000, 1000]


def test_xor_geometry():
    x, y = make_xor(2000, seed=0, dtype="float64")
    assert (np.abs(x) >= 0.3).all() and (np.abs(x) <= 5.3).all()
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] >= 0).astype(np.int64))
    # uniform over the quadrants: balanced on average
    assert 0.45 < make_xor(5000, seed=1)[1].mean() < 0.55


def test_gauss_geometry():
    x, y = make_gauss(4000, seed=0, dtype="float64")
    np.testing.assert_allclose(x[y == 1].mean(axis=0), [2, 2], atol=0.05)
    np.testing.assert_allclose(x[y == 0].mean(axis=0), [-2, -2], atol=0.05)
    # variance 0.5 at noise 0 ...
    np.testing.assert_allclose(x[y == 1].var(axis=0), [0.5, 0.5], rtol=0.08)
    # ... and 4 at noise 50, a little less once the points are kept inside [-6, 6]
    x, y = make_gauss(4000, noise=50, seed=0, dtype="float64")
    var = x[y == 1].var(axis=0)
    assert (var > 3.2).all() and (var < 4.0).all()
    # at noise 25 the variance is halfway: 0.5 + 7 * 0.25 = 2.25
    x, y = make_gauss(8000, noise=25, seed=0, dtype="float64")
    np.testing.assert_allclose(x[y == 0].var(axis=0), [2.25, 2.25], rtol=0.08)


def test_spiral_is_spirals_with_swapped_labels_and_percent_noise():
    for n, noise in ((200, 0), (201, 30), (7, 50)):
        xp, yp = make_spiral(n, noise=noise, seed=5, dtype="float64")
        xs, ys = spirals.make_spirals(n, noise=noise / 100, seed=5, dtype="float64")
        np.testing.assert_array_equal(xp, xs)
        np.testing.assert_array_equal(yp, 1 - ys)


def test_spiral_geometry():
    # the Playground's positive arm (label 1) starts at angle 0: its innermost points run
    # along +x2 (x1 = r sin t, x2 = r cos t)
    x, y = make_spiral(400, seed=0, dtype="float64")
    radius = np.hypot(x[:, 0], x[:, 1])
    assert radius.max() < 5.0
    arm1 = x[y == 1][np.argsort(radius[y == 1])]
    arm0 = x[y == 0][np.argsort(radius[y == 0])]
    assert arm1[1, 1] > 0 and abs(arm1[1, 0]) < arm1[1, 1]
    np.testing.assert_allclose(arm0, -arm1, atol=1e-12)
    assert np.bincount(y).tolist() == [200, 200]


def test_plane_target():
    x, y = make_plane(2000, seed=0, dtype="float64")
    np.testing.assert_allclose(y, np.clip((x[:, 0] + x[:, 1]) / 10, -1, 1), atol=1e-15)
    assert y.max() == 1.0 and y.min() == -1.0  # the corners are clipped


def _multi_gauss_reference(x1, x2):
    """The Playground's rule, one point at a time."""
    bumps = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    label = 0.0
    for cx, cy, sign in bumps:
        height = min(max(1 - math.hypot(x1 - cx, x2 - cy) / 2, 0.0), 1.0)
        if abs(sign * height) > abs(label):
            label = sign * height
    return label


def test_multi_gauss_target():
    x, y = make_multi_gauss(1000, seed=0, dtype="float64")
    expected = [_multi_gauss_reference(a, b) for a, b in x.tolist()]
    np.testing.assert_allclose(y, expected, atol=1e-15)
    assert (y > 0.5).any() and (y < -0.5).any() and (y == 0).any()


# -- noise -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", LABEL_NOISE)
def test_label_noise_keeps_the_points(name):
    x0, y0 = MAKERS[name](1000, noise=0, seed=9)
    x1, y1 = MAKERS[name](1000, noise=50, seed=9)
    np.testing.assert_array_equal(x0, x1)
    assert not np.array_equal(y0, y1)


@pytest.mark.parametrize("name", ["circle", "xor"])
def test_label_noise_flips_labels_near_the_boundary(name):
    flipped = [(MAKERS[name](3000, noise=p, seed=2)[1]
                != MAKERS[name](3000, noise=0, seed=2)[1]).mean() for p in (0, 10, 30, 50)]
    assert flipped[0] == 0 and 0 < flipped[1] < flipped[2] < flipped[3] < 0.5


def test_regression_noise_moves_the_target_by_at_most_its_range():
    # plane: the target is read at a point moved by up to noise% of 6 on each axis
    x, y0 = make_plane(3000, noise=0, seed=1, dtype="float64")
    _, y1 = make_plane(3000, noise=20, seed=1, dtype="float64")
    shift = np.abs(y1 - y0)
    assert shift.max() <= 2 * 0.2 * 6 / 10 + 1e-12 and shift.max() > 0.15


def test_spiral_noise_moves_points_by_at_most_noise_over_100():
    x0, y0 = make_spiral(500, noise=0, seed=3, dtype="float64")
    x1, y1 = make_spiral(500, noise=40, seed=3, dtype="float64")
    np.testing.assert_array_equal(y0, y1)
    moved = np.abs(x1 - x0)
    assert moved.max() <= 0.4 and moved.max() > 0.35


@pytest.mark.parametrize("name", ["circle", "gauss", "spiral"])
@pytest.mark.parametrize("n", [2, 9, 500])
def test_exact_class_balance(name, n):
    _, y = MAKERS[name](n, seed=0)
    assert np.bincount(y, minlength=2).tolist() == [n // 2, n - n // 2]


@pytest.mark.parametrize("name", ["gauss", "spiral"])
def test_balance_does_not_depend_on_noise(name):
    _, y = MAKERS[name](301, noise=50, seed=0)
    assert np.bincount(y).tolist() == [150, 151]


@pytest.mark.parametrize("name", NAMES)
def test_points_are_shuffled(name):
    x, y = MAKERS[name](400, seed=0)
    if name in ("circle", "gauss", "spiral"):
        assert not (np.all(y[:200] == 1) or np.all(y[:200] == 0))
    # not sorted along either axis
    assert not (np.all(np.diff(x[:, 0]) >= 0) or np.all(np.diff(x[:, 1]) >= 0))


# -- seeds -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_seeded_reproducibility(name):
    a = MAKERS[name](100, noise=30, seed=42)
    b = MAKERS[name](100, noise=30, seed=42)
    c = MAKERS[name](100, noise=30, seed=43)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


@pytest.fixture
def restore_neurona_seed():
    with neurona_seed_restored():
        yield


@pytest.mark.parametrize("name", NAMES)
def test_seed_none_uses_neurona_generator(name, restore_neurona_seed):
    nr.utils.set_seed(123)
    a = MAKERS[name](50, noise=10)
    nr.utils.set_seed(123)
    b = MAKERS[name](50, noise=10)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], MAKERS[name](50, noise=10)[0])


def test_load_data_seed_none(restore_neurona_seed):
    nr.utils.set_seed(5)
    (a, _), _ = load_data("xor", seed=None)
    (b, _), _ = load_data("xor", seed=None)
    assert not np.array_equal(a, b)
    nr.utils.set_seed(5)
    (c, _), _ = load_data("xor", seed=None)
    np.testing.assert_array_equal(a, c)


def test_global_numpy_state_untouched():
    state = np.random.get_state()
    for name in NAMES:
        MAKERS[name](200, noise=50, seed=0)
        MAKERS[name](200, noise=50)
        load_data(name)
    after = np.random.get_state()
    assert state[0] == after[0]
    np.testing.assert_array_equal(state[1], after[1])
    assert state[2:] == after[2:]


# -- load_data ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_load_data_is_the_set_cut_in_two(name):
    (x_train, y_train), (x_test, y_test) = load_data(name, n_samples=300, noise=15, seed=3)
    assert x_train.shape == (150, 2) and x_test.shape == (150, 2)
    assert y_train.shape == (150,) and y_test.shape == (150,)
    x, y = make_data(name, 300, noise=15, seed=3)
    np.testing.assert_array_equal(np.concatenate([x_train, x_test]), x)
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), y)
    assert x_train.dtype == np.float32
    assert y_train.dtype == (np.int64 if name in CLASSIFICATION else np.float32)


def test_load_data_defaults():
    (x_train, y_train), (x_test, y_test) = load_data("spiral")
    assert len(x_train) == len(x_test) == 250
    (x2, _), _ = load_data("spiral")
    np.testing.assert_array_equal(x_train, x2)  # seed=0 by default
    # a random split: both classes in both halves, roughly balanced
    assert 0.4 < y_train.mean() < 0.6 and 0.4 < y_test.mean() < 0.6


@pytest.mark.parametrize("n, split, n_test", [(400, 0.25, 100), (501, 0.5, 250), (10, 0.9, 9),
                                               (2, 0.5, 1), (1200, 0.3, 360)])
def test_load_data_split_sizes(n, split, n_test):
    (x_train, _), (x_test, _) = load_data("plane", n_samples=n, test_split=split)
    assert len(x_test) == n_test and len(x_train) == n - n_test


def test_load_data_dtype():
    (x_train, y_train), (x_test, y_test) = load_data("multi_gauss", dtype="float64")
    assert x_train.dtype == y_train.dtype == x_test.dtype == y_test.dtype == np.float64


# -- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("maker, kwargs, match", [
    (make_circle, {"n_samples": 1},
     r"make_circle: n_samples must be an integer >= 2 \(at least one point per class\), got 1"),
    (make_spiral, {"n_samples": 50.0}, r"make_spiral: n_samples must be an integer >= 2.*50\.0"),
    (make_xor, {"n_samples": True}, r"make_xor: n_samples must be an integer >= 2.*got True"),
    (make_plane, {"n_samples": 0}, r"make_plane: n_samples must be an integer >= 1, got 0"),
    (make_multi_gauss, {"n_samples": -5}, r"make_multi_gauss: n_samples must be an integer "
                                          r">= 1, got -5"),
    (make_gauss, {"noise": 51}, r"make_gauss: noise must be a percentage between 0 and 50, as "
                                r"on the Playground's slider, got 51"),
    (make_circle, {"noise": -1}, r"make_circle: noise must be a percentage.*got -1"),
    (make_xor, {"noise": float("nan")}, r"noise must be a percentage.*got nan"),
    (make_spiral, {"noise": "10"}, r"noise must be a percentage.*got '10'"),
    (make_plane, {"noise": True}, r"noise must be a percentage.*got True"),
    (make_multi_gauss, {"seed": -1}, r"make_multi_gauss: seed must be None or an integer >= 0, "
                                     r"got -1"),
    (make_gauss, {"seed": 0.5}, r"make_gauss: seed must be None or an integer >= 0, got 0\.5"),
    (make_circle, {"dtype": "int64"}, r"make_circle: dtype must be a floating-point dtype such "
                                      r"as 'float32', got 'int64'"),
    (make_plane, {"dtype": "float31"}, r"make_plane: unknown dtype 'float31'"),
])
def test_make_bad_arguments(maker, kwargs, match):
    with pytest.raises(ValueError, match=match):
        maker(**kwargs)


@pytest.mark.parametrize("kwargs, match", [
    ({"name": "sprial"}, r"playground\.load_data: unknown dataset 'sprial'\. Did you mean "
                         r"'spiral'\? Valid names: circle, xor, gauss, spiral, plane, "
                         r"multi_gauss"),
    ({"name": "moons"}, r"unknown dataset 'moons'\. Valid names: circle"),
    ({"name": None}, r"playground\.load_data: name must be a string such as 'spiral', "
                     r"got None"),
    ({"name": "xor", "n_samples": 1}, r"playground\.load_data: n_samples must be an integer "
                                      r">= 2 \(at least one to train and one to test\), got 1"),
    ({"name": "xor", "test_split": 0}, r"playground\.load_data: test_split must be a number "
                                       r"strictly between 0 and 1, got 0"),
    ({"name": "xor", "test_split": 1.0}, r"test_split must be a number strictly.*got 1\.0"),
    ({"name": "xor", "test_split": True}, r"test_split must be a number strictly.*got True"),
    ({"name": "xor", "n_samples": 3, "test_split": 0.1},
     r"playground\.load_data: test_split=0\.1 of 3 samples leaves the training or the test "
     r"set empty; use more samples or a test_split closer to 0\.5"),
    ({"name": "plane", "noise": 60}, r"playground\.load_data: noise must be a percentage "
                                     r"between 0 and 50"),
    ({"name": "plane", "seed": "x"}, r"playground\.load_data: seed must be None or an "
                                     r"integer >= 0, got 'x'"),
    ({"name": "gauss", "dtype": "int8"}, r"playground\.load_data: dtype must be a "
                                         r"floating-point dtype"),
])
def test_load_data_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_data(**kwargs)


def test_make_data_bad_name():
    with pytest.raises(ValueError, match=r"playground\.make_data: unknown dataset 'circel'\. "
                                         r"Did you mean 'circle'\?"):
        make_data("circel")


def test_docstring_examples():
    result = doctest.testmod(playground)
    assert result.attempted > 0 and result.failed == 0
