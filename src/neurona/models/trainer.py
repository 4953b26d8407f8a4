"""Training: ``compile``, ``fit``, ``evaluate``, ``predict`` and the overridable steps.

The Trainer is a mixin of ``Model``. One training step is: forward with ``training=True``, the
loss (plus regularization penalties), ``backward``, one optimizer ``step`` over the parameter
arena, constraints, metrics. When the output layer ends in softmax or sigmoid and the loss is the
matching cross-entropy, the step asks the layer for its logits and uses the fused, numerically
stable loss instead (the predictions seen by ``predict`` are unchanged).
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend, losses, metrics, optimizers
from ..autograd import no_grad
from ..layers.base import _flatten, _map_structure
from ..tensor import Tensor

__all__ = ["Trainer"]

_IGNORED_COMPILE_ARGS = ("run_eagerly", "jit_compile", "steps_per_execution", "auto_scale_loss")


class Trainer:
    """compile / fit / evaluate / predict for ``Model`` (Keras semantics)."""

    def __init__(self):
        self.optimizer = None
        self.loss = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._loss_objects = None
        self._loss_weights = None
        self._metric_specs = None
        self._metric_objects = None
        self._loss_tracker = None
        self._fused = None
        self._arena_params = None
        self._compile_args = None
        self._optimizer_given = False
        self._has_penalties = False  # regularizers anywhere in the model (set before training)
        self._has_constraints = False
        self._has_metrics = False

    # -- compile -------------------------------------------------------------------------------

    def compile(self, optimizer=None, loss=None, metrics=None, loss_weights=None,
                **kwargs) -> None:
        """Choose the optimizer, the loss and the metrics.

        A model that overrides ``train_step`` may compile without a loss, and may keep its own
        optimizers as attributes (a GAN's ``d_optimizer`` and ``g_optimizer``): then only an
        optimizer given here is built over all the trainable weights by ``fit``.

        Args:
            optimizer: name (``'adam'``, ``'sgd'``...) or an optimizer instance; None means
                ``'rmsprop'`` (Keras's default).
            loss: name, loss instance or function; a list or dict (by output name) for
                several outputs.
            metrics: list of names or metric instances (``['accuracy']``); a dict by output name
                for several outputs.
            loss_weights: weights of the outputs' losses (list or dict).

        Example:
            >>> model.compile(optimizer='adam', loss='sparse_categorical_crossentropy',
            ...               metrics=['accuracy'])
        """
        unknown = [k for k in kwargs if k not in _IGNORED_COMPILE_ARGS]
        if unknown:
            raise TypeError(f"compile() got unexpected keyword argument(s) {unknown}")
        self._optimizer_given = optimizer is not None
        self.optimizer = optimizers.get("rmsprop" if optimizer is None else optimizer)
        self.loss = loss
        self._compile_args = {"optimizer": optimizer, "loss": loss, "metrics": metrics,
                              "loss_weights": loss_weights}
        self._loss_weights = loss_weights
        self._metric_specs = metrics
        self._loss_objects = None
        self._metric_objects = None
        self._fused = None
        self._arena_params = None
        self.compiled = True

    def compile_config(self) -> dict | None:
        """The compile arguments as JSON-able values (None before compile)."""
        if not self.compiled:
            return None
        args = self._compile_args
        return {
            "optimizer": {"class_name": type(self.optimizer).__name__,
                          "config": self.optimizer.get_config()},
            "loss": _serialize_loss_spec(args["loss"]),
            "metrics": _serialize_metric_spec(args["metrics"]),
            "loss_weights": args["loss_weights"],
        }

    def _output_names(self) -> list[str]:
        outputs = getattr(self, "outputs", None) if getattr(self, "_functional", False) else None
        if outputs:
            return [kt.node.layer.name for kt in outputs]
        return ["output"]

    def _resolve_losses(self) -> None:
        names = self._output_names()
        spec = self.loss
        if spec is None and self._custom_train_step():
            # the overridden train_step computes its own losses
            self._loss_objects = [None] * len(names)
            self._loss_weights_list = [1.0] * len(names)
            self._fused = None
            return
        if spec is None:
            raise ValueError("compile() needs a loss, e.g. model.compile(loss='mse')")
        if isinstance(spec, dict):
            unknown = [k for k in spec if k not in names]
            if unknown:
                raise ValueError(f"loss given for unknown outputs {unknown}; outputs: {names}")
            objs = [losses.get(spec[n]) if spec.get(n) is not None else None for n in names]
        elif isinstance(spec, (list, tuple)):
            if len(spec) != len(names):
                raise ValueError(
                    f"compile() got {len(spec)} losses for a model with {len(names)} outputs"
                )
            objs = [losses.get(s) for s in spec]
        else:
            objs = [losses.get(spec)] * len(names) if len(names) > 1 else [losses.get(spec)]
        weights = self._loss_weights
        if weights is None:
            weights = [1.0] * len(names)
        elif isinstance(weights, dict):
            weights = [float(weights.get(n, 1.0)) for n in names]
        else:
            weights = [float(w) for w in weights]
            if len(weights) != len(names):
                raise ValueError(
                    f"loss_weights has {len(weights)} entries for {len(names)} outputs"
                )
        self._loss_objects = objs
        self._loss_weights_list = weights
        self._fused = self._find_fusion()

    def _resolve_metrics(self) -> None:
        names = self._output_names()
        spec = self._metric_specs or []
        per_output = []
        for i, name in enumerate(names):
            if isinstance(spec, dict):
                items = spec.get(name) or []
            else:
                items = spec
            items = [items] if isinstance(items, (str, metrics.Metric)) else list(items)
            loss = self._loss_objects[i]
            objs = [metrics.get(m, loss=loss) for m in items]
            if len(names) > 1:
                for m in objs:
                    m.name = f"{name}_{m.name}"
            per_output.append(objs)
        self._metric_objects = per_output
        self._loss_tracker = _LossTracker()
        self._has_metrics = any(self._metric_objects)

    @property
    def metrics(self) -> list:
        """The loss tracker and compiled metrics (after the first step)."""
        if self._metric_objects is None:
            return []
        return [self._loss_tracker] + [m for group in self._metric_objects for m in group]

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def _find_fusion(self):
        """(output layer, activation name, logits loss) when the output activation can be fused
        into a single-output model's cross-entropy, else None."""
        if len(self._loss_objects) != 1 or self._loss_objects[0] is None:
            return None
        loss = self._loss_objects[0]
        with_logits = getattr(loss, "with_logits", None)
        if with_logits is None or getattr(loss, "from_logits", True):
            return None
        layer = self._output_layer()
        act = getattr(getattr(layer, "activation", None), "__name__", None)
        ok = (act == "softmax" and isinstance(loss, (losses.CategoricalCrossentropy,
                                                     losses.SparseCategoricalCrossentropy))) or (
            act == "sigmoid" and isinstance(loss, losses.BinaryCrossentropy))
        if not ok or not hasattr(layer, "_emit_logits"):
            return None
        if act == "softmax" and getattr(loss, "axis", -1) != -1:
            return None
        return layer, act, with_logits()

    def _output_layer(self):
        if getattr(self, "_functional", False):
            return self.outputs[0].node.layer if len(self.outputs) == 1 else None
        stack = getattr(self, "_stack", None)
        return stack[-1] if stack else None

    # -- the steps -------------------------------------------------------------------------------

    def _custom_train_step(self) -> bool:
        """Whether a subclass overrides ``train_step`` (then it may train without a loss)."""
        return type(self).train_step is not Trainer.train_step

    def _own_optimizers(self) -> bool:
        """Whether a custom step keeps optimizers of its own and compile() got none: then
        ``self.optimizer`` is not built over the whole model (each of those optimizers owns
        its part of the weights)."""
        if self._optimizer_given or not self._custom_train_step():
            return False
        main = self.optimizer
        return any(isinstance(v, optimizers.Optimizer) and v is not main
                   for v in vars(self).values()) or not isinstance(main, optimizers.Optimizer)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
        """The total loss of a batch: the compiled losses (weighted per output) plus the
        layers' regularization penalties. Returns a scalar Tensor."""
        ys = self._per_output(y)
        preds = self._per_output(y_pred)
        total = None
        for loss_fn, weight, yt, yp in zip(self._loss_objects, self._loss_weights_list, ys,
                                           preds, strict=True):
            if loss_fn is None:
                continue
            value = loss_fn(_match_target(loss_fn, yt, yp), yp, sample_weight=sample_weight)
            if weight != 1.0:
                value = value * weight
            total = value if total is None else total + value
        if self._has_penalties:
            for penalty in self.losses:
                total = total + penalty
        return total

    def _per_output(self, value) -> list:
        """Targets or predictions as one entry per output (dicts are read by output name)."""
        names = self._output_names()
        if isinstance(value, dict) and len(names) > 1:
            missing = [n for n in names if n not in value]
            if missing:
                raise ValueError(f"no data for outputs {missing}; outputs are {names}")
            return [value[n] for n in names]
        return _as_output_list(value, len(names))

    def train_step(self, data) -> dict:
        """One optimization step on a batch ``data = (x, y, sample_weight)``; returns the logs.

        Override it for custom training (GANs, several optimizers...), as in Keras: return a
        dict of logs, keep running means in trackers listed by a ``metrics`` property (``fit``
        resets them every epoch), and update with the tensor API: ``loss.backward()`` then
        ``optimizer.step()``. A network frozen with ``trainable = False`` gets no gradients
        for its weights while frozen; set it back before its own optimizer steps again (an
        optimizer whose parameters stop requiring gradients rebuilds its arena).

        Example:
            >>> class TwoStep(nr.Model):
            ...     def compile(self, a_optimizer, b_optimizer):
            ...         super().compile()          # no loss needed: the step computes its own
            ...         self.a_optimizer, self.b_optimizer = a_optimizer, b_optimizer
            ...     def train_step(self, data):
            ...         x, y, _ = data
            ...         self.b.trainable = False
            ...         loss = ((self(x, training=True) - nr.tensor(y)) ** 2).mean()
            ...         self.a_optimizer.zero_grad(); loss.backward(); self.a_optimizer.step()
            ...         self.b.trainable = True
            ...         return {"a_loss": float(loss.data)}
        """
        x, y, sample_weight = data
        fused = self._fused
        if self._has_penalties:
            self._clear_losses()
        if fused is None:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        else:
            layer, act, logits_loss = fused
            layer._emit_logits = True
            try:
                logits = self(x, training=True)
            finally:
                layer._emit_logits = False
            loss = logits_loss(_match_target(logits_loss, y, logits), logits,
                               sample_weight=sample_weight)
            if self._has_penalties:
                for penalty in self.losses:
                    loss = loss + penalty
            # metrics read probabilities; without metrics the softmax would be wasted work
            y_pred = _activate(act, logits.data) if self._has_metrics else None
            mask = getattr(logits, "_mask", None)
            if y_pred is not None and mask is not None:  # the metrics weigh steps by it
                y_pred = Tensor._make(y_pred, None)
                y_pred._keras_mask = mask
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        if self._has_constraints:
            self._apply_constraints()
        return self.compute_metrics(x, y, y_pred, sample_weight, loss)

    def test_step(self, data) -> dict:
        """The loss and metrics of a batch, without training."""
        x, y, sample_weight = data
        with no_grad():
            y_pred = self(x, training=False)
            if self._has_penalties:
                self._clear_losses()
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        return self.compute_metrics(x, y, y_pred, sample_weight, loss)

    def predict_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        return self(x, training=False)

    def compute_metrics(self, x, y, y_pred, sample_weight, loss=None) -> dict:
        """Update the loss tracker and the metrics with a batch; return their results."""
        tracker = self._loss_tracker
        if loss is not None:
            if type(y) is np.ndarray:
                batch = len(y)
            else:
                batch = len(_flatten(y)[0]) if y is not None else 1
            tracker.add(float(loss.data), batch)
        if not self._has_metrics:  # the common case in benchmarks: skip the generic path
            return {"loss": tracker.result()}
        ys = self._per_output(y)
        preds = self._per_output(y_pred)
        for group, yt, yp in zip(self._metric_objects, ys, preds, strict=True):
            if group:
                weight = _masked_weight(sample_weight, yp)
                yp = yp.data if isinstance(yp, Tensor) else yp
                for m in group:
                    m.update_state(yt, yp, sample_weight=weight)
        return {m.name: _to_float(m.result()) for m in self.metrics}

    # -- fit -------------------------------------------------------------------------------------

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None,
            validation_batch_size=None, validation_freq=1):
        """Train the model; returns a ``History`` whose ``.history`` holds the losses and
        metrics of every epoch.

        ``x`` and ``y`` are arrays (or lists/dicts of arrays for several inputs/outputs), or
        ``x`` is an iterable of ``(x, y)`` / ``(x, y, sample_weight)`` batches. Without a prior
        ``compile``, the loss is chosen from the output activation (linear: MSE; sigmoid:
        binary cross-entropy; softmax: categorical cross-entropy, sparse for integer labels)
        with Adam, and one line says so.
        """
        from .. import callbacks as callbacks_module

        _check_positive_int("epochs", epochs, allow_zero=True)
        if batch_size is not None:
            _check_positive_int("batch_size", batch_size)
        if not 0.0 <= float(validation_split) < 1.0:
            raise ValueError(f"validation_split must be in [0, 1), got {validation_split}")
        x = _dataset_batches(x, batch_size, shuffle)
        validation_data = _dataset_batches(validation_data, validation_batch_size or batch_size)
        iterable = _is_batch_iterable(x)
        if iterable:
            if y is not None:
                raise ValueError("fit(): when x is an iterable of batches, y must be None")
            if validation_split:
                raise ValueError("validation_split needs arrays; pass validation_data instead")
            train = _IterableData(x, steps_per_epoch)
            sample_probe = train.peek()
        else:
            x, y, sample_weight = self._prepare_arrays(x, y, sample_weight, "fit")
            if class_weight is not None:
                sample_weight = _class_weights_to_samples(y, class_weight, sample_weight)
            if validation_split and validation_data is None:
                n = _num_rows(x)
                split = int(n * (1.0 - validation_split))
                if split == 0 or split == n:
                    raise ValueError(
                        f"validation_split={validation_split} leaves no training or no "
                        f"validation samples out of {n}"
                    )
                validation_data = (_take(x, slice(split, None)), _take(y, slice(split, None)),
                                   None if sample_weight is None
                                   else sample_weight[split:])
                x, y = _take(x, slice(0, split)), _take(y, slice(0, split))
                if sample_weight is not None:
                    sample_weight = sample_weight[:split]
            if steps_per_epoch is not None:
                _check_positive_int("steps_per_epoch", steps_per_epoch)
            train = _ArrayData(x, y, sample_weight, batch_size or 32, shuffle, steps_per_epoch)
            sample_probe = (x, y)
        self._prepare_training(sample_probe)
        if not iterable:
            self._check_labels(y)
        val = None
        if validation_data is not None:
            val = self._validation_batches(validation_data, validation_batch_size or
                                           batch_size or 32)

        verbose = _resolve_verbose(verbose)
        cbs = callbacks_module.CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=train.steps)
        self.stop_training = False
        cbs.on_train_begin()
        for cb in cbs.callbacks:
            resume = getattr(cb, "_resume_epoch", None)
            if resume is not None:
                initial_epoch = max(initial_epoch, int(resume))
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self._reset_metrics()
            if iterable:
                # a loader shuffled from (seed, epoch) then repeats the uninterrupted run's
                # orders when training resumes at a later epoch
                train.set_epoch(epoch)
            cbs.on_epoch_begin(epoch)
            for step, batch in enumerate(train.batches()):
                cbs.on_train_batch_begin(step)
                logs = self.train_step(batch)
                cbs.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            epoch_logs = dict(logs)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._run_evaluation(val, cbs=None)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs)
        return self.history

    def _prepare_training(self, probe) -> None:
        if not self.compiled:
            if self._custom_train_step() and self.loss is None:
                raise RuntimeError(
                    f"{type(self).__name__} overrides train_step, so fit() cannot choose a loss "
                    "and an optimizer for it: call compile(...) first (e.g. "
                    "model.compile(optimizer='adam'))"
                )
            self._auto_compile(probe)
        if self._loss_objects is None:
            self._ensure_built(probe[0])
            self._resolve_losses()
            self._resolve_metrics()
        self._ensure_built(probe[0])
        self._scan_layers()
        if self._own_optimizers():
            return
        params = self.trainable_weights
        key = tuple(id(p) for p in params)
        if self._arena_params != key:
            if not params:
                raise ValueError(
                    f"model '{self.name}' has no trainable weights: nothing to train (are all "
                    "its layers frozen with trainable=False?)"
                )
            self.optimizer.build(params)
            self._arena_params = key

    def _scan_layers(self) -> None:
        """Note once whether any layer has constraints or penalties, so steps skip the walk."""
        records = self._all_weight_records()
        self._has_constraints = any(r.constraint is not None for r in records)
        self._has_penalties = any(r.regularizer is not None for r in records) or any(
            layer.activity_regularizer is not None for layer in _all_layers(self))

    def _ensure_built(self, x) -> None:
        if not self.built:
            sample = _map_structure(lambda a: a[:1], x) if not isinstance(x, Tensor) else x[:1]
            with no_grad():
                self(sample, training=False)
            self._clear_losses()

    def _auto_compile(self, probe) -> None:
        x, y = probe[0], probe[1]
        self._ensure_built(x)
        layer = self._output_layer()
        act = getattr(getattr(layer, "activation", None), "__name__", "linear")
        labels = _flatten(y)[0] if y is not None else None
        integer_labels = labels is not None and np.asarray(labels).dtype.kind in "iub"
        metric_list = ["accuracy"]
        if act == "softmax":
            loss = ("sparse_categorical_crossentropy" if integer_labels
                    else "categorical_crossentropy")
            why = ("the output layer uses softmax and the targets are integer labels"
                   if integer_labels else "the output layer uses softmax")
        elif act == "sigmoid":
            loss, why = "binary_crossentropy", "the output layer uses sigmoid"
        else:
            loss, why, metric_list = "mean_squared_error", f"the output layer is {act}", []
        print(f"neurona: fit() without compile(): using loss='{loss}' ({why}), "
              f"optimizer='adam'{', metrics=[accuracy]' if metric_list else ''}. "
              "Call model.compile(optimizer=..., loss=...) to choose otherwise.")
        self.compile(optimizer="adam", loss=loss, metrics=metric_list)

    def _reset_metrics(self) -> None:
        for m in self.metrics:
            m.reset_state()

    # -- evaluate / predict ----------------------------------------------------------------------

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """Loss and metrics on data: a float (loss only), a list ``[loss, *metrics]``, or a
        dict with ``return_dict=True``."""
        from .. import callbacks as callbacks_module

        if not self.compiled:
            raise RuntimeError(
                "evaluate() needs a compiled model: call model.compile(...) or model.fit(...) "
                "first"
            )
        x = _dataset_batches(x, batch_size)
        if _is_batch_iterable(x):
            data = _IterableData(x, steps)
            probe = data.peek()
        else:
            x, y, sample_weight = self._prepare_arrays(x, y, sample_weight, "evaluate")
            data = _ArrayData(x, y, sample_weight, batch_size or 32, shuffle=False)
            probe = (x, y)
        if self._loss_objects is None:
            self._ensure_built(probe[0])
            self._resolve_losses()
            self._resolve_metrics()
        self._scan_layers()
        verbose = _resolve_verbose(verbose)
        cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=self,
                                            verbose=verbose, epochs=1, steps=data.steps)
        logs = self._run_evaluation(data, cbs)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def _validation_batches(self, validation_data, batch_size):
        if _is_batch_iterable(validation_data):
            return _IterableData(validation_data, None)
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("validation_data must be (x_val, y_val) or (x_val, y_val, weights)")
        vx, vy = validation_data[0], validation_data[1]
        vw = validation_data[2] if len(validation_data) == 3 else None
        vx, vy, vw = self._prepare_arrays(vx, vy, vw, "validation_data")
        return _ArrayData(vx, vy, vw, batch_size, shuffle=False)

    def _run_evaluation(self, data, cbs) -> dict:
        self._reset_metrics()
        if cbs is not None:
            cbs.on_test_begin()
        logs = {}
        for step, batch in enumerate(data.batches()):
            if cbs is not None:
                cbs.on_test_batch_begin(step)
            logs = self.test_step(batch)
            if cbs is not None:
                cbs.on_test_batch_end(step, logs)
        if cbs is not None:
            cbs.on_test_end(logs)
        return logs

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for ``x`` as NumPy arrays, computed in batches without recording a
        graph."""
        x = _dataset_batches(x, batch_size)
        if _is_batch_iterable(x):
            batches = (b[0] if isinstance(b, tuple) else b for b in _IterableData(x, steps)
                       .batches(raw=True))
        else:
            x = _to_arrays(x, "x", self)
            if not _flatten(x):
                raise ValueError("predict() needs input data")
            _check_finite(x, "x")
            bs = batch_size or 32
            n = _num_rows(x)
            batches = (_take(x, slice(i, i + bs)) for i in range(0, n, bs))
        outputs = []
        with no_grad():
            for batch in batches:
                out = self.predict_step(batch)
                outputs.append(_map_structure(lambda t: t.data if isinstance(t, Tensor) else t,
                                              out))
        if not outputs:
            raise ValueError("predict() received no data")
        first = outputs[0]
        if isinstance(first, (list, tuple)):
            return [np.concatenate([o[i] for o in outputs]) for i in range(len(first))]
        if isinstance(first, dict):
            return {k: np.concatenate([o[k] for o in outputs]) for k in first}
        return np.concatenate(outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One training step on exactly this batch; returns the loss (and metrics)."""
        x, y, sample_weight = self._prepare_arrays(x, y, sample_weight, "train_on_batch")
        if class_weight is not None:
            sample_weight = _class_weights_to_samples(y, class_weight, sample_weight)
        self._prepare_training((x, y))
        self._reset_metrics()
        logs = self.train_step((_tensorize(x), y, sample_weight))
        return _logs_result(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) of exactly this batch, without training."""
        if not self.compiled:
            raise RuntimeError("test_on_batch() needs a compiled model")
        x, y, sample_weight = self._prepare_arrays(x, y, sample_weight, "test_on_batch")
        if self._loss_objects is None:
            self._ensure_built(x)
            self._resolve_losses()
            self._resolve_metrics()
        self._scan_layers()
        self._reset_metrics()
        logs = self.test_step((_tensorize(x), y, sample_weight))
        return _logs_result(logs, return_dict)

    def predict_on_batch(self, x):
        """Outputs for exactly this batch, as NumPy arrays."""
        with no_grad():
            out = self(_tensorize(_to_arrays(x, "x", self)), training=False)
        return _map_structure(lambda t: t.data, out)

    # -- data checks -------------------------------------------------------------------------------

    def _prepare_arrays(self, x, y, sample_weight, where):
        if x is None:
            raise ValueError(f"{where}(): x is missing")
        x = _to_arrays(x, "x", self)
        y = None if y is None else _to_arrays(y, "y", self)
        n = _num_rows(x)
        for name, part in (("x", x), ("y", y)):
            if part is None:
                continue
            for arr in _flatten(part):
                if len(arr) != n:
                    raise ValueError(
                        f"{where}(): x has {n} samples but {name} has an array with {len(arr)}; "
                        "they must have the same number of rows"
                    )
        if n == 0:
            raise ValueError(f"{where}(): the data has no samples")
        _check_finite(x, "x")
        if y is not None:
            _check_finite(y, "y")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            if sample_weight.shape != (n,):
                raise ValueError(
                    f"{where}(): sample_weight must have shape ({n},), got {sample_weight.shape}"
                )
        return x, y, sample_weight

    def _check_labels(self, y) -> None:
        """Labels for a sparse cross-entropy must be whole numbers in [0, classes), where
        classes is the output's last dimension: checked up front, naming the first bad row."""
        ys = _as_output_list(y, len(self._loss_objects))
        shapes = _as_output_list(self._output_shape, len(self._loss_objects)) if isinstance(
            self._output_shape, (list, tuple, dict)) and len(self._loss_objects) > 1 else [
            self._output_shape]
        for loss_fn, labels, shape in zip(self._loss_objects, ys, shapes, strict=True):
            if not isinstance(loss_fn, losses.SparseCategoricalCrossentropy) or labels is None:
                continue
            if shape is None or not isinstance(shape, tuple) or not shape:
                continue
            classes = shape[-1]
            labels = np.asarray(labels)
            bad = (labels < 0) | (labels >= classes) | (labels != np.floor(labels))
            ignore = getattr(loss_fn, "ignore_class", None)
            if ignore is not None:
                bad &= labels != ignore
            if bad.any():
                row = int(np.argwhere(bad)[0][0])
                raise ValueError(
                    f"labels must be integers in [0, {classes}) for a model with {classes} "
                    f"output classes; row {row} has label {labels.reshape(len(labels), -1)[row]}"
                    ". Check the number of units of the last layer or the labels"
                )


