"""Registry cases, adjointness, a property test and error tests for neurona/functions/conv.py."""

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurona as nr
from neurona.functions import conv as C
from neurona.functions.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d

from .opcheck import OpCase, op_tests

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = None

rng = np.random.default_rng(3)


def _n(*shape):
    return rng.normal(size=shape)


# -- NumPy references (channels-last, 2-D; 1-D and channels-first are adapted around them) -------


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _same_pads(size, k, s, d):
    """TensorFlow's 'same' padding: (low, high) per dimension, the odd pixel at the end."""
    pads = []
    for n, kk, ss, dd in zip(size, k, s, d, strict=True):
        dk = (kk - 1) * dd + 1
        total = max((-(-n // ss) - 1) * ss + dk - n, 0)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _explicit(padding, size, k, s, d):
    if padding == "valid":
        return ((0, 0), (0, 0))
    if padding == "same":
        return _same_pads(size, k, s, d)
    if isinstance(padding, int):
        return ((padding, padding),) * 2
    return tuple(_pair(p) for p in padding)


def ref_conv2d(x, w, b=None, stride=1, padding="valid", dilation=1, groups=1):
    """Direct loop over output pixels and kernel offsets; x (N, H, W, C), w (kh, kw, C/G, Co)."""
    s, d = _pair(stride), _pair(dilation)
    kh, kw, cg, co = w.shape
    pads = _explicit(padding, x.shape[1:3], (kh, kw), s, d)
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    ho = (xp.shape[1] - (kh - 1) * d[0] - 1) // s[0] + 1
    wo = (xp.shape[2] - (kw - 1) * d[1] - 1) // s[1] + 1
    opg = co // groups
    y = np.zeros((x.shape[0], ho, wo, co))
    for oh in range(ho):
        for ow in range(wo):
            for i in range(kh):
                for j in range(kw):
                    pix = xp[:, oh * s[0] + i * d[0], ow * s[1] + j * d[1]]
                    for g in range(groups):
                        y[:, oh, ow, g * opg:(g + 1) * opg] += (
                            pix[:, g * cg:(g + 1) * cg] @ w[i, j, :, g * opg:(g + 1) * opg])
    return y if b is None else y + b


def _transpose_length(n, k, s, d, padding, op):
    """Keras's deconv_output_length and the low-side crop."""
    dk = (k - 1) * d + 1
    full = (n - 1) * s + dk
    if padding == "valid":
        return ((n - 1) * s + max(dk, s) if op is None else full + op), 0
    if padding == "same":
        length = n * s if op is None else full - 2 * (dk // 2) + op
        return length, max(full - length, 0) // 2
    lo, hi = padding
    return full - lo - hi + (op or 0), lo


def _transpose_geometry(size, k, s, d, padding, op):
    if isinstance(padding, int):
        padding = ((padding, padding),) * 2
    per_dim = padding if not isinstance(padding, str) else (padding, padding)
    per_dim = [p if isinstance(p, str) else _pair(p) for p in per_dim]
    ops = (None, None) if op is None else _pair(op)
    return [_transpose_length(n, kk, ss, dd, p, o)
            for n, kk, ss, dd, p, o in zip(size, k, s, d, per_dim, ops, strict=True)]


def ref_conv_transpose2d(x, w, b=None, stride=1, padding="valid", output_padding=None,
                         dilation=1):
    """Scatter loop; x (N, H, W, Ci), w (kh, kw, Co, Ci)."""
    s, d = _pair(stride), _pair(dilation)
    kh, kw, co, _ = w.shape
    n, h, wd, _ = x.shape
    (lh, th), (lw, tw) = _transpose_geometry((h, wd), (kh, kw), s, d, padding, output_padding)
    full = np.zeros((n, (h - 1) * s[0] + (kh - 1) * d[0] + 1 + th + lh,
                     (wd - 1) * s[1] + (kw - 1) * d[1] + 1 + tw + lw, co))
    for ih in range(h):
        for iw in range(wd):
            for i in range(kh):
                for j in range(kw):
                    full[:, ih * s[0] + i * d[0], iw * s[1] + j * d[1]] += x[:, ih, iw] @ w[i, j].T
    y = full[:, th:th + lh, tw:tw + lw]
    return y if b is None else y + b


def _cl_to_cf(a):
    return np.moveaxis(a, -1, 1)


def _cf_to_cl(a):
    return np.moveaxis(a, 1, -1)


# -- PyTorch equivalents ---------------------------------------------------------------------------


def _torch_pads(padding, size, k, s, d):
    """Explicit (low, high) pads per spatial dimension, as F.pad wants them (last dim first)."""
    pads = _explicit(padding, size, k, s, d) if len(size) == 2 else None
    if len(size) == 1:
        if padding == "valid":
            pads = ((0, 0),)
        elif padding == "same":
            pads = _same_pads(size, k, s, d)
        elif isinstance(padding, int):
            pads = ((padding, padding),)
        else:
            pads = (tuple(padding),)
    flat = []
    for lo, hi in reversed(pads):
        flat += [lo, hi]
    return flat


def t_conv(spatial, stride=1, padding="valid", dilation=1, groups=1, cf=False):
    def fn(x, w, b=None):
        if not cf:
            x = x.movedim(-1, 1)
        perm = (3, 2, 0, 1) if spatial == 2 else (2, 1, 0)
        wt = w.permute(*perm)
        k = tuple(w.shape[:spatial])
        s = (stride,) * spatial if isinstance(stride, int) else stride
        d = (dilation,) * spatial if isinstance(dilation, int) else dilation
        x = TF.pad(x, _torch_pads(padding, tuple(x.shape[2:]), k, s, d))
        conv = TF.conv2d if spatial == 2 else TF.conv1d
        y = conv(x, wt, b, stride=s, dilation=d, groups=groups)
        return y if cf else y.movedim(1, -1)
    return fn


def t_conv_transpose(spatial, stride=1, padding="valid", output_padding=None, dilation=1,
                     cf=False):
    def fn(x, w, b=None):
        if not cf:
            x = x.movedim(-1, 1)
        perm = (3, 2, 0, 1) if spatial == 2 else (2, 1, 0)
        wt = w.permute(*perm)  # torch: (C_in, C_out, k...)
        lift = (1,) * (2 - spatial)
        k = tuple(w.shape[:spatial]) + lift
        s = ((stride,) * spatial if isinstance(stride, int) else tuple(stride)) + lift
        d = ((dilation,) * spatial if isinstance(dilation, int) else tuple(dilation)) + lift
        pad = padding
        if spatial == 1 and not isinstance(padding, (str, int)):
            pad = (tuple(padding), (0, 0))
        elif spatial == 1 and isinstance(padding, int):
            pad = ((padding, padding), (0, 0))
        op = output_padding
        if spatial == 1 and op is not None:
            op = (op, 0)
        geo = _transpose_geometry(tuple(x.shape[2:]) + lift, k, s, d, pad, op)[:spatial]
        conv = TF.conv_transpose2d if spatial == 2 else TF.conv_transpose1d
        full = conv(x, wt, stride=s[:spatial], dilation=d[:spatial])
        flat = []
        for (length, lo), fl in reversed(list(zip(geo, full.shape[2:], strict=True))):
            flat += [-lo, length - (fl - lo)]  # negative pads crop
        y = TF.pad(full, flat)
        if b is not None:
            y = y + b.view(-1, *([1] * spatial))
        return y if cf else y.movedim(1, -1)
    return fn


# -- references for the other layouts ------------------------------------------------------------


def r_conv(spatial, cf=False, **kw):
    def ref(x, w, b=None):
        if cf:
            x = _cf_to_cl(x)
        if spatial == 1:
            kw1 = dict(kw)
            for key in ("stride", "dilation"):
                if key in kw1:
                    kw1[key] = (1, kw1[key])
            pad = kw1.get("padding", "valid")
            if not isinstance(pad, str):
                kw1["padding"] = ((0, 0), pad if isinstance(pad, tuple) else (pad, pad))
            y = ref_conv2d(x[:, None], w[None], b, **kw1)[:, 0]
        else:
            y = ref_conv2d(x, w, b, **kw)
        return _cl_to_cf(y) if cf else y
    return ref


def r_conv_transpose(spatial, cf=False, **kw):
    def ref(x, w, b=None):
        if cf:
            x = _cf_to_cl(x)
        if spatial == 1:
            kw1 = dict(kw)
            for key in ("stride", "dilation"):
                if key in kw1:
                    kw1[key] = (1, kw1[key])
            if kw1.get("output_padding") is not None:
                kw1["output_padding"] = (0, kw1["output_padding"])
            pad = kw1.get("padding", "valid")
            if not isinstance(pad, str):
                kw1["padding"] = ((0, 0), pad if isinstance(pad, tuple) else (pad, pad))
            else:
                kw1["padding"] = pad
            y = ref_conv_transpose2d(x[:, None], w[None], b, **kw1)[:, 0]
        else:
            y = ref_conv_transpose2d(x, w, b, **kw)
        return _cl_to_cf(y) if cf else y
    return ref


def _case(name, spatial, inputs, transpose=False, cf=False, **kw):
    """An OpCase for conv{1,2}d / conv_transpose{1,2}d with keyword options ``kw``."""
    fmt = "channels_first" if cf else "channels_last"
    if transpose:
        op = conv_transpose2d if spatial == 2 else conv_transpose1d

        def fn(*a):
            return op(*a, data_format=fmt, **kw)

        return OpCase(name, fn, inputs, r_conv_transpose(spatial, cf, **kw), (C.ConvTranspose,),
                      torch and t_conv_transpose(spatial, cf=cf, **kw))
    op = conv2d if spatial == 2 else conv1d

    def fn(*a):
        return op(*a, data_format=fmt, **kw)

    return OpCase(name, fn, inputs, r_conv(spatial, cf, **kw), (C.Conv,),
                  torch and t_conv(spatial, cf=cf, **kw))


def _relu_case(name, spatial, inputs, cf=False, **kw):
    """An OpCase for a convolution with the fused ReLU (``activation="relu"``)."""
    fmt = "channels_first" if cf else "channels_last"
    op = conv2d if spatial == 2 else conv1d
    ref, tfn = r_conv(spatial, cf, **kw), torch and t_conv(spatial, cf=cf, **kw)

    def fn(*a):
        return op(*a, data_format=fmt, activation="relu", **kw)

    return OpCase(name, fn, inputs, lambda *a: np.maximum(ref(*a), 0), (C.Conv,),
                  torch and (lambda *a: torch.relu(tfn(*a))))


def _np_max_pool(y, window, cf):
    """Max pooling (stride the window, valid) in NumPy, for 1-D or 2-D, either layout."""
    if cf:
        y = _cf_to_cl(y)
    if y.ndim == 3:
        n, length, c = y.shape
        k = window
        y = y[:, :length // k * k].reshape(n, length // k, k, c).max(axis=2)
    else:
        n, h, w, c = y.shape
        ph, pw = window
        y = y[:, :h // ph * ph, :w // pw * pw]
        y = y.reshape(n, h // ph, ph, w // pw, pw, c).max(axis=(2, 4))
    return _cl_to_cf(y) if cf else y


def _pool_case(name, spatial, inputs, window, cf=False, **kw):
    """An OpCase for a convolution with the fused ReLU and max pool (``max_pool=window``)."""
    fmt = "channels_first" if cf else "channels_last"
    op = conv2d if spatial == 2 else conv1d
    ref, tfn = r_conv(spatial, cf, **kw), torch and t_conv(spatial, cf=cf, **kw)

    def fn(*a):
        return op(*a, data_format=fmt, activation="relu", max_pool=window, **kw)

    def torch_fn(*a):
        y = torch.relu(tfn(*a))
        if not cf:  # PyTorch pools channels-first
            y = y.movedim(-1, 1)
        pool = torch.nn.functional.max_pool2d if spatial == 2 else torch.nn.functional.max_pool1d
        y = pool(y, window)
        return y if cf else y.movedim(1, -1)

    return OpCase(name, fn, inputs, lambda *a: _np_max_pool(np.maximum(ref(*a), 0), window, cf),
                  (C.Conv,), torch and torch_fn)


CASES = [
    _pool_case("conv2d/fused_relu_max_pool", 2, [_n(2, 7, 6, 3), _n(3, 2, 3, 4), _n(4)], (2, 2)),
    _pool_case("conv2d/fused_relu_max_pool_cf", 2, [_n(2, 3, 7, 7), _n(3, 3, 3, 2)], (3, 2),
               cf=True, padding="same"),
    _pool_case("conv1d/fused_relu_max_pool", 1, [_n(2, 9, 3), _n(3, 3, 4), _n(4)], 2),
    _relu_case("conv2d/fused_relu", 2, [_n(2, 5, 6, 3), _n(3, 2, 3, 4), _n(4)],
               padding="same"),
    _relu_case("conv2d/fused_relu_cf_stride", 2, [_n(2, 3, 6, 5), _n(3, 3, 3, 4)], cf=True,
               stride=2),
    _relu_case("conv1d/fused_relu_groups", 1, [_n(2, 9, 4), _n(3, 2, 6), _n(6)], groups=2),
    _case("conv2d/valid_bias", 2, [_n(2, 5, 6, 3), _n(3, 2, 3, 4), _n(4)]),
    _case("conv2d/stride2_same_odd", 2, [_n(2, 7, 6, 2), _n(3, 3, 2, 3)], stride=2,
          padding="same"),
    _case("conv2d/explicit_dilation", 2, [_n(1, 7, 7, 2), _n(2, 3, 2, 3), _n(3)], dilation=2,
          padding=((1, 0), (2, 1))),
    _case("conv2d/int_padding_stride21", 2, [_n(2, 5, 5, 2), _n(3, 3, 2, 2)], stride=(2, 1),
          padding=1),
    _case("conv2d/per_dim_padding", 2, [_n(1, 4, 5, 2), _n(3, 3, 2, 2), _n(2)],
          padding=(1, 0)),
    _case("conv2d/groups", 2, [_n(1, 5, 5, 4), _n(3, 3, 2, 6), _n(6)], groups=2),
    _case("conv2d/depthwise", 2, [_n(2, 5, 4, 3), _n(3, 3, 1, 6)], groups=3, padding="same"),
    _case("conv2d/channels_first", 2, [_n(2, 3, 5, 6), _n(3, 3, 3, 4), _n(4)], cf=True,
          stride=2, padding="same"),
    _case("conv2d/grey_image", 2, [_n(3, 6, 5, 1), _n(3, 2, 1, 4), _n(4)], stride=(1, 2),
          padding="same"),
    _case("conv_transpose2d/to_grey", 2, [_n(2, 3, 3, 2), _n(2, 3, 1, 2)], transpose=True,
          stride=2),
    _case("conv2d/1x1", 2, [_n(2, 3, 3, 4), _n(1, 1, 4, 5)]),
    _case("conv1d/valid_stride_dilation", 1, [_n(2, 11, 3), _n(3, 3, 4), _n(4)], stride=2,
          dilation=2),
    _case("conv1d/same_groups_cf", 1, [_n(2, 4, 8), _n(3, 2, 4)], cf=True, padding="same",
          groups=2),
    _case("conv1d/explicit", 1, [_n(1, 6, 2), _n(2, 2, 3), _n(3)], padding=(2, 1)),
    _case("conv_transpose2d/valid_stride2", 2, [_n(2, 3, 4, 3), _n(3, 2, 2, 3), _n(2)],
          transpose=True, stride=2),
    _case("conv_transpose2d/same_stride2", 2, [_n(1, 3, 3, 2), _n(3, 3, 3, 2), _n(3)],
          transpose=True, stride=2, padding="same"),
    _case("conv_transpose2d/same_output_padding", 2, [_n(1, 3, 4, 2), _n(3, 3, 2, 2)],
          transpose=True, stride=2, padding="same", output_padding=(1, 0)),
    _case("conv_transpose2d/int_padding_dilation_cf", 2, [_n(2, 2, 3, 3), _n(3, 2, 3, 2)],
          transpose=True, cf=True, padding=1, dilation=2),
    _case("conv_transpose2d/stride_exceeds_kernel", 2, [_n(1, 3, 2, 2), _n(2, 2, 2, 2),
                                                          _n(2)], transpose=True, stride=3),
    _case("conv_transpose2d/valid_output_padding", 2, [_n(1, 2, 3, 2), _n(3, 2, 2, 2), _n(2)],
          transpose=True, stride=2, output_padding=1),
    _case("conv_transpose1d/same_stride2_bias", 1, [_n(2, 4, 3), _n(3, 2, 3), _n(2)],
          transpose=True, stride=2, padding="same"),
    _case("conv_transpose1d/valid_output_padding_cf", 1, [_n(2, 3, 5), _n(4, 2, 3)],
          transpose=True, cf=True, stride=2, output_padding=1),
]


test_forward, test_gradcheck, test_matches_torch = op_tests(CASES)


# -- adjointness, inference, dtype ---------------------------------------------------------------


@pytest.mark.parametrize(("size", "kw"), [
    ((10, 12), {"stride": 2, "padding": "same"}),
    ((9, 11), {"stride": (2, 3), "padding": "valid", "dilation": (1, 2)}),
    ((9, 10), {"stride": 1, "padding": ((2, 0), (1, 1)), "dilation": 2}),
    ((9, 11), {"stride": 2, "padding": "valid"}),
    ((7, 8), {"stride": 3, "padding": ((1, 1), (0, 2)), "output_padding": (0, 1)}),
])
def test_conv_transpose_is_the_adjoint_of_conv(size, kw):
    kw = dict(kw)
    output_padding = kw.pop("output_padding", None)
    x = _n(2, *size, 3)
    w = _n(3, 3, 3, 4)
    y = conv2d(x, w, **kw)
    gy = _n(*y.shape)
    back = conv_transpose2d(gy, w, output_padding=output_padding, **kw)
    assert back.shape == x.shape
    # <conv(x), gy> == <x, conv_transpose(gy)>
    np.testing.assert_allclose(np.sum(y.data * gy), np.sum(x * back.data), rtol=1e-10)


def test_inference_saves_nothing_and_records_no_graph():
    x = nr.from_numpy(_n(2, 6, 6, 3).astype(np.float32))
    w = nr.from_numpy(_n(3, 3, 3, 4).astype(np.float32)).requires_grad_(True)
    with nr.no_grad():
        y = conv2d(x, w, padding="same")
    assert y.creator is None and y.dtype == np.float32
    y = conv2d(x, w, padding="same")
    assert y.creator is not None
    img, _, _, out, first = y.creator.saved
    assert img is x.data  # the input itself is kept for the weight gradient, not a copy
    assert out is None and first is None  # no ReLU, no pool: the output is not needed


def test_fused_relu_keeps_its_output_and_nothing_more():
    x = nr.from_numpy(_n(2, 6, 6, 3).astype(np.float32))
    w = nr.from_numpy(_n(3, 3, 3, 4).astype(np.float32)).requires_grad_(True)
    y = conv2d(x, w, padding="same", activation="relu")
    img, _, _, out, _ = y.creator.saved
    assert img is x.data and out is y.data  # the pre-activation is never stored
    assert (y.data >= 0).all() and (y.data == 0).any()


def test_fused_relu_equals_relu_of_conv_values_and_gradients():
    x = nr.from_numpy(_n(3, 7, 7, 2)).requires_grad_(True)
    w = nr.from_numpy(_n(3, 3, 2, 5)).requires_grad_(True)
    b = nr.from_numpy(_n(5)).requires_grad_(True)
    gy = _n(3, 7, 7, 5)
    fused = conv2d(x, w, b, padding="same", activation="relu")
    (fused * nr.from_numpy(gy)).sum().backward()
    grads = [t.grad.copy() for t in (x, w, b)]
    for t in (x, w, b):
        t.grad = None
    plain = nr.functions.relu(conv2d(x, w, b, padding="same"))
    (plain * nr.from_numpy(gy)).sum().backward()
    np.testing.assert_array_equal(fused.data, plain.data)
    for g, t in zip(grads, (x, w, b), strict=True):
        np.testing.assert_allclose(g, t.grad, rtol=1e-12, atol=1e-12)


def test_only_relu_can_be_fused():
    with pytest.raises(ValueError, match=r"conv2d: activation must be None or 'relu'.*got "
                                         r"'tanh'"):
        conv2d(_n(1, 4, 4, 1), _n(3, 3, 1, 2), activation="tanh")


def test_input_gradient_only_when_needed():
    x = nr.from_numpy(_n(2, 6, 6, 3))
    w = nr.from_numpy(_n(3, 3, 3, 4)).requires_grad_(True)
    conv2d(x, w).sum().backward()
    assert x.grad is None and w.grad.shape == (3, 3, 3, 4)


def test_float32_stays_float32_in_backward():
    x = nr.from_numpy(_n(2, 6, 6, 3).astype(np.float32)).requires_grad_(True)
    w = nr.from_numpy(_n(3, 3, 3, 4).astype(np.float32)).requires_grad_(True)
    b = nr.from_numpy(_n(4).astype(np.float32)).requires_grad_(True)
    conv2d(x, w, b, stride=2, padding="same").sum().backward()
    y = conv_transpose2d(x, w.data.transpose(0, 1, 3, 2).copy(), stride=2)
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == y.dtype == np.float32


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("groups", [1, 2])
def test_chunked_batches_match_one_chunk(monkeypatch, transpose, groups):
    x = _n(5, 7, 6, 4)
    w = _n(3, 3, 4 if transpose else 4 // groups, 4)
    kw = {"stride": 2, "padding": "same"}
    if not transpose:
        kw["groups"] = groups
    op = conv_transpose2d if transpose else conv2d

    def run():
        xt = nr.from_numpy(x.copy()).requires_grad_(True)
        wt = nr.from_numpy(w.copy()).requires_grad_(True)
        y = op(xt, wt, **kw)
        (y * nr.from_numpy(np.cos(np.arange(y.size)).reshape(y.shape))).sum().backward()
        return y.data, xt.grad, wt.grad

    whole = run()
    monkeypatch.setattr(C, "_CHUNK_BYTES", 1)  # one image per chunk
    for a, b in zip(run(), whole, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_list_arguments_work_like_tuples():
    x, w = _n(1, 6, 6, 2), _n(3, 3, 2, 2)
    a = conv2d(x, w, stride=[2, 1], padding=[[1, 0], [0, 1]], dilation=[1, 1])
    b = conv2d(x, w, stride=(2, 1), padding=((1, 0), (0, 1)))
    np.testing.assert_array_equal(a.data, b.data)


def test_keras_depthwise_kernel_reshaped():
    x, dw = _n(2, 5, 5, 3), _n(3, 3, 3, 2)  # Keras DepthwiseConv2D kernel (kh, kw, C, mult)
    y = conv2d(x, dw.reshape(3, 3, 1, 6), groups=3).data
    for c in range(3):
        for m in range(2):
            expected = ref_conv2d(x[..., c:c + 1], dw[:, :, c:c + 1, m:m + 1])[..., 0]
            np.testing.assert_allclose(y[..., c * 2 + m], expected, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 2), st.integers(3, 7), st.integers(3, 7), st.integers(1, 3),
       st.integers(1, 3), st.integers(1, 3), st.integers(1, 2), st.integers(1, 2),
       st.sampled_from(["valid", "same", 1]), st.integers(0, 2**16))
def test_conv2d_matches_a_direct_loop(n, h, w, k, s, d, g, cpg, padding, seed):
    r = np.random.default_rng(seed)
    extra = {"valid": 0, "same": 0, 1: 2}[padding]
    if (k - 1) * d + 1 > min(h, w) + extra:
        padding = "same"
    x = r.normal(size=(n, h, w, g * cpg))
    wt = r.normal(size=(k, k, cpg, 2 * g))
    got = conv2d(x, wt, stride=s, dilation=d, padding=padding, groups=g).data
    np.testing.assert_allclose(got, ref_conv2d(x, wt, stride=s, dilation=d, padding=padding,
                                               groups=g), atol=1e-10)


# -- errors --------------------------------------------------------------------------------------


def test_error_input_ndim():
    with pytest.raises(ValueError, match=r"conv2d expects a 4-D input \(batch, height, width, "
                                         r"channels\), got shape \(28, 28, 1\)"):
        conv2d(np.zeros((28, 28, 1)), np.zeros((3, 3, 1, 4)))
    with pytest.raises(ValueError, match=r"conv1d expects a 3-D input \(batch, channels, "
                                         r"length\)"):
        conv1d(np.zeros((4, 10)), np.zeros((3, 4, 2)), data_format="channels_first")


def test_error_weight_ndim():
    with pytest.raises(ValueError, match=r"conv2d expects a 4-D weight \(kh, kw, in_channels, "
                                         r"out_channels\), got shape \(3, 3, 4\)"):
        conv2d(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 4)))


def test_error_channel_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"conv2d: input shape \(2, 5, 5, 3\) has 3 channels "
                                         r"but weight shape \(3, 3, 4, 8\) expects 4"):
        conv2d(np.zeros((2, 5, 5, 3)), np.zeros((3, 3, 4, 8)))
    with pytest.raises(ValueError, match=r"conv_transpose2d: input shape \(1, 4, 4, 3\) has 3 "
                                         r"channels but weight shape \(3, 3, 3, 5\) expects 5"):
        conv_transpose2d(np.zeros((1, 4, 4, 3)), np.zeros((3, 3, 3, 5)))


def test_error_groups():
    with pytest.raises(ValueError, match=r"groups=3 must divide both the input channels \(4\) "
                                         r"and the output channels \(6\)"):
        conv2d(np.zeros((1, 5, 5, 4)), np.zeros((3, 3, 2, 6)), groups=3)
    with pytest.raises(ValueError, match="groups must be a positive int, got 0"):
        conv2d(np.zeros((1, 5, 5, 4)), np.zeros((3, 3, 2, 6)), groups=0)


def test_error_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"conv2d: the kernel \(dilated size 5\) is larger "
                                         r"than the padded input \(3\).*padding='same'"):
        conv2d(np.zeros((1, 3, 3, 1)), np.zeros((5, 5, 1, 1)))
    with pytest.raises(ValueError, match=r"dilated size 5"):
        conv1d(np.zeros((1, 4, 1)), np.zeros((3, 1, 1)), dilation=2)


def test_error_bad_padding():
    with pytest.raises(ValueError, match=r"conv2d: padding must be 'valid', 'same', an int, "
                                         r"a tuple of 2 ints or 2 \(low, high\) pairs, got "
                                         r"'full'"):
        conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), padding="full")
    with pytest.raises(ValueError, match=r"pairs of ints >= 0, got -1"):
        conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), padding=-1)
    with pytest.raises(ValueError, match=r"got \(1, 2, 3\)"):
        conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), padding=(1, 2, 3))


