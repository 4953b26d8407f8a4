"""Intra-op threads: ops split their work across neurona's threads, in one of two ways.

NumPy releases the GIL inside its array loops and BLAS calls, so Python threads can compute
parts of one op at the same time. Which split pays depends on the op's grain:

- **Chunky ops** (convolutions, max pooling) cut their batch into parts, one per thread
  (:func:`split_ranges`, :func:`run_parts`): the first part runs on the calling thread, the
  others on a pool of workers. A handoff to a worker and back costs 50-100 µs on a small
  virtual machine (two futex wake-ups), so an op splits only when each part is worth more.
- **GEMM-bound ops** (large products, the recurrent loops' many medium-sized products) let
  NumPy's BLAS use the threads (:func:`blas_threads`): OpenBLAS hands work to its threads far
  faster than a Python pool can, because its idle threads spin.

That spinning is why BLAS otherwise stays on one thread: for about 0.1 s after a multi-threaded
call, OpenBLAS's idle threads keep their cores busy, and a pool part that lands there runs
2-3x slower (measured: a 2.4 ms elementwise region took 5-8 ms right after a threaded GEMM).
So small products never wake BLAS's threads, and pool regions run with BLAS on one thread.
Measured on 2 cores against PyTorch (``benchmarks/README.md``): the pool alone lost the
recurrent and Transformer workloads (LSTM 0.63-0.75x, GRU 1.02x), BLAS's threads alone lost
the convnet (training 0.89x, inference 0.51x); together they keep the best of each.

Once neurona has run an op, NumPy's BLAS stays on one thread outside neurona's large products,
for the user's own NumPy code too; ``with neurona.parallel.blas_threads():`` gives it the
threads back for a block.

``set_num_threads(n)`` sets how many threads an op may use (default: ``NEURONA_NUM_THREADS``,
else ``OMP_NUM_THREADS``, else ``OPENBLAS_NUM_THREADS``, else the cores this process may run
on); ``set_num_threads(1)`` runs everything on the calling thread. Nothing splits on a GPU.
Where NumPy's BLAS is not the OpenBLAS its wheels ship, neurona cannot set BLAS's threads and
uses one thread unless told otherwise.

A part must write only its own slice of the outputs (neurona's scratch buffers are per thread).
An op called while the pool is busy (from a second user thread, or from inside a part) runs its
parts one after another on the calling thread.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import math
import os
import threading

import numpy as np

__all__ = ["set_num_threads", "get_num_threads", "split_ranges", "run_parts", "blas_threads",
           "threaded", "matmul", "scratch"]

# A part of a split op must be worth at least this many floating-point operations (about
# 100 µs of one core, the cost of a handoff)...
MIN_FLOPS = 8_000_000
# ... or, for memory-bound passes (pooling), this many elements visited.
MIN_ITEMS = 2_500_000
# Products of at least this many floating-point operations run on BLAS's threads. Smaller ones
# (a 128 x 1600 x 10 classifier head: 4 MFLOP) gain little and would leave BLAS's threads
# spinning next to the pool's next region.
BLAS_MIN_FLOPS = 8_000_000


# Read, in this order, for the default number of threads (as PyTorch reads OMP_NUM_THREADS).
THREAD_VARS = ("NEURONA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def _default_threads() -> int:
    for var in THREAD_VARS:
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) >= 1:
            return int(value)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# -- BLAS ------------------------------------------------------------------------------------------

_BLAS_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
                 "openblas_set_num_threads64_", "openblas_set_num_threads")
_BLAS_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                 "openblas_get_num_threads64_", "openblas_get_num_threads")


def _find_openblas():
    """(set_num_threads, get_num_threads) of the OpenBLAS that NumPy's wheel ships, or None
    (another BLAS, or none found): then neurona leaves BLAS's threads alone and its own pool
    stays at one thread unless asked for more."""
    here = os.path.dirname(np.__file__)
    patterns = [os.path.join(here, "..", "numpy.libs", "*openblas*"),
                os.path.join(here, ".dylibs", "*openblas*")]
    for path in sorted(p for pattern in patterns for p in glob.glob(pattern)):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        setter = next((getattr(lib, n) for n in _BLAS_SETTERS if hasattr(lib, n)), None)
        getter = next((getattr(lib, n) for n in _BLAS_GETTERS if hasattr(lib, n)), None)
        if setter is not None and getter is not None:
            setter.restype = None
            setter.argtypes = [ctypes.c_int]
            getter.restype = ctypes.c_int
            getter.argtypes = []
            return setter, getter
    return None


class _State:
    """The pool's settings and workers (one per process; rebuilt in a forked child)."""

    def __init__(self):
        self.threads = None  # None: not decided yet (the default is chosen on first use)
        self.blas = None  # (setter, getter), False when not found, None: not looked up
        self.workers: list[_Worker] = []
        self.busy = threading.Lock()


_state = _State()


def _blas():
    if _state.blas is None:
        _state.blas = _find_openblas() or False
    return _state.blas


