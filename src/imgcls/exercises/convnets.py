"""Checkers of chapter 8's code-writing exercises: a network as large as the minimal CNN without
convolutions, and max pooling written with tensor operations."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from imgcls.exercises import checker, unfilled

MLP_PARAMETERS = 784 * 140 + 140 + 140 * 24 + 24
"""Flatten, Linear(784, 140), ReLU, Linear(140, 24): weights and biases."""


@checker("same_size_mlp")
def check_same_size_mlp(same_size_mlp: Callable[[], nn.Module]) -> None:
    """``same_size_mlp()`` must build Flatten, Linear(784, 140), ReLU, Linear(140, 24): a network
    with one hidden layer, no convolution, mapping N x 1 x 28 x 28 images to 24 scores."""
    model = same_size_mlp()
    unfilled(model, "same_size_mlp")
    assert isinstance(model, nn.Module), (
        f"same_size_mlp returned a {type(model).__name__}, expected an nn.Module "
        f"(for example an nn.Sequential)")
    layers = list(model.modules())
    assert not any(isinstance(m, nn.Conv2d) for m in layers), "the network must not convolve"
    assert any(isinstance(m, nn.ReLU) for m in layers), (
        "there is no ReLU: without it the two linear layers collapse into one")
    out = model(torch.zeros(5, 1, 28, 28))
    assert tuple(out.shape) == (5, 24), (
        f"a batch of 5 images gave scores of shape {tuple(out.shape)}, expected (5, 24): "
        f"flatten first, and end with 24 outputs")
    n = sum(p.numel() for p in model.parameters())
    assert n == MLP_PARAMETERS, (
        f"the network has {n:,} parameters, expected {MLP_PARAMETERS:,} "
        f"(784 x 140 + 140 in the hidden layer, 140 x 24 + 24 in the output layer)")


@checker("max_pool2x2")
def check_max_pool2x2(max_pool2x2: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """``max_pool2x2(x)`` on an N x C x H x W tensor must equal ``F.max_pool2d(x, 2)``: the
    largest value of every 2 x 2 block, a last odd row or column dropped."""
    gen = torch.Generator().manual_seed(2)
    for shape in ((1, 1, 4, 4), (2, 3, 6, 8), (3, 2, 7, 5)):
        x = torch.randn(shape, generator=gen) - 3  # mostly negative: a 0 start would show
        out = max_pool2x2(x)
        unfilled(out, "max_pool2x2")
        want = F.max_pool2d(x, 2)
        assert tuple(out.shape) == tuple(want.shape), (
            f"for input {shape} the output is {tuple(out.shape)}, expected "
            f"{tuple(want.shape)} (an odd last row or column is dropped)")
        assert torch.equal(out, want), (
            f"for input {shape} the values differ from F.max_pool2d: each output must be the "
            f"largest of its 2 x 2 block")
