"""The optimizer base class and its parameter arena.

An optimizer keeps every parameter it updates in a **parameter arena**: one flat contiguous
buffer per (dtype, device) group holds the values of all the group's parameters, and each
parameter's ``.data`` is rebound to a reshaped view of its slice. Gradients live the same way in
one flat buffer per group (``p.grad`` is a view, so ``loss.backward()`` accumulates straight into
it), and so does each piece of optimizer state (momentum, velocity...). One update is then a
handful of in-place array operations over whole groups, never a Python loop over parameters,
and a data-parallel all-reduce of the gradients is one call per group.

Subclasses name their state buffers in :meth:`Optimizer.slot_names` and write
:meth:`Optimizer.update_step`, which receives one :class:`ParamGroup` (flat arrays) at a time.
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np

from .. import _lookup, backend
from ..tensor import Tensor
from . import schedules

__all__ = ["Optimizer", "ParamGroup", "get", "serialize", "deserialize"]

# Keras's lookup names ('sgd', 'adam', ...) -> class; filled by Optimizer.__init_subclass__.
_REGISTRY: dict[str, type] = {}

# Keras 3 arguments accepted for compatibility only at their "off" values.
_KERAS_OFF = {
    "use_ema": False,
    "ema_momentum": None,  # any value: it only matters with use_ema=True
    "ema_overwrite_frequency": None,
    "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


class ParamGroup:
    """The parameters of one dtype and device, stored contiguously.

    Attributes:
        xp: the array module (NumPy or CuPy).
        params: the group's Tensors, in order.
        data: (n,) the values of all the group's parameters, back to back.
        grad: (n,) their gradients, laid out the same way.
        slots: optimizer state, name -> (n,) buffer (e.g. ``"momentum"``).
        shapes: the shape of each parameter.
        sizes: number of elements of each parameter.
        offsets: start of each parameter in the flat buffers.
    """

    __slots__ = ("xp", "params", "data", "grad", "slots", "shapes", "sizes", "offsets",
                 "_scratch", "_segments")

    def __init__(self, params: list[Tensor], slot_init: dict[str, float]):
        xp = backend.get_array_module(params[0].data)
        self.xp = xp
        self.params = params
        self.shapes = [p.data.shape for p in params]
        self.sizes = [p.data.size for p in params]
        self.offsets = [0]
        for n in self.sizes[:-1]:
            self.offsets.append(self.offsets[-1] + n)
        # one copy of every value, back to back (concatenate copies even a single array)
        self.data = xp.concatenate([p.data.reshape(-1) for p in params])
        self.grad = xp.zeros_like(self.data)
        self.slots = {}
        for name, value in slot_init.items():
            buf = xp.empty_like(self.data)
            buf.fill(value)
            self.slots[name] = buf
        self._scratch = []
        self._segments = None
        for p, view, gview in zip(params, self.views(self.data), self.views(self.grad),
                                  strict=True):
            if p.grad is not None:  # keep a gradient computed before the arena existed
                gview[...] = _as_array(p.grad, xp)
            p.data = view
            p.grad = gview

    def views(self, flat) -> list:
        """Views of ``flat`` shaped like each parameter."""
        return [flat[o:o + n].reshape(shape)
                for shape, o, n in zip(self.shapes, self.offsets, self.sizes, strict=True)]

    def scratch(self, i: int = 0):
        """Work buffer ``i``, shaped like ``data``, reused by every step (contents undefined)."""
        bufs = self._scratch
        while len(bufs) <= i:
            bufs.append(self.xp.empty_like(self.data))
        return bufs[i]

    def segment_sums(self, flat):
        """Per-parameter sums of ``flat`` (n,) in float64, shape (k,) for the k non-empty
        parameters, with the index of each element's segment (for scattering back)."""
        xp = self.xp
        if self._segments is None:
            keep = [(o, n) for o, n in zip(self.offsets, self.sizes, strict=True) if n]
            starts = xp.asarray([o for o, _ in keep], dtype=np.int64)
            counts = xp.asarray([n for _, n in keep], dtype=np.int64)
            ids = xp.repeat(xp.arange(len(keep), dtype=np.int32), counts)
            self._segments = (starts, ids, keep)
        starts, ids, keep = self._segments
        if not keep:
            return xp.zeros(0, np.float64), ids
        if hasattr(xp.add, "reduceat"):
            sums = xp.add.reduceat(flat, starts, dtype=np.float64)
        else:  # array modules without reduceat
            sums = xp.stack([flat[o:o + n].sum(dtype=np.float64) for o, n in keep])
        return sums, ids


