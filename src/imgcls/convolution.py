"""Convolution written out by hand, and the hand-made edge kernels the book applies to images.

PyTorch's ``conv2d`` computes a cross-correlation (the kernel is not flipped); ``slide_kernel``
does exactly the same, one output pixel at a time, so the two can be compared.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def window_product(image: torch.Tensor, kernel: torch.Tensor, row: int,
                   col: int) -> torch.Tensor:
    """The element-wise product of ``kernel`` with the window of ``image`` whose top-left corner
    is (``row``, ``col``); its sum is one output pixel of the convolution.
    """
    kh, kw = kernel.shape
    return image[row:row + kh, col:col + kw] * kernel


def slide_kernel(image: torch.Tensor, kernel: torch.Tensor) -> torch.Tensor:
    """Slide ``kernel`` (kh x kw) over ``image`` (H x W) with stride 1 and no padding.

    The result has shape (H - kh + 1) x (W - kw + 1) and equals ``F.conv2d`` on the same inputs.
    """
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("slide_kernel takes one 2-D image and one 2-D kernel")
    kh, kw = kernel.shape
    out_h, out_w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(f"a {kh} x {kw} kernel does not fit in a {tuple(image.shape)} image")
    out = torch.empty(out_h, out_w, dtype=torch.result_type(image, kernel))
    for r in range(out_h):
        for c in range(out_w):
            out[r, c] = window_product(image, kernel, r, c).sum()
    return out


def edge_kernels(size: int = 5) -> dict[str, torch.Tensor]:
    """Hand-made ``size`` x ``size`` kernels that respond to vertical, horizontal and diagonal
    edges: -1 on one side of the line, +1 on the other, 0 on it; each sums to zero, so a flat
    region gives 0.
    """
    idx = torch.arange(size) - size // 2
    rows, cols = torch.meshgrid(idx, idx, indexing="ij")
    return {
        "vertical": torch.sign(cols).float(),
        "horizontal": torch.sign(rows).float(),
        "diagonal ↘": torch.sign(cols - rows).float(),
        "diagonal ↗": torch.sign(cols + rows).float(),
    }


def apply_kernels(images: torch.Tensor, kernels: dict[str, torch.Tensor]) -> torch.Tensor:
    """Every kernel applied to every image (N x 1 x H x W) with ``F.conv2d``: N x K x H' x W'."""
    weight = torch.stack(list(kernels.values())).unsqueeze(1).to(images)
    return F.conv2d(images, weight)
