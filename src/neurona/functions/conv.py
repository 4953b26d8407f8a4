"""Convolutions: ``conv1d``, ``conv2d`` and their transposes, by im2col and GEMMs.

Everything runs on one canonical layout, channels-last 2-D: a 1-D input ``(N, L, C)`` is
viewed as ``(N, 1, L, C)`` and a channels-first input is transposed (a view; the window copy
makes it contiguous). On that layout a convolution is, a few images at a time (a "chunk"):

1. pad the chunk (only when there is padding) into a zeroed "canvas";
2. take the sliding windows as a strided view ``(n, Ho, Wo, kh, kw, C)`` (no copy) and copy it
   into the column matrix ``(n*Ho*Wo, kh*kw*C)``, a scratch buffer reused between calls;
3. multiply by the weight reshaped ``(kh*kw*C, C_out)``: one GEMM (a batched one over groups),
   written straight into the output's rows, and add the bias while they are in cache.

The gradients are two more GEMMs per chunk: ``gW += cols^T @ gy`` (the columns rebuilt from the
saved input) and ``gcols = gy @ W^T``, scattered back onto the canvas ("col2im") by ``kh*kw``
vectorised strided additions. A transposed convolution is the adjoint of a convolution: its
forward is the convolution's input gradient (col2im) and its input gradient is the
convolution's forward (im2col + GEMM), so both Functions share the same routines.

Chunks of about 2 MB of columns keep each im2col copy in cache for its GEMM and never hold the
whole batch's column matrix (9x the input for a 3x3 kernel). Measured on the Keras MNIST
convnet's convolutions, forward + backward, one thread, medians on a busy 2-core machine:
(128, 13, 13, 32) * (3, 3, 32, 64) 74 ms unchunked -> 49 ms (PyTorch 2.13: 45 ms);
(128, 28, 28, 1) * (3, 3, 1, 32) 17.6 -> 13.7 ms (PyTorch 12.8 ms). One-channel inputs build the
transposed column matrix, whose copy moves whole image rows instead of runs of ``kw`` values.

Without groups, the bias rides in the GEMMs on a column of ones after the columns (no
broadcast pass over the output; backward's weight GEMM yields the bias gradient as its last
row). The images of a large batch are split across neurona's threads
(:mod:`neurona.parallel`), each part running the chunk loop on its own images and scratch
buffers. With the fused pooling below, the Keras MNIST convnet's training step (batch 128, 2
cores, both frameworks free of page faults, see :mod:`neurona.heap`) runs at 0.98-1.17x
PyTorch's speed (``benchmarks/README.md``).

Weights use Keras's layouts: ``(kh, kw, C_in // groups, C_out)`` for a convolution and
``(kh, kw, C_out, C_in)`` for a transposed one (1-D: drop ``kh``).
"""

from __future__ import annotations

import functools
import operator

import numpy as np

from .. import parallel
from ..autograd import Function
from ..tensor import Tensor, _to_array
from .linalg import _sum_rows
from .pooling import _index_dtype, _offsets, max_blocks, max_windows, window_grads

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]


# -- geometry -------------------------------------------------------------------------------------


class _Plan:
    """The geometry of one call, on the canonical 2-D channels-last layout.

    ``image`` is the convolution's input side (the transposed convolution's output side),
    ``response`` the other: a convolution maps an image ``(N, H, W, C_img)`` to a response
    ``(N, Ho, Wo, C_resp)``. ``pads`` are the (low, high) zero rows/columns around the image that
    make the ``canvas``; ``k``, ``s``, ``d`` the kernel size, stride and dilation.
    """

    __slots__ = ("spatial", "cf", "k", "s", "d", "groups", "pads", "image", "canvas",
                 "response", "c_img", "c_resp", "trivial_pad")

    def __init__(self, spatial, cf, k, s, d, groups, pads, image, response, c_img, c_resp):
        self.spatial = spatial
        self.cf = cf
        self.k = k
        self.s = s
        self.d = d
        self.groups = groups
        self.pads = pads
        self.image = image
        self.canvas = (image[0] + pads[0][0] + pads[0][1], image[1] + pads[1][0] + pads[1][1])
        self.response = response
        self.c_img = c_img
        self.c_resp = c_resp
        self.trivial_pad = pads == ((0, 0), (0, 0))


