"""What the loaders make from a verified archive: an unpacked folder and a cache of decoded arrays.

Each records what it was made from and what it holds (names, sizes, sha256 digests); it is
checked before it is trusted (names and sizes on every load, contents on request) and rebuilt
from the archive when it does not match, with a notice naming the damaged or unexpected file.
One process builds at a time (the data folder's writer lock); the result appears under its final
name only when complete.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from imgcls import config
from imgcls.data import disk, progress
from imgcls.data.errors import DataError, notice, os_error

MANIFEST = ".manifest.json"
META = "__meta__"
MAX_NAMED = 5


def source_record(archive: Path) -> dict:
    """What a derived folder or cache records about a file it was made from."""
    stat = archive.stat()
    return {"name": archive.name, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _files(folder: Path) -> dict[str, int]:
    """Every file under ``folder`` (relative path -> size), the manifest itself excepted.

    Links to folders are not followed, as in ``os.walk``. Plain strings and ``os.scandir``, not
    ``Path`` objects: every load checks CIFAR-10's 60,000 files, and this takes a fifth the time.
    """
    found = {}

    def walk(directory: str, prefix: str) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir():
                    if not entry.is_symlink():
                        walk(entry.path, rel + "/")
                elif rel != MANIFEST:
                    found[rel] = entry.stat(follow_symlinks=False).st_size

    walk(os.fspath(folder), "")
    return found


def _read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def _summary(problems: list[str]) -> str:
    extra = len(problems) - MAX_NAMED
    return "; ".join(problems[:MAX_NAMED]) + (f"; and {extra} more" if extra > 0 else "")


def folder_problems(folder: Path, archive: Path, contents: bool = False) -> list[str]:
    """Why ``folder`` is not a faithful unpacking of ``archive`` (empty when it is).

    Names and sizes are always compared with the folder's manifest; with ``contents`` also the
    sha256 digest of every file.
    """
    if not folder.is_dir():
        return [f"{folder}: not unpacked yet"]
    manifest = _read_manifest(folder)
    if manifest is None:
        return [f"{folder / MANIFEST}: missing or unreadable (an interrupted or older unpacking)"]
    if manifest.get("source") != source_record(archive):
        return [f"{folder}: unpacked from another copy of {archive.name} "
                f"({manifest.get('source')})"]
    want = manifest["files"]
    have = _files(folder)
    problems = [f"{folder / rel}: missing" for rel in sorted(set(want) - set(have))]
    problems += [f"{folder / rel}: unexpected file (not in {archive.name})"
                 for rel in sorted(set(have) - set(want))]
    for rel in sorted(set(want) & set(have)):
        size, digest = want[rel]
        if have[rel] != size:
            problems.append(f"{folder / rel}: {have[rel]:,} bytes, expected {size:,}")
        elif contents and disk.file_digest(folder / rel) != digest:
            problems.append(f"{folder / rel}: content differs from the archive's (sha256)")
    return problems


def manifest_digest(folder: Path) -> str:
    """A digest of the folder's manifest: what a cache made from the folder records."""
    return hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()


def _title(resource: str) -> str:
    from imgcls.data import registry as reg

    return reg.registry()[resource].title if resource in reg.registry() else resource


def _unpack(archive: Path, work: Path, resource: str, only: set[str] | None) -> None:
    """Unpack a zip or tar ``archive`` (only the members named in ``only``, if given)."""
    desc = f"{_title(resource)}: unpacking {archive.name}"
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                names = [n for n in zf.namelist() if only is None or n in only]
                zf.extractall(work, members=progress.bar(names, desc=desc))
        else:
            size = archive.stat().st_size
            with open(archive, "rb") as raw, tarfile.open(fileobj=raw, mode="r|*") as tar, \
                    progress.bar(desc=desc, total=size, unit="B", unit_scale=True) as bar:
                for member in tar:
                    if only is None or member.name.removeprefix("./") in only:
                        tar.extract(member, work, filter="data")
                    bar.update(raw.tell() - bar.n)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error) as exc:
        kind = "zip" if archive.suffix == ".zip" else "zip or tar"
        raise DataError(resource, archive, f"not a valid {kind} archive ({exc})") from None
    except OSError as exc:
        if exc.errno is None or isinstance(exc, gzip.BadGzipFile):  # a broken stream
            raise DataError(resource, archive, f"not a valid archive ({exc})") from None
        raise os_error(resource, work.parent, exc, f"unpacking {archive.name}") from None


