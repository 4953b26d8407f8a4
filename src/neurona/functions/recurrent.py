"""Recurrent sequence ops: ``simple_rnn``, ``lstm`` and ``gru``, each a whole sequence in one
Function (DESIGN §4).

The forward pass is a Python loop over time with one GEMM per step into preallocated buffers;
the backward pass runs backpropagation through time in the same Function and finishes with one
GEMM per weight over the stacked steps. LSTM and GRU run feature-major: states ``(u, batch)``
and a step's gates ``(gates * u, batch)``, so each gate is a contiguous block of rows and every
elementwise op is one flat pass (NumPy walks a gate stored as a column block of ``(batch,
gates * u)`` row by row, 1.5-3x slower at these sizes); their gate derivatives are computed per
step inside the BPTT loop, and under ``no_grad`` one gate tile serves every step. The per-step
buffers come from a pool and are reused by later calls once the Function is freed. Forward and
backward run with NumPy's BLAS on neurona's threads (:func:`neurona.parallel.threaded`): the
per-step products are what threads speed up here, and OpenBLAS hands them to its threads far
faster than a Python pool could (measured, LSTM batch 64 x 50 steps x 128 units, 2 threads:
the batch split across a pool measured 0.63-0.75x PyTorch's training step, BLAS's threads
0.82-0.98x). Weights use Keras's layouts:

- SimpleRNN: kernel ``(in, u)``, recurrent_kernel ``(u, u)``, bias ``(u,)``.
- LSTM: kernel ``(in, 4u)``, recurrent_kernel ``(u, 4u)``, bias ``(4u,)``; gates ``i, f, c, o``.
- GRU: kernel ``(in, 3u)``, recurrent_kernel ``(u, 3u)``; gates ``z, r, h``; bias ``(2, 3u)``
  (input and recurrent biases) with ``reset_after=True`` (PyTorch's formulation), ``(3u,)``
  with ``reset_after=False``.

The gates use Keras's default activations, fused: ``tanh`` for candidates and outputs and
``sigmoid`` for the recurrent gates (computed as ``0.5 * tanh(x / 2) + 0.5``, so one ``tanh``
call covers all gates and nothing overflows). Other activations are available through the
layers' cell loop (``neurona.layers.recurrent``), which composes ordinary functions.

Masks follow Keras: ``mask`` is ``(batch, time)`` boolean; at a masked step the state keeps its
previous value and the output repeats the previous output (zeros before the first unmasked
step), or is zero with ``zero_output_for_mask=True``.
"""

from __future__ import annotations

import numpy as np

from .. import parallel
from ..autograd import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .linalg import _sum_rows

__all__ = ["simple_rnn", "lstm", "gru"]

_SIMPLE_ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")

class _Pool:
    """Scratch arrays reused from call to call, by shape and dtype.

    Fresh large arrays cost a page fault per 4 KiB on first touch; measured on an LSTM training
    step (batch 64, 50 steps, 128 units), that took as long as the step's elementwise
    arithmetic. A Function takes its buffers here and gives them back when it is freed, when
    nothing can read its saved arrays any more.
    """

    def __init__(self, per_key: int = 2, keys: int = 64):
        self.free: dict = {}
        self.per_key = per_key
        self.keys = keys

    def take(self, xp, shape, dtype):
        stack = self.free.get((xp.ndarray, shape, dtype))
        if stack:
            try:
                return stack.pop()
            except IndexError:  # another thread took the last one
                pass
        return xp.empty(shape, dtype)

    def give(self, arrays) -> None:
        free = self.free
        for a in arrays:
            key = (type(a), a.shape, a.dtype)
            stack = free.get(key)
            if stack is None:
                if len(free) >= self.keys:  # forget the oldest shapes (variable lengths)
                    del free[next(iter(free))]
                stack = free[key] = []
            if len(stack) < self.per_key:
                stack.append(a)


_POOL = _Pool()


class _Pooled:
    """Buffers from the pool for a Function's forward pass, returned when it is freed."""

    __slots__ = ()

    def buffer(self, shape, dtype):
        a = _POOL.take(self.xp, shape, dtype)
        ws = self.__dict__.get("_ws")
        if ws is None:
            self._ws = ws = []
        ws.append(a)
        return a

    def __del__(self):
        ws = self.__dict__.get("_ws")
        if ws and _POOL is not None:
            _POOL.give(ws)


def _transposed(xp, w):
    """A contiguous ``w.T`` in a pooled buffer: BLAS is faster on it than on the strided view."""
    out = _POOL.take(xp, w.shape[::-1], w.dtype)
    out[...] = w.T
    return out


def _time_major(fn, x, go_backwards):
    """``x`` as a contiguous ``(time, batch, features)`` buffer in processing order."""
    if go_backwards:
        x = x[:, ::-1]
    xt = fn.buffer((x.shape[1], x.shape[0], x.shape[2]), x.dtype)
    xt[...] = x.transpose(1, 0, 2)
    return xt


def _mask_arrays(xp, mask, go_backwards, dtype):
    """``(time, batch, 1)`` boolean, float and complement arrays, or None when nothing is
    masked (the fast path)."""
    if mask is None:
        return None
    if go_backwards:
        mask = mask[:, ::-1]
    m = xp.ascontiguousarray(mask.T)[:, :, None]
    if m.all():
        return None
    mf = m.astype(dtype)
    return m, mf, 1 - mf


