"""Registry cases, stability and error tests for neurona/functions/loss.py."""

import numpy as np
import pytest

import neurona as nr
import neurona.functions as F
from neurona.functions import loss as L

from .opcheck import OpCase, op_tests

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = TF = None

rng = np.random.default_rng(0)

N, C = 6, 5
LOGITS = rng.normal(size=(N, C)) * 2
LABELS = rng.integers(0, C, size=N)
LOGITS3 = rng.normal(size=(2, 3, C))  # (batch, time, classes)
LABELS3 = rng.integers(0, C, size=(2, 3))
LOGITS_VIEW = (rng.normal(size=(C, N)) * 2).T  # non-contiguous (N, C)
VECTOR = rng.normal(size=(C,))
LABEL0 = np.array(3)
IGNORED = np.where(np.arange(N) % 3 == 1, -100, LABELS)  # two positions ignored
PROBS = rng.dirichlet(np.ones(C), size=N)
PROBS3 = rng.dirichlet(np.ones(C), size=(2, 3))
ONE_HOT = np.eye(C)[LABELS]

BIN = rng.normal(size=(4, 3)) * 3
BIN_T = rng.uniform(0, 1, size=(4, 3))
BIN_VIEW = (rng.normal(size=(3, 4)) * 3).T
BIN_HARD = rng.integers(0, 2, size=(4, 3)).astype(np.float64)


def _ref_sce(x, y, eps=0.0, ignore=None, reduction="mean"):
    """Plain NumPy cross-entropy: -sum(targets * log_softmax(x)) per row."""
    n_cls = x.shape[-1]
    s = x - x.max(-1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(-1, keepdims=True))
    if y.dtype.kind == "f":
        t, keep = y, np.ones(x.shape[:-1], bool)
    else:
        keep = np.ones(y.shape, bool) if ignore is None else y != ignore
        t = np.eye(n_cls)[np.where(keep, y, 0)]
    t = t * (1 - eps) + eps / n_cls
    loss = -(t * log_p).sum(-1) * keep
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / max(keep.sum(), 1)


def _torch_sce(eps=0.0, ignore=None, reduction="mean"):
    def fn(x, y):
        if not y.is_floating_point():
            y = y.long()  # torch takes int64 class indices only
        if x.ndim == 1:  # torch's unbatched backward fails on a 0-d target: add a batch of 1
            # (reshape: opcheck hands 0-d arrays to torch with shape (1,))
            out = fn(x[None], y.reshape(1, -1) if y.is_floating_point() else y.reshape(1))
            return out[0] if reduction == "none" else out
        if x.ndim > 2:  # torch wants the class axis at dim 1
            x = x.movedim(-1, 1)
            if y.is_floating_point():
                y = y.movedim(-1, 1)
        kw = {} if ignore is None else {"ignore_index": ignore}
        return TF.cross_entropy(x, y, label_smoothing=eps, reduction=reduction, **kw)

    return fn


def _sce_case(name, x, y, grad=None, **kw):
    return OpCase(
        f"softmax_cross_entropy/{name}",
        lambda a, b: F.softmax_cross_entropy(a, b, **kw),
        [x, y],
        lambda a, b: _ref_sce(a, b, kw.get("label_smoothing", 0.0), kw.get("ignore_index"),
                              kw.get("reduction", "mean")),
        (L.SoftmaxCrossEntropy,),
        TF and _torch_sce(kw.get("label_smoothing", 0.0), kw.get("ignore_index"),
                          kw.get("reduction", "mean")),
        grad=grad,
    )


def _ref_bce(x, t, reduction="mean"):
    p = 1 / (1 + np.exp(-x))
    loss = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](loss)


def _bce_case(name, x, t, reduction="mean", grad=None):
    return OpCase(
        f"sigmoid_binary_cross_entropy/{name}",
        lambda a, b: F.sigmoid_binary_cross_entropy(a, b, reduction=reduction),
        [x, t],
        lambda a, b: _ref_bce(a, b, reduction),
        (L.SigmoidBinaryCrossEntropy,),
        TF and (lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction=reduction)),
        grad=grad,
    )


