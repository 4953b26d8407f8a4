"""Registry cases, statistics and error tests for neurona/functions/noise.py."""

import numpy as np
import pytest

import neurona as nr
import neurona.functions as F
from neurona.backend import rng as neurona_rng
from neurona.functions import noise as N

from .opcheck import OpCase, op_tests

rng = np.random.default_rng(0)
M = rng.normal(size=(5, 7))
VIEW = rng.normal(size=(6, 8))[:, ::2]  # non-contiguous (6, 4)
S = np.array(0.8)


def _fixed(rate, seed):
    """Dropout whose generator is created inside the call, so every evaluation (forward,
    gradcheck's perturbed copies) sees the same mask."""

    def fn(a):
        return F.dropout(a, rate, rng=np.random.default_rng(seed))

    def ref(a):
        keep = np.random.default_rng(seed).random(a.shape) >= rate
        return a * keep / (1 - rate)

    return fn, ref


def _case(name, a, rate, seed):
    fn, ref = _fixed(rate, seed)
    # float32=False: the float32 mask is drawn from float32 uniforms, a different stream than
    # the float64 reference (float32 is tested below); torch's dropout has its own generator
    return OpCase(f"dropout/{name}", fn, [a], ref, (N.Dropout,), None, float32=False)


CASES = [
    _case("matrix", M, 0.3, 1),
    _case("view", VIEW, 0.5, 2),
    _case("scalar", S, 0.2, 3),
    _case("high_rate", M, 0.9, 4),
]


test_forward, test_gradcheck, _ = op_tests(CASES)  # dropout masks: no torch twin



# -- behaviour ----------------------------------------------------------------------------------


def test_inference_and_rate_zero_return_x_unchanged():
    x = nr.tensor(M, requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert F.dropout(x, 0) is x


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_statistics(rate):
    nr.utils.set_seed(0)
    x = nr.ones(1000, 1000)
    y = F.dropout(x, rate).data
    dropped = np.mean(y == 0)
    assert abs(dropped - rate) < 0.005  # 1e6 Bernoulli draws: std of the mean < 5e-4
    np.testing.assert_allclose(y[y != 0], 1 / (1 - rate), rtol=1e-6)  # kept units are scaled
    assert abs(y.mean() - 1.0) < 0.01  # the expected value is preserved


def test_gradient_is_the_mask():
    x = nr.tensor(M, requires_grad=True)
    y = F.dropout(x, 0.4, rng=np.random.default_rng(7))
    y.sum().backward()
    mask = (np.random.default_rng(7).random(M.shape) >= 0.4) / 0.6
    np.testing.assert_allclose(x.grad, mask, rtol=1e-15)
    np.testing.assert_allclose(y.data, M * mask, rtol=1e-15)


def test_float32_mask_and_gradient():
    x = nr.tensor(M.astype(np.float32), requires_grad=True)
    y = F.dropout(x, 0.3, rng=np.random.default_rng(0))
    assert y.dtype == np.float32
    (mask,) = y.creator.saved
    assert mask.dtype == np.float32  # no float64 temporaries kept for backward
    expected = (np.random.default_rng(0).random(M.shape, dtype=np.float32) >= 0.3) / 0.7
    np.testing.assert_allclose(mask, expected, rtol=1e-6)
    gx = y.creator.backward(np.ones(y.shape, np.float32))
    assert gx.dtype == np.float32


def test_float16_input():
    x = nr.tensor(M.astype(np.float16))
    y = F.dropout(x, 0.5, rng=np.random.default_rng(0))
    assert y.dtype == np.float16
    assert np.all((y.data == 0) | np.isclose(y.data, 2 * x.data, rtol=1e-3))


def test_set_seed_makes_dropout_reproducible():
    x = nr.ones(50, 50)
    nr.utils.set_seed(123)
    a = F.dropout(x, 0.5).data
    b = F.dropout(x, 0.5).data
    nr.utils.set_seed(123)
    c = F.dropout(x, 0.5).data
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)  # the generator advances between calls


def test_default_generator_is_neuronas():
    nr.utils.set_seed(5)
    expected = neurona_rng(np).random((20, 20), dtype=np.float64) >= 0.5
    nr.utils.set_seed(5)
    got = F.dropout(nr.tensor(np.ones((20, 20))), 0.5).data != 0
    np.testing.assert_array_equal(got, expected)


def test_numpy_global_state_is_untouched():
    before = np.random.get_state()
    nr.utils.set_seed(1)
    F.dropout(nr.ones(100, 100), 0.5)
    F.dropout(nr.ones(100, 100), 0.5, rng=np.random.default_rng(0))
    after = np.random.get_state()
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    assert before[2:] == after[2:]


def test_input_is_not_modified():
    data = M.copy()
    x = nr.from_numpy(data)
    F.dropout(x, 0.5, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(data, M)


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [-0.1, 1.5, 10])
def test_rate_outside_range(rate):
    with pytest.raises(ValueError, match=rf"dropout: rate is the probability of dropping an "
                                         rf"element and must be in \[0, 1\), got {float(rate)}$"):
        F.dropout(nr.ones(3), rate)


def test_rate_one_and_bad_rate_even_in_inference():
    with pytest.raises(ValueError, match=r"got 1.0 \(rate=1 would drop everything\)"):
        F.dropout(nr.ones(3), 1.0)
    with pytest.raises(ValueError, match=r"must be in \[0, 1\), got 2.0"):
        F.dropout(nr.ones(3), 2.0, training=False)


@pytest.mark.parametrize("rate", ["0.5", None, True])
def test_rate_must_be_a_number(rate):
    with pytest.raises(TypeError, match=r"dropout: rate must be a number in \[0, 1\), got"):
        F.dropout(nr.ones(3), rate)


def test_integer_input_is_rejected():
    with pytest.raises(TypeError, match=r"dropout: x must be a floating-point tensor, got int64"):
        F.dropout(nr.tensor([1, 2, 3]), 0.5)


@pytest.mark.parametrize("bad", [0, np.random.RandomState(0), "seed"])
def test_rng_must_be_a_generator(bad):
    with pytest.raises(TypeError, match=r"dropout: rng must be a numpy.random.Generator \(e.g. "
                                        r"np.random.default_rng\(0\)\), a CuPy Generator, or "
                                        r"None for neurona's seeded generator; got"):
        F.dropout(nr.ones(3), 0.5, rng=bad)


def test_rng_of_another_array_library_is_rejected():
    class ListGenerator:  # stands in for a generator of another device's arrays
        def random(self, shape, dtype):
            return [0.5] * int(np.prod(shape))

    with pytest.raises(ValueError, match=r"dropout: x is on cpu but rng draws builtins.list "
                                         r"arrays; pass a generator of the same array library"):
        F.dropout(nr.ones(3), 0.5, rng=ListGenerator())