class _LossTracker:
    """The running mean of the loss over an epoch (a lean stand-in for ``metrics.Mean``: it is
    updated on every step)."""

    name = "loss"

    def __init__(self):
        self.total = 0.0
        self.count = 0

    def add(self, value: float, weight: int) -> None:
        self.total += value * weight
        self.count += weight

    def update_state(self, value, sample_weight=1) -> None:
        self.add(float(value), int(sample_weight))

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0


# -- data helpers ----------------------------------------------------------------------------


class _ArrayData:
    """Batches of in-memory arrays, reshuffled every epoch with neurona's seeded generator."""

    def __init__(self, x, y, sample_weight, batch_size, shuffle, steps=None):
        self.x, self.y, self.sw = x, y, sample_weight
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.n = _num_rows(x)
        self.steps = math.ceil(self.n / batch_size)
        if steps is not None and steps < self.steps:  # steps_per_epoch: a shorter epoch
            self.steps = steps
            self.n = min(self.n, steps * batch_size)

    def batches(self):
        n, bs = self.n, self.batch_size
        if self.shuffle:
            order = backend.rng().permutation(_num_rows(self.x))
            for i in range(0, n, bs):
                idx = order[i:i + bs]
                yield (_tensorize(_take(self.x, idx)), _take(self.y, idx),
                       None if self.sw is None else self.sw[idx])
        else:
            for i in range(0, n, bs):
                s = slice(i, i + bs)
                yield (_tensorize(_take(self.x, s)), _take(self.y, s),
                       None if self.sw is None else self.sw[s])


