"""Registry cases, stability and error tests for neurona/functions/activation.py."""

import math

import numpy as np
import pytest

import neurona as nr
import neurona.functions as F
from neurona.functions import activation as A

from .opcheck import OpCase, op_tests

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = TF = None

rng = np.random.default_rng(0)


def _off_kinks(a, kinks=(0.0,), gap=0.05):
    """Move values within ``gap`` of a kink away from it (central differences need smoothness)."""
    a = np.array(a, dtype=np.float64)
    for k in kinks:
        near = np.abs(a - k) < gap
        a[near] = k + np.where(a[near] >= k, 2 * gap, -2 * gap)
    return a


M = _off_kinks(rng.normal(size=(3, 4)) * 2)
S = np.array(-0.7)
S_POS = np.array(1.3)
VIEW = _off_kinks(rng.normal(size=(4, 6)) * 2)[:, ::2]  # non-contiguous (4, 3)
VIEW_T = _off_kinks(rng.normal(size=(3, 4)) * 2).T  # non-contiguous (4, 3)
WIDE = _off_kinks(rng.uniform(-9, 9, size=(4, 5)), kinks=(-3.0, 0.0, 3.0, 6.0))
T3 = rng.normal(size=(2, 3, 4)) * 3

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

_erf_ref = np.vectorize(math.erf, otypes=[np.float64])


def _np_sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _np_softplus(a):
    return np.log1p(np.exp(a))


def _np_elu(a, alpha=1.0):
    return np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0)))


def _np_softmax(a, axis=-1):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_log_softmax(a, axis=-1):
    s = a - a.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def _np_gelu_tanh(a):
    return 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))


def _elementwise(name, cls, fn, ref, tfn, inputs=None, **kw):
    """One case per sample input: matrix, scalar, two non-contiguous views."""
    inputs = inputs or {"matrix": M, "scalar": S, "view": VIEW, "view_t": VIEW_T}
    return [OpCase(f"{name}/{tag}", fn, [a], ref, (cls,), tfn, **kw)
            for tag, a in inputs.items()]


def _heaviside_torch(a):
    # torch.heaviside has no derivative; adding 0 * a gives the same values with gradient 0
    return (a >= 0).to(a.dtype) + 0 * a


