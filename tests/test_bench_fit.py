"""The fit benchmark's smoke run: it runs, the frameworks agree, and it prints its table.

The timings of a quick run are too rough to assert targets on; the benchmark itself checks that
neurona, the PyTorch loop and (when installed) Keras compute the same first step and first epoch.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_fit.py"


def test_bench_fit_quick(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--threads", "1", "--json", str(out)],
        capture_output=True, text=True, timeout=120, env=os.environ.copy(),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for row in ("MNIST-1D MLP 40-100-100-10", "tiny MLP 2-16-16-1", "MLP 784-256-128-10",
                "predict: 10,000 rows", "peak RSS of fit"):
        assert row in proc.stdout, proc.stdout
    assert "vs PyTorch" in proc.stdout and "vs Keras" in proc.stdout

    report = json.loads(out.read_text())
    assert report["machine"]["threads"] == 1
    results = report["results"]
    for name in ("mnist1d", "tiny", "mlp", "predict"):
        for framework in ("neurona", "pytorch"):
            assert results[name][framework]["median_s"] > 0
    for name in ("mnist1d", "tiny", "mlp"):
        check = results[name]["check"]
        assert check["neurona"]["first_loss"] == pytest.approx(check["pytorch"]["first_loss"],
                                                                rel=1e-4)
    for framework in ("neurona", "pytorch"):
        assert results["rss"][framework]["peak_kib"] > 0
    # without Keras the column says n/a and the header says how to install it
    if report["machine"]["keras"] is None:
        assert "pip install keras" in proc.stdout
