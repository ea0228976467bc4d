"""The data command line: fetch, verify and list resources.

It exists wherever the package is installed: ``python -m imgcls.data`` (no PATH needed), the
console script ``imgcls-data``, and in a checkout ``python data_scripts/fetch.py`` too.
Exit status: 0 when everything asked for is ready (or verified), 1 on any failure, 2 for a
usage error or a bad setting, 130 when interrupted. Errors go to standard error, one
``DataError`` message each.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from imgcls import config
from imgcls.data import registry as reg
from imgcls.data.disk import live_writer, resolved, size_of
from imgcls.data.errors import COMMAND, DataError, command_line, fix_command
from imgcls.data.fetch import fetch, leftovers, mirror_source, set_aside, verify

INTERRUPTED = "interrupted; nothing half-written is kept, run it again"


def _folder(value: str) -> Path:
    """A folder argument; an empty one is refused rather than taken as the current folder."""
    if not value.strip():
        raise argparse.ArgumentTypeError("an empty path names no folder; give a folder, "
                                         "e.g. data or ../shared/data")
    return Path(value)


def _parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Fetch, verify or list the book's data.")
    p.add_argument("names", nargs="*", help="resources to fetch ('all' for every one)")
    p.add_argument("--mirror", type=_folder, default=None,
                   help="offline mirror folder, read only (default: $IMGCLS_MIRROR)")
    p.add_argument("--data-dir", type=_folder, default=None,
                   help="data folder (default: $IMGCLS_DATA or data/ in the checkout)")
    p.add_argument("--verify", action="store_true",
                   help="check the data folder, fetch nothing (no names: what the book needs)")
    p.add_argument("--list", action="store_true",
                   help="list every resource (or the ones named) and its state")
    p.add_argument("--book", action="store_true",
                   help="fetch (or with --verify, check) everything the chapters need")
    return p


def _names(requested: list[str]) -> list[str] | None:
    """The resources asked for ('all' expands); None after reporting an unknown name."""
    known = reg.registry()
    if requested == ["all"]:
        return list(known)
    unknown = [n for n in requested if n not in known]
    if unknown:
        print(f"error: unknown resource(s) {', '.join(unknown)}; known: {', '.join(known)}",
              file=sys.stderr)
        return None
    return requested


# What the chapters need; a value names the stand-in used when the resource cannot be had
# offline (only with IMGCLS_ALLOW_STANDINS=1).
BOOK: dict[str, str | None] = {
    "mnist": None,
    "photos": None,
    "animal_faces": None,
    "cifar10": None,
    "sign_mnist": None,
    "stl10": "chapter 11 runs on CIFAR-10 instead",
    "weights:mobilenet_quantized": None,
    "weights:DenseNet121_Weights.IMAGENET1K_V1": "chapter 10 uses the mirror's MobileNetV2",
    "weights:ResNet50_Weights.IMAGENET1K_V2": "chapter 11 uses the mirror's MobileNetV2",
    "weights:MobileNet_V2_Weights.IMAGENET1K_V1": "chapter 11 uses the mirror's int8 weights",
}


def _loader(name: str):
    return importlib.import_module(f"imgcls.data.{name}")


# Derived files (unpacked archives, decoded arrays) built, or checked byte by byte and rebuilt,
# whenever their resource is fetched, so that chapters executed in parallel only read them.
PREPARE: dict[str, Callable[[], None]] = {
    "cifar10": lambda: _loader("cifar10").prepare(),
    "stl10": lambda: _loader("stl10").prepare(),
    "sign_mnist": lambda: _loader("sign_mnist").prepare(),
}
# The same derived files checked by content for --verify, changing nothing.
DERIVED_CHECKS: dict[str, Callable[[Path], list[str]]] = {
    "cifar10": lambda data_dir: _loader("cifar10").derived_problems(data_dir),
    "stl10": lambda data_dir: _loader("stl10").derived_problems(data_dir),
    "sign_mnist": lambda data_dir: _loader("sign_mnist").derived_problems(data_dir),
}


@contextmanager
def _folders(data_dir: Path, mirror: Path | None) -> Iterator[None]:
    """Point the loaders (which read the environment) at the CLI's folders for a moment."""
    saved = {k: os.environ.get(k) for k in ("IMGCLS_DATA", "IMGCLS_MIRROR")}
    os.environ["IMGCLS_DATA"] = str(data_dir)
    os.environ["IMGCLS_MIRROR"] = str(mirror or "")
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _check(name: str, data_dir: Path) -> tuple[reg.Variant | None, list[str]]:
    """``verify`` and, once the files verify, the content check of what was derived from them."""
    variant, problems = verify(name, data_dir)
    if variant is not None and name in DERIVED_CHECKS:
        problems = DERIVED_CHECKS[name](data_dir)
        if problems:
            variant = None
    return variant, problems