CASES = [
    _sce_case("mean", LOGITS, LABELS),
    _sce_case("sum", LOGITS, LABELS, reduction="sum"),
    _sce_case("none", LOGITS, LABELS, reduction="none"),
    _sce_case("view", LOGITS_VIEW, LABELS),
    _sce_case("unbatched", VECTOR, LABEL0),
    _sce_case("unbatched_none", VECTOR, LABEL0, reduction="none"),
    _sce_case("3d", LOGITS3, LABELS3),
    _sce_case("3d_none", LOGITS3, LABELS3, reduction="none"),
    _sce_case("smoothing", LOGITS, LABELS, label_smoothing=0.1),
    _sce_case("smoothing_none", LOGITS3, LABELS3, label_smoothing=0.2, reduction="none"),
    _sce_case("ignore_mean", LOGITS, IGNORED, ignore_index=-100),
    _sce_case("ignore_sum", LOGITS, IGNORED, ignore_index=-100, reduction="sum"),
    _sce_case("ignore_none", LOGITS, IGNORED, ignore_index=-100, reduction="none"),
    _sce_case("ignore_smoothing", LOGITS_VIEW, IGNORED, ignore_index=-100,
              label_smoothing=0.1),
    _sce_case("ignore_valid_class", LOGITS, LABELS, ignore_index=int(LABELS[0])),
    _sce_case("int32_labels", LOGITS, LABELS.astype(np.int32), grad=(0,)),
    # probability targets: the targets' gradient is checked too
    _sce_case("probs", LOGITS, PROBS),
    _sce_case("probs_sum", LOGITS_VIEW, PROBS, reduction="sum"),
    _sce_case("probs_none", LOGITS, PROBS, reduction="none"),
    _sce_case("probs_3d", LOGITS3, PROBS3),
    _sce_case("probs_smoothing", LOGITS, PROBS, label_smoothing=0.15),
    _sce_case("one_hot", LOGITS, ONE_HOT, grad=(0,)),
    _sce_case("probs_unbatched", VECTOR, PROBS[0]),
    _bce_case("mean", BIN, BIN_T),
    _bce_case("sum", BIN, BIN_T, reduction="sum"),
    _bce_case("none", BIN, BIN_T, reduction="none"),
    _bce_case("view", BIN_VIEW, BIN_HARD),
    _bce_case("scalar", np.array(-1.3), np.array(1.0)),
    _bce_case("vector", BIN[:, 0], BIN_T[:, 0], reduction="none"),
    _bce_case("logits_only", BIN, BIN_HARD, grad=(0,)),
]


test_forward, test_gradcheck, test_matches_torch = op_tests(CASES)


# -- behaviour ----------------------------------------------------------------------------------


def test_integer_labels_equal_one_hot_targets():
    x = nr.tensor(LOGITS, requires_grad=True)
    F.softmax_cross_entropy(x, LABELS).backward()
    g_sparse = x.grad
    x.grad = None
    F.softmax_cross_entropy(x, ONE_HOT).backward()
    np.testing.assert_allclose(x.grad, g_sparse, rtol=1e-12, atol=1e-15)


def test_backward_is_softmax_minus_onehot_over_n():
    x = nr.tensor(LOGITS, requires_grad=True)
    F.softmax_cross_entropy(x, LABELS).backward()
    p = np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True)
    np.testing.assert_allclose(x.grad, (p - ONE_HOT) / N, rtol=1e-10, atol=1e-15)


def test_labels_may_be_lists_and_tensors():
    x = nr.tensor(LOGITS)
    ref = _ref_sce(LOGITS, LABELS)
    for labels in (LABELS.tolist(), nr.tensor(LABELS), nr.tensor(ONE_HOT)):
        np.testing.assert_allclose(F.softmax_cross_entropy(x, labels).item(), ref, rtol=1e-12)


def test_everything_ignored_gives_zero_loss_and_gradient():
    x = nr.tensor(LOGITS, requires_grad=True)
    loss = F.softmax_cross_entropy(x, np.full(N, -1), ignore_index=-1)
    assert loss.item() == 0.0
    loss.backward()
    np.testing.assert_array_equal(x.grad, np.zeros((N, C)))


def test_empty_batch_gives_zero_mean():
    x = nr.zeros(0, C, requires_grad=True)
    loss = F.softmax_cross_entropy(x, np.zeros(0, np.int64))
    assert loss.item() == 0.0
    loss.backward()
    assert x.grad.shape == (0, C)
    b = nr.zeros(0, requires_grad=True)
    assert F.sigmoid_binary_cross_entropy(b, np.zeros(0)).item() == 0.0


