"""Tests for neurona/losses.py: values against NumPy versions of Keras's formulas and against
PyTorch, gradients, reductions and sample weights, dtypes, shape checks, lookups."""

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import neurona as nr
from neurona import losses
from neurona.testing import gradcheck

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = TF = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed (the dev extra)")

EPS = 1e-7


# -- NumPy references, written from Keras's formulas ---------------------------------------------


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _log_softmax(x, axis=-1):
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def np_mse(t, p):
    return ((t - p) ** 2).mean(-1)


def np_mae(t, p):
    return np.abs(t - p).mean(-1)


def np_mape(t, p):
    return 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1)


def np_msle(t, p):
    return ((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2).mean(-1)


def np_huber(t, p, delta=1.0):
    e = p - t
    a = np.abs(e)
    return np.where(a <= delta, 0.5 * e**2, delta * a - 0.5 * delta**2).mean(-1)


def np_log_cosh(t, p):
    return np.log(np.cosh(p - t)).mean(-1)


def _bce_terms(t, p, from_logits):
    if from_logits:
        p = _sigmoid(p)
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def np_bce(t, p, from_logits=False, label_smoothing=0.0, axis=-1):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    return _bce_terms(t, p, from_logits).mean(axis)


def np_focal(t, p, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
             label_smoothing=0.0):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    prob = _sigmoid(p) if from_logits else p
    bce = _bce_terms(t, prob, False)
    p_t = t * prob + (1 - t) * (1 - prob)
    loss = (1 - p_t) ** gamma * bce
    if apply_class_balancing:
        loss = (t * alpha + (1 - t) * (1 - alpha)) * loss
    return loss.mean(-1)


def np_cce(t, p, from_logits=False, label_smoothing=0.0, axis=-1):
    if label_smoothing:
        t = t * (1 - label_smoothing) + label_smoothing / t.shape[axis]
    if from_logits:
        log_p = _log_softmax(p, axis)
    else:
        log_p = np.log(np.clip(p / p.sum(axis, keepdims=True), EPS, 1 - EPS))
    return -(t * log_p).sum(axis)


def np_scce(labels, p, from_logits=False):
    labels = np.asarray(labels).astype(np.int64).reshape(p.shape[:-1])  # (batch, 1) squeezed
    return np_cce(np.eye(p.shape[-1])[labels], p, from_logits)


def np_kl(t, p):
    t = np.clip(t, EPS, 1)
    p = np.clip(p, EPS, 1)
    return (t * np.log(t / p)).sum(-1)


def np_poisson(t, p):
    return (p - t * np.log(p + EPS)).mean(-1)


def np_cosine(t, p, axis=-1):
    def unit(v):
        return v / np.maximum(np.sqrt((v * v).sum(axis, keepdims=True)), EPS)

    return -(unit(t) * unit(p)).sum(axis)


def _signed(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def np_hinge(t, p):
    return np.maximum(1 - _signed(t) * p, 0).mean(-1)


def np_squared_hinge(t, p):
    return (np.maximum(1 - _signed(t) * p, 0) ** 2).mean(-1)


def np_categorical_hinge(t, p):
    pos = (t * p).sum(-1)
    neg = ((1 - t) * p).max(-1)
    return np.maximum(neg - pos + 1, 0)


# -- data (fixed seeds), kept away from kinks so central differences hold ----------------------

rng = np.random.default_rng(0)
B, D, C = 5, 3, 4

REG_T = rng.normal(size=(B, D))
REG_P = REG_T + rng.choice([-1, 1], size=(B, D)) * rng.uniform(0.05, 2.5, size=(B, D))
POS_T = rng.uniform(0.1, 3.0, size=(B, D))  # MSLE / Poisson / MAPE want positive values
POS_P = rng.uniform(0.1, 3.0, size=(B, D))
PROB_P = rng.uniform(0.05, 0.95, size=(B, D))
SOFT_T = rng.uniform(0, 1, size=(B, D))
HARD_T = rng.integers(0, 2, size=(B, D)).astype(np.float64)
LOGITS_B = rng.normal(size=(B, D)) * 2
LABELS = rng.integers(0, C, size=B)
ONE_HOT = np.eye(C)[LABELS]
PROBS = rng.dirichlet(np.ones(C), size=B)
LOGITS = rng.normal(size=(B, C)) * 2
DIST_T = rng.dirichlet(np.ones(C), size=B)
SIGNED_T = rng.choice([-1.0, 1.0], size=(B, D))


def _off_kink(t, scores, gap=0.1):
    """Scores whose margin 1 - t * score stays at least ``gap`` from 0 (hinge's kink)."""
    margin = 1 - t * scores
    return np.where(np.abs(margin) < gap, scores - t * 2 * gap, scores)


HINGE_P = _off_kink(SIGNED_T, rng.normal(size=(B, D)) * 1.5)
CH_P = rng.normal(size=(B, C)) * 2


# name, function, class, kwargs, y_true, y_pred, NumPy reference of the per-sample losses
CASES = [
    ("mse", losses.mean_squared_error, losses.MeanSquaredError, {}, REG_T, REG_P, np_mse),
    ("mae", losses.mean_absolute_error, losses.MeanAbsoluteError, {}, REG_T, REG_P, np_mae),
    ("mape", losses.mean_absolute_percentage_error, losses.MeanAbsolutePercentageError, {},
     POS_T, POS_P, np_mape),
    ("msle", losses.mean_squared_logarithmic_error, losses.MeanSquaredLogarithmicError, {},
     POS_T, POS_P, np_msle),
    ("huber", losses.huber, losses.Huber, {}, REG_T, REG_P, np_huber),
    ("huber_delta", losses.huber, losses.Huber, {"delta": 0.7}, REG_T, REG_P,
     lambda t, p: np_huber(t, p, 0.7)),
    ("log_cosh", losses.log_cosh, losses.LogCosh, {}, REG_T, REG_P, np_log_cosh),
    ("bce", losses.binary_crossentropy, losses.BinaryCrossentropy, {}, SOFT_T, PROB_P, np_bce),
    ("bce_hard", losses.binary_crossentropy, losses.BinaryCrossentropy, {}, HARD_T, PROB_P,
     np_bce),
    ("bce_logits", losses.binary_crossentropy, losses.BinaryCrossentropy,
     {"from_logits": True}, SOFT_T, LOGITS_B, lambda t, p: np_bce(t, p, True)),
    ("bce_smoothing", losses.binary_crossentropy, losses.BinaryCrossentropy,
     {"label_smoothing": 0.2}, HARD_T, PROB_P, lambda t, p: np_bce(t, p, False, 0.2)),
    ("bce_logits_smoothing", losses.binary_crossentropy, losses.BinaryCrossentropy,
     {"from_logits": True, "label_smoothing": 0.1}, HARD_T, LOGITS_B,
     lambda t, p: np_bce(t, p, True, 0.1)),
    ("bce_axis0", losses.binary_crossentropy, losses.BinaryCrossentropy, {"axis": 0}, SOFT_T,
     PROB_P, lambda t, p: np_bce(t, p, axis=0)),
    ("focal", losses.binary_focal_crossentropy, losses.BinaryFocalCrossentropy, {}, HARD_T,
     PROB_P, np_focal),
    ("focal_logits_balanced", losses.binary_focal_crossentropy, losses.BinaryFocalCrossentropy,
     {"from_logits": True, "apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5},
     HARD_T, LOGITS_B, lambda t, p: np_focal(t, p, True, 0.3, 1.5, True)),
    ("focal_smoothing_gamma0", losses.binary_focal_crossentropy, losses.BinaryFocalCrossentropy,
     {"gamma": 0.0, "label_smoothing": 0.1}, SOFT_T, PROB_P,
     lambda t, p: np_focal(t, p, gamma=0.0, label_smoothing=0.1)),
    ("cce", losses.categorical_crossentropy, losses.CategoricalCrossentropy, {}, ONE_HOT, PROBS,
     np_cce),
    ("cce_soft_unnormalised", losses.categorical_crossentropy, losses.CategoricalCrossentropy,
     {}, DIST_T, PROBS * 1.7, np_cce),
    ("cce_logits", losses.categorical_crossentropy, losses.CategoricalCrossentropy,
     {"from_logits": True}, DIST_T, LOGITS, lambda t, p: np_cce(t, p, True)),
    ("cce_smoothing", losses.categorical_crossentropy, losses.CategoricalCrossentropy,
     {"label_smoothing": 0.1}, ONE_HOT, PROBS, lambda t, p: np_cce(t, p, False, 0.1)),
    ("cce_logits_smoothing", losses.categorical_crossentropy, losses.CategoricalCrossentropy,
     {"from_logits": True, "label_smoothing": 0.2}, ONE_HOT, LOGITS,
     lambda t, p: np_cce(t, p, True, 0.2)),
    ("cce_axis0", losses.categorical_crossentropy, losses.CategoricalCrossentropy,
     {"axis": 0}, ONE_HOT.T, PROBS.T, lambda t, p: np_cce(t, p, axis=0)),
    ("cce_logits_axis0", losses.categorical_crossentropy, losses.CategoricalCrossentropy,
     {"axis": 0, "from_logits": True}, DIST_T.T, LOGITS.T,
     lambda t, p: np_cce(t, p, True, axis=0)),
    ("scce", losses.sparse_categorical_crossentropy, losses.SparseCategoricalCrossentropy, {},
     LABELS, PROBS, np_scce),
    ("scce_logits", losses.sparse_categorical_crossentropy, losses.SparseCategoricalCrossentropy,
     {"from_logits": True}, LABELS, LOGITS, lambda t, p: np_scce(t, p, True)),
    ("scce_column_labels", losses.sparse_categorical_crossentropy,
     losses.SparseCategoricalCrossentropy, {}, LABELS[:, None], PROBS, np_scce),
    ("scce_float_labels", losses.sparse_categorical_crossentropy,
     losses.SparseCategoricalCrossentropy, {"from_logits": True}, LABELS.astype(np.float32),
     LOGITS, lambda t, p: np_scce(t, p, True)),
    ("kld", losses.kl_divergence, losses.KLDivergence, {}, DIST_T, PROBS, np_kl),
    ("poisson", losses.poisson, losses.Poisson, {}, POS_T, POS_P, np_poisson),
    ("cosine", losses.cosine_similarity, losses.CosineSimilarity, {}, REG_T, REG_P, np_cosine),
    ("cosine_axis0", losses.cosine_similarity, losses.CosineSimilarity, {"axis": 0}, REG_T,
     REG_P, lambda t, p: np_cosine(t, p, 0)),
    ("hinge", losses.hinge, losses.Hinge, {}, SIGNED_T, HINGE_P, np_hinge),
    ("hinge_01_labels", losses.hinge, losses.Hinge, {}, (SIGNED_T + 1) / 2, HINGE_P, np_hinge),
    ("squared_hinge", losses.squared_hinge, losses.SquaredHinge, {}, SIGNED_T, HINGE_P,
     np_squared_hinge),
    ("categorical_hinge", losses.categorical_hinge, losses.CategoricalHinge, {}, ONE_HOT, CH_P,
     np_categorical_hinge),
]
IDS = [c[0] for c in CASES]

# every loss class of the module appears in some case
assert {c[2] for c in CASES} == {losses.get(n).__class__ for n in losses._CLASSES}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_function_matches_keras_formula(case):
    _, fn, _, kwargs, t, p, ref = case
    out = fn(t, nr.tensor(p), **kwargs)
    expected = ref(t, p)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_class_reductions(case):
    _, _, cls, kwargs, t, p, ref = case
    per_sample = ref(t, p)
    y_pred = nr.tensor(p)
    for reduction, expected in [
        ("sum_over_batch_size", per_sample.mean()),
        ("mean", per_sample.mean()),
        ("sum", per_sample.sum()),
        (None, per_sample),
        ("none", per_sample),
    ]:
        out = cls(reduction=reduction, **kwargs)(t, y_pred)
        np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12,
                                   err_msg=str(reduction))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sample_weights_multiply_before_the_reduction(case):
    _, _, cls, kwargs, t, p, ref = case
    per_sample = ref(t, p)
    w = np.random.default_rng(5).uniform(0.1, 2.0, size=per_sample.shape[:1])
    wb = w.reshape(w.shape + (1,) * (per_sample.ndim - 1))
    y_pred = nr.tensor(p)
    weighted = per_sample * wb
    np.testing.assert_allclose(cls(**kwargs)(t, y_pred, sample_weight=w).item(),
                               weighted.sum() / per_sample.size, rtol=1e-10)
    np.testing.assert_allclose(cls(reduction="sum", **kwargs)(t, y_pred, sample_weight=w).item(),
                               weighted.sum(), rtol=1e-10)
    np.testing.assert_allclose(
        cls(reduction="mean_with_sample_weight", **kwargs)(t, y_pred, sample_weight=w).item(),
        weighted.sum() / np.broadcast_to(wb, per_sample.shape).sum(), rtol=1e-10)
    np.testing.assert_allclose(cls(reduction=None, **kwargs)(t, y_pred, sample_weight=w).data,
                               weighted, rtol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradcheck(case):
    _, _, cls, kwargs, t, p, ref = case
    w = np.random.default_rng(6).uniform(0.5, 1.5, size=ref(t, p).shape[:1])
    loss = cls(**kwargs)
    y_pred = nr.tensor(p.copy(), requires_grad=True)
    assert gradcheck(lambda y: loss(t, y), [y_pred])
    assert gradcheck(lambda y: loss(t, y, sample_weight=w), [y_pred])
    assert gradcheck(lambda y: cls(reduction=None, **kwargs)(t, y), [y_pred])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_float32_stays_float32(case):
    _, fn, cls, kwargs, t, p, ref = case
    y_pred = nr.tensor(p.astype(np.float32), requires_grad=True)
    assert fn(t, y_pred, **kwargs).dtype == np.float32
    weights = np.ones(ref(t, p).shape[:1])  # float64 weights must not upcast
    loss = cls(**kwargs)(t, y_pred, sample_weight=weights)
    assert loss.dtype == np.float32
    loss.backward()
    assert y_pred.grad.dtype == np.float32
    np.testing.assert_allclose(loss.item(), ref(t, p).mean(), rtol=2e-5)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_y_true_as_list_array_or_tensor(case):
    _, _, cls, kwargs, t, p, ref = case
    expected = ref(t, p).mean()
    y_pred = nr.tensor(p)
    for y_true in (t, t.tolist(), nr.tensor(t)):
        np.testing.assert_allclose(cls(**kwargs)(y_true, y_pred).item(), expected, rtol=1e-10)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_config_round_trip(case):
    _, _, cls, kwargs, t, p, _ = case
    loss = cls(reduction="sum", name="my_loss", **kwargs)
    config = loss.get_config()
    json.dumps(config)  # JSON-able
    again = cls.from_config(config)
    assert again.get_config() == config
    rebuilt = losses.deserialize(json.loads(json.dumps(losses.serialize(loss))))
    assert type(rebuilt) is cls and rebuilt.get_config() == config
    y_pred = nr.tensor(p)
    np.testing.assert_allclose(rebuilt(t, y_pred).data, loss(t, y_pred).data, rtol=1e-12)


# -- PyTorch ------------------------------------------------------------------------------------


def _t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


TORCH_CASES = [
    ("mse", losses.MeanSquaredError(), REG_T, REG_P, lambda t, p: TF.mse_loss(p, t)),
    ("mae", losses.MeanAbsoluteError(), REG_T, REG_P, lambda t, p: TF.l1_loss(p, t)),
    ("huber", losses.Huber(), REG_T, REG_P, lambda t, p: TF.huber_loss(p, t)),
    ("huber_delta", losses.Huber(delta=0.7), REG_T, REG_P,
     lambda t, p: TF.huber_loss(p, t, delta=0.7)),
    ("msle", losses.MeanSquaredLogarithmicError(), POS_T, POS_P,
     lambda t, p: TF.mse_loss(torch.log1p(p), torch.log1p(t))),
    ("bce", losses.BinaryCrossentropy(), SOFT_T, PROB_P,
     lambda t, p: TF.binary_cross_entropy(p, t)),
    ("bce_logits", losses.BinaryCrossentropy(from_logits=True), SOFT_T, LOGITS_B,
     lambda t, p: TF.binary_cross_entropy_with_logits(p, t)),
    ("bce_logits_smoothing", losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
     HARD_T, LOGITS_B, lambda t, p: TF.binary_cross_entropy_with_logits(p, t * 0.9 + 0.05)),
    # log_softmax(log p) = log(p / sum p): Keras's normalisation of probabilities
    ("cce_probs", losses.CategoricalCrossentropy(), DIST_T, PROBS * 1.3,
     lambda t, p: TF.cross_entropy(torch.log(p), t)),
    ("cce_logits", losses.CategoricalCrossentropy(from_logits=True), DIST_T, LOGITS,
     lambda t, p: TF.cross_entropy(p, t)),
    ("cce_logits_smoothing",
     losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.15), ONE_HOT, LOGITS,
     lambda t, p: TF.cross_entropy(p, t, label_smoothing=0.15)),
    ("scce_probs", losses.SparseCategoricalCrossentropy(), LABELS, PROBS,
     lambda t, p: TF.cross_entropy(torch.log(p), t.long())),
    ("scce_logits", losses.SparseCategoricalCrossentropy(from_logits=True), LABELS, LOGITS,
     lambda t, p: TF.cross_entropy(p, t.long())),
    ("kld", losses.KLDivergence(), DIST_T, PROBS,
     lambda t, p: TF.kl_div(torch.log(p), t, reduction="batchmean")),
    # Keras adds epsilon = 1e-7 inside the log; torch's default is 1e-8
    ("poisson", losses.Poisson(), POS_T, POS_P,
     lambda t, p: TF.poisson_nll_loss(p, t, log_input=False, eps=1e-7)),
    ("cosine", losses.CosineSimilarity(), REG_T, REG_P,
     lambda t, p: -TF.cosine_similarity(p, t, dim=-1).mean()),
    # torch has no log-cosh loss: its own log and cosh
    ("log_cosh", losses.LogCosh(), REG_T, REG_P, lambda t, p: torch.log(torch.cosh(p - t)).mean()),
]
# No torch counterpart with the same formula: MAPE, the hinge family (hinge_embedding_loss and
# multi_margin_loss are different losses) and the binary focal loss.


@needs_torch
@pytest.mark.parametrize("case", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_matches_torch(case):
    _, loss, t, p, torch_fn = case
    y_pred = nr.tensor(p.copy(), requires_grad=True)
    ours = loss(t, y_pred)
    ours.backward()
    tp = _t(p, grad=True)
    theirs = torch_fn(_t(t), tp)
    theirs.backward()
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-10)
    np.testing.assert_allclose(y_pred.grad, tp.grad.numpy(), rtol=1e-8, atol=1e-14)


@needs_torch
def test_ignore_class_matches_torch_ignore_index():
    labels = LABELS.copy()
    labels[[1, 3]] = -1
    for from_logits, p in ((True, LOGITS), (False, PROBS)):
        y_pred = nr.tensor(p.copy(), requires_grad=True)
        loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=-1)
        ours = loss(labels, y_pred)
        ours.backward()
        tp = _t(p, grad=True)
        scores = tp if from_logits else torch.log(tp)
        theirs = TF.cross_entropy(scores, torch.tensor(labels), ignore_index=-1)
        theirs.backward()
        np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-10)
        np.testing.assert_allclose(y_pred.grad, tp.grad.numpy(), rtol=1e-8, atol=1e-14)
        assert not y_pred.grad[[1, 3]].any()


