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
