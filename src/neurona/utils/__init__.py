"""Utilities: seeding (and, later, diagnostics and plotting helpers)."""

from ..backend import get_seed, set_seed

__all__ = ["set_seed", "get_seed"]