# -- Keras's documented values -------------------------------------------------------------------


def test_keras_documented_values():
    yt = np.array([[0, 1], [0, 0]])
    logits = nr.tensor([[-18.6, 0.51], [2.94, -12.8]])
    bce = losses.BinaryCrossentropy(from_logits=True)
    assert bce(yt, logits).item() == pytest.approx(0.8654, abs=2e-4)
    assert bce(yt, logits, sample_weight=[0.8, 0.2]).item() == pytest.approx(0.243, abs=1e-3)
    focal = losses.BinaryFocalCrossentropy(gamma=3, from_logits=True)
    assert focal(yt, logits).item() == pytest.approx(0.647, abs=1e-3)
    assert focal(yt, logits, sample_weight=[0.8, 0.2]).item() == pytest.approx(0.133, abs=1e-3)
    balanced = losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=5,
                                              from_logits=True, reduction=None)
    np.testing.assert_allclose(balanced(yt, logits).data, [0.0004, 0.8670], atol=1e-4)
    yt3 = [[0, 1, 0], [0, 0, 1]]
    probs = nr.tensor([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    cce = losses.CategoricalCrossentropy()
    assert cce(yt3, probs).item() == pytest.approx(1.177, abs=1e-3)
    assert cce(yt3, probs, sample_weight=np.array([0.3, 0.7])).item() == pytest.approx(0.814,
                                                                                        abs=1e-3)
    scce = losses.SparseCategoricalCrossentropy(reduction="sum")
    assert scce([1, 2], probs).item() == pytest.approx(2.354, abs=1e-3)
    pairs = nr.tensor([[0.6, 0.4], [0.4, 0.6]])
    np.testing.assert_allclose(losses.binary_crossentropy(yt, pairs).data, [0.916, 0.714],
                               atol=1e-3)
    assert losses.huber(yt, pairs).data.mean() == pytest.approx(0.155, abs=1e-3)
    cos = losses.cosine_similarity([[0.0, 1.0], [1.0, 1.0], [1.0, 1.0]],
                                   nr.tensor([[1.0, 0.0], [1.0, 1.0], [-1.0, -1.0]]))
    np.testing.assert_allclose(cos.data, [0.0, -1.0, 1.0], atol=1e-6)


# -- behaviour -----------------------------------------------------------------------------------


def test_module_docstring_gives_the_course_table():
    doc = losses.__doc__
    for activation, loss in (("linear", "'mse'"), ("sigmoid", "'binary_crossentropy'"),
                             ("softmax", "'categorical_crossentropy'")):
        line = next(row for row in doc.splitlines() if activation in row and loss in row)
        assert line
    assert "'sparse_categorical_crossentropy'" in doc


def test_logits_versions_equal_probability_versions():
    p_bin = _sigmoid(LOGITS_B)
    np.testing.assert_allclose(losses.BinaryCrossentropy(from_logits=True)(SOFT_T,
                               nr.tensor(LOGITS_B)).item(),
                               losses.BinaryCrossentropy()(SOFT_T, nr.tensor(p_bin)).item(),
                               rtol=1e-9)
    p_cls = np.exp(_log_softmax(LOGITS))
    for cls, t in ((losses.CategoricalCrossentropy, DIST_T),
                   (losses.SparseCategoricalCrossentropy, LABELS)):
        np.testing.assert_allclose(cls(from_logits=True)(t, nr.tensor(LOGITS)).item(),
                                   cls()(t, nr.tensor(p_cls)).item(), rtol=1e-9)


def test_with_logits_keeps_the_other_arguments():
    loss = losses.CategoricalCrossentropy(label_smoothing=0.1, reduction="sum", name="cce")
    fused = loss.with_logits()
    assert type(fused) is losses.CategoricalCrossentropy and fused is not loss
    assert fused.from_logits and not loss.from_logits
    assert fused.get_config() == {**loss.get_config(), "from_logits": True}
    np.testing.assert_allclose(fused(ONE_HOT, nr.tensor(LOGITS)).item(),
                               loss(ONE_HOT, nr.tensor(np.exp(_log_softmax(LOGITS)))).item(),
                               rtol=1e-9)
    for loss in (losses.BinaryCrossentropy(axis=0), losses.BinaryFocalCrossentropy(gamma=3.0),
                 losses.SparseCategoricalCrossentropy(ignore_class=7)):
        fused = loss.with_logits()
        assert fused.get_config() == {**loss.get_config(), "from_logits": True}
    assert not hasattr(losses.MeanSquaredError(), "with_logits")


@pytest.mark.parametrize("loss,t,p", [
    (losses.SparseCategoricalCrossentropy(from_logits=True), LABELS, LOGITS),
    (losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2,
                                          reduction="sum"), LABELS, LOGITS),
    (losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1), ONE_HOT, LOGITS),
    (losses.CategoricalCrossentropy(from_logits=True, reduction="sum"), DIST_T, LOGITS),
    (losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2), SOFT_T, LOGITS_B),
], ids=["sparse", "sparse_ignore_sum", "categorical", "categorical_sum", "binary"])
def test_fused_path_matches_the_general_one(loss, t, p):
    # without sample weights, logits losses reduce inside the fused primitive: one graph node
    y_pred = nr.tensor(p.copy(), requires_grad=True)
    fused = loss(t, y_pred)
    assert type(fused.creator).__name__ in ("SoftmaxCrossEntropy", "SigmoidBinaryCrossEntropy")
    fused.backward()
    g_fused = y_pred.grad
    y_pred.grad = None
    general = loss(t, y_pred, sample_weight=np.ones(B))
    general.backward()
    np.testing.assert_allclose(fused.item(), general.item(), rtol=1e-12)
    np.testing.assert_allclose(g_fused, y_pred.grad, rtol=1e-10, atol=1e-15)


