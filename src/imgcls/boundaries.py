"""Decision regions of a k-nearest-neighbour classifier on 2-D points, under L1 or L2 distance."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.colors import ListedColormap

from imgcls import knn

COLOURS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3")


def toy_points(per_class: int = 12, num_classes: int = 3,
               seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded 2-D blobs in the unit square, ``per_class`` points around each of a few centres."""
    gen = torch.Generator().manual_seed(seed)
    centres = torch.rand(num_classes, 2, generator=gen) * 0.6 + 0.2
    points = centres.repeat_interleave(per_class, 0)
    points = points + 0.13 * torch.randn(len(points), 2, generator=gen)
    labels = torch.arange(num_classes).repeat_interleave(per_class)
    return points.clamp(0, 1), labels


def region_labels(points: torch.Tensor, labels: torch.Tensor, k: int, p: float,
                  resolution: int = 200) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    """Grid coordinates over the unit square and the k-NN label (Lp distance) at each of them."""
    xs = torch.linspace(0, 1, resolution, dtype=torch.float64)
    gx, gy = torch.meshgrid(xs, xs, indexing="xy")
    grid = torch.stack([gx.flatten(), gy.flatten()], dim=1)
    dists = torch.cdist(grid, points.double(), p=p)
    pred = knn.predict(dists, labels, k, int(labels.max()) + 1)
    return gx.numpy(), gy.numpy(), pred.reshape(resolution, resolution)


def plot_regions(ax: plt.Axes, points: torch.Tensor, labels: torch.Tensor, k: int, p: float,
                 resolution: int = 200) -> plt.Axes:
    """Shade the k-NN decision regions under the Lp distance and draw the training points."""
    num_classes = int(labels.max()) + 1
    colours = COLOURS[:num_classes]
    gx, gy, regions = region_labels(points, labels, k, p, resolution)
    ax.pcolormesh(gx, gy, regions.numpy(), cmap=ListedColormap(colours), alpha=0.35,
                  shading="auto", vmin=-0.5, vmax=num_classes - 0.5)
    ax.scatter(points[:, 0], points[:, 1], c=[colours[i] for i in labels.tolist()],
               edgecolors="black", linewidths=0.6, s=28)
    ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal", xticks=[], yticks=[])
    ax.set_title(f"{'L1' if p == 1 else 'L2'} distance, k = {k}", fontsize=10)
    return ax


def plot_linear_regions(ax: plt.Axes, w: torch.Tensor, b: torch.Tensor, points: torch.Tensor,
                        labels: torch.Tensor, resolution: int = 200) -> plt.Axes:
    """Shade the argmax regions of the scores x @ w + b over the unit square and draw, for each
    class, the line where its score is zero with an arrow along w (the side it scores positive)."""
    num_classes = w.shape[1]
    colours = COLOURS[:num_classes]
    xs = torch.linspace(0, 1, resolution, dtype=w.dtype)
    gx, gy = torch.meshgrid(xs, xs, indexing="xy")
    grid = torch.stack([gx.flatten(), gy.flatten()], dim=1)
    regions = (grid @ w + b).argmax(dim=1).reshape(resolution, resolution)
    ax.pcolormesh(gx.numpy(), gy.numpy(), regions.numpy(), cmap=ListedColormap(colours),
                  alpha=0.3, shading="auto", vmin=-0.5, vmax=num_classes - 0.5)
    t = np.linspace(-2, 3, 2)
    for c in range(num_classes):
        wc, bc = w[:, c].tolist(), float(b[c])
        norm2 = wc[0] ** 2 + wc[1] ** 2
        base = (-bc * wc[0] / norm2, -bc * wc[1] / norm2)  # the point of the line nearest 0
        direction = (-wc[1], wc[0])
        ax.plot(base[0] + t * direction[0] / norm2**0.5, base[1] + t * direction[1] / norm2**0.5,
                color=colours[c], linewidth=2)
        # an arrow from the line's point nearest the centre of the square, along w
        s = ((0.5 - base[0]) * direction[0] + (0.5 - base[1]) * direction[1]) / norm2
        start = (base[0] + s * direction[0], base[1] + s * direction[1])
        ax.annotate("", xy=(start[0] + 0.12 * wc[0] / norm2**0.5,
                            start[1] + 0.12 * wc[1] / norm2**0.5),
                    xytext=start, arrowprops={"arrowstyle": "->", "color": colours[c], "lw": 2})
    ax.scatter(points[:, 0], points[:, 1], c=[colours[i] for i in labels.tolist()],
               edgecolors="black", linewidths=0.6, s=28)
    ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal", xticks=[], yticks=[])
    return ax
