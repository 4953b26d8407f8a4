"""Logic gates, from the first neurons to a hidden layer (the course's first class).

1. McCulloch–Pitts neurons with hand-set weights compute AND, OR and AND-NOT, and three of them
   compute XOR = (x1 AND NOT x2) OR (x2 AND NOT x1).
2. Rosenblatt's perceptron learns AND, OR and AND-NOT from their truth tables...
3. ...and never learns XOR: no line separates its ones from its zeros.
4. A 2-2-1 network trained by backpropagation with neurona solves XOR.
5. The course's hand-set XOR network (W = [[1, 1], [1, 1]], c = [0, -1], w = [1, -2], b = 0,
   ReLU) built as a neurona model gives exactly 0, 1, 1, 0, with the slide's matrices.
6. The best linear model (least squares) of XOR is w = (0, 0), b = 0.5: it cannot solve it.

Run it with:  python examples/perceptron_logic_gates.py
"""

import os

import numpy as np

import neurona as nr
from neurona import layers
from neurona.data.datasets import logic_gates
from neurona.models.perceptron import McCullochPitts, Perceptron

FAST = os.environ.get("NEURONA_FAST") == "1"  # the test suite sets it: shorter training


def show(title):
    print(f"\n--- {title} ---")


def bits(values):
    """0/1 values as a string such as '0 1 1 0'."""
    return " ".join(str(int(v)) for v in values)


def matrix(m):
    """A small matrix, one row per line, as integers when it holds whole numbers."""
    m = np.asarray(m)
    if np.allclose(m, np.round(m)):
        m = np.round(m).astype(int)
    return "\n".join("    [" + " ".join(f"{v:>3}" for v in row) + "]" for row in m)


def fmt(v):
    return f"{float(np.round(v, 6)) + 0.0:.2f}"  # + 0.0 turns -0.0 into 0.0


show("1. McCulloch-Pitts neurons: fixed weights, fires when the weighted sum reaches the threshold")
gates = {
    "AND": McCullochPitts(weights=[1, 1], threshold=2),
    "OR": McCullochPitts(weights=[2, 2], threshold=2),
    "AND NOT": McCullochPitts(weights=[2, -1], threshold=2),  # x1 AND NOT x2
}
x, _ = logic_gates.load_data("and", dtype="int64")  # rows 11, 10, 01, 00 as in the slides
print(" x1 x2 | " + " | ".join(f"{name:>7}" for name in gates))
for row in x:
    print(f"  {row[0]}  {row[1]} | " + " | ".join(f"{g(row):>7}" for g in gates.values()))
for name, g in gates.items():
    print(f"{name:>7}: {g}")

# XOR needs two layers: (x1 AND NOT x2) OR (x2 AND NOT x1)
z1 = McCullochPitts(weights=[2, -1], threshold=2)
z2 = McCullochPitts(weights=[-1, 2], threshold=2)
y_or = McCullochPitts(weights=[2, 2], threshold=2)
hidden = np.stack([z1(x), z2(x)], axis=1)
print("XOR from three neurons, (x1 AND NOT x2) OR (x2 AND NOT x1):")
print(" x1 x2 | z1 z2 | XOR")
for row, h, out in zip(x, hidden, y_or(hidden), strict=True):
    print(f"  {row[0]}  {row[1]} |  {h[0]}  {h[1]} |  {out}")

show("2. The perceptron learns AND, OR and AND-NOT")
print("Rosenblatt's rule, after each sample: w += lr * (y - y_hat) * x, b += lr * (y - y_hat)")
for gate in ("and", "or", "and_not"):
    x, y = logic_gates.load_data(gate)
    # shuffle=False: the rows in the slide's order every epoch (seed=... shuffles them instead)
    p = Perceptron(learning_rate=1.0, max_epochs=100, shuffle=False).fit(x, y)
    name = gate.upper().replace("_", "-")
    print(f"{name}: converged={p.converged_} after {p.n_epochs_} epochs, mistakes per epoch "
          f"{p.errors_per_epoch_}")
    print(f"  w = ({fmt(p.weights_[0])}, {fmt(p.weights_[1])}), b = {fmt(p.bias_)}")
    print(f"  targets     {bits(y)}")
    print(f"  predictions {bits(p.predict(x))}")

