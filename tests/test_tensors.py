"""Chapter 1's helpers: undoing Normalize, pixel tables, reading a photo channels first."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torchvision.transforms import v2

from imgcls import tensors


def test_unnormalize_undoes_normalize():
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    x = torch.rand(2, 3, 5, 4, generator=torch.Generator().manual_seed(1))
    normalised = v2.Normalize(mean, std)(x)
    assert torch.allclose(tensors.unnormalize(normalised, mean, std), x, atol=1e-6)
    assert torch.allclose(tensors.unnormalize(normalised[0], mean, std), x[0], atol=1e-6)


def test_pixel_table_lists_the_slice_with_its_coordinates():
    image = torch.arange(100, dtype=torch.uint8).view(10, 10)
    frame = tensors.pixel_table(image, rows=slice(2, 5), cols=slice(6, 9)).data
    assert list(frame.index) == [2, 3, 4] and list(frame.columns) == [6, 7, 8]
    assert np.array_equal(frame.to_numpy(), image[2:5, 6:9].numpy())


def test_read_rgb_gives_channels_first(tmp_path):
    path = tmp_path / "grey.png"
    Image.fromarray(np.full((5, 7), 128, dtype=np.uint8)).save(path)
    image = tensors.read_rgb(path)
    assert image.shape == (3, 5, 7) and image.dtype == torch.uint8
    assert image.unique().tolist() == [128]
