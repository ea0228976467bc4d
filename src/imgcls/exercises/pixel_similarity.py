"""Checkers of chapter 2's code-writing exercises (pixel similarity): accuracy class by class,
and the nearest of several ideal images found with broadcasting, both against plain loops.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from imgcls.exercises import checker, unfilled


def _recall_by_loop(predicted: list[int], labels: list[int], num_classes: int) -> list[float]:
    """For each class, the share of its images predicted as it (nan when it has none)."""
    out = []
    for k in range(num_classes):
        mine = [p for p, y in zip(predicted, labels, strict=True) if y == k]
        out.append(sum(p == k for p in mine) / len(mine) if mine else math.nan)
    return out


@checker("per_class_accuracy")
def check_per_class_accuracy(per_class_accuracy: Callable) -> None:
    """``per_class_accuracy(predicted, labels, num_classes)`` -> a float tensor of one accuracy
    per class: the share of the images labelled k that were predicted k."""
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 4, (60,), generator=g)
    labels[:4] = torch.arange(4)  # every one of the four classes present
    predicted = torch.where(torch.rand(60, generator=g) < 0.6, labels,
                            torch.randint(0, 4, (60,), generator=g))
    result = per_class_accuracy(predicted, labels, 4)
    unfilled(result, "per_class_accuracy(predicted, labels, 4)")
    assert isinstance(result, torch.Tensor), (
        f"per_class_accuracy returned a {type(result).__name__}, expected a torch.Tensor")
    assert tuple(result.shape) == (4,), (
        f"per_class_accuracy gave shape {tuple(result.shape)} for 4 classes, expected (4,)")
    assert result.is_floating_point(), (
        f"per_class_accuracy gave dtype {result.dtype}: shares need a float type")
    known = torch.tensor(_recall_by_loop(predicted.tolist(), labels.tolist(), 4))
    by_prediction = torch.tensor(_recall_by_loop(labels.tolist(), predicted.tolist(), 4))
    if torch.allclose(result.float(), by_prediction) and not torch.allclose(known, by_prediction):
        raise AssertionError("per_class_accuracy divided by the number of images *predicted* "
                             "as each class; divide by the number *labelled* as it")
    overall = (predicted == labels).float().mean()
    assert not torch.allclose(result.float(), overall.expand(4)), (
        "per_class_accuracy gave the overall accuracy for every class: count each class alone")
    assert torch.allclose(result.float(), known), (
        f"per_class_accuracy gave {[round(v, 3) for v in result.tolist()]}, expected "
        f"{[round(v, 3) for v in known.tolist()]}")
    # a class that has no images: its accuracy is undefined, not 0
    absent = per_class_accuracy(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]), 3)
    assert tuple(absent.shape) == (3,), (
        "per_class_accuracy must return num_classes values even when a class has no images")
    assert torch.isnan(absent[2]), (
        f"per_class_accuracy gave {absent[2].item()} for a class with no images; expected nan "
        "(0 / 0: there is nothing to be right or wrong about)")
    assert torch.allclose(absent[:2].float(), torch.tensor([0.5, 1.0])), (
        f"per_class_accuracy gave {absent.tolist()} for predicted [0, 1, 1] and labels "
        "[0, 1, 0], expected [0.5, 1.0, nan]")


def _distances_by_loop(images: torch.Tensor, ideals: torch.Tensor, power: int) -> torch.Tensor:
    """The mean |difference|**power of every image to every ideal, one pair at a time."""
    return torch.tensor([[float(((x - ideal).abs() ** power).mean()) for ideal in ideals]
                         for x in images])


@checker("nearest_ideal")
def check_nearest_ideal(nearest_ideal: Callable) -> None:
    """``nearest_ideal(images, ideals)``: for each image of an N x H x W stack, the index of the
    nearest of the K x H x W ideals under the L1 distance."""
    g = torch.Generator().manual_seed(0)
    images, ideals = torch.rand(40, 5, 7, generator=g), torch.rand(3, 5, 7, generator=g)
    result = nearest_ideal(images, ideals)
    unfilled(result, "nearest_ideal(images, ideals)")
    assert isinstance(result, torch.Tensor), (
        f"nearest_ideal returned a {type(result).__name__}, expected a torch.Tensor")
    assert tuple(result.shape) == (40,), (
        f"nearest_ideal gave shape {tuple(result.shape)} for 40 images and 3 ideals, expected "
        "(40,): one index per image (average over the two pixel axes, then take argmin over "
        "the ideals)")
    assert not result.is_floating_point(), (
        f"nearest_ideal gave dtype {result.dtype}: return the indices (argmin), not distances")
    l1 = _distances_by_loop(images, ideals, 1)
    if torch.equal(result, l1.argmax(1)):
        raise AssertionError("nearest_ideal picked the farthest ideal: use argmin")
    if torch.equal(result, _distances_by_loop(images, ideals, 2).argmin(1)):
        raise AssertionError("nearest_ideal used squared differences (L2): use the mean "
                             "absolute difference (L1)")
    wrong = int((result != l1.argmin(1)).sum())
    assert wrong == 0, (
        f"nearest_ideal chose the wrong ideal for {wrong} of 40 images: compare every image "
        "with every ideal, e.g. images[:, None] - ideals[None], an N x K x H x W difference")
    one = nearest_ideal(images[:1], ideals)
    assert tuple(one.shape) == (1,) and int(one[0]) == int(l1[0].argmin()), (
        "nearest_ideal fails on a stack of one image: avoid squeezing axes away")
