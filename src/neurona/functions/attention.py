"""Embedding lookup, scaled dot-product attention and the masks attention uses.

Mask convention (Keras): a boolean mask is **True where attention is allowed** and False where
it is blocked. PyTorch's ``attn_mask``/``key_padding_mask`` booleans mean the opposite (True =
blocked) for ``nn.MultiheadAttention``; pass ``~mask`` when porting such code.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..autograd import Function, unbroadcast
from ..tensor import Tensor

__all__ = ["embedding", "scaled_dot_product_attention", "multi_head_attention", "causal_mask",
           "padding_mask"]

_DRAW_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


# -- embedding -----------------------------------------------------------------------------------


class Embedding(Function):
    """Row lookup ``weight[ids]``; the backward scatter-adds each output row's gradient into
    the row it came from (ids that repeat accumulate)."""

    def forward(self, ids, weight):
        self.save_for_backward(ids)
        self.num_rows = weight.shape[0]
        return self.xp.take(weight, ids, axis=0)

    def backward(self, gy):
        (ids,) = self.saved
        xp = self.xp
        d = gy.shape[-1]
        gw = xp.zeros((self.num_rows, d), gy.dtype)
        flat = ids.reshape(-1)
        g2 = gy.reshape(-1, d)
        if xp is not np:
            xp.add.at(gw, flat, g2)
        elif flat.size:
            # Sort the ids and sum each run of equal ids with one reduceat. Measured (CPU
            # time, one core, float32) for (rows, ids, features) = (1000, 2048, 128):
            # np.add.at 2.3 ms, sort + reduceat 1.1 ms, one-hot GEMM 6.2 ms; (50, 2048, 128):
            # 2.3 / 0.33 / 0.32 ms; (10000, 4096, 64): 2.5 / 1.7 / 89 ms.
            order = np.argsort(flat, kind="stable")
            ordered = flat[order]
            starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
            gw[ordered[starts]] = np.add.reduceat(g2[order], starts, axis=0)
        return None, gw


def embedding(ids, weight) -> Tensor:
    """Look up rows of ``weight`` by integer ids (a differentiable gather).

    Args:
        ids: integer array or Tensor of any shape, values in ``[0, num_rows)``.
        weight: ``(num_rows, features)`` floating-point Tensor.

    Returns:
        ``ids.shape + (features,)``, the dtype of ``weight``.

    Raises:
        TypeError: for non-integer ids (floats must be cast, e.g. ``ids.astype('int64')``).
        ValueError: for ids outside ``[0, num_rows)`` or a weight that is not 2-D.

    Example:
        >>> w = nr.randn(10, 4, requires_grad=True)
        >>> F.embedding(np.array([[1, 2, 2]]), w).shape
        (1, 3, 4)
    """
    ids_data = ids.data if isinstance(ids, Tensor) else ids
    xp = backend.get_array_module(ids_data) if hasattr(ids_data, "dtype") else np
    ids_data = xp.asarray(ids_data)
    if ids_data.dtype.kind not in "iu":
        raise TypeError(
            f"embedding: ids must be integers, got dtype {ids_data.dtype}; cast them first, "
            "e.g. ids.astype('int64')"
        )
    w = weight.data if isinstance(weight, Tensor) else weight
    if w.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_rows, features), got shape "
                         f"{w.shape}")
    n = w.shape[0]
    if ids_data.size:
        lo, hi = int(ids_data.min()), int(ids_data.max())
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise ValueError(
                f"embedding: id {bad} is out of range: ids must be in [0, {n - 1}] for a weight "
                f"of {n} rows (shape {w.shape}); raise input_dim or clip the ids"
            )
    return Embedding.apply(ids_data, weight)


# -- masks -----------------------------------------------------------------------------------------


def causal_mask(lq: int, lk: int | None = None) -> np.ndarray:
    """Boolean ``(lq, lk)`` mask letting query ``i`` attend to keys ``0..i`` (True = attend).

    Aligned at the top-left, as ``torch.nn.functional.scaled_dot_product_attention(is_causal=
    True)`` and Keras's ``use_causal_mask``.

    Example:
        >>> F.causal_mask(3).astype(int)
        array([[1, 0, 0],
               [1, 1, 0],
               [1, 1, 1]])
    """
    lk = lq if lk is None else lk
    return np.tri(int(lq), int(lk), dtype=bool)


def padding_mask(lengths_or_ids, maxlen: int | None = None, pad_id: int | None = None):
    """Boolean mask of the real (non-padding) positions, True = a real token.

    Args:
        lengths_or_ids: either 1-D lengths ``(batch,)`` (then ``maxlen`` gives the width,
            default the largest length), or 2-D token ids ``(batch, seq)`` with ``pad_id``
            marking the padding (default 0, as ``Embedding(mask_zero=True)``).
        maxlen: the sequence width for lengths.
        pad_id: the padding id for token ids.

    Returns:
        ``(batch, seq)`` boolean array. For attention over keys use ``mask[:, None, :]``
        (broadcasts over the queries).

    Example:
        >>> F.padding_mask(np.array([1, 3]), maxlen=3).astype(int)
        array([[1, 0, 0],
               [1, 1, 1]])
    """
    data = lengths_or_ids.data if isinstance(lengths_or_ids, Tensor) else lengths_or_ids
    data = np.asarray(data)
    if data.ndim == 1 and pad_id is None:
        if data.dtype.kind not in "iu":
            raise TypeError(f"padding_mask: lengths must be integers, got dtype {data.dtype}")
        width = int(data.max()) if maxlen is None and data.size else int(maxlen or 0)
        return np.arange(width)[None, :] < data[:, None]
    if data.ndim == 2:
        return data != (0 if pad_id is None else pad_id)
    raise ValueError(
        f"padding_mask: expected lengths (batch,) or token ids (batch, seq), got shape "
        f"{data.shape}"
    )


# -- attention -------------------------------------------------------------------------------------


class ScaledDotProductAttention(Function):
    """``softmax(q @ k^T * scale, masked) @ v`` fused in one Function.

    Forward keeps only the attention weights (and the dropout mask); backward is four batched
    GEMMs plus the softmax Jacobian. Attributes: ``mask`` (bool array broadcastable to
    ``(..., Lq, Lk)`` or None), ``scale``, ``rate`` and ``rng`` (attention dropout),
    ``return_weights``.

    The scores are computed transposed, ``(..., Lk, Lq)``, so the softmax reduces over the
    second-to-last axis, which NumPy vectorises across queries (about 5% faster than reducing
    short contiguous rows). Measured at (32, 4, 64, 32) float32, one core, CPU time: fused
    forward 4.1 ms + backward 4.9 ms; the composite of Functions (matmul, softmax, matmul)
    5.9 ms + 7.6 ms, so the fused primitive earns its place (1.5x).
    """

    def forward(self, q, k, v):
        xp = self.xp
        # scaling q (Lq x d) is cheaper than scaling the scores (Lq x Lk) when d < Lk, and
        # contiguous operands make the batched GEMMs about 1.8x faster than strided views
        qs = xp.multiply(q, q.dtype.type(self.scale), order="C")
        k = xp.ascontiguousarray(k)
        v = xp.ascontiguousarray(v)
        pt = _softmax_keys(xp, k @ xp.swapaxes(qs, -1, -2), self.mask)  # (..., Lk, Lq)
        keep, pdt = _attention_dropout(xp, pt, self.rate, self.rng)
        y = xp.swapaxes(pdt, -1, -2) @ v
        self.save_for_backward(qs, k, v, pt, keep, pdt)
        if self.return_weights:
            return y, xp.swapaxes(pdt, -1, -2)
        return y

    def backward(self, gy, gw=None):
        qs, k, v, pt, keep, pdt = self.saved
        xp = self.xp
        needs = self.needs_grad
        gq = gk = gv = None
        gy = xp.ascontiguousarray(gy)
        if needs[2]:
            gv = unbroadcast(pdt @ gy, v.shape)
        if not (needs[0] or needs[1]):
            return gq, gk, gv
        gst = _scores_grad(xp, v @ xp.swapaxes(gy, -1, -2), gw, pt, keep)
        if needs[0]:
            gq = unbroadcast(xp.swapaxes(gst, -1, -2) @ k, qs.shape)
            gq *= gq.dtype.type(self.scale)
        if needs[1]:
            gk = unbroadcast(gst @ qs, k.shape)
        return gq, gk, gv


def _softmax_keys(xp, st, mask):
    """Softmax of transposed scores ``st`` ``(..., Lk, Lq)`` over the keys (axis -2), in place
    when unmasked; ``mask`` (True = attend) is in ``(..., Lq, Lk)`` order. Query columns with
    no allowed key get zero weights, not NaN."""
    if mask is not None:
        st = xp.where(xp.swapaxes(mask, -1, -2), st, st.dtype.type(-np.inf))
    m = st.max(axis=-2, keepdims=True)
    if mask is not None:
        m[m == -np.inf] = 0  # fully masked columns: exp(-inf - 0) = 0, no inf - inf
    st -= m
    xp.exp(st, out=st)
    denom = _col_sum(xp, st)
    if mask is not None:
        denom[denom == 0] = 1
    st /= denom
    return st


def _attention_dropout(xp, pt, rate, rng):
    """``(keep, dropped)``: the inverted-dropout factors (None without dropout) and the
    weights after dropout."""
    if not rate:
        return None, pt
    u = rng.random(pt.shape, dtype=pt.dtype if pt.dtype in _DRAW_DTYPES else np.float32)
    keep = xp.multiply(u >= rate, pt.dtype.type(1.0 / (1.0 - rate)),
                       out=u if u.dtype == pt.dtype else None)
    return keep, pt * keep


def _scores_grad(xp, gpt, gw, pt, keep):
    """The gradient of the (scaled) transposed scores from ``gpt``, the gradient of the
    weights after dropout, ``(..., Lk, Lq)`` (overwritten), and ``gw``, the gradient of the
    returned weights ``(..., Lq, Lk)`` or None."""
    if gw is not None:
        gpt += xp.swapaxes(gw, -1, -2)
    if keep is not None:
        gpt *= keep
    # softmax Jacobian, per query column: gs = p * (gp - sum_k(gp * p))
    col = _col_sum(xp, gpt * pt)
    gpt -= col
    gpt *= pt
    return gpt


class MultiHeadSDPA(Function):
    """Scaled dot-product attention on heads kept in the feature axis, the layout of the
    projections: ``q`` ``(B, Lq, heads * dk)``, ``k`` ``(B, Lk, heads * dk)``, ``v``
    ``(B, Lk, heads * dv)`` -> ``(B, Lq, heads * dv)``, or one packed self-attention input
    ``(B, L, heads * (2 * dk + dv))`` holding queries, keys and values side by side.

    The heads are split and merged by strided views: the batched GEMMs read the projections in
    place (as fast as contiguous copies here) and write the output, and backward the input
    gradients, straight into the merged layout, so the projections around it need no copies
    and the packed input's gradient is one array. Measured, (32, 64, 3 * 128) float32, one
    core: forward 2.5 -> 1.9 ms, backward 2.9 -> 2.5 ms against ``ScaledDotProductAttention``
    with the head split/merge copies around it.

    Attributes: ``num_heads``, ``key_dim``, ``mask`` (bool, broadcastable to
    ``(B, heads, Lq, Lk)``, or None), ``scale``, ``rate``, ``rng``, ``return_weights`` (then
    the weights ``(B, heads, Lq, Lk)`` are a second output).
    """

    def forward(self, *xs):
        xp = self.xp
        h, dk = self.num_heads, self.key_dim
        if len(xs) == 1:
            (x,) = xs
            b, lq, c = x.shape
            lk, dv = lq, (c - 2 * h * dk) // h
            q, k, v = x[..., :h * dk], x[..., h * dk:2 * h * dk], x[..., 2 * h * dk:]
        else:
            q, k, v = xs
            b, lq = q.shape[:2]
            lk, dv = k.shape[1], v.shape[-1] // h
        self.dims = (b, lq, lk, dv)
        # (B, L, heads * d) -> (B, heads, L, d), views
        q = q.reshape(b, lq, h, dk).transpose(0, 2, 1, 3)
        k = k.reshape(b, lk, h, dk).transpose(0, 2, 1, 3)
        v = v.reshape(b, lk, h, dv).transpose(0, 2, 1, 3)
        # the scaled queries transposed, (B, heads, dk, Lq): OpenBLAS multiplies these small
        # matrices faster untransposed (measured, (32, 4, 64, 32) float32, one core: scores
        # 0.59 -> 0.44 ms, the copy included)
        qst = xp.multiply(xp.swapaxes(q, -1, -2), q.dtype.type(self.scale), order="C")
        pt = _softmax_keys(xp, k @ qst, self.mask)  # (B, heads, Lk, Lq)
        keep, pdt = _attention_dropout(xp, pt, self.rate, self.rng)
        y = xp.empty((b, lq, h, dv), pt.dtype)
        xp.matmul(xp.swapaxes(pdt, -1, -2), v, out=y.transpose(0, 2, 1, 3))
        self.save_for_backward(qst, k, v, pt, keep, pdt)
        y = y.reshape(b, lq, h * dv)
        if self.return_weights:
            return y, xp.swapaxes(pdt, -1, -2)
        return y

    def backward(self, gy, gw=None):
        qst, k, v, pt, keep, pdt = self.saved
        xp = self.xp
        h, dk = self.num_heads, self.key_dim
        b, lq, lk, dv = self.dims
        needs = self.needs_grad
        packed = len(needs) == 1
        gy = gy.reshape(b, lq, h, dv).transpose(0, 2, 1, 3)
        if packed:
            g = xp.empty((b, lq, h * (2 * dk + dv)), gy.dtype)
            gq, gk, gv = g[..., :h * dk], g[..., h * dk:2 * h * dk], g[..., 2 * h * dk:]
        else:
            gq = xp.empty((b, lq, h * dk), gy.dtype) if needs[0] else None
            gk = xp.empty((b, lk, h * dk), gy.dtype) if needs[1] else None
            gv = xp.empty((b, lk, h * dv), gy.dtype) if needs[2] else None
        # each gradient is written through its (B, heads, L, d) view of the merged layout
        if gv is not None:
            xp.matmul(pdt, gy, out=gv.reshape(b, lk, h, dv).transpose(0, 2, 1, 3))
        if gq is not None or gk is not None:
            # v @ gy^T on a transposed copy of gy: OpenBLAS multiplies these small matrices
            # faster untransposed (measured, (32, 4, 64, 32) float32, one core: 0.58 ->
            # 0.42 ms, the copy included)
            gyt = xp.ascontiguousarray(xp.swapaxes(gy, -1, -2))
            gst = _scores_grad(xp, v @ gyt, gw, pt, keep)
            if gq is not None:
                gqh = gq.reshape(b, lq, h, dk).transpose(0, 2, 1, 3)
                xp.matmul(xp.swapaxes(gst, -1, -2), k, out=gqh)
                gqh *= gqh.dtype.type(self.scale)
            if gk is not None:
                qs = xp.ascontiguousarray(xp.swapaxes(qst, -1, -2))  # untransposed, as above
                xp.matmul(gst, qs, out=gk.reshape(b, lk, h, dk).transpose(0, 2, 1, 3))
        if packed:
            return g
        return gq, gk, gv


_ones_cache: dict = {}


def _col_sum(xp, s):
    """``s.sum(-2, keepdims=True)`` as a vector-matrix product with a cached ones vector
    (BLAS's GEMV is several times faster than NumPy's reduction here)."""
    if xp is not np:
        return s.sum(axis=-2, keepdims=True)
    key = (s.shape[-2], s.dtype)
    ones = _ones_cache.get(key)
    if ones is None:
        ones = _ones_cache[key] = np.ones(s.shape[-2], s.dtype)
    return (ones @ s)[..., None, :]


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def scaled_dot_product_attention(q, k, v, mask=None, is_causal: bool = False,
                                 dropout: float = 0.0, training: bool = False, scale=None,
                                 return_weights: bool = False, rng=None):
    """Scaled dot-product attention (Vaswani et al., 2017): ``softmax(q k^T / sqrt(d)) v``.

    Args:
        q: ``(..., Lq, d)`` queries.
        k: ``(..., Lk, d)`` keys.
        v: ``(..., Lk, dv)`` values. Leading dimensions broadcast.
        mask: boolean, broadcastable to ``(..., Lq, Lk)``; **True = attend** (Keras's
            convention; ``torch.nn.functional.scaled_dot_product_attention`` uses the same for
            booleans, ``nn.MultiheadAttention`` the opposite). Rows with no allowed key give
            zero output, not NaN.
        is_causal: also block keys after the query position (top-left aligned).
        dropout: probability of dropping an attention weight, applied when ``training``.
        training: whether dropout is active.
        scale: the factor on ``q k^T``; default ``1 / sqrt(d)``.
        return_weights: also return the attention weights ``(..., Lq, Lk)`` (after dropout).
        rng: generator for the dropout mask (None: neurona's seeded generator).

    Returns:
        ``(..., Lq, dv)``, or ``(output, weights)`` when ``return_weights``.

    Example:
        >>> q = nr.randn(2, 4, 5, 8)                    # (batch, heads, Lq, d)
        >>> F.scaled_dot_product_attention(q, q, q, is_causal=True).shape
        (2, 4, 5, 8)
    """
    qd, kd, vd = _data(q), _data(k), _data(v)
    for name, a in (("q", qd), ("k", kd), ("v", vd)):
        if getattr(a, "ndim", 0) < 2 or a.dtype.kind != "f":
            raise ValueError(
                f"scaled_dot_product_attention: {name} must be a floating-point array with at "
                f"least 2 dimensions (..., L, d), got {getattr(a, 'shape', type(a).__name__)} "
                f"{getattr(a, 'dtype', '')}"
            )
    if qd.shape[-1] != kd.shape[-1] or kd.shape[-2] != vd.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention: expected q (..., Lq, d), k (..., Lk, d), "
            f"v (..., Lk, dv), got q {qd.shape}, k {kd.shape}, v {vd.shape}"
        )
    lq, lk = qd.shape[-2], kd.shape[-2]
    xp = backend.get_array_module(qd)
    mask, rate, rng = _options("scaled_dot_product_attention", xp, mask, is_causal,
                               qd.shape[:-2] + (lq, lk), "(..., Lq, Lk)", dropout, training,
                               rng)
    if scale is None:
        scale = 1.0 / math.sqrt(qd.shape[-1])
    return ScaledDotProductAttention.apply(q, k, v, mask=mask, scale=float(scale), rate=rate,
                                           rng=rng, return_weights=bool(return_weights))


def _options(who, xp, mask, is_causal, target, names, dropout, training, rng):
    """The checked boolean mask (``is_causal`` folded in), the dropout rate in force and its
    generator, for an attention of scores shaped ``target`` (described as ``names``)."""
    if mask is not None:
        mask = xp.asarray(_data(mask))
        if mask.dtype != bool:
            raise TypeError(f"{who}: mask must be boolean (True = attend), got dtype "
                            f"{mask.dtype}; use mask.astype(bool)")
        if mask.ndim < 2:  # a key mask (Lk,): the same for every query
            mask = mask.reshape((1,) * (2 - mask.ndim) + mask.shape)
        try:
            ok = mask.ndim <= len(target) and np.broadcast_shapes(mask.shape, target) == target
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{who}: mask of shape {mask.shape} does not broadcast to "
                             f"{names} = {target}")
    if is_causal:
        causal = xp.asarray(causal_mask(*target[-2:]))
        mask = causal if mask is None else mask & causal
    if not 0.0 <= float(dropout) < 1.0:
        raise ValueError(f"{who}: dropout must be in [0, 1), got {dropout}")
    rate = float(dropout) if training else 0.0
    if rate and rng is None:
        rng = backend.rng(xp)
    return mask, rate, rng


def multi_head_attention(q, k=None, v=None, *, num_heads: int, key_dim: int | None = None,
                         mask=None, is_causal: bool = False, dropout: float = 0.0,
                         training: bool = False, scale=None, return_weights: bool = False,
                         rng=None):
    """Scaled dot-product attention per head, on heads kept in the feature axis (the layout of
    the query/key/value projections): the core of multi-head attention, without the
    projections.

    Head ``i`` uses features ``i * d : (i + 1) * d`` of each input. Either ``q``, ``k`` and
    ``v`` are given, or only ``q`` as the packed self-attention projection
    ``[queries | keys | values]`` (one GEMM for the three; then ``key_dim`` is required).

    Args:
        q: ``(batch, Lq, num_heads * dk)`` queries, or ``(batch, L, num_heads * (2 * dk + dv))``
            packed queries, keys and values when ``k`` and ``v`` are None.
        k: ``(batch, Lk, num_heads * dk)`` keys.
        v: ``(batch, Lk, num_heads * dv)`` values.
        num_heads: the number of heads.
        key_dim: ``dk``, the size of each query/key head (default: inferred from ``q``).
        mask: boolean, broadcastable to ``(batch, num_heads, Lq, Lk)``; True = attend. Rows
            with no allowed key give zero output, not NaN.
        is_causal: also block keys after the query position (top-left aligned).
        dropout: probability of dropping an attention weight, applied when ``training``.
        training: whether dropout is active.
        scale: the factor on ``q k^T``; default ``1 / sqrt(dk)``.
        return_weights: also return the attention weights ``(batch, num_heads, Lq, Lk)``
            (after dropout).
        rng: generator for the dropout mask (None: neurona's seeded generator).

    Returns:
        ``(batch, Lq, num_heads * dv)``, or ``(output, weights)`` when ``return_weights``.

    Raises:
        ValueError: for inputs that are not 3-D floating point, feature sizes that do not
            split into ``num_heads`` heads, mismatched batch or key/value lengths, or a mask
            that does not broadcast.

    Example:
        >>> qkv = nr.randn(2, 10, 3 * 64)                   # 4 heads of 16, packed
        >>> F.multi_head_attention(qkv, num_heads=4, key_dim=16, is_causal=True).shape
        (2, 10, 64)
    """
    who = "multi_head_attention"
    if isinstance(num_heads, bool) or not isinstance(num_heads, (int, np.integer)) or \
            num_heads <= 0:
        raise ValueError(f"{who}: num_heads must be a positive integer, got {num_heads!r}")
    h = int(num_heads)
    packed = k is None and v is None
    if not packed and (k is None or v is None):
        raise ValueError(f"{who}: give q, k and v, or only the packed q (k=None, v=None)")
    arrays = (("q", _data(q)),) if packed else (("q", _data(q)), ("k", _data(k)),
                                                 ("v", _data(v)))
    for name, a in arrays:
        if getattr(a, "ndim", 0) != 3 or a.dtype.kind != "f":
            raise ValueError(
                f"{who}: {name} must be a 3-D floating-point array (batch, L, features), got "
                f"{getattr(a, 'shape', type(a).__name__)} {getattr(a, 'dtype', '')}"
            )
    qd = arrays[0][1]
    if packed:
        if key_dim is None:
            raise ValueError(f"{who}: the packed form (k=None, v=None) needs key_dim")
        dk = int(key_dim)
        rest = qd.shape[-1] - 2 * h * dk
        if dk <= 0 or rest <= 0 or rest % h:
            raise ValueError(
                f"{who}: packed q has {qd.shape[-1]} features, which do not split into "
                f"num_heads={h} query and key heads of key_dim={key_dim} plus value heads "
                f"(expected num_heads * (2 * key_dim + value_dim))"
            )
        lq = lk = qd.shape[1]
        inputs = (q,)
    else:
        kd, vd = arrays[1][1], arrays[2][1]
        dk = qd.shape[-1] // h if key_dim is None else int(key_dim)
        if qd.shape[-1] != h * dk or kd.shape[-1] != h * dk or vd.shape[-1] % h or \
                kd.shape[:2] != vd.shape[:2] or qd.shape[0] != kd.shape[0]:
            raise ValueError(
                f"{who}: expected q (batch, Lq, {h} * dk), k (batch, Lk, {h} * dk), v (batch, "
                f"Lk, {h} * dv) with num_heads={h}, got q {qd.shape}, k {kd.shape}, "
                f"v {vd.shape}"
            )
        lq, lk = qd.shape[1], kd.shape[1]
        inputs = (q, k, v)
    xp = backend.get_array_module(qd)
    mask, rate, rng = _options(who, xp, mask, is_causal, (qd.shape[0], h, lq, lk),
                               "(batch, num_heads, Lq, Lk)", dropout, training, rng)
    if scale is None:
        scale = 1.0 / math.sqrt(dk)
    return MultiHeadSDPA.apply(*inputs, num_heads=h, key_dim=dk, mask=mask, scale=float(scale),
                               rate=rate, rng=rng, return_weights=bool(return_weights))
