"""Attention layers (neurona/layers/attention.py): declarative checks, PyTorch parity, masks."""

import numpy as np
import pytest

import neurona as nr
from neurona.layers.attention import AdditiveAttention, Attention, MultiHeadAttention
from neurona.layers.embedding import Embedding
from neurona.saving import register_serializable

from .layercheck import LayerCase, layer_tests

torch = pytest.importorskip("torch")


# Single-input wrappers, so the declarative check (one input tensor) can drive the layers.
@register_serializable(package="tests")
class SelfMHA(MultiHeadAttention):
    def call(self, x, training=None):
        return super().call(x, x, training=training, use_causal_mask=True)


@register_serializable(package="tests")
class SelfAttention(Attention):
    def call(self, x, training=None):
        return super().call([x, x], training=training)


@register_serializable(package="tests")
class SelfAdditive(AdditiveAttention):
    def call(self, x, training=None):
        return super().call([x, x], training=training)


CASES = [
    LayerCase("mha/self_causal", lambda: SelfMHA(num_heads=2, key_dim=3), (2, 5, 4), (2, 5, 4),
              4 * 2 * 3 * 3 + 3 * 2 * 3 + 2 * 3 * 4 + 4,
              weights_order=[(4, 2, 3), (2, 3), (4, 2, 3), (2, 3), (4, 2, 3), (2, 3),
                             (2, 3, 4), (4,)]),
    LayerCase("mha/value_dim_output_shape", lambda: SelfMHA(
        num_heads=2, key_dim=3, value_dim=5, output_shape=6, use_bias=False,
        kernel_regularizer="l2"), (2, 5, 4), (2, 5, 6), 4 * 6 * 2 + 4 * 10 + 10 * 6,
        weights_order=[(4, 2, 3), (4, 2, 3), (4, 2, 5), (2, 5, 6)]),
    LayerCase("attention/dot", lambda: SelfAttention(), (2, 4, 3), (2, 4, 3), 0,
              trains=False),
    LayerCase("attention/scale_concat", lambda: SelfAttention(use_scale=True,
                                                              score_mode="concat"),
              (2, 4, 3), (2, 4, 3), 2, weights_order=[(), ()]),
    LayerCase("additive", lambda: SelfAdditive(), (2, 4, 3), (2, 4, 3), 3,
              weights_order=[(3,)]),
]

(test_shape_and_params, test_config_round_trip, test_weights_round_trip, test_save_load,
 test_training_step) = layer_tests(CASES)


# -- conversion to and from torch.nn.MultiheadAttention --------------------------------------


def mha_from_torch(module):
    """torch's packed (3E, E) in-projection and (E, E) out-projection -> Keras's layout."""
    e, h, hd = module.embed_dim, module.num_heads, module.head_dim
    w = module.in_proj_weight.detach().numpy()
    b = module.in_proj_bias.detach().numpy()
    out = []
    for i in range(3):
        out.append(w[i * e:(i + 1) * e].T.reshape(e, h, hd).copy())
        out.append(b[i * e:(i + 1) * e].reshape(h, hd).copy())
    out.append(module.out_proj.weight.detach().numpy().T.reshape(h, hd, e).copy())
    out.append(module.out_proj.bias.detach().numpy().copy())
    return out


def keras_grads_to_torch_layout(layer, e):
    g = [t.grad for t in layer.weights]
    in_w = np.concatenate([g[i].reshape(e, e).T for i in (0, 2, 4)])
    in_b = np.concatenate([g[i].reshape(-1) for i in (1, 3, 5)])
    return in_w, in_b, g[6].reshape(e, e).T, g[7]


