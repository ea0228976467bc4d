"""Checkers of chapter 6's code-writing exercises (multi-class strategies): one-vs-rest written
with binary logistic regressions, against ``OneVsRestClassifier``; one-vs-one's vote counts,
against the votes inside ``OneVsOneClassifier.decision_function``.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import numpy as np
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier

from imgcls.exercises import checker, unfilled


def _crowded(seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Five overlapping classes in 3-D: 120 training points and 30 new ones, on which the
    softmax model and one-vs-rest disagree (so that one cannot pass for the other)."""
    x, y = make_blobs(n_samples=150, centers=5, n_features=3, cluster_std=2.5,
                      random_state=seed)
    return x[:120], y[:120], x[120:]


@checker("one_vs_rest")
def check_one_vs_rest(one_vs_rest: Callable) -> None:
    """``one_vs_rest(x_train, y_train, x_new)`` -> the class (0..k-1) that one-vs-rest logistic
    regression (C=0.1, the chapter's binary model) predicts for each row of ``x_new``, equal to
    ``OneVsRestClassifier``'s."""
    x_train, y_train, x_new = _crowded()
    result = one_vs_rest(x_train, y_train, x_new)
    unfilled(result, "one_vs_rest(x_train, y_train, x_new)")
    result = np.asarray(result)
    if result.shape == (len(x_new), 5):
        raise AssertionError("one_vs_rest returned the (n, k) scores: return the class with the "
                             "largest score in each row (argmax over axis 1)")
    assert result.shape == (len(x_new),), (
        f"one_vs_rest gave shape {result.shape} for {len(x_new)} new points, expected "
        f"({len(x_new)},): one class per point")
    known = OneVsRestClassifier(LogisticRegression(C=0.1, max_iter=1000)).fit(x_train, y_train)
    expected = known.predict(x_new)
    softmax = LogisticRegression(C=0.1, max_iter=1000).fit(x_train, y_train).predict(x_new)
    if np.array_equal(result, softmax):
        raise AssertionError("one_vs_rest gave the softmax model's classes: fit one binary "
                             "LogisticRegression per class c on the labels y_train == c")
    if np.array_equal(result, known.decision_function(x_new).argmin(axis=1)):
        raise AssertionError("one_vs_rest took the smallest score: the class whose model is most "
                             "sure (the largest score, argmax) wins")
    wrong = int((result != expected).sum())
    assert wrong == 0, (
        f"one_vs_rest differs from OneVsRestClassifier(LogisticRegression()) on {wrong} of "
        f"{len(x_new)} points: for each class c fit LogisticRegression(C=0.1, max_iter=1000) on "
        "(x_train, y_train == c), stack the models' decision_function(x_new) as columns, and "
        "take the argmax of each row (predict's 0/1 answers tie too often)")


def _votes_by_loop(ovo: OneVsOneClassifier, x: np.ndarray, k: int) -> np.ndarray:
    """Vote counts one pair at a time, the plain way (the checker's own second opinion)."""
    votes = np.zeros((len(x), k), dtype=int)
    for est, (a, b) in zip(ovo.estimators_, combinations(range(k), 2), strict=True):
        for row, score in enumerate(est.decision_function(x)):
            votes[row, b if score > 0 else a] += 1
    return votes


@checker("ovo_votes")
def check_ovo_votes(ovo_votes: Callable) -> None:
    """``ovo_votes(estimators, x, k)`` -> the (n, k) counts of one-vs-one votes per class, equal
    to the votes inside ``OneVsOneClassifier.decision_function`` (its rounded values)."""
    x_train, y_train, x_new = _crowded(seed=4)
    k = 5
    ovo = OneVsOneClassifier(LogisticRegression(C=0.1, max_iter=1000)).fit(x_train, y_train)
    result = ovo_votes(ovo.estimators_, x_new, k)
    unfilled(result, "ovo_votes(estimators, x, k)")
    result = np.asarray(result)
    assert result.shape == (len(x_new), k), (
        f"ovo_votes gave shape {result.shape} for {len(x_new)} points and {k} classes, expected "
        f"({len(x_new)}, {k}): one row per point, one count per class")
    pairs = k * (k - 1) // 2
    sums = result.sum(axis=1)
    assert np.all(sums == pairs), (
        f"a row of ovo_votes adds up to {sums[sums != pairs][0]:g}, expected {pairs}: each of "
        f"the {pairs} pairwise models casts exactly one vote")
    known = np.rint(ovo.decision_function(x_new)).astype(int)
    assert np.array_equal(known, _votes_by_loop(ovo, x_new, k))  # the two references agree
    swapped = np.zeros_like(known)
    for est, (a, b) in zip(ovo.estimators_, combinations(range(k), 2), strict=True):
        positive = est.decision_function(x_new) > 0
        swapped[positive, a] += 1
        swapped[~positive, b] += 1
    if np.array_equal(result, swapped):
        raise AssertionError("ovo_votes gave each vote to the other class of the pair: the model "
                             "for the pair (a, b) scores positive for b (it was fitted on the "
                             "labels y == b)")
    wrong = int((result != known).any(axis=1).sum())
    assert wrong == 0, (
        f"ovo_votes differs from OneVsOneClassifier's votes on {wrong} of {len(x_new)} points: "
        "the estimators come in the order of itertools.combinations(range(k), 2), i.e. (0, 1), "
        "(0, 2), ..., (k-2, k-1); the model for (a, b) votes for b where its decision_function "
        "is positive, else for a")
