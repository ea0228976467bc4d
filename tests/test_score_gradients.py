"""The losses of chapters 3 and 5: hand-written gradients per score equal autograd's."""

import pytest
import torch

from imgcls import gradient_descent, score_gradients


def binary_examples() -> tuple[torch.Tensor, torch.Tensor]:
    """Scores from confidently wrong to confidently right, for both targets, in float64."""
    scores = torch.linspace(-12, 12, 25, dtype=torch.float64)
    targets = (torch.arange(25) % 2).to(torch.float64)
    return scores, targets


@pytest.mark.parametrize("loss, by_hand", [
    (gradient_descent.pixel_loss, score_gradients.distance_gradients),
    (gradient_descent.log_loss, score_gradients.log_gradients),
])
def test_binary_gradients_equal_autograd_of_chapter_3s_losses(loss, by_hand):
    scores, targets = binary_examples()
    auto = gradient_descent.per_image_gradients(loss, scores, targets)
    torch.testing.assert_close(by_hand(scores, targets), auto, rtol=1e-12, atol=1e-15)


def test_confident_mistake_gets_almost_no_distance_gradient_but_a_full_log_gradient():
    wrong = torch.tensor([-10.0], dtype=torch.float64)  # a positive example scored very low
    target = torch.tensor([1.0], dtype=torch.float64)
    assert abs(score_gradients.distance_gradients(wrong, target).item()) < 1e-4
    assert score_gradients.log_gradients(wrong, target).item() == pytest.approx(-1.0, abs=1e-4)


@pytest.mark.parametrize("loss, by_hand", [
    (lambda s, y: -s.log_softmax(dim=1)[torch.arange(len(y)), y],
     score_gradients.cross_entropy_gradients),
    (lambda s, y: 1 - s.softmax(dim=1)[torch.arange(len(y)), y],
     score_gradients.probability_gap_gradients),
])
def test_multiclass_gradients_equal_autograd(loss, by_hand):
    gen = torch.Generator().manual_seed(0)
    scores = 4 * torch.randn(12, 5, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, 5, (12,), generator=gen)
    leaf = scores.clone().requires_grad_()
    (auto,) = torch.autograd.grad(loss(leaf, labels).sum(), leaf)
    torch.testing.assert_close(by_hand(scores, labels), auto, rtol=1e-12, atol=1e-15)


def test_probability_gap_gradient_is_cross_entropy_scaled_by_p_true():
    scores = torch.tensor([[9.0, 0.0, 0.0], [0.0, 0.0, 9.0]], dtype=torch.float64)
    labels = torch.tensor([1, 2])  # the first confidently wrong, the second confidently right
    ce = score_gradients.cross_entropy_gradients(scores, labels)
    gap = score_gradients.probability_gap_gradients(scores, labels)
    assert ce[0].norm() > 1.0 and gap[0].norm() < 1e-3 * ce[0].norm()
    p_true = scores.softmax(dim=1)[torch.arange(2), labels]
    torch.testing.assert_close(gap, p_true.unsqueeze(1) * ce)
