"""Registry cases and error tests for neurona/functions/reduction.py."""

import numpy as np
import pytest

import neurona as nr
import neurona.functions as F
from neurona.functions import reduction as R

from .opcheck import OpCase, op_tests

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

rng = np.random.default_rng(0)
M = rng.normal(size=(3, 4))
T3 = rng.normal(size=(2, 3, 4))
S = np.array(1.3)
VIEW = rng.normal(size=(4, 6))[:, ::2]  # non-contiguous (4, 3)
VIEW_T = rng.normal(size=(3, 4)).T  # non-contiguous (4, 3)
# magnitudes in [0.5, 1.5] with random signs: products stay O(1)
P = rng.uniform(0.5, 1.5, size=(3, 4)) * rng.choice([-1.0, 1.0], size=(3, 4))
P3 = rng.uniform(0.5, 1.5, size=(2, 3, 4)) * rng.choice([-1.0, 1.0], size=(2, 3, 4))
# row 0: one zero, row 1: two zeros, row 2: none; column 1 has one zero, column 0 one, column 2 one
ZEROS = np.array([[1.5, 0.0, -2.0, 0.7],
                  [0.0, 1.2, 0.0, 0.9],
                  [1.1, -0.8, 1.3, 2.0]])
ONE_ZERO = np.array([[1.5, 0.0, -2.0], [0.7, 1.2, -0.9]])
# two-way ties only: central differences see half the gradient on each tied element, which is
# exactly the equal share (three-way ties are checked against torch in a test below)
# (rows: max ties in rows 0-1, min tie in row 2; columns: max tie in column 2, min in column 3)
TIES = np.array([[1.0, 3.0, 3.0, -4.0],
                 [2.0, 2.0, -1.0, 0.5],
                 [-4.0, 0.5, 3.0, -4.0]])
BIG = np.array([[1000.0, 999.0, 1000.5], [-1000.0, -1001.0, -999.5]])

VARIANTS = {
    "all": (M, {}),
    "axis0": (M, {"axis": 0}),
    "axis1": (M, {"axis": 1}),
    "negative": (T3, {"axis": -2}),
    "tuple": (T3, {"axis": (0, 2)}),
    "tuple_negative": (T3, {"axis": (-1, 0)}),
    "keepdims": (T3, {"axis": 1, "keepdims": True}),
    "keepdims_tuple": (T3, {"axis": (0, 1), "keepdims": True}),
    "keepdims_all": (M, {"keepdims": True}),
    "scalar": (S, {}),
    "view": (VIEW, {"axis": 0}),
    "view_t": (VIEW_T, {"axis": 1}),
}


def _dims(a, kw):
    """Our axis/keepdims as torch's dim/keepdim (dim given explicitly, all axes for None)."""
    axis = kw.get("axis")
    dim = tuple(range(a.ndim)) if axis is None else axis
    return dim, kw.get("keepdims", False)


def _torch_sum(a, **kw):
    dim, keepdim = _dims(a, kw)
    return torch.sum(a, dim=dim, keepdim=keepdim) if a.ndim else torch.sum(a)


def _torch_mean(a, **kw):
    dim, keepdim = _dims(a, kw)
    return torch.mean(a, dim=dim, keepdim=keepdim) if a.ndim else torch.mean(a)


def _torch_amax(a, **kw):
    return torch.amax(a, *_dims(a, kw))


def _torch_amin(a, **kw):
    return torch.amin(a, *_dims(a, kw))


def _torch_prod(a, **kw):
    # torch.prod reduces one dim at a time: reduce the axes from the last one down
    dim, keepdim = _dims(a, kw)
    dims = (dim,) if isinstance(dim, int) else dim
    out = a
    for d in sorted((d % a.ndim for d in dims), reverse=True):
        out = torch.prod(out, d, keepdim=keepdim)
    return out


def _torch_var(a, ddof=0, **kw):
    dim, keepdim = _dims(a, kw)
    return torch.var(a, dim=dim, correction=ddof, keepdim=keepdim)


