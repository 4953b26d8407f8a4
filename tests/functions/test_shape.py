"""Registry cases and error tests for neurona/functions/shape.py."""

import numpy as np
import pytest

import neurona as nr
import neurona.functions as F
from neurona.functions import shape as S

from .opcheck import OpCase, op_tests

try:
    import torch
    import torch.nn.functional as tF
except ImportError:  # pragma: no cover
    torch = tF = None

rng = np.random.default_rng(0)
M = rng.normal(size=(3, 4))
M2 = rng.normal(size=(3, 4))
M3 = rng.normal(size=(3, 4))
T3 = rng.normal(size=(2, 3, 4))
V = rng.normal(size=(5,))
SC = np.array(1.3)
SC2 = np.array(-0.4)
VIEW = rng.normal(size=(4, 6))[:, ::2]  # non-contiguous (4, 3)
VIEW_T = rng.normal(size=(3, 4)).T  # non-contiguous (4, 3)
ONES = rng.normal(size=(1, 3, 1, 2))
COL = rng.normal(size=(3, 1))
IMG = rng.normal(size=(1, 2, 4, 5))
SEQ = rng.normal(size=(2, 3, 5))
MASK = M > 0
ROWS = np.array([True, False, True])


def _t(a):
    return torch.as_tensor(a)


def _0d(t):
    # the checker may hand torch a 0-d input as shape (1,); make it 0-d again
    return t.reshape(())


RESHAPE = [
    OpCase("reshape/basic", lambda x: x.reshape(4, 3), [M], lambda x: x.reshape(4, 3),
           (S.Reshape,), lambda t: t.reshape(4, 3)),
    OpCase("reshape/infer", lambda x: F.reshape(x, (2, -1, 2)), [T3],
           lambda x: x.reshape(2, -1, 2), (S.Reshape,), lambda t: torch.reshape(t, (2, -1, 2))),
    OpCase("reshape/non_contiguous", lambda x: x.reshape(-1), [VIEW_T], lambda x: x.reshape(-1),
           (S.Reshape,), lambda t: torch.reshape(t, (-1,))),
    OpCase("reshape/scalar_up", lambda x: x.reshape(1, 1), [SC], lambda x: x.reshape(1, 1),
           (S.Reshape,), lambda t: t.reshape(1, 1)),
    OpCase("reshape/to_scalar", lambda x: x.reshape(()), [np.array([0.7])],
           lambda x: x.reshape(()), (S.Reshape,), lambda t: t.reshape(())),
    OpCase("view", lambda x: x.view((12,)), [M], lambda x: x.reshape(12), (S.Reshape,),
           lambda t: t.view(12)),
    OpCase("flatten/from_1", lambda x: F.flatten(x, 1), [T3], lambda x: x.reshape(2, 12),
           (S.Reshape,), lambda t: torch.flatten(t, 1)),
    OpCase("flatten/first_two", lambda x: x.flatten(0, -2), [T3], lambda x: x.reshape(6, 4),
           (S.Reshape,), lambda t: torch.flatten(t, 0, -2)),
    OpCase("flatten/scalar", F.flatten, [SC], lambda x: x.reshape(1), (S.Reshape,),
           torch and torch.flatten),
    OpCase("squeeze/all", F.squeeze, [ONES], np.squeeze, (S.Reshape,), torch and torch.squeeze),
    OpCase("squeeze/axes", lambda x: x.squeeze((0, -2)), [ONES],
           lambda x: np.squeeze(x, (0, 2)), (S.Reshape,), lambda t: torch.squeeze(t, (0, -2))),
    OpCase("squeeze/scalar", F.squeeze, [SC], np.squeeze, (S.Reshape,), torch and torch.squeeze),
    OpCase("unsqueeze/middle", lambda x: x.unsqueeze(1), [M], lambda x: x[:, None],
           (S.Reshape,), lambda t: torch.unsqueeze(t, 1)),
    OpCase("unsqueeze/last", lambda x: F.unsqueeze(x, -1), [VIEW], lambda x: x[..., None],
           (S.Reshape,), lambda t: torch.unsqueeze(t, -1)),
    OpCase("unsqueeze/scalar", lambda x: F.unsqueeze(x, 0), [SC], lambda x: x[None],
           (S.Reshape,), lambda t: torch.unsqueeze(_0d(t), 0)),
    OpCase("unsqueeze/tuple", lambda x: F.unsqueeze(x, (0, 3)), [M],
           lambda x: np.expand_dims(x, (0, 3)), (S.Reshape,),
           lambda t: t.unsqueeze(0).unsqueeze(3)),
]

