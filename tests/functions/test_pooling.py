"""Registry cases and error tests for neurona/functions/pooling.py.

The NumPy references below are written independently of the implementation: they visit every
output position and reduce its window, with the window bounds from TensorFlow's padding rule.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurona as nr
from neurona.functions import pooling as P
from neurona.functions import reduction as R

from .opcheck import OpCase, op_tests

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = TF = None

rng = np.random.default_rng(0)


def _distinct(*shape, seed=0):
    """Values at least 0.05 apart: no ties, so max pooling is differentiable everywhere."""
    r = np.random.default_rng(seed)
    return (r.permutation(math.prod(shape)).reshape(shape) * 0.05 - 1.0).astype(np.float64)


IMG = _distinct(2, 6, 6, 3)
IMG_ODD = _distinct(2, 7, 5, 2, seed=1)
IMG_7 = _distinct(2, 7, 7, 2, seed=2)
IMG_RECT = _distinct(2, 5, 7, 2, seed=3)
IMG_CF = _distinct(2, 3, 6, 5, seed=4)
IMG_VIEW = _distinct(2, 6, 12, 2, seed=5)[:, :, ::2]  # non-contiguous (2, 6, 6, 2)
SEQ = _distinct(2, 9, 3, seed=6)
SEQ_8 = _distinct(2, 8, 3, seed=7)
SEQ_CF = _distinct(2, 3, 9, seed=8)
IMG_11 = _distinct(2, 11, 11, 2, seed=9)
IMG_11_CF = _distinct(2, 2, 11, 9, seed=10)
SEQ_11_CF = _distinct(2, 3, 11, seed=11)
SMALL = rng.normal(size=(2, 3, 4, 2))
SMALL_CF = rng.normal(size=(2, 2, 3, 4))
VOL = rng.normal(size=(2, 3, 2, 4, 3))


# -- references ------------------------------------------------------------------------------------


def _tf_windows(size, k, s, padding):
    """(start, stop) of each output's window over real positions, by TensorFlow's rule."""
    if padding == "valid":
        out = (size - k) // s + 1
        before = 0
    else:
        out = math.ceil(size / s)
        before = max((out - 1) * s + k - size, 0) // 2
    return [(max(o * s - before, 0), min(o * s - before + k, size)) for o in range(out)]


def np_pool(x, pool, strides=None, padding="valid", data_format="channels_last", op="max"):
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    nd = x.ndim - 2
    pool = (pool,) * nd if isinstance(pool, int) else pool
    strides = pool if strides is None else strides
    strides = (strides,) * nd if isinstance(strides, int) else strides
    windows = [_tf_windows(x.shape[1 + i], pool[i], strides[i], padding) for i in range(nd)]
    out = np.empty((x.shape[0], *[len(w) for w in windows], x.shape[-1]), x.dtype)
    for pos in itertools.product(*[range(len(w)) for w in windows]):
        index = (slice(None),) + tuple(slice(*windows[i][p]) for i, p in enumerate(pos))
        block = x[index]
        axes = tuple(range(1, nd + 1))
        out[(slice(None),) + pos] = block.max(axis=axes) if op == "max" else block.mean(axis=axes)
    return np.moveaxis(out, -1, 1) if data_format == "channels_first" else out


def np_upsample(x, size, interpolation="nearest", data_format="channels_last"):
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    nd = x.ndim - 2
    sizes = (size,) * nd if isinstance(size, int) else size
    for i, s in enumerate(sizes):
        axis = 1 + i
        if interpolation == "nearest":
            x = np.repeat(x, s, axis=axis)
            continue
        n = x.shape[axis]
        rows = []
        for o in range(n * s):
            where = (o + 0.5) / s - 0.5  # TensorFlow's half-pixel centres
            lo, hi = max(math.floor(where), 0), min(math.ceil(where), n - 1)
            frac = where - math.floor(where)
            rows.append(np.take(x, lo, axis) * (1 - frac) + np.take(x, hi, axis) * frac)
        x = np.stack(rows, axis=axis)
    return np.moveaxis(x, -1, 1) if data_format == "channels_first" else x


# -- torch adapters --------------------------------------------------------------------------------


def _cl2d(fn):
    """A torch NCHW function applied to channels-last tensors."""
    return lambda t: fn(t.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


def _cl1d(fn):
    return lambda t: fn(t.permute(0, 2, 1)).permute(0, 2, 1)


def _max2d(*args, **kwargs):
    return _cl2d(lambda t: TF.max_pool2d(t, *args, **kwargs))


def _avg2d(*args, **kwargs):
    return _cl2d(lambda t: TF.avg_pool2d(t, *args, count_include_pad=False, **kwargs))


# -- cases -----------------------------------------------------------------------------------------

MAX = [
    OpCase("max_pool2d/2x2", lambda x: P.max_pool2d(x, 2), [IMG], lambda x: np_pool(x, 2),
           (P.MaxPool,), torch and _max2d(2)),
    OpCase("max_pool2d/valid_crops_remainder", lambda x: P.max_pool2d(x, (2, 2)), [IMG_ODD],
           lambda x: np_pool(x, 2), (P.MaxPool,), torch and _max2d(2)),
    OpCase("max_pool2d/overlapping", lambda x: P.max_pool2d(x, 3, strides=2), [IMG_7],
           lambda x: np_pool(x, 3, 2), (P.MaxPool,), torch and _max2d(3, 2)),
    OpCase("max_pool2d/rectangular", lambda x: P.max_pool2d(x, (2, 3), strides=(1, 2)),
           [IMG_RECT], lambda x: np_pool(x, (2, 3), (1, 2)), (P.MaxPool,),
           torch and _max2d((2, 3), (1, 2))),
    OpCase("max_pool2d/stride_over_pool", lambda x: P.max_pool2d(x, 2, strides=3), [IMG_7],
           lambda x: np_pool(x, 2, 3), (P.MaxPool,), torch and _max2d(2, 3)),
    OpCase("max_pool2d/pool_1_stride_2", lambda x: P.max_pool2d(x, 1, strides=2), [IMG_ODD],
           lambda x: np_pool(x, 1, 2), (P.MaxPool,), torch and _max2d(1, 2)),
    OpCase("max_pool2d/same_symmetric", lambda x: P.max_pool2d(x, 3, 1, "same"), [IMG_RECT],
           lambda x: np_pool(x, 3, 1, "same"), (P.MaxPool,), torch and _max2d(3, 1, 1)),
    OpCase("max_pool2d/same_extra_at_end", lambda x: P.max_pool2d(x, 2, padding="SAME"),
           [IMG_RECT], lambda x: np_pool(x, 2, 2, "same"), (P.MaxPool,),
           torch and _max2d(2, 2, ceil_mode=True)),
    OpCase("max_pool2d/channels_first", lambda x: P.max_pool2d(x, 2, data_format="channels_first"),
           [IMG_CF], lambda x: np_pool(x, 2, data_format="channels_first"), (P.MaxPool,),
           torch and (lambda t: TF.max_pool2d(t, 2))),
    OpCase("max_pool2d/non_contiguous", lambda x: P.max_pool2d(x, 2), [IMG_VIEW],
           lambda x: np_pool(x, 2), (P.MaxPool,), torch and _max2d(2)),
    OpCase("max_pool2d/tiles_crop_11_to_5", lambda x: P.max_pool2d(x, 2), [IMG_11],
           lambda x: np_pool(x, 2), (P.MaxPool,), torch and _max2d(2)),
    OpCase("max_pool2d/tiles_channels_first_same",
           lambda x: P.max_pool2d(x, (2, 3), padding="same", data_format="channels_first"),
           [IMG_11_CF], lambda x: np_pool(x, (2, 3), None, "same", "channels_first"),
           (P.MaxPool,), torch and (lambda t: TF.max_pool2d(t, (2, 3), ceil_mode=True))),
    OpCase("max_pool1d/tiles_channels_first_same",
           lambda x: P.max_pool1d(x, 3, padding="same", data_format="channels_first"),
           [SEQ_11_CF], lambda x: np_pool(x, 3, None, "same", "channels_first"), (P.MaxPool,),
           torch and (lambda t: TF.max_pool1d(t, 3, ceil_mode=True))),
    OpCase("max_pool1d/2", lambda x: P.max_pool1d(x, 2), [SEQ], lambda x: np_pool(x, 2),
           (P.MaxPool,), torch and _cl1d(lambda t: TF.max_pool1d(t, 2))),
    OpCase("max_pool1d/same", lambda x: P.max_pool1d(x, 3, 2, "same"), [SEQ_8],
           lambda x: np_pool(x, 3, 2, "same"), (P.MaxPool,),
           torch and _cl1d(lambda t: TF.max_pool1d(t, 3, 2, ceil_mode=True))),
    OpCase("max_pool1d/channels_first",
           lambda x: P.max_pool1d(x, 3, strides=1, data_format="channels_first"), [SEQ_CF],
           lambda x: np_pool(x, 3, 1, data_format="channels_first"), (P.MaxPool,),
           torch and (lambda t: TF.max_pool1d(t, 3, 1))),
]

AVG = [
    OpCase("avg_pool2d/2x2", lambda x: P.avg_pool2d(x, 2), [IMG],
           lambda x: np_pool(x, 2, op="avg"), (P.AvgPool,), torch and _avg2d(2)),
    OpCase("avg_pool2d/valid_crops_remainder", lambda x: P.avg_pool2d(x, 2), [IMG_ODD],
           lambda x: np_pool(x, 2, op="avg"), (P.AvgPool,), torch and _avg2d(2)),
    OpCase("avg_pool2d/overlapping", lambda x: P.avg_pool2d(x, 3, strides=2), [IMG_7],
           lambda x: np_pool(x, 3, 2, op="avg"), (P.AvgPool,), torch and _avg2d(3, 2)),
    OpCase("avg_pool2d/rectangular", lambda x: P.avg_pool2d(x, (2, 3), strides=(1, 2)),
           [IMG_RECT], lambda x: np_pool(x, (2, 3), (1, 2), op="avg"), (P.AvgPool,),
           torch and _avg2d((2, 3), (1, 2))),
    OpCase("avg_pool2d/stride_over_pool", lambda x: P.avg_pool2d(x, 2, strides=3), [IMG_7],
           lambda x: np_pool(x, 2, 3, op="avg"), (P.AvgPool,), torch and _avg2d(2, 3)),
    OpCase("avg_pool2d/same_symmetric", lambda x: P.avg_pool2d(x, 3, 1, "same"), [IMG_RECT],
           lambda x: np_pool(x, 3, 1, "same", op="avg"), (P.AvgPool,),
           torch and _avg2d(3, 1, 1)),
    OpCase("avg_pool2d/same_extra_at_end", lambda x: P.avg_pool2d(x, 2, padding="same"),
           [IMG_RECT], lambda x: np_pool(x, 2, 2, "same", op="avg"), (P.AvgPool,),
           torch and _avg2d(2, 2, ceil_mode=True)),
    OpCase("avg_pool2d/same_pool_1", lambda x: P.avg_pool2d(x, 1, 1, "same"), [SMALL],
           lambda x: np_pool(x, 1, 1, "same", op="avg"), (P.AvgPool,), torch and _avg2d(1, 1)),
    OpCase("avg_pool2d/channels_first",
           lambda x: P.avg_pool2d(x, 3, 1, "same", data_format="channels_first"), [IMG_CF],
           lambda x: np_pool(x, 3, 1, "same", "channels_first", op="avg"), (P.AvgPool,),
           torch and (lambda t: TF.avg_pool2d(t, 3, 1, 1, count_include_pad=False))),
    OpCase("avg_pool2d/channels_first_same_extra_at_end",
           lambda x: P.avg_pool2d(x, 3, 2, "same", data_format="channels_first"), [IMG_CF],
           lambda x: np_pool(x, 3, 2, "same", "channels_first", op="avg"), (P.AvgPool,)),
    OpCase("avg_pool2d/non_contiguous", lambda x: P.avg_pool2d(x, 2), [IMG_VIEW],
           lambda x: np_pool(x, 2, op="avg"), (P.AvgPool,), torch and _avg2d(2)),
    OpCase("avg_pool1d/2", lambda x: P.avg_pool1d(x, 2), [SEQ],
           lambda x: np_pool(x, 2, op="avg"), (P.AvgPool,),
           torch and _cl1d(lambda t: TF.avg_pool1d(t, 2))),
    OpCase("avg_pool1d/same", lambda x: P.avg_pool1d(x, 3, 2, "same"), [SEQ_8],
           lambda x: np_pool(x, 3, 2, "same", op="avg"), (P.AvgPool,),
           torch and _cl1d(lambda t: TF.avg_pool1d(t, 3, 2, ceil_mode=True,
                                                   count_include_pad=False))),
    OpCase("avg_pool1d/channels_first",
           lambda x: P.avg_pool1d(x, 3, 3, "same", data_format="channels_first"), [SEQ_CF],
           lambda x: np_pool(x, 3, 3, "same", "channels_first", op="avg"), (P.AvgPool,),
           torch and (lambda t: TF.avg_pool1d(t, 3, 3))),
]


def _interp(mode, size):
    kwargs = {} if mode == "nearest" else {"align_corners": False}
    return lambda t: TF.interpolate(t, scale_factor=size, mode=mode, **kwargs)


UPSAMPLE = [
    OpCase("upsample2d/nearest", lambda x: P.upsample2d(x, (2, 3)), [SMALL],
           lambda x: np_upsample(x, (2, 3)), (P.UpsampleNearest,),
           torch and _cl2d(_interp("nearest", (2, 3)))),
    OpCase("upsample2d/nearest_channels_first",
           lambda x: P.upsample2d(x, 2, data_format="channels_first"), [SMALL_CF],
           lambda x: np_upsample(x, 2, data_format="channels_first"), (P.UpsampleNearest,),
           torch and _interp("nearest", (2, 2))),
    OpCase("upsample2d/size_1", lambda x: P.upsample2d(x, 1), [SMALL], lambda x: x,
           (P.UpsampleNearest,), torch and _cl2d(_interp("nearest", (1, 1)))),
    OpCase("upsample2d/bilinear", lambda x: P.upsample2d(x, 2, "bilinear"), [SMALL],
           lambda x: np_upsample(x, 2, "bilinear"), (P.UpsampleBilinear,),
           torch and _cl2d(_interp("bilinear", (2, 2)))),
    OpCase("upsample2d/bilinear_rectangular", lambda x: P.upsample2d(x, (3, 1), "bilinear"),
           [SMALL], lambda x: np_upsample(x, (3, 1), "bilinear"), (P.UpsampleBilinear,),
           torch and _cl2d(_interp("bilinear", (3, 1)))),
    OpCase("upsample2d/bilinear_channels_first",
           lambda x: P.upsample2d(x, (2, 4), "bilinear", "channels_first"), [SMALL_CF],
           lambda x: np_upsample(x, (2, 4), "bilinear", "channels_first"),
           (P.UpsampleBilinear,), torch and _interp("bilinear", (2, 4))),
    OpCase("upsample1d", lambda x: P.upsample1d(x, 3), [SEQ], lambda x: np.repeat(x, 3, axis=1),
           (P.UpsampleNearest,), torch and _cl1d(_interp("nearest", 3))),
    OpCase("upsample1d/channels_first",
           lambda x: P.upsample1d(x, 2, data_format="channels_first"), [SEQ_CF],
           lambda x: np.repeat(x, 2, axis=2), (P.UpsampleNearest,),
           torch and _interp("nearest", 2)),
]

GLOBAL = [
    OpCase("global_avg_pool/2d", P.global_avg_pool, [SMALL], lambda x: x.mean(axis=(1, 2)),
           (R.Mean,), torch and (lambda t: t.mean(dim=(1, 2)))),
    OpCase("global_avg_pool/1d_keepdims", lambda x: P.global_avg_pool(x, keepdims=True), [SEQ],
           lambda x: x.mean(axis=1, keepdims=True), (R.Mean,),
           torch and (lambda t: t.mean(dim=1, keepdim=True))),
    OpCase("global_avg_pool/3d_channels_first",
           lambda x: P.global_avg_pool(x, "channels_first"), [VOL],
           lambda x: x.mean(axis=(2, 3, 4)), (R.Mean,),
           torch and (lambda t: t.mean(dim=(2, 3, 4)))),
    OpCase("global_max_pool/2d", P.global_max_pool, [IMG], lambda x: x.max(axis=(1, 2)),
           (R.Max,), torch and (lambda t: t.amax(dim=(1, 2)))),
    OpCase("global_max_pool/1d_channels_first_keepdims",
           lambda x: P.global_max_pool(x, "channels_first", keepdims=True), [SEQ_CF],
           lambda x: x.max(axis=2, keepdims=True), (R.Max,),
           torch and (lambda t: t.amax(dim=2, keepdim=True))),
]

CASES = MAX + AVG + UPSAMPLE + GLOBAL

test_forward, test_gradcheck, test_matches_torch = op_tests(CASES)


# -- behaviour ---------------------------------------------------------------------------------


def test_float32_stays_float32_through_backward():
    for fn in (lambda x: P.max_pool2d(x, 2), lambda x: P.avg_pool2d(x, 3, 2, "same"),
               lambda x: P.upsample2d(x, 2, "bilinear"), lambda x: P.upsample2d(x, 2)):
        t = nr.tensor(IMG_ODD.astype(np.float32), requires_grad=True)
        y = fn(t)
        assert y.dtype == np.float32
        y.sum().backward()
        assert t.grad.dtype == np.float32


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("args", [(2,), (3, 2), (3, 1, "same"), ((3, 2), (3, 2))])
def test_max_pool_ties_send_the_gradient_to_the_first_maximum_as_torch(args):
    x = np.random.default_rng(1).integers(0, 2, size=(2, 7, 9, 3)).astype(np.float64)
    t = nr.tensor(x, requires_grad=True)
    y = P.max_pool2d(t, *args)
    w = np.random.default_rng(2).normal(size=y.shape)
    (y * nr.tensor(w)).sum().backward()
    pool, strides = args[0], args[1] if len(args) > 1 else None
    padding = args[2] if len(args) > 2 else "valid"
    pad = 1 if padding == "same" else 0
    tx = torch.from_numpy(x).requires_grad_()
    ty = _max2d(pool, strides, pad)(tx)
    (ty * torch.from_numpy(w)).sum().backward()
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    np.testing.assert_allclose(t.grad, tx.grad.numpy(), atol=1e-12)
    # each window's gradient went to one position only
    assert np.count_nonzero(t.grad) <= y.size


def _torch_max_pool(x, w, nd, pool, strides, padding, data_format):
    """Forward and input gradient of PyTorch's max pooling, for geometries it shares with
    TensorFlow's rule (TensorFlow's 'same' puts the extra padding at the end: ceil_mode)."""
    tx = torch.from_numpy(x).requires_grad_()
    t = tx if data_format == "channels_first" else tx.movedim(-1, 1)
    fn = TF.max_pool2d if nd == 2 else TF.max_pool1d
    if padding == "same":
        sizes = x.shape[2:] if data_format == "channels_first" else x.shape[1:-1]
        pads = [max((-(-n // s) - 1) * s + k - n, 0)
                for n, k, s in zip(sizes, pool, strides, strict=True)]
        assert all(p % 2 == 0 or s == k for p, k, s in zip(pads, pool, strides, strict=True))
        ty = fn(t, pool, strides, [p // 2 for p in pads], ceil_mode=True)
    else:
        ty = fn(t, pool, strides)
    ty = ty if data_format == "channels_first" else ty.movedim(1, -1)
    (ty * torch.from_numpy(w)).sum().backward()
    return ty.detach().numpy(), tx.grad.numpy()


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("shape, nd, pool, padding, data_format", [
    ((3, 11, 11, 4), 2, (2, 2), "valid", "channels_last"),    # crops 11 -> 10
    ((3, 4, 11, 11), 2, (2, 2), "valid", "channels_first"),
    ((3, 9, 7, 4), 2, (2, 2), "same", "channels_last"),       # pads 9 -> 10, 7 -> 8
    ((3, 4, 13, 8), 2, (3, 3), "same", "channels_first"),  # pads 13 -> 15, 8 -> 9
    ((3, 11, 5), 1, (2,), "valid", "channels_last"),
    ((3, 5, 11), 1, (4,), "same", "channels_first"),
])
@pytest.mark.parametrize("values", ["after_relu", "all_equal"])
def test_tiled_windows_send_tied_gradients_to_the_first_maximum_as_torch(
        shape, nd, pool, padding, data_format, values):
    r = np.random.default_rng(3)
    x = np.maximum(r.normal(size=shape), 0.0) if values == "after_relu" else np.ones(shape)
    t = nr.tensor(x, requires_grad=True)
    y = (P.max_pool2d if nd == 2 else P.max_pool1d)(t, pool, None, padding, data_format)
    w = r.normal(size=y.shape)
    (y * nr.tensor(w)).sum().backward()
    ty, tgrad = _torch_max_pool(x, w, nd, pool, pool, padding, data_format)
    np.testing.assert_array_equal(y.data, ty)
    np.testing.assert_array_equal(t.grad, tgrad)
    assert np.count_nonzero(t.grad) == np.count_nonzero(w)  # one position per window


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@settings(max_examples=40, deadline=None)
@given(size=st.tuples(st.integers(1, 7), st.integers(1, 7)),
       pool=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       strides=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       data_format=st.sampled_from(["channels_last", "channels_first"]),
       seed=st.integers(0, 2**16))
def test_tied_gradients_match_torch_for_random_geometries(size, pool, strides, data_format,
                                                           seed):
    if any(k > n for k, n in zip(pool, size, strict=True)):
        return
    shape = (2, *size, 3) if data_format == "channels_last" else (2, 3, *size)
    r = np.random.default_rng(seed)
    x = r.integers(0, 3, size=shape).astype(np.float64)  # many ties
    t = nr.tensor(x, requires_grad=True)
    y = P.max_pool2d(t, pool, strides, "valid", data_format)
    w = r.normal(size=y.shape)
    (y * nr.tensor(w)).sum().backward()
    ty, tgrad = _torch_max_pool(x, w, 2, pool, strides, "valid", data_format)
    np.testing.assert_array_equal(y.data, ty)
    np.testing.assert_allclose(t.grad, tgrad, rtol=1e-12, atol=1e-12)


@pytest.mark.skipif(torch is None, reason="torch is not installed")
def test_windows_of_more_than_256_positions_use_a_wider_index():
    x = np.zeros((2, 17, 17, 3))
    x[0, 16, 16, 0] = 1.0  # the last of 289 positions
    x[1, 5, 9, 1] = x[1, 9, 5, 1] = 2.0
    t = nr.tensor(x, requires_grad=True)
    y = P.max_pool2d(t, 17)
    (parts,) = y.creator.saved  # one index array per part of the batch
    assert all(first.dtype == np.intp for first in parts)
    w = np.arange(1.0, 7.0).reshape(y.shape)
    (y * nr.tensor(w)).sum().backward()
    _, tgrad = _torch_max_pool(x, w, 2, (17, 17), (17, 17), "valid", "channels_last")
    np.testing.assert_array_equal(t.grad, tgrad)


@pytest.mark.parametrize("fn, shape, saved", [
    (lambda t: P.max_pool2d(t, 2), (4, 26, 26, 8), (4, 13, 13, 8)),
    (lambda t: P.max_pool2d(t, 2), (4, 11, 11, 8), (4, 5, 5, 8)),
    (lambda t: P.max_pool2d(t, 3, 2, "same", "channels_first"), (4, 8, 9, 9), (4, 8, 5, 5)),
    (lambda t: P.max_pool1d(t, 1, 2), (4, 9, 8), None),
])
def test_max_pool_saves_only_a_small_index_of_the_maximum(fn, shape, saved):
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    y = fn(nr.tensor(x, requires_grad=True))
    arrays = y.creator.saved
    if saved is None:  # one position per window: nothing to remember
        assert arrays == ()
        return
    (parts,) = arrays  # one index array per part of the batch
    first = np.concatenate(parts)
    assert first.shape == saved and first.dtype == np.uint8
    assert first.nbytes * 4 == y.data.nbytes


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_max_pool_nan_windows_give_nan_and_their_gradient_to_the_last_nan_as_torch(
        data_format):
    x = np.random.default_rng(4).normal(size=(2, 6, 6, 3))
    x[0, 0, 1, 0] = np.nan              # one NaN in a window
    x[0, 2, 2, 1] = x[0, 3, 2, 1] = np.nan  # two: the later one takes the gradient
    x[1, 4:, 4:, 2] = np.nan            # a window of NaNs
    x[1, 1, 1, 0] = np.inf
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    t = nr.tensor(x, requires_grad=True)
    y = P.max_pool2d(t, 2, data_format=data_format)
    w = np.random.default_rng(5).normal(size=y.shape)
    (y * nr.tensor(w)).sum().backward()
    ty, tgrad = _torch_max_pool(x, w, 2, (2, 2), (2, 2), "valid", data_format)
    np.testing.assert_array_equal(y.data, ty)  # NaN where torch has NaN
    assert np.isnan(y.data).sum() == 3
    np.testing.assert_array_equal(t.grad, tgrad)


def test_max_pool_same_never_picks_the_padding():
    x = -np.ones((1, 3, 3, 1))
    y = P.max_pool2d(nr.tensor(x), 2, padding="same")
    np.testing.assert_array_equal(y.data, -np.ones((1, 2, 2, 1)))


def test_avg_pool_same_divides_by_real_elements():
    y = P.avg_pool2d(nr.ones(1, 3, 3, 1), 2, padding="same")
    np.testing.assert_array_equal(y.data, np.ones((1, 2, 2, 1)))


def test_same_padding_accepts_a_pool_larger_than_the_input():
    x = _distinct(1, 2, 2, 1)
    y = P.max_pool2d(nr.tensor(x), 3, padding="same")
    np.testing.assert_array_equal(y.data, np.full((1, 1, 1, 1), x.max()))
    y = P.avg_pool2d(nr.tensor(x), 3, padding="same")
    np.testing.assert_allclose(y.data, np.full((1, 1, 1, 1), x.mean()))


def test_max_pool_on_integers_pads_with_the_lowest_integer():
    x = np.arange(-20, 5).reshape(1, 5, 5, 1)
    y = P.max_pool2d(x, 2, padding="same")
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.data, np_pool(x, 2, 2, "same"))


def test_inference_saves_nothing():
    geometry = {"axes": (1, 2), "pool": (2, 2), "strides": (2, 2), "pads": ((0, 0), (0, 0)),
                "outs": (3, 3)}
    fn = object.__new__(P.MaxPool)
    fn.__dict__.update(geometry)
    fn.needs_grad = (False,)
    y = fn.forward(IMG)
    np.testing.assert_array_equal(y, np_pool(IMG, 2))
    assert fn.saved == ()
    with nr.no_grad():
        assert P.max_pool2d(nr.tensor(IMG, requires_grad=True), 2).creator is None


@settings(max_examples=60, deadline=None)
@given(size=st.tuples(st.integers(1, 6), st.integers(1, 6)),
       pool=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       strides=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       padding=st.sampled_from(["valid", "same"]),
       data_format=st.sampled_from(["channels_last", "channels_first"]),
       op=st.sampled_from(["max", "avg"]))
def test_random_geometries_match_the_reference(size, pool, strides, padding, data_format, op):
    shape = (2, *size, 3) if data_format == "channels_last" else (2, 3, *size)
    x = _distinct(*shape)
    fn = P.max_pool2d if op == "max" else P.avg_pool2d
    t = nr.tensor(x, requires_grad=True)
    try:
        y = fn(t, pool, strides, padding, data_format)
    except ValueError as err:
        assert padding == "valid" and "is larger than" in str(err)
        return
    np.testing.assert_allclose(y.data, np_pool(x, pool, strides, padding, data_format, op),
                               rtol=1e-12)
    w = np.random.default_rng(0).uniform(0.5, 1.5, size=y.shape)
    (y * nr.tensor(w)).sum().backward()
    # max pool sends each window's weight to one real input, average pool spreads it over
    # the window's real inputs: either way, nothing is lost or created
    np.testing.assert_allclose(t.grad.sum(), w.sum(), rtol=1e-12)


def test_inputs_are_never_modified():
    # one window per axis: the gathered window positions are contiguous slices of the input
    for fn in (P.max_pool1d, P.avg_pool1d):
        x = _distinct(1, 2, 3)
        before = x.copy()
        fn(nr.tensor(x), 2)
        fn(nr.tensor(x, requires_grad=True), 2)
        np.testing.assert_array_equal(x, before)


def test_empty_batch():
    y = P.max_pool2d(nr.zeros(0, 4, 4, 3), 2)
    assert y.shape == (0, 2, 2, 3)
    assert P.upsample2d(nr.zeros(0, 2, 2, 1), 2, "bilinear").shape == (0, 4, 4, 1)


def test_arrays_are_accepted():
    y = P.avg_pool1d(SEQ, 3)
    np.testing.assert_allclose(y.data, np_pool(SEQ, 3, op="avg"))


# -- errors --------------------------------------------------------------------------------------


def test_pool_larger_than_input_with_valid_padding():
    with pytest.raises(ValueError, match=r"max_pool2d: pool_size \(3, 3\) is larger than the "
                                         r"input's spatial size \(2, 5\) \(input shape "
                                         r"\(1, 2, 5, 1\)\) with padding='valid'; use "
                                         r"padding='same'"):
        P.max_pool2d(nr.zeros(1, 2, 5, 1), 3)
    with pytest.raises(ValueError, match=r"avg_pool1d: pool_size \(4,\) is larger"):
        P.avg_pool1d(nr.zeros(1, 3, 1), 4)


def test_bad_padding():
    with pytest.raises(ValueError, match=r"avg_pool2d: padding must be 'valid' or 'same', got "
                                         r"'full'"):
        P.avg_pool2d(nr.zeros(1, 4, 4, 1), 2, padding="full")
    with pytest.raises(ValueError, match=r"max_pool1d: padding must be 'valid' or 'same', got 1"):
        P.max_pool1d(nr.zeros(1, 4, 1), 2, padding=1)


def test_bad_rank():
    with pytest.raises(ValueError, match=r"max_pool2d expects 4-D inputs \(batch, height, width, "
                                         r"channels\) for data_format='channels_last', got "
                                         r"shape \(2, 3, 4\)"):
        P.max_pool2d(nr.zeros(2, 3, 4), 2)
    with pytest.raises(ValueError, match=r"avg_pool1d expects 3-D inputs \(batch, channels, "
                                         r"steps\) for data_format='channels_first'"):
        P.avg_pool1d(nr.zeros(2, 3), 2, data_format="channels_first")
    with pytest.raises(ValueError, match=r"upsample2d expects 4-D inputs"):
        P.upsample2d(nr.zeros(2, 3, 4), 2)
    with pytest.raises(ValueError, match=r"global_avg_pool expects 3-D, 4-D or 5-D inputs"):
        P.global_avg_pool(nr.zeros(2, 3))
    with pytest.raises(ValueError, match=r"global_max_pool: cannot pool over empty spatial axes"):
        P.global_max_pool(nr.zeros(2, 0, 3))


def test_bad_data_format():
    for call in (lambda: P.max_pool2d(nr.zeros(1, 4, 4, 1), 2, data_format="NHWC"),
                 lambda: P.global_max_pool(nr.zeros(1, 4, 1), "NHWC"),
                 lambda: P.upsample2d(nr.zeros(1, 4, 4, 1), data_format="NHWC")):
        with pytest.raises(ValueError, match=r"data_format must be 'channels_last' or "
                                             r"'channels_first', got 'NHWC'"):
            call()


def test_bad_sizes():
    with pytest.raises(ValueError, match=r"max_pool2d: pool_size must be a positive int or a "
                                         r"tuple of 2 of them, got \(2, 2, 2\)"):
        P.max_pool2d(nr.zeros(1, 4, 4, 1), (2, 2, 2))
    with pytest.raises(ValueError, match=r"max_pool1d: strides must be a positive int, got 0"):
        P.max_pool1d(nr.zeros(1, 4, 1), 2, strides=0)
    with pytest.raises(ValueError, match=r"pool_size must be a positive int or a tuple of 2 of "
                                         r"them, got 2.5"):
        P.avg_pool2d(nr.zeros(1, 4, 4, 1), 2.5)
    with pytest.raises(ValueError, match=r"upsample2d: size must be a positive int or a tuple of "
                                         r"2 of them, got -1"):
        P.upsample2d(nr.zeros(1, 4, 4, 1), -1)
    with pytest.raises(ValueError, match=r"upsample2d: interpolation must be 'nearest' or "
                                         r"'bilinear', got 'bicubic'"):
        P.upsample2d(nr.zeros(1, 4, 4, 1), 2, "bicubic")


def test_avg_pool_refuses_integer_inputs():
    with pytest.raises(TypeError, match=r"avg_pool2d expects floating-point inputs, got dtype "
                                        r"int64; cast first"):
        P.avg_pool2d(np.ones((1, 4, 4, 1), np.int64), 2)


@pytest.mark.parametrize("fn, shape", [
    (lambda t: P.max_pool2d(t, 2), (5, 7, 6, 3)),
    (lambda t: P.max_pool2d(t, 3, 2, "same"), (5, 7, 6, 3)),
    (lambda t: P.max_pool2d(t, 3, 1, data_format="channels_first"), (5, 3, 7, 6)),
    (lambda t: P.max_pool1d(t, 1, 2), (5, 7, 3)),
])
def test_max_pool_split_across_threads_matches_one_thread(split_work, fn, shape):
    x = np.random.default_rng(0).normal(size=shape)
    x.flat[0] = np.nan
    x[3, 1] = x[3, 2]  # ties
    split_work(fn, x)
