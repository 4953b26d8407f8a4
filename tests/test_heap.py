"""neurona.heap: glibc's malloc thresholds, fixed on import so freed arrays are reused."""

import os
import subprocess
import sys
import textwrap

import pytest

from neurona import heap

GLIBC = (getattr(os, "confstr", None) is not None
         and (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"))
needs_glibc = pytest.mark.skipif(not GLIBC, reason="glibc's malloc only (this C library is "
                                 "another; neurona leaves it alone)")

# Frees one 1 MiB mapping, which moves glibc's dynamic thresholds to 1 MiB (mmap) and 2 MiB
# (trim), then allocates and frees 4 MiB at the top of the heap per step: with those thresholds
# glibc gives the 4 MiB back to the kernel after every step, and the next step faults it in
# again (about 1,000 minor faults); with neurona's thresholds the memory stays.
_FAULTS = textwrap.dedent("""
    import resource, sys
    import numpy as np
    if sys.argv[1] == "import":
        import neurona
    a = np.empty(1 << 20, np.uint8); a[:] = 1; del a
    def step():
        arrays = [np.ones(1 << 18, np.float32) for _ in range(4)]
        del arrays
    step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        step()
    print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
""")


def _faults_per_step(mode, **env):
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")
               and k not in ("GLIBC_TUNABLES", "NEURONA_MALLOC_TUNING")}
    run_env.update(env)
    out = subprocess.run([sys.executable, "-c", _FAULTS, mode], env=run_env, check=True,
                         capture_output=True, text=True).stdout
    return float(out)


@needs_glibc
def test_import_keeps_freed_arrays_in_the_heap():
    assert _faults_per_step("numpy only") > 500  # the pattern faults without neurona
    assert _faults_per_step("import") < 10


@needs_glibc
def test_the_variable_turns_it_off():
    assert _faults_per_step("import", NEURONA_MALLOC_TUNING="0") > 500


@pytest.fixture
def clean_env(monkeypatch):
    """No malloc settings in the environment; ``heap.skipped`` restored afterwards."""
    for var in ("NEURONA_MALLOC_TUNING", "GLIBC_TUNABLES") + heap._USER_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(heap, "skipped", heap.skipped)
    return monkeypatch


@needs_glibc
def test_tune_malloc_sets_the_thresholds_here(clean_env):
    assert heap.tune_malloc() is True
    assert heap.skipped is None
    assert heap.TRIM_THRESHOLD == 2 * heap.MMAP_THRESHOLD == 64 * 1024 * 1024


@pytest.mark.parametrize("var, value, reason", [
    ("NEURONA_MALLOC_TUNING", "0", "NEURONA_MALLOC_TUNING is off"),
    ("NEURONA_MALLOC_TUNING", "Off", "NEURONA_MALLOC_TUNING is off"),
    ("MALLOC_TRIM_THRESHOLD_", "1000000", "MALLOC_TRIM_THRESHOLD_ is set"),
    ("MALLOC_MMAP_THRESHOLD_", "1000000", "MALLOC_MMAP_THRESHOLD_ is set"),
    ("MALLOC_TOP_PAD_", "0", "MALLOC_TOP_PAD_ is set"),
    ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=1000", "GLIBC_TUNABLES sets malloc"),
])
def test_the_users_settings_win(clean_env, var, value, reason):
    clean_env.setenv(var, value)
    assert heap.tune_malloc() is False
    assert heap.skipped == reason


def test_other_c_libraries_are_left_alone(clean_env):
    clean_env.setattr(os, "confstr", lambda name: None, raising=False)
    assert heap.tune_malloc() is False
    assert heap.skipped == "the C library is not glibc"