TRANSPOSE = [
    OpCase("transpose/T", lambda x: x.T, [M], np.transpose, (S.Transpose,), lambda t: t.T),
    OpCase("transpose/no_args", lambda x: x.transpose(), [T3], np.transpose, (S.Transpose,),
           lambda t: t.permute(2, 1, 0)),
    OpCase("transpose/perm", lambda x: x.transpose(2, 0, 1), [T3],
           lambda x: x.transpose(2, 0, 1), (S.Transpose,), lambda t: t.permute(2, 0, 1)),
    OpCase("transpose/negative_axes", lambda x: F.transpose(x, (-1, 0, 1)), [T3],
           lambda x: x.transpose(2, 0, 1), (S.Transpose,), lambda t: t.permute(-1, 0, 1)),
    OpCase("transpose/non_contiguous", lambda x: x.T, [VIEW], np.transpose, (S.Transpose,),
           lambda t: t.T),
    OpCase("transpose/scalar", F.transpose, [SC], np.transpose, (S.Transpose,), lambda t: t),
    OpCase("permute", lambda x: F.permute(x, (0, 2, 1)), [T3], lambda x: x.transpose(0, 2, 1),
           (S.Transpose,), lambda t: t.permute(0, 2, 1)),
    OpCase("permute/method", lambda x: x.permute(1, 0), [VIEW_T], np.transpose, (S.Transpose,),
           lambda t: t.permute(1, 0)),
    OpCase("swapaxes", lambda x: F.swapaxes(x, 0, -1), [T3], lambda x: np.swapaxes(x, 0, -1),
           (S.Transpose,), lambda t: torch.swapaxes(t, 0, -1)),
]

BROADCAST = [
    OpCase("expand/new_axis", lambda x: x.expand(2, 3, 4), [COL],
           lambda x: np.broadcast_to(x, (2, 3, 4)), (S.BroadcastTo,),
           lambda t: t.expand(2, 3, 4)),
    OpCase("expand/keep", lambda x: F.expand(x, (-1, 5)), [COL],
           lambda x: np.broadcast_to(x, (3, 5)), (S.BroadcastTo,), lambda t: t.expand(-1, 5)),
    OpCase("expand/scalar", lambda x: x.expand(2, 3), [SC],
           lambda x: np.broadcast_to(x, (2, 3)), (S.BroadcastTo,), lambda t: t.expand(2, 3)),
    OpCase("broadcast_to", lambda x: F.broadcast_to(x, (4, 5)), [V],
           lambda x: np.broadcast_to(x, (4, 5)), (S.BroadcastTo,),
           lambda t: torch.broadcast_to(t, (4, 5))),
    OpCase("broadcast_to/non_contiguous", lambda x: x.broadcast_to((2, 4, 3)), [VIEW],
           lambda x: np.broadcast_to(x, (2, 4, 3)), (S.BroadcastTo,),
           lambda t: torch.broadcast_to(t, (2, 4, 3))),
    OpCase("broadcast_to/same", lambda x: F.broadcast_to(x, (3, 4)), [M], lambda x: x,
           (S.BroadcastTo,), lambda t: torch.broadcast_to(t, (3, 4))),
]

JOIN = [
    OpCase("concat/axis0", lambda a, b: F.concat([a, b]), [M, rng.normal(size=(2, 4))],
           lambda a, b: np.concatenate([a, b]), (S.Concat,), lambda a, b: torch.cat([a, b])),
    OpCase("concat/last_axis", lambda a, b: F.concat((a, b), axis=-1),
           [M, rng.normal(size=(3, 2))], lambda a, b: np.concatenate([a, b], -1), (S.Concat,),
           lambda a, b: torch.cat([a, b], -1)),
    OpCase("concat/non_contiguous", lambda a, b, c: F.concat([a, b, c]),
           [VIEW, VIEW_T, rng.normal(size=(1, 3))], lambda a, b, c: np.concatenate([a, b, c]),
           (S.Concat,), lambda a, b, c: torch.cat([a, b, c])),
    OpCase("concat/one", lambda a: F.concat([a], axis=1), [M], lambda a: a.copy(), (S.Concat,),
           lambda a: torch.cat([a], 1)),
    OpCase("concat/some_need_grad", lambda a, b: F.concat([a, b], axis=1), [M, M2],
           lambda a, b: np.concatenate([a, b], 1), (S.Concat,),
           lambda a, b: torch.cat([a, b], 1), grad=(1,)),
    OpCase("stack/axis0", lambda a, b: F.stack([a, b]), [M, M2], lambda a, b: np.stack([a, b]),
           (S.Stack,), lambda a, b: torch.stack([a, b])),
    OpCase("stack/last_axis", lambda a, b, c: F.stack([a, b, c], axis=-1), [M, M2, M3],
           lambda a, b, c: np.stack([a, b, c], -1), (S.Stack,),
           lambda a, b, c: torch.stack([a, b, c], -1)),
    OpCase("stack/scalars", lambda a, b: F.stack([a, b]), [SC, SC2],
           lambda a, b: np.stack([a, b]), (S.Stack,),
           lambda a, b: torch.stack([_0d(a), _0d(b)])),
    OpCase("stack/non_contiguous", lambda a, b: F.stack([a, b], axis=1), [VIEW, VIEW_T],
           lambda a, b: np.stack([a, b], 1), (S.Stack,), lambda a, b: torch.stack([a, b], 1)),
    OpCase("stack/one", lambda a: F.stack([a], axis=2), [M], lambda a: a[:, :, None],
           (S.Stack,), lambda a: torch.stack([a], 2)),
]

