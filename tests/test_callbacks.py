"""Callbacks (neurona/callbacks.py), driven by a small stand-in model and training loop."""

import csv
import io
import json
import math
import os
import sys

import numpy as np
import pytest

import neurona as nr
from neurona import backend
from neurona.callbacks import (
    BackupAndRestore,
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgbarLogger,
    ReduceLROnPlateau,
    TerminateOnNaN,
    _format_duration,
    _format_value,
    _infer_direction,
)

# ---------------------------------------------------------------------------------------------
# A stand-in for the model and the trainer's loop
# ---------------------------------------------------------------------------------------------


class FakeOptimizer:
    def __init__(self, learning_rate=0.1):
        self.learning_rate = learning_rate
        self.iterations = 0


class FakeModel:
    """What a callback sees of a model. Every training step adds 1 to every weight, so the
    weights say how many steps the model has taken."""

    def __init__(self):
        self.stop_training = False
        self.history = None
        self.optimizer = FakeOptimizer()
        self.weights = [np.zeros(2, np.float32), np.zeros((2, 2), np.float32)]
        self.saved = []  # (method, file name) of every save
        self.draws = []  # random numbers drawn by the loop, one per epoch

    def get_weights(self):
        # the live arrays, as an arena-backed model might hand out: callbacks must copy
        return self.weights

    def set_weights(self, weights):
        for w, v in zip(self.weights, weights, strict=True):
            w[...] = v

    def train_step(self):
        for w in self.weights:
            w += 1
        self.optimizer.iterations += 1

    def _write(self, path, method):
        state = {"weights": [w.tolist() for w in self.weights],
                 "iterations": self.optimizer.iterations}
        with open(path, "w") as f:
            json.dump(state, f)
        self.saved.append((method, os.path.basename(path)))

    def save(self, path):
        self._write(path, "save")

    def save_weights(self, path):
        self._write(path, "save_weights")

    def load_weights(self, path):
        with open(path) as f:
            state = json.load(f)
        self.set_weights([np.array(w) for w in state["weights"]])



class ResumableModel(FakeModel):
    """A model with the method BackupAndRestore uses to restore weights and optimizer."""

    def _restore_backup(self, path):
        self.load_weights(path)
        with open(path) as f:
            self.optimizer.iterations = json.load(f)["iterations"]


def fit(model, callbacks=(), epoch_logs=(), steps=2, verbose=0, batch_logs=None):
    """The trainer's loop as it calls the hooks. Epoch ``e`` ends with ``epoch_logs[e]``;
    batch logs are ``batch_logs(epoch, step)`` (default: the epoch's loss)."""
    epochs = len(epoch_logs)
    cbs = CallbackList(list(callbacks), add_history=True, add_progbar=verbose != 0,
                       model=model, epochs=epochs, steps=steps, verbose=verbose)
    model.stop_training = False
    cbs.on_train_begin()
    start = max((cb._resume_epoch for cb in cbs if getattr(cb, "_resume_epoch", None)
                 is not None), default=0)
    logs = {}
    for epoch in range(start, epochs):
        cbs.on_epoch_begin(epoch)
        model.draws.append(float(backend.rng().random()))  # stands for shuffling
        for step in range(steps):
            cbs.on_train_batch_begin(step)
            model.train_step()
            logs = (batch_logs(epoch, step) if batch_logs is not None
                    else {"loss": epoch_logs[epoch].get("loss", 0.0)})
            cbs.on_train_batch_end(step, logs)
            if model.stop_training:
                break
        cbs.on_epoch_end(epoch, dict(epoch_logs[epoch]))
        if model.stop_training:
            break
    cbs.on_train_end(logs)
    return model.history


def losses(*values, key="loss"):
    return [{key: v} for v in values]


class Clock:
    """A settable clock for ProgbarLogger."""

    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


class Recorder(Callback):
    """Records every hook call."""

    def __init__(self):
        super().__init__()
        self.calls = []


def _recording(name):
    def hook(self, *args):
        self.calls.append((name, *args))

    return hook


for _name in ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
              "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
              "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
              "on_predict_batch_begin", "on_predict_batch_end"]:
    setattr(Recorder, _name, _recording(_name))


# ---------------------------------------------------------------------------------------------
# Callback and CallbackList
# ---------------------------------------------------------------------------------------------

HOOKS_WITH_INDEX = ["on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
                    "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end",
                    "on_predict_batch_begin", "on_predict_batch_end", "on_batch_begin",
                    "on_batch_end"]
HOOKS_LOGS_ONLY = ["on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
                   "on_predict_begin", "on_predict_end"]


def test_base_callback_has_every_hook_and_the_model():
    cb = Callback()
    assert cb.model is None and cb.params is None
    for name in HOOKS_WITH_INDEX:
        assert getattr(cb, name)(0, {"loss": 1.0}) is None
        assert getattr(cb, name)(0) is None
    for name in HOOKS_LOGS_ONLY:
        assert getattr(cb, name)({"loss": 1.0}) is None
        assert getattr(cb, name)() is None
    model = FakeModel()
    cb.set_model(model)
    cb.set_params({"epochs": 3, "steps": 5, "verbose": 0})
    assert cb.model is model
    assert cb.params == {"epochs": 3, "steps": 5, "verbose": 0}
    other = FakeModel()
    cb.model = other
    assert cb.model is other