CASES = [
    *_elementwise("step", A.Step, F.step, lambda a: (a >= 0).astype(a.dtype),
                  torch and _heaviside_torch),
    *_elementwise("sigmoid", A.Sigmoid, F.sigmoid, _np_sigmoid, torch and torch.sigmoid),
    *_elementwise("hard_sigmoid", A.HardSigmoid, F.hard_sigmoid,
                  lambda a: np.clip(a + 3, 0, 6) / 6,
                  # Keras 3's relu6(x + 3) / 6 is PyTorch's hardsigmoid, including the gradient
                  # (1/6 strictly inside (-3, 3), 0 outside)
                  TF and TF.hardsigmoid, inputs={"wide": WIDE, "scalar": S, "view": VIEW}),
    *_elementwise("tanh", A.Tanh, F.tanh, np.tanh, torch and torch.tanh),
    *_elementwise("relu", A.ReLU, F.relu, lambda a: np.maximum(a, 0), torch and torch.relu),
    OpCase("relu/method", lambda a: a.relu(), [M], lambda a: np.maximum(a, 0), (A.ReLU,),
           torch and torch.relu),
    *_elementwise("relu6", A.ReLU6, F.relu6, lambda a: np.clip(a, 0, 6), TF and TF.relu6,
                  inputs={"wide": WIDE, "scalar": S_POS, "view": VIEW}),
    *_elementwise("leaky_relu", A.LeakyReLU, F.leaky_relu,
                  lambda a: np.where(a > 0, a, 0.2 * a),
                  TF and (lambda a: TF.leaky_relu(a, negative_slope=0.2))),
    OpCase("leaky_relu/slope", lambda a: F.leaky_relu(a, negative_slope=0.01), [M],
           lambda a: np.where(a > 0, a, 0.01 * a), (A.LeakyReLU,), TF and TF.leaky_relu),
    *_elementwise("elu", A.ELU, F.elu, _np_elu, TF and TF.elu),
    OpCase("elu/alpha", lambda a: F.elu(a, alpha=0.5), [VIEW], lambda a: _np_elu(a, 0.5),
           (A.ELU,), TF and (lambda a: TF.elu(a, alpha=0.5))),
    *_elementwise("selu", A.SELU, F.selu, lambda a: SELU_SCALE * _np_elu(a, SELU_ALPHA),
                  torch and torch.selu),
    *_elementwise("gelu", A.GELU, F.gelu, lambda a: 0.5 * a * (1 + _erf_ref(a / math.sqrt(2))),
                  TF and (lambda a: TF.gelu(a, approximate="none"))),
    OpCase("gelu/none_string", lambda a: F.gelu(a, approximate="none"), [T3],
           lambda a: 0.5 * a * (1 + _erf_ref(a / math.sqrt(2))), (A.GELU,),
           TF and (lambda a: TF.gelu(a, approximate="none"))),
    *_elementwise("gelu_tanh", A.GELU, lambda a: F.gelu(a, approximate=True), _np_gelu_tanh,
                  TF and (lambda a: TF.gelu(a, approximate="tanh"))),
    OpCase("gelu_tanh/string", lambda a: F.gelu(a, approximate="tanh"), [T3], _np_gelu_tanh,
           (A.GELU,), TF and (lambda a: TF.gelu(a, approximate="tanh"))),
    *_elementwise("softplus", A.Softplus, F.softplus, _np_softplus, TF and TF.softplus),
    *_elementwise("softsign", A.Softsign, F.softsign, lambda a: a / (1 + np.abs(a)),
                  TF and TF.softsign),
    *_elementwise("silu", A.SiLU, F.silu, lambda a: a * _np_sigmoid(a), TF and TF.silu),
    OpCase("swish", F.swish, [M], lambda a: a * _np_sigmoid(a), (A.SiLU,), TF and TF.silu),
    *_elementwise("mish", A.Mish, F.mish, lambda a: a * np.tanh(_np_softplus(a)),
                  TF and TF.mish),
    OpCase("softmax/last", F.softmax, [M], _np_softmax, (A.Softmax,),
           torch and (lambda a: torch.softmax(a, dim=-1))),
    OpCase("softmax/axis0", lambda a: F.softmax(a, axis=0), [M],
           lambda a: _np_softmax(a, 0), (A.Softmax,),
           torch and (lambda a: torch.softmax(a, dim=0))),
    OpCase("softmax/3d_axis1", lambda a: F.softmax(a, axis=1), [T3],
           lambda a: _np_softmax(a, 1), (A.Softmax,),
           torch and (lambda a: torch.softmax(a, dim=1))),
    OpCase("softmax/vector", F.softmax, [M[0]], _np_softmax, (A.Softmax,),
           torch and (lambda a: torch.softmax(a, dim=-1))),
    OpCase("softmax/view", lambda a: F.softmax(a, axis=-2), [VIEW_T],
           lambda a: _np_softmax(a, -2), (A.Softmax,),
           torch and (lambda a: torch.softmax(a, dim=-2))),
    OpCase("softmax/method", lambda a: a.softmax(), [VIEW], _np_softmax, (A.Softmax,),
           torch and (lambda a: torch.softmax(a, dim=-1))),
    OpCase("log_softmax/last", F.log_softmax, [M], _np_log_softmax, (A.LogSoftmax,),
           torch and (lambda a: torch.log_softmax(a, dim=-1))),
    OpCase("log_softmax/axis0", lambda a: F.log_softmax(a, axis=0), [VIEW],
           lambda a: _np_log_softmax(a, 0), (A.LogSoftmax,),
           torch and (lambda a: torch.log_softmax(a, dim=0))),
    OpCase("log_softmax/3d_axis-2", lambda a: F.log_softmax(a, axis=-2), [T3],
           lambda a: _np_log_softmax(a, -2), (A.LogSoftmax,),
           torch and (lambda a: torch.log_softmax(a, dim=-2))),
    OpCase("log_softmax/method", lambda a: a.log_softmax(), [VIEW_T], _np_log_softmax,
           (A.LogSoftmax,), torch and (lambda a: torch.log_softmax(a, dim=-1))),
]