SPLIT = [
    OpCase("split/sections", lambda x: F.split(x, 2, axis=1), [M],
           lambda x: np.split(x, 2, axis=1), (S.Split,),
           lambda t: torch.tensor_split(t, 2, dim=1)),
    OpCase("split/indices", lambda x: x.split([1, 3]), [rng.normal(size=(5, 2))],
           lambda x: np.split(x, [1, 3]), (S.Split,), lambda t: torch.tensor_split(t, [1, 3])),
    OpCase("split/negative_and_past_end", lambda x: F.split(x, [-2, 9]), [V],
           lambda x: np.split(x, [-2, 9]), (S.Split,), lambda t: torch.tensor_split(t, [-2, 9])),
    OpCase("split/overlapping", lambda x: F.split(x, [3, 1]), [V],
           lambda x: np.split(x, [3, 1]), (S.Split,), lambda t: torch.tensor_split(t, [3, 1])),
    OpCase("split/one", lambda x: F.split(x, 1, axis=-1), [VIEW],
           lambda x: np.split(x, 1, axis=-1), (S.Split,),
           lambda t: torch.tensor_split(t, 1, dim=-1)),
    OpCase("chunk/uneven", lambda x: F.chunk(x, 3, axis=1), [rng.normal(size=(2, 10))],
           lambda x: np.split(x, [4, 8], axis=1), (S.Split,),
           lambda t: torch.chunk(t, 3, dim=1)),
    OpCase("chunk/fewer_pieces", lambda x: x.chunk(4), [V], lambda x: np.split(x, [2, 4]),
           (S.Split,), lambda t: torch.chunk(t, 4)),
    OpCase("chunk/non_contiguous", lambda x: F.chunk(x, 2), [VIEW_T],
           lambda x: np.split(x, 2), (S.Split,), lambda t: torch.chunk(t, 2)),
]

PAD = [
    OpCase("pad/constant_int", lambda x: F.pad(x, 1), [M], lambda x: np.pad(x, 1), (S.Pad,),
           lambda t: tF.pad(t, (1, 1, 1, 1))),
    OpCase("pad/constant_pairs_value", lambda x: x.pad(((1, 0), (2, 3)), value=0.5), [M],
           lambda x: np.pad(x, ((1, 0), (2, 3)), constant_values=0.5), (S.Pad,),
           lambda t: tF.pad(t, (2, 3, 1, 0), value=0.5)),
    OpCase("pad/constant_one_pair", lambda x: F.pad(x, (0, 2)), [VIEW],
           lambda x: np.pad(x, (0, 2)), (S.Pad,), lambda t: tF.pad(t, (0, 2, 0, 2))),
    OpCase("pad/reflect", lambda x: F.pad(x, ((0, 0), (0, 0), (2, 1)), mode="reflect"), [SEQ],
           lambda x: np.pad(x, ((0, 0), (0, 0), (2, 1)), mode="reflect"), (S.Pad,),
           lambda t: tF.pad(t, (2, 1), mode="reflect")),
    OpCase("pad/reflect_2d", lambda x: F.pad(x, ((0, 0), (0, 0), (1, 3), (4, 1)), "reflect"),
           [IMG], lambda x: np.pad(x, ((0, 0), (0, 0), (1, 3), (4, 1)), mode="reflect"),
           (S.Pad,), lambda t: tF.pad(t, (4, 1, 1, 3), mode="reflect")),
    OpCase("pad/reflect_longer_than_axis", lambda x: F.pad(x, ((0, 0), (4, 5)), "reflect"),
           [M], lambda x: np.pad(x, ((0, 0), (4, 5)), mode="reflect"), (S.Pad,)),
    OpCase("pad/reflect_size_one_axis", lambda x: F.pad(x, ((1, 0), (2, 2)), "reflect"),
           [COL], lambda x: np.pad(x, ((1, 0), (2, 2)), mode="reflect"), (S.Pad,)),
    OpCase("pad/edge", lambda x: F.pad(x, ((0, 0), (0, 0), (2, 3)), mode="edge"), [SEQ],
           lambda x: np.pad(x, ((0, 0), (0, 0), (2, 3)), mode="edge"), (S.Pad,),
           lambda t: tF.pad(t, (2, 3), mode="replicate")),
    OpCase("pad/edge_2d_non_contiguous", lambda x: F.pad(x, ((1, 2), (2, 1)), "edge"), [VIEW],
           lambda x: np.pad(x, ((1, 2), (2, 1)), mode="edge"), (S.Pad,),
           lambda t: tF.pad(t[None], (2, 1, 1, 2), mode="replicate")[0]),
    OpCase("pad/replicate_alias", lambda x: F.pad(x, ((0, 0), (0, 0), (3, 0), (0, 2)),
                                                  "replicate"),
           [IMG], lambda x: np.pad(x, ((0, 0), (0, 0), (3, 0), (0, 2)), mode="edge"), (S.Pad,),
           lambda t: tF.pad(t, (0, 2, 3, 0), mode="replicate")),
    OpCase("pad/scalar", lambda x: F.pad(x, 2), [SC], lambda x: np.pad(x, 2), (S.Pad,)),
]

