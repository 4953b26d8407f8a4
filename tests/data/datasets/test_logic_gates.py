import doctest

import numpy as np
import pytest

import neurona
import neurona as nr
from neurona.data.datasets import logic_gates
from neurona.data.datasets.logic_gates import GATES, ORDERS, load_data

# the course's truth tables, rows in the slides' order: (x1, x2) = 11, 10, 01, 00
SLIDE_X = [[1, 1], [1, 0], [0, 1], [0, 0]]
SLIDE_TABLES = {
    "or": [1, 1, 1, 0],
    "and": [1, 0, 0, 0],
    "and_not": [0, 1, 0, 0],  # x1 AND NOT x2
    "xor": [0, 1, 1, 0],
}


def test_reexports():
    assert nr.data.datasets.logic_gates is logic_gates
    assert set(logic_gates.__all__) == {"GATES", "ORDERS", "load_data"}
    x, y = neurona.data.datasets.logic_gates.load_data("xor")
    assert x.shape == (4, 2) and y.shape == (4,)
    assert GATES == ("and", "or", "and_not", "xor", "nand", "nor")
    assert ORDERS == ("descending", "ascending")


@pytest.mark.parametrize("gate", sorted(SLIDE_TABLES))
def test_slide_tables_exactly(gate):
    x, y = load_data(gate)
    assert x.tolist() == SLIDE_X
    assert y.tolist() == SLIDE_TABLES[gate]


def test_default_gate_is_and():
    x, y = load_data()
    assert y.tolist() == SLIDE_TABLES["and"]


def test_nand_nor_negate_and_or():
    for gate, base in (("nand", "and"), ("nor", "or")):
        x, y = load_data(gate)
        assert x.tolist() == SLIDE_X
        assert y.tolist() == [1 - v for v in SLIDE_TABLES[base]]


def test_xor_is_built_from_and_not_as_in_the_course():
    # (X1 AND NOT X2) OR (X2 AND NOT X1) = X1 XOR X2
    x, and_not = load_data("and_not", dtype="int64")
    assert and_not.tolist() == (x[:, 0] & (1 - x[:, 1])).tolist()  # x1 AND NOT x2
    other_way = x[:, 1] & (1 - x[:, 0])  # x2 AND NOT x1
    _, xor = load_data("xor", dtype="int64")
    assert (and_not | other_way).tolist() == xor.tolist()


def test_ascending_order_is_the_xor_design_matrix():
    # the slide's X and the hand-set network W = [[1,1],[1,1]], c = [0,-1], w = [1,-2], b = 0
    x, y = load_data("xor", order="ascending")
    assert x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]
    W = np.array([[1.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    c = np.array([0.0, -1.0], dtype=np.float32)
    w = np.array([1.0, -2.0], dtype=np.float32)
    assert (x @ W).tolist() == [[0, 0], [1, 1], [1, 1], [2, 2]]
    assert (x @ W + c).tolist() == [[0, -1], [1, 0], [1, 0], [2, 1]]
    h = np.maximum(0, x @ W + c)
    assert h.tolist() == [[0, 0], [1, 0], [1, 0], [2, 1]]
    assert (h @ w + 0).tolist() == y.tolist() == [0, 1, 1, 0]


@pytest.mark.parametrize("gate", GATES)
def test_orders_hold_the_same_rows(gate):
    xd, yd = load_data(gate)
    xa, ya = load_data(gate, order="ascending")
    np.testing.assert_array_equal(xd[::-1], xa)
    np.testing.assert_array_equal(yd[::-1], ya)


def test_xor_least_squares_gives_w_0_b_half():
    # the course's closed-form linear fit of XOR: W1 = W2 = 0, b = 0.5
    x, y = load_data("xor", dtype="float64")
    design = np.hstack([x, np.ones((4, 1))])
    coef = np.linalg.solve(design.T @ design, design.T @ y)
    np.testing.assert_allclose(coef, [0.0, 0.0, 0.5], atol=1e-12)


@pytest.mark.parametrize("dtype, expected", [
    ("float32", np.float32), ("float64", np.float64), (np.float16, np.float16),
    ("int64", np.int64), (np.int32, np.int32), (nr.float64, np.float64),
])
def test_dtypes(dtype, expected):
    x, y = load_data("or", dtype=dtype)
    assert x.dtype == expected and y.dtype == expected
    assert x.flags.c_contiguous and y.flags.c_contiguous


def test_default_dtype_float32():
    x, y = load_data("xor")
    assert x.dtype == np.float32 and y.dtype == np.float32


def test_fresh_arrays_every_call():
    x, y = load_data("and")
    x[:] = 7
    y[:] = 7
    x2, y2 = load_data("and")
    assert x2.tolist() == SLIDE_X and y2.tolist() == SLIDE_TABLES["and"]
    assert x.base is None and y.base is None


@pytest.mark.parametrize("name", ["AND NOT", "and-not", " And_Not ", "AND_NOT"])
def test_gate_name_spellings(name):
    _, y = load_data(name)
    assert y.tolist() == SLIDE_TABLES["and_not"]


def test_global_numpy_state_untouched():
    state = np.random.get_state()
    for gate in GATES:
        load_data(gate)
    after = np.random.get_state()
    np.testing.assert_array_equal(state[1], after[1])
    assert state[2:] == after[2:]


@pytest.mark.parametrize("kwargs, match", [
    ({"gate": "xro"}, r"logic_gates\.load_data: unknown gate 'xro'\. Did you mean 'xor'\? "
                      r"Valid gates: and, or, and_not, xor, nand, nor"),
    ({"gate": "andnot"}, r"unknown gate 'andnot'\. Did you mean 'and_not'\?"),
    ({"gate": "implies"}, r"unknown gate 'implies'\. Valid gates: and, or"),
    ({"gate": 3}, r"logic_gates\.load_data: gate must be a string such as 'xor', got 3"),
    ({"order": "up"}, r"logic_gates\.load_data: order must be 'descending' or 'ascending', "
                      r"got 'up'"),
    ({"dtype": "float31"}, r"logic_gates\.load_data: unknown dtype 'float31'"),
    ({"dtype": np.bool_}, r"logic_gates\.load_data: dtype must be a floating-point or integer "
                          r"dtype such as 'float32', got <class 'numpy\.bool'>"),
    ({"dtype": None}, r"dtype must be a floating-point or integer dtype.*got None"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_data(**kwargs)


def test_docstring_examples():
    result = doctest.testmod(logic_gates)
    assert result.attempted > 0 and result.failed == 0