def prepare(name: str, *, mirror: Path | None = None, data_dir: Path | None = None) -> reg.Variant:
    """Fetch one resource, set aside what does not belong in its folders (named in a notice),
    and build, or check byte by byte and rebuild, what the loaders derive from it: what the
    data command line does for each name (``from imgcls.data import prepare``)."""
    config.check_settings()
    data_dir = resolved(data_dir, name) if data_dir else config.data_dir()
    mirror = resolved(mirror, "mirror") if mirror else config.mirror_dir()
    got = fetch(name, mirror=mirror, data_dir=data_dir)
    set_aside(name, data_dir, mirror)
    if name in PREPARE:
        with _folders(data_dir, mirror):
            PREPARE[name]()
    return got.variant


def _fetch(name: str, mirror: Path | None, data_dir: Path) -> reg.Variant:
    return prepare(name, mirror=mirror, data_dir=data_dir)


def _bug(name: str, exc: Exception) -> str:
    return (f"error: {name}: {exc.__class__.__name__}: {exc}\n  this is a bug of the data "
            f"layer; please report it with the command you ran")


def _report_leftovers(names: list[str], data_dir: Path) -> None:
    known = [name for name in names if name in reg.registry()]
    found = sorted({p for name in known for p in leftovers(name, data_dir)})
    live = bool(found) and any(live_writer(folder)
                               for folder in {data_dir, *(p.parent for p in found)})
    for path in found:
        if live:  # the writer holding the lock may be writing it right now
            print(f"note: {path} ({size_of(path):,} bytes) belongs to a fetch that is running "
                  f"now (it holds the data folder's lock); it goes once that run ends")
        else:
            print(f"note: {path} ({size_of(path):,} bytes) was left by an interrupted run; "
                  f"the next fetch removes it")


def _book(mirror: Path | None, data_dir: Path, check_only: bool = False) -> int:
    failed = 0
    for name, standin in BOOK.items():
        try:
            if check_only:
                variant, problems = _check(name, data_dir)
                if variant is None:
                    raise DataError(name, None, "not verified:\n    " + "\n    ".join(problems))
                print(f"{name}: verified ({variant.name})")
            else:
                print(f"{name}: ready ({_fetch(name, mirror, data_dir).name})")
        except DataError as exc:
            if standin and config.allow_standins():
                print(f"{name}: not available here; {standin} (IMGCLS_ALLOW_STANDINS=1)")
            else:
                failed += 1
                print(f"error: {exc}", file=sys.stderr)
                if standin:  # offline no mirror holds it: the documented stand-in is the way
                    how = ("IMGCLS_ALLOW_STANDINS=1 make book" if config.in_checkout()
                           else "set IMGCLS_ALLOW_STANDINS=1 before running the chapters")
                    print(f"  or, offline: {how} ({standin}, named on the page)",
                          file=sys.stderr)
        except Exception as exc:  # an unforeseen fault: report it and go on to the next one
            failed += 1
            print(_bug(name, exc), file=sys.stderr)
    if check_only:
        _report_leftovers(list(BOOK), data_dir)
    return 1 if failed else 0