def _pair(e=8, heads=2, seed=0):
    torch.manual_seed(seed)
    module = torch.nn.MultiheadAttention(e, heads, batch_first=True).double()
    with torch.no_grad():  # non-zero biases so they are checked too
        module.in_proj_bias.normal_()
        module.out_proj.bias.normal_()
    layer = MultiHeadAttention(heads, e // heads, dtype="float64")
    layer(nr.zeros(1, 2, e, dtype="float64"), nr.zeros(1, 2, e, dtype="float64"))
    layer.set_weights(mha_from_torch(module))
    return layer, module


@pytest.mark.parametrize("kind", ["plain", "causal", "key_padding", "attention_mask", "cross"])
def test_mha_matches_torch_outputs_and_gradients(kind):
    rng = np.random.default_rng(1)
    e, b, tq = 8, 3, 5
    tv = 6 if kind == "cross" else tq
    layer, module = _pair(e)
    q = rng.normal(size=(b, tq, e))
    kv = rng.normal(size=(b, tv, e)) if kind == "cross" else q
    keep = rng.random((b, tv)) > 0.3
    keep[:, 0] = True
    allowed = rng.random((b, tq, tv)) > 0.4
    allowed[:, :, 0] = True
    ours_kw, torch_kw = {}, {}
    if kind == "causal":
        ours_kw["use_causal_mask"] = True
        torch_kw["attn_mask"] = torch.from_numpy(~np.tri(tq, tv, dtype=bool))
        torch_kw["is_causal"] = True
    elif kind == "key_padding":
        ours_kw["value_mask"] = keep
        torch_kw["key_padding_mask"] = torch.from_numpy(~keep)  # torch: True = ignore
    elif kind == "attention_mask":
        ours_kw["attention_mask"] = allowed
        torch_kw["attn_mask"] = torch.from_numpy(
            np.repeat(~allowed, 2, axis=0))  # (batch * heads, Tq, Tv)
    xq = nr.tensor(q, requires_grad=True)
    xkv = xq if kind != "cross" else nr.tensor(kv, requires_grad=True)
    out = layer(xq, xkv, **ours_kw)
    tq_ = torch.from_numpy(q).requires_grad_()
    tkv = tq_ if kind != "cross" else torch.from_numpy(kv).requires_grad_()
    tout, _ = module(tq_, tkv, tkv, need_weights=False, **torch_kw)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), atol=1e-6, rtol=0)
    g = rng.normal(size=out.shape)
    out.backward(g)
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xq.grad, tq_.grad.numpy(), atol=1e-6, rtol=0)
    if kind == "cross":
        np.testing.assert_allclose(xkv.grad, tkv.grad.numpy(), atol=1e-6, rtol=0)
    in_w, in_b, out_w, out_b = keras_grads_to_torch_layout(layer, e)
    np.testing.assert_allclose(in_w, module.in_proj_weight.grad.numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(in_b, module.in_proj_bias.grad.numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(out_w, module.out_proj.weight.grad.numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(out_b, module.out_proj.bias.grad.numpy(), atol=1e-6, rtol=0)


@pytest.mark.parametrize("use_bias", [True, False])
def test_mha_self_attention_fused_projection_equals_three_projections(use_bias):
    # layer(x, x) projects query, key and value in one GEMM; layer(x, copy of x) in three
    rng = np.random.default_rng(4)
    layer = MultiHeadAttention(2, 3, value_dim=4, use_bias=use_bias, output_shape=5,
                               dtype="float64")
    x0 = rng.normal(size=(3, 6, 7))
    allowed = rng.random((3, 6, 6)) > 0.3
    g = rng.normal(size=(3, 6, 5))
    results = []
    for fused in (True, False):
        x = nr.tensor(x0, requires_grad=True)
        other = x if fused else nr.tensor(x0, requires_grad=True)
        out, scores = layer(x, other, attention_mask=allowed, use_causal_mask=True,
                            return_attention_scores=True)
        for w in layer.weights:
            w.grad = None
        (out * nr.tensor(g)).sum().backward()
        grad_x = x.grad if fused else x.grad + other.grad
        results.append([out.data, scores.data, grad_x] + [w.grad for w in layer.weights])
    assert len(results[0]) == 2 + 1 + (8 if use_bias else 4)
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_mha_cross_attention_with_separate_key_and_value():
    rng = np.random.default_rng(6)
    layer = MultiHeadAttention(2, 3, dtype="float64")
    q, k, v = rng.normal(size=(2, 4, 5)), rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 6, 7))
    out = layer(nr.tensor(q), nr.tensor(v), key=nr.tensor(k))
    w = layer.get_weights()

    def heads(x, kernel, bias):  # (B, T, d) -> (B, heads, T, k)
        return np.swapaxes(np.einsum("btd,dhk->bthk", x, kernel) + bias, 1, 2)

    qh, kh, vh = heads(q, *w[0:2]), heads(k, *w[2:4]), heads(v, *w[4:6])
    s = qh @ np.swapaxes(kh, -1, -2) / np.sqrt(3)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    ref = np.einsum("bhtk,hko->bto", p @ vh, w[6]) + w[7]
    assert out.shape == (2, 4, 5)
    np.testing.assert_allclose(out.data, ref, rtol=1e-10)


def test_mha_attention_scores_and_float32():
    layer = MultiHeadAttention(2, 4)
    x = nr.randn(3, 5, 6)
    out, scores = layer(x, x, return_attention_scores=True, use_causal_mask=True)
    assert out.shape == (3, 5, 6) and out.dtype == np.float32
    assert scores.shape == (3, 2, 5, 5)
    np.testing.assert_allclose(scores.data.sum(-1), 1.0, rtol=1e-5)
    assert not np.triu(scores.data[0, 0], 1).any()


def test_mha_uses_the_embedding_mask_and_returns_the_query_mask():
    nr.utils.set_seed(0)
    ids = np.array([[4, 2, 0, 0]])
    emb = Embedding(5, 4, mask_zero=True)
    layer = MultiHeadAttention(2, 2)
    x = emb(ids)
    _, scores = layer(x, x, return_attention_scores=True)
    assert not scores.data[0, :, :2, 2:].any()  # padding keys get no weight
    assert not scores.data[0, :, 2:].any()      # padding queries attend to nothing
    np.testing.assert_array_equal(layer(x, x)._keras_mask, [[True, True, False, False]])
    # the same through a functional model
    inputs = nr.Input(shape=(4,), dtype="int64")
    h = emb(inputs)
    model = nr.Model(inputs, layer(h, h))
    out = model(ids)
    np.testing.assert_allclose(out.data, layer(x, x).data, rtol=1e-6)


def test_mha_dropout_is_seeded_and_only_in_training():
    x = nr.randn(2, 4, 6)
    a = MultiHeadAttention(2, 3, dropout=0.5, seed=3)
    a(x, x)
    b = MultiHeadAttention(2, 3, dropout=0.5, seed=3)
    b(x, x)
    b.set_weights(a.get_weights())
    np.testing.assert_allclose(a(x, x, training=True).data, b(x, x, training=True).data)
    np.testing.assert_allclose(a(x, x).data, a(x, x, training=False).data)
    assert not np.allclose(a(x, x, training=True).data, a(x, x).data)


def test_attention_matches_numpy_with_masks():
    rng = np.random.default_rng(0)
    q, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    q_mask = np.array([[True, True, False], [True, True, True]])
    v_mask = np.array([[True, False, True, True, False], [True] * 5])
    layer = Attention(dtype="float64")
    out = layer([q, v], mask=[q_mask, v_mask], use_causal_mask=True)
    s = q @ v.transpose(0, 2, 1)
    blocked = ~v_mask[:, None, :] | ~np.tri(3, 5, dtype=bool)[None]
    s = s - 1e9 * blocked
    w = np.exp(s - s.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    expected = (w @ v) * q_mask[..., None]
    np.testing.assert_allclose(out.data, expected, atol=1e-12)
    np.testing.assert_array_equal(out._keras_mask if out._keras_mask is not None else q_mask,
                                  q_mask)


def test_additive_attention_matches_numpy():
    rng = np.random.default_rng(0)
    q, v, k = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 4))
    layer = AdditiveAttention(dtype="float64")
    out, scores = layer([q, v, k], return_attention_scores=True)
    scale = layer.get_weights()[0]
    s = (scale * np.tanh(q[:, :, None, :] + k[:, None, :, :])).sum(-1)
    w = np.exp(s - s.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    np.testing.assert_allclose(scores.data, w, atol=1e-12)
    np.testing.assert_allclose(out.data, w @ v, atol=1e-12)


def test_attention_errors():
    with pytest.raises(ValueError, match=r"expects a list \[query, value\]"):
        Attention(name="att")(nr.randn(2, 3, 4))
    with pytest.raises(ValueError, match="score_mode must be 'dot' or 'concat'"):
        Attention(score_mode="general")
    with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\)"):
        AdditiveAttention(dropout=1.5)
    mha = MultiHeadAttention(2, 3, name="mha")
    with pytest.raises(TypeError, match="needs value"):
        mha(nr.randn(2, 3, 4))
    with pytest.raises(ValueError, match=r"expects query of shape \(batch, steps, features\)"):
        mha(nr.randn(3, 4), nr.randn(3, 4))
    mha(nr.randn(2, 3, 4), nr.randn(2, 3, 4))
    with pytest.raises(ValueError, match="built for query with last dimension 4"):
        mha(nr.randn(2, 3, 5), nr.randn(2, 3, 4))
    with pytest.raises(ValueError, match=r"value_mask must have shape \(2, 3\)"):
        mha(nr.randn(2, 3, 4), nr.randn(2, 3, 4), value_mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="only attention over the steps axis"):
        MultiHeadAttention(2, 3, attention_axes=(1, 2))
    with pytest.raises(ValueError, match="num_heads must be a positive integer"):
        MultiHeadAttention(0, 3)
    with pytest.raises(ValueError, match="output_shape must be a positive int"):
        MultiHeadAttention(2, 3, output_shape=(4, 5))
