"""Images as flat rows of pixels: the animal faces as a feature matrix for scikit-learn models.

This is the representation a classical model gets when it is handed raw images: every pixel
becomes one column, and the 2-D neighbourhood of a pixel is forgotten.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from torchvision import transforms

from imgcls.data.images import animal_faces


def flatten_transform(size: int = 200) -> transforms.Compose:
    """Grayscale, resize to ``size`` x ``size``, scale to [0, 1] and flatten to one row."""
    return transforms.Compose([
        transforms.Grayscale(num_output_channels=1),
        transforms.Resize((size, size)),
        transforms.ToTensor(),
        transforms.Lambda(torch.flatten),
    ])


def flattened_animal_faces(split: str, size: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """One split of the animal faces as ``X`` (N x size², float32 in [0, 1]) and labels ``y``.

    Classes are numbered as ``imgcls.data.images.ANIMAL_CLASSES`` (cat 0, dog 1, wild 2).
    """
    dataset = animal_faces(split, transform=flatten_transform(size))
    rows, labels = zip(*(dataset[i] for i in range(len(dataset))), strict=True)
    return torch.stack(rows).numpy(), np.asarray(labels, dtype=np.int64)


def accuracy_by_group(y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray,
                      classes: Sequence[str]) -> pd.DataFrame:
    """One row per group (in order of first appearance): its images, the share predicted
    right, and how many were predicted as each class; for error analysis by subgroup."""
    rows = {}
    for group in dict.fromkeys(groups):
        mask = groups == group
        counts = np.bincount(y_pred[mask], minlength=len(classes))
        rows[group] = {"images": int(mask.sum()),
                       "accuracy": float((y_pred[mask] == y_true[mask]).mean()),
                       **{f"predicted {name}": int(n) for name, n in zip(classes, counts,
                                                                          strict=True)}}
    return pd.DataFrame.from_dict(rows, orient="index")