def set_num_threads(n: int) -> None:
    """Use up to ``n`` threads per op (``n >= 1``), like ``torch.set_num_threads``. NumPy's
    BLAS is then kept on one thread, except inside neurona's large products.

    Raises:
        ValueError: if ``n`` is not a positive integer.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive integer, got {n!r}")
    blas = _blas()
    if blas:
        blas[0](1)
    _state.threads = int(n)


def get_num_threads() -> int:
    """The number of threads an op may use (see :func:`set_num_threads`)."""
    if _state.threads is None:
        # Default: every core, when neurona can keep BLAS on one thread; otherwise one thread
        # (BLAS's own threads split the GEMMs, as in plain NumPy).
        blas = _blas()
        if blas:
            blas[0](1)
        _state.threads = _default_threads() if blas else 1
    return _state.threads


# -- scratch buffers ---------------------------------------------------------------------------

# Scratch buffers are reused between calls up to this size, one set per thread: the parts of an
# op, or two user threads running ops at once (a server predicting with two models), never
# share one.
KEEP_BYTES = 1 << 26
_local = threading.local()


def scratch(xp, tag, shape, dtype):
    """A scratch array of ``shape`` for this thread, reused between calls by ``tag`` (fresh
    arrays cost a page fault per 4 KiB on first touch). The caller must not return it or keep
    it past its call (e.g. save it for backward); the next request with the same tag on this
    thread reuses it."""
    size = math.prod(shape)
    dtype = np.dtype(dtype)
    if size * dtype.itemsize > KEEP_BYTES:
        return xp.empty(shape, dtype)
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = {}
    key = (tag, dtype, xp)
    buf = buffers.get(key)
    if buf is None or buf.size < size:
        buf = buffers[key] = xp.empty(size, dtype)
    return buf[:size].reshape(shape)


# -- the pool --------------------------------------------------------------------------------------


class _Worker(threading.Thread):
    """A daemon thread that runs one part at a time: ``go`` wakes it, ``done`` reports back
    (plain locks used as binary semaphores: the cheapest handoff the standard library has)."""

    def __init__(self):
        super().__init__(name="neurona-worker", daemon=True)
        self.go = threading.Lock()
        self.go.acquire()
        self.done = threading.Lock()
        self.done.acquire()
        self.task = None
        self.result = self.error = None

    def run(self):
        while True:
            self.go.acquire()
            fn, args = self.task
            try:
                self.result, self.error = fn(*args), None
            except BaseException as err:  # handed to the caller, which raises it
                self.result, self.error = None, err
            self.task = None
            self.done.release()


def _workers(n: int) -> list[_Worker]:
    while len(_state.workers) < n:
        w = _Worker()
        w.start()
        _state.workers.append(w)
    return _state.workers[:n]


def _forget_workers():  # a forked child has none of the parent's threads
    global _state
    threads = _state.threads
    blas = _state.blas
    _state = _State()
    _state.threads, _state.blas = threads, blas


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_workers)


def run_parts(fn, parts: list[tuple]) -> list:
    """``[fn(*part) for part in parts]``, the parts run at once: the first on the calling
    thread, the others on the pool's workers. The first exception a part raises is raised
    here, after every part has finished."""
    if len(parts) <= 1 or not _state.busy.acquire(blocking=False):
        return [fn(*part) for part in parts]
    blas = _blas()
    blas_before = blas[1]() if blas else 1
    if blas_before > 1:  # called inside blas_threads: the parts' products stay on one thread
        blas[0](1)
    try:
        workers = _workers(len(parts) - 1)
        for w, part in zip(workers, parts[1:], strict=True):
            w.task = (fn, part)
            w.go.release()
        results = [None] * len(parts)
        error = None
        try:
            results[0] = fn(*parts[0])
        except BaseException as err:
            error = err
        for i, w in enumerate(workers, 1):
            w.done.acquire()
            results[i] = w.result
            if error is None and w.error is not None:
                error = w.error
            w.result = w.error = None
        if error is not None:
            raise error
        return results
    finally:
        if blas_before > 1:
            blas[0](blas_before)
        _state.busy.release()


def split_ranges(n: int, work: float, min_work: float | None = None) -> list[tuple[int, int]]:
    """``range(n)`` cut into at most ``get_num_threads()`` contiguous ``(start, stop)`` parts of
    near-equal size, each worth at least ``min_work`` (default ``MIN_FLOPS``) of the total
    ``work``; ``[(0, n)]`` when the work is too small to share."""
    if min_work is None:
        min_work = MIN_FLOPS
    parts = min(get_num_threads(), n, int(work // min_work) if min_work > 0 else n)
    if parts <= 1:
        return [(0, n)]
    bounds = [n * i // parts for i in range(parts + 1)]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


class blas_threads:  # noqa: N801  (used like a function: ``with blas_threads():``)
    """A context in which NumPy's BLAS uses neurona's threads (outside it, one thread): for
    code whose time goes to products that BLAS threads well, such as a recurrent loop's
    per-step GEMMs. Does nothing with one thread or where BLAS's threads cannot be set."""

    __slots__ = ("before",)

    def __enter__(self):
        self.before = None
        blas = _blas()
        n = get_num_threads()
        if blas and n > 1:
            self.before = blas[1]()
            blas[0](n)
        return self

    def __exit__(self, *exc):
        if self.before is not None:
            _state.blas[0](self.before)
        return False


def threaded(method):
    """Decorator: ``method`` runs inside :class:`blas_threads`."""

    @functools.wraps(method)
    def run(*args, **kwargs):
        with blas_threads():
            return method(*args, **kwargs)

    return run


def matmul(a, b):
    """``a @ b``, on BLAS's threads when the product is large (2-D NumPy operands of at least
    ``BLAS_MIN_FLOPS``)."""
    if (type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2
            and 2.0 * a.shape[0] * a.shape[1] * b.shape[-1] >= BLAS_MIN_FLOPS):
        with blas_threads():
            return a @ b
    return a @ b
