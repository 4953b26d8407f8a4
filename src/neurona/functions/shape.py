"""Shape and indexing: reshape, transpose, broadcast, join and split, pad, repeat, flip, ``x[i]``.

None of these change values, only where they sit, so every backward moves the gradient back to
where its value came from: reshape and transpose undo themselves, broadcast sums (``unbroadcast``),
split concatenates, pad and repeat fold copies back onto their source, indexing scatters.

Forwards are one NumPy call where possible and return views (reshape, transpose, split, basic
indexing); no Function writes into its inputs (an engine rule), so sharing memory is safe.
Wrappers check arguments and turn NumPy's errors into messages that name the operation and shapes.
"""

from __future__ import annotations

import math
import operator
from itertools import pairwise

import numpy as np

from .. import backend
from ..autograd import Function, unbroadcast
from ..tensor import Tensor, as_tensor, resolve_dtype

__all__ = [
    "reshape", "flatten", "transpose", "permute", "swapaxes", "squeeze", "unsqueeze", "expand",
    "broadcast_to", "concat", "stack", "split", "chunk", "pad", "repeat", "tile", "flip",
    "getitem", "one_hot",
]


# -- helpers -------------------------------------------------------------------------------------


def _tensor(x):
    return x if isinstance(x, Tensor) else as_tensor(x)


def _axis(op, axis, ndim, shape, extra=0):
    """Normalise ``axis`` into ``[0, ndim + extra)`` (``extra=1`` for an axis being inserted)."""
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{op}: axis must be an integer, got {axis!r}") from None
    n = ndim + extra
    if not -n <= axis < n:
        if n == 0:
            raise ValueError(f"{op}: axis {axis} is out of range: the tensor is 0-dimensional")
        raise ValueError(
            f"{op}: axis {axis} is out of range for a tensor of shape {shape} "
            f"(valid axes: {-n} to {n - 1})"
        )
    return axis % n


def _axes(op, axis, ndim, shape, extra=0):
    """Normalise an int or a sequence of ints into a tuple of distinct axes."""
    axes = (axis,) if not isinstance(axis, (tuple, list)) else tuple(axis)
    out = tuple(_axis(op, a, ndim, shape, extra) for a in axes)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: axis {axis} names the same axis twice")
    return out


def _shape_tuple(op, shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        return tuple(operator.index(n) for n in shape)
    except TypeError:
        raise TypeError(f"{op}: shape must be a sequence of integers, got {shape!r}") from None


def _along(axis, s):
    """An index that applies slice ``s`` on ``axis`` and keeps every other axis whole."""
    return (slice(None),) * axis + (s,)


# -- reshape, transpose ----------------------------------------------------------------------------


class Reshape(Function):
    def forward(self, x):
        self.in_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, gy):
        return gy.reshape(self.in_shape)


def _reshape_error(src, shape) -> ValueError:
    size = math.prod(src)
    if sum(n == -1 for n in shape) > 1:
        return ValueError(f"reshape: only one size can be -1, got shape {shape}")
    bad = [n for n in shape if n < -1]
    if bad:
        return ValueError(f"reshape: invalid size {bad[0]} in shape {shape}")
    known = math.prod(n for n in shape if n != -1)
    if -1 in shape:
        return ValueError(
            f"reshape: cannot reshape a tensor of shape {src} (size {size}) into shape {shape}: "
            f"{size} is not a multiple of {known}"
        )
    return ValueError(
        f"reshape: cannot reshape a tensor of shape {src} (size {size}) into shape {shape} "
        f"(size {known})"
    )


class Transpose(Function):
    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy):
        if self.axes is None:
            return gy.transpose()
        n = len(self.axes)
        inverse = [0] * n
        for i, a in enumerate(self.axes):
            inverse[a % n] = i
        return gy.transpose(inverse)


def _transpose_error(op, shape, axes) -> ValueError:
    msg = f"{op}: axes {axes} are not a permutation of the axes of a tensor of shape {shape}"
    if len(axes) == 2 and len(shape) != 2:
        msg += f"; to exchange two axes use swapaxes(x, {axes[0]}, {axes[1]})"
    return ValueError(msg)


