"""Registry cases, masking semantics and error tests for neurona/functions/recurrent.py."""

import numpy as np
import pytest

import neurona as nr
from neurona.functions import recurrent as R
from neurona.functions.recurrent import gru, lstm, simple_rnn

from .opcheck import OpCase, op_tests

try:
    import torch
    from torch.func import functional_call
except ImportError:  # pragma: no cover
    torch = None

rng = np.random.default_rng(0)
B, T, FEAT = 2, 4, 3
X = rng.normal(size=(B, T, FEAT))
MASK = np.array([[True, False, True, True], [False, True, True, False]])
LEFT_PAD = np.array([[False, False, True, True], [True, True, True, True]])


def _sig(a):
    return 1 / (1 + np.exp(-a))


# -- NumPy step-by-step references (Keras's equations and mask semantics) -----------------------


def _run(step, x, states, mask, go_backwards, zero_output):
    """Loop ``step(x_t, states) -> (output, states)`` as Keras's backend does."""
    xs = x[:, ::-1] if go_backwards else x
    ms = None if mask is None else (mask[:, ::-1] if go_backwards else mask)
    outs = []
    prev = np.zeros_like(states[0])
    for t in range(xs.shape[1]):
        out, new = step(xs[:, t], states)
        if ms is not None:
            m = ms[:, t, None]
            new = [np.where(m, n, s) for n, s in zip(new, states, strict=True)]
            out = np.where(m, out, 0 if zero_output else prev)
        states = new
        prev = out
        outs.append(out)
    return (np.stack(outs, axis=1), *states)


def ref_simple_rnn(x, k, rk, b, h0, mask=None, activation="tanh", go_backwards=False,
                   zero_output=False):
    act = {"tanh": np.tanh, "relu": lambda a: np.maximum(a, 0), "sigmoid": _sig,
           "linear": lambda a: a}[activation]

    def step(xt, states):
        h = act(xt @ k + states[0] @ rk + (0 if b is None else b))
        return h, [h]

    return _run(step, x, [h0], mask, go_backwards, zero_output)


def ref_lstm(x, k, rk, b, h0, c0, mask=None, go_backwards=False, zero_output=False):
    u = rk.shape[0]

    def step(xt, states):
        h, c = states
        z = xt @ k + h @ rk + (0 if b is None else b)
        i, f, g, o = _sig(z[:, :u]), _sig(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), \
            _sig(z[:, 3 * u:])
        c = f * c + i * g
        h = o * np.tanh(c)
        return h, [h, c]

    return _run(step, x, [h0, c0], mask, go_backwards, zero_output)


def ref_gru(x, k, rk, b, h0, mask=None, reset_after=True, go_backwards=False,
            zero_output=False):
    u = rk.shape[0]
    if b is None:
        b_in, b_rec = np.zeros(3 * u), np.zeros(3 * u)
    elif reset_after:
        b_in, b_rec = b[0], b[1]
    else:
        b_in, b_rec = b, np.zeros(3 * u)

    def step(xt, states):
        h = states[0]
        xw = xt @ k + b_in
        z = _sig(xw[:, :u] + h @ rk[:, :u] + b_rec[:u])
        r = _sig(xw[:, u:2 * u] + h @ rk[:, u:2 * u] + b_rec[u:2 * u])
        if reset_after:
            hh = np.tanh(xw[:, 2 * u:] + r * (h @ rk[:, 2 * u:] + b_rec[2 * u:]))
        else:
            hh = np.tanh(xw[:, 2 * u:] + (r * h) @ rk[:, 2 * u:])
        h = z * h + (1 - z) * hh
        return h, [h]

    return _run(step, x, [h0], mask, go_backwards, zero_output)


# -- PyTorch twins (weights converted inside, so gradients flow to Keras's layouts) ------------


