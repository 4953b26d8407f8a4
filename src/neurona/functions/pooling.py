"""Pooling and upsampling: max and average pooling (1-D, 2-D), global pooling, upsampling.

Layouts follow Keras: ``channels_last`` is ``(batch, *spatial, channels)`` and
``channels_first`` is ``(batch, channels, *spatial)``. Padding follows TensorFlow: ``'valid'``
keeps only whole windows; ``'same'`` gives ``ceil(size / stride)`` outputs per axis, padding
``max((out - 1) * stride + pool - size, 0)`` positions split evenly with the extra one at the
end (bottom/right). Max pooling never picks a padded position; average pooling divides by the
number of real (unpadded) elements in each window, as TensorFlow does (PyTorch's
``count_include_pad=False``).

Pooling loops over the positions inside a window (4 for 2x2), never over windows: each
position of every window is gathered at once with one strided copy, and the gathered arrays are
combined with contiguous elementwise calls, which NumPy runs several times faster than the same
calls on strided views. In channels-last layouts the copies move whole channel vectors as one
opaque item (about 3x faster than moving their floats). When a gradient is needed, max pool
records, while it takes the maximum, the position of each window's first maximum in row-major
order (PyTorch's rule for ties), one byte per output: its only saved array. The gradient of
each window goes to that position. Large batches are split across neurona's threads, a part of
the images each (forward and backward).

Measured on the Keras MNIST convnet's pool (2x2, stride 2, (128, 26, 26, 32) float32 after a
ReLU, channels-last, one thread, median CPU ms on a shared 2-core machine): max pool forward
1.6 (2.2 with the position record), forward + backward 5.0, saving 0.66 MiB; PyTorch 2.13
``max_pool2d`` in ``channels_last`` memory format 1.5 and 3.5, on contiguous NCHW tensors 14.3
and 15.9. Keeping every gathered position for backward instead measured 5.7 ms and saved
13.2 MiB; in the convnet's whole training step (``benchmarks/bench_vision.py``) that cost
about 9 ms of 66 (3,900 more fresh-page faults per step) and 6 MiB of peak memory. Taking
the maximum and the position on strided views of the windows (the input reshaped to (128, 13,
2, 13, 2, 32), no copies) measured 7.5 ms for the forward alone. Average pool 2.5 and 4.1
(PyTorch 1.4 and 3.2). The separable alternative, one strided pass per spatial axis, measured
11 ms for max pool forward + backward.
"""

from __future__ import annotations

import math
import operator
from itertools import product

import numpy as np

from .. import parallel
from ..autograd import Function
from ..tensor import Tensor, as_tensor
from .reduction import max as reduce_max
from .reduction import mean as reduce_mean

__all__ = [
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "global_avg_pool", "global_max_pool",
    "upsample1d", "upsample2d",
]

_DATA_FORMATS = ("channels_last", "channels_first")
_SPATIAL = {1: "steps", 2: "height, width", 3: "depth, height, width"}


# -- geometry ------------------------------------------------------------------------------------


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else as_tensor(x)


def _check_format(op, data_format) -> str:
    if data_format not in _DATA_FORMATS:
        raise ValueError(
            f"{op}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}"
        )
    return data_format


def _layout(nd: int, data_format: str) -> str:
    spatial = _SPATIAL[nd]
    if data_format == "channels_last":
        return f"(batch, {spatial}, channels)"
    return f"(batch, channels, {spatial})"


def _check_rank(op, x, nd, data_format) -> None:
    if x.ndim != nd + 2:
        raise ValueError(
            f"{op} expects {nd + 2}-D inputs {_layout(nd, data_format)} for "
            f"data_format={data_format!r}, got shape {x.shape}"
        )


def _spatial_axes(nd: int, data_format: str) -> tuple[int, ...]:
    first = 1 if data_format == "channels_last" else 2
    return tuple(range(first, first + nd))


