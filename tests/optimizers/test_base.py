"""The optimizer base: the parameter arena, gradients flowing into it, clipping, weight decay,
state dicts, configs, lookups and errors. Each optimizer's formula is tested in its own file."""

import tracemalloc

import numpy as np
import pytest

import neurona as nr
from neurona import optimizers
from neurona.optimizers import schedules

from .helpers import INIT, loss_nr, make_params, numpy_grads

ALL = [
    lambda ps=None: optimizers.SGD(ps, lr=0.05),
    lambda ps=None: optimizers.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    lambda ps=None: optimizers.Adam(ps, lr=0.05, amsgrad=True),
    lambda ps=None: optimizers.AdamW(ps, lr=0.05),
    lambda ps=None: optimizers.Adamax(ps, lr=0.05),
    lambda ps=None: optimizers.Nadam(ps, lr=0.05),
    lambda ps=None: optimizers.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    lambda ps=None: optimizers.Adagrad(ps, lr=0.1),
    lambda ps=None: optimizers.Adadelta(ps, lr=1.0),
    lambda ps=None: optimizers.Lion(ps, lr=0.01),
]
ALL_IDS = ["sgd", "sgd-nesterov", "adam-amsgrad", "adamw", "adamax", "nadam",
           "rmsprop-centered", "adagrad", "adadelta", "lion"]
