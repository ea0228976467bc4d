"""What the layers of a small network compute, for plotting: chapter 8 defines its CNNs on the
page (as ``nn.Sequential``) and looks at their feature maps with ``feature_maps``.
"""

from __future__ import annotations

import torch
from torch import nn


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
