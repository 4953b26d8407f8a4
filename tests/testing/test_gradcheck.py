"""The public gradient checker (neurona/testing/gradcheck.py)."""

import numpy as np
import pytest

import neurona as nr
from neurona.autograd import Function
from neurona.testing import GradcheckError, gradcheck


def _x(*shape, seed=0):
    return nr.tensor(np.random.default_rng(seed).normal(size=shape), requires_grad=True)


def test_passes_on_correct_gradient():
    assert gradcheck(lambda a, b: (a * b).exp(), [_x(3, 2), _x(2, seed=1)])


def test_reports_input_element_and_values():
    class WrongSquare(Function):
        def forward(self, x):
            self.save_for_backward(x)
            return x * x

        def backward(self, gy):
            (x,) = self.saved
            return gy * 3 * x  # should be 2x

    with pytest.raises(GradcheckError, match=r"input 0 \(shape \(2, 2\)\) gradient mismatch; "
                                             r"worst element \(\d, \d\): analytic .* numeric"):
        gradcheck(WrongSquare.apply, [_x(2, 2)])


def test_needs_float64():
    x = nr.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="input 0 has dtype float32; gradient checks need float64"):
        gradcheck(lambda t: t * 2, [x])


def test_needs_an_input_requiring_grad():
    with pytest.raises(ValueError, match="no input has requires_grad=True"):
        gradcheck(lambda t: t * 2, [nr.ones(2, dtype="float64")])


def test_non_tensor_inputs_pass_through_and_tuple_outputs():
    x = _x(4)
    assert gradcheck(lambda t, k: (t * k, t.exp()), [x, 3.0])