NAMES = ["sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "adamax", "nadam", "lion"]


def mlp_params(dtype="float32", sizes=(784, 256, 128, 10)):
    rng = np.random.default_rng(0)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        params.append(nr.tensor(rng.normal(0, 0.05, size=(n_in, n_out)).astype(dtype),
                                requires_grad=True))
        params.append(nr.tensor(np.zeros(n_out, dtype), requires_grad=True))
    return params


# -- the arena ----------------------------------------------------------------------------------


def test_build_keeps_values_and_makes_views():
    params = make_params("float32")
    before = [p.data.copy() for p in params]
    opt = optimizers.SGD(params, lr=0.1)
    (group,) = opt.groups
    assert group.data.ndim == 1 and group.data.flags.c_contiguous
    assert group.data.size == sum(a.size for a in INIT)
    offset = 0
    for p, b in zip(params, before, strict=True):
        np.testing.assert_array_equal(p.data, b)
        assert p.data.dtype == np.float32 and p.data.shape == b.shape
        assert np.shares_memory(p.data, group.data)
        assert np.shares_memory(p.grad, group.grad)
        np.testing.assert_array_equal(group.data[offset:offset + b.size], b.ravel())
        offset += b.size
    assert not group.grad.any()


def test_state_slots_are_flat_buffers_per_group():
    params = make_params()
    opt = optimizers.Adam(params)
    (group,) = opt.groups
    assert set(group.slots) == {"momentum", "velocity"}
    for buf in group.slots.values():
        assert buf.shape == group.data.shape and buf.dtype == group.data.dtype
        assert not np.shares_memory(buf, group.data)


def test_build_keeps_an_existing_gradient():
    params = make_params()
    loss_nr(params).backward()
    expected = [p.grad.copy() for p in params]
    opt = optimizers.SGD(params)
    for p, g in zip(params, expected, strict=True):
        np.testing.assert_array_equal(p.grad, g)
        assert np.shares_memory(p.grad, opt.groups[0].grad)


def test_backward_accumulates_into_the_arena():
    params = make_params()
    opt = optimizers.SGD(params)
    grad_views = [p.grad for p in params]
    loss_nr(params).backward()
    want = numpy_grads(INIT)
    for p, view, g in zip(params, grad_views, want, strict=True):
        assert p.grad is view  # filled in place, not replaced
        np.testing.assert_allclose(p.grad, g, rtol=1e-12)
    np.testing.assert_allclose(opt.groups[0].grad, np.concatenate([g.ravel() for g in want]),
                               rtol=1e-12)
    loss_nr(params).backward()  # without zero_grad gradients add up, as in PyTorch
    np.testing.assert_allclose(params[0].grad, 2 * want[0], rtol=1e-12)


def test_zero_grad():
    params = make_params()
    opt = optimizers.SGD(params)
    loss_nr(params).backward()
    views = [p.grad for p in params]
    opt.zero_grad()
    assert not opt.groups[0].grad.any()
    assert all(p.grad is v for p, v in zip(params, views, strict=True))


def test_zero_grad_before_build_is_a_no_op():
    optimizers.SGD().zero_grad()


def test_plain_training_loop_decreases_a_quadratic_loss():
    rng = np.random.default_rng(0)
    x = nr.tensor(rng.normal(size=(32, 4)).astype(np.float32))
    y = x @ nr.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.5
    w = nr.tensor(np.zeros((4, 1), np.float32), requires_grad=True)
    b = nr.tensor(np.zeros(1, np.float32), requires_grad=True)
    opt = nr.optimizers.SGD([w, b], lr=0.1)
    losses = []
    for _ in range(50):
        opt.zero_grad()
        r = x @ w + b - y
        loss = (r * r).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.01 * losses[0]
    assert all(a >= b for a, b in zip(losses, losses[1:], strict=False))
    assert opt.iterations == 50


def test_mixed_dtypes_make_one_group_each():
    w = nr.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    v = nr.tensor(np.ones(4, np.float64), requires_grad=True)
    b = nr.tensor(np.ones(3, np.float32), requires_grad=True)
    opt = optimizers.Adam([w, v, b], lr=0.1)
    assert [(g.data.dtype, len(g.params)) for g in opt.groups] == [
        (np.float32, 2), (np.float64, 1)]
    ((w * w).sum() + (v * v).sum() + (b * b).sum()).backward()
    opt.step()
    assert (w.dtype, v.dtype, b.dtype) == (np.float32, np.float64, np.float32)
    # Adam's first step moves every element by lr (sign of the gradient) up to epsilon
    np.testing.assert_allclose(w.data, 0.9, rtol=1e-5)
    np.testing.assert_allclose(v.data, 0.9, rtol=1e-6)
    np.testing.assert_allclose(b.data, 0.9, rtol=1e-5)


@pytest.mark.parametrize("make", ALL, ids=ALL_IDS)
def test_float64_parameters_stay_float64(make):
    params = make_params("float64")
    opt = make(params)
    for _ in range(2):
        opt.zero_grad()
        loss_nr(params).backward()
        opt.step()
    for group in opt.groups:
        assert group.data.dtype == group.grad.dtype == np.float64
        assert all(s.dtype == np.float64 for s in group.slots.values())


@pytest.mark.parametrize("make", ALL, ids=ALL_IDS)
def test_float32_stays_float32_without_temporaries(make):
    """A step is in-place work on preallocated buffers: after the first step (which allocates
    the work buffers) it allocates almost nothing: no full-size temporary, float32 or float64.
    NumPy reports its allocations to tracemalloc."""
    params = mlp_params("float32", sizes=(100, 256, 10))
    opt = make(params)
    rng = np.random.default_rng(1)
    for p in params:
        p.grad[...] = rng.normal(size=p.shape)
    opt.step()
    arena_bytes = opt.groups[0].data.nbytes
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < arena_bytes / 20, (peak, arena_bytes)
    for group in opt.groups:
        assert group.data.dtype == group.grad.dtype == np.float32
        assert all(s.dtype == np.float32 for s in group.slots.values())
    assert all(p.data.dtype == np.float32 for p in params)


def test_numpy_float64_hyperparameters_do_not_upcast():
    params = mlp_params("float32", sizes=(100, 256, 10))
    opt = optimizers.Adam(params, learning_rate=np.float64(0.01), beta_1=np.float64(0.9))
    assert type(opt.beta_1) is float and type(opt.learning_rate) is float
    opt.step()
    assert all(p.data.dtype == np.float32 for p in params)


def test_update_is_vectorised_over_the_arena(monkeypatch):
    """update_step runs once per dtype group, not once per parameter."""
    params = mlp_params("float32")
    opt = optimizers.Adam(params)
    calls = []
    original = optimizers.Adam.update_step
    monkeypatch.setattr(optimizers.Adam, "update_step",
                        lambda self, group, lr: calls.append(group) or original(self, group, lr))
    opt.step()
    assert len(calls) == 1 and len(calls[0].params) == 6


# -- parameters that need no gradient, missing gradients, replaced arrays ------------------------


def test_frozen_parameter_is_skipped():
    params = make_params()
    params[1].requires_grad = False
    frozen = params[1].data
    opt = optimizers.Adam(params, lr=0.1, weight_decay=0.1)
    assert [p is params[1] for p in opt.groups[0].params] == [False, False]
    for _ in range(3):
        opt.zero_grad()
        loss_nr(params).backward()
        opt.step()
    assert params[1].data is frozen
    np.testing.assert_array_equal(params[1].data, INIT[1])
    assert params[1].grad is None
    assert not np.allclose(params[0].data, INIT[0])


def test_unfrozen_parameter_joins_the_arena_and_others_keep_their_state():
    params = make_params()
    params[1].requires_grad = False
    opt = optimizers.Adam(params, lr=0.1)
    opt.zero_grad()
    loss_nr(params).backward()
    opt.step()
    momentum = opt.state_dict()["momentum/0"]
    params[1].requires_grad = True
    opt.zero_grad()
    assert any(p is params[1] for p in opt.groups[0].params)
    np.testing.assert_array_equal(opt.state_dict()["momentum/0"], momentum)
    loss_nr(params).backward()
    opt.step()
    assert not np.allclose(params[1].data, INIT[1])


def test_parameter_frozen_after_build_stops_moving():
    params = make_params()
    opt = optimizers.SGD(params, lr=0.1, momentum=0.9)
    loss_nr(params).backward()
    opt.step()
    params[0].requires_grad = False
    value = params[0].data.copy()
    opt.zero_grad()
    loss_nr(params).backward()
    opt.step()
    np.testing.assert_array_equal(params[0].data, value)


def test_missing_gradient_contributes_zeros():
    params = make_params()
    opt = optimizers.SGD(params, lr=0.1)
    loss_nr(params).backward()
    params[2].grad = None  # e.g. Tensor.zero_grad() or a parameter the loss did not use
    opt.step()
    np.testing.assert_array_equal(params[2].data, INIT[2])
    assert not np.allclose(params[0].data, INIT[0])
    assert np.shares_memory(params[2].grad, opt.groups[0].grad)  # re-attached


def test_replaced_gradient_is_copied_into_the_arena():
    params = make_params()
    opt = optimizers.SGD(params, lr=0.5)
    for p in params:
        p.zero_grad()  # sets .grad to None: backward then makes fresh arrays
    loss_nr(params).backward()
    grads = [p.grad.copy() for p in params]
    opt.step()
    for p, g, a in zip(params, grads, INIT, strict=True):
        np.testing.assert_allclose(p.data, a - 0.5 * g, rtol=1e-12)
        assert np.shares_memory(p.grad, opt.groups[0].grad)


def test_replaced_data_of_the_same_shape_is_copied_into_the_arena():
    params = make_params()
    opt = optimizers.SGD(params, lr=0.5)
    params[0].data = np.full((3, 2), 7.0)
    params[0].grad[...] = 1.0
    opt.step()
    np.testing.assert_allclose(params[0].data, 6.5)
    assert np.shares_memory(params[0].data, opt.groups[0].data)


def test_replaced_data_of_another_shape_rebuilds_the_arena():
    params = make_params()
    opt = optimizers.Adam(params, lr=0.1)
    loss_nr(params).backward()
    opt.step()
    velocity = opt.state_dict()["velocity/1"]
    params[0].data = np.ones((4, 2))
    params[0].grad = np.ones((4, 2))
    opt.step()
    state = opt.state_dict()
    assert state["momentum/0"].shape == (4, 2)
    assert opt.groups[0].data.size == 8 + 2 + 1
    # the reshaped parameter starts afresh: one step of gradient 1
    np.testing.assert_allclose(state["momentum/0"], 0.1, rtol=1e-12)
    # the others kept their state: the same gradient again gives v = 0.999 v + v
    np.testing.assert_allclose(state["velocity/1"], 1.999 * velocity, rtol=1e-12)
    assert np.shares_memory(params[0].data, opt.groups[0].data)


def test_replaced_data_of_another_dtype_moves_the_parameter():
    params = make_params()
    opt = optimizers.SGD(params, lr=0.1)
    params[2].data = params[2].data.astype(np.float32)
    params[2].grad = None
    opt.step()
    assert sorted(str(g.data.dtype) for g in opt.groups) == ["float32", "float64"]


def test_replaced_gradient_of_the_wrong_shape():
    params = make_params()
    opt = optimizers.SGD(params)
    params[0].grad = np.ones((2, 2))
    with pytest.raises(ValueError, match=r"SGD: a parameter of shape \(3, 2\) has a gradient "
                                         r"of shape \(2, 2\)"):
        opt.step()


def test_shared_parameter_listed_twice_is_one_parameter():
    params = make_params()
    opt = optimizers.SGD(params + [params[0]])
    assert len(opt.params) == 3 and len(opt.groups[0].params) == 3


# -- clipping and weight decay ------------------------------------------------------------------


def one_sgd_step(**kwargs):
    params = make_params()
    opt = optimizers.SGD(params, lr=1.0, **kwargs)
    loss_nr(params).backward()
    opt.step()
    return [a - p.data for a, p in zip(INIT, params, strict=True)]  # the applied gradients


def test_clipvalue():
    got = one_sgd_step(clipvalue=0.1)
    for g, want in zip(got, numpy_grads(INIT), strict=True):
        np.testing.assert_allclose(g, np.clip(want, -0.1, 0.1), rtol=1e-12)


@pytest.mark.parametrize("clipnorm", [0.05, 0.5, 100.0])
def test_clipnorm_is_per_parameter(clipnorm):
    got = one_sgd_step(clipnorm=clipnorm)
    for g, want in zip(got, numpy_grads(INIT), strict=True):
        norm = np.sqrt((want * want).sum())
        np.testing.assert_allclose(g, want * clipnorm / max(norm, clipnorm), rtol=1e-12)


@pytest.mark.parametrize("clipnorm", [0.05, 100.0])
def test_global_clipnorm(clipnorm):
    got = one_sgd_step(global_clipnorm=clipnorm)
    want = numpy_grads(INIT)
    norm = np.sqrt(sum((g * g).sum() for g in want))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w * clipnorm / max(norm, clipnorm), rtol=1e-12)


