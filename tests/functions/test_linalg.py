"""Registry cases and error tests for neurona/functions/linalg.py."""

import numpy as np
import pytest

import neurona as nr
import neurona.functions as F
from neurona.functions import linalg as L

from .opcheck import OpCase, op_tests

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

rng = np.random.default_rng(1)


def _n(*shape):
    return rng.normal(size=shape)


def _tlinear(x, w, b=None):
    return torch.nn.functional.linear(x, w.T, b)


CASES = [
    OpCase("matmul/2d", lambda a, b: a @ b, [_n(3, 4), _n(4, 5)], np.matmul, (L.MatMul,),
           torch and torch.matmul),
    OpCase("matmul/batched", F.matmul, [_n(2, 3, 4), _n(2, 4, 5)], np.matmul, (L.MatMul,),
           torch and torch.matmul),
    OpCase("matmul/broadcast_batch", F.matmul, [_n(2, 1, 3, 4), _n(5, 4, 2)], np.matmul,
           (L.MatMul,), torch and torch.matmul),
    OpCase("matmul/matrix_by_batch", F.matmul, [_n(3, 4), _n(2, 4, 5)], np.matmul,
           (L.MatMul,), torch and torch.matmul),
    OpCase("matmul/vec_mat", F.matmul, [_n(4), _n(4, 5)], np.matmul, (L.MatMul,),
           torch and torch.matmul),
    OpCase("matmul/mat_vec", F.matmul, [_n(2, 3, 4), _n(4)], np.matmul, (L.MatMul,),
           torch and torch.matmul),
    OpCase("matmul/vec_vec", F.matmul, [_n(4), _n(4)], np.matmul, (L.MatMul,),
           torch and torch.matmul),
    OpCase("matmul/views", F.matmul, [_n(4, 3).T, _n(4, 10)[:, ::2]], np.matmul, (L.MatMul,),
           torch and torch.matmul),
    OpCase("linear/bias", F.linear, [_n(6, 4), _n(4, 3), _n(3)],
           lambda x, w, b: x @ w + b, (L.Linear,), torch and _tlinear),
    OpCase("linear/no_bias", F.linear, [_n(6, 4), _n(4, 3)], lambda x, w: x @ w,
           (L.Linear,), torch and _tlinear),
    OpCase("linear/3d_input", F.linear, [_n(2, 5, 4), _n(4, 3), _n(3)],
           lambda x, w, b: x @ w + b, (L.Linear,), torch and _tlinear),
    OpCase("linear/1d_input", F.linear, [_n(4), _n(4, 3), _n(3)],
           lambda x, w, b: x @ w + b, (L.Linear,), torch and _tlinear),
    OpCase("linear/view_input", F.linear, [_n(4, 6).T, _n(4, 3), _n(3)],
           lambda x, w, b: x @ w + b, (L.Linear,), torch and _tlinear),
]


test_forward, test_gradcheck, test_matches_torch = op_tests(CASES)


def test_matmul_inner_dimension_message():
    with pytest.raises(ValueError) as err:
        nr.ones(32, 10) @ nr.ones(20, 5)
    assert str(err.value) == (
        "matmul: cannot multiply (32, 10) by (20, 5): inner dimensions 10 and 20 differ"
    )


def test_matmul_batch_message():
    with pytest.raises(ValueError, match=r"matmul: batch dimensions of \(2, 3, 4\) and "
                                         r"\(3, 4, 5\) do not broadcast"):
        F.matmul(nr.ones(2, 3, 4), nr.ones(3, 4, 5))


def test_matmul_scalar_message():
    with pytest.raises(ValueError, match="matmul: both operands need at least 1 dimension"):
        F.matmul(nr.tensor(2.0), nr.ones(3))


def test_linear_shape_message():
    with pytest.raises(ValueError, match=r"linear: input has last dimension 10 but the weight "
                                         r"expects 20 \(input shape \(32, 10\), weight shape "
                                         r"\(20, 5\)\)"):
        F.linear(nr.ones(32, 10), nr.ones(20, 5))


def test_linear_skips_input_gradient():
    x = nr.ones(4, 3)
    w = nr.ones(3, 2, requires_grad=True)
    y = F.linear(x, w)
    assert y.creator.needs_grad == (False, True)
    y.sum().backward()
    assert x.grad is None
    np.testing.assert_array_equal(w.grad, np.full((3, 2), 4.0))
