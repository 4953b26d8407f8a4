"""Registry cases, moving statistics and error tests for neurona/functions/normalization.py."""

import numpy as np
import pytest

import neurona as nr
from neurona.functions import normalization as N

from .opcheck import OpCase, op_tests

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = TF = None

rng = np.random.default_rng(0)
X2 = rng.normal(size=(6, 4)) * 2 + 1  # (batch, C)
X3 = rng.normal(size=(2, 5, 3))  # (batch, steps, C)
X4 = rng.normal(size=(3, 2, 2, 4)) - 0.5  # (batch, H, W, C): channels last
X4_FIRST = rng.normal(size=(3, 4, 2, 2))  # (batch, C, H, W): channels first, axis=1
VIEW = rng.normal(size=(8, 6))[:, ::2]  # non-contiguous (8, 3)
VIEW_T = rng.normal(size=(3, 7)).T  # non-contiguous (7, 3)
ROW = rng.normal(size=(5,))


def _p(seed, *shape):
    """A parameter (gamma/beta) away from zero."""
    return np.random.default_rng(seed).uniform(0.5, 1.5, size=shape)


MM = np.array([0.3, -0.2, 0.1, 0.5])  # moving statistics for C = 4
MV = np.array([1.5, 0.7, 2.0, 0.9])


# -- references ------------------------------------------------------------------------------------


def _np_bn(x, gamma=None, beta=None, axis=-1, eps=1e-3):
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    y = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    if gamma is not None:
        y = y * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y


def _np_bn_infer(x, gamma=None, beta=None, mean=MM, var=MV, axis=-1, eps=1e-3):
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    if gamma is not None:
        y = y * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y


def _np_ln(x, gamma=None, beta=None, axis=-1, eps=1e-3):
    axes = axis if isinstance(axis, tuple) else (axis,)
    axes = tuple(sorted(a % x.ndim for a in axes))
    shape = [x.shape[i] if i in axes else 1 for i in range(x.ndim)]
    y = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)
    if gamma is not None:
        y = y * gamma.reshape(shape)
    if beta is not None:
        y = y + beta.reshape(shape)
    return y


def _np_normalize(x, axis=-1, eps=1e-12):
    return x / np.sqrt(np.maximum((x * x).sum(axis=axis, keepdims=True), eps))


def _to_first(t, axis):
    """torch's batch_norm wants channels on axis 1: move ``axis`` there."""
    return t.movedim(axis, 1)


def _torch_bn(x, gamma=None, beta=None, axis=-1, eps=1e-3, mean=None, var=None):
    training = mean is None
    rm = None if training else torch.from_numpy(mean.copy())
    rv = None if training else torch.from_numpy(var.copy())
    y = TF.batch_norm(_to_first(x, axis), rm, rv, gamma, beta, training=training, eps=eps)
    return y.movedim(1, axis)


def _torch_ln_last(x, gamma=None, beta=None, ndims=1, eps=1e-3):
    return TF.layer_norm(x, x.shape[x.ndim - ndims:], gamma, beta, eps=eps)


# -- cases ---------------------------------------------------------------------------------------


def _bn_case(tag, x, gamma=True, beta=True, axis=-1, eps=1e-3, infer=False, seed=1):
    """One batch_norm case: inputs x[, gamma][, beta] in that order."""
    c = x.shape[axis]
    params = [_p(seed, c) if gamma else None, _p(seed + 1, c) - 1.0 if beta else None]
    inputs = [x] + [p for p in params if p is not None]
    stats = {"mean": MM[:c], "var": MV[:c]} if infer else {}

    def split(args):
        rest = list(args[1:])
        g = rest.pop(0) if gamma else None
        b = rest.pop(0) if beta else None
        return args[0], g, b

    def fn(*args):
        a, g, b = split(args)
        if infer:
            return N.batch_norm(a, g, b, axis=axis, eps=eps, training=False,
                                moving_mean=stats["mean"], moving_var=stats["var"])
        return N.batch_norm(a, g, b, axis=axis, eps=eps)

    def ref(*args):
        a, g, b = split(args)
        if infer:
            return _np_bn_infer(a, g, b, axis=axis, eps=eps, **stats)
        return _np_bn(a, g, b, axis=axis, eps=eps)

    def tfn(*args):
        a, g, b = split(args)
        return _torch_bn(a, g, b, axis=axis, eps=eps, **stats)

    cls = N.BatchNormInference if infer else N.BatchNorm
    name = f"batch_norm{'_inference' if infer else ''}/{tag}"
    return OpCase(name, fn, inputs, ref, (cls,), None if torch is None else tfn)