def _outputs_from(xp, hs, hn, masks, zero_output):
    """The output sequence ``(batch, time, u)`` from the states ``hs`` ``(time + 1, batch, u)``
    and, with a mask, the unmasked new states ``hn``."""
    if masks is None:  # always a copy: hs is a pooled buffer
        return hs[1:].transpose(1, 0, 2).copy(order="C")
    m, mf, _ = masks
    if zero_output:
        out = hn * mf
    else:  # repeat the last unmasked output; zeros before the first one
        out = xp.empty_like(hn)
        prev = xp.zeros_like(hn[0])
        for t in range(hn.shape[0]):
            out[t] = prev
            xp.copyto(out[t], hn[t], where=m[t])
            prev = out[t]
    return xp.ascontiguousarray(out.transpose(1, 0, 2))


def _output(xp, hs, hn, masks, fn):
    """The Function's first output: the sequence ``(batch, time, u)``, or only its last step
    ``(batch, u)`` when ``fn.sequences`` is False (the sequence is then never built)."""
    if fn.sequences:
        return _outputs_from(xp, hs, hn, masks, fn.zero_output)
    if masks is None:
        return hs[-1].copy()
    return _outputs_from(xp, hs, hn, masks, fn.zero_output)[:, -1].copy()


def _time_major_grad(xp, gy, dh, masks, fn):
    """The output gradient as ``(time, batch, u)`` for the BPTT loop, or None when it only
    reaches the last step (then it is added to ``dh`` here)."""
    if fn.sequences:
        return gy.transpose(1, 0, 2)
    if masks is None:
        dh += gy
        return None
    t_len = masks[0].shape[0]
    full = xp.zeros((t_len,) + gy.shape, gy.dtype)
    full[-1] = gy
    return full


def _feature_major_carries(xp, fn, gy, gh, masks):
    """The BPTT loop's start in the feature-major layout: the state gradient ``dh`` ``(u,
    batch)`` from ``gh``; the output gradient per step ``(time, u, batch)``, or None when it
    reaches only the last step (it is then added to ``dh``); the masks as ``(time, 1, batch)``;
    and the output carry for ``_split_output_grad`` (None without a mask)."""
    dh = gh.T.copy()
    if fn.sequences:
        gyt = xp.ascontiguousarray(gy.transpose(1, 2, 0))
    elif masks is None:
        dh += gy.T
        gyt = None
    else:
        gyt = xp.zeros((masks[0].shape[0],) + dh.shape, dh.dtype)
        gyt[-1] = gy.T
    dy = None
    if masks is not None:
        masks = tuple(a.transpose(0, 2, 1) for a in masks)
        dy = xp.zeros_like(dh)
    return dh, gyt, masks, dy


def _split_output_grad(xp, dh, gy_t, masks, t, zero_output, dy):
    """Gradient reaching the new (unmasked) state of step ``t`` under a mask; updates the state
    carry ``dh`` and the output carry ``dy`` in place."""
    _, mf, nm = masks
    if zero_output:
        dhn = (dh + gy_t) * mf[t]
    else:
        dy += gy_t
        dhn = (dh + dy) * mf[t]
        dy *= nm[t]
    dh *= nm[t]
    return dhn


def _input_grads(self, xt, kernel, dxw, go_backwards):
    """Gradients of ``x`` and ``kernel`` from the stacked pre-activation gradient ``dxw``
    ``(time * batch, gates)``."""
    gx = gk = None
    t, b, f = xt.shape
    if self.needs_grad[0]:
        gx = (dxw @ kernel.T).reshape(t, b, f).transpose(1, 0, 2)
        if go_backwards:
            gx = gx[:, ::-1]
        gx = self.xp.ascontiguousarray(gx)
    if self.needs_grad[1]:
        gk = xt.reshape(t * b, f).T @ dxw
    return gx, gk


def _check_inputs(op, x, kernel, recurrent_kernel, bias, h0, c0, mask, gates, bias_shapes):
    if x.ndim != 3:
        shape = getattr(x, "shape", None)
        raise ValueError(f"{op}: x must be a 3-D tensor (batch, time, features), got shape "
                         f"{shape}")
    b, t, f = x.shape
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: x must be floating point, got dtype {x.dtype}; convert it "
                        "first, e.g. x.astype('float32')")
    rk = recurrent_kernel.shape
    if len(rk) != 2 or rk[1] != gates * rk[0]:
        raise ValueError(f"{op}: recurrent_kernel must have shape (units, {gates} * units), got "
                         f"{rk}")
    u = rk[0]
    if tuple(kernel.shape) != (f, gates * u):
        raise ValueError(f"{op}: kernel must have shape (features, {gates} * units) = "
                         f"({f}, {gates * u}) for x of shape {x.shape} and units {u}, got "
                         f"{tuple(kernel.shape)}")
    if bias is not None and tuple(bias.shape) not in bias_shapes(u):
        expected = " or ".join(str(s) for s in bias_shapes(u))
        raise ValueError(f"{op}: bias must have shape {expected}, got {tuple(bias.shape)}")
    for name, s in (("h0", h0), ("c0", c0)):
        if s is not None and tuple(s.shape) != (b, u):
            raise ValueError(f"{op}: {name} must have shape (batch, units) = ({b}, {u}), got "
                             f"{tuple(s.shape)}")
    for name, w in (("kernel", kernel), ("recurrent_kernel", recurrent_kernel), ("bias", bias),
                    ("h0", h0), ("c0", c0)):
        if w is not None and w.dtype != x.dtype:
            raise TypeError(f"{op}: {name} has dtype {w.dtype} but x has dtype {x.dtype}; "
                            "cast one of them so they match")
    if mask is not None:
        mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
        if mask.shape != (b, t):
            raise ValueError(f"{op}: mask must have shape (batch, time) = ({b}, {t}), got "
                             f"{mask.shape}")
        mask = mask.astype(bool, copy=False)
    return mask