REPEAT = [
    OpCase("repeat/int_axis", lambda x: F.repeat(x, 2, axis=1), [M],
           lambda x: np.repeat(x, 2, axis=1), (S.Repeat,),
           lambda t: torch.repeat_interleave(t, 2, dim=1)),
    OpCase("repeat/flattened", lambda x: x.repeat(3), [M], lambda x: np.repeat(x, 3),
           (S.Repeat,), lambda t: torch.repeat_interleave(t, 3)),
    OpCase("repeat/per_element", lambda x: F.repeat(x, [1, 0, 3], axis=0), [M],
           lambda x: np.repeat(x, [1, 0, 3], axis=0), (S.Repeat,),
           lambda t: torch.repeat_interleave(t, torch.tensor([1, 0, 3]), dim=0)),
    OpCase("repeat/per_element_flattened", lambda x: F.repeat(x, np.arange(12) % 3), [M],
           lambda x: np.repeat(x, np.arange(12) % 3), (S.Repeat,),
           lambda t: torch.repeat_interleave(t, torch.arange(12) % 3)),
    OpCase("repeat/non_contiguous", lambda x: F.repeat(x, [2, 1, 1, 3], axis=-2), [VIEW_T],
           lambda x: np.repeat(x, [2, 1, 1, 3], axis=0), (S.Repeat,),
           lambda t: torch.repeat_interleave(t, torch.tensor([2, 1, 1, 3]), dim=-2)),
    OpCase("repeat/scalar", lambda x: F.repeat(x, 3), [SC], lambda x: np.repeat(x, 3),
           (S.Repeat,), lambda t: torch.repeat_interleave(t, 3)),
    OpCase("tile/2d", lambda x: F.tile(x, (2, 3)), [M], lambda x: np.tile(x, (2, 3)), (S.Tile,),
           lambda t: torch.tile(t, (2, 3))),
    OpCase("tile/more_reps", lambda x: x.tile((2, 1, 2)), [M], lambda x: np.tile(x, (2, 1, 2)),
           (S.Tile,), lambda t: torch.tile(t, (2, 1, 2))),
    OpCase("tile/fewer_reps", lambda x: F.tile(x, 2), [T3], lambda x: np.tile(x, 2), (S.Tile,),
           lambda t: torch.tile(t, (2,))),
    OpCase("tile/scalar", lambda x: F.tile(x, (2, 3)), [SC], lambda x: np.tile(x, (2, 3)),
           (S.Tile,), lambda t: torch.tile(t, (2, 3))),
    OpCase("tile/non_contiguous", lambda x: F.tile(x, (1, 2)), [VIEW],
           lambda x: np.tile(x, (1, 2)), (S.Tile,), lambda t: torch.tile(t, (1, 2))),
    OpCase("flip/all", F.flip, [M], np.flip, (S.Flip,), lambda t: torch.flip(t, (0, 1))),
    OpCase("flip/axis", lambda x: x.flip(1), [T3], lambda x: np.flip(x, 1), (S.Flip,),
           lambda t: torch.flip(t, (1,))),
    OpCase("flip/tuple", lambda x: F.flip(x, (0, -1)), [T3], lambda x: np.flip(x, (0, 2)),
           (S.Flip,), lambda t: torch.flip(t, (0, -1))),
    OpCase("flip/non_contiguous", lambda x: F.flip(x, 0), [VIEW_T], lambda x: np.flip(x, 0),
           (S.Flip,), lambda t: torch.flip(t, (0,))),
    OpCase("flip/scalar", F.flip, [SC], np.flip, (S.Flip,), lambda t: torch.flip(t, ())),
]

