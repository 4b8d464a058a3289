"""An optional training helper: epochs, a progress bar, validation, history and plots.

A plain loop stays the clearest way to train, and this module does nothing
more than that loop:

    for epoch in range(epochs):
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()

`fit` adds the bookkeeping around it:

    >>> history = autograd.training.fit(model, nn.CrossEntropyLoss(), optimizer, train_loader,
    ...                                 epochs=20, val_loader=val_loader, metrics=["accuracy"])
    >>> history.plot("curves.png")        # loss and accuracy per epoch, train and validation

The progress bar (tqdm) shows the running loss and metrics; `progress=False`
turns it off. Without tqdm, or when the output is not a terminal (a log file,
CI), `progress=True` prints one plain line per epoch instead of a bar. Each batch is a tuple (inputs..., target): the model gets the
inputs, the loss function gets the model's output and the target.

Under `mpirun` (a `DistributedDataParallel` model, loaders with a
`DistributedSampler`) the same call trains on every rank: the loss and metrics
of each epoch are averaged over the ranks (weighted by their examples), only
rank 0 shows progress and writes plots, and each sampler gets `set_epoch`.
"""
import sys
import time

import numpy

from . import nn
from .distributed import process_group
from .grad_mode import no_grad
from .errors import ArgumentError, ShapeError, missing_extra
from .optim.lr_scheduler import ReduceLROnPlateau

__all__ = ["Accuracy", "accuracy", "accuracy_for", "History", "Trainer", "fit"]


def _as_numpy(x):
    if hasattr(x, "numpy"):
        return x.numpy()
    return numpy.asarray(x)


class Accuracy:
    """The fraction of correct predictions, as a metric that also reports its counts.

    Multi-class scores have one more axis than the target (class ids): the
    prediction is the argmax over the class axis (axis 1 as in PyTorch, or the
    last axis for (N, T, V) sequence scores; `class_axis` says it outright), and
    targets equal to `ignore_index` are not counted. Scores shaped like the
    target (one output per example) are binary: predicted 1 where
    score > `threshold` (0.5 for probabilities, 0 for logits). Anything else
    raises instead of returning a wrong number.

    >>> Accuracy(threshold=0.5)(model(x), y)            # sigmoid outputs
    >>> Accuracy(ignore_index=pad)(logits, targets)     # a sequence model, padding not counted
    """

    def __init__(self, threshold=None, ignore_index=None, class_axis=None):
        self.threshold, self.ignore_index, self.class_axis = threshold, ignore_index, class_axis

    def __call__(self, output, target):
        correct, counted = self.counts(output, target)
        return correct / counted if counted else float("nan")

    def counts(self, output, target):
        """(number correct, number counted) in one batch."""
        scores, target = _as_numpy(output), _as_numpy(target)
        if scores.ndim == target.ndim + 1:
            predicted = scores.argmax(axis=self._class_axis(scores.shape, target.shape))
            return self._compare(predicted, target)
        if scores.shape == target.shape or scores.shape == target.shape + (1,):
            if scores.shape != target.shape and scores.ndim > 1 and scores.shape[-1] == 1:
                scores = scores.reshape(target.shape)
            if target.dtype.kind == "f" and target.ndim >= 1 and self.threshold is None and scores.ndim > 1 \
                    and scores.shape[-1] > 1:
                # probability targets for a softmax: compare the argmaxes
                return self._compare(scores.argmax(axis=-1), target.argmax(axis=-1))
            if self.threshold is None:
                raise ArgumentError("accuracy: one output per example needs a threshold (0.5 for probabilities "
                                    "after a sigmoid, 0 for logits); fit() picks it from nn.BCELoss / "
                                    "nn.BCEWithLogitsLoss, or pass metrics={'accuracy': "
                                    "training.Accuracy(threshold=...)}")
            if not numpy.isin(target, (0, 1)).all():
                raise ArgumentError("accuracy: binary accuracy needs targets of 0 and 1, got other values")
            return self._compare((scores > self.threshold).astype(target.dtype), target)
        raise ShapeError(f"accuracy: cannot compare outputs of shape {scores.shape} with targets of shape "
                         f"{target.shape}: expected class scores with one more axis than the targets, or "
                         "one output per target")

    def _class_axis(self, scores_shape, target_shape):
        if self.class_axis is not None:
            return self.class_axis
        if len(scores_shape) == 1:
            return 0
        # axis 0 is the batch; the class axis is the one whose removal leaves the target's shape
        fits = [a for a in range(1, len(scores_shape))
                if scores_shape[:a] + scores_shape[a + 1:] == tuple(target_shape)]
        if len(fits) == 1:
            return fits[0]
        if not fits:
            raise ShapeError(f"accuracy: scores of shape {scores_shape} have no class axis that leaves the "
                             f"targets' shape {tuple(target_shape)}")
        raise ArgumentError(f"accuracy: scores {scores_shape} and targets {tuple(target_shape)} fit with the "
                            f"classes on axis {fits[0]} or {fits[-1]}; say which with "
                            "training.Accuracy(class_axis=...)")

    def _compare(self, predicted, target):
        counted = numpy.ones(target.shape, dtype=bool) if self.ignore_index is None \
            else target != self.ignore_index
        return int(((predicted == target) & counted).sum()), int(counted.sum())


