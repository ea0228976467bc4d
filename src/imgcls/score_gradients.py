"""Why cross-entropy replaced chapter 3's loss: the losses' gradients per score, written by hand.

With p = sigmoid(s) and a target t in {0, 1}, chapter 3's loss |t - p| (1 - p for a positive
example, p for a negative one) has the gradient (1 - 2t) p (1 - p), which vanishes on a
confident mistake as on a confident success; the log loss has the gradient p - t, near +-1 on a
confident mistake (``imgcls.gradient_descent`` holds both losses). With k classes and
p = softmax(s), the same pair is 1 - p_y, with the gradient p_y (p - onehot(y)), against
cross-entropy -log p_y, with p - onehot(y). The tests check every one against autograd.
"""

from __future__ import annotations

import torch


def distance_gradients(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """d |t - sigmoid(s)| / d s per example, by hand: (1 - 2t) p (1 - p)."""
    p = scores.sigmoid()
    return (1 - 2 * targets.to(scores.dtype)) * p * (1 - p)


def log_gradients(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """d(log loss) / d s per example, by hand: p - t."""
    return scores.sigmoid() - targets.to(scores.dtype)


def cross_entropy_gradients(scores: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """d(-log p_y) / d scores per example (rows), by hand: p - onehot(y)."""
    grad = scores.softmax(dim=1)
    grad[torch.arange(len(labels)), labels] -= 1
    return grad


def probability_gap_gradients(scores: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """d(1 - p_y) / d scores per example, by hand: p_y (p - onehot(y)), cross-entropy's gradient
    scaled by the probability of the true class, so it fades on a confident mistake."""
    p_true = scores.softmax(dim=1)[torch.arange(len(labels)), labels]
    return p_true.unsqueeze(1) * cross_entropy_gradients(scores, labels)
