"""Training utilities: fit/Trainer, History.plot, gradient clipping, schedulers, the examples."""
import math
import os
import sys

import numpy
import pytest

import autograd
from autograd import nn, optim
from autograd.data import DataLoader, TensorDataset
from autograd.training import Trainer, accuracy, fit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def blobs(n=200, seed=0):
    """Three Gaussian blobs in 2-D: an easy classification problem."""
    rng = numpy.random.default_rng(seed)
    centers = numpy.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
    y = rng.integers(0, 3, n)
    x = (centers[y] + rng.standard_normal((n, 2)) * 0.6).astype(numpy.float32)
    return x, y


def test_fit_lowers_the_loss_and_records_history(tmp_path):
    autograd.manual_seed(0)
    x, y = blobs()
    train = DataLoader(TensorDataset(x[:150], y[:150]), batch_size=16, shuffle=True, seed=0)
    val = DataLoader(TensorDataset(x[150:], y[150:]), batch_size=64)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 3))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = fit(model, nn.CrossEntropyLoss(), opt, train, epochs=6, val_loader=val, metrics=["accuracy"],
                  scheduler=optim.StepLR(opt, step_size=3, gamma=0.5), clip_grad_norm=5.0, progress=False)
    assert len(history) == 6
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["val_accuracy"][-1] > 0.9
    assert history["lr"] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05]
    assert set(history.keys()) >= {"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "time", "lr"}
    assert "6 epochs" in repr(history)
    figure = history.plot(tmp_path / "curves.png", title="blobs")
    assert (tmp_path / "curves.png").stat().st_size > 5000
    assert len(figure.axes) == 2  # loss and accuracy
    assert not model.training  # the last thing fit did was evaluate


def test_progress_bar_shows_loss_and_metrics(capsys):
    x, y = blobs(64)
    model = nn.Linear(2, 3)
    trainer = Trainer(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), metrics=["accuracy"])
    trainer.fit(DataLoader(TensorDataset(x, y), batch_size=8), epochs=2)
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "epoch 2/2" in output and "loss" in output and "accuracy" in output


def test_reduce_on_plateau_in_fit_watches_the_validation_loss():
    x, y = blobs(32)
    model = nn.Linear(2, 3)
    opt = optim.SGD(model.parameters(), lr=1e-6)  # too small for the validation loss to improve
    scheduler = optim.ReduceLROnPlateau(opt, factor=0.25, patience=0)
    loader = DataLoader(TensorDataset(x, y), batch_size=32)
    history = fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=2, val_loader=loader, scheduler=scheduler,
                  progress=False)
    assert len(history["val_loss"]) == 2
    assert history["lr"] == [1e-6, 1e-6] and opt.param_groups[0]["lr"] == pytest.approx(0.25e-6)


def test_accuracy_for_class_scores_and_single_logits():
    assert accuracy(autograd.tensor([[0.1, 0.9], [0.8, 0.2]]), numpy.array([1, 1])) == 0.5
    logits = autograd.tensor([[2.0], [-1.0], [0.5]])
    assert accuracy(logits, numpy.array([[1.0], [0.0], [0.0]]), threshold=0) == pytest.approx(2 / 3)
    with pytest.raises(autograd.ArgumentError, match="threshold"):  # a logit or a probability? it does not guess
        accuracy(logits, numpy.array([[1.0], [0.0], [0.0]]))


# ---------------------------------------------------------------- gradient clipping

def test_clip_grad_norm_matches_pytorch_and_returns_the_norm():
    torch = pytest.importorskip("torch")
    grads = [numpy.array([3.0, 4.0]), numpy.array([[12.0]])]  # joint norm 13
    params = [nn.Parameter(numpy.zeros_like(g)) for g in grads]
    tparams = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, tp, g in zip(params, tparams, grads):
        p.grad = autograd.tensor(g.copy())
        tp.grad = torch.tensor(g.copy())
    total = nn.utils.clip_grad_norm_(params, max_norm=1.3)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, max_norm=1.3)
    assert isinstance(total, autograd.Tensor) and total.shape == () and total.dtype == ttotal.numpy().dtype
    assert float(total) == pytest.approx(13.0) and float(total) == pytest.approx(float(ttotal))
    for p, tp in zip(params, tparams):
        numpy.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-12)
    numpy.testing.assert_allclose(params[0].grad.numpy(), [0.3, 0.4], rtol=1e-6)
    # below the threshold nothing changes; the infinity norm is the largest entry
    assert float(nn.utils.clip_grad_norm_(params, max_norm=10.0)) == pytest.approx(1.3, rel=1e-6)
    numpy.testing.assert_allclose(params[0].grad.numpy(), [0.3, 0.4], rtol=1e-6)
    assert float(nn.utils.clip_grad_norm_(params, 100.0, norm_type=math.inf)) == pytest.approx(1.2, rel=1e-6)
    assert float(nn.utils.clip_grad_norm_([nn.Parameter([1.0])], 1.0)) == 0.0  # no gradients at all