test_forward, test_gradcheck, test_matches_torch = op_tests(CASES)


# -- definitions --------------------------------------------------------------------------------

ELEMENTWISE = [F.step, F.sigmoid, F.hard_sigmoid, F.tanh, F.relu, F.relu6, F.leaky_relu, F.elu,
               F.selu, F.gelu, lambda x: F.gelu(x, approximate=True), F.softplus, F.softsign,
               F.silu, F.mish, F.softmax, F.log_softmax]


def test_identity_is_the_linear_activation():
    x = nr.tensor([[-1.0, 2.0]], requires_grad=True)
    assert F.identity(x) is x
    assert "linear" in F.identity.__doc__


def test_swish_is_silu():
    assert F.swish is F.silu


def test_step_is_one_at_zero_and_has_zero_gradient():
    x = nr.tensor([-2.0, -1e-30, 0.0, 1e-30, 3.0], requires_grad=True)
    y = F.step(x)
    np.testing.assert_array_equal(y.data, [0, 0, 1, 1, 1])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(5))


def test_keras_defaults():
    x = nr.tensor([-10.0, -3.0, 0.0, 1.5, 3.0])
    np.testing.assert_allclose(F.leaky_relu(x).data, [-2.0, -0.6, 0.0, 1.5, 3.0], rtol=1e-6)
    np.testing.assert_allclose(F.hard_sigmoid(x).data, [0.0, 0.0, 0.5, 0.75, 1.0], rtol=1e-6)
    np.testing.assert_allclose(F.relu6(nr.tensor([-1.0, 7.0])).data, [0.0, 6.0])
    np.testing.assert_allclose(F.selu(nr.tensor([-100.0, 1.0])).data,
                               [-SELU_SCALE * SELU_ALPHA, SELU_SCALE], rtol=1e-6)


def test_relu_gradient_at_zero_is_zero():
    x = nr.tensor([0.0, 1.0], requires_grad=True)
    F.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0])


def test_softmax_rows_sum_to_one():
    y = F.softmax(nr.tensor(T3), axis=1)
    np.testing.assert_allclose(y.data.sum(axis=1), np.ones((2, 4)), rtol=1e-6)


@pytest.mark.parametrize("shape", [(0, 3), (3, 0)])
@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax])
def test_softmax_of_empty_input(fn, shape):
    x = nr.zeros(*shape, requires_grad=True)
    y = fn(x)
    assert y.shape == shape
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(shape))


# -- erf -----------------------------------------------------------------------------------------


def test_erf_matches_math_erf_to_1e14():
    x = np.concatenate([np.linspace(-7, 7, 20001), [0.46875, -0.46875, 4.0, -4.0, 5.9, 6.0,
                                                     27.0, -1e300, 1e-300, -5e-324]])
    got = A._erf(np, x)
    ref = _erf_ref(x)
    np.testing.assert_allclose(got, ref, rtol=1e-14, atol=1e-16)
    # odd function, exactly
    np.testing.assert_array_equal(A._erf(np, -x), -got)


def test_erf_special_values_and_float32():
    got = A._erf(np, np.array([np.nan, np.inf, -np.inf, 0.0]))
    assert np.isnan(got[0])
    np.testing.assert_array_equal(got[1:], [1.0, -1.0, 0.0])
    x = np.linspace(-5, 5, 1001).astype(np.float32)
    got32 = A._erf(np, x)
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32, _erf_ref(x.astype(np.float64)), atol=1e-6)


# -- dtypes and the engine's rules ---------------------------------------------------------------


