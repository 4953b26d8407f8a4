"""Fahrenheit to Celsius with one neuron: y = w·x + b learned from the course's five readings.

The slide shows five thermometer readings in both scales, the line a single linear neuron fits
to them, ŷ = 0.5503·x − 17.44, and the true rule, C = (F − 32)·5/9 = 0.5556·F − 17.78. Here one
``Dense(1)`` neuron learns the line with neurona, and the script prints it next to the true rule
and to the least-squares line, then the table with the neuron's predictions.

Run it with:  python examples/fahrenheit_to_celsius.py
"""

import os

import numpy as np

import neurona as nr
from neurona import layers
from neurona.data.datasets import fahrenheit

FAST = os.environ.get("NEURONA_FAST") == "1"  # the test suite sets it: fewer epochs


def rule(slope, intercept):
    return f"C = {slope:.4f} * F {'-' if intercept < 0 else '+'} {abs(intercept):.2f}"


f, c = fahrenheit.load_data()  # (5,) and (5,): the slide's table

nr.utils.set_seed(0)
model = nr.Sequential([nr.Input(shape=(1,)), layers.Dense(1)])  # one neuron, no activation
# the inputs are not scaled (32 to 104), which makes plain SGD crawl; Adam adapts its step size
model.compile(optimizer=nr.optimizers.Adam(learning_rate=0.1), loss="mse")
epochs = 1000 if FAST else 2000
history = model.fit(f.reshape(-1, 1), c, epochs=epochs, batch_size=5, verbose=0)

kernel, bias = model.get_weights()
w, b = float(kernel[0, 0]), float(bias[0])
true_w, true_b = 5 / 9, -32 * 5 / 9
ls_w, ls_b = np.polyfit(f.astype(np.float64), c.astype(np.float64), 1)

print(f"trained {epochs} epochs with Adam, final MSE {history.history['loss'][-1]:.4f}")
print(f"learned by the neuron  : {rule(w, b)}")
print(f"least squares          : {rule(ls_w, ls_b)}   (the slide: 0.5503 x - 17.44)")
print(f"true rule (F - 32)*5/9 : {rule(true_w, true_b)}   (the slide: 0.5556 x - 17.78)")
print(f"slope error against 5/9: {abs(w - true_w) / true_w:.2%}")

pred = model.predict(f.reshape(-1, 1), verbose=0).ravel()
print()
print(" Fahrenheit | Celsius (slide) | neuron | (F - 32)*5/9")
for fi, ci, pi in zip(f, c, pred, strict=True):
    print(f"   {fi:7.1f}  |     {ci:6.1f}      | {pi:6.2f} |   {fahrenheit.to_celsius(fi):6.2f}")
print()
boiling = model.predict(np.array([[212.0]], dtype=np.float32), verbose=0)[0, 0]
print(f"and water boils at 212 F: the neuron says {boiling:.1f} C (true: 100.0 C)")
