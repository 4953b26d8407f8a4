import doctest

import numpy as np
import pytest

import neurona as nr
from neurona.data.datasets import tennis
from neurona.data.datasets.tennis import CATEGORIES, feature_names, load_data, load_table

# the slide "Volviendo al tenista ...": Partido, Tipo Cancha, Tiempo, Resultado
SLIDE = [
    (1, "Arcilla", "Soleado", "GANÓ"),
    (2, "Arcilla", "Soleado", "GANÓ"),
    (3, "Césped", "Nublado", "PERDIÓ"),
    (4, "Sintética", "Nublado", "GANÓ"),
    (5, "Arcilla", "Nublado", "GANÓ"),
    (6, "Sintética", "Soleado", "PERDIÓ"),
    (7, "Arcilla", "Nublado", "GANÓ"),
    (8, "Césped", "Soleado", "PERDIÓ"),
    (9, "Arcilla", "Soleado", "PERDIÓ"),
    (10, "Sintética", "Nublado", "GANÓ"),
    (11, "Sintética", "Soleado", "GANÓ"),
    (12, "Sintética", "Nublado", "GANÓ"),
]
WON = [1 if r[3] == "GANÓ" else 0 for r in SLIDE]


def test_reexports():
    assert nr.data.datasets.tennis is tennis
    assert set(tennis.__all__) == {"CATEGORIES", "feature_names", "load_data", "load_table"}


def test_table_is_the_slide():
    table = load_table()
    assert len(table) == 12
    assert [(r["partido"], r["cancha"], r["tiempo"], r["resultado"]) for r in table] == SLIDE
    assert all(list(r) == ["partido", "cancha", "tiempo", "resultado"] for r in table)


def test_table_is_a_fresh_copy():
    table = load_table()
    table[0]["cancha"] = "Hielo"
    table.pop()
    assert load_table()[0]["cancha"] == "Arcilla" and len(load_table()) == 12


def test_feature_names_and_categories():
    assert feature_names == ("cancha_Arcilla", "cancha_Césped", "cancha_Sintética",
                             "tiempo_Soleado", "tiempo_Nublado")
    assert CATEGORIES == {"cancha": ("Arcilla", "Césped", "Sintética"),
                          "tiempo": ("Soleado", "Nublado")}


def test_one_hot_encoding():
    x, y = load_data()
    assert x.shape == (12, 5) and x.dtype == np.float32
    assert y.shape == (12,) and y.dtype == np.int64
    assert y.tolist() == WON == [1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1]
    assert set(np.unique(x).tolist()) == {0.0, 1.0}
    # exactly one court and one weather per match
    np.testing.assert_array_equal(x[:, :3].sum(axis=1), 1)
    np.testing.assert_array_equal(x[:, 3:].sum(axis=1), 1)
    # decoding the columns gives the slide back
    for row, (_, court, weather, _) in zip(x, SLIDE, strict=True):
        hot = [feature_names[j] for j in np.flatnonzero(row)]
        assert hot == [f"cancha_{court}", f"tiempo_{weather}"]
    assert x[0].tolist() == [1, 0, 0, 1, 0]  # Arcilla, Soleado
    assert x[2].tolist() == [0, 1, 0, 0, 1]  # Césped, Nublado
    assert x[3].tolist() == [0, 0, 1, 0, 1]  # Sintética, Nublado


def test_integer_codes():
    x, y = load_data(one_hot=False)
    assert x.shape == (12, 2) and x.dtype == np.int64 and y.tolist() == WON
    decoded = [(CATEGORIES["cancha"][a], CATEGORIES["tiempo"][b]) for a, b in x.tolist()]
    assert decoded == [(r[1], r[2]) for r in SLIDE]


@pytest.mark.parametrize("dtype, expected", [("float64", np.float64), ("int64", np.int64),
                                             (np.uint8, np.uint8)])
def test_dtypes(dtype, expected):
    x, y = load_data(dtype=dtype)
    assert x.dtype == expected and y.dtype == np.int64
    np.testing.assert_array_equal(x, load_data()[0])


def test_at_most_ten_matches_can_be_right_and_a_linear_model_gets_them():
    x, y = load_data(dtype="float64")
    # the best any classifier can do: the majority result for each distinct input
    best = 0
    for row in np.unique(x, axis=0):
        same = (x == row).all(axis=1)
        best += max(int(y[same].sum()), int((1 - y[same]).sum()))
    assert best == 10
    # a perceptron's weights that reach it: courts Arcilla +1, Césped -1, Sintética +0.5
    w, b = np.array([1.0, -1.0, 0.5, 0.0, 0.0]), 0.0
    assert int(((x @ w + b > 0) == y).sum()) == 10


def test_two_inputs_repeat_with_different_results():
    # Arcilla-Soleado (matches 1, 2, 9) and Sintética-Soleado (6, 11): 12/12 is impossible
    x, y = load_data(one_hot=False)
    groups = {}
    for key, label in zip(map(tuple, x.tolist()), y.tolist(), strict=True):
        groups.setdefault(key, set()).add(label)
    assert len(groups) == 6
    assert sorted(k for k, v in groups.items() if len(v) > 1) == [(0, 0), (2, 0)]


def test_global_numpy_state_untouched():
    state = np.random.get_state()
    load_data()
    load_data(one_hot=False)
    load_table()
    after = np.random.get_state()
    np.testing.assert_array_equal(state[1], after[1])
    assert state[2:] == after[2:]


@pytest.mark.parametrize("kwargs, match", [
    ({"one_hot": "yes"}, r"tennis\.load_data: one_hot must be True or False, got 'yes'"),
    ({"one_hot": 1}, r"one_hot must be True or False, got 1"),
    ({"dtype": "float31"}, r"tennis\.load_data: unknown dtype 'float31'"),
    ({"dtype": np.bool_}, r"tennis\.load_data: dtype must be a floating-point or integer dtype "
                          r"such as 'float32', got <class 'numpy\.bool'>"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_data(**kwargs)


def test_docstring_examples():
    result = doctest.testmod(tennis)
    assert result.attempted > 0 and result.failed == 0
