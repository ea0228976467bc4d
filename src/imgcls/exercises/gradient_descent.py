"""Checkers of chapter 3's code-writing exercises (gradient descent): the mean squared error's
gradient by hand against autograd, one training step with ``nn.Linear`` and an optimizer against
the same step done by hand, and the log loss written with the sigmoid against PyTorch's own.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from imgcls.exercises import checker, unfilled
from imgcls.gradient_descent import pixel_loss, quadratic


def _autograd_mse_gradient(t: torch.Tensor, speed: torch.Tensor,
                           params: torch.Tensor) -> torch.Tensor:
    """The known answer: d mse(quadratic(t, params), speed) / d params, by autograd."""
    p = params.detach().clone().requires_grad_()
    loss = ((quadratic(t, p) - speed) ** 2).mean()
    (grad,) = torch.autograd.grad(loss, p)
    return grad


@checker("mse_gradient")
def check_mse_gradient(mse_gradient: Callable) -> None:
    """``mse_gradient(t, speed, params)`` -> a tensor of 3: the gradient of the mean squared
    error of a*t**2 + b*t + c against ``speed`` with respect to (a, b, c), without autograd."""
    g = torch.Generator().manual_seed(0)
    t = torch.linspace(-1.5, 1.5, 12)
    speed = 20 * t**2 + 3 + torch.randn(12, generator=g)
    params = torch.tensor([2.0, -1.0, 0.5])
    result = mse_gradient(t, speed, params)
    unfilled(result, "mse_gradient(t, speed, params)")
    assert isinstance(result, torch.Tensor), (
        f"mse_gradient returned a {type(result).__name__}, expected a torch.Tensor of 3 numbers")
    assert tuple(result.shape) == (3,), (
        f"mse_gradient gave shape {tuple(result.shape)}, expected (3,): one derivative for each "
        "of a, b and c (use torch.stack([...]))")
    assert torch.equal(params, torch.tensor([2.0, -1.0, 0.5])), (
        "mse_gradient changed params: compute the gradient without updating the parameters")
    known = _autograd_mse_gradient(t, speed, params)
    got = result.detach().float()
    if torch.allclose(got, known / 2, rtol=1e-4, atol=1e-4):
        raise AssertionError("mse_gradient is half the known answer: the derivative of r**2 "
                             "is 2 r, keep the factor 2")
    if torch.allclose(got, -known, rtol=1e-4, atol=1e-4):
        raise AssertionError("mse_gradient has the wrong sign: use the residual "
                             "prediction - speed, not speed - prediction")
    if torch.allclose(got, known * len(t), rtol=1e-4, atol=1e-4):
        raise AssertionError("mse_gradient is the sum over the readings; the loss is a mean, "
                             "so average (.mean()) instead")
    assert torch.allclose(got, known, rtol=1e-4, atol=1e-4), (
        f"mse_gradient gave {[round(v, 3) for v in got.tolist()]}, autograd gives "
        f"{[round(v, 3) for v in known.tolist()]} (d/da = mean of 2 r t**2, with r the "
        "residual)")
    again = mse_gradient(t, speed, torch.zeros(3))
    assert torch.allclose(again.detach().float(), _autograd_mse_gradient(t, speed, torch.zeros(3)),
                          rtol=1e-4, atol=1e-4), (
        "mse_gradient is right for one set of parameters but not for (0, 0, 0): use params, "
        "not fixed numbers")


def _small_problem() -> tuple[nn.Linear, torch.Tensor, torch.Tensor]:
    """A linear model on 6 inputs with a fixed start, and a batch of 10 labelled rows."""
    g = torch.Generator().manual_seed(0)
    model = nn.Linear(6, 1)
    with torch.no_grad():
        model.weight.copy_(torch.randn(1, 6, generator=g))
        model.bias.copy_(torch.randn(1, generator=g))
    xb = torch.rand(10, 6, generator=g)
    yb = (torch.rand(10, 1, generator=g) > 0.5).float()
    return model, xb, yb


@checker("train_step")
def check_train_step(train_step: Callable) -> None:
    """``train_step(model, optimizer, xb, yb)``: clear the old gradients, predict, measure
    ``pixel_loss``, backpropagate, step; return the loss before the step as a float."""
    lr = 0.5
    model, xb, yb = _small_problem()
    start = [p.detach().clone() for p in model.parameters()]
    scores = xb @ start[0].T + start[1]
    expected_loss = pixel_loss(scores, yb).item()
    w, b = (p.clone().requires_grad_() for p in start)
    grads = torch.autograd.grad(pixel_loss(xb @ w.T + b, yb), [w, b])
    expected = [p - lr * grad for p, grad in zip(start, grads, strict=True)]

    # a stale gradient left by an earlier batch: the step must not use it
    for p in model.parameters():
        p.grad = torch.full_like(p, 100.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    result = train_step(model, optimizer, xb, yb)
    unfilled(result, "train_step(model, optimizer, xb, yb)")
    after = [p.detach() for p in model.parameters()]
    moved = any(not torch.equal(a, s) for a, s in zip(after, start, strict=True))
    assert moved, ("the parameters did not change: call loss.backward(), then optimizer.step() "
                   "(optimizer.zero_grad() comes before backward, not between the two)")
    stale = [s - lr * (grad + 100.0) for s, grad in zip(start, grads, strict=True)]
    if all(torch.allclose(a, s) for a, s in zip(after, stale, strict=True)):
        raise AssertionError("the step used the old gradient plus the new one: call "
                             "optimizer.zero_grad() before loss.backward(), since backward adds "
                             "to .grad")
    assert all(torch.allclose(a, e, atol=1e-6) for a, e in zip(after, expected, strict=True)), (
        "after train_step the parameters differ from one SGD step on pixel_loss(model(xb), yb): "
        "predict with model(xb), measure pixel_loss, then backward() and optimizer.step()")
    assert isinstance(result, float), (
        f"train_step returned a {type(result).__name__}; return loss.item(), a Python float")
    assert abs(result - expected_loss) < 1e-6, (
        f"train_step returned {result:.6f}, but the loss before the step was "
        f"{expected_loss:.6f}: return the loss you called backward() on")


@checker("sigmoid_log_loss")
def check_sigmoid_log_loss(sigmoid_log_loss: Callable) -> None:
    """``sigmoid_log_loss(scores, targets)``: the mean of -log sigmoid(s) for targets 1 and
    -log(1 - sigmoid(s)) for targets 0, finite even for very confident scores."""
    g = torch.Generator().manual_seed(0)
    scores = torch.randn(50, 1, generator=g) * 3
    targets = (torch.rand(50, 1, generator=g) > 0.5).float()
    result = sigmoid_log_loss(scores, targets)
    unfilled(result, "sigmoid_log_loss(scores, targets)")
    assert isinstance(result, torch.Tensor), (
        f"sigmoid_log_loss returned a {type(result).__name__}, expected a torch.Tensor")
    assert result.dim() == 0, (
        f"sigmoid_log_loss gave shape {tuple(result.shape)}, expected one number: average over "
        "the images")
    known = F.binary_cross_entropy_with_logits(scores, targets)
    swapped = F.binary_cross_entropy_with_logits(scores, 1 - targets)
    if torch.allclose(result, swapped, atol=1e-5):
        raise AssertionError("sigmoid_log_loss swapped the classes: -log sigmoid(s) is the loss "
                             "of a target 1 (a 3), -log(1 - sigmoid(s)) that of a target 0")
    assert torch.allclose(result, known, atol=1e-5), (
        f"sigmoid_log_loss gave {result.item():.5f}, F.binary_cross_entropy_with_logits gives "
        f"{known.item():.5f}")
    confident = torch.tensor([[40.0], [-40.0], [40.0], [-40.0]])
    labels = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    extreme = sigmoid_log_loss(confident, labels)
    assert torch.isfinite(extreme), (
        f"sigmoid_log_loss gave {extreme.item()} for scores of ±40: 1 - sigmoid(40) rounds to 0 "
        "and its log is -inf. Use log(1 - sigmoid(s)) = log sigmoid(-s), and F.logsigmoid, "
        "which never takes the log of a rounded 0")
    assert torch.allclose(extreme, torch.tensor(20.0), rtol=1e-4), (
        f"sigmoid_log_loss gave {extreme.item():.4f} for two confident mistakes at ±40 and two "
        "confident right answers, expected 20.0 (the mean of 40, 40, 0 and 0)")
