"""compile/fit/evaluate/predict (neurona/models/trainer.py)."""

import numpy as np
import pytest

import neurona as nr
from neurona import layers


def _blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centers = np.array([[0, 3], [3, 0], [-3, -3]], dtype=np.float32)
    x = centers[y] + rng.normal(size=(n, 2)).astype(np.float32) * 0.5
    return x, y


def _model(out=3, act="softmax"):
    return nr.Sequential([layers.Dense(8, activation="relu", input_shape=(2,)),
                          layers.Dense(out, activation=act)])


def test_fit_without_compile_picks_loss_and_says_so(capsys):
    x, y = _blobs()
    nr.utils.set_seed(0)
    model = _model()
    model.fit(x, y, epochs=30, verbose=0)
    out = capsys.readouterr().out
    assert "fit() without compile(): using loss='sparse_categorical_crossentropy'" in out
    assert "optimizer='adam'" in out and "model.compile(" in out
    loss, acc = model.evaluate(x, y, verbose=0)
    assert acc > 0.9


@pytest.mark.parametrize("act,y_kind,loss", [
    ("sigmoid", "binary", "binary_crossentropy"),
    ("linear", "float", "mean_squared_error"),
    ("softmax", "onehot", "categorical_crossentropy"),
])
def test_auto_compile_table(act, y_kind, loss, capsys):
    x, labels = _blobs(30)
    if y_kind == "binary":
        y = (labels == 0).astype(np.float32).reshape(-1, 1)
        out = 1
    elif y_kind == "float":
        y = x.sum(axis=1, keepdims=True)
        out = 1
    else:
        y = np.eye(3, dtype=np.float32)[labels]
        out = 3
    model = _model(out, None if act == "linear" else act)
    model.fit(x, y, epochs=1, verbose=0)
    assert f"loss='{loss}'" in capsys.readouterr().out


def test_fused_softmax_loss_matches_the_plain_loss():
    x, y = _blobs(40)
    nr.utils.set_seed(1)
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert model.evaluate(x, y, verbose=0) == pytest.approx(
        float(nr.losses.SparseCategoricalCrossentropy()(y, nr.tensor(model.predict(x, verbose=0)))),
        rel=1e-5)
    model.fit(x[:8], y[:8], epochs=1, batch_size=8, verbose=0)
    assert model._fused is not None