def _ints(op, name, value, n, minimum=1):
    """An int or a sequence of ``n`` ints, as a tuple of ``n`` ints >= ``minimum``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value),) * n
    else:
        try:
            out = tuple(operator.index(v) for v in value)
        except TypeError:
            raise TypeError(
                f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}"
            ) from None
        if len(out) != n:
            raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in out):
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return out


def _padding(op, padding, n):
    """``"valid"``, ``"same"`` or explicit ``((lo, hi), ...)`` with ``n`` pairs."""
    if isinstance(padding, str):
        p = padding.lower()
        if p in ("valid", "same"):
            return p
        raise ValueError(
            f"{op}: padding must be 'valid', 'same', an int, a tuple of {n} ints or {n} "
            f"(low, high) pairs, got {padding!r}"
        )
    bad = ValueError(
        f"{op}: padding must be 'valid', 'same', an int, a tuple of {n} ints or {n} "
        f"(low, high) pairs of ints >= 0, got {padding!r}"
    )
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        pairs = ((int(padding), int(padding)),) * n
    else:
        try:
            items = list(padding)
        except TypeError:
            raise bad from None
        if n == 1 and len(items) == 2 and all(isinstance(v, (int, np.integer)) for v in items):
            items = [tuple(items)]  # conv1d's (low, high)
        if len(items) != n:
            raise bad
        pairs = []
        for item in items:
            if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
                pairs.append((int(item), int(item)))
            else:
                try:
                    lo, hi = (operator.index(v) for v in item)
                except (TypeError, ValueError):
                    raise bad from None
                pairs.append((lo, hi))
        pairs = tuple(pairs)
    if any(v < 0 for pair in pairs for v in pair):
        raise bad
    return pairs


_EXPECTED = {
    (1, False): "(batch, length, channels)",
    (1, True): "(batch, channels, length)",
    (2, False): "(batch, height, width, channels)",
    (2, True): "(batch, channels, height, width)",
}


def _data_format(op, data_format):
    if data_format is None or data_format == "channels_last":
        return False
    if data_format == "channels_first":
        return True
    raise ValueError(
        f"{op}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}"
    )


def _lift(spatial, values):
    """Per-dimension values of a 1-D call as the 2-D canonical ones (height 1)."""
    return values if spatial == 2 else (1,) + values


def _shapes(op, spatial, cf, xshape, wshape):
    """Validate ndims; return the image-side spatial size and channels of ``x``."""
    nd = spatial + 2
    if len(xshape) != nd:
        raise ValueError(
            f"{op} expects a {nd}-D input {_EXPECTED[spatial, cf]}, got shape {xshape}"
        )
    if len(wshape) != nd:
        kdims = "(kernel_size, " if spatial == 1 else "(kh, kw, "
        raise ValueError(
            f"{op} expects a {nd}-D weight {kdims}in_channels, out_channels), got shape "
            f"{wshape}"
        )
    if cf:
        return tuple(xshape[2:]), xshape[1]
    return tuple(xshape[1:-1]), xshape[-1]


def _conv_plan(op, spatial, xshape, wshape, stride, padding, dilation, groups, data_format):
    cf = _data_format(op, data_format)
    size, c_in = _shapes(op, spatial, cf, xshape, wshape)
    k = tuple(wshape[:spatial])
    s = _ints(op, "stride", stride, spatial)
    d = _ints(op, "dilation", dilation, spatial)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    groups = int(groups)
    c_per_group, c_out = wshape[-2], wshape[-1]
    if c_in % groups or c_out % groups:
        raise ValueError(
            f"{op}: groups={groups} must divide both the input channels ({c_in}) and the "
            f"output channels ({c_out}); input shape {xshape}, weight shape {wshape}"
        )
    if c_per_group * groups != c_in:
        raise ValueError(
            f"{op}: input shape {xshape} has {c_in} channels but weight shape {wshape} expects "
            f"{c_per_group * groups} (in_channels {c_per_group} x groups {groups}); the weight "
            "is (kernel..., in_channels // groups, out_channels)"
        )
    pad = _padding(op, padding, spatial)
    pads, out = [], []
    for n, kk, ss, dd in zip(size, k, s, d, strict=True):
        dk = (kk - 1) * dd + 1
        if pad == "valid":
            lo = hi = 0
        elif pad == "same":
            total = max((-(-n // ss) - 1) * ss + dk - n, 0)
            lo, hi = total // 2, total - total // 2
        else:
            lo, hi = pad[len(pads)]
        if n + lo + hi < dk:
            raise ValueError(
                f"{op}: the kernel (dilated size {dk}) is larger than the padded input "
                f"({n + lo + hi}); input shape {xshape}, weight shape {wshape}, padding "
                f"{padding!r}. Use padding='same' or a smaller kernel"
            )
        pads.append((lo, hi))
        out.append((n + lo + hi - dk) // ss + 1)
    pads = tuple(pads) if spatial == 2 else ((0, 0), pads[0])
    return _Plan(spatial, cf, _lift(spatial, k), _lift(spatial, s), _lift(spatial, d), groups,
                 pads, _lift(spatial, size), _lift(spatial, tuple(out)), c_in, c_out)


def _transpose_plan(op, spatial, xshape, wshape, stride, padding, output_padding, dilation,
                    data_format):
    cf = _data_format(op, data_format)
    size, c_in = _shapes(op, spatial, cf, xshape, wshape)
    k = tuple(wshape[:spatial])
    s = _ints(op, "stride", stride, spatial)
    d = _ints(op, "dilation", dilation, spatial)
    c_out, c_w = wshape[-2], wshape[-1]
    if c_w != c_in:
        raise ValueError(
            f"{op}: input shape {xshape} has {c_in} channels but weight shape {wshape} expects "
            f"{c_w}; the weight is (kernel..., out_channels, in_channels), as Keras's "
            "Conv*DTranspose kernel"
        )
    if output_padding is not None:
        output_padding = _ints(op, "output_padding", output_padding, spatial, minimum=0)
        if any(p >= ss for p, ss in zip(output_padding, s, strict=True)):
            raise ValueError(
                f"{op}: output_padding {output_padding} must be smaller than the stride {s}"
            )
    pad = _padding(op, padding, spatial)
    pads, out = [], []
    for i, (n, kk, ss, dd) in enumerate(zip(size, k, s, d, strict=True)):
        dk = (kk - 1) * dd + 1
        op_i = None if output_padding is None else output_padding[i]
        full = (n - 1) * ss + dk  # the rows the scatter reaches
        if pad == "valid":
            length = (n - 1) * ss + max(dk, ss) if op_i is None else full + op_i
            lo = 0
        elif pad == "same":
            length = n * ss if op_i is None else full - 2 * (dk // 2) + op_i
            lo = max(full - length, 0) // 2
        else:
            lo, hi = pad[i]
            length = full - lo - hi + (op_i or 0)
        if length < 1:
            raise ValueError(
                f"{op}: padding {padding!r} leaves no output (length {length}) for input shape "
                f"{xshape} and weight shape {wshape}"
            )
        pads.append((lo, max(full - lo - length, 0)))
        out.append(length)
    pads = tuple(pads) if spatial == 2 else ((0, 0), pads[0])
    return _Plan(spatial, cf, _lift(spatial, k), _lift(spatial, s), _lift(spatial, d), 1, pads,
                 _lift(spatial, tuple(out)), _lift(spatial, size), c_out, c_in)


_conv_plan_cached = functools.lru_cache(maxsize=256)(_conv_plan)
_transpose_plan_cached = functools.lru_cache(maxsize=256)(_transpose_plan)


def _plan(cached, plain, *args):
    try:
        return cached(*args)
    except TypeError:  # unhashable arguments (lists): the uncached path validates them too
        return plain(*args)


# -- layout ---------------------------------------------------------------------------------------


def _canonical(a, p):
    """An input-layout array (x, gy or y) as the canonical (N, H, W, C) view."""
    if p.cf:
        a = a.transpose(0, 2, 3, 1) if p.spatial == 2 else a.transpose(0, 2, 1)
    return a if p.spatial == 2 else a[:, None]


def _restore(a, p):
    """A canonical (N, H, W, C) array in the caller's layout (a view)."""
    if p.spatial == 1:
        a = a[:, 0]
        return a.transpose(0, 2, 1) if p.cf else a
    return a.transpose(0, 3, 1, 2) if p.cf else a