def test_callback_list_calls_hooks_in_training_order():
    rec = Recorder()
    fit(FakeModel(), [rec], losses(1.0, 0.5), steps=2)
    names = [c[0] for c in rec.calls]
    assert names == [
        "on_train_begin",
        "on_epoch_begin", "on_train_batch_begin", "on_train_batch_end",
        "on_train_batch_begin", "on_train_batch_end", "on_epoch_end",
        "on_epoch_begin", "on_train_batch_begin", "on_train_batch_end",
        "on_train_batch_begin", "on_train_batch_end", "on_epoch_end",
        "on_train_end",
    ]
    assert rec.calls[0] == ("on_train_begin", None)  # logs are always passed
    assert rec.calls[1] == ("on_epoch_begin", 0, None)
    assert rec.calls[6] == ("on_epoch_end", 0, {"loss": 1.0})
    assert rec.calls[3] == ("on_train_batch_end", 0, {"loss": 1.0})


def test_callback_list_dispatches_test_and_predict_hooks():
    rec = Recorder()
    cbs = CallbackList([rec])
    cbs.on_test_begin()
    cbs.on_test_batch_begin(0)
    cbs.on_test_batch_end(0, {"loss": 2.0})
    cbs.on_test_end({"loss": 2.0})
    cbs.on_predict_begin()
    cbs.on_predict_batch_begin(0)
    cbs.on_predict_batch_end(0)
    cbs.on_predict_end()
    assert [c[0] for c in rec.calls] == [
        "on_test_begin", "on_test_batch_begin", "on_test_batch_end", "on_test_end",
        "on_predict_begin", "on_predict_batch_begin", "on_predict_batch_end", "on_predict_end"]
    assert rec.calls[2] == ("on_test_batch_end", 0, {"loss": 2.0})


def test_old_batch_hook_names_still_work():
    class Old(Callback):
        def __init__(self):
            super().__init__()
            self.seen = []

        def on_batch_begin(self, batch, logs=None):
            self.seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            self.seen.append(("end", batch))

    old = Old()
    fit(FakeModel(), [old], losses(1.0), steps=2)
    assert old.seen == [("begin", 0), ("end", 0), ("begin", 1), ("end", 1)]
    cbs = CallbackList([old])
    cbs.on_batch_end(7)  # on a list, the old names mean the train-batch hooks
    assert old.seen[-1] == ("end", 7)