def test_logits_are_stable_for_huge_scores():
    big = nr.tensor([[1000.0, -1000.0, 0.0]], requires_grad=True)
    out = losses.CategoricalCrossentropy(from_logits=True)([[0, 1, 0]], big)
    assert out.item() == pytest.approx(2000.0)
    out.backward()
    assert np.isfinite(big.grad).all()
    b = nr.tensor([[500.0, -500.0]], requires_grad=True)
    out = losses.BinaryCrossentropy(from_logits=True)([[0.0, 1.0]], b)
    assert out.item() == pytest.approx(500.0)
    out.backward()
    assert np.isfinite(b.grad).all()


def test_probabilities_are_clipped_like_keras():
    # p = 0 and p = 1 give -log(1e-7) (in float64), not inf
    out = losses.binary_crossentropy([[1.0, 0.0]], nr.tensor(np.array([[0.0, 1.0]])))
    assert out.item() == pytest.approx(-math.log(EPS), rel=1e-6)
    out = losses.categorical_crossentropy([[1.0, 0.0]], nr.tensor(np.array([[0.0, 1.0]])))
    assert out.item() == pytest.approx(-math.log(EPS), rel=1e-6)
    # an all-zero row is not a 0 / 0
    out = losses.sparse_categorical_crossentropy([0], nr.tensor([[0.0, 0.0]]))
    assert np.isfinite(out.item())