def test_error_bad_data_format():
    with pytest.raises(ValueError, match=r"conv2d: data_format must be 'channels_last' or "
                                         r"'channels_first', got 'NHWC'"):
        conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), data_format="NHWC")


def test_error_stride_and_dilation():
    with pytest.raises(ValueError, match=r"conv2d: stride must be >= 1, got 0"):
        conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), stride=0)
    with pytest.raises(ValueError, match=r"conv1d: dilation must be an int or a tuple of 1 "
                                         r"ints, got \(1, 2\)"):
        conv1d(np.zeros((1, 5, 1)), np.zeros((3, 1, 1)), dilation=(1, 2))
    with pytest.raises(TypeError, match=r"conv2d: stride must be an int or a tuple of 2 ints, "
                                        r"got 'x'"):
        conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 1)), stride="x")


def test_error_bias_shape_and_dtype():
    with pytest.raises(ValueError, match=r"conv2d: bias must have shape \(4,\) \(one value per "
                                         r"output channel\), got \(3,\)"):
        conv2d(np.zeros((1, 5, 5, 1)), np.zeros((3, 3, 1, 4)), np.zeros(3))
    with pytest.raises(TypeError, match="conv2d: x must be floating point, got dtype int64"):
        conv2d(np.zeros((1, 5, 5, 1), np.int64), np.zeros((3, 3, 1, 4)))