def _torch_call(kind, x, k, rk, b, h0, c0=None, go_backwards=False, activation="tanh"):
    u = rk.shape[0]
    if kind == "lstm":
        module = torch.nn.LSTM(x.shape[2], u, batch_first=True, bias=b is not None)
    elif kind == "gru":
        module = torch.nn.GRU(x.shape[2], u, batch_first=True, bias=b is not None)
    else:
        module = torch.nn.RNN(x.shape[2], u, batch_first=True, nonlinearity=activation,
                              bias=b is not None)
    module = module.double()
    if kind == "gru":  # Keras z, r, h -> torch r, z, n
        perm = torch.cat([torch.arange(u, 2 * u), torch.arange(0, u), torch.arange(2 * u, 3 * u)])
        k, rk = k[:, perm], rk[:, perm]
        b = None if b is None else b[:, perm]
    params = {"weight_ih_l0": k.T, "weight_hh_l0": rk.T}
    if b is not None:
        if kind == "gru":
            params.update(bias_ih_l0=b[0], bias_hh_l0=b[1])
        else:
            params.update(bias_ih_l0=b, bias_hh_l0=torch.zeros_like(b))
    xin = x.flip(1) if go_backwards else x
    state = (h0[None], c0[None]) if kind == "lstm" else h0[None]
    y, s = functional_call(module, params, (xin, state))
    if kind == "lstm":
        return y, s[0][0], s[1][0]
    return y, s[0]


def _last(fn):
    """The same case with ``return_sequences=False``: only the last output."""

    def wrapped(*a):
        y, *states = fn(*a)
        return (y[:, -1], *states)

    return wrapped


def _w(*shape):
    return rng.uniform(-0.7, 0.7, size=shape)


U = 3
H0, C0 = rng.normal(size=(B, U)), rng.normal(size=(B, U))
LSTM_W = [_w(FEAT, 4 * U), _w(U, 4 * U), _w(4 * U)]
GRU_W = [_w(FEAT, 3 * U), _w(U, 3 * U), _w(2, 3 * U)]
GRU_W_BEFORE = [_w(FEAT, 3 * U), _w(U, 3 * U), _w(3 * U)]
RNN_W = [_w(FEAT, U), _w(U, U), _w(U)]


def _lstm_case(name, mask=None, go_backwards=False, zero_output=False, bias=True, torch_ok=True,
               sequences=True):
    k, rk, b = LSTM_W
    inputs = [X, k, rk, b, H0, C0] if bias else [X, k, rk, H0, C0]

    def split(args):
        return args if bias else (*args[:3], None, *args[3:])

    def fn(*a):
        return lstm(*split(a), mask=mask, go_backwards=go_backwards,
                    zero_output_for_mask=zero_output, return_sequences=sequences)

    def ref(*a):
        return ref_lstm(*split(a), mask=mask, go_backwards=go_backwards, zero_output=zero_output)

    def tfn(*a):
        return _torch_call("lstm", *split(a), go_backwards=go_backwards)

    if not sequences:
        ref, tfn = _last(ref), _last(tfn)
    return OpCase(f"lstm/{name}", fn, inputs, ref, (R.LSTM,), tfn if torch_ok else None)


def _gru_case(name, mask=None, go_backwards=False, zero_output=False, reset_after=True,
              bias=True, torch_ok=True, sequences=True):
    k, rk, b = GRU_W if reset_after else GRU_W_BEFORE
    inputs = [X, k, rk, b, H0] if bias else [X, k, rk, H0]

    def split(args):
        return args if bias else (*args[:3], None, args[3])

    def fn(*a):
        return gru(*split(a), mask=mask, reset_after=reset_after, go_backwards=go_backwards,
                   zero_output_for_mask=zero_output, return_sequences=sequences)

    def ref(*a):
        return ref_gru(*split(a), mask=mask, reset_after=reset_after, go_backwards=go_backwards,
                       zero_output=zero_output)

    def tfn(*a):
        return _torch_call("gru", *split(a), go_backwards=go_backwards)

    if not sequences:
        ref, tfn = _last(ref), _last(tfn)
    return OpCase(f"gru/{name}", fn, inputs, ref, (R.GRU,), tfn if torch_ok else None)


def _rnn_case(name, activation="tanh", mask=None, go_backwards=False, zero_output=False,
              torch_ok=True, sequences=True):
    k, rk, b = RNN_W

    def fn(*a):
        return simple_rnn(*a, mask=mask, activation=activation, go_backwards=go_backwards,
                          zero_output_for_mask=zero_output, return_sequences=sequences)

    def ref(*a):
        return ref_simple_rnn(*a, mask=mask, activation=activation, go_backwards=go_backwards,
                              zero_output=zero_output)

    def tfn(*a):
        return _torch_call("rnn", *a, go_backwards=go_backwards, activation=activation)

    if not sequences:
        ref, tfn = _last(ref), _last(tfn)
    return OpCase(f"simple_rnn/{name}", fn, [X, k, rk, b, H0], ref, (R.SimpleRNN,),
                  tfn if torch_ok else None)


