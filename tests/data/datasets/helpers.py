"""What the dataset tests share."""

import contextlib

from neurona import backend


@contextlib.contextmanager
def neurona_seed_restored():
    """Put neurona's global seed and generators back as they were, for tests that set them."""
    saved = backend._seed, dict(backend._generators)
    try:
        yield
    finally:
        backend._seed = saved[0]
        backend._generators.clear()
        backend._generators.update(saved[1])
