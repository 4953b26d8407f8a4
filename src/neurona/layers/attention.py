"""Attention layers: ``Attention`` (Luong), ``AdditiveAttention`` (Bahdanau) and
``MultiHeadAttention`` (Vaswani et al.), with Keras 3's arguments, call signatures and weights.

Masks follow Keras: boolean, True = attend / a real time step. A mask carried by an input
(``Embedding(mask_zero=True)``, ``Masking``) is used automatically.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend, constraints, initializers, regularizers
from .. import functions as F
from ..functions import attention as FA
from ..tensor import Tensor
from .base import Layer
from .core import _ser

__all__ = ["Attention", "AdditiveAttention", "MultiHeadAttention"]


def _seed(who: str, seed):
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{who}: seed must be None or a non-negative integer, got {seed!r}")
    return int(seed)


def _rate(who: str, rate) -> float:
    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.number)) or \
            not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"{who}: dropout must be a number in [0, 1), got {rate!r}")
    return float(rate)


def _tensor(x, dtype) -> Tensor:
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    if arr.dtype.kind == "f" and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return Tensor._make(arr, None)


def _bool(mask):
    if mask is None:
        return None
    data = mask.data if isinstance(mask, Tensor) else mask
    dtype = getattr(data, "dtype", None)
    return data if dtype is not None and dtype.kind == "b" else np.asarray(data).astype(bool)


def _broadcasts(shape, target) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


class _Seeded:
    """Own generator when a seed is given, neurona's otherwise."""

    def _rng(self, xp):
        if self.seed is None:
            return backend.rng(xp)
        gen = self._generators.get(xp.__name__)
        if gen is None:
            gen = self._generators[xp.__name__] = xp.random.default_rng(self.seed)
        return gen


# -- Luong / Bahdanau ----------------------------------------------------------------------------


class _BaseDenseAttention(_Seeded, Layer):
    supports_masking = True

    def __init__(self, dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.dropout = _rate(type(self).__name__, dropout)
        self.seed = _seed(type(self).__name__, seed)
        self._generators = {}

    def _split(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects a list [query, value] or [query, "
                f"value, key], got {type(inputs).__name__}"
                + (f" of length {len(inputs)}" if isinstance(inputs, (list, tuple)) else "")
            )
        q = _tensor(inputs[0], self.dtype)
        v = _tensor(inputs[1], self.dtype)
        k = _tensor(inputs[2], self.dtype) if len(inputs) == 3 else v
        for name, t in (("query", q), ("value", v), ("key", k)):
            if t.ndim != 3:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}' expects {name} of shape (batch, steps, "
                    f"features), got {t.shape}"
                )
        if k.shape[1] != v.shape[1]:
            raise ValueError(f"{type(self).__name__} '{self.name}': key and value need the same "
                             f"number of steps, got {k.shape} and {v.shape}")
        return q, v, k

    def build(self, input_shape):
        pass

    def _scores(self, q, k):
        raise NotImplementedError

    def call(self, inputs, mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        q, v, k = self._split(inputs)
        if not self._built_weights:
            self._build_weights(q.shape, k.shape)
        q_mask = v_mask = None
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(f"{type(self).__name__} '{self.name}': mask must be a list "
                                 "[query_mask, value_mask]")
            q_mask = _bool(mask[0])
            v_mask = _bool(mask[1]) if len(mask) > 1 else None
        scores = self._scores(q, k)  # (batch, Tq, Tv)
        blocked = None
        if v_mask is not None:
            blocked = ~v_mask[:, None, :]
        if use_causal_mask:
            causal = ~FA.causal_mask(scores.shape[-2], scores.shape[-1])[None]
            blocked = causal if blocked is None else blocked | causal
        if blocked is not None:
            # Keras's additive mask: a large negative score, so fully masked rows stay finite
            big = 65504.0 if scores.dtype == np.float16 else 1.0e9
            scores = scores - Tensor._make((blocked * big).astype(scores.dtype), None)
        weights = F.softmax(scores, axis=-1)
        if training and self.dropout:
            weights = F.dropout(weights, self.dropout, rng=self._rng(
                backend.get_array_module(weights.data)))
        out = F.matmul(weights, v)
        if q_mask is not None:
            out = out * Tensor._make(q_mask[..., None].astype(out.dtype), None)
        if return_attention_scores:
            return out, weights
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)) and mask:
            return mask[0]
        return None

    def get_config(self) -> dict:
        return {**super().get_config(), "dropout": self.dropout, "seed": self.seed}