BASIC = (S.GetItem,)
ADV = (S.AdvancedGetItem,)
INDEX = [
    OpCase("getitem/int", lambda x: x[1], [M], lambda x: x[1], BASIC, lambda t: t[1]),
    OpCase("getitem/negative_int", lambda x: x[-1, 2], [M], lambda x: x[-1, 2], BASIC,
           lambda t: t[-1, 2]),
    OpCase("getitem/slices_steps", lambda x: x[::2, 1:], [M], lambda x: x[::2, 1:], BASIC,
           lambda t: t[::2, 1:]),
    OpCase("getitem/negative_steps", lambda x: x[::-1, 3:0:-2], [M],
           lambda x: x[::-1, 3:0:-2], BASIC),
    OpCase("getitem/ellipsis_newaxis", lambda x: x[..., None, 1], [T3],
           lambda x: x[..., None, 1], BASIC, lambda t: t[..., None, 1]),
    OpCase("getitem/scalar_ellipsis", lambda x: x[...], [SC], lambda x: x[...], BASIC,
           lambda t: t[...]),
    OpCase("getitem/scalar_newaxis", lambda x: x[None], [SC], lambda x: x[None], BASIC,
           lambda t: _0d(t)[None]),
    OpCase("getitem/non_contiguous", lambda x: x[1:, ::2], [VIEW_T], lambda x: x[1:, ::2],
           BASIC, lambda t: t[1:, ::2]),
    OpCase("getitem/bool_mask", lambda x: x[MASK], [M], lambda x: x[MASK], BASIC,
           lambda t: t[_t(MASK)]),
    OpCase("getitem/bool_tensor", lambda x: x[nr.tensor(MASK)], [M], lambda x: x[MASK], BASIC,
           lambda t: t[_t(MASK)]),
    OpCase("getitem/bool_rows_and_slice", lambda x: x[ROWS, 1:3], [M],
           lambda x: x[ROWS, 1:3], BASIC, lambda t: t[_t(ROWS), 1:3]),
    OpCase("getitem/bool_list", lambda x: x[:, [True, False, False, True]], [M],
           lambda x: x[:, [True, False, False, True]], BASIC,
           lambda t: t[:, _t([True, False, False, True])]),
    OpCase("getitem/int_0d_tensor", lambda x: x[nr.tensor(2)], [M], lambda x: x[2], BASIC,
           lambda t: t[2]),
    OpCase("getitem/list_repeated", lambda x: x[[0, 2, 0, 0]], [M], lambda x: x[[0, 2, 0, 0]],
           ADV, lambda t: t[[0, 2, 0, 0]]),
    OpCase("getitem/array_2d", lambda x: x[np.array([[0, 1], [1, 1]])], [M],
           lambda x: x[np.array([[0, 1], [1, 1]])], ADV, lambda t: t[_t([[0, 1], [1, 1]])]),
    OpCase("getitem/int_tensor", lambda x: x[nr.tensor([2, 2, 1])], [M], lambda x: x[[2, 2, 1]],
           ADV, lambda t: t[_t([2, 2, 1])]),
    OpCase("getitem/slice_and_array", lambda x: x[1:, [0, 3, 3]], [M],
           lambda x: x[1:, [0, 3, 3]], ADV, lambda t: t[1:, [0, 3, 3]]),
    OpCase("getitem/two_arrays", lambda x: x[[0, 1, 1], [2, 2, 3]], [M],
           lambda x: x[[0, 1, 1], [2, 2, 3]], ADV, lambda t: t[[0, 1, 1], [2, 2, 3]]),
    OpCase("getitem/negative_indices", lambda x: x[[-1, -1, 0]], [M], lambda x: x[[-1, -1, 0]],
           ADV, lambda t: t[[-1, -1, 0]]),
    OpCase("getitem/array_non_contiguous", lambda x: x[[1, 1, 3]], [VIEW], lambda x: x[[1, 1, 3]],
           ADV, lambda t: t[[1, 1, 3]]),
    OpCase("getitem/ellipsis_array", lambda x: x[..., [0, 0, 2]], [T3],
           lambda x: x[..., [0, 0, 2]], ADV, lambda t: t[..., [0, 0, 2]]),
    OpCase("getitem/arrays_apart", lambda x: x[[0, 1], :, [1, 1]], [T3],
           lambda x: x[[0, 1], :, [1, 1]], ADV, lambda t: t[[0, 1], :, [1, 1]]),
    OpCase("getitem/mask_and_array", lambda x: x[ROWS, [0, 0]], [M], lambda x: x[ROWS, [0, 0]],
           ADV, lambda t: t[_t(ROWS), [0, 0]]),
    OpCase("getitem/newaxis_array", lambda x: x[None, [2, 2]], [M], lambda x: x[None, [2, 2]],
           ADV, lambda t: t[None, [2, 2]]),
]

CASES = [*RESHAPE, *TRANSPOSE, *BROADCAST, *JOIN, *SPLIT, *PAD, *REPEAT, *INDEX]


test_forward, test_gradcheck, test_matches_torch = op_tests(CASES)


# -- behaviour beyond the registry ----------------------------------------------------------------


def _leaf(a, dtype="float64"):
    return nr.tensor(np.asarray(a, dtype=dtype), requires_grad=True)


@pytest.mark.parametrize("pick", [0, 1, 2])
def test_unused_chunks_still_backpropagate(pick):
    x = _leaf(np.arange(10.0))
    pieces = F.chunk(x, 3)  # sizes 4, 4, 2
    (pieces[pick] * 2.0).sum().backward()
    expected = np.zeros(10)
    lo, hi = [(0, 4), (4, 8), (8, 10)][pick]
    expected[lo:hi] = 2.0
    np.testing.assert_array_equal(x.grad, expected)


def test_unused_split_pieces_with_two_used():
    x = _leaf(np.arange(12.0).reshape(3, 4))
    a, _, c = F.split(x, [1, 3], axis=1)
    (a.sum() + (c * 3.0).sum()).backward()
    expected = np.zeros((3, 4))
    expected[:, :1] = 1.0
    expected[:, 3:] = 3.0
    np.testing.assert_array_equal(x.grad, expected)


def test_split_pieces_used_downstream_twice():
    x = _leaf(np.arange(6.0))
    a, b = F.split(x, 2)
    y = F.concat([b, a, b])
    (y * nr.tensor(np.arange(9.0))).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 4.0, 5.0, 0.0 + 6.0, 1.0 + 7.0, 2.0 + 8.0])