def _remove(folder: Path) -> None:
    """Delete a temporary folder of ours, read-only parts included; what stays is a leftover
    that the next run removes."""
    try:
        disk.remove_tree(folder)
    except OSError:
        pass


def _replace(new: Path, dest: Path, resource: str) -> None:
    """Put the complete folder or file ``new`` in place of ``dest`` (an old one is removed)."""
    aside = None
    try:
        if dest.is_dir() and not dest.is_symlink():
            aside = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".part",
                                          dir=dest.parent))
            os.replace(dest, aside / dest.name)
        os.replace(new, dest)
    except OSError as exc:
        raise os_error(resource, dest, exc, f"moving the new {dest.name} into place") from None
    finally:
        if aside is not None:
            _remove(aside)


def _build(archive: Path, dest: Path, expect: tuple[str, ...], resource: str,
           inner: str | None, only: Mapping[str, str | None] | None) -> None:
    """Unpack into a temporary folder beside ``dest``, check it, record it, move it into place."""
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent))
    except OSError as exc:
        raise os_error(resource, dest.parent, exc, f"unpacking {archive.name}") from None
    try:
        prefix = f"{inner}/" if inner else ""
        _unpack(archive, work, resource, None if only is None else {prefix + n for n in only})
        top = work / inner if inner else work
        missing = [e for e in expect if not (top / e).exists()]
        if missing:
            found = sorted(p.name for p in work.iterdir())
            where = f"{inner}/" if inner else "the top of the archive"
            raise DataError(resource, archive, f"wrong folder layout: expected {list(expect)} "
                            f"in {where}, found {found}")
        for name, md5 in (only or {}).items():
            if md5 and disk.file_digest(top / name, "md5") != md5:
                raise DataError(resource, archive, f"{name} in the archive does not match its "
                                f"published md5 {md5}")
        files = {rel: [size, disk.file_digest(top / rel)] for rel, size in progress.bar(
            sorted(_files(top).items()), desc=f"{_title(resource)}: recording {dest.name}")}
        manifest = {"source": source_record(archive), "files": files}
        (top / MANIFEST).write_text(json.dumps(manifest, indent=0, sort_keys=True))
        os.chmod(top, disk.DIR_MODE)
        _replace(top, dest, resource)
    except OSError as exc:
        raise os_error(resource, dest.parent, exc, f"unpacking {archive.name}") from None
    finally:
        _remove(work)


def extract_archive(archive: Path, dest: Path, expect: tuple[str, ...], resource: str,
                    inner: str | None = None, only: Mapping[str, str | None] | None = None,
                    contents: bool = False) -> Path:
    """Unpack a zip or tar ``archive`` into ``dest`` once, checking its layout and its files.

    ``inner`` names the archive's top folder that becomes ``dest`` (None: the archive's top
    level itself); ``expect`` lists paths that must exist there; ``only`` limits the unpacking
    to these files of ``inner``, each checked against its md5 when one is given. A folder that
    does not match its manifest (names and sizes; with ``contents`` also digests), or that was
    made from another copy of the archive, is unpacked again, with a notice naming why.
    """
    mirror = config.mirror_dir()
    disk.refuse_mirror_writes(resource, dest.parent, mirror)
    problems = folder_problems(dest, archive, contents)
    if not problems:
        return dest
    # a folder that is a symbolic link (to a bigger disk, say) is unpacked where it points, and
    # the link stays
    target = disk.resolved(dest, resource) if dest.is_symlink() else dest
    disk.refuse_mirror_writes(resource, target, mirror)
    with disk.writer(dest.parent, resource):
        disk.remove_leftovers(dict.fromkeys([dest.parent, target.parent]), resource, mirror)
        problems = folder_problems(dest, archive, contents)  # another process may have built it
        if not problems:
            return dest
        if dest.exists():
            notice(resource, f"{_summary(problems)}; unpacking {archive.name} again")
        if target != dest and not target.parent.is_dir():
            raise DataError(resource, dest, f"a symbolic link to {target}, whose folder "
                            f"{target.parent} does not exist",
                            f"make {target.parent}, or remove the link {dest}")
        _build(archive, target, expect, resource, inner, only)
    return dest


