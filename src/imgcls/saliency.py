"""Where a classifier looks: Grad-CAM with forward and backward hooks, occlusion maps, and a
figure that lays the maps over their images.

Chapter 11 writes ``grad_cam`` out on its page (the code here is the same, kept for other
chapters and for the test against Captum's implementation); ``occlusion`` is the second opinion
the chapter uses beside it. Both work for any image classifier, e.g. a frozen feature extractor
followed by a linear layer wrapped in ``nn.Sequential``.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn


def target_layer(model: nn.Module) -> nn.Module:
    """The last convolutional block of a torchvision ResNet, DenseNet or MobileNet, whose output
    feeds the pooling before the classifier: Grad-CAM's usual layer."""
    if hasattr(model, "layer4"):
        return model.layer4
    features = getattr(model, "features", None)
    if isinstance(features, nn.Sequential):
        # DenseNet's features end with its last norm; MobileNet's with a 1x1 convolution block
        return features if hasattr(features, "norm5") else features[-1]
    raise TypeError(f"no known last convolutional block in {type(model).__name__}")


def grad_cam(model: nn.Module, layer: nn.Module, x: torch.Tensor,
             target: torch.Tensor | int) -> torch.Tensor:
    """Grad-CAM maps (N x h x w) of class ``target`` at ``layer``'s output, for a batch ``x``.

    A forward hook keeps the layer's activations A (N x K x h x w), a backward hook the gradient
    of the target score with respect to them; each channel k is weighted by its gradient's mean
    over the map, and the map is relu(sum_k w_k A_k). The model is put in eval mode.
    """
    saved = {}

    def keep_activations(module, inputs, output):
        saved["act"] = output

    def keep_gradient(module, grad_in, grad_out):
        saved["grad"] = grad_out[0]

    hooks = [layer.register_forward_hook(keep_activations),
             layer.register_full_backward_hook(keep_gradient)]
    try:
        model.eval()
        with torch.enable_grad():
            scores = model(x.detach().requires_grad_(True))
            target = torch.as_tensor(target, device=scores.device).expand(len(x))
            scores.gather(1, target[:, None]).sum().backward()
    finally:
        for hook in hooks:
            hook.remove()
    weights = saved["grad"].mean(dim=(2, 3), keepdim=True)
    return (weights * saved["act"]).sum(dim=1).relu().detach()


@torch.no_grad()
def occlusion(model: nn.Module, x: torch.Tensor, target: torch.Tensor | int, patch: int,
              stride: int, fill: float = 0.0, batch_size: int = 64) -> torch.Tensor:
    """How much the probability of class ``target`` drops when a ``patch`` x ``patch`` square at
    each position of a grid (step ``stride``) is painted with ``fill``: N x rows x cols.

    ``x`` is the network's input batch (normalised, so ``fill=0`` paints the mean colour of the
    pretraining images). Positive values mark regions the prediction relies on.
    """
    model.eval()
    n, _, height, width = x.shape
    tops = range(0, height - patch + 1, stride)
    lefts = range(0, width - patch + 1, stride)
    target = torch.as_tensor(target, device=x.device).expand(n)
    base = model(x).softmax(1).gather(1, target[:, None])[:, 0]
    drops = torch.empty(n, len(tops), len(lefts), device=x.device)
    for i in range(n):
        copies = x[i].repeat(len(tops) * len(lefts), 1, 1, 1)
        for k, (top, left) in enumerate((t, left) for t in tops for left in lefts):
            copies[k, :, top:top + patch, left:left + patch] = fill
        probs = torch.cat([model(chunk).softmax(1)[:, int(target[i])]
                           for chunk in copies.split(batch_size)])
        drops[i] = (base[i] - probs).view(len(tops), len(lefts))
    return drops


def upsample(maps: torch.Tensor, size: int) -> torch.Tensor:
    """Maps (N x h x w) resized to ``size`` x ``size`` (bilinear) and scaled to [0, 1] each,
    for drawing over images; a map with no positive value becomes all zeros."""
    big = F.interpolate(maps[:, None].float(), size=(size, size), mode="bilinear",
                        align_corners=False)[:, 0].clamp(min=0)
    top = big.flatten(1).max(1).values.clamp(min=1e-12)
    return big / top[:, None, None]


def show_maps(images: torch.Tensor, maps: dict[str, torch.Tensor], titles: Sequence[str],
              size: float = 1.5, alpha: float = 0.55) -> plt.Figure:
    """One column per image (uint8, N x 3 x H x W): the image, then each map of ``maps`` (name:
    N x h x w) drawn over it, scaled to [0, 1] per image, with the name on the row."""
    n, side = len(images), images.shape[-1]
    rows = 1 + len(maps)
    fig, axes = plt.subplots(rows, n, figsize=(size * n + 1.2, size * rows + 0.5), squeeze=False)
    pictures = images.permute(0, 2, 3, 1).cpu().numpy()
    layers = {name: upsample(m.cpu(), side).numpy() for name, m in maps.items()}
    for j in range(n):
        axes[0, j].imshow(pictures[j])
        axes[0, j].set_title(titles[j], fontsize=8)
        for r, name in enumerate(layers, start=1):
            axes[r, j].imshow(pictures[j])
            axes[r, j].imshow(layers[name][j], cmap="jet", alpha=alpha, vmin=0, vmax=1)
    for r, name in enumerate(["image", *layers]):
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig
