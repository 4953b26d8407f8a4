"""glibc's malloc, set for array workloads: freed arrays stay in the heap for the next step.

A training step allocates and frees the same large arrays (activations, gradients, im2col
columns) every time. glibc returns memory at the top of its heap to the kernel once more than
``M_TRIM_THRESHOLD`` bytes are free there, and serves requests above ``M_MMAP_THRESHOLD`` with
fresh mappings; both thresholds move with the program's history. When they end up low, every
step gets its arrays back as new pages and pays a page fault per 4 KiB on first touch: measured
on the Keras MNIST convnet (batch 128, 2 threads), 2,900 minor faults and 31.5 ms per training
step against none and 23 ms with the settings below; which of the two a process gets depends
on the order of its earlier allocations. PyTorch in the same process is subject to the same
lottery (its CPU allocator uses the same malloc).

On import, neurona fixes both thresholds at the largest values glibc's own adjustment can
reach on 64-bit systems (mappings for requests of 32 MiB and more, trimming once 64 MiB are
free), so the outcome no longer depends on history. The cost: up to 64 MiB of freed memory may
stay with the process instead of going back to the system.

Nothing is changed when the C library is not glibc (with another malloc preloaded, such as
jemalloc, the settings reach only glibc's unused one), when ``NEURONA_MALLOC_TUNING`` is ``0``
(or ``false``, ``no``, ``off``), or when the user set glibc's own variables
(``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_TOP_PAD_`` or malloc entries in
``GLIBC_TUNABLES``): those win.
"""

from __future__ import annotations

import ctypes
import os

__all__ = ["tune_malloc", "skipped", "MMAP_THRESHOLD", "TRIM_THRESHOLD"]

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

# glibc's largest dynamic mmap threshold on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX) and the
# trim threshold its adjustment pairs with it (twice the mmap threshold)
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 2 * MMAP_THRESHOLD

_USER_VARS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")
_OFF = ("0", "false", "no", "off")


def _reason_to_skip() -> str | None:
    if os.environ.get("NEURONA_MALLOC_TUNING", "").strip().lower() in _OFF:
        return "NEURONA_MALLOC_TUNING is off"
    for var in _USER_VARS:
        if var in os.environ:
            return f"{var} is set"
    if "glibc.malloc" in os.environ.get("GLIBC_TUNABLES", ""):
        return "GLIBC_TUNABLES sets malloc"
    try:
        libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, ValueError, OSError):  # not a glibc system
        libc = ""
    if not libc.startswith("glibc"):
        return "the C library is not glibc"
    return None


def tune_malloc() -> bool:
    """Fix glibc's mmap and trim thresholds (see the module's text); True if they were set.
    Runs when neurona is imported; calling it again is harmless."""
    global skipped
    skipped = _reason_to_skip()
    if skipped is not None:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        skipped = "mallopt is not available"
        return False
    mallopt.restype = ctypes.c_int
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    # mallopt returns 1 on success; setting either threshold also stops glibc moving them
    if not (mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and
            mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)):
        skipped = "mallopt refused the thresholds"
        return False
    return True


skipped: str | None = None  # why the last tune_malloc() changed nothing, or None
tune_malloc()
