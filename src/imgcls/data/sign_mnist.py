"""Sign Language MNIST as pixel-per-column data frames: the official CSVs, or offline a stand-in.

``load_sign_mnist_splits`` gives three frames (training, validation, test), so that settings are
chosen on validation images and the test split is scored once: online, validation is carved
from the official training CSV and the official test CSV is the test split; offline the mirror
holds only the test split as contrast-stretched PNGs, and with ``IMGCLS_ALLOW_STANDINS=1`` those
are split three ways by letter (fixed seed, families of near-identical copies kept together),
and the result says so. Labels keep the dataset's
numbering (0..24, no 9 = J); ``to_tensors`` maps them to 24 contiguous class indices.

The decoded pixels and the families of copies are cached in the data folder
(``sign_mnist_arrays.npz``), checked on every load against what it records and remade when it
does not match.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image

from imgcls import config
from imgcls.data import registry as reg
from imgcls.data.derived import cache_problems, cached_arrays, source_record
from imgcls.data.errors import DataError, run_again
from imgcls.data.fetch import fetch, final_path
from imgcls.data.sign_mnist_source import KAGGLE_HANDLE, ROWS, row_problem

LETTERS = tuple(chr(ord("A") + label) for label in range(25) if label != 9)
"""The 24 static letters, in class-index order: A..Y without J (Z needs motion, too)."""

COLUMNS = ["label"] + [f"pixel{i}" for i in range(1, 785)]
CACHE = "sign_mnist_arrays.npz"
SAME_PHOTO = 0.95  # pixel correlation above which two images count as copies of one photo
_PNG_NAME = re.compile(r"images/([A-Y])\((\d+)\)\.png$")


@dataclass(frozen=True)
class SignMnistSplits:
    """Training, validation and test frames (columns label, pixel1..pixel784) and their source."""

    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    source: str
    standin: bool


def label_to_index(labels: torch.Tensor) -> torch.Tensor:
    """Dataset labels (0..24 without 9) to contiguous class indices 0..23 (K=9, ..., Y=23)."""
    if (labels == 9).any() or (labels < 0).any() or (labels > 24).any():
        raise ValueError("Sign Language MNIST labels are 0..24 without 9 (J)")
    return labels - (labels > 9).long()


def to_tensors(frame: pd.DataFrame) -> tuple[torch.Tensor, torch.Tensor]:
    """A pixel-per-column frame to images N x 1 x 28 x 28 (float32 in [0, 1]) and class indices."""
    pixels = torch.tensor(frame.drop(columns="label").to_numpy(dtype=np.float32))
    images = (pixels / 255.0).reshape(-1, 1, 28, 28)
    labels = label_to_index(torch.tensor(frame["label"].to_numpy(dtype=np.int64)))
    return images, labels


def _png_frame(archive: Path) -> pd.DataFrame:
    """The mirror's test PNGs as a frame in the official row order (grey = the R channel)."""
    rows, labels, pixels = [], [], []
    with zipfile.ZipFile(archive) as zf:
        for name in zf.namelist():
            match = _PNG_NAME.search(name)
            if match is None:
                continue
            with Image.open(io.BytesIO(zf.read(name))) as im:
                grey = np.asarray(im.convert("RGB"))[:, :, 0]
            if grey.shape != (28, 28):
                raise DataError("sign_mnist", f"{archive}:{name}",
                                f"image of shape {grey.shape}, expected 28 x 28")
            rows.append(int(match.group(2)))
            labels.append(ord(match.group(1)) - ord("A"))
            pixels.append(grey.reshape(-1))
    if len(rows) != ROWS["test"]:
        raise DataError("sign_mnist", archive,
                        f"{len(rows):,} images named images/<Letter>(<row>).png, "
                        f"expected {ROWS['test']:,}")
    order = np.argsort(rows)
    data = np.column_stack([np.asarray(labels)[order], np.stack(pixels)[order]])
    return pd.DataFrame(data, columns=COLUMNS, index=pd.Index(np.asarray(rows)[order], name="row"))


