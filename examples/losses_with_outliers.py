"""MAE, MSE and MAPE on data with outliers, and the course's output-activation/loss table.

The course compares three regression losses by the operation applied to each residual:

    loss   residual          robust to outliers
    MAE    absolute value    yes
    MSE    square            no
    MAPE   absolute value    yes   (relative to the target)

Here one linear neuron is fitted with each loss to points on the line y = 2x + 1 (with a little
noise) where four points have been pushed 30 units up. Squaring lets those four points pull the
MSE line away; MAE and MAPE stay on the line. Then the table of the final activation and the
loss for each kind of problem is printed, with the loss neurona picks by itself when ``fit`` is
called without ``compile``.

Run it with:  python examples/losses_with_outliers.py
"""

import contextlib
import io
import os

import numpy as np

import neurona as nr
from neurona import layers

FAST = os.environ.get("NEURONA_FAST") == "1"  # the test suite sets it: fewer epochs

print("Loss  | residual       | robust to outliers (the course's table)")
for name, residual, robust in (("MAE", "absolute value", "yes"), ("MSE", "square", "no"),
                               ("MAPE", "absolute value", "yes")):
    print(f"{name:<5} | {residual:<14} | {robust}")

# 40 points on y = 2x + 1, x in [1, 10] (positive targets: MAPE divides by them)
rng = np.random.default_rng(0)
x = np.linspace(1.0, 10.0, 40)
y = 2.0 * x + 1.0 + rng.normal(0.0, 0.3, size=x.shape)
outliers = np.array([30, 33, 36, 39])
y[outliers] += 30.0
x, y = x.astype(np.float32).reshape(-1, 1), y.astype(np.float32)
print(f"\ndata: {len(y)} points of y = 2x + 1 + noise; points {outliers.tolist()} moved up by 30")

epochs = 300 if FAST else 1000
fits = {}
for loss in ("mae", "mse", "mape"):
    nr.utils.set_seed(0)
    model = nr.Sequential([nr.Input(shape=(1,)), layers.Dense(1)])
    # the step shrinks to 0 along a cosine, so MAE and MAPE (whose gradients never shrink
    # near the minimum) settle instead of oscillating
    schedule = nr.optimizers.schedules.CosineDecay(0.5, decay_steps=epochs)
    model.compile(optimizer=nr.optimizers.Adam(learning_rate=schedule), loss=loss)
    model.fit(x, y, epochs=epochs, batch_size=len(y), verbose=0)
    kernel, bias = model.get_weights()
    fits[loss] = (float(kernel[0, 0]), float(bias[0]))

least_squares = np.polyfit(x.ravel().astype(np.float64), y.astype(np.float64), 1)
print(f"\nfitted line y = slope * x + intercept, {epochs} epochs of Adam each (true: 2, 1)")
print("loss  | slope  | intercept")
for loss, (slope, intercept) in fits.items():
    print(f"{loss.upper():<5} | {slope:6.3f} | {intercept:9.3f}")
print(f"(least squares gives slope {least_squares[0]:.3f}, intercept {least_squares[1]:.3f}: "
      "the MSE fit)")

print("\nFinal activation and loss by problem (the course's table, and neurona's choice when")
print("fit() is called without compile())")
problems = [
    # (problem, output, final layer, example targets)
    ("Regresión", "valor numérico", layers.Dense(1), np.zeros(4, np.float32)),
    ("Clasificación", "salida binaria", layers.Dense(1, activation="sigmoid"),
     np.array([0, 1, 0, 1], np.float32)),
    ("Clasificación", "una etiqueta, varias clases", layers.Dense(3, activation="softmax"),
     np.eye(3, dtype=np.float32)[[0, 1, 2, 1]]),
    ("Clasificación", "varias etiquetas, varias clases", layers.Dense(3, activation="sigmoid"),
     np.array([[0, 1, 1], [1, 0, 0], [0, 0, 1], [1, 1, 0]], np.float32)),
]
course_loss = ["Mean Squared Error (MSE)", "Binary Cross Entropy", "Cross Entropy",
               "Binary Cross Entropy"]
print(f"{'problem':<14} | {'output':<31} | {'activation':<10} | {'course loss':<24} | neurona")
for (problem, output, layer, targets), expected in zip(problems, course_loss, strict=True):
    model = nr.Sequential([nr.Input(shape=(2,)), layer])
    with contextlib.redirect_stdout(io.StringIO()):  # fit() says what it chose; keep it quiet
        model.fit(np.zeros((4, 2), np.float32), targets, epochs=0, verbose=0)
    activation = layer.activation.__name__
    print(f"{problem:<14} | {output:<31} | {activation:<10} | {expected:<24} | {model.loss}")
print("(with integer labels instead of one-hot rows, softmax gets "
      "sparse_categorical_crossentropy: the same loss)")