def test_sparse_labels_int_float_and_column():
    p = nr.tensor(PROBS)
    expected = np_scce(LABELS, PROBS)
    for labels in (LABELS, LABELS.astype(np.int32), LABELS.astype(np.uint8),
                   LABELS.astype(np.float64), LABELS.tolist(), LABELS[:, None], nr.tensor(LABELS),
                   nr.tensor(LABELS.astype(np.float32))):
        np.testing.assert_allclose(losses.sparse_categorical_crossentropy(labels, p).data,
                                   expected, rtol=1e-10)


def test_sparse_sequences_and_unbatched():
    logits = np.random.default_rng(7).normal(size=(2, 3, C))
    labels = np.random.default_rng(8).integers(0, C, size=(2, 3))
    out = losses.sparse_categorical_crossentropy(labels, nr.tensor(logits), from_logits=True)
    np.testing.assert_allclose(out.data, np_scce(labels, logits, True), rtol=1e-10)
    w = np.array([1.0, 3.0])
    total = losses.SparseCategoricalCrossentropy(from_logits=True)(labels, nr.tensor(logits),
                                                                  sample_weight=w)
    np.testing.assert_allclose(total.item(),
                               (np_scce(labels, logits, True) * w[:, None]).sum() / 6, rtol=1e-10)
    one = losses.sparse_categorical_crossentropy(2, nr.tensor(PROBS[0]))
    assert one.shape == ()
    np.testing.assert_allclose(one.item(), -np.log(PROBS[0, 2]), rtol=1e-10)


