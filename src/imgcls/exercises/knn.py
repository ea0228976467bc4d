"""Checkers of chapter 4's code-writing exercises (k-nearest neighbours): the L1 distance matrix
against ``torch.cdist``, the majority vote against a plain count with the documented tie rule,
and k-fold index splitting against the properties a split must have.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import torch

from imgcls.exercises import checker, unfilled


@checker("l1_distances")
def check_l1_distances(l1_distances: Callable) -> None:
    """``l1_distances(test, train)`` -> the M x N matrix of L1 distances between the rows of an
    M x D ``test`` and an N x D ``train``, matching ``torch.cdist(test, train, p=1)``."""
    g = torch.Generator().manual_seed(0)
    test, train = torch.rand(7, 12, generator=g), torch.rand(9, 12, generator=g)
    result = l1_distances(test, train)
    unfilled(result, "l1_distances(test, train)")
    assert isinstance(result, torch.Tensor), (
        f"l1_distances returned a {type(result).__name__}, expected a torch.Tensor")
    assert tuple(result.shape) == (7, 9), (
        f"l1_distances gave shape {tuple(result.shape)} for 7 test and 9 training rows, "
        "expected (7, 9): one row per test image, one column per training image")
    known = torch.cdist(test, train, p=1)
    if torch.allclose(result, torch.cdist(test, train, p=2), atol=1e-4):
        raise AssertionError("l1_distances gave L2 distances: add up the absolute differences, "
                             "not their squares")
    if torch.allclose(result, known / test.shape[1], atol=1e-5):
        raise AssertionError("l1_distances took the mean of the absolute differences: the L1 "
                             "distance is their sum")
    assert torch.allclose(result, known, atol=1e-4), (
        f"l1_distances differs from torch.cdist(test, train, p=1) by up to "
        f"{(result - known).abs().max().item():.3g}: for each test row, subtract it from every "
        "training row (broadcasting), take .abs() and sum over the pixels (dim=1)")
    one = l1_distances(test[:1], train[:1])
    assert tuple(one.shape) == (1, 1), (
        f"l1_distances gave shape {tuple(one.shape)} for one test and one training row, "
        "expected (1, 1): avoid squeezing axes away")


def _vote_by_count(labels: list[int]) -> int:
    """The most frequent label; among equally frequent ones, the smallest."""
    counts = Counter(labels)
    top = max(counts.values())
    return min(label for label, n in counts.items() if n == top)


@checker("majority_vote")
def check_majority_vote(majority_vote: Callable) -> None:
    """``majority_vote(neighbour_labels, num_classes)`` -> for each row of an N x k integer
    tensor of labels, the most frequent one; a tie goes to the smallest label."""
    rows = torch.tensor([[2, 1, 2], [2, 1, 0], [3, 3, 1], [0, 4, 4]])
    result = majority_vote(rows, 5)
    unfilled(result, "majority_vote(neighbour_labels, 5)")
    assert isinstance(result, torch.Tensor), (
        f"majority_vote returned a {type(result).__name__}, expected a torch.Tensor")
    assert tuple(result.shape) == (4,), (
        f"majority_vote gave shape {tuple(result.shape)} for 4 rows of 3 labels, expected (4,): "
        "one label per row")
    assert not result.is_floating_point(), (
        f"majority_vote gave dtype {result.dtype}: return labels (argmax), not counts")
    if torch.equal(result, rows[:, 0]):
        raise AssertionError("majority_vote returned the nearest neighbour's label; count every "
                             "label of the row")
    expected = torch.tensor([2, 0, 3, 4])
    if result[1].item() == 2:
        raise AssertionError("majority_vote gave the tie [2, 1, 0] to the nearest neighbour's "
                             "label 2; the rule is: a tie goes to the smallest label (0)")
    assert torch.equal(result, expected), (
        f"majority_vote gave {result.tolist()} for rows {rows.tolist()}, expected "
        f"{expected.tolist()} (counts per label, then the label with most votes, the smallest "
        "label among equals)")
    g = torch.Generator().manual_seed(0)
    many = torch.randint(0, 10, (200, 6), generator=g)
    got = majority_vote(many, 10)
    known = torch.tensor([_vote_by_count(row) for row in many.tolist()])
    wrong = (got != known).nonzero().flatten().tolist()
    assert not wrong, (
        f"majority_vote is wrong on {len(wrong)} of 200 random rows of 6 labels, e.g. "
        f"{many[wrong[0]].tolist()} -> {got[wrong[0]].item()}, expected {known[wrong[0]].item()} "
        "(ties go to the smallest label: torch.argmax returns the first of equal maxima)")
    unseen = majority_vote(torch.tensor([[1, 1]]), 10)
    assert unseen.tolist() == [1], (
        f"majority_vote gave {unseen.tolist()} for the row [1, 1] with 10 classes, expected [1]")


@checker("fold_indices")
def check_fold_indices(fold_indices: Callable) -> None:
    """``fold_indices(n, folds, seed)`` -> a list of ``folds`` integer tensors that together hold
    every index 0..n-1 once, in a shuffled order that depends on ``seed`` only."""
    parts = fold_indices(23, 5, seed=0)
    unfilled(parts, "fold_indices(23, 5, seed=0)")
    parts = list(parts)
    assert len(parts) == 5, f"fold_indices(23, 5) gave {len(parts)} folds, expected 5"
    assert all(isinstance(p, torch.Tensor) and not p.is_floating_point() for p in parts), (
        "fold_indices must return integer tensors of indices (torch.randperm gives them)")
    sizes = sorted(len(p) for p in parts)
    assert sum(sizes) == 23, (
        f"fold_indices(23, 5) gave folds of sizes {sizes}, {sum(sizes)} indices in all; "
        "expected every one of the 23 indices once")
    assert sorted(torch.cat(parts).tolist()) == list(range(23)), (
        "fold_indices(23, 5) repeats or misses an index: cut one permutation of range(n) into "
        "pieces instead of drawing each fold separately")
    assert sizes[-1] - sizes[0] <= 1, (
        f"fold_indices(23, 5) gave folds of sizes {sizes}; expected sizes that differ by at most "
        "one (torch.tensor_split cuts as evenly as possible)")
    assert torch.cat(parts).tolist() != list(range(23)), (
        "fold_indices did not shuffle: the folds are consecutive runs of 0..22, so a data set "
        "sorted by class would give folds of one class each. Shuffle with torch.randperm")
    again = list(fold_indices(23, 5, seed=0))
    assert all(torch.equal(a, b) for a, b in zip(parts, again, strict=True)), (
        "fold_indices(23, 5, seed=0) gave different folds on a second call: draw the "
        "permutation from torch.Generator().manual_seed(seed)")
    other = list(fold_indices(23, 5, seed=1))
    assert not all(torch.equal(a, b) for a, b in zip(parts, other, strict=True)), (
        "fold_indices gave the same folds for seeds 0 and 1: use the seed")