CASES = [
    _lstm_case("plain"),
    _lstm_case("no_bias", bias=False),
    _lstm_case("go_backwards", go_backwards=True),
    _lstm_case("mask", mask=MASK, torch_ok=False),
    _lstm_case("mask_zero_output", mask=MASK, zero_output=True, torch_ok=False),
    _lstm_case("mask_backwards", mask=LEFT_PAD, go_backwards=True, torch_ok=False),
    _lstm_case("last", sequences=False),
    _lstm_case("last_backwards", go_backwards=True, sequences=False),
    _lstm_case("last_mask", mask=MASK, sequences=False, torch_ok=False),
    _lstm_case("last_mask_zero_output", mask=MASK, zero_output=True, sequences=False,
               torch_ok=False),
    _gru_case("plain"),
    _gru_case("no_bias", bias=False),
    _gru_case("go_backwards", go_backwards=True),
    _gru_case("mask", mask=MASK, torch_ok=False),
    _gru_case("reset_before", reset_after=False, torch_ok=False),
    _gru_case("reset_before_mask", reset_after=False, mask=MASK, zero_output=True,
              torch_ok=False),
    _gru_case("reset_before_no_bias", reset_after=False, bias=False, torch_ok=False),
    _gru_case("last", sequences=False),
    _gru_case("last_mask", mask=MASK, sequences=False, torch_ok=False),
    _gru_case("reset_before_last", reset_after=False, sequences=False, torch_ok=False),
    _rnn_case("tanh"),
    _rnn_case("relu", activation="relu"),
    _rnn_case("sigmoid", activation="sigmoid", torch_ok=False),
    _rnn_case("linear", activation="linear", torch_ok=False),
    _rnn_case("go_backwards", go_backwards=True),
    _rnn_case("mask", mask=LEFT_PAD, torch_ok=False),
    _rnn_case("mask_zero_output", mask=MASK, zero_output=True, torch_ok=False),
    _rnn_case("last", sequences=False),
    _rnn_case("last_mask", mask=MASK, sequences=False, torch_ok=False),
]

test_forward, test_gradcheck, test_matches_torch = op_tests(CASES)


# -- behaviour ----------------------------------------------------------------------------------


def _t(a, requires_grad=False):
    return nr.tensor(a, dtype="float64", requires_grad=requires_grad)


def test_masked_steps_repeat_the_previous_output_and_keep_the_state():
    k, rk, b = LSTM_W
    y, h, c = lstm(_t(X), _t(k), _t(rk), _t(b), mask=MASK)
    # sample 0, step 1 is masked: the output repeats step 0's
    np.testing.assert_array_equal(y.data[0, 1], y.data[0, 0])
    # sample 1, step 0 is masked before any unmasked step: output zeros, state stays h0 = 0
    np.testing.assert_array_equal(y.data[1, 0], 0)
    # sample 1's last step is masked: the final state is the state after step 2
    np.testing.assert_array_equal(h.data[1], y.data[1, 2])
    y0, _, _ = lstm(_t(X), _t(k), _t(rk), _t(b), mask=MASK, zero_output_for_mask=True)
    np.testing.assert_array_equal(y0.data[0, 1], 0)
    np.testing.assert_array_equal(y0.data[0, 0], y.data[0, 0])