def test_global_clipnorm_spans_dtype_groups():
    a = nr.tensor(np.array([3.0], np.float32), requires_grad=True)
    b = nr.tensor(np.array([4.0], np.float64), requires_grad=True)
    opt = optimizers.SGD([a, b], lr=1.0, global_clipnorm=1.0)
    a.grad[...] = 3.0
    b.grad[...] = 4.0
    opt.step()
    np.testing.assert_allclose(a.data, 3.0 - 0.6, rtol=1e-6)
    np.testing.assert_allclose(b.data, 4.0 - 0.8, rtol=1e-12)


def test_clipnorm_skips_empty_parameters():
    params = [nr.tensor(np.zeros((0, 3)), requires_grad=True)] + make_params()
    opt = optimizers.SGD(params, lr=1.0, clipnorm=0.05)
    loss_nr(params[1:]).backward()
    opt.step()
    for p, a, g in zip(params[1:], INIT, numpy_grads(INIT), strict=True):
        norm = np.sqrt((g * g).sum())
        np.testing.assert_allclose(a - p.data, g * 0.05 / max(norm, 0.05), rtol=1e-12)


def test_clipnorm_float32_stays_float32():
    params = mlp_params("float32", sizes=(20, 30, 2))
    opt = optimizers.SGD(params, lr=0.1, clipnorm=1e-3)
    for p in params:
        p.grad[...] = 1.0
    opt.step()
    assert all(p.data.dtype == np.float32 for p in params)
    np.testing.assert_allclose(np.sqrt((opt.groups[0].grad[:600] ** 2).sum()), 1e-3, rtol=1e-5)


