"""STL-10's labelled splits as uint8 tensors, read once by ``torchvision.datasets.STL10``.

The official archive (fetched and md5-checked by the data layer) is unpacked beside it into
``stl10_binary/``, where torchvision looks. torchvision then checks the md5 of every binary file;
the decoded arrays are cached in ``stl10_binary/labelled.npz`` so that later runs skip that work.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from imgcls.data.errors import DataError
from imgcls.data.fetch import extract_archive, fetch
from imgcls.data.splits import ImageSplits, stratified_indices

CLASSES = ("airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck")
FOLDER = "stl10_binary"
CACHE = "labelled.npz"


def extract(archive: Path, root: Path) -> Path:
    """Unpack ``archive`` into ``root/stl10_binary`` once, atomically; returns that folder."""
    return extract_archive(archive, root / FOLDER, ("test_X.bin",), "stl10", inner=FOLDER)


def read_arrays(root: Path) -> dict[str, np.ndarray]:
    """The labelled splits as arrays (``xtr``, ``ytr``, ``xte``, ``yte``), cached after one read."""
    from torchvision.datasets import STL10

    cache = root / FOLDER / CACHE
    if not cache.is_file():
        try:
            train = STL10(root, split="train", download=False)
            test = STL10(root, split="test", download=False)
        except RuntimeError as exc:  # torchvision's message for missing or corrupted files
            fix = f"delete {root / FOLDER} and run: python data_scripts/fetch.py stl10"
            raise DataError("stl10", root / FOLDER, f"torchvision could not read it ({exc})",
                            fix) from None
        tmp = cache.with_name("labelled.part.npz")
        np.savez(tmp, xtr=train.data, ytr=train.labels, xte=test.data, yte=test.labels)
        tmp.replace(cache)
    with np.load(cache) as z:
        return {k: z[k] for k in ("xtr", "ytr", "xte", "yte")}


def load_stl10(train_per_class: int | None = None, test_per_class: int | None = None,
               seed: int = 0) -> ImageSplits:
    """STL-10's 5,000 train and 8,000 test images, optionally a stratified subset of each."""
    got = fetch("stl10")
    root = got.paths[0].parent
    extract(got.paths[0], root)
    a = read_arrays(root)
    xtr, xte = (torch.from_numpy(np.ascontiguousarray(a[k])) for k in ("xtr", "xte"))
    ytr, yte = (torch.from_numpy(a[k].astype(np.int64)) for k in ("ytr", "yte"))
    itr = stratified_indices(ytr, train_per_class, seed)
    ite = stratified_indices(yte, test_per_class, seed + 1)
    return ImageSplits(xtr[itr], ytr[itr], xte[ite], yte[ite], CLASSES,
                     f"{got.resource.name} ({got.variant.name}): {got.variant.fidelity}",
                     got.exact)