show("3. ...but not XOR: no line separates (0,1), (1,0) from (0,0), (1,1)")
x, y = logic_gates.load_data("xor")
p = Perceptron(learning_rate=1.0, max_epochs=100, shuffle=False).fit(x, y)
print(f"XOR: converged={p.converged_} after {p.n_epochs_} epochs (max_epochs=100)")
print(f"  mistakes in the first 10 epochs {p.errors_per_epoch_[:10]}; fewest in any epoch: "
      f"{min(p.errors_per_epoch_)}")
print(f"  w = ({fmt(p.weights_[0])}, {fmt(p.weights_[1])}), b = {fmt(p.bias_)}: the weights "
      "keep cycling")
print(f"  targets     {bits(y)}")
print(f"  predictions {bits(p.predict(x))}  (accuracy {p.score(x, y):.2f})")

show("4. A 2-2-1 network trained with backpropagation solves XOR")
x, y = logic_gates.load_data("xor", order="ascending")  # rows 00, 01, 10, 11
epochs = 300 if FAST else 1000


def train_xor_network(seed):
    nr.utils.set_seed(seed)  # the initial weights
    model = nr.Sequential([
        nr.Input(shape=(2,)),
        layers.Dense(2, activation="tanh"),      # the hidden layer: two neurons
        layers.Dense(1, activation="sigmoid"),   # the output neuron
    ])
    model.compile(optimizer=nr.optimizers.Adam(learning_rate=0.1), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=epochs, batch_size=4, verbose=0)
    return model, history.history["loss"][-1]


model, final_loss = train_xor_network(seed=0)
out = model.predict(x, verbose=0).ravel()
print(f"trained {epochs} epochs, final loss {final_loss:.4f}")
print("outputs             ", " ".join(f"{v:.3f}" for v in out))
print(f"trained XOR network (rounded): {bits(np.round(out))}")
# with only two hidden neurons, some initial weights end in a local minimum
results = [bits(np.round(train_xor_network(seed)[0].predict(x, verbose=0).ravel()))
           for seed in range(1, 5)]
solved = sum(r == "0 1 1 0" for r in results)
print(f"from four other initial weights (seeds 1-4): {' | '.join(results)}")
print(f"  {solved} of 4 solve XOR; a run that does not has stopped in a local minimum")
print("  (more hidden neurons make that rare)")

show("5. The course's hand-set XOR network: f(x) = w^T max(0, W^T x + c) + b")
W = np.array([[1.0, 1.0], [1.0, 1.0]], dtype=np.float32)
c = np.array([0.0, -1.0], dtype=np.float32)
w = np.array([[1.0], [-2.0]], dtype=np.float32)
b = np.array([0.0], dtype=np.float32)
xor_net = nr.Sequential([nr.Input(shape=(2,)), layers.Dense(2, activation="relu"), layers.Dense(1)])
xor_net.set_weights([W, c, w, b])  # kernel (in, out) = W, bias c; kernel w, bias b
X = nr.tensor(x)
print("X =\n" + matrix(x))
print("XW =\n" + matrix((X @ nr.tensor(W)).data))
print("XW + c =\n" + matrix((X @ nr.tensor(W) + nr.tensor(c)).data))
print("h = max(0, XW + c) =\n" + matrix(xor_net.layers[0](X).data))
print("h w + b =\n" + matrix(xor_net.predict(x, verbose=0)))
print(f"hand-set XOR network: {bits(xor_net.predict(x, verbose=0).ravel())}")

show("6. The linear model of XOR by least squares: (X^T X)^-1 X^T y")
Xb = np.hstack([x, np.ones((4, 1), dtype=x.dtype)]).astype(np.float64)  # a column of ones: b
coef = np.linalg.solve(Xb.T @ Xb, Xb.T @ y.astype(np.float64))
print(f"least squares: w = ({fmt(coef[0])}, {fmt(coef[1])}), b = {fmt(coef[2])}")
pred = Xb @ coef
print("predictions", " ".join(fmt(v) for v in pred), f"-> MSE {np.mean((pred - y) ** 2):.2f}")
print("A linear model predicts 0.5 everywhere: it cannot represent XOR.")