def reshape(x, shape) -> Tensor:
    """``x`` with a new shape of the same size; one size may be -1 (inferred).

    Args:
        x: any shape.
        shape: the new shape, e.g. ``(batch, -1)``.

    Returns:
        A tensor of ``shape`` (a view of ``x``'s data when possible).

    Example:
        >>> nr.arange(6.0).reshape(2, -1).shape
        (2, 3)
    """
    if type(shape) is not tuple:
        shape = _shape_tuple("reshape", shape)
    try:
        return Reshape.apply(x, shape=shape)
    except (ValueError, TypeError):
        raise _reshape_error(x.shape, _shape_tuple("reshape", shape)) from None


def flatten(x, start_axis: int = 0, end_axis: int = -1) -> Tensor:
    """Merge axes ``start_axis`` to ``end_axis`` (inclusive) into one.

    Args:
        x: any shape; a 0-d tensor becomes shape (1,).

    Example:
        >>> F.flatten(nr.zeros(2, 3, 4), 1).shape
        (2, 12)
    """
    x = _tensor(x)
    shape = x.shape
    if x.ndim == 0:
        return Reshape.apply(x, shape=(1,))
    start = _axis("flatten", start_axis, x.ndim, shape)
    end = _axis("flatten", end_axis, x.ndim, shape)
    if start > end:
        raise ValueError(
            f"flatten: start_axis {start_axis} comes after end_axis {end_axis} for a tensor of "
            f"shape {shape}"
        )
    new = shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:]
    return Reshape.apply(x, shape=new)


def transpose(x, axes=None) -> Tensor:
    """Permute the axes of ``x``: axis ``i`` of the result is axis ``axes[i]`` of ``x``.

    Args:
        x: any shape.
        axes: a permutation of ``range(x.ndim)``; None reverses the axes (a matrix transpose).

    Example:
        >>> nr.zeros(2, 3, 4).transpose(2, 0, 1).shape
        (4, 2, 3)
    """
    if axes is not None:
        axes = tuple(axes)
    try:
        return Transpose.apply(x, axes=axes)
    except (ValueError, TypeError):
        raise _transpose_error("transpose", x.shape, axes) from None


def permute(x, axes) -> Tensor:
    """:func:`transpose` with the permutation required, as PyTorch's ``permute``.

    Example:
        >>> F.permute(nr.zeros(2, 3, 4), (0, 2, 1)).shape
        (2, 4, 3)
    """
    axes = tuple(axes)
    try:
        return Transpose.apply(x, axes=axes)
    except (ValueError, TypeError):
        raise _transpose_error("permute", x.shape, axes) from None


