"""Reverse-mode automatic differentiation: the Function base class and the backward engine.

A :class:`Function` is one differentiable primitive. Its ``forward`` takes arrays and returns an
array (or a tuple of arrays); its ``backward`` takes the gradient of the loss with respect to each
output (``gy``) and returns the gradient with respect to each input (``gx``), or None for inputs
that need none. ``Function.apply`` wraps the arrays in Tensors and records the graph only when a
gradient is needed and grad mode is on.

The engine walks the graph in topological order without recursion, so very deep graphs (a
10,000-step unrolled loop) work, and frees each Function's saved arrays once it has run.
"""

from __future__ import annotations

import functools
import itertools
from weakref import ref as _weakref

import numpy as np

from . import backend

_new = object.__new__

__all__ = [
    "Function",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "set_grad_enabled",
    "backward",
    "unbroadcast",
]


class _GradMode:
    enabled = True


_sequence = itertools.count()  # creation order of recorded Functions


def is_grad_enabled() -> bool:
    """True when operations record the graph for backpropagation."""
    return _GradMode.enabled


class set_grad_enabled:
    """Turn graph recording on or off; usable as a context manager or a decorator.

    Example:
        >>> with nr.set_grad_enabled(False):
        ...     y = model(x)          # no graph is recorded
    """

    def __init__(self, mode: bool = True):
        self.mode = bool(mode)
        self.prev: list[bool] = []

    def __enter__(self):
        self.prev.append(_GradMode.enabled)
        _GradMode.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _GradMode.enabled = self.prev.pop()
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.mode):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(set_grad_enabled):
    """Context manager and decorator: run without recording the graph (inference, updates).

    Example:
        >>> with nr.no_grad():
        ...     w -= 0.1 * w.grad
    """

    def __init__(self):
        super().__init__(False)

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)

        return wrapper


class enable_grad(set_grad_enabled):
    """Context manager and decorator: record the graph even inside ``no_grad``."""

    def __init__(self):
        super().__init__(True)

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with enable_grad():
                return fn(*args, **kwargs)

        return wrapper