def test_clip_grad_value_clips_each_entry():
    p = nn.Parameter([0.0, 0.0, 0.0])
    p.grad = autograd.tensor([-3.0, 0.2, 5.0])
    nn.utils.clip_grad_value_([p], 1.0)
    numpy.testing.assert_array_equal(p.grad.numpy(), numpy.array([-1.0, 0.2, 1.0], numpy.float32))
    assert p.grad.dtype == numpy.float32


# ---------------------------------------------------------------- schedulers

def lrs(scheduler, optimizer, steps):
    values = []
    for _ in range(steps):
        values.append(optimizer.param_groups[0]["lr"])
        scheduler.step()
    return values


def test_step_exponential_and_cosine_closed_forms():
    opt = optim.SGD([nn.Parameter([1.0])], lr=1.0)
    assert lrs(optim.StepLR(opt, step_size=2, gamma=0.5), opt, 6) == [1, 1, 0.5, 0.5, 0.25, 0.25]
    opt = optim.SGD([nn.Parameter([1.0])], lr=2.0)
    numpy.testing.assert_allclose(lrs(optim.ExponentialLR(opt, gamma=0.9), opt, 4), [2, 1.8, 1.62, 1.458])
    opt = optim.SGD([nn.Parameter([1.0])], lr=1.0)
    scheduler = optim.CosineAnnealingLR(opt, T_max=4, eta_min=0.1)
    values = lrs(scheduler, opt, 5)
    numpy.testing.assert_allclose(values, [1.0, 0.1 + 0.9 * (1 + math.cos(math.pi / 4)) / 2, 0.55,
                                           0.1 + 0.9 * (1 + math.cos(3 * math.pi / 4)) / 2, 0.1])
    assert scheduler.get_last_lr() == [opt.param_groups[0]["lr"]]


@pytest.mark.parametrize("name, kwargs", [("StepLR", dict(step_size=3, gamma=0.3)),
                                          ("ExponentialLR", dict(gamma=0.8)),
                                          ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01))])
def test_schedulers_match_pytorch(name, kwargs):
    torch = pytest.importorskip("torch")
    opt = optim.SGD([nn.Parameter([1.0])], lr=0.5)
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    ours = getattr(optim, name)(opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    for _ in range(8):
        topt.step()
        ours.step()
        theirs.step()
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"], rel=1e-9)


def test_reduce_lr_on_plateau_divides_by_four_when_perplexity_stalls():
    opt = optim.SGD([nn.Parameter([1.0])], lr=20.0)
    scheduler = optim.ReduceLROnPlateau(opt, factor=0.25, patience=0)
    seen = []
    for perplexity in [150.0, 140.0, 141.0, 139.0, 139.0, 139.0]:
        scheduler.step(perplexity)
        seen.append(opt.param_groups[0]["lr"])
    assert seen == [20.0, 20.0, 5.0, 5.0, 1.25, 0.3125]


def test_reduce_lr_on_plateau_matches_pytorch_with_patience_cooldown_and_min_lr():
    torch = pytest.importorskip("torch")
    settings = dict(mode="max", factor=0.5, patience=2, cooldown=1, min_lr=0.05, threshold=0.01)
    opt = optim.SGD([nn.Parameter([1.0])], lr=1.0)
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    ours = optim.ReduceLROnPlateau(opt, **settings)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **settings)
    metrics = [0.5, 0.6, 0.605, 0.6, 0.59, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
    for value in metrics:
        ours.step(value)
        theirs.step(value)
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"])


def test_scheduler_state_dict_round_trip():
    opt = optim.SGD([nn.Parameter([1.0])], lr=1.0)
    scheduler = optim.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        scheduler.step()
    state = scheduler.state_dict()
    fresh_opt = optim.SGD([nn.Parameter([1.0])], lr=1.0)
    fresh = optim.StepLR(fresh_opt, step_size=2, gamma=0.5)
    fresh_opt.load_state_dict(opt.state_dict())  # schedules are chainable (as PyTorch): the lr lives in the optimizer
    fresh.load_state_dict(state)
    fresh.step()
    scheduler.step()
    assert fresh_opt.param_groups[0]["lr"] == opt.param_groups[0]["lr"] == 0.25


# ---------------------------------------------------------------- the examples

def test_xor_example_learns_xor():
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    try:
        import xor_dense
    finally:
        sys.path.pop(0)
    loss, correct = xor_dense.main(epochs=300, verbose=False)
    assert correct == 4 and loss < 0.05