def _ln_case(tag, x, axis=-1, gamma=True, beta=True, torch_fn=None, eps=1e-3):
    axes = axis if isinstance(axis, tuple) else (axis,)
    pshape = tuple(x.shape[a] for a in sorted(a % x.ndim for a in axes))
    params = [_p(3, *pshape) if gamma else None, _p(4, *pshape) - 1.0 if beta else None]
    inputs = [x] + [p for p in params if p is not None]

    def split(args):
        rest = list(args[1:])
        g = rest.pop(0) if gamma else None
        b = rest.pop(0) if beta else None
        return args[0], g, b

    def tfn(*args):
        return torch_fn(*split(args))

    return OpCase(
        f"layer_norm/{tag}",
        lambda *args: N.layer_norm(*split(args), axis=axis, eps=eps),
        inputs,
        lambda *args: _np_ln(*split(args), axis=axis, eps=eps),
        (N.LayerNorm,),
        None if torch is None or torch_fn is None else tfn,
    )


def _torch_ln_middle(x, g, b):
    # normalise axis 1 of (batch, C, steps): move it last for torch
    return _torch_ln_last(x.transpose(1, 2), g, b).transpose(1, 2)


def _normalize_case(tag, x, axis=-1, torch_fn=None):
    return OpCase(
        f"normalize/{tag}",
        lambda a: N.normalize(a, axis=axis),
        [x],
        lambda a: _np_normalize(a, axis=axis),
        (),
        torch_fn,
    )


CASES = [
    _bn_case("2d", X2),
    _bn_case("3d_channels_last", X3),
    _bn_case("4d_channels_last", X4),
    _bn_case("4d_channels_first", X4_FIRST, axis=1),
    _bn_case("4d_axis2", X4, axis=2),
    _bn_case("negative_axis", X4_FIRST, axis=-3),
    _bn_case("no_gamma", X2, gamma=False),
    _bn_case("no_beta", X4, beta=False),
    _bn_case("no_params", X3, gamma=False, beta=False),
    _bn_case("eps", X2, eps=0.5),
    _bn_case("view", VIEW),
    _bn_case("view_t", VIEW_T),
    _bn_case("2d", X2, infer=True),
    _bn_case("4d_channels_last", X4, infer=True),
    _bn_case("4d_channels_first", X4_FIRST, axis=1, infer=True),
    _bn_case("no_gamma", X2, gamma=False, infer=True),
    _bn_case("no_params", X4, gamma=False, beta=False, infer=True),
    _bn_case("view", VIEW, infer=True),
    _ln_case("2d", X2, torch_fn=_torch_ln_last),
    _ln_case("3d", X3, torch_fn=_torch_ln_last),
    _ln_case("4d_last", X4, torch_fn=_torch_ln_last),
    _ln_case("trailing_axes", X4, axis=(1, 2, 3),
             torch_fn=lambda x, g, b: _torch_ln_last(x, g, b, ndims=3)),
    _ln_case("trailing_negative", X3, axis=(-1, -2),
             torch_fn=lambda x, g, b: _torch_ln_last(x, g, b, ndims=2)),
    _ln_case("middle_axis", X3, axis=1, torch_fn=_torch_ln_middle),
    _ln_case("split_axes", X4, axis=(1, 3)),
    _ln_case("1d", ROW, torch_fn=_torch_ln_last),
    _ln_case("no_gamma", X2, gamma=False, torch_fn=_torch_ln_last),
    _ln_case("no_beta", X3, beta=False, torch_fn=_torch_ln_last),
    _ln_case("no_params", X4, gamma=False, beta=False, torch_fn=_torch_ln_last),
    _ln_case("eps", X2, eps=0.5, torch_fn=lambda x, g, b: _torch_ln_last(x, g, b, eps=0.5)),
    _ln_case("view", VIEW, torch_fn=_torch_ln_last),
    _ln_case("view_t", VIEW_T, torch_fn=_torch_ln_last),
    _normalize_case("2d", X2, torch_fn=None if torch is None else TF.normalize),
    _normalize_case("axis0", X2, axis=0,
                    torch_fn=None if torch is None else lambda a: TF.normalize(a, dim=0)),
    _normalize_case("tuple", X3, axis=(1, 2),
                    torch_fn=None if torch is None else lambda a: TF.normalize(a, dim=(1, 2))),
    _normalize_case("1d", ROW, torch_fn=None if torch is None else lambda a: TF.normalize(a,
                                                                                          dim=0)),
    _normalize_case("view", VIEW, torch_fn=None if torch is None else TF.normalize),
]