def accuracy(output, target, threshold=None, ignore_index=None):
    """The fraction of correct predictions (see `Accuracy`): argmax over the class axis for class
    scores, score > `threshold` for one output per example (which must then be given).

    >>> accuracy(model(x), y)                       # 0.93, logits (N, C) against ids (N,)
    >>> accuracy(autograd.sigmoid(scores), y, threshold=0.5)
    """
    return Accuracy(threshold=threshold, ignore_index=ignore_index)(output, target)


_REGRESSION_LOSSES = ("MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss")


def accuracy_for(loss_fn):
    """The Accuracy that fits a loss: threshold 0.5 after a sigmoid (BCELoss), 0 on logits
    (BCEWithLogitsLoss), argmax with the loss's ignore_index for CrossEntropyLoss/NLLLoss.

    >>> accuracy_for(nn.BCELoss()).threshold        # 0.5
    """
    if isinstance(loss_fn, nn.BCELoss):
        return Accuracy(threshold=0.5)
    if isinstance(loss_fn, nn.BCEWithLogitsLoss):
        return Accuracy(threshold=0.0)
    if isinstance(loss_fn, (nn.CrossEntropyLoss, nn.NLLLoss)):
        return Accuracy(ignore_index=loss_fn.ignore_index)
    if type(loss_fn).__name__ in _REGRESSION_LOSSES:
        raise ArgumentError(f"accuracy is a classification metric; {type(loss_fn).__name__} is a regression loss")
    return Accuracy()  # class scores work; one output per example will ask for a threshold


_METRICS = {"accuracy": accuracy_for, "acc": accuracy_for}


class History:
    """Per-epoch records: `history["loss"]`, `history["val_loss"]`, `history["accuracy"]`, ...

    >>> history["val_accuracy"][-1]; history.plot("curves.png")
    """

    def __init__(self):
        self.history = {}

    def append(self, **values):
        for key, value in values.items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key):
        return self.history[key]

    def __contains__(self, key):
        return key in self.history

    def keys(self):
        return self.history.keys()

    def __len__(self):
        return len(self.history.get("loss", []))

    def __repr__(self):
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items() if v)
        return f"History({len(self)} epochs: {last})"

    def plot(self, path=None, title=None):
        """Loss (and each metric) per epoch, training and validation, as a matplotlib Figure.

        Saved to `path` when given (PNG, PDF, SVG by extension). Uses the
        object-oriented matplotlib API, so no display is needed (Agg canvas).

        >>> history.plot("digits_curves.png")
        """
        try:
            from matplotlib.figure import Figure
        except ImportError:
            raise missing_extra("matplotlib", "train", "History.plot") from None

        names = [k for k in self.history if not k.startswith("val_") and k not in ("epoch", "time", "lr")]
        figure = Figure(figsize=(5 * len(names), 3.6), layout="constrained")
        axes = figure.subplots(1, len(names), squeeze=False)[0]
        for ax, name in zip(axes, names):
            epochs = range(1, len(self.history[name]) + 1)
            ax.plot(epochs, self.history[name], label="train", marker=".")
            if "val_" + name in self.history:
                ax.plot(range(1, len(self.history["val_" + name]) + 1), self.history["val_" + name],
                        label="validation", marker=".")
            ax.set_xlabel("epoch")
            ax.set_ylabel(name)
            ax.set_title(name)
            ax.grid(alpha=0.3)
            ax.legend()
        if title:
            figure.suptitle(title)
        if path is not None and process_group.is_main_process():  # under mpirun: rank 0 writes the file
            figure.savefig(path, dpi=100)
        return figure


