"""Figures of the convolution chapter: small arrays drawn as grids with their numbers, so that
a reader can follow a convolution, a pooling or the convolution's matrix cell by cell."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch


def number_grid(ax: plt.Axes, array: torch.Tensor | np.ndarray, title: str = "",
                blocks: int | None = None,
                window: tuple[int, int, int, int] | None = None,
                fontsize: float = 8) -> plt.Axes:
    """Draw a 2-D ``array`` as shaded cells with each value written in it; ``blocks`` outlines
    the non-overlapping ``blocks`` x ``blocks`` squares (a pooling's windows), ``window``
    = (row, col, height, width) outlines one window (a kernel's position)."""
    values = np.asarray(array, dtype=float)
    image = ax.imshow(values, cmap="Blues")
    for (r, c), value in np.ndenumerate(values):
        dark = image.norm(value) > 0.6  # white numbers on dark cells, black on light ones
        ax.text(c, r, f"{value:.3g}", ha="center", va="center",
                color="white" if dark else "black", fontsize=fontsize)
    if blocks:
        for r in range(0, values.shape[0] - blocks + 1, blocks):
            for c in range(0, values.shape[1] - blocks + 1, blocks):
                ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), blocks, blocks, fill=False,
                                           edgecolor="tab:orange", linewidth=2))
    if window:
        row, col, height, width = window
        ax.add_patch(plt.Rectangle((col - 0.5, row - 0.5), width, height, fill=False,
                                   edgecolor="tab:orange", linewidth=2))
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def receptive_field_squares(image: torch.Tensor, fields: list[tuple[str, int, int]],
                            centre: int) -> plt.Figure:
    """An H x W ``image`` with one square per layer of ``fields`` (``receptive_field``'s rows),
    all centred on pixel (``centre``, ``centre``): how much of the image a unit sees."""
    fig, ax = plt.subplots(figsize=(3.6, 3.6))
    ax.imshow(np.asarray(image), cmap="gray")
    colours = plt.cm.autumn(np.linspace(0, 0.8, len(fields)))
    for (name, side, _), colour in zip(fields, colours, strict=True):
        corner = centre - side / 2 - 0.5
        ax.add_patch(plt.Rectangle((corner, corner), side, side, fill=False, edgecolor=colour,
                                   linewidth=2, label=f"{name}: {side} px"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8)
    ax.axis("off")
    return fig