def _zeros_state(x, u):
    return Tensor._make(x.xp.zeros((x.shape[0], u), x.dtype), None)


def _as_tensor(a):
    if a is None or isinstance(a, Tensor):
        return a
    return Tensor._make(np.asarray(a), None)


# -- SimpleRNN ----------------------------------------------------------------------------------


class SimpleRNN(_Pooled, Function):
    """``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)`` over a whole
    sequence. Inputs ``x, kernel, recurrent_kernel, bias (or None), h0``; outputs the sequence
    ``(batch, time, u)`` and the final state ``(batch, u)``."""

    @parallel.threaded
    def forward(self, x, kernel, recurrent_kernel, bias, h0):
        xp = self.xp
        go_backwards = self.go_backwards
        xt = _time_major(self, x, go_backwards)
        t_len, b, f = xt.shape
        u = recurrent_kernel.shape[0]
        masks = _mask_arrays(xp, self.mask, go_backwards, x.dtype)
        act = self.activation
        xw = self.buffer((t_len, b, u), x.dtype)
        xp.matmul(xt.reshape(t_len * b, f), kernel, out=xw.reshape(t_len * b, u))
        if bias is not None:
            xw += bias
        hs = self.buffer((t_len + 1, b, u), x.dtype)
        hs[0] = h0
        hn = hs[1:] if masks is None else self.buffer((t_len, b, u), x.dtype)
        matmul, add, tanh = xp.matmul, xp.add, xp.tanh
        for t in range(t_len):
            h = hn[t]
            matmul(hs[t], recurrent_kernel, out=h)
            add(h, xw[t], out=h)
            if act == "tanh":
                tanh(h, out=h)
            elif act == "relu":
                xp.maximum(h, 0, out=h)
            elif act == "sigmoid":
                h *= 0.5
                tanh(h, out=h)
                h *= 0.5
                h += 0.5
            if masks is not None:
                hs[t + 1] = hs[t]
                xp.copyto(hs[t + 1], h, where=masks[0][t])
        y = _output(xp, hs, hn, masks, self)
        if any(self.needs_grad):
            self.save_for_backward(xt, kernel, recurrent_kernel, hs, hn, masks)
        return y, hs[t_len].copy()

    @parallel.threaded
    def backward(self, gy, gh):
        xt, kernel, recurrent_kernel, hs, hn, masks = self.saved
        xp = self.xp
        t_len, b, _ = xt.shape
        u = recurrent_kernel.shape[0]
        act = self.activation
        # the activation's derivative for every step at once, from its outputs
        if act == "tanh":
            deriv = 1 - hn * hn
        elif act == "sigmoid":
            deriv = hn * (1 - hn)
        elif act == "relu":
            deriv = (hn > 0).astype(hn.dtype)
        else:
            deriv = None
        da = _POOL.take(xp, (t_len, b, u), xt.dtype)
        dh = gh.copy()
        gyt = _time_major_grad(xp, gy, dh, masks, self)
        dy = xp.zeros_like(dh)
        rk_t = recurrent_kernel.T
        for t in range(t_len - 1, -1, -1):
            if masks is None:
                if gyt is not None:
                    dh += gyt[t]
                dhn = dh
            else:
                dhn = _split_output_grad(xp, dh, gyt[t], masks, t, self.zero_output, dy)
            if deriv is None:
                da[t] = dhn
            else:
                xp.multiply(dhn, deriv[t], out=da[t])
            if masks is None:
                xp.matmul(da[t], rk_t, out=dh)
            else:
                dh += da[t] @ rk_t
        da2 = da.reshape(t_len * b, u)
        gx, gk = _input_grads(self, xt, kernel, da2, self.go_backwards)
        needs = self.needs_grad
        grk = hs[:-1].reshape(t_len * b, u).T @ da2 if needs[2] else None
        gb = _sum_rows(xp, da2) if needs[3] else None
        _POOL.give([da])
        return gx, gk, grk, gb, (dh if needs[4] else None)