class Attention(_BaseDenseAttention):
    """Dot-product (Luong) attention: ``softmax(query @ key^T) @ value``.

    Args:
        use_scale: learn a scalar ``scale`` multiplying the scores.
        score_mode: ``"dot"`` (``q . k``) or ``"concat"`` (``sum(tanh(q + k))``, times a learned
            ``concat_score_weight``).
        dropout: on the attention weights, in training.
        seed: seed of the dropout generator.

    Call: ``layer([query, value(, key)], mask=[query_mask, value_mask],
    return_attention_scores=False, training=None, use_causal_mask=False)``; query
    ``(batch, Tq, dim)``, value ``(batch, Tv, dim)`` -> ``(batch, Tq, dim)`` (and scores
    ``(batch, Tq, Tv)``). Masked keys get a score of -1e9, as in Keras.

    Example:
        >>> q, v = nr.randn(2, 3, 8), nr.randn(2, 5, 8)
        >>> nr.layers.Attention()([q, v]).shape
        (2, 3, 8)
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(dropout=dropout, seed=seed, **kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"Attention: score_mode must be 'dot' or 'concat', got "
                             f"{score_mode!r}")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.scale = self.concat_score_weight = None
        self._built_weights = False

    def _build_weights(self, q_shape, k_shape):
        if self.use_scale:
            self.scale = self.add_weight("scale", (), "ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight("concat_score_weight", (), "ones")
        self._built_weights = True

    def _scores(self, q, k):
        if q.shape[-1] != k.shape[-1]:
            raise ValueError(f"Attention '{self.name}': query and key need the same features, "
                             f"got {q.shape} and {k.shape}")
        if self.score_mode == "dot":
            scores = F.matmul(q, F.swapaxes(k, -1, -2))
            return scores * self.scale if self.scale is not None else scores
        summed = F.unsqueeze(q, -2) + F.unsqueeze(k, -3)  # (batch, Tq, Tv, dim)
        if self.scale is not None:
            summed = summed * self.scale
        return self.concat_score_weight * F.sum(F.tanh(summed), axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode}


class AdditiveAttention(_BaseDenseAttention):
    """Additive (Bahdanau) attention: scores ``sum(scale * tanh(query_i + key_j))``.

    Args:
        use_scale: learn the ``scale`` vector ``(dim,)`` (else it is all ones).
        dropout: on the attention weights, in training.

    Call and shapes as :class:`Attention`.

    Example:
        >>> q, v = nr.randn(2, 3, 8), nr.randn(2, 5, 8)
        >>> nr.layers.AdditiveAttention()([q, v]).shape
        (2, 3, 8)
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(dropout=dropout, **kwargs)
        self.use_scale = bool(use_scale)
        self.scale = None
        self._built_weights = False

    def _build_weights(self, q_shape, k_shape):
        if self.use_scale:
            self.scale = self.add_weight("scale", (q_shape[-1],), "glorot_uniform")
        self._built_weights = True

    def _scores(self, q, k):
        if q.shape[-1] != k.shape[-1]:
            raise ValueError(f"AdditiveAttention '{self.name}': query and key need the same "
                             f"features, got {q.shape} and {k.shape}")
        t = F.tanh(F.unsqueeze(q, -2) + F.unsqueeze(k, -3))  # (batch, Tq, Tv, dim)
        if self.scale is not None:
            t = t * self.scale
        return F.sum(t, axis=-1)

    def get_config(self) -> dict:
        return {**super().get_config(), "use_scale": self.use_scale}


# -- multi-head ----------------------------------------------------------------------------------


def _flat(kernel):
    """A projection kernel ``(d, heads, k)`` as the matrix ``(d, heads * k)``."""
    d, heads, k = kernel.shape
    return F.reshape(kernel, (d, heads * k))


def _flat_bias(bias):
    return None if bias is None else F.reshape(bias, (bias.shape[0] * bias.shape[1],))


