"""The backward engine and grad mode (neurona/autograd.py)."""

import gc
import weakref

import numpy as np
import pytest

import neurona as nr
import neurona.functions as F
from neurona.autograd import Function, unbroadcast


def test_deep_chain_has_no_recursion_limit():
    x = nr.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001 ** 10_000], rtol=1e-3)


def test_gradient_accumulates_over_uses():
    x = nr.tensor([2.0], requires_grad=True)
    y = x * x + x * 3 + x  # dy/dx = 2x + 4
    y.backward()
    np.testing.assert_allclose(x.grad, [8.0])


def test_diamond_graph():
    x = nr.tensor([1.5], requires_grad=True)
    a = x.exp()
    b = a * 2
    c = a * 3
    (b * c).backward()  # 6 e^{2x} -> 12 e^{2x}
    np.testing.assert_allclose(x.grad, 12 * np.exp(3.0), rtol=1e-6)


def test_second_backward_through_freed_graph_names_retain_graph():
    x = nr.tensor([1.0], requires_grad=True)
    y = (x * 2).exp().sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time.*"
                                           r"retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = nr.tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0])


def test_saved_arrays_are_released_after_backward():
    x = nr.tensor(np.ones(4), requires_grad=True)
    y = x.exp()
    fn = y.creator
    assert fn.saved
    y.sum().backward()
    assert fn.saved == () and fn.inputs is None


def test_non_scalar_backward_needs_gradient():
    x = nr.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"backward\(\) without a gradient needs a scalar "
                                           r"output, got shape \(2, 3\)"):
        (x * 2).backward()
    (x * 2).backward(gradient=np.full((2, 3), 0.5))
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))


def test_gradient_shape_mismatch():
    x = nr.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\) but the tensor has shape "
                                         r"\(2,\)"):
        (x * 2).backward(gradient=np.ones(3))


def test_backward_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        nr.ones(1).backward()


def test_backward_on_leaf():
    x = nr.tensor([3.0], requires_grad=True)
    x.backward()
    np.testing.assert_array_equal(x.grad, [1.0])


def test_no_grad_records_nothing_and_saves_nothing():
    x = nr.ones(3, requires_grad=True)
    with nr.no_grad():
        y = (x * 2).exp()
    assert not y.requires_grad and y.creator is None
    assert nr.is_grad_enabled()


def test_no_grad_and_enable_grad_as_decorators_and_nested():
    x = nr.ones(1, requires_grad=True)

    @nr.no_grad()
    def infer(t):
        return t * 2

    @nr.enable_grad()
    def train(t):
        return t * 2

    assert not infer(x).requires_grad
    with nr.no_grad():
        assert train(x).requires_grad
        with nr.enable_grad():
            assert (x * 1).requires_grad
        assert not (x * 1).requires_grad
    with nr.set_grad_enabled(False):
        assert not nr.is_grad_enabled()
    assert nr.is_grad_enabled()


def test_needs_grad_skips_unneeded_inputs():
    seen = {}

    class Probe(Function):
        def forward(self, a, b):
            return a * b

        def backward(self, gy):
            seen["needs"] = self.needs_grad
            return (gy if self.needs_grad[0] else None, gy if self.needs_grad[1] else None)

    a = nr.ones(2, requires_grad=True)
    b = nr.ones(2)
    Probe.apply(a, b).sum().backward()
    assert seen["needs"] == (True, False)
    assert b.grad is None


def test_multi_output_function_with_unused_output():
    class SplitHalf(Function):
        def forward(self, x):
            n = x.shape[0] // 2
            return x[:n] * 1, x[n:] * 1

        def backward(self, g1, g2):
            return self.xp.concatenate([g1, g2])

    x = nr.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    first, _ = SplitHalf.apply(x)
    (first * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0, 0.0, 0.0])


def test_leaf_gradients_never_alias():
    a = nr.ones(2, requires_grad=True)
    b = nr.ones(2, requires_grad=True)
    (a + b).sum().backward()
    a.grad += 1
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_function_does_not_keep_outputs_alive():
    x = nr.ones(3, requires_grad=True)
    y = x * 2
    ref = weakref.ref(y)
    fn = y.creator
    del y
    gc.collect()
    assert ref() is None and fn.outputs[0]() is None


def test_retain_grad_on_intermediate():
    x = nr.tensor([2.0], requires_grad=True)
    h = (x * 3).retain_grad()
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.grad, [12.0])
    np.testing.assert_array_equal(x.grad, [36.0])


def test_unbroadcast():
    g = np.ones((4, 2, 3))
    assert unbroadcast(g, (2, 3)).shape == (2, 3)
    assert unbroadcast(g, (1, 3)).tolist() == [[8.0, 8.0, 8.0]]
    assert unbroadcast(g, ()).item() == 24.0
    assert unbroadcast(g, (4, 1, 1)).shape == (4, 1, 1)


def test_float32_graph_stays_float32():
    x = nr.randn(8, 3, requires_grad=True)
    w = nr.randn(3, 2, requires_grad=True)
    loss = F.softmax_cross_entropy(F.relu(F.linear(x, w)), np.array([0, 1] * 4))
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