def swapaxes(x, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes.

    Example:
        >>> F.swapaxes(nr.zeros(2, 3, 4), 0, 2).shape
        (4, 3, 2)
    """
    x = _tensor(x)
    a = _axis("swapaxes", axis1, x.ndim, x.shape)
    b = _axis("swapaxes", axis2, x.ndim, x.shape)
    axes = list(range(x.ndim))
    axes[a], axes[b] = b, a
    return Transpose.apply(x, axes=tuple(axes))


def squeeze(x, axis=None) -> Tensor:
    """Remove axes of size 1: all of them, or the named ones (which must have size 1).

    Args:
        x: any shape.
        axis: None, an int or a tuple of ints.

    Example:
        >>> F.squeeze(nr.zeros(2, 1, 3)).shape
        (2, 3)
    """
    x = _tensor(x)
    shape = x.shape
    if axis is None:
        new = tuple(n for n in shape if n != 1)
    else:
        axes = _axes("squeeze", axis, x.ndim, shape)
        for a in axes:
            if shape[a] != 1:
                raise ValueError(
                    f"squeeze: axis {a} has size {shape[a]}, not 1 (tensor shape {shape}); only "
                    "axes of size 1 can be removed"
                )
        new = tuple(n for i, n in enumerate(shape) if i not in axes)
    return Reshape.apply(x, shape=new)


def unsqueeze(x, axis) -> Tensor:
    """Insert axes of size 1 at the given positions of the result.

    Args:
        x: any shape.
        axis: an int or a tuple of ints, in ``[-(x.ndim + k), x.ndim + k)`` for k new axes.

    Example:
        >>> F.unsqueeze(nr.zeros(2, 3), 1).shape
        (2, 1, 3)
    """
    x = _tensor(x)
    k = len(axis) if isinstance(axis, (tuple, list)) else 1
    axes = _axes("unsqueeze", axis, x.ndim, x.shape, extra=k)
    rest = iter(x.shape)
    new = tuple(1 if i in axes else next(rest) for i in range(x.ndim + k))
    return Reshape.apply(x, shape=new)


# -- broadcasting ----------------------------------------------------------------------------------


class BroadcastTo(Function):
    def forward(self, x):
        self.in_shape = x.shape
        # a read-only view: no copy of the repeated values
        return self.xp.broadcast_to(x, self.shape)

    def backward(self, gy):
        return unbroadcast(gy, self.in_shape)


def _broadcast_error(op, src, target) -> ValueError:
    if any(n < 0 for n in target):
        return ValueError(f"{op}: sizes must be non-negative, got shape {target}")
    if len(target) < len(src):
        return ValueError(
            f"{op}: cannot broadcast shape {src} to {target}: the target has fewer dimensions"
        )
    for i in range(1, len(src) + 1):
        s, t = src[-i], target[-i]
        if s != t and s != 1:
            return ValueError(
                f"{op}: cannot broadcast shape {src} to {target}: axis {len(src) - i} has size "
                f"{s}, which is neither 1 nor {t}"
            )
    return ValueError(f"{op}: cannot broadcast shape {src} to {target}")


def broadcast_to(x, shape) -> Tensor:
    """``x`` repeated (without copying) to ``shape``, by NumPy's broadcasting rules.

    Args:
        x: any shape that broadcasts to ``shape``.
        shape: the target shape.

    Example:
        >>> F.broadcast_to(nr.zeros(3), (2, 3)).shape
        (2, 3)
    """
    x = _tensor(x)
    shape = _shape_tuple("broadcast_to", shape)
    try:
        return BroadcastTo.apply(x, shape=shape)
    except ValueError:
        raise _broadcast_error("broadcast_to", x.shape, shape) from None


def expand(x, shape) -> Tensor:
    """PyTorch's ``expand``: broadcast to ``shape``, where -1 keeps an existing axis's size.

    Example:
        >>> nr.zeros(3, 1).expand(-1, 4).shape
        (3, 4)
    """
    x = _tensor(x)
    shape = _shape_tuple("expand", shape)
    extra = len(shape) - x.ndim
    if extra < 0:
        raise ValueError(
            f"expand: the target shape {shape} has fewer dimensions than the tensor's shape "
            f"{x.shape}"
        )
    if -1 in shape:
        for i in range(extra):
            if shape[i] == -1:
                raise ValueError(
                    f"expand: -1 is not allowed for the new leading axis {i} in {shape}"
                )
        shape = tuple(x.shape[i - extra] if n == -1 else n for i, n in enumerate(shape))
    try:
        return BroadcastTo.apply(x, shape=shape)
    except ValueError:
        raise _broadcast_error("expand", x.shape, shape) from None


# -- join and split --------------------------------------------------------------------------------


def _as_list(op, tensors):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{op}: expected a list or tuple of tensors, got {type(tensors).__name__}"
        )
    if not tensors:
        raise ValueError(f"{op}: expected at least one tensor, got an empty sequence")
    return [_tensor(t) for t in tensors]


class Concat(Function):
    def forward(self, *xs):
        self.sizes = [x.shape[self.axis] for x in xs]
        return self.xp.concatenate(xs, axis=self.axis)

    def backward(self, gy):
        gxs = []
        start = 0
        for n, needed in zip(self.sizes, self.needs_grad, strict=True):
            gxs.append(gy[_along(self.axis, slice(start, start + n))] if needed else None)
            start += n
        return gxs[0] if len(gxs) == 1 else tuple(gxs)


class Stack(Function):
    def forward(self, *xs):
        return self.xp.stack(xs, axis=self.axis)

    def backward(self, gy):
        g = self.xp.moveaxis(gy, self.axis, 0)
        gxs = tuple(g[i] if needed else None for i, needed in enumerate(self.needs_grad))
        return gxs[0] if len(gxs) == 1 else gxs


def concat(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis.

    Args:
        tensors: Tensors or arrays with the same shape except along ``axis``.
        axis: the axis to join along.

    Returns:
        Shape of the inputs with ``axis`` of size ``sum(t.shape[axis])``.

    Example:
        >>> F.concat([nr.zeros(2, 3), nr.ones(2, 1)], axis=1).shape
        (2, 4)
    """
    ts = _as_list("concat", tensors)
    first = ts[0].shape
    if not first:
        raise ValueError("concat: tensor 0 is 0-dimensional (shape ()); use stack to join scalars")
    axis = _axis("concat", axis, len(first), first)
    for i, t in enumerate(ts[1:], 1):
        s = t.shape
        if len(s) != len(first):
            raise ValueError(
                f"concat: tensor {i} has shape {s} but tensor 0 has shape {first}; they need the "
                "same number of dimensions"
            )
        if s[:axis] != first[:axis] or s[axis + 1:] != first[axis + 1:]:
            raise ValueError(
                f"concat: tensor {i} has shape {s} but tensor 0 has shape {first}; shapes must "
                f"match on every axis except axis {axis}"
            )
    return Concat.apply(*ts, axis=axis)


def stack(tensors, axis: int = 0) -> Tensor:
    """Join tensors of the same shape along a new axis.

    Args:
        tensors: Tensors or arrays, all of one shape ``s``.
        axis: the position of the new axis in the result.

    Returns:
        ``s`` with an axis of size ``len(tensors)`` inserted at ``axis``.

    Example:
        >>> F.stack([nr.zeros(3), nr.ones(3)], axis=1).shape
        (3, 2)
    """
    ts = _as_list("stack", tensors)
    first = ts[0].shape
    for i, t in enumerate(ts[1:], 1):
        if t.shape != first:
            raise ValueError(
                f"stack: tensor {i} has shape {t.shape} but tensor 0 has shape {first}; all "
                "tensors must have the same shape"
            )
    axis = _axis("stack", axis, len(first), first, extra=1)
    return Stack.apply(*ts, axis=axis)


class Split(Function):
    """Several outputs at once: piece ``i`` is ``x[bounds[i]:bounds[i + 1]]`` along ``axis``."""

    def forward(self, x):
        self.in_shape = x.shape
        b, axis = self.bounds, self.axis
        return tuple(x[_along(axis, slice(b[i], b[i + 1]))] for i in range(len(b) - 1))

    def backward(self, *gys):
        if self.ordered:  # the pieces tile the axis: their gradients simply join
            return self.xp.concatenate(gys, axis=self.axis)
        # decreasing split points make pieces overlap (NumPy allows it): add each one back
        gx = self.xp.zeros(self.in_shape, gys[0].dtype)
        for (lo, hi), g in zip(pairwise(self.bounds), gys, strict=True):
            if hi > lo:
                gx[_along(self.axis, slice(lo, hi))] += g
        return gx


def _split(x, bounds, axis):
    ordered = all(a <= b for a, b in pairwise(bounds))
    out = Split.apply(x, bounds=bounds, axis=axis, ordered=ordered)
    return list(out) if type(out) is tuple else [out]


def split(x, indices_or_sections, axis: int = 0) -> list[Tensor]:
    """Cut ``x`` along ``axis``, as ``numpy.split``.

    Args:
        x: any shape with at least one dimension.
        indices_or_sections: an int ``k`` (``k`` equal pieces; the axis size must be divisible
            by ``k``) or a sequence of split points (``[2, 5]`` gives ``x[:2]``, ``x[2:5]``,
            ``x[5:]``).
        axis: the axis to cut.

    Returns:
        A list of tensors; the gradient flows back from every piece used.

    Example:
        >>> [p.shape for p in F.split(nr.zeros(6, 2), [1, 4])]
        [(1, 2), (3, 2), (2, 2)]
    """
    x = _tensor(x)
    axis = _axis("split", axis, x.ndim, x.shape)
    n = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError(f"split: the number of sections must be positive, got {k}")
        if n % k:
            raise ValueError(
                f"split: axis {axis} of size {n} cannot be split into {k} equal sections "
                f"(tensor shape {x.shape}); give split points, or use chunk for unequal pieces"
            )
        bounds = [i * (n // k) for i in range(k + 1)]
    else:
        try:
            points = [operator.index(i) for i in indices_or_sections]
        except TypeError:
            raise TypeError(
                f"split: indices_or_sections must be an int or a sequence of ints, got "
                f"{indices_or_sections!r}"
            ) from None
        # negative points count from the end and points past the end clip, as in slicing
        points = [min(max(i + n if i < 0 else i, 0), n) for i in points]
        bounds = [0, *points, n]
    return _split(x, bounds, axis)


def chunk(x, chunks: int, axis: int = 0) -> list[Tensor]:
    """Cut ``x`` into ``chunks`` pieces of ``ceil(size / chunks)`` along ``axis``, as PyTorch's
    ``chunk``: the last piece may be smaller and there may be fewer than ``chunks`` pieces.

    Example:
        >>> [p.shape for p in F.chunk(nr.zeros(5), 3)]
        [(2,), (2,), (1,)]
    """
    x = _tensor(x)
    if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive integer, got {chunks!r}")
    axis = _axis("chunk", axis, x.ndim, x.shape)
    n = x.shape[axis]
    if n == 0:
        bounds = [0] * (int(chunks) + 1)
    else:
        size = -(-n // int(chunks))
        bounds = [*range(0, n, size), n]
    return _split(x, bounds, axis)


# -- pad, repeat, tile, flip -----------------------------------------------------------------------

_PAD_MODES = {"constant": "constant", "reflect": "reflect", "edge": "edge", "replicate": "edge"}


def _fold(xp, g, axis, n, before, after, mode):
    """Gradient of edge or reflect padding on one axis: each padded cell's gradient goes back to
    the cell it copied."""
    core = g[_along(axis, slice(before, before + n))].copy()
    pad_lo = g[_along(axis, slice(0, before))]
    pad_hi = g[_along(axis, slice(before + n, before + n + after))]
    if mode == "edge":
        if before:
            core[_along(axis, slice(0, 1))] += pad_lo.sum(axis=axis, keepdims=True)
        if after:
            core[_along(axis, slice(n - 1, n))] += pad_hi.sum(axis=axis, keepdims=True)
    elif before < n and after < n:
        # one reflection: the left pad mirrors x[1:before+1], the right pad x[n-1-after:n-1]
        if before:
            core[_along(axis, slice(1, before + 1))] += xp.flip(pad_lo, axis)
        if after:
            core[_along(axis, slice(n - 1 - after, n - 1))] += xp.flip(pad_hi, axis)
    else:
        # pads longer than the axis reflect several times: scatter through the index map
        source = xp.asarray(np.pad(np.arange(n), (before, after), mode="reflect"))
        core = xp.zeros(core.shape, g.dtype)
        xp.add.at(core, _along(axis, source), g)
    return core


class Pad(Function):
    def forward(self, x):
        self.in_shape = x.shape
        if self.mode != "constant":
            return self.xp.pad(x, self.widths, mode=self.mode)
        shape = tuple(n + b + a for n, (b, a) in zip(x.shape, self.widths, strict=True))
        y = self.xp.full(shape, self.value, x.dtype)
        y[self._center()] = x
        return y

    def _center(self):
        return tuple(slice(b, b + n) for n, (b, _) in zip(self.in_shape, self.widths, strict=True))

    def backward(self, gy):
        if self.mode == "constant":
            return gy[self._center()]
        g = gy
        for axis, (n, (b, a)) in enumerate(zip(self.in_shape, self.widths, strict=True)):
            if b or a:
                g = _fold(self.xp, g, axis, n, b, a, self.mode)
        return g


def pad(x, pad_width, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad ``x`` on every side, as ``numpy.pad``.

    Args:
        x: any shape.
        pad_width: an int (the same on every side), ``(before, after)`` (the same on every axis),
            or one ``(before, after)`` pair per axis.
        mode: ``'constant'`` (fill with ``value``), ``'reflect'`` (mirror without repeating the
            edge) or ``'edge'`` (repeat the edge; ``'replicate'`` is the same).
        value: the fill value of ``'constant'``.

    Returns:
        Shape ``x.shape[i] + before_i + after_i`` on each axis.

    Example:
        >>> F.pad(nr.zeros(2, 3), ((0, 0), (1, 2))).shape
        (2, 6)
    """
    x = _tensor(x)
    if mode not in _PAD_MODES:
        raise ValueError(
            f"pad: unknown mode {mode!r}; valid modes are 'constant', 'reflect', 'edge' "
            "(or 'replicate')"
        )
    mode = _PAD_MODES[mode]
    widths = np.asarray(pad_width)
    if widths.dtype.kind not in "iu":
        raise TypeError(f"pad: pad_width must hold integers, got {pad_width!r}")
    try:
        widths = np.broadcast_to(widths, (x.ndim, 2))
    except ValueError:
        raise ValueError(
            f"pad: pad_width {pad_width!r} does not fit a tensor of shape {x.shape}; give an int, "
            f"(before, after), or one (before, after) pair for each of its {x.ndim} axes"
        ) from None
    if (widths < 0).any():
        raise ValueError(f"pad: pad_width must be non-negative, got {pad_width!r}")
    widths = tuple((int(b), int(a)) for b, a in widths)
    if mode != "constant":
        for axis, (n, (b, a)) in enumerate(zip(x.shape, widths, strict=True)):
            if n == 0 and (b or a):
                raise ValueError(
                    f"pad: cannot pad axis {axis} of size 0 with mode {mode!r} (tensor shape "
                    f"{x.shape}); use mode='constant'"
                )
    return Pad.apply(x, widths=widths, mode=mode, value=value)


class Repeat(Function):
    """``xp.repeat``: each element along ``axis`` (of the flattened input when None) repeated."""

    def forward(self, x):
        self.in_shape = x.shape
        return self.xp.repeat(x, self.repeats, axis=self.axis)

    def backward(self, gy):
        xp, r, shape = self.xp, self.repeats, self.in_shape
        if self.axis is None:
            axis, n, lead = 0, math.prod(shape), (math.prod(shape),)
        else:
            axis, n, lead = self.axis, shape[self.axis], shape
        if isinstance(r, int):  # the copies of one element are adjacent: fold them into an axis
            g = gy.reshape(lead[:axis] + (n, r) + lead[axis + 1:]).sum(axis=axis + 1)
        else:
            source = xp.asarray(np.repeat(np.arange(n), r))
            g = xp.zeros(lead, gy.dtype)
            xp.add.at(g, _along(axis, source), gy)
        return g.reshape(shape)


def repeat(x, repeats, axis: int | None = None) -> Tensor:
    """Repeat each element, as ``numpy.repeat`` (PyTorch's ``repeat_interleave``).

    Args:
        x: any shape.
        repeats: an int, or one int per element along ``axis``.
        axis: the axis to repeat along; None repeats the elements of the flattened ``x``.

    Example:
        >>> F.repeat(nr.tensor([1.0, 2.0]), 2)
        tensor([1., 1., 2., 2.])
    """
    x = _tensor(x)
    r = backend.to_numpy(repeats.data) if isinstance(repeats, Tensor) else np.asarray(repeats)
    if r.dtype.kind not in "iu" or r.ndim > 1:
        raise TypeError(
            f"repeat: repeats must be an int or a 1-D sequence of ints, got {repeats!r}"
        )
    if (r < 0).any():
        raise ValueError(f"repeat: repeats must be non-negative, got {repeats!r}")
    if axis is None:
        n, where = x.size, "the flattened tensor"
    else:
        axis = _axis("repeat", axis, x.ndim, x.shape)
        n, where = x.shape[axis], f"axis {axis}"
    if r.size == 1:
        r = int(r.reshape(()))
    elif r.size != n:
        raise ValueError(
            f"repeat: repeats has {r.size} entries but {where} has {n} elements "
            f"(tensor shape {x.shape})"
        )
    else:
        r = r.tolist()
    return Repeat.apply(x, repeats=r, axis=axis)


class Tile(Function):
    def forward(self, x):
        self.in_shape = x.shape
        return self.xp.tile(x, self.reps)

    def backward(self, gy):
        # the result holds reps[i] blocks of x along axis i: view each axis as (block, within)
        d = gy.ndim
        shape = (1,) * (d - len(self.in_shape)) + self.in_shape
        reps = (1,) * (d - len(self.reps)) + self.reps
        split = tuple(n for pair in zip(reps, shape, strict=True) for n in pair)
        return gy.reshape(split).sum(axis=tuple(range(0, 2 * d, 2))).reshape(self.in_shape)


def tile(x, reps) -> Tensor:
    """Repeat the whole of ``x`` ``reps[i]`` times along each axis, as ``numpy.tile``.

    Args:
        x: any shape.
        reps: an int or a sequence of ints; the shorter of ``x.shape`` and ``reps`` is padded
            with leading ones.

    Example:
        >>> F.tile(nr.zeros(2, 3), (2, 1)).shape
        (4, 3)
    """
    x = _tensor(x)
    reps = _shape_tuple("tile", reps)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: reps must be non-negative, got {reps}")
    return Tile.apply(x, reps=reps)


class Flip(Function):
    def forward(self, x):
        return self.xp.flip(x, self.axes)

    def backward(self, gy):
        return self.xp.flip(gy, self.axes)


def flip(x, axis=None) -> Tensor:
    """Reverse the order of elements along the given axes (all of them when None).

    Example:
        >>> F.flip(nr.tensor([1.0, 2.0, 3.0]))
        tensor([3., 2., 1.])
    """
    x = _tensor(x)
    axes = tuple(range(x.ndim)) if axis is None else _axes("flip", axis, x.ndim, x.shape)
    return Flip.apply(x, axes=axes)


# -- indexing --------------------------------------------------------------------------------------


class GetItem(Function):
    """``x[index]`` with basic indexing (ints, slices, ``...``, None) or boolean masks: every
    element is picked at most once, so the gradient is a plain assignment."""

    def forward(self, x):
        self.in_shape = x.shape
        return x[self.index]

    def backward(self, gy):
        gx = self.xp.zeros(self.in_shape, gy.dtype)
        gx[self.index] = gy
        return gx


class AdvancedGetItem(Function):
    """``x[index]`` where the index holds integer arrays: elements may be picked several times,
    so their gradients are added up (``add.at``)."""

    def forward(self, x):
        self.in_shape = x.shape
        return x[self.index]

    def backward(self, gy):
        gx = self.xp.zeros(self.in_shape, gy.dtype)
        self.xp.add.at(gx, self.index, gy)
        return gx


def _index_item(item, xp):
    if isinstance(item, Tensor):
        item = item.data
    elif isinstance(item, list):
        item = np.asarray(item)
        if item.size == 0:  # an empty list selects nothing, as in NumPy
            item = item.astype(np.intp)
    if xp is not np and isinstance(item, np.ndarray):
        item = xp.asarray(item)
    return item


def _is_int_array(item):
    return hasattr(item, "dtype") and item.ndim > 0 and item.dtype.kind in "iu"


def _index_problem(shape, items):
    """Describe what is wrong with ``items`` as an index of ``shape``, or None."""
    ndim = len(shape)
    if sum(item is Ellipsis for item in items) > 1:
        return f"an index can hold only one Ellipsis (...) (tensor shape {shape})"
    used = 0
    for item in items:
        if item is None or item is Ellipsis or isinstance(item, bool):
            continue
        is_mask = hasattr(item, "dtype") and item.dtype.kind == "b"
        used += item.ndim if is_mask else 1
    if used > ndim:
        return f"too many indices for a tensor of shape {shape}: {used} axes were indexed"
    axis = 0
    for item in items:
        if item is None or isinstance(item, bool):
            continue
        if item is Ellipsis:
            axis += ndim - used
            continue
        if isinstance(item, slice):
            if item.step == 0:
                return f"slice step cannot be zero (tensor shape {shape})"
            axis += 1
            continue
        if hasattr(item, "dtype"):
            kind = item.dtype.kind
            if kind == "b":
                want = shape[axis:axis + item.ndim]
                if tuple(item.shape) != want:
                    return (
                        f"boolean mask of shape {tuple(item.shape)} does not match axes {axis} to "
                        f"{axis + item.ndim - 1} (sizes {want}) of a tensor of shape {shape}"
                    )
                axis += item.ndim
                continue
            if kind not in "iu":
                return f"index arrays must be integers or booleans, got dtype {item.dtype}"
            values = (int(item.min()), int(item.max())) if item.size else ()
        elif isinstance(item, (int, np.integer)):
            values = (int(item),)
        else:
            return (
                f"unsupported index of type {type(item).__name__}; use ints, slices, ..., None, "
                "integer arrays or boolean masks"
            )
        n = shape[axis]
        for v in values:
            if not -n <= v < n:
                return (
                    f"index {v} is out of range for axis {axis} with size {n} "
                    f"(tensor shape {shape})"
                )
        axis += 1
    return None


def getitem(x, index) -> Tensor:
    """``x[index]``: NumPy indexing, differentiable.

    Supports ints, slices (any step), ``...``, None, integer arrays (lists, arrays or integer
    tensors; repeated indices accumulate their gradients), boolean masks, and tuples mixing them.

    Raises:
        IndexError: naming the offending index, the axis and the tensor's shape.

    Example:
        >>> x = nr.arange(12.0).reshape(3, 4)
        >>> x[1:, [0, 0, 3]].shape
        (2, 3)
    """
    xp = np if backend._cupy is None else backend.get_array_module(x.data)
    if type(index) is tuple:
        index = tuple(_index_item(i, xp) for i in index)
        advanced = any(_is_int_array(i) for i in index)
    else:
        index = _index_item(index, xp)
        advanced = _is_int_array(index)
    try:
        if not advanced:
            return GetItem.apply(x, index=index)
        if xp is not np:  # CuPy wraps out-of-range integer indices silently: check first
            problem = _index_problem(x.shape, index if type(index) is tuple else (index,))
            if problem:
                raise IndexError(problem)
        return AdvancedGetItem.apply(x, index=index)
    except (IndexError, ValueError) as err:
        problem = _index_problem(x.shape, index if type(index) is tuple else (index,))
        msg = problem or f"{err} (tensor shape {x.shape})"
        raise (IndexError if isinstance(err, IndexError) else ValueError)(msg) from None


# -- one-hot ---------------------------------------------------------------------------------------


def one_hot(labels, num_classes: int, dtype="float32") -> Tensor:
    """One-hot encode integer labels (no gradient).

    Args:
        labels: integer Tensor or array of any shape, values in ``[0, num_classes)``.
        num_classes: the number of classes.
        dtype: the result's dtype.

    Returns:
        ``labels.shape + (num_classes,)``, 1 at each label's class and 0 elsewhere.

    Example:
        >>> F.one_hot(nr.tensor([0, 2]), 3)
        tensor([[1., 0., 0.],
                [0., 0., 1.]])
    """
    data = labels.data if isinstance(labels, Tensor) else labels
    xp = np if backend._cupy is None else backend.get_array_module(data)
    data = xp.asarray(data)
    if data.dtype.kind not in "iu":
        raise TypeError(
            f"one_hot: labels must be integers, got dtype {data.dtype}; convert them first, "
            "e.g. labels.astype('int64')"
        )
    if not isinstance(num_classes, (int, np.integer)) or num_classes <= 0:
        raise ValueError(f"one_hot: num_classes must be a positive integer, got {num_classes!r}")
    num_classes = int(num_classes)
    flat = data.reshape(-1)
    bad = xp.flatnonzero((flat < 0) | (flat >= num_classes))
    if bad.size:
        k = int(bad[0])
        value = int(flat[k])
        where = tuple(int(i) for i in np.unravel_index(k, data.shape))
        problem = "is negative" if value < 0 else f"is out of range for num_classes={num_classes}"
        raise ValueError(
            f"one_hot: label {value} at position {where} {problem}; labels must be in "
            f"[0, {num_classes})"
        )
    out = xp.zeros((flat.size, num_classes), resolve_dtype(dtype))
    out[xp.arange(flat.size), flat] = 1
    return Tensor._make(out.reshape(data.shape + (num_classes,)), None)
