"""Small metrics shared by the chapters."""

from __future__ import annotations

import torch


def accuracy(predictions: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of ``predictions`` (class indices, or scores of shape N x C) equal to ``labels``."""
    if predictions.ndim == 2:
        predictions = predictions.argmax(dim=1)
    return (predictions.cpu() == labels.cpu()).float().mean().item()


def confusion_matrix(predictions: torch.Tensor, labels: torch.Tensor,
                     num_classes: int) -> torch.Tensor:
    """Counts ``C[i, j]`` of examples of true class i predicted as class j."""
    index = labels.cpu().long() * num_classes + predictions.cpu().long()
    return torch.bincount(index, minlength=num_classes**2).reshape(num_classes, num_classes)
