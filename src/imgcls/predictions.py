"""What a pretrained classifier says about single photos: its top classes, table and figure,
the probability it gives whole groups of classes, and photos that hold two objects at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd
import torch
from PIL import Image, ImageOps

from imgcls.models.backbones import Backbone, top_classes

# ImageNet-1k class indices (torchvision's order) of the groups chapter 10 adds up: the five
# domestic cats (tabby ... Egyptian cat) and the 118 dog breeds (Chihuahua ... Mexican hairless).
IMAGENET_GROUPS = {"domestic cat": range(281, 286), "dog": range(151, 269)}

# What each campus photo shows, as the ImageNet-1k classes a person would accept as its label
# (chosen by looking at the photos; generous rather than strict). Chapter 10 calls any other
# top class wrong. The Nitobe garden ("UBC-fall") is a pond with a stone lantern; the apples are
# red ones in bushel baskets, and ImageNet's one apple class is the green Granny Smith; no class
# names a rose bed, a clock tower or the UBC letters.
CAMPUS_SUBJECTS: dict[str, tuple[str, ...]] = {
    "UBC-Clock-Tower": ("analog clock", "wall clock", "bell cote"),
    "UBC-fall": ("lakeside",),
    "UBC-fountain": ("fountain",),
    "UBC-totem-pole": ("totem pole",),
    "UBC-wreck-beach": ("seashore", "sandbar", "promontory"),
    "UBC_rose_garden": (),
    "apples": ("Granny Smith", "hamper"),
    "ubc_pic": (),
}

# ILSVRC-2012's training set, the "ImageNet" of pretrained classifiers (Russakovsky et al. 2015).
IMAGENET_TRAIN_IMAGES = 1_281_167


def top_table(backbone: Backbone, photos: Mapping[str, Image.Image], names: Sequence[str],
              k: int = 4) -> pd.DataFrame:
    """One row per photo: its ``k`` most probable classes as 'class (probability)'."""
    rows = {name: [f"{c} ({p:.3f})" for c, p in top_classes(backbone, photos[name], k)]
            for name in names}
    return pd.DataFrame.from_dict(rows, orient="index",
                                  columns=[f"top {i + 1}" for i in range(k)])


def plot_top(backbone: Backbone, photos: Mapping[str, Image.Image], names: Sequence[str],
             k: int = 4, ncols: int = 4) -> plt.Figure:
    """Each photo above a bar chart of its ``k`` most probable classes (probabilities 0 to 1)."""
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(2 * nrows, ncols, figsize=(3.2 * ncols, 5.2 * nrows),
                             gridspec_kw={"height_ratios": [3, 2] * nrows}, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, name in enumerate(names):
        row, col = 2 * (i // ncols), i % ncols
        top = top_classes(backbone, photos[name], k)
        axes[row, col].imshow(photos[name])
        axes[row, col].set_title(name, fontsize=9)
        bars = axes[row + 1, col]
        bars.axis("on")
        bars.barh([c[:22] for c, _ in top][::-1], [p for _, p in top][::-1], color="tab:blue")
        bars.set_xlim(0, 1)
        bars.tick_params(labelsize=8)
    fig.tight_layout()
    return fig


@torch.no_grad()
def group_probabilities(backbone: Backbone, image: Image.Image,
                        groups: Mapping[str, Sequence[int]] = IMAGENET_GROUPS) -> dict[str, float]:
    """The total probability the network gives each group of class indices (e.g. all dogs)."""
    probs = backbone.model(backbone.transforms(image).unsqueeze(0)).softmax(dim=1)[0]
    return {name: float(probs[list(indices)].sum()) for name, indices in groups.items()}


def side_by_side(left: Image.Image, right: Image.Image, size: int = 448,
                 fill: tuple[int, int, int] = (128, 128, 128)) -> Image.Image:
    """One square photo holding two: each centre-cropped to a square of half the side, on a grey
    canvas, so that a network's centre crop keeps both objects."""
    half = size // 2
    canvas = Image.new("RGB", (size, size), fill)
    for i, photo in enumerate((left, right)):
        square = ImageOps.fit(photo.convert("RGB"), (half, half), Image.Resampling.BILINEAR)
        canvas.paste(square, (i * half, (size - half) // 2))
    return canvas