def test_callback_list_skips_hooks_a_callback_leaves_empty():
    class EpochOnly(Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    epoch_only, lam = EpochOnly(), LambdaCallback(on_train_batch_end=lambda b, logs: None)
    cbs = CallbackList([epoch_only, lam])
    assert cbs._listeners["on_epoch_end"] == [epoch_only]
    assert cbs._listeners["on_train_batch_end"] == [lam]
    assert cbs._listeners["on_predict_batch_end"] == []


def test_callback_list_adds_history_and_progbar_once():
    model = FakeModel()
    cbs = CallbackList(None, add_history=True, add_progbar=True, model=model, epochs=2,
                       steps=3, verbose=1)
    assert [type(cb) for cb in cbs] == [History, ProgbarLogger]
    assert model.history is cbs.callbacks[0]
    assert all(cb.model is model for cb in cbs)
    assert all(cb.params == {"epochs": 2, "steps": 3, "verbose": 1} for cb in cbs)
    mine = History()
    cbs = CallbackList([mine], add_history=True, model=model)
    assert cbs.callbacks == [mine] and model.history is mine
    assert len(CallbackList()) == 0


def test_callback_list_flattens_and_appends():
    a, b, c = Callback(), Callback(), Callback()
    model = FakeModel()
    cbs = CallbackList([a, [b]], model=model, epochs=1, steps=1, verbose=0)
    assert cbs.callbacks == [a, b]
    cbs.append(c)
    assert cbs.callbacks == [a, b, c]
    assert c.model is model and c.params == {"epochs": 1, "steps": 1, "verbose": 0}
    assert CallbackList(a).callbacks == [a]


def test_callback_list_refuses_non_callbacks():
    with pytest.raises(TypeError, match=r"callbacks\[1\] is a function, not a Callback; "
                                        r"subclass .* or wrap functions in LambdaCallback"):
        CallbackList([Callback(), lambda: None])
    with pytest.raises(TypeError, match="callbacks must be a Callback or a list of Callbacks, "
                                        "got str"):
        CallbackList("early_stopping")
    with pytest.raises(TypeError, match=r"callbacks\[0\] is a int"):
        CallbackList([]).append(3)


# ---------------------------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------------------------


def test_history_records_every_epoch():
    model = FakeModel()
    logs = [{"loss": 1.0, "val_loss": 1.5}, {"loss": 0.5, "val_loss": 0.75}]
    history = fit(model, [], logs)
    assert isinstance(history, History) and model.history is history
    assert history.history == {"loss": [1.0, 0.5], "val_loss": [1.5, 0.75]}
    assert history.epoch == [0, 1]


# ---------------------------------------------------------------------------------------------
# ProgbarLogger
# ---------------------------------------------------------------------------------------------


class TTY(io.StringIO):
    def isatty(self):
        return True


def progbar_run(verbose, epoch_logs, steps=2, tick=0.25, batch_logs=None):
    """Fit with a ProgbarLogger on a fake clock that advances ``tick`` seconds per step."""
    clock = Clock()
    bar = ProgbarLogger()
    bar._clock = clock

    def advance(batch, logs):
        clock.t += tick

    ticker = LambdaCallback(on_train_batch_end=advance)
    fit(FakeModel(), [ticker, bar], epoch_logs, steps=steps, verbose=verbose,
        batch_logs=batch_logs)
    return bar


FULL = "[" + "=" * 30 + "]"


def test_progbar_prints_one_line_per_epoch_when_not_a_terminal(capsys):
    logs = [{"loss": 0.5, "accuracy": 0.95, "val_loss": 1e-5},
            {"loss": 0.25, "accuracy": 0.975, "val_loss": 2.0}]
    progbar_run(1, logs)
    assert capsys.readouterr().out == (
        "Epoch 1/2\n"
        f"2/2 {FULL} - 0.5s - loss: 0.5000 - accuracy: 0.9500 - val_loss: 1.0000e-05\n"
        "Epoch 2/2\n"
        f"2/2 {FULL} - 0.5s - loss: 0.2500 - accuracy: 0.9750 - val_loss: 2.0000\n"
    )


def test_progbar_verbose_2_prints_lines_without_a_bar(capsys):
    progbar_run(2, losses(0.5, 0.25), steps=10)
    assert capsys.readouterr().out == (
        "Epoch 1/2\n10/10 - 2.5s - loss: 0.5000\nEpoch 2/2\n10/10 - 2.5s - loss: 0.2500\n")


def test_progbar_verbose_0_prints_nothing(capsys):
    progbar_run(0, losses(0.5, 0.25))
    assert capsys.readouterr().out == ""


def test_progbar_single_epoch_has_no_epoch_header(capsys):
    progbar_run(1, losses(0.5))
    assert capsys.readouterr().out == f"2/2 {FULL} - 0.5s - loss: 0.5000\n"


def test_progbar_redraws_in_place_at_most_ten_times_a_second(monkeypatch):
    tty = TTY()
    monkeypatch.setattr(sys, "stdout", tty)
    progbar_run(1, losses(0.5), steps=100, tick=0.01)  # one second of training
    out = tty.getvalue()
    assert out.count("\n") == 1  # the bar never scrolls
    assert 9 <= out.count("\r") <= 12  # ~10 redraws in the second, plus the final one
    final = out.rsplit("\r", 1)[1]
    assert final.endswith("\n")
    # padded with spaces over the longer "ETA: ..." line before it
    assert final.rstrip() == f"100/100 {FULL} - 1.0s - loss: 0.5000"
    first = out.split("\r")[1]
    assert first.startswith("  1/100 [>" + "." * 29 + "] - ETA: ")
    assert " - loss: 0.5000" in first


def test_progbar_pads_a_shorter_line_over_the_previous_one(monkeypatch):
    tty = TTY()
    monkeypatch.setattr(sys, "stdout", tty)
    progbar_run(1, losses(0.5), steps=1,
                batch_logs=lambda e, s: {"loss": 0.5, "a_long_metric_name": 1.0})
    _, first, final = tty.getvalue().split("\r")
    assert final.endswith(" \n")
    assert len(final) - 1 == len(first)


def test_progbar_with_unknown_steps(monkeypatch):
    tty = TTY()
    monkeypatch.setattr(sys, "stdout", tty)
    clock = Clock()
    bar = ProgbarLogger()
    bar._clock = clock
    bar.set_params({"epochs": 1, "steps": None, "verbose": 1})
    bar.on_train_begin()
    bar.on_epoch_begin(0)
    bar.on_train_batch_end(0, {"loss": 1.0})
    clock.t = 0.5
    bar.on_train_batch_end(1, {"loss": 1.0})
    bar.on_train_batch_end(2, {"loss": 1.0})
    bar.on_epoch_end(0, {"loss": 1.0})
    parts = tty.getvalue().split("\r")
    assert parts[1].startswith("1/Unknown - 0.0s - loss: 1.0000")
    assert parts[2].startswith("2/Unknown - 0.5s")
    assert parts[-1] == f"3/3 {FULL} - 0.5s - loss: 1.0000\n"
    assert bar.target == 3


def test_progbar_shows_evaluate_and_predict_but_not_validation_in_fit(capsys):
    bar = ProgbarLogger()
    bar._clock = Clock()
    bar.set_params({"epochs": 1, "steps": 4, "verbose": 1})
    bar.on_test_begin()
    for i in range(4):
        bar.on_test_batch_end(i, {"loss": 0.125})
    bar.on_test_end({"loss": 0.125})
    bar.on_predict_begin()
    for i in range(4):
        bar.on_predict_batch_end(i)
    bar.on_predict_end()
    assert capsys.readouterr().out == (f"4/4 {FULL} - 0.0s - loss: 0.1250\n"
                                       f"4/4 {FULL} - 0.0s\n")
    bar.on_train_begin()  # inside fit, validation runs silently
    bar.on_test_begin()
    bar.on_test_batch_end(0, {"loss": 1.0})
    bar.on_test_end({"loss": 1.0})
    assert capsys.readouterr().out == ""


def test_progbar_bar_shapes():
    bar = ProgbarLogger()
    assert bar._bar(0, 10) == "[>" + "." * 29 + "]"
    assert bar._bar(5, 10) == "[" + "=" * 14 + ">" + "." * 15 + "]"
    assert bar._bar(10, 10) == FULL


def test_progbar_verbose_auto_means_1():
    bar = ProgbarLogger()
    bar.set_params({"epochs": 3, "steps": 2, "verbose": "auto"})
    assert (bar.verbose, bar.epochs, bar.target) == (1, 3, 2)


@pytest.mark.parametrize("value, text", [
    (0.12345, "0.1235"), (2, "2.0000"), (1e-5, "1.0000e-05"), (0.0, "0.0000e+00"),
    (float("nan"), "nan"), (np.float32(0.5), "0.5000"), ("n/a", "n/a"), (True, "True"),
])
def test_format_value(value, text):
    assert _format_value(value) == text


@pytest.mark.parametrize("seconds, text", [
    (0.04, "0.0s"), (0.1, "0.1s"), (59.9, "59.9s"), (75, "1m 15s"), (3725, "1h 02m"),
])
def test_format_duration(seconds, text):
    assert _format_duration(seconds) == text


# ---------------------------------------------------------------------------------------------
# EarlyStopping and the monitored direction
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("monitor, direction", [
    ("loss", "min"), ("val_loss", "min"), ("output_1_loss", "min"), ("mse", "min"),
    ("val_mae", "min"), ("mean_squared_error", "min"), ("categorical_crossentropy", "min"),
    ("accuracy", "max"), ("val_acc", "max"), ("sparse_categorical_accuracy", "max"),
    ("val_auc", "max"), ("precision", "max"), ("val_recall", "max"), ("f1_score", "max"),
    ("dense_1_acc", "max"), ("Val_Accuracy", "max"),
])
def test_auto_mode_reads_the_direction_from_the_name(monitor, direction):
    assert _infer_direction(monitor, "EarlyStopping") == direction
    assert EarlyStopping(monitor=monitor).direction == direction


def test_auto_mode_refuses_a_name_it_cannot_read():
    model = FakeModel()
    stop = EarlyStopping(monitor="dice")
    with pytest.raises(ValueError, match=r"EarlyStopping cannot tell whether monitor='dice' "
                                         r"should be minimized or maximized; pass mode='min'"):
        fit(model, [stop], losses(1.0, 0.5, key="dice"))
    assert EarlyStopping(monitor="dice", mode="max").direction == "max"


@pytest.mark.parametrize("cls", [EarlyStopping, ReduceLROnPlateau])
def test_unknown_mode_is_refused(cls):
    with pytest.raises(ValueError, match=f"{cls.__name__}: mode must be 'auto', 'min' or "
                                         "'max', got 'minimum'"):
        cls(mode="minimum")
    with pytest.raises(ValueError, match="ModelCheckpoint: mode must be"):
        ModelCheckpoint("m.neurona", mode="low")


def test_early_stopping_counts_patience():
    model = FakeModel()
    stop = EarlyStopping(monitor="loss", patience=2)
    history = fit(model, [stop], losses(1.0, 0.9, 0.95, 0.96, 0.5, 0.4))
    assert history.history["loss"] == [1.0, 0.9, 0.95, 0.96]
    assert stop.stopped_epoch == 3 and stop.best == 0.9 and stop.wait == 2


def test_early_stopping_patience_0_stops_at_the_first_worse_epoch():
    stop = EarlyStopping(monitor="loss")
    history = fit(FakeModel(), [stop], losses(1.0, 0.9, 0.95, 0.5))
    assert len(history.history["loss"]) == 3


def test_early_stopping_min_delta():
    stop = EarlyStopping(monitor="loss", min_delta=0.1, patience=1)
    history = fit(FakeModel(), [stop], losses(1.0, 0.85, 0.8, 0.78, 0.5))
    # 0.85 improves by more than 0.1; 0.8 (vs 0.85) does not
    assert history.history["loss"] == [1.0, 0.85, 0.8]
    assert stop.best == 0.85
    assert EarlyStopping(min_delta=-0.1).min_delta == 0.1


def test_early_stopping_max_mode():
    stop = EarlyStopping(monitor="val_accuracy", patience=1)
    history = fit(FakeModel(), [stop], losses(0.5, 0.7, 0.6, 0.9, key="val_accuracy"))
    assert history.history["val_accuracy"] == [0.5, 0.7, 0.6]
    stop = EarlyStopping(monitor="val_accuracy", patience=1, mode="min")
    history = fit(FakeModel(), [stop], losses(0.5, 0.7, 0.6, 0.9, key="val_accuracy"))
    assert history.history["val_accuracy"] == [0.5, 0.7]


def test_early_stopping_baseline():
    # never better than the baseline: training runs `patience` epochs, even while improving
    stop = EarlyStopping(monitor="loss", patience=3, baseline=0.5)
    history = fit(FakeModel(), [stop], losses(1.0, 0.9, 0.8, 0.7, 0.6))
    assert history.history["loss"] == [1.0, 0.9, 0.8]
    assert stop.best == 0.8
    # beating the baseline resets patience as usual
    stop = EarlyStopping(monitor="loss", patience=2, baseline=0.95)
    history = fit(FakeModel(), [stop], losses(1.0, 0.9, 0.8, 0.85, 0.86, 0.1))
    assert history.history["loss"] == [1.0, 0.9, 0.8, 0.85, 0.86]


def test_early_stopping_restores_best_weights(capsys):
    model = FakeModel()
    stop = EarlyStopping(monitor="loss", patience=2, restore_best_weights=True, verbose=1)
    fit(model, [stop], losses(1.0, 0.5, 0.7, 0.8, 0.9), steps=2)
    # weights count the steps taken: the best epoch (1) ended after 4 steps
    assert all(np.all(w == 4) for w in model.weights)
    assert stop.best_epoch == 1
    assert capsys.readouterr().out == (
        "Epoch 4: early stopping\nRestoring model weights from the end of the best epoch: 2.\n")


def test_early_stopping_restores_the_first_monitored_epoch_when_nothing_improves():
    model = FakeModel()
    stop = EarlyStopping(monitor="loss", patience=1, baseline=0.1, restore_best_weights=True,
                         start_from_epoch=1)
    fit(model, [stop], losses(1.0, 2.0, 3.0, 4.0), steps=1)
    assert stop.best_epoch == 1
    assert all(np.all(w == 2) for w in model.weights)


def test_early_stopping_start_from_epoch():
    stop = EarlyStopping(monitor="loss", start_from_epoch=3)
    history = fit(FakeModel(), [stop], losses(1.0, 2.0, 3.0, 4.0, 5.0))
    assert history.history["loss"] == [1.0, 2.0, 3.0, 4.0, 5.0]  # epoch 4 is worse than 3
    assert stop.stopped_epoch == 4
    stop = EarlyStopping(monitor="loss", start_from_epoch=3)
    history = fit(FakeModel(), [stop], losses(1.0, 2.0, 3.0, 4.0))
    assert stop.stopped_epoch == 0 and len(history.history["loss"]) == 4


def test_early_stopping_resets_between_fits():
    stop = EarlyStopping(monitor="loss", patience=1)
    fit(FakeModel(), [stop], losses(0.1, 0.2, 0.3))
    assert stop.stopped_epoch == 1
    history = fit(FakeModel(), [stop], losses(5.0, 4.0, 3.0))
    assert len(history.history["loss"]) == 3 and stop.best == 3.0


def test_early_stopping_warns_when_the_monitor_is_missing():
    stop = EarlyStopping(monitor="val_loss")
    with pytest.warns(UserWarning, match=r"EarlyStopping monitors 'val_loss', which is not in "
                                         r"the logs \(available: loss\)"):
        history = fit(FakeModel(), [stop], losses(1.0, 2.0))
    assert len(history.history["loss"]) == 2


# ---------------------------------------------------------------------------------------------
# ModelCheckpoint
# ---------------------------------------------------------------------------------------------


def test_checkpoint_saves_every_epoch_with_formatted_names(tmp_path):
    model = FakeModel()
    path = tmp_path / "ckpt" / "m-{epoch:02d}-{val_loss:.2f}.neurona"
    fit(model, [ModelCheckpoint(path)], losses(1.0, 0.5, key="val_loss"))
    assert model.saved == [("save", "m-01-1.00.neurona"), ("save", "m-02-0.50.neurona")]
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["m-01-1.00.neurona", "m-02-0.50.neurona"]


def test_checkpoint_save_best_only(tmp_path, capsys):
    model = FakeModel()
    ckpt = ModelCheckpoint(str(tmp_path / "best-{epoch}.neurona"), monitor="val_accuracy",
                           save_best_only=True, verbose=1)
    fit(model, [ckpt], losses(0.5, 0.4, 0.8, 0.8, key="val_accuracy"))
    assert [name for _, name in model.saved] == ["best-1.neurona", "best-3.neurona"]
    assert ckpt.best == 0.8
    out = capsys.readouterr().out
    assert "Epoch 1: val_accuracy improved from None to 0.50000, saving model to" in out
    assert "Epoch 2: val_accuracy did not improve from 0.50000" in out
    assert "Epoch 3: val_accuracy improved from 0.50000 to 0.80000" in out


def test_checkpoint_initial_value_threshold(tmp_path):
    model = FakeModel()
    ckpt = ModelCheckpoint(str(tmp_path / "m.neurona"), monitor="loss", save_best_only=True,
                           initial_value_threshold=0.6)
    fit(model, [ckpt], losses(1.0, 0.7, 0.5, 0.55))
    assert model.saved == [("save", "m.neurona")]
    with open(tmp_path / "m.neurona") as f:
        assert json.load(f)["iterations"] == 6  # saved after epoch 3 (2 steps each)


def test_checkpoint_weights_only(tmp_path, capsys):
    model = FakeModel()
    fit(model, [ModelCheckpoint(tmp_path / "w.safetensors", save_weights_only=True,
                                verbose=1)], losses(1.0))
    assert model.saved == [("save_weights", "w.safetensors")]
    assert "Epoch 1: saving model to" in capsys.readouterr().out


def test_checkpoint_checks_the_file_extension():
    with pytest.raises(ValueError, match=r"ModelCheckpoint saves a whole model to a '\.neurona'"
                                         r" file; got filepath='best\.keras'"):
        ModelCheckpoint("best.keras")
    with pytest.raises(ValueError, match=r"saves weights \(save_weights_only=True\) to a "
                                         r"'\.safetensors' file; got filepath='w\.neurona'"):
        ModelCheckpoint("w.neurona", save_weights_only=True)


@pytest.mark.parametrize("cls, path", [(ModelCheckpoint, "m.neurona"),
                                       (BackupAndRestore, "backup")])
@pytest.mark.parametrize("bad", ["batch", 0, -3, 2.5, True])
def test_save_freq_must_be_epoch_or_a_positive_int(cls, path, bad):
    with pytest.raises(ValueError, match=f"{cls.__name__}: save_freq must be 'epoch' or a "
                                         "positive number of batches"):
        cls(path, save_freq=bad)


def test_checkpoint_save_freq_in_batches(tmp_path):
    model = FakeModel()
    ckpt = ModelCheckpoint(str(tmp_path / "m-{epoch}-{batch}.neurona"), save_freq=3)
    fit(model, [ckpt], losses(1.0, 1.0, 1.0), steps=2)  # 6 steps: saves after steps 3 and 6
    assert [name for _, name in model.saved] == ["m-2-1.neurona", "m-3-2.neurona"]


def test_checkpoint_reports_a_placeholder_missing_from_the_logs(tmp_path):
    ckpt = ModelCheckpoint(str(tmp_path / "m-{val_acc:.2f}.neurona"))
    with pytest.raises(KeyError, match=r"ModelCheckpoint cannot fill \{val_acc\} in filepath "
                                       r".*the logs hold loss \(and epoch\)"):
        fit(FakeModel(), [ckpt], losses(1.0))


def test_checkpoint_save_best_only_without_the_monitor_warns_and_saves(tmp_path):
    model = FakeModel()
    ckpt = ModelCheckpoint(str(tmp_path / "m.neurona"), save_best_only=True)
    with pytest.warns(UserWarning, match=r"ModelCheckpoint\(save_best_only=True\) monitors "
                                         r"'val_loss', which is not in the logs"):
        fit(model, [ckpt], losses(1.0))
    assert model.saved == [("save", "m.neurona")]


def test_checkpoint_refuses_a_folder_as_filepath(tmp_path):
    (tmp_path / "m.neurona").mkdir()
    with pytest.raises(IsADirectoryError, match="is a folder; give a file name"):
        fit(FakeModel(), [ModelCheckpoint(str(tmp_path / "m.neurona"))], losses(1.0))


# ---------------------------------------------------------------------------------------------
# Learning-rate callbacks
# ---------------------------------------------------------------------------------------------


def test_reduce_lr_on_plateau(capsys):
    model = FakeModel()
    reduce = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2, min_lr=0.03, verbose=1)
    history = fit(model, [reduce], losses(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0))
    # reduced after epochs 3 and 5 (0.1 -> 0.05 -> 0.03 floor), then at the floor
    assert history.history["learning_rate"] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.03, 0.03]
    assert model.optimizer.learning_rate == 0.03
    out = capsys.readouterr().out
    assert "Epoch 3: ReduceLROnPlateau reducing learning rate to 0.05." in out
    assert "Epoch 5: ReduceLROnPlateau reducing learning rate to 0.03." in out
    assert out.count("reducing") == 2


