"""Execute the chapters in parallel into the book's jupyter-cache, before ``jupyter-book build``.

Jupyter Book executes notebooks one after another while Sphinx reads them. With
``execute_notebooks: cache`` it first looks each notebook up in the jupyter-cache, keyed by its
code cells, so filling the cache here, several chapters at a time, leaves the build nothing to
execute. Each chapter runs in the profile ``profiles.yml`` gives it (an ``IMGCLS_PROFILE`` set in
the environment wins for all), and its run (start, duration, profile, device, versions) is kept
with the results for the results page's status table. A chapter is skipped when it is cached
with the same code and its recorded run had the same profile and the same helpers (the
package's sources and the pinned versions of constraints.txt): an unchanged chapter is never
re-executed. When the results folder is empty, the recorded figures the results page needs are
gone, and every chapter runs again to record them.

    python -m imgcls.book.cache             # as many chapters at once as there are CPU cores
    python -m imgcls.book.cache -j 1 --force
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import nbformat
import yaml
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution
from myst_nb.core.read import read_myst_markdown_notebook
from myst_parser.config.main import MdParserConfig

from imgcls import config, results
from imgcls.book.notebooks import chapter_sources

DEFAULT_CACHE = "_build/.jupyter_cache"
PROFILE_MAP = "profiles.yml"


def read_chapter(path: Path) -> nbformat.NotebookNode:
    """The chapter as MyST-NB reads it during the build (so the cache keys match)."""
    return read_myst_markdown_notebook(path.read_text(), config=MdParserConfig(),
                                       add_source_map=True, path=str(path))


def _execution_settings(root: Path) -> tuple[Path, int]:
    execute = yaml.safe_load((root / "_config.yml").read_text()).get("execute", {})
    cache = root / (execute.get("cache") or DEFAULT_CACHE)
    return cache, int(execute.get("timeout", 30))


def chapter_profiles(root: Path = config.REPO_ROOT) -> dict[str, str]:
    """The profile each chapter of the site runs in: ``IMGCLS_PROFILE`` if set, else the map's."""
    stems = [path.stem for path in chapter_sources(root)]
    if os.environ.get("IMGCLS_PROFILE", "").strip():
        return dict.fromkeys(stems, config.profile())
    where = root / PROFILE_MAP
    try:
        choice = yaml.safe_load(where.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{where} cannot be read ({exc}); restore it from git "
                         f"(git checkout -- {PROFILE_MAP}) or set IMGCLS_PROFILE.") from None
    default, named = choice.get("default"), choice.get("chapters") or {}
    unknown = sorted(set(named) - set(stems))
    if unknown:
        raise ValueError(f"{where} names {unknown}, which are not chapters of _toc.yml; "
                         f"use the file stems of chapters/ ({', '.join(stems)}).")
    chosen = {stem: named.get(stem, default) for stem in stems}
    wrong = {stem: p for stem, p in chosen.items() if p not in config.PROFILES}
    if wrong:
        raise ValueError(f"{where}: {wrong} are not profiles; give each chapter (and 'default') "
                         f"one of {config.PROFILES}.")
    return chosen


def helpers_digest(root: Path) -> str:
    """A digest of what a chapter's figures depend on besides its own code: the package's files
    (sources, data manifests; the site machinery of ``imgcls/book`` aside) and pinned versions."""
    package = root / "src" / "imgcls"
    skip = {"book", "__pycache__"}
    files = [p for p in sorted(package.rglob("*"))
             if p.is_file() and not skip & set(p.relative_to(package).parts)]
    digest = hashlib.sha256()
    for path in [*files, root / "constraints.txt"]:
        if path.is_file():
            digest.update(f"{path.relative_to(root)}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _run(path: str, timeout: int, profile: str) -> tuple[str, nbformat.NotebookNode, float,
                                                         str | None, dict[str, Any]]:
    os.environ["IMGCLS_PROFILE"] = profile  # the kernel inherits this worker's environment
    run = {"started": datetime.now(timezone.utc), "environment": results.run_environment()}
    nb = read_chapter(Path(path))
    result = single_nb_execution(nb, cwd=str(Path(path).parent), timeout=timeout,
                                 allow_errors=False, meta_override=True)
    return path, result.nb, result.time, result.exc_string, run


def _same_run(chapter: str, profile: str, helpers: str) -> bool:
    run = results.load_runs().get(chapter, {})
    return run.get("profile") == profile and run.get("helpers") == helpers


def fill(root: Path = config.REPO_ROOT, jobs: int = 0, force: bool = False) -> int:
    """Execute every chapter not cached in its profile, ``jobs`` at a time; returns the failures."""
    cache_dir, timeout = _execution_settings(root)
    cache = get_cache(str(cache_dir))
    profiles = chapter_profiles(root)
    helpers = helpers_digest(root)
    if not any(config.results_dir().glob("*.json")):
        force = True
    todo = []
    for path in chapter_sources(root):
        try:
            cache.match_cache_notebook(read_chapter(path))
            hit = not force and _same_run(path.stem, profiles[path.stem], helpers)
        except KeyError:
            hit = False
        print(f"{path.relative_to(root)}: {'cached' if hit else 'to execute'} "
              f"({profiles[path.stem]} profile)", flush=True)
        if not hit:
            todo.append(str(path))
    failed = 0
    jobs = jobs or os.cpu_count() or 1
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo) or 1))) as pool:
        futures = [pool.submit(_run, path, timeout, profiles[Path(path).stem]) for path in todo]
        for future in as_completed(futures):
            path, nb, seconds, error, run = future.result()
            rel = Path(path).relative_to(root)
            if error:
                failed += 1
                print(f"{rel}: FAILED after {seconds:.0f} s\n{error}", flush=True)
                continue
            cache.cache_notebook_bundle(CacheBundleIn(nb, path,
                                                      data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            results.record_run(Path(path).stem, run["started"], seconds,
                               {**run["environment"], "helpers": helpers})
            print(f"{rel}: executed in {seconds:.0f} s", flush=True)
    if todo:
        print(f"{len(todo)} chapter(s) in {time.perf_counter() - start:.0f} s "
              f"with {jobs} at a time", flush=True)
    return failed


def main(argv: list[str] | None = None) -> int:
    """Command line: fill the cache; exit 1 when any chapter fails."""
    parser = argparse.ArgumentParser(prog="python -m imgcls.book.cache", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-j", "--jobs", type=int, default=0,
                        help="chapters executed at once (default: CPU cores)")
    parser.add_argument("--force", action="store_true", help="re-execute cached chapters too")
    parser.add_argument("--root", type=Path, default=config.REPO_ROOT, help="the book's folder")
    args = parser.parse_args(argv)
    try:
        return 1 if fill(args.root.resolve(), args.jobs, args.force) else 0
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