class MultiHeadAttention(_Seeded, Layer):
    """Multi-head attention (Vaswani et al., 2017), Keras 3's layer.

    Each head projects query, key and value (``query_kernel`` ``(q_dim, heads, key_dim)``...),
    runs scaled dot-product attention, and the heads are merged by ``output_kernel``
    ``(heads, value_dim, out_dim)``. Weights, in order: query kernel/bias, key kernel/bias,
    value kernel/bias, output kernel/bias (biases ``(heads, key_dim)``, ``(heads, value_dim)``,
    ``(out_dim,)``).

    Args:
        num_heads: number of heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default ``key_dim``).
        dropout: on the attention weights, in training.
        use_bias: whether the projections have biases.
        output_shape: the last dimension of the output (default: the query's).
        attention_axes: only None (attention over the steps axis, -2) is supported.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as in ``Dense``.
        seed: seed of the dropout generator.

    Call: ``layer(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
    attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False)``.
    query ``(batch, Tq, q_dim)``, value ``(batch, Tv, v_dim)``, key ``(batch, Tv, k_dim)``
    (default: value); masks are boolean, True = attend: ``attention_mask`` ``(batch, Tq, Tv)``,
    ``query_mask`` ``(batch, Tq)``, ``value_mask``/``key_mask`` ``(batch, Tv)`` (taken from the
    inputs' Keras masks when not given). Returns ``(batch, Tq, out_dim)`` and, with
    ``return_attention_scores``, the weights ``(batch, heads, Tq, Tv)``. Query rows with no
    allowed key attend to nothing (zero weights).

    Example:
        >>> mha = nr.layers.MultiHeadAttention(num_heads=4, key_dim=16)
        >>> x = nr.randn(2, 10, 64)
        >>> mha(x, x, use_causal_mask=True).shape
        (2, 10, 64)
    """

    supports_masking = True

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        who = "MultiHeadAttention"
        for name, value in (("num_heads", num_heads), ("key_dim", key_dim),
                            ("value_dim", key_dim if value_dim is None else value_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"{who}: {name} must be a positive integer, got {value!r}")
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.value_dim = int(key_dim if value_dim is None else value_dim)
        self.dropout = _rate(who, dropout)
        self.use_bias = bool(use_bias)
        if output_shape is not None:
            dims = (output_shape,) if isinstance(output_shape, (int, np.integer)) else \
                tuple(output_shape)
            if len(dims) != 1 or isinstance(dims[0], bool) or int(dims[0]) <= 0:
                raise ValueError(f"{who}: output_shape must be a positive int (the output's last "
                                 f"dimension) or None, got {output_shape!r}")
            output_shape = int(dims[0])
        self._output_dim_arg = output_shape
        if attention_axes is not None and tuple(np.atleast_1d(attention_axes)) not in ((-2,),):
            raise ValueError(
                f"{who}: only attention over the steps axis is supported (attention_axes=None "
                f"or -2), got attention_axes={attention_axes!r}; reshape the inputs to "
                "(batch, steps, features) instead"
            )
        self.attention_axes = None
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.seed = _seed(who, seed)
        self._generators = {}
        self._built_weights = False
        self.query_kernel = self.query_bias = self.key_kernel = self.key_bias = None
        self.value_kernel = self.value_bias = self.output_kernel = self.output_bias = None

    def build(self, input_shape):
        pass  # the weights need the value's shape too: built on the first call

    def _add(self, name, shape, kernel):
        return self.add_weight(
            name, shape, self.kernel_initializer if kernel else self.bias_initializer,
            regularizer=self.kernel_regularizer if kernel else self.bias_regularizer,
            constraint=self.kernel_constraint if kernel else self.bias_constraint)

    def _build_weights(self, q_dim, k_dim, v_dim):
        h, dk, dv = self.num_heads, self.key_dim, self.value_dim
        out = self._output_dim_arg or q_dim
        self.query_kernel = self._add("query_kernel", (q_dim, h, dk), True)
        if self.use_bias:
            self.query_bias = self._add("query_bias", (h, dk), False)
        self.key_kernel = self._add("key_kernel", (k_dim, h, dk), True)
        if self.use_bias:
            self.key_bias = self._add("key_bias", (h, dk), False)
        self.value_kernel = self._add("value_kernel", (v_dim, h, dv), True)
        if self.use_bias:
            self.value_bias = self._add("value_bias", (h, dv), False)
        self.output_kernel = self._add("output_kernel", (h, dv, out), True)
        if self.use_bias:
            self.output_bias = self._add("output_bias", (out,), False)
        self._built_weights = True

    def _check(self, name, t, expected_dim):
        if t.ndim != 3:
            raise ValueError(f"MultiHeadAttention '{self.name}' expects {name} of shape (batch, "
                             f"steps, features), got {t.shape}")
        if expected_dim is not None and t.shape[-1] != expected_dim:
            raise ValueError(
                f"MultiHeadAttention '{self.name}' was built for {name} with last dimension "
                f"{expected_dim}, got shape {t.shape}"
            )

    def call(self, query, value=None, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if value is None:
            raise TypeError(f"MultiHeadAttention '{self.name}' needs value: call it as "
                            "layer(query, value) (layer(x, x) for self-attention)")
        dtype = self.dtype
        q_in = query
        v_in = _tensor(value, dtype)
        k_in = v_in if key is None else _tensor(key, dtype)
        if not self._built_weights:
            for name, t in (("query", q_in), ("value", v_in), ("key", k_in)):
                self._check(name, t, None)
            self._build_weights(q_in.shape[-1], k_in.shape[-1], v_in.shape[-1])
        self._check("query", q_in, self.query_kernel.shape[0])
        self._check("key", k_in, self.key_kernel.shape[0])
        self._check("value", v_in, self.value_kernel.shape[0])
        if k_in.shape[1] != v_in.shape[1] or k_in.shape[0] != v_in.shape[0] or \
                q_in.shape[0] != v_in.shape[0]:
            raise ValueError(f"MultiHeadAttention '{self.name}': query, key and value need the "
                             f"same batch and key/value the same steps, got query {q_in.shape}, "
                             f"key {k_in.shape}, value {v_in.shape}")
        mask = self._attention_mask(q_in, v_in, k_in, query_mask, value_mask, key_mask,
                                    attention_mask, use_causal_mask)
        h, dk = self.num_heads, self.key_dim
        rate = self.dropout if training else 0.0
        rng = self._rng(backend.get_array_module(v_in.data)) if rate else None
        if query is value and k_in is v_in:
            # self-attention: one GEMM against the three kernels side by side (fewer, larger
            # products; one gradient for the input instead of three). The weights stay three,
            # in Keras's layout; the concatenation passes each its slice of the gradient.
            kernel = F.concat([_flat(self.query_kernel), _flat(self.key_kernel),
                               _flat(self.value_kernel)], axis=1)
            bias = None if not self.use_bias else F.concat(
                [_flat_bias(self.query_bias), _flat_bias(self.key_bias),
                 _flat_bias(self.value_bias)], axis=0)
            inputs = (F.linear(q_in, kernel, bias),)
        else:
            inputs = (F.linear(q_in, _flat(self.query_kernel), _flat_bias(self.query_bias)),
                      F.linear(k_in, _flat(self.key_kernel), _flat_bias(self.key_bias)),
                      F.linear(v_in, _flat(self.value_kernel), _flat_bias(self.value_bias)))
        # (batch, Tq, heads * value_dim), heads merged, ready for the output projection
        out = FA.multi_head_attention(
            *inputs, num_heads=h, key_dim=dk, mask=None if mask is None else mask[:, None],
            scale=1.0 / math.sqrt(dk), dropout=rate, training=bool(rate),
            return_weights=return_attention_scores, rng=rng)
        scores = None
        if return_attention_scores:
            out, scores = out
        heads, dv, d_out = self.output_kernel.shape
        out = F.linear(out, F.reshape(self.output_kernel, (heads * dv, d_out)), self.output_bias)
        if return_attention_scores:
            return out, scores
        return out

    def _attention_mask(self, q, v, k, query_mask, value_mask, key_mask, attention_mask,
                        use_causal_mask):
        """Keras's combination: the inputs' own masks, the explicit ones and the causal one,
        as one boolean (batch, Tq, Tv) array (or None)."""
        query_mask = _bool(q._keras_mask if query_mask is None else query_mask)
        value_mask = _bool(v._keras_mask if value_mask is None else value_mask)
        key_mask = _bool(k._keras_mask if key_mask is None else key_mask)
        b, tq, tv = q.shape[0], q.shape[1], v.shape[1]
        mask = None
        parts = []
        if query_mask is not None:
            parts.append(("query_mask", query_mask, (b, tq), query_mask[:, :, None]))
        if value_mask is not None:
            parts.append(("value_mask", value_mask, (b, tv), value_mask[:, None, :]))
        if key_mask is not None:
            parts.append(("key_mask", key_mask, (b, tv), key_mask[:, None, :]))
        if attention_mask is not None:
            am = _bool(attention_mask)
            parts.append(("attention_mask", am, (b, tq, tv), am))
        for name, raw, shape, expanded in parts:
            if raw.shape != shape and not (name == "attention_mask" and raw.ndim == 3 and
                                           _broadcasts(raw.shape, shape)):
                raise ValueError(
                    f"MultiHeadAttention '{self.name}': {name} must have shape {shape}, got "
                    f"{raw.shape}"
                )
            mask = expanded if mask is None else mask & expanded
        if use_causal_mask:
            causal = FA.causal_mask(tq, tv)[None]
            mask = causal if mask is None else mask & causal
        return mask

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        out = self._output_dim_arg or query_shape[-1]
        return tuple(query_shape[:-1]) + (out,)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": self._output_dim_arg,
            "attention_axes": self.attention_axes,
            "kernel_initializer": _ser(self.kernel_initializer, initializers),
            "bias_initializer": _ser(self.bias_initializer, initializers),
            "kernel_regularizer": _ser(self.kernel_regularizer, regularizers),
            "bias_regularizer": _ser(self.bias_regularizer, regularizers),
            "activity_regularizer": _ser(self.activity_regularizer, regularizers),
            "kernel_constraint": _ser(self.kernel_constraint, constraints),
            "bias_constraint": _ser(self.bias_constraint, constraints),
            "seed": self.seed,
        }