def test_reduce_lr_min_delta_and_max_mode():
    model = FakeModel()
    reduce = ReduceLROnPlateau(monitor="val_accuracy", factor=0.1, patience=1, min_delta=0.05)
    fit(model, [reduce], losses(0.5, 0.52, 0.6, key="val_accuracy"))
    assert math.isclose(model.optimizer.learning_rate, 0.01)  # only 0.52 was no improvement
    assert reduce.best == 0.6 and reduce.direction == "max"


def test_reduce_lr_cooldown():
    model = FakeModel()
    reduce = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, cooldown=2)
    history = fit(model, [reduce], losses(1.0, 1.0, 1.0, 1.0, 1.0, 1.0))
    # reduced at epoch 1 (logged from epoch 2); epoch 2 cools down, epoch 3 ends the cooldown
    # and counts towards patience again, as in Keras
    assert history.history["learning_rate"] == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    assert model.optimizer.learning_rate == 0.0125  # and again at epoch 5
    assert reduce.cooldown_counter == 2


def test_reduce_lr_resets_and_reads_a_schedule():
    model = FakeModel()
    model.optimizer.learning_rate = lambda step: 1.0 / (1 + step)
    reduce = ReduceLROnPlateau(monitor="loss", patience=5)
    history = fit(model, [reduce], losses(1.0, 1.0), steps=1)
    assert history.history["learning_rate"] == [0.5, 1.0 / 3]
    assert reduce.wait == 1
    reduce.on_train_begin()
    assert (reduce.wait, reduce.best, reduce.cooldown_counter) == (0, None, 0)


