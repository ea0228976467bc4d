"""Checkers of chapter 11's code-writing exercises: a head swap with frozen weights, the lecture's
augmentation as a ``torchvision.transforms.v2`` pipeline, and the negative log-likelihood at a
temperature.

Each checker builds small inputs itself (untrained torchvision networks, ``weights=None``) and
compares the reader's code with answers computed another way.
"""

from __future__ import annotations

import math

import torch
import torchvision
from torch import nn

from imgcls.exercises import checker, unfilled


@checker("swap_head")
def check_swap_head(swap_head) -> None:
    """``swap_head(model, num_classes)`` on DenseNet-121: a new ``classifier`` with the right
    sizes, every other weight frozen and unchanged, outputs of the right shape."""
    for n_classes in (7, 3):
        torch.manual_seed(0)
        net = torchvision.models.densenet121(weights=None)
        before = net.features.conv0.weight.detach().clone()
        out = swap_head(net, n_classes)
        unfilled(out, f"swap_head(model, {n_classes})")
        head = getattr(out, "classifier", None)
        assert isinstance(head, nn.Linear), (
            f"model.classifier is {type(head).__name__}, expected a new nn.Linear")
        assert head.in_features == 1024, (
            f"the new head reads {head.in_features} features, but DenseNet-121 gives 1024: "
            f"take in_features from the old model.classifier")
        assert head.out_features == n_classes, (
            f"swap_head(model, {n_classes}) made a head with {head.out_features} outputs, "
            f"expected {n_classes}")
        trainable = sorted(name for name, p in out.named_parameters() if p.requires_grad)
        outside = [name for name in trainable if not name.startswith("classifier.")]
        assert not outside, (
            f"{len(outside)} weight tensors outside the head still require gradients "
            f"(e.g. {outside[0]}): freeze the network before adding the head")
        assert trainable == ["classifier.bias", "classifier.weight"], (
            f"the new head's weights must require gradients; trainable: {trainable}")
        assert torch.equal(out.features.conv0.weight, before), (
            "the pretrained weights changed: replace only the classifier")
        with torch.no_grad():
            scores = out.eval()(torch.randn(2, 3, 32, 32))
        assert scores.shape == (2, n_classes), (
            f"two images gave scores of shape {tuple(scores.shape)}, expected (2, {n_classes})")


def _steps(pipeline) -> list:
    steps = getattr(pipeline, "transforms", None)
    assert steps is not None, (
        f"expected a v2.Compose of the steps, got {type(pipeline).__name__}")
    return list(steps)


def _find(steps: list, kind: type, what: str):
    found = [s for s in steps if isinstance(s, kind)]
    assert found, f"no v2.{kind.__name__} among the steps ({what})"
    return found[0]


@checker("lecture_transform")
def check_lecture_transform(lecture_transform) -> None:
    """``lecture_transform(size, mean, std)``: the lecture's steps and settings in a v2.Compose,
    a float image of the right shape out, normalised as asked, and random from call to call."""
    from torchvision.transforms import v2

    size, mean, std = 112, (0.5, 0.4, 0.3), (0.25, 0.2, 0.3)
    pipeline = lecture_transform(size, mean, std)
    unfilled(pipeline, "lecture_transform(112, mean, std)")
    steps = _steps(pipeline)
    crop = _find(steps, v2.RandomCrop, "pad by 4 and crop 96 x 96")
    assert list(crop.padding) == [4, 4, 4, 4], (
        f"RandomCrop pads by {crop.padding}, the lecture pads 4 pixels on every side")
    assert tuple(crop.size) == (96, 96), f"RandomCrop crops {crop.size}, expected 96 x 96"
    rotation = _find(steps, v2.RandomRotation, "up to 5 degrees either way")
    assert [float(d) for d in rotation.degrees] == [-5.0, 5.0], (
        f"RandomRotation turns by {rotation.degrees} degrees, the lecture by -5 to 5")
    flip = _find(steps, v2.RandomHorizontalFlip, "a left-right flip half of the time")
    assert flip.p == 0.5, f"the flip has probability {flip.p}, expected 0.5"
    norm = _find(steps, v2.Normalize, "with the given mean and std")
    assert list(norm.mean) == list(mean) and list(norm.std) == list(std), (
        f"Normalize uses mean {norm.mean} and std {norm.std}, expected {mean} and {std}")
    kinds = [type(s) for s in steps]
    assert kinds.index(v2.RandomCrop) < kinds.index(v2.Normalize), (
        "normalise last: the crop's zero padding is meant for the image's pixel values")

    grey = torch.full((3, 96, 96), 128, dtype=torch.uint8)
    torch.manual_seed(0)
    out = pipeline(grey)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32, (
        f"the output is {getattr(out, 'dtype', type(out).__name__)}, expected float32 "
        f"(v2.ToDtype(torch.float32, scale=True))")
    assert out.shape == (3, size, size), (
        f"a 3 x 96 x 96 image came out {tuple(out.shape)}, expected (3, {size}, {size})")
    expect = (128 / 255 - torch.tensor(mean)) / torch.tensor(std)
    middle = out[:, size // 2, size // 2]
    assert torch.allclose(middle, expect, atol=1e-3), (
        f"a grey image (128) gave {middle.tolist()} in its centre, expected "
        f"{expect.tolist()}: scale to [0, 1] before normalising")
    picture = torch.randint(0, 256, (3, 96, 96), dtype=torch.uint8,
                            generator=torch.Generator().manual_seed(1))
    views = [pipeline(picture) for _ in range(4)]
    assert any(not torch.equal(views[0], v) for v in views[1:]), (
        "four calls gave the same image: the steps should be random")


@checker("nll_at")
def check_nll_at(nll_at) -> None:
    """``nll_at(logits, labels, t)``: the mean negative log-likelihood of softmax(logits / t),
    against a loop over the images."""
    gen = torch.Generator().manual_seed(0)
    logits = 4 * torch.randn(6, 4, generator=gen)
    labels = torch.tensor([0, 3, 1, 1, 2, 0])
    for t in (1.0, 0.5, 2.5):
        got = nll_at(logits, labels, t)
        unfilled(got, f"nll_at(logits, labels, {t})")
        got = float(got)
        total = 0.0
        for row, y in zip(logits.tolist(), labels.tolist(), strict=True):
            scaled = [v / t for v in row]
            top = max(scaled)
            log_sum = top + math.log(sum(math.exp(v - top) for v in scaled))
            total += log_sum - scaled[y]
        expect = total / len(labels)
        assert math.isclose(got, expect, rel_tol=1e-4), (
            f"nll_at(logits, labels, {t}) gave {got:.4f}, expected {expect:.4f}: divide the "
            f"logits by t before the softmax, and average over the images")
    big = torch.tensor([[1000.0, 0.0]])
    far = float(nll_at(big, torch.tensor([1]), 1.0))
    assert math.isfinite(far) and math.isclose(far, 1000.0, rel_tol=1e-4), (
        f"logits (1000, 0) with label 1 gave {far}, expected 1000: use log_softmax or "
        f"cross_entropy rather than the log of softmax, which underflows")
