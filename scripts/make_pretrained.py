"""Regenerate the pretrained weights of ``nr.applications.DigitsCNN``.

Trains the digits CNN on the digits 0-4 of the MNIST sample's training split (about 2,000
images) with a fixed seed on one thread, and writes
``src/neurona/applications/weights/digits_cnn.neurona``. Two runs on the same machine give the
same file, byte for byte (one BLAS thread, seeded shuffling, fixed times in the zip).

Run it with:  python scripts/make_pretrained.py [--out PATH] [--epochs N]
"""

import os

# one thread for neurona and BLAS: split work may sum in a different order with other counts
for var in ("NEURONA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import neurona as nr  # noqa: E402
from neurona.applications.digits_cnn import PRETRAINED_CLASSES, WEIGHTS_PATH, DigitsCNN  # noqa: E402
from neurona.data.datasets import mnist_sample  # noqa: E402


def subset(x, y, classes):
    keep = np.isin(y, classes)
    return x[keep][..., None], y[keep]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=WEIGHTS_PATH, help="where to write the model")
    p.add_argument("--epochs", type=int, default=10)
    args = p.parse_args(argv)

    (x_train, y_train), (x_test, y_test) = mnist_sample.load_data()
    x_train, y_train = subset(x_train, y_train, PRETRAINED_CLASSES)
    x_test, y_test = subset(x_test, y_test, PRETRAINED_CLASSES)

    nr.utils.set_seed(0)
    model = DigitsCNN(weights=None)
    model.compile(optimizer=nr.optimizers.Adam(learning_rate=2e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=64, verbose=2)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test digits {PRETRAINED_CLASSES}: loss {loss:.4f}, accuracy {accuracy:.4f} "
          f"({len(x_test)} images)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out, include_optimizer=False)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
