"""Chapter 2's exercise checkers pass the reference solutions and say what is wrong otherwise."""

from __future__ import annotations

import pytest
import torch
from verdicts import verdict

from imgcls.exercises.pixel_similarity import check_nearest_ideal, check_per_class_accuracy


def per_class_accuracy(predicted, labels, num_classes):
    right = torch.bincount(labels[predicted == labels], minlength=num_classes)
    return right / torch.bincount(labels, minlength=num_classes)


def per_class_by_loop(predicted, labels, num_classes):
    return torch.stack([(predicted[labels == k] == k).float().mean()
                        for k in range(num_classes)])


def nearest_ideal(images, ideals):
    return (images[:, None] - ideals[None]).abs().mean((-1, -2)).argmin(1)



@pytest.mark.parametrize("fn", [per_class_accuracy, per_class_by_loop])
def test_per_class_solutions_pass(fn, capsys) -> None:
    assert verdict(check_per_class_accuracy, fn, capsys) == (True, "pass: per_class_accuracy\n")


def test_nearest_ideal_solution_passes(capsys) -> None:
    assert verdict(check_nearest_ideal, nearest_ideal, capsys) == (True, "pass: nearest_ideal\n")


def precision(predicted, labels, num_classes):
    return per_class_accuracy(labels, predicted, num_classes)


@pytest.mark.parametrize(("fn", "said"), [
    (lambda p, y, k: None, "returned None"),
    (lambda p, y, k: per_class_accuracy(p, y, k).tolist(), "expected a torch.Tensor"),
    (lambda p, y, k: torch.bincount(y[p == y], minlength=k), "float type"),
    (lambda p, y, k: per_class_accuracy(p, y, k)[:-1], "expected (4,)"),
    (precision, "*predicted*"),
    (lambda p, y, k: (p == y).float().mean().expand(k), "overall accuracy"),
    (lambda p, y, k: per_class_accuracy(p, y, k).nan_to_num(0.0), "expected nan"),
    (lambda p, y, k: 1 - per_class_accuracy(p, y, k), "expected ["),
])
def test_per_class_mistakes(fn, said, capsys) -> None:
    passed, out = verdict(check_per_class_accuracy, fn, capsys)
    assert not passed and said in out, out


@pytest.mark.parametrize(("fn", "said"), [
    (lambda x, i: (x[:, None] - i[None]).abs().mean((-1, -2)).argmax(1), "farthest"),
    (lambda x, i: (x[:, None] - i[None]).pow(2).mean((-1, -2)).argmin(1), "(L2)"),
    (lambda x, i: (x[:, None] - i[None]).abs().mean((-1, -2)), "expected (40,)"),
    (lambda x, i: (x[:, None] - i[None]).abs().mean((-1, -2)).min(1).values, "argmin"),
    (lambda x, i: (x[:, None] - i[None]).abs().mean((-1, -2)).argmin(1).squeeze(), "one image"),
    (lambda x, i: (x[:, None] - i[None]).abs().sum(-1).min(-1).values.argmin(1), "wrong ideal"),
])
def test_nearest_ideal_mistakes(fn, said, capsys) -> None:
    passed, out = verdict(check_nearest_ideal, fn, capsys)
    assert not passed and said in out, out