def _ints(op, name, value, nd) -> tuple[int, ...]:
    """An int or a sequence of ``nd`` positive ints, as a tuple of ``nd`` ints."""
    items = (value,) * nd if isinstance(value, (int, np.integer)) else value
    try:
        items = tuple(operator.index(v) for v in items)
    except TypeError:
        items = ()
    if len(items) != nd or isinstance(value, bool) or any(
            isinstance(v, bool) or v < 1 for v in items):
        want = "a positive int" if nd == 1 else f"a positive int or a tuple of {nd} of them"
        raise ValueError(f"{op}: {name} must be {want}, got {value!r}")
    return items


def _padding(op, padding) -> str:
    mode = padding.lower() if isinstance(padding, str) else padding
    if mode not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same', got {padding!r}")
    return mode


def _geometry(op, shape, axes, pool, strides, padding):
    """Per spatial axis: the output size and the ``(before, after)`` padding."""
    sizes = tuple(shape[a] for a in axes)
    outs, pads = [], []
    for n, k, s in zip(sizes, pool, strides, strict=True):
        if padding == "valid":
            if k > n:
                raise ValueError(
                    f"{op}: pool_size {pool} is larger than the input's spatial size {sizes} "
                    f"(input shape {shape}) with padding='valid'; use padding='same' or a "
                    "smaller pool_size"
                )
            outs.append((n - k) // s + 1)
            pads.append((0, 0))
        else:
            out = -(-n // s)
            total = max((out - 1) * s + k - n, 0)
            outs.append(out)
            pads.append((total // 2, total - total // 2))
    return tuple(outs), tuple(pads)


def _pool_args(op, x, nd, pool_size, strides, padding, data_format, floats=False):
    data_format = _check_format(op, data_format)
    pool = _ints(op, "pool_size", pool_size, nd)
    strides = pool if strides is None else _ints(op, "strides", strides, nd)
    padding = _padding(op, padding)
    x = _tensor(x)
    _check_rank(op, x, nd, data_format)
    if floats and x.dtype.kind != "f":
        raise TypeError(
            f"{op} expects floating-point inputs, got dtype {x.dtype}; cast first, e.g. "
            "x.astype('float32')"
        )
    axes = _spatial_axes(nd, data_format)
    outs, pads = _geometry(op, x.shape, axes, pool, strides, padding)
    return x, {"axes": axes, "pool": pool, "strides": strides, "pads": pads, "outs": outs}


# -- primitives ----------------------------------------------------------------------------------


def _lowest(dtype):
    """The fill value of max pooling's padding: below every value of ``dtype``."""
    if dtype.kind == "f":
        return -np.inf
    if dtype.kind in "iu":
        return np.iinfo(dtype).min
    return False


def _pad_all(xp, x, axes, pads, fill):
    """``x`` with ``pads[j]`` positions of ``fill`` around each spatial axis ``axes[j]`` (one
    allocation); ``x`` itself when there is nothing to pad."""
    if not any(b or a for b, a in pads):
        return x
    shape = list(x.shape)
    inner = [slice(None)] * x.ndim
    for axis, (before, after) in zip(axes, pads, strict=True):
        shape[axis] += before + after
        inner[axis] = slice(before, before + x.shape[axis])
    out = xp.empty(tuple(shape), x.dtype)
    out.fill(fill)
    out[tuple(inner)] = x
    return out


def _unpad(g, axes, pads):
    if not any(b or a for b, a in pads):
        return g
    inner = [slice(None)] * g.ndim
    for axis, (before, after) in zip(axes, pads, strict=True):
        inner[axis] = slice(before, g.shape[axis] - after)
    return g[tuple(inner)]


def _offsets(ndim, axes, pool, strides, outs):
    """For every position inside a window, in row-major order: the strided index (over the
    axes up to the last spatial one) that picks that position of every window at once."""
    per_axis = [[slice(i, i + s * (n - 1) + 1, s) for i in range(k)]
                for k, s, n in zip(pool, strides, outs, strict=True)]
    indices = []
    for picks in product(*per_axis):
        index = [slice(None)] * (axes[-1] + 1)
        for axis, pick in zip(axes, picks, strict=True):
            index[axis] = pick
        indices.append(tuple(index))
    return indices


def _blocks(xp, a, last_axis):
    """``a`` with the axes after ``last_axis`` (the channels, in channels-last layouts) fused
    into one opaque item, or None. Strided copies of such items are about 3x faster in NumPy
    than the same copies of their floats (one inner-loop step per item instead of one inner
    loop per item)."""
    tail = a.shape[last_axis + 1:]
    if xp is not np or not tail or a.size == 0 or not a.flags.c_contiguous:
        return None
    lead = a.shape[:last_axis + 1]
    item = np.dtype((np.void, math.prod(tail) * a.itemsize))
    return a.reshape(lead + (math.prod(tail),)).view(item).reshape(lead)


def _gather(src, blocks, index, out=None):
    """``src[index]`` as a new contiguous array (always a copy: callers write into it), or
    copied into ``out`` (a contiguous array of that shape) and returned."""
    if blocks is None:
        if out is None:
            return src[index].copy()
        out[...] = src[index]
        return out
    if out is None:
        part = blocks[index].copy()
        return part.view(src.dtype).reshape(part.shape + src.shape[len(index):])
    lead = out.shape[:len(index)]
    out.reshape(lead + (-1,)).view(blocks.dtype).reshape(lead)[...] = blocks[index]
    return out


def _scatter(xp, dst, blocks, index, g) -> None:
    """``dst[index] = g``."""
    if blocks is None:
        dst[index] = g
        return
    g = np.ascontiguousarray(g)
    blocks[index] = g.view(blocks.dtype).reshape(g.shape[:len(index)])


def _batch_parts(xp, batch, work):
    """The batch cut into parts for neurona's threads (one part on a GPU or for small work);
    ``work``: the elements the op visits."""
    return parallel.split_ranges(batch, work, parallel.MIN_ITEMS) if xp is np else [(0, batch)]


def _index_dtype(positions: int):
    """The smallest integer dtype for a position inside a window of ``positions`` elements."""
    return np.uint8 if positions <= 256 else np.intp


class MaxPool(Function):
    """Max pooling over ``axes`` (any number of them).

    Each position inside the windows is gathered once into a contiguous array (one strided
    copy); the maximum is a chain of contiguous ``maximum`` calls, several times faster in NumPy
    than the same calls on strided views of the windows. When a gradient is needed, the same
    pass keeps, per window, the index of its first maximum in row-major order (PyTorch's rule
    for ties, common after a ReLU): a later position takes over only when it is strictly
    greater. Only that index is saved (one byte per output for windows of up to 256 positions,
    instead of a copy of every position). Backward sends the gradient of each window to that
    position: one masked copy of ``gy`` per window position, scattered (or added, where windows
    overlap) into the input gradient.

    NaN: the output is NaN where a window holds one, and the window's gradient goes to its last
    NaN, as PyTorch's CPU kernels.
    """

    def forward(self, x):
        xp = self.xp
        positions = math.prod(self.pool)
        shape = list(x.shape)
        for axis, (before, after) in zip(self.axes, self.pads, strict=True):
            shape[axis] += before + after
        self.padded_shape = tuple(shape)
        for axis, n in zip(self.axes, self.outs, strict=True):
            shape[axis] = n
        y = xp.empty(tuple(shape), x.dtype)
        # images are independent: parts of the batch run on neurona's threads
        self.parts = _batch_parts(xp, x.shape[0], x.size * positions)
        firsts = parallel.run_parts(self._forward_part, [(x, y, lo, hi) for lo, hi in self.parts])
        if self.needs_grad[0] and positions > 1:  # one position per window: gy is the gradient
            self.save_for_backward(firsts)
        return y

    def _forward_part(self, x, y, lo, hi):
        """Pools images ``lo:hi`` into ``y[lo:hi]``; returns their first-maximum positions
        (None when no gradient is needed)."""
        xp = self.xp
        src = _pad_all(xp, x[lo:hi], self.axes, self.pads, _lowest(x.dtype))
        indices = _offsets(src.ndim, self.axes, self.pool, self.strides, self.outs)
        keep = self.needs_grad[0] and len(indices) > 1
        return max_windows(xp, src, self.axes[-1], indices, y[lo:hi], keep)

    def backward(self, gy):
        xp = self.xp
        shape = self.padded_shape
        # windows that tile the (padded) input exactly write every position once: no zero fill
        covering = all(s == k and n * k == shape[a] for a, k, s, n in
                       zip(self.axes, self.pool, self.strides, self.outs, strict=True))
        gx = xp.empty(shape, gy.dtype) if covering else xp.zeros(shape, gy.dtype)
        firsts = self.saved[0] if self.saved else [None] * len(self.parts)
        parallel.run_parts(self._backward_part, [(gy, gx, first, lo, hi) for first, (lo, hi)
                                                 in zip(firsts, self.parts, strict=True)])
        return _unpad(gx, self.axes, self.pads)

    def _backward_part(self, gy, gx, first, lo, hi):
        """The input gradient of images ``lo:hi``, written into ``gx[lo:hi]``."""
        overlap = any(s < k for k, s in zip(self.pool, self.strides, strict=True))
        indices = _offsets(gx.ndim, self.axes, self.pool, self.strides, self.outs)
        window_grads(self.xp, gy[lo:hi], first, gx[lo:hi], self.axes[-1], indices, overlap)


def max_windows(xp, src, last_axis, indices, y, keep, first=None):
    """The maximum of each window of ``src`` into ``y``: ``indices`` (from ``_offsets``) pick
    each position of every window at once, ``last_axis`` is the last spatial axis. With
    ``keep``, returns each window's first-maximum position (row-major; a NaN window: its last
    NaN), written into ``first`` when given (an integer array of ``y``'s shape, of
    ``_index_dtype(len(indices))``), else a new array; otherwise None."""
    blocks = _blocks(xp, src, last_axis)
    return _max_positions(xp, len(indices),
                          lambda p, out=None: _gather(src, blocks, indices[p], out), y, keep,
                          first)


def max_blocks(xp, parts, y, keep, first=None):
    """As :func:`max_windows` for windows laid out position-major: ``parts[p]`` (contiguous,
    ``y``'s shape) holds position ``p`` of every window, so nothing is gathered."""
    return _max_positions(xp, len(parts), lambda p, out=None: parts[p], y, keep, first)


def _max_positions(xp, count, position, y, keep, first):
    """The core of :func:`max_windows`: ``position(p, out)`` gives the values at window
    position ``p`` (written into ``out``, a buffer of ``y``'s shape, when it has to copy)."""
    values = position(0, y)
    if values is not y:
        xp.copyto(y, values)
    dtype = _index_dtype(count)
    part = parallel.scratch(xp, "pool window", y.shape, y.dtype)  # every position's copy
    greater = parallel.scratch(xp, "pool greater", y.shape, np.bool_)
    if keep and count == 1:  # one position per window
        first = xp.zeros(y.shape, dtype) if first is None else first
        first.fill(0)
    for p in range(1, count):
        part = position(p, part)
        if keep:
            # positions come in increasing order, so the index of the latest strictly greater
            # position is also the largest: a maximum keeps it
            if p > 1:
                later = xp.greater(part, y, out=greater)
                step = later.view(dtype) if dtype == np.uint8 else later.astype(dtype)
                step *= p
                xp.maximum(first, step, out=first)
            elif first is None:  # position 1 where it is greater, else 0
                later = xp.greater(part, y)
                first = later.view(dtype) if dtype == np.uint8 else later.astype(dtype)
            elif dtype == np.uint8:
                xp.greater(part, y, out=first.view(np.bool_))
            else:
                first[...] = xp.greater(part, y, out=greater)
        xp.maximum(y, part, out=y)
    if keep and y.dtype.kind == "f" and y.size and xp.isnan(y.min()):
        # a NaN never wins a ``greater``, so ``first`` is at or before the window's first NaN
        # there; a maximum with the NaN positions moves it to the last one
        for p in range(count):
            nan = xp.isnan(position(p)).astype(first.dtype)
            nan *= p
            xp.maximum(first, nan, out=first)
    return first if keep else None


def window_grads(xp, gy, first, gx, last_axis, indices, overlap):
    """The gradient of max pooling into ``gx`` (zeroed where no window reaches, unless the
    windows cover it): each window's gradient ``gy`` goes to its position ``first`` (None: one
    position per window, ``gy`` itself); ``overlap``: windows share positions (added)."""
    blocks = None if overlap else _blocks(xp, gx, last_axis)
    if first is None:
        g = gy
    else:
        g = parallel.scratch(xp, "pool grad", gy.shape, gy.dtype)
        mask = parallel.scratch(xp, "pool mask", gy.shape, np.bool_)
    for p, index in enumerate(indices):
        if g is not gy:
            xp.multiply(gy, xp.equal(first, p, out=mask), out=g)
        if overlap:
            gx[index] += g
        else:
            _scatter(xp, gx, blocks, index, g)


def _counts(pool, strides, pads, outs, sizes):
    """Per axis: how many real (unpadded) elements each output's window holds."""
    counts = []
    for k, s, (before, _), n, size in zip(pool, strides, pads, outs, sizes, strict=True):
        start = np.arange(n) * s - before
        counts.append(np.minimum(start + k, size) - np.maximum(start, 0))
    return counts


class AvgPool(Function):
    """Average pooling over ``axes``; padded positions are not counted. Gathers each window
    position into a contiguous array and adds them up (as :class:`MaxPool`); backward scatters
    the scaled gradient back to every position."""

    def forward(self, x):
        xp = self.xp
        self.in_shape = x.shape
        src = _pad_all(xp, x, self.axes, self.pads, 0)
        self.padded_shape = src.shape
        blocks = _blocks(xp, src, self.axes[-1])
        y = None
        for index in _offsets(src.ndim, self.axes, self.pool, self.strides, self.outs):
            part = _gather(src, blocks, index)
            if y is None:
                y = part
            else:
                xp.add(y, part, out=y)
        self.scale = self._scale(x.dtype)
        if self.scale is not None:
            y *= self.scale
        return y

    def _scale(self, dtype):
        """1 / window count: a Python float (keeps float32) when every window is full, else an
        array shaped to broadcast against the output; None when it is 1."""
        if not any(b or a for b, a in self.pads):
            n = math.prod(self.pool)
            return None if n == 1 else 1.0 / n
        sizes = tuple(self.in_shape[a] for a in self.axes)
        counts = _counts(self.pool, self.strides, self.pads, self.outs, sizes)
        scale = np.ones((), np.float64)
        ndim = len(self.in_shape)
        for a, c in zip(self.axes, counts, strict=True):
            shape = [1] * ndim
            shape[a] = c.size
            scale = scale * (1.0 / c).reshape(shape)
        return self.xp.asarray(scale, dtype=dtype)

    def backward(self, gy):
        xp = self.xp
        g = gy if self.scale is None else gy * self.scale
        shape = self.padded_shape
        overlap = any(s < k for k, s in zip(self.pool, self.strides, strict=True))
        covering = all(s == k and n * k == shape[a] for a, k, s, n in
                       zip(self.axes, self.pool, self.strides, self.outs, strict=True))
        gx = xp.empty(shape, g.dtype) if covering else xp.zeros(shape, g.dtype)
        blocks = None if overlap else _blocks(xp, gx, self.axes[-1])
        for index in _offsets(len(shape), self.axes, self.pool, self.strides, self.outs):
            if overlap:
                gx[index] += g
            else:
                _scatter(xp, gx, blocks, index, g)
        return _unpad(gx, self.axes, self.pads)


def max_pool1d(x, pool_size, strides=None, padding="valid",
               data_format="channels_last") -> Tensor:
    """1-D max pooling, as Keras ``MaxPooling1D``.

    Args:
        x: ``(batch, steps, channels)`` (``channels_first``: ``(batch, channels, steps)``).
        pool_size: window length.
        strides: step between windows; None means ``pool_size``.
        padding: ``'valid'`` (whole windows only) or ``'same'`` (``ceil(steps / strides)``
            outputs; padding never wins the max).
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Returns:
        ``(batch, out_steps, channels)``.

    Example:
        >>> F.max_pool1d(nr.ones(8, 10, 3), 2).shape
        (8, 5, 3)
    """
    x, geometry = _pool_args("max_pool1d", x, 1, pool_size, strides, padding, data_format)
    return MaxPool.apply(x, **geometry)


def max_pool2d(x, pool_size, strides=None, padding="valid",
               data_format="channels_last") -> Tensor:
    """2-D max pooling, as Keras ``MaxPooling2D``.

    The gradient of each window goes to one position, the first maximum in row-major order
    (as PyTorch).

    Args:
        x: ``(batch, height, width, channels)`` (``channels_first``: ``(batch, channels,
            height, width)``).
        pool_size: an int or ``(pool_height, pool_width)``.
        strides: an int or a pair; None means ``pool_size``.
        padding: ``'valid'`` or ``'same'`` (TensorFlow's rule; padding never wins the max).
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Returns:
        ``(batch, out_height, out_width, channels)``.

    Example:
        >>> F.max_pool2d(nr.ones(128, 26, 26, 32), 2).shape
        (128, 13, 13, 32)
    """
    x, geometry = _pool_args("max_pool2d", x, 2, pool_size, strides, padding, data_format)
    return MaxPool.apply(x, **geometry)


def avg_pool1d(x, pool_size, strides=None, padding="valid",
               data_format="channels_last") -> Tensor:
    """1-D average pooling, as Keras ``AveragePooling1D``.

    Args:
        x: ``(batch, steps, channels)`` (``channels_first``: ``(batch, channels, steps)``).
        pool_size: window length.
        strides: step between windows; None means ``pool_size``.
        padding: ``'valid'`` or ``'same'``; with ``'same'`` each window's average is over its
            real (unpadded) elements only.
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Returns:
        ``(batch, out_steps, channels)``.

    Example:
        >>> F.avg_pool1d(nr.ones(8, 10, 3), 3, padding="same").shape
        (8, 4, 3)
    """
    x, geometry = _pool_args("avg_pool1d", x, 1, pool_size, strides, padding, data_format,
                             floats=True)
    return AvgPool.apply(x, **geometry)


def avg_pool2d(x, pool_size, strides=None, padding="valid",
               data_format="channels_last") -> Tensor:
    """2-D average pooling, as Keras ``AveragePooling2D``.

    Args:
        x: ``(batch, height, width, channels)`` (``channels_first``: ``(batch, channels,
            height, width)``).
        pool_size: an int or ``(pool_height, pool_width)``.
        strides: an int or a pair; None means ``pool_size``.
        padding: ``'valid'`` or ``'same'``; with ``'same'`` each window's average is over its
            real (unpadded) elements only (TensorFlow; PyTorch's ``count_include_pad=False``).
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Returns:
        ``(batch, out_height, out_width, channels)``.

    Example:
        >>> F.avg_pool2d(nr.ones(4, 7, 7, 3), 2, padding="same").shape
        (4, 4, 4, 3)
    """
    x, geometry = _pool_args("avg_pool2d", x, 2, pool_size, strides, padding, data_format,
                             floats=True)
    return AvgPool.apply(x, **geometry)


# -- global pooling --------------------------------------------------------------------------------


def _global_axes(op, x, data_format):
    data_format = _check_format(op, data_format)
    if not 3 <= x.ndim <= 5:
        raise ValueError(
            f"{op} expects 3-D, 4-D or 5-D inputs (batch, *spatial, channels) "
            f"(channels_first: (batch, channels, *spatial)), got shape {x.shape}"
        )
    if any(x.shape[a] == 0 for a in _spatial_axes(x.ndim - 2, data_format)):
        raise ValueError(f"{op}: cannot pool over empty spatial axes (input shape {x.shape})")
    return _spatial_axes(x.ndim - 2, data_format)


def global_avg_pool(x, data_format="channels_last", keepdims=False) -> Tensor:
    """Average over every spatial axis (1-D, 2-D or 3-D inputs), as Keras
    ``GlobalAveragePooling*D``. A composite of :func:`neurona.functions.mean` (one reduction
    already, as fast as a fused op).

    Args:
        x: ``(batch, *spatial, channels)`` (``channels_first``: ``(batch, channels,
            *spatial)``).
        data_format: ``'channels_last'`` or ``'channels_first'``.
        keepdims: keep the spatial axes with size 1.

    Returns:
        ``(batch, channels)``, or with ``keepdims`` ``(batch, 1, ..., 1, channels)``.

    Example:
        >>> F.global_avg_pool(nr.ones(8, 5, 5, 16)).shape
        (8, 16)
    """
    x = _tensor(x)
    axes = _global_axes("global_avg_pool", x, data_format)
    return reduce_mean(x, axis=axes, keepdims=keepdims)


def global_max_pool(x, data_format="channels_last", keepdims=False) -> Tensor:
    """Maximum over every spatial axis (1-D, 2-D or 3-D inputs), as Keras
    ``GlobalMaxPooling*D``. A composite of :func:`neurona.functions.max` (one reduction); tied
    maxima share the gradient equally, as TensorFlow's ``reduce_max``.

    Args:
        x: ``(batch, *spatial, channels)`` (``channels_first``: ``(batch, channels,
            *spatial)``).
        data_format: ``'channels_last'`` or ``'channels_first'``.
        keepdims: keep the spatial axes with size 1.

    Returns:
        ``(batch, channels)``, or with ``keepdims`` ``(batch, 1, ..., 1, channels)``.

    Example:
        >>> F.global_max_pool(nr.ones(8, 10, 16)).shape
        (8, 16)
    """
    x = _tensor(x)
    axes = _global_axes("global_max_pool", x, data_format)
    return reduce_max(x, axis=axes, keepdims=keepdims)


# -- upsampling ------------------------------------------------------------------------------------


class UpsampleNearest(Function):
    """Repeat every element ``sizes[j]`` times along ``axes[j]``: one broadcast copy (of whole
    channel vectors in channels-last layouts, see ``_blocks``). Backward adds up each block of
    copies, one axis at a time (faster in NumPy than one sum over several scattered axes)."""

    def forward(self, x):
        xp = self.xp
        self.in_shape = x.shape
        spread, expanded, index = self._shapes(x.shape)
        y = xp.empty(spread, x.dtype)
        # the last repeat axis sits right after the last upsampled axis
        lead = self.axes[-1] + len(self.axes)
        x_blocks = _blocks(xp, x, self.axes[-1])
        if x_blocks is None:
            y[...] = x[index]
        else:
            _blocks(xp, y, lead)[...] = x_blocks[index[:lead + 1]]
        return y.reshape(expanded)

    def _shapes(self, shape):
        """The output as ``(..., n, size, ...)`` per axis, its final shape, and the index that
        inserts the repeat axes into the input."""
        spread, expanded, index = [], [], []
        sizes = dict(zip(self.axes, self.sizes, strict=True))
        for a, n in enumerate(shape):
            spread.append(n)
            index.append(slice(None))
            if a in sizes:
                spread.append(sizes[a])
                index.append(None)
                expanded.append(n * sizes[a])
            else:
                expanded.append(n)
        return tuple(spread), tuple(expanded), tuple(index)

    def backward(self, gy):
        xp = self.xp
        g = gy
        shape = list(gy.shape)
        # first axis first: its copies are whole rows apart, so each add runs over long
        # contiguous stretches and shrinks the data before the later axes
        for a, size in zip(self.axes, self.sizes, strict=True):
            if size == 1:
                continue
            n = self.in_shape[a]
            view = g.reshape(tuple(shape[:a]) + (n, size) + tuple(shape[a + 1:]))
            pick = (slice(None),) * (a + 1)
            total = xp.add(view[pick + (0,)], view[pick + (1,)])
            for i in range(2, size):
                xp.add(total, view[pick + (i,)], out=total)
            g = total
            shape[a] = n
        return g if g is not gy else gy.copy()


def _bilinear_matrix(n: int, size: int) -> np.ndarray:
    """The ``(n * size, n)`` matrix of 1-D linear interpolation with half-pixel centres and no
    corner alignment: output ``o`` samples the input at ``(o + 0.5) / size - 0.5``, clamped to
    the edges."""
    out = np.arange(n * size)
    src = np.maximum((out + 0.5) / size - 0.5, 0.0)
    low = np.minimum(np.floor(src).astype(np.intp), n - 1)
    high = np.minimum(low + 1, n - 1)
    frac = src - low
    matrix = np.zeros((n * size, n))
    np.add.at(matrix, (out, low), 1.0 - frac)
    np.add.at(matrix, (out, high), frac)
    return matrix


class UpsampleBilinear(Function):
    """Separable linear interpolation: one small matrix product per upsampled axis (backward:
    the transposed matrices)."""

    def forward(self, x):
        xp = self.xp
        dtype = x.dtype if x.dtype.kind == "f" else np.float64
        self.mats = []
        y = x
        for a, size in zip(self.axes, self.sizes, strict=True):
            if size == 1:
                continue
            m = xp.asarray(_bilinear_matrix(y.shape[a], size), dtype=dtype)
            self.mats.append((a, m))
            y = _along(xp, m, y, a)
        return y if y is not x else x.copy()

    def backward(self, gy):
        xp = self.xp
        g = gy
        for a, m in reversed(self.mats):
            g = _along(xp, m.T, g, a)
        return g if g is not gy else gy.copy()


def _along(xp, m, x, axis):
    """Apply the matrix ``m`` (out, n) along ``axis`` of ``x``: a batched matmul on the
    ``(before, n, after)`` view, no transposes."""
    shape = x.shape
    before = math.prod(shape[:axis])
    after = math.prod(shape[axis + 1:])
    y = xp.matmul(m, x.reshape(before, shape[axis], after))
    return y.reshape(shape[:axis] + (m.shape[0],) + shape[axis + 1:])


def upsample2d(x, size=2, interpolation="nearest", data_format="channels_last") -> Tensor:
    """Upsample the two spatial axes by integer factors, as Keras ``UpSampling2D``.

    Args:
        x: ``(batch, height, width, channels)`` (``channels_first``: ``(batch, channels,
            height, width)``).
        size: an int or ``(size_height, size_width)``, positive.
        interpolation: ``'nearest'`` (repeat rows and columns) or ``'bilinear'`` (half-pixel
            centres, no corner alignment: TensorFlow's ``resize`` and PyTorch's
            ``interpolate(mode='bilinear', align_corners=False)``).
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Returns:
        ``(batch, height * size_height, width * size_width, channels)``.

    Example:
        >>> F.upsample2d(nr.ones(2, 3, 4, 5), (2, 3)).shape
        (2, 6, 12, 5)
    """
    op = "upsample2d"
    data_format = _check_format(op, data_format)
    sizes = _ints(op, "size", size, 2)
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(
            f"{op}: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}"
        )
    x = _tensor(x)
    _check_rank(op, x, 2, data_format)
    axes = _spatial_axes(2, data_format)
    if interpolation == "nearest":
        return UpsampleNearest.apply(x, axes=axes, sizes=sizes)
    return UpsampleBilinear.apply(x, axes=axes, sizes=sizes)


def upsample1d(x, size=2, data_format="channels_last") -> Tensor:
    """Repeat each step ``size`` times, as Keras ``UpSampling1D``.

    Args:
        x: ``(batch, steps, channels)`` (``channels_first``: ``(batch, channels, steps)``).
        size: a positive int.
        data_format: ``'channels_last'`` or ``'channels_first'``.

    Returns:
        ``(batch, steps * size, channels)``.

    Example:
        >>> F.upsample1d(nr.ones(2, 3, 4), 2).shape
        (2, 6, 4)
    """
    op = "upsample1d"
    data_format = _check_format(op, data_format)
    sizes = _ints(op, "size", size, 1)
    x = _tensor(x)
    _check_rank(op, x, 1, data_format)
    return UpsampleNearest.apply(x, axes=_spatial_axes(1, data_format), sizes=sizes)
