"""The fit benchmark's smoke run: it runs, the frameworks agree, and it prints its table.

The timings of a quick run are too rough to assert targets on; the benchmark itself checks that
neurona, the PyTorch loop and (when installed) Keras compute the same first step and first epoch.
"""

import pytest

from .test_benchmarks import run_quick

pytest.importorskip("torch")


def test_bench_fit_quick(tmp_path):
    proc, report = run_quick("bench_fit.py", tmp_path)
    for row in ("MNIST-1D MLP 40-100-100-10", "tiny MLP 2-16-16-1", "MLP 784-256-128-10",
                "predict: 10,000 rows", "peak RSS of fit"):
        assert row in proc.stdout, proc.stdout
    assert "vs PyTorch" in proc.stdout and "vs Keras" in proc.stdout
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