def test_error_output_padding():
    with pytest.raises(ValueError, match=r"conv_transpose2d: output_padding \(2, 2\) must be "
                                         r"smaller than the stride \(2, 2\)"):
        conv_transpose2d(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 1)), stride=2,
                         output_padding=2)
    with pytest.raises(ValueError, match=r"conv_transpose1d: padding 5 leaves no output"):
        conv_transpose1d(np.zeros((1, 2, 1)), np.zeros((3, 1, 1)), padding=5)


def test_empty_batch():
    x = nr.from_numpy(np.zeros((0, 5, 5, 2))).requires_grad_(True)
    w = nr.from_numpy(_n(3, 3, 2, 4)).requires_grad_(True)
    y = conv2d(x, w, padding="same")
    assert y.shape == (0, 5, 5, 4)
    y.sum().backward()
    assert x.grad.shape == (0, 5, 5, 2)
    np.testing.assert_array_equal(w.grad, np.zeros((3, 3, 2, 4)))


def test_bias_gradient_without_weight_gradient():
    x, w = _n(2, 5, 5, 2), _n(3, 3, 2, 4)
    b = nr.from_numpy(_n(4)).requires_grad_(True)
    y = conv2d(x, w, b)
    gy = _n(*y.shape)
    (y * nr.from_numpy(gy)).sum().backward()
    np.testing.assert_allclose(b.grad, gy.sum(axis=(0, 1, 2)), rtol=1e-12)
    bt = nr.from_numpy(_n(4)).requires_grad_(True)
    y = conv_transpose2d(x, w.transpose(0, 1, 3, 2), bt, stride=2)
    y.sum().backward()
    np.testing.assert_allclose(bt.grad, np.full(4, y.shape[0] * y.shape[1] * y.shape[2]),
                               rtol=1e-12)