class _IterableData:
    """Batches from an iterable of ``(x, y)`` or ``(x, y, sample_weight)`` (a DataLoader, a
    generator function's result, a list of tuples)."""

    def __init__(self, source, steps):
        self.source = source
        length = _len_or_none(source)
        # an epoch ends when the source runs out, so the progress bar counts at most len()
        if length is not None:
            steps = length if steps is None else min(steps, length)
        self.steps = steps
        self._first = None
        self._pending = []  # batches taken by peek() from a one-shot iterator

    def peek(self):
        if self._first is None:
            it = iter(self.source)
            try:
                self._first = _unpack_batch(next(it))
            except StopIteration:
                raise ValueError("the data iterable produced no batches") from None
            if it is self.source:  # a one-shot iterator: keep the batch we took
                self._pending = [self._first]
        return self._first

    def set_epoch(self, epoch: int) -> None:
        set_epoch = getattr(self.source, "set_epoch", None)
        if set_epoch is not None:
            set_epoch(epoch)

    def batches(self, raw: bool = False):
        pending, self._pending = self._pending, []
        count = 0
        for item in pending:
            yield item if raw else (_tensorize(item[0]), item[1], item[2])
            count += 1
        steps = self.steps
        if steps is not None and count >= steps:
            return
        for item in self.source:
            item = item if raw else _unpack_batch(item)
            yield item if raw else (_tensorize(item[0]), _arrays_or_none(item[1]), item[2])
            count += 1
            if steps is not None and count >= steps:
                break  # before asking the source for a batch nobody will use


