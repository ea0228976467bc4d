"""Convolution by hand against F.conv2d and nn.Conv2d (stride, padding, channels, the matrix,
pooling, receptive fields), the hand-made edge kernels, and the small CNNs."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from imgcls.convolution import (
    apply_kernels,
    conv_matrix,
    conv_output_size,
    edge_kernels,
    measured_receptive_field,
    pool_by_hand,
    receptive_field,
    slide_kernel,
    window_product,
)
from imgcls.models.small_cnn import feature_maps


def minimal_cnn() -> nn.Sequential:
    """Chapter 8's minimal CNN, as the page defines it."""
    return nn.Sequential(nn.Conv2d(1, 8, 5), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 24 * 24, 24))


def deeper_cnn() -> nn.Sequential:
    """Chapter 8's deeper CNN, as the page defines it."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 24))


@pytest.mark.parametrize("shape,ksize", [((7, 7), (5, 5)), ((9, 6), (3, 2)), ((4, 4), (4, 4))])
def test_slide_kernel_equals_conv2d(shape, ksize):
    gen = torch.Generator().manual_seed(0)
    image = torch.randn(*shape, generator=gen, dtype=torch.float64)
    kernel = torch.randn(*ksize, generator=gen, dtype=torch.float64)
    expected = F.conv2d(image[None, None], kernel[None, None])[0, 0]
    got = slide_kernel(image, kernel)
    assert got.shape == expected.shape
    assert torch.allclose(got, expected)


def test_window_product_sums_to_one_output_pixel():
    gen = torch.Generator().manual_seed(1)
    image, kernel = torch.rand(8, 8, generator=gen), torch.rand(5, 5, generator=gen)
    out = slide_kernel(image, kernel)
    assert window_product(image, kernel, 2, 3).sum() == pytest.approx(out[2, 3].item())


def test_kernel_larger_than_image_is_rejected():
    with pytest.raises(ValueError, match="does not fit"):
        slide_kernel(torch.zeros(3, 3), torch.zeros(5, 5))


def test_edge_kernels_respond_to_edges_of_their_direction_only():
    kernels = edge_kernels(5)
    for kernel in kernels.values():
        assert kernel.shape == (5, 5) and kernel.sum() == 0
    assert torch.equal(kernels["vertical"], kernels["horizontal"].T)
    step = torch.zeros(9, 9)
    step[:, 5:] = 1.0  # a vertical edge, dark to bright from left to right
    assert slide_kernel(step, kernels["vertical"]).max() == 10
    assert slide_kernel(step, kernels["horizontal"]).abs().max() == 0
    flat = torch.full((9, 9), 0.7)
    for kernel in kernels.values():
        assert torch.allclose(slide_kernel(flat, kernel), torch.zeros(5, 5), atol=1e-6)


def test_apply_kernels_matches_sliding_each_kernel():
    gen = torch.Generator().manual_seed(2)
    images = torch.rand(3, 1, 10, 10, generator=gen)
    kernels = edge_kernels(5)
    out = apply_kernels(images, kernels)
    assert out.shape == (3, len(kernels), 6, 6)
    for n in range(3):
        for k, kernel in enumerate(kernels.values()):
            assert torch.allclose(out[n, k], slide_kernel(images[n, 0], kernel), atol=1e-5)


def test_feature_maps_follow_the_layers_up_to_flatten():
    torch.manual_seed(0)
    deep = deeper_cnn()
    deep.train()
    image = torch.rand(1, 28, 28)
    maps = feature_maps(deep, image)
    assert [tuple(m.shape) for _, m in maps] == [
        (16, 28, 28), (16, 28, 28), (16, 14, 14), (32, 14, 14), (32, 14, 14), (32, 7, 7)]
    assert torch.allclose(maps[2][1], deep[:3](image[None])[0].detach())
    assert (maps[1][1] >= 0).all()
    assert deep.training, "feature_maps must leave the model's mode as it found it"


@pytest.mark.parametrize("size", [5, 7, 28, 31])
@pytest.mark.parametrize("kernel,stride,padding", [(1, 1, 0), (3, 1, 1), (3, 2, 1), (5, 2, 0),
                                                   (5, 3, 2), (4, 2, 1)])
def test_conv_output_size_matches_conv2d(size, kernel, stride, padding):
    conv = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding)
    out = conv(torch.zeros(1, 1, size, size))
    assert out.shape[-1] == conv_output_size(size, kernel, stride, padding)


def test_conv_output_size_rejects_what_conv2d_rejects():
    with pytest.raises(ValueError, match="does not fit"):
        conv_output_size(3, 7, padding=1)
    with pytest.raises(ValueError, match="positive"):
        conv_output_size(8, 3, stride=0)


@pytest.mark.parametrize("stride,padding", [(1, 1), (2, 0), (2, 1), (3, 2)])
def test_slide_kernel_with_stride_and_padding_equals_conv2d(stride, padding):
    gen = torch.Generator().manual_seed(3)
    image = torch.randn(9, 8, generator=gen, dtype=torch.float64)
    kernel = torch.randn(3, 3, generator=gen, dtype=torch.float64)
    expected = F.conv2d(image[None, None], kernel[None, None], stride=stride,
                        padding=padding)[0, 0]
    assert torch.allclose(slide_kernel(image, kernel, stride, padding), expected)


def test_slide_kernel_sums_over_channels_like_conv2d():
    gen = torch.Generator().manual_seed(4)
    image = torch.randn(3, 7, 6, generator=gen, dtype=torch.float64)
    kernel = torch.randn(3, 3, 2, generator=gen, dtype=torch.float64)
    expected = F.conv2d(image[None], kernel[None], padding=1)[0, 0]
    assert torch.allclose(slide_kernel(image, kernel, padding=1), expected)
    per_channel = sum(slide_kernel(image[c], kernel[c], padding=1) for c in range(3))
    assert torch.allclose(per_channel, expected)
    with pytest.raises(ValueError, match="3 channels but the kernel 2"):
        slide_kernel(image, kernel[:2])


@pytest.mark.parametrize("shape", [(4, 4), (7, 6)])
def test_pool_by_hand_matches_torch(shape):
    image = torch.randn(*shape, generator=torch.Generator().manual_seed(5))
    assert torch.equal(pool_by_hand(image, 2, "max"), F.max_pool2d(image[None], 2)[0])
    assert torch.allclose(pool_by_hand(image, 2, "mean"), F.avg_pool2d(image[None], 2)[0])
    with pytest.raises(ValueError, match="mode"):
        pool_by_hand(image, 2, "median")


@pytest.mark.parametrize("stride,padding", [(1, 0), (1, 1), (2, 1)])
def test_conv_matrix_is_the_convolution(stride, padding):
    gen = torch.Generator().manual_seed(6)
    image = torch.randn(5, 6, generator=gen, dtype=torch.float64)
    kernel = torch.randn(3, 3, generator=gen, dtype=torch.float64)
    matrix = conv_matrix(kernel, 5, 6, stride, padding)
    expected = F.conv2d(image[None, None], kernel[None, None], stride=stride, padding=padding)
    assert matrix.shape == (expected.numel(), 30)
    assert torch.allclose(matrix @ image.flatten(), expected.flatten())
    # shared weights: every non-zero entry is one of the kernel's nine weights
    assert set(matrix[matrix != 0].tolist()) <= set(kernel.flatten().tolist())


def test_conv_matrix_without_padding_repeats_the_whole_kernel_in_every_row():
    kernel = torch.arange(1.0, 10.0).reshape(3, 3)
    matrix = conv_matrix(kernel, 4, 4)
    assert matrix.shape == (4, 16)
    for row in matrix:
        assert sorted(row[row != 0].tolist()) == list(range(1, 10))
    assert torch.equal(matrix[0, :3], torch.tensor([1.0, 2.0, 3.0]))
    assert torch.equal(matrix[1, 1:4], torch.tensor([1.0, 2.0, 3.0]))


def test_receptive_field_of_the_book_cnns():
    deep = deeper_cnn()
    assert [field for _, field, _ in receptive_field(deep)] == [3, 4, 8, 10]
    assert [jump for _, _, jump in receptive_field(deep)] == [1, 2, 2, 4]
    assert receptive_field(minimal_cnn())[-1][1] == 5


@pytest.mark.parametrize("model", [
    deeper_cnn(),
    minimal_cnn(),
    nn.Sequential(nn.Conv2d(1, 2, 5, stride=2), nn.ReLU(), nn.Conv2d(2, 2, 3, stride=2),
                  nn.MaxPool2d(3, stride=1), nn.Flatten()),
], ids=["deeper", "minimal", "strided"])
def test_measured_receptive_field_agrees_with_the_formula(model):
    assert measured_receptive_field(model, side=40) == receptive_field(model)[-1][1]
