"""Why cross-entropy replaced chapter 3's loss: both binary losses and their gradients per score.

With p = sigmoid(s) and a target t in {0, 1}, chapter 3's distance loss |t - p| has the gradient
(1 - 2t) p (1 - p), which vanishes on a confident mistake as it does on a confident success; the
log loss -log p (t = 1) or -log(1 - p) (t = 0) has the gradient p - t, near +-1 on a confident
mistake. Both are written by hand here; the tests compare them with autograd.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def distance_losses(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Chapter 3's loss per example: 1 - sigmoid(s) for target 1, sigmoid(s) for target 0."""
    p = scores.sigmoid()
    return torch.where(targets == 1, 1 - p, p)


def log_losses(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The log loss (binary cross-entropy) per example, computed stably from the scores."""
    return F.binary_cross_entropy_with_logits(scores, targets.to(scores.dtype), reduction="none")


def distance_gradients(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """d distance_loss / d s per example, by hand: (1 - 2t) p (1 - p)."""
    p = scores.sigmoid()
    return (1 - 2 * targets.to(scores.dtype)) * p * (1 - p)


def log_gradients(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """d log_loss / d s per example, by hand: p - t."""
    return scores.sigmoid() - targets.to(scores.dtype)


def compare(scores: torch.Tensor, targets: torch.Tensor) -> dict[str, torch.Tensor]:
    """Probability, both losses and both gradients for the same examples, one entry per column."""
    return {
        "score s": scores,
        "p = sigmoid(s)": scores.sigmoid(),
        "distance loss": distance_losses(scores, targets),
        "distance-loss gradient": distance_gradients(scores, targets),
        "log loss": log_losses(scores, targets),
        "log-loss gradient": log_gradients(scores, targets),
    }