def _unpack_batch(item):
    if isinstance(item, dict) or not isinstance(item, (tuple, list)):
        return (item, None, None)
    if len(item) == 1:  # (x,): a dataset of inputs only
        return (item[0], None, None)
    if len(item) == 2:
        return (item[0], item[1], None)
    if len(item) == 3:
        return tuple(item)
    raise ValueError(f"a batch must be (x,), (x, y) or (x, y, sample_weight), got {len(item)} "
                     "items")


def _arrays_or_none(y):
    if y is None:
        return None
    return _map_structure(lambda a: a.data if isinstance(a, Tensor) else np.asarray(a), y)


def _len_or_none(source):
    try:
        return len(source)
    except TypeError:
        return None


def _dataset_batches(x, batch_size, shuffle=False):
    """A map-style dataset (``ArrayDataset``, ``Subset``, any object with ``__len__`` and
    ``__getitem__`` but no ``__iter__``) is batched by a ``DataLoader``; anything else is
    returned as it is."""
    if (x is None or isinstance(x, (np.ndarray, Tensor, list, tuple, dict))
            or hasattr(x, "__iter__") or not hasattr(x, "__getitem__")
            or not hasattr(x, "__len__")):
        return x
    from ..data.loader import DataLoader

    return DataLoader(x, batch_size=batch_size or 32, shuffle=bool(shuffle))


