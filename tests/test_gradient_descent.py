"""Gradient-descent helpers: hand-written gradients against autograd, the loop's behaviour."""

import torch
import torch.nn.functional as F

from imgcls.gradient_descent import (
    fit_quadratic,
    linear,
    log_loss,
    minibatches,
    mse,
    per_image_gradients,
    pixel_loss,
    pixel_loss_gradients,
    quadratic,
    sgd_step,
    speed_data,
    stack_pairs,
    train_linear,
)


def test_speed_data_is_deterministic():
    t, speed = speed_data(seed=3)
    assert t.shape == speed.shape == (20,)
    torch.testing.assert_close(speed, speed_data(seed=3)[1])
    assert not torch.equal(speed, speed_data(seed=4)[1])


def test_mse_matches_torch():
    a, b = torch.randn(30), torch.randn(30)
    torch.testing.assert_close(mse(a, b), F.mse_loss(a, b))


def test_first_step_matches_hand_gradient():
    t, speed = speed_data()
    init = torch.tensor([1.0, -2.0, 0.5])
    fit = fit_quadratic(t, speed, init, lr=0.01, steps=1)
    residual = quadratic(t, init) - speed
    grad = 2 * torch.stack([(residual * t**2).mean(), (residual * t).mean(), residual.mean()])
    torch.testing.assert_close(fit.params[1], init - 0.01 * grad)
    assert fit.losses[0] == mse(quadratic(t, init), speed).item()


def test_good_rate_reaches_least_squares_and_too_large_diverges():
    t, speed = speed_data()
    design = torch.stack([t**2, t, torch.ones_like(t)], dim=1)
    best = torch.linalg.lstsq(design, speed.unsqueeze(1)).solution.squeeze(1)
    good = fit_quadratic(t, speed, torch.zeros(3), lr=0.3, steps=300)
    torch.testing.assert_close(good.params[-1], best, atol=1e-3, rtol=1e-3)
    small = fit_quadratic(t, speed, torch.zeros(3), lr=0.005, steps=50)
    assert all(b < a for a, b in zip(small.losses, small.losses[1:], strict=False))
    assert fit_quadratic(t, speed, torch.zeros(3), lr=0.6, steps=30).losses[-1] > 1e6


def test_hand_gradients_match_autograd():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(64, 784, generator=g)
    y = (torch.rand(64, 1, generator=g) > 0.5).float()
    w = (torch.randn(784, 1, generator=g) * 0.05).requires_grad_()
    b = torch.randn(1, generator=g).requires_grad_()
    pixel_loss(linear(x, w, b), y).backward()
    dw, db = pixel_loss_gradients(x, y, w, b)
    torch.testing.assert_close(dw, w.grad)
    torch.testing.assert_close(db, b.grad)


def test_sgd_step_moves_against_gradient_and_clears_it():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    (p**2).sum().backward()
    sgd_step([p], lr=0.25)
    torch.testing.assert_close(p.detach(), torch.tensor([0.5, 1.0]))
    assert p.grad is None


def test_minibatches_cover_every_row_once():
    x = torch.arange(10.0).unsqueeze(1)
    batches = list(minibatches(x, x * 2, 4, generator=torch.Generator().manual_seed(0)))
    assert [len(xb) for xb, _ in batches] == [4, 4, 2]
    seen = torch.cat([xb for xb, _ in batches]).squeeze(1)
    assert sorted(seen.tolist()) == list(range(10))
    assert all(torch.equal(yb, xb * 2) for xb, yb in batches)


def test_stack_pairs_flattens_and_labels():
    x, y = stack_pairs(torch.zeros(3, 28, 28), torch.ones(2, 28, 28))
    assert x.shape == (5, 784) and y.shape == (5, 1)
    assert y.squeeze(1).tolist() == [1, 1, 1, 0, 0]


def test_train_linear_learns_a_separable_problem_deterministically():
    g = torch.Generator().manual_seed(1)
    bright = torch.rand(200, 8, 8, generator=g) * 0.5 + 0.5
    dark = torch.rand(200, 8, 8, generator=g) * 0.5
    x, y = stack_pairs(bright, dark)
    first = train_linear(x, y, x, y, epochs=5, lr=1.0, batch_size=32, seed=0)
    again = train_linear(x, y, x, y, epochs=5, lr=1.0, batch_size=32, seed=0)
    assert len(first.history) == 6 and first.history == again.history
    assert first.history[-1] > 0.95
    assert not torch.equal(first.weights, first.initial_weights)
    torch.testing.assert_close(first.initial_weights, again.initial_weights)


def test_per_image_gradients_show_the_sigmoid_loss_saturating():
    scores = torch.tensor([[-8.0], [-2.0], [0.0], [3.0], [9.0]])
    targets = torch.tensor([[1.0], [1.0], [1.0], [0.0], [0.0]])  # 3s, 3, 3, 7s
    p = scores.sigmoid()
    sig = per_image_gradients(pixel_loss, scores, targets)
    log = per_image_gradients(log_loss, scores, targets)
    torch.testing.assert_close(sig, (1 - 2 * targets) * p * (1 - p))
    torch.testing.assert_close(log, p - targets)
    # the confident mistakes (first and last): almost nothing from 1 - sigmoid, about 1 from log
    assert sig[[0, 4]].abs().max() < 1e-3 and log[[0, 4]].abs().min() > 0.99


def test_train_linear_takes_a_loss_and_a_zero_start():
    g = torch.Generator().manual_seed(2)
    x, y = stack_pairs(torch.rand(100, 8, 8, generator=g) * 0.5 + 0.5,
                       torch.rand(100, 8, 8, generator=g) * 0.5)
    run = train_linear(x, y, x, y, epochs=3, lr=0.5, batch_size=20, seed=0, loss=log_loss,
                       init_std=0.0)
    assert torch.count_nonzero(run.initial_weights) == 0 and run.initial_bias.item() == 0
    assert run.history[0] == 0.5 and run.history[-1] > 0.95
    default = train_linear(x, y, x, y, epochs=1, lr=0.5, batch_size=20, seed=0)
    assert torch.count_nonzero(default.initial_weights) == 64
