"""Numerical gradient checking: compare backpropagation with central differences.

The same tool the test suite uses on every primitive, public so users can check their own
functions and layers (as ``torch.autograd.gradcheck`` and ``chainer.gradient_check``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor

__all__ = ["gradcheck", "GradcheckError", "numerical_grad"]


class GradcheckError(AssertionError):
    """Raised when an analytic gradient disagrees with the numerical one."""


def _as_outputs(out) -> list[Tensor]:
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (tuple, list)) and all(isinstance(o, Tensor) for o in out):
        return list(out)
    raise TypeError(f"gradcheck: fn must return a Tensor or a tuple of Tensors, got {type(out)}")


def _projected(fn, inputs, weights) -> Tensor:
    # A random projection turns any output into a scalar whose gradient tests every output
    # element's gradient at once.
    outs = _as_outputs(fn(*inputs))
    total = None
    for o, w in zip(outs, weights, strict=True):
        if o.dtype.kind != "f":
            continue
        term = (o * w).sum()
        total = term if total is None else total + term
    return total


def numerical_grad(f: Callable[[], float], array: np.ndarray, eps: float) -> np.ndarray:
    """Central-difference gradient of the scalar ``f()`` with respect to ``array`` (changed in
    place and restored)."""
    grad = np.zeros(array.shape, dtype=np.float64)
    flat_index = np.ndindex(array.shape)
    for idx in flat_index:
        orig = array[idx]
        array[idx] = orig + eps
        up = f()
        array[idx] = orig - eps
        down = f()
        array[idx] = orig
        grad[idx] = (up - down) / (2 * eps)
    return grad


def gradcheck(
    fn: Callable[..., Tensor],
    inputs: Sequence,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Check ``fn``'s backward pass against central differences, in float64.

    Every float input that requires grad is perturbed element by element. Outputs are reduced to
    a scalar by a fixed random projection, so all output elements are tested.

    Args:
        fn: takes the tensors of ``inputs`` and returns a Tensor (or a tuple of Tensors).
        inputs: Tensors (float64 ones with ``requires_grad=True`` are checked) or other
            arguments passed through unchanged.
        eps: finite-difference step.
        atol, rtol: an element passes when ``|analytic - numeric| <= atol + rtol * |numeric|``.
        seed: seed of the projection weights.

    Returns:
        True when every gradient matches.

    Raises:
        GradcheckError: naming the input, the worst element, and both values.
        TypeError: when an input that requires grad is not float64.

    Example:
        >>> x = nr.tensor(np.random.rand(3, 4), requires_grad=True)   # float64
        >>> nr.testing.gradcheck(lambda t: (t * t).sum(), [x])
        True
    """
    inputs = list(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True; nothing to check")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} has dtype {inputs[i].dtype}; gradient checks need float64 "
                "inputs (finite differences are too coarse in float32)"
            )
    with no_grad():
        outs = _as_outputs(fn(*inputs))
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(0.5, 1.5, size=o.shape) if o.dtype.kind == "f" else None
               for o in outs]

    for i in checked:
        inputs[i].grad = None
    loss = _projected(fn, inputs, weights)
    if loss is None:
        raise ValueError("gradcheck: fn returned no floating-point output")
    loss.backward()
    analytic = [inputs[i].grad for i in checked]

    def scalar():
        with no_grad():
            return float(_projected(fn, inputs, weights).item())

    for i, ga in zip(checked, analytic, strict=True):
        x = inputs[i]
        gn = numerical_grad(scalar, x.data, eps)
        if ga is None:
            ga = np.zeros_like(gn)
        if ga.shape != gn.shape:
            raise GradcheckError(
                f"gradcheck: input {i}: the analytic gradient has shape {ga.shape}, "
                f"expected {gn.shape}"
            )
        err = np.abs(ga - gn) - (atol + rtol * np.abs(gn))
        if err.size and (err.max() > 0 or not np.all(np.isfinite(ga))):
            worst = np.unravel_index(
                int(np.argmax(np.where(np.isfinite(err), err, np.inf))), err.shape
            )
            raise GradcheckError(
                f"gradcheck: input {i} (shape {x.shape}) gradient mismatch; worst element "
                f"{tuple(int(k) for k in worst)}: analytic {ga[worst]!r}, numeric {gn[worst]!r} "
                f"(atol={atol}, rtol={rtol})"
            )
    return True