def _torch_std(a, ddof=0, **kw):
    dim, keepdim = _dims(a, kw)
    return torch.std(a, dim=dim, correction=ddof, keepdim=keepdim)


def _torch_logsumexp(a, **kw):
    return torch.logsumexp(a, *_dims(a, kw))


def _np_logsumexp(a, axis=None, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    y = m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))
    if keepdims:
        return y
    return y.reshape(()) if axis is None else np.squeeze(y, axis=axis)


def _cases(name, cls, fn, ref, tfn, variants, **opts):
    out = []
    for tag, (a, kw) in variants.items():
        out.append(OpCase(
            f"{name}/{tag}",
            lambda x, kw=kw: fn(x, **kw),
            [a],
            lambda x, kw=kw: ref(x, **kw),
            (cls,),
            None if torch is None else (lambda x, kw=kw: tfn(x, **kw)),
            **opts,
        ))
    return out


def _with(variants, **extra):
    return {tag: (a, {**kw, **extra}) for tag, (a, kw) in variants.items()}


PROD_VARIANTS = {
    **{tag: (P if a is M else P3 if a is T3 else a, kw) for tag, (a, kw) in VARIANTS.items()},
    "zeros_axis1": (ZEROS, {"axis": 1}),  # one zero, two zeros, none
    "zeros_axis0": (ZEROS, {"axis": 0}),
    "zeros_all": (ZEROS, {}),  # several zeros: every gradient is zero
    "one_zero_all": (ONE_ZERO, {}),  # one zero: only it gets a gradient
    "one_zero_keepdims": (ONE_ZERO, {"axis": 1, "keepdims": True}),
}
TIE_VARIANTS = {
    "ties_axis1": (TIES, {"axis": 1}),
    "ties_axis0": (TIES, {"axis": 0, "keepdims": True}),
}
LSE_VARIANTS = {**VARIANTS, "large": (BIG, {"axis": 1}), "large_all": (BIG, {})}
VAR_VARIANTS = {tag: v for tag, v in VARIANTS.items() if tag != "scalar"}

CASES = [
    *_cases("sum", R.Sum, F.sum, np.sum, _torch_sum, VARIANTS),
    OpCase("sum/no_axes", lambda a: a.sum(axis=()), [M], lambda a: np.sum(a, axis=()),
           (R.Sum,), lambda a: a.unsqueeze(0).sum(dim=0)),  # torch reads dim=() as "all"
    OpCase("sum/method", lambda a: a.sum(axis=0, keepdims=True), [VIEW],
           lambda a: a.sum(axis=0, keepdims=True), (R.Sum,),
           lambda a: a.sum(dim=0, keepdim=True)),
    *_cases("mean", R.Mean, F.mean, np.mean, _torch_mean, VARIANTS),
    OpCase("mean/method", lambda a: a.mean(axis=-1), [T3], lambda a: a.mean(axis=-1), (R.Mean,),
           lambda a: a.mean(dim=-1)),
    *_cases("max", R.Max, F.max, np.max, _torch_amax, {**VARIANTS, **TIE_VARIANTS}),
    *_cases("min", R.Min, F.min, np.min, _torch_amin, {**VARIANTS, **TIE_VARIANTS}),
    OpCase("max/method_ties_all", lambda a: a.max(), [TIES[:2]], np.max, (R.Max,),
           lambda a: torch.amax(a)),
    OpCase("min/method_ties_all", lambda a: a.min(), [TIES[2:]], np.min, (R.Min,),
           lambda a: torch.amin(a)),
    *_cases("prod", R.Prod, F.prod, np.prod, _torch_prod, PROD_VARIANTS),
    *_cases("var", R.Var, F.var, np.var, _torch_var, VAR_VARIANTS),
    *_cases("var/ddof1", R.Var, F.var, np.var, _torch_var, _with(VAR_VARIANTS, ddof=1)),
    OpCase("var/scalar", F.var, [S], np.var, (R.Var,), lambda a: torch.var(a, correction=0)),
    *_cases("std", R.Std, F.std, np.std, _torch_std, VAR_VARIANTS),
    *_cases("std/ddof1", R.Std, F.std, np.std, _torch_std, _with(VAR_VARIANTS, ddof=1)),
    *_cases("logsumexp", R.LogSumExp, F.logsumexp, _np_logsumexp, _torch_logsumexp,
            LSE_VARIANTS),
]


