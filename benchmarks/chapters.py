"""Execute the book's chapters one after another and print how long each took.

    python benchmarks/chapters.py                 # every chapter, quick profile
    python benchmarks/chapters.py 01 04           # chapters whose file name starts with 01 or 04
    python benchmarks/chapters.py --profile full  # the full profile (meant for a GPU)
    python benchmarks/chapters.py --keep DIR      # also save the executed notebooks in DIR
    python benchmarks/chapters.py 07 --busy 2     # with two busy processes on the cores, as on
                                                  # a shared machine (Colab's two vCPUs, a
                                                  # laptop doing other work)

Environment variables set for the run (OMP_NUM_THREADS, OMP_WAIT_POLICY, ...) reach every kernel,
so the thread settings can be compared: ``OMP_WAIT_POLICY=ACTIVE python benchmarks/chapters.py``.

Each chapter (chapters/*.md, a MyST notebook) is converted with jupytext and run by nbclient in
a fresh kernel, sequentially, so that the times do not compete with each other. A failing
chapter is reported and the run goes on; the exit status is non-zero when any chapter failed.
Timings only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"


def select(prefixes: list[str]) -> list[Path]:
    """The chapter files whose names start with one of ``prefixes`` (all when none given)."""
    files = sorted(CHAPTERS.glob("*.md"))
    if prefixes:
        files = [f for f in files if any(f.name.startswith(p) for p in prefixes)]
    return files


def execute(md: Path, timeout: int, keep: Path | None) -> tuple[float, str]:
    """Run one chapter in a fresh kernel; its wall time in seconds and 'ok' or the error."""
    nb = jupytext.read(md)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(md.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
        status = "ok"
    except CellExecutionError as exc:
        status = "FAILED: " + (str(exc).strip().splitlines() or ["?"])[-1][:80]
    except Exception as exc:  # a dead kernel or a timeout ends this chapter, not the run
        status = f"FAILED: {exc.__class__.__name__}: {str(exc)[:60]}"
    seconds = time.perf_counter() - start
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, keep / f"{md.stem}.ipynb")
    return seconds, status


def _spin() -> None:
    while True:
        pass


def busy(n: int) -> list[multiprocessing.Process]:
    """``n`` processes that keep a core busy each, until terminated (the other work of a shared
    machine); daemons, so they end with this script."""
    procs = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(n)]
    for proc in procs:
        proc.start()
    return procs


def describe_run(profile: str) -> str:
    """A line saying which profile, machine and data settings the timings belong to."""
    env = {k: os.environ.get(k, "") for k in ("IMGCLS_MIRROR", "IMGCLS_ALLOW_STANDINS",
                                              "IMGCLS_DATA", "OMP_NUM_THREADS",
                                              "OMP_WAIT_POLICY")}
    settings = ", ".join(f"{k}={v or '(unset)'}" for k, v in env.items())
    return (f"profile {profile} | {platform.node()} {platform.machine()}, "
            f"{os.cpu_count()} CPUs | python {platform.python_version()} | {settings}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="file-name prefixes, e.g. 01 04 (default all)")
    parser.add_argument("--profile", choices=("quick", "full"), default="quick")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--keep", type=Path, default=None, help="save executed notebooks here")
    parser.add_argument("--busy", type=int, default=0,
                        help="keep this many other processes busy during the run")
    args = parser.parse_args(argv)

    files = select(args.chapters)
    if not files:
        print(f"no chapter matches {args.chapters} in {CHAPTERS}", file=sys.stderr)
        return 2
    os.environ["IMGCLS_PROFILE"] = args.profile  # inherited by every kernel
    print(describe_run(args.profile) + (f" | {args.busy} busy processes" if args.busy else ""))
    load = busy(args.busy)
    width = max(len(f.stem) for f in files)
    print(f"{'chapter':<{width}}  {'seconds':>8}  status")
    total, failed = 0.0, 0
    for md in files:
        seconds, status = execute(md, args.timeout, args.keep)
        total += seconds
        failed += status != "ok"
        print(f"{md.stem:<{width}}  {seconds:8.1f}  {status}", flush=True)
    for proc in load:
        proc.terminate()
    print(f"{'total':<{width}}  {total:8.1f}  {len(files) - failed} of {len(files)} ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
