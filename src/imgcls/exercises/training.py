"""Checkers of chapter 9's code-writing exercises (what makes training work): a shift of every
image by its own random whole number of pixels, checked image by image against a plain
slice-and-fill; batch norm's running statistics, against ``nn.BatchNorm2d``'s own update; and
the early-stopping rule with patience and a minimum improvement, against answers worked out by
hand.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from imgcls.exercises import checker, unfilled


def _shifted(image: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """``image`` (C x H x W) moved down by ``dy`` and right by ``dx`` pixels, zeros filling in."""
    out = torch.zeros_like(image)
    h, w = image.shape[-2:]
    out[..., max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        image[..., max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def _which_shift(image: torch.Tensor, moved: torch.Tensor, limit: int) -> tuple[int, int] | None:
    """The shift (dy, dx), each within ``limit``, that turns ``image`` into ``moved``, if any."""
    for dy in range(-limit, limit + 1):
        for dx in range(-limit, limit + 1):
            if torch.equal(_shifted(image, dy, dx), moved):
                return dy, dx
    return None


@checker("random_shift")
def check_random_shift(random_shift: Callable) -> None:
    """``random_shift(images, max_shift)`` -> the N x C x H x W batch with every image moved by
    its own random whole number of pixels, from -max_shift to max_shift down and across, zeros
    filling the uncovered border, all channels of an image moved together."""
    torch.manual_seed(0)
    images = torch.rand(40, 2, 9, 11) + 0.1  # no zeros, so that the fill shows
    before = images.clone()
    result = random_shift(images, 2)
    unfilled(result, "random_shift(images, 2)")
    assert isinstance(result, torch.Tensor), (
        f"random_shift returned a {type(result).__name__}, expected a torch.Tensor")
    assert tuple(result.shape) == tuple(images.shape), (
        f"random_shift gave shape {tuple(result.shape)} for a batch of shape "
        f"{tuple(images.shape)}: keep the size, crop what moves out and fill with zeros")
    assert torch.equal(images, before), (
        "random_shift changed the images it was given: build and return a new tensor")
    shifts = []
    for i, (image, moved) in enumerate(zip(images, result, strict=True)):
        found = _which_shift(image, moved, 2)
        assert found is not None, (
            f"image {i} of the output is not its input moved by whole pixels (at most 2 each "
            "way) with zeros filling in: move all channels of an image together, and pad with "
            "zeros, do not wrap around (torch.roll wraps)")
        shifts.append(found)
    assert len(set(shifts)) > 1, (
        f"every image moved by the same {shifts[0]}: draw a shift for each image, not one "
        "for the batch")
    steps = {d for shift in shifts for d in shift}
    assert 2 in steps and -2 in steps, (
        f"in 40 images the shifts took only the values {sorted(steps)}: draw each from "
        "-max_shift to max_shift inclusive (torch.randint's upper bound is exclusive)")
    assert any(dy != 0 for dy, _ in shifts) and any(dx != 0 for _, dx in shifts), (
        "the images moved in one direction only: shift both down/up and left/right")
    still = random_shift(images, 0)
    unfilled(still, "random_shift(images, 0)")
    assert torch.equal(still, images), "random_shift(images, 0) should return the images unchanged"


def _known_running(mean: torch.Tensor, var: torch.Tensor, batch: torch.Tensor,
                   momentum: float) -> tuple[torch.Tensor, torch.Tensor]:
    """The running statistics ``nn.BatchNorm2d`` holds after one training-mode pass of ``batch``."""
    layer = nn.BatchNorm2d(batch.shape[1], momentum=momentum)
    with torch.no_grad():
        layer.running_mean.copy_(mean)
        layer.running_var.copy_(var)
        layer.train()(batch)
    return layer.running_mean.clone(), layer.running_var.clone()


@checker("update_running")
def check_update_running(update_running: Callable) -> None:
    """``update_running(running_mean, running_var, batch, momentum)`` -> the new running mean and
    variance (one value per channel) after one training-mode pass of an N x C x H x W ``batch``,
    as ``nn.BatchNorm2d`` keeps them."""
    g = torch.Generator().manual_seed(0)
    batch = torch.randn(6, 3, 4, 5, generator=g) * torch.tensor([1.0, 2.0, 0.5]).view(1, 3, 1, 1)
    batch += torch.tensor([0.5, -1.0, 3.0]).view(1, 3, 1, 1)
    mean, var = torch.rand(3, generator=g), torch.rand(3, generator=g) + 0.5
    for momentum in (0.1, 0.3):
        result = update_running(mean.clone(), var.clone(), batch, momentum)
        unfilled(result, "update_running(...)")
        assert isinstance(result, tuple | list) and len(result) == 2, (
            "update_running should return two tensors: (new running mean, new running variance)")
        new_mean, new_var = (torch.as_tensor(r, dtype=torch.float32) for r in result)
        assert tuple(new_mean.shape) == (3,) and tuple(new_var.shape) == (3,), (
            f"update_running gave shapes {tuple(new_mean.shape)} and {tuple(new_var.shape)} for "
            "a batch with 3 channels, expected (3,) and (3,): one statistic per channel, over "
            "the batch and both spatial dimensions (dims 0, 2 and 3)")
        known_mean, known_var = _known_running(mean, var, batch, momentum)
        batch_mean = batch.mean(dim=(0, 2, 3))
        swapped = momentum * mean + (1 - momentum) * batch_mean
        if not torch.allclose(new_mean, known_mean, atol=1e-5):
            if torch.allclose(new_mean, swapped, atol=1e-5):
                raise AssertionError(
                    "the running mean has the weights swapped: PyTorch's momentum is the weight "
                    "of the new batch, new = (1 - momentum) * old + momentum * batch mean")
            raise AssertionError(
                f"running mean {new_mean.tolist()} differs from nn.BatchNorm2d's "
                f"{known_mean.tolist()} (momentum {momentum}): new = (1 - momentum) * old + "
                "momentum * the batch's mean over dims 0, 2 and 3")
        biased = batch.var(dim=(0, 2, 3), unbiased=False)
        if torch.allclose(new_var, (1 - momentum) * var + momentum * biased, atol=1e-5):
            n = batch.numel() // batch.shape[1]
            raise AssertionError(
                f"the running variance used the batch variance divided by n = {n}; "
                f"nn.BatchNorm2d keeps the unbiased one, divided by n - 1 = {n - 1} (the "
                "normalisation itself uses the divided-by-n one)")
        assert torch.allclose(new_var, known_var, atol=1e-5), (
            f"running variance {new_var.tolist()} differs from nn.BatchNorm2d's "
            f"{known_var.tolist()} (momentum {momentum}): new = (1 - momentum) * old + "
            "momentum * the batch's variance over dims 0, 2 and 3")


# (accuracies per epoch, patience, min_delta) -> (stop epoch, best epoch), worked out by hand
STOPPING_CASES = [
    ([0.50, 0.60, 0.55, 0.58, 0.57, 0.70], 2, 0.0, (4, 2)),
    ([0.50, 0.60, 0.55, 0.58, 0.57, 0.70], 3, 0.0, (5, 2)),
    ([0.50, 0.60, 0.55, 0.58, 0.57, 0.70], 4, 0.0, (6, 6)),
    ([0.10, 0.20, 0.30], 1, 0.0, (3, 3)),
    ([0.40, 0.40, 0.40, 0.40], 2, 0.0, (3, 1)),
    ([0.500, 0.505, 0.510, 0.520, 0.515], 2, 0.0, (5, 4)),
    ([0.500, 0.505, 0.508, 0.520, 0.515], 2, 0.01, (3, 1)),
    ([0.500, 0.505, 0.525, 0.530, 0.531, 0.529], 2, 0.01, (5, 3)),
]


@checker("stop_epoch")
def check_stop_epoch(stop_epoch: Callable) -> None:
    """``stop_epoch(val_accs, patience, min_delta)`` -> (the epoch after which training stops,
    the epoch whose weights are kept), both counted from 1: an epoch improves when it beats the
    best so far by more than ``min_delta``; training stops once ``patience`` epochs in a row have
    not improved, or after the last epoch; the epoch kept is the last one that improved."""
    for accs, patience, min_delta, expected in STOPPING_CASES:
        result = stop_epoch(list(accs), patience, min_delta)
        unfilled(result, "stop_epoch(...)")
        assert isinstance(result, tuple | list) and len(result) == 2, (
            "stop_epoch should return two epoch numbers: (stop, best)")
        got = tuple(int(v) for v in result)
        call = f"stop_epoch({accs}, patience={patience}, min_delta={min_delta})"
        if got == (expected[0] - 1, expected[1] - 1):
            raise AssertionError(f"{call} gave {got}: count epochs from 1, not from 0")
        if got[1] != expected[1]:
            raise AssertionError(
                f"{call} kept epoch {got[1]}, expected {expected[1]}: keep the "
                "last epoch that counted as an improvement, that is, beat the best so far by more "
                "than min_delta (a tie is not an improvement)")
        assert got == expected, (
            f"{call} gave {got}, expected {expected}: stop at the epoch that makes {patience} "
            "epochs in a row without improvement, or at the last epoch if that never happens")