def test_reduce_lr_checks_factor_and_warns_on_missing_monitor():
    with pytest.raises(ValueError, match=r"ReduceLROnPlateau: factor must be in \[0, 1\) "
                                         r"\(new_lr = lr \* factor\), got factor=1.5"):
        ReduceLROnPlateau(factor=1.5)
    model = FakeModel()
    with pytest.warns(UserWarning, match="ReduceLROnPlateau monitors 'val_loss', which is not "
                                         "in the logs"):
        fit(model, [ReduceLROnPlateau(patience=0)], losses(1.0))
    assert model.optimizer.learning_rate == 0.1


def test_learning_rate_scheduler_two_argument_schedule(capsys):
    model = FakeModel()
    sched = LearningRateScheduler(lambda epoch, lr: lr if epoch < 1 else lr * 0.5, verbose=1)
    history = fit(model, [sched], losses(1.0, 1.0, 1.0))
    assert history.history["learning_rate"] == [0.1, 0.05, 0.025]
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.05." in \
        capsys.readouterr().out


def test_learning_rate_scheduler_one_argument_schedule():
    class Schedule:  # like an optimizers.schedules object: called with a step
        def __call__(self, step):
            return np.float32(0.5) ** step

    model = FakeModel()
    history = fit(model, [LearningRateScheduler(Schedule())], losses(1.0, 1.0))
    assert history.history["learning_rate"] == [1.0, 0.5]
    assert type(model.optimizer.learning_rate) is float
    fit(model, [LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))], losses(1.0, 1.0))
    assert model.optimizer.learning_rate == 0.02