def test_soft_targets_tensor_receives_gradient():
    x = nr.tensor(LOGITS, requires_grad=True)
    t = nr.tensor(PROBS, requires_grad=True)
    F.softmax_cross_entropy(x, t).backward()
    log_p = LOGITS - np.log(np.exp(LOGITS).sum(1, keepdims=True))
    np.testing.assert_allclose(t.grad, -log_p / N, rtol=1e-10)


@pytest.mark.parametrize("fn,labels", [
    (F.softmax_cross_entropy, LABELS),
    (F.softmax_cross_entropy, PROBS),
    (F.sigmoid_binary_cross_entropy, np.random.default_rng(3).uniform(size=(N, C))),
])
def test_float32_stays_float32(fn, labels):
    x = nr.tensor(LOGITS.astype(np.float32), requires_grad=True)
    for reduction in ("mean", "sum", "none"):
        y = fn(x, labels, reduction=reduction)
        assert y.dtype == np.float32
        gx, _ = y.creator.backward(np.ones(y.shape, np.float32))
        assert gx.dtype == np.float32


def test_bce_accepts_integer_and_boolean_targets():
    x = nr.tensor(BIN)
    ref = _ref_bce(BIN, BIN_HARD)
    for t in (BIN_HARD.astype(np.int64), BIN_HARD.astype(bool)):
        np.testing.assert_allclose(F.sigmoid_binary_cross_entropy(x, t).item(), ref,
                                   rtol=1e-12)


# -- numerical stability -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_with_huge_logits(dtype):
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0],
                       [-1000.0, -1000.0, -1000.0]], dtype)
    x = nr.tensor(logits, requires_grad=True)
    loss = F.softmax_cross_entropy(x, np.array([1, 1, 2]), reduction="none")
    np.testing.assert_allclose(loss.data, [2000.0, np.log1p(np.exp(-1.0)), np.log(3.0)],
                               rtol=1e-6)
    loss.sum().backward()
    assert np.all(np.isfinite(x.grad))
    x.grad = None
    loss = F.softmax_cross_entropy(x, np.eye(3, dtype=dtype), label_smoothing=0.1)
    assert np.isfinite(loss.item())
    loss.backward()
    assert np.all(np.isfinite(x.grad))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_huge_logits(dtype):
    x = nr.tensor(np.array([-1000.0, -1000.0, 1000.0, 1000.0, 0.0], dtype), requires_grad=True)
    t = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    loss = F.sigmoid_binary_cross_entropy(x, t, reduction="none")
    np.testing.assert_allclose(loss.data, [0.0, 1000.0, 0.0, 1000.0, np.log(2.0)], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, -1.0, 0.0, 1.0, -0.5], atol=1e-7)


# -- errors --------------------------------------------------------------------------------------


def _sce(logits=LOGITS, labels=LABELS, **kw):
    return F.softmax_cross_entropy(nr.tensor(logits), labels, **kw)


@pytest.mark.parametrize("fn", [
    lambda r: _sce(reduction=r),
    lambda r: F.sigmoid_binary_cross_entropy(nr.tensor(BIN), BIN_T, reduction=r),
])
def test_unknown_reduction_lists_the_valid_ones(fn):
    with pytest.raises(ValueError, match=r"unknown reduction 'avg'; valid reductions are "
                                         r"'mean', 'sum' and 'none'"):
        fn("avg")


def test_label_out_of_range_names_value_position_and_classes():
    bad = LABELS.copy()
    bad[4] = 7
    with pytest.raises(ValueError, match=r"softmax_cross_entropy: label 7 at position \(4,\) is "
                                         r"out of range for 5 classes \(valid labels are 0 to "
                                         r"4\)"):
        _sce(labels=bad)
    bad3 = LABELS3.copy()
    bad3[1, 2] = -1
    with pytest.raises(ValueError, match=r"label -1 at position \(1, 2\) is out of range for 5 "
                                         r"classes \(valid labels are 0 to 4 or "
                                         r"ignore_index=-100\)"):
        _sce(LOGITS3, bad3, ignore_index=-100)
    with pytest.raises(ValueError, match=r"label 5 at position \(\) is out of range"):
        _sce(VECTOR, np.array(5))


