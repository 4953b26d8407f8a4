"""The engine benchmark's smoke run: it runs, agrees with PyTorch, and prints its table.

The timings of a quick run are too rough to assert targets on; the benchmark itself checks that
both frameworks compute the same first step, and this test checks that import neurona loads no
optional dependency.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def run_quick(script: str, tmp_path) -> tuple[subprocess.CompletedProcess, dict]:
    """Run ``benchmarks/<script>`` with ``--quick --threads 1``; its output and JSON report."""
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick", "--threads", "1", "--json",
         str(out)],
        capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc, json.loads(out.read_text())


def test_bench_engine_quick(tmp_path):
    proc, report = run_quick("bench_engine.py", tmp_path)
    for row in ("tiny MLP 2-16-16-1", "MLP 784-256-128-10", "GEMM ceiling", "scalar a*b",
                "import neurona", "optional deps"):
        assert row in proc.stdout, proc.stdout
    assert "ratio" in proc.stdout
    assert report["machine"]["threads"] == 1
    assert report["results"]["import"]["optional_loaded"] == []
    for name in ("tiny_mlp", "mlp", "scalar"):
        for framework in ("neurona", "pytorch"):
            assert report["results"][name][framework]["best_s"] > 0


def test_bench_vision_quick(tmp_path):
    proc, report = run_quick("bench_vision.py", tmp_path)
    for row in ("train step", "inference", "conv 1", "conv 2", "peak RSS"):
        assert row in proc.stdout, proc.stdout
    assert "ratio" in proc.stdout


def test_bench_generative_quick(tmp_path):
    proc, report = run_quick("bench_generative.py", tmp_path)
    assert "DCGAN" in proc.stdout and "VAE" in proc.stdout, proc.stdout
    assert report["results"]


def test_bench_vision_counts_no_memory_growth_as_a_met_target(monkeypatch):
    import importlib

    monkeypatch.syspath_prepend(str(BENCHMARKS))
    monkeypatch.setattr(sys, "argv", ["bench_vision.py", "--quick", "--threads", "1"])
    for var in ("NEURONA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "MKL_NUM_THREADS"):  # the script sets them on import
        monkeypatch.setenv(var, os.environ.get(var, "1"))
    monkeypatch.delitem(sys.modules, "bench_vision", raising=False)
    bench = importlib.import_module("bench_vision")
    timing = {"neurona": {"median_s": 0.01}, "pytorch": {"median_s": 0.01}}
    results = {name: timing for name in ("train", "predict", "conv1", "conv2")}
    results["rss"] = {"neurona": {"growth_kib": 0}, "pytorch": {"growth_kib": 20480}}
    row = bench.build_rows(results)[-1]
    assert row["met"] and row["value"] == 20480  # 0 KiB counts as 1 KiB: a lower bound
    results["rss"]["neurona"]["growth_kib"] = None  # not measurable (no /proc)
    assert not bench.build_rows(results)[-1]["met"]
