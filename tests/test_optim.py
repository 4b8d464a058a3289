"""Optimizers: update rules against written-down reference values and PyTorch, state, groups."""
import numpy
import pytest

import autograd
from autograd import nn, optim

# Three steps on loss = sum(p²) (gradient 2p) from p = [1, -2], in float64.
# Derivations of the first steps, by hand:
#   SGD lr=0.1:              p <- p - 0.1 * 2p = 0.8 p                 -> 0.8, 0.64, 0.512
#   SGD momentum 0.9:        b1 = g1 = 2 -> p = 0.8; b2 = 0.9*2 + 1.6 = 3.4 -> p = 0.46;
#                            b3 = 0.9*3.4 + 0.92 = 3.98 -> p = 0.062
#   SGD dampening 0.5:       b2 = 0.9*2 + 0.5*1.6 = 2.6 -> p = 0.54; b3 = 2.34 + 0.54 = 2.88 -> 0.252
#   Nesterov, wd 0.1:        g1 = 2.1 p = 2.1; b1 = 2.1; step = g1 + 0.9 b1 = 3.99 -> p = 0.601
#   AdaGrad wd 0.1:          g1 = 2.1; sum = 4.41; p -= 0.1 * 2.1 / 2.1 -> 0.9
#   RMSprop lr=0.01:         s = 0.01 g²; p -= 0.01 * g / (0.1 |g|) = 0.1 -> 0.9
#   Adam lr=0.1:             m̂ = g, v̂ = g² after bias correction: p -= 0.1 sign(g) -> 0.9, -1.9
#   AdamW lr=0.1 (wd 0.01):  p (1 - 0.001) - 0.1 sign(g) -> 0.899, -1.898
#   Adadelta (lr=1, rho=0.9, eps=1e-6): step = sqrt(eps) / sqrt(0.1 g² + eps) g ≈ 0.00316 -> 0.99684
# Later steps were computed with the same formulas (and agree with torch.optim in float64).
REFERENCE = [
    (optim.SGD, dict(lr=0.1), [[0.8, -1.6], [0.64, -1.28], [0.512, -1.024]]),
    (optim.SGD, dict(lr=0.1, momentum=0.9), [[0.8, -1.6], [0.46, -0.92], [0.062, -0.124]]),
    (optim.Momentum, dict(lr=0.1), [[0.8, -1.6], [0.46, -0.92], [0.062, -0.124]]),
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
     [[0.601, -1.202], [0.191101, -0.382202], [-0.140468399, 0.280936798]]),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.5), [[0.8, -1.6], [0.54, -1.08], [0.252, -0.504]]),
    (optim.AdaGrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.1),
     [[0.9, -1.9], [0.8337658682, -1.831806984], [0.7821211719, -1.7775738145]]),
    (optim.RMSprop, dict(lr=0.01),
     [[0.900000005, -1.9000000025], [0.832917968, -1.8309433291], [0.7799822732, -1.7753494456]]),
    (optim.RMSprop, dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1),
     [[0.8994962233, -1.8994962209], [0.7413059803, -1.7392987512], [0.5496501644, -1.54067802]]),
    (optim.Adadelta, dict(),
     [[0.9968377263, -1.9968377233], [0.9935981741, -1.9935957289], [0.9903090457, -1.9903007524]]),
    (optim.Adam, dict(lr=0.1),
     [[0.9000000005, -1.9000000002], [0.8004122287, -1.8001664861], [0.7015862729, -1.700623392]]),
    (optim.AdamW, dict(lr=0.1),
     [[0.8990000005, -1.8980000002], [0.7985190272, -1.7962725886], [0.6989111832, -1.6949445144]]),
]


@pytest.mark.parametrize("optimizer_class, settings, expected", REFERENCE,
                         ids=[f"{c.__name__}-{'-'.join(s)}" for c, s, _ in REFERENCE])
def test_update_rule_matches_reference_values(optimizer_class, settings, expected):
    p = nn.Parameter(numpy.array([1.0, -2.0]))
    opt = optimizer_class([p], **settings)
    for step_expected in expected:
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
        numpy.testing.assert_allclose(p.numpy(), step_expected, rtol=1e-8, atol=1e-9)


# Adam's weight_decay and amsgrad, on a loss where both matter: sum(p⁴) / 4 (gradient p³, not
# proportional to p, so adding 0.1 p is not a mere rescaling, to which Adam is blind), from p = [1, -2]
# with lr=0.1, betas=(0.9, 0.5), weight_decay=0.1, amsgrad=True, in float64:
#   step 1: g = p³ + 0.1 p = [1.1, -8.2]; m̂ = g, v̂ = g² -> p -= 0.1 sign(g) -> 0.9, -1.9
#   step 2: g = [0.819, -7.049]; v = 0.5 v + 0.5 g² = [0.6378805, 41.6542005] (still growing)
#   step 3: g = [0.5854814, -5.9933392]; v = [0.4903345, 38.7871579] shrinks, so amsgrad divides by
#           the step-2 v: p -> 0.7010938448, -1.6965924314 (0.6876456041, -1.6929078074 without amsgrad;
#           weight_decay=0 gives 0.7966070545, -1.7980688706 at step 2 already)
# Computed with the formulas above; torch.optim.Adam in float64 gives the same trajectory.
ADAM_WEIGHT_DECAY_AMSGRAD = [[0.9000000009, -1.9000000001], [0.796760492, -1.7980977293],
                             [0.7010938448, -1.6965924314]]