def simple_rnn(x, kernel, recurrent_kernel, bias=None, h0=None, mask=None,
               activation: str = "tanh", go_backwards: bool = False,
               zero_output_for_mask: bool = False, return_sequences: bool = True):
    """A fully connected recurrent network over a whole sequence (Keras's ``SimpleRNN``).

    Args:
        x: (batch, time, features).
        kernel: (features, units). recurrent_kernel: (units, units). bias: (units,) or None.
        h0: initial state (batch, units); None starts from zeros.
        mask: (batch, time) booleans, False for steps to skip (the state is carried over).
        activation: ``"tanh"`` (default), ``"relu"``, ``"sigmoid"`` or ``"linear"``.
        go_backwards: process the sequence from the last step to the first; the outputs are in
            processing order (reversed), as in Keras.
        zero_output_for_mask: output zeros at masked steps instead of the previous output.
        return_sequences: False returns only the last step's output (batch, units), without
            building the sequence.

    Returns:
        ``(outputs, h)``: outputs (batch, time, units) and the final state (batch, units).

    Example:
        >>> y, h = F.simple_rnn(x, kernel, recurrent_kernel, bias)  # x (2, 5, 3), units 4
        >>> y.shape, h.shape
        ((2, 5, 4), (2, 4))
    """
    if activation is None:
        activation = "linear"
    if activation not in _SIMPLE_ACTIVATIONS:
        raise ValueError(f"simple_rnn: activation must be one of {_SIMPLE_ACTIVATIONS}, got "
                         f"{activation!r}; other activations run through "
                         "neurona.layers.RNN(SimpleRNNCell(...))")
    x, kernel, recurrent_kernel, bias, h0 = map(
        _as_tensor, (x, kernel, recurrent_kernel, bias, h0))
    mask = _check_inputs("simple_rnn", x, kernel, recurrent_kernel, bias, h0, None, mask, 1,
                         lambda u: ((u,),))
    if h0 is None:
        h0 = _zeros_state(x, recurrent_kernel.shape[0])
    return SimpleRNN.apply(x, kernel, recurrent_kernel, bias, h0, mask=mask,
                           activation=activation, go_backwards=bool(go_backwards),
                           zero_output=bool(zero_output_for_mask),
                           sequences=bool(return_sequences))


# -- LSTM ---------------------------------------------------------------------------------------


def _inner_order(w, u):
    """LSTM weights (or their gradients) with the gate blocks along the last axis reordered
    between Keras's ``i, f, c, o`` and the inner ``i, f, o, c`` (the same swap both ways)."""
    blocks = [w[..., :2 * u], w[..., 3 * u:], w[..., 2 * u:3 * u]]
    return get_array_module(w).concatenate(blocks, axis=-1)


