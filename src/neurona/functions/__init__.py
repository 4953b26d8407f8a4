"""Differentiable functions (``import neurona.functions as F``), grouped by family.

This module also binds Tensor's operators and methods, in one visible table below, so that
``tensor.py`` never imports the functions (the engine stays free of import circles).
"""

from ..tensor import Tensor
from .activation import (
    elu,
    gelu,
    hard_sigmoid,
    identity,
    leaky_relu,
    log_softmax,
    mish,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    softsign,
    step,
    swish,
    tanh,
)
from .arithmetic import (
    abs,
    add,
    cast,
    clip,
    cos,
    div,
    eq,
    exp,
    ge,
    gt,
    le,
    log,
    log1p,
    logical_not,
    lt,
    maximum,
    minimum,
    mul,
    ne,
    neg,
    pow,
    sign,
    sin,
    sqrt,
    sub,
    to_device,
    where,
)
from .attention import (
    causal_mask,
    embedding,
    multi_head_attention,
    padding_mask,
    scaled_dot_product_attention,
)
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from .linalg import linear, matmul
from .loss import sigmoid_binary_cross_entropy, softmax_cross_entropy
from .noise import dropout
from .normalization import batch_norm, layer_norm, normalize
from .pooling import (
    avg_pool1d,
    avg_pool2d,
    global_avg_pool,
    global_max_pool,
    max_pool1d,
    max_pool2d,
    upsample1d,
    upsample2d,
)
from .recurrent import gru, lstm, simple_rnn
from .reduction import argmax, argmin, logsumexp, max, mean, min, prod, std, sum, var
from .shape import (
    broadcast_to,
    chunk,
    concat,
    expand,
    flatten,
    flip,
    getitem,
    one_hot,
    pad,
    permute,
    repeat,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    tile,
    transpose,
    unsqueeze,
)

__all__ = [
    # arithmetic
    "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "log1p", "sqrt", "abs", "sign",
    "clip", "maximum", "minimum", "where", "sin", "cos", "cast", "to_device",
    "eq", "ne", "lt", "le", "gt", "ge", "logical_not",
    # reduction
    "sum", "mean", "max", "min", "prod", "var", "std", "logsumexp", "argmax", "argmin",
    # shape
    "reshape", "flatten", "transpose", "permute", "swapaxes", "squeeze", "unsqueeze", "expand",
    "broadcast_to", "concat", "stack", "split", "chunk", "pad", "repeat", "tile", "flip",
    "getitem", "one_hot",
    # linalg
    "matmul", "linear",
    # activation
    "identity", "step", "sigmoid", "hard_sigmoid", "tanh", "relu", "relu6", "leaky_relu",
    "elu", "selu", "gelu", "softplus", "softsign", "silu", "swish", "mish", "softmax",
    "log_softmax",
    # loss
    "softmax_cross_entropy", "sigmoid_binary_cross_entropy",
    # noise
    "dropout",
    # normalization
    "batch_norm", "layer_norm", "normalize",
    # convolution
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d",
    # pooling and upsampling
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "global_avg_pool", "global_max_pool",
    "upsample1d", "upsample2d",
    # recurrent (whole sequences) and attention
    "simple_rnn", "lstm", "gru",
    "embedding", "scaled_dot_product_attention", "multi_head_attention", "causal_mask",
    "padding_mask",
]


def _reflected(fn):
    def method(self, other):
        return fn(other, self)

    method.__name__ = f"r{fn.__name__}"
    return method


def _shape_args(fn):
    # x.reshape(2, 3) and x.reshape((2, 3)) both work, as in PyTorch and NumPy
    def method(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return fn(self, shape)

    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


def _any(self, axis=None, keepdims=False):
    return Tensor._make(self.data.any(axis=axis, keepdims=keepdims), None)


def _all(self, axis=None, keepdims=False):
    return Tensor._make(self.data.all(axis=axis, keepdims=keepdims), None)


def _transpose(self, *axes):
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    return transpose(self, axes or None)


# Tensor's operators and methods: each is the function of the same name above.
_TENSOR_METHODS = {
    "__add__": add, "__radd__": _reflected(add),
    "__sub__": sub, "__rsub__": _reflected(sub),
    "__mul__": mul, "__rmul__": _reflected(mul),
    "__truediv__": div, "__rtruediv__": _reflected(div),
    "__pow__": pow, "__rpow__": _reflected(pow),
    "__matmul__": matmul, "__rmatmul__": _reflected(matmul),
    "__neg__": neg, "__pos__": lambda self: self, "__abs__": abs,
    "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    "__invert__": logical_not,
    "__getitem__": getitem,
    "add": add, "sub": sub, "mul": mul, "div": div, "pow": pow, "matmul": matmul,
    "exp": exp, "log": log, "log1p": log1p, "sqrt": sqrt, "abs": abs, "sign": sign,
    "clip": clip, "clamp": clip, "maximum": maximum, "minimum": minimum, "sin": sin, "cos": cos,
    "astype": cast,
    "sum": sum, "mean": mean, "max": max, "min": min, "prod": prod, "var": var, "std": std,
    "logsumexp": logsumexp, "argmax": argmax, "argmin": argmin, "any": _any, "all": _all,
    "reshape": _shape_args(reshape), "view": _shape_args(reshape),
    "expand": _shape_args(expand), "broadcast_to": broadcast_to,
    "flatten": flatten, "transpose": _transpose, "permute": _transpose, "swapaxes": swapaxes,
    "squeeze": squeeze, "unsqueeze": unsqueeze, "split": split, "chunk": chunk, "pad": pad,
    "repeat": repeat, "tile": tile, "flip": flip,
    "sigmoid": sigmoid, "tanh": tanh, "relu": relu, "softmax": softmax,
    "log_softmax": log_softmax,
}

for _name, _fn in _TENSOR_METHODS.items():
    setattr(Tensor, _name, _fn)
del _name, _fn
