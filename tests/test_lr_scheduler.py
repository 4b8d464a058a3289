"""Learning-rate schedulers against torch.optim.lr_scheduler, step for step (skipped without torch)."""
import math

import numpy
import pytest

import autograd
from autograd import nn, optim
from autograd.optim import lr_scheduler as ours

torch = pytest.importorskip("torch")


def _pair(optimizer_name="SGD", groups=(0.1, 0.02), **options):
    """The same optimizer in both libraries, over one parameter per group."""
    mine = [nn.Parameter(numpy.ones(2, dtype=numpy.float32)) for _ in groups]
    theirs = [torch.nn.Parameter(torch.ones(2)) for _ in groups]
    ours_opt = getattr(optim, optimizer_name)([{"params": [p], "lr": lr} for p, lr in zip(mine, groups)], **options)
    torch_opt = getattr(torch.optim, optimizer_name)([{"params": [p], "lr": lr} for p, lr in zip(theirs, groups)],
                                                     **options)
    return ours_opt, torch_opt


SCHEDULES = {
    "LambdaLR": lambda lib, opt: lib.LambdaLR(opt, [lambda e: 0.9 ** e, lambda e: 1 / (e + 1)]),
    "MultiplicativeLR": lambda lib, opt: lib.MultiplicativeLR(opt, lambda e: 0.95),
    "StepLR": lambda lib, opt: lib.StepLR(opt, step_size=3, gamma=0.5),
    "MultiStepLR": lambda lib, opt: lib.MultiStepLR(opt, milestones=[2, 5, 5, 9], gamma=0.3),
    "ExponentialLR": lambda lib, opt: lib.ExponentialLR(opt, gamma=0.9),
    "CosineAnnealingLR": lambda lib, opt: lib.CosineAnnealingLR(opt, T_max=4, eta_min=0.001),
    "LinearLR": lambda lib, opt: lib.LinearLR(opt, start_factor=0.25, end_factor=0.9, total_iters=4),
    "OneCycleLR": lambda lib, opt: lib.OneCycleLR(opt, max_lr=[0.5, 0.2], total_steps=13),
    "OneCycleLR-linear-3phase": lambda lib, opt: lib.OneCycleLR(opt, max_lr=0.5, epochs=3, steps_per_epoch=4,
                                                               anneal_strategy="linear", three_phase=True),
    "SequentialLR": lambda lib, opt: lib.SequentialLR(
        opt, [lib.LinearLR(opt, start_factor=0.1, total_iters=3), lib.ExponentialLR(opt, gamma=0.8),
              lib.StepLR(opt, step_size=2)], milestones=[3, 7]),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
@pytest.mark.parametrize("optimizer_name", ["SGD", "Adam"])
def test_scheduler_matches_pytorch_step_for_step(name, optimizer_name):
    options = {"momentum": 0.9} if optimizer_name == "SGD" else {}
    ours_opt, torch_opt = _pair(optimizer_name, **options)
    mine, theirs = SCHEDULES[name](ours, ours_opt), SCHEDULES[name](torch.optim.lr_scheduler, torch_opt)
    steps = 12 if name.startswith("OneCycle") else 16
    for step in range(steps + 1):
        numpy.testing.assert_allclose(mine.get_last_lr(), theirs.get_last_lr(), rtol=1e-12, err_msg=f"step {step}")
        assert [g["lr"] for g in ours_opt.param_groups] == pytest.approx([g["lr"] for g in torch_opt.param_groups])
        for key in ("momentum", "betas"):  # OneCycleLR cycles these too
            if key in torch_opt.param_groups[0]:
                numpy.testing.assert_allclose([g[key] for g in ours_opt.param_groups],
                                              [g[key] for g in torch_opt.param_groups], rtol=1e-12)
        if step < steps:
            ours_opt.step(); torch_opt.step()
            mine.step(); theirs.step()


def test_cosine_rises_again_past_t_max_and_two_schedulers_chain():
    ours_opt, torch_opt = _pair()
    mine = [ours.CosineAnnealingLR(ours_opt, T_max=3), ours.ExponentialLR(ours_opt, gamma=0.9)]
    theirs = [torch.optim.lr_scheduler.CosineAnnealingLR(torch_opt, T_max=3),
              torch.optim.lr_scheduler.ExponentialLR(torch_opt, gamma=0.9)]
    for _ in range(10):
        ours_opt.step(); torch_opt.step()
        for s in mine + theirs:
            s.step()
        numpy.testing.assert_allclose([g["lr"] for g in ours_opt.param_groups],
                                      [g["lr"] for g in torch_opt.param_groups], rtol=1e-12)


@pytest.mark.parametrize("mode, metrics", [("min", [5, 4, 4, 4, 4, 3.9999, 4, 4, 4, 4, 4, 2]),
                                           ("max", [0.1, 0.2, 0.2, 0.19, 0.3, 0.3, 0.3, 0.3, 0.3])])
def test_reduce_on_plateau_matches_pytorch(mode, metrics):
    ours_opt, torch_opt = _pair()
    options = dict(mode=mode, factor=0.5, patience=1, cooldown=1, min_lr=[0.01, 0.0])
    mine = ours.ReduceLROnPlateau(ours_opt, **options)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(torch_opt, **options)
    for value in metrics:
        mine.step(value); theirs.step(value)
        assert mine.get_last_lr() == pytest.approx(theirs.get_last_lr())
        assert mine.num_bad_epochs == theirs.num_bad_epochs and mine.best == theirs.best


def test_step_with_an_epoch_uses_the_closed_form_and_state_round_trips():
    ours_opt, torch_opt = _pair()
    mine, theirs = ours.StepLR(ours_opt, 2, 0.5), torch.optim.lr_scheduler.StepLR(torch_opt, 2, 0.5)
    with pytest.warns(UserWarning):
        mine.step(7)
    with pytest.warns(UserWarning):
        theirs.step(7)
    assert mine.get_last_lr() == pytest.approx(theirs.get_last_lr())
    fresh = ours.StepLR(_pair()[0], 2, 0.5)
    fresh.load_state_dict(mine.state_dict())
    assert fresh.last_epoch == 7 and fresh.get_last_lr() == mine.get_last_lr()


def test_scheduler_errors_match_pytorch():
    opt, _ = _pair()
    with pytest.raises(ValueError, match="cycle_momentum"):
        ours.OneCycleLR(optim.Adagrad(nn.Linear(2, 2).parameters()), max_lr=0.1, total_steps=5)
    schedule = ours.OneCycleLR(opt, max_lr=0.1, total_steps=2)
    schedule.step(); schedule.step()
    with pytest.raises(ValueError, match="total_steps"):
        schedule.step()
    with pytest.raises(ValueError, match="milestones"):
        ours.SequentialLR(opt, [ours.StepLR(opt, 2)], milestones=[3])
    with pytest.raises(autograd.CheckpointError, match="initial_lr"):
        ours.StepLR(optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1), 2, last_epoch=3)


