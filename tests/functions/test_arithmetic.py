"""Registry cases and error tests for neurona/functions/arithmetic.py."""

import numpy as np
import pytest

import neurona as nr
import neurona.functions as F
from neurona.functions import arithmetic as A

from .opcheck import OpCase, op_tests

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

rng = np.random.default_rng(0)
M = rng.normal(size=(3, 4))
ROW = rng.normal(size=(4,))
COL = rng.normal(size=(3, 1))
S = np.array(1.7)
POS = rng.uniform(0.5, 2.0, size=(3, 4))
VIEW = rng.normal(size=(4, 6))[:, ::2]  # non-contiguous (4, 3)
VIEW_T = rng.normal(size=(3, 4)).T  # non-contiguous (4, 3)


def _binary(name, cls, fn, ref, tfn, pairs):
    return [
        OpCase(f"{name}/{tag}", fn, [a, b], ref, (cls,), tfn) for tag, (a, b) in pairs.items()
    ]


PAIRS = {
    "same": (M, rng.normal(size=(3, 4))),
    "row": (M, ROW),
    "col": (COL, M),
    "scalar": (S, M),
    "scalars": (S, np.array(-0.3)),
    "views": (VIEW, VIEW_T),
}
DIV_PAIRS = {k: (a, np.where(np.abs(b) < 0.3, 1.0, b)) for k, (a, b) in PAIRS.items()}

CASES = [
    *_binary("add", A.Add, lambda a, b: a + b, np.add, torch and torch.add, PAIRS),
    *_binary("sub", A.Sub, lambda a, b: a - b, np.subtract, torch and torch.sub, PAIRS),
    *_binary("mul", A.Mul, lambda a, b: a * b, np.multiply, torch and torch.mul, PAIRS),
    *_binary("div", A.Div, lambda a, b: a / b, np.divide, torch and torch.div, DIV_PAIRS),
    OpCase("add/python_scalar", lambda a: 2.5 + a, [M], lambda a: 2.5 + a, (A.Add,),
           lambda a: 2.5 + a),
    OpCase("rsub/python_scalar", lambda a: 1 - a, [M], lambda a: 1 - a, (A.Sub,),
           lambda a: 1 - a),
    OpCase("rdiv/python_scalar", lambda a: 2.0 / a, [POS], lambda a: 2.0 / a, (A.Div,),
           lambda a: 2.0 / a),
    OpCase("neg", lambda a: -a, [VIEW], np.negative, (A.Neg,), lambda a: -a),
    OpCase("pow/int", lambda a: a ** 3, [M], lambda a: a ** 3, (A.Pow,), lambda a: a ** 3),
    OpCase("pow/float", lambda a: a ** 0.5, [POS], np.sqrt, (A.Pow,), lambda a: a ** 0.5),
    OpCase("pow/tensor", lambda a, b: a ** b, [POS, ROW], np.power, (A.Pow,),
           torch and torch.pow),
    OpCase("rpow/python_base", lambda a: 2.0 ** a, [M], lambda a: 2.0 ** a, (A.Pow,),
           lambda a: 2.0 ** a),
    OpCase("exp", F.exp, [M], np.exp, (A.Exp,), torch and torch.exp),
    OpCase("exp/scalar", F.exp, [S], np.exp, (A.Exp,), torch and torch.exp),
    OpCase("log", F.log, [POS], np.log, (A.Log,), torch and torch.log),
    OpCase("log1p", F.log1p, [POS - 0.4], np.log1p, (A.Log1p,), torch and torch.log1p),
    OpCase("sqrt", F.sqrt, [POS], np.sqrt, (A.Sqrt,), torch and torch.sqrt),
    OpCase("abs", F.abs, [VIEW], np.abs, (A.Abs,), torch and torch.abs),
    OpCase("sign", F.sign, [M], np.sign, (A.Sign,), torch and torch.sign),
    OpCase("clip/both", lambda a: F.clip(a, -0.5, 0.5), [M], lambda a: np.clip(a, -0.5, 0.5),
           (A.Clip,), lambda a: torch.clamp(a, -0.5, 0.5)),
    OpCase("clip/low", lambda a: a.clip(low=0.1), [M], lambda a: np.maximum(a, 0.1), (A.Clip,),
           lambda a: torch.clamp(a, min=0.1)),
    OpCase("clip/high", lambda a: a.clamp(high=0.1), [VIEW], lambda a: np.minimum(a, 0.1),
           (A.Clip,), lambda a: torch.clamp(a, max=0.1)),
    *_binary("maximum", A.Maximum, F.maximum, np.maximum, torch and torch.maximum,
             {"same": PAIRS["same"], "row": PAIRS["row"], "views": PAIRS["views"]}),
    *_binary("minimum", A.Minimum, F.minimum, np.minimum, torch and torch.minimum,
             {"same": PAIRS["same"], "col": PAIRS["col"], "scalar": PAIRS["scalar"]}),
    OpCase("where/broadcast", lambda a, b: F.where(M > 0, a, b), [ROW, COL],
           lambda a, b: np.where(M > 0, a, b), (A.Where,),
           lambda a, b: torch.where(torch.from_numpy(M > 0), a, b)),
    OpCase("where/scalar_other", lambda a: F.where(a > 0, a, 0.0), [M],
           lambda a: np.where(a > 0, a, 0.0), (A.Where,),
           lambda a: torch.where(a > 0, a, torch.zeros((), dtype=a.dtype))),
    OpCase("sin", F.sin, [VIEW], np.sin, (A.Sin,), torch and torch.sin),
    OpCase("cos", F.cos, [M], np.cos, (A.Cos,), torch and torch.cos),
    OpCase("cast/f64_to_f32_to_f64", lambda a: a.astype("float32").astype("float64") * 2,
           [M], lambda a: a.astype(np.float32).astype(np.float64) * 2, (A.Cast, A.Mul),
           lambda a: a.to(torch.float32).to(torch.float64) * 2, atol=1e-6, float32=False,
           grad_eps=1e-2),  # a large step: float32 rounding
    OpCase("to_device/cpu_to_cpu", lambda a: F.to_device(a, "cpu") * 1.0, [M], lambda a: a,
           (A.ToDevice,), lambda a: a * 1.0),
]