def test_learning_rate_scheduler_checks_the_schedule():
    with pytest.raises(TypeError, match="LearningRateScheduler expects a callable "
                                        r"schedule\(epoch, lr\), got float"):
        LearningRateScheduler(0.1)
    with pytest.raises(ValueError, match="the schedule must return a finite float, got None "
                                         "at epoch 0"):
        fit(FakeModel(), [LearningRateScheduler(lambda epoch, lr: None)], losses(1.0))
    with pytest.raises(ValueError, match="must return a finite float, got nan"):
        fit(FakeModel(), [LearningRateScheduler(lambda epoch: float("nan"))], losses(1.0))


# ---------------------------------------------------------------------------------------------
# TerminateOnNaN, CSVLogger, LambdaCallback
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_terminate_on_nan(bad, capsys):
    model = FakeModel()
    history = fit(model, [TerminateOnNaN()], losses(1.0, 1.0, 1.0), steps=3,
                  batch_logs=lambda epoch, step: {"loss": bad if (epoch, step) == (1, 1)
                                                  else 1.0})
    assert model.optimizer.iterations == 5  # stopped inside epoch 1, after its second step
    assert history.epoch == [0, 1]
    assert f"Batch 1: invalid loss ({bad}), terminating training" in capsys.readouterr().out


