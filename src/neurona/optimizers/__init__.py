"""Optimizers with Keras 3's names, arguments and update formulas, over a parameter arena.

Keras style: ``model.compile(optimizer="adam")`` or ``Adam(learning_rate=1e-3)``.
PyTorch style: ``opt = SGD(model.parameters(), lr=0.1)``, then ``opt.zero_grad();
loss.backward(); opt.step()``.
"""

from . import schedules
from .adagrad import Adadelta, Adagrad
from .adam import Adam, Adamax, AdamW, Nadam
from .base import Optimizer, ParamGroup, deserialize, get, serialize
from .lion import Lion
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Optimizer",
    "ParamGroup",
    "SGD",
    "Adam",
    "AdamW",
    "Adamax",
    "Nadam",
    "RMSprop",
    "Adagrad",
    "Adadelta",
    "Lion",
    "schedules",
    "get",
    "serialize",
    "deserialize",
]
