"""Chapter 1's exercise checkers pass the reference solutions and say what is wrong otherwise."""

from __future__ import annotations

import pytest
import torch
from verdicts import verdict

from imgcls.exercises.images import check_centre_crop, check_mirror, check_to_input


def to_input(image, mean, std):
    x = torch.from_numpy(image).permute(2, 0, 1).float() / 255
    return (x - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)


def centre_crop(x, size):
    top, left = (x.shape[-2] - size) // 2, (x.shape[-1] - size) // 2
    return x[..., top:top + size, left:left + size]


def unscaled(image, mean, std):
    x = torch.from_numpy(image).permute(2, 0, 1).float()
    return (x - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)



def test_reference_solutions_pass(capsys) -> None:
    assert verdict(check_to_input, to_input, capsys) == (True, "pass: to_input\n")
    assert verdict(check_centre_crop, centre_crop, capsys)[0]
    assert verdict(check_mirror, lambda x: x.flip(-1), capsys)[0]


@pytest.mark.parametrize(("fn", "said"), [
    (lambda im, m, s: None, "returned None"),
    (lambda im, m, s: to_input(im, m, s).numpy(), "expected a torch.Tensor"),
    (lambda im, m, s: torch.from_numpy(im).float().div(255), "expected (3, 6, 10)"),
    (lambda im, m, s: to_input(im, m, s).double(), "expected float32"),
    (unscaled, "divide by 255 first"),
    (lambda im, m, s: to_input(im, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
     "ignores the mean and std"),
    (lambda im, m, s: (torch.from_numpy(im).permute(2, 0, 1) / 255 - 0.45) / 0.226,
     "differs from torchvision"),
])
def test_to_input_mistakes(fn, said, capsys) -> None:
    passed, out = verdict(check_to_input, fn, capsys)
    assert not passed and said in out, out


@pytest.mark.parametrize(("fn", "said"), [
    (lambda x, size: x[..., :size, :size], "cut the wrong square"),
    (lambda x, size: x[..., :size, :], "expected (3, 4, 4)"),
    (lambda x, size: centre_crop(x, size).clone(), "copied the pixels"),
])
def test_centre_crop_mistakes(fn, said, capsys) -> None:
    passed, out = verdict(check_centre_crop, fn, capsys)
    assert not passed and said in out, out


@pytest.mark.parametrize(("fn", "said"), [
    (lambda x: x.flip(-2), "upside down"),
    (lambda x: x.flip(-1, -3), "horizontal_flip"),
    (lambda x: x[..., ::-1], "ValueError"),
])
def test_mirror_mistakes(fn, said, capsys) -> None:
    passed, out = verdict(check_mirror, fn, capsys)
    assert not passed and said in out, out
