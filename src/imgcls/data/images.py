"""Folders of real photos: the animal faces (train/valid by class) and the single test photos."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from torchvision.datasets import ImageFolder

from imgcls.data.errors import DataError
from imgcls.data.fetch import fetch

ANIMAL_CLASSES = ("cat", "dog", "wild")


def animal_faces_dir(split: str) -> Path:
    """The folder of one split (``train`` or ``valid``) of the animal faces, fetched first."""
    if split not in ("train", "valid"):
        raise ValueError(f"split must be 'train' or 'valid', got {split!r}")
    got = fetch("animal_faces")
    folder = got.paths[0].parents[2] / split
    found = tuple(sorted(p.name for p in folder.iterdir() if p.is_dir()))
    if found != ANIMAL_CLASSES:
        raise DataError("animal_faces", folder,
                        f"wrong folder layout: class folders {found}, expected {ANIMAL_CLASSES}")
    return folder


def animal_faces(split: str, transform=None) -> ImageFolder:
    """The animal faces of one split as a torchvision ImageFolder (classes cat, dog, wild)."""
    return ImageFolder(animal_faces_dir(split), transform=transform)


def photo_paths() -> dict[str, Path]:
    """The test photos by name: ``cat``, ``cheetah``, ``dog`` and the campus photos."""
    got = fetch("photos")
    return {p.stem: p for p in got.paths}


def load_photos() -> dict[str, Image.Image]:
    """Every test photo as an RGB image in memory, by name (the files are closed again)."""
    photos = {}
    for name, path in photo_paths().items():
        with Image.open(path) as image:
            photos[name] = image.convert("RGB")
    return photos
