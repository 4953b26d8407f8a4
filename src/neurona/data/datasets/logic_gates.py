"""Truth tables of the logic gates of the course: AND, OR, AND-NOT, XOR, NAND and NOR.

These are the four-row datasets of the McCulloch–Pitts neuron and the perceptron: a single
neuron learns AND, OR and AND-NOT, and fails on XOR, which needs a hidden layer. The course
defines AND-NOT as ``x1 AND NOT x2`` (1 only for x1 = 1, x2 = 0) and builds XOR from it:
``(x1 AND NOT x2) OR (x2 AND NOT x1)``.

Two row orders appear in the slides, and both are available:

- ``order="descending"`` (the default): rows (1, 1), (1, 0), (0, 1), (0, 0), the order of the
  course's truth tables of OR, AND, AND-NOT and XOR.
- ``order="ascending"``: rows (0, 0), (0, 1), (1, 0), (1, 1), the design matrix X that the
  course feeds to its hand-set XOR network (W = [[1, 1], [1, 1]], c = [0, -1], w = [1, -2],
  b = 0), so that the slide's intermediate matrices XW, XW + c and max(0, XW + c) come out
  row for row.

Example:
    >>> from neurona.data.datasets import logic_gates
    >>> x, y = logic_gates.load_data("and_not")
    >>> x.tolist(), y.tolist()
    ([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], [0.0, 1.0, 0.0, 0.0])
"""

from __future__ import annotations

import numpy as np

from ._checks import check_dtype

__all__ = ["GATES", "ORDERS", "load_data"]

# each gate as its outputs for the inputs (0, 0), (0, 1), (1, 0), (1, 1)
_OUTPUTS = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "and_not": (0, 0, 1, 0),  # x1 AND NOT x2
    "xor": (0, 1, 1, 0),
    "nand": (1, 1, 1, 0),
    "nor": (1, 0, 0, 0),
}

GATES: tuple[str, ...] = tuple(_OUTPUTS)
"""The gate names ``load_data`` accepts."""

ORDERS: tuple[str, ...] = ("descending", "ascending")
"""The row orders ``load_data`` accepts (see the module docstring)."""

_ASCENDING = ((0, 0), (0, 1), (1, 0), (1, 1))


def load_data(gate: str = "and", dtype="float32", order: str = "descending"):
    """The truth table of one logic gate.

    Args:
        gate: one of ``'and'``, ``'or'``, ``'and_not'`` (x1 AND NOT x2), ``'xor'``, ``'nand'``,
            ``'nor'``. Case is ignored, and ``'AND NOT'`` or ``'and-not'`` work too.
        dtype: dtype of both arrays: a floating-point dtype (``'float32'``, the default) or an
            integer one (``'int64'``), for instance for a McCulloch–Pitts neuron.
        order: ``'descending'`` (default; rows 11, 10, 01, 00 as in the course's truth tables)
            or ``'ascending'`` (rows 00, 01, 10, 11 as in the course's XOR design matrix).

    Returns:
        ``(x, y)``: x of shape (4, 2), the inputs (x1, x2); y of shape (4,), the gate's output
        for each row; both with dtype ``dtype`` and values 0 and 1.

    Raises:
        ValueError: for an unknown gate (naming the closest one), order or dtype.

    Example:
        >>> x, y = load_data("xor", order="ascending")
        >>> x.tolist(), y.tolist()
        ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 1.0, 1.0, 0.0])
    """
    if not isinstance(gate, str):
        raise ValueError(f"logic_gates.load_data: gate must be a string such as 'xor', "
                         f"got {gate!r}")
    key = gate.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in _OUTPUTS:
        import difflib  # only on this error path: keeps `import neurona` light

        close = difflib.get_close_matches(key, GATES, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ValueError(f"logic_gates.load_data: unknown gate {gate!r}.{hint} "
                         f"Valid gates: {', '.join(GATES)}")
    if order not in ORDERS:
        raise ValueError(f"logic_gates.load_data: order must be 'descending' or 'ascending', "
                         f"got {order!r}")
    dt = check_dtype("logic_gates.load_data", dtype, integer=True)

    x = np.array(_ASCENDING, dtype=dt)
    y = np.array(_OUTPUTS[key], dtype=dt)
    if order == "descending":
        x, y = x[::-1].copy(), y[::-1].copy()  # copies: callers get contiguous, owned arrays
    return x, y
