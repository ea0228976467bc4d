"""Where Sign Language MNIST comes from: the official CSVs through kagglehub (checked by content,
since no checksum is published) or, offline, the mirror's PNG export of the test split.
"""

from __future__ import annotations

from pathlib import Path

from imgcls.data.registry import FileSpec, Variant

KAGGLE_HANDLE = "datamunge/sign-language-mnist"
ROWS = {"train": 27455, "test": 7172}
LABELS = set(range(25)) - {9}  # A..Y without J (9); Z (25) is never present


COLUMNS = 785  # label, pixel1..pixel784


def row_problem(line: str) -> str | None:
    """Why one data line of a Sign Language MNIST CSV cannot be read (None when it can): it
    must hold 785 comma-separated whole numbers, none of them empty."""
    values = line.count(",") + 1
    if values != COLUMNS:
        return f"{values} values, expected {COLUMNS} (a short or long row)"
    text = line.rstrip("\r\n")
    if ",," in text or text.startswith(",") or text.endswith(","):
        return "an empty value"
    if not text.replace(",", "").isdigit():
        return "a value that is not a whole number"
    return None


def _csv_check(split: str):
    def check(path: Path) -> None:
        with open(path) as f:
            header = f.readline().strip().split(",")
            if len(header) != COLUMNS or header[0] != "label" or header[1] != "pixel1":
                raise ValueError(f"expected columns label, pixel1..pixel784, got {len(header)}")
            labels, rows = set(), 0
            for number, line in enumerate(f, start=2):
                problem = row_problem(line)
                if problem:
                    raise ValueError(f"line {number}: {problem}")
                labels.add(int(line.split(",", 1)[0]))
                rows += 1
        if rows != ROWS[split]:
            raise ValueError(f"{rows:,} rows, expected {ROWS[split]:,} (truncated or wrong file)")
        if labels != LABELS:
            raise ValueError(f"labels {sorted(labels)} are not the 24 letters A..Y without J")

    return check


def _kaggle_downloader(filename: str):
    def download(workdir: Path) -> Path:
        import kagglehub

        folder = Path(kagglehub.dataset_download(KAGGLE_HANDLE))
        found = next(iter(sorted(folder.rglob(filename))), None)
        if found is None:
            raise OSError(f"{filename} not found in the Kaggle download at {folder}")
        return found

    return download


def variants() -> tuple[Variant, ...]:
    """The official CSV pair first, then the mirror's lossy test-split PNG archive."""
    csvs = tuple(
        FileSpec(
            path=f"sign_mnist/sign_mnist_{split}.csv",
            mirror=f"sign_mnist/sign_mnist_{split}.csv",
            content_check=_csv_check(split),
            downloader=_kaggle_downloader(f"sign_mnist_{split}.csv"),
        )
        for split in ("train", "test")
    )
    pngs = FileSpec(
        path="sign_mnist_test_png.zip",
        mirror="sign_mnist_test_png.zip",
        sha256="a3c4ea1a9ea28aa5e5defab062f5cbfbc9bb52bae9fe45794527e28778ce4727",
        size=12749321,
    )
    return (
        Variant("official", csvs, "exact: the official CSVs, checked by row count and labels"),
        Variant(
            "test_png",
            (pngs,),
            "lossy, test split only: min-max stretched PNGs of the 7,172 test images "
            "(mirror only; train and validation are carved out of it)",
            exact=False,
        ),
    )