def test_split_returns_list_of_tensors():
    parts = F.split(nr.zeros(6, 2), 3)
    assert isinstance(parts, list) and [p.shape for p in parts] == [(2, 2)] * 3
    assert [p.shape for p in F.chunk(nr.zeros(0, 2), 3)] == [(0, 2)] * 3


def test_repeated_indices_accumulate():
    x = _leaf([1.0, 2.0, 3.0])
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


def test_bool_mask_gradient():
    x = _leaf([[1.0, -2.0], [-3.0, 4.0]])
    (x[x.detach() > 0] * 5.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [[5.0, 0.0], [0.0, 5.0]])


def test_float32_gradients_stay_float32():
    ops = [
        lambda x: x.reshape(-1), lambda x: x.T, lambda x: x.expand(2, 3, 4),
        lambda x: F.concat([x, x], 1), lambda x: F.stack([x, x]), lambda x: F.chunk(x, 2)[1],
        lambda x: F.pad(x, 1), lambda x: F.pad(x, 2, "reflect"), lambda x: F.pad(x, 1, "edge"),
        lambda x: F.pad(x, ((0, 0), (5, 0)), "reflect"), lambda x: F.repeat(x, [1, 2, 0], 0),
        lambda x: F.repeat(x, 2), lambda x: F.tile(x, 2), lambda x: F.flip(x),
        lambda x: x[1:, ::-1], lambda x: x[[0, 0]], lambda x: x[x.detach() > 0],
    ]
    for op in ops:
        x = _leaf(M, "float32")
        y = op(x)
        assert y.dtype == np.float32
        (y * 2.0).sum().backward()
        assert x.grad.dtype == np.float32 and x.grad.shape == (3, 4)


def test_reshape_and_transpose_are_views():
    x = nr.tensor(np.arange(6.0))
    assert np.shares_memory(x.reshape(2, 3).data, x.data)
    assert np.shares_memory(x.reshape(2, 3).T.data, x.data)
    assert np.shares_memory(x[1:4].data, x.data)


def test_inputs_are_not_mutated():
    a = M.copy()
    x = nr.tensor(a, requires_grad=True)
    for y in (x.reshape(4, 3), x[[0, 0]], F.pad(x, 1, "reflect"), F.split(x, 2, 1)[0]):
        (y * 2.0).sum().backward()
    np.testing.assert_array_equal(x.data, M)


def test_concat_and_stack_accept_arrays_and_lists():
    x = _leaf(np.ones((2, 2)))
    y = F.concat([x, np.zeros((1, 2)), [[5.0, 6.0]]])
    np.testing.assert_array_equal(y.data, [[1, 1], [1, 1], [0, 0], [5, 6]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 2)))
    z = F.stack([np.zeros(3), x[0, :1].expand(3)])
    assert z.shape == (2, 3)


def test_tensor_methods():
    x = nr.arange(24.0).reshape(2, 3, 4)
    assert x.view(6, 4).shape == (6, 4)
    assert x.reshape([4, -1]).shape == (4, 6)
    assert x.permute(2, 0, 1).shape == (4, 2, 3)
    assert x.permute((2, 0, 1)).shape == (4, 2, 3)
    assert x.transpose().shape == (4, 3, 2)
    assert x.swapaxes(0, 1).shape == (3, 2, 4)
    assert x[0].expand(5, 3, 4).shape == (5, 3, 4)
    assert x.squeeze().shape == (2, 3, 4)
    assert x.unsqueeze(0).shape == (1, 2, 3, 4)
    assert x.flatten().shape == (24,)
    assert [t.shape for t in x] == [(3, 4), (3, 4)]


# -- one_hot ---------------------------------------------------------------------------------------


def test_one_hot_values_and_shape():
    labels = np.array([[0, 2], [1, 1]])
    y = F.one_hot(labels, 3)
    assert y.shape == (2, 2, 3) and y.dtype == np.float32 and not y.requires_grad
    np.testing.assert_array_equal(y.data, np.eye(3)[labels])
    np.testing.assert_array_equal(F.one_hot(nr.tensor([1, 0]), 2, dtype="float64").data,
                                  [[0, 1], [1, 0]])
    assert F.one_hot(nr.tensor(1), 4).shape == (4,)
    assert F.one_hot([3, 0], 4, dtype="int64").dtype == np.int64
    if tF is not None:
        np.testing.assert_array_equal(y.data, tF.one_hot(_t(labels), 3).numpy())


def test_one_hot_errors():
    with pytest.raises(TypeError, match=r"one_hot: labels must be integers, got dtype float32"):
        F.one_hot(nr.tensor([1.0, 2.0]), 3)
    with pytest.raises(ValueError, match=r"one_hot: label -1 at position \(1, 0\) is negative; "
                                         r"labels must be in \[0, 3\)"):
        F.one_hot(np.array([[0, 1], [-1, 5]]), 3)
    with pytest.raises(ValueError, match=r"one_hot: label 3 at position \(2,\) is out of range "
                                         r"for num_classes=3"):
        F.one_hot([0, 2, 3, 4], 3)
    with pytest.raises(ValueError, match=r"one_hot: num_classes must be a positive integer, "
                                         "got 0"):
        F.one_hot([0], 0)


