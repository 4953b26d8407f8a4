"""neurona: a readable, fast deep-learning framework.

Two front doors: a PyTorch-like tensor API (``nr.tensor``, ``.backward()``, ``nr.no_grad()``)
and, built on it, a Keras-compatible model API.
"""

import sys as _sys

from . import (
    activations,
    autograd,
    backend,
    callbacks,
    constraints,
    data,
    functions,
    heap,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    parallel,
    regularizers,
    saving,
    testing,
    utils,
)
from ._lazy import lazy_exports
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .data import datasets
from .functions import (
    abs,
    argmax,
    argmin,
    broadcast_to,
    chunk,
    clip,
    concat,
    cos,
    exp,
    expand,
    flatten,
    flip,
    log,
    log1p,
    logsumexp,
    matmul,
    maximum,
    mean,
    minimum,
    one_hot,
    pad,
    permute,
    prod,
    repeat,
    reshape,
    sign,
    sin,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    swapaxes,
    tile,
    transpose,
    unsqueeze,
    var,
    where,
)
from .functions import max as max  # noqa: A004  (nr.max, as torch.max)
from .functions import min as min  # noqa: A004
from .functions import sum as sum  # noqa: A004
from .layers import Input
from .models import Model, Sequential
from .parallel import get_num_threads, set_num_threads
from .tensor import (
    Tensor,
    arange,
    as_tensor,
    bool_,
    eye,
    float16,
    float32,
    float64,
    from_numpy,
    full,
    full_like,
    int8,
    int16,
    int32,
    int64,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    tensor,
    uint8,
    zeros,
    zeros_like,
)

__version__ = "0.1.0"

# ``nr.datasets`` is ``neurona.data.datasets``; registering it makes
# ``from neurona.datasets import digits`` work as well
_sys.modules[__name__ + ".datasets"] = datasets

# loaded on first use (nr.rl, nr.applications, nr.viz): import neurona stays fast
__getattr__ = lazy_exports(__name__, {"rl": ".rl", "applications": ".applications",
                                      "viz": ".viz"})

__all__ = [
    "Tensor", "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "eye", "arange",
    "linspace", "rand", "randn", "randint", "zeros_like", "ones_like", "full_like",
    "float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool_",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "set_num_threads", "get_num_threads",
    "abs", "argmax", "argmin", "broadcast_to", "chunk", "clip", "concat", "cos", "exp", "expand",
    "flatten", "flip", "log", "log1p", "logsumexp", "matmul", "max", "maximum", "mean", "min",
    "minimum", "one_hot", "pad", "permute", "prod", "repeat", "reshape", "sign", "sin", "split",
    "sqrt", "squeeze", "stack", "std", "sum", "swapaxes", "tile", "transpose", "unsqueeze",
    "var", "where",
    "Sequential", "Model", "Input",
    "activations", "applications", "autograd", "backend", "callbacks", "constraints", "data",
    "datasets", "functions", "heap", "initializers", "layers", "losses", "metrics", "models",
    "optimizers", "parallel", "regularizers", "rl", "saving", "testing", "utils", "viz",
]