def test_ignore_class_is_left_out_of_the_mean():
    labels = LABELS.copy()
    labels[0] = 255
    per = np_scce(np.where(labels == 255, 0, labels), LOGITS, True)
    per[0] = 0.0
    fn = losses.sparse_categorical_crossentropy(labels, nr.tensor(LOGITS), from_logits=True,
                                                ignore_class=255)
    np.testing.assert_allclose(fn.data, per, rtol=1e-10)
    for from_logits, p in ((True, LOGITS), (False, np.exp(_log_softmax(LOGITS)))):
        loss = losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=255)
        np.testing.assert_allclose(loss(labels, nr.tensor(p)).item(), per.sum() / (B - 1),
                                   rtol=1e-9)
        w = np.arange(1.0, B + 1)
        np.testing.assert_allclose(loss(labels, nr.tensor(p), sample_weight=w).item(),
                                   (per * w).sum() / (B - 1), rtol=1e-9)
        summed = losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=255,
                                                      reduction="sum")
        np.testing.assert_allclose(summed(labels, nr.tensor(p)).item(), per.sum(), rtol=1e-9)
    for from_logits in (False, True):
        everything = losses.SparseCategoricalCrossentropy(from_logits=from_logits,
                                                          ignore_class=-1)
        y_pred = nr.tensor(PROBS, requires_grad=True)
        out = everything(np.full(B, -1), y_pred)
        assert out.item() == 0.0
        out.backward()
        assert not y_pred.grad.any()