class LSTM(_Pooled, Function):
    """Long short-term memory over a whole sequence (Keras's gate order ``i, f, c, o``).
    Inputs ``x, kernel, recurrent_kernel, bias (or None), h0, c0``; outputs the sequence
    ``(batch, time, u)`` and the final ``h`` and ``c`` ``(batch, u)``.

    The loop runs feature-major: states are ``(u, batch)`` and a step's gates ``(4u, batch)`` =
    ``W^T @ [x_t; h_{t-1}; 1]``, so every gate is a contiguous block of rows and each
    elementwise op is one flat pass (on ``(batch, 4u)`` rows, a gate is a strided column block
    that NumPy walks row by row, 1.5-3x slower at these sizes). Inside, the gates are ordered
    ``i, f, o, c``: the three sigmoids form one block.
    """

    @parallel.threaded
    def forward(self, x, kernel, recurrent_kernel, bias, h0, c0):
        xp = self.xp
        go_backwards = self.go_backwards
        dtype = x.dtype
        b, t_len, f = x.shape
        u = recurrent_kernel.shape[0]
        u2, u3 = 2 * u, 3 * u
        masks = _mask_arrays(xp, self.mask, go_backwards, dtype)
        keep = any(self.needs_grad)
        # One GEMM per step gives the gates: W^T @ [x_t; h_{t-1}; 1] with W = [kernel;
        # recurrent_kernel; bias] in the inner gate order, the sigmoid rows halved (sigmoid(z) =
        # tanh(z / 2) / 2 + 1 / 2, so one tanh covers every gate). The states are written into
        # that stacked input, so nothing is copied per step, and backward gets every weight
        # gradient from one GEMM.
        k_all = f + u + (bias is not None)
        wt = _POOL.take(xp, (4 * u, k_all), dtype)
        for rows, w in ((slice(0, f), kernel), (slice(f, f + u), recurrent_kernel)):
            wt[:, rows] = _inner_order(w, u).T
        if bias is not None:
            wt[:, f + u] = _inner_order(bias, u)
        wt[:u3] *= 0.5
        xh = self.buffer((t_len + 1, k_all, b), dtype)
        xh[:t_len, :f] = (x[:, ::-1] if go_backwards else x).transpose(1, 2, 0)
        xh[t_len, :f] = 0
        if bias is not None:
            xh[:, f + u] = 1
        hs = xh[:, f:f + u]  # (time + 1, u, batch): the states
        # under no_grad nothing is saved: one gate tile and one tanh(c) tile serve every step
        gates = self.buffer((t_len if keep else 1, 4 * u, b), dtype)
        tc = self.buffer((t_len if keep else 1, u, b), dtype)
        cs = self.buffer((t_len + 1, u, b), dtype)
        hs[0] = h0.T
        cs[0] = c0.T
        if masks is None:
            hn, cn = hs[1:], cs[1:]
        else:
            hn, cn = self.buffer((t_len, u, b), dtype), self.buffer((t_len, u, b), dtype)
            m = masks[0].transpose(0, 2, 1)
        ig = self.buffer((u, b), dtype)
        matmul, multiply, tanh = xp.matmul, xp.multiply, xp.tanh
        for t in range(t_len):
            s = t if keep else 0
            g = gates[s]
            matmul(wt, xh[t], out=g)
            tanh(g, out=g)
            sig = g[:u3]
            sig *= 0.5
            sig += 0.5
            c = cn[t]
            multiply(g[u:u2], cs[t], out=c)
            multiply(g[:u], g[u3:], out=ig)
            c += ig
            tanh(c, out=tc[s])
            multiply(g[u2:u3], tc[s], out=hn[t])
            if masks is not None:
                hs[t + 1] = hs[t]
                xp.copyto(hs[t + 1], hn[t], where=m[t])
                cs[t + 1] = cs[t]
                xp.copyto(cs[t + 1], c, where=m[t])
        _POOL.give([wt])
        y = _output(xp, hs.transpose(0, 2, 1), hn.transpose(0, 2, 1), masks, self)
        if keep:
            self.save_for_backward(xh, kernel, recurrent_kernel, gates, cs, tc, masks)
        return y, hs[t_len].T.copy(), cs[t_len].T.copy()

    @parallel.threaded
    def backward(self, gy, gh, gc):
        xh, kernel, recurrent_kernel, gates, cs, tc, masks = self.saved
        xp = self.xp
        t_len, _, b = gates.shape
        dtype = gates.dtype
        u = recurrent_kernel.shape[0]
        f = kernel.shape[0]
        u2, u3 = 2 * u, 3 * u
        dz = _POOL.take(xp, (t_len, 4 * u, b), dtype)
        scratch = [dz, _POOL.take(xp, (u3, b), dtype), _POOL.take(xp, (u, b), dtype)]
        _, sig_d, od = scratch
        dh, gyt, masks, dy = _feature_major_carries(xp, self, gy, gh, masks)
        dc = gc.T.copy()
        rk = xp.ascontiguousarray(_inner_order(recurrent_kernel, u))
        multiply, subtract, matmul = xp.multiply, xp.subtract, xp.matmul
        for t in range(t_len - 1, -1, -1):
            g, d, tct = gates[t], dz[t], tc[t]
            if masks is None:
                if gyt is not None:
                    dh += gyt[t]
                dhn, dcn = dh, dc
            else:
                dhn = _split_output_grad(xp, dh, gyt[t], masks, t, self.zero_output, dy)
                dcn = dc * masks[1][t]
                dc *= masks[2][t]
            # the gradient of c_t: its own plus h_t's through h = o * tanh(c)
            multiply(tct, tct, out=od)
            subtract(1, od, out=od)
            od *= g[u2:u3]
            od *= dhn
            dcn += od
            # each gate's pre-activation gradient: the gradient of its output (c for i, f and
            # the candidate, h for o) times its partner times its own derivative, g (1 - g) for
            # the sigmoids and 1 - g^2 for the candidate
            subtract(1, g[:u3], out=sig_d)
            sig_d *= g[:u3]
            multiply(sig_d[:u], g[u3:], out=d[:u])
            multiply(sig_d[u:u2], cs[t], out=d[u:u2])
            d[:u2].reshape(2, u, b)[...] *= dcn
            multiply(sig_d[u2:], tct, out=d[u2:u3])
            d[u2:u3] *= dhn
            dcand = d[u3:]
            multiply(g[u3:], g[u3:], out=dcand)
            subtract(1, dcand, out=dcand)
            dcand *= g[:u]
            dcand *= dcn
            if masks is None:
                matmul(rk, d, out=dh)
                dc *= g[u:u2]
            else:
                dh += rk @ d
                dc += dcn * g[u:u2]
        # every weight's gradient from one GEMM over all steps: [x_t; h_{t-1}; 1] @ dz^T
        dzm = _POOL.take(xp, (4 * u, t_len * b), dtype)
        scratch.append(dzm)
        dzm.reshape(4 * u, t_len, b)[...] = dz.transpose(1, 0, 2)
        needs = self.needs_grad
        gx = gk = grk = gb = None
        if needs[0]:
            gx = (_inner_order(kernel, u) @ dzm).reshape(f, t_len, b).transpose(2, 1, 0)
            gx = xp.ascontiguousarray(gx[:, ::-1] if self.go_backwards else gx)
        if needs[1] or needs[2] or needs[3]:
            k_all = xh.shape[1]
            xm = _POOL.take(xp, (k_all, t_len * b), dtype)
            scratch.append(xm)
            xm.reshape(k_all, t_len, b)[...] = xh[:t_len].transpose(1, 0, 2)
            gw = _inner_order(xm @ dzm.T, u)  # the inner order is its own inverse
            gk = gw[:f] if needs[1] else None
            grk = gw[f:f + u] if needs[2] else None
            gb = gw[f + u] if needs[3] else None
        _POOL.give(scratch)
        return gx, gk, grk, gb, (dh.T.copy() if needs[4] else None), \
            (dc.T.copy() if needs[5] else None)