def test_only_one_clipping_option():
    with pytest.raises(ValueError, match="only one of clipnorm, clipvalue and global_clipnorm "
                                         "can be set; got clipnorm=1.0, clipvalue=0.5"):
        optimizers.Adam(clipnorm=1.0, clipvalue=0.5)


@pytest.mark.parametrize("name", ["clipnorm", "clipvalue", "global_clipnorm"])
def test_clipping_must_be_positive(name):
    with pytest.raises(ValueError, match=f"Adam: {name} must be > 0.0, got -1.0"):
        optimizers.Adam(**{name: -1.0})


def test_weight_decay_is_decoupled():
    params = make_params()
    opt = optimizers.SGD(params, lr=0.1, weight_decay=0.5)
    opt.step()  # zero gradients: only the decay acts
    for p, a in zip(params, INIT, strict=True):
        np.testing.assert_allclose(p.data, a - a * 0.5 * 0.1, rtol=1e-12)


def test_weight_decay_must_be_non_negative():
    with pytest.raises(ValueError, match="SGD: weight_decay must be >= 0.0, got -0.1"):
        optimizers.SGD(weight_decay=-0.1)


# -- learning rate ------------------------------------------------------------------------------


def test_learning_rate_is_settable():
    params = make_params()
    opt = optimizers.SGD(params, learning_rate=0.1)
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5 and opt.lr == 0.5
    params[2].grad[...] = 1.0
    opt.step()
    np.testing.assert_allclose(params[2].data, INIT[2] - 0.5)
    opt.lr = 0.25
    assert opt.get_config()["learning_rate"] == 0.25


