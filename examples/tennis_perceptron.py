"""The course's tennis player: will they win, given the court and the weather? A perceptron.

Twelve matches, two categorical inputs (court: Arcilla, Césped, Sintética; weather: Soleado,
Nublado) and the result (GANÓ / PERDIÓ). A perceptron needs numbers, so each category becomes
one-hot columns: five inputs in all. Two pairs of rows contradict each other (same court and
weather, different result), so no model can get all twelve right: the perceptron never has an
error-free epoch, and the best it can do is 10 of 12, which it reaches.

Run it with:  python examples/tennis_perceptron.py
"""

import os

from neurona.data.datasets import tennis
from neurona.models.perceptron import Perceptron

FAST = os.environ.get("NEURONA_FAST") == "1"  # the test suite sets it: fewer epochs

table = tennis.load_table()
x, y = tennis.load_data()  # x (12, 5) one-hot, y (12,) 1 = GANÓ, 0 = PERDIÓ

print("One-hot columns:", ", ".join(tennis.feature_names))
print("match 1 (Arcilla, Soleado) ->", x[0].astype(int).tolist())
print("match 3 (Césped, Nublado)  ->", x[2].astype(int).tolist())

# shuffle=False: the matches in the slide's order every epoch, so the run is easy to follow
max_epochs = 20 if FAST else 100
p = Perceptron(learning_rate=1.0, max_epochs=max_epochs, shuffle=False).fit(x, y)
print(f"\nPerceptron: converged={p.converged_} after {p.n_epochs_} epochs; mistakes in the last "
      f"epochs {p.errors_per_epoch_[-5:]}")
names = [value for values in tennis.CATEGORIES.values() for value in values]
print("weights:", ", ".join(f"{name} {w:+.0f}" for name, w in zip(names, p.weights_, strict=True)),
      f"| bias {p.bias_:+.0f}")
print("(a match is predicted GANÓ when its two weights plus the bias are >= 0)")

pred = p.predict(x)
label = {1: "GANÓ", 0: "PERDIÓ"}
print("\nPartido  Cancha     Tiempo    Resultado  Perceptrón")
for row, guess in zip(table, pred, strict=True):
    mark = "" if label[int(guess)] == row["resultado"] else "  <- wrong"
    print(f"{row['partido']:>5}    {row['cancha']:<10} {row['tiempo']:<9} {row['resultado']:<10} "
          f"{label[int(guess)]}{mark}")
right = int((pred == y).sum())
print(f"\ncorrect: {right} of {len(y)} (accuracy {right / len(y):.2f})")

# the contradictions: the same inputs with both results
groups = {}
for row in table:
    groups.setdefault((row["cancha"], row["tiempo"]), []).append(row)
print("\nContradictory rows (same inputs, different results):")
n_best = 0
for (court, weather), rows in groups.items():
    results = [r["resultado"] for r in rows]
    n_best += max(results.count("GANÓ"), results.count("PERDIÓ"))  # the majority, at best
    if len(set(results)) > 1:
        print(f"  {court}, {weather}: " + ", ".join(f"match {r['partido']} {r['resultado']}"
                                                    for r in rows))
print(f"so no model can be right on more than {n_best} of {len(y)} matches")