def test_right_padded_mask_matches_torch_packed_sequences():
    lengths = [4, 2]
    mask = np.arange(T)[None, :] < np.array(lengths)[:, None]
    k, rk, b = LSTM_W
    _, h, c = lstm(_t(X), _t(k), _t(rk), _t(b), _t(H0), _t(C0), mask=mask)
    module = torch.nn.LSTM(FEAT, U, batch_first=True).double()
    with torch.no_grad():
        module.weight_ih_l0.copy_(torch.from_numpy(k.T))
        module.weight_hh_l0.copy_(torch.from_numpy(rk.T))
        module.bias_ih_l0.copy_(torch.from_numpy(b))
        module.bias_hh_l0.zero_()
    packed = torch.nn.utils.rnn.pack_padded_sequence(torch.from_numpy(X), lengths,
                                                     batch_first=True)
    _, (th, tc) = module(packed, (torch.from_numpy(H0)[None], torch.from_numpy(C0)[None]))
    np.testing.assert_allclose(h.data, th[0].detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(c.data, tc[0].detach().numpy(), atol=1e-12)


def test_float32_stays_float32_with_gradients():
    k, rk, b = (w.astype(np.float32) for w in LSTM_W)
    x = nr.tensor(X.astype(np.float32), requires_grad=True)
    params = [nr.tensor(w, requires_grad=True) for w in (k, rk, b)]
    y, h, c = lstm(x, *params)
    assert y.dtype == h.dtype == c.dtype == np.float32
    (y.sum() + h.sum()).backward()
    assert x.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in params)
    kg, rkg, bg = (w.astype(np.float32) for w in GRU_W)
    y, h = gru(nr.tensor(X.astype(np.float32)), kg, rkg, bg)
    assert y.dtype == h.dtype == np.float32


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_float32_stays_float32_with_gradients(reset_after):
    weights = GRU_W if reset_after else GRU_W_BEFORE
    x = nr.tensor(X.astype(np.float32), requires_grad=True)
    params = [nr.tensor(w.astype(np.float32), requires_grad=True) for w in weights]
    h0 = nr.tensor(H0.astype(np.float32), requires_grad=True)
    y, h = gru(x, *params, h0=h0, mask=MASK, reset_after=reset_after)
    assert y.dtype == h.dtype == np.float32
    (y.sum() + h.sum()).backward()
    assert all(t.grad.dtype == np.float32 for t in (x, h0, *params))


def test_only_needed_gradients_and_no_graph_in_inference():
    k, rk, b = RNN_W
    x = _t(X)
    kt = _t(k, True)
    y, h = simple_rnn(x, kt, _t(rk), _t(b))
    y.sum().backward()
    assert kt.grad is not None and x.grad is None
    with nr.no_grad():
        y, h = simple_rnn(_t(X, True), kt, _t(rk), _t(b))
    assert y.creator is None and not y.requires_grad


@pytest.mark.parametrize("mask", [None, MASK])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("sequences", [False, True])
def test_lstm_inference_equals_the_recorded_forward(mask, go_backwards, sequences):
    # under no_grad the LSTM reuses one gate tile instead of keeping every step's gates
    args = dict(mask=mask, go_backwards=go_backwards, return_sequences=sequences)
    params = [_t(w, True) for w in LSTM_W]
    h0, c0 = rng.normal(size=(B, U)), rng.normal(size=(B, U))
    recorded = lstm(_t(X), *params, h0=h0, c0=c0, **args)
    with nr.no_grad():
        inferred = lstm(_t(X), *params, h0=h0, c0=c0, **args)
    for a, b in zip(recorded, inferred, strict=True):
        np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("mask", [None, MASK])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("sequences", [False, True])
def test_gru_inference_equals_the_recorded_forward(reset_after, mask, go_backwards, sequences):
    # under no_grad the GRU reuses one gate tile instead of keeping every step's gates
    args = dict(mask=mask, reset_after=reset_after, go_backwards=go_backwards,
                return_sequences=sequences)
    params = [_t(w, True) for w in (GRU_W if reset_after else GRU_W_BEFORE)]
    h0 = rng.normal(size=(B, U))
    recorded = gru(_t(X), *params, h0=h0, **args)
    with nr.no_grad():
        inferred = gru(_t(X), *params, h0=h0, **args)
    for a, b in zip(recorded, inferred, strict=True):
        np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize(("bias", "which"), [(True, i) for i in range(5)] +
                         [(False, i) for i in (0, 1, 2, 4)])
def test_gru_single_gradients_equal_the_full_ones(reset_after, bias, which):
    # backward computes only the gradients asked for, each from its own GEMM
    k, rk, b = GRU_W if reset_after else GRU_W_BEFORE
    h0 = rng.normal(size=(B, U))
    full = [_t(a, True) for a in (X, k, rk, b, h0)]
    one = [_t(a, i == which) for i, a in enumerate((X, k, rk, b, h0))]
    gy = rng.normal(size=(B, T, U))
    for ts in (full, one):
        y, h = gru(ts[0], ts[1], ts[2], ts[3] if bias else None, h0=ts[4], mask=MASK,
                   reset_after=reset_after)
        (y * gy).sum().backward()
    assert all(t.grad is None for i, t in enumerate(one) if i != which)
    np.testing.assert_allclose(one[which].grad, full[which].grad, rtol=1e-12, atol=1e-14)


