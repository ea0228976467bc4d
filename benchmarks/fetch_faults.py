"""Time ``fetch.py --book`` against the tests' loopback server, with and without injected faults.

    python benchmarks/fetch_faults.py                     # mirror from IMGCLS_MIRROR
    python benchmarks/fetch_faults.py --mirror ../shared/data --timeout 2 --stall 3

The server serves every official URL (the mirror's exact files; CIFAR-10, STL-10, the weight
files and the Sign Language CSVs made small in their official formats, see
tests/official_files.py). Each run starts from empty data and torch folders, with no mirror and
no stand-ins. The faulty run injects the tests' faults (a stall, a mid-body pause, resets, a
429, a 500, a 503, short bodies) on some files' first requests. Prints times; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from loopback_server import Site, rewrite_to, serving  # noqa: E402
from official_files import book_faults, build, install  # noqa: E402

from imgcls import config  # noqa: E402
from imgcls.data import cli, download  # noqa: E402


def _run(official, root: Path, faults: dict[str, list[str]], args) -> tuple[float, int, Site]:
    """One ``--book`` from empty folders; returns seconds, exit status and the server's site."""
    site = Site(dict(official.files), faults={p: list(q) for p, q in faults.items()},
                stall_s=args.stall)
    with pytest.MonkeyPatch.context() as mp, serving(site) as base:
        install(official, mp)
        for key, value in {"IMGCLS_DATA": root / "data", "TORCH_HOME": root / "torch",
                           "IMGCLS_URL_REWRITE": rewrite_to(base),
                           "IMGCLS_DOWNLOAD_TIMEOUT": args.timeout,
                           "IMGCLS_DOWNLOAD_BACKOFF": args.backoff,
                           "IMGCLS_DOWNLOAD_RETRIES": args.retries}.items():
            mp.setenv(key, str(value))
        mp.delenv("IMGCLS_MIRROR", raising=False)
        mp.delenv("IMGCLS_ALLOW_STANDINS", raising=False)
        mp.setattr(download, "_unreachable", set())
        err = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            status = cli.main(["--book"])
        seconds = time.perf_counter() - start
    if status != 0:
        print(err.getvalue()[-3000:], file=sys.stderr)
    return seconds, status, site


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    """Build the official files once, then time a clean run and a faulty run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=config.mirror_dir(),
                        help="the mirror whose exact files are served (default $IMGCLS_MIRROR)")
    parser.add_argument("--timeout", type=float, default=1.0, help="download timeout, s")
    parser.add_argument("--backoff", type=float, default=0.1, help="backoff factor, s")
    parser.add_argument("--retries", type=int, default=5, help="retries per file")
    parser.add_argument("--stall", type=float, default=3.0, help="how long a stall lasts, s")
    args = parser.parse_args()
    if args.mirror is None or not args.mirror.is_dir():
        parser.error("name the mirror: --mirror DIR or IMGCLS_MIRROR=DIR")

    with tempfile.TemporaryDirectory(prefix="fetch-faults-") as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        official = build(tmp / "official", args.mirror)
        files = set(official.files.values()) | set(official.kaggle.iterdir())
        served = sum(p.stat().st_size for p in files)
        print(f"{len(official.files)} official URLs ({served / 1e6:.0f} MB with the Sign Language "
              f"CSVs), made in {time.perf_counter() - start:.1f} s; {os.cpu_count()} CPUs")
        print(f"client: timeout {args.timeout} s, backoff {args.backoff} s, {args.retries} "
              f"retries; server stalls last {args.stall} s")
        faults = book_faults()
        for label, injected in (("no faults", {}), ("faults", faults)):
            root = tmp / label.replace(" ", "-")
            seconds, status, site = _run(official, root, injected, args)
            size = _size(root)
            print(f"fetch --book, {label:9}: {seconds:6.1f} s, exit {status}, "
                  f"{len(site.log)} requests, {size / 1e6:.0f} MB in the data and torch folders")
        met = sum(len(q) for q in faults.values())
        print(f"faults injected: {met} on {len(faults)} files "
              f"({', '.join(sorted({f for q in faults.values() for f in q}))})")


if __name__ == "__main__":
    main()
