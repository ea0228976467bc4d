"""Folders of real photos: the animal faces (train/valid by class) and the single test photos."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from torchvision.datasets import ImageFolder

from imgcls.data.errors import DataError, notice, run_again
from imgcls.data.fetch import SET_ASIDE, Fetched, fetch, unexpected_entries, unexpected_files

ANIMAL_CLASSES = ("cat", "dog", "wild")


def _split_folder(got: Fetched, split: str) -> Path:
    if split not in ("train", "valid"):
        raise ValueError(f"split must be 'train' or 'valid', got {split!r}")
    folder = got.paths[0].parents[2] / split
    data_dir = got.paths[0].parents[3]
    aside = data_dir / SET_ASIDE
    fix = (f"move it out of {folder.parent} (it is not part of the dataset), or run "
           f"{run_again('animal_faces', repair=True)}, which moves it to {aside}")
    for path, kind in unexpected_entries(got.variant, data_dir):
        if path.parent == folder and kind != "unexpected file":  # would be taken for a class
            raise DataError("animal_faces", path, f"{kind} among the class folders of {split}/ "
                            f"(expected only {', '.join(ANIMAL_CLASSES)})", fix)
    found = tuple(sorted(p.name for p in folder.iterdir() if p.is_dir()))
    if found != ANIMAL_CLASSES:
        raise DataError("animal_faces", folder,
                        f"wrong folder layout: class folders {found}, expected {ANIMAL_CLASSES}",
                        fix.replace("move it out of", "move what does not belong out of"))
    return folder


def animal_faces_dir(split: str) -> Path:
    """The folder of one split (``train`` or ``valid``) of the animal faces, fetched first."""
    return _split_folder(fetch("animal_faces"), split)


def animal_faces(split: str, transform=None) -> ImageFolder:
    """The animal faces of one split as a torchvision ImageFolder (classes cat, dog, wild).

    Only the resource's own files are loaded: anything else in its folders is left out and
    named in a notice.
    """
    got = fetch("animal_faces")
    folder = _split_folder(got, split)
    stray = [p for p in unexpected_files(got.variant, got.paths[0].parents[3])
             if folder in p.parents]
    if stray:
        names = ", ".join(str(p) for p in stray[:5])
        more = f" and {len(stray) - 5} more" if len(stray) > 5 else ""
        notice("animal_faces", f"left out {len(stray)} file(s) that are not part of the "
               f"dataset: {names}{more} (remove them)")
    known = {str(p) for p in got.paths}
    return ImageFolder(folder, transform=transform, is_valid_file=lambda p: p in known)


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