# -- error messages --------------------------------------------------------------------------------


def _x(*shape):
    return nr.zeros(*shape)


def test_reshape_errors():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\) "
                                         r"\(size 6\) into shape \(4, 2\) \(size 8\)"):
        _x(2, 3).reshape(4, 2)
    with pytest.raises(ValueError, match=r"shape \(4, -1\): 6 is not a multiple of 4"):
        _x(2, 3).reshape(4, -1)
    with pytest.raises(ValueError, match=r"reshape: only one size can be -1, got shape "
                                         r"\(-1, -1\)"):
        _x(2, 3).reshape(-1, -1)
    with pytest.raises(ValueError, match=r"reshape: invalid size -3"):
        _x(2, 3).reshape(-3, -2)
    with pytest.raises(TypeError, match=r"reshape: shape must be a sequence of integers"):
        F.reshape(_x(2, 3), (2.0, 3))


def test_flatten_and_axis_errors():
    with pytest.raises(ValueError, match=r"flatten: start_axis 2 comes after end_axis 1"):
        F.flatten(_x(2, 3, 4), 2, 1)
    with pytest.raises(ValueError, match=r"flatten: axis 3 is out of range for a tensor of "
                                         r"shape \(2, 3, 4\) \(valid axes: -3 to 2\)"):
        F.flatten(_x(2, 3, 4), 3)
    with pytest.raises(TypeError, match=r"swapaxes: axis must be an integer, got 0.5"):
        F.swapaxes(_x(2, 3), 0.5, 1)
    with pytest.raises(ValueError, match=r"flip: axis 0 is out of range: the tensor is "
                                         "0-dimensional"):
        F.flip(nr.tensor(1.0), 0)
    with pytest.raises(ValueError, match=r"flip: axis \(0, -2\) names the same axis twice"):
        F.flip(_x(2, 3), (0, -2))


def test_transpose_errors():
    with pytest.raises(ValueError, match=r"transpose: axes \(0, 0\) are not a permutation of "
                                         r"the axes of a tensor of shape \(2, 3\)"):
        _x(2, 3).transpose(0, 0)
    with pytest.raises(ValueError, match=r"to exchange two axes use swapaxes\(x, 0, 2\)"):
        _x(2, 3, 4).transpose(0, 2)
    with pytest.raises(ValueError, match=r"permute: axes \(0, 1, 3\) are not a permutation"):
        F.permute(_x(2, 3, 4), (0, 1, 3))
    with pytest.raises(ValueError, match=r"swapaxes: axis -3 is out of range"):
        F.swapaxes(_x(2, 3), 0, -3)


def test_squeeze_unsqueeze_errors():
    with pytest.raises(ValueError, match=r"squeeze: axis 1 has size 3, not 1 \(tensor shape "
                                         r"\(1, 3\)\)"):
        _x(1, 3).squeeze(1)
    with pytest.raises(ValueError, match=r"unsqueeze: axis 3 is out of range for a tensor of "
                                         r"shape \(2, 3\) \(valid axes: -3 to 2\)"):
        _x(2, 3).unsqueeze(3)


def test_expand_and_broadcast_errors():
    with pytest.raises(ValueError, match=r"expand: cannot broadcast shape \(2, 3\) to \(4, 3\): "
                                         r"axis 0 has size 2, which is neither 1 nor 4"):
        _x(2, 3).expand(4, 3)
    with pytest.raises(ValueError, match=r"expand: the target shape \(3,\) has fewer dimensions "
                                         r"than the tensor's shape \(2, 3\)"):
        _x(2, 3).expand(3)
    with pytest.raises(ValueError, match=r"expand: -1 is not allowed for the new leading axis 0"):
        _x(3).expand(-1, 3)
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast shape \(3,\) to "
                                         r"\(2, 4\): axis 0 has size 3, which is neither 1 nor 4"):
        F.broadcast_to(_x(3), (2, 4))
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast shape \(2, 3\) to "
                                         r"\(3,\): the target has fewer dimensions"):
        F.broadcast_to(_x(2, 3), 3)
    with pytest.raises(ValueError, match=r"broadcast_to: sizes must be non-negative"):
        F.broadcast_to(_x(3), (-1, 3))


def test_concat_stack_errors():
    with pytest.raises(ValueError, match=r"concat: tensor 2 has shape \(2, 4\) but tensor 0 has "
                                         r"shape \(2, 3\); shapes must match on every axis "
                                         "except axis 0"):
        F.concat([_x(2, 3), _x(1, 3), _x(2, 4)])
    with pytest.raises(ValueError, match=r"concat: tensor 1 has shape \(3,\) but tensor 0 has "
                                         r"shape \(2, 3\); they need the same number"):
        F.concat([_x(2, 3), _x(3)])
    with pytest.raises(ValueError, match=r"concat: tensor 0 is 0-dimensional"):
        F.concat([nr.tensor(1.0), nr.tensor(2.0)])
    with pytest.raises(ValueError, match=r"concat: axis 2 is out of range"):
        F.concat([_x(2, 3), _x(2, 3)], axis=2)
    with pytest.raises(ValueError, match=r"concat: expected at least one tensor"):
        F.concat([])
    with pytest.raises(TypeError, match=r"concat: expected a list or tuple of tensors, got "
                                        "Tensor"):
        F.concat(_x(2, 3))
    with pytest.raises(ValueError, match=r"stack: tensor 1 has shape \(2, 4\) but tensor 0 has "
                                         r"shape \(2, 3\); all tensors must have the same shape"):
        F.stack([_x(2, 3), _x(2, 4)])
    with pytest.raises(ValueError, match=r"stack: axis 3 is out of range"):
        F.stack([_x(2, 3), _x(2, 3)], axis=3)


