"""A tour of neurona's tensor API: creation, operators, broadcasting, indexing, backward, .grad,
no_grad, and a numerical gradient check.

Run it with:  python examples/tensor_basics.py
"""

import os

import numpy as np

import neurona as nr
import neurona.functions as F
from neurona.autograd import Function
from neurona.testing import GradcheckError, gradcheck

FAST = os.environ.get("NEURONA_FAST") == "1"  # the test suite sets it: smaller checks


def show(title):
    print(f"\n--- {title} ---")


def say(label, value):
    # multi-line tensors start on their own line, so their rows line up
    text = repr(value)
    print(f"{label} =\n{text}" if "\n" in text else f"{label} = {text}")


show("1. A gradient in four lines")
x = nr.tensor([[1.0, 2.0]], requires_grad=True)
y = (x @ nr.tensor([[3.0], [4.0]])).relu().sum()
y.backward()
say("y = relu(x @ [[3], [4]]).sum()", y.item())
print("x.grad =", repr(x.grad))  # dy/dx = [3, 4]: the column we multiplied by

show("2. Creating tensors")
a = nr.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # Python floats become float32
say("a", a)
print("a.shape =", a.shape, "| a.dtype =", a.dtype)
say("nr.zeros(2, 3)", nr.zeros(2, 3))
say("nr.arange(6).reshape(2, 3)", nr.arange(6).reshape(2, 3))
say("nr.linspace(0, 1, 5)", nr.linspace(0, 1, 5))
nr.utils.set_seed(0)  # neurona's own generator; NumPy's global state is left alone
say("nr.randn(2, 2)", nr.randn(2, 2))
print("from a NumPy array (float64 kept):", nr.tensor(np.array([0.5, 1.5])))

show("3. Operators and functions")
say("a * 2 + 1", a * 2 + 1)
say("a ** 2", a**2)
say("a.sum()", a.sum())
say("a.mean(axis=0)", a.mean(axis=0))
say("a.max(axis=1)", a.max(axis=1))
say("a @ a.T", a @ a.T)
say("F.softmax(a, axis=-1)", F.softmax(a, axis=-1))
say("nr.exp(a).log()", nr.exp(a).log())

show("4. Broadcasting: (2, 3) + (3,) -> (2, 3)")
b = nr.tensor([10.0, 20.0, 30.0])
say("a + b", a + b)
say("a - a.mean(axis=1, keepdims=True)", a - a.mean(axis=1, keepdims=True))

show("5. Indexing and reshaping")
say("a[0]", a[0])
say("a[:, 1]", a[:, 1])
say("a[1, -1]", a[1, -1])
say("a[a > 2]", a[a > 2])
say("a.reshape(3, 2)", a.reshape(3, 2))
say("a.T.shape", a.T.shape)

show("6. backward() fills .grad of every leaf that requires it")
w = nr.tensor([[0.1, -0.2], [0.2, 0.05], [-0.1, 0.1]], requires_grad=True)  # (3, 2)
bias = nr.zeros(2, requires_grad=True)
z = F.linear(a, w, bias)  # a @ w + bias: (2, 3) @ (3, 2) -> (2, 2)
loss = (z.tanh() ** 2).mean()
say("loss", loss)
loss.backward()
say("w.grad", w.grad)
say("bias.grad", bias.grad)
print("a.grad =", a.grad, "(a does not require grad)")

show("7. no_grad(): compute without recording (parameter updates, inference)")
with nr.no_grad():
    w.data -= 0.02 * w.grad  # one step of gradient descent, on the arrays themselves
    bias.data -= 0.02 * bias.grad
    new_loss = (F.linear(a, w, bias).tanh() ** 2).mean()
print("loss after one step =", new_loss, "| recorded for backward?", new_loss.requires_grad)
w.grad = bias.grad = None  # gradients accumulate: clear them before the next backward

show("8. A gradient check: backward against central differences (float64)")
rng = np.random.default_rng(0)
n = 3 if FAST else 6
p = nr.tensor(rng.normal(size=(n, 4)), requires_grad=True)  # float64 NumPy data stays float64
q = nr.tensor(rng.normal(size=(4, 2)), requires_grad=True)
ok = gradcheck(lambda p, q: F.softmax((p @ q).tanh(), axis=-1), [p, q])
print("gradcheck(softmax(tanh(p @ q))) ->", ok)


class Cube(Function):
    """x ** 3, with a deliberately wrong backward (the true derivative is 3 * x ** 2)."""

    def forward(self, x):
        self.save_for_backward(x)
        return x**3

    def backward(self, gy):
        (x,) = self.saved
        return gy * 2 * x**2  # wrong on purpose


try:
    gradcheck(lambda t: Cube.apply(t), [nr.tensor(rng.normal(size=(n,)), requires_grad=True)])
except GradcheckError as err:
    print("a wrong backward is caught:", str(err).split(";")[0])