def test_rank1_targets_give_one_loss_per_value():
    t = np.array([1.0, 2.0, 3.0])
    p = nr.tensor([1.5, 2.0, 1.0])
    np.testing.assert_allclose(losses.mse(t, p).data, [0.25, 0.0, 4.0])
    w = np.array([2.0, 1.0, 0.0])
    out = losses.MeanSquaredError()(t, p, sample_weight=w)
    assert out.item() == pytest.approx(0.5 / 3)
    # the same as the (batch, 1) column Keras gets from a Dense(1) output
    column = losses.MeanSquaredError()(t[:, None], nr.tensor(p.data[:, None]), sample_weight=w)
    assert column.item() == pytest.approx(out.item())
    assert losses.mse(2.0, nr.tensor(3.0)).item() == 1.0


def test_sample_weight_forms():
    loss = losses.MeanSquaredError()
    y_pred = nr.tensor(REG_P)
    per = np_mse(REG_T, REG_P)
    w = np.linspace(0.5, 1.5, B)
    for weights in (w, w.tolist(), w[:, None], nr.tensor(w)):
        np.testing.assert_allclose(loss(REG_T, y_pred, sample_weight=weights).item(),
                                   (per * w).sum() / B, rtol=1e-10)
    np.testing.assert_allclose(loss(REG_T, y_pred, sample_weight=2.0).item(), 2 * per.mean(),
                               rtol=1e-10)
    zero = losses.MeanSquaredError(reduction="mean_with_sample_weight")
    assert zero(REG_T, y_pred, sample_weight=np.zeros(B)).item() == 0.0


def test_empty_batch_gives_zero():
    for loss, t, p in ((losses.MeanSquaredError(), np.zeros((0, 3)), np.zeros((0, 3))),
                       (losses.CategoricalCrossentropy(), np.zeros((0, 3)), np.zeros((0, 3))),
                       (losses.SparseCategoricalCrossentropy(), np.zeros(0, np.int64),
                        np.zeros((0, 3))),
                       (losses.BinaryCrossentropy(from_logits=True), np.zeros(0), np.zeros(0))):
        y_pred = nr.tensor(p, requires_grad=True)
        out = loss(t, y_pred)
        assert out.item() == 0.0
        out.backward()
        assert y_pred.grad.shape == p.shape


def test_integer_predictions_are_cast_to_float32():
    out = losses.mse([[1, 2]], np.array([[1, 4]]))
    assert out.dtype == np.float32 and out.item() == 2.0


def test_dtype_argument_casts_predictions():
    y_pred = nr.tensor(REG_P.astype(np.float32), requires_grad=True)
    out = losses.MeanSquaredError(dtype="float64")(REG_T, y_pred)
    assert out.dtype == np.float64
    out.backward()
    assert y_pred.grad.dtype == np.float32


def test_custom_subclass_and_wrapper():
    class MeanCubed(losses.Loss):
        def call(self, y_true, y_pred):
            assert isinstance(y_true, nr.Tensor) and y_true.dtype == y_pred.dtype
            return (abs(y_pred - y_true) ** 3).mean(axis=-1)

    loss = MeanCubed()
    assert loss.name == "mean_cubed"
    y_pred = nr.tensor(REG_P.astype(np.float32))
    out = loss(np.round(REG_T).astype(np.int64), y_pred)
    assert out.dtype == np.float32
    expected = (np.abs(REG_P - np.round(REG_T)) ** 3).mean(-1).mean()
    np.testing.assert_allclose(out.item(), expected, rtol=1e-5)
    with pytest.raises(NotImplementedError, match="Loss must define call"):
        losses.Loss()(REG_T, y_pred)

    def scaled(y_true, y_pred, scale=1.0):
        return scale * ((y_pred - y_true) ** 2).mean(axis=-1)

    wrapped = losses.LossFunctionWrapper(scaled, scale=3.0, reduction="sum")
    assert wrapped.name == "scaled"
    np.testing.assert_allclose(wrapped(REG_T, nr.tensor(REG_P)).item(),
                               3 * np_mse(REG_T, REG_P).sum(), rtol=1e-10)
    config = losses.serialize(wrapped)
    assert config["config"]["fn"] == "scaled"
    again = losses.deserialize(config, custom_objects={"scaled": scaled})
    np.testing.assert_allclose(again(REG_T, nr.tensor(REG_P)).item(),
                               wrapped(REG_T, nr.tensor(REG_P)).item())


# -- lookups -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,cls", [
    ("mse", losses.MeanSquaredError), ("MSE", losses.MeanSquaredError),
    ("mean_squared_error", losses.MeanSquaredError), ("MeanSquaredError", losses.MeanSquaredError),
    ("meansquarederror", losses.MeanSquaredError), ("mae", losses.MeanAbsoluteError),
    ("mape", losses.MeanAbsolutePercentageError), ("msle", losses.MeanSquaredLogarithmicError),
    ("huber", losses.Huber), ("huber_loss", losses.Huber), ("logcosh", losses.LogCosh),
    ("log_cosh", losses.LogCosh), ("binary_crossentropy", losses.BinaryCrossentropy),
    ("categorical_crossentropy", losses.CategoricalCrossentropy),
    ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy),
    ("binary_focal_crossentropy", losses.BinaryFocalCrossentropy), ("hinge", losses.Hinge),
    ("squared_hinge", losses.SquaredHinge), ("categorical_hinge", losses.CategoricalHinge),
    ("kld", losses.KLDivergence), ("kl_divergence", losses.KLDivergence),
    ("kullback_leibler_divergence", losses.KLDivergence), ("poisson", losses.Poisson),
    ("cosine_similarity", losses.CosineSimilarity),
])
def test_get_by_name(name, cls):
    assert type(losses.get(name)) is cls


def test_get_other_identifiers():
    assert losses.get(None) is None
    loss = losses.Huber(delta=2.0)
    assert losses.get(loss) is loss
    assert type(losses.get(losses.Poisson)) is losses.Poisson
    assert type(losses.get(losses.mse)) is losses.MeanSquaredError
    assert type(losses.get(losses.categorical_crossentropy)) is losses.CategoricalCrossentropy
    built = losses.get({"class_name": "Huber", "config": {"delta": 3.0}})
    assert type(built) is losses.Huber and built.delta == 3.0
    assert type(losses.get({"class_name": "function", "config": "mae"})) is \
        losses.MeanAbsoluteError

    def custom(y_true, y_pred):
        return (y_pred - y_true).mean(axis=-1)

    wrapped = losses.get(custom)
    assert isinstance(wrapped, losses.LossFunctionWrapper) and wrapped.fn is custom
    assert losses.serialize(losses.mse) == "mean_squared_error"
    assert losses.serialize("mse") == "mse"
    assert losses.serialize(None) is None
    assert losses.serialize(custom) == "custom"
    assert type(losses.deserialize("binary_crossentropy")) is losses.BinaryCrossentropy