class Trainer:
    """Runs epochs of a model, a loss and an optimizer; see `fit`.

    >>> trainer = Trainer(model, nn.CrossEntropyLoss(), opt, metrics=["accuracy"], clip_grad_norm=5.0)
    >>> history = trainer.fit(train_loader, epochs=10, val_loader=val_loader)
    """

    def __init__(self, model, loss_fn, optimizer, metrics=(), scheduler=None, clip_grad_norm=None,
                 progress=True):
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.metrics = {name: _metric(name, loss_fn) for name in metrics} \
            if not isinstance(metrics, dict) else dict(metrics)
        self.scheduler = scheduler
        self.clip_grad_norm = clip_grad_norm
        self.progress = progress
        self.history = History()

    @property
    def _shows_progress(self):
        return self.progress and process_group.is_main_process()  # under mpirun only rank 0 prints

    def _forward(self, batch):
        *inputs, target = batch
        output = self.model(*inputs)
        return output, target, self.loss_fn(output, target)

    def train_epoch(self, loader, description="train"):
        """One pass over `loader` with updates; returns {'loss': mean, metric: mean}."""
        self.model.train()
        totals = _Averages(self.metrics)
        bar = _progress_bar(loader, description, self._shows_progress)
        clipped = list(self.model.parameters()) if self.clip_grad_norm is not None else None
        for batch in bar:
            self.optimizer.zero_grad()
            output, target, loss = self._forward(batch)
            loss.backward()
            if hasattr(self.model, "finish_gradient_sync"):  # DistributedDataParallel: all averaged?
                self.model.finish_gradient_sync()
            if clipped is not None:
                nn.utils.clip_grad_norm_(clipped, self.clip_grad_norm)
            self.optimizer.step()
            totals.add(loss.item(), output, target)
            if bar is not loader:
                bar.set_postfix(totals.means(), refresh=False)
        if totals.count == 0:  # a mean over nothing would report loss 0.0
            raise ArgumentError(f"{description}: the training loader gave no batches (is the dataset empty, "
                                "or drop_last=True with fewer samples than batch_size?)")
        return totals.means_over_ranks()

    @no_grad()
    def evaluate(self, loader):
        """Mean loss and metrics over `loader` in eval mode, without recording a graph."""
        self.model.eval()
        totals = _Averages(self.metrics)
        for batch in loader:
            output, target, loss = self._forward(batch)
            totals.add(loss.item(), output, target)
        if totals.count == 0:
            raise ArgumentError("evaluate: the loader gave no batches (is the dataset empty?)")
        return totals.means_over_ranks()

    def fit(self, train_loader, epochs=1, val_loader=None):
        """Train for `epochs`, evaluating on `val_loader` after each; returns the History."""
        if isinstance(epochs, bool) or not isinstance(epochs, (int, numpy.integer)) or epochs < 0:
            raise ArgumentError(f"fit: epochs must be an integer >= 0, got {epochs!r}")
        for name, loader in (("train_loader", train_loader), ("val_loader", val_loader)):
            if loader is not None and hasattr(loader, "__len__") and len(loader) == 0:
                raise ArgumentError(f"fit: {name} is empty (no batches), so there is nothing to "
                                    f"{'train on' if name == 'train_loader' else 'validate on'}")
        for epoch in range(1, epochs + 1):
            for loader in (train_loader, val_loader):
                if hasattr(getattr(loader, "sampler", None), "set_epoch"):  # DistributedSampler: reshuffle
                    loader.sampler.set_epoch(epoch - 1)
            start = time.perf_counter()
            results = self.train_epoch(train_loader, f"epoch {epoch}/{epochs}")
            seconds = time.perf_counter() - start
            if val_loader is not None:
                results.update({"val_" + k: v for k, v in self.evaluate(val_loader).items()})
            lr = self.optimizer.param_groups[0]["lr"]
            if self.scheduler is not None:
                if isinstance(self.scheduler, ReduceLROnPlateau):
                    self.scheduler.step(results.get("val_loss", results["loss"]))
                else:
                    self.scheduler.step()
            self.history.append(epoch=epoch, **results, lr=lr, time=seconds)
            if self._shows_progress:
                shown = "  ".join(f"{k} {v:.4f}" for k, v in results.items())
                _write(f"epoch {epoch}/{epochs}  {shown}  ({seconds:.2f} s)")
        return self.history


