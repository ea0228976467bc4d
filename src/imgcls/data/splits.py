"""Labelled train/test image tensors and stratified subsets, shared by the dataset loaders."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class ImageSplits:
    """Train and test images (N x 3 x H x W, uint8), labels, class names and provenance.

    ``source`` describes the files used and ``exact`` says whether they are the official data
    (False for a lossy mirror export), so that a chapter can name them on the page.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    classes: tuple[str, ...]
    source: str
    exact: bool


def stratified_indices(labels: torch.Tensor, per_class: int | None, seed: int = 0) -> torch.Tensor:
    """Indices of ``per_class`` examples of every class, drawn with a fixed seed (all if None)."""
    if per_class is None:
        return torch.arange(len(labels))
    gen = torch.Generator().manual_seed(seed)
    picks = []
    for c in torch.unique(labels):
        idx = torch.nonzero(labels == c).flatten()
        if len(idx) < per_class:
            raise ValueError(f"class {int(c)} has {len(idx)} examples, fewer than {per_class}")
        picks.append(idx[torch.randperm(len(idx), generator=gen)[:per_class]])
    return torch.cat(picks).sort().values
