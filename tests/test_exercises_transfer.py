"""Chapter 10's exercise checkers pass the reference solutions and say what is wrong otherwise."""

from __future__ import annotations

import copy

import pytest
from torch import nn
from verdicts import verdict

from imgcls.exercises.transfer import check_frozen_extractor, check_group_probability


def frozen_extractor(model):
    extractor = copy.deepcopy(model)
    extractor.fc = nn.Identity()
    extractor.requires_grad_(False)
    return extractor.eval()


def in_place(model):
    model.fc = nn.Identity()
    model.requires_grad_(False)
    return model.eval()


def not_frozen(model):
    return frozen_extractor(model).requires_grad_(True)


def still_training(model):
    return frozen_extractor(model).train()


def head_kept(model):
    extractor = copy.deepcopy(model).requires_grad_(False).eval()
    extractor.fc = nn.Linear(512, 512).requires_grad_(False)
    return extractor


def max_pooled(model):
    extractor = frozen_extractor(model)
    extractor.avgpool = nn.AdaptiveMaxPool2d(1).eval()
    return extractor


def group_probability(logits, indices):
    return logits.softmax(dim=1)[:, list(indices)].sum(dim=1)



def test_reference_solutions_pass(capsys) -> None:
    assert verdict(check_frozen_extractor, frozen_extractor, capsys) == (
        True, "pass: frozen_extractor\n")
    assert verdict(check_group_probability, group_probability, capsys) == (
        True, "pass: group_probability\n")


@pytest.mark.parametrize(("fn", "said"), [
    (lambda model: None, "returned None"),
    (in_place, "changed the model it was given"),
    (not_frozen, "still require a gradient"),
    (still_training, "still in training mode"),
    (head_kept, "expected nn.Identity()"),
    (max_pooled, "differ from torchvision's create_feature_extractor"),
    (lambda model: ..., "returned a ellipsis"),
])
def test_frozen_extractor_mistakes(fn, said, capsys) -> None:
    passed, out = verdict(check_frozen_extractor, fn, capsys)
    assert not passed and said in out, out


@pytest.mark.parametrize(("fn", "said"), [
    (lambda logits, indices: ..., "returned a ellipsis"),
    (lambda logits, indices: None, "returned None"),
    (lambda logits, indices: logits[:, list(indices)].softmax(dim=1).sum(dim=1),
     "over the group's scores only"),
    (lambda logits, indices: logits.softmax(dim=0)[:, list(indices)].sum(dim=1),
     "use dim=1"),
    (lambda logits, indices: logits.softmax(dim=1)[:, list(indices)],
     "one total per image"),
    (lambda logits, indices: logits[:, list(indices)].sum(dim=1).sigmoid(),
     "differs from the known totals"),
])
def test_group_probability_mistakes(fn, said, capsys) -> None:
    passed, out = verdict(check_group_probability, fn, capsys)
    assert not passed and said in out, out