def _in_mirror(res: reg.Resource, mirror: Path | None) -> str:
    """Which variants the mirror holds completely, for ``--list``."""
    if mirror is None:
        return "no mirror set"
    if not mirror.is_dir():
        return f"the mirror {mirror} does not exist"
    held = [v.name for v in res.variants
            if all(s.mirror and mirror_source(s, mirror) for s in v.files)]
    return f"holds {', '.join(held)}" if held else "not in the mirror"


def _list(data_dir: Path, mirror: Path | None, names: list[str]) -> int:
    print(f"data folder: {data_dir}\nmirror: {mirror or 'none'}")
    for name, res in reg.registry().items():
        if names and name not in names:
            continue
        variant, problems = verify(name, data_dir)
        if variant:
            state = f"present, verified ({variant.name})"
        elif all(p.endswith(": missing") for p in problems):
            state = "not present"
        else:
            bad = [p for p in problems if not p.endswith(": missing")]
            state = f"NOT verified ({len(problems)} problem(s), e.g. {bad[0]})"
        print(f"{name}\n  {res.description}\n  source: {res.source}\n  state: {state}"
              f"\n  mirror: {_in_mirror(res, mirror)}")
        for v in res.variants:
            print(f"  variant {v.name}: {v.fidelity}")
    return 0


def _verify(names: list[str], data_dir: Path) -> int:
    failed = 0
    _report_leftovers(names, data_dir)
    for name in names:
        variant, problems = _check(name, data_dir)
        if variant:
            print(f"{name}: verified ({variant.name}; {variant.fidelity})")
            continue
        failed += 1
        print(f"{name}: NOT verified", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        print(f"  fix: {fix_command(name)}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str], prog: str = COMMAND) -> int:
    """Run the command line; returns the exit status (non-zero on any failure, 130 when
    interrupted: every temporary file is removed on the way out, so nothing half-written stays).
    """
    with command_line():
        try:
            return _main(argv, prog)
        except KeyboardInterrupt:
            print(f"\n{prog}: {INTERRUPTED}", file=sys.stderr)
            return 130


def _main(argv: list[str], prog: str) -> int:
    parser = _parser(prog)
    args = parser.parse_args(argv)
    try:
        config.check_settings()
        data_dir = resolved(args.data_dir, "data") if args.data_dir else config.data_dir()
        mirror = resolved(args.mirror, "mirror") if args.mirror else config.mirror_dir()
        if data_dir.exists() and not data_dir.is_dir():
            raise ValueError(f"the data folder {data_dir} is a file, not a folder: name a "
                             "folder (--data-dir DIR or IMGCLS_DATA=DIR; it is made when missing)")
    except (DataError, ValueError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    if args.list:
        names = _names(args.names) if args.names else []
        return 2 if names is None else _list(data_dir, mirror, names)
    if args.book or (args.verify and not args.names):
        return _book(mirror, data_dir, check_only=args.verify)
    if not args.names:
        parser.print_usage(sys.stderr)
        print(f"{prog}: error: name at least one resource (or 'all'), or use --list / --book",
              file=sys.stderr)
        return 2
    names = _names(args.names)
    if names is None:
        return 2
    if args.verify:
        return _verify(names, data_dir)
    failed = 0
    for name in names:
        try:
            variant = _fetch(name, mirror, data_dir)
            print(f"{name}: ready ({variant.name}; {variant.fidelity})")
        except DataError as exc:
            failed += 1
            print(f"error: {exc}", file=sys.stderr)
        except Exception as exc:  # an unforeseen fault: report it and go on to the next one
            failed += 1
            print(_bug(name, exc), file=sys.stderr)
    return 1 if failed else 0


def run() -> None:
    """The console script ``imgcls-data``."""
    sys.exit(main(sys.argv[1:], prog="imgcls-data"))


if __name__ == "__main__":  # python -m imgcls.data.cli works too
    sys.exit(main(sys.argv[1:], prog="python -m imgcls.data.cli"))
