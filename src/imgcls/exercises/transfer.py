"""Checkers of chapter 10's code-writing exercises (transfer learning): a frozen feature extractor
for a ResNet, compared with torchvision's ``create_feature_extractor``, and the probability a
classifier gives a group of classes, compared with a loop over the softmax's definition.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import torch
from torch import nn
from torchvision.models.feature_extraction import create_feature_extractor
from torchvision.models.resnet import BasicBlock, ResNet

from imgcls.exercises import checker, unfilled


def _small_resnet() -> nn.Module:
    """A ResNet with one basic block per stage (ResNet-18 has two) and random weights: nothing
    to download, quick to build; in training mode as built."""
    torch.manual_seed(0)
    return ResNet(BasicBlock, [1, 1, 1, 1], num_classes=10)


@checker("frozen_extractor")
def check_frozen_extractor(frozen_extractor: Callable) -> None:
    """``frozen_extractor(model)``: a copy of a ResNet whose ``fc`` is ``nn.Identity()``, every
    weight frozen, in eval mode; the model it was given unchanged."""
    model = _small_resnet()
    fc = model.fc
    before = {name: p.detach().clone() for name, p in model.state_dict().items()}
    result = frozen_extractor(model)
    unfilled(result, "frozen_extractor(model)")
    assert isinstance(result, nn.Module), (
        f"frozen_extractor returned a {type(result).__name__}, expected the network itself "
        "(an nn.Module)")
    assert result is not model and model.fc is fc, (
        "frozen_extractor changed the model it was given: make a copy first "
        "(copy.deepcopy(model)) and change the copy")
    assert model.training and all(p.requires_grad for p in model.parameters()), (
        "frozen_extractor changed the model it was given (its mode or requires_grad): work on "
        "a copy made with copy.deepcopy(model)")
    assert all(torch.equal(before[name], p) for name, p in model.state_dict().items()), (
        "frozen_extractor changed the given model's weights")
    assert isinstance(result.fc, nn.Identity), (
        f"the copy's fc is a {type(result.fc).__name__}, expected nn.Identity(): the features "
        "should come out as they are, with no layer after them")
    trainable = [name for name, p in result.named_parameters() if p.requires_grad]
    assert not trainable, (
        f"{len(trainable)} weights still require a gradient (the first: {trainable[0]}): "
        "freeze them all with requires_grad_(False)")
    training = [name or "the model" for name, m in result.named_modules() if m.training]
    assert not training, (
        f"{training[0]} is still in training mode: call .eval() so that batch norm uses its "
        "stored statistics")
    x = torch.randn(3, 3, 64, 64)
    with torch.no_grad():
        features = result(x)
        known = create_feature_extractor(copy.deepcopy(model).eval(),
                                         {"flatten": "features"})(x)["features"]
    assert tuple(features.shape) == tuple(known.shape), (
        f"the extractor gave shape {tuple(features.shape)} for 3 images, expected "
        f"{tuple(known.shape)}: one row of {known.shape[1]} features per image")
    worst = float((features - known).abs().max())
    assert worst < 1e-4, (
        f"the features differ from torchvision's create_feature_extractor by up to {worst:.3g}: "
        "replace only fc, keep every other layer as it is")


def _logits() -> torch.Tensor:
    """Scores of 4 images for 10 classes, spread wide enough that the softmax matters."""
    generator = torch.Generator().manual_seed(0)
    return 3 * torch.randn(4, 10, generator=generator)


def _group_loop(logits: torch.Tensor, indices) -> list[float]:
    """The known answer, from the softmax's definition, one image and one class at a time."""
    rows = []
    for scores in logits.tolist():
        total = sum(math.exp(s) for s in scores)
        rows.append(sum(math.exp(scores[i]) for i in indices) / total)
    return rows


@checker("group_probability")
def check_group_probability(group_probability: Callable) -> None:
    """``group_probability(logits, indices)``: for each row of N x C scores, the total softmax
    probability of the classes in ``indices`` (a list or a range), a tensor of N values."""
    logits = _logits()
    before = logits.clone()
    for indices in ([2, 5, 7], range(3, 6), [4]):
        result = group_probability(logits, indices)
        unfilled(result, f"group_probability(logits, {indices})")
        assert isinstance(result, torch.Tensor), (
            f"group_probability returned a {type(result).__name__}, expected a torch.Tensor")
        assert torch.equal(logits, before), "group_probability changed the logits it was given"
        assert tuple(result.shape) == (len(logits),), (
            f"group_probability gave shape {tuple(result.shape)} for {len(logits)} images, "
            f"expected ({len(logits)},): one total per image (sum over dim=1)")
        expected = torch.tensor(_group_loop(logits, indices))
        if torch.allclose(result, torch.ones(len(logits))) and len(indices) < logits.shape[1]:
            raise AssertionError(
                "every total is 1: the softmax was taken over the group's scores only; take it "
                "over all the classes, then add up the group's probabilities")
        column_wise = logits.softmax(dim=0)[:, list(indices)].sum(dim=1)
        if torch.allclose(result, column_wise, atol=1e-5):
            raise AssertionError("the softmax ran over the images (dim=0): each image's "
                                 "probabilities should add up to 1, so use dim=1")
        worst = float((result - expected).abs().max())
        assert worst < 1e-5, (
            f"group_probability({indices}) differs from the known totals by up to {worst:.3g}: "
            "softmax over each row's scores, then add the probabilities of the group's classes")