def lstm(x, kernel, recurrent_kernel, bias=None, h0=None, c0=None, mask=None,
         go_backwards: bool = False, zero_output_for_mask: bool = False,
         return_sequences: bool = True):
    """Long short-term memory over a whole sequence (Keras's ``LSTM``, gates ``i, f, c, o``,
    ``tanh`` activation and ``sigmoid`` recurrent activation).

    Args:
        x: (batch, time, features).
        kernel: (features, 4 * units). recurrent_kernel: (units, 4 * units).
        bias: (4 * units,) or None.
        h0, c0: initial states (batch, units); None starts from zeros.
        mask: (batch, time) booleans, False for steps to skip (the states are carried over).
        go_backwards: process the sequence from the last step to the first; the outputs are in
            processing order (reversed), as in Keras.
        zero_output_for_mask: output zeros at masked steps instead of the previous output.
        return_sequences: False returns only the last step's output (batch, units), without
            building the sequence.

    Returns:
        ``(outputs, h, c)``: outputs (batch, time, units) and the final states (batch, units).

    Example:
        >>> y, h, c = F.lstm(x, kernel, recurrent_kernel, bias)  # x (2, 5, 3), units 4
        >>> y.shape, h.shape, c.shape
        ((2, 5, 4), (2, 4), (2, 4))
    """
    x, kernel, recurrent_kernel, bias, h0, c0 = map(
        _as_tensor, (x, kernel, recurrent_kernel, bias, h0, c0))
    mask = _check_inputs("lstm", x, kernel, recurrent_kernel, bias, h0, c0, mask, 4,
                         lambda u: ((4 * u,),))
    u = recurrent_kernel.shape[0]
    if h0 is None:
        h0 = _zeros_state(x, u)
    if c0 is None:
        c0 = _zeros_state(x, u)
    return LSTM.apply(x, kernel, recurrent_kernel, bias, h0, c0, mask=mask,
                      go_backwards=bool(go_backwards), zero_output=bool(zero_output_for_mask),
                     sequences=bool(return_sequences))


# -- GRU ----------------------------------------------------------------------------------------


def _zrh(w, u):
    """GRU weights (or their gradients) with the gate blocks along the last axis moved between
    the inner ``h, z, r`` and Keras's ``z, r, h``; ``_zrh(w, 2 * u)`` moves them back."""
    return get_array_module(w).concatenate([w[..., u:], w[..., :u]], axis=-1)


