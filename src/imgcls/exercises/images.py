"""Checkers of chapter 1's code-writing exercises (images are tensors): preparing a NumPy image
for a network, and cropping and mirroring a tensor, each compared with torchvision's own version.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torchvision.transforms import v2

from imgcls.exercises import checker, unfilled

# Deliberately not square, so that swapped height and width show up in the shape.
_HEIGHT, _WIDTH = 6, 10


def _hwc_image(seed: int = 0) -> np.ndarray:
    """A small random colour image as PIL and NumPy give it: height x width x 3, uint8."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(_HEIGHT, _WIDTH, 3), dtype=np.uint8)


@checker("to_input")
def check_to_input(to_input: Callable) -> None:
    """``to_input(image, mean, std)``: H x W x 3 uint8 array -> 3 x H x W float32 tensor, scaled
    to [0, 1] and normalised channel by channel, like torchvision's v2 pipeline."""
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    image = _hwc_image()
    before = image.copy()
    result = to_input(image, mean, std)
    unfilled(result, "to_input(image, mean, std)")
    assert isinstance(result, torch.Tensor), (
        f"to_input returned a {type(result).__name__}, expected a torch.Tensor "
        "(torch.from_numpy turns the array into one)")
    assert tuple(result.shape) == (3, _HEIGHT, _WIDTH), (
        f"to_input gave shape {tuple(result.shape)} for a {_HEIGHT} x {_WIDTH} x 3 image, "
        f"expected (3, {_HEIGHT}, {_WIDTH}): channels first, then height, then width")
    assert result.dtype == torch.float32, f"to_input gave dtype {result.dtype}, expected float32"
    assert np.array_equal(image, before), "to_input changed the image it was given"
    known = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True),
                        v2.Normalize(mean, std)])(image)
    scaled = torch.from_numpy(image).permute(2, 0, 1).float()
    assert not torch.allclose(result, (scaled - torch.tensor(mean).view(3, 1, 1))
                              / torch.tensor(std).view(3, 1, 1), atol=1e-3), (
        "to_input normalised pixel values of 0..255: divide by 255 first, so that they lie "
        "in [0, 1] like the mean and std")
    worst = float((result - known).abs().max())
    assert worst < 1e-5, (
        f"to_input differs from torchvision's ToImage, ToDtype(scale=True), Normalize by up to "
        f"{worst:.3g}: subtract each channel's mean, then divide by its std")
    other = to_input(_hwc_image(1), (0.5, 0.5, 0.5), (0.25, 0.5, 1.0))
    expected = (torch.from_numpy(_hwc_image(1)).permute(2, 0, 1) / 255 - 0.5) / torch.tensor(
        [0.25, 0.5, 1.0]).view(3, 1, 1)
    assert torch.allclose(other, expected, atol=1e-5), (
        "to_input ignores the mean and std it is given: use the arguments, not fixed numbers")


def _planes(*batch: int) -> torch.Tensor:
    """A tensor of shape (*batch, 3, H, W) whose values say where they are (easy to compare)."""
    numel = int(np.prod(batch, dtype=int)) * 3 * _HEIGHT * _WIDTH
    return torch.arange(numel).reshape(*batch, 3, _HEIGHT, _WIDTH)


@checker("centre_crop")
def check_centre_crop(centre_crop: Callable) -> None:
    """``centre_crop(x, size)``: the central size x size square of the last two axes, a view."""
    for shape, size in (((), 4), ((2,), 2), ((), 6)):
        x = _planes(*shape)
        result = centre_crop(x, size)
        unfilled(result, f"centre_crop(x, {size})")
        expected = v2.functional.center_crop(x, [size, size])
        assert tuple(result.shape) == tuple(expected.shape), (
            f"centre_crop(x, {size}) on shape {tuple(x.shape)} gave shape "
            f"{tuple(result.shape)}, expected {tuple(expected.shape)}")
        assert torch.equal(result, expected), (
            f"centre_crop(x, {size}) on a {_HEIGHT} x {_WIDTH} image cut the wrong square: the "
            f"top row should be {(_HEIGHT - size) // 2} and the left column "
            f"{(_WIDTH - size) // 2}, the same margin on both sides")
        assert result.untyped_storage().data_ptr() == x.untyped_storage().data_ptr(), (
            "centre_crop copied the pixels: a slice such as x[..., a:b, c:d] is a view")


@checker("mirror")
def check_mirror(mirror: Callable) -> None:
    """``mirror(x)``: left and right swapped (the last axis reversed), like horizontal_flip."""
    for shape in ((), (2,)):
        x = _planes(*shape)
        result = mirror(x)
        unfilled(result, "mirror(x)")
        expected = v2.functional.horizontal_flip(x)
        assert tuple(result.shape) == tuple(x.shape), (
            f"mirror changed the shape from {tuple(x.shape)} to {tuple(result.shape)}")
        if torch.equal(result, x.flip(-2)):
            raise AssertionError("mirror turned the image upside down: reverse the last axis "
                                 "(the columns), not the rows")
        assert torch.equal(result, expected), (
            "mirror differs from torchvision's horizontal_flip: reverse the last axis only")