# -- the routines ---------------------------------------------------------------------------------

# The batch is processed a few images at a time, sized so that a chunk's column matrix takes
# about this many bytes: the im2col copy is still in cache when its GEMM reads it, and the column
# matrix of the whole batch is never held in memory (forward and backward rebuild it per chunk;
# the convolution saves only its input for backward).
_CHUNK_BYTES = 1 << 21
# Scratch buffers (columns, padded chunks) come from ``parallel.scratch``: reused between calls,
# one set per thread.
_buffer = parallel.scratch


_zero_arrays: dict = {}


def _zeros(xp, shape, dtype):
    """A read-only array of zeros, cached: ``maximum(y, zeros, out=y)`` is ReLU in place, about
    5x faster in NumPy than ``maximum(y, 0)`` with a scalar (measured on (2000, 32) float32)."""
    key = (shape, np.dtype(dtype), xp)
    z = _zero_arrays.get(key)
    if z is None:
        if len(_zero_arrays) >= 16:
            _zero_arrays.clear()
        z = _zero_arrays[key] = xp.zeros(shape, dtype)
    return z


def _chunk(p, k_cols, itemsize):
    """Images per chunk."""
    per_image = p.response[0] * p.response[1] * k_cols * itemsize
    return max(1, _CHUNK_BYTES // max(per_image, 1))


def _padded(xp, img, p):
    """A chunk of images on its zero-padded canvas (the chunk itself when there is no padding)."""
    if p.trivial_pad:
        return img
    n, _, _, c = img.shape
    canvas = _buffer(xp, "canvas", (n, p.canvas[0], p.canvas[1], c), img.dtype)
    canvas.fill(0)
    (top, _), (left, _) = p.pads
    canvas[:, top:top + p.image[0], left:left + p.image[1]] = img
    return canvas


def _cols(xp, canvas, p, ones=False, pool=None):
    """The column matrix of a chunk's canvas: (M, kh*kw*C), or (G, M, kh*kw*C/G) with groups,
    in a scratch buffer. Columns are ordered (kh, kw, C), as the weight's rows. With ``ones``
    (no groups), a last column of ones follows: the bias's row in the GEMMs.

    Rows are the response's positions in row-major order (n, Ho, Wo), or, with ``pool`` (a
    window (ph, pw) that tiles the response; no groups), window-position-major (ph, pw, n,
    Ho/ph, Wo/pw): then each position of every pooling window is a contiguous block of rows,
    so pooling the GEMM's result reads whole blocks instead of gathering strided positions."""
    n, _, _, c = canvas.shape
    (ho, wo), (kh, kw), (sh, sw), (dh, dw) = p.response, p.k, p.s, p.d
    sn, s_h, s_w, sc = canvas.strides
    g = p.groups
    strided = xp.lib.stride_tricks.as_strided
    k = kh * kw * c + ones
    if pool is None:  # the response's positions: shape and canvas strides of the view's axes
        at, at_strides = (n, ho, wo), (sn, s_h * sh, s_w * sw)
    else:
        (ph, pw) = pool
        at = (ph, pw, n, ho // ph, wo // pw)
        at_strides = (s_h * sh, s_w * sw, sn, s_h * sh * ph, s_w * sw * pw)
    if g == 1 and c == 1:
        # one channel (grey images): build the transpose, whose rows copy whole image rows
        # (the (M, K) layout would copy runs of kw values); GEMMs take it transposed for free
        buf = _buffer(xp, "cols", (k, n * ho * wo), canvas.dtype)
        view = strided(canvas, (kh, kw) + at, (s_h * dh, s_w * dw) + at_strides)
        xp.copyto(buf[:kh * kw].reshape((kh, kw) + at), view)
        if ones:
            buf[-1] = 1
        return buf.T
    if g == 1:
        buf = _buffer(xp, "cols", (n * ho * wo, k), canvas.dtype)
        view = strided(canvas, at + (kh, kw, c), at_strides + (s_h * dh, s_w * dw, sc))
        xp.copyto(buf[:, :kh * kw * c].reshape(at + (kh, kw, c)), view)
        if ones:
            buf[:, -1] = 1
        return buf
    cg = c // g
    buf = _buffer(xp, "cols", (g, n * ho * wo, kh * kw * cg), canvas.dtype)
    view = strided(canvas, (g, n, ho, wo, kh, kw, cg),
                   (sc * cg, sn, s_h * sh, s_w * sw, s_h * dh, s_w * dw, sc))
    xp.copyto(buf.reshape(g, n, ho, wo, kh, kw, cg), view)
    return buf


def _grouped_weight(w, p):
    """Canonical weight (kh, kw, C/G, C_out) as a GEMM operand: (K, C_out) or (G, K, C_out/G)."""
    kh, kw, cg, co = w.shape
    g = p.groups
    if g == 1:
        return w.reshape(kh * kw * cg, co)
    # contiguous: batched matmul on transposed views skips BLAS
    return w.reshape(kh * kw * cg, g, co // g).transpose(1, 0, 2).copy()


def _gated(xp, rows, gate):
    """``rows`` where ``gate > 0``, else 0 (the gradient through a ReLU whose output is
    ``gate``), in a scratch buffer: one chunk at a time, so no full-size masked gradient."""
    if gate is None:
        return rows
    out = _buffer(xp, "gated", rows.shape, rows.dtype)
    return xp.multiply(rows, gate > 0, out=out)


def _row_source(xp, rows2, hw, gate=None):
    """``rows(s0, s1)``: the rows of images ``s0:s1`` in ``rows2`` (M, C), masked where the
    fused ReLU's output ``gate`` (M, C) is 0."""
    def rows(s0, s1):
        r = rows2[s0 * hw:s1 * hw]
        return r if gate is None else _gated(xp, r, gate[s0 * hw:s1 * hw])
    return rows


def _unpooled_source(xp, gy, first, p, pool):
    """``rows(s0, s1)``: the response-rows gradient of images ``s0:s1`` below a fused max pool,
    in a scratch buffer: each window's gradient ``gy`` (N, Hp, Wp, C) at its first maximum
    ``first``, zeros elsewhere. The windows tile the response (``_pooled_plan``), so every
    position is written."""
    (ho, wo), c = p.response, p.c_resp
    windows = _offsets(4, (1, 2), pool, pool, gy.shape[1:3])

    def rows(s0, s1):
        grad = _buffer(xp, "unpooled", (s1 - s0, ho, wo, c), gy.dtype)
        window_grads(xp, gy[s0:s1], first[s0:s1], grad, 2, windows, overlap=False)
        return grad.reshape(-1, c)
    return rows


def _pooled_rows_source(xp, gy, first, pool, gate=None):
    """``rows(s0, s1)``: the response-rows gradient of images ``s0:s1`` below a fused max pool,
    window-position-major as ``_cols(..., pool=pool)`` orders the columns, in a scratch
    buffer: block ``q`` holds ``gy`` where a window's first maximum is its position ``q``, zeros
    elsewhere (``gy`` itself for one position per window). With ``gate`` (the pooled output of
    the fused ReLU), ``gy`` is zeroed first where the gate is not positive."""
    positions = pool[0] * pool[1]
    c = gy.shape[-1]

    def rows(s0, s1):
        g = gy[s0:s1]
        hit = _buffer(xp, "pooled mask", g.shape, np.bool_)
        if gate is not None:
            g = xp.multiply(g, xp.greater(gate[s0:s1], 0, out=hit),
                            out=_buffer(xp, "pooled gated", g.shape, g.dtype))
        if positions == 1:
            return g.reshape(-1, c)
        out = _buffer(xp, "pooled rows", (positions,) + g.shape, g.dtype)
        for q in range(positions):
            xp.multiply(g, xp.equal(first[s0:s1], q, out=hit), out=out[q])
        return out.reshape(-1, c)
    return rows


def _cols_pass(xp, img, p, w2=None, out2=None, bias=None, relu=False, grad_rows=None,
               row_sums=None, pooled=None, pool_order=None):
    """One pass over the image's column matrix, chunk by chunk, the images split across
    neurona's threads when the work is large (each part returns its own weight and bias
    gradient sums, added here).

    With ``out2`` (M, C_resp): writes ``cols @ W (+ bias)`` into it (the convolution), made
    non-negative with ``relu``. With ``pooled`` ``(y, first, pool)`` instead: each chunk of that
    response is max-pooled while in cache into ``y`` (N, Hp, Wp, C_resp) (windows of ``pool``,
    stride ``pool``), the positions of the maxima written into ``first`` (or not, when None).
    With ``grad_rows`` (see ``_row_source``): returns ``cols^T @ rows`` (the weight gradient)
    as (K, C_resp), or (G, K/G, C_resp/G) with groups; see ``_weight_from_acc``. Otherwise
    returns None. With ``row_sums`` (C_resp,) as well, adds the column sums of the rows into it
    (the bias gradient). ``pool_order``: a pooling window (no groups): the rows are in
    ``_cols(..., pool=pool_order)``'s order (the response, and ``grad_rows``' rows, too)."""
    n = img.shape[0]
    hw = p.response[0] * p.response[1]
    # Without groups the bias rides in the GEMMs, on a column of ones after the columns: the
    # forward GEMM adds it (a broadcast addition is a slow pass over the output: 0.9 -> 0.5 ms
    # for conv 1 of the MNIST convnet on 64 images) and the weight-gradient GEMM's last row is
    # the bias gradient.
    ones = p.groups == 1 and (bias is not None or row_sums is not None)
    if ones and bias is not None:
        w2 = xp.concatenate([w2, bias.reshape(1, -1).astype(w2.dtype, copy=False)])
        bias = None
    sums = None if ones else row_sums
    if pooled is not None:
        y, first, pool = pooled
        pooled = (y, first, _offsets(4, (1, 2), pool, pool, y.shape[1:3]))
    passes = (out2 is not None or pooled is not None) + (grad_rows is not None)
    flops = 2.0 * n * hw * p.k[0] * p.k[1] * p.c_img * p.c_resp / p.groups * passes
    ranges = parallel.split_ranges(n, flops) if xp is np else [(0, n)]

    def part(lo, hi):
        own = None if sums is None or len(ranges) == 1 else xp.zeros_like(sums)
        acc = _cols_chunks(xp, img, p, lo, hi, w2, out2, bias, relu, grad_rows,
                           sums if own is None else own, ones, pooled, pool_order)
        return acc, own

    results = parallel.run_parts(part, ranges)
    for _, own in results:
        if own is not None:
            sums += own
    acc = results[0][0]
    if acc is not None:
        for other, _ in results[1:]:
            acc += other
        if ones:
            if row_sums is not None:
                row_sums += acc[-1]
            acc = acc[:-1]
    return acc


def _cols_chunks(xp, img, p, lo, hi, w2, out2, bias, relu, grad_rows, row_sums, ones, pooled,
                 pool_order):
    """``_cols_pass`` for images ``lo:hi`` on the calling thread; ``ones``: the column matrix
    ends with a column of ones (``w2`` with the bias as its last row); ``pooled``: ``(y,
    first, window indices)``."""
    g = p.groups
    (ho, wo), c = p.response, p.c_resp
    hw = ho * wo
    k_cols = p.k[0] * p.k[1] * p.c_img // g
    step = _chunk(p, k_cols * g, img.dtype.itemsize)
    acc = tmp = None
    for s0 in range(lo, hi, step):
        s1 = min(hi, s0 + step)
        cols = _cols(xp, _padded(xp, img[s0:s1], p), p, ones, pool_order)
        r0, r1 = s0 * hw, s1 * hw
        if out2 is not None or pooled is not None:
            if out2 is not None:
                out = out2[r0:r1]
            else:
                out = _buffer(xp, "response", (r1 - r0, c), xp.result_type(cols, w2))
            if g == 1:
                xp.matmul(cols, w2, out=out)
            else:
                res = cols @ w2  # (G, M, C_out/G)
                xp.copyto(out.reshape(r1 - r0, g, -1), res.transpose(1, 0, 2))
            if bias is not None:
                out += bias  # still in cache
            if relu and pooled is None:
                xp.maximum(out, _zeros(xp, out.shape, out.dtype), out=out)
            if pooled is not None:
                y, first, windows = pooled
                keep, first = first is not None, None if first is None else first[s0:s1]
                if pool_order is None:
                    max_windows(xp, out.reshape(s1 - s0, ho, wo, c), 2, windows, y[s0:s1],
                                keep, first)
                else:  # each window position is a block of rows
                    max_blocks(xp, out.reshape(len(windows), -1, c), y[s0:s1].reshape(-1, c),
                               keep, None if first is None else first.reshape(-1, c))
                if relu:
                    # ReLU and max commute: on the pooled values it is a quarter of the work
                    # (2x2 windows). The maximum's position may differ only where every value
                    # of the window is <= 0, and there the ReLU passes no gradient.
                    yc = y[s0:s1]
                    xp.maximum(yc, _zeros(xp, yc.shape, yc.dtype), out=yc)
        if grad_rows is not None:
            rows = grad_rows(s0, s1)
            if row_sums is not None:
                row_sums += _sum_rows(xp, rows)
            if g > 1:
                rows = rows.reshape(r1 - r0, g, -1).transpose(1, 0, 2)
                cols = cols.transpose(0, 2, 1)
            else:
                cols = cols.T
            if acc is None:
                acc = cols @ rows
            else:
                if tmp is None:
                    tmp = xp.empty_like(acc)
                xp.matmul(cols, rows, out=tmp)
                acc += tmp
    if acc is None and grad_rows is not None:  # no images
        kg, cr = k_cols + ones, c // g
        acc = xp.zeros((kg, cr) if g == 1 else (g, kg, cr), img.dtype)
    return acc


def _weight_from_acc(acc, p, wshape):
    """The weight gradient in the canonical weight shape from ``_cols_pass``'s accumulator."""
    if p.groups == 1:
        return acc.reshape(wshape)
    kh, kw, cg, co = wshape
    g = p.groups
    return acc.reshape(g, kh, kw, cg, co // g).transpose(1, 2, 3, 0, 4).reshape(wshape)


def _col2im_pass(xp, grad_rows, w2, p, n, dtype):
    """The canvas gradient of ``cols @ W`` from the response rows' gradient (``grad_rows``, see
    ``_row_source``): ``rows @ W^T`` per chunk, scattered back onto a zeroed canvas (N, Hc, Wc,
    C_img) by ``kh*kw`` strided additions, the images split across neurona's threads when the
    work is large."""
    (kh, kw), c, g = p.k, p.c_img, p.groups
    canvas = xp.empty((n, p.canvas[0], p.canvas[1], c), dtype)  # zeroed chunk by chunk
    if g == 1:
        # W^T split per kernel offset, (kh*kw, C_out, C): one batched GEMM gives the columns
        # offset-major, so each addition below reads whole contiguous image rows. The small
        # weight is made contiguous: NumPy's batched matmul on a transposed view skips BLAS
        # (6x slower, measured on (2048, 32) @ (9, 32, 32)).
        wb = xp.ascontiguousarray(w2.reshape(kh * kw, c, -1).transpose(0, 2, 1))
    else:
        wb = xp.ascontiguousarray(w2.transpose(0, 2, 1))  # (G, C_out/G, K/G)
    flops = 2.0 * n * p.response[0] * p.response[1] * kh * kw * c * p.c_resp / g
    ranges = parallel.split_ranges(n, flops) if xp is np else [(0, n)]
    parallel.run_parts(_col2im_chunks, [(xp, grad_rows, wb, p, canvas, lo, hi)
                                        for lo, hi in ranges])
    return canvas


def _col2im_chunks(xp, grad_rows, wb, p, canvas, lo, hi):
    """``_col2im_pass`` for images ``lo:hi`` on the calling thread; ``wb`` is the weight
    prepared there."""
    (ho, wo), (kh, kw), (sh, sw), (dh, dw) = p.response, p.k, p.s, p.d
    g = p.groups
    c = p.c_img
    hc, wc = p.canvas
    hw = ho * wo
    dtype = canvas.dtype
    hspan, wspan = (ho - 1) * sh + 1, (wo - 1) * sw + 1
    step = _chunk(p, kh * kw * c, np.dtype(dtype).itemsize)
    for s0 in range(lo, hi, step):
        s1 = min(hi, s0 + step)
        m = (s1 - s0) * hw
        rows = grad_rows(s0, s1)
        target = canvas[s0:s1]
        target.fill(0)  # here rather than for the whole canvas first: in parallel, in cache
        if g == 1:
            gcols = xp.matmul(rows, wb, out=_buffer(xp, "gcols", (kh * kw, m, c), dtype))
            gcols = gcols.reshape(kh, kw, s1 - s0, ho, wo, c)
            for i in range(kh):
                r = i * dh
                for j in range(kw):
                    q = j * dw
                    target[:, r:r + hspan:sh, q:q + wspan:sw] += gcols[i, j]
        else:
            rg = rows.reshape(m, g, -1).transpose(1, 0, 2)
            gcols = (rg @ wb).reshape(g, s1 - s0, ho, wo, kh, kw, c // g)
            gcols = gcols.transpose(1, 2, 3, 4, 5, 0, 6)  # (n, Ho, Wo, kh, kw, G, C/G)
            target = target.reshape(s1 - s0, hc, wc, g, c // g)
            for i in range(kh):
                r = i * dh
                for j in range(kw):
                    q = j * dw
                    target[:, r:r + hspan:sh, q:q + wspan:sw] += gcols[:, :, :, i, j]


def _crop(canvas, p):
    if p.trivial_pad:
        return canvas
    (top, _), (left, _) = p.pads
    return canvas[:, top:top + p.image[0], left:left + p.image[1]]


def _rows(xp, a, p, channels):
    """A canonical (N, H, W, C) array as contiguous rows (N*H*W, C) (a copy only for a
    non-contiguous layout such as channels-first)."""
    return xp.ascontiguousarray(a).reshape(-1, channels)


# -- Functions ------------------------------------------------------------------------------------


class Conv(Function):
    """N-D (1-D or 2-D) convolution ``y = conv(x, W) + b``, or ``relu(conv(x, W) + b)`` with
    ``self.relu``, max-pooled with ``self.pool`` (canonical 2-D window, stride the window,
    valid); ``self.plan`` holds the geometry.

    x: (N, H, W, C_in) (or its 1-D / channels-first variants), W: (kh, kw, C_in/G, C_out),
    b: (C_out,) or absent. Returns (N, Ho, Wo, C_out) in the input's layout, or (N, Ho // ph,
    Wo // pw, C_out) pooled.

    The fused ReLU runs on each chunk of the output while it is in cache, and the
    pre-activation is never stored: one full pass and one output-sized array fewer than a
    separate ReLU (whose input the graph would keep alive until backward). The fused max pool
    goes further: the response never leaves the cache, only the pooled output and one byte per
    window (the maximum's position) are written, and backward rebuilds each chunk's response
    gradient in cache from them. The ReLU's mask is then taken on the pooled output (a window's
    maximum is the response at the position that gets its gradient). With the pool, only the
    response its windows read is computed (``_pooled_plan``), and without groups the columns
    come window-position-major (``_cols``): the pool takes the maximum of whole blocks of rows
    and the weight gradient's rows need no scatter.
    """

    def forward(self, x, w, b=None):
        xp = self.xp
        p = self.plan
        img = _canonical(x, p)
        if p.spatial == 1:
            w = w[None]
        w2 = _grouped_weight(w, p)
        n = img.shape[0]
        dtype = xp.result_type(x.dtype, w.dtype)
        needs = self.needs_grad
        recording = True in needs  # some input needs a gradient
        first = None
        if self.pool is None:
            y = xp.empty((n, p.response[0], p.response[1], p.c_resp), dtype)
            _cols_pass(xp, img, p, w2, y.reshape(-1, p.c_resp), b, self.relu)
        else:
            (ph, pw), (ho, wo) = self.pool, p.response
            y = xp.empty((n, ho // ph, wo // pw, p.c_resp), dtype)
            if recording:
                first = xp.empty(y.shape, _index_dtype(ph * pw))
            _cols_pass(xp, img, p, w2, bias=b, relu=self.relu, pooled=(y, first, self.pool),
                       pool_order=self._pool_order())
        if recording:
            self.save_for_backward(img if needs[1] else None, w2, w.shape,
                                   y if self.relu else None, first)
        return _restore(y, p)

    def backward(self, gy):
        img, w2, wshape, y, first = self.saved
        xp = self.xp
        p = self.plan
        needs = self.needs_grad
        g4 = _canonical(gy, p)
        if self.pool is None:
            gy2 = _rows(xp, g4, p, p.c_resp)
            # through the fused ReLU: the passes zero gy2 where the output was clamped
            gate = None if y is None else y.reshape(-1, p.c_resp)
            grad_rows = _row_source(xp, gy2, p.response[0] * p.response[1], gate)
            bias_rows = lambda: gy2 if gate is None else gy2 * (gate > 0)  # noqa: E731
        else:
            # the ReLU, on the pooled output: the window-ordered weight-gradient pass applies
            # it chunk by chunk (split across threads, in cache); the other uses of g4 (the
            # input gradient, a bias without the weight) need it applied here
            gate = y
            if y is not None and (needs[0] or not needs[1] or self._pool_order() is None):
                g4, gate = g4 * (y > 0), None
            grad_rows = _unpooled_source(xp, g4, first, p, self.pool)
            bias_rows = lambda: g4.reshape(-1, p.c_resp)  # noqa: E731  (lands once each)
        gx = gw = gb = None
        bias_grad = len(needs) == 3 and needs[2]
        if needs[1]:
            if bias_grad:
                gb = xp.zeros(p.c_resp, gy.dtype)
            order = self._pool_order()
            if order is not None:  # the weight gradient's rows need no scatter in this order
                rows = _pooled_rows_source(xp, g4, first, order, gate)
                acc = _cols_pass(xp, img, p, grad_rows=rows, row_sums=gb, pool_order=order)
            else:
                acc = _cols_pass(xp, img, p, grad_rows=grad_rows, row_sums=gb)
            gw = _weight_from_acc(acc, p, wshape)
            if p.spatial == 1:
                gw = gw[0]
        if needs[0]:
            canvas = _col2im_pass(xp, grad_rows, w2, p, g4.shape[0], gy.dtype)
            gx = _restore(_crop(canvas, p), p)
        if bias_grad and gb is None:
            gb = _sum_rows(xp, bias_rows())
        return (gx, gw) if len(needs) == 2 else (gx, gw, gb)

    def _pool_order(self):
        """The fused pool's window when the passes run window-position-major (no groups: the
        grouped column layout keeps the row-major order), else None."""
        return self.pool if self.pool is not None and self.plan.groups == 1 else None


class ConvTranspose(Function):
    """N-D (1-D or 2-D) transposed convolution: the adjoint of :class:`Conv` (plus bias).

    x: (N, H, W, C_in) (or its 1-D / channels-first variants), W: (kh, kw, C_out, C_in),
    b: (C_out,) or absent. Returns (N, Hout, Wout, C_out) in the input's layout.
    """

    def forward(self, x, w, b=None):
        xp = self.xp
        p = self.plan
        g4 = _canonical(x, p)
        if p.spatial == 1:
            w = w[None]
        n = g4.shape[0]
        x2 = _rows(xp, g4, p, p.c_resp)
        w2 = _grouped_weight(w, p)
        rows = _row_source(xp, x2, p.response[0] * p.response[1])
        y = _crop(_col2im_pass(xp, rows, w2, p, n, xp.result_type(x.dtype, w.dtype)), p)
        if b is not None:
            if not p.trivial_pad:
                y = xp.ascontiguousarray(y)
            y += b
        needs = self.needs_grad
        if True in needs:  # recording: some input needs a gradient
            self.save_for_backward(x2 if needs[1] else None, w2, w.shape)
        return _restore(y, p)

    def backward(self, gy):
        x2, w2, wshape = self.saved
        xp = self.xp
        p = self.plan
        needs = self.needs_grad
        img = _canonical(gy, p)
        n = img.shape[0]
        gx = gw = gb = None
        out2 = None
        if needs[0]:
            gx = xp.empty((n, p.response[0], p.response[1], p.c_resp), gy.dtype)
            out2 = gx.reshape(-1, p.c_resp)
        hw = p.response[0] * p.response[1]
        acc = _cols_pass(xp, img, p, w2 if needs[0] else None, out2,
                         grad_rows=_row_source(xp, x2, hw) if needs[1] else None)
        if needs[0]:
            gx = _restore(gx, p)
        if needs[1]:
            gw = _weight_from_acc(acc, p, wshape)
            if p.spatial == 1:
                gw = gw[0]
        if len(needs) == 3 and needs[2]:
            gb = _sum_rows(xp, _rows(xp, img, p, p.c_img))
        return (gx, gw) if len(needs) == 2 else (gx, gw, gb)


# -- public wrappers ------------------------------------------------------------------------------


def _tensor(op, name, a):
    if not isinstance(a, Tensor):
        a = Tensor._make(_to_array(a, None), None)
    if a.data.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be floating point, got dtype {a.data.dtype}")
    return a


def _bias(op, b, c_out):
    b = _tensor(op, "bias", b)
    if b.data.shape != (c_out,):
        raise ValueError(
            f"{op}: bias must have shape ({c_out},) (one value per output channel), got "
            f"{b.data.shape}"
        )
    return b


def _max_pool(op, spatial, max_pool, p):
    """The fused max pool's canonical 2-D window, or None."""
    if max_pool is None:
        return None
    window = _ints(op, "max_pool", max_pool, spatial)
    if spatial == 1:
        window = (1,) + window
    if any(n < k for n, k in zip(p.response, window, strict=True)):
        size = p.response if spatial == 2 else p.response[1:]
        raise ValueError(f"{op}: max_pool window {window[2 - spatial:]} is larger than the "
                         f"convolution's output {size}")
    return window


def _pooled_plan(p, window):
    """The plan ``p`` restricted to the response a valid max pool of ``window`` (stride the
    window) reads: its first ``Ho // ph * ph`` rows and ``Wo // pw * pw`` columns. The pool
    discards the rest, so the fused convolution never computes it: a 3x3 valid convolution of
    13x13 images pooled by 2 (the Keras MNIST convnet's second layer) needs 10x10 of its 11x11
    outputs, 17% fewer products forward and backward; the input rows and columns only the
    discarded outputs read get a zero gradient."""
    (ph, pw), (ho, wo) = window, p.response
    used = (ho // ph * ph, wo // pw * pw)
    if used == p.response:
        return p
    return _Plan(p.spatial, p.cf, p.k, p.s, p.d, p.groups, p.pads, p.image, used, p.c_img,
                 p.c_resp)


def _conv(op, spatial, x, weight, bias, stride, padding, dilation, groups, data_format,
          activation, max_pool):
    x = _tensor(op, "x", x)
    weight = _tensor(op, "weight", weight)
    if activation not in (None, "relu"):
        raise ValueError(f"{op}: activation must be None or 'relu' (fused into the "
                         f"convolution), got {activation!r}; apply other activations to the "
                         "output")
    p = _plan(_conv_plan_cached, _conv_plan, op, spatial, x.data.shape, weight.data.shape,
              stride, padding, dilation, groups, data_format)
    pool = _max_pool(op, spatial, max_pool, p)
    if pool is not None:
        p = _pooled_plan(p, pool)
    options = {"plan": p, "relu": activation == "relu", "pool": pool}
    if bias is None:
        return Conv.apply(x, weight, **options)
    return Conv.apply(x, weight, _bias(op, bias, p.c_resp), **options)


def _conv_transpose(op, spatial, x, weight, bias, stride, padding, output_padding, dilation,
                    data_format):
    x = _tensor(op, "x", x)
    weight = _tensor(op, "weight", weight)
    p = _plan(_transpose_plan_cached, _transpose_plan, op, spatial, x.data.shape,
              weight.data.shape, stride, padding, output_padding, dilation, data_format)
    if bias is None:
        return ConvTranspose.apply(x, weight, plan=p)
    return ConvTranspose.apply(x, weight, _bias(op, bias, p.c_img), plan=p)


def conv2d(x, weight, bias=None, stride=1, padding="valid", dilation=1, groups=1,
           data_format="channels_last", activation=None, max_pool=None) -> Tensor:
    """2-D convolution (cross-correlation, as Keras and PyTorch compute it).

    Args:
        x: (N, H, W, C_in) for ``data_format="channels_last"``, (N, C_in, H, W) for
            ``"channels_first"``.
        weight: (kh, kw, C_in // groups, C_out), Keras's Conv2D kernel layout. Output channel
            ``g * (C_out // groups) + j`` sees input channels of group ``g`` only; a Keras
            depthwise kernel (kh, kw, C_in, m) reshaped to (kh, kw, 1, C_in * m) with
            ``groups=C_in`` is a depthwise convolution.
        bias: (C_out,) or None.
        stride, dilation: an int or a pair.
        padding: ``"valid"``, ``"same"`` (output ``ceil(H / stride)``, the odd extra row and
            column at the bottom/right, as TensorFlow and Keras), an int, a pair of ints (per
            dimension) or ``((top, bottom), (left, right))``.
        groups: number of channel groups; divides C_in and C_out.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        activation: None, or ``"relu"`` to apply ReLU inside the convolution (the same values
            and gradients as ``F.relu(conv2d(...))``, with one pass and one output-sized
            array fewer; the layers use it for ``activation="relu"``).
        max_pool: None, or a window (an int or a pair) to max-pool the (activated) output
            with, stride the window, ``"valid"``: the same values and gradients as
            ``F.max_pool2d(conv2d(...), max_pool)``, without ever storing the convolution's
            output (a ``Sequential`` model uses it for a ``Conv2D`` followed by such a
            ``MaxPooling2D``).

    Returns:
        (N, Ho, Wo, C_out) (or (N, C_out, Ho, Wo)), ``Ho = (H + pads - (kh-1)*d - 1) // s + 1``;
        with ``max_pool=(ph, pw)``: (N, Ho // ph, Wo // pw, C_out).

    Raises:
        ValueError: for a bad argument or shape (naming it), or a ``max_pool`` window larger
            than the output.

    Example:
        >>> y = F.conv2d(nr.randn(8, 28, 28, 1), nr.randn(3, 3, 1, 32), padding="same")
        >>> y.shape
        (8, 28, 28, 32)
    """
    return _conv("conv2d", 2, x, weight, bias, stride, padding, dilation, groups, data_format,
                 activation, max_pool)


def conv1d(x, weight, bias=None, stride=1, padding="valid", dilation=1, groups=1,
           data_format="channels_last", activation=None, max_pool=None) -> Tensor:
    """1-D convolution; as :func:`conv2d` with one spatial dimension.

    x: (N, L, C_in) (channels_last) or (N, C_in, L); weight: (k, C_in // groups, C_out);
    bias: (C_out,). padding: ``"valid"``, ``"same"``, an int or ``(left, right)``.
    activation: None or ``"relu"`` (fused, as in :func:`conv2d`). max_pool: None or a window
    (an int), fused as in :func:`conv2d`.
    Returns (N, Lo, C_out) (or (N, C_out, Lo)); with ``max_pool=k``: (N, Lo // k, C_out).

    Example:
        >>> F.conv1d(nr.randn(4, 100, 3), nr.randn(5, 3, 16), stride=2).shape
        (4, 48, 16)
    """
    return _conv("conv1d", 1, x, weight, bias, stride, padding, dilation, groups, data_format,
                 activation, max_pool)


def conv_transpose2d(x, weight, bias=None, stride=1, padding="valid", output_padding=None,
                     dilation=1, data_format="channels_last") -> Tensor:
    """2-D transposed convolution, the adjoint (input gradient) of :func:`conv2d`.

    Args:
        x: (N, H, W, C_in) (or (N, C_in, H, W) for channels_first).
        weight: (kh, kw, C_out, C_in), Keras's Conv2DTranspose kernel layout.
        bias: (C_out,) or None.
        stride, dilation: an int or a pair.
        padding: ``"valid"``, ``"same"``, an int, a pair, or ``((top, bottom), (left, right))``
            (rows/columns cropped from the full output, as PyTorch's ``padding``).
        output_padding: None, an int or a pair (each smaller than the stride): extra rows and
            columns at the bottom/right.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Returns:
        (N, Hout, Wout, C_out), with Keras's output length: ``"valid"``:
        ``(H - 1) * s + max(dk, s)``, ``"same"``: ``H * s``, where ``dk = (k - 1) * d + 1``;
        with ``output_padding``: ``(H - 1) * s + dk - 2 * pad + output_padding`` (``pad`` 0 for
        valid, ``dk // 2`` for same).

    Example:
        >>> F.conv_transpose2d(nr.randn(2, 7, 7, 16), nr.randn(3, 3, 8, 16), stride=2,
        ...                    padding="same").shape
        (2, 14, 14, 8)
    """
    return _conv_transpose("conv_transpose2d", 2, x, weight, bias, stride, padding,
                           output_padding, dilation, data_format)


def conv_transpose1d(x, weight, bias=None, stride=1, padding="valid", output_padding=None,
                     dilation=1, data_format="channels_last") -> Tensor:
    """1-D transposed convolution; as :func:`conv_transpose2d` with one spatial dimension.

    x: (N, L, C_in) (or (N, C_in, L)); weight: (k, C_out, C_in); bias: (C_out,).
    Returns (N, Lout, C_out) (or (N, C_out, Lout)).

    Example:
        >>> F.conv_transpose1d(nr.randn(2, 10, 4), nr.randn(3, 6, 4), stride=2).shape
        (2, 21, 6)
    """
    return _conv_transpose("conv_transpose1d", 1, x, weight, bias, stride, padding,
                           output_padding, dilation, data_format)

