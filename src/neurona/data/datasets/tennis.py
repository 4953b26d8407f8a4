"""The course's tennis player: twelve matches, the court and the weather, won or lost.

The table, as the course gives it ("Volviendo al tenista ...")::

    Partido  Tipo Cancha  Tiempo   Resultado
       1     Arcilla      Soleado  GANÓ
       2     Arcilla      Soleado  GANÓ
       3     Césped       Nublado  PERDIÓ
       4     Sintética    Nublado  GANÓ
       5     Arcilla      Nublado  GANÓ
       6     Sintética    Soleado  PERDIÓ
       7     Arcilla      Nublado  GANÓ
       8     Césped       Soleado  PERDIÓ
       9     Arcilla      Soleado  PERDIÓ
      10     Sintética    Nublado  GANÓ
      11     Sintética    Soleado  GANÓ
      12     Sintética    Nublado  GANÓ

Both inputs are categories, so a perceptron sees them one-hot encoded: five columns, three for
the court and two for the weather (:data:`feature_names`). Matches 1, 2 and 9 (Arcilla,
Soleado) and matches 6 and 11 (Sintética, Soleado) have the same inputs and different results,
so no model gets more than 10 of the 12 right; a linear one reaches those 10.

Example:
    >>> from neurona.data.datasets import tennis
    >>> x, y = tennis.load_data()
    >>> x.shape, y.tolist()
    ((12, 5), [1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1])
"""

from __future__ import annotations

import numpy as np

from ._checks import check_dtype

__all__ = ["CATEGORIES", "feature_names", "load_data", "load_table"]

_ROWS = (
    ("Arcilla", "Soleado", "GANÓ"),
    ("Arcilla", "Soleado", "GANÓ"),
    ("Césped", "Nublado", "PERDIÓ"),
    ("Sintética", "Nublado", "GANÓ"),
    ("Arcilla", "Nublado", "GANÓ"),
    ("Sintética", "Soleado", "PERDIÓ"),
    ("Arcilla", "Nublado", "GANÓ"),
    ("Césped", "Soleado", "PERDIÓ"),
    ("Arcilla", "Soleado", "PERDIÓ"),
    ("Sintética", "Nublado", "GANÓ"),
    ("Sintética", "Soleado", "GANÓ"),
    ("Sintética", "Nublado", "GANÓ"),
)

CATEGORIES: dict[str, tuple[str, ...]] = {
    "cancha": ("Arcilla", "Césped", "Sintética"),
    "tiempo": ("Soleado", "Nublado"),
}
"""The values of each input column, in the order of their codes and one-hot columns."""

feature_names: tuple[str, ...] = tuple(
    f"{column}_{value}" for column, values in CATEGORIES.items() for value in values
)
"""Names of the five one-hot columns: ``('cancha_Arcilla', 'cancha_Césped',
'cancha_Sintética', 'tiempo_Soleado', 'tiempo_Nublado')``."""

_WON = "GANÓ"


def load_table() -> list[dict]:
    """The raw table, one dict per match, as the slide shows it.

    Returns:
        A new list of 12 dicts with keys ``'partido'`` (1 to 12), ``'cancha'`` (``'Arcilla'``,
        ``'Césped'`` or ``'Sintética'``), ``'tiempo'`` (``'Soleado'`` or ``'Nublado'``) and
        ``'resultado'`` (``'GANÓ'`` or ``'PERDIÓ'``).

    Example:
        >>> load_table()[2]
        {'partido': 3, 'cancha': 'Césped', 'tiempo': 'Nublado', 'resultado': 'PERDIÓ'}
    """
    return [
        {"partido": i, "cancha": court, "tiempo": weather, "resultado": result}
        for i, (court, weather, result) in enumerate(_ROWS, start=1)
    ]


def load_data(one_hot: bool = True, dtype="float32"):
    """The table as arrays: inputs and labels (1 = GANÓ, 0 = PERDIÓ), in the slide's order.

    Args:
        one_hot: True (default) for the five one-hot columns of :data:`feature_names`; False
            for two integer codes per match (court, weather), indices into
            :data:`CATEGORIES`.
        dtype: dtype of the one-hot inputs (``'float32'``, the default; an integer dtype works
            too). Ignored when ``one_hot`` is False: the codes are int64.

    Returns:
        ``(x, y)``: x of shape (12, 5) (one-hot) or (12, 2) (codes); y of shape (12,) int64.

    Raises:
        ValueError: for a non-boolean ``one_hot`` or a bad ``dtype``.

    Example:
        >>> x, y = load_data(one_hot=False)
        >>> x[:3].tolist()
        [[0, 0], [0, 0], [1, 1]]
    """
    if not isinstance(one_hot, (bool, np.bool_)):
        raise ValueError(f"tennis.load_data: one_hot must be True or False, got {one_hot!r}")
    dt = check_dtype("tennis.load_data", dtype, integer=True)

    codes = np.array(
        [[CATEGORIES["cancha"].index(court), CATEGORIES["tiempo"].index(weather)]
         for court, weather, _ in _ROWS],
        dtype=np.int64,
    )
    y = np.array([result == _WON for _, _, result in _ROWS], dtype=np.int64)
    if not one_hot:
        return codes, y
    n_courts = len(CATEGORIES["cancha"])
    x = np.zeros((len(_ROWS), len(feature_names)), dtype=dt)
    rows = np.arange(len(_ROWS))
    x[rows, codes[:, 0]] = 1
    x[rows, n_courts + codes[:, 1]] = 1
    return x, y
