"""Array backends, devices and seeding (neurona/backend.py)."""

import subprocess
import sys

import numpy as np
import pytest

import neurona as nr
from neurona import backend


def test_numpy_is_the_cpu_backend():
    assert backend.get_array_module(np.ones(2)) is np
    assert backend.device_of(np.ones(2)) == "cpu"
    assert backend.to_numpy([1, 2]).tolist() == [1, 2]


def test_set_seed_reproduces_and_validates():
    nr.utils.set_seed(7)
    a = backend.rng().normal(size=3)
    nr.utils.set_seed(7)
    b = backend.rng().normal(size=3)
    np.testing.assert_array_equal(a, b)
    assert nr.utils.get_seed() == 7
    with pytest.raises(ValueError, match="set_seed expects a non-negative integer, got -1"):
        nr.utils.set_seed(-1)


def test_cuda_without_cupy_names_the_extra():
    try:
        import cupy  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match=r"install the 'gpu' extra"):
            nr.ones(2).to("cuda")
    else:  # pragma: no cover - only on GPU machines
        pytest.skip("CuPy is installed: the GPU tests cover this path")


def test_import_loads_no_optional_dependency():
    code = (
        "import sys, neurona; "
        "bad = {'cupy','matplotlib','torch','scipy','sklearn','optuna','mpi4py','tqdm',"
        "'graphviz','onnx','starlette','uvicorn','safetensors'} & set(sys.modules); "
        "print(sorted(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


class _FakeDevice:
    def __init__(self, index):
        self.id = index


class _FakeCupy:
    """Just enough of CuPy's surface for the device checks (no GPU needed)."""

    class ndarray:  # noqa: N801 (CuPy's name)
        def __init__(self, index):
            self.device = _FakeDevice(index)


def test_mixing_devices_names_both(monkeypatch):
    monkeypatch.setattr(backend, "_cupy", _FakeCupy)
    gpu = _FakeCupy.ndarray(0)
    assert backend.device_of(gpu) == "cuda:0"
    assert backend.get_array_module(gpu) is _FakeCupy
    with pytest.raises(ValueError, match=r"expected all tensors on the same device, found cpu "
                                         r"and cuda:0; move them with \.to\(device\) first"):
        backend.get_array_module(np.ones(2), gpu)
    with pytest.raises(ValueError, match="found cuda:0 and cuda:1"):
        backend.get_array_module(gpu, _FakeCupy.ndarray(1))


def test_unknown_device_names():
    with pytest.raises(ValueError, match="unknown device 'tpu:0'; expected 'cpu', 'cuda' or "
                                         "'cuda:N'"):
        backend.to_device(np.ones(1), "tpu:0")
    assert backend.to_device(np.ones(1), "cpu").tolist() == [1.0]