test_forward, test_gradcheck, test_matches_torch = op_tests(CASES)


# -- gradients: ties, zeros, dtypes ------------------------------------------------------------

REDUCTIONS = [F.sum, F.mean, F.max, F.min, F.prod, F.var, F.std, F.logsumexp]


@pytest.mark.parametrize("op", [F.max, F.min], ids=lambda f: f.__name__)
def test_three_way_tie_shares_the_gradient_equally(op):
    x = nr.tensor([[2.0, 2.0, 2.0, -1.0], [5.0, 1.0, 5.0, 3.0]], dtype="float64",
                  requires_grad=True)
    sign = 1.0 if op is F.max else -1.0
    (op(x * sign, axis=1) * nr.tensor([1.0, 3.0], dtype="float64")).sum().backward()
    expected = sign * np.array([[1 / 3, 1 / 3, 1 / 3, 0.0], [1.5, 0.0, 1.5, 0.0]])
    np.testing.assert_allclose(x.grad, expected)
    if torch is not None:
        tx = torch.tensor(x.data, requires_grad=True)
        tred = torch.amax if op is F.max else torch.amin
        (tred(tx * sign, dim=1) * torch.tensor([1.0, 3.0], dtype=torch.float64)).sum().backward()
        np.testing.assert_allclose(x.grad, tx.grad.numpy())


def test_prod_gradient_with_zeros():
    x = nr.tensor(ZEROS, dtype="float32", requires_grad=True)
    y = x.prod(axis=1)
    gx = y.creator.backward(np.ones(3, np.float32))  # the raw backward, before the engine
    assert gx.dtype == np.float32
    y.sum().backward()
    expected = np.zeros_like(ZEROS)
    expected[0, 1] = 1.5 * -2.0 * 0.7  # the only zero of its row gets the product of the rest
    expected[2] = np.prod(ZEROS[2]) / ZEROS[2]  # no zeros: prod / x
    np.testing.assert_allclose(x.grad, expected, rtol=1e-6)


def test_std_of_a_constant_has_zero_gradient():
    x = nr.tensor([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]], dtype="float64", requires_grad=True)
    x.std(axis=1, ddof=1).sum().backward()
    assert np.all(x.grad[0] == 0)
    if torch is not None:
        tx = torch.tensor(x.data, requires_grad=True)
        torch.std(tx, dim=1).sum().backward()
        np.testing.assert_allclose(x.grad, tx.grad.numpy())


def test_logsumexp_is_stable():
    x = nr.tensor([[1000.0, 1000.0], [-1000.0, -1000.0]], requires_grad=True)
    y = x.logsumexp(axis=1)
    np.testing.assert_allclose(y.data, [1000 + np.log(2), -1000 + np.log(2)], rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.full((2, 2), 0.5))


def test_logsumexp_of_minus_infinity():
    # a fully masked row (all -inf): the result is -inf, with no warning and a zero gradient
    x = nr.tensor([[-np.inf, -np.inf], [0.0, -np.inf]], requires_grad=True)
    y = x.logsumexp(axis=1)
    np.testing.assert_array_equal(y.data, [-np.inf, 0.0])
    y.backward(gradient=np.array([0.0, 1.0], np.float32))
    np.testing.assert_array_equal(x.grad, [[0.0, 0.0], [1.0, 0.0]])


