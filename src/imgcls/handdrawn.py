"""Digits drawn by hand (or by code) turned into MNIST-style 28 x 28 tensors.

MNIST digits are light ink on a black background, fitted into a 20 x 20 box and centred by
their centre of mass in a 28 x 28 frame; ``to_mnist`` does the same to any picture of a digit.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFilter

# Stroke paths of two digits on a unit square (x right, y down), each a list of polylines.
_STROKES: dict[int, list[list[tuple[float, float]]]] = {
    3: [
        [(0.28, 0.22), (0.40, 0.14), (0.56, 0.13), (0.68, 0.20), (0.70, 0.32), (0.62, 0.42),
         (0.48, 0.47)],
        [(0.48, 0.47), (0.64, 0.52), (0.72, 0.63), (0.70, 0.76), (0.58, 0.85), (0.42, 0.86),
         (0.27, 0.79)],
    ],
    7: [
        [(0.24, 0.17), (0.50, 0.15), (0.74, 0.16)],
        [(0.74, 0.16), (0.62, 0.40), (0.52, 0.62), (0.45, 0.86)],
    ],
}


def sketch_digit(digit: int, seed: int = 0, size: int = 280, width: int = 22) -> Image.Image:
    """A dark-ink-on-white-paper drawing of a 3 or a 7, made of jittered pen strokes and blurred.

    A stand-in for a photo of a digit someone drew: the same code path handles both.
    """
    rng = np.random.default_rng(seed)
    canvas = Image.new("L", (size, size), color=255)
    pen = ImageDraw.Draw(canvas)
    for stroke in _STROKES[digit]:
        points = np.array(stroke) + rng.normal(0, 0.015, size=(len(stroke), 2))
        pen.line([tuple(p) for p in points * size], fill=0, width=width, joint="curve")
    return canvas.filter(ImageFilter.GaussianBlur(radius=width / 6))


def choose_picture(upload: bool = False, path: str | Path | None = None,
                   seed: int = 0) -> tuple[Image.Image, str]:
    """The picture of a digit chapter 2 classifies, and a phrase saying where it came from.

    A file named by ``path`` comes first; then, only when ``upload`` is True, a picture uploaded
    through Colab's dialog; otherwise (and when nothing is uploaded) a 7 drawn by code. Nothing
    waits for the reader unless asked to, so that "Run all" runs through.
    """
    if path is not None:
        with Image.open(path) as im:
            im.load()
            return im.copy(), f"your file {Path(path).name!r}"
    if upload:
        try:
            from google.colab import files
        except ImportError:
            print("Uploading works in Colab; elsewhere, set MY_PICTURE to the path of a "
                  "picture file. Using the 7 drawn by code.")
        else:
            uploaded = files.upload()  # waits for the reader's choice of a file
            if uploaded:
                name, content = next(iter(uploaded.items()))
                with Image.open(io.BytesIO(content)) as im:
                    im.load()
                    return im.copy(), f"your upload {name!r}"
            print("Nothing was uploaded; using the 7 drawn by code.")
    return sketch_digit(7, seed=seed), f"a 7 drawn by code (sketch_digit, seed {seed})"


def to_mnist(picture: Image.Image, box: int = 20, frame: int = 28) -> torch.Tensor:
    """A picture of one digit as an MNIST-style ``frame`` x ``frame`` float tensor in [0, 1]."""
    grey = np.asarray(picture.convert("L"), dtype=np.float32) / 255
    if np.median(grey) > 0.5:  # dark ink on light paper: make the ink the bright part
        grey = 1 - grey
    ink = np.clip(grey - np.median(grey), 0, None)
    if ink.max() <= 0:
        raise ValueError("the picture is blank: no ink darker or lighter than its background")
    ink /= ink.max()
    rows, cols = np.nonzero(ink > 0.1)
    ink = ink[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    scale = box / max(ink.shape)
    new_size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    small = np.asarray(Image.fromarray(ink).resize(new_size, Image.Resampling.LANCZOS))
    small = np.clip(small, 0, 1)
    out = np.zeros((frame, frame), dtype=np.float32)
    top, left = (frame - small.shape[0]) // 2, (frame - small.shape[1]) // 2
    out[top:top + small.shape[0], left:left + small.shape[1]] = small
    return torch.from_numpy(_centre_by_mass(out))


def _centre_by_mass(image: np.ndarray) -> np.ndarray:
    """Shift ``image`` by whole pixels so that its centre of mass sits at the frame's centre."""
    ys, xs = np.indices(image.shape)
    total = image.sum()
    dy = round((image.shape[0] - 1) / 2 - (ys * image).sum() / total)
    dx = round((image.shape[1] - 1) / 2 - (xs * image).sum() / total)
    shifted = np.zeros_like(image)
    h, w = image.shape
    src = image[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
    shifted[max(0, dy):max(0, dy) + src.shape[0], max(0, dx):max(0, dx) + src.shape[1]] = src
    return shifted