def test_determinism_bit_identical():
    x, y = _blobs()

    def run():
        nr.utils.set_seed(42)
        model = _model()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=3, batch_size=16, verbose=0)
        return model.get_weights()

    for a, b in zip(run(), run(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_validation_data_sample_weight_class_weight_and_batches():
    x, y = _blobs()
    model = _model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    hist = model.fit(x, y, epochs=2, validation_data=(x[:20], y[:20]),
                     sample_weight=np.ones(len(x)), class_weight={0: 2.0}, verbose=0)
    assert "val_accuracy" in hist.history
    batches = [(x[i:i + 32], y[i:i + 32]) for i in range(0, len(x), 32)]
    hist = model.fit(batches, epochs=2, verbose=0)
    assert len(hist.history["loss"]) == 2
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    assert model.train_on_batch(x[:8], y[:8])[0] > 0
    assert model.predict_on_batch(x[:3]).shape == (3, 3)


def test_data_validation_errors():
    model = _model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = _blobs(10)
    with pytest.raises(ValueError, match="x has 10 samples but y has an array with 9"):
        model.fit(x, y[:9], verbose=0)
    bad = x.copy()
    bad[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"x contains NaN or Inf: first at row 4"):
        model.fit(bad, y, verbose=0)
    with pytest.raises(TypeError, match="x must be numeric"):
        model.fit(np.array([["a", "b"]] * 10), y, verbose=0)
    with pytest.raises(ValueError, match=r"labels must be integers in \[0, 3\) .* row 2 has "
                                         r"label \[7\]"):
        model.fit(x, np.array([0, 1, 7, 0, 1, 2, 0, 1, 2, 0]), verbose=0)
    with pytest.raises(ValueError, match="validation_split must be in"):
        model.fit(x, y, validation_split=1.5, verbose=0)
    with pytest.raises(ValueError, match="epochs must be a non-negative integer"):
        model.fit(x, y, epochs=-1, verbose=0)
    with pytest.raises(RuntimeError, match="evaluate\\(\\) needs a compiled model"):
        _model().evaluate(x, y)


def test_predict_batches_and_no_graph():
    model = _model()
    x, _ = _blobs(70)
    out = model.predict(x, batch_size=16, verbose=0)
    assert out.shape == (70, 3) and isinstance(out, np.ndarray)


def test_custom_train_step_is_used():
    calls = []

    class Custom(nr.Sequential):
        def train_step(self, data):
            calls.append(len(data[0]))
            return super().train_step(data)

    model = Custom([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((10, 2), np.float32)
    model.fit(x, np.ones((10, 1), np.float32), batch_size=5, epochs=1, verbose=0)
    assert calls == [5, 5]


def test_targets_of_shape_n_fit_outputs_of_shape_n_1():
    x, labels = _blobs(40)
    y = (labels == 0).astype(np.float32)  # (n,), as in most course code
    model = _model(1, "sigmoid")
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, y, epochs=2, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    model2 = _model(1, None)
    model2.compile(optimizer="sgd", loss="mse")
    assert np.isfinite(model2.evaluate(x, labels.astype(np.float32), verbose=0))


class _Interrupt(nr.callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise KeyboardInterrupt


def test_backup_and_restore_resumes_fit_exactly(tmp_path):
    x, y = _blobs()

    def fresh():
        nr.utils.set_seed(7)
        model = _model()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return model

    straight = fresh()
    straight.fit(x, y, epochs=4, batch_size=16, verbose=0)

    model = fresh()
    backup = nr.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=4, batch_size=16, verbose=0, callbacks=[backup, _Interrupt(1)])
    resumed = fresh()  # a new process would start from scratch like this
    resumed.fit(x, y, epochs=4, batch_size=16, verbose=0,
                callbacks=[nr.callbacks.BackupAndRestore(str(tmp_path / "backup"))])
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_and_checkpoint_with_fit(tmp_path):
    x, y = _blobs()
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    path = tmp_path / "best.neurona"
    stop = nr.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    hist = model.fit(x, y, epochs=10, verbose=0, callbacks=[
        stop, nr.callbacks.ModelCheckpoint(str(path), monitor="loss")])
    assert len(hist.history["loss"]) == 2  # no epoch improves by 10: stop after patience 0
    assert path.exists()
    np.testing.assert_allclose(nr.models.load_model(path).predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-6)


def test_progress_output_one_line_per_epoch_when_not_a_terminal(capsys):
    x, y = _blobs(32)
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=3, verbose=2)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    assert sum("loss:" in ln for ln in lines) == 3 and len(lines) <= 6


def test_evaluate_includes_regularization_penalties_before_any_fit():
    x, y = _blobs(20)
    plain = nr.Sequential([layers.Dense(3, activation="softmax", input_shape=(2,))])
    reg = nr.Sequential([layers.Dense(3, activation="softmax", input_shape=(2,),
                                      kernel_regularizer=nr.regularizers.L2(1.0))])
    reg.set_weights(plain.get_weights())
    for m in (plain, reg):
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    penalty = float((plain.get_weights()[0] ** 2).sum())
    assert reg.evaluate(x, y, verbose=0) == pytest.approx(
        plain.evaluate(x, y, verbose=0) + penalty, rel=1e-5)


def test_steps_per_epoch_with_arrays_and_a_generator():
    x, y = _blobs(64)
    seen = []

    class Count(nr.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=8, steps_per_epoch=3, epochs=2, verbose=0, callbacks=[Count()])
    assert seen == [0, 1, 2, 0, 1, 2]
    seen.clear()
    gen = ((x[i:i + 16], y[i:i + 16]) for i in range(0, 64, 16))  # one-shot: 4 batches
    model.fit(gen, epochs=1, verbose=0, callbacks=[Count()])
    assert seen == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="steps_per_epoch must be a positive integer"):
        model.fit(x, y, steps_per_epoch=0, verbose=0)


class _EpochBatches:
    """An iterable of batches with ``__len__`` and ``set_epoch`` (what a DataLoader offers)."""

    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs = []

    def set_epoch(self, epoch):
        self.epochs.append(epoch)

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __iter__(self):
        for i in range(0, len(self.x), self.batch_size):
            yield self.x[i:i + self.batch_size], self.y[i:i + self.batch_size]


def test_fit_tells_an_iterable_the_epoch_and_counts_its_length():
    x, y = _blobs(40)
    seen = []

    class Count(nr.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    source = _EpochBatches(x, y, 16)
    model.fit(source, epochs=3, initial_epoch=1, verbose=0, callbacks=[Count()])
    assert source.epochs == [1, 2]
    assert seen == [0, 1, 2, 0, 1, 2]
    seen.clear()
    model.fit(source, epochs=1, steps_per_epoch=10, verbose=0, callbacks=[Count()])
    assert seen == [0, 1, 2]  # at most len(source) steps: the progress bar's count too


def test_batches_of_inputs_only():
    x, y = _blobs(20)
    model = _model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    expected = model.predict(x, verbose=0)
    one_tuples = [(x[i:i + 8],) for i in range(0, 20, 8)]
    np.testing.assert_allclose(model.predict(one_tuples, verbose=0), expected, rtol=1e-6)
    with pytest.raises(ValueError, match=r"a batch must be \(x,\), \(x, y\) or \(x, y, "
                                         r"sample_weight\), got 4 items"):
        model.fit([(x, y, None, None)], verbose=0)


# -- custom training: several optimizers, tensor-API updates, toggled trainable ----------------


class _TwoNets(nr.Model):
    """A Keras-style custom model: two networks, two optimizers, metric trackers."""

    def __init__(self):
        super().__init__()
        self.first = nr.Sequential([layers.Dense(4, input_shape=(3,))])
        self.second = nr.Sequential([layers.Dense(1, input_shape=(4,))])
        self.a_tracker = nr.metrics.Mean(name="a_loss")
        self.b_tracker = nr.metrics.Mean(name="b_loss")

    def compile(self, a_optimizer, b_optimizer):
        super().compile()
        self.a_optimizer = a_optimizer
        self.b_optimizer = b_optimizer

    @property
    def metrics(self):
        return [self.a_tracker, self.b_tracker]

    def call(self, x):
        return self.second(self.first(x))

    def train_step(self, data):
        x, y, _ = data
        if not self.a_optimizer.built:
            self.a_optimizer.build(self.first.trainable_weights)
            self.b_optimizer.build(self.second.trainable_weights)
        # the second network alone, the first frozen
        self.first.trainable = False
        out = self(x, training=True)
        b_loss = ((out - nr.tensor(y)) ** 2).mean()
        self.b_optimizer.zero_grad()
        b_loss.backward()
        self.b_optimizer.step()
        self.first.trainable = True
        # then the first through a frozen second
        self.second.trainable = False
        out = self(x, training=True)
        a_loss = ((out - nr.tensor(y)) ** 2).mean()
        self.a_optimizer.zero_grad()
        a_loss.backward()
        self.a_optimizer.step()
        self.second.trainable = True
        self.a_tracker.update_state(float(a_loss.data))
        self.b_tracker.update_state(float(b_loss.data))
        return {m.name: m.result() for m in self.metrics}


def _regression(n=64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], np.float32))


def test_custom_step_with_two_optimizers_and_trackers():
    nr.utils.set_seed(0)
    x, y = _regression()
    model = _TwoNets()
    a, b = nr.optimizers.SGD(0.05), nr.optimizers.SGD(0.05)
    model.compile(a, b)
    history = model.fit(x, y, batch_size=16, epochs=8, verbose=0)
    assert set(history.history) == {"a_loss", "b_loss"}
    assert history.history["a_loss"][-1] < 0.5 * history.history["a_loss"][0]
    assert a.iterations == b.iterations == 8 * 4
    # the default optimizer from super().compile() is not built over the whole model
    assert not model.optimizer.built
    # toggling trainable between the two updates does not rebuild either arena
    groups = (a.groups[0], b.groups[0])
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert (a.groups[0], b.groups[0]) == groups
    assert all(w.requires_grad for w in model.trainable_weights)


def test_frozen_network_gets_no_gradient_in_a_custom_step():
    x, y = _regression(16)
    model = _TwoNets()
    model.compile(nr.optimizers.SGD(0.0), nr.optimizers.SGD(0.1))
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    before = [w.copy() for w in model.first.get_weights()]
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    # the first network's optimizer has learning rate 0: its weights never move, even though
    # the second network's loss is computed through it
    for w0, w1 in zip(before, model.first.get_weights(), strict=True):
        np.testing.assert_array_equal(w0, w1)


def test_custom_step_compiles_without_a_loss_and_uses_its_optimizer():
    class Plain(nr.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y, _ = data
            loss = ((self(x, training=True) - nr.tensor(y)) ** 2).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            return {"loss": float(loss.data)}

    x, y = _regression()
    model = Plain()
    model.compile(optimizer=nr.optimizers.SGD(0.1))
    history = model.fit(x, y, batch_size=16, epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.05
    assert model.optimizer.iterations == 80


def test_custom_step_without_compile_says_to_compile():
    model = _TwoNets()
    x, y = _regression(8)
    with pytest.raises(RuntimeError, match=r"overrides train_step.*call compile\(\.\.\.\) first"):
        model.fit(x, y, verbose=0)


def test_compile_default_optimizer_is_rmsprop():
    model = _model()
    model.compile(loss="mse")
    assert type(model.optimizer).__name__ == "RMSprop"


# -- Keras masks in the loss and the metrics --------------------------------------------------


def _masked_tagger(seed=0):
    """Embedding(mask_zero) -> LSTM(return_sequences) -> Dense softmax: a per-step classifier
    whose padded steps (id 0) carry a mask to the loss."""
    nr.utils.set_seed(seed)
    model = nr.Sequential([nr.Input((6,), dtype="int64"),
                           nr.layers.Embedding(7, 4, mask_zero=True),
                           nr.layers.LSTM(5, return_sequences=True),
                           nr.layers.Dense(3, activation="softmax")])
    x = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 6, 1, 2, 0], [3, 3, 0, 0, 0, 0]])
    y = np.array([[0, 1, 2, 1, 1, 1], [2, 2, 1, 0, 0, 2], [1, 0, 2, 2, 2, 2]])
    return model, x, y