def test_csv_logger(tmp_path):
    path = tmp_path / "log.csv"
    logs = [{"loss": 1.0, "accuracy": 0.5}, {"loss": 0.5, "accuracy": 0.75, "val_loss": 0.25}]
    fit(FakeModel(), [CSVLogger(path)], logs)
    assert path.read_text() == (
        "epoch,accuracy,loss,val_accuracy,val_loss\n"
        "0,0.5,1.0,NA,NA\n"
        "1,0.75,0.5,NA,0.25\n"
    )


def test_csv_logger_appends_with_one_header(tmp_path):
    path = tmp_path / "log.csv"
    logger = CSVLogger(str(path), separator=";", append=True)
    logs = [{"loss": 1.0, "val_loss": 2.0}]
    fit(FakeModel(), [logger], logs)
    fit(FakeModel(), [logger], logs)
    with open(path, newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows == [["epoch", "loss", "val_loss"], ["0", "1.0", "2.0"], ["0", "1.0", "2.0"]]
    assert logger.csv_file is None  # closed at train end


def test_csv_logger_writes_lists_and_learning_rate(tmp_path):
    path = tmp_path / "log.csv"
    reduce = ReduceLROnPlateau(monitor="loss")
    fit(FakeModel(), [reduce, CSVLogger(path)], [{"loss": 1.0, "per_class": [0.25, 0.5]}])
    assert path.read_text() == (
        "epoch,learning_rate,loss,per_class,val_loss,val_per_class\n"
        '0,0.1,1.0,"[0.25, 0.5]",NA,NA\n'
    )


def test_lambda_callback():
    seen = []
    cb = LambdaCallback(
        on_train_begin=lambda logs: seen.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: seen.append(("epoch_begin", epoch)),
        on_train_batch_end=lambda batch, logs: seen.append(("batch_end", batch, logs["loss"])),
        on_epoch_end=lambda epoch, logs: seen.append(("epoch_end", epoch, logs["loss"])),
        on_train_end=lambda logs: seen.append("train_end"),
        on_test_end=lambda logs: seen.append("test_end"),
    )
    fit(FakeModel(), [cb], losses(0.5), steps=1)
    CallbackList([cb]).on_test_end({})
    assert seen == ["train_begin", ("epoch_begin", 0), ("batch_end", 0, 0.5),
                    ("epoch_end", 0, 0.5), "train_end", "test_end"]


def test_lambda_callback_checks_its_hooks():
    with pytest.raises(TypeError, match="LambdaCallback got an unknown hook 'on_epoch_ending'; "
                                        "hooks are: on_batch_begin"):
        LambdaCallback(on_epoch_ending=print)
    with pytest.raises(TypeError, match="LambdaCallback: on_epoch_end must be callable, got "
                                        "int"):
        LambdaCallback(on_epoch_end=3)


# ---------------------------------------------------------------------------------------------
# BackupAndRestore
# ---------------------------------------------------------------------------------------------


def crash_at(epoch):
    def boom(e, logs):
        if e == epoch:
            raise KeyboardInterrupt(f"interrupted at epoch {e}")

    return LambdaCallback(on_epoch_begin=boom)


def test_backup_resumes_training_exactly(tmp_path):
    epochs = losses(1.0, 0.9, 0.8, 0.7, 0.6)
    nr.utils.set_seed(0)
    straight = FakeModel()
    fit(straight, [], epochs, steps=3)

    backup_dir = tmp_path / "backup"
    nr.utils.set_seed(0)
    first = ResumableModel()
    with pytest.raises(KeyboardInterrupt):
        fit(first, [BackupAndRestore(backup_dir), crash_at(3)], epochs, steps=3)
    assert first.optimizer.iterations == 9

    nr.utils.set_seed(123)  # a new process: other random state, a fresh model
    second = ResumableModel()
    backup = BackupAndRestore(backup_dir)
    history = fit(second, [backup], epochs, steps=3)
    assert backup._resume_epoch == 3
    assert history.epoch == [3, 4]
    assert second.optimizer.iterations == straight.optimizer.iterations == 15
    for a, b in zip(second.weights, straight.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert first.draws[:3] + second.draws == straight.draws  # same shuffles after resuming
    assert not backup_dir.exists()  # finished: the backup is deleted


def test_backup_files_and_atomic_switch(tmp_path):
    backup_dir = tmp_path / "backup"
    model = ResumableModel()
    backup = BackupAndRestore(str(backup_dir), delete_checkpoint=False)
    fit(model, [backup], losses(1.0, 1.0, 1.0), steps=1)
    # one model file and the state file; no temporary files, older models removed
    assert sorted(os.listdir(backup_dir)) == ["model-3.neurona", "training_state.json"]
    with open(backup_dir / "training_state.json") as f:
        state = json.load(f)
    assert state["epoch"] == 3 and state["batch"] is None
    assert state["model_file"] == "model-3.neurona"
    assert state["rng_state"] == backend.rng().bit_generator.state
    assert [m for m, _ in model.saved] == ["save"] * 3

    # training that already finished resumes with nothing left to do
    again = ResumableModel()
    fit(again, [backup], losses(1.0, 1.0, 1.0), steps=1)
    assert backup._resume_epoch == 3 and again.optimizer.iterations == 3


def test_backup_without_restore_method_loads_weights(tmp_path):
    first = ResumableModel()
    with pytest.raises(KeyboardInterrupt):
        fit(first, [BackupAndRestore(tmp_path), crash_at(1)], losses(1.0, 1.0), steps=2)
    plain = FakeModel()  # no _restore_backup
    fit(plain, [BackupAndRestore(tmp_path)], losses(1.0, 1.0), steps=2)
    assert all(np.all(w == 4) for w in plain.weights)  # 2 restored steps + 2 trained
    assert plain.optimizer.iterations == 2  # the optimizer state is not restored


def test_backup_in_the_middle_of_an_epoch(tmp_path):
    nr.utils.set_seed(5)
    model = ResumableModel()
    backup = BackupAndRestore(tmp_path / "b", save_freq=2)

    def boom(batch, logs):
        if model.optimizer.iterations == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit(model, [backup, LambdaCallback(on_train_batch_end=boom)], losses(1.0, 1.0), steps=3)
    with open(tmp_path / "b" / "training_state.json") as f:
        state = json.load(f)
    # saved after steps 2 and 4; step 4 was batch 0 of epoch 1, which resumes from its start
    assert (state["epoch"], state["batch"]) == (1, 0)

    resumed = ResumableModel()
    nr.utils.set_seed(99)
    fit(resumed, [BackupAndRestore(tmp_path / "b", save_freq=2)], losses(1.0, 1.0), steps=3)
    assert resumed.draws == model.draws[1:2]  # epoch 1 replays with the same shuffle
    assert resumed.optimizer.iterations == 7


def test_backup_refuses_a_broken_state(tmp_path):
    state_path = tmp_path / "training_state.json"
    state_path.write_text("{not json")
    with pytest.raises(ValueError, match=r"BackupAndRestore cannot read .*training_state\.json"
                                         r".*delete the folder .* to start training from "
                                         r"scratch"):
        fit(ResumableModel(), [BackupAndRestore(tmp_path)], losses(1.0))
    state_path.write_text(json.dumps({"epoch": 1}))
    with pytest.raises(ValueError, match=r"is not a neurona backup state \(expected the keys "
                                         r"epoch, model_file, save_count, rng_state\)"):
        fit(ResumableModel(), [BackupAndRestore(tmp_path)], losses(1.0))
    good = {"epoch": 1, "model_file": "model-1.neurona", "save_count": 1,
            "rng_state": backend.rng().bit_generator.state}
    state_path.write_text(json.dumps({**good, "model_file": "../elsewhere.neurona"}))
    with pytest.raises(ValueError, match=r"names an invalid model file '\.\./elsewhere"):
        fit(ResumableModel(), [BackupAndRestore(tmp_path)], losses(1.0))
    state_path.write_text(json.dumps(good))
    with pytest.raises(ValueError, match=r"the model file 'model-1\.neurona' named in .* is "
                                         r"missing"):
        fit(ResumableModel(), [BackupAndRestore(tmp_path)], losses(1.0))
    (tmp_path / "model-1.neurona").write_text(json.dumps({"weights": [[0, 0], [[0, 0], [0, 0]]],
                                                          "iterations": 0}))
    state_path.write_text(json.dumps({**good, "epoch": -1}))
    with pytest.raises(ValueError, match="has an invalid epoch -1"):
        fit(ResumableModel(), [BackupAndRestore(tmp_path)], losses(1.0))


def test_backup_needs_a_folder():
    with pytest.raises(ValueError, match="BackupAndRestore needs a backup_dir folder, got ''"):
        BackupAndRestore("")
