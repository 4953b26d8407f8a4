"""Stateful metrics (neurona/metrics.py): values against hand computations and NumPy references,
accumulation over batches, sample weights, reset, configs, lookups and error messages."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurona as nr
from neurona import metrics as M

# ---------------------------------------------------------------------------------------------
# NumPy references
# ---------------------------------------------------------------------------------------------


def exact_roc_auc(y, s, w=None):
    """Probability that a positive outscores a negative (ties count half), weighted pairs."""
    w = np.ones(len(y)) if w is None else np.asarray(w, float)
    pos, neg = y == 1, y == 0
    sp, sn, wp, wn = s[pos], s[neg], w[pos], w[neg]
    pair_w = wp[:, None] * wn[None, :]
    gt = (sp[:, None] > sn[None, :]) + 0.5 * (sp[:, None] == sn[None, :])
    return (pair_w * gt).sum() / pair_w.sum()


def ref_counts(y_true, y_hat, w=None):
    """Per-class tp, fp, fn from 0/1 matrices (batch, classes)."""
    w = np.ones((len(y_true), 1)) if w is None else np.asarray(w, float)[:, None]
    tp = (w * y_hat * y_true).sum(0)
    fp = (w * y_hat * (1 - y_true)).sum(0)
    fn = (w * (1 - y_hat) * y_true).sum(0)
    return tp, fp, fn


def ref_f1(tp, fp, fn):
    denom = 2 * tp + fp + fn
    return np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), 0.0)


def ref_r2(y, p, w=None):
    y, p = np.atleast_2d(y.T).T, np.atleast_2d(p.T).T
    w = np.ones(len(y)) if w is None else np.asarray(w, float)
    mean = (w[:, None] * y).sum(0) / w.sum()
    ss_tot = (w[:, None] * (y - mean) ** 2).sum(0)
    ss_res = (w[:, None] * (y - p) ** 2).sum(0)
    return 1 - ss_res / ss_tot


def onehot(labels, c):
    return np.eye(c)[labels]


# ---------------------------------------------------------------------------------------------
# Data for the generic tests: one factory and one data maker per metric
# ---------------------------------------------------------------------------------------------


def _binary(rng, n):
    y = rng.integers(0, 2, n)
    return y, np.clip(0.5 * y + rng.random(n) * 0.6, 0, 1)


def _multiclass(rng, n, c=4):
    return rng.integers(0, c, n), rng.dirichlet(np.ones(c), n)


def _onehot_data(rng, n, c=4):
    y, p = _multiclass(rng, n, c)
    return onehot(y, c), p


def _regression(rng, n, d=3):
    return rng.normal(size=(n, d)), rng.normal(size=(n, d))


def _positive_regression(rng, n, d=2):
    return rng.random((n, d)) + 0.5, rng.random((n, d)) + 0.5


def _multilabel(rng, n, c=3):
    y = rng.integers(0, 2, (n, c))
    return y, np.clip(0.4 * y + rng.random((n, c)) * 0.7, 0, 1)


CASES = {
    "binary_accuracy": (M.BinaryAccuracy, _binary),
    "binary_accuracy_2d": (M.BinaryAccuracy, _multilabel),
    "categorical_accuracy": (M.CategoricalAccuracy, _onehot_data),
    "sparse_categorical_accuracy": (M.SparseCategoricalAccuracy, _multiclass),
    "top_k": (lambda: M.TopKCategoricalAccuracy(k=2), _onehot_data),
    "sparse_top_k": (lambda: M.SparseTopKCategoricalAccuracy(k=2), _multiclass),
    "accuracy": (M.Accuracy, lambda rng, n: (rng.integers(0, 3, n), rng.integers(0, 3, n))),
    "auto_accuracy": (M.AutoAccuracy, _multiclass),
    "mse": (M.MeanSquaredError, _regression),
    "rmse": (M.RootMeanSquaredError, _regression),
    "mae": (M.MeanAbsoluteError, _regression),
    "mape": (M.MeanAbsolutePercentageError, _positive_regression),
    "msle": (M.MeanSquaredLogarithmicError, _positive_regression),
    "r2": (M.R2Score, _regression),
    "r2_none": (lambda: M.R2Score(class_aggregation=None), _regression),
    "bce": (M.BinaryCrossentropy, _binary),
    "cce": (M.CategoricalCrossentropy, _onehot_data),
    "scce": (lambda: M.SparseCategoricalCrossentropy(from_logits=True),
             lambda rng, n: (rng.integers(0, 3, n), rng.normal(size=(n, 3)))),
    "precision": (M.Precision, _binary),
    "recall": (M.Recall, _binary),
    "precision_thresholds": (lambda: M.Precision(thresholds=[0.3, 0.7]), _binary),
    "recall_top_k": (lambda: M.Recall(top_k=2), _multilabel),
    "true_positives": (M.TruePositives, _binary),
    "false_negatives": (M.FalseNegatives, _binary),
    "auc": (M.AUC, _binary),
    "auc_pr": (lambda: M.AUC(curve="PR"), _binary),
    "auc_multi_label": (lambda: M.AUC(multi_label=True), _multilabel),
    "f1_none": (M.F1Score, _onehot_data),
    "f1_macro": (lambda: M.F1Score(average="macro"), _onehot_data),
    "f1_weighted": (lambda: M.F1Score(average="weighted", threshold=0.3), _multilabel),
    "fbeta_micro": (lambda: M.FBetaScore(average="micro", beta=2.0), _onehot_data),
    "confusion_matrix": (lambda: M.ConfusionMatrix(4), _multiclass),
}


def _close(a, b, **kw):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), **kw)


@pytest.mark.parametrize("key", sorted(CASES))
def test_batches_accumulate_like_the_whole_dataset(key):
    make, data = CASES[key]
    rng = np.random.default_rng(0)
    y, p = data(rng, 60)
    w = rng.random(60) + 0.1
    for weights in (None, w):
        whole, batched = make(), make()
        whole.update_state(y, p, sample_weight=weights)
        for lo, hi in ((0, 7), (7, 8), (8, 8), (8, 31), (31, 60)):
            sw = None if weights is None else weights[lo:hi]
            batched.update_state(y[lo:hi], p[lo:hi], sample_weight=sw)
        _close(batched.result(), whole.result(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("key", sorted(CASES))
def test_reset_state_empties_and_result_of_empty_state_is_zero(key):
    make, data = CASES[key]
    m = make()
    empty = np.asarray(m.result())
    assert np.all(empty == 0)
    rng = np.random.default_rng(1)
    y, p = data(rng, 20)
    m.update_state(y, p)
    first = m.result()
    m.reset_state()
    after_reset = np.asarray(m.result())
    assert np.all(after_reset == 0)
    m.update_state(y, p)
    _close(m.result(), first, rtol=0, atol=0)


@pytest.mark.parametrize("key", sorted(CASES))
def test_config_round_trip_is_json_and_rebuilds_the_same_metric(key):
    make, data = CASES[key]
    m = make()
    config = m.get_config()
    assert json.loads(json.dumps(config)) == config
    clone = type(m).from_config(config)
    assert clone.get_config() == config
    again = M.deserialize(json.loads(json.dumps(M.serialize(m))))
    assert type(again) is type(m) and again.get_config() == config
    y, p = data(np.random.default_rng(2), 30)
    m.update_state(y, p)
    clone.update_state(y, p)
    _close(clone.result(), m.result(), rtol=0, atol=0)


@pytest.mark.parametrize("key", sorted(CASES))
def test_tensors_and_float32_are_accepted(key):
    make, data = CASES[key]
    y, p = data(np.random.default_rng(3), 25)
    p32 = p.astype(np.float32) if p.dtype.kind == "f" else p
    a, b = make(), make()
    a.update_state(nr.tensor(y), nr.tensor(p32))
    b.update_state(y, p32)
    _close(a.result(), b.result(), rtol=0, atol=0)
    assert all(v.dtype == np.float64 for v in a.variables)


def test_metric_call_updates_and_returns_the_running_result():
    m = M.BinaryAccuracy()
    assert m([1, 0], [0.9, 0.2]) == 1.0
    assert m([1, 1], [0.3, 0.8]) == 0.75
    assert m.result() == 0.75


def test_custom_metric_with_add_variable():
    class Count(M.Metric):
        def __init__(self, name="count", dtype=None):
            super().__init__(name=name, dtype=dtype)
            self.n = self.add_variable((), name="n")

        def update_state(self, values, sample_weight=None):
            self.n += np.size(values)

        def result(self):
            return float(self.n)

    m = Count()
    m.update_state([1, 2, 3])
    m.update_state([4])
    assert m.result() == 4.0 and m.name == "count"
    m.reset_state()
    assert m.result() == 0.0
    assert M.Metric().name == "metric"
    with pytest.raises(NotImplementedError, match="Metric must implement update_state"):
        M.Metric().update_state(1)
    with pytest.raises(NotImplementedError, match="Metric must implement result"):
        M.Metric().result()


# ---------------------------------------------------------------------------------------------
# Mean, Sum and weights
# ---------------------------------------------------------------------------------------------


def test_mean_and_sum_with_weights():
    m = M.Mean()
    m.update_state([1, 3, 5, 7])
    assert m.result() == 4.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert m.result() == 2.0
    s = M.Sum()
    s.update_state([1, 3, 5, 7], sample_weight=[1, 2, 0, 0])
    assert s.result() == 7.0
    # per-sample averages first, then the weighted mean over samples
    m = M.Mean()
    m.update_state([[1.0, 3.0], [10.0, 20.0]], sample_weight=[3.0, 1.0])
    assert m.result() == pytest.approx((3 * 2.0 + 15.0) / 4)
    # per-entry weights equal the weighted mean of all entries
    m = M.Mean()
    m.update_state([[1.0, 3.0], [10.0, 20.0]], sample_weight=[[1, 0], [1, 1]])
    assert m.result() == pytest.approx(31 / 3)
    m = M.Mean()
    m.update_state(5.0)
    assert m.result() == 5.0


def test_weights_of_shape_batch_by_one_and_scalar():
    y, p = [1, 0, 1, 1], [0.9, 0.8, 0.2, 0.7]
    a, b, c = M.BinaryAccuracy(), M.BinaryAccuracy(), M.BinaryAccuracy()
    a.update_state(y, p, sample_weight=[1, 2, 0, 1])
    b.update_state(y, p, sample_weight=np.array([[1], [2], [0], [1]]))
    c.update_state(y, p, sample_weight=nr.tensor([1.0, 2.0, 0.0, 1.0]))
    assert a.result() == b.result() == c.result() == 0.5
    d = M.BinaryAccuracy()
    d.update_state(y, p, sample_weight=3.0)
    assert d.result() == 0.5


def test_zero_weights_mask_everything_without_warnings():
    for m in (M.BinaryAccuracy(), M.Precision(), M.AUC(), M.R2Score(), M.F1Score("macro"),
              M.MeanSquaredError()):
        m.update_state([1, 0, 1], [0.9, 0.1, 0.3], sample_weight=[0, 0, 0])
        assert np.all(np.asarray(m.result()) == 0)


def test_sequence_outputs_average_per_step():
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 3, (5, 4))
    probs = rng.dirichlet(np.ones(3), (5, 4))
    m = M.SparseCategoricalAccuracy()
    m.update_state(labels, probs)
    assert m.result() == pytest.approx(np.mean(labels == probs.argmax(-1)))
    mask = rng.integers(0, 2, (5, 4)).astype(float)
    m = M.SparseCategoricalAccuracy()
    m.update_state(labels, probs, sample_weight=mask)
    hits = labels == probs.argmax(-1)
    assert m.result() == pytest.approx((hits * mask).sum() / mask.sum())


# ---------------------------------------------------------------------------------------------
# Accuracy metrics
# ---------------------------------------------------------------------------------------------


def test_accuracy_metrics_hand_values():
    m = M.Accuracy()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    assert m.result() == 0.75
    m = M.BinaryAccuracy()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    assert m.result() == 0.75
    m = M.BinaryAccuracy(threshold=0.7)
    m.update_state([1, 1, 0, 0], [0.98, 0.65, 0, 0.6])
    assert m.result() == 0.75
    m = M.CategoricalAccuracy()
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert m.result() == 0.5
    m = M.SparseCategoricalAccuracy()
    m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    assert m.result() == 0.5
    m = M.SparseCategoricalAccuracy()
    m.update_state([2, 1], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    assert m.result() == pytest.approx(0.3)


def test_binary_accuracy_squeezes_a_trailing_axis_and_averages_columns():
    a = M.BinaryAccuracy()
    a.update_state(np.array([1, 0, 1]), np.array([[0.9], [0.6], [0.1]]))
    assert a.result() == pytest.approx(1 / 3)
    b = M.BinaryAccuracy()
    b.update_state(np.array([[1, 0], [1, 1]]), np.array([[0.9, 0.1], [0.2, 0.8]]))
    assert b.result() == 0.75
    np.testing.assert_array_equal(
        M.binary_accuracy([[1, 0], [1, 1]], [[0.9, 0.1], [0.2, 0.8]]), [1.0, 0.5]
    )
    assert M.binary_accuracy([True, False], [0.7, 0.2]).tolist() == [1.0, 1.0]


def test_top_k_accuracy_counts_ties_and_large_k():
    y = [2, 1]
    p = [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
    m = M.SparseTopKCategoricalAccuracy(k=1)
    m.update_state(y, p)
    assert m.result() == 0.5
    m = M.SparseTopKCategoricalAccuracy(k=2)
    m.update_state(y, p)
    assert m.result() == 1.0
    m = M.TopKCategoricalAccuracy(k=1)
    m.update_state(onehot(np.array(y), 3), p)
    assert m.result() == 0.5
    # ties at the k-th place count as hits (as TensorFlow's in_top_k)
    assert M.sparse_top_k_categorical_accuracy([2], [[0.5, 0.3, 0.3]], k=2).tolist() == [1.0]
    assert M.sparse_top_k_categorical_accuracy([1], [[0.5, 0.3, 0.3]], k=1).tolist() == [0.0]
    assert M.top_k_categorical_accuracy([[0, 0, 1]], [[0.5, 0.3, 0.2]], k=10).tolist() == [1.0]
    rng = np.random.default_rng(5)
    labels, probs = _multiclass(rng, 50, 6)
    ranks = (probs > probs[np.arange(50), labels][:, None]).sum(1)
    for k in (1, 3, 5):
        got = M.sparse_top_k_categorical_accuracy(labels, probs, k=k)
        np.testing.assert_array_equal(got, (ranks < k).astype(float))


def test_sparse_top_k_from_sorted_ids():
    m = M.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    m.update_state([3, 1, 0], [[3, 0, 1], [2, 0, 1], [1, 2, 3]])
    assert m.result() == pytest.approx(1 / 3)


def test_auto_accuracy_decides_from_the_first_batch_and_keeps_it():
    m = M.AutoAccuracy()
    m.update_state([1, 0], [[0.8], [0.3]])
    assert m.kind == "binary" and m.result() == 1.0
    m = M.AutoAccuracy()
    m.update_state([1, 0], [0.8, 0.6])
    assert m.kind == "binary" and m.result() == 0.5
    m = M.AutoAccuracy()
    m.update_state([[2], [0]], [[0.1, 0.2, 0.7], [0.3, 0.6, 0.1]])
    assert m.kind == "sparse_categorical" and m.result() == 0.5
    m = M.AutoAccuracy()
    m.update_state([[0, 1], [1, 0]], [[0.2, 0.8], [0.4, 0.6]])
    assert m.kind == "categorical" and m.result() == 0.5
    m.reset_state()
    assert m.kind == "categorical"
    with pytest.raises(ValueError, match="expected one-hot y_true"):
        m.update_state([1, 0], [[0.2, 0.8], [0.4, 0.6]])
    clone = M.AutoAccuracy.from_config(m.get_config())
    assert clone.kind == "categorical"


# ---------------------------------------------------------------------------------------------
# get: names, accuracy resolution, serialization
# ---------------------------------------------------------------------------------------------


def test_get_accuracy_follows_the_loss():
    cases = {
        "binary_crossentropy": M.BinaryAccuracy,
        "BinaryCrossentropy": M.BinaryAccuracy,
        "bce": M.BinaryAccuracy,
        "binary_focal_crossentropy": M.BinaryAccuracy,
        "sparse_categorical_crossentropy": M.SparseCategoricalAccuracy,
        "categorical_crossentropy": M.CategoricalAccuracy,
        "CategoricalCrossentropy": M.CategoricalAccuracy,
        "mse": M.AutoAccuracy,
        None: M.AutoAccuracy,
    }
    for loss, cls in cases.items():
        for name in ("accuracy", "acc"):
            m = M.get(name, loss=loss)
            assert type(m) is cls, (loss, name)
            assert m.name == name


def test_get_accuracy_reads_loss_objects_functions_and_configs():
    class BinaryCrossentropy:  # stands for neurona.losses.BinaryCrossentropy
        def __init__(self, from_logits=False):
            self.from_logits = from_logits

    def sparse_categorical_crossentropy(y_true, y_pred):
        return y_pred

    class Wrapped:  # a loss that only tells its name
        name = "categorical_crossentropy"

    assert type(M.get("accuracy", loss=BinaryCrossentropy())) is M.BinaryAccuracy
    logits = M.get("accuracy", loss=BinaryCrossentropy(from_logits=True))
    assert logits.threshold == 0.0
    assert M.get("accuracy", loss=BinaryCrossentropy()).threshold == 0.5
    m = M.get("acc", loss=sparse_categorical_crossentropy)
    assert type(m) is M.SparseCategoricalAccuracy
    assert type(M.get("accuracy", loss=Wrapped())) is M.CategoricalAccuracy
    config = {"class_name": "BinaryCrossentropy", "config": {"from_logits": True}}
    assert M.get("accuracy", loss=config).threshold == 0.0
    assert type(M.get("accuracy", loss=["mse", "mae"])) is M.AutoAccuracy
    assert type(M.get("ACCURACY")) is M.AutoAccuracy


def test_get_names_aliases_classes_and_instances():
    assert M.get(None) is None
    m = M.Precision()
    assert M.get(m) is m
    cases = {
        "mse": M.MeanSquaredError, "mae": M.MeanAbsoluteError,
        "mape": M.MeanAbsolutePercentageError, "msle": M.MeanSquaredLogarithmicError,
        "rmse": M.RootMeanSquaredError, "auc": M.AUC, "precision": M.Precision,
        "recall": M.Recall, "f1_score": M.F1Score, "r2_score": M.R2Score,
        "binary_accuracy": M.BinaryAccuracy, "top_k_categorical_accuracy":
        M.TopKCategoricalAccuracy, "binary_crossentropy": M.BinaryCrossentropy,
        "sparse_categorical_crossentropy": M.SparseCategoricalCrossentropy,
        "mean_squared_error": M.MeanSquaredError, "true_positives": M.TruePositives,
    }
    for name, cls in cases.items():
        got = M.get(name)
        assert type(got) is cls and got.name == name
    got = M.get("MeanSquaredError")
    assert type(got) is M.MeanSquaredError and got.name == "mean_squared_error"
    assert M.get("AUC").name == "auc"
    assert type(M.get(M.Recall)) is M.Recall
    assert type(M.get({"class_name": "Precision", "config": {"thresholds": 0.3}})) is M.Precision

    def half_error(y_true, y_pred):
        return np.abs(np.asarray(y_true) - np.asarray(y_pred)) / 2

    wrapped = M.get(half_error)
    assert isinstance(wrapped, M.MeanMetricWrapper) and wrapped.name == "half_error"
    wrapped.update_state([1.0, 2.0], [2.0, 2.0])
    assert wrapped.result() == 0.25


def test_get_unknown_names_suggest_the_closest():
    with pytest.raises(ValueError, match=r"Unknown metric 'acuracy'. Did you mean 'accuracy'\? "
                                         r"Valid names: accuracy, acc, binary_accuracy"):
        M.get("acuracy")
    with pytest.raises(ValueError, match=r"Unknown metric 'zzzz'. Valid names:"):
        M.get("zzzz")
    with pytest.raises(ValueError, match="ConfusionMatrix needs the number of classes"):
        M.get("confusion_matrix")
    with pytest.raises(TypeError, match="Could not interpret metric identifier 3"):
        M.get(3)


def test_serialize_and_deserialize():
    s = M.serialize(M.BinaryAccuracy(threshold=0.7))
    assert s == {"class_name": "BinaryAccuracy",
                 "config": {"name": "binary_accuracy", "dtype": None, "threshold": 0.7}}
    assert M.serialize(M.mean_squared_error) == "mean_squared_error"
    assert type(M.deserialize("mae")) is M.MeanAbsoluteError
    wrapper = M.MeanMetricWrapper(M.mean_absolute_error, name="my_mae")
    back = M.deserialize(M.serialize(wrapper))
    assert back.name == "my_mae" and back._fn is M.mean_absolute_error
    wrapped = M.MeanMetricWrapper(M.binary_accuracy, threshold=0.9)
    assert M.deserialize(M.serialize(wrapped)).get_config()["threshold"] == 0.9

    class Custom(M.Mean):
        pass

    got = M.deserialize({"class_name": "Custom", "config": {"name": "c"}},
                        custom_objects={"Custom": Custom})
    assert type(got) is Custom and got.name == "c"
    with pytest.raises(ValueError, match=r"Unknown metric class 'Precison'. Did you mean "
                                         r"'Precision'\?"):
        M.deserialize({"class_name": "Precison", "config": {}})
    with pytest.raises(ValueError, match="deserialize expects a dict with 'class_name'"):
        M.deserialize({"config": {}})
    with pytest.raises(TypeError, match="serialize expects a Metric"):
        M.serialize(lambda a, b: a)
    with pytest.raises(ValueError, match="cannot serialize the function"):
        M.MeanMetricWrapper(lambda a, b: a).get_config()
    with pytest.raises(ValueError, match="MeanMetricWrapper: unknown function 'nope'"):
        M.MeanMetricWrapper.from_config({"fn": "nope"})
    with pytest.raises(TypeError, match="MeanMetricWrapper: fn must be callable, got int"):
        M.MeanMetricWrapper(3)


def test_name_and_dtype_are_kept_and_checked():
    m = M.Mean(name="avg", dtype="float32")
    assert m.get_config() == {"name": "avg", "dtype": "float32"}
    assert M.Mean(dtype=np.float64).dtype == "float64"
    with pytest.raises(ValueError, match="Mean: dtype must be a floating type such as "
                                         "'float32', got 'int32'"):
        M.Mean(dtype="int32")
    with pytest.raises(ValueError, match="dtype must be a floating type"):
        M.Mean(dtype="nonsense")
    with pytest.raises(TypeError, match="Mean: name must be a string, got int"):
        M.Mean(name=3)


# ---------------------------------------------------------------------------------------------
# Precision, recall and counts
# ---------------------------------------------------------------------------------------------


def test_precision_recall_and_counts_hand_values():
    y, p = [0, 1, 1, 1], [1, 0, 1, 1]
    for cls, value in ((M.TruePositives, 2), (M.FalsePositives, 1), (M.TrueNegatives, 0),
                       (M.FalseNegatives, 1)):
        m = cls()
        m.update_state(y, p)
        assert m.result() == value
    m = M.Precision()
    m.update_state(y, p)
    assert m.result() == pytest.approx(2 / 3)
    m = M.Precision()
    m.update_state(y, p, sample_weight=[0, 0, 1, 0])
    assert m.result() == 1.0
    m = M.Recall()
    m.update_state(y, p, sample_weight=[0, 0, 1, 0])
    assert m.result() == 1.0
    # a prediction equal to the threshold is negative (strict >)
    m = M.Recall()
    m.update_state([1, 1], [0.5, 0.51])
    assert m.result() == 0.5


def test_precision_recall_against_numpy_at_several_thresholds():
    rng = np.random.default_rng(6)
    y, p = _binary(rng, 200)
    w = rng.random(200)
    thresholds = [0.8, 0.2, 0.5]
    prec, rec = M.Precision(thresholds=thresholds), M.Recall(thresholds=thresholds)
    prec.update_state(y, p, sample_weight=w)
    rec.update_state(y, p, sample_weight=w)
    got_p, got_r = prec.result(), rec.result()
    assert got_p.shape == (3,) and got_r.shape == (3,)
    for i, t in enumerate(thresholds):
        hat = p > t
        tp, fp, fn = (w * (hat & (y == 1))).sum(), (w * (hat & (y == 0))).sum(), \
            (w * (~hat & (y == 1))).sum()
        assert got_p[i] == pytest.approx(tp / (tp + fp))
        assert got_r[i] == pytest.approx(tp / (tp + fn))
    single = M.Precision(thresholds=[0.2])
    single.update_state(y, p)
    assert isinstance(single.result(), float)


def test_precision_top_k_and_class_id():
    y = np.array([[0, 0, 1, 1], [1, 0, 0, 1]])
    p = np.array([[0.1, 0.5, 0.4, 0.2], [0.3, 0.3, 0.2, 0.9]])
    m = M.Precision(top_k=2)
    m.update_state(y, p)
    # row 0 keeps classes 1, 2 (one hit); row 1 keeps 3 and 0 (ties: lower index first): 2 hits
    assert m.result() == pytest.approx(3 / 4)
    m = M.Recall(top_k=1)
    m.update_state(y, p)
    assert m.result() == pytest.approx(1 / 4)
    m = M.Precision(class_id=3)
    m.update_state(y, p)  # column 3: labels [1, 1], predictions [0.2, 0.9]
    assert m.result() == 1.0
    m = M.Recall(class_id=3)
    m.update_state(y, p)
    assert m.result() == 0.5
    m = M.Precision(top_k=1, class_id=1)
    m.update_state(y, p)  # class 1 is the top score of row 0 only, a false positive
    assert m.result() == 0.0


def test_confusion_count_errors():
    with pytest.raises(ValueError, match=r"Precision: threshold values must be in \[0, 1\], "
                                         r"got \[1.5\]"):
        M.Precision(thresholds=1.5)
    with pytest.raises(ValueError, match="Recall: top_k must be an integer >= 1, got 0"):
        M.Recall(top_k=0)
    with pytest.raises(ValueError, match="Precision: class_id must be an integer >= 0, got -1"):
        M.Precision(class_id=-1)
    with pytest.raises(ValueError, match="thresholds must be a number or a list of numbers"):
        M.Precision(thresholds=[])
    m = M.Precision(class_id=5)
    with pytest.raises(ValueError, match=r"class_id=5 is out of range for y_pred of shape "
                                         r"\(2, 3\)"):
        m.update_state(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"top_k and class_id need y_pred of shape "
                                         r"\(batch, num_classes\), got shape \(4,\)"):
        M.Precision(top_k=1).update_state([1, 0, 1, 0], [0.1, 0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match=r"Precision 'precision': y_true and y_pred must have "
                                         r"the same shape, got y_true of shape \(3,\) and "
                                         r"y_pred of shape \(4,\)"):
        M.Precision().update_state([1, 0, 1], [0.1, 0.2, 0.3, 0.4])


# ---------------------------------------------------------------------------------------------
# AUC
# ---------------------------------------------------------------------------------------------


def test_auc_hand_values():
    m = M.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert m.result() == pytest.approx(0.75)
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    assert m.result() == pytest.approx(1.0)
    # thresholds -eps, 0.5, 1+eps: tp [2, 1, 0], fp [1, 1, 0], fn [0, 1, 2], tn [0, 0, 1]
    y, p = [1, 0, 1], [0.9, 0.6, 0.3]
    roc = M.AUC(num_thresholds=3)
    roc.update_state(y, p)
    assert roc.result() == pytest.approx(0.25)
    pr = M.AUC(num_thresholds=3, curve="PR")
    pr.update_state(y, p)
    assert pr.result() == pytest.approx((1 - math.log(1.5)) / 2 + 0.25)
    fine = M.AUC()
    fine.update_state(y, p)
    assert fine.result() == pytest.approx(0.5)  # every distinct score has a threshold between
    perfect = M.AUC(curve="PR")
    perfect.update_state([0, 1, 0, 1], [0.1, 0.8, 0.3, 0.7])
    assert perfect.result() == pytest.approx(1.0)


def test_auc_is_close_to_the_exact_area_and_exact_at_all_scores():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 1000)
    s = 1 / (1 + np.exp(-(rng.normal(size=1000) + 1.2 * y)))
    w = rng.random(1000)
    m = M.AUC()
    m.update_state(y, s, sample_weight=w)
    assert abs(m.result() - exact_roc_auc(y, s, w)) < 1e-3
    every = M.AUC(thresholds=np.unique(s)[:-1].tolist())
    every.update_state(y, s, sample_weight=w)
    assert every.result() == pytest.approx(exact_roc_auc(y, s, w), abs=1e-12)
    ties = np.round(s, 1)  # heavy ties: counted half, as the exact definition
    exact = M.AUC(thresholds=np.unique(ties)[:-1].tolist())
    exact.update_state(y, ties)
    assert exact.result() == pytest.approx(exact_roc_auc(y, ties), abs=1e-12)
    lo, mid, hi = (M.AUC(summation_method=k) for k in ("minoring", "interpolation", "majoring"))
    for metric in (lo, mid, hi):
        metric.update_state(y, s)
    assert lo.result() <= mid.result() <= hi.result()


def test_auc_pr_is_close_to_average_precision_and_random_scores_give_the_base_rate():
    rng = np.random.default_rng(8)
    y = rng.integers(0, 2, 4000)
    s = rng.random(4000)
    m = M.AUC(curve="PR")
    m.update_state(y, s)
    assert m.result() == pytest.approx(y.mean(), abs=0.03)
    for method in ("minoring", "majoring"):
        m = M.AUC(curve="PR", summation_method=method)
        m.update_state(y, s)
        assert m.result() == pytest.approx(y.mean(), abs=0.03)


def test_auc_logits_multi_label_and_label_weights():
    rng = np.random.default_rng(9)
    y, p = _multilabel(rng, 300, 3)
    logits = np.log(np.clip(p, 1e-6, 1 - 1e-6) / (1 - np.clip(p, 1e-6, 1 - 1e-6)))
    a, b = M.AUC(), M.AUC(from_logits=True)
    a.update_state(y, np.clip(p, 1e-6, 1 - 1e-6))
    b.update_state(y, logits)
    assert b.result() == pytest.approx(a.result(), abs=1e-9)
    multi = M.AUC(multi_label=True)
    multi.update_state(y, p)
    per_label = []
    for j in range(3):
        single = M.AUC()
        single.update_state(y[:, j], p[:, j])
        per_label.append(single.result())
    assert multi.result() == pytest.approx(np.mean(per_label))
    weighted = M.AUC(multi_label=True, num_labels=3, label_weights=[1, 0, 3])
    weighted.update_state(y, p)
    assert weighted.result() == pytest.approx((per_label[0] + 3 * per_label[2]) / 4)
    # pooled with label weights: column 1 dropped equals pooling columns 0 and 2 alone
    pooled = M.AUC(label_weights=[1, 0, 1])
    pooled.update_state(y, p)
    two = M.AUC()
    two.update_state(y[:, [0, 2]], p[:, [0, 2]])
    assert pooled.result() == pytest.approx(two.result())
    assert len(M.AUC(num_thresholds=5).thresholds) == 5
    assert M.AUC(thresholds=[0.3, 0.6]).thresholds[1:3] == [0.3, 0.6]


def test_auc_errors():
    with pytest.raises(ValueError, match=r"AUC: curve must be one of \('ROC', 'PR'\), got 'XY'"):
        M.AUC(curve="XY")
    with pytest.raises(ValueError, match="AUC: summation_method must be one of"):
        M.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match="AUC: num_thresholds must be an integer >= 2, got 1"):
        M.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="AUC: num_labels is needed only when multi_label=True"):
        M.AUC(num_labels=3)
    with pytest.raises(ValueError, match="AUC: label_weights must be a 1-D list of non-negative"):
        M.AUC(label_weights=[1, -1])
    with pytest.raises(ValueError, match="AUC: got 2 label_weights for num_labels=3"):
        M.AUC(multi_label=True, num_labels=3, label_weights=[1, 1])
    with pytest.raises(ValueError, match=r"multi_label=True expects y_pred of shape "
                                         r"\(batch, labels\), got shape \(4,\)"):
        M.AUC(multi_label=True).update_state([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4])
    m = M.AUC(multi_label=True)
    m.update_state(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"expected 3 labels, got y_pred of shape \(2, 4\)"):
        m.update_state(np.zeros((2, 4)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"2 label_weights do not match y_pred of shape "
                                         r"\(2, 3\)"):
        M.AUC(label_weights=[1, 1]).update_state(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"2 label_weights do not match y_pred of shape "
                                         r"\(2, 3\)"):
        M.AUC(multi_label=True, label_weights=[1, 1]).update_state(
            np.zeros((2, 3)), np.zeros((2, 3))
        )


# ---------------------------------------------------------------------------------------------
# F-scores
# ---------------------------------------------------------------------------------------------


def test_f1_score_against_numpy_for_every_average():
    rng = np.random.default_rng(10)
    labels, probs = _multiclass(rng, 300, 5)
    y = onehot(labels, 5)
    w = rng.random(300)
    hat = onehot(probs.argmax(1), 5)
    tp, fp, fn = ref_counts(y, hat, w)
    per_class = ref_f1(tp, fp, fn)
    support = (w[:, None] * y).sum(0)
    expected = {
        None: per_class,
        "macro": per_class.mean(),
        "weighted": (per_class * support).sum() / support.sum(),
        "micro": ref_f1(tp.sum(), fp.sum(), fn.sum()),
    }
    for average, value in expected.items():
        m = M.F1Score(average=average)
        m.update_state(y, probs, sample_weight=w)
        _close(m.result(), value, rtol=1e-12)
    # with one label per sample, micro F1 is the (weighted) accuracy
    acc = M.SparseCategoricalAccuracy()
    acc.update_state(labels, probs, sample_weight=w)
    assert expected["micro"] == pytest.approx(acc.result())


def test_f1_threshold_beta_and_edge_cases():
    y = np.array([[1, 0], [1, 1]])
    p = np.array([[0.9, 0.2], [0.3, 0.7]])
    m = M.FBetaScore(beta=2.0, threshold=0.5)
    m.update_state(y, p)
    _close(m.result(), [5 * 0.5 / (4 + 0.5), 1.0], rtol=1e-12)
    # a class never predicted nor present scores 0 without a warning
    m = M.F1Score(threshold=0.5)
    m.update_state([[1, 0, 0]], [[0.9, 0.1, 0.1]])
    _close(m.result(), [1.0, 0.0, 0.0])
    # an all-zero row predicts nothing under the argmax rule
    m = M.F1Score(average="micro")
    m.update_state([[1, 0], [0, 1]], [[0.0, 0.0], [0.2, 0.8]])
    assert m.result() == pytest.approx(2 / 3)
    # one output column: thresholded at 0.5 rather than marking every sample positive
    m = M.F1Score()
    m.update_state([[1], [0], [1], [0]], [[0.8], [0.3], [0.4], [0.1]])
    _close(m.result(), [2 / 3])
    binary = M.F1Score(average="micro")
    binary.update_state([1, 0, 1, 0], [0.8, 0.3, 0.4, 0.1])
    assert binary.result() == pytest.approx(2 / 3)
    assert "beta" not in M.F1Score().get_config()


def test_f1_errors():
    with pytest.raises(ValueError, match=r"F1Score: average must be one of \(None, 'micro', "
                                         r"'macro', 'weighted'\), got 'mean'"):
        M.F1Score(average="mean")
    with pytest.raises(ValueError, match=r"F1Score: threshold must be a number in \(0, 1\] or "
                                         r"None, got 0"):
        M.F1Score(threshold=0)
    with pytest.raises(ValueError, match="FBetaScore: beta must be a number > 0, got -1"):
        M.FBetaScore(beta=-1)
    with pytest.raises(ValueError, match=r"F1Score 'f1_score': expected y_true and y_pred of the "
                                         r"same shape \(batch, num_classes\), got y_true of shape "
                                         r"\(2,\) and y_pred of shape \(2, 3\)"):
        M.F1Score().update_state([0, 1], np.zeros((2, 3)))
    m = M.F1Score()
    m.update_state(np.zeros((2, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"was updated with 3 classes, got y_pred of shape "
                                         r"\(2, 4\)"):
        m.update_state(np.zeros((2, 4)), np.zeros((2, 4)))


# ---------------------------------------------------------------------------------------------
# Regression metrics
# ---------------------------------------------------------------------------------------------


def test_regression_hand_values():
    y, p = [[0, 1], [0, 0]], [[1, 1], [0, 0]]
    for cls, value in ((M.MeanSquaredError, 0.25), (M.MeanAbsoluteError, 0.25),
                       (M.RootMeanSquaredError, 0.5)):
        m = cls()
        m.update_state(y, p)
        assert m.result() == pytest.approx(value)
    m = M.MeanSquaredError()
    m.update_state(y, p, sample_weight=[1, 0])
    assert m.result() == 0.5
    m = M.RootMeanSquaredError()
    m.update_state(y, p, sample_weight=[1, 0])
    assert m.result() == pytest.approx(math.sqrt(0.5))
    m = M.MeanAbsolutePercentageError()
    m.update_state([2.0, 4.0], [3.0, 4.0])
    assert m.result() == 25.0
    m = M.MeanAbsolutePercentageError()
    m.update_state([0.0], [1e-7])  # the 1e-7 floor keeps a zero target finite
    assert m.result() == pytest.approx(100.0)
    m = M.MeanSquaredLogarithmicError()
    m.update_state([0.0, 0.0], [math.e - 1, 0.0])
    assert m.result() == pytest.approx(0.5, rel=1e-6)


def test_regression_against_numpy():
    rng = np.random.default_rng(11)
    y, p = _positive_regression(rng, 40, 3)
    w = rng.random(40)
    refs = {
        M.MeanSquaredError: ((y - p) ** 2).mean(1),
        M.MeanAbsoluteError: np.abs(y - p).mean(1),
        M.MeanAbsolutePercentageError: 100 * (np.abs(y - p) / y).mean(1),
        M.MeanSquaredLogarithmicError: ((np.log1p(p) - np.log1p(y)) ** 2).mean(1),
    }
    for cls, per_sample in refs.items():
        m = cls()
        m.update_state(y.astype(np.float32), p.astype(np.float32), sample_weight=w)
        assert m.result() == pytest.approx((w * per_sample).sum() / w.sum(), rel=1e-5)
    m = M.RootMeanSquaredError()
    m.update_state(y, p, sample_weight=w)
    assert m.result() == pytest.approx(math.sqrt((w * ((y - p) ** 2).mean(1)).sum() / w.sum()))


def test_r2_score_against_numpy():
    rng = np.random.default_rng(12)
    y = rng.normal(size=(50, 3)) * [1.0, 5.0, 0.2] + 1000.0  # far from zero: tests stability
    p = y + rng.normal(size=(50, 3))
    w = rng.random(50)
    raw = ref_r2(y, p, w)
    var = (w[:, None] * (y - (w[:, None] * y).sum(0) / w.sum()) ** 2).sum(0)
    m = M.R2Score(class_aggregation=None)
    m.update_state(y, p, sample_weight=w)
    _close(m.result(), raw, rtol=1e-9)
    m = M.R2Score()
    m.update_state(y, p, sample_weight=w)
    assert m.result() == pytest.approx(raw.mean(), rel=1e-9)
    m = M.R2Score(class_aggregation="variance_weighted_average")
    m.update_state(y, p, sample_weight=w)
    assert m.result() == pytest.approx((raw * var).sum() / var.sum(), rel=1e-9)
    m = M.R2Score()
    m.update_state([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])
    assert m.result() == pytest.approx(1 - 2 / (14 / 3))
    one = M.R2Score()
    one.update_state(y[:, 0], p[:, 0])
    assert one.result() == pytest.approx(ref_r2(y[:, 0], p[:, 0])[0])


def test_r2_constant_targets_and_adjusted_score():
    m = M.R2Score()
    m.update_state([2.0, 2.0, 2.0], [2.0, 2.0, 2.0])
    assert m.result() == 1.0
    m = M.R2Score()
    m.update_state([2.0, 2.0, 2.0], [1.0, 2.0, 2.0])
    assert m.result() == 0.0
    rng = np.random.default_rng(13)
    y, p = rng.normal(size=20), rng.normal(size=20)
    plain = ref_r2(y, p)[0]
    m = M.R2Score(num_regressors=3)
    m.update_state(y, p)
    assert m.result() == pytest.approx(1 - (1 - plain) * 19 / 16)
    m = M.R2Score(num_regressors=19)
    m.update_state(y, p)
    with pytest.warns(UserWarning, match="num_regressors=19 needs more than 20 samples"):
        assert m.result() == pytest.approx(plain)


def test_r2_errors():
    with pytest.raises(ValueError, match=r"R2Score: class_aggregation must be one of"):
        M.R2Score(class_aggregation="median")
    with pytest.raises(ValueError, match="R2Score: num_regressors must be an integer >= 0, "
                                         "got -1"):
        M.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match=r"expected inputs of shape \(batch, outputs\), got "
                                         r"shape \(2, 2, 2\)"):
        M.R2Score().update_state(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    m = M.R2Score()
    m.update_state(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"was updated with 2 outputs, got shape \(2, 3\)"):
        m.update_state(np.zeros((2, 3)), np.zeros((2, 3)))


# ---------------------------------------------------------------------------------------------
# Cross-entropy metrics
# ---------------------------------------------------------------------------------------------


def test_crossentropy_metrics_against_numpy():
    rng = np.random.default_rng(14)
    labels, probs = _multiclass(rng, 30, 4)
    logits = rng.normal(size=(30, 4))
    softmax = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    expected = -np.log(probs[np.arange(30), labels]).mean()
    m = M.SparseCategoricalCrossentropy()
    m.update_state(labels, probs)
    assert m.result() == pytest.approx(expected)
    m = M.CategoricalCrossentropy()
    m.update_state(onehot(labels, 4), probs)
    assert m.result() == pytest.approx(expected)
    m = M.CategoricalCrossentropy(from_logits=True)
    m.update_state(onehot(labels, 4), logits)
    assert m.result() == pytest.approx(-np.log(softmax[np.arange(30), labels]).mean())
    m = M.CategoricalCrossentropy(label_smoothing=0.1)
    m.update_state(onehot(labels, 4), probs)
    smooth = onehot(labels, 4) * 0.9 + 0.025
    assert m.result() == pytest.approx(-(smooth * np.log(probs)).sum(1).mean())
    m = M.CategoricalCrossentropy(axis=0)
    m.update_state(onehot(labels, 4).T, probs.T)
    assert m.result() == pytest.approx(expected)
    y, p = _binary(rng, 30)
    p = np.clip(p, 0.01, 0.99)
    m = M.BinaryCrossentropy()
    m.update_state(y, p)
    assert m.result() == pytest.approx(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())
    m = M.BinaryCrossentropy(from_logits=True)
    m.update_state(y, np.log(p / (1 - p)))
    assert m.result() == pytest.approx(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())
    m = M.BinaryCrossentropy(from_logits=True)
    m.update_state([1.0, 0.0], [1000.0, -1000.0])  # stable for huge logits
    assert m.result() == 0.0
    assert M.binary_crossentropy([1.0], [0.0])[0] == pytest.approx(-math.log(1e-7))
    with pytest.raises(ValueError, match="BinaryCrossentropy: label_smoothing must be a number "
                                         r"in \[0, 1\], got 2"):
        M.BinaryCrossentropy(label_smoothing=2)


# ---------------------------------------------------------------------------------------------
# Confusion matrix
# ---------------------------------------------------------------------------------------------


def test_confusion_matrix_from_labels_probabilities_and_one_hot():
    m = M.ConfusionMatrix(3)
    m.update_state([0, 1, 2, 2, 1], [0, 2, 2, 2, 1])
    expected = [[1, 0, 0], [0, 1, 1], [0, 0, 2]]
    assert m.result().tolist() == expected and m.result().dtype == np.int64
    probs = onehot(np.array([0, 2, 2, 2, 1]), 3) * 0.8 + 0.05
    m2 = M.ConfusionMatrix(3)
    m2.update_state(onehot(np.array([0, 1, 2, 2, 1]), 3), probs)
    assert m2.result().tolist() == expected
    m3 = M.ConfusionMatrix(3)
    m3.update_state(np.array([[0], [1], [2], [2], [1]]), nr.tensor(probs))
    assert m3.result().tolist() == expected
    binary = M.ConfusionMatrix(2)
    binary.update_state([0, 1, 1, 0], [[0.2], [0.9], [0.4], [0.1]])
    assert binary.result().tolist() == [[2, 0], [1, 1]]
    weighted = M.ConfusionMatrix(2)
    weighted.update_state([0, 1, 1], [0, 1, 0], sample_weight=[0.5, 2.0, 1.0])
    assert weighted.result().dtype == np.float64
    assert weighted.result().tolist() == [[0.5, 0.0], [1.0, 2.0]]
    seq = M.ConfusionMatrix(3)
    seq.update_state(np.array([[0, 1, 2], [2, 2, 0]]), onehot(np.array([[0, 1, 1], [2, 2, 0]]), 3))
    assert seq.result().tolist() == [[2, 0, 0], [0, 1, 0], [0, 1, 2]]


def test_confusion_matrix_against_numpy_and_to_string():
    rng = np.random.default_rng(15)
    labels, probs = _multiclass(rng, 200, 4)
    m = M.ConfusionMatrix(4)
    m.update_state(labels, probs)
    ref = np.zeros((4, 4), int)
    np.add.at(ref, (labels, probs.argmax(1)), 1)
    np.testing.assert_array_equal(m.result(), ref)
    small = M.ConfusionMatrix(2)
    small.update_state([0, 0, 1, 1, 1], [0, 1, 1, 1, 1])
    assert small.to_string() == "true \\ pred  0  1\n0            1  1\n1            0  3"
    table = small.to_string(labels=["cat", "dog"])
    assert table.splitlines() == [
        "true \\ pred  cat  dog",
        "cat            1    1",
        "dog            0    3",
    ]
    weighted = M.ConfusionMatrix(2)
    weighted.update_state([0, 1], [0, 1], sample_weight=[0.5, 1.0])
    assert weighted.to_string().splitlines()[1] == "0            0.5  0"


def test_confusion_matrix_errors():
    with pytest.raises(ValueError, match="ConfusionMatrix: num_classes must be an integer >= 1, "
                                         "got 0"):
        M.ConfusionMatrix(0)
    m = M.ConfusionMatrix(3)
    with pytest.raises(ValueError, match=r"\(y_true\): labels must be in \[0, 3\), got values "
                                         r"from 0 to 3"):
        m.update_state([0, 3], [0, 1])
    with pytest.raises(ValueError, match=r"y_pred of shape \(2,\) holds values that are not "
                                         r"class labels"):
        m.update_state([0, 1], [0.3, 0.6])
    with pytest.raises(ValueError, match=r"give different numbers of samples"):
        m.update_state([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match=r"to_string: expected 3 labels, got 2"):
        m.to_string(labels=["a", "b"])


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


def test_shape_and_type_errors_name_the_metric_and_the_shapes():
    with pytest.raises(ValueError, match=r"BinaryAccuracy 'acc': y_true and y_pred must have the "
                                         r"same shape, got y_true of shape \(4,\) and y_pred of "
                                         r"shape \(4, 3\)"):
        M.BinaryAccuracy(name="acc").update_state(np.zeros(4), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"CategoricalAccuracy 'categorical_accuracy': expected "
                                         r"one-hot y_true of the same shape as y_pred, got y_true "
                                         r"of shape \(4,\) and y_pred of shape \(4, 3\). For "
                                         r"integer labels use the sparse metric."):
        M.CategoricalAccuracy().update_state(np.zeros(4), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"expected integer labels of shape \(4,\) for y_pred of "
                                         r"shape \(4, 3\), got y_true of shape \(4, 3\). For "
                                         r"one-hot labels use the categorical metric."):
        M.SparseCategoricalAccuracy().update_state(np.zeros((4, 3)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"expected y_pred of shape \(batch, num_classes\), got "
                                         r"shape \(4,\)"):
        M.SparseCategoricalAccuracy().update_state(np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match=r"sample_weight of shape \(3,\) does not fit values of "
                                         r"shape \(4,\); expected a scalar, shape \(4,\) or shape "
                                         r"\(4,\)"):
        M.MeanSquaredError().update_state(np.zeros(4), np.zeros(4), sample_weight=np.ones(3))
    with pytest.raises(ValueError, match=r"sample_weight of shape \(4, 2\) does not fit"):
        M.Mean().update_state(np.zeros(4), sample_weight=np.ones((4, 2)))
    with pytest.raises(TypeError, match="Mean 'mean': values must hold numbers, got dtype <U1"):
        M.Mean().update_state(["a", "b"])
    with pytest.raises(TypeError, match="MeanAbsoluteError 'mae': y_true must hold numbers"):
        M.get("mae").update_state(["a"], [1.0])
    with pytest.raises(ValueError, match=r"sparse_top_k_categorical_accuracy: labels must be in "
                                         r"\[0, 3\), got values from 0 to 5"):
        M.sparse_top_k_categorical_accuracy([0, 5], np.zeros((2, 3)))
    with pytest.raises(ValueError, match="labels must be whole numbers"):
        M.sparse_top_k_categorical_accuracy([0.5, 1.0], np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"got inputs with an empty last axis, shape \(2, 0\)"):
        M.mean_squared_error(np.zeros((2, 0)), np.zeros((2, 0)))
    with pytest.raises(ValueError, match=r"got values with an empty trailing axis"):
        M.Mean().update_state(np.zeros((2, 0)))
    with pytest.raises(ValueError, match="TopKCategoricalAccuracy: k must be an integer >= 1, "
                                         "got 0"):
        M.TopKCategoricalAccuracy(k=0)
    with pytest.raises(ValueError, match="BinaryAccuracy: threshold must be a number, got 'x'"):
        M.BinaryAccuracy(threshold="x")
    with pytest.raises(ValueError, match=r"AutoAccuracy: kind must be one of \(None, 'binary', "
                                         r"'categorical', 'sparse_categorical'\), got 'multi'"):
        M.AutoAccuracy(kind="multi")


def test_empty_batches_are_harmless():
    for make, data in CASES.values():
        m = make()
        y, p = data(np.random.default_rng(16), 0)
        m.update_state(y, p)
        assert np.all(np.asarray(m.result()) == 0)


SHAPE_CHECKED = {
    "binary_accuracy": M.BinaryAccuracy,
    "categorical_accuracy": M.CategoricalAccuracy,
    "sparse_categorical_accuracy": M.SparseCategoricalAccuracy,
    "sparse_top_k": lambda: M.SparseTopKCategoricalAccuracy(k=2),
    "mse": M.MeanSquaredError,
    "rmse": M.RootMeanSquaredError,
    "precision_top_k": lambda: M.Precision(top_k=1),
    "auc": M.AUC,
    "f1": M.F1Score,
    "r2": M.R2Score,
    "cce": M.CategoricalCrossentropy,
    "scce": M.SparseCategoricalCrossentropy,
    "confusion_matrix": lambda: M.ConfusionMatrix(3),
}


@settings(max_examples=60, deadline=None)
@given(
    key=st.sampled_from(sorted(SHAPE_CHECKED)),
    true_shape=st.lists(st.integers(0, 3), max_size=3).map(tuple),
    pred_shape=st.lists(st.integers(0, 3), max_size=3).map(tuple),
    weighted=st.booleans(),
)
def test_random_shapes_give_a_result_or_a_clear_error(key, true_shape, pred_shape, weighted):
    m = SHAPE_CHECKED[key]()
    rng = np.random.default_rng(17)
    y_true = rng.integers(0, 2, true_shape)
    y_pred = rng.random(pred_shape)
    sample_weight = rng.random(true_shape[:1]) if weighted else None
    try:
        m.update_state(y_true, y_pred, sample_weight=sample_weight)
    except (ValueError, TypeError) as err:
        assert str(err).startswith(f"{type(m).__name__} '{m.name}'"), str(err)
    else:
        assert np.all(np.isfinite(np.asarray(m.result(), dtype=float)))