def _masked_reference(model, x, y):
    """Loss and accuracy over the real steps only, from the model's probabilities."""
    probs = model.predict(x, verbose=0).astype(np.float64)
    real = x != 0
    picked = np.take_along_axis(probs, y[..., None], -1)[..., 0]
    loss = -np.log(picked[real]).mean()
    accuracy = (probs.argmax(-1) == y)[real].mean()
    return loss, accuracy


def test_masked_steps_are_left_out_of_loss_and_metrics():
    model, x, y = _masked_tagger()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    loss, accuracy = model.evaluate(x, y, verbose=0, batch_size=3)
    ref_loss, ref_accuracy = _masked_reference(model, x, y)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    assert accuracy == pytest.approx(ref_accuracy, rel=1e-12)
    # with a sample weight, each sample's real steps count with its weight
    w = np.array([1.0, 2.0, 0.5])
    weighted, _ = model.evaluate(x, y, sample_weight=w, verbose=0, batch_size=3)
    probs = model.predict(x, verbose=0).astype(np.float64)
    nll = -np.log(np.take_along_axis(probs, y[..., None], -1)[..., 0])
    real = x != 0
    expected = (nll * real * w[:, None]).sum() / real.sum()
    assert weighted == pytest.approx(expected, rel=1e-5)


def test_masked_training_step_matches_the_masked_loss_gradient():
    # fit's fused softmax + cross-entropy must give way to the masked loss: the padded
    # steps' targets change nothing
    model, x, y = _masked_tagger(seed=1)
    model.compile(optimizer=nr.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    other, _, _ = _masked_tagger(seed=1)
    other.compile(optimizer=nr.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    y_other = np.where(x != 0, y, (y + 1) % 3)  # different labels on padded steps only
    _, ref_accuracy = _masked_reference(model, x, y)  # before the step
    first = model.train_on_batch(x, y)
    second = other.train_on_batch(x, y_other)
    assert first == pytest.approx(second, rel=1e-6)  # [loss, accuracy]
    assert first[1] == pytest.approx(ref_accuracy, rel=1e-12)
    for a, b in zip(model.get_weights(), other.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
