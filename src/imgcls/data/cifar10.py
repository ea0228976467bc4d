"""CIFAR-10 as uint8 tensors, from the official archive or, offline, the mirror's JPEG export.

Both sources give the same shapes and classes; ``ImageSplits.exact`` and ``source`` say which was
used so that a chapter can name it on the page. The JPEG export is unpacked once and decoded
once into a cache of arrays; both are checked against what they record on every load and
rebuilt from the verified archive when they do not match.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from imgcls import config
from imgcls.data import progress
from imgcls.data import registry as reg
from imgcls.data.derived import (
    MANIFEST,
    cache_problems,
    cached_arrays,
    extract_archive,
    folder_problems,
    manifest_digest,
)
from imgcls.data.errors import DataError, repair_fix
from imgcls.data.fetch import fetch, final_path
from imgcls.data.splits import ImageSplits, stratified_indices

BATCHES = "cifar-10-batches-py"
JPEG_FOLDER = "cifar10_jpeg"
JPEG_CACHE = "cifar10_jpeg_arrays.npz"
CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
           "dog", "frog", "horse", "ship", "truck")


def _official(root: Path) -> tuple[np.ndarray, ...]:
    from torchvision.datasets import CIFAR10

    try:
        train = CIFAR10(root, train=True, download=False)
        test = CIFAR10(root, train=False, download=False)
    except RuntimeError as exc:  # torchvision: a batch file missing or not matching its md5
        raise DataError("cifar10", root / BATCHES, f"torchvision could not read it ({exc})",
                        repair_fix("cifar10")) from None
    return (train.data, np.array(train.targets), test.data, np.array(test.targets))


def _decode(path: Path) -> np.ndarray:
    try:
        with Image.open(path) as im:
            image = np.asarray(im.convert("RGB"))
    except (OSError, UnidentifiedImageError) as exc:
        raise DataError("cifar10", path, f"not a readable image ({exc})") from None
    if image.shape != (32, 32, 3):
        raise DataError("cifar10", path, f"an image of shape {image.shape}, expected 32 x 32 RGB")
    return image


def _jpeg_split(folder: Path, split: str, bar=None) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    for label, name in enumerate(CLASSES):
        files = sorted((folder / split / name).glob("*.jpg"))
        if not files:
            raise DataError("cifar10", folder / split / name, "wrong folder layout: no JPEGs")
        for f in files:
            images.append(_decode(f))
            if bar is not None:
                bar.update()
        labels += [label] * len(files)
    return np.stack(images), np.array(labels)


def _unpack_jpeg(archive: Path, contents: bool = False) -> Path:
    return extract_archive(archive, archive.parent / JPEG_FOLDER, ("train", "test"), "cifar10",
                           contents=contents)


def _jpeg(archive: Path, contents: bool = False) -> tuple[np.ndarray, ...]:
    folder = _unpack_jpeg(archive, contents)

    def decode() -> dict[str, np.ndarray]:
        _unpack_jpeg(archive, contents=True)  # every byte checked before it is decoded
        total = sum(1 for _ in folder.glob("*/*/*.jpg"))
        with progress.bar(desc="CIFAR-10: decoding JPEGs", total=total, unit="image") as bar:
            xtr, ytr = _jpeg_split(folder, "train", bar)
            xte, yte = _jpeg_split(folder, "test", bar)
        return {"xtr": xtr, "ytr": ytr, "xte": xte, "yte": yte}

    arrays = cached_arrays(archive.parent / JPEG_CACHE, manifest_digest(folder), decode,
                           "cifar10", contents)
    return arrays["xtr"], arrays["ytr"], arrays["xte"], arrays["yte"]


def _unpack_official(archive: Path, contents: bool = False) -> Path:
    # unpacked where torchvision's CIFAR10 reads it: <root>/cifar-10-batches-py
    return extract_archive(archive, archive.parent / BATCHES, ("data_batch_1", "test_batch"),
                           "cifar10", inner=BATCHES, contents=contents)


def _arrays(contents: bool) -> tuple[reg.Resource, reg.Variant, tuple[np.ndarray, ...]]:
    got = fetch("cifar10")
    if got.variant.name == "official":
        _unpack_official(got.paths[0], contents)
        return got.resource, got.variant, _official(got.paths[0].parent)
    return got.resource, got.variant, _jpeg(got.paths[0], contents)


def load_cifar10(train_per_class: int | None = None, test_per_class: int | None = None,
                 seed: int = 0) -> ImageSplits:
    """CIFAR-10, optionally a stratified subset of each split (fixed seed)."""
    resource, variant, arrays = _arrays(contents=False)
    xtr, ytr, xte, yte = (torch.from_numpy(np.ascontiguousarray(a)) for a in arrays)
    xtr, xte = xtr.permute(0, 3, 1, 2).contiguous(), xte.permute(0, 3, 1, 2).contiguous()
    ytr, yte = ytr.long(), yte.long()
    itr = stratified_indices(ytr, train_per_class, seed)
    ite = stratified_indices(yte, test_per_class, seed + 1)
    return ImageSplits(xtr[itr], ytr[itr], xte[ite], yte[ite], CLASSES,
                       f"{resource.name} ({variant.name}): {variant.fidelity}", variant.exact)


def prepare() -> None:
    """Fetch CIFAR-10 and build what the loader derives from it, checking every byte of what
    was built before (``fetch.py`` runs this, so that chapters run side by side only read)."""
    _arrays(contents=True)


def derived_problems(data_dir: Path | None = None) -> list[str]:
    """What is wrong with the unpacked folders and the array cache in the data folder (by
    content), without changing anything; what has not been made yet is no problem."""
    data_dir = Path(data_dir) if data_dir else config.data_dir()
    variants = {v.name: final_path(v.files[0], data_dir) for v in reg.get("cifar10").variants}
    problems = []
    for archive, folder in ((variants["official"], data_dir / BATCHES),
                            (variants["jpeg"], data_dir / JPEG_FOLDER)):
        if folder.exists() and archive.is_file():
            problems += folder_problems(folder, archive, contents=True)
    cache, folder = data_dir / JPEG_CACHE, data_dir / JPEG_FOLDER
    if cache.exists() and not problems and (folder / MANIFEST).is_file():
        problems += cache_problems(cache, manifest_digest(folder), contents=True)
    return problems
