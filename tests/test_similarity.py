"""Pixel-similarity helpers: broadcasting against loops and torch's losses; digit preprocessing."""

import pytest
import torch
import torch.nn.functional as F
from PIL import ImageOps

from imgcls.handdrawn import sketch_digit, to_mnist
from imgcls.similarity import (
    class_accuracy,
    is_3,
    l1_distance,
    l1_distance_loop,
    l2_distance,
    mean_image,
    overall_accuracy,
)


@pytest.fixture
def stack() -> torch.Tensor:
    return torch.rand(50, 28, 28, generator=torch.Generator().manual_seed(0))


def test_mean_image_is_per_pixel_mean(stack):
    expected = sum(stack[i] for i in range(len(stack))) / len(stack)
    torch.testing.assert_close(mean_image(stack), expected)


def test_broadcast_l1_matches_loop_and_torch(stack):
    ideal = stack[:10].mean(0)
    broadcast = l1_distance(stack, ideal)
    assert broadcast.shape == (50,)
    torch.testing.assert_close(broadcast, l1_distance_loop(stack, ideal))
    torch.testing.assert_close(broadcast[3], F.l1_loss(stack[3], ideal))


def test_l2_is_root_of_mse(stack):
    ideal = stack[:10].mean(0)
    expected = torch.stack([F.mse_loss(image, ideal).sqrt() for image in stack])
    torch.testing.assert_close(l2_distance(stack, ideal), expected)


def test_is_3_and_class_accuracy():
    ideal_3, ideal_7 = torch.zeros(28, 28), torch.ones(28, 28)
    threes = torch.full((4, 28, 28), 0.2)
    sevens = torch.cat([torch.full((3, 28, 28), 0.9), torch.full((1, 28, 28), 0.1)])
    assert is_3(threes, ideal_3, ideal_7).all()
    assert is_3(threes[0], ideal_3, ideal_7).ndim == 0
    acc = class_accuracy(lambda x: is_3(x, ideal_3, ideal_7, l2_distance), threes, sevens)
    assert (acc.threes, acc.sevens, acc.mean) == (1.0, 0.75, 0.875)


def test_overall_accuracy_pools_the_images_not_the_classes():
    ideal_3, ideal_7 = torch.zeros(28, 28), torch.ones(28, 28)
    threes = torch.full((2, 28, 28), 0.2)  # both right
    sevens = torch.cat([torch.full((1, 28, 28), 0.9), torch.full((3, 28, 28), 0.1)])  # 1 of 4
    acc = overall_accuracy(lambda x: is_3(x, ideal_3, ideal_7), threes, sevens)
    assert acc == 0.5  # 3 of 6 images, while the mean of the class accuracies is 0.625


def test_to_mnist_frames_and_centres_a_drawing():
    digit = to_mnist(sketch_digit(7, seed=1))
    assert digit.shape == (28, 28) and digit.dtype == torch.float32
    assert digit.min() >= 0 and digit.max() <= 1
    rows, cols = torch.nonzero(digit > 0.1, as_tuple=True)
    assert rows.max() - rows.min() <= 21 and cols.max() - cols.min() <= 21
    ys, xs = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    centre = ((ys * digit).sum() / digit.sum(), (xs * digit).sum() / digit.sum())
    assert all(abs(c - 13.5) <= 1 for c in centre)


def test_to_mnist_same_for_dark_and_light_ink():
    paper = sketch_digit(3, seed=2)
    torch.testing.assert_close(to_mnist(paper), to_mnist(ImageOps.invert(paper)))


def test_to_mnist_rejects_blank_picture():
    blank = ImageOps.invert(sketch_digit(3)).point(lambda _: 0)
    with pytest.raises(ValueError, match="blank"):
        to_mnist(blank)
