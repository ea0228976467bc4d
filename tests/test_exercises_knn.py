"""Chapter 4's exercise checkers pass the reference solutions and say what is wrong otherwise."""

from __future__ import annotations

import pytest
import torch
from verdicts import verdict

from imgcls import knn
from imgcls.exercises.knn import check_fold_indices, check_l1_distances, check_majority_vote


def l1_distances(test, train):
    out = torch.empty(len(test), len(train))
    for i, query in enumerate(test):
        out[i] = (train - query).abs().sum(dim=1)
    return out


def majority_vote(neighbour_labels, num_classes):
    counts = torch.stack([torch.bincount(row, minlength=num_classes)
                          for row in neighbour_labels])
    return counts.argmax(dim=1)


def fold_indices(n, folds, seed=0):
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return list(torch.tensor_split(order, folds))



@pytest.mark.parametrize(("check", "fn", "name"), [
    (check_l1_distances, l1_distances, "l1_distances"),
    (check_l1_distances, knn.distances_l1, "l1_distances"),
    (check_majority_vote, majority_vote, "majority_vote"),
    (check_majority_vote, knn.vote, "majority_vote"),
    (check_fold_indices, fold_indices, "fold_indices"),
    (check_fold_indices, knn.fold_indices, "fold_indices"),
])
def test_reference_solutions_pass(check, fn, name, capsys) -> None:
    assert verdict(check, fn, capsys) == (True, f"pass: {name}\n")


def test_a_skeleton_is_not_yet(capsys) -> None:
    def skeleton(*args, **kwargs):
        ...

    for check in (check_l1_distances, check_majority_vote, check_fold_indices):
        passed, out = verdict(check, skeleton, capsys)
        assert not passed and "returned None" in out


@pytest.mark.parametrize(("fn", "said"), [
    (lambda a, b: torch.cdist(a, b), "gave L2 distances"),
    (lambda a, b: torch.cdist(a, b, p=1) / a.shape[1], "the L1 distance is their sum"),
    (lambda a, b: torch.cdist(a, b, p=1).T, "expected (7, 9)"),
    (lambda a, b: torch.cdist(a, b, p=1).squeeze(), "avoid squeezing"),
    (lambda a, b: (a[:, None] - b[None]).sum(-1).abs(), "differs from torch.cdist"),
])
def test_wrong_l1_distances_are_named(fn, said, capsys) -> None:
    passed, out = verdict(check_l1_distances, fn, capsys)
    assert not passed and said in out


def nearest_first_on_ties(neighbour_labels, num_classes):
    counts = torch.stack([torch.bincount(row, minlength=num_classes)
                          for row in neighbour_labels])
    best = counts.max(dim=1, keepdim=True).values
    tied = counts == best
    # the tied label that appears first among the neighbours
    out = []
    for row, ok in zip(neighbour_labels, tied, strict=True):
        out.append(next(int(v) for v in row if ok[v]))
    return torch.tensor(out)


def largest_on_ties(neighbour_labels, num_classes):
    counts = torch.stack([torch.bincount(row, minlength=num_classes)
                          for row in neighbour_labels])
    return num_classes - 1 - counts.flip(1).argmax(dim=1)


@pytest.mark.parametrize(("fn", "said"), [
    (lambda labels, c: labels[:, 0], "nearest neighbour's label; count every"),
    (nearest_first_on_ties, "a tie goes to the smallest label"),
    (largest_on_ties, "a tie goes to the smallest label"),
    (lambda labels, c: majority_vote(labels, c).float(), "return labels"),
    (lambda labels, c: torch.bincount(labels.flatten()).argmax(), "expected (4,)"),
])
def test_wrong_votes_are_named(fn, said, capsys) -> None:
    passed, out = verdict(check_majority_vote, fn, capsys)
    assert not passed and said in out


def with_random_tie_rule(neighbour_labels, num_classes):
    """Right on the fixed rows, wrong on some random ones: largest label on ties of 2 columns."""
    right = majority_vote(neighbour_labels, num_classes)
    if len(neighbour_labels) == 200:
        return largest_on_ties(neighbour_labels, num_classes)
    return right


def test_a_wrong_tie_rule_on_random_rows_is_named(capsys) -> None:
    passed, out = verdict(check_majority_vote, with_random_tie_rule, capsys)
    assert not passed and "of 200 random rows" in out


@pytest.mark.parametrize(("fn", "said"), [
    (lambda n, f, seed=0: list(torch.tensor_split(torch.arange(n), f)), "did not shuffle"),
    (lambda n, f, seed=0: [torch.randperm(n)[: n // f] for _ in range(f)], "indices in all"),
    (lambda n, f, seed=0: list(torch.tensor_split(torch.randperm(n), f)), "second call"),
    (lambda n, f, seed=0: fold_indices(n, f, 0), "seeds 0 and 1"),
    (lambda n, f, seed=0: fold_indices(n, f - 1, seed), "expected 5"),
    (lambda n, f, seed=0: list(torch.randperm(n, generator=torch.Generator().manual_seed(seed))
                               .split(n // f + 1)), "differ by at most one"),
])
def test_wrong_folds_are_named(fn, said, capsys) -> None:
    passed, out = verdict(check_fold_indices, fn, capsys)
    assert not passed and said in out