class GRU(_Pooled, Function):
    """Gated recurrent unit over a whole sequence (Keras's gate order ``z, r, h``).
    Inputs ``x, kernel, recurrent_kernel, bias (or None), h0``; outputs the sequence
    ``(batch, time, u)`` and the final state ``(batch, u)``.

    ``reset_after=True``: ``hh = tanh(x W_h + b_h + r * (h U_h + b'_h))`` (bias ``(2, 3u)``);
    ``reset_after=False``: ``hh = tanh(x W_h + (r * h) U_h + b_h)`` (bias ``(3u,)``); then
    ``h = z * h_prev + (1 - z) * hh``.

    The loop runs feature-major, as the LSTM's: states are ``(u, batch)`` and a step's gates
    ``W^T @ [x_t; 1; h_{t-1}]``, ``z, r`` and (with ``reset_after``) ``q = h U_h + b'_h``, each
    a contiguous block of rows. The candidate's input part ``x W_h + b_h`` is projected for
    every step before the loop (it has no recurrent term to share the step's GEMM with).
    """

    @parallel.threaded
    def forward(self, x, kernel, recurrent_kernel, bias, h0):
        xp = self.xp
        go_backwards = self.go_backwards
        reset_after = self.reset_after
        dtype = x.dtype
        b, t_len, f = x.shape
        u = recurrent_kernel.shape[0]
        u2 = 2 * u
        masks = _mask_arrays(xp, self.mask, go_backwards, dtype)
        keep = any(self.needs_grad)
        # The stacked step input [x_t; 1; h_{t-1}]: the states are written into it, so nothing
        # is copied per step, and backward gets the weight gradients from it in two GEMMs.
        nb = int(bias is not None)
        fb = f + nb
        k_all = fb + u
        rows = 3 * u if reset_after else u2
        wt = _POOL.take(xp, (rows, k_all), dtype)  # the step's GEMM: z, r (halved) and q
        wc = _POOL.take(xp, (u, fb), dtype)  # the candidate's input projection
        wt[:u2, :f] = kernel[:, :u2].T
        wt[:u2, fb:] = recurrent_kernel[:, :u2].T
        wc[:, :f] = kernel[:, u2:].T
        if reset_after:
            wt[u2:, :f] = 0
            wt[u2:, fb:] = recurrent_kernel[:, u2:].T
            if nb:
                wt[:u2, f] = bias[0, :u2] + bias[1, :u2]
                wt[u2:, f] = bias[1, u2:]
                wc[:, f] = bias[0, u2:]
        else:
            uh = _transposed(xp, recurrent_kernel[:, u2:])
            if nb:
                wt[:u2, f] = bias[:u2]
                wc[:, f] = bias[u2:]
        wt[:u2] *= 0.5  # sigmoid(a) = tanh(a / 2) / 2 + 1 / 2: one tanh for z and r
        xh = self.buffer((t_len + 1, k_all, b), dtype)
        xh[:t_len, :f] = (x[:, ::-1] if go_backwards else x).transpose(1, 2, 0)
        xh[t_len, :f] = 0
        if nb:
            xh[:, f] = 1
        hs = xh[:, fb:]  # (time + 1, u, batch): the states
        cand = self.buffer((t_len, u, b), dtype)  # x W_h + b_h, then the candidate hh
        xp.matmul(wc, xh[:t_len, :fb], out=cand)
        # under no_grad nothing is saved: one gate tile (and r * h tile) serves every step
        gates = self.buffer((t_len if keep else 1, rows, b), dtype)
        rh = None if reset_after else self.buffer((t_len if keep else 1, u, b), dtype)
        diff = self.buffer((t_len if keep else 1, u, b), dtype)  # h_prev - hh, z's factor
        hs[0] = h0.T
        if masks is None:
            hn = hs[1:]
        else:
            hn = self.buffer((t_len, u, b), dtype)
            m = masks[0].transpose(0, 2, 1)
        tmp = self.buffer((u, b), dtype)
        matmul, multiply, tanh = xp.matmul, xp.multiply, xp.tanh
        for t in range(t_len):
            s = t if keep else 0
            g = gates[s]
            h_prev = hs[t]
            matmul(wt, xh[t], out=g)
            zr = g[:u2]
            tanh(zr, out=zr)
            zr *= 0.5
            zr += 0.5
            hh = cand[t]
            if reset_after:
                multiply(g[u:u2], g[u2:], out=tmp)
            else:
                multiply(g[u:u2], h_prev, out=rh[s])
                matmul(uh, rh[s], out=tmp)
            hh += tmp
            tanh(hh, out=hh)
            dif = diff[s]
            xp.subtract(h_prev, hh, out=dif)
            multiply(dif, g[:u], out=tmp)
            xp.add(hh, tmp, out=hn[t])
            if masks is not None:
                hs[t + 1] = h_prev
                xp.copyto(hs[t + 1], hn[t], where=m[t])
        _POOL.give([wt, wc] if reset_after else [wt, wc, uh])
        y = _output(xp, hs.transpose(0, 2, 1), hn.transpose(0, 2, 1), masks, self)
        if keep:
            self.save_for_backward(xh, kernel, recurrent_kernel, gates, cand, rh, diff, masks)
        return y, hs[t_len].T.copy()

    @parallel.threaded
    def backward(self, gy, gh):
        xh, kernel, recurrent_kernel, gates, cand, rh, diff, masks = self.saved
        xp = self.xp
        reset_after = self.reset_after
        t_len, _, b = gates.shape
        dtype = gates.dtype
        u = recurrent_kernel.shape[0]
        f = kernel.shape[0]
        k_all = xh.shape[1]
        fb = k_all - u
        u2, u3 = 2 * u, 3 * u
        # each step's pre-activation gradients, rows hh, z, r (and q with reset_after): the
        # rows of x's gates (hh, z, r) and of h's (z, r, q) are each one contiguous block
        rows = 4 * u if reset_after else u3
        dz = _POOL.take(xp, (t_len, rows, b), dtype)
        scratch = [dz, _POOL.take(xp, (u2, b), dtype), _POOL.take(xp, (u, b), dtype),
                   _POOL.take(xp, (u, b), dtype)]
        _, sig_d, tmp, back = scratch
        if reset_after:
            rk = recurrent_kernel  # dh = U @ [dz; dr; dq]: U in Keras's z, r, h order
        else:
            rk = xp.ascontiguousarray(recurrent_kernel[:, :u2])
            rk_h = xp.ascontiguousarray(recurrent_kernel[:, u2:])
            drh = _POOL.take(xp, (u, b), dtype)
            scratch.append(drh)
        dh, gyt, masks, dy = _feature_major_carries(xp, self, gy, gh, masks)
        multiply, subtract, matmul = xp.multiply, xp.subtract, xp.matmul
        for t in range(t_len - 1, -1, -1):
            g, d, hh = gates[t], dz[t], cand[t]
            if masks is None:
                if gyt is not None:
                    dh += gyt[t]
                dhn = dh
            else:
                dhn = _split_output_grad(xp, dh, gyt[t], masks, t, self.zero_output, dy)
            zr, z = g[:u2], g[:u]
            # hh and z: dh times (1 - z)(1 - hh^2) and (h_prev - hh) z (1 - z), one product
            # (in-place ops through ufuncs' out=: `d[a:b] *= x` would also copy d[a:b] onto
            # itself)
            dhh, dr = d[:u], d[u2:u3]
            multiply(hh, hh, out=dhh)
            subtract(1, dhh, out=dhh)
            subtract(1, z, out=tmp)
            multiply(dhh, tmp, out=dhh)
            subtract(1, zr, out=sig_d)
            multiply(sig_d, zr, out=sig_d)
            multiply(diff[t], sig_d[:u], out=d[u:u2])
            dhz = d[:u2].reshape(2, u, b)
            multiply(dhz, dhn, out=dhz)
            if reset_after:
                # q = h U_h + b'_h enters as r * q: dq = dhh * r, dr = dhh * q * r (1 - r)
                multiply(dhh, g[u:u2], out=d[u3:])
                multiply(dhh, g[u2:], out=dr)
            else:
                # hh's recurrent input is r * h_prev: its gradient U_h @ dhh goes to r and h
                matmul(rk_h, dhh, out=drh)
                multiply(drh, xh[t, fb:], out=dr)
            multiply(dr, sig_d[u:], out=dr)
            matmul(rk, d[u:], out=back)
            if not reset_after:
                multiply(drh, g[u:u2], out=drh)
                back += drh
            multiply(dhn, z, out=tmp)
            back += tmp
            if masks is None:
                dh, back = back, dh
            else:
                dh += back
        # the weight gradients over all steps: [x_t; 1] @ [dhh; dz; dr]^T and
        # [1; h_{t-1}] @ [dz; dr; dq]^T (reset_after), or h_{t-1} @ [dz; dr]^T and
        # (r * h_{t-1}) @ dhh^T
        dzm = _POOL.take(xp, (rows, t_len * b), dtype)
        scratch.append(dzm)
        dzm.reshape(rows, t_len, b)[...] = dz.transpose(1, 0, 2)
        needs = self.needs_grad
        nb = fb - f
        gx = gk = grk = gb = None
        if needs[0]:
            gx = (_zrh(kernel, u * 2) @ dzm[:u3]).reshape(f, t_len, b).transpose(2, 1, 0)
            gx = xp.ascontiguousarray(gx[:, ::-1] if self.go_backwards else gx)
        if needs[1] or needs[2] or needs[3]:
            xm = _POOL.take(xp, (k_all, t_len * b), dtype)
            scratch.append(xm)
            xm.reshape(k_all, t_len, b)[...] = xh[:t_len].transpose(1, 0, 2)
            # dz @ x^T, transposed after: measured faster than x @ dz^T (few rows against many)
            if needs[1] or needs[3]:
                gin = _zrh((dzm[:u3] @ xm[:fb].T).T, u)
                gk = gin[:f] if needs[1] else None
                if needs[3]:
                    gb = gin[f]
            if reset_after and (needs[2] or needs[3]):
                # rows: the ones row (with a bias), then h
                grec = xp.ascontiguousarray((dzm[u:] @ xm[f:].T).T)
                grk = grec[nb:] if needs[2] else None
                if needs[3]:
                    gb = xp.stack([gb, grec[0]])
            elif needs[2]:
                grk = xp.empty_like(recurrent_kernel)
                grk[:, :u2] = (dzm[u:u3] @ xm[fb:].T).T
                rhm = _POOL.take(xp, (u, t_len * b), dtype)
                scratch.append(rhm)
                rhm.reshape(u, t_len, b)[...] = rh.transpose(1, 0, 2)
                grk[:, u2:] = (dzm[:u] @ rhm.T).T
        _POOL.give(scratch)
        return gx, gk, grk, gb, (dh.T.copy() if needs[4] else None)


