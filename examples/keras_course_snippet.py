"""The course's Keras code, run unchanged after ``import neurona as keras``.

The slide "The Sequential API" builds a 10-20-20-10 network with ``keras.Sequential`` and trains
it with ``model.fit(x, y, epochs=10, batch_size=32)``. Below, the same lines (plus the compile,
summary, evaluate, predict, save and load of a complete Keras workflow) run on neurona, on
generated data: ten features, ten classes, the class being the largest of ten fixed linear
combinations of the features.

Run it with:  python examples/keras_course_snippet.py
"""

import os
import tempfile

import numpy as np

FAST = os.environ.get("NEURONA_FAST") == "1"  # the test suite sets it: less data

# generated data: x (n, 10) float32, y (n,) integer labels 0..9
rng = np.random.default_rng(0)
mixing = rng.normal(size=(10, 10))
n_train, n_test = (800, 200) if FAST else (4000, 1000)
x_train = rng.normal(size=(n_train, 10)).astype(np.float32)
y_train = (x_train @ mixing).argmax(axis=1)
x_test = rng.normal(size=(n_test, 10)).astype(np.float32)
y_test = (x_test @ mixing).argmax(axis=1)

home = os.getcwd()
workdir = tempfile.TemporaryDirectory()  # model.save('m.neurona') writes here, not in your folder
os.chdir(workdir.name)

# ---- the course's code, as written for Keras --------------------------------------------------
import neurona as keras  # noqa: E402  (the one changed line: `import keras`)
from neurona import layers  # noqa: E402

keras.utils.set_seed(0)  # not on the slide: makes this run reproducible

model = keras.Sequential()
model.add(layers.Dense(20, activation='relu', input_shape=(10,)))
model.add(layers.Dense(20, activation='relu'))
model.add(layers.Dense(10, activation='softmax'))
model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
history = model.fit(x_train, y_train, epochs=10, batch_size=32, validation_split=0.2)
model.summary(); model.evaluate(x_test, y_test); model.predict(x_test)  # noqa: E702
model.save('m.neurona'); keras.models.load_model('m.neurona')  # noqa: E702
# ------------------------------------------------------------------------------------------------

loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
probs = model.predict(x_test, verbose=0)
restored = keras.models.load_model('m.neurona')
same = np.allclose(restored.predict(x_test, verbose=0), probs, atol=1e-6)
print(f"\nhistory keys: {sorted(history.history)}")
print(f"train accuracy by epoch: {[round(a, 3) for a in history.history['accuracy']]}")
print(f"test loss {loss:.4f}, test accuracy {accuracy:.4f} (chance: 0.10)")
print(f"predict: probabilities of shape {probs.shape}, rows summing to "
      f"{float(probs.sum(axis=1).mean()):.4f}")
print(f"saved m.neurona ({os.path.getsize('m.neurona')} bytes); reloaded model gives the same "
      f"predictions: {same}")

os.chdir(home)  # leave the folder before it is removed
workdir.cleanup()
