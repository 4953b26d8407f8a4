"""The op registry's checker: one ``OpCase`` per sample of a primitive.

Each family's test module (``test_arithmetic.py``, ``test_activation.py``...) lists its cases in
``CASES``; ``test_registry.py`` fails when a Function subclass in ``neurona.functions`` has no case.
For every case we check, in this order:

1. forward against a NumPy reference, in float64 and float32 (and that float32 stays float32);
2. ``neurona.testing.gradcheck`` in float64 (central differences);
3. forward values and input gradients against PyTorch, when torch is installed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

import neurona as nr
from neurona.testing import gradcheck

try:  # torch is a dev extra; the comparison is skipped cleanly without it
    import torch
except ImportError:  # pragma: no cover
    torch = None


@dataclass
class OpCase:
    """One sample of one or more primitives.

    Attributes:
        name: test id, e.g. ``"mul/broadcast"``.
        fn: the neurona call, taking Tensors in the order of ``inputs``.
        inputs: NumPy arrays (float ones are cast to the dtype under test; integer and boolean
            arrays pass through unchanged and never require grad).
        reference: NumPy function of the same arrays giving the expected forward result.
        primitives: the Function classes this case exercises.
        torch_fn: the same computation on torch tensors, or None when torch has no equivalent.
        grad: indices of the inputs to differentiate (default: every float input).
        atol, rtol: forward tolerances (float64; float32 uses 1e-4 / 1e-4 at least).
        grad_atol, grad_rtol, grad_eps: gradcheck tolerances and finite-difference step.
        float32: whether to check the float32 forward as well.
    """

    name: str
    fn: Callable
    inputs: Sequence[np.ndarray]
    reference: Callable
    primitives: tuple = ()
    torch_fn: Callable | None = None
    grad: tuple[int, ...] | None = None
    atol: float = 1e-10
    rtol: float = 1e-7
    grad_atol: float = 1e-5
    grad_rtol: float = 1e-3
    grad_eps: float = 1e-6
    float32: bool = True
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name

    def grad_indices(self) -> tuple[int, ...]:
        if self.grad is not None:
            return self.grad
        return tuple(i for i, a in enumerate(self.inputs) if np.asarray(a).dtype.kind == "f")


def _cast(a, dtype):
    a = np.asarray(a) if not isinstance(a, np.ndarray) else a
    if a.dtype.kind == "f":
        # astype would make a contiguous copy; keep views (non-contiguous cases) as views
        return a if a.dtype == dtype else a.astype(dtype)
    return a


def _tensors(case: OpCase, dtype, requires_grad: bool):
    out = []
    wanted = case.grad_indices()
    for i, a in enumerate(case.inputs):
        arr = _cast(a, dtype)
        if arr.flags.c_contiguous or arr.ndim == 0:
            arr = arr.copy()
        else:  # keep the case non-contiguous, on a private copy (gradcheck edits in place)
            holder = np.empty(arr.shape + (2,), arr.dtype)
            holder[..., 0] = arr
            arr = holder[..., 0]
        t = nr.from_numpy(arr)
        if requires_grad and i in wanted:
            t.requires_grad_(True)
        out.append(t)
    return out


def _outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def check_forward(case: OpCase) -> None:
    expected = _outputs(case.reference(*[_cast(a, np.float64) for a in case.inputs]))
    got = _outputs(case.fn(*_tensors(case, np.float64, False)))
    assert len(got) == len(expected), case.name
    for g, e in zip(got, expected, strict=True):
        e = np.asarray(e)
        assert g.shape == e.shape, f"{case.name}: shape {g.shape} != expected {e.shape}"
        np.testing.assert_allclose(g.data, e, atol=case.atol, rtol=case.rtol, err_msg=case.name)
    if not case.float32:
        return
    got32 = _outputs(case.fn(*_tensors(case, np.float32, False)))
    for g, e in zip(got32, expected, strict=True):
        e = np.asarray(e)
        if e.dtype.kind == "f":
            assert g.dtype == np.float32, f"{case.name}: float32 input gave {g.dtype} output"
        np.testing.assert_allclose(g.data, e, atol=max(case.atol, 1e-4), rtol=max(case.rtol, 1e-4),
                                   err_msg=f"{case.name} (float32)")


def check_gradcheck(case: OpCase) -> None:
    if not case.grad_indices():
        return
    tensors = _tensors(case, np.float64, True)
    assert gradcheck(case.fn, tensors, eps=case.grad_eps, atol=case.grad_atol,
                     rtol=case.grad_rtol)


def with_torch(cases: list[OpCase]) -> list[OpCase]:
    """The cases that PyTorch can reproduce (``torch_fn`` given)."""
    return [c for c in cases if c.torch_fn is not None]


def check_torch(case: OpCase) -> None:
    import pytest

    if torch is None:
        pytest.skip("torch is not installed (the dev extra): no PyTorch comparison")
    wanted = case.grad_indices()
    ours = _tensors(case, np.float64, True)
    theirs = []
    for i, a in enumerate(case.inputs):
        arr = np.array(_cast(a, np.float64), order="C")  # (ascontiguousarray makes 0-d 1-d)
        t = torch.from_numpy(arr.copy())
        if i in wanted:
            t.requires_grad_(True)
        theirs.append(t)
    outs = _outputs(case.fn(*ours))
    touts = _outputs(case.torch_fn(*theirs))
    rng = np.random.default_rng(1)
    loss = None
    tloss = None
    for o, t in zip(outs, touts, strict=True):
        np.testing.assert_allclose(o.data, t.detach().numpy(), atol=1e-9, rtol=1e-7,
                                   err_msg=f"{case.name}: forward differs from PyTorch")
        if o.dtype.kind != "f" or not wanted:
            continue
        w = rng.uniform(0.5, 1.5, size=o.shape)
        term = (o * w).sum()
        tterm = (t * torch.from_numpy(w)).sum()
        loss = term if loss is None else loss + term
        tloss = tterm if tloss is None else tloss + tterm
    if loss is None:
        return
    loss.backward()
    tloss.backward()
    for i in wanted:
        g = ours[i].grad
        tg = theirs[i].grad
        g = np.zeros(ours[i].shape) if g is None else g
        tg = np.zeros(ours[i].shape) if tg is None else tg.numpy()
        np.testing.assert_allclose(g, tg, atol=1e-8, rtol=1e-6,
                                   err_msg=f"{case.name}: gradient of input {i} differs from "
                                           "PyTorch")


def op_tests(cases: list[OpCase]):
    """The three registry tests for a family's ``CASES``; a test module binds them with
    ``test_forward, test_gradcheck, test_matches_torch = op_tests(CASES)``."""
    import pytest

    @pytest.mark.parametrize("case", cases, ids=str)
    def test_forward(case):
        check_forward(case)

    @pytest.mark.parametrize("case", cases, ids=str)
    def test_gradcheck(case):
        check_gradcheck(case)

    @pytest.mark.parametrize("case", with_torch(cases), ids=str)
    def test_matches_torch(case):
        check_torch(case)

    return test_forward, test_gradcheck, test_matches_torch