def _is_batch_iterable(x) -> bool:
    """A DataLoader, a generator, or a list of ``(x, y)`` tuples, as opposed to arrays (a list
    of arrays is several inputs)."""
    if isinstance(x, list):
        return bool(x) and all(isinstance(item, tuple) for item in x)
    if x is None or isinstance(x, (np.ndarray, Tensor, tuple, dict)):
        return False
    return hasattr(x, "__iter__")


def _to_arrays(data, name, model):
    def convert(a):
        if isinstance(a, Tensor):
            return a.data
        arr = np.asarray(a)
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"{name} must be numeric; got an array of dtype {arr.dtype}. Convert text or "
                "categories to numbers first (e.g. one-hot encoding)"
            )
        if arr.dtype == np.float64:
            arr = arr.astype(model.dtype)  # Keras's default float type
        if arr.ndim == 0:
            raise ValueError(f"{name} must have a batch dimension, got a scalar")
        return arr

    if isinstance(data, dict):
        return {k: convert(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)) and data and all(
            isinstance(d, (np.ndarray, Tensor)) for d in data):
        return [convert(d) for d in data]
    return convert(data)


def _check_finite(data, name) -> None:
    for arr in _flatten(data):
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            bad = np.argwhere(~np.isfinite(arr))[0]
            raise ValueError(
                f"{name} contains NaN or Inf: first at row {int(bad[0])} (index "
                f"{tuple(int(i) for i in bad)}); clean or impute the data before training"
            )


