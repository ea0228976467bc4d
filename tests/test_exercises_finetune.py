"""Chapter 11's exercise checkers pass the reference solutions and say what is wrong with
wrong ones."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.transforms import v2

from imgcls.exercises.finetune import check_lecture_transform, check_nll_at, check_swap_head


def swap_head(model, num_classes):
    model.requires_grad_(False)
    model.classifier = nn.Linear(model.classifier.in_features, num_classes)
    return model


def lecture_transform(size, mean, std, degrees=5, padding=4, normalise=True):
    steps = [v2.RandomCrop(96, padding=padding), v2.RandomRotation(degrees),
             v2.RandomHorizontalFlip(), v2.Resize(size),
             v2.ToDtype(torch.float32, scale=True)]
    if normalise:
        steps.append(v2.Normalize(mean, std))
    return v2.Compose(steps)


def nll_at(logits, labels, t):
    return F.cross_entropy(logits / t, labels)


def _said(capsys) -> str:
    return capsys.readouterr().out


def test_swap_head(capsys):
    assert check_swap_head(swap_head)
    assert _said(capsys) == "pass: swap_head\n"

    def unfrozen(model, num_classes):
        model.classifier = nn.Linear(model.classifier.in_features, num_classes)
        return model

    assert not check_swap_head(unfrozen)
    assert "outside the head still require gradients" in _said(capsys)

    def resnet_sized(model, num_classes):
        model.requires_grad_(False)
        model.classifier = nn.Linear(2048, num_classes)
        return model

    assert not check_swap_head(resnet_sized)
    assert "reads 2048 features, but DenseNet-121 gives 1024" in _said(capsys)

    def ten_always(model, num_classes):
        return swap_head(model, 10)

    assert not check_swap_head(ten_always)
    assert "made a head with 10 outputs, expected 7" in _said(capsys)

    def skeleton(model, num_classes):
        ...

    assert not check_swap_head(skeleton)
    assert "returned None" in _said(capsys)


def test_lecture_transform(capsys):
    assert check_lecture_transform(lecture_transform)
    assert _said(capsys) == "pass: lecture_transform\n"
    assert not check_lecture_transform(lambda s, m, d: lecture_transform(s, m, d, degrees=10))
    assert "by -5 to 5" in _said(capsys)
    assert not check_lecture_transform(lambda s, m, d: lecture_transform(s, m, d, padding=12))
    assert "pads 4 pixels" in _said(capsys)
    assert not check_lecture_transform(
        lambda s, m, d: lecture_transform(s, m, d, normalise=False))
    assert "no v2.Normalize" in _said(capsys)

    def unscaled(size, mean, std):
        return v2.Compose([v2.RandomCrop(96, padding=4), v2.RandomRotation(5),
                           v2.RandomHorizontalFlip(), v2.Resize(size),
                           v2.ToDtype(torch.float32), v2.Normalize(mean, std)])

    assert not check_lecture_transform(unscaled)
    assert "scale to [0, 1] before normalising" in _said(capsys)


def test_nll_at(capsys):
    assert check_nll_at(nll_at)
    assert _said(capsys) == "pass: nll_at\n"
    assert not check_nll_at(lambda z, y, t: F.cross_entropy(z * t, y))
    assert "divide the logits by t" in _said(capsys)
    assert not check_nll_at(
        lambda z, y, t: -(z / t).softmax(1).gather(1, y[:, None]).log().mean())
    assert "underflows" in _said(capsys)