def test_adam_weight_decay_and_amsgrad_match_reference_values():
    p = nn.Parameter(numpy.array([1.0, -2.0]))
    opt = optim.Adam([p], lr=0.1, betas=(0.9, 0.5), weight_decay=0.1, amsgrad=True)
    for step_expected in ADAM_WEIGHT_DECAY_AMSGRAD:
        opt.zero_grad()
        ((p * p * p * p).sum() / 4).backward()
        opt.step()
        numpy.testing.assert_allclose(p.numpy(), step_expected, rtol=1e-8, atol=1e-9)


TORCH_CASES = [
    ("SGD", "SGD", dict(lr=0.05, momentum=0.8, weight_decay=0.01)),
    ("SGD", "SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("Momentum", "SGD", dict(lr=0.05, momentum=0.9)),
    ("AdaGrad", "Adagrad", dict(lr=0.05, initial_accumulator_value=0.1)),
    ("RMSprop", "RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5)),
    ("RMSprop", "RMSprop", dict(lr=0.01, centered=True)),
    ("Adadelta", "Adadelta", dict(lr=0.5, rho=0.95, weight_decay=0.01)),
    ("Adam", "Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.01)),
    ("Adam", "Adam", dict(lr=0.01, betas=(0.9, 0.5), weight_decay=0.1, amsgrad=True)),  # v shrinks: max engages
    ("AdamW", "AdamW", dict(lr=0.01, weight_decay=0.1)),
]


@pytest.mark.parametrize("ours, theirs, settings", TORCH_CASES,
                         ids=[f"{o}-{'-'.join(s)}" for o, _, s in TORCH_CASES])
def test_trajectory_matches_pytorch_over_several_steps_in_float32(ours, theirs, settings):
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(0)
    w0 = rng.standard_normal((4, 3)).astype(numpy.float32)
    x = rng.standard_normal((8, 3)).astype(numpy.float32)
    w = nn.Parameter(w0.copy())
    tw = torch.tensor(w0.copy(), requires_grad=True)
    opt = getattr(optim, ours)([w], **settings)
    topt = getattr(torch.optim, theirs)([tw], **settings)
    xt = torch.from_numpy(x)
    for _ in range(6):
        opt.zero_grad()
        topt.zero_grad()
        (autograd.tanh(autograd.tensor(x) @ w.T) ** 2).sum().backward()
        (torch.tanh(xt @ tw.T) ** 2).sum().backward()
        opt.step()
        topt.step()
        assert w.dtype == numpy.float32
        numpy.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=2e-5, atol=2e-6)


def test_parameters_without_gradients_are_skipped():
    used, unused = nn.Parameter([1.0]), nn.Parameter([5.0])
    opt = optim.Adam([used, unused], lr=0.1)
    (used * 2).sum().backward()
    opt.step()
    assert unused.numpy()[0] == 5.0 and used.numpy()[0] != 1.0
    assert unused not in opt.state


def test_zero_grad_clears_and_a_repeated_parameter_is_updated_once():
    p = nn.Parameter([1.0])
    opt = optim.SGD([p, p], lr=0.1)  # e.g. a tied weight passed twice
    (p * p).sum().backward()
    opt.step()
    numpy.testing.assert_allclose(p.numpy(), [0.8])
    opt.zero_grad()
    assert p.grad is None


def test_param_groups_have_their_own_settings():
    a, b = nn.Parameter([1.0]), nn.Parameter([1.0])
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    ((a + b) * 1.0).sum().backward()
    opt.step()
    numpy.testing.assert_allclose([a.item(), b.item()], [0.9, 0.5])
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[0]["momentum"] == 0.0
    assert "Parameter Group 1" in repr(opt)


def test_invalid_settings_are_refused():
    p = nn.Parameter([1.0])
    with pytest.raises(ValueError):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError):
        optim.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(ValueError):
        optim.SGD([], lr=0.1)


@pytest.mark.parametrize("optimizer_class", [optim.SGD, optim.AdaGrad, optim.RMSprop, optim.Adadelta,
                                             optim.Adam, optim.AdamW])
def test_state_dict_round_trip_resumes_identically(optimizer_class, tmp_path):
    def make():
        autograd.manual_seed(0)
        model = nn.Linear(3, 2)
        kwargs = {"momentum": 0.9} if optimizer_class is optim.SGD else {}
        return model, optimizer_class(model.parameters(), lr=0.05, **kwargs)

    x = autograd.randn(6, 3)

    def train(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            (model(x) ** 2).mean().backward()
            opt.step()

    model, opt = make()
    train(model, opt, 3)
    autograd.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "ckpt.npz")
    train(model, opt, 2)

    resumed, resumed_opt = make()
    checkpoint = autograd.load(tmp_path / "ckpt.npz")
    resumed.load_state_dict(checkpoint["model"])
    resumed_opt.load_state_dict(checkpoint["optimizer"])
    train(resumed, resumed_opt, 2)
    for a, b in zip(model.parameters(), resumed.parameters()):
        numpy.testing.assert_array_equal(a.numpy(), b.numpy())


def test_optimizer_load_state_dict_refuses_a_different_model():
    small = optim.Adam(nn.Linear(2, 2).parameters())
    big_model = nn.Linear(3, 2)
    big = optim.Adam(big_model.parameters())
    big_model(autograd.randn(1, 3)).sum().backward()
    big.step()
    with pytest.raises(autograd.CheckpointError, match=r"\(2, 3\)"):
        small.load_state_dict(big.state_dict())
    assert small.state == {}
    with pytest.raises(autograd.CheckpointError, match="groups"):
        small.load_state_dict({"state": {}, "param_groups": []})