def fit(model, loss_fn, optimizer, train_loader, epochs=1, val_loader=None, metrics=(), scheduler=None,
        clip_grad_norm=None, progress=True):
    """Train `model` and return its History (a thin wrapper around `Trainer`).

    >>> history = fit(model, nn.CrossEntropyLoss(), autograd.optim.Adam(model.parameters()),
    ...               train_loader, epochs=10, val_loader=val_loader, metrics=["accuracy"])
    """
    trainer = Trainer(model, loss_fn, optimizer, metrics=metrics, scheduler=scheduler,
                      clip_grad_norm=clip_grad_norm, progress=progress)
    return trainer.fit(train_loader, epochs=epochs, val_loader=val_loader)


def _metric(name, loss_fn):
    """A metric given by name ("accuracy": the Accuracy fitting the loss) or a function(output, target)."""
    if not isinstance(name, str):
        return name
    if name not in _METRICS:
        raise ArgumentError(f"unknown metric {name!r}; choose one of {sorted(_METRICS)} or pass a function")
    return _METRICS[name](loss_fn)


class _Averages:
    """Running means of the loss and metrics: the loss weighted by batch size; a metric with
    `counts` (Accuracy) as total correct / total counted, so ignored positions weigh nothing."""

    def __init__(self, metrics):
        self.metrics = metrics
        self.sums = {"loss": 0.0, **{name: 0.0 for name in metrics}}
        self.counts = {"loss": 0, **{name: 0 for name in metrics}}

    @property
    def count(self):
        """How many examples were added (the loss's weight)."""
        return self.counts["loss"]

    def add(self, loss, output, target):
        n = len(target) if hasattr(target, "__len__") and getattr(target, "ndim", 1) > 0 else 1
        self.counts["loss"] += n
        self.sums["loss"] += loss * n
        for name, metric in self.metrics.items():
            if hasattr(metric, "counts"):
                correct, counted = metric.counts(output, target)
                self.sums[name] += correct
                self.counts[name] += counted
            else:
                self.sums[name] += metric(output, target) * n
                self.counts[name] += n

    def means(self):
        return {name: (total / self.counts[name]) if self.counts[name] else float("nan")
                for name, total in self.sums.items()}

    def means_over_ranks(self):
        """The means over every rank's examples (the local means in a single process)."""
        world = process_group.world()
        if world.size == 1:
            return self.means()
        from .distributed import all_reduce

        names = list(self.sums)  # each mean's sum and count, added over the ranks
        totals = numpy.array([self.sums[name] for name in names] + [self.counts[name] for name in names],
                             dtype=numpy.float64)
        all_reduce(totals)
        sums, counts = totals[:len(names)], totals[len(names):]
        return {name: float(total / count) if count else float("nan")
                for name, total, count in zip(names, sums, counts)}


def _tqdm():
    """tqdm's class when a bar can be shown: tqdm installed and a terminal (or a notebook) to draw on."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None  # plain per-epoch lines instead (pip install 'autograd-dag[train]' for the bar)
    in_notebook = "ipykernel" in sys.modules
    stream = sys.stderr
    if not in_notebook and not (hasattr(stream, "isatty") and stream.isatty()):
        return None  # a log file or CI: a bar would write a carriage-return mess
    return tqdm


def _progress_bar(loader, description, enabled):
    bar = _tqdm() if enabled else None
    if bar is None:
        return loader
    return bar(loader, desc=description, leave=False, dynamic_ncols=True)


def _write(text):
    bar = _tqdm()
    if bar is None:
        print(text, flush=True)
    else:
        bar.write(text)