def test_integer_labels_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"integer labels must have shape \(6,\) \(one class "
                                         r"index per row of logits of shape \(6, 5\)\), got "
                                         r"shape \(6, 1\)\. Reshape them with "
                                         r"labels.reshape\(6,\)"):
        _sce(labels=LABELS[:, None])
    with pytest.raises(ValueError, match=r"got shape \(6, 5\)\. They have the logits' shape, so "
                                         r"they look one-hot encoded"):
        _sce(labels=ONE_HOT.astype(np.int64))
    with pytest.raises(ValueError, match=r"integer labels must have shape \(6,\) .* got shape "
                                         r"\(3,\)\.$"):
        _sce(labels=LABELS[:3])


def test_float_targets_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"float targets must have the logits' shape \(6, 5\) "
                                         r"\(a distribution over the 5 classes per row\), got "
                                         r"shape \(6,\)\. They have one value per row, so they "
                                         r"look like class indices: pass them as integers"):
        _sce(labels=LABELS.astype(np.float64))
    with pytest.raises(ValueError, match=r"float targets must have the logits' shape \(6, 5\) "
                                         r".*got shape \(5,\)\.$"):
        _sce(labels=PROBS[0])  # would broadcast silently


def test_ignore_index_needs_integer_labels():
    with pytest.raises(ValueError, match=r"ignore_index works with integer class labels only; "
                                         r"got float targets of shape \(6, 5\)"):
        _sce(labels=PROBS, ignore_index=-100)


def test_other_softmax_cross_entropy_errors():
    with pytest.raises(TypeError, match=r"softmax_cross_entropy: labels must be integer class "
                                        r"indices or float probabilities, got dtype bool"):
        _sce(labels=LABELS > 2)
    with pytest.raises(TypeError, match=r"softmax_cross_entropy: logits must be floating point "
                                        r"\(raw scores\), got dtype int64"):
        F.softmax_cross_entropy(nr.tensor(LABELS3), LABELS3[:, 0])
    with pytest.raises(ValueError, match=r"logits need a non-empty class axis \(the last one\), "
                                         r"got shape \(\)"):
        _sce(np.array(1.0), np.array(0))
    with pytest.raises(ValueError, match=r"got shape \(6, 0\)"):
        _sce(np.zeros((6, 0)), LABELS)
    for eps in (-0.1, 1.5):
        with pytest.raises(ValueError, match=rf"label_smoothing must be in \[0, 1\], got {eps}"):
            _sce(label_smoothing=eps)


def test_bce_refuses_shapes_that_would_broadcast():
    with pytest.raises(ValueError, match=r"sigmoid_binary_cross_entropy: logits have shape "
                                         r"\(4, 1\) but targets have shape \(4,\); they must "
                                         r"match exactly.*targets.reshape\(4, 1\)"):
        F.sigmoid_binary_cross_entropy(nr.tensor(BIN[:, :1]), BIN_T[:, 0])
    with pytest.raises(ValueError, match=r"logits have shape \(4, 3\) but targets have shape "
                                         r"\(3,\).*different numbers of elements"):
        F.sigmoid_binary_cross_entropy(nr.tensor(BIN), BIN_T[0])


def test_bce_type_errors():
    with pytest.raises(TypeError, match=r"sigmoid_binary_cross_entropy: targets must be numbers "
                                        r"in \[0, 1\], got dtype <U1"):
        F.sigmoid_binary_cross_entropy(nr.tensor([1.0]), np.array(["a"]))
    with pytest.raises(TypeError, match=r"sigmoid_binary_cross_entropy: logits must be floating "
                                        r"point \(raw scores\), got dtype int64"):
        F.sigmoid_binary_cross_entropy(nr.tensor([1]), np.array([1.0]))
    with pytest.raises(TypeError, match=r"logits must be a Tensor or an array, got list"):
        F.sigmoid_binary_cross_entropy([1.0], [1.0])


def test_labels_that_are_not_arrays():
    with pytest.raises(TypeError, match=r"softmax_cross_entropy: could not turn labels of type "
                                        r"list into an array"):
        _sce(labels=[[0, 1], [2]])
    with pytest.raises(TypeError, match=r"sigmoid_binary_cross_entropy: could not turn targets "
                                        r"of type list into an array"):
        F.sigmoid_binary_cross_entropy(nr.tensor([1.0, 2.0]), [[0.0], [1.0, 0.0]])
