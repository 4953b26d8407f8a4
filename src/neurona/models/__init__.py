"""Models (``nr.models``): Sequential, the functional Model, subclassing, training."""

from .model import Input, Model, load_model
from .perceptron import McCullochPitts, Perceptron
from .sequential import Sequential

__all__ = ["Model", "Sequential", "Input", "load_model", "Perceptron", "McCullochPitts"]
