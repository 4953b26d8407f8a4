"""Convolutional layers: Conv1D/2D, their transposes, depthwise and separable convolutions.

Each layer holds its weights in Keras's layouts and composes the fused primitives of
``neurona.functions.conv`` (im2col + one GEMM); a depthwise convolution is a grouped convolution
with ``groups == channels``, and a separable one is a depthwise convolution followed by a 1x1
convolution.

Shapes (channels_last, the default): 1-D ``(batch, steps, channels)``, 2-D ``(batch, height,
width, channels)``; ``data_format="channels_first"`` puts the channels right after the batch.
"""

from __future__ import annotations

import operator

import numpy as np

from .. import activations, regularizers
from .. import functions as F
from ..functions.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from .base import Layer
from .core import weight_args_config
from .pooling import MaxPooling1D, MaxPooling2D

__all__ = [
    "Conv1D", "Conv2D", "Conv1DTranspose", "Conv2DTranspose",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
    "Convolution1D", "Convolution2D", "Convolution2DTranspose", "SeparableConvolution2D",
]

_LAYOUTS = {
    (1, False): "(batch, steps, channels)",
    (1, True): "(batch, channels, steps)",
    (2, False): "(batch, height, width, channels)",
    (2, True): "(batch, channels, height, width)",
}


def _who(layer) -> str:
    return f"{type(layer).__name__} '{layer.name}'"


def _positive_int(who: str, name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{who}: {name} must be a positive integer, got {value!r}")
    return int(value)


def _int_tuple(who: str, name: str, value, rank: int, minimum: int = 1) -> tuple[int, ...]:
    """An int or a sequence of ``rank`` ints (each >= ``minimum``) as a tuple, as Keras's
    ``kernel_size=3`` meaning ``(3, 3)`` for a 2-D layer."""
    what = "a positive integer" if minimum == 1 else "a non-negative integer"
    example = "3" if rank == 1 else "3 or (3, 3)"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value),) * rank
    else:
        try:
            out = tuple(operator.index(v) for v in value)
            if any(isinstance(v, bool) for v in value):
                raise TypeError
        except TypeError:
            raise ValueError(
                f"{who}: {name} must be {what} or a tuple of {rank}, e.g. {example}; "
                f"got {value!r}"
            ) from None
        if len(out) != rank:
            raise ValueError(
                f"{who}: {name} must be {what} or a tuple of {rank}, e.g. {example}; "
                f"got {value!r}"
            )
    if any(v < minimum for v in out):
        raise ValueError(f"{who}: {name} must hold values >= {minimum}, got {value!r}")
    return out


def _padding(who: str, padding, causal: bool) -> str:
    allowed = ("valid", "same", "causal") if causal else ("valid", "same")
    p = padding.lower() if isinstance(padding, str) else padding
    if p not in allowed:
        names = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{who}: padding must be one of {names}, got {padding!r}")
    return p


def _data_format(who: str, data_format) -> str:
    if data_format is None:
        return "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f"{who}: data_format must be 'channels_last' (batch, ..., channels) or "
            f"'channels_first' (batch, channels, ...), got {data_format!r}"
        )
    return data_format


