"""A small convnet on scikit-learn's 8x8 handwritten digits (no download needed).

    python examples/digits_cnn.py                  # >= 98% test accuracy, curves in digits_cnn_curves.png
    python examples/digits_cnn.py --epochs 30 --out /tmp/curves.png

The same data and split as examples/digits_mlp.py (1,438 training / 359 test images,
pixels scaled to [0, 1]), seen as 1x8x8 images:

    conv3x3(1->16) BN ReLU  conv3x3(16->32) BN ReLU  maxpool 2  (32x4x4)
    conv3x3(32->64) BN ReLU  maxpool 2  (64x2x2)  flatten  dropout  dense 256->10

Small random shifts of the training images (one pixel at most) help the net generalise.
"""
import argparse
import os
import sys
import time

import numpy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # digits_mlp's loader, run from anywhere

import autograd  # noqa: E402
from autograd import nn, optim  # noqa: E402
from autograd.data import DataLoader, TensorDataset  # noqa: E402
from autograd.training import Trainer  # noqa: E402
from digits_mlp import load_digits  # noqa: E402


def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 2 * 2, 10),
    )


def shifted(images, rng, max_shift=1):
    """Each image moved by up to one pixel in each direction (zeros come in at the border)."""
    n = len(images)
    padded = numpy.pad(images, ((0, 0), (0, 0), (max_shift, max_shift), (max_shift, max_shift)))
    dy, dx = rng.integers(0, 2 * max_shift + 1, size=(2, n))
    rows = dy[:, None] + numpy.arange(8)
    cols = dx[:, None] + numpy.arange(8)
    return padded[numpy.arange(n)[:, None, None], 0, rows[:, :, None], cols[:, None, :]][:, None]


def main(epochs=15, batch_size=32, lr=3e-3, out="digits_cnn_curves.png", seed=0, progress=True):
    autograd.manual_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_digits(seed)
    x_train, x_test = x_train.reshape(-1, 1, 8, 8), x_test.reshape(-1, 1, 8, 8)
    rng = numpy.random.default_rng(seed)
    augmented = numpy.concatenate([x_train] + [shifted(x_train, rng) for _ in range(2)])
    labels = numpy.concatenate([y_train] * 3)
    train_loader = DataLoader(TensorDataset(augmented, labels), batch_size=batch_size, shuffle=True, seed=seed)
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=256)

    model = build_model()
    model.summary((1, 8, 8))
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
          f"({len(augmented)} training images incl. shifted copies / {len(x_test)} test images)")
    print(f"time per epoch (training pass) {per_epoch * 1000:.1f} ms; total with evaluation {total:.2f} s")
    if out:
        history.plot(out, title="8x8 digits convnet")
        print(f"curves saved to {out}")
    return test_accuracy, per_epoch


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--out", default="digits_cnn_curves.png")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    main(args.epochs, args.batch_size, args.lr, args.out, args.seed, progress=not args.no_progress)
