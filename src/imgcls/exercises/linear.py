"""Checkers of chapter 5's code-writing exercises: the two losses on scores, and one layer's
backward pass.

Each checker runs the reader's function on small inputs it makes itself and compares the result
with an answer computed another way: ``torch.nn.functional.cross_entropy`` and autograd for
softmax, a loop over examples and classes for the hinge loss, autograd for the layer.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from imgcls.exercises import checker, unfilled

LossOnScores = Callable[..., tuple[torch.Tensor, torch.Tensor]]


def _scores(n: int, c: int, seed: int, dtype: torch.dtype = torch.float64,
            scale: float = 2.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Random scores (continuous, so no hinge sits exactly on its kink) and labels."""
    gen = torch.Generator().manual_seed(seed)
    scores = scale * torch.randn(n, c, generator=gen, dtype=dtype)
    return scores, torch.randint(0, c, (n,), generator=gen)


def _pair(result: object, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The reader's (loss, dscores), checked for its shape before any value is compared."""
    unfilled(result, name)
    assert isinstance(result, tuple) and len(result) == 2, (
        f"{name} returned {type(result).__name__}, expected a pair (loss, dscores)")
    loss, dscores = result
    assert torch.is_tensor(loss) and loss.numel() == 1, (
        f"{name}: the loss should be one number (a tensor of one element), "
        f"got {type(loss).__name__}"
        + (f" of shape {tuple(loss.shape)}" if torch.is_tensor(loss) else ""))
    assert torch.is_tensor(dscores), (
        f"{name}: dscores should be a tensor, got {type(dscores).__name__}")
    return loss.reshape(()), dscores


def _call(fn: Callable[..., object], name: str, scores: torch.Tensor, *args: object) -> object:
    """Call the reader's function on a copy of ``scores`` and insist the input is left alone."""
    given = scores.clone()
    result = fn(given, *args)
    assert torch.equal(given, scores), (
        f"{name} changed the scores it was given (an in-place operation such as -= on the "
        "input); compute on a new tensor instead")
    return result


def _close(got: torch.Tensor, expected: torch.Tensor, what: str, hint: str = "") -> None:
    """Assert equal shapes and values within float64 rounding, with a message naming ``what``."""
    assert got.shape == expected.shape, (
        f"{what} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}")
    assert torch.isfinite(got).all(), f"{what} contains inf or nan{hint}"
    gap = (got.double() - expected.double()).abs().max().item()
    assert torch.allclose(got.double(), expected.double(), rtol=1e-6, atol=1e-8), (
        f"{what} differs from the known answer by up to {gap:.3g}{hint}")


@checker("softmax_cross_entropy")
def check_softmax_cross_entropy(fn: LossOnScores) -> None:
    """``fn(scores, y)`` must return the mean cross-entropy of the rows of ``scores`` and its
    gradient with respect to the scores, (p - onehot(y)) / N, without overflowing."""
    name = "softmax_cross_entropy(scores, y)"
    scores, y = _scores(6, 4, seed=0)
    loss, dscores = _pair(_call(fn, name, scores, y), name)
    leaf = scores.clone().requires_grad_()
    expected = F.cross_entropy(leaf, y)
    (expected_grad,) = torch.autograd.grad(expected, leaf)
    _close(loss, expected.detach(), "the loss", " (compare with F.cross_entropy: the mean of "
           "-log p of the true class)")
    forgot_n = (dscores.shape == expected_grad.shape
                and torch.allclose(dscores.double(), len(y) * expected_grad))
    hint = (f" (it is N = {len(y)} times too large: divide by the number of rows)" if forgot_n
            else " (expected (p - onehot(y)) / N)")
    _close(dscores, expected_grad, "dscores", hint)
    # the same scores shifted by 1000 in float32: e**1000 overflows unless the maximum of
    # each row is subtracted first
    shifted = (scores + 1000).float()
    loss_big, dscores_big = _pair(_call(fn, name, shifted, y), name)
    stable = " on scores near 1000: subtract each row's largest score before exp"
    assert torch.isfinite(loss_big) and torch.isfinite(dscores_big).all(), (
        f"{name} gave inf or nan{stable}")
    assert abs(loss_big.item() - expected.item()) < 1e-3, (
        f"the loss changed from {expected.item():.4f} to {loss_big.item():.4f}{stable}")


def hinge_by_loops(scores: torch.Tensor, y: torch.Tensor,
                   delta: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """The multiclass hinge loss and its gradient, one example and one class at a time."""
    n, c = scores.shape
    loss = torch.zeros((), dtype=scores.dtype)
    dscores = torch.zeros_like(scores)
    for i in range(n):
        for j in range(c):
            margin = scores[i, j] - scores[i, y[i]] + delta
            if j != y[i] and margin > 0:
                loss += margin
                dscores[i, j] += 1
                dscores[i, y[i]] -= 1
    return loss / n, dscores / n


@checker("hinge_loss")
def check_hinge_loss(fn: LossOnScores) -> None:
    """``fn(scores, y, delta)`` must return the mean multiclass hinge loss and its gradient with
    respect to the scores, equal to a loop's."""
    name = "hinge_loss(scores, y, delta)"
    for seed, delta in ((0, 1.0), (1, 0.5)):
        scores, y = _scores(7, 5, seed=seed)
        loss, dscores = _pair(_call(fn, name, scores, y, delta), name)
        expected, expected_grad = hinge_by_loops(scores, y, delta)
        hint = ""
        if abs(loss.item() - expected.item() - delta) < 1e-9:
            hint = (" (it is larger by exactly delta: leave the true class's own margin, "
                    "always delta, out of the sum)")
        _close(loss, expected, f"the loss with delta={delta}", hint)
        _close(dscores, expected_grad, f"dscores with delta={delta}",
               " (each violated margin adds 1/N to its class and takes 1/N from the true "
               "class)")
    # scores that already satisfy every margin: nothing to learn from
    easy = torch.zeros(3, 4, dtype=torch.float64)
    labels = torch.tensor([0, 2, 3])
    easy[torch.arange(3), labels] = 5.0
    loss, dscores = _pair(_call(fn, name, easy, labels, 1.0), name)
    assert loss.item() == 0 and not dscores.abs().sum().item(), (
        f"{name}: when the true class wins every margin, the loss and dscores should be 0, got "
        f"loss {loss.item():.3g}")


@checker("relu_layer_backward")
def check_relu_layer_backward(fn: Callable[..., object]) -> None:
    """``fn(x, w, b, d_h)`` for ``h = relu(x @ w + b)`` must return ``(dx, dw, db)``, the
    gradients that the upstream gradient ``d_h`` gives, equal to autograd's."""
    name = "relu_layer_backward(x, w, b, d_h)"
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(5, 4, generator=gen, dtype=torch.float64)
    w = torch.randn(4, 3, generator=gen, dtype=torch.float64)
    b = torch.randn(3, generator=gen, dtype=torch.float64)
    d_h = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    leaves = [t.clone().requires_grad_() for t in (x, w, b)]
    h = (leaves[0] @ leaves[1] + leaves[2]).clamp_min(0)
    expected = torch.autograd.grad(h, leaves, grad_outputs=d_h)
    result = fn(x.clone(), w.clone(), b.clone(), d_h.clone())
    unfilled(result, name)
    assert isinstance(result, tuple) and len(result) == 3, (
        f"{name} returned {type(result).__name__}, expected a triple (dx, dw, db)")
    assert (h.detach() == 0).any(), "internal: the test needs some inactive units"
    hint = (" (the gradient passes a ReLU only where its input x @ w + b was positive; "
            "see the chapter's backward pass)")
    for got, want, what in zip(result, expected, ("dx", "dw", "db"), strict=True):
        assert torch.is_tensor(got), f"{what} should be a tensor, got {type(got).__name__}"
        _close(got, want, what, hint)
