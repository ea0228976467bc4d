"""The small networks trained from scratch on 28 x 28 grey images: logistic regression, a minimal
CNN and a deeper CNN with max pooling, plus a helper to look at what each layer computes.
"""

from __future__ import annotations

import torch
from torch import nn


def logistic_regression(num_classes: int, side: int = 28, channels: int = 1) -> nn.Sequential:
    """Multinomial logistic regression on raw pixels: flatten, then one linear layer."""
    return nn.Sequential(nn.Flatten(), nn.Linear(channels * side * side, num_classes))


def minimal_cnn(num_classes: int, filters: int = 8, kernel_size: int = 5,
                side: int = 28) -> nn.Sequential:
    """One layer of learnable kernels, a ReLU, then a linear classifier on the feature maps."""
    out_side = side - kernel_size + 1
    return nn.Sequential(
        nn.Conv2d(1, filters, kernel_size),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(filters * out_side * out_side, num_classes),
    )


def deeper_cnn(num_classes: int, filters: tuple[int, int] = (16, 32), hidden: int = 128,
               side: int = 28) -> nn.Sequential:
    """Two conv-ReLU-max-pool stages (each halves the side), then a small fully connected head."""
    f1, f2 = filters
    return nn.Sequential(
        nn.Conv2d(1, f1, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(f1, f2, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(f2 * (side // 4) ** 2, hidden),
        nn.ReLU(),
        nn.Linear(hidden, num_classes),
    )


def feature_maps(model: nn.Sequential, image: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
    """The output of every layer of ``model`` up to the first ``Flatten``, for one image
    (1 x H x W): a list of (layer description, C x H' x W' tensor on the CPU).
    """
    maps = []
    x = image.unsqueeze(0).to(next(model.parameters()).device)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for i, layer in enumerate(model):
            if isinstance(layer, nn.Flatten):
                break
            x = layer(x)
            maps.append((f"{i}: {layer.__class__.__name__}", x[0].cpu()))
    model.train(was_training)
    return maps
