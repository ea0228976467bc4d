"""The data folder on disk: one writer at a time, leftovers of interrupted runs, and the mirror
that is never written, even through a symbolic link."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from imgcls.config import resolve_links
from imgcls.data.errors import DataError, notice, os_error, use_folder

LOCK = ".imgcls-writer.lock"
# Temporary names the data layer writes: ``.<final name>.<random>.part`` (files and folders),
# gunzip input ``...part.gz``, folders of older versions ``.<name>.<8 random>`` and the
# downloader's ``tmp<8 random>``.
_PART = re.compile(r"^\..+\.part(\.gz)?$")
_OLD_DIR = re.compile(r"^\..+\.(old\.)?[a-z0-9_]{8}$|^tmp[a-z0-9_]{8}$")


def umask() -> int:
    """The process's file-creation mask (read without changing it for good)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp and mkdtemp make owner-only entries; installed ones get the usual permissions instead.
FILE_MODE = 0o666 & ~umask()
DIR_MODE = 0o777 & ~umask()
CHUNK = 1 << 20


def file_digest(path: Path, algo: str = "sha256") -> str:
    """The hex digest of a file, read in 1 MiB blocks (hashlib's file_digest needs 3.11)."""
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def resolved(path: Path, resource: str) -> Path:
    """``path`` made absolute with symbolic links followed; a link loop is a ``DataError``."""
    try:
        return resolve_links(path)
    except (OSError, RuntimeError) as exc:  # Python 3.11 reports a loop as RuntimeError
        raise DataError(resource, path, f"a symbolic link loop ({exc})",
                        "repair the symbolic links on that path, or choose another folder "
                        "(--data-dir DIR / IMGCLS_DATA=DIR)") from None


def inside(path: Path, folder: Path) -> bool:
    """True when ``path`` (symbolic links followed) is ``folder`` or lies within it."""
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


MAX_LINKS = 40  # as the kernel: more links on one path count as a loop


def in_mirror(path: Path, mirror: Path | None) -> Path | None:
    """Where the way to ``path`` enters the mirror (None: it never does).

    The path is followed one step at a time, each symbolic link as it comes, so that every place
    it passes through is checked, not only where it ends: a data subfolder linked into the
    mirror, whose own subfolder links back out to a writable place, still leads through the
    mirror. A link loop counts as leading there (nothing is written through it).
    """
    if mirror is None or not mirror.is_dir():
        return None
    mirror = mirror.resolve()
    pending = list(Path(os.path.abspath(path)).parts)
    current = Path(pending.pop(0))
    links = 0
    while pending:
        part = pending.pop(0)
        if part in (".", ""):
            continue
        current = current.parent if part == ".." else current / part
        if current == mirror or mirror in current.parents:
            return current
        if current.is_symlink():
            links += 1
            if links > MAX_LINKS:
                return current
            target = Path(os.readlink(current))
            pending = list(target.parts[1:] if target.is_absolute() else target.parts) + pending
            current = Path(target.anchor) if target.is_absolute() else current.parent
    return None


def refuse_mirror_writes(resource: str, folder: Path, mirror: Path | None) -> None:
    """Stop before anything could be written into (or deleted from) the mirror: a folder inside
    it, or a path that leads through a symbolic link into it at any step."""
    step = in_mirror(folder, mirror)
    if step is not None:
        via = "" if step == Path(folder).absolute() else f" (the path leads through {step})"
        raise DataError(resource, folder, f"this folder lies inside the mirror {mirror}{via}, "
                        "which is never written to",
                        "use a data folder outside the mirror (and no symbolic link into it): "
                        + use_folder(resource))


_locks: dict[tuple[int, Path], FileLock] = {}  # by process: a forked child needs its own


@contextmanager
def writer(folder: Path, resource: str) -> Iterator[None]:
    """Hold the lock that every writer in ``folder`` takes (re-entrant within a process)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(resource, folder, exc, "creating the data folder") from None
    path = folder / LOCK
    key = (os.getpid(), path)
    lock = _locks[key] = _locks.get(key) or FileLock(path)
    try:
        lock.acquire()
    except OSError as exc:
        raise os_error(resource, path, exc, "taking the data folder's writer lock") from None
    try:
        yield
    finally:
        lock.release()


def live_writer(folder: Path) -> bool:
    """True when a running process holds ``folder``'s writer lock (it may be writing there)."""
    path = Path(folder) / LOCK
    if not path.is_file():
        return False
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        return True
    except OSError:  # a lock this user cannot open: nobody can be told apart, say nobody
        return False
    lock.release()
    return False


def _writable(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        os.chmod(path, os.stat(path).st_mode | stat.S_IRWXU)


def remove_tree(path: Path) -> None:
    """Delete a folder of the data layer's own, making read-only subfolders writable on the way
    (a reader may have made the folder writable, but not what is inside)."""
    def writable_then_retry(function, failed, _exc):
        failed = Path(failed)
        _writable(failed.parent)
        if failed.is_dir() and not failed.is_symlink():
            remove_tree(failed)
        elif os.path.lexists(failed):
            os.unlink(failed)

    path = Path(path)
    _writable(path)
    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=writable_then_retry)
    else:
        shutil.rmtree(path, onerror=lambda f, p, e: writable_then_retry(f, p, e[1]))


def leftovers(folders: Iterable[Path]) -> list[Path]:
    """Temporary files and folders that interrupted runs left in ``folders`` (not recursive)."""
    found = []
    for folder in dict.fromkeys(folders):
        try:
            entries = list(os.scandir(folder))
        except OSError:  # a folder that does not exist (yet) holds no leftovers
            continue
        found += [Path(e.path) for e in entries if _PART.match(e.name)
                  or (_OLD_DIR.match(e.name) and e.is_dir(follow_symlinks=False))]
    return sorted(found)


def size_of(path: Path) -> int:
    """Bytes held by a file, or by every file under a folder."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def remove_leftovers(folders: Iterable[Path], resource: str,
                     mirror: Path | None = None) -> None:
    """Delete the leftovers of interrupted runs; call it while holding the writer lock. Nothing
    that lies in the mirror (or is reached through a link into it) is deleted."""
    for path in leftovers(folders):
        if in_mirror(path, mirror) is not None:
            notice(resource, f"left {path} alone: it lies in the mirror {mirror}, which is never "
                   "written to")
            continue
        size = size_of(path)
        try:
            if path.is_dir() and not path.is_symlink():
                remove_tree(path)
            else:
                path.unlink(missing_ok=True)
        except OSError as exc:
            notice(resource, f"could not remove {path}, left by an interrupted run ({exc})")
            continue
        notice(resource, f"removed {path} ({size:,} bytes), left by an interrupted run")
