import numpy as np
import pytest

import neurona as nr
from neurona import parallel


def _outputs_and_grads(fn, arrays):
    """``fn``'s outputs and the gradients of a fixed random projection of them with respect
    to every input."""
    inputs = [nr.tensor(a, requires_grad=True) for a in arrays]
    outs = fn(*inputs)
    outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
    rng = np.random.default_rng(0)
    total = sum((o * nr.tensor(rng.normal(size=o.shape))).sum() for o in outs)
    total.backward()
    return [o.data for o in outs] + [t.grad for t in inputs]


@pytest.fixture
def split_work(monkeypatch):
    """A checker that runs ``fn(*arrays)`` forward and backward on one thread and then split
    across two threads with no minimum work per part (every op that can split its work does),
    and asserts that outputs and gradients agree (float64: only the order of sums differs)."""
    before = parallel.get_num_threads()
    monkeypatch.setattr(parallel, "MIN_FLOPS", 0)
    monkeypatch.setattr(parallel, "MIN_ITEMS", 0)
    widest = []
    run_parts = parallel.run_parts

    def counting(fn, parts):
        widest.append(len(parts))
        return run_parts(fn, parts)

    monkeypatch.setattr(parallel, "run_parts", counting)

    def check(fn, *arrays):
        parallel.set_num_threads(1)
        one = _outputs_and_grads(fn, arrays)
        parallel.set_num_threads(2)
        widest.clear()
        split = _outputs_and_grads(fn, arrays)
        assert max(widest, default=1) == 2, "the op never split its work"
        assert len(one) == len(split)
        for a, b in zip(one, split, strict=True):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)

    yield check
    parallel.set_num_threads(before)
