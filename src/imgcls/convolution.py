"""Convolution written out by hand, its arithmetic (output sizes, receptive fields, the matrix
it multiplies by), pooling, and the hand-made edge kernels the book applies to images.

PyTorch's ``conv2d`` computes a cross-correlation (the kernel is not flipped); the functions
here do exactly the same, one output pixel at a time, so the two can be compared.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """The output side of a convolution or pooling window over ``size`` pixels:
    floor((size + 2 padding - kernel) / stride) + 1.
    """
    if min(size, kernel, stride) < 1 or padding < 0:
        raise ValueError("size, kernel and stride must be positive and padding non-negative, "
                         f"got size={size}, kernel={kernel}, stride={stride}, padding={padding}")
    span = size + 2 * padding - kernel
    if span < 0:
        raise ValueError(f"a kernel of {kernel} does not fit in {size} pixels padded by "
                         f"{padding} on each side")
    return span // stride + 1


def window_product(image: torch.Tensor, kernel: torch.Tensor, row: int,
                   col: int) -> torch.Tensor:
    """The element-wise product of ``kernel`` with the window of ``image`` whose top-left corner
    is (``row``, ``col``); its sum is one output pixel of the convolution. Works on one channel
    (H x W with a kh x kw kernel) or several (C x H x W with a C x kh x kw kernel).
    """
    kh, kw = kernel.shape[-2:]
    return image[..., row:row + kh, col:col + kw] * kernel


def slide_kernel(image: torch.Tensor, kernel: torch.Tensor, stride: int = 1,
                 padding: int = 0) -> torch.Tensor:
    """Slide ``kernel`` over ``image`` with the given stride, after padding it with zeros.

    ``image`` is H x W with a kh x kw kernel, or C x H x W with a C x kh x kw kernel (the
    products are summed over the channels too). The result equals ``F.conv2d`` on the same
    inputs; its sides follow ``conv_output_size``.
    """
    if image.ndim not in (2, 3) or kernel.ndim != image.ndim:
        raise ValueError("slide_kernel takes an H x W image with a 2-D kernel, or a C x H x W "
                         f"image with a C x kh x kw kernel; got {tuple(image.shape)} and "
                         f"{tuple(kernel.shape)}")
    if image.ndim == 3 and image.shape[0] != kernel.shape[0]:
        raise ValueError(f"the image has {image.shape[0]} channels but the kernel "
                         f"{kernel.shape[0]}: a kernel covers every input channel")
    kh, kw = kernel.shape[-2:]
    h, w = image.shape[-2:]
    if kh > h + 2 * padding or kw > w + 2 * padding:
        raise ValueError(f"a {kh} x {kw} kernel does not fit in a {h} x {w} image "
                         f"padded by {padding}")
    out_h = conv_output_size(h, kh, stride, padding)
    out_w = conv_output_size(w, kw, stride, padding)
    padded = F.pad(image, (padding,) * 4)
    out = torch.empty(out_h, out_w, dtype=torch.result_type(image, kernel))
    for r in range(out_h):
        for c in range(out_w):
            out[r, c] = window_product(padded, kernel, r * stride, c * stride).sum()
    return out


def pool_by_hand(image: torch.Tensor, size: int = 2, mode: str = "max") -> torch.Tensor:
    """Pool an H x W ``image`` over non-overlapping ``size`` x ``size`` blocks (stride =
    ``size``), keeping each block's largest value (``max``) or its mean (``mean``)."""
    if mode not in ("max", "mean"):
        raise ValueError(f"mode must be 'max' or 'mean', got {mode!r}")
    out_h, out_w = (conv_output_size(side, size, size) for side in image.shape)
    out = torch.empty(out_h, out_w, dtype=image.dtype)
    for r in range(out_h):
        for c in range(out_w):
            block = image[r * size:(r + 1) * size, c * size:(c + 1) * size]
            out[r, c] = block.max() if mode == "max" else block.mean()
    return out


def conv_matrix(kernel: torch.Tensor, height: int, width: int, stride: int = 1,
                padding: int = 0) -> torch.Tensor:
    """The matrix of the convolution of a ``height`` x ``width`` image with a 2-D ``kernel``:
    one row per output pixel, one column per input pixel, so that
    ``conv_matrix(k, H, W) @ image.flatten()`` is the flattened output. Every row holds the
    same kernel weights, shifted; the rest is zero.
    """
    kh, kw = kernel.shape
    out_h = conv_output_size(height, kh, stride, padding)
    out_w = conv_output_size(width, kw, stride, padding)
    matrix = torch.zeros(out_h * out_w, height * width, dtype=kernel.dtype)
    for r in range(out_h):
        for c in range(out_w):
            for i in range(kh):
                for j in range(kw):
                    y, x = r * stride - padding + i, c * stride - padding + j
                    if 0 <= y < height and 0 <= x < width:  # padding zeros add nothing
                        matrix[r * out_w + c, y * width + x] = kernel[i, j]
    return matrix


def _square(value: int | tuple[int, ...]) -> int:
    if isinstance(value, int):
        return value
    if len(set(value)) != 1:
        raise ValueError(f"only square windows and equal strides are supported, got {value}")
    return value[0]


def receptive_field(model: nn.Sequential) -> list[tuple[str, int, int]]:
    """For each convolution and pooling layer before the first ``Flatten``: (layer, the side of
    the input square one of its output units sees, the input pixels between neighbouring
    units). Each layer widens the field by (kernel - 1) times the spacing so far.
    """
    field, jump, rows = 1, 1, []
    for i, layer in enumerate(model):
        if isinstance(layer, nn.Flatten):
            break
        if isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            field += (_square(layer.kernel_size) - 1) * jump
            jump *= _square(layer.stride)
            rows.append((f"{i}: {layer.__class__.__name__}", field, jump))
    return rows


def measured_receptive_field(model: nn.Sequential, side: int) -> int:
    """The receptive field of the central unit after ``model``'s last layer before ``Flatten``,
    measured: a copy whose convolutions have all weights 1, whose pooling averages and whose
    other layers pass their input on is back-propagated from that unit, and the input pixels
    with a non-zero gradient are counted along one side.
    """
    layers = []
    channels = None
    for layer in model:
        if isinstance(layer, nn.Flatten):
            break
        if isinstance(layer, nn.Conv2d):
            channels = channels or layer.in_channels
            copy = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size,
                             layer.stride, layer.padding, bias=False)
            nn.init.ones_(copy.weight)
        elif isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
            copy = nn.AvgPool2d(layer.kernel_size, layer.stride, layer.padding)
        else:
            copy = nn.Identity()
        layers.append(copy)
    x = torch.ones(1, channels or 1, side, side, requires_grad=True)
    out = nn.Sequential(*layers)(x)
    out[0, 0, out.shape[-2] // 2, out.shape[-1] // 2].backward()
    rows = torch.nonzero(x.grad[0].abs().sum(dim=(0, 2)))
    return int(rows.max() - rows.min() + 1)


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