@pytest.mark.parametrize("fn", ELEMENTWISE)
def test_float32_backward_stays_float32(fn):
    x = nr.tensor(M.astype(np.float32), requires_grad=True)
    y = fn(x)
    assert y.dtype == np.float32
    gx = y.creator.backward(np.ones(y.shape, np.float32))
    assert gx.dtype == np.float32


@pytest.mark.parametrize("fn", ELEMENTWISE)
def test_backward_leaves_gy_and_input_untouched(fn):
    data = M.copy()
    x = nr.tensor(data, requires_grad=True)
    y = fn(x)
    # a read-only broadcast view: any in-place write to gy would raise
    gy = np.broadcast_to(np.array(0.7), y.shape)
    y.creator.backward(gy)
    np.testing.assert_array_equal(x.data, M)


# -- numerical stability -------------------------------------------------------------------------

BIG = np.array([-1000.0, -100.0, -30.0, 0.5, 30.0, 100.0, 1000.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn", ELEMENTWISE)
def test_large_inputs_give_finite_values_and_gradients(fn, dtype):
    x = nr.tensor(BIG.astype(dtype), requires_grad=True)
    y = fn(x)  # any overflow warning is an error here
    assert np.all(np.isfinite(y.data))
    y.sum().backward()
    assert np.all(np.isfinite(x.grad))


def test_sigmoid_is_accurate_in_both_tails():
    x = np.array([-1000.0, -700.0, -30.0, -5.0, 0.0, 5.0, 30.0, 1000.0])
    ref = np.array([0.5 * math.erfc(0) if v == 0 else 1 / (1 + math.exp(-v)) if v > -700
                    else math.exp(v) for v in x])
    np.testing.assert_allclose(F.sigmoid(nr.tensor(x)).data, ref, rtol=1e-14)
    # float32: sigmoid(-30) is 9.4e-14, representable, not rounded to 0
    y32 = F.sigmoid(nr.tensor(np.array([-30.0, -80.0], np.float32))).data
    np.testing.assert_allclose(y32, [1 / (1 + math.exp(30)), 1 / (1 + math.exp(80))], rtol=1e-5)


def test_softplus_is_accurate_in_both_tails():
    x = nr.tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]), requires_grad=True)
    y = F.softplus(x)
    np.testing.assert_allclose(y.data, [0.0, math.exp(-50), math.log(2), 50.0, 1000.0],
                               rtol=1e-14)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, math.exp(-50), 0.5, 1.0, 1.0], rtol=1e-14)


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax])
def test_softmax_with_huge_logits(fn):
    x = nr.tensor(np.array([[1000.0, 999.0, -1000.0], [-1000.0, -1000.0, -1000.0]]),
                  requires_grad=True)
    y = fn(x)
    expected = _np_softmax(x.data) if fn is F.softmax else _np_log_softmax(x.data)
    np.testing.assert_allclose(y.data, expected, rtol=1e-12)
    assert np.all(np.isfinite(y.data))
    (y * nr.tensor(np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]))).sum().backward()
    assert np.all(np.isfinite(x.grad))


# -- errors --------------------------------------------------------------------------------------


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match=r"gelu: approximate must be False, True, 'none' or "
                                         r"'tanh', got 'erf'"):
        F.gelu(nr.tensor([1.0]), approximate="erf")


@pytest.mark.parametrize("fn,name", [(F.softmax, "softmax"), (F.log_softmax, "log_softmax")])
def test_softmax_axis_errors(fn, name):
    with pytest.raises(ValueError, match=rf"{name}: axis 2 is out of range for an input of "
                                         rf"shape \(3, 4\) \(valid axes are -2 to 1\)"):
        fn(nr.tensor(M), axis=2)
    with pytest.raises(ValueError, match=rf"{name}: axis -3 is out of range"):
        fn(nr.tensor(M), axis=-3)
    with pytest.raises(ValueError, match=rf"{name}: needs an input with at least 1 dimension, "
                                         r"got shape \(\)"):
        fn(nr.tensor(1.0))
    with pytest.raises(TypeError, match=rf"{name}: axis must be an integer, got 1.5"):
        fn(nr.tensor(M), axis=1.5)