def test_param_groups_add_param_group_and_nesterov_match_pytorch():
    rng = numpy.random.default_rng(0)
    w0, b0 = rng.normal(size=(3, 2)), rng.normal(size=3)
    mine = nn.Linear(2, 3, dtype="float64")
    mine.load_state_dict({"weight": w0, "bias": b0})
    theirs = torch.nn.Linear(2, 3).double()
    theirs.load_state_dict({"weight": torch.tensor(w0), "bias": torch.tensor(b0)})
    o = optim.SGD([{"params": [mine.weight]}], lr=0.1, momentum=0.9, nesterov=True)
    o.add_param_group({"params": mine.bias, "lr": 0.3, "momentum": 0.5})
    t = torch.optim.SGD([{"params": [theirs.weight]}], lr=0.1, momentum=0.9, nesterov=True)
    t.add_param_group({"params": theirs.bias, "lr": 0.3, "momentum": 0.5})
    x = rng.normal(size=(4, 2))
    for _ in range(4):
        o.zero_grad(); t.zero_grad()
        (mine(x) ** 2).sum().backward()
        (theirs(torch.tensor(x)) ** 2).sum().backward()
        o.step(); t.step()
    numpy.testing.assert_allclose(mine.weight.numpy(), theirs.weight.detach().numpy(), rtol=1e-10)
    numpy.testing.assert_allclose(mine.bias.numpy(), theirs.bias.detach().numpy(), rtol=1e-10)
    assert set(o.param_groups[1]) <= set(t.param_groups[1])  # torch adds foreach, fused, ... flags
    with pytest.raises(ValueError, match="more than one parameter group"):
        o.add_param_group({"params": [mine.weight]})
    assert math.isclose(o.param_groups[1]["lr"], 0.3)