def unbroadcast(g, shape):
    """Sum ``g`` down to ``shape``: the gradient of broadcasting an array of ``shape`` up to
    ``g.shape``."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and g.shape[i + extra] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if extra:
        g = g.reshape(shape)
    return g


class Function:
    """One differentiable primitive: ``forward`` and ``backward`` side by side.

    Subclasses implement ``forward(*arrays) -> array | tuple[array, ...]`` and
    ``backward(*gys) -> array | tuple[array | None, ...]``. Inside both, ``self.xp`` is the array
    module (NumPy or CuPy) and ``self.needs_grad[i]`` tells whether input ``i`` needs a gradient,
    so backward computes only what someone asked for. Keyword arguments given to ``apply`` become
    attributes (``LeakyReLU.apply(x, slope=0.2)`` sets ``self.slope``).
    """

    __slots__ = ("inputs", "outputs", "needs_grad", "seq", "__dict__")

    # Defaults shared by all instances; an instance overrides them only when needed (CuPy
    # inputs, saved arrays), which keeps apply() cheap.
    xp = np
    saved = ()

    @classmethod
    def apply(cls, *inputs, **params):
        """Run ``forward`` on the inputs' arrays and wrap the result(s) in Tensors, recording
        this Function as their creator when a gradient will be needed. Keyword arguments
        become attributes of the Function (hyper-parameters such as an axis)."""
        # This is the hottest path of the engine: one- and two-input Functions (nearly all of
        # them) get unrolled code, measurably faster than the general loops.
        fn = _new(cls)
        if params:
            fn.__dict__.update(params)
        enabled = _GradMode.enabled
        n = len(inputs)
        if n == 1:
            x = inputs[0]
            if isinstance(x, Tensor):
                arrays = (x.data,)
                record = enabled and x.requires_grad
            else:
                arrays = inputs
                record = False
            fn.needs_grad = (record,)
            kept = inputs
        elif n == 2:
            a, b = inputs
            if isinstance(a, Tensor):
                need_a = enabled and a.requires_grad
                a_data = a.data
            else:
                need_a = False
                a_data = a
            if isinstance(b, Tensor):
                need_b = enabled and b.requires_grad
                b_data = b.data
            else:
                need_b = False
                b_data = b
            arrays = (a_data, b_data)
            record = need_a or need_b
            fn.needs_grad = (need_a, need_b)
            # inputs that need no gradient are dropped: backward never uses them
            kept = (a if need_a else None, b if need_b else None)
        else:
            needs, arrays, kept, record = [], [], [], False
            for x in inputs:
                if isinstance(x, Tensor):
                    arrays.append(x.data)
                    if enabled and x.requires_grad:
                        record = True
                        needs.append(True)
                        kept.append(x)
                        continue
                else:
                    arrays.append(x)
                needs.append(False)
                kept.append(None)
            fn.needs_grad = tuple(needs)
            kept = tuple(kept)
        if backend._cupy is not None:
            fn.xp = backend.get_array_module(*arrays)
        ys = fn.forward(*arrays)
        creator = fn if record else None
        if type(ys) is tuple:
            outs = tuple([Tensor._make(y, creator) for y in ys])
            if record:
                fn.outputs = tuple([_weakref(o) for o in outs])
                # shapes to fill the gradient of an output nobody used
                fn.out_meta = tuple([(o.data.shape, o.data.dtype) for o in outs])
        else:
            if isinstance(ys, np.generic):  # NumPy reductions return scalars, not 0-d arrays
                ys = np.asarray(ys)
            outs = _new(Tensor)
            outs.data = ys
            outs.grad = None
            outs.creator = creator
            outs.requires_grad = record
            outs.retains_grad = False
            if record:
                # Outputs are referenced weakly: a Function must not keep its results alive.
                fn.outputs = (_weakref(outs),)
        if record:
            fn.inputs = kept
            fn.seq = next(_sequence)
        return outs

    def save_for_backward(self, *arrays) -> None:
        """Keep arrays for ``backward``; they are freed once backward has run."""
        self.saved = arrays

    def forward(self, *xs):
        raise NotImplementedError

    def backward(self, *gys):
        raise NotImplementedError

    @property
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name} backward>"


def _free_error(fn) -> RuntimeError:
    return RuntimeError(
        f"trying to backward through the graph a second time (through {fn.name}): its saved "
        "values were freed after the first backward. Call .backward(retain_graph=True) the "
        "first time if you need to backpropagate through it again."
    )


def backward(root, gradient=None, retain_graph: bool = False) -> None:
    """Backpropagate from ``root``: accumulate d(root)/d(leaf) into every leaf's ``.grad``.

    Args:
        root: the Tensor to differentiate (usually a scalar loss).
        gradient: d(something)/d(root), same shape as root; may be omitted for a scalar root.
        retain_graph: keep saved arrays so the graph can be backpropagated again.
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward() called on a tensor that does not require grad: no input of the "
            "computation had requires_grad=True, or it ran under no_grad()"
        )
    data = root.data
    xp = np if backend._cupy is None else backend.get_array_module(data)
    if gradient is None:
        if data.size != 1:
            raise RuntimeError(
                f"backward() without a gradient needs a scalar output, got shape {data.shape}; "
                "reduce it first (e.g. loss.sum() or loss.mean()) or pass gradient= of the same "
                "shape"
            )
        gradient = xp.empty_like(data)
        gradient.fill(1)
    else:
        gradient = gradient.data if isinstance(gradient, Tensor) else gradient
        gradient = xp.array(gradient, dtype=data.dtype)  # a copy: the caller keeps theirs
        if gradient.shape != data.shape:
            raise ValueError(
                f"backward(): gradient has shape {gradient.shape} but the tensor has shape "
                f"{data.shape}"
            )

    root_fn = root.creator
    if root_fn is None:  # a leaf: d(root)/d(root)
        _accumulate_leaf(root, gradient, set())
        return
    _run_backward(root, root_fn, gradient, retain_graph)


