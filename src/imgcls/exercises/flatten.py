"""Checkers of chapter 7's code-writing exercises: one optimiser step, and a convolution with
stride and padding written with loops."""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from imgcls.exercises import checker, unfilled


def _problem() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    model = nn.Linear(6, 4)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    x = torch.randn(10, 6, generator=gen)
    y = torch.randint(0, 4, (10,), generator=gen)
    return model, x, y


@checker("train_step")
def check_train_step(train_step: Callable) -> None:
    """``train_step(model, x, y, optimizer, loss_fn)`` must take one optimiser step on the batch,
    starting from zeroed gradients, and return the batch's loss (before the step) as a float."""
    model, x, y = _problem()
    loss_fn = nn.CrossEntropyLoss()
    before = copy.deepcopy(model)
    expected_loss = loss_fn(before(x), y)
    grads = torch.autograd.grad(expected_loss, list(before.parameters()))
    for p in model.parameters():  # gradients left over from an earlier step
        p.grad = torch.ones_like(p)
    lr = 0.1
    loss = train_step(model, x, y, torch.optim.SGD(model.parameters(), lr=lr), loss_fn)
    unfilled(loss, "train_step")
    assert isinstance(loss, float), (
        f"train_step returned a {type(loss).__name__}, expected a float: use loss.item()")
    assert abs(loss - expected_loss.item()) < 1e-5, (
        f"train_step returned {loss:.5f}, but the batch's loss before the step is "
        f"{expected_loss.item():.5f}")
    old = list(before.parameters())
    new = list(model.parameters())
    if all(torch.equal(a, b) for a, b in zip(old, new, strict=True)):
        raise AssertionError("the parameters did not change: call backward() on the loss, "
                             "then optimizer.step()")
    stale = [a - lr * (g + 1) for a, g in zip(old, grads, strict=True)]
    if all(torch.allclose(b, s, atol=1e-5) for b, s in zip(new, stale, strict=True)):
        raise AssertionError("the step added the gradients left over from an earlier step: "
                             "call optimizer.zero_grad() before loss.backward()")
    want = [a - lr * g for a, g in zip(old, grads, strict=True)]
    assert all(torch.allclose(b, w, atol=1e-5) for b, w in zip(new, want, strict=True)), (
        "after the step the parameters differ from one SGD step against this batch's gradient")


CONV_CASES = ((6, 6, 3, 1, 0), (7, 5, 3, 1, 1), (8, 8, 3, 2, 0), (9, 7, 4, 2, 1),
              (5, 5, 5, 1, 2), (10, 10, 3, 3, 2))


@checker("conv2d_by_hand")
def check_conv2d_by_hand(conv2d_by_hand: Callable) -> None:
    """``conv2d_by_hand(image, kernel, stride, padding)`` on an H x W image and a square k x k
    kernel must equal ``F.conv2d`` with the same stride and padding."""
    gen = torch.Generator().manual_seed(1)
    for h, w, k, stride, padding in CONV_CASES:
        image = torch.randn(h, w, generator=gen)
        kernel = torch.randn(k, k, generator=gen)
        out = conv2d_by_hand(image, kernel, stride=stride, padding=padding)
        unfilled(out, "conv2d_by_hand")
        want = F.conv2d(image[None, None], kernel[None, None], stride=stride,
                        padding=padding)[0, 0]
        case = f"a {h} x {w} image, a {k} x {k} kernel, stride {stride}, padding {padding}"
        out = torch.as_tensor(out)
        assert tuple(out.shape) == tuple(want.shape), (
            f"for {case} the output is {tuple(out.shape)}, expected {tuple(want.shape)} "
            f"(side: (n + 2 padding - k) // stride + 1)")
        assert torch.allclose(out.float(), want, atol=1e-4), (
            f"for {case} the values differ from F.conv2d (largest difference "
            f"{(out.float() - want).abs().max().item():.3g})")
