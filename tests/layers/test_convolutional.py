"""Convolutional layers (neurona/layers/convolutional.py): the declarative layer check, values
and gradients against PyTorch, output-shape formulas, error messages, saving and training."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import neurona as nr
from neurona import layers
from neurona.layers.convolutional import (
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Convolution1D,
    Convolution2D,
    Convolution2DTranspose,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution2D,
)

from .layercheck import LayerCase, layer_tests

CASES = [
    # Conv1D
    LayerCase("conv1d/valid", lambda: Conv1D(4, 3), (2, 10, 3), (2, 8, 4), 40,
              weights_order=[(3, 3, 4), (4,)]),
    LayerCase("conv1d/same_stride", lambda: Conv1D(4, 3, strides=2, padding="same",
                                                   activation="relu"),
              (2, 9, 3), (2, 5, 4), 40),
    LayerCase("conv1d/causal_dilated", lambda: Conv1D(2, 3, padding="causal", dilation_rate=2),
              (2, 8, 3), (2, 8, 2), 20),
    LayerCase("conv1d/groups", lambda: Conv1D(6, 3, groups=2), (2, 7, 4), (2, 5, 6), 42,
              weights_order=[(3, 2, 6), (6,)]),
    LayerCase("conv1d/channels_first_no_bias",
              lambda: Conv1D(5, 2, data_format="channels_first", use_bias=False),
              (2, 3, 6), (2, 5, 5), 30, weights_order=[(2, 3, 5)]),
    # Conv2D
    LayerCase("conv2d/valid", lambda: Conv2D(4, 3, activation="relu"), (2, 6, 6, 3),
              (2, 4, 4, 4), 112, weights_order=[(3, 3, 3, 4), (4,)]),
    LayerCase("conv2d/same_strides", lambda: Conv2D(3, (3, 2), strides=(2, 1), padding="same"),
              (2, 7, 5, 2), (2, 4, 5, 3), 39, weights_order=[(3, 2, 2, 3), (3,)]),
    LayerCase("conv2d/dilation", lambda: Conv2D(2, 3, dilation_rate=2, padding="same"),
              (1, 7, 7, 2), (1, 7, 7, 2), 38),
    LayerCase("conv2d/groups", lambda: Conv2D(4, 3, groups=2, use_bias=False), (2, 5, 5, 4),
              (2, 3, 3, 4), 72, weights_order=[(3, 3, 2, 4)]),
    LayerCase("conv2d/channels_first", lambda: Conv2D(3, 2, data_format="channels_first",
                                                      kernel_regularizer="l2"),
              (2, 2, 5, 4), (2, 3, 4, 3), 27, weights_order=[(2, 2, 2, 3), (3,)]),
    LayerCase("conv2d/alias", lambda: Convolution2D(2, 1), (2, 3, 3, 2), (2, 3, 3, 2), 6),
    # transposed
    LayerCase("conv1d_transpose/valid", lambda: Conv1DTranspose(3, 3, strides=2), (2, 5, 2),
              (2, 11, 3), 21, weights_order=[(3, 3, 2), (3,)]),
    LayerCase("conv1d_transpose/same_output_padding",
              lambda: Conv1DTranspose(2, 4, strides=3, padding="same", output_padding=1),
              (2, 4, 3), (2, 10, 2), 26),
    LayerCase("conv2d_transpose/same", lambda: Conv2DTranspose(4, 3, strides=2, padding="same"),
              (2, 3, 3, 2), (2, 6, 6, 4), 76, weights_order=[(3, 3, 4, 2), (4,)]),
    LayerCase("conv2d_transpose/valid_small_kernel",
              lambda: Conv2DTranspose(2, (1, 2), strides=(3, 2)),
              (1, 2, 3, 3), (1, 6, 6, 2), 14),
    LayerCase("conv2d_transpose/dilated_channels_first_no_bias",
              lambda: Conv2DTranspose(3, 2, dilation_rate=2, data_format="channels_first",
                                      use_bias=False),
              (2, 2, 3, 4), (2, 3, 5, 6), 24, weights_order=[(2, 2, 3, 2)]),
    LayerCase("conv2d_transpose/alias", lambda: Convolution2DTranspose(1, 2, strides=2),
              (1, 2, 2, 1), (1, 4, 4, 1), 5),
    # depthwise
    LayerCase("depthwise1d", lambda: DepthwiseConv1D(3, depth_multiplier=2), (2, 6, 3),
              (2, 4, 6), 24, weights_order=[(3, 3, 2), (6,)]),
    LayerCase("depthwise1d/same_strides_cf",
              lambda: DepthwiseConv1D(2, strides=2, padding="same",
                                      data_format="channels_first"),
              (2, 3, 7), (2, 3, 4), 9),
    LayerCase("depthwise2d", lambda: DepthwiseConv2D(3), (2, 5, 5, 3), (2, 3, 3, 3), 30,
              weights_order=[(3, 3, 3, 1), (3,)]),
    LayerCase("depthwise2d/mult_same_no_bias",
              lambda: DepthwiseConv2D((2, 3), padding="same", depth_multiplier=3,
                                      use_bias=False, activation="tanh"),
              (2, 4, 5, 2), (2, 4, 5, 6), 36, weights_order=[(2, 3, 2, 3)]),
    LayerCase("depthwise2d/dilation", lambda: DepthwiseConv2D(2, dilation_rate=2),
              (1, 5, 5, 2), (1, 3, 3, 2), 10),
    # separable
    LayerCase("separable1d", lambda: SeparableConv1D(4, 3, depth_multiplier=2), (2, 7, 3),
              (2, 5, 4), 46, weights_order=[(3, 3, 2), (1, 6, 4), (4,)]),
    LayerCase("separable1d/same_cf",
              lambda: SeparableConv1D(2, 3, padding="same", data_format="channels_first"),
              (2, 3, 6), (2, 2, 6), 17),
    LayerCase("separable2d", lambda: SeparableConv2D(5, 3, activation="relu"), (2, 5, 5, 2),
              (2, 3, 3, 5), 33, weights_order=[(3, 3, 2, 1), (1, 1, 2, 5), (5,)]),
    LayerCase("separable2d/strides_mult_no_bias",
              lambda: SeparableConvolution2D(3, 2, strides=2, padding="same",
                                             depth_multiplier=2, use_bias=False),
              (2, 5, 4, 2), (2, 3, 2, 3), 28, weights_order=[(2, 2, 2, 2), (1, 1, 4, 3)]),
]


(test_shape_and_params, test_config_round_trip, test_weights_round_trip, test_save_load,
 test_training_step) = layer_tests(CASES)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_compute_output_shape_agrees_with_the_output(case):
    layer = case.make()
    out = layer(case.sample())
    assert layer.compute_output_shape((None,) + case.input_shape[1:]) == (None,) + out.shape[1:]
    assert layer.compute_output_shape(case.input_shape) == out.shape
    assert layer.output_shape == (None,) + out.shape[1:]


def test_compute_output_shape_keeps_unknown_dimensions():
    assert Conv1D(8, 3).compute_output_shape((None, None, 4)) == (None, None, 8)
    assert Conv2DTranspose(2, 3, strides=2, padding="same").compute_output_shape(
        (None, 5, None, 3)) == (None, 10, None, 2)
    assert DepthwiseConv2D(3, depth_multiplier=2, data_format="channels_first") \
        .compute_output_shape((4, 3, 9, 9)) == (4, 6, 7, 7)


# -- values and gradients against PyTorch ---------------------------------------------------------


def _to_torch_conv(w):
    """Keras conv kernel (k..., C_in // groups, C_out) -> torch (C_out, C_in // groups, k...);
    also Keras transposed kernel (k..., C_out, C_in) -> torch ConvTranspose (C_in, C_out, k...)."""
    rank = w.ndim - 2
    return np.ascontiguousarray(w.transpose(rank + 1, rank, *range(rank)))


def _from_torch_conv(w):
    """The inverse of :func:`_to_torch_conv`."""
    rank = w.ndim - 2
    return np.ascontiguousarray(w.transpose(*range(2, rank + 2), 1, 0))


def _depthwise_to_torch(w):
    """Keras depthwise kernel (k..., C, m) -> torch grouped weight (C*m, 1, k...); output
    channel c*m + j is input channel c's j-th filter in both."""
    c, m = w.shape[-2:]
    return _to_torch_conv(w.reshape(w.shape[:-2] + (1, c * m)))


def _depthwise_from_torch(w, keras_shape):
    return _from_torch_conv(w).reshape(keras_shape)


def _same_pads(sizes, kernel, strides, dilation):
    """TensorFlow's 'same' padding (extra on the bottom/right), as torch F.pad's argument."""
    pads = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation, strict=True):
        dk = (k - 1) * d + 1
        total = max((-(-n // s) - 1) * s + dk - n, 0)
        pads.append((total // 2, total - total // 2))
    return [v for pair in reversed(pads) for v in pair]  # torch pads the last axis first


def _pad_input(layer, xt):
    """Apply the layer's padding to a torch NC... input so that torch convolves with 0."""
    spatial = xt.shape[2:]
    if layer.padding == "same":
        return torch.nn.functional.pad(
            xt, _same_pads(spatial, layer.kernel_size, layer.strides, layer.dilation_rate))
    if layer.padding == "causal":
        return torch.nn.functional.pad(
            xt, ((layer.kernel_size[0] - 1) * layer.dilation_rate[0], 0))
    return xt


def _conv_module(rank, c_in, c_out, kernel, strides, dilation, groups, weight, bias):
    cls = torch.nn.Conv1d if rank == 1 else torch.nn.Conv2d
    module = cls(c_in, c_out, kernel, stride=strides, padding=0, dilation=dilation,
                 groups=groups, bias=bias is not None, dtype=torch.float64)
    with torch.no_grad():
        module.weight.copy_(torch.from_numpy(weight))
        if bias is not None:
            module.bias.copy_(torch.from_numpy(bias))
    return module


def _crop_or_extend(yt, lengths, layer):
    """The full transposed convolution cropped or zero-extended to Keras's output lengths."""
    for axis, length in enumerate(lengths, start=2):
        full = yt.shape[axis]
        start = max(full - length, 0) // 2 if layer.padding == "same" else 0
        yt = yt.narrow(axis, start, min(length, full - start))
        if yt.shape[axis] < length:
            shape = list(yt.shape)
            shape[axis] = length - yt.shape[axis]
            yt = torch.cat([yt, yt.new_zeros(shape)], dim=axis)
    return yt


def torch_forward(layer, xt, weights):
    """The layer's computation with torch.nn modules on an NC... torch input. ``weights`` are the
    layer's weights in Keras layout; returns (output NC..., modules in weight order-ish)."""
    rank = layer._rank
    c_in = xt.shape[1]
    if isinstance(layer, (Conv1D, Conv2D)):
        kernel, bias = weights[0], weights[1] if layer.use_bias else None
        module = _conv_module(rank, c_in, layer.filters, layer.kernel_size, layer.strides,
                              layer.dilation_rate, layer.groups, _to_torch_conv(kernel), bias)
        return module(_pad_input(layer, xt)), [module]
    if isinstance(layer, (Conv1DTranspose, Conv2DTranspose)):
        cls = torch.nn.ConvTranspose1d if rank == 1 else torch.nn.ConvTranspose2d
        module = cls(c_in, layer.filters, layer.kernel_size, stride=layer.strides, padding=0,
                     dilation=layer.dilation_rate, bias=False, dtype=torch.float64)
        with torch.no_grad():
            module.weight.copy_(torch.from_numpy(_to_torch_conv(weights[0])))
        lengths = layer.compute_output_shape((1, c_in) + tuple(xt.shape[2:]))[2:] \
            if layer._cf else layer.compute_output_shape((1,) + tuple(xt.shape[2:]) + (c_in,))[1:-1]
        y = _crop_or_extend(module(xt), lengths, layer)
        if not layer.use_bias:
            return y, [module]
        bias = torch.tensor(weights[1], requires_grad=True)
        return y + bias.reshape((1, -1) + (1,) * rank), [module, bias]
    mult = layer.depth_multiplier
    depthwise = _conv_module(rank, c_in, c_in * mult, layer.kernel_size, layer.strides,
                             layer.dilation_rate, c_in, _depthwise_to_torch(weights[0]),
                             weights[1] if isinstance(layer, (DepthwiseConv1D, DepthwiseConv2D))
                             and layer.use_bias else None)
    y = depthwise(_pad_input(layer, xt))
    if isinstance(layer, (DepthwiseConv1D, DepthwiseConv2D)):
        return y, [depthwise]
    bias = weights[2] if layer.use_bias else None
    pointwise = _conv_module(rank, c_in * mult, layer.filters, 1, 1, 1, 1,
                             _to_torch_conv(weights[1]), bias)
    return pointwise(y), [depthwise, pointwise]


def torch_weight_grads(layer, modules):
    """The torch modules' gradients in the Keras layout and order of ``layer.get_weights()``."""
    if isinstance(layer, (Conv1D, Conv2D)):
        (m,) = modules
        out = [_from_torch_conv(m.weight.grad.numpy())]
        return out + ([m.bias.grad.numpy()] if layer.use_bias else [])
    if isinstance(layer, (Conv1DTranspose, Conv2DTranspose)):
        out = [_from_torch_conv(modules[0].weight.grad.numpy())]
        return out + ([modules[1].grad.numpy()] if layer.use_bias else [])
    keras_shape = layer.depthwise_kernel.shape
    out = [_depthwise_from_torch(modules[0].weight.grad.numpy(), keras_shape)]
    if isinstance(layer, (DepthwiseConv1D, DepthwiseConv2D)):
        return out + ([modules[0].bias.grad.numpy()] if layer.use_bias else [])
    out.append(_from_torch_conv(modules[1].weight.grad.numpy()))
    return out + ([modules[1].bias.grad.numpy()] if layer.use_bias else [])


TORCH_CASES = [
    ("conv1d", lambda: Conv1D(4, 3, dtype="float64"), (2, 9, 3)),
    ("conv1d/same_stride2", lambda: Conv1D(3, 4, strides=2, padding="same", dtype="float64"),
     (2, 9, 2)),
    ("conv1d/causal_dilation", lambda: Conv1D(3, 3, padding="causal", dilation_rate=2,
                                              dtype="float64"), (2, 9, 2)),
    ("conv1d/groups_cf", lambda: Conv1D(4, 3, groups=2, data_format="channels_first",
                                        dtype="float64"), (2, 4, 8)),
    ("conv2d", lambda: Conv2D(4, 3, dtype="float64"), (2, 6, 7, 3)),
    ("conv2d/same_strides", lambda: Conv2D(3, (2, 3), strides=(2, 3), padding="same",
                                           dtype="float64"), (2, 7, 8, 2)),
    ("conv2d/dilation_same", lambda: Conv2D(2, 3, dilation_rate=(2, 1), padding="same",
                                            dtype="float64"), (1, 7, 6, 3)),
    ("conv2d/groups_no_bias_cf", lambda: Conv2D(6, 2, groups=3, use_bias=False,
                                                data_format="channels_first", dtype="float64"),
     (2, 3, 5, 4)),
    ("conv1d_transpose", lambda: Conv1DTranspose(3, 3, strides=2, dtype="float64"), (2, 5, 2)),
    ("conv1d_transpose/same_op", lambda: Conv1DTranspose(2, 4, strides=3, padding="same",
                                                         output_padding=2, dtype="float64"),
     (2, 4, 3)),
    ("conv1d_transpose/small_kernel", lambda: Conv1DTranspose(2, 2, strides=3, dtype="float64"),
     (1, 4, 2)),
    ("conv2d_transpose/valid", lambda: Conv2DTranspose(3, (3, 2), strides=(2, 1),
                                                       dtype="float64"), (2, 3, 4, 2)),
    ("conv2d_transpose/same", lambda: Conv2DTranspose(2, 3, strides=2, padding="same",
                                                      dtype="float64"), (2, 4, 3, 3)),
    ("conv2d_transpose/same_even", lambda: Conv2DTranspose(2, 4, strides=2, padding="same",
                                                           dtype="float64"), (1, 3, 3, 2)),
    ("conv2d_transpose/valid_op_cf", lambda: Conv2DTranspose(
        2, 3, strides=2, output_padding=(1, 0), data_format="channels_first", dtype="float64"),
     (2, 3, 3, 4)),
    ("conv2d_transpose/dilated_no_bias", lambda: Conv2DTranspose(
        3, 2, dilation_rate=2, use_bias=False, dtype="float64"), (1, 3, 4, 2)),
    ("depthwise1d", lambda: DepthwiseConv1D(3, depth_multiplier=2, dtype="float64"), (2, 7, 3)),
    ("depthwise1d/same_cf", lambda: DepthwiseConv1D(4, strides=2, padding="same",
                                                    data_format="channels_first",
                                                    dtype="float64"), (2, 3, 9)),
    ("depthwise2d", lambda: DepthwiseConv2D(3, depth_multiplier=3, dtype="float64"),
     (2, 5, 6, 2)),
    ("depthwise2d/same_dilation_no_bias", lambda: DepthwiseConv2D(
        3, padding="same", dilation_rate=2, use_bias=False, dtype="float64"), (1, 6, 6, 3)),
    ("separable1d", lambda: SeparableConv1D(4, 3, depth_multiplier=2, dtype="float64"),
     (2, 8, 3)),
    ("separable2d", lambda: SeparableConv2D(4, 3, strides=2, padding="same",
                                            depth_multiplier=2, dtype="float64"), (2, 7, 6, 3)),
    ("separable2d/cf_no_bias", lambda: SeparableConv2D(3, 2, data_format="channels_first",
                                                       use_bias=False, dtype="float64"),
     (2, 2, 5, 5)),
]


@pytest.mark.parametrize("make,shape", [c[1:] for c in TORCH_CASES],
                         ids=[c[0] for c in TORCH_CASES])
def test_outputs_and_gradients_match_torch(make, shape):
    rng = np.random.default_rng(0)
    layer = make()
    x = rng.normal(size=shape)
    layer(x)  # build
    # non-zero biases so that a misplaced bias shows
    layer.set_weights([rng.normal(size=w.shape) for w in layer.get_weights()])
    xn = nr.tensor(x, requires_grad=True)
    out = layer(xn)
    g = rng.normal(size=out.shape)
    (out * nr.tensor(g)).sum().backward()

    cf = layer._cf
    perm_in = None if cf else (0, layer._rank + 1, *range(1, layer._rank + 1))
    xt = torch.tensor(x if cf else x.transpose(perm_in), requires_grad=True)
    yt, modules = torch_forward(layer, xt, layer.get_weights())
    gt = torch.from_numpy(g if cf else np.moveaxis(g, -1, 1))
    (yt * gt).sum().backward()
    y_ref = yt.detach().numpy()
    gx_ref = xt.grad.numpy()
    if not cf:
        y_ref, gx_ref = np.moveaxis(y_ref, 1, -1), np.moveaxis(gx_ref, 1, -1)

    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, y_ref, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(xn.grad, gx_ref, rtol=1e-6, atol=1e-6)
    ours = [w.grad for w in layer.weights]
    theirs = torch_weight_grads(layer, modules)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_float32_stays_float32_and_integer_images_are_cast():
    layer = SeparableConv2D(3, 3)
    x = nr.tensor(np.ones((2, 5, 5, 2), np.float32), requires_grad=True)
    out = layer(x)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    assert all(w.grad.dtype == np.float32 for w in layer.weights)
    ints = Conv2D(2, 3)(np.ones((1, 4, 4, 1), np.uint8))
    assert ints.dtype == np.float32 and ints.shape == (1, 2, 2, 2)


def test_aliases_are_the_keras_classes():
    assert Convolution1D is Conv1D and Convolution2D is Conv2D
    assert Convolution2DTranspose is Conv2DTranspose
    assert SeparableConvolution2D is SeparableConv2D


def test_default_names_and_config_match_keras():
    layer = Conv2D(8, 3, name="c")
    config = layer.get_config()
    assert config["kernel_size"] == (3, 3) and config["strides"] == (1, 1)
    assert config["padding"] == "valid" and config["data_format"] == "channels_last"
    assert config["dilation_rate"] == (1, 1) and config["groups"] == 1
    assert config["kernel_initializer"] == "glorot_uniform"
    assert Conv2D(1, 1).name.startswith("conv2d")
    assert Conv1DTranspose(1, 1).name.startswith("conv1d_transpose")
    assert DepthwiseConv2D(1).name.startswith("depthwise_conv2d")
    assert SeparableConv1D(1, 1).name.startswith("separable_conv1d")
    assert Conv2D(1, 1, padding="SAME").padding == "same"


@pytest.mark.parametrize("layer", [Conv2D(4, 3, activation="relu"),
                                   DepthwiseConv2D(3, activation="relu"),
                                   Conv1D(4, 3, activation="relu", data_format="channels_first")])
def test_relu_is_fused_into_the_convolution(layer):
    x = np.random.default_rng(1).normal(size=(2, 6, 6, 3)[:layer._rank + 2]).astype(np.float32)
    y = layer(nr.from_numpy(x))
    assert y.creator.relu and (y.data >= 0).all()
    layer.activation = nr.activations.linear  # the same kernel without the ReLU
    np.testing.assert_array_equal(y.data, np.maximum(layer(nr.from_numpy(x)).data, 0))


def test_emit_logits_returns_the_pre_activation():
    layer = Conv1D(3, 2, activation="softmax")
    x = np.random.default_rng(0).normal(size=(2, 5, 2)).astype(np.float32)
    probs = layer(x).data
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-5)
    layer._emit_logits = True
    logits = layer(x).data
    e = np.exp(logits - logits.max(-1, keepdims=True))
    np.testing.assert_allclose(e / e.sum(-1, keepdims=True), probs, rtol=1e-5, atol=1e-6)


def test_conv_output_layer_with_softmax_trains_fused():
    # per-step classification: the label of step t is whether x[t] > 0
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 12, 1)).astype(np.float32)
    y = (x[..., 0] > 0).astype(np.int64)
    nr.utils.set_seed(0)
    model = nr.Sequential([nr.Input((12, 1)),
                           Conv1D(2, 3, padding="same", activation="softmax")])
    model.compile(optimizer=nr.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert model._fused is not None  # the softmax was fused into the loss
    assert history.history["accuracy"][-1] > 0.95
    np.testing.assert_allclose(model.predict(x[:4], verbose=0).sum(-1), 1.0, rtol=1e-5)


# -- errors ---------------------------------------------------------------------------------------


def test_wrong_rank_names_layer_layout_and_shape():
    layer = Conv2D(4, 3, name="conv2d_1")
    with pytest.raises(ValueError, match=r"Conv2D 'conv2d_1' expects 4-D inputs \(batch, "
                                         r"height, width, channels\), got shape \(32, 28, 28\)"):
        layer(np.zeros((32, 28, 28), np.float32))
    with pytest.raises(ValueError, match=r"Conv1D 'c1' expects 3-D inputs \(batch, channels, "
                                         r"steps\), got shape \(2, 5\)"):
        Conv1D(2, 2, data_format="channels_first", name="c1")(np.zeros((2, 5), np.float32))
    with pytest.raises(ValueError, match=r"Add a channels axis"):
        SeparableConv2D(2, 2)(np.zeros((2, 8, 8), np.float32))


def test_channel_change_after_build_is_a_clear_error():
    layer = DepthwiseConv2D(3, name="dw")
    layer(np.zeros((1, 5, 5, 3), np.float32))
    with pytest.raises(ValueError, match=r"DepthwiseConv2D 'dw' expects inputs with 3 channels "
                                         r"\(axis -1\), got shape \(1, 5, 5, 4\)\. Did the "
                                         r"previous layer change\?"):
        layer(np.zeros((1, 5, 5, 4), np.float32))


def test_input_smaller_than_kernel():
    with pytest.raises(ValueError, match=r"Conv2D 'small': inputs of shape \(1, 2, 5, 1\) are "
                                         r"smaller than the \(dilated\) kernel \(3, 3\) with "
                                         r"padding='valid'; use padding='same'"):
        Conv2D(1, 3, name="small")(np.zeros((1, 2, 5, 1), np.float32))
    with pytest.raises(ValueError, match=r"kernel \(5,\)"):
        Conv1D(1, 3, dilation_rate=2)(np.zeros((1, 4, 1), np.float32))
    assert Conv1D(1, 3, padding="same")(np.zeros((1, 2, 1), np.float32)).shape == (1, 2, 1)


@pytest.mark.parametrize("make,message", [
    (lambda: Conv2D(0, 3, name="c"), r"Conv2D 'c': filters must be a positive integer, got 0"),
    (lambda: Conv2D(2.5, 3, name="c"), r"filters must be a positive integer, got 2\.5"),
    (lambda: Conv2D(4, (3, 3, 3), name="c"),
     r"Conv2D 'c': kernel_size must be a positive integer or a tuple of 2, e\.g\. 3 or "
     r"\(3, 3\); got \(3, 3, 3\)"),
    (lambda: Conv1D(4, "3", name="c"), r"kernel_size must be a positive integer or a tuple of 1"),
    (lambda: Conv2D(4, 0, name="c"), r"kernel_size must hold values >= 1, got 0"),
    (lambda: Conv2D(4, 3, strides=(1, 0)), r"strides must hold values >= 1, got \(1, 0\)"),
    (lambda: Conv2D(4, 3, strides=2, dilation_rate=2, name="c"),
     r"Conv2D 'c': strides > 1 cannot be combined with dilation_rate > 1, got strides=\(2, 2\) "
     r"and dilation_rate=\(2, 2\)"),
    (lambda: DepthwiseConv1D(3, strides=2, dilation_rate=2),
     r"strides > 1 cannot be combined with dilation_rate > 1"),
    (lambda: Conv2D(5, 3, groups=2, name="c"),
     r"Conv2D 'c': filters \(5\) must be divisible by groups \(2\)"),
    (lambda: Conv2D(4, 3, padding="causal"),
     r"padding must be one of 'valid', 'same', got 'causal'"),
    (lambda: Conv1D(4, 3, padding="full"),
     r"padding must be one of 'valid', 'same', 'causal', got 'full'"),
    (lambda: Conv2D(4, 3, data_format="NHWC"),
     r"data_format must be 'channels_last' \(batch, \.\.\., channels\) or 'channels_first'"),
    (lambda: Conv2DTranspose(4, 3, strides=2, output_padding=2, name="t"),
     r"Conv2DTranspose 't': output_padding \(2, 2\) must be smaller than strides \(2, 2\)"),
    (lambda: Conv1DTranspose(4, 3, output_padding=-1),
     r"output_padding must hold values >= 0"),
    (lambda: DepthwiseConv2D(3, depth_multiplier=0),
     r"depth_multiplier must be a positive integer, got 0"),
    (lambda: SeparableConv2D(0, 3), r"filters must be a positive integer, got 0"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_input_channels_not_divisible_by_groups():
    with pytest.raises(ValueError, match=r"Conv1D 'g': the input channels \(3, shape "
                                         r"\(2, 8, 3\)\) must be divisible by groups \(2\)"):
        Conv1D(4, 3, groups=2, name="g")(np.zeros((2, 8, 3), np.float32))


def test_unknown_keyword_is_a_clear_error():
    with pytest.raises(TypeError, match=r"Conv2D: unexpected keyword argument\(s\) filter"):
        Conv2D(4, 3, filter=3)


@settings(max_examples=40, deadline=None)
@given(kind=st.sampled_from(["conv", "transpose", "depthwise", "separable"]),
       rank=st.sampled_from([1, 2]), size=st.integers(1, 9), kernel=st.integers(1, 4),
       stride=st.integers(1, 3), dilation=st.integers(1, 2),
       padding=st.sampled_from(["valid", "same"]), cf=st.booleans())
def test_property_output_shape_or_clear_error(kind, rank, size, kernel, stride, dilation,
                                              padding, cf):
    classes = {"conv": (Conv1D, Conv2D), "transpose": (Conv1DTranspose, Conv2DTranspose),
               "depthwise": (DepthwiseConv1D, DepthwiseConv2D),
               "separable": (SeparableConv1D, SeparableConv2D)}
    cls = classes[kind][rank - 1]
    args = () if kind == "depthwise" else (3,)
    fmt = "channels_first" if cf else "channels_last"
    try:
        layer = cls(*args, kernel, strides=stride, padding=padding, dilation_rate=dilation,
                    data_format=fmt)
    except ValueError as err:
        assert stride > 1 and dilation > 1 and "strides > 1" in str(err)
        return
    shape = (2, 2) + (size,) * rank if cf else (2,) + (size,) * rank + (2,)
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    try:
        out = layer(x)
    except ValueError as err:
        assert type(layer).__name__ in str(err)
        return
    assert out.shape == layer.compute_output_shape(shape)
    assert np.isfinite(out.data).all()


# -- models ---------------------------------------------------------------------------------------


def test_save_and_load_a_model_with_every_conv_layer(tmp_path):
    nr.utils.set_seed(0)
    image = nr.Input((8, 8, 3))
    h = Conv2D(4, 3, padding="same", activation="relu")(image)
    h = DepthwiseConv2D(3, depth_multiplier=2, depthwise_regularizer="l2")(h)
    h = SeparableConv2D(4, 2, strides=2, padding="same")(h)
    h = Conv2DTranspose(2, 3, strides=2, output_padding=1)(h)
    seq = nr.Input((10, 2))
    s = Conv1D(3, 3, padding="causal", dilation_rate=2)(seq)
    s = DepthwiseConv1D(2)(s)
    s = SeparableConv1D(4, 3, padding="same", data_format="channels_first")(s)
    s = Conv1DTranspose(2, 2, strides=2, padding="same")(s)
    model = nr.Model([image, seq], [h, s])
    rng = np.random.default_rng(1)
    xs = [rng.normal(size=(3, 8, 8, 3)).astype(np.float32),
          rng.normal(size=(3, 10, 2)).astype(np.float32)]
    expected = model.predict(xs, verbose=0)
    path = tmp_path / "convs.neurona"
    model.save(path)
    loaded = nr.models.load_model(path)
    got = loaded.predict(xs, verbose=0)
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    names = sorted(type(layer).__name__ for layer in loaded.layers)
    assert names == sorted(["InputLayer", "InputLayer", "Conv2D", "DepthwiseConv2D",
                            "SeparableConv2D", "Conv2DTranspose", "Conv1D", "DepthwiseConv1D",
                            "SeparableConv1D", "Conv1DTranspose"])


def test_input_shape_argument_builds_a_sequential_model():
    model = nr.Sequential([Conv1D(4, 3, input_shape=(20, 2)), SeparableConv1D(2, 3)])
    assert model.built
    assert [layer.output_shape for layer in model.layers] == [(None, 18, 4), (None, 16, 2)]
    assert model.count_params() == (3 * 2 * 4 + 4) + (3 * 4 + 4 * 2 + 2)


def _bars(n, size=8, seed=0):
    """Images with one horizontal (label 0) or vertical (label 1) bar, plus noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 0.3, size=(n, size, size, 1)).astype(np.float32)
    y = rng.integers(0, 2, size=n)
    where = rng.integers(0, size, size=n)
    for i in range(n):
        if y[i]:
            x[i, :, where[i], 0] += 1.0
        else:
            x[i, where[i], :, 0] += 1.0
    return x, y


def test_tiny_cnn_learns_bars_and_stripes():
    x, y = _bars(600)
    x_test, y_test = _bars(200, seed=1)
    nr.utils.set_seed(0)
    model = nr.Sequential([
        nr.Input((8, 8, 1)),
        Conv2D(8, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer=nr.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy > 0.95


def test_keras_simple_mnist_convnet_summary():
    from neurona.layers.pooling import MaxPooling2D

    model = nr.Sequential([
        nr.Input((28, 28, 1)),
        Conv2D(32, kernel_size=(3, 3), activation="relu"),
        MaxPooling2D(pool_size=(2, 2)),
        Conv2D(64, kernel_size=(3, 3), activation="relu"),
        MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    assert model.count_params() == 34_826
    assert [layer.output_shape for layer in model.layers] == [
        (None, 26, 26, 32), (None, 13, 13, 32), (None, 11, 11, 64), (None, 5, 5, 64),
        (None, 1600), (None, 1600), (None, 10)]
    assert [layer.count_params() for layer in model.layers] == [320, 0, 18_496, 0, 0, 0, 16_010]
    printed = []
    text = model.summary(print_fn=printed.append)
    assert printed == [text]
    for shape in ("(None, 26, 26, 32)", "(None, 13, 13, 32)", "(None, 11, 11, 64)",
                  "(None, 5, 5, 64)", "(None, 1600)"):
        assert shape in text
    assert "Total params: 34,826" in text


def test_small_cnn_reaches_96_percent_on_digits():
    from neurona.data.datasets import digits
    from neurona.layers.pooling import MaxPooling2D

    (x, y), (x_test, y_test) = digits.load_data()
    x = x.reshape(-1, 8, 8, 1).astype("float32") / 16
    x_test = x_test.reshape(-1, 8, 8, 1).astype("float32") / 16
    nr.utils.set_seed(0)
    model = nr.Sequential([
        nr.Input((8, 8, 1)),
        Conv2D(16, 3, padding="same", activation="relu"),
        MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=nr.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.96
