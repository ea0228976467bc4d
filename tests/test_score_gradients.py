"""The two binary losses of chapters 3 and 5: hand-written gradients equal autograd's."""

import pytest
import torch

from imgcls import gradient_descent, score_gradients


def examples() -> tuple[torch.Tensor, torch.Tensor]:
    """Scores from confidently wrong to confidently right, for both targets, in float64."""
    scores = torch.linspace(-12, 12, 25, dtype=torch.float64)
    targets = (torch.arange(25) % 2).to(torch.float64)
    return scores, targets


@pytest.mark.parametrize("losses, by_hand", [
    (score_gradients.distance_losses, score_gradients.distance_gradients),
    (score_gradients.log_losses, score_gradients.log_gradients),
])
def test_hand_written_gradients_equal_autograd(losses, by_hand):
    scores, targets = examples()
    leaf = scores.clone().requires_grad_()
    (auto,) = torch.autograd.grad(losses(leaf, targets).sum(), leaf)
    torch.testing.assert_close(by_hand(scores, targets), auto, rtol=1e-12, atol=1e-15)


def test_losses_are_chapter_3s_averaged():
    scores, targets = examples()
    means = {"distance": score_gradients.distance_losses(scores, targets).mean(),
             "log": score_gradients.log_losses(scores, targets).mean()}
    torch.testing.assert_close(means["distance"],
                               gradient_descent.pixel_loss(scores, targets))
    torch.testing.assert_close(means["log"], gradient_descent.log_loss(scores, targets))


def test_confident_mistake_gets_almost_no_distance_gradient_but_a_full_log_gradient():
    wrong = torch.tensor([-10.0], dtype=torch.float64)  # a positive example scored very low
    target = torch.tensor([1.0], dtype=torch.float64)
    assert abs(score_gradients.distance_gradients(wrong, target).item()) < 1e-4
    assert score_gradients.log_gradients(wrong, target).item() == pytest.approx(-1.0, abs=1e-4)
    # and the log loss keeps growing with the mistake, where the distance loss stops at 1
    assert score_gradients.log_losses(wrong, target).item() == pytest.approx(10.0, abs=1e-3)
    assert score_gradients.distance_losses(wrong, target).item() < 1.0


def test_compare_has_one_column_per_quantity_of_equal_length():
    scores, targets = examples()
    table = score_gradients.compare(scores, targets)
    assert len(table) == 6 and {len(v) for v in table.values()} == {25}
