"""Every primitive in neurona.functions has at least one registry case (DESIGN §9)."""

import importlib
import inspect
import pkgutil
from pathlib import Path

import neurona.functions as functions_pkg
from neurona.autograd import Function


def _all_primitives():
    found = set()
    for info in pkgutil.iter_modules(functions_pkg.__path__):
        module = importlib.import_module(f"neurona.functions.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if (issubclass(obj, Function) and obj is not Function
                    and obj.__module__ == module.__name__):
                found.add(obj)
    return found


def _registered():
    covered = set()
    here = Path(__file__).parent
    for path in sorted(here.glob("test_*.py")):
        if path.stem == "test_registry":
            continue
        module = importlib.import_module(f"{__package__}.{path.stem}")
        for case in getattr(module, "CASES", ()):
            covered.update(case.primitives)
    return covered


def test_every_primitive_has_a_registry_case():
    unregistered = _all_primitives() - _registered()
    missing = sorted(f"{cls.__module__}.{cls.__name__}" for cls in unregistered)
    assert not missing, f"primitives without a registry case in tests/functions: {missing}"


def test_registry_is_not_empty():
    assert len(_all_primitives()) >= 30