def near_duplicate_groups(pixels: np.ndarray, threshold: float = SAME_PHOTO,
                          block: int = 1024) -> np.ndarray:
    """Group ids such that images whose pixel correlation exceeds ``threshold`` share a group.

    Sign Language MNIST was enlarged by making many slightly altered copies (filters, brightness,
    small rotations) of each photo; linking every pair of images that correlate above
    ``threshold`` and taking connected components recovers those families of copies.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    z = pixels.astype(np.float32)
    z = z - z.mean(axis=1, keepdims=True)
    z /= np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-8)
    rows, cols = [], []
    for start in range(0, len(z), block):
        r, c = np.nonzero(z[start:start + block] @ z.T > threshold)
        rows.append(r + start)
        cols.append(c)
    n = len(z)
    graph = coo_matrix((np.ones(sum(map(len, rows)), dtype=np.int8),
                        (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def stratified_split(frame: pd.DataFrame, valid_fraction: float, seed: int,
                     groups: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``frame`` into training and validation rows, about the same fraction of every label.

    With ``groups`` (one id per row), whole groups go to one side: for each label, groups in a
    seeded random order move to validation until the label's share is reached.
    """
    rng = np.random.default_rng(seed)
    groups = np.arange(len(frame)) if groups is None else np.asarray(groups)
    in_valid = np.zeros(len(frame), dtype=bool)
    labels = frame["label"].to_numpy()
    for label in np.unique(labels):
        of_label = labels == label
        target = round(of_label.sum() * valid_fraction)
        for group in rng.permutation(np.unique(groups[of_label])):
            if in_valid[of_label].sum() >= target:
                break
            in_valid |= of_label & (groups == group)
    return frame[~in_valid], frame[in_valid]


def _read_csv(path: Path) -> pd.DataFrame:
    """One official CSV as a frame; a row pandas cannot read is a ``DataError`` naming the file,
    the line and the fix (the file is fetched again in its place)."""
    try:
        frame = pd.read_csv(path, dtype=np.int64)
        if list(frame.columns) == COLUMNS:
            return frame
        problem = f"columns {list(frame.columns)[:3]}..., expected label, pixel1..pixel784"
    except (ValueError, pd.errors.ParserError) as exc:
        problem = f"pandas could not read it ({exc})"
        with open(path) as f:
            f.readline()
            for number, line in enumerate(f, start=2):
                if row_problem(line):
                    problem = f"line {number}: {row_problem(line)}"
                    break
    raise DataError("sign_mnist", path, f"a damaged CSV, {problem}",
                    f"delete {path} and fetch it again online: {run_again('sign_mnist')}")


def _require_standins(got) -> None:
    """The error that says how to get the official CSVs, unless stand-ins are allowed."""
    if not config.allow_standins():
        raise DataError(
            "sign_mnist", got.paths[0],
            "only the mirror's lossy test split (contrast-stretched PNGs) is available, "
            "and stand-ins are not allowed",
            fix=f"fetch the official CSVs online ({run_again('sign_mnist')}, "
                "which uses kagglehub), or set IMGCLS_ALLOW_STANDINS=1 to train and validate "
                "on a split of the mirror's test images",
        )


def _pixels(frame: pd.DataFrame) -> np.ndarray:
    return frame.drop(columns="label").to_numpy()


