"""Chapter 3's exercise checkers pass the reference solutions and say what is wrong otherwise."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from verdicts import verdict

from imgcls.exercises.gradient_descent import (
    check_mse_gradient,
    check_sigmoid_log_loss,
    check_train_step,
)
from imgcls.gradient_descent import pixel_loss


def mse_gradient(t, speed, params):
    a, b, c = params
    r = a * t**2 + b * t + c - speed
    return torch.stack([(2 * r * t**2).mean(), (2 * r * t).mean(), (2 * r).mean()])


def train_step(model, optimizer, xb, yb):
    optimizer.zero_grad()
    loss = pixel_loss(model(xb), yb)
    loss.backward()
    optimizer.step()
    return loss.item()


def log_loss(scores, targets):
    per_image = targets * F.logsigmoid(scores) + (1 - targets) * F.logsigmoid(-scores)
    return -per_image.mean()



@pytest.mark.parametrize(("check", "fn", "name"), [
    (check_mse_gradient, mse_gradient, "mse_gradient"),
    (check_train_step, train_step, "train_step"),
    (check_sigmoid_log_loss, log_loss, "sigmoid_log_loss"),
])
def test_reference_solutions_pass(check, fn, name, capsys) -> None:
    assert verdict(check, fn, capsys) == (True, f"pass: {name}\n")


def test_a_skeleton_is_not_yet(capsys) -> None:
    def skeleton(*args):
        ...

    for check in (check_mse_gradient, check_train_step, check_sigmoid_log_loss):
        passed, out = verdict(check, skeleton, capsys)
        assert not passed and "returned None" in out


@pytest.mark.parametrize(("fn", "said"), [
    (lambda t, s, p: mse_gradient(t, s, p) / 2, "keep the factor 2"),
    (lambda t, s, p: -mse_gradient(t, s, p), "wrong sign"),
    (lambda t, s, p: mse_gradient(t, s, p) * len(t), "average (.mean())"),
    (lambda t, s, p: mse_gradient(t, s, p)[:2], "expected (3,)"),
    (lambda t, s, p: mse_gradient(t, s, p) + torch.tensor([1.0, 0, 0]), "autograd gives"),
])
def test_wrong_mse_gradients_are_named(fn, said, capsys) -> None:
    passed, out = verdict(check_mse_gradient, fn, capsys)
    assert not passed and said in out and "Traceback" not in out


def no_zero_grad(model, optimizer, xb, yb):
    loss = pixel_loss(model(xb), yb)
    loss.backward()
    optimizer.step()
    return loss.item()


def no_step(model, optimizer, xb, yb):
    optimizer.zero_grad()
    loss = pixel_loss(model(xb), yb)
    loss.backward()
    return loss.item()


def returns_tensor(model, optimizer, xb, yb):
    optimizer.zero_grad()
    loss = pixel_loss(model(xb), yb)
    loss.backward()
    optimizer.step()
    return loss


def loss_after_step(model, optimizer, xb, yb):
    train_step(model, optimizer, xb, yb)
    return pixel_loss(model(xb), yb).item()


@pytest.mark.parametrize(("fn", "said"), [
    (no_zero_grad, "optimizer.zero_grad() before loss.backward()"),
    (no_step, "the parameters did not change"),
    (returns_tensor, "return loss.item()"),
    (loss_after_step, "the loss before the step"),
])
def test_wrong_train_steps_are_named(fn, said, capsys) -> None:
    passed, out = verdict(check_train_step, fn, capsys)
    assert not passed and said in out


def naive_log_loss(scores, targets):
    p = torch.sigmoid(scores)
    return -(targets * p.log() + (1 - targets) * (1 - p).log()).mean()


@pytest.mark.parametrize(("fn", "said"), [
    (naive_log_loss, "F.logsigmoid"),
    (lambda s, y: log_loss(s, 1 - y), "swapped the classes"),
    (lambda s, y: -(y * F.logsigmoid(s) + (1 - y) * F.logsigmoid(-s)), "expected one number"),
    (lambda s, y: pixel_loss(s, y), "F.binary_cross_entropy_with_logits gives"),
])
def test_wrong_log_losses_are_named(fn, said, capsys) -> None:
    passed, out = verdict(check_sigmoid_log_loss, fn, capsys)
    assert not passed and said in out
