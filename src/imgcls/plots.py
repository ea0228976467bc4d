"""Figures more than one chapter draws: image grids and confusion matrices."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch


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
    ax.imshow(cm, cmap="Blues")
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
        threshold = cm.max() / 2 if cm.size else 0
        for i, j in np.ndindex(cm.shape):
            ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if cm[i, j] > threshold else "black")
    return ax
