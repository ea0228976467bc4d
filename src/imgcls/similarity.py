"""Pixel similarity: classify a digit by its distance to the mean image of each class.

Chapter 2 writes the mean image, the distances, ``is_3`` and the accuracy out on its page;
chapter 3 imports them from here to compare its learned model with the same baselines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

Distance = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def mean_image(stack: torch.Tensor) -> torch.Tensor:
    """The per-pixel mean of a stack of images (N x H x W -> H x W): the class's "ideal" image."""
    return stack.mean(dim=0)


def l1_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference over the last two (pixel) axes; broadcasts over leading axes."""
    return (a - b).abs().mean(dim=(-2, -1))


def l2_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Root mean squared difference over the last two (pixel) axes; broadcasts over leading axes."""
    return ((a - b) ** 2).mean(dim=(-2, -1)).sqrt()


def l1_distance_loop(stack: torch.Tensor, ideal: torch.Tensor) -> torch.Tensor:
    """The L1 distance of every image in ``stack`` to ``ideal``, one image at a time.

    The slow, obvious version, kept to show (and test) that broadcasting computes the same.
    """
    return torch.stack([F.l1_loss(image, ideal) for image in stack])


def is_3(x: torch.Tensor, ideal_3: torch.Tensor, ideal_7: torch.Tensor,
         distance: Distance = l1_distance) -> torch.Tensor:
    """True where an image (or each image of a stack) is closer to the ideal 3 than the ideal 7."""
    return distance(x, ideal_3) < distance(x, ideal_7)


@dataclass(frozen=True)
class ClassAccuracy:
    """Validation accuracy of a 3-vs-7 classifier on the 3s, on the 7s, and their mean."""

    threes: float
    sevens: float

    @property
    def mean(self) -> float:
        return (self.threes + self.sevens) / 2


def class_accuracy(predict_3: Callable[[torch.Tensor], torch.Tensor],
                   valid_3: torch.Tensor, valid_7: torch.Tensor) -> ClassAccuracy:
    """Score ``predict_3`` (a stack -> booleans "is a 3") on the validation 3s and 7s."""
    threes = predict_3(valid_3).float().mean().item()
    sevens = (~predict_3(valid_7)).float().mean().item()
    return ClassAccuracy(threes, sevens)


def overall_accuracy(predict_3: Callable[[torch.Tensor], torch.Tensor],
                     valid_3: torch.Tensor, valid_7: torch.Tensor) -> float:
    """The fraction of all validation images, 3s and 7s pooled, that ``predict_3`` gets right.

    This is how a trained model's accuracy is counted, so the two can be compared like for like.
    """
    right = predict_3(valid_3).sum() + (~predict_3(valid_7)).sum()
    return (right / (len(valid_3) + len(valid_7))).item()
