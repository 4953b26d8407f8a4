"""Over- and under-fitting, and the regularizers of the course: Dropout, L1, L2, early stopping.

The problem: 30 noisy samples of y = sin(3x) on [-1, 1] (noise of standard deviation 0.3, so
no model can get a mean squared error below about 0.09 on new data), and 300 more samples to
validate on.

- Under-fitting: a straight line (one neuron) cannot follow the sine: both errors stay high.
- Over-fitting: two hidden layers of 128 ReLU units learn the 30 points, noise included: the
  training error falls far below the noise while the validation error grows.
- Regularization trades some training error for less validation error: Dropout, an L1 or an
  L2 penalty on the weights, or early stopping (stop when the validation loss has not improved
  for ``patience`` epochs, and keep the best weights).

The last part shows dropout's two conventions: the course's ``p`` (the probability of *keeping*
a unit) and Keras's ``rate`` (the probability of *dropping* one): ``rate = 1 - p``.

Run it with:  python examples/regularization.py
"""

import os

import numpy as np

import neurona as nr
from neurona import layers

FAST = os.environ.get("NEURONA_FAST") == "1"  # the test suite sets it: fewer epochs

rng = np.random.default_rng(0)


def make_data(n):
    x = rng.uniform(-1.0, 1.0, size=(n, 1))
    y = np.sin(3.0 * x[:, 0]) + rng.normal(0.0, 0.3, size=n)
    return x.astype(np.float32), y.astype(np.float32)


x_train, y_train = make_data(30)
x_val, y_val = make_data(300)


def build(variant):
    """The model of one variant: a line, or the big network with or without a regularizer."""
    if variant == "under-fitting (1 neuron)":
        return nr.Sequential([nr.Input(shape=(1,)), layers.Dense(1)])
    # instances with explicit factors; the strings 'l1' and 'l2' work too (factor 0.01)
    penalty = {"L1(l1=0.003)": nr.regularizers.L1(3e-3),
               "L2(l2=0.01)": nr.regularizers.L2(1e-2)}.get(variant)
    stack = [nr.Input(shape=(1,))]
    for _ in range(2):
        stack.append(layers.Dense(128, activation="relu", kernel_regularizer=penalty))
        if variant == "Dropout(rate=0.5)":
            stack.append(layers.Dropout(0.5))
    stack.append(layers.Dense(1))
    return nr.Sequential(stack)


def mse(model, x, y):
    """Plain mean squared error of the predictions (no penalty terms)."""
    return float(np.mean((model.predict(x, verbose=0).ravel() - y) ** 2))


epochs = 500 if FAST else 1000
patience = 20 if FAST else 50
variants = ["under-fitting (1 neuron)", "no regularization", "Dropout(rate=0.5)", "L1(l1=0.003)",
            "L2(l2=0.01)", f"EarlyStopping(patience={patience})"]
print(f"training each variant for up to {epochs} epochs (Adam, learning rate 0.01)\n")
print(f"{'variant':<27} | train MSE | val MSE | gap    | epochs run")
for variant in variants:
    nr.utils.set_seed(0)  # the same initial weights for every big network
    model = build(variant)
    model.compile(optimizer=nr.optimizers.Adam(learning_rate=0.01), loss="mse")
    callbacks = []
    if variant.startswith("EarlyStopping"):
        callbacks.append(nr.callbacks.EarlyStopping(monitor="val_loss", patience=patience,
                                                    restore_best_weights=True))
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=len(x_train),
                        validation_data=(x_val, y_val), callbacks=callbacks, verbose=0)
    train, val = mse(model, x_train, y_train), mse(model, x_val, y_val)
    print(f"{variant:<27} | {train:9.4f} | {val:7.4f} | {val - train:6.4f} | "
          f"{len(history.history['loss'])}")
print("(the noise alone gives an MSE of about 0.09 on new data)")

print("\nDropout: the course keeps each unit with probability p; Keras's Dropout(rate) drops")
print("each unit with probability rate. They describe the same layer when rate = 1 - p.")
p = 0.8
rate = 1 - p
layer = layers.Dropout(rate=rate, seed=0)
ones = nr.ones(1, 10_000)
train_out = layer(ones, training=True).data
kept = train_out != 0
print(f"course p = {p} (keep)  ->  layers.Dropout(rate={rate:.1f}) (drop)")
print(f"in training: {kept.mean():.3f} of the units kept (p), {1 - kept.mean():.3f} dropped "
      f"(rate)")
print(f"kept units are scaled by 1/p = {train_out[kept].max():.2f}, so the mean stays "
      f"{train_out.mean():.3f}")
print(f"at inference nothing is dropped: {bool((layer(ones, training=False).data == 1).all())}")