@pytest.mark.parametrize("op", REDUCTIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("axis", [None, 1, (0, 2)], ids=str)
def test_float32_stays_float32(op, axis):
    x = nr.tensor(P3.astype(np.float32), requires_grad=True)
    y = op(x, axis=axis)
    assert y.dtype == np.float32
    gx = y.creator.backward(np.ones(y.shape, np.float32))  # the raw backward, before the engine
    assert gx.dtype == np.float32, f"{op.__name__} backward gave {gx.dtype}"
    assert gx.shape == x.shape


@pytest.mark.parametrize("op", [F.sum, F.mean], ids=lambda f: f.__name__)
def test_sum_mean_backward_gives_an_owned_gradient(op):
    x = nr.tensor(T3, requires_grad=True)
    y = op(x, axis=(0, 2))
    gx = y.creator.backward(np.ones(y.shape))
    assert gx.base is None and gx.flags.writeable  # filled, not a broadcast view
    y.sum().backward()
    assert x.grad.flags.writeable  # the engine stored a copy the optimizer may update in place
    x.grad += 1.0
    np.testing.assert_allclose(x.grad, 1.0 + (1.0 if op is F.sum else 1 / 8))


def test_mean_does_not_upcast_float32():
    x = nr.tensor(np.ones((5, 3), np.float32), requires_grad=True)
    y = x.mean()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32


def test_reductions_accept_arrays_and_methods():
    np.testing.assert_allclose(F.sum(M, axis=0).data, M.sum(axis=0))
    t = nr.tensor(M)
    assert t.sum(axis=0, keepdims=True).shape == (1, 4)
    assert t.var(axis=1, ddof=1).shape == (3,)
    np.testing.assert_allclose(t.std(ddof=1).data, np.std(M, ddof=1))


def test_sum_and_prod_of_empty_are_identities():
    x = nr.zeros(0, 3)
    np.testing.assert_array_equal(x.sum(axis=0).data, np.zeros(3))
    np.testing.assert_array_equal(x.prod(axis=0).data, np.ones(3))
    assert x.max(axis=1).shape == (0,)  # reducing non-empty rows of which there are none


def test_no_graph_without_grad():
    x = nr.tensor(M, requires_grad=True)
    with nr.no_grad():
        for op in REDUCTIONS:
            assert op(x, axis=0).creator is None


# -- argmax / argmin -------------------------------------------------------------------------


ARG_VARIANTS = {
    "all": (M, {}), "axis0": (M, {"axis": 0}), "negative": (T3, {"axis": -1}),
    "keepdims": (T3, {"axis": 1, "keepdims": True}), "keepdims_all": (M, {"keepdims": True}),
    "scalar": (S, {}), "view": (VIEW, {"axis": 1}), "ties": (TIES, {"axis": 1}),
}


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("variant", ARG_VARIANTS)
def test_arg_reductions(name, variant):
    a, kw = ARG_VARIANTS[variant]
    x = nr.tensor(a, requires_grad=True)
    got = getattr(F, name)(x, **kw)
    expected = getattr(np, name)(a, **kw)
    assert got.dtype == np.int64
    assert got.shape == np.shape(expected)
    np.testing.assert_array_equal(got.data, expected)
    assert got.creator is None and not got.requires_grad
    np.testing.assert_array_equal(getattr(x, name)(**kw).data, expected)  # the Tensor method


def test_arg_reductions_pick_the_first_tie():
    x = nr.tensor([[3.0, 1.0, 3.0], [0.0, 0.0, 2.0]])
    np.testing.assert_array_equal(x.argmax(axis=1).data, [0, 2])
    np.testing.assert_array_equal(x.argmin(axis=1).data, [1, 0])


# -- errors ----------------------------------------------------------------------------------

ALL_OPS = [*REDUCTIONS, F.argmax, F.argmin]


@pytest.mark.parametrize("op", ALL_OPS, ids=lambda f: f.__name__)
def test_axis_out_of_range(op):
    x = nr.ones(2, 3)
    name = op.__name__
    with pytest.raises(ValueError, match=rf"^{name}: axis 3 is out of range for a tensor with 2 "
                                         r"dimensions \(shape \(2, 3\)\)$"):
        op(x, axis=3)
    with pytest.raises(ValueError, match=rf"^{name}: axis -3 is out of range for a tensor with 2 "
                                         r"dimensions"):
        op(x, axis=-3)
    with pytest.raises(ValueError, match=rf"^{name}: axis 0 is out of range for a tensor with 0 "
                                         r"dimensions \(shape \(\)\)$"):
        op(nr.tensor(1.0), axis=0)


@pytest.mark.parametrize("op", REDUCTIONS, ids=lambda f: f.__name__)
def test_tuple_axis_errors(op):
    x = nr.ones(2, 3)
    name = op.__name__
    with pytest.raises(ValueError, match=rf"^{name}: axis 2 is out of range for a tensor with 2 "
                                         r"dimensions \(shape \(2, 3\)\)$"):
        op(x, axis=(0, 2))
    with pytest.raises(ValueError, match=rf"^{name}: axis \(1, -1\) repeats a dimension "
                                         r"\(shape \(2, 3\)\)$"):
        op(x, axis=(1, -1))
    with pytest.raises(TypeError, match=rf"^{name}: axis must be None, an int or a tuple of "
                                        r"ints, got 'rows'$"):
        op(x, axis="rows")
    with pytest.raises(TypeError, match=rf"^{name}: axis must be None, an int or a tuple of "
                                        r"ints, got \(0, 1.5\)$"):
        op(x, axis=(0, 1.5))
    with pytest.raises(TypeError, match=rf"^{name}: axis must be None, an int or a tuple of "
                                        r"ints, got True$"):
        op(x, axis=True)


@pytest.mark.parametrize("op", [F.argmax, F.argmin], ids=lambda f: f.__name__)
def test_arg_reductions_take_one_axis(op):
    name = op.__name__
    with pytest.raises(TypeError, match=rf"^{name}: axis must be None or a single int "
                                        rf"\({name} reduces one axis\), got \(0, 1\)$"):
        op(nr.ones(2, 3), axis=(0, 1))


@pytest.mark.parametrize("op", [F.max, F.min, F.mean, F.logsumexp, F.var, F.std, F.argmax,
                                F.argmin], ids=lambda f: f.__name__)
def test_empty_reductions(op):
    name = op.__name__
    with pytest.raises(ValueError, match=rf"^{name}: cannot reduce an empty tensor "
                                         r"\(shape \(0, 3\)\): the result is undefined$"):
        op(nr.zeros(0, 3))
    with pytest.raises(ValueError, match=rf"^{name}: cannot reduce axis 0 of length 0 "
                                         r"\(shape \(0, 3\)\): the result is undefined$"):
        op(nr.zeros(0, 3), axis=0)
    if op not in (F.argmax, F.argmin):
        msg = rf"^{name}: cannot reduce axes \(0, 1\), which hold no elements \(shape \(2, 0\)\)"
        with pytest.raises(ValueError, match=msg):
            op(nr.zeros(2, 0), axis=(0, 1))


@pytest.mark.parametrize("op", [F.var, F.std], ids=lambda f: f.__name__)
def test_ddof_errors(op):
    name = op.__name__
    with pytest.raises(ValueError, match=rf"^{name}: ddof=1 leaves no degrees of freedom: "
                                         r"reducing axis 1 of shape \(3, 1\) combines 1 "
                                         r"element\(s\), which must be more than ddof$"):
        op(nr.ones(3, 1), axis=1, ddof=1)
    with pytest.raises(ValueError, match=rf"^{name}: ddof=2 leaves no degrees of freedom: "
                                         r"reducing the whole tensor of shape \(2,\)"):
        op(nr.ones(2), ddof=2)
    with pytest.raises(ValueError, match=rf"^{name}: ddof must be >= 0, got -1$"):
        op(nr.ones(3), ddof=-1)
    with pytest.raises(TypeError, match=rf"^{name}: ddof must be a number, got 'unbiased'$"):
        op(nr.ones(3), ddof="unbiased")
