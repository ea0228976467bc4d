"""The PyTorch twin of MLPClassifier: learns a separable problem, is seeded, checks its input."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs

from imgcls import torch_mlp


def test_learns_separated_blobs_and_is_reproducible():
    torch.set_num_threads(1)
    x, y = make_blobs(n_samples=300, centers=4, cluster_std=0.8, random_state=0)
    first = torch_mlp.fit(x, y, hidden=16, epochs=60, lr=1e-2, seed=3)
    second = torch_mlp.fit(x, y, hidden=16, epochs=60, lr=1e-2, seed=3)
    pred = torch_mlp.predict(first, x)
    assert (pred == y).mean() > 0.95
    np.testing.assert_array_equal(pred, torch_mlp.predict(second, x))
    assert first[0].out_features == 16 and first[2].out_features == 4


def test_rejects_mismatched_input():
    with pytest.raises(ValueError, match="expected x of shape"):
        torch_mlp.fit(np.zeros((5, 2)), np.zeros(4, dtype=int))


def test_side_by_side_reports_time_and_accuracy_for_both():
    torch.set_num_threads(1)
    x, y = make_blobs(n_samples=200, centers=3, cluster_std=0.8, random_state=1)
    rows = torch_mlp.side_by_side(x[:150], y[:150], x[150:], y[150:], hidden=16, epochs=300)
    assert set(rows) == {"scikit-learn MLPClassifier", "PyTorch nn.Sequential"}
    for row in rows.values():
        assert row["fit seconds"] > 0 and 0.8 < row["test accuracy"] <= 1.0
