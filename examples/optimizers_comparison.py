"""SGD, momentum, Nesterov, RMSprop and Adam on the same problem from the same initial weights.

The problem is the Playground's "circle" set (points inside a circle against points on a ring
around it) and a 2-8-1 network with tanh hidden units and a sigmoid output. Every optimizer
starts from the same weights and sees the same mini-batches in the same order, so the only
difference between the runs is the update rule:

- SGD:       w -= lr * g
- momentum:  v = 0.9 * v - lr * g;  w += v                (a heavy ball: speed builds up)
- Nesterov:  the same, with the gradient taken after the momentum step (a look-ahead)
- RMSprop:   the step of each weight divided by a running RMS of its gradients
- Adam:      momentum and RMSprop together, with bias correction

The script prints the training loss every few epochs for each: a loss curve in numbers.

Run it with:  python examples/optimizers_comparison.py
"""

import os

import neurona as nr
from neurona import layers
from neurona.data.datasets import playground

FAST = os.environ.get("NEURONA_FAST") == "1"  # the test suite sets it: fewer epochs

(x_train, y_train), (x_test, y_test) = playground.load_data("circle", noise=0, seed=0)


def build():
    return nr.Sequential([
        nr.Input(shape=(2,)),
        layers.Dense(8, activation="tanh"),
        layers.Dense(1, activation="sigmoid"),
    ])


nr.utils.set_seed(0)
initial_weights = build().get_weights()  # every run starts from these

optimizers = {
    "SGD": lambda: nr.optimizers.SGD(learning_rate=0.05),
    "momentum": lambda: nr.optimizers.SGD(learning_rate=0.05, momentum=0.9),
    "Nesterov": lambda: nr.optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    "RMSprop": lambda: nr.optimizers.RMSprop(learning_rate=0.01),
    "Adam": lambda: nr.optimizers.Adam(learning_rate=0.01),
}
epochs, every = (30, 5) if FAST else (100, 10)
print(f"{len(x_train)} training points, batches of 32, {epochs} epochs; learning rates: "
      "0.05 (SGD family), 0.01 (RMSprop, Adam)\n")

curves, results = {}, {}
for name, make in optimizers.items():
    model = build()
    model.set_weights(initial_weights)
    model.compile(optimizer=make(), loss="binary_crossentropy", metrics=["accuracy"])
    nr.utils.set_seed(1)  # the same shuffling of the mini-batches for every optimizer
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=0)
    curves[name] = history.history["loss"]
    results[name] = model.evaluate(x_test, y_test, verbose=0)

marks = list(range(every, epochs + 1, every))
print("training loss after epoch")
print(f"{'optimizer':<9} |" + "".join(f"{e:>7}" for e in marks))
for name, losses in curves.items():
    print(f"{name:<9} |" + "".join(f"{losses[e - 1]:7.3f}" for e in marks))

print("\ntest set")
for name, (loss, accuracy) in results.items():
    print(f"{name:<9} | loss {loss:.3f} | accuracy {accuracy:.3f}")
