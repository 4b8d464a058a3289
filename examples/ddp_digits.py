"""The digits MLP of digits_mlp.py, trained data-parallel on several processes.

    mpirun -n 2 python examples/ddp_digits.py            # each process trains on half of every epoch
    python examples/ddp_digits.py                        # the same script on one process

Three lines differ from single-process training: `dist.init()`, the
`DistributedSampler` that gives each rank its share of the training set,
and the `DistributedDataParallel` wrapper that averages gradients over the
ranks during backward. `fit` does the rest: only rank 0 prints, metrics are
averaged over the ranks, and the curves are written once.

With a batch of 32 per process, 2 processes take the steps of one process with
a batch of 64 (the learning rate is scaled with the global batch).
"""
import argparse
import os
import sys

import numpy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import autograd  # noqa: E402
import autograd.distributed as dist  # noqa: E402
from autograd import nn, optim  # noqa: E402
from autograd.data import DataLoader, DistributedSampler, TensorDataset  # noqa: E402
from autograd.training import fit  # noqa: E402
from digits_mlp import build_model, load_digits  # noqa: E402


def main(epochs=20, batch_size=32, lr=1e-3, out="ddp_digits_curves.png", seed=0, progress=True):
    dist.init()
    rank, world = dist.get_rank(), dist.get_world_size()
    (x_train, y_train), (x_test, y_test) = load_digits(seed)
    train = TensorDataset(x_train, y_train)
    test = TensorDataset(x_test, y_test)
    train_loader = DataLoader(train, batch_size=batch_size, sampler=DistributedSampler(train, seed=seed))
    test_loader = DataLoader(test, batch_size=256, sampler=DistributedSampler(test, shuffle=False))

    autograd.manual_seed(seed)
    model = dist.DistributedDataParallel(build_model())   # rank 0's initial weights on every rank
    autograd.manual_seed(seed + 1 + rank)                  # but a different dropout mask on each rank
    optimizer = optim.Adam(model.parameters(), lr=lr * world)
    history = fit(model, nn.CrossEntropyLoss(), optimizer, train_loader, epochs=epochs, val_loader=test_loader,
                  metrics=["accuracy"], progress=progress)
    if rank == 0:
        print(f"{world} process(es): test accuracy {history['val_accuracy'][-1]:.4f} after {epochs} epochs, "
              f"{numpy.mean(history['time']) * 1000:.1f} ms per training epoch")
    if out:
        history.plot(out, title=f"8x8 digits MLP on {world} process(es)")  # written by rank 0 only
    return history


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--out", default="ddp_digits_curves.png")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args()
    main(args.epochs, args.batch_size, args.lr, args.out, args.seed, progress=not args.no_progress)
