"""Registry cases, mask helpers and error tests for neurona/functions/attention.py."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurona as nr
from neurona.functions import attention as A
from neurona.functions.attention import (
    causal_mask,
    embedding,
    multi_head_attention,
    padding_mask,
    scaled_dot_product_attention,
)

from .opcheck import OpCase, op_tests

try:
    import torch
    import torch.nn.functional as tF
except ImportError:  # pragma: no cover
    torch = None

rng = np.random.default_rng(0)
IDS = np.array([[1, 3, 3], [0, 3, 1]])          # repeated ids accumulate
W = rng.normal(size=(5, 4))
Q = rng.normal(size=(2, 3, 4))
K = rng.normal(size=(2, 5, 4))
V = rng.normal(size=(2, 5, 3))
Q4 = rng.normal(size=(2, 2, 3, 4))              # (batch, heads, L, d)
MASK = rng.random((2, 3, 5)) > 0.3
MASK[:, :, 0] = True                            # every row keeps one key
KEYMASK = np.array([[True, True, False, True, False], [True] * 5])[:, None, :]


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _ref_sdpa(q, k, v, mask=None, causal=False, scale=None):
    scale = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if causal:
        c = np.tri(q.shape[-2], k.shape[-2], dtype=bool)
        mask = c if mask is None else mask & c
    if mask is not None:
        s = np.where(mask, s, -1e300)
    return _softmax(s) @ v


def _t_mask(mask):
    return None if mask is None else torch.from_numpy(np.ascontiguousarray(mask))


def _sdpa_case(name, q, k, v, mask=None, causal=False, scale=None):
    return OpCase(
        f"sdpa/{name}",
        lambda a, b, c: scaled_dot_product_attention(a, b, c, mask=mask, is_causal=causal,
                                                     scale=scale),
        [q, k, v],
        lambda a, b, c: _ref_sdpa(a, b, c, mask, causal, scale),
        (A.ScaledDotProductAttention,),
        lambda a, b, c: tF.scaled_dot_product_attention(a, b, c, attn_mask=_t_mask(mask),
                                                        is_causal=causal, scale=scale),
    )


CASES = [
    OpCase("embedding/repeated_ids", lambda w: embedding(IDS, w), [W], lambda w: w[IDS],
           (A.Embedding,), lambda w: tF.embedding(torch.from_numpy(IDS), w)),
    OpCase("embedding/1d", lambda w: embedding(np.array([4, 0, 4]), w), [W],
           lambda w: w[[4, 0, 4]], (A.Embedding,),
           lambda w: tF.embedding(torch.tensor([4, 0, 4]), w)),
    _sdpa_case("plain", Q, K, V),
    _sdpa_case("mask", Q, K, V, mask=MASK),
    _sdpa_case("key_padding", Q, K, V, mask=KEYMASK),
    _sdpa_case("causal_heads", Q4, Q4, Q4, causal=True),
    _sdpa_case("causal_rect_scale", Q, K, V, causal=True, scale=0.3),
    _sdpa_case("broadcast_kv", Q4, K[:1, None], V[:1, None]),
    _sdpa_case("1d_key_mask", Q, K, V, mask=np.array([True, False, True, True, False])),
]

# heads in the feature axis: 2 heads, query/key heads of 4, value heads of 3
QM = rng.normal(size=(2, 3, 8))
KM = rng.normal(size=(2, 5, 8))
VM = rng.normal(size=(2, 5, 6))
QKV = rng.normal(size=(2, 4, 2 * (2 * 3 + 2)))   # packed: 2 heads, key_dim 3, value heads of 2
HEADMASK = rng.random((2, 2, 3, 5)) > 0.3
HEADMASK[..., 0] = True


def _heads(a, h):
    """(B, L, h * d) -> (B, h, L, d)"""
    b, n, c = a.shape
    return a.reshape(b, n, h, c // h).swapaxes(1, 2)


def _merge(a):
    """(B, h, L, d) -> (B, L, h * d)"""
    b, h, n, d = a.shape
    return a.swapaxes(1, 2).reshape(b, n, h * d)


def _unpack(x, h, dk):
    return x[..., :h * dk], x[..., h * dk:2 * h * dk], x[..., 2 * h * dk:]


def _ref_mha(q, k, v, h, mask=None, causal=False, scale=None):
    return _merge(_ref_sdpa(_heads(q, h), _heads(k, h), _heads(v, h), mask, causal, scale))


def _torch_mha(q, k, v, h, mask=None, causal=False, scale=None):
    if causal:
        c = np.tri(q.shape[1], k.shape[1], dtype=bool)
        mask = c if mask is None else mask & c
    return _merge(tF.scaled_dot_product_attention(_heads(q, h), _heads(k, h), _heads(v, h),
                                                  attn_mask=_t_mask(mask), scale=scale))


def _mha_case(name, mask=None, causal=False, scale=None):
    return OpCase(
        f"multi_head_attention/{name}",
        lambda a, b, c: multi_head_attention(a, b, c, num_heads=2, mask=mask, is_causal=causal,
                                             scale=scale),
        [QM, KM, VM],
        lambda a, b, c: _ref_mha(a, b, c, 2, mask, causal, scale),
        (A.MultiHeadSDPA,),
        lambda a, b, c: _torch_mha(a, b, c, 2, mask, causal, scale),
    )


def _packed_case(name, mask=None, causal=False):
    return OpCase(
        f"multi_head_attention/packed_{name}",
        lambda x: multi_head_attention(x, num_heads=2, key_dim=3, mask=mask, is_causal=causal),
        [QKV],
        lambda x: _ref_mha(*_unpack(x, 2, 3), 2, mask, causal),
        (A.MultiHeadSDPA,),
        lambda x: _torch_mha(*_unpack(x, 2, 3), 2, mask, causal),
    )


CASES += [
    _mha_case("plain"),
    _mha_case("batch_mask", mask=MASK[:, None]),
    _mha_case("head_mask_scale", mask=HEADMASK, scale=0.3),
    _mha_case("causal_key_mask", mask=KEYMASK[:, None], causal=True),
    _packed_case("plain"),
    _packed_case("causal", causal=True),
    _packed_case("mask", mask=rng.random((2, 1, 4, 4)) > 0.2),
]

test_forward, test_gradcheck, test_matches_torch = op_tests(CASES)


# -- behaviour -----------------------------------------------------------------------------------


def test_fully_masked_rows_give_zeros_and_finite_gradients():
    mask = np.ones((2, 3, 5), bool)
    mask[0, 1] = False
    q = nr.tensor(Q, requires_grad=True)
    k = nr.tensor(K, requires_grad=True)
    v = nr.tensor(V, requires_grad=True)
    y = scaled_dot_product_attention(q, k, v, mask=mask)
    np.testing.assert_array_equal(y.data[0, 1], 0.0)
    y.sum().backward()
    for t in (q, k, v):
        assert np.isfinite(t.grad).all()


def test_return_weights_rows_sum_to_one_and_carry_gradient():
    q = nr.tensor(Q, requires_grad=True)
    y, w = scaled_dot_product_attention(q, K, V, mask=MASK, return_weights=True)
    np.testing.assert_allclose(w.data.sum(-1), 1.0)
    assert not w.data[~np.broadcast_to(MASK, w.shape)].any()
    (w * w).sum().backward()
    assert np.abs(q.grad).sum() > 0


def test_float32_stays_float32():
    q = nr.tensor(Q.astype(np.float32), requires_grad=True)
    y = scaled_dot_product_attention(q, q, q, is_causal=True)
    assert y.dtype == np.float32
    y.sum().backward()
    assert q.grad.dtype == np.float32
    w = nr.tensor(W.astype(np.float32), requires_grad=True)
    e = embedding(IDS, w)
    e.sum().backward()
    assert e.dtype == np.float32 and w.grad.dtype == np.float32


def test_dropout_only_in_training_and_seeded():
    q = nr.tensor(Q)
    a = scaled_dot_product_attention(q, K, V, dropout=0.5, training=False)
    b = scaled_dot_product_attention(q, K, V)
    np.testing.assert_array_equal(a.data, b.data)
    c = scaled_dot_product_attention(q, K, V, dropout=0.5, training=True,
                                     rng=np.random.default_rng(1))
    d = scaled_dot_product_attention(q, K, V, dropout=0.5, training=True,
                                     rng=np.random.default_rng(1))
    np.testing.assert_array_equal(c.data, d.data)
    assert not np.allclose(c.data, b.data)


def test_dropout_gradcheck_with_a_fixed_generator():
    def fn(q, k, v):
        return scaled_dot_product_attention(q, k, v, dropout=0.3, training=True,
                                            rng=np.random.default_rng(3))

    ts = [nr.tensor(a, requires_grad=True) for a in (Q, K, V)]
    assert nr.testing.gradcheck(fn, ts, eps=1e-6, atol=1e-5, rtol=1e-3)


def _mha_run(*arrays, grad_out, **kw):
    """Outputs, weights and input gradients of one forward and backward."""
    ts = [nr.tensor(a, requires_grad=True) for a in arrays]
    y, w = multi_head_attention(*ts, return_weights=True, **kw)
    ((y * nr.tensor(grad_out)).sum() + (w * w).sum()).backward()
    return [y.data, w.data] + [t.grad for t in ts]


def test_multi_head_attention_packed_equals_separate_inputs():
    r = np.random.default_rng(5)
    x = r.normal(size=(3, 4, 2 * (3 + 3 + 2)))
    mask = r.random((3, 1, 4, 4)) > 0.3
    mask[1] = False  # a fully masked sample: zero output, finite gradients
    kw = dict(num_heads=2, key_dim=3, mask=mask, dropout=0.4, training=True,
              grad_out=r.normal(size=(3, 4, 4)))
    packed = _mha_run(x, rng=np.random.default_rng(0), **kw)
    separate = _mha_run(*_unpack(x, 2, 3), rng=np.random.default_rng(0), **kw)
    np.testing.assert_array_equal(packed[0], separate[0])
    np.testing.assert_array_equal(packed[1], separate[1])
    np.testing.assert_array_equal(packed[2], np.concatenate(separate[2:], axis=-1))
    assert not packed[0][1].any() and np.isfinite(packed[2]).all()


def test_multi_head_attention_matches_per_head_sdpa_with_dropout_and_weights():
    r = np.random.default_rng(2)
    x = r.normal(size=(2, 5, 2 * (4 + 4 + 3)))
    y, w = multi_head_attention(x, num_heads=2, key_dim=4, dropout=0.3, training=True,
                                return_weights=True, rng=np.random.default_rng(7))
    q, k, v = (_heads(a, 2) for a in _unpack(x, 2, 4))
    ry, rw = scaled_dot_product_attention(q, k, v, dropout=0.3, training=True,
                                          return_weights=True, rng=np.random.default_rng(7))
    np.testing.assert_allclose(y.data, _merge(ry.data), rtol=1e-12)
    np.testing.assert_allclose(w.data, rw.data, rtol=1e-12)
    f32 = multi_head_attention(nr.tensor(x.astype(np.float32), requires_grad=True),
                               num_heads=2, key_dim=4)
    assert f32.dtype == np.float32


def test_multi_head_attention_without_training_saves_nothing_and_needs_only_some_grads():
    q = nr.tensor(QM, requires_grad=True)
    y = multi_head_attention(q, KM, VM, num_heads=2)
    y.sum().backward()
    ref = nr.tensor(QM, requires_grad=True)
    multi_head_attention(ref, nr.tensor(KM, requires_grad=True),
                         nr.tensor(VM, requires_grad=True), num_heads=2).sum().backward()
    np.testing.assert_allclose(q.grad, ref.grad)
    with nr.no_grad():
        z = multi_head_attention(q, KM, VM, num_heads=2)
    assert z.creator is None
    keys = np.array([True, False, True, True, False])  # a key mask (Lk,)
    np.testing.assert_array_equal(
        multi_head_attention(QM, KM, VM, num_heads=2, mask=keys).data,
        multi_head_attention(QM, KM, VM, num_heads=2, mask=keys[None, None, None]).data)


def test_causal_and_padding_helpers():
    np.testing.assert_array_equal(causal_mask(2, 3), [[1, 0, 0], [1, 1, 0]])
    np.testing.assert_array_equal(padding_mask(np.array([1, 3]), maxlen=4),
                                  [[1, 0, 0, 0], [1, 1, 1, 0]])
    np.testing.assert_array_equal(padding_mask(np.array([2, 1])), [[1, 1], [1, 0]])
    np.testing.assert_array_equal(padding_mask(np.array([[5, 0], [0, 0]])), [[1, 0], [0, 0]])
    np.testing.assert_array_equal(padding_mask(np.array([[5, 9]]), pad_id=9), [[1, 0]])


def test_embedding_large_scatter_matches_dense_one_hot():
    ids = rng.integers(0, 50, size=(8, 30))
    w = nr.tensor(rng.normal(size=(50, 6)), requires_grad=True)
    g = rng.normal(size=(8, 30, 6))
    embedding(ids, w).backward(g)
    onehot = np.eye(50)[ids.reshape(-1)]
    np.testing.assert_allclose(w.grad, onehot.T @ g.reshape(-1, 6))


# -- errors --------------------------------------------------------------------------------------


def test_embedding_errors():
    w = nr.tensor(W)
    with pytest.raises(ValueError, match=r"id 5 is out of range: ids must be in \[0, 4\]"):
        embedding(np.array([0, 5]), w)
    with pytest.raises(ValueError, match=r"id -1 is out of range"):
        embedding(np.array([-1]), w)
    with pytest.raises(TypeError, match="ids must be integers, got dtype float64"):
        embedding(np.array([1.0]), w)
    with pytest.raises(ValueError, match="weight must be 2-D"):
        embedding(np.array([1]), nr.tensor(Q))


def test_attention_errors():
    with pytest.raises(ValueError, match=r"expected q \(..., Lq, d\), k \(..., Lk, d\)"):
        scaled_dot_product_attention(Q, V, V)
    with pytest.raises(TypeError, match="mask must be boolean"):
        scaled_dot_product_attention(Q, K, V, mask=MASK.astype(float))
    with pytest.raises(ValueError, match="does not broadcast"):
        scaled_dot_product_attention(Q, K, V, mask=np.ones((3, 3), bool))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        scaled_dot_product_attention(np.ones(3), K, V)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        scaled_dot_product_attention(Q, K, V, dropout=1.0)
    with pytest.raises(ValueError, match="expected lengths"):
        padding_mask(np.ones((2, 2, 2), int))
    with pytest.raises(TypeError, match="lengths must be integers"):
        padding_mask(np.array([1.5]))


def test_multi_head_attention_errors():
    with pytest.raises(ValueError, match="num_heads must be a positive integer, got 0"):
        multi_head_attention(QKV, num_heads=0, key_dim=3)
    with pytest.raises(ValueError, match="packed form .* needs key_dim"):
        multi_head_attention(QKV, num_heads=2)
    with pytest.raises(ValueError, match="give q, k and v, or only the packed q"):
        multi_head_attention(QM, KM, num_heads=2)
    with pytest.raises(ValueError, match="packed q has 16 features, which do not split into "
                                         "num_heads=2 query and key heads of key_dim=4"):
        multi_head_attention(QKV, num_heads=2, key_dim=4)
    with pytest.raises(ValueError, match=r"q must be a 3-D floating-point array .* got \(3, 8\)"):
        multi_head_attention(QM[0], KM, VM, num_heads=2)
    with pytest.raises(ValueError, match=r"expected q \(batch, Lq, 2 \* dk\), k"):
        multi_head_attention(QM, KM[..., :6], VM, num_heads=2)
    with pytest.raises(ValueError, match=r"expected q .* got q \(2, 3, 8\), k \(2, 5, 8\), "
                                         r"v \(2, 4, 6\)"):
        multi_head_attention(QM, KM, VM[:, :4], num_heads=2)
    with pytest.raises(TypeError, match="mask must be boolean"):
        multi_head_attention(QM, KM, VM, num_heads=2, mask=HEADMASK.astype(float))
    with pytest.raises(ValueError, match=r"mask of shape \(2, 3, 3, 5\) does not broadcast "
                                         r"to \(batch, num_heads, Lq, Lk\) = \(2, 2, 3, 5\)"):
        multi_head_attention(QM, KM, VM, num_heads=2, mask=np.ones((2, 3, 3, 5), bool))
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        multi_head_attention(QM, KM, VM, num_heads=2, dropout=-0.1)


@settings(max_examples=40, deadline=None)
@given(lq=st.integers(1, 5), lk=st.integers(1, 5), d=st.integers(1, 4),
       batch=st.lists(st.integers(1, 3), max_size=2), causal=st.booleans(),
       density=st.floats(0.0, 1.0), seed=st.integers(0, 2**16))
def test_attention_property_finite_and_zero_rows_where_nothing_is_allowed(
        lq, lk, d, batch, causal, density, seed):
    r = np.random.default_rng(seed)
    shape = tuple(batch)
    q = nr.tensor(r.normal(size=shape + (lq, d)), requires_grad=True)
    k = nr.tensor(r.normal(size=shape + (lk, d)), requires_grad=True)
    v = nr.tensor(r.normal(size=shape + (lk, 2)), requires_grad=True)
    mask = r.random(shape + (lq, lk)) < density
    y, w = scaled_dot_product_attention(q, k, v, mask=mask, is_causal=causal,
                                        return_weights=True)
    allowed = mask & np.tri(lq, lk, dtype=bool) if causal else mask
    assert y.shape == shape + (lq, 2) and np.isfinite(y.data).all()
    sums = w.data.sum(-1)
    np.testing.assert_allclose(sums, allowed.any(-1).astype(float), atol=1e-12)
    y.sum().backward()
    assert all(np.isfinite(t.grad).all() for t in (q, k, v))
