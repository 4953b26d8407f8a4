"""The TensorFlow-Playground exercise of the course: the two spirals, with noise 0.

The exercise: find the simplest network (fewest layers and neurons) whose test loss is under
15% on the spiral set, using only the two coordinates x1 and x2 as inputs. Here neurona tries
networks from the smallest up, on the Playground's data (500 points, half to train and half to
test), and stops at the first that reaches a test loss under 0.15 and a test accuracy of at
least 95%. It then prints that architecture, its test loss and accuracy, and a text picture of
the regions it learned.

Run it with:  python examples/spiral_playground.py
"""

import os

import numpy as np

import neurona as nr
from neurona import layers
from neurona.data.datasets import playground

FAST = os.environ.get("NEURONA_FAST") == "1"  # the test suite sets it: fewer candidates

(x_train, y_train), (x_test, y_test) = playground.load_data("spiral", noise=0, seed=0)
print(f"spiral set: {len(x_train)} training and {len(x_test)} test points, inputs x1 and x2")

# hidden layers of each candidate, smallest first (by number of parameters)
candidates = [(8,), (4, 4), (16,), (6, 6), (8, 8), (32,), (16, 16)]
if FAST:
    candidates = candidates[3:]  # the search below stops at (8, 8) either way
epochs = 500


def build(hidden):
    stack = [nr.Input(shape=(2,))]
    stack += [layers.Dense(units, activation="relu") for units in hidden]
    stack.append(layers.Dense(1, activation="sigmoid"))
    return nr.Sequential(stack)


print(f"\n{'hidden layers':<14} | params | test loss | test accuracy")
found = None
for hidden in candidates:
    nr.utils.set_seed(0)
    model = build(hidden)
    model.compile(optimizer=nr.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=0)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    name = " x ".join(str(units) for units in hidden)
    print(f"{name:<14} | {model.count_params():6d} | {loss:9.4f} | {accuracy:13.3f}")
    if loss < 0.15 and accuracy >= 0.95:
        found = (hidden, model, loss, accuracy)
        break

hidden, model, loss, accuracy = found
layout = " -> ".join(["2 inputs", *(str(units) for units in hidden), "1 output"])
print(f"\nsmallest network that meets the goal: {layout}")
print(f"  {len(hidden)} hidden layers x {' and '.join(str(u) for u in hidden)} neurons (ReLU), "
      f"sigmoid output, {model.count_params()} parameters, Adam, {epochs} epochs")
print(f"spiral test loss {loss:.4f}, test accuracy {accuracy:.4f}")

# the learned regions, where the spirals are (radius 5): '#' class 1, '.' class 0
xs = np.linspace(-5.5, 5.5, 45, dtype=np.float32)
ys = np.linspace(5.5, -5.5, 23, dtype=np.float32)
grid = np.array([(a, b) for b in ys for a in xs], dtype=np.float32)
regions = model.predict(grid, verbose=0).reshape(len(ys), len(xs)) >= 0.5
inside = (np.hypot(grid[:, 0], grid[:, 1]) <= 5.5).reshape(regions.shape)
print("\nlearned regions ('#' class 1, '.' class 0):")
for row, keep in zip(regions, inside, strict=True):
    print("  " + "".join(("#" if v else ".") if k else " " for v, k in zip(row, keep,
                                                                         strict=True)))
