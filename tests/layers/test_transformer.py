"""Transformer blocks (neurona/layers/transformer.py): declarative checks, PyTorch parity,
masks and a small model learning a task with ``fit``."""

import numpy as np
import pytest

import neurona as nr
from neurona.layers.embedding import Embedding, PositionalEmbedding
from neurona.layers.transformer import TransformerDecoder, TransformerEncoder

from .layercheck import LayerCase, layer_tests
from .test_attention import keras_grads_to_torch_layout, mha_from_torch

torch = pytest.importorskip("torch")

D, FF = 8, 12
ENC_PARAMS = 4 * (D * D + D) + 2 * 2 * D + (D * FF + FF) + (FF * D + D)

CASES = [
    LayerCase("encoder/post_norm", lambda: TransformerEncoder(FF, 2), (2, 5, D), (2, 5, D),
              ENC_PARAMS),
    LayerCase("encoder/pre_norm_gelu", lambda: TransformerEncoder(
        FF, 4, activation="gelu", normalize_first=True), (2, 5, D), (2, 5, D), ENC_PARAMS),
    LayerCase("decoder/decoder_only", lambda: TransformerDecoder(FF, 2), (2, 5, D), (2, 5, D),
              ENC_PARAMS),
]

(test_shape_and_params, test_config_round_trip, test_weights_round_trip, test_save_load,
 test_training_step) = layer_tests(CASES)


def _ffn_and_norms(norms, linear1, linear2):
    out = []
    for n in norms:
        out += [n.weight.detach().numpy().copy(), n.bias.detach().numpy().copy()]
    return out + [linear1.weight.detach().numpy().T.copy(), linear1.bias.detach().numpy().copy(),
                  linear2.weight.detach().numpy().T.copy(), linear2.bias.detach().numpy().copy()]


def _randomize(module):
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.1 * torch.randn_like(p))


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_encoder_matches_torch(norm_first, masked):
    torch.manual_seed(0)
    tl = torch.nn.TransformerEncoderLayer(D, 2, FF, dropout=0.0, batch_first=True,
                                          norm_first=norm_first).double()
    _randomize(tl)
    layer = TransformerEncoder(FF, 2, norm_first=norm_first, dtype="float64")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 6, D))
    layer(x)
    layer.set_weights(mha_from_torch(tl.self_attn)
                      + _ffn_and_norms([tl.norm1, tl.norm2], tl.linear1, tl.linear2))
    keep = np.ones((3, 6), bool)
    keep[0, 4:] = False
    keep[2, 1] = False
    xt = nr.tensor(x, requires_grad=True)
    out = layer(xt, padding_mask=keep if masked else None)
    tx = torch.from_numpy(x).requires_grad_()
    tout = tl(tx, src_key_padding_mask=torch.from_numpy(~keep) if masked else None)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), atol=1e-6, rtol=0)
    g = rng.normal(size=out.shape)
    out.backward(g)
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), atol=1e-6, rtol=0)
    w = layer.weights
    np.testing.assert_allclose(w[-4].grad, tl.linear1.weight.grad.numpy().T, atol=1e-6)
    np.testing.assert_allclose(w[8].grad, tl.norm1.weight.grad.numpy(), atol=1e-6)
    np.testing.assert_allclose(w[6].grad.reshape(D, D), tl.self_attn.out_proj.weight.grad.T
                               .numpy(), atol=1e-6)
    # the query, key and value kernels and biases, projected in one fused GEMM
    in_w, in_b, _, _ = keras_grads_to_torch_layout(layer.self_attention_layer, D)
    np.testing.assert_allclose(in_w, tl.self_attn.in_proj_weight.grad.numpy(), atol=1e-6)
    np.testing.assert_allclose(in_b, tl.self_attn.in_proj_bias.grad.numpy(), atol=1e-6)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_matches_torch(norm_first):
    torch.manual_seed(1)
    tl = torch.nn.TransformerDecoderLayer(D, 2, FF, dropout=0.0, batch_first=True,
                                          norm_first=norm_first).double()
    _randomize(tl)
    layer = TransformerDecoder(FF, 2, normalize_first=norm_first, dtype="float64")
    rng = np.random.default_rng(1)
    x, mem = rng.normal(size=(2, 5, D)), rng.normal(size=(2, 7, D))
    layer(x, mem)
    norm1 = [tl.norm1.weight.detach().numpy().copy(), tl.norm1.bias.detach().numpy().copy()]
    weights = (mha_from_torch(tl.self_attn) + norm1 + mha_from_torch(tl.multihead_attn)
               + _ffn_and_norms([tl.norm2, tl.norm3], tl.linear1, tl.linear2))
    layer.set_weights(weights)
    xt, mt = nr.tensor(x, requires_grad=True), nr.tensor(mem, requires_grad=True)
    out = layer(xt, mt)
    tx, tm = torch.from_numpy(x).requires_grad_(), torch.from_numpy(mem).requires_grad_()
    causal = torch.from_numpy(~np.tri(5, dtype=bool))
    tout = tl(tx, tm, tgt_mask=causal, tgt_is_causal=True)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), atol=1e-6, rtol=0)
    g = rng.normal(size=out.shape)
    out.backward(g)
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(mt.grad, tm.grad.numpy(), atol=1e-6, rtol=0)