def _topological_order(root_fn) -> list:
    """The Functions reachable from ``root_fn``, each after every Function that consumes its
    outputs. Every Function is created after the ones that made its inputs, so decreasing
    creation number is such an order. Checks first that none was freed by an earlier backward,
    so a failing call changes no gradient."""
    if root_fn.inputs is None:
        raise _free_error(root_fn)
    order = [root_fn]
    seen = {root_fn}
    for fn in order:  # the list grows while we walk it: a breadth-first search
        for x in fn.inputs:
            if x is not None:
                c = x.creator
                if c is not None and c not in seen:
                    if c.inputs is None:
                        raise _free_error(c)
                    seen.add(c)
                    order.append(c)
    order.sort(key=_by_sequence, reverse=True)
    return order


def _by_sequence(fn):
    return fn.seq


def _run_backward(root, root_fn, gradient, retain_graph) -> None:
    # Pending gradients, keyed by tensor: the key keeps a tensor alive until its creator has
    # run, even after the consumers that referenced it have been freed.
    grads = {root: gradient}
    pop = grads.pop
    stored = set()  # ids of arrays handed to a leaf's .grad in this pass
    for fn in _topological_order(root_fn):
        outputs = fn.outputs
        if len(outputs) == 1:
            out = outputs[0]()  # None only if no gradient was ever sent to it
            gy = None if out is None else pop(out, None)
            if gy is None:
                gxs = None
            else:
                if out.retains_grad:
                    _accumulate_leaf(out, gy, stored)
                gxs = fn.backward(gy)
        else:
            gxs = _backward_multi(fn, pop, stored)
        inputs = fn.inputs
        if not retain_graph:
            fn.saved = ()
            fn.inputs = None
        if gxs is None:
            continue
        if len(inputs) == 1:
            gxs = (gxs,)
        for x, gx in zip(inputs, gxs, strict=True):
            if x is None or gx is None:
                continue
            if x.creator is None:
                if (x.grad is None and gx.__class__ is x.data.__class__ and gx.base is None
                        and gx.dtype is x.data.dtype and id(gx) not in stored):
                    # the common case, inlined: a fresh array becomes the leaf's gradient
                    x.grad = gx
                    stored.add(id(gx))
                else:
                    _accumulate_leaf(x, gx, stored)
            elif x in grads:
                grads[x] = grads[x] + gx
            else:
                grads[x] = gx


def _backward_multi(fn, pop, stored):
    """Backward of a Function with several outputs: zeros stand in for unused outputs."""
    gys = []
    for ref in fn.outputs:
        out = ref()
        g = None if out is None else pop(out, None)
        if g is not None and out.retains_grad:
            _accumulate_leaf(out, g, stored)
        gys.append(g)
    if all(g is None for g in gys):
        return None
    for i, g in enumerate(gys):
        if g is None:
            shape, dtype = fn.out_meta[i]
            gys[i] = fn.xp.zeros(shape, dtype)
    return fn.backward(*gys)


def _accumulate_leaf(t, g, stored) -> None:
    """Add ``g`` into ``t.grad``. ``stored`` holds the ids of the arrays handed to a ``.grad``
    during this backward pass: such an array may also be flowing to other Functions (``Add``
    passes one gradient to both inputs), so it is never updated in place."""
    if isinstance(g, np.generic):
        g = np.asarray(g)
    dtype = t.data.dtype
    if g.dtype is not dtype and g.dtype != dtype:
        g = g.astype(dtype)
    grad = t.grad
    if grad is None:
        # a view (possibly read-only, e.g. a broadcast) or an array given to another tensor
        # already must not become this tensor's own gradient buffer
        if g.base is not None or id(g) in stored:
            g = g.copy()
        stored.add(id(g))
        t.grad = g
    elif id(grad) in stored:
        t.grad = grad + g
    else:  # a buffer from before this pass (the user's or an optimizer's): update in place
        grad += g


from .tensor import Tensor  # noqa: E402  (tensor.py imports this module; bind after Function)