def _bytes(frame: pd.DataFrame, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A frame's labels and its pixels as bytes; a value outside 0..255 is a damaged file."""
    pixels = _pixels(frame)
    if pixels.min() < 0 or pixels.max() > 255:
        raise DataError("sign_mnist", path, "a damaged CSV, pixel values outside 0..255",
                        f"delete {path} and fetch it again online: {run_again('sign_mnist')}")
    return frame["label"].to_numpy(), pixels.astype(np.uint8)


def _frame(labels: np.ndarray, pixels: np.ndarray, index: pd.Index | None = None) -> pd.DataFrame:
    data = np.column_stack([labels.astype(np.int64), pixels.astype(np.int64)])
    return pd.DataFrame(data, columns=COLUMNS, index=index)


def _made_from(variant: str, paths) -> str:
    """What the cache records about its sources: the variant, the files and the threshold."""
    return json.dumps({"variant": variant, "same_photo": SAME_PHOTO,
                       "files": [source_record(Path(p)) for p in paths]}, sort_keys=True)


def _decoded(got, contents: bool = False) -> dict[str, np.ndarray]:
    """Labels, pixels and families of near-identical copies of the fetched files, decoded once,
    then read from the data folder's cache (decoding takes seconds on every page that trains)."""
    official = got.variant.name == "official"

    def decode() -> dict[str, np.ndarray]:
        if official:
            (ytr, xtr), (yte, xte) = (_bytes(_read_csv(p), p) for p in got.paths)
            return {"train_labels": ytr, "train_pixels": xtr, "test_labels": yte,
                    "test_pixels": xte, "groups": near_duplicate_groups(xtr)}
        frame = _png_frame(got.paths[0])
        labels, pixels = frame["label"].to_numpy(), _pixels(frame).astype(np.uint8)
        return {"rows": frame.index.to_numpy(), "labels": labels, "pixels": pixels,
                "groups": near_duplicate_groups(pixels)}

    # in the data folder itself: a variant's own folder may hold nothing but its files
    return cached_arrays(config.data_dir() / CACHE, _made_from(got.variant.name, got.paths),
                         decode, "sign_mnist", contents)


def prepare() -> None:
    """Fetch Sign Language MNIST and build its cache, checking every byte of one built before
    (``fetch.py`` runs this, so that chapters run side by side only read); the mirror's stand-in
    only when stand-ins are allowed."""
    got = fetch("sign_mnist")
    if got.variant.name == "official" or config.allow_standins():
        _decoded(got, contents=True)


def derived_problems(data_dir: Path | None = None) -> list[str]:
    """What is wrong with the cache in the data folder (by content), changing nothing; a cache
    not made yet, or with no source files left to remake it from, is no problem."""
    data_dir = Path(data_dir) if data_dir else config.data_dir()
    cache = data_dir / CACHE
    sources = []
    for variant in reg.get("sign_mnist").variants:
        paths = [final_path(spec, data_dir) for spec in variant.files]
        if all(path.is_file() for path in paths):
            sources.append(_made_from(variant.name, paths))
    if not cache.exists() or not sources:
        return []
    found = [cache_problems(cache, made_from, contents=True) for made_from in sources]
    return [] if [] in found else found[0]


def load_sign_mnist_splits(valid_fraction: float = 0.2, test_fraction: float = 0.2,
                           seed: int = 0) -> SignMnistSplits:
    """Training, validation and test frames, families of near-identical copies kept whole.

    Online: ``valid_fraction`` of the official training CSV (by letter, seed ``seed``) validates,
    the rest trains, and the official test CSV is the test split. Offline (stand-ins allowed):
    the mirror's test PNGs are split three ways, ``test_fraction`` of every letter for testing,
    then ``valid_fraction`` of the rest for validation.
    """
    got = fetch("sign_mnist")
    if got.variant.name != "official":
        _require_standins(got)
    arrays = _decoded(got)
    if got.variant.name == "official":
        official = _frame(arrays["train_labels"], arrays["train_pixels"])
        test = _frame(arrays["test_labels"], arrays["test_pixels"])
        groups = arrays["groups"]
        train, valid = stratified_split(official, valid_fraction, seed, groups)
        source = (f"The official Sign Language MNIST CSVs (Kaggle {KAGGLE_HANDLE}). Of the "
                  f"{len(official):,} training images, {len(train):,} train and {len(valid):,} "
                  f"validate (split by letter with seed {seed}, the {groups.max() + 1} families "
                  f"of near-identical copies kept whole); the {len(test):,} official test "
                  f"images are scored once, at the end.")
        return SignMnistSplits(train, valid, test, source, standin=False)
    frame = _frame(arrays["labels"], arrays["pixels"], pd.Index(arrays["rows"], name="row"))
    groups = pd.Series(arrays["groups"], index=frame.index)
    rest, test = stratified_split(frame, test_fraction, seed, groups.to_numpy())
    train, valid = stratified_split(rest, valid_fraction, seed, groups[rest.index].to_numpy())
    source = (f"The official training split ({ROWS['train']:,} images) is not in the offline "
              f"mirror, only the {ROWS['test']:,} official test images (contrast-stretched to "
              f"0..255 and saved as PNG). This page splits those by letter with seed {seed}: "
              f"{len(train):,} train, {len(valid):,} validate and {len(test):,} stand in for the "
              f"test split, scored once at the end. The dataset holds many altered copies of each "
              f"photo; the {groups.max() + 1} families of near-identical copies were kept whole "
              f"on one side, so validation and test show photos the models never saw. Figures "
              f"are not comparable with the lecture's.")
    return SignMnistSplits(train, valid, test, source, standin=True)