def test_callable_learning_rate():
    rate = {"value": 0.1}
    opt = optimizers.SGD(learning_rate=lambda: rate["value"])
    assert opt.learning_rate == 0.1
    rate["value"] = 0.2
    assert opt.learning_rate == 0.2


@pytest.mark.parametrize("value", [-0.1, float("nan"), float("inf")])
def test_bad_learning_rate(value):
    with pytest.raises(ValueError, match="Adam: learning_rate must be >= 0.0, got"):
        optimizers.Adam(learning_rate=value)
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match="Adam: learning_rate must be >= 0.0, got"):
        opt.learning_rate = value


def test_learning_rate_of_the_wrong_type():
    with pytest.raises(TypeError, match="SGD: learning_rate must be a number, a "
                                        "LearningRateSchedule or a callable with no arguments, "
                                        "got 'fast'"):
        optimizers.SGD("fast")


# -- construction styles and errors -------------------------------------------------------------


def test_pytorch_style_construction():
    params = make_params()
    opt = optimizers.SGD(params, lr=0.3, momentum=0.5)
    assert opt.built and opt.learning_rate == 0.3 and opt.momentum == 0.5
    opt = optimizers.SGD((p for p in params), 0.2, 0.9)  # a generator; then lr, momentum
    assert opt.built and (opt.learning_rate, opt.momentum) == (0.2, 0.9)
    opt = optimizers.Adam(params=params, lr=0.01)
    assert opt.built and opt.learning_rate == 0.01


def test_keras_style_construction_builds_later():
    opt = optimizers.SGD(0.2, 0.9, True)
    assert not opt.built and (opt.learning_rate, opt.momentum, opt.nesterov) == (0.2, 0.9, True)
    with pytest.raises(RuntimeError, match=r"SGD has no parameters yet: pass them when "
                                           r"creating it \(SGD\(model.parameters\(\)\)\)"):
        opt.step()


def test_parameter_that_does_not_require_grad_is_allowed():
    params = make_params()
    params[0].requires_grad = False
    opt = optimizers.SGD(params, lr=0.1)
    assert opt.params == params and len(opt.groups[0].params) == 2