def _load_checked(cache: Path, made_from: str,
                  contents: bool) -> tuple[dict[str, np.ndarray], list[str]]:
    """The arrays of ``cache`` and why they cannot be trusted (no problems: they can)."""
    if not cache.is_file():
        return {}, [f"{cache}: not made yet"]
    try:
        with np.load(cache) as z:
            meta = json.loads(str(z[META])) if META in z.files else {}
            arrays = {k: z[k] for k in z.files if k != META}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, zlib.error) as exc:
        return {}, [f"{cache}: unreadable ({exc.__class__.__name__}: {exc})"]
    if not meta:
        return {}, [f"{cache}: no record of what it holds (an older cache)"]
    if meta.get("made_from") != made_from:
        return {}, [f"{cache}: made from other files than the ones now unpacked"]
    want = meta["arrays"]
    if set(arrays) != set(want):
        return {}, [f"{cache}: holds arrays {sorted(arrays)}, expected {sorted(want)}"]
    problems = []
    for name, array in arrays.items():
        shape, dtype = want[name]["shape"], want[name]["dtype"]
        if list(array.shape) != shape or str(array.dtype) != dtype:
            problems.append(f"{cache}: array {name} is {array.dtype} {list(array.shape)}, "
                            f"expected {dtype} {shape}")
        elif contents and _array_digest(array) != want[name]["sha256"]:
            problems.append(f"{cache}: array {name} differs from when it was made (sha256)")
    return arrays, problems


def _array_digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def cache_problems(cache: Path, made_from: str, contents: bool = False) -> list[str]:
    """Why the array cache ``cache`` cannot be trusted (empty when it can)."""
    return _load_checked(cache, made_from, contents)[1]


def _save(cache: Path, arrays: dict[str, np.ndarray], made_from: str, resource: str) -> None:
    """Write the arrays and their record to a temporary file, then move it onto ``cache``."""
    meta = {"made_from": made_from, "arrays": {
        k: {"shape": list(a.shape), "dtype": str(a.dtype),
            "sha256": _array_digest(a)}
        for k, a in arrays.items()}}
    tmp = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{cache.name}.", suffix=".part", dir=cache.parent)
        tmp = Path(name)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays, **{META: np.array(json.dumps(meta))})
        os.chmod(tmp, disk.FILE_MODE)
        os.replace(tmp, cache)
    except OSError as exc:
        raise os_error(resource, cache, exc, f"writing the cache {cache.name}") from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def cached_arrays(cache: Path, made_from: str, build: Callable[[], dict[str, np.ndarray]],
                  resource: str, contents: bool = False) -> dict[str, np.ndarray]:
    """The arrays in ``cache`` when it records ``made_from`` and holds what it says; otherwise
    ``build()`` them (one process at a time) and save them for next time."""
    disk.refuse_mirror_writes(resource, cache.parent, config.mirror_dir())
    arrays, problems = _load_checked(cache, made_from, contents)
    if not problems:
        return arrays
    with disk.writer(cache.parent, resource):
        arrays, problems = _load_checked(cache, made_from, contents)  # built meanwhile?
        if not problems:
            return arrays
        if cache.exists():
            notice(resource, f"{_summary(problems)}; decoding again")
        arrays = build()
        _save(cache, arrays, made_from, resource)
    return arrays
