"""Chapter 5's exercise checkers: the reference solutions pass, typical mistakes are named."""

from __future__ import annotations

import torch
from verdicts import verdict as verdict_of

from imgcls.exercises.linear import (
    check_hinge_loss,
    check_relu_layer_backward,
    check_softmax_cross_entropy,
    hinge_by_loops,
)


def softmax_cross_entropy(scores, y):
    rows = torch.arange(len(y))
    shifted = scores - scores.max(dim=1, keepdim=True).values
    log_p = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    dscores = log_p.exp()
    dscores[rows, y] -= 1
    return -log_p[rows, y].mean(), dscores / len(y)


def hinge_loss(scores, y, delta=1.0):
    rows = torch.arange(len(y))
    margins = (scores - scores[rows, y].unsqueeze(1) + delta).clamp_min(0)
    margins[rows, y] = 0
    dscores = (margins > 0).to(scores.dtype)
    dscores[rows, y] = -dscores.sum(dim=1)
    return margins.sum() / len(y), dscores / len(y)


def relu_layer_backward(x, w, b, d_h):
    d_a = d_h * (x @ w + b > 0)
    return d_a @ w.T, x.T @ d_a, d_a.sum(dim=0)



def test_reference_solutions_pass(capsys) -> None:
    for check, fn in ((check_softmax_cross_entropy, softmax_cross_entropy),
                      (check_hinge_loss, hinge_loss),
                      (check_relu_layer_backward, relu_layer_backward)):
        ok, out = verdict_of(check, fn, capsys)
        assert ok, out
        assert out.startswith("pass: ")


def test_the_loop_reference_agrees_with_autograd() -> None:
    gen = torch.Generator().manual_seed(3)
    scores = torch.randn(8, 5, generator=gen, dtype=torch.float64).requires_grad_()
    y = torch.randint(0, 5, (8,), generator=gen)
    loss, dscores = hinge_by_loops(scores.detach(), y)
    rows = torch.arange(8)
    margins = (scores - scores[rows, y].unsqueeze(1) + 1).clamp_min(0)
    auto_loss = (margins.sum() - len(y)) / len(y)  # minus each true class's own margin, 1
    (auto,) = torch.autograd.grad(auto_loss, scores)
    torch.testing.assert_close(loss, auto_loss.detach())
    torch.testing.assert_close(dscores, auto)


def test_skeleton_is_not_yet(capsys) -> None:
    def skeleton(scores, y):
        ...

    ok, out = verdict_of(check_softmax_cross_entropy, skeleton, capsys)
    assert not ok and out.startswith("not yet: softmax_cross_entropy: ")
    assert "returned None" in out


def test_softmax_without_the_division_by_n_is_named(capsys) -> None:
    def forgets_n(scores, y):
        loss, dscores = softmax_cross_entropy(scores, y)
        return loss, dscores * len(y)

    ok, out = verdict_of(check_softmax_cross_entropy, forgets_n, capsys)
    assert not ok and "divide by the number of rows" in out


def test_naive_softmax_fails_on_large_scores(capsys) -> None:
    def naive(scores, y):
        p = scores.exp() / scores.exp().sum(dim=1, keepdim=True)
        rows = torch.arange(len(y))
        dscores = p.clone()
        dscores[rows, y] -= 1
        return -p[rows, y].log().mean(), dscores / len(y)

    ok, out = verdict_of(check_softmax_cross_entropy, naive, capsys)
    assert not ok and "subtract each row's largest score" in out


def test_softmax_that_edits_its_input_is_named(capsys) -> None:
    def in_place(scores, y):
        scores -= scores.max(dim=1, keepdim=True).values
        return softmax_cross_entropy(scores, y)

    ok, out = verdict_of(check_softmax_cross_entropy, in_place, capsys)
    assert not ok and "changed the scores it was given" in out


def test_hinge_with_the_true_class_left_in_is_named(capsys) -> None:
    def keeps_true_class(scores, y, delta=1.0):
        rows = torch.arange(len(y))
        margins = (scores - scores[rows, y].unsqueeze(1) + delta).clamp_min(0)
        _, dscores = hinge_loss(scores, y, delta)
        return margins.sum() / len(y), dscores

    ok, out = verdict_of(check_hinge_loss, keeps_true_class, capsys)
    assert not ok and "larger by exactly delta" in out


def test_hinge_with_a_fixed_delta_fails(capsys) -> None:
    def ignores_delta(scores, y, delta=1.0):
        return hinge_loss(scores, y, 1.0)

    ok, out = verdict_of(check_hinge_loss, ignores_delta, capsys)
    assert not ok and "delta=0.5" in out


def test_layer_backward_without_the_relu_mask_is_named(capsys) -> None:
    def no_mask(x, w, b, d_h):
        return d_h @ w.T, x.T @ d_h, d_h.sum(dim=0)

    ok, out = verdict_of(check_relu_layer_backward, no_mask, capsys)
    assert not ok and "only where its input" in out
