"""A multi-layer perceptron on scikit-learn's 8x8 handwritten digits (no download needed).

    python examples/digits_mlp.py                 # ~97% test accuracy, curves in out/digits_curves.png
    python examples/digits_mlp.py --epochs 30 --out /tmp/curves.png

1,797 images of 8x8 pixels (values 0..16), 10 classes. We scale pixels to
[0, 1], keep 20% of the images aside for testing, and train
64 -> 128 -> 64 -> 10 with ReLU, dropout and Adam.
"""
import argparse
import os
import time

import numpy

import autograd
from autograd import nn, optim
from autograd.data import DataLoader, TensorDataset
from autograd.training import Trainer


def load_digits(seed=0, test_fraction=0.2):
    from sklearn.datasets import load_digits as sklearn_digits  # ships with scikit-learn

    digits = sklearn_digits()
    x = (digits.data / 16.0).astype(numpy.float32)
    y = digits.target.astype(numpy.int64)
    order = numpy.random.default_rng(seed).permutation(len(x))
    n_test = int(len(x) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return (x[train], y[train]), (x[test], y[test])


def build_model():
    return nn.Sequential(
        nn.Dense(64, 128, activation="relu"),
        nn.Dropout(0.2),
        nn.Dense(128, 64, activation="relu"),
        nn.Dense(64, 10),
    )


def main(epochs=30, batch_size=32, lr=1e-3, out="out/digits_curves.png", seed=0, progress=True):
    autograd.manual_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_digits(seed)
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size, shuffle=True, seed=seed)
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=256)

    model = build_model()
    model.summary((64,))
    optimizer = optim.Adam(model.parameters(), lr=lr)
    scheduler = optim.CosineAnnealingLR(optimizer, T_max=epochs)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optimizer, metrics=["accuracy"], scheduler=scheduler,
                      progress=progress)
    start = time.perf_counter()
    history = trainer.fit(train_loader, epochs=epochs, val_loader=test_loader)
    total = time.perf_counter() - start

    test_accuracy = history["val_accuracy"][-1]
    per_epoch = float(numpy.mean(history["time"]))
    print(f"test accuracy {test_accuracy:.4f} after {epochs} epochs "
          f"({len(x_train)} training / {len(x_test)} test images)")
    print(f"time per epoch (training pass) {per_epoch * 1000:.1f} ms; total with evaluation {total:.2f} s")
    if out:
        if os.path.dirname(out):
            os.makedirs(os.path.dirname(out), exist_ok=True)  # out/ is ignored by git
        history.plot(out, title="8x8 digits MLP")
        print(f"curves saved to {out}")
    return test_accuracy, per_epoch


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--out", default="out/digits_curves.png",
                        help="where to save the loss and accuracy curves (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    main(args.epochs, args.batch_size, args.lr, args.out, args.seed, progress=not args.no_progress)
