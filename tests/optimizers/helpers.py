"""A small least-squares problem shared by the optimizer tests, in neurona, PyTorch and plain
NumPy (with its gradient written out), so that trajectories can be compared step by step.

loss(W, b, s) = mean(((X @ W + b) * s - Y) ** 2), with W (3, 2), b (2,) and a scalar s (a 0-d
parameter, to exercise 0-d views of the arena).
"""

from __future__ import annotations

import numpy as np

import neurona as nr

X = np.random.default_rng(0).normal(size=(8, 3))
Y = np.random.default_rng(1).normal(size=(8, 2))
INIT = [
    np.random.default_rng(2).normal(size=(3, 2)),
    np.random.default_rng(3).normal(size=2),
    np.array(1.3),
]
STEPS = 6


def make_params(dtype="float64") -> list:
    return [nr.tensor(a.astype(dtype), requires_grad=True) for a in INIT]


def loss_nr(params):
    w, b, s = params
    dtype = w.data.dtype
    r = (nr.tensor(X.astype(dtype)) @ w + b) * s - nr.tensor(Y.astype(dtype))
    return (r * r).mean()


def train_nr(make_opt, steps=STEPS, dtype="float64") -> list[list[np.ndarray]]:
    """The parameters after each of ``steps`` steps of ``make_opt(params)``."""
    params = make_params(dtype)
    opt = make_opt(params)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss_nr(params).backward()
        opt.step()
        out.append([p.data.copy() for p in params])
    return out


def train_torch(make_opt, steps=STEPS, dtype="float64") -> list[list[np.ndarray]]:
    import torch

    tdtype = getattr(torch, dtype)
    params = [torch.tensor(a, dtype=tdtype, requires_grad=True) for a in INIT]
    x = torch.tensor(X, dtype=tdtype)
    y = torch.tensor(Y, dtype=tdtype)
    opt = make_opt(params)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        w, b, s = params
        r = (x @ w + b) * s - y
        (r * r).mean().backward()
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out


def numpy_grads(params):
    w, b, s = params
    z = X @ w + b
    dr = 2 * (z * s - Y) / Y.size
    return [X.T @ (dr * s), (dr * s).sum(axis=0), np.array((dr * z).sum())]


def train_reference(update, steps=STEPS, lr=None, weight_decay=None) -> list[list[np.ndarray]]:
    """Plain NumPy, float64, one parameter at a time: ``update(p, g, state, t)`` returns the
    new ``p`` (``state`` is a dict per parameter, ``t`` counts from 1). With ``weight_decay``
    the parameters first shrink by ``lr * weight_decay`` as Keras 3 does."""
    params = [a.copy() for a in INIT]
    states = [{} for _ in params]
    out = []
    for t in range(1, steps + 1):
        grads = numpy_grads(params)
        if weight_decay:
            params = [p - p * weight_decay * lr for p in params]
        params = [update(p, g, st, t) for p, g, st in zip(params, grads, states, strict=True)]
        out.append([p.copy() for p in params])
    return out


def assert_same_trajectory(actual, expected, rtol=1e-10, atol=1e-12) -> None:
    assert len(actual) == len(expected)
    for step, (a_params, e_params) in enumerate(zip(actual, expected, strict=True)):
        for i, (a, e) in enumerate(zip(a_params, e_params, strict=True)):
            assert a.shape == e.shape, (step, i)
            np.testing.assert_allclose(a, e, rtol=rtol, atol=atol,
                                       err_msg=f"step {step + 1}, parameter {i}")
