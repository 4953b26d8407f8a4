import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import neurona as nr
from neurona import parallel


@pytest.fixture
def threads():
    before = parallel.get_num_threads()
    yield parallel.set_num_threads
    parallel.set_num_threads(before)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True, None])
def test_set_num_threads_rejects_anything_but_a_positive_integer(bad):
    with pytest.raises(ValueError, match="set_num_threads: n must be a positive integer"):
        nr.set_num_threads(bad)


def test_set_and_get_num_threads(threads):
    threads(3)
    assert nr.get_num_threads() == 3
    threads(np.int64(1))
    assert nr.get_num_threads() == 1


def _default_in_child(env):
    code = "import neurona as nr; print(nr.get_num_threads())"
    env = {k: v for k, v in os.environ.items() if k not in parallel.THREAD_VARS} | env
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return int(out.stdout)


def test_the_default_follows_the_thread_variables_in_order():
    if not parallel._blas():
        pytest.skip("NumPy's BLAS is not the OpenBLAS its wheels ship: the default is 1 thread")
    assert _default_in_child({"NEURONA_NUM_THREADS": "3", "OMP_NUM_THREADS": "2"}) == 3
    assert _default_in_child({"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "1"}) == 2
    assert _default_in_child({"OPENBLAS_NUM_THREADS": "1"}) == 1
    # not a positive integer: ignored
    assert _default_in_child({"NEURONA_NUM_THREADS": "0", "OMP_NUM_THREADS": "x",
                              "OPENBLAS_NUM_THREADS": "2"}) == 2


def test_split_ranges_cover_the_range_in_near_equal_contiguous_parts(threads):
    threads(3)
    assert parallel.split_ranges(10, 1e12) == [(0, 3), (3, 6), (6, 10)]
    assert parallel.split_ranges(2, 1e12) == [(0, 1), (1, 2)]  # no empty part
    assert parallel.split_ranges(0, 1e12) == [(0, 0)]
    # each part must be worth min_work
    assert parallel.split_ranges(10, 250, min_work=100) == [(0, 5), (5, 10)]
    assert parallel.split_ranges(10, 99, min_work=100) == [(0, 10)]
    threads(1)
    assert parallel.split_ranges(10, 1e12) == [(0, 10)]


def test_run_parts_returns_results_in_order_and_uses_other_threads(threads):
    threads(3)
    seen = {}

    def part(i):
        seen[i] = threading.get_ident()
        return i * i

    assert parallel.run_parts(part, [(1,), (2,), (3,)]) == [1, 4, 9]
    assert seen[1] == threading.get_ident()  # the first part runs on the calling thread
    assert len(set(seen.values())) == 3


def test_run_parts_raises_a_parts_error_after_every_part_finished(threads):
    threads(2)
    done = []

    def part(i):
        if i == 1:
            raise KeyError("part 1 failed")
        done.append(i)

    with pytest.raises(KeyError, match="part 1 failed"):
        parallel.run_parts(part, [(0,), (1,)])
    with pytest.raises(KeyError, match="part 1 failed"):
        parallel.run_parts(part, [(1,), (0,)])
    assert done == [0, 0]
    # the pool still works after an error
    assert parallel.run_parts(lambda i: i, [(0,), (5,)]) == [0, 5]


def test_nested_and_concurrent_calls_run_serially_with_the_same_results(threads):
    threads(2)

    def inner(i):
        return sum(parallel.run_parts(lambda j: i + j, [(10,), (20,)]))

    assert parallel.run_parts(inner, [(1,), (2,)]) == [32, 34]

    a = np.random.default_rng(0).normal(size=(300, 200))
    b = np.random.default_rng(1).normal(size=(200, 100))
    results = {}

    def product(lo, hi):
        return a[lo:hi] @ b

    def user(k):
        results[k] = [np.concatenate(parallel.run_parts(product, [(0, 150), (150, 300)]))
                      for _ in range(20)]

    users = [threading.Thread(target=user, args=(k,)) for k in range(3)]
    for u in users:
        u.start()
    for u in users:
        u.join()
    for k in range(3):
        for r in results[k]:
            np.testing.assert_allclose(r, a @ b, rtol=1e-12)


def _blas_or_skip():
    blas = parallel._blas()
    if not blas:
        pytest.skip("NumPy's BLAS is not the OpenBLAS its wheels ship: its threads are not set")
    return blas


def test_blas_threads_gives_blas_neuronas_threads_and_takes_them_back(threads):
    _, blas_count = _blas_or_skip()
    threads(2)
    assert blas_count() == 1
    with parallel.blas_threads():
        assert blas_count() == 2
        with parallel.blas_threads():  # nested: the inner exit leaves the outer's setting
            assert blas_count() == 2
        assert blas_count() == 2
    assert blas_count() == 1
    with pytest.raises(KeyError), parallel.blas_threads():
        raise KeyError("errors pass through")
    assert blas_count() == 1
    threads(1)
    with parallel.blas_threads():
        assert blas_count() == 1


def test_threaded_runs_a_method_inside_blas_threads(threads):
    _, blas_count = _blas_or_skip()
    threads(2)

    @parallel.threaded
    def seen(x):
        """A method."""
        return x, blas_count()

    assert seen(5) == (5, 2)
    assert seen.__doc__ == "A method."
    assert blas_count() == 1


def test_pool_parts_run_with_blas_on_one_thread_even_inside_blas_threads(threads):
    _, blas_count = _blas_or_skip()
    threads(2)
    with parallel.blas_threads():
        assert parallel.run_parts(lambda: blas_count(), [(), ()]) == [1, 1]
        assert blas_count() == 2


def test_matmul_threads_blas_only_for_large_2d_products(threads, monkeypatch):
    entered = []

    class Recording(parallel.blas_threads):
        __slots__ = ()

        def __enter__(self):
            entered.append(True)
            return super().__enter__()

    monkeypatch.setattr(parallel, "blas_threads", Recording)
    threads(2)
    rng = np.random.default_rng(0)
    large = rng.normal(size=(500, 300)), rng.normal(size=(300, 40))  # 12 MFLOP
    small = rng.normal(size=(30, 20)), rng.normal(size=(20, 10))
    np.testing.assert_array_equal(parallel.matmul(*large), large[0] @ large[1])
    assert entered == [True]
    np.testing.assert_array_equal(parallel.matmul(*small), small[0] @ small[1])
    np.testing.assert_array_equal(parallel.matmul(np.ones((2, 300, 300)), np.ones((300, 300))),
                                  np.full((2, 300, 300), 300.0))  # stacked: plain NumPy
    assert entered == [True]
    with pytest.raises(ValueError):
        parallel.matmul(np.ones((2, 3)), np.ones((2, 3)))


def test_a_forked_child_starts_its_own_workers(threads):
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    threads(2)
    parallel.run_parts(lambda i: i, [(0,), (1,)])  # the parent's worker exists
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's worker thread is gone, a new one must start
        ok = parallel.run_parts(lambda i: i + 1, [(0,), (1,)]) == [1, 2]
        os.write(w, b"1" if ok else b"0")
        os._exit(0)
    os.close(w)
    assert os.read(r, 1) == b"1"
    os.waitpid(pid, 0)
    os.close(r)


def test_scratch_buffers_are_reused_per_tag_and_per_thread(monkeypatch):
    a = parallel.scratch(np, "test a", (3, 4), np.float32)
    assert a.shape == (3, 4) and a.dtype == np.float32
    b = parallel.scratch(np, "test a", (2, 5), np.float32)  # smaller: the same memory
    assert np.shares_memory(a, b)
    assert not np.shares_memory(a, parallel.scratch(np, "test b", (3, 4), np.float32))
    assert not np.shares_memory(a, parallel.scratch(np, "test a", (3, 4), np.float64))
    other = {}
    t = threading.Thread(target=lambda: other.setdefault(
        "buf", parallel.scratch(np, "test a", (3, 4), np.float32)))
    t.start()
    t.join()
    assert not np.shares_memory(a, other["buf"])
    monkeypatch.setattr(parallel, "KEEP_BYTES", 8)  # larger requests are not kept
    big = parallel.scratch(np, "test a", (3, 4), np.float32)
    assert not np.shares_memory(big, parallel.scratch(np, "test a", (3, 4), np.float32))