def _num_rows(data) -> int:
    arrays = _flatten(data)
    return len(arrays[0]) if arrays else 0


def _take(data, index):
    if data is None:
        return None
    return _map_structure(lambda a: a[index], data)


def _tensorize(x):
    return _map_structure(lambda a: a if isinstance(a, Tensor) else Tensor._make(a, None), x)


def _as_output_list(value, n):
    if n == 1:
        return [value]
    if isinstance(value, dict):
        return list(value.values())
    return list(value)


def _match_target(loss_fn, y, y_pred):
    """Targets of shape (n,) for outputs of shape (n, 1) are reshaped, as Keras's fit does
    (the losses themselves refuse the silent broadcast)."""
    if (isinstance(y, np.ndarray) and y.ndim + 1 == y_pred.ndim and y_pred.shape[-1] == 1
            and not isinstance(loss_fn, losses.SparseCategoricalCrossentropy)):
        return y.reshape(y.shape + (1,))
    return y


def _masked_weight(sample_weight, y_pred):
    """The metrics' sample weight: with a Keras mask on the predictions (batch, time), one
    weight per time step, 0 where masked (times the sample's weight), as in Keras."""
    mask = getattr(y_pred, "_mask", None) if isinstance(y_pred, Tensor) else None
    if mask is None:
        return sample_weight
    w = backend.to_numpy(mask).astype(np.float64)
    if sample_weight is not None:
        w *= np.asarray(sample_weight, np.float64).reshape((-1,) + (1,) * (w.ndim - 1))
    return w