def test_params_must_be_tensors():
    with pytest.raises(TypeError, match=r"SGD: parameters must be neurona Tensors, but item 1 "
                                        r"is a numpy.ndarray; make it a parameter with "
                                        r"nr.tensor\(value, requires_grad=True\)"):
        optimizers.SGD([make_params()[0], np.zeros(3)])


def test_single_tensor_is_refused():
    with pytest.raises(TypeError, match=r"Adam expects an iterable of Tensors as its "
                                        r"parameters, got a single Tensor; wrap it in a list"):
        optimizers.Adam(make_params()[0])


def test_build_with_a_non_iterable():
    with pytest.raises(TypeError, match="Adam expects an iterable of Tensors as its "
                                        "parameters, got int"):
        optimizers.Adam().build(3)


def test_parameter_groups_are_refused():
    with pytest.raises(TypeError, match=r"SGD: parameter groups \(dicts\) are not supported"):
        optimizers.SGD([{"params": make_params()}])


def test_non_leaf_parameter_is_refused():
    w = make_params()[0]
    with pytest.raises(ValueError, match=r"SGD: parameter 0 \(shape \(3, 2\)\) is not a leaf "
                                         r"tensor"):
        optimizers.SGD([w * 2])


def test_params_given_twice():
    params = make_params()
    with pytest.raises(TypeError, match="SGD got the parameters twice"):
        optimizers.SGD(params, params=params)


def test_unknown_arguments():
    with pytest.raises(ValueError, match=r"Adam: argument\(s\) not recognized: \{'betas'"):
        optimizers.Adam(betas=(0.9, 0.99))


def test_keras_only_arguments_at_their_off_values():
    optimizers.Adam(use_ema=False, ema_momentum=0.99, loss_scale_factor=None)
    with pytest.raises(ValueError, match="Adam: use_ema=True is not supported"):
        optimizers.Adam(use_ema=True)


# -- apply_gradients ----------------------------------------------------------------------------


def test_apply_gradients_matches_step():
    want_params = make_params()
    want = optimizers.Adam(want_params, lr=0.1)
    got_params = make_params()
    got = optimizers.Adam(learning_rate=0.1)
    for _ in range(3):
        want.zero_grad()
        loss_nr(want_params).backward()
        want.step()
        grads = numpy_grads([p.data for p in got_params])
        got.apply_gradients(zip(grads, got_params, strict=True))
    assert got.iterations == 3
    for a, b in zip(got_params, want_params, strict=True):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12)


def test_apply_gradients_none_and_missing_are_zero():
    params = make_params()
    opt = optimizers.SGD(params, lr=1.0)
    params[1].grad[...] = 5.0  # stale: apply_gradients starts from zeros
    opt.apply_gradients([(np.ones((3, 2)), params[0]), (None, params[2])])
    np.testing.assert_allclose(params[0].data, INIT[0] - 1)
    np.testing.assert_array_equal(params[1].data, INIT[1])
    np.testing.assert_array_equal(params[2].data, INIT[2])


def test_apply_gradients_accepts_tensors_and_apply():
    params = make_params()
    opt = optimizers.SGD(lr=1.0)
    opt.apply([nr.tensor(g) for g in numpy_grads(INIT)], params)
    opt.apply(numpy_grads([p.data for p in params]))
    assert opt.iterations == 2
    assert opt.apply_gradients([]) == 2  # nothing to do


def test_apply_gradients_errors():
    params = make_params()
    opt = optimizers.SGD(params[:2])
    with pytest.raises(ValueError, match=r"SGD: unknown parameter of shape \(\): this optimizer "
                                         r"can only update the parameters it was built with"):
        opt.apply_gradients([(np.ones(()), params[2])])
    with pytest.raises(ValueError, match=r"SGD: gradient of shape \(2,\) for a parameter of "
                                         r"shape \(3, 2\)"):
        opt.apply_gradients([(np.ones(2), params[0])])
    with pytest.raises(ValueError, match=r"SGD.apply got 1 gradients for 2 variables"):
        opt.apply([np.ones((3, 2))])
    with pytest.raises(ValueError, match="SGD.apply without variables needs a built optimizer"):
        optimizers.SGD().apply([np.ones(2)])


