"""MNIST as tensors, and the fastai "MNIST_SAMPLE" of 3s and 7s derived from it."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torchvision.datasets import MNIST

from imgcls import config
from imgcls.data.fetch import fetch


def load_mnist(train: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST images (N x 28 x 28, uint8) and labels (N,), fetched and verified first."""
    fetch("mnist")
    ds = MNIST(config.data_dir(), train=train, download=False)
    return ds.data, ds.targets


@dataclass(frozen=True)
class ThreesSevens:
    """The 3s and 7s of MNIST as float tensors in [0, 1], split as the fastai sample is."""

    train_3: torch.Tensor
    train_7: torch.Tensor
    valid_3: torch.Tensor
    valid_7: torch.Tensor


def threes_and_sevens() -> ThreesSevens:
    """Every 3 and 7 of MNIST (train 6,131 / 6,265, valid 1,010 / 1,028), scaled to [0, 1].

    The fastai sample is exactly these images: its train split is MNIST's train set, its
    validation split MNIST's test set.
    """
    x_train, y_train = load_mnist(train=True)
    x_test, y_test = load_mnist(train=False)

    def scaled(x: torch.Tensor, y: torch.Tensor, digit: int) -> torch.Tensor:
        return x[y == digit].float() / 255

    return ThreesSevens(
        scaled(x_train, y_train, 3), scaled(x_train, y_train, 7),
        scaled(x_test, y_test, 3), scaled(x_test, y_test, 7),
    )