test_forward, test_gradcheck, test_matches_torch = op_tests(CASES)


# -- moving statistics -------------------------------------------------------------------------


@pytest.mark.parametrize("x", [X2, X4], ids=["2d", "4d"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_moving_statistics_follow_keras_rule(x, dtype):
    x = x.astype(dtype)
    c = x.shape[-1]
    mm = MM[:c].astype(dtype)
    mv = MV[:c].astype(dtype)
    old_mm, old_mv = mm.copy(), mv.copy()
    N.batch_norm(nr.tensor(x), nr.ones(c, dtype=dtype), nr.zeros(c, dtype=dtype),
                 moving_mean=mm, moving_var=mv, momentum=0.9)
    axes = tuple(range(x.ndim - 1))
    x64 = x.astype(np.float64)
    # Keras: moving = moving * momentum + batch * (1 - momentum), biased batch variance
    expected_mm = old_mm * 0.9 + x64.mean(axis=axes) * 0.1
    expected_mv = old_mv * 0.9 + x64.var(axis=axes) * 0.1
    tol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(mm, expected_mm, rtol=tol, atol=tol)
    np.testing.assert_allclose(mv, expected_mv, rtol=tol, atol=tol)
    assert mm.dtype == dtype and mv.dtype == dtype


def test_moving_statistics_in_tensors_are_updated_in_place():
    mm = nr.zeros(4, dtype="float32")
    mv = nr.ones(4, dtype="float32")
    arrays = (mm.data, mv.data)
    x = nr.tensor(X2.astype(np.float32), requires_grad=True)
    for _ in range(3):
        N.batch_norm(x, moving_mean=mm, moving_var=mv).sum().backward()
    assert mm.data is arrays[0] and mv.data is arrays[1]  # optimizer/arena views stay valid
    expected = np.zeros(4)
    for _ in range(3):
        expected = expected * 0.99 + X2.mean(axis=0) * 0.01
    np.testing.assert_allclose(mm.data, expected, rtol=1e-5)


def test_moving_statistics_update_under_no_grad_and_not_at_inference():
    mm, mv = np.zeros(4), np.ones(4)
    with nr.no_grad():
        N.batch_norm(nr.tensor(X2), moving_mean=mm, moving_var=mv, momentum=0.5)
    np.testing.assert_allclose(mm, X2.mean(axis=0) * 0.5)
    before = (mm.copy(), mv.copy())
    N.batch_norm(nr.tensor(X2), training=False, moving_mean=mm, moving_var=mv)
    np.testing.assert_array_equal(mm, before[0])
    np.testing.assert_array_equal(mv, before[1])


def test_moving_statistics_converge_to_the_data_statistics():
    data = np.random.default_rng(5).normal(loc=[2.0, -1.0, 0.0], scale=[1.0, 3.0, 0.5],
                                           size=(4000, 3))
    mm, mv = np.zeros(3), np.ones(3)
    for batch in np.split(data, 200):
        N.batch_norm(nr.tensor(batch), moving_mean=mm, moving_var=mv, momentum=0.9)
    np.testing.assert_allclose(mm, data.mean(axis=0), atol=0.15)
    np.testing.assert_allclose(mv, data.var(axis=0), rtol=0.15)


def test_inference_uses_the_moving_statistics():
    y = N.batch_norm(nr.tensor(X2), nr.tensor(np.full(4, 2.0)), nr.tensor(np.full(4, 0.5)),
                     training=False, moving_mean=MM, moving_var=MV)
    np.testing.assert_allclose(y.data, (X2 - MM) / np.sqrt(MV + 1e-3) * 2.0 + 0.5)


# -- dtypes, saved arrays, graph ------------------------------------------------------------------


def _float32_cases():
    x = nr.tensor(X4.astype(np.float32), requires_grad=True)
    g = nr.ones(4, requires_grad=True)
    b = nr.zeros(4, requires_grad=True)
    mm, mv = MM.astype(np.float32), MV.astype(np.float32)
    return x, [
        N.batch_norm(x, g, b),
        N.batch_norm(x, g, b, training=False, moving_mean=mm, moving_var=mv),
        N.batch_norm(x, g, b, training=False, moving_mean=MM, moving_var=MV),  # float64 stats
        N.layer_norm(x, g, b),
        N.layer_norm(x, nr.ones(2, 2, requires_grad=True), None, axis=(1, 2)),
        N.normalize(x),
    ]


def test_float32_stays_float32():
    x, outs = _float32_cases()
    for y in outs:
        assert y.dtype == np.float32
        y.sum().backward()
        assert x.grad.dtype == np.float32
        x.grad = None
    for y in _float32_cases()[1][:5]:  # the fused Functions' raw backward
        grads = y.creator.backward(np.ones(y.shape, np.float32))
        assert all(g is None or g.dtype == np.float32 for g in grads)


def test_training_saves_the_normalised_input_and_inv_std():
    x = nr.tensor(X2, requires_grad=True)
    y = N.batch_norm(x, nr.ones(4, dtype="float64"), None)
    xhat, inv_std, gamma = y.creator.saved
    np.testing.assert_allclose(xhat, _np_bn(X2), atol=1e-12)
    np.testing.assert_allclose(inv_std, 1 / np.sqrt(X2.var(axis=0) + 1e-3))
    assert gamma is None or gamma.shape == (4,)


def test_backward_gives_an_owned_gradient():
    # channels last: the gradient is allocated in x's shape, so the engine stores it without a
    # copy and an optimizer may update it in place
    for fn in (lambda x: N.batch_norm(x), lambda x: N.layer_norm(x)):
        x = nr.tensor(X4, requires_grad=True)
        y = fn(x)
        gx = y.creator.backward(np.ones(X4.shape))[0]
        assert gx.base is None and gx.shape == X4.shape


def test_input_batch_gradient_is_skipped():
    x = nr.tensor(X2)  # data: no gradient wanted
    g = nr.ones(4, dtype="float64", requires_grad=True)
    b = nr.zeros(4, dtype="float64", requires_grad=True)
    for fn in (N.batch_norm, N.layer_norm):
        y = fn(x, g, b)
        gx, gg, gb = y.creator.backward(np.ones(X2.shape))
        assert gx is None and gg.shape == (4,) and gb.shape == (4,)


def test_no_graph_without_grad():
    x = nr.tensor(X2, requires_grad=True)
    with nr.no_grad():
        assert N.batch_norm(x).creator is None
        assert N.batch_norm(x, training=False, moving_mean=MM, moving_var=MV).creator is None
        assert N.layer_norm(x).creator is None


def test_normalize_keeps_zero_vectors_at_zero():
    x = nr.tensor(np.array([[0.0, 0.0], [3.0, 4.0]]), requires_grad=True)
    y = N.normalize(x)
    np.testing.assert_allclose(y.data, [[0.0, 0.0], [0.6, 0.8]])
    y.sum().backward()
    assert np.all(np.isfinite(x.grad))


def test_functions_accept_arrays():
    np.testing.assert_allclose(N.batch_norm(X2).data, _np_bn(X2), atol=1e-12)
    np.testing.assert_allclose(N.layer_norm(X3.tolist()).data, _np_ln(X3.astype(np.float32)),
                               atol=1e-5)


# -- errors --------------------------------------------------------------------------------------


def test_batch_norm_errors():
    x = nr.ones(4, 3)
    with pytest.raises(ValueError, match=r"^batch_norm: axis 2 is out of range for x of shape "
                                         r"\(4, 3\)$"):
        N.batch_norm(x, axis=2)
    with pytest.raises(ValueError, match=r"^batch_norm: axis -3 is out of range"):
        N.batch_norm(x, axis=-3)
    with pytest.raises(TypeError, match=r"^batch_norm: axis must be an int \(the channel "
                                        r"axis\), got \(0, 1\)$"):
        N.batch_norm(x, axis=(0, 1))
    with pytest.raises(ValueError, match=r"^batch_norm: x needs a batch axis besides the "
                                         r"channel axis, got shape \(3,\)$"):
        N.batch_norm(nr.ones(3))
    with pytest.raises(TypeError, match=r"^batch_norm: x must be floating point, got dtype "
                                        r"int64$"):
        N.batch_norm(np.ones((4, 3), np.int64))
    with pytest.raises(ValueError, match=r"^batch_norm: gamma must have shape \(3,\) \(one "
                                         r"value per channel on axis -1\), got \(4,\)$"):
        N.batch_norm(x, nr.ones(4))
    with pytest.raises(ValueError, match=r"^batch_norm: beta must have shape \(4,\) \(one "
                                         r"value per channel on axis 0\), got \(3,\)$"):
        N.batch_norm(x, None, nr.ones(3), axis=0)
    with pytest.raises(ValueError, match=r"^batch_norm: give both moving_mean and moving_var, "
                                         r"or neither$"):
        N.batch_norm(x, moving_mean=np.zeros(3))
    with pytest.raises(ValueError, match=r"^batch_norm: moving_var must have shape \(3,\) \(one "
                                         r"value per channel\), got \(4,\)$"):
        N.batch_norm(x, moving_mean=np.zeros(3), moving_var=np.ones(4))
    with pytest.raises(TypeError, match=r"^batch_norm: moving_mean must be an array or a Tensor "
                                        r"\(it is updated in place\), got list$"):
        N.batch_norm(x, moving_mean=[0.0, 0.0, 0.0], moving_var=np.ones(3))
    with pytest.raises(ValueError, match=r"^batch_norm: inference \(training=False\) normalises "
                                         r"with the moving statistics: pass moving_mean and "
                                         r"moving_var$"):
        N.batch_norm(x, training=False)
    with pytest.raises(ValueError, match=r"^batch_norm: cannot compute batch statistics of an "
                                         r"empty batch \(shape \(0, 3\)\)$"):
        N.batch_norm(nr.zeros(0, 3))


def test_layer_norm_errors():
    x = nr.ones(2, 3, 4)
    with pytest.raises(ValueError, match=r"^layer_norm: axis 3 is out of range for a tensor "
                                         r"with 3 dimensions"):
        N.layer_norm(x, axis=3)
    with pytest.raises(ValueError, match=r"^layer_norm: axis \(1, -2\) repeats a dimension"):
        N.layer_norm(x, axis=(1, -2))
    with pytest.raises(TypeError, match=r"^layer_norm: axis must be an int or a tuple of ints, "
                                        r"got None$"):
        N.layer_norm(x, axis=None)
    with pytest.raises(ValueError, match=r"^layer_norm: gamma must have shape \(3, 4\) \(the size "
                                         r"of axis \(1, 2\) of x, shape \(2, 3, 4\)\), got "
                                         r"\(4,\)$"):
        N.layer_norm(x, nr.ones(4), axis=(1, 2))
    with pytest.raises(ValueError, match=r"^layer_norm: cannot normalise over axis -1 of length "
                                         r"0 \(shape \(2, 0\)\)$"):
        N.layer_norm(nr.zeros(2, 0))
    with pytest.raises(TypeError, match=r"^layer_norm: x must be floating point"):
        N.layer_norm(np.ones((2, 3), np.int32))


def test_normalize_errors():
    with pytest.raises(ValueError, match=r"^normalize: axis 2 is out of range for a tensor with "
                                         r"2 dimensions"):
        N.normalize(nr.ones(2, 3), axis=2)
    with pytest.raises(TypeError, match=r"^normalize: x must be floating point"):
        N.normalize(np.ones(3, np.int64))
