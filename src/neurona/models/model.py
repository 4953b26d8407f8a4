"""``Model``: the functional API (``Model(inputs, outputs)``) and subclassing (``call``).

A functional model is a graph of layer calls recorded on symbolic ``KerasTensor``s; calling it
replays those calls in topological order on real tensors. A subclassed model is a layer whose
``call`` the user writes. Both get ``compile/fit/evaluate/predict`` from the Trainer.
"""

from __future__ import annotations

import numpy as np

from ..layers.base import KerasTensor, Layer, _flatten, _map_shapes, _map_structure
from ..layers.core import Input, InputLayer
from ..tensor import Tensor
from .trainer import Trainer

__all__ = ["Model", "Input", "load_model"]


def load_model(path, custom_objects=None, compile=True, safe_mode=True):  # noqa: A002
    """Load a model saved with ``model.save(path)`` (see :func:`neurona.saving.load_model`)."""
    from ..saving import load_model as load

    return load(path, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


class Model(Trainer, Layer):
    """A trainable stack of layers.

    Two ways to build one, as in Keras:

    Functional::

        inputs = nr.Input(shape=(10,))
        x = nr.layers.Dense(20, activation='relu')(inputs)
        outputs = nr.layers.Dense(1)(x)
        model = nr.Model(inputs, outputs)

    Subclassing::

        class MyModel(nr.Model):
            def __init__(self):
                super().__init__()
                self.hidden = nr.layers.Dense(20, activation='relu')
                self.out = nr.layers.Dense(1)

            def call(self, x):
                return self.out(self.hidden(x))
    """

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", None)
        outputs = kwargs.pop("outputs", None)
        if args:
            if len(args) != 2 or inputs is not None:
                raise TypeError("Model takes (inputs, outputs) positionally or as keywords")
            inputs, outputs = args
        Layer.__init__(self, **kwargs)
        Trainer.__init__(self)
        self._functional = inputs is not None
        if self._functional:
            if outputs is None:
                raise ValueError("Model(inputs, outputs): outputs are missing")
            self._init_graph(inputs, outputs)

    # -- functional graph ------------------------------------------------------------------------

    def _init_graph(self, inputs, outputs) -> None:
        for kt in _flatten(inputs):
            if not isinstance(kt, KerasTensor) or not isinstance(kt.node.layer, InputLayer):
                raise TypeError(
                    "Model inputs must come from nr.Input(...), got "
                    f"{type(kt).__name__ if not isinstance(kt, KerasTensor) else kt}"
                )
        for kt in _flatten(outputs):
            if not isinstance(kt, KerasTensor):
                raise TypeError(
                    f"Model outputs must be results of layers called on nr.Input tensors, got "
                    f"{type(kt).__name__}"
                )
        self._inputs = inputs
        self._outputs = outputs
        self.inputs = _flatten(inputs)
        self.outputs = _flatten(outputs)
        self._nodes = _topological_nodes(self.outputs)
        known = {id(kt) for kt in self.inputs}
        for node in self._nodes:
            if isinstance(node.layer, InputLayer) and id(node.outputs) not in known:
                raise ValueError(
                    f"graph disconnected: output depends on input '{node.layer.name}', which is "
                    "not among the model's inputs"
                )
        self._nodes = [n for n in self._nodes if not isinstance(n.layer, InputLayer)]
        layers = [kt.node.layer for kt in self.inputs]
        for node in self._nodes:
            if all(node.layer is not layer for layer in layers):
                layers.append(node.layer)
        self._graph_layers = layers
        for layer in layers:
            if all(layer is not s for s in self._sublayers):
                self._sublayers.append(layer)
        self.built = True
        self._build_shape = _map_structure(lambda kt: kt.shape, inputs)
        self._output_shape = _map_structure(lambda kt: kt.shape, outputs)

    def call(self, inputs, training=None):
        if not self._functional:
            raise NotImplementedError(
                f"{type(self).__name__} must implement call(): subclass nr.Model and define "
                "call(self, inputs), or build a functional model with nr.Model(inputs, outputs)"
            )
        values = {}
        for kt, value in zip(self.inputs, self._match_inputs(inputs), strict=True):
            values[id(kt)] = value
        for node in self._nodes:
            args = _map_structure(lambda t: values[id(t)] if isinstance(t, KerasTensor) else t,
                                  node.args)
            kwargs = _map_structure(lambda t: values[id(t)] if isinstance(t, KerasTensor) else t,
                                    node.kwargs)
            out = node.layer(*args, **kwargs)
            for kt, value in zip(_flatten(node.outputs), _flatten(out), strict=True):
                values[id(kt)] = value
        return _map_structure(lambda kt: values[id(kt)], self._outputs)

    def _match_inputs(self, inputs) -> list:
        """The values for ``self.inputs`` in order, from a tensor, a list or a dict by name."""
        names = [kt.node.layer.name for kt in self.inputs]
        if isinstance(inputs, dict):
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f"model '{self.name}' needs inputs {names}; missing {missing}")
            values = [inputs[n] for n in names]
        elif isinstance(inputs, (list, tuple)) and len(self.inputs) > 1:
            if len(inputs) != len(self.inputs):
                raise ValueError(
                    f"model '{self.name}' has {len(self.inputs)} inputs {names}, got "
                    f"{len(inputs)} arrays"
                )
            values = list(inputs)
        else:
            if len(self.inputs) != 1:
                raise ValueError(
                    f"model '{self.name}' has {len(self.inputs)} inputs {names}; pass a list or "
                    "a dict of arrays"
                )
            values = [inputs]
        out = []
        for kt, value in zip(self.inputs, values, strict=True):
            if not isinstance(value, Tensor):
                value = Tensor._make(np.asarray(value, dtype=kt.dtype), None)
            expected = kt.shape[1:]
            got = value.shape[1:]
            if len(expected) != len(got) or any(
                    e is not None and e != g for e, g in zip(expected, got, strict=True)):
                raise ValueError(
                    f"model '{self.name}' expects input '{kt.node.layer.name}' of shape "
                    f"{kt.shape}, got {value.shape}"
                )
            out.append(value)
        return out

    # -- structure -------------------------------------------------------------------------------

    @property
    def layers(self) -> list[Layer]:
        if self._functional:
            return list(self._graph_layers)
        return list(self._sublayers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name or by index in ``model.layers``."""
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(
                    f"model '{self.name}' has {len(self.layers)} layers; index {index} is out "
                    "of range"
                )
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        names = ", ".join(repr(layer.name) for layer in self.layers)
        raise ValueError(f"no layer named {name!r} in model '{self.name}'; layers: {names}")

    def weight_paths(self) -> list[str]:
        """A unique name for each weight, in the order of ``get_weights()``, made from the
        model's structure (``'1-dense/kernel'``: the second sublayer, a Dense), not from layer
        names, which are numbered per process: a model rebuilt elsewhere gets the same paths."""
        paths = []
        seen = set()

        def walk(layer, prefix):
            for record in layer._weights:
                if id(record) not in seen:
                    seen.add(id(record))
                    paths.append(f"{prefix}{record.name}")
            for i, sub in enumerate(layer._sublayers):
                walk(sub, f"{prefix}{i}-{type(sub).__name__.lower()}/")

        walk(self, "")
        return paths

    def summary(self, line_length: int = 80, print_fn=None) -> str | None:
        """Print the Keras-style table: layers, output shapes, parameter counts and totals."""
        from .summary import summary_text

        text = summary_text(self, line_length)
        if print_fn is None:
            print(text)
            return None
        print_fn(text)
        return text

    def _repr_html_(self) -> str:
        from .summary import summary_html

        return summary_html(self)

    # -- files -----------------------------------------------------------------------------------

    def save(self, filepath, overwrite: bool = True, include_optimizer: bool = True) -> None:
        """Save architecture, weights and (when compiled) optimizer state to one ``.neurona``
        file (a zip of JSON and safetensors; no pickle). Written atomically."""
        from .. import saving

        saving.save_model(self, filepath, include_optimizer=include_optimizer,
                          overwrite=overwrite)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Save only the weights, to a ``.safetensors`` file."""
        from .. import saving

        saving.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, strict: bool = True) -> None:
        """Load weights saved by ``save_weights`` (or from a ``.neurona`` file)."""
        from .. import saving

        saving.load_weights(self, filepath, strict=strict)

    def _restore_backup(self, path) -> None:
        """Weights and optimizer state from a file written by ``save`` (BackupAndRestore)."""
        from .. import saving

        saving.load_weights(self, path)
        state = saving.load_training_state(path)
        if state["optimizer_state"] and self.optimizer is not None:
            self.optimizer.load_state_dict(state["optimizer_state"])

    def get_build_config(self) -> dict | None:
        """The input shape a subclassed model was built with, so a loaded copy can build its
        weights before they are set."""
        if self._functional or not self.built or self._build_shape is None:
            return None
        return {"input_shape": _map_shapes(list, self._build_shape)}

    def build_from_config(self, config) -> None:
        if not config or self.built:
            return
        from ..autograd import no_grad

        def zeros(s):
            return Tensor._make(np.zeros([1 if d is None else d for d in s], self.dtype), None)

        shape = config["input_shape"]
        several = bool(shape) and isinstance(shape[0], list)
        sample = [zeros(s) for s in shape] if several else zeros(shape)

        with no_grad():
            self(sample, training=False)
        self._clear_losses()

    # -- config ----------------------------------------------------------------------------------

    def get_config(self) -> dict:
        if not self._functional:
            return {"name": self.name, "trainable": self._trainable}
        layer_index = {id(layer): i for i, layer in enumerate(self._graph_layers)}
        tensor_ids = {}
        for i, kt in enumerate(self.inputs):
            tensor_ids[id(kt)] = ["input", i]
        nodes = []
        for n, node in enumerate(self._nodes):
            for k, kt in enumerate(_flatten(node.outputs)):
                tensor_ids[id(kt)] = ["node", n, k]

        def ref(t):
            if isinstance(t, KerasTensor):
                return {"__tensor__": tensor_ids[id(t)]}
            if isinstance(t, (int, float, str, bool)) or t is None:
                return t
            raise ValueError(f"cannot save a functional model whose layer call takes {t!r}")

        for node in self._nodes:
            nodes.append({"layer": layer_index[id(node.layer)],
                          "args": _map_structure(ref, list(node.args)),
                          "kwargs": _map_structure(ref, dict(node.kwargs))})
        return {
            "name": self.name,
            "trainable": self._trainable,
            "layers": [{"class_name": type(layer).__name__, "config": layer.get_config()}
                       for layer in self._graph_layers],
            "inputs": _map_structure(lambda kt: tensor_ids[id(kt)], _as_list(self._inputs)),
            "outputs": _map_structure(lambda kt: {"__tensor__": tensor_ids[id(kt)]},
                                      _as_list(self._outputs)),
            "single_input": not isinstance(self._inputs, (list, tuple, dict)),
            "single_output": not isinstance(self._outputs, (list, tuple, dict)),
            "nodes": nodes,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        if "nodes" not in config:  # a subclassed model: its config holds constructor arguments
            try:
                return cls(**config)
            except TypeError as err:
                raise TypeError(
                    f"cannot rebuild {cls.__name__} from its config ({err}). Give the class a "
                    "get_config() that returns its constructor arguments (and from_config() if "
                    "they need converting)"
                ) from err
        from .. import layers as layer_module

        layers = [layer_module.deserialize(item, custom_objects) for item in config["layers"]]
        tensors = {}
        inputs = []
        for i, layer in enumerate(layers[:len(config["inputs"])]):
            if not isinstance(layer, InputLayer):
                raise ValueError("functional model config: the first layers must be inputs")
            tensors[("input", i)] = layer.output
            inputs.append(layer.output)

        def resolve(item):
            if isinstance(item, dict) and set(item) == {"__tensor__"}:
                return tensors[tuple(item["__tensor__"])]
            if isinstance(item, list):
                return [resolve(i) for i in item]
            if isinstance(item, dict):
                return {k: resolve(v) for k, v in item.items()}
            return item

        for n, node in enumerate(config["nodes"]):
            args = resolve(node["args"])
            kwargs = resolve(node["kwargs"])
            out = layers[node["layer"]](*args, **kwargs)
            for k, kt in enumerate(_flatten(out)):
                tensors[("node", n, k)] = kt
        outputs = [resolve(o) for o in config["outputs"]]
        model = cls(inputs[0] if config.get("single_input") else inputs,
                    outputs[0] if config.get("single_output") else outputs,
                    name=config.get("name"))
        return model


def _as_list(structure) -> list:
    return list(structure) if isinstance(structure, (list, tuple)) else [structure]


def _topological_nodes(outputs) -> list:
    """Nodes producing ``outputs``, each after the nodes producing its arguments (iterative
    depth-first search, so deep graphs need no recursion)."""
    order = []
    done = set()
    for out in outputs:
        stack = [(out.node, False)]
        while stack:
            node, expanded = stack.pop()
            if id(node) in done:
                continue
            if expanded:
                done.add(id(node))
                order.append(node)
                continue
            stack.append((node, True))
            for parent in node.parents():
                if id(parent.node) not in done:
                    stack.append((parent.node, False))
    return order
