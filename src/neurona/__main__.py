"""``python -m neurona``: the same as the ``neurona`` command."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
