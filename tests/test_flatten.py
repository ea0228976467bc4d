"""Flattening images into feature rows: layout, value range and labels, on images the test makes."""

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.datasets import ImageFolder

from imgcls import flatten


def test_flatten_transform_is_grey_resized_and_row_major():
    rgb = np.zeros((40, 60, 3), dtype=np.uint8)
    rgb[:, 30:] = 255  # right half white
    row = flatten.flatten_transform(size=10)(Image.fromarray(rgb))
    assert row.shape == (100,) and row.dtype == torch.float32
    image = row.reshape(10, 10)
    assert image[:, :4].max() < 0.05 and image[:, 6:].min() > 0.95
    assert torch.all((0 <= row) & (row <= 1))


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    for label, name in enumerate(("cat", "dog", "wild")):
        (tmp_path / name).mkdir()
        for i in range(label + 1):
            pixels = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / name / f"{i}.png")
    return tmp_path


def test_flattened_animal_faces_gives_a_feature_matrix(folder, monkeypatch):
    monkeypatch.setattr(flatten, "animal_faces",
                        lambda split, transform: ImageFolder(folder, transform=transform))
    X, y = flatten.flattened_animal_faces("train", size=16)
    assert X.shape == (6, 256) and X.dtype == np.float32
    assert y.tolist() == [0, 1, 1, 2, 2, 2]
    assert 0.0 <= X.min() and X.max() <= 1.0
    first = Image.open(folder / "cat" / "0.png").convert("L").resize((16, 16))
    diff = np.abs(X[0] - np.asarray(first, dtype=np.float32).ravel() / 255)
    assert diff.mean() < 0.02 and diff.max() < 0.1  # resampling filters differ slightly


def test_accuracy_by_group_counts_right_answers_and_predictions_per_group():
    y_true = np.array([0, 0, 2, 2, 2, 2])
    y_pred = np.array([0, 1, 2, 0, 2, 2])
    groups = np.array(["cat", "cat", "wild: fox", "wild: big cat", "wild: big cat", "wild: fox"])
    table = flatten.accuracy_by_group(y_true, y_pred, groups, ("cat", "dog", "wild"))
    assert list(table.index) == ["cat", "wild: fox", "wild: big cat"]
    assert table["images"].tolist() == [2, 2, 2]
    assert table["accuracy"].tolist() == [0.5, 1.0, 0.5]
    assert table.loc["wild: big cat", ["predicted cat", "predicted dog", "predicted wild"]
                     ].tolist() == [1, 0, 1]
