"""Figures more than one chapter draws: image grids and confusion matrices; readable colours.

Colours a reader must tell apart come from Okabe and Ito's palette, which people with the
common colour-vision deficiencies can still distinguish (``class_colours``); text drawn on a
coloured cell takes black or white, whichever contrasts more with that cell
(``text_colour_on``), so that a count in a confusion matrix stays readable (WCAG's 4.5:1).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.colors import to_hex, to_rgb

# Okabe & Ito (2008), "Color Universal Design": black first, then the colours in an order that
# keeps the first ones at 3:1 or more against white (lines and markers, WCAG 1.4.11)
OKABE_ITO = ("#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
             "#F0E442")


def class_colours(k: int) -> list[str]:
    """``k`` colours for classes, colour-blind safe up to 8; beyond, viridis's evenly spaced."""
    if k <= len(OKABE_ITO):
        return list(OKABE_ITO[:k])
    return [to_hex(c) for c in plt.get_cmap("viridis")(np.linspace(0, 1, k))]


def _luminance(colour) -> float:
    """WCAG's relative luminance of a colour."""
    channels = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
                for c in to_rgb(colour)]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast(a, b) -> float:
    """WCAG's contrast ratio of two colours, 1 (same) to 21 (black on white)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour_on(background) -> str:
    """Black or white, whichever reads better on ``background``."""
    return "black" if contrast("black", background) >= contrast("white", background) else "white"


def _as_hwc(image) -> np.ndarray:
    """A displayable H x W (grey) or H x W x 3 array from a tensor or array (C x H x W or H x W)."""
    a = image.detach().cpu().numpy() if isinstance(image, torch.Tensor) else np.asarray(image)
    if a.ndim == 3 and a.shape[0] in (1, 3):
        a = a.transpose(1, 2, 0)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    return a


def show_images(images: Sequence, titles: Sequence[str] | None = None, ncols: int = 8,
                size: float = 1.6, cmap: str = "gray") -> plt.Figure:
    """A grid of images with optional titles; floats are shown as they are, in [0, 1]."""
    n = len(images)
    ncols = min(ncols, n)
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, (ax, image) in enumerate(zip(axes.flat, images, strict=False)):
        a = _as_hwc(image)
        ax.imshow(a, cmap=cmap if a.ndim == 2 else None)
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(cm, labels: Sequence[str], ax=None, title: str = "") -> plt.Axes:
    """A confusion matrix (rows: true class, columns: predicted) with counts in the cells."""
    cm = np.asarray(cm)
    if ax is None:
        side = max(4.0, 0.35 * len(labels) + 2)
        _, ax = plt.subplots(figsize=(side, side))
    image = ax.imshow(cm, cmap="Blues")
    ticks = np.arange(len(labels))
    # many classes: upright labels; a few long names (CIFAR-10's, STL-10's): slanted ones
    longest = max((len(str(label)) for label in labels), default=0)
    if len(labels) > 10:
        ax.set_xticks(ticks, labels, rotation=90)
    elif longest * len(labels) > 40:
        ax.set_xticks(ticks, labels, rotation=45, ha="right", rotation_mode="anchor")
    else:
        ax.set_xticks(ticks, labels)
    ax.set_yticks(ticks, labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    if len(labels) <= 12:
        for i, j in np.ndindex(cm.shape):
            cell = image.cmap(image.norm(cm[i, j]))
            ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=8,
                    color=text_colour_on(cell[:3]))
    return ax