def test_unknown_name_suggests_the_closest():
    with pytest.raises(ValueError, match=r"Unknown loss 'mean_squred_error'\. Did you mean "
                                         r"'mean_squared_error'\? Valid names: .*\bmse\b"):
        losses.get("mean_squred_error")
    with pytest.raises(ValueError, match=r"Did you mean 'BinaryCrossentropy'\?"):
        losses.get("BinaryCrossEntropyy")
    with pytest.raises(ValueError, match=r"Unknown loss 'zzz'\. Valid names: "):
        losses.get("zzz")
    with pytest.raises(ValueError, match=r"Unknown loss 'Hubber'\. Did you mean"):
        losses.deserialize({"class_name": "Hubber", "config": {}})


def test_lookup_type_errors():
    with pytest.raises(TypeError, match="Could not interpret loss identifier 3"):
        losses.get(3)
    with pytest.raises(TypeError, match="must subclass neurona.losses.Loss"):
        losses.get(dict)
    with pytest.raises(TypeError, match="cannot describe"):
        losses.serialize(lambda t, p: p)
    with pytest.raises(ValueError, match="expected a loss name or a dict with 'class_name'"):
        losses.deserialize({"config": {}})
    with pytest.raises(ValueError, match="the config of 'Huber' must be a dict"):
        losses.deserialize({"class_name": "Huber", "config": [1]})
    with pytest.raises(TypeError, match="LossFunctionWrapper: fn must be callable"):
        losses.LossFunctionWrapper(3)


# -- bad input -----------------------------------------------------------------------------------


def test_refuses_shapes_that_would_broadcast():
    msg = (r"mean_squared_error: y_true has shape \(4,\) but y_pred has shape \(4, 1\); they "
           r"must match exactly, because broadcasting would silently compare every prediction "
           r"with every target\. Fix: reshape y_true to y_pred's shape, "
           r"y_true\.reshape\(\(4, 1\)\)")
    with pytest.raises(ValueError, match=msg):
        losses.MeanSquaredError()(np.zeros(4), nr.zeros(4, 1))
    with pytest.raises(ValueError, match=r"binary_crossentropy: y_true has shape \(4, 1\) but "
                                         r"y_pred has shape \(4,\)"):
        losses.binary_crossentropy(np.zeros((4, 1)), nr.zeros(4))
    with pytest.raises(ValueError, match="they hold different numbers of values"):
        losses.mae(np.zeros((3, 2)), nr.zeros(3, 3))


def test_categorical_shape_hints():
    with pytest.raises(ValueError, match=r"looks like integer class labels: use "
                                         r"sparse_categorical_crossentropy"):
        losses.CategoricalCrossentropy()(LABELS, nr.tensor(PROBS))
    with pytest.raises(ValueError, match=r"look one-hot encoded: use categorical_crossentropy"):
        losses.SparseCategoricalCrossentropy()(ONE_HOT, nr.tensor(PROBS))
    with pytest.raises(ValueError, match=r"one integer class label per sample, shape \(5,\) "
                                         r"\(or \(5, 1\)\), for y_pred of shape \(5, 4\); got "
                                         r"shape \(3,\)"):
        losses.sparse_categorical_crossentropy([0, 1, 2], nr.tensor(PROBS))
    with pytest.raises(ValueError, match=r"single class along axis 1 .* use one sigmoid output "
                                         r"with binary_crossentropy"):
        losses.categorical_crossentropy(np.ones((3, 1)), nr.ones(3, 1))


def test_sparse_label_errors():
    with pytest.raises(ValueError, match=r"label 4 at position \(2,\) is out of range for "
                                         r"y_pred with 4 classes \(shape \(5, 4\)\); labels must "
                                         r"be 0 to 3"):
        losses.sparse_categorical_crossentropy([0, 1, 4, 0, 0], nr.tensor(PROBS))
    with pytest.raises(ValueError, match=r"label -1 at position \(0,\) .* or ignore_class=255"):
        losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=255)(
            [-1, 1, 255, 0, 0], nr.tensor(LOGITS))
    with pytest.raises(ValueError, match=r"must hold integer class labels, got 0\.5 at "
                                         r"position \(1,\)"):
        losses.sparse_categorical_crossentropy([0, 0.5, 1, 0, 0], nr.tensor(PROBS))
    with pytest.raises(ValueError, match="y_pred has a single class: for two classes use one "
                                         "sigmoid output"):
        losses.sparse_categorical_crossentropy([0, 1], nr.ones(2, 1))
    with pytest.raises(TypeError, match="ignore_class must be an int or None, got 1.5"):
        losses.SparseCategoricalCrossentropy(ignore_class=1.5)