def test_encoder_uses_the_embedding_mask():
    nr.utils.set_seed(0)
    ids = np.array([[3, 1, 2, 0, 0]])
    emb = Embedding(5, D, mask_zero=True)
    enc = TransformerEncoder(FF, 2)
    x = emb(ids)
    out = enc(x)
    np.testing.assert_array_equal(out._keras_mask, ids != 0)
    explicit = enc(nr.tensor(x.data), padding_mask=ids != 0).data
    # real steps agree; padded queries also carry the input's mask (query_mask) in the first
    # case, so their (meaningless) outputs differ
    np.testing.assert_allclose(out.data[0, :3], explicit[0, :3], rtol=1e-6)
    # real tokens do not see the padded steps: changing those leaves them unchanged
    changed = x.data.copy()
    changed[0, 3:] += 1.0
    other = enc(nr.tensor(changed), padding_mask=ids != 0).data
    np.testing.assert_allclose(other[0, :3], out.data[0, :3], rtol=1e-5, atol=1e-6)


def test_decoder_is_causal():
    nr.utils.set_seed(0)
    dec = TransformerDecoder(FF, 2)
    x = np.random.default_rng(0).normal(size=(1, 6, D)).astype(np.float32)
    full = dec(x).data
    x2 = x.copy()
    x2[0, 4:] += 1.0  # the future changes; earlier outputs must not
    np.testing.assert_allclose(dec(x2).data[0, :4], full[0, :4], rtol=1e-5, atol=1e-6)


def test_errors():
    with pytest.raises(ValueError, match="must be divisible by num_heads=3"):
        TransformerEncoder(FF, 3, name="enc")(nr.randn(2, 4, D))
    with pytest.raises(ValueError, match=r"expects inputs \(batch, steps, hidden_dim\)"):
        TransformerEncoder(FF, 2)(nr.randn(2, D))
    with pytest.raises(ValueError, match="intermediate_dim must be a positive integer"):
        TransformerEncoder(0, 2)
    dec = TransformerDecoder(FF, 2, name="dec")
    dec(nr.randn(2, 4, D), nr.randn(2, 3, D))
    with pytest.raises(ValueError, match="pass encoder_sequence on every call"):
        dec(nr.randn(2, 4, D))
    with pytest.raises(ValueError, match="expects encoder_sequence"):
        dec(nr.randn(2, 4, D), nr.randn(3, 3, D))


@pytest.mark.slow
def test_small_transformer_learns_to_find_the_largest_token_with_fit():
    """Each sequence's label is the position of its largest token: the model needs
    attention across the sequence (a per-token model cannot do better than chance)."""
    nr.utils.set_seed(0)
    rng = np.random.default_rng(0)
    n, steps, vocab = 1200, 6, 20
    ids = np.stack([rng.permutation(np.arange(1, vocab))[:steps] for _ in range(n)])
    labels = ids.argmax(axis=1)
    inputs = nr.Input(shape=(steps,), dtype="int64")
    x = Embedding(vocab, 32)(inputs)
    x = PositionalEmbedding(steps, 32)(x)
    x = TransformerEncoder(64, 4)(x)
    logits = nr.layers.Dense(1)(x)
    out = nr.layers.Activation("softmax")(nr.layers.Flatten()(logits))
    model = nr.Model(inputs, out)
    model.compile(optimizer=nr.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(ids[:1000], labels[:1000], epochs=15, batch_size=50, verbose=0)
    _, acc = model.evaluate(ids[1000:], labels[1000:], verbose=0)
    assert acc > 0.9, acc


def test_encoder_decoder_model_saves_and_loads(tmp_path):
    nr.utils.set_seed(0)
    src = nr.Input(shape=(5,), dtype="int64", name="src")
    tgt = nr.Input(shape=(4,), dtype="int64", name="tgt")
    enc = TransformerEncoder(FF, 2)(Embedding(9, D, mask_zero=True)(src))
    dec = TransformerDecoder(FF, 2)(Embedding(9, D, mask_zero=True)(tgt), enc)
    model = nr.Model([src, tgt], nr.layers.Dense(9, activation="softmax")(dec))
    assert len(model.get_weights()) == 2 + 16 + 26 + 2
    rng = np.random.default_rng(0)
    xs, xt = rng.integers(0, 9, size=(3, 5)), rng.integers(1, 9, size=(3, 4))
    expected = model.predict([xs, xt], verbose=0)
    model.save(tmp_path / "s2s.neurona")
    loaded = nr.models.load_model(tmp_path / "s2s.neurona")
    np.testing.assert_allclose(loaded.predict([xs, xt], verbose=0), expected, rtol=1e-5,
                               atol=1e-6)