def _as_array(value, xp):
    if isinstance(value, Tensor):
        value = value.data
    return xp.asarray(value)


def _looks_like_params(x) -> bool:
    """True when a first positional argument is a parameter list rather than a learning rate."""
    if isinstance(x, Tensor):
        return True  # refused later with a clear message
    if isinstance(x, (numbers.Number, str, bytes, schedules.LearningRateSchedule)) or callable(x):
        return False
    return hasattr(x, "__iter__")


def _params_first(init):
    """Let ``Adam(model.parameters(), lr=...)`` work as in PyTorch: a first positional argument
    that is an iterable of Tensors is the parameter list, and the positional arguments after it
    are the usual ones (learning rate first)."""

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        if args and _looks_like_params(args[0]):
            if "params" in kwargs:
                raise TypeError(f"{type(self).__name__} got the parameters twice: positionally "
                                "and as params=")
            kwargs["params"] = args[0]
            args = args[1:]
        init(self, *args, **kwargs)

    return wrapper


def _number(owner: str, name: str, value, low=None, high=None, low_open=False,
            high_open=False, allow_none=False):
    """``value`` as a Python float (NumPy scalars would upcast float32 arrays), range-checked."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    value = float(value)
    bad = not math.isfinite(value)
    if low is not None:
        bad = bad or value < low or (low_open and value == low)
    if high is not None:
        bad = bad or value > high or (high_open and value == high)
    if bad:
        lo = "" if low is None else f"{'>' if low_open else '>='} {low}"
        hi = "" if high is None else f"{'<' if high_open else '<='} {high}"
        expected = " and ".join(s for s in (lo, hi) if s) or "finite"
        raise ValueError(f"{owner}: {name} must be {expected}, got {value!r}")
    return value


class Optimizer:
    """Base class of all optimizers: the parameter arena, clipping, weight decay, state.

    Keras style: ``Adam(learning_rate=1e-3)``, then ``build(model.trainable_weights)`` or
    ``apply_gradients(zip(grads, params))``. PyTorch style: ``Adam(model.parameters(), lr=1e-3)``,
    then ``opt.zero_grad(); loss.backward(); opt.step()`` in a loop.

    Args:
        learning_rate: a float >= 0, a :class:`~neurona.optimizers.schedules.LearningRateSchedule`
            (called with ``iterations``) or a callable with no arguments.
        weight_decay: if set, every step first shrinks the parameters:
            ``p -= learning_rate * weight_decay * p`` (decoupled, as Keras 3 does).
        clipnorm: clip each parameter's gradient to this L2 norm.
        clipvalue: clip every gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together so their joint L2 norm is at most this.
        name: the optimizer's name.
        params: the parameters to optimize (also accepted as the first positional argument).
        lr: PyTorch's name for ``learning_rate``; when given it wins.

    Parameters that do not require a gradient are accepted and skipped (their values are never
    touched), and picked up if they later require one. A parameter whose ``.grad`` is None at
    ``step()`` contributes a zero gradient. If a parameter's ``.data`` or ``.grad`` is replaced
    by another array, ``step()`` notices (one identity check per parameter) and copies it into
    the arena; a new shape, dtype or device rebuilds the arena, keeping every other state.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _params_first(cls.__dict__["__init__"])
        if cls.__module__.startswith("neurona.optimizers."):
            _REGISTRY[cls.__name__.lower()] = cls

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **kwargs):
        owner = type(self).__name__
        params = kwargs.pop("params", None)
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
        for key, off in _KERAS_OFF.items():
            value = kwargs.pop(key, off)
            if key != "ema_momentum" and value:  # every other one is off when falsy
                raise ValueError(f"{owner}: {key}={value!r} is not supported by neurona's "
                                 f"optimizers (only {key}={off!r})")
        if kwargs:
            raise ValueError(f"{owner}: argument(s) not recognized: {kwargs}")
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        if sum(v is not None for v in clips.values()) > 1:
            raise ValueError(
                f"{owner}: only one of clipnorm, clipvalue and global_clipnorm can be set; got "
                + ", ".join(f"{k}={v}" for k, v in clips.items())
            )
        self.name = name if name is not None else owner.lower()
        self.weight_decay = _number(owner, "weight_decay", weight_decay, low=0.0,
                                    allow_none=True)
        self.clipnorm = _number(owner, "clipnorm", clipnorm, low=0.0, low_open=True,
                                allow_none=True)
        self.clipvalue = _number(owner, "clipvalue", clipvalue, low=0.0, low_open=True,
                                 allow_none=True)
        self.global_clipnorm = _number(owner, "global_clipnorm", global_clipnorm, low=0.0,
                                       low_open=True, allow_none=True)
        self._learning_rate = self._check_learning_rate(learning_rate)
        self.iterations = 0
        self.built = False
        self._params: list[Tensor] = []
        self._groups: list[ParamGroup] = []
        self._bound: list[tuple] = []  # (tensor, data view, grad view) of every arena member
        self._skipped: list[Tensor] = []  # parameters that required no gradient at build
        self._where: dict[int, tuple[ParamGroup, int]] = {}  # id(tensor) -> (group, index)
        self._pending = None  # slot arrays loaded before build, applied by build
        if params is not None:
            self.build(params)

    # -- learning rate ---------------------------------------------------------------------

    def _check_learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule) or (
            callable(value) and not isinstance(value, numbers.Number)
        ):
            return value
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(
                f"{type(self).__name__}: learning_rate must be a number, a LearningRateSchedule "
                f"or a callable with no arguments, got {value!r}"
            )
        return _number(type(self).__name__, "learning_rate", value, low=0.0)

    @property
    def learning_rate(self) -> float:
        """The learning rate of the next step (a schedule is evaluated at ``iterations``).

        Settable to a float (ReduceLROnPlateau does so) or to a schedule."""
        lr = self._learning_rate
        if isinstance(lr, float):
            return lr
        if isinstance(lr, schedules.LearningRateSchedule):
            return float(lr(self.iterations))
        return float(lr())

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if isinstance(self._learning_rate, schedules.LearningRateSchedule) and not (
            isinstance(value, schedules.LearningRateSchedule) or callable(value)
        ):
            raise TypeError(
                f"{type(self).__name__} was created with a LearningRateSchedule, so its "
                "learning rate is not settable to a number; create the optimizer with a float "
                "learning_rate if it must change during training"
            )
        self._learning_rate = self._check_learning_rate(value)

    @property
    def lr(self) -> float:
        """Alias of :attr:`learning_rate`."""
        return self.learning_rate

    @lr.setter
    def lr(self, value) -> None:
        self.learning_rate = value

    # -- what subclasses provide -------------------------------------------------------------

    def slot_names(self) -> tuple[str, ...]:
        """The names of the per-parameter state buffers this optimizer keeps."""
        return ()

    def slot_initial_value(self, name: str) -> float:
        """The value a state buffer starts from (0 unless overridden)."""
        return 0.0

    def prepare_step(self, learning_rate: float) -> None:
        """Called once per step before the groups are updated (for state shared by all)."""

    def update_step(self, group: ParamGroup, learning_rate: float) -> None:
        """Update ``group.data`` (and ``group.slots``) in place from ``group.grad``."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_step")

    def _extra_state(self) -> dict:
        """Scalar state beyond ``iterations`` (saved by :meth:`state_dict`)."""
        return {}

    def _load_extra_state(self, state: dict) -> None:
        pass

    # -- the arena ---------------------------------------------------------------------------

    @property
    def params(self) -> list[Tensor]:
        """The parameters given to :meth:`build`, including skipped ones."""
        return list(self._params)

    @property
    def groups(self) -> list[ParamGroup]:
        """The arena: one :class:`ParamGroup` per (dtype, device)."""
        return list(self._groups)

    def build(self, params) -> None:
        """Create the arena for ``params`` (an iterable of Tensors).

        Copies the values of the parameters that require a gradient into one flat buffer per
        (dtype, device), rebinds each ``p.data`` to a view of it (values unchanged) and sets
        ``p.grad`` to a view of a flat gradient buffer (zeros, or the gradient it already
        had). Building again with other parameters keeps the state of those that remain.

        Example:
            >>> opt = nr.optimizers.Adam(learning_rate=1e-3)
            >>> opt.build([w, b])
        """
        params = self._check_params(params)
        if self.built and len(params) == len(self._params) and all(
            a is b for a, b in zip(params, self._params, strict=True)
        ):
            return
        self._arrange(params)

    def _check_params(self, params) -> list[Tensor]:
        owner = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{owner} expects an iterable of Tensors as its parameters, got a single "
                "Tensor; wrap it in a list: [tensor]"
            )
        try:
            items = list(params)
        except TypeError:
            raise TypeError(
                f"{owner} expects an iterable of Tensors as its parameters, got "
                f"{type(params).__name__}"
            ) from None
        seen = set()
        out = []
        for i, p in enumerate(items):
            if isinstance(p, dict):
                raise TypeError(
                    f"{owner}: parameter groups (dicts) are not supported; pass one list of "
                    "Tensors, or use one optimizer per group"
                )
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{owner}: parameters must be neurona Tensors, but item {i} is a "
                    f"{type(p).__module__}.{type(p).__name__}; make it a parameter with "
                    "nr.tensor(value, requires_grad=True)"
                )
            if p.creator is not None:
                raise ValueError(
                    f"{owner}: parameter {i} (shape {p.shape}) is not a leaf tensor: it was "
                    "computed from other tensors; optimize the tensors it came from, or "
                    "detach() it"
                )
            if id(p) not in seen:  # a shared parameter listed twice is one parameter
                seen.add(id(p))
                out.append(p)
        return out

    def _arrange(self, params: list[Tensor]) -> None:
        """(Re)build the arena, keeping the state of parameters that had some."""
        kept = self._snapshot() if self.built else {}
        self._params = params
        by_key: dict[tuple, list[Tensor]] = {}
        skipped = []
        for p in params:
            if p.requires_grad:
                key = (p.data.dtype.str, backend.device_of(p.data))
                by_key.setdefault(key, []).append(p)
            else:
                skipped.append(p)
        slot_init = {s: self.slot_initial_value(s) for s in self.slot_names()}
        self._groups = [ParamGroup(ps, slot_init) for ps in by_key.values()]
        self._skipped = skipped
        self._bound = []
        self._where = {}
        for group in self._groups:
            for i, p in enumerate(group.params):
                self._bound.append((p, p.data, p.grad))
                self._where[id(p)] = (group, i)
        for p in params:
            saved = kept.get(id(p))
            if saved is not None and id(p) in self._where:
                group, i = self._where[id(p)]
                for name, arr in saved.items():
                    if name in group.slots and arr.shape == p.data.shape:
                        self._slot_view(group, i, name)[...] = group.xp.asarray(arr)
        self.built = True
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._load_slots(pending)

    def _slot_view(self, group: ParamGroup, i: int, name: str):
        o, n = group.offsets[i], group.sizes[i]
        return group.slots[name][o:o + n].reshape(group.shapes[i])

    def _slot_views(self):
        """``("<slot>/<i>", group, view)`` for every state slot of every parameter ``i`` of
        :attr:`params` that is in the arena: the keys of :meth:`state_dict`."""
        for i, p in enumerate(self._params):
            where = self._where.get(id(p))
            if where is None:
                continue
            group, j = where
            for name in group.slots:
                yield f"{name}/{i}", group, self._slot_view(group, j, name)

    def _snapshot(self) -> dict[int, dict[str, np.ndarray]]:
        """Host copies of every parameter's state, keyed by id(parameter)."""
        out = {}
        for group in self._groups:
            for i, p in enumerate(group.params):
                out[id(p)] = {name: backend.to_numpy(self._slot_view(group, i, name)).copy()
                              for name in group.slots}
        return out

    def _sync(self) -> None:
        """Make sure every parameter still lives in the arena (a cheap identity check)."""
        for p, data, grad in self._bound:
            if p.data is not data or p.grad is not grad or not p.requires_grad:
                self._repair()
                return
        for p in self._skipped:
            if p.requires_grad:
                self._repair()
                return

    def _repair(self) -> None:
        rebuild = any(p.requires_grad for p in self._skipped)
        for p, data, grad in self._bound:
            if not p.requires_grad:
                rebuild = True
                continue
            new = p.data
            if new is not data:
                if (new.shape == data.shape and new.dtype == data.dtype
                        and backend.device_of(new) == backend.device_of(data)):
                    data[...] = new  # replaced by an array of the same kind: copy it in
                    p.data = data
                else:
                    rebuild = True
                    continue
            g = p.grad
            if g is not grad:
                if g is None:
                    grad.fill(0)  # no gradient this step: it contributes zeros
                else:
                    g = g.data if isinstance(g, Tensor) else g
                    if g.shape != grad.shape:
                        raise ValueError(
                            f"{type(self).__name__}: a parameter of shape {grad.shape} has a "
                            f"gradient of shape {g.shape}"
                        )
                    grad[...] = g
                p.grad = grad
        if rebuild:
            self._arrange(self._params)

    # -- the update --------------------------------------------------------------------------

    def zero_grad(self) -> None:
        """Set every gradient in the arena to zero (one fill per group); ``p.grad`` stays a
        view of the arena, so the next ``backward()`` accumulates into it."""
        if not self.built:
            return
        self._sync()
        for group in self._groups:
            group.grad.fill(0)

    def step(self) -> None:
        """One update of all the parameters: clip the gradients, apply weight decay, update,
        and count the step in ``iterations``.

        Example:
            >>> opt.zero_grad()
            >>> loss.backward()
            >>> opt.step()
        """
        if not self.built:
            raise RuntimeError(
                f"{type(self).__name__} has no parameters yet: pass them when creating it "
                f"({type(self).__name__}(model.parameters())), call build(params), or use "
                "apply_gradients(zip(grads, params))"
            )
        self._sync()
        lr = self.learning_rate
        self._clip_gradients()
        if self.weight_decay:
            # decoupled weight decay, before the update as Keras 3 does: p -= lr * wd * p
            factor = 1.0 - lr * self.weight_decay
            for group in self._groups:
                group.data *= factor
        self.prepare_step(lr)
        for group in self._groups:
            self.update_step(group, lr)
        self.iterations += 1

    def _clip_gradients(self) -> None:
        if self.clipnorm is not None:
            c = self.clipnorm
            for group in self._groups:
                xp, g = group.xp, group.grad
                sq = group.scratch(0)
                xp.multiply(g, g, out=sq)
                sums, ids = group.segment_sums(sq)
                norms = xp.sqrt(sums)
                # scale = c / max(norm, c): 1 for parameters already within the norm
                if bool((norms > c).any()) or not bool(xp.isfinite(norms).all()):
                    scale = (c / xp.maximum(norms, c)).astype(g.dtype)
                    xp.take(scale, ids, out=sq)
                    g *= sq
        elif self.global_clipnorm is not None:
            c = self.global_clipnorm
            total = 0.0
            for group in self._groups:
                g = group.grad
                total += float(group.xp.dot(g, g))
            norm = math.sqrt(total)
            if not math.isfinite(norm):
                scale = math.nan  # as Keras: a non-finite norm poisons the update visibly
            elif norm > c:
                scale = c / norm
            else:
                return
            for group in self._groups:
                group.grad *= scale
        elif self.clipvalue is not None:
            v = self.clipvalue
            for group in self._groups:
                group.xp.clip(group.grad, -v, v, out=group.grad)

    def apply_gradients(self, grads_and_vars) -> int:
        """Keras-style update: copy the given gradients into the arena and :meth:`step`.

        Builds the arena on first use. A parameter of the arena that is not in the list (or
        whose gradient is None) gets a zero gradient.

        Args:
            grads_and_vars: iterable of ``(gradient, parameter)`` pairs; a gradient is an array,
                a Tensor or None, shaped like its parameter.

        Returns:
            The new value of ``iterations``.

        Example:
            >>> opt.apply_gradients(zip([gw, gb], [w, b]))
        """
        pairs = list(grads_and_vars)
        if not pairs:
            return self.iterations
        grads = [g for g, _ in pairs]
        variables = self._check_params([v for _, v in pairs])
        if not self.built:
            self.build(variables)
        self.zero_grad()  # also re-attaches the arena views
        for g, v in zip(grads, (v for _, v in pairs), strict=True):
            if not v.requires_grad or g is None:
                continue
            where = self._where.get(id(v))
            if where is None:
                raise ValueError(
                    f"{type(self).__name__}: unknown parameter of shape {v.shape}: this "
                    "optimizer can only update the parameters it was built with; create a new "
                    "optimizer (or call build) for a new set of parameters"
                )
            group, i = where
            arr = _as_array(g, group.xp)
            if arr.shape != v.data.shape:
                raise ValueError(
                    f"{type(self).__name__}: gradient of shape {arr.shape} for a parameter of "
                    f"shape {v.data.shape}"
                )
            v.grad[...] = arr
        self.step()
        return self.iterations

    def apply(self, grads, trainable_variables=None) -> int:
        """Keras's ``apply``: gradients in the order of ``trainable_variables`` (or of the
        parameters the optimizer was built with)."""
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"{type(self).__name__}.apply without variables needs a built optimizer; "
                    "call build(params) first or pass trainable_variables"
                )
            trainable_variables = [p for p in self._params if id(p) in self._where]
        grads = list(grads)
        trainable_variables = list(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(
                f"{type(self).__name__}.apply got {len(grads)} gradients for "
                f"{len(trainable_variables)} variables"
            )
        return self.apply_gradients(zip(grads, trainable_variables, strict=True))

    # -- state -------------------------------------------------------------------------------

    def state_dict(self) -> dict:
        """Everything needed to resume exactly: ``iterations``, the learning rate (when it is a
        number), and for every parameter ``i`` of :attr:`params` in the arena one host array
        per state slot, keyed ``"<slot>/<i>"`` (e.g. ``"momentum/0"``). The arrays are copies.
        """
        state = {"iterations": int(self.iterations)}
        if isinstance(self._learning_rate, float):
            state["learning_rate"] = self._learning_rate
        state.update(self._extra_state())
        if not self.built:
            if self._pending is not None:
                state.update({k: v.copy() for k, v in self._pending.items()})
            return state
        for key, _, view in self._slot_views():
            state[key] = backend.to_numpy(view).copy()
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned (before or after :meth:`build`).

        Raises:
            ValueError: for missing or unexpected keys, or arrays of the wrong shape (nothing
                is changed then).
        """
        owner = type(self).__name__
        state = dict(state)
        if "iterations" not in state:
            raise ValueError(f"{owner}.load_state_dict: the state has no 'iterations' entry")
        scalars = {"iterations", "learning_rate", *self._extra_state()}
        names = set(self.slot_names())
        slots = {}
        unexpected = []
        for key, value in state.items():
            if key in scalars:
                continue
            name, _, index = key.rpartition("/")
            if name in names and index.isdigit() and (
                not self.built or int(index) < len(self._params)
            ):
                slots[key] = np.asarray(backend.to_numpy(value))
            else:
                unexpected.append(key)
        if unexpected:
            raise ValueError(
                f"{owner}.load_state_dict: unexpected keys {sorted(unexpected)}; this "
                f"optimizer keeps 'iterations' and slots {sorted(names) or 'none'} as "
                "'<slot>/<parameter index>' (was the state saved by another optimizer class?)"
            )
        if self.built:
            self._check_slots(slots)
        iterations = int(np.asarray(state["iterations"]))
        lr = state.get("learning_rate")
        extra = {k: state[k] for k in self._extra_state() if k in state}
        if self.built:
            self._load_slots(slots)
        else:
            self._pending = slots
        self.iterations = iterations
        if lr is not None and isinstance(self._learning_rate, float):
            self._learning_rate = self._check_learning_rate(float(np.asarray(lr)))
        self._load_extra_state(extra)

    def _check_slots(self, slots: dict) -> None:
        owner = type(self).__name__
        missing = []
        for i, p in enumerate(self._params):
            if id(p) not in self._where:
                continue
            for name in self.slot_names():
                arr = slots.get(f"{name}/{i}")
                if arr is None:
                    missing.append(f"{name}/{i}")
                elif arr.shape != p.data.shape:
                    raise ValueError(
                        f"{owner}.load_state_dict: '{name}/{i}' has shape {arr.shape} but "
                        f"parameter {i} has shape {p.data.shape}"
                    )
        if missing:
            raise ValueError(
                f"{owner}.load_state_dict: missing keys {missing} (the state was saved for "
                "other parameters or another optimizer configuration)"
            )

    def _load_slots(self, slots: dict) -> None:
        self._check_slots(slots)
        for key, group, view in self._slot_views():
            view[...] = group.xp.asarray(slots[key])

    # -- configuration -----------------------------------------------------------------------

    def get_config(self) -> dict:
        """The constructor arguments, JSON-able (a schedule is serialized as a dict)."""
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            lr = schedules.serialize(lr)
        return {
            "name": self.name,
            "learning_rate": lr,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> Optimizer:
        """Create an optimizer from :meth:`get_config`'s output."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"],
                                                            custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self) -> str:
        n = sum(len(g.params) for g in self._groups)
        built = f"{n} parameters" if self.built else "not built"
        return (f"<{type(self).__name__} '{self.name}' "
                f"learning_rate={self._learning_rate!r}, {built}>")


# ---------------------------------------------------------------------------------------------
# Lookups
# ---------------------------------------------------------------------------------------------


def _class(name: str, custom_objects=None) -> type:
    return _lookup.find("optimizer", name, _REGISTRY, custom_objects)


def serialize(optimizer: Optimizer) -> dict:
    """``{"class_name": ..., "config": ...}`` for an optimizer."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"serialize expects an Optimizer, got {type(optimizer).__name__}")
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict, custom_objects=None) -> Optimizer:
    """Create an optimizer from :func:`serialize`'s output (``custom_objects`` maps extra class
    names to classes)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "deserialize expects a dict like {'class_name': 'Adam', 'config': {...}}, got "
            f"{config!r}"
        )
    cls = _class(config["class_name"], custom_objects)
    return cls.from_config(config.get("config") or {}, custom_objects=custom_objects)


def get(identifier) -> Optimizer:
    """Resolve an optimizer from a name (``'adam'``), a dict, a class or an instance.

    Example:
        >>> opt = nr.optimizers.get("adam")      # Adam with Keras's defaults
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return _class(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}; expected a name such as "
        f"'adam', a dict from serialize(), or an Optimizer"
    )
