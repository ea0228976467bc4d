"""Which animal each "wild" face shows, in the animal faces: a list made by looking at them.

The folders say only cat, dog and wild. All 50 wild faces of the training split are foxes; the
validation split's 50 are 31 foxes and the 19 big cats (leopards and snow leopards) listed
here, which no training image shows. Chapters 7 and 8 use this to look at errors on that shift.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from imgcls.data.images import animal_faces

VALID_BIG_CATS = frozenset(f"flickr_wild_{n:06d}.jpg" for n in (
    286, 302, 306, 314, 354, 360, 361, 373, 375, 379,
    382, 397, 406, 409, 411, 418, 419, 420, 428))

GROUPS = ("cat", "dog", "wild: fox", "wild: big cat")


def face_group(path: str | Path) -> str:
    """The group of one animal-faces file (``<split>/<class>/<file>``): its class, with the
    wild class split into foxes and big cats."""
    path = Path(path)
    label = path.parent.name
    if label != "wild":
        return label
    big_cat = path.parent.parent.name == "valid" and path.name in VALID_BIG_CATS
    return "wild: big cat" if big_cat else "wild: fox"


def face_groups(split: str) -> np.ndarray:
    """The group of every image of a split, in the order of ``animal_faces(split)`` (and so of
    ``imgcls.flatten.flattened_animal_faces``)."""
    return np.array([face_group(path) for path, _ in animal_faces(split).samples])