test_forward, test_gradcheck, test_matches_torch = op_tests(CASES)


def test_maximum_tie_shares_gradient():
    a = nr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = nr.tensor([1.0, 5.0, 0.0], requires_grad=True)
    F.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad, [0.5, 1.0, 0.0])


def test_float32_stays_float32_with_python_scalars():
    x = nr.tensor([1.0, 2.0], requires_grad=True)
    y = (2.0 ** x + x ** 2 + 3 * x / 2.0 - 1).sum()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32


def test_to_device_cpu_is_identity():
    x = nr.tensor([1.0])
    assert F.to_device(x, "cpu") is x
    assert x.to("cpu") is x


def test_unknown_device_is_rejected():
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        nr.tensor([1.0]).to("tpu")


def test_comparisons_are_boolean_without_gradient():
    x = nr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for r in (x > 2, x >= 2, x < 2, x <= 2, x == 2, x != 2):
        assert r.dtype == np.bool_
        assert not r.requires_grad
    np.testing.assert_array_equal((x > 1.5).data, [False, True, True])
    np.testing.assert_array_equal((~(x > 1.5)).data, [True, False, False])


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match="clip: give at least one of low and high"):
        F.clip(nr.tensor([1.0]))


def test_where_needs_boolean_condition():
    with pytest.raises(TypeError, match="where: condition must be boolean, got dtype float32"):
        F.where(nr.tensor([1.0]), 1.0, 0.0)


def test_cast_to_int_detaches():
    x = nr.tensor([1.5, 2.5], requires_grad=True)
    y = x.astype("int64")
    assert y.dtype == np.int64 and not y.requires_grad


@pytest.mark.parametrize("op,name", [
    (lambda a, b: a + b, "add"), (lambda a, b: a - b, "sub"), (lambda a, b: a * b, "mul"),
    (lambda a, b: a / b, "div"), (lambda a, b: a ** b, "pow"), (F.maximum, "maximum"),
    (F.minimum, "minimum"),
])
def test_broadcast_error_names_op_and_both_shapes(op, name):
    with pytest.raises(ValueError) as err:
        op(nr.ones(2, 3), nr.ones(4))
    assert str(err.value) == f"{name}: cannot broadcast shapes (2, 3) and (4,)"


def test_where_broadcast_error():
    with pytest.raises(ValueError, match=r"where: cannot broadcast shapes \(2,\) and \(3,\)"):
        F.where(np.array([True, False]), nr.ones(3), 0.0)
