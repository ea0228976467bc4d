"""The real files the MobileNetV2 tests need: the int8 export and the course's test photos.

Fetched once per test run from the configured mirror or data folder (CI sets IMGCLS_MIRROR),
or downloaded; without any source the fetch fails with the command that fixes it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import Image

from imgcls.data import fetch
from imgcls.data.images import load_photos
from imgcls.models.backbones import MIRROR_RESOURCE


@cache
def int8_file() -> Path:
    """The verified ``mobilenet_quantized.pt``."""
    return fetch(MIRROR_RESOURCE).paths[0]


@cache
def photos() -> dict[str, Image.Image]:
    """The test photos by name (cat, cheetah, dog and the campus photos)."""
    return load_photos()