def _conv_length(n, k, s, d, padding):
    """Output length of a convolution along one axis (Keras's rule); None stays None."""
    if n is None:
        return None
    if padding == "same":
        return -(-n // s)
    if padding == "causal":
        return (n - 1) // s + 1
    return max((n - (k - 1) * d - 1) // s + 1, 0)


def _transpose_length(n, k, s, d, padding, output_padding):
    """Output length of a transposed convolution along one axis (Keras's rule)."""
    if n is None:
        return None
    dk = (k - 1) * d + 1
    if output_padding is None:
        return n * s + max(dk - s, 0) if padding == "valid" else n * s
    pad = dk // 2 if padding == "same" else 0
    return (n - 1) * s + dk - 2 * pad + output_padding


class _BaseConv(Layer):
    """What every convolutional layer shares: the geometry arguments, the input checks, the
    activation and the output-shape formula."""

    _rank = 2
    _causal_ok = False
    _transposed = False

    def _setup(self, kernel_size, strides, padding, data_format, dilation_rate, activation,
               use_bias):
        who, rank = _who(self), self._rank
        self.kernel_size = _int_tuple(who, "kernel_size", kernel_size, rank)
        self.strides = _int_tuple(who, "strides", strides, rank)
        self.padding = _padding(who, padding, self._causal_ok)
        self.data_format = _data_format(who, data_format)
        self.dilation_rate = _int_tuple(who, "dilation_rate", dilation_rate, rank)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{who}: strides > 1 cannot be combined with dilation_rate > 1, got "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}; use one or "
                "the other"
            )
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self._cf = self.data_format == "channels_first"
        self._channel_axis = 1 if self._cf else -1
        self._in_channels = None
        self._checked_shape = None

    # -- shapes -----------------------------------------------------------------------------

    def _spatial(self, shape):
        return tuple(shape[2:]) if self._cf else tuple(shape[1:-1])

    def _with_channels(self, batch, spatial, channels):
        return (batch, channels, *spatial) if self._cf else (batch, *spatial, channels)

    def _check_input(self, shape) -> None:
        """Checks the rank, the channels (once built) and the spatial size of ``shape``;
        remembered so that later calls with the same shape cost one comparison."""
        rank = self._rank
        if len(shape) != rank + 2:
            raise ValueError(
                f"{_who(self)} expects {rank + 2}-D inputs {_LAYOUTS[rank, self._cf]}, got "
                f"shape {shape}"
                + (". Add a channels axis, e.g. x[..., None]" if len(shape) == rank + 1
                   else "")
            )
        channels = shape[self._channel_axis]
        if self._in_channels is not None and channels != self._in_channels:
            axis = "1" if self._cf else "-1"
            raise ValueError(
                f"{_who(self)} expects inputs with {self._in_channels} channels (axis {axis}), "
                f"got shape {shape}. Did the previous layer change? The layer builds its "
                "kernel from the first input it sees."
            )
        if self.padding == "valid" and not self._transposed:
            spatial = self._spatial(shape)
            need = tuple((k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation_rate,
                                                          strict=True))
            if any(n is not None and n < m for n, m in zip(spatial, need, strict=True)):
                raise ValueError(
                    f"{_who(self)}: inputs of shape {shape} are smaller than the (dilated) "
                    f"kernel {need} with padding='valid'; use padding='same', a smaller "
                    "kernel, or larger inputs"
                )
        self._checked_shape = shape

    def _build_checks(self, input_shape) -> int:
        if not isinstance(input_shape, tuple) or not all(
                d is None or isinstance(d, (int, np.integer)) for d in input_shape):
            raise ValueError(f"{_who(self)} expects a single tensor input, got shape(s) "
                             f"{input_shape}")
        self._check_input(input_shape)
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise ValueError(
                f"{_who(self)}: the channels axis of the inputs must be known to build the "
                f"kernel, got shape {input_shape}"
            )
        return int(channels)

    def _prepare(self, inputs, dtype):
        if inputs.shape != self._checked_shape:
            self._check_input(tuple(inputs.shape))
        if inputs.dtype != dtype:  # integer or boolean images compute in floats
            inputs = F.cast(inputs, dtype)
        return inputs

    def _out_channels(self, in_channels) -> int:
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape`` (batch included; None dimensions stay None)."""
        input_shape = tuple(input_shape)
        self._check_input(input_shape)
        spatial = self._spatial(input_shape)
        if self._transposed:
            ops = self.output_padding or (None,) * self._rank
            out = tuple(_transpose_length(n, k, s, d, self.padding, op) for n, k, s, d, op in
                        zip(spatial, self.kernel_size, self.strides, self.dilation_rate, ops,
                            strict=True))
        else:
            out = tuple(_conv_length(n, k, s, d, self.padding) for n, k, s, d in
                        zip(spatial, self.kernel_size, self.strides, self.dilation_rate,
                            strict=True))
        channels = input_shape[self._channel_axis]
        return self._with_channels(input_shape[0], out,
                                   None if channels is None else self._out_channels(channels))

    def _fused_activation(self):
        """``"relu"`` when the convolution can apply the activation itself (see
        ``functions.conv.conv2d``), else None."""
        if self.activation is activations.relu and not self._emit_logits:
            return "relu"
        return None

    def _activate(self, z):
        if self._emit_logits:  # the trainer fuses the output activation into the loss
            return z
        return self.activation(z)

    def _geometry_config(self) -> dict:
        return {
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
        }


# -- convolutions ---------------------------------------------------------------------------------


# the max pools a convolution can run fused with, by rank (see ``_Conv._fusable_pool``)
_MAX_POOLS = {1: (MaxPooling1D,), 2: (MaxPooling2D,)}


class _Conv(_BaseConv):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        who = _who(self)
        self.filters = _positive_int(who, "filters", filters)
        self.groups = _positive_int(who, "groups", groups)
        if self.filters % self.groups:
            raise ValueError(
                f"{who}: filters ({self.filters}) must be divisible by groups ({self.groups})"
            )
        self._setup(kernel_size, strides, padding, data_format, dilation_rate, activation,
                    use_bias)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.kernel = self.bias = None
        self._fn = conv1d if self._rank == 1 else conv2d
        if self.padding == "causal":
            # left padding by the dilated kernel's reach, then a 'valid' convolution
            reach = (self.kernel_size[0] - 1) * self.dilation_rate[0]
            self._causal_pad = ((0, 0), (0, 0), (reach, 0)) if self._cf else \
                ((0, 0), (reach, 0), (0, 0))
            self._fn_padding = "valid"
        else:
            self._causal_pad = None
            self._fn_padding = self.padding

    def _out_channels(self, in_channels) -> int:
        return self.filters

    def build(self, input_shape):
        channels = self._build_checks(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"{_who(self)}: the input channels ({channels}, shape {input_shape}) must be "
                f"divisible by groups ({self.groups})"
            )
        self._in_channels = channels
        self.kernel = self.add_weight(
            "kernel", self.kernel_size + (channels // self.groups, self.filters),
            self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.filters,), self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs):
        return self._convolve(inputs)

    def _convolve(self, inputs, max_pool=None):
        """The layer's output, max-pooled with windows ``max_pool`` (stride the window,
        valid) when given: see :meth:`_fusable_pool`."""
        kernel = self.kernel
        inputs = self._prepare(inputs, kernel.dtype)
        if self._causal_pad is not None:
            inputs = F.pad(inputs, self._causal_pad)
        fused = self._fused_activation()
        z = self._fn(inputs, kernel, self.bias, self.strides, self._fn_padding,
                     self.dilation_rate, self.groups, self.data_format, fused, max_pool)
        return z if fused or max_pool is not None else self._activate(z)

    def _fusable_pool(self, pool, x):
        """The window of ``pool``, the layer after this one in a ``Sequential`` model, when the
        two can run as one fused function on the Tensor ``x`` (the convolution's response then
        never leaves the cache: see ``functions.conv.conv2d``'s ``max_pool``), else None.

        They can when ``pool`` is a max pool of the same rank and data format with ``'valid'``
        windows that stride by their size and fit the convolution's output, this layer's
        activation is ReLU or linear, both are built plain layers (no activity regularizer,
        no ``call`` replaced on the instance, as ``Diagnostics`` does to record outputs) and
        ``x`` carries no mask. The result is the same as calling them one after the other."""
        if (type(pool) not in _MAX_POOLS.get(self._rank, ()) or pool.padding != "valid"
                or pool.strides != pool.pool_size or pool.data_format != self.data_format
                or not (self.built and pool.built)
                or self.activity_regularizer is not None
                or pool.activity_regularizer is not None
                or "call" in self.__dict__ or "call" in pool.__dict__
                or getattr(x, "_mask", None) is not None
                or (self._fused_activation() is None
                    and self.activation is not activations.linear)):
            return None
        out = self.compute_output_shape(tuple(x.shape))
        size = out[1:1 + self._rank] if self.data_format == "channels_last" else out[2:]
        if any(n < k for n, k in zip(size, pool.pool_size, strict=True)):
            return None  # the pool layer's own call gives the error
        return pool.pool_size

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            **self._geometry_config(),
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_args_config(self, "kernel", "bias"),
        }


class Conv1D(_Conv):
    """1-D convolution over steps (signals, sequences): ``activation(conv(x, kernel) + bias)``.

    Args:
        filters: number of output channels.
        kernel_size: window length (an int or a tuple of one).
        strides: step between windows.
        padding: ``'valid'`` (no padding), ``'same'`` (output ``ceil(steps / strides)``) or
            ``'causal'`` (zeros on the left only, so step t sees no later step; for
            autoregressive models and WaveNet-style dilated stacks).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        dilation_rate: spacing between kernel taps (cannot exceed 1 together with strides).
        groups: split the channels into independent groups (divides both channel counts).
        activation: name or callable; None is linear.
        use_bias: add one bias per filter.
        kernel_initializer, bias_initializer: initializers (names or instances).
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to the loss.
        kernel_constraint, bias_constraint: applied after each optimizer step.

    Shapes: inputs ``(batch, steps, channels)`` -> outputs ``(batch, new_steps, filters)``;
    kernel ``(kernel_size, channels // groups, filters)``, bias ``(filters,)``.

    Example:
        >>> layer = nr.layers.Conv1D(16, 5, activation='relu')
        >>> layer(nr.ones(4, 100, 3)).shape
        (4, 96, 16)
    """

    _rank = 1
    _causal_ok = True


class Conv2D(_Conv):
    """2-D convolution over images: ``activation(conv(x, kernel) + bias)``.

    Args:
        filters: number of output channels.
        kernel_size: window size, an int (square) or ``(height, width)``.
        strides: step between windows, an int or a pair.
        padding: ``'valid'`` (no padding) or ``'same'`` (output ``ceil(size / strides)``,
            the odd extra row/column of padding at the bottom/right, as Keras).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        dilation_rate: spacing between kernel taps (cannot exceed 1 together with strides).
        groups: split the channels into independent groups (divides both channel counts).
        activation: name or callable; None is linear.
        use_bias: add one bias per filter.
        kernel_initializer, bias_initializer: initializers (names or instances).
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to the loss.
        kernel_constraint, bias_constraint: applied after each optimizer step.

    Shapes: inputs ``(batch, height, width, channels)`` -> outputs
    ``(batch, new_height, new_width, filters)``; kernel
    ``(kh, kw, channels // groups, filters)``, bias ``(filters,)``.

    Example:
        >>> layer = nr.layers.Conv2D(32, 3, activation='relu')
        >>> layer(nr.ones(8, 28, 28, 1)).shape
        (8, 26, 26, 32)
    """

    _rank = 2


# -- transposed convolutions ----------------------------------------------------------------------


class _ConvTranspose(_BaseConv):
    _transposed = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        who = _who(self)
        self.filters = _positive_int(who, "filters", filters)
        self._setup(kernel_size, strides, padding, data_format, dilation_rate, activation,
                    use_bias)
        if output_padding is not None:
            output_padding = _int_tuple(who, "output_padding", output_padding, self._rank,
                                        minimum=0)
            if any(p >= s for p, s in zip(output_padding, self.strides, strict=True)):
                raise ValueError(
                    f"{who}: output_padding {output_padding} must be smaller than strides "
                    f"{self.strides} on every axis"
                )
        self.output_padding = output_padding
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.kernel = self.bias = None
        self._fn = conv_transpose1d if self._rank == 1 else conv_transpose2d

    def _out_channels(self, in_channels) -> int:
        return self.filters

    def build(self, input_shape):
        channels = self._build_checks(input_shape)
        self._in_channels = channels
        self.kernel = self.add_weight(
            "kernel", self.kernel_size + (self.filters, channels), self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.filters,), self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs):
        kernel = self.kernel
        inputs = self._prepare(inputs, kernel.dtype)
        z = self._fn(inputs, kernel, self.bias, self.strides, self.padding,
                     self.output_padding, self.dilation_rate, self.data_format)
        return self._activate(z)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "filters": self.filters,
            **self._geometry_config(),
            "output_padding": self.output_padding,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_args_config(self, "kernel", "bias"),
        }


class Conv1DTranspose(_ConvTranspose):
    """1-D transposed convolution ("deconvolution"): upsamples steps by ``strides``; the
    adjoint of :class:`Conv1D` with the same geometry.

    Args:
        filters: number of output channels.
        kernel_size: window length.
        strides: upsampling factor.
        padding: ``'valid'`` (output ``steps * strides + max(k - strides, 0)``) or ``'same'``
            (output ``steps * strides``).
        output_padding: None, or extra steps at the end (each smaller than the stride); then
            the output is ``(steps - 1) * strides + k - 2 * pad + output_padding``, ``pad``
            being 0 for ``'valid'`` and ``k // 2`` for ``'same'`` (``k`` dilated).
        data_format, dilation_rate, activation, use_bias, initializers, regularizers,
            constraints: as :class:`Conv1D`.

    Shapes: inputs ``(batch, steps, channels)`` -> outputs ``(batch, new_steps, filters)``;
    kernel ``(kernel_size, filters, channels)``, bias ``(filters,)``.

    Example:
        >>> layer = nr.layers.Conv1DTranspose(8, 3, strides=2, padding='same')
        >>> layer(nr.ones(4, 10, 3)).shape
        (4, 20, 8)
    """

    _rank = 1


class Conv2DTranspose(_ConvTranspose):
    """2-D transposed convolution ("deconvolution"): upsamples images by ``strides`` (decoders,
    autoencoders, GAN generators); the adjoint of :class:`Conv2D` with the same geometry.

    Args:
        filters: number of output channels.
        kernel_size: window size, an int or ``(height, width)``.
        strides: upsampling factor per axis.
        padding: ``'valid'`` (output ``size * strides + max(k - strides, 0)``) or ``'same'``
            (output ``size * strides``).
        output_padding: None, or extra rows/columns at the bottom/right (each smaller than the
            stride), with the output length of :class:`Conv1DTranspose`.
        data_format, dilation_rate, activation, use_bias, initializers, regularizers,
            constraints: as :class:`Conv2D`.

    Shapes: inputs ``(batch, height, width, channels)`` -> outputs
    ``(batch, new_height, new_width, filters)``; kernel ``(kh, kw, filters, channels)``, bias
    ``(filters,)``.

    Example:
        >>> layer = nr.layers.Conv2DTranspose(16, 3, strides=2, padding='same')
        >>> layer(nr.ones(2, 7, 7, 32)).shape
        (2, 14, 14, 16)
    """

    _rank = 2


# -- depthwise and separable convolutions -------------------------------------------------------


class _DepthwiseConv(_BaseConv):
    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.depth_multiplier = _positive_int(_who(self), "depth_multiplier", depth_multiplier)
        self._setup(kernel_size, strides, padding, data_format, dilation_rate, activation,
                    use_bias)
        self.depthwise_initializer = depthwise_initializer
        self.bias_initializer = bias_initializer
        self.depthwise_regularizer = depthwise_regularizer
        self.bias_regularizer = bias_regularizer
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.depthwise_constraint = depthwise_constraint
        self.bias_constraint = bias_constraint
        self.depthwise_kernel = self.bias = None
        self._fn = conv1d if self._rank == 1 else conv2d

    def _out_channels(self, in_channels) -> int:
        return in_channels * self.depth_multiplier

    def build(self, input_shape):
        channels = self._build_checks(input_shape)
        self._in_channels = channels
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (channels, self.depth_multiplier),
            self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        # as a grouped kernel (k..., 1, C*m): output channel c*m + j is input channel c's j-th
        self._grouped_shape = self.kernel_size + (1, channels * self.depth_multiplier)
        if self.use_bias:
            self.bias = self.add_weight("bias", (channels * self.depth_multiplier,),
                                        self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs):
        kernel = self.depthwise_kernel
        inputs = self._prepare(inputs, kernel.dtype)
        fused = self._fused_activation()
        z = self._fn(inputs, F.reshape(kernel, self._grouped_shape), self.bias, self.strides,
                     self.padding, self.dilation_rate, self._in_channels, self.data_format, fused)
        return z if fused else self._activate(z)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            **self._geometry_config(),
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_args_config(self, "depthwise", "bias"),
        }


class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1-D convolution: each input channel is convolved with its own
    ``depth_multiplier`` filters, with no mixing between channels.

    Args:
        kernel_size: window length.
        strides, padding (``'valid'``/``'same'``), data_format, dilation_rate: as
            :class:`Conv1D`.
        depth_multiplier: filters per input channel.
        activation, use_bias: as :class:`Conv1D`.
        depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
            activity_regularizer, depthwise_constraint, bias_constraint: for the depthwise
            kernel and the bias.

    Shapes: inputs ``(batch, steps, channels)`` -> outputs
    ``(batch, new_steps, channels * depth_multiplier)``, output channel
    ``c * depth_multiplier + j`` from input channel ``c``; depthwise_kernel
    ``(kernel_size, channels, depth_multiplier)``, bias ``(channels * depth_multiplier,)``.

    Example:
        >>> layer = nr.layers.DepthwiseConv1D(3, depth_multiplier=2)
        >>> layer(nr.ones(4, 20, 5)).shape
        (4, 18, 10)
    """

    _rank = 1


class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2-D convolution: each input channel is convolved with its own
    ``depth_multiplier`` filters, with no mixing between channels (MobileNet's building block).

    Args:
        kernel_size: window size, an int or ``(height, width)``.
        strides, padding (``'valid'``/``'same'``), data_format, dilation_rate: as
            :class:`Conv2D`.
        depth_multiplier: filters per input channel.
        activation, use_bias: as :class:`Conv2D`.
        depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
            activity_regularizer, depthwise_constraint, bias_constraint: for the depthwise
            kernel and the bias.

    Shapes: inputs ``(batch, height, width, channels)`` -> outputs
    ``(batch, new_height, new_width, channels * depth_multiplier)``, output channel
    ``c * depth_multiplier + j`` from input channel ``c``; depthwise_kernel
    ``(kh, kw, channels, depth_multiplier)``, bias ``(channels * depth_multiplier,)``.

    Example:
        >>> layer = nr.layers.DepthwiseConv2D(3, padding='same')
        >>> layer(nr.ones(2, 16, 16, 8)).shape
        (2, 16, 16, 8)
    """

    _rank = 2


class _SeparableConv(_BaseConv):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        who = _who(self)
        self.filters = _positive_int(who, "filters", filters)
        self.depth_multiplier = _positive_int(who, "depth_multiplier", depth_multiplier)
        self._setup(kernel_size, strides, padding, data_format, dilation_rate, activation,
                    use_bias)
        self.depthwise_initializer = depthwise_initializer
        self.pointwise_initializer = pointwise_initializer
        self.bias_initializer = bias_initializer
        self.depthwise_regularizer = depthwise_regularizer
        self.pointwise_regularizer = pointwise_regularizer
        self.bias_regularizer = bias_regularizer
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.depthwise_constraint = depthwise_constraint
        self.pointwise_constraint = pointwise_constraint
        self.bias_constraint = bias_constraint
        self.depthwise_kernel = self.pointwise_kernel = self.bias = None
        self._fn = conv1d if self._rank == 1 else conv2d
        self._ones = (1,) * self._rank

    def _out_channels(self, in_channels) -> int:
        return self.filters

    def build(self, input_shape):
        channels = self._build_checks(input_shape)
        self._in_channels = channels
        mult = self.depth_multiplier
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (channels, mult), self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", self._ones + (channels * mult, self.filters),
            self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self._grouped_shape = self.kernel_size + (1, channels * mult)
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.filters,), self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs):
        kernel = self.depthwise_kernel
        inputs = self._prepare(inputs, kernel.dtype)
        fn = self._fn
        depthwise = fn(inputs, F.reshape(kernel, self._grouped_shape), None, self.strides,
                       self.padding, self.dilation_rate, self._in_channels, self.data_format)
        z = fn(depthwise, self.pointwise_kernel, self.bias, self._ones, "valid", self._ones, 1,
               self.data_format)
        return self._activate(z)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            **self._geometry_config(),
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_args_config(self, "depthwise", "pointwise", "bias"),
        }


class SeparableConv1D(_SeparableConv):
    """Depthwise-separable 1-D convolution: a depthwise convolution (each channel with its own
    ``depth_multiplier`` filters) followed by a 1x1 convolution mixing the channels into
    ``filters`` outputs; far fewer weights than a :class:`Conv1D` of the same size.

    Args:
        filters: number of output channels.
        kernel_size, strides, padding (``'valid'``/``'same'``), data_format, dilation_rate:
            of the depthwise step, as :class:`Conv1D`.
        depth_multiplier: depthwise filters per input channel.
        activation, use_bias: as :class:`Conv1D` (the bias is added after the 1x1 step).
        depthwise_*, pointwise_*, bias_*: initializers, regularizers and constraints of the
            three weights; activity_regularizer on the output.

    Shapes: inputs ``(batch, steps, channels)`` -> outputs ``(batch, new_steps, filters)``;
    depthwise_kernel ``(kernel_size, channels, depth_multiplier)``, pointwise_kernel
    ``(1, channels * depth_multiplier, filters)``, bias ``(filters,)``.

    Example:
        >>> layer = nr.layers.SeparableConv1D(16, 5, padding='same')
        >>> layer(nr.ones(4, 50, 8)).shape
        (4, 50, 16)
    """

    _rank = 1


class SeparableConv2D(_SeparableConv):
    """Depthwise-separable 2-D convolution: a depthwise convolution (each channel with its own
    ``depth_multiplier`` filters) followed by a 1x1 convolution mixing the channels into
    ``filters`` outputs (Xception, MobileNet); far fewer weights than a :class:`Conv2D`.

    Args:
        filters: number of output channels.
        kernel_size, strides, padding (``'valid'``/``'same'``), data_format, dilation_rate:
            of the depthwise step, as :class:`Conv2D`.
        depth_multiplier: depthwise filters per input channel.
        activation, use_bias: as :class:`Conv2D` (the bias is added after the 1x1 step).
        depthwise_*, pointwise_*, bias_*: initializers, regularizers and constraints of the
            three weights; activity_regularizer on the output.

    Shapes: inputs ``(batch, height, width, channels)`` -> outputs
    ``(batch, new_height, new_width, filters)``; depthwise_kernel
    ``(kh, kw, channels, depth_multiplier)``, pointwise_kernel
    ``(1, 1, channels * depth_multiplier, filters)``, bias ``(filters,)``.

    Example:
        >>> layer = nr.layers.SeparableConv2D(32, 3, padding='same')
        >>> layer(nr.ones(2, 16, 16, 8)).shape
        (2, 16, 16, 32)
    """

    _rank = 2


# Keras's older names
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution2DTranspose = Conv2DTranspose
SeparableConvolution2D = SeparableConv2D