def _activate(act, logits):
    if act == "softmax":
        shifted = logits - logits.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        return e / e.sum(axis=-1, keepdims=True)
    return 0.5 * (1.0 + np.tanh(0.5 * logits))  # the sigmoid, without overflow warnings


def _to_float(value):
    arr = np.asarray(value)
    return float(arr) if arr.ndim == 0 else arr


def _logs_result(logs, return_dict):
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _class_weights_to_samples(y, class_weight, sample_weight):
    if not isinstance(class_weight, dict):
        raise TypeError("class_weight must be a dict {class index: weight}")
    labels = np.asarray(_flatten(y)[0])
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(len(labels), -1)[:, 0].astype(np.int64)
    weights = np.array([class_weight.get(int(c), 1.0) for c in labels], dtype=np.float64)
    return weights if sample_weight is None else weights * sample_weight


def _resolve_verbose(verbose) -> int:
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
    return int(verbose)


def _check_positive_int(name, value, allow_zero=False) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < (
            0 if allow_zero else 1):
        raise ValueError(f"{name} must be a {'non-negative' if allow_zero else 'positive'} "
                         f"integer, got {value!r}")


def _all_layers(model) -> list:
    out, stack = [], [model]
    while stack:
        layer = stack.pop()
        out.append(layer)
        stack.extend(layer._sublayers)
    return out


def _serialize_loss_spec(spec):
    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, (list, tuple)):
        return [_serialize_loss_spec(s) for s in spec]
    if isinstance(spec, dict):
        return {k: _serialize_loss_spec(v) for k, v in spec.items()}
    return losses.serialize(spec)


def _serialize_metric_spec(spec):
    if spec is None or isinstance(spec, str):
        return spec
    if isinstance(spec, (list, tuple)):
        return [_serialize_metric_spec(s) for s in spec]
    if isinstance(spec, dict):
        return {k: _serialize_metric_spec(v) for k, v in spec.items()}
    return {"class_name": type(spec).__name__, "config": spec.get_config()}