@pytest.mark.parametrize("needs", ["bias", "input"])
def test_fused_relu_gradients_when_the_kernel_is_frozen(needs):
    x = nr.from_numpy(_n(2, 6, 5, 3)).requires_grad_(needs == "input")
    w = nr.from_numpy(_n(3, 3, 3, 4))
    b = nr.from_numpy(_n(4)).requires_grad_(needs == "bias")
    gy = nr.from_numpy(_n(2, 6, 5, 4))
    (conv2d(x, w, b, padding="same", activation="relu") * gy).sum().backward()
    fused = (x.grad if needs == "input" else b.grad).copy()
    x.grad = b.grad = None
    (nr.functions.relu(conv2d(x, w, b, padding="same")) * gy).sum().backward()
    np.testing.assert_allclose(fused, x.grad if needs == "input" else b.grad, rtol=1e-12,
                               atol=1e-12)


def test_convolutions_in_two_threads_do_not_share_scratch_buffers(monkeypatch):
    # small chunks: many scratch-buffer reuses per call, so a shared buffer would be overwritten
    monkeypatch.setattr(C, "_CHUNK_BYTES", 4096)
    rng = np.random.default_rng(7)
    cases = [(rng.normal(size=(16, 9, 9, 3)), rng.normal(size=(3, 3, 3, 5))) for _ in range(2)]

    def run(x, w):
        xt, wt = nr.from_numpy(x).requires_grad_(True), nr.from_numpy(w).requires_grad_(True)
        y = conv2d(xt, wt, padding="same", activation="relu")
        (y * y).sum().backward()
        return y.data, xt.grad, wt.grad

    expected = [run(x, w) for x, w in cases]
    barrier = threading.Barrier(2)
    results = [None, None]

    def worker(i):
        barrier.wait()
        results[i] = [run(*cases[i]) for _ in range(20)]

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(2):
        for got in results[i]:
            for a, b in zip(got, expected[i], strict=True):
                np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("channels, kwargs", [
    (1, {}),
    (1, {"padding": "same", "activation": "relu"}),
    (4, {}),
    (4, {"padding": "same", "activation": "relu"}),
    (4, {"stride": 2, "padding": "same"}),
    (4, {"dilation": 2}),
    (4, {"groups": 2, "activation": "relu"}),
])
def test_conv2d_split_across_threads_matches_one_thread(split_work, channels, kwargs):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 7, 6, channels))
    w = rng.normal(size=(3, 3, channels // kwargs.get("groups", 1), 4))
    b = rng.normal(size=4)
    split_work(lambda x, w, b: conv2d(x, w, b, **kwargs), x, w, b)
    split_work(lambda x, w: conv2d(x, w, **kwargs), x, w)


def test_conv1d_and_transposed_convolutions_split_across_threads_match_one_thread(split_work):
    rng = np.random.default_rng(1)
    x1, w1 = rng.normal(size=(4, 9, 3)), rng.normal(size=(3, 3, 5))
    split_work(lambda x, w: conv1d(x, w, padding="same", activation="relu"), x1, w1)
    x2, w2, b2 = rng.normal(size=(4, 5, 5, 3)), rng.normal(size=(3, 3, 2, 3)), rng.normal(size=2)
    split_work(lambda x, w, b: conv_transpose2d(x, w, b, stride=2), x2, w2, b2)


@pytest.mark.parametrize("shape, kernel, pool, kwargs", [
    ((4, 9, 9, 3), (3, 3, 3, 5), 2, {}),
    ((4, 10, 7, 3), (3, 3, 3, 5), (2, 3), {"padding": "same"}),  # rows and columns left over
    ((3, 3, 9, 8), (3, 3, 3, 4), 2, {"data_format": "channels_first"}),
    ((5, 7, 6, 4), (3, 3, 2, 6), (3, 2), {"groups": 2, "stride": (1, 2)}),
    ((4, 6, 6, 2), (1, 1, 2, 3), 1, {}),  # one position per window
    ((3, 13, 12, 2), (3, 2, 2, 4), (2, 3), {"stride": (2, 1), "dilation": (1, 2)}),
    ((2, 8, 9, 1), (3, 3, 1, 4), 2, {"padding": 1}),  # one input channel: transposed columns
])
@pytest.mark.parametrize("activation", [None, "relu"])
def test_fused_max_pool_equals_max_pool_of_conv_values_and_gradients(shape, kernel, pool,
                                                                     kwargs, activation):
    rng = np.random.default_rng(3)
    x, w, b = rng.normal(size=shape), rng.normal(size=kernel), rng.normal(size=kernel[-1])
    x[0, 0] = x[0, 1]  # equal inputs: ties inside windows
    data_format = kwargs.get("data_format", "channels_last")

    def fused(x, w, b):
        return conv2d(x, w, b, activation=activation, max_pool=pool, **kwargs)

    def separate(x, w, b):
        y = conv2d(x, w, b, activation=activation, **kwargs)
        return nr.functions.max_pool2d(y, pool, data_format=data_format)

    results = []
    for fn in (separate, fused):
        ts = [nr.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = fn(*ts)
        (y * nr.tensor(np.random.default_rng(0).normal(size=y.shape))).sum().backward()
        results.append([y.data] + [t.grad for t in ts])
    for got, want in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape, pool", [((3, 9, 9, 1), 2), ((2, 8, 11, 3), (2, 3))])
def test_fused_max_pool_weight_and_bias_gradients_without_the_input_gradient(shape, pool):
    # the first layer's case: the ReLU's mask is applied chunk by chunk inside the
    # weight-gradient pass instead of on the whole pooled gradient
    rng = np.random.default_rng(6)
    x, w, b = rng.normal(size=shape), rng.normal(size=(3, 3, shape[-1], 4)), rng.normal(size=4)
    grads = []
    for fused in (True, False):
        wt, bt = nr.tensor(w, requires_grad=True), nr.tensor(b, requires_grad=True)
        if fused:
            y = conv2d(nr.tensor(x), wt, bt, activation="relu", max_pool=pool)
        else:
            y = nr.functions.max_pool2d(conv2d(nr.tensor(x), wt, bt, activation="relu"), pool)
        (y * nr.tensor(np.linspace(-1, 1, y.size).reshape(y.shape))).sum().backward()
        grads.append((y.data, wt.grad, bt.grad))
    for got, want in zip(*grads, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_fused_max_pool_1d_and_without_bias_or_input_gradient():
    rng = np.random.default_rng(4)
    x, w = rng.normal(size=(4, 11, 3)), rng.normal(size=(3, 3, 5))
    wt = nr.tensor(w, requires_grad=True)
    y = conv1d(nr.tensor(x), wt, activation="relu", max_pool=2)  # x needs no gradient
    y.sum().backward()
    ref_w = nr.tensor(w, requires_grad=True)
    ref = nr.functions.max_pool1d(conv1d(nr.tensor(x), ref_w, activation="relu"), 2)
    ref.sum().backward()
    assert y.shape == (4, 4, 5)
    np.testing.assert_allclose(y.data, ref.data, rtol=1e-12)
    np.testing.assert_allclose(wt.grad, ref_w.grad, rtol=1e-10)


def test_fused_max_pool_saves_the_pooled_output_and_one_byte_per_window():
    x = nr.from_numpy(_n(2, 8, 8, 3).astype(np.float32))
    w = nr.from_numpy(_n(3, 3, 3, 4).astype(np.float32)).requires_grad_(True)
    y = conv2d(x, w, activation="relu", max_pool=2)
    _, _, _, out, first = y.creator.saved
    assert out is y.data and y.shape == (2, 3, 3, 4)
    assert first.dtype == np.uint8 and first.shape == y.shape
    with nr.no_grad():
        np.testing.assert_array_equal(conv2d(x, w, activation="relu", max_pool=2).data, y.data)


def test_fused_max_pool_computes_only_the_outputs_its_windows_read():
    # 13x13 images, 3x3 kernel: 11x11 outputs, of which a pool of 2 reads 10x10
    x = nr.tensor(_n(2, 13, 13, 3), requires_grad=True)
    w = nr.tensor(_n(3, 3, 3, 4), requires_grad=True)
    y = conv2d(x, w, activation="relu", max_pool=2)
    assert y.shape == (2, 5, 5, 4) and y.creator.plan.response == (10, 10)
    y.sum().backward()
    # the last input row and column feed only the discarded outputs
    assert not x.grad[:, 12].any() and not x.grad[:, :, 12].any()
    assert x.grad[:, 11].any()


@pytest.mark.parametrize("pool, match", [
    (0, "max_pool must be >= 1"),
    ((2, 2, 2), "max_pool must be an int or a tuple of 2 ints"),
    (9, r"max_pool window \(9, 9\) is larger than the convolution's output \(6, 6\)"),
])
def test_fused_max_pool_rejects_bad_windows(pool, match):
    with pytest.raises(ValueError, match=match):
        conv2d(nr.ones(1, 8, 8, 1), nr.ones(3, 3, 1, 2), max_pool=pool)


def test_fused_max_pool_split_across_threads_matches_one_thread(split_work):
    rng = np.random.default_rng(5)
    x, w, b = rng.normal(size=(5, 9, 8, 3)), rng.normal(size=(3, 3, 3, 4)), rng.normal(size=4)
    split_work(lambda x, w, b: conv2d(x, w, b, activation="relu", max_pool=2), x, w, b)
