"""k-nearest neighbours from scratch: distance matrices three ways, voting, cross-validation over k.

The three L2 distance-matrix functions compute the same numbers and differ only in how much work
they hand to vectorised tensor code; chapter 4 times them side by side. Prediction sorts each row
of a distance matrix with a stable sort (equal distances go to the lower training index) and votes;
a tied vote goes to the smallest class label, as ``sklearn.neighbors.KNeighborsClassifier`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

DistanceFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def flatten(images: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Images N x ... as rows N x D of ``dtype`` (raw pixel values, no scaling)."""
    return images.reshape(len(images), -1).to(dtype)


def distances_two_loops(test: torch.Tensor,
                        train: torch.Tensor) -> torch.Tensor:
    """L2 distances one pair at a time: the definition, written out."""
    out = torch.empty(len(test), len(train), dtype=test.dtype)
    for i, query in enumerate(test):
        for j, stored in enumerate(train):
            gap = query - stored
            out[i, j] = gap @ gap  # the squared distance of one pair
    return out.sqrt()


def distances_one_loop(test: torch.Tensor,
                       train: torch.Tensor) -> torch.Tensor:
    """L2 distances one test row at a time, against all training rows."""
    out = torch.empty(len(test), len(train), dtype=test.dtype)
    for i, query in enumerate(test):
        gaps = train - query  # broadcasting: the query is taken from every row
        out[i] = (gaps * gaps).sum(dim=1)
    return out.sqrt()


def distances_no_loops(test: torch.Tensor,
                       train: torch.Tensor) -> torch.Tensor:
    """L2 distances from |a|^2 + |b|^2 - 2 a.b: one matrix product."""
    test_norms = (test * test).sum(dim=1).unsqueeze(1)  # a column
    train_norms = (train * train).sum(dim=1)  # a row
    squared = test_norms + train_norms - 2 * (test @ train.T)
    # rounding can leave a tiny negative number where two rows are equal
    return squared.clamp_min(0).sqrt()


def distances_l1(test: torch.Tensor, train: torch.Tensor) -> torch.Tensor:
    """L1 (Manhattan) distances between every test row and every training row."""
    return torch.cdist(test, train, p=1)


IMPLEMENTATIONS: dict[str, DistanceFn] = {
    "two loops": distances_two_loops,
    "one loop": distances_one_loop,
    "no loops": distances_no_loops,
}


def neighbour_order(dists: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the ``k`` nearest training points per row; equal distances keep index order."""
    return torch.sort(dists, dim=1, stable=True).indices[:, :k]


def vote(neighbour_labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Majority label per row of ``neighbour_labels`` (N x k); a tie goes to the smallest label."""
    counts = torch.zeros(len(neighbour_labels), num_classes, dtype=torch.long)
    counts.scatter_add_(1, neighbour_labels, torch.ones_like(neighbour_labels))
    return counts.argmax(dim=1)  # argmax returns the first of equal maxima


def predict(dists: torch.Tensor, y_train: torch.Tensor, k: int,
            num_classes: int | None = None) -> torch.Tensor:
    """Labels predicted by a top-``k`` majority vote from a test x train distance matrix."""
    num_classes = num_classes or int(y_train.max()) + 1
    return vote(y_train[neighbour_order(dists, k)], num_classes)


def fold_indices(n: int, folds: int, seed: int = 0) -> list[torch.Tensor]:
    """A seeded shuffle of ``range(n)`` cut into ``folds`` nearly equal parts."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return list(torch.tensor_split(order, folds))


def cross_validate(x: torch.Tensor, y: torch.Tensor, ks: Sequence[int], folds: int = 5,
                   seed: int = 0, distance: DistanceFn = distances_no_loops) -> torch.Tensor:
    """Validation accuracy for every k (rows) and fold (columns) of a seeded k-fold split.

    Each fold's ``distance`` matrix (L2 unless told) is computed once and sorted once; every k
    reuses it.
    """
    num_classes = int(y.max()) + 1
    parts = fold_indices(len(x), folds, seed)
    acc = torch.empty(len(ks), folds, dtype=torch.float64)
    for f, held_out in enumerate(parts):
        kept = torch.cat([p for g, p in enumerate(parts) if g != f])
        order = neighbour_order(distance(x[held_out], x[kept]), max(ks))
        labels = y[kept][order]
        for row, k in enumerate(ks):
            pred = vote(labels[:, :k], num_classes)
            acc[row, f] = (pred == y[held_out]).double().mean()
    return acc


def best_k(ks: Sequence[int], fold_accuracy: torch.Tensor) -> int:
    """The k with the highest mean validation accuracy; ties (to rounding) go to the smaller k."""
    means = fold_accuracy.mean(dim=1)
    tied = torch.isclose(means, means.max(), rtol=0.0, atol=1e-12)
    return min(k for k, t in zip(ks, tied.tolist(), strict=True) if t)