# -- state dicts: exact resume ------------------------------------------------------------------


def run(opt, params, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss_nr(params).backward()
        opt.step()


@pytest.mark.parametrize("make", ALL, ids=ALL_IDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_state_dict_resumes_exactly(make, dtype):
    params = make_params(dtype)
    opt = make(params)
    run(opt, params, 3)
    state = opt.state_dict()
    saved = [p.data.copy() for p in params]
    run(opt, params, 3)
    uninterrupted = [p.data.copy() for p in params]

    resumed = [nr.tensor(a, requires_grad=True) for a in saved]
    opt2 = make(resumed)
    opt2.load_state_dict(state)
    assert opt2.iterations == 3
    run(opt2, resumed, 3)
    for a, b in zip(resumed, uninterrupted, strict=True):
        np.testing.assert_array_equal(a.data, b)  # bit for bit


@pytest.mark.parametrize("make", ALL, ids=ALL_IDS)
def test_load_state_dict_before_build(make):
    params = make_params()
    opt = make(params)
    run(opt, params, 2)
    state = opt.state_dict()
    saved = [p.data.copy() for p in params]
    run(opt, params, 2)

    resumed = [nr.tensor(a, requires_grad=True) for a in saved]
    opt2 = make()
    opt2.load_state_dict(state)
    assert opt2.state_dict().keys() == state.keys()
    opt2.build(resumed)
    run(opt2, resumed, 2)
    for a, b in zip(resumed, params, strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def test_state_dict_contents():
    params = make_params()
    opt = optimizers.Adam(params, lr=0.1)
    run(opt, params, 2)
    state = opt.state_dict()
    assert set(state) == {"iterations", "learning_rate", "momentum/0", "momentum/1",
                          "momentum/2", "velocity/0", "velocity/1", "velocity/2"}
    assert state["iterations"] == 2 and state["learning_rate"] == 0.1
    assert state["momentum/0"].shape == (3, 2) and state["velocity/2"].shape == ()
    before = state["momentum/0"].copy()
    run(opt, params, 1)
    np.testing.assert_array_equal(state["momentum/0"], before)  # a copy, not a view


def test_state_dict_restores_a_changed_learning_rate():
    opt = optimizers.SGD(learning_rate=0.1)
    opt.learning_rate = 0.01  # e.g. by ReduceLROnPlateau
    again = optimizers.SGD(learning_rate=0.1)
    again.load_state_dict(opt.state_dict())
    assert again.learning_rate == 0.01


def test_state_dict_skips_frozen_parameters():
    params = make_params()
    params[1].requires_grad = False
    opt = optimizers.SGD(params, momentum=0.9)
    assert sorted(k for k in opt.state_dict() if "/" in k) == ["momentum/0", "momentum/2"]


def test_load_state_dict_errors():
    params = make_params()
    opt = optimizers.Adam(params)
    state = opt.state_dict()
    with pytest.raises(ValueError, match="Adam.load_state_dict: the state has no 'iterations'"):
        opt.load_state_dict({k: v for k, v in state.items() if k != "iterations"})
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: missing keys \['velocity/1'\]"):
        opt.load_state_dict({k: v for k, v in state.items() if k != "velocity/1"})
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: 'momentum/0' has shape \(2,\) "
                                         r"but parameter 0 has shape \(3, 2\)"):
        opt.load_state_dict({**state, "momentum/0": np.zeros(2)})
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: unexpected keys "
                                         r"\['accumulator/0', 'momentum/7'\]"):
        opt.load_state_dict({**state, "accumulator/0": np.zeros((3, 2)),
                             "momentum/7": np.zeros(1)})
    sgd_state = optimizers.SGD(make_params(), momentum=0.9).state_dict()
    with pytest.raises(ValueError, match="missing keys"):
        opt.load_state_dict(sgd_state)
    assert opt.iterations == 0  # a failed load changes nothing


# -- configs and lookups ------------------------------------------------------------------------


@pytest.mark.parametrize("make", ALL, ids=ALL_IDS)
def test_config_round_trip(make):
    opt = make()
    config = opt.get_config()
    again = type(opt).from_config(config)
    assert type(again) is type(opt) and again.get_config() == config
    assert optimizers.get(optimizers.serialize(opt)).get_config() == config
    assert optimizers.deserialize(optimizers.serialize(opt)).get_config() == config


def test_config_keys_follow_keras():
    config = optimizers.Adam(clipnorm=1.0).get_config()
    assert config == {"name": "adam", "learning_rate": 0.001, "weight_decay": None,
                      "clipnorm": 1.0, "global_clipnorm": None, "clipvalue": None,
                      "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False}


@pytest.mark.parametrize("name", NAMES)
def test_get_by_name(name):
    opt = optimizers.get(name)
    assert type(opt).__name__.lower() == name
    assert type(optimizers.get(type(opt).__name__)) is type(opt)  # CamelCase too
    assert type(optimizers.get(name.upper())) is type(opt)


def test_get_passes_instances_and_classes():
    opt = optimizers.SGD()
    assert optimizers.get(opt) is opt
    assert isinstance(optimizers.get(optimizers.Nadam), optimizers.Nadam)
    adam = optimizers.get({"class_name": "Adam", "config": {"learning_rate": 0.5}})
    assert isinstance(adam, optimizers.Adam) and adam.learning_rate == 0.5


def test_get_unknown_name_suggests():
    with pytest.raises(ValueError, match=r"Unknown optimizer 'adamm'. Did you mean 'adam'\? "
                                         r"Valid names: adadelta, adagrad, adam, adamax, adamw, "
                                         r"lion, nadam, rmsprop, sgd"):
        optimizers.get("adamm")


def test_get_bad_identifiers():
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: None"):
        optimizers.get(None)
    with pytest.raises(ValueError, match="deserialize expects a dict like"):
        optimizers.deserialize({"config": {}})
    with pytest.raises(TypeError, match="serialize expects an Optimizer, got str"):
        optimizers.serialize("adam")


def test_deserialize_custom_class():
    class Mine(optimizers.SGD):
        pass

    opt = optimizers.deserialize({"class_name": "Mine", "config": {"learning_rate": 0.3}},
                                 custom_objects={"Mine": Mine})
    assert isinstance(opt, Mine) and opt.learning_rate == 0.3
    assert "mine" not in optimizers.base._REGISTRY  # user classes don't shadow built-ins


def test_subclass_must_implement_update_step():
    class Incomplete(optimizers.Optimizer):
        def __init__(self, params=None, learning_rate=0.1):
            super().__init__(learning_rate, params=params)

    with pytest.raises(NotImplementedError, match="Incomplete must implement update_step"):
        Incomplete(make_params()).step()


def test_custom_optimizer_on_the_arena():
    class SignDescent(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate, **kwargs)

        def update_step(self, group, learning_rate):
            group.xp.sign(group.grad, out=group.scratch())
            group.data -= learning_rate * group.scratch()

    params = make_params()
    opt = SignDescent(params, 0.01)
    loss_nr(params).backward()
    opt.step()
    for p, a, g in zip(params, INIT, numpy_grads(INIT), strict=True):
        np.testing.assert_allclose(p.data, a - 0.01 * np.sign(g), rtol=1e-12)


def test_repr():
    assert repr(optimizers.SGD()) == "<SGD 'SGD' learning_rate=0.01, not built>"
    assert "3 parameters" in repr(optimizers.Adam(make_params()))


def test_schedule_object_survives_rebuild():
    params = make_params()
    opt = optimizers.SGD(params, learning_rate=schedules.ExponentialDecay(0.1, 1, 0.5))
    opt.build(params)  # the same parameters: nothing to do
    opt.build(params[:2])  # other parameters: a new arena
    assert len(opt.groups[0].params) == 2
    assert opt.learning_rate == 0.1