def gru(x, kernel, recurrent_kernel, bias=None, h0=None, mask=None, reset_after: bool = True,
        go_backwards: bool = False, zero_output_for_mask: bool = False,
        return_sequences: bool = True):
    """Gated recurrent unit over a whole sequence (Keras's ``GRU``, gates ``z, r, h``, ``tanh``
    activation and ``sigmoid`` recurrent activation).

    Args:
        x: (batch, time, features).
        kernel: (features, 3 * units). recurrent_kernel: (units, 3 * units).
        bias: (2, 3 * units) (input and recurrent biases) when ``reset_after`` (Keras's default
            and PyTorch's formulation), (3 * units,) otherwise, or None.
        h0: initial state (batch, units); None starts from zeros.
        mask: (batch, time) booleans, False for steps to skip (the state is carried over).
        reset_after: apply the reset gate after the recurrent matrix product.
        go_backwards: process the sequence from the last step to the first; the outputs are in
            processing order (reversed), as in Keras.
        zero_output_for_mask: output zeros at masked steps instead of the previous output.
        return_sequences: False returns only the last step's output (batch, units), without
            building the sequence.

    Returns:
        ``(outputs, h)``: outputs (batch, time, units) and the final state (batch, units).

    Example:
        >>> y, h = F.gru(x, kernel, recurrent_kernel, bias)  # x (2, 5, 3), units 4
        >>> y.shape, h.shape
        ((2, 5, 4), (2, 4))
    """
    x, kernel, recurrent_kernel, bias, h0 = map(
        _as_tensor, (x, kernel, recurrent_kernel, bias, h0))
    reset_after = bool(reset_after)
    mask = _check_inputs("gru", x, kernel, recurrent_kernel, bias, h0, None, mask, 3,
                         (lambda u: ((2, 3 * u),)) if reset_after else (lambda u: ((3 * u,),)))
    if h0 is None:
        h0 = _zeros_state(x, recurrent_kernel.shape[0])
    return GRU.apply(x, kernel, recurrent_kernel, bias, h0, mask=mask, reset_after=reset_after,
                     go_backwards=bool(go_backwards), zero_output=bool(zero_output_for_mask),
                     sequences=bool(return_sequences))
