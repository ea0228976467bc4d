"""Chapter 6's exercise checkers pass the reference solutions and say what is wrong otherwise."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits
from verdicts import verdict

from imgcls.exercises.multiclass import check_one_vs_rest, check_ovo_votes


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny fits: one BLAS thread is fastest, and steady on a busy machine."""
    with threadpool_limits(limits=1):
        yield


def one_vs_rest(x_train, y_train, x_new):
    k = int(y_train.max()) + 1
    scores = np.column_stack([
        LogisticRegression(C=0.1, max_iter=1000).fit(x_train, y_train == c).decision_function(x_new)
        for c in range(k)])
    return scores.argmax(axis=1)


def ovo_votes(estimators, x, k):
    votes = np.zeros((len(x), k), dtype=int)
    for est, (a, b) in zip(estimators, combinations(range(k), 2), strict=True):
        positive = est.decision_function(x) > 0
        votes[positive, b] += 1
        votes[~positive, a] += 1
    return votes



@pytest.mark.parametrize(("check", "fn", "name"), [
    (check_one_vs_rest, one_vs_rest, "one_vs_rest"),
    (check_ovo_votes, ovo_votes, "ovo_votes"),
])
def test_reference_solutions_pass(check, fn, name, capsys) -> None:
    assert verdict(check, fn, capsys) == (True, f"pass: {name}\n")


def test_a_skeleton_is_not_yet(capsys) -> None:
    def skeleton(*args):
        ...

    for check in (check_one_vs_rest, check_ovo_votes):
        passed, out = verdict(check, skeleton, capsys)
        assert not passed and "returned None" in out


def _binary_predict_argmax(x_train, y_train, x_new):
    k = int(y_train.max()) + 1
    answers = np.column_stack([
        LogisticRegression(C=0.1, max_iter=1000).fit(x_train, y_train == c).predict(x_new)
        for c in range(k)])
    return answers.argmax(axis=1)


def _smallest_score(x_train, y_train, x_new):
    scores = np.column_stack([
        LogisticRegression(C=0.1, max_iter=1000).fit(x_train, y_train == c).decision_function(x_new)
        for c in range(int(y_train.max()) + 1)])
    return scores.argmin(axis=1)


@pytest.mark.parametrize(("fn", "said"), [
    (lambda xt, yt, xn: LogisticRegression(C=0.1, max_iter=1000).fit(
        xt, yt).predict(xn),
     "softmax model's classes"),
    (lambda xt, yt, xn: LogisticRegression(C=0.1, max_iter=1000).fit(
        xt, yt).decision_function(xn),
     "returned the (n, k) scores"),
    (_smallest_score, "took the smallest score"),
    (_binary_predict_argmax, "predict's 0/1 answers"),
    (lambda xt, yt, xn: one_vs_rest(xt, yt, xn)[:5], "expected (30,)"),
])
def test_one_vs_rest_says_what_is_wrong(fn, said, capsys) -> None:
    passed, out = verdict(check_one_vs_rest, fn, capsys)
    assert not passed and out.startswith("not yet: one_vs_rest: ") and said in out


def _give_to_other(estimators, x, k):
    votes = np.zeros((len(x), k), dtype=int)
    for est, (a, b) in zip(estimators, combinations(range(k), 2), strict=True):
        positive = est.decision_function(x) > 0
        votes[positive, a] += 1
        votes[~positive, b] += 1
    return votes


def _pairs_reversed(estimators, x, k):
    return ovo_votes(estimators[::-1], x, k)


@pytest.mark.parametrize(("fn", "said"), [
    (_give_to_other, "to the other class of the pair"),
    (_pairs_reversed, "itertools.combinations"),
    (lambda est, x, k: ovo_votes(est, x, k).argmax(axis=1), "expected (30, 5)"),
    (lambda est, x, k: ovo_votes(est, x, k) / 10, "adds up to 1"),
])
def test_ovo_votes_says_what_is_wrong(fn, said, capsys) -> None:
    passed, out = verdict(check_ovo_votes, fn, capsys)
    assert not passed and out.startswith("not yet: ovo_votes: ") and said in out
