"""Convolution by hand against F.conv2d, the hand-made edge kernels, and the small CNNs."""

import pytest
import torch
import torch.nn.functional as F

from imgcls.convolution import apply_kernels, edge_kernels, slide_kernel, window_product
from imgcls.models.small_cnn import deeper_cnn, feature_maps, logistic_regression, minimal_cnn


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


def test_small_models_shapes_and_parameter_counts():
    x = torch.rand(2, 1, 28, 28)
    lr, small, deep = logistic_regression(24), minimal_cnn(24), deeper_cnn(24)
    for model in (lr, small, deep):
        assert model(x).shape == (2, 24)
    assert sum(p.numel() for p in lr.parameters()) == 784 * 24 + 24
    assert small[0].weight.numel() + small[0].bias.numel() == 8 * 25 + 8
    assert small[-1].in_features == 8 * 24 * 24
    assert deep[-3].in_features == 32 * 7 * 7


def test_feature_maps_follow_the_layers_up_to_flatten():
    torch.manual_seed(0)
    deep = deeper_cnn(24)
    deep.train()
    image = torch.rand(1, 28, 28)
    maps = feature_maps(deep, image)
    assert [tuple(m.shape) for _, m in maps] == [
        (16, 28, 28), (16, 28, 28), (16, 14, 14), (32, 14, 14), (32, 14, 14), (32, 7, 7)]
    assert torch.allclose(maps[2][1], deep[:3](image[None])[0].detach())
    assert (maps[1][1] >= 0).all()
    assert deep.training, "feature_maps must leave the model's mode as it found it"