def test_long_sequence_is_fine():
    xs = rng.normal(size=(1, 2000, 2))
    k, rk, b = _w(2, 8), _w(2, 8) * 0.1, _w(8)
    x = _t(xs, True)
    y, h, c = lstm(x, _t(k, True), _t(rk, True), _t(b, True))
    y.sum().backward()
    assert np.isfinite(x.grad).all()


def test_shape_errors_are_clear():
    k, rk, b = LSTM_W
    with pytest.raises(ValueError, match=r"lstm: x must be a 3-D tensor \(batch, time, "
                                         r"features\), got shape \(2, 3\)"):
        lstm(_t(X[:, 0]), k, rk, b)
    with pytest.raises(ValueError, match=r"lstm: kernel must have shape \(features, 4 \* "
                                         r"units\) = \(3, 12\)"):
        lstm(_t(X), _t(k[:2]), _t(rk), _t(b))
    with pytest.raises(ValueError, match=r"lstm: recurrent_kernel must have shape \(units, 4 "
                                         r"\* units\), got \(3, 9\)"):
        lstm(_t(X), _t(k), _t(rk[:, :9]), _t(b))
    with pytest.raises(ValueError, match=r"lstm: bias must have shape \(12,\), got \(9,\)"):
        lstm(_t(X), _t(k), _t(rk), _t(b[:9]))
    with pytest.raises(ValueError, match=r"lstm: c0 must have shape \(batch, units\) = "
                                         r"\(2, 3\), got \(1, 3\)"):
        lstm(_t(X), _t(k), _t(rk), _t(b), c0=_t(C0[:1]))
    with pytest.raises(ValueError, match=r"lstm: mask must have shape \(batch, time\) = "
                                         r"\(2, 4\), got \(2, 3\)"):
        lstm(_t(X), _t(k), _t(rk), _t(b), mask=MASK[:, :3])
    gk, grk, gb = GRU_W
    with pytest.raises(ValueError, match=r"gru: bias must have shape \(9,\), got \(2, 9\)"):
        gru(_t(X), _t(gk), _t(grk), _t(gb), reset_after=False)


def test_dtype_and_activation_errors_are_clear():
    k, rk, b = RNN_W
    with pytest.raises(TypeError, match=r"simple_rnn: kernel has dtype float32 but x has dtype "
                                        r"float64"):
        simple_rnn(_t(X), k.astype(np.float32), rk, b)
    with pytest.raises(TypeError, match=r"simple_rnn: x must be floating point, got dtype "
                                        r"int64"):
        simple_rnn(nr.tensor(np.zeros((2, 3, 3), np.int64)), k, rk, b)
    with pytest.raises(ValueError, match=r"simple_rnn: activation must be one of .*got 'selu'"):
        simple_rnn(_t(X), k, rk, b, activation="selu")


def test_outputs_never_alias_reused_buffers():
    # batch 1 makes the time-major state buffer's transpose contiguous: the output must still
    # be a copy, or the next call would overwrite it
    k, rk, b = LSTM_W
    x1 = _t(X[:1])
    y1, h1, _ = lstm(x1, _t(k), _t(rk), _t(b))
    first = y1.data.copy()
    for _ in range(3):
        lstm(_t(X[1:] * 3), _t(k), _t(rk), _t(b))
    np.testing.assert_array_equal(y1.data, first)


def test_two_graphs_in_flight_and_retained_graphs():
    k, rk, b = GRU_W
    kt = _t(k, True)
    ya, _ = gru(_t(X), kt, _t(rk), _t(b))
    yb, _ = gru(_t(X[::-1].copy()), kt, _t(rk), _t(b))
    (ya.sum() + yb.sum()).backward()
    both = kt.grad.copy()
    kt.grad = None
    ya, _ = gru(_t(X), kt, _t(rk), _t(b))
    ya.sum().backward(retain_graph=True)
    once = kt.grad.copy()
    ya.sum().backward()
    np.testing.assert_allclose(kt.grad, 2 * once, rtol=1e-12)
    kt.grad = None
    yb, _ = gru(_t(X[::-1].copy()), kt, _t(rk), _t(b))
    yb.sum().backward()
    np.testing.assert_allclose(both, once + kt.grad, rtol=1e-12)
