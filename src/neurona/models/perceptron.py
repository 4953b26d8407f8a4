"""The first neurons of the course: McCulloch–Pitts's threshold unit and Rosenblatt's perceptron.

Neither is trained by gradient descent. A :class:`McCullochPitts` neuron has fixed weights and a
fixed threshold: it fires (outputs 1) when the weighted sum of its binary inputs reaches the
threshold. A :class:`Perceptron` learns its weights with Rosenblatt's rule, one sample at a time:
when it gets a sample wrong it moves its weights towards (or away from) that sample,

    w ← w + η·(y − ŷ)·x,        b ← b + η·(y − ŷ),

and when it gets one right it changes nothing. On linearly separable data (AND, OR, AND-NOT) it
stops after finitely many mistakes (the perceptron convergence theorem); on XOR it never does,
because no line separates XOR's ones from its zeros.

Both work on NumPy arrays (a Tensor's data is used as is) and draw random numbers only from their
own seeded generator, never from NumPy's global state.
"""

from __future__ import annotations

import difflib
import math
from numbers import Integral, Real

import numpy as np

from .. import backend
from ..tensor import Tensor

__all__ = ["McCullochPitts", "Perceptron"]

ACTIVATIONS: tuple[str, ...] = ("step", "sign")
"""The activations a :class:`Perceptron` accepts: ``'step'`` (labels 0/1), ``'sign'`` (−1/+1)."""

# the labels each activation outputs, (negative class, positive class)
_LABELS = {"step": (0, 1), "sign": (-1, 1)}


def _is_number(v) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(v)


def _as_array(x) -> np.ndarray:
    return backend.to_numpy(x.data) if isinstance(x, Tensor) else np.asarray(x)


