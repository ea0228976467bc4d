"""Helpers of chapter 1 (images are tensors): pixel tables, channel plots, reading a photo, and
undoing the normalisation of pretrained weights (which chapter 1 writes out on its page).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
import torch
from PIL import Image
from torchvision.transforms.functional import pil_to_tensor

from imgcls.plots import text_colour_on


def pixel_table(image: torch.Tensor, rows: slice, cols: slice, cmap: str = "Greys"):
    """A pandas Styler of ``image[rows, cols]`` (H x W), shaded like the pixels it lists; each
    number in black or white, whichever contrasts more with its cell (pandas' own choice, light
    grey text, fell under WCAG's 4.5:1 on middle greys)."""
    part = image[rows, cols]
    index = range(*rows.indices(image.shape[0]))
    columns = range(*cols.indices(image.shape[1]))
    frame = pd.DataFrame(part.numpy(), index=list(index), columns=list(columns))
    shade = plt.get_cmap(cmap)
    return (frame.style.background_gradient(cmap=cmap, axis=None, vmin=0, vmax=255)
            .map(lambda v: f"color: {text_colour_on(shade(v / 255)[:3])}")
            .set_properties(**{"font-size": "7pt", "text-align": "center"})
            .set_table_styles([{"selector": "th", "props": [("font-size", "7pt")]}]))


def show_channels(image: torch.Tensor, title: str = "") -> plt.Figure:
    """An RGB image (3 x H x W, uint8) beside its red, green and blue channels."""
    fig, axes = plt.subplots(1, 4, figsize=(11, 3))
    axes[0].imshow(image.permute(1, 2, 0).numpy())
    axes[0].set_title(title or "RGB image")
    for ax, channel, name, cmap in zip(axes[1:], image, ("red", "green", "blue"),
                                       ("Reds_r", "Greens_r", "Blues_r"), strict=True):
        ax.imshow(channel.numpy(), cmap=cmap, vmin=0, vmax=255)
        ax.set_title(f"{name} channel ({channel.shape[0]} x {channel.shape[1]})")
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig


def unnormalize(x: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """Undo ``Normalize(mean, std)`` on a C x H x W (or N x C x H x W) tensor, clipped to [0, 1].

    Chapter 1 writes this out on its page (multiply by the std, add the mean); later pages that
    show a normalised image may call it.
    """
    shape = (-1, 1, 1)
    mean_t = torch.tensor(mean, dtype=x.dtype).view(shape)
    std_t = torch.tensor(std, dtype=x.dtype).view(shape)
    return (x * std_t + mean_t).clamp(0, 1)


def read_rgb(path) -> torch.Tensor:
    """An image file as a 3 x H x W uint8 tensor (the file is closed again at once)."""
    with Image.open(path) as im:
        return pil_to_tensor(im.convert("RGB"))
