"""The four tasks of computer vision drawn on real photos: classification, localisation,
detection and segmentation.

The boxes and the outline below were drawn by hand for illustration (no model produced them);
their coordinates are fractions of the image's width and height, so they fit any resolution.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.path import Path
from PIL import Image

Box = tuple[float, float, float, float]  # left, top, right, bottom, as fractions

# drawn by hand on photos/cat.jpeg
CAT_BOX: Box = (0.165, 0.31, 0.90, 0.71)
CAT_OUTLINE: tuple[tuple[float, float], ...] = (
    (0.180, 0.318), (0.225, 0.356), (0.317, 0.351), (0.353, 0.322), (0.350, 0.389),
    (0.433, 0.411), (0.550, 0.400), (0.667, 0.433), (0.733, 0.478), (0.800, 0.478),
    (0.892, 0.471), (0.883, 0.533), (0.800, 0.567), (0.783, 0.644), (0.800, 0.693),
    (0.758, 0.707), (0.700, 0.667), (0.658, 0.689), (0.550, 0.662), (0.417, 0.667),
    (0.300, 0.671), (0.225, 0.667), (0.213, 0.633), (0.175, 0.600), (0.165, 0.456),
    (0.180, 0.389),
)
# drawn by hand on photos/campus/apples.jpeg: some of the apples, not all
APPLE_BOXES: tuple[Box, ...] = (
    (0.255, 0.140, 0.583, 0.700), (0.000, 0.110, 0.187, 0.729), (0.113, 0.525, 0.417, 0.743),
    (0.520, 0.131, 0.750, 0.490), (0.862, 0.058, 1.000, 0.408), (0.292, 0.000, 0.475, 0.160),
)


def to_pixels(box: Box, width: int, height: int) -> tuple[float, float, float, float]:
    """A fractional box as pixel coordinates (left, top, right, bottom)."""
    left, top, right, bottom = box
    return left * width, top * height, right * width, bottom * height


def polygon_mask(outline: Sequence[tuple[float, float]], width: int, height: int) -> np.ndarray:
    """A height x width boolean mask, True at pixels whose centre lies inside the outline."""
    ys, xs = np.mgrid[0:height, 0:width]
    centres = np.column_stack([(xs.ravel() + 0.5) / width, (ys.ravel() + 0.5) / height])
    return Path(np.asarray(outline)).contains_points(centres).reshape(height, width)


DISPLAY_WIDTH = 480


def _for_display(image: Image.Image) -> Image.Image:
    """A copy no wider than ``DISPLAY_WIDTH``, keeping the aspect ratio."""
    small = image.copy()
    small.thumbnail((DISPLAY_WIDTH, DISPLAY_WIDTH * 4))
    return small


def _box(ax: plt.Axes, box: Box, width: int, height: int, label: str, colour: str) -> None:
    left, top, right, bottom = to_pixels(box, width, height)
    ax.add_patch(Rectangle((left, top), right - left, bottom - top, fill=False,
                           edgecolor=colour, linewidth=2.5))
    ax.text(left + 4, top + 4, label, color="white", fontsize=8, va="top",
            bbox={"facecolor": colour, "edgecolor": "none", "pad": 1.5})


def plot_tasks(single: Image.Image, single_label: str, crowd: Image.Image, crowd_label: str,
               box: Box = CAT_BOX, outline: Sequence[tuple[float, float]] = CAT_OUTLINE,
               crowd_boxes: Sequence[Box] = APPLE_BOXES) -> plt.Figure:
    """Four panels: one label for the image, one box, a box per object, a mask per pixel.

    The photos are shown at most ``DISPLAY_WIDTH`` pixels wide, which is plenty for a panel.
    """
    single, crowd = _for_display(single), _for_display(crowd)
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.2))
    w, h = single.size
    for ax in axes:
        ax.axis("off")
    axes[0].imshow(single)
    axes[0].set_title(f'classification:\n"{single_label}"', fontsize=10)
    axes[1].imshow(single)
    _box(axes[1], box, w, h, single_label, "#C44E52")
    axes[1].set_title("localisation:\nclass and one box", fontsize=10)
    cw, ch = crowd.size
    axes[2].imshow(crowd)
    for b in crowd_boxes:
        _box(axes[2], b, cw, ch, crowd_label, "#4C72B0")
    axes[2].set_title("detection:\na box per object", fontsize=10)
    mask = polygon_mask(outline, w, h)
    overlay = np.zeros((h, w, 4))
    overlay[mask] = (0.30, 0.45, 0.69, 0.6)  # blue where the cat is
    axes[3].imshow(single)
    axes[3].imshow(overlay)
    axes[3].set_title("segmentation:\na class per pixel", fontsize=10)
    fig.tight_layout()
    return fig