def _check_inputs(where: str, x, n_features: int | None = None) -> np.ndarray:
    """x as a float64 (n_samples, n_features) array, or a clear error."""
    arr = _as_array(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: x must hold numbers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        hint = (" For one sample, pass x.reshape(1, -1); for one feature, x.reshape(-1, 1)."
                if arr.ndim == 1 else "")
        raise ValueError(f"{where}: x must have shape (n_samples, n_features), got shape "
                         f"{arr.shape}.{hint}")
    if arr.shape[0] == 0:
        raise ValueError(f"{where}: x has no samples (shape {arr.shape})")
    if n_features is not None and arr.shape[1] != n_features:
        raise ValueError(f"{where}: x must have {n_features} features (the number seen by "
                         f"fit), got shape {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        row = int(np.flatnonzero(~np.isfinite(arr).all(axis=1))[0])
        raise ValueError(f"{where}: x has NaN or Inf values, first in row {row}")
    return arr


class McCullochPitts:
    """A McCulloch–Pitts neuron (1943): fixed weights, a fixed threshold, a binary output.

    As the course describes it, the neuron's connections are weighted paths, excitatory when the
    weight is positive and inhibitory when it is negative, and its activation is binary: it fires
    when the combined input reaches its threshold. Here that is the course's step function,
    ``F(z) = 1 if z >= 0``, applied to ``z = weights · x − threshold``. Nothing is learned: the
    weights are chosen by hand (AND: weights (1, 1), threshold 2; OR: (2, 2), threshold 2;
    AND-NOT: (2, −1), threshold 2), and XOR needs two layers of them:
    ``(x1 AND NOT x2) OR (x2 AND NOT x1)``.

    Args:
        weights: one weight per input, shape (n_inputs,).
        threshold: the firing threshold θ (a finite number).

    Shapes: ``x`` (n_inputs,) -> an int 0 or 1; ``x`` (batch, n_inputs) -> (batch,) int64.

    Example:
        >>> and_gate = McCullochPitts(weights=[1, 1], threshold=2)
        >>> and_gate([1, 1]), and_gate([1, 0])
        (1, 0)
        >>> and_gate([[0, 0], [0, 1], [1, 0], [1, 1]]).tolist()
        [0, 0, 0, 1]
    """

    def __init__(self, weights, threshold):
        w = _as_array(weights)
        if w.dtype.kind not in "biuf" or w.ndim != 1 or w.size == 0:
            raise ValueError(f"McCullochPitts: weights must be a non-empty 1-D sequence of "
                             f"numbers, got {weights!r}")
        if not np.isfinite(w).all():
            raise ValueError(f"McCullochPitts: weights must be finite, got {weights!r}")
        if not _is_number(threshold):
            raise ValueError(f"McCullochPitts: threshold must be a finite number, got "
                             f"{threshold!r}")
        self.weights = w.astype(np.float64)
        self.threshold = float(threshold)

    def __call__(self, x):
        """Fire (1) or not (0) for one input vector (n_inputs,) or a batch (batch, n_inputs)."""
        arr = _as_array(x)
        n = self.weights.shape[0]
        if arr.dtype.kind not in "biuf" or arr.ndim not in (1, 2) or arr.shape[-1] != n:
            raise ValueError(f"McCullochPitts: x must have shape ({n},) or (batch, {n}) for a "
                             f"neuron with {n} weights, got shape {arr.shape}")
        fired = (arr.astype(np.float64) @ self.weights >= self.threshold).astype(np.int64)
        return int(fired) if arr.ndim == 1 else fired

    def __repr__(self) -> str:
        w = ", ".join(f"{v:g}" for v in self.weights)
        return f"McCullochPitts(weights=[{w}], threshold={self.threshold:g})"


class Perceptron:
    """Rosenblatt's perceptron: one neuron with a step output, trained by the perceptron rule.

    In the course's words, a perceptron is an algorithm for the supervised learning of binary
    classifiers, a single-layer neural network made of inputs, weights and a bias, the weighted
    sum, and an activation function, whose weights are updated after each training mistake.
    Here the prediction is ``ŷ = F(x · w + b)`` with the course's step function
    ``F(z) = 1 if z >= 0 else 0`` (or ``'sign'``: +1 / −1), and ``fit`` visits the samples one
    at a time (in a new random order each epoch, or as given with ``shuffle=False``), applying
    to each

        w ← w + learning_rate·(y − ŷ)·x,        b ← b + learning_rate·(y − ŷ)

    (nothing changes when ŷ = y). It stops after the first epoch without a mistake, or after
    ``max_epochs``. This is not gradient descent: the step has no useful derivative, and the
    rule only reacts to mistakes.

    The weights and the bias start at zero, as in the classic presentation: with 0/1 inputs and
    ``learning_rate=1`` they stay whole numbers, so a fitted perceptron separates its classes
    with a margin (``x · w + b`` is >= 0 on one side and <= −1 on the other) rather than by a
    rounding error. The seed only decides the order in which the samples are visited.

    Args:
        learning_rate: η > 0, the size of each correction. With 0/1 inputs and η = 1 every
            weight moves by whole units.
        max_epochs: the most passes over the data (>= 1).
        activation: ``'step'`` (labels 0 and 1, the default) or ``'sign'`` (labels −1 and +1).
        seed: an integer for a reproducible visiting order, or None to draw it from neurona's
            generator (``neurona.backend.rng()``, seeded by ``nr.utils.set_seed``).
        shuffle: visit the samples in a new random order every epoch (True, the default), or
            always in the order given (False: no randomness at all, handy for following the
            updates by hand).

    Attributes (after ``fit``):
        weights_: (n_features,) float64, the learned weights.
        bias_: float, the learned bias.
        errors_per_epoch_: list of ints, the mistakes (updates) made during each epoch.
        converged_: True when the last epoch made no mistake (the data were separated).
        n_epochs_: the number of epochs run.

    Example:
        >>> from neurona.data.datasets import logic_gates
        >>> x, y = logic_gates.load_data("and")
        >>> p = Perceptron(seed=0).fit(x, y)
        >>> p.predict(x).tolist(), p.converged_
        ([1, 0, 0, 0], True)
        >>> Perceptron(max_epochs=50, seed=0).fit(*logic_gates.load_data("xor")).converged_
        False
    """

    def __init__(self, learning_rate: float = 1.0, max_epochs: int = 100,
                 activation: str = "step", seed: int | None = None, shuffle: bool = True):
        if not _is_number(learning_rate) or learning_rate <= 0:
            raise ValueError(f"Perceptron: learning_rate must be a finite number > 0, got "
                             f"{learning_rate!r}")
        if not isinstance(max_epochs, Integral) or isinstance(max_epochs, bool) \
                or max_epochs < 1:
            raise ValueError(f"Perceptron: max_epochs must be an integer >= 1, got "
                             f"{max_epochs!r}")
        if not isinstance(activation, str) or activation.lower() not in ACTIVATIONS:
            close = difflib.get_close_matches(str(activation).lower(), ACTIVATIONS, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"Perceptron: unknown activation {activation!r}.{hint} Valid "
                             f"names: {', '.join(ACTIVATIONS)}")
        if seed is not None and (not isinstance(seed, Integral) or isinstance(seed, bool)
                                 or seed < 0):
            raise ValueError(f"Perceptron: seed must be None or an integer >= 0, got {seed!r}")
        if not isinstance(shuffle, (bool, np.bool_)):
            raise ValueError(f"Perceptron: shuffle must be True or False, got {shuffle!r}")
        self.learning_rate = float(learning_rate)
        self.max_epochs = int(max_epochs)
        self.activation = activation.lower()
        self.seed = seed
        self.shuffle = bool(shuffle)
        self.weights_ = None
        self.bias_ = None
        self.errors_per_epoch_ = []
        self.converged_ = False
        self.n_epochs_ = 0

    def _step(self, z):
        low, high = _LABELS[self.activation]
        return np.where(z >= 0, high, low)

    def fit(self, x, y) -> Perceptron:
        """Learn the weights from labelled samples with the perceptron rule.

        Every call starts again from zero weights (and, with an integer ``seed``, the same
        visiting order), so the same seed and data give the same result.

        Args:
            x: (n_samples, n_features) numbers.
            y: (n_samples,) labels: 0 and 1 for ``'step'``, −1 and +1 for ``'sign'``; an
                (n_samples, 1) column is accepted too.

        Returns:
            self, fitted (see the class's attributes).

        Raises:
            ValueError: for badly shaped or non-finite inputs, a length mismatch, or labels
                the activation cannot output.

        Example:
            >>> p = Perceptron(seed=0).fit([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 1])
            >>> p.errors_per_epoch_[-1]
            0
        """
        where = "Perceptron.fit"
        x = _check_inputs(where, x)
        labels = _as_array(y)
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels[:, 0]
        if labels.ndim != 1 or labels.shape[0] != x.shape[0]:
            raise ValueError(f"{where}: y must have shape ({x.shape[0]},), one label per row "
                             f"of x {x.shape}, got shape {labels.shape}")
        valid = _LABELS[self.activation]
        if labels.dtype.kind not in "biuf":
            raise ValueError(f"{where}: y must hold numeric labels {valid[0]} and {valid[1]}, "
                             f"got dtype {labels.dtype}")
        if not np.isin(labels, valid).all():
            bad = sorted({v.item() for v in np.unique(labels)} - set(valid))[:5]
            raise ValueError(f"{where}: activation '{self.activation}' needs labels "
                             f"{valid[0]} and {valid[1]}, got other values {bad}")
        targets = labels.astype(np.float64)

        rng = None
        if self.shuffle:
            rng = backend.rng() if self.seed is None else np.random.default_rng(self.seed)
        w = np.zeros(x.shape[1])
        b = 0.0
        lr = self.learning_rate
        low, high = valid
        self.errors_per_epoch_ = []
        self.converged_ = False
        order = np.arange(x.shape[0])
        for _ in range(self.max_epochs):
            if rng is not None:
                order = rng.permutation(x.shape[0])
            mistakes = 0
            for i in order:
                xi, yi = x[i], targets[i]
                error = yi - (high if xi @ w + b >= 0 else low)
                if error != 0.0:
                    w += lr * error * xi
                    b += lr * error
                    mistakes += 1
            self.errors_per_epoch_.append(mistakes)
            if mistakes == 0:
                self.converged_ = True
                break
        self.weights_ = w
        self.bias_ = float(b)
        self.n_epochs_ = len(self.errors_per_epoch_)
        return self

    def _check_fitted(self, where: str) -> None:
        if self.weights_ is None:
            raise RuntimeError(f"{where}: this Perceptron is not fitted yet; call fit(x, y) "
                               "first")

    def decision_function(self, x) -> np.ndarray:
        """The net input ``x · w + b`` before the step. x: (n_samples, n_features).

        Returns:
            (n_samples,) float64; the prediction is the positive class where it is >= 0.
        """
        self._check_fitted("Perceptron.decision_function")
        x = _check_inputs("Perceptron.decision_function", x, self.weights_.shape[0])
        return x @ self.weights_ + self.bias_

    def predict(self, x) -> np.ndarray:
        """Class labels for samples. x: (n_samples, n_features).

        Returns:
            (n_samples,) int64: 0/1 for ``'step'``, −1/+1 for ``'sign'``.

        Example:
            >>> p = Perceptron(seed=0).fit([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 0, 0, 1])
            >>> p.predict([[1, 1], [0, 1]]).tolist()
            [1, 0]
        """
        self._check_fitted("Perceptron.predict")
        x = _check_inputs("Perceptron.predict", x, self.weights_.shape[0])
        return self._step(x @ self.weights_ + self.bias_).astype(np.int64)

    def score(self, x, y) -> float:
        """Accuracy: the fraction of samples whose predicted label equals ``y`` (n_samples,)."""
        pred = self.predict(x)
        labels = _as_array(y).reshape(-1)
        if labels.shape != pred.shape:
            raise ValueError(f"Perceptron.score: y must have shape {pred.shape}, got shape "
                             f"{_as_array(y).shape}")
        return float((pred == labels).mean())

    def __repr__(self) -> str:
        return (f"Perceptron(learning_rate={self.learning_rate:g}, "
                f"max_epochs={self.max_epochs}, activation='{self.activation}', "
                f"seed={self.seed}, shuffle={self.shuffle})")
