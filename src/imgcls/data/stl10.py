"""STL-10's labelled splits as uint8 tensors, read by ``torchvision.datasets.STL10``.

The official archive (fetched and md5-checked by the data layer) is streamed once and only its
labelled binary files are unpacked beside it into ``stl10_binary/``, where torchvision looks:
the 2.7 GB ``unlabeled_X.bin`` is skipped. Each unpacked file is checked against its own md5 in
torchvision's table when unpacked and whenever torchvision reads it; the folder's manifest
(names, sizes, digests) is checked on every load, and the folder unpacked again on a mismatch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torchvision.datasets import STL10
from torchvision.datasets.utils import check_integrity

from imgcls import config
from imgcls.data import registry as reg
from imgcls.data.derived import extract_archive, folder_problems
from imgcls.data.errors import DataError, repair_fix
from imgcls.data.fetch import fetch, final_path
from imgcls.data.splits import ImageSplits, stratified_indices

CLASSES = ("airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck")
FOLDER = "stl10_binary"
UNLABELLED = "unlabeled_X.bin"


def labelled_files() -> dict[str, str]:
    """The binary files of the labelled splits and their md5, from torchvision's own table."""
    return {name: md5 for name, md5 in STL10.train_list + STL10.test_list if name != UNLABELLED}


class _LabelledSTL10(STL10):
    """torchvision's STL10, checking only the files of the labelled splits it reads."""

    def _check_integrity(self) -> bool:
        folder = Path(self.root) / self.base_folder
        return all(check_integrity(str(folder / n), md5) for n, md5 in labelled_files().items())


def extract(archive: Path, root: Path, contents: bool = False) -> Path:
    """Unpack the labelled files of ``archive`` into ``root/stl10_binary``, checked, once."""
    files = labelled_files()
    return extract_archive(archive, root / FOLDER, tuple(files), "stl10", inner=FOLDER,
                           only=files, contents=contents)


def read_arrays(root: Path) -> dict[str, np.ndarray]:
    """The labelled splits as arrays (``xtr``, ``ytr``, ``xte``, ``yte``), md5-checked."""
    try:
        train = _LabelledSTL10(root, split="train", download=False)
        test = _LabelledSTL10(root, split="test", download=False)
    except (RuntimeError, ValueError) as exc:  # torchvision: missing, corrupted or cut short
        raise DataError("stl10", root / FOLDER, f"torchvision could not read it ({exc})",
                        repair_fix("stl10")) from None
    return {"xtr": train.data, "ytr": train.labels, "xte": test.data, "yte": test.labels}


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


def prepare() -> None:
    """Fetch STL-10 and unpack its labelled files, checking every byte of an earlier unpacking."""
    got = fetch("stl10")
    extract(got.paths[0], got.paths[0].parent, contents=True)


def derived_problems(data_dir: Path | None = None) -> list[str]:
    """What is wrong with the unpacked labelled files (by content), changing nothing."""
    data_dir = Path(data_dir) if data_dir else config.data_dir()
    archive = final_path(reg.get("stl10").variants[0].files[0], data_dir)
    folder = data_dir / FOLDER
    if not (folder.exists() and archive.is_file()):
        return []
    problems = folder_problems(folder, archive, contents=True)
    for name, md5 in labelled_files().items():
        if (folder / name).is_file() and not check_integrity(str(folder / name), md5):
            problems.append(f"{folder / name}: md5 differs from torchvision's {md5}")
    return problems