def test_argument_errors():
    with pytest.raises(ValueError, match=r"Invalid reduction 'avg' for a loss; valid reductions "
                                         r"are 'sum_over_batch_size'"):
        losses.MeanSquaredError(reduction="avg")
    with pytest.raises(ValueError, match=r"binary_crossentropy: label_smoothing must be in "
                                         r"\[0, 1\], got 1.5"):
        losses.BinaryCrossentropy(label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"categorical_crossentropy: label_smoothing must be "
                                         r"in \[0, 1\], got -0.1"):
        losses.categorical_crossentropy(ONE_HOT, nr.tensor(PROBS), label_smoothing=-0.1)
    with pytest.raises(ValueError, match="huber: delta must be positive, got 0.0"):
        losses.huber(REG_T, nr.tensor(REG_P), delta=0)
    with pytest.raises(ValueError, match="gamma must be >= 0, got -1.0"):
        losses.BinaryFocalCrossentropy(gamma=-1)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\], got 2.0"):
        losses.binary_focal_crossentropy(HARD_T, nr.tensor(PROB_P), alpha=2)
    with pytest.raises(ValueError, match=r"categorical_crossentropy: axis 2 is out of range for "
                                         r"y_pred of shape \(5, 4\) \(valid axes are -2 to 1\)"):
        losses.categorical_crossentropy(ONE_HOT, nr.tensor(PROBS), axis=2)
    with pytest.raises(TypeError, match="cosine_similarity: axis must be an int, got True"):
        losses.cosine_similarity(REG_T, nr.tensor(REG_P), axis=True)
    with pytest.raises(ValueError, match=r"kl_divergence: y_pred needs at least one dimension "
                                         r"\(the class or feature axis\), got a scalar"):
        losses.kl_divergence(0.5, nr.tensor(0.5))
    with pytest.raises(ValueError, match=r"mean_squared_error: axis 1 of y_pred is empty "
                                         r"\(shape \(3, 0\)\)"):
        losses.mse(np.zeros((3, 0)), nr.zeros(3, 0))


def test_type_errors():
    with pytest.raises(TypeError, match="mean_squared_error: y_true must hold numbers, got "
                                        "dtype <U1"):
        losses.mse(np.array(["a", "b"]), nr.zeros(2))
    with pytest.raises(TypeError, match="mean_squared_error: y_pred must be a Tensor or an array "
                                        "of numbers, got str"):
        losses.mse([1.0], "x")
    with pytest.raises(TypeError, match="poisson: y_true must be a list, an array or a Tensor"):
        losses.poisson([[1.0], [2.0, 3.0]], nr.zeros(2, 1))
    with pytest.raises(TypeError, match="sample_weight must hold numbers"):
        losses.MeanSquaredError()(REG_T, nr.tensor(REG_P), sample_weight=["a"] * B)
    with pytest.raises(ValueError, match=r"mean_squared_error: sample_weight has shape \(3,\) "
                                         r"but the per-sample losses have shape \(5,\); give one "
                                         r"weight per sample \(shape \(5,\)\)"):
        losses.MeanSquaredError()(REG_T, nr.tensor(REG_P), sample_weight=np.ones(3))
    with pytest.raises(ValueError, match=r"sample_weight has shape \(2,\) but the per-sample "
                                         r"losses have shape \(\); give one weight per sample "
                                         r"\(a single number\)"):
        losses.CategoricalCrossentropy()(ONE_HOT[0], nr.tensor(PROBS[0]), sample_weight=[1, 2])


# -- random shapes and dtypes --------------------------------------------------------------------

PROPERTY_LOSSES = [
    losses.MeanSquaredError(), losses.Huber(), losses.KLDivergence(), losses.BinaryCrossentropy(),
    losses.BinaryCrossentropy(from_logits=True), losses.CategoricalCrossentropy(),
    losses.CategoricalCrossentropy(from_logits=True), losses.SparseCategoricalCrossentropy(),
    losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
]
DTYPES = [np.float32, np.float64, np.int32, np.int64, np.bool_]
shapes = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loss=st.sampled_from(PROPERTY_LOSSES), pred_shape=shapes,
       true_kind=st.sampled_from(["same", "drop_last", "column", "random"]), true_shape=shapes,
       pred_dtype=st.sampled_from(DTYPES), true_dtype=st.sampled_from(DTYPES),
       seed=st.integers(0, 2**16))
def test_random_shapes_give_a_result_or_a_clear_error(loss, pred_shape, true_kind, true_shape,
                                                      pred_dtype, true_dtype, seed):
    r = np.random.default_rng(seed)
    if true_kind == "same":
        true_shape = pred_shape
    elif true_kind == "drop_last":
        true_shape = pred_shape[:-1]
    elif true_kind == "column":
        true_shape = pred_shape[:-1] + (1,)
    # probabilities, or scores of either sign (a probability loss must still stay finite)
    p = (r.uniform(0, 1, size=pred_shape) if r.random() < 0.5
         else r.normal(size=pred_shape) * 3).astype(pred_dtype)
    t = (r.integers(0, 2, size=true_shape) if r.random() < 0.5
         else r.uniform(0, 1, size=true_shape)).astype(true_dtype)
    y_pred = nr.tensor(p, requires_grad=pred_dtype in (np.float32, np.float64))
    try:
        out = loss(t, y_pred)
    except (ValueError, TypeError) as err:
        event(f"{type(err).__name__}: {str(err).split(':')[0]}")
        assert str(err)  # a message, from the loss (never a bare NumPy error)
        assert "operands could not be broadcast" not in str(err)
        return
    event(f"result: {loss.name}")
    assert isinstance(out, nr.Tensor) and out.shape == ()
    assert np.isfinite(out.item())
    assert out.dtype == (np.float64 if pred_dtype == np.float64 else np.float32)
    if y_pred.requires_grad:
        out.backward()
        assert y_pred.grad.shape == p.shape and np.isfinite(y_pred.grad).all()


def test_a_keras_mask_on_the_predictions_leaves_masked_steps_out():
    rng = np.random.default_rng(3)
    p = rng.uniform(0.1, 0.9, size=(2, 4, 3))
    p /= p.sum(-1, keepdims=True)
    labels = np.array([[0, 2, 1, 1], [2, 0, 0, 1]])
    mask = np.array([[True, True, False, False], [True, True, True, False]])
    y_pred = nr.tensor(p)
    y_pred._keras_mask = mask
    nll = -np.log(np.take_along_axis(p, labels[..., None], -1)[..., 0])
    loss = nr.losses.SparseCategoricalCrossentropy()(labels, y_pred)
    assert float(loss.data) == pytest.approx(nll[mask].mean(), rel=1e-12)
    # a mask that does not match the per-step losses' shape is not applied
    y_pred._keras_mask = mask[:, :2]
    loss = nr.losses.SparseCategoricalCrossentropy()(labels, y_pred)
    assert float(loss.data) == pytest.approx(nll.mean(), rel=1e-12)