def test_split_chunk_errors():
    with pytest.raises(ValueError, match=r"split: axis 0 of size 5 cannot be split into 2 equal "
                                         r"sections \(tensor shape \(5,\)\)"):
        F.split(_x(5), 2)
    with pytest.raises(ValueError, match=r"split: the number of sections must be positive, got "
                                         "0"):
        F.split(_x(5), 0)
    with pytest.raises(TypeError, match=r"split: indices_or_sections must be an int or a "
                                        "sequence of ints"):
        F.split(_x(5), [1.5])
    with pytest.raises(ValueError, match=r"chunk: chunks must be a positive integer, got 0"):
        F.chunk(_x(5), 0)
    with pytest.raises(ValueError, match=r"split: axis 1 is out of range"):
        F.split(_x(5), 1, axis=1)


def test_pad_errors():
    with pytest.raises(ValueError, match=r"pad: unknown mode 'wrap'; valid modes are "
                                         "'constant', 'reflect', 'edge'"):
        F.pad(_x(2, 3), 1, mode="wrap")
    with pytest.raises(ValueError, match=r"pad: pad_width \(\(1, 1\), \(1, 1\), \(1, 1\)\) does "
                                         r"not fit a tensor of shape \(2, 3\)"):
        F.pad(_x(2, 3), ((1, 1), (1, 1), (1, 1)))
    with pytest.raises(ValueError, match=r"pad: pad_width must be non-negative, got -1"):
        F.pad(_x(2, 3), -1)
    with pytest.raises(TypeError, match=r"pad: pad_width must hold integers, got 1.5"):
        F.pad(_x(2, 3), 1.5)
    with pytest.raises(ValueError, match=r"pad: cannot pad axis 1 of size 0 with mode 'edge'"):
        F.pad(_x(2, 0), 1, mode="edge")


def test_repeat_tile_errors():
    with pytest.raises(ValueError, match=r"repeat: repeats must be non-negative, got -1"):
        F.repeat(_x(3), -1)
    with pytest.raises(ValueError, match=r"repeat: repeats has 2 entries but axis 1 has 3 "
                                         r"elements \(tensor shape \(2, 3\)\)"):
        F.repeat(_x(2, 3), [1, 2], axis=1)
    with pytest.raises(ValueError, match=r"repeats has 3 entries but the flattened tensor has 6"):
        F.repeat(_x(2, 3), [1, 2, 3])
    with pytest.raises(TypeError, match=r"repeat: repeats must be an int or a 1-D sequence of "
                                        "ints, got 1.5"):
        F.repeat(_x(3), 1.5)
    with pytest.raises(ValueError, match=r"tile: reps must be non-negative, got \(2, -1\)"):
        F.tile(_x(3), (2, -1))


def test_getitem_errors():
    x = _x(3, 4)
    with pytest.raises(IndexError, match=r"^index 5 is out of range for axis 0 with size 3 "
                                         r"\(tensor shape \(3, 4\)\)$"):
        x[5]
    with pytest.raises(IndexError, match=r"^index -5 is out of range for axis 1 with size 4 "):
        x[0, -5]
    with pytest.raises(IndexError, match=r"^index 4 is out of range for axis 1 with size 4 "):
        x[:, [0, 4, 1]]
    with pytest.raises(IndexError, match=r"^index 7 is out of range for axis 0 with size 3 "):
        x[nr.tensor([1, 7])]
    with pytest.raises(IndexError, match=r"^index -4 is out of range for axis 2 with size 3 "):
        _x(2, 2, 3)[..., [-4]]
    with pytest.raises(IndexError, match=r"too many indices for a tensor of shape \(3, 4\): 3 "
                                         "axes were indexed"):
        x[0, 1, 2]
    with pytest.raises(IndexError, match=r"boolean mask of shape \(2,\) does not match axes 0 to "
                                         r"0 \(sizes \(3,\)\) of a tensor of shape \(3, 4\)"):
        x[np.array([True, False])]
    with pytest.raises(IndexError, match=r"index arrays must be integers or booleans, got dtype "
                                         "float64"):
        x[np.array([0.0, 1.0])]
    with pytest.raises(IndexError, match=r"unsupported index of type str"):
        x["a"]
    with pytest.raises(ValueError, match=r"slice step cannot be zero \(tensor shape \(3, 4\)\)"):
        x[::0]
    with pytest.raises(IndexError, match=r"only one Ellipsis"):
        x[..., ...]
