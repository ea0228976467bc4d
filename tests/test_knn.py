"""k-nearest neighbours: the three distance matrices agree, votes match scikit-learn, CV picks k."""

import numpy as np
import pytest
import torch
from sklearn.neighbors import KNeighborsClassifier

from imgcls import knn


def blobs(n: int, d: int, classes: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Overlapping Gaussian blobs in float64, so that neighbours come from several classes."""
    gen = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % classes
    centres = torch.randn(classes, d, generator=gen, dtype=torch.float64)
    return centres[y] + 1.5 * torch.randn(n, d, generator=gen, dtype=torch.float64), y


def test_three_distance_implementations_agree_with_cdist():
    train, _ = blobs(40, 12, 3, seed=0)
    test, _ = blobs(9, 12, 3, seed=1)
    reference = torch.cdist(test, train)
    for name, fn in knn.IMPLEMENTATIONS.items():
        got = fn(test, train)
        assert got.shape == (9, 40), name
        torch.testing.assert_close(got, reference, rtol=1e-10, atol=1e-10, msg=name)


def test_no_loops_self_distance_is_near_zero_and_never_nan():
    x = torch.rand(50, 300, generator=torch.Generator().manual_seed(0)) * 255
    assert torch.all(knn.distances_no_loops(x.double(), x.double()).diagonal() < 1e-3)
    # float32 cancellation can make ||a||^2 + ||b||^2 - 2ab slightly negative: clamped, not NaN
    single = knn.distances_no_loops(x, x)
    assert not torch.isnan(single).any()
    torch.testing.assert_close(single, knn.distances_one_loop(x, x), rtol=1e-4, atol=5.0)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 8, 15])
def test_predictions_match_sklearn(k):
    x_train, y_train = blobs(120, 6, 4, seed=2)
    x_test, _ = blobs(60, 6, 4, seed=3)
    ours = knn.predict(knn.distances_no_loops(x_test, x_train), y_train, k)
    clf = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(x_train.numpy(),
                                                                       y_train.numpy())
    np.testing.assert_array_equal(ours.numpy(), clf.predict(x_test.numpy()))


def test_tied_vote_goes_to_smallest_label_like_sklearn():
    # four points on a line with labels 2, 1, 0, 3; the queries make every vote a tie
    x_train = torch.tensor([[0.0], [1.0], [3.0], [4.0]], dtype=torch.float64)
    y_train = torch.tensor([2, 1, 0, 3])
    x_test = torch.tensor([[0.4], [3.6]], dtype=torch.float64)
    dists = knn.distances_no_loops(x_test, x_train)
    for k, expected in ((2, [1, 0]), (4, [0, 0])):
        ours = knn.predict(dists, y_train, k)
        clf = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(x_train, y_train)
        assert ours.tolist() == expected == clf.predict(x_test.numpy()).tolist()


def test_equal_distances_keep_the_lower_training_index():
    dists = torch.tensor([[2.0, 1.0, 1.0, 1.0, 0.5]])
    assert knn.neighbour_order(dists, 3).tolist() == [[4, 1, 2]]


def test_folds_partition_the_indices():
    parts = knn.fold_indices(23, 5, seed=0)
    assert [len(p) for p in parts] == [5, 5, 5, 4, 4]
    assert sorted(torch.cat(parts).tolist()) == list(range(23))


def test_cross_validation_shape_and_best_k_ties_go_to_smaller_k():
    x, y = blobs(100, 5, 3, seed=4)
    ks = [1, 3, 5]
    acc = knn.cross_validate(x, y, ks, folds=5)
    assert acc.shape == (3, 5) and bool(((acc >= 0) & (acc <= 1)).all())
    tied = torch.tensor([[0.5, 0.6], [0.7, 0.4], [0.55, 0.55]], dtype=torch.float64)
    assert knn.best_k([1, 3, 5], tied) == 1
    assert knn.best_k([2, 4, 6], torch.tensor([[0.1], [0.3], [0.3]])) == 4


def test_cross_validation_matches_a_direct_computation_on_one_fold():
    x, y = blobs(60, 4, 3, seed=5)
    acc = knn.cross_validate(x, y, [3], folds=3, seed=7)
    parts = knn.fold_indices(60, 3, seed=7)
    held, kept = parts[1], torch.cat([parts[0], parts[2]])
    clf = KNeighborsClassifier(n_neighbors=3, algorithm="brute").fit(x[kept], y[kept])
    assert acc[0, 1].item() == pytest.approx((clf.predict(x[held]) == y[held].numpy()).mean())


def test_l1_distances_and_cross_validation_with_l1_match_sklearn_manhattan():
    x, y = blobs(60, 4, 3, seed=6)
    manual = (x[:5, None, :] - x[None, :, :]).abs().sum(dim=2)
    torch.testing.assert_close(knn.distances_l1(x[:5], x), manual)
    acc = knn.cross_validate(x, y, [3], folds=3, seed=7, distance=knn.distances_l1)
    parts = knn.fold_indices(60, 3, seed=7)
    held, kept = parts[0], torch.cat([parts[1], parts[2]])
    clf = KNeighborsClassifier(n_neighbors=3, algorithm="brute", p=1).fit(x[kept], y[kept])
    assert acc[0, 0].item() == pytest.approx((clf.predict(x[held]) == y[held].numpy()).mean())
