"""Testing tools: numerical gradient checks."""

from .gradcheck import GradcheckError, gradcheck, numerical_grad

__all__ = ["gradcheck", "GradcheckError", "numerical_grad"]
