"""CIFAR-10 as uint8 tensors, from the official archive or, offline, the mirror's JPEG export.

Both sources give the same shapes and classes; ``ImageSplits.exact`` and ``source`` say which was
used so that a chapter can name it on the page.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from imgcls.data.errors import DataError
from imgcls.data.fetch import extract_archive, fetch
from imgcls.data.splits import ImageSplits, stratified_indices

BATCHES = "cifar-10-batches-py"
CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
           "dog", "frog", "horse", "ship", "truck")


def _official(root: Path) -> tuple[np.ndarray, ...]:
    from torchvision.datasets import CIFAR10

    train = CIFAR10(root, train=True, download=False)
    test = CIFAR10(root, train=False, download=False)
    return (train.data, np.array(train.targets), test.data, np.array(test.targets))


def _jpeg_split(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    for label, name in enumerate(CLASSES):
        files = sorted((folder / split / name).glob("*.jpg"))
        if not files:
            raise DataError("cifar10", folder / split / name, "wrong folder layout: no JPEGs")
        for f in files:
            with Image.open(f) as im:
                images.append(np.asarray(im.convert("RGB")))
        labels += [label] * len(files)
    return np.stack(images), np.array(labels)


def _jpeg(archive: Path) -> tuple[np.ndarray, ...]:
    folder = extract_archive(archive, archive.parent / "cifar10_jpeg", ("train", "test"),
                             "cifar10")
    cache = folder / "arrays.npz"
    if not cache.is_file():
        xtr, ytr = _jpeg_split(folder, "train")
        xte, yte = _jpeg_split(folder, "test")
        tmp = folder / "arrays.part.npz"
        np.savez(tmp, xtr=xtr, ytr=ytr, xte=xte, yte=yte)
        tmp.replace(cache)
    with np.load(cache) as z:
        return z["xtr"], z["ytr"], z["xte"], z["yte"]


def load_cifar10(train_per_class: int | None = None, test_per_class: int | None = None,
                 seed: int = 0) -> ImageSplits:
    """CIFAR-10, optionally a stratified subset of each split (fixed seed)."""
    got = fetch("cifar10")
    if got.variant.name == "official":
        archive = got.paths[0]
        # unpacked where torchvision's CIFAR10 reads it: <root>/cifar-10-batches-py
        extract_archive(archive, archive.parent / BATCHES, ("data_batch_1", "test_batch"),
                        "cifar10", inner=BATCHES)
        arrays = _official(archive.parent)
    else:
        arrays = _jpeg(got.paths[0])
    xtr, ytr, xte, yte = (torch.from_numpy(np.ascontiguousarray(a)) for a in arrays)
    xtr, xte = xtr.permute(0, 3, 1, 2).contiguous(), xte.permute(0, 3, 1, 2).contiguous()
    ytr, yte = ytr.long(), yte.long()
    itr = stratified_indices(ytr, train_per_class, seed)
    ite = stratified_indices(yte, test_per_class, seed + 1)
    return ImageSplits(xtr[itr], ytr[itr], xte[ite], yte[ite], CLASSES,
                     f"{got.resource.name} ({got.variant.name}): {got.variant.fidelity}",
                     got.exact)
