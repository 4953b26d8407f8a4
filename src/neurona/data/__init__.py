"""Data: built-in datasets (``neurona.data.datasets``)."""

from . import datasets

__all__ = ["datasets"]
