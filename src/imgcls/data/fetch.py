"""Getting resources into the data folder: verify what is there, else copy from a mirror, else
download; always through a temporary file that is checked before an atomic move into place.

Guarantees: a verified file is never replaced; nothing is ever written into the mirror (nor
through a symbolic link into it); a partial file never sits under its final name; one process
writes at a time (the data folder's lock), and it removes what interrupted runs left; every
failure is a ``DataError`` naming the file, the problem (for an OS error its real cause) and the
fix.
"""

from __future__ import annotations

import errno
import gzip
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image

from imgcls import config
from imgcls.data import disk, download, progress
from imgcls.data import registry as reg
from imgcls.data.errors import (
    WRITE_SIDE,
    DataError,
    fix_command,
    mirror_fix,
    notice,
    offline_fix,
    os_error,
)
from imgcls.data.registry import FileSpec, Resource, Variant

CHUNK = 1 << 20
LAYOUT_SEARCH_LIMIT = 20_000
# Errors while unpacking or writing a downloaded file that mean "try the next source"
# (download.download raises DownloadError for the network's own).
LOCAL_ERRORS = (OSError, EOFError, zlib.error)


@dataclass(frozen=True)
class Fetched:
    """What ``fetch`` settled on: the variant used and the final paths of its files."""

    resource: Resource
    variant: Variant
    paths: tuple[Path, ...]

    @property
    def exact(self) -> bool:
        return self.variant.exact


def hub_dir() -> Path:
    """torch hub's checkpoint folder, where torchvision looks for weight files."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def final_path(spec: FileSpec, data_dir: Path) -> Path:
    """Where ``spec`` lives once fetched: the data folder, or torch hub's for weight files."""
    return (hub_dir() if spec.in_hub else data_dir) / spec.path


_digests: dict[tuple[str, int, int, str], str] = {}
MEMO_MIN_BYTES = 1 << 20


def _digest(path: Path, algo: str) -> str:
    """The file's hex digest; large files are hashed once per process while unchanged."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, algo)
    if key in _digests:
        return _digests[key]
    digest = disk.file_digest(path, algo)
    if stat.st_size >= MEMO_MIN_BYTES:
        _digests[key] = digest
    return digest


def problem_with(path: Path, spec: FileSpec) -> str | None:
    """Why ``path`` is not a good copy of ``spec`` (None when it verifies)."""
    try:
        return _problem(path, spec)
    except OSError as exc:  # a file this user may not read, or a failing disk
        return f"unreadable ({exc.strerror or exc})"


def _problem(path: Path, spec: FileSpec) -> str | None:
    if not path.is_file():
        return "missing"
    size = path.stat().st_size
    if spec.size is not None and size != spec.size:
        kind = "truncated" if size < spec.size else "too large"
        return f"{kind}: {size:,} bytes, expected {spec.size:,}"
    if size == 0:
        return "truncated: the file is empty"
    if spec.md5 and _digest(path, "md5") != spec.md5:
        return f"checksum mismatch: md5 differs from the published {spec.md5}"
    if spec.sha256:
        got = _digest(path, "sha256")
        if not got.startswith(spec.sha256):
            return f"checksum mismatch: sha256 {got[:16]}... expected {spec.sha256[:16]}..."
    if spec.image:
        try:
            with Image.open(path) as im:
                im.verify()
        except Exception as exc:  # PIL raises many types for broken files
            return f"not a valid image ({exc.__class__.__name__}: {exc})"
    if spec.content_check:
        try:
            spec.content_check(path)
        except ValueError as exc:
            return f"wrong content: {exc}"
    return None


def _temp_beside(dest: Path, resource: str) -> Path:
    """An empty temporary file in ``dest``'s folder (same file system, so the move is atomic)."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    except OSError as exc:
        raise os_error(resource, dest.parent, exc, f"writing {dest.name}") from None
    os.close(fd)
    return Path(name)


def _install(tmp: Path, dest: Path, spec: FileSpec) -> str | None:
    """Move a verified ``tmp`` onto ``dest``; a bad one is deleted and its problem returned."""
    problem = problem_with(tmp, spec)
    if problem:
        tmp.unlink(missing_ok=True)
        return problem
    os.chmod(tmp, disk.FILE_MODE)  # mkstemp made it owner-only
    os.replace(tmp, dest)
    return None


def _find_elsewhere(mirror: Path, rel: str) -> Path | None:
    """A file called like ``rel`` somewhere else in the mirror (a bounded search)."""
    name = Path(rel).name
    top = mirror / Path(rel).parts[0]
    visited = 0
    for root in ([top] if top.is_dir() else []) + [mirror]:
        for folder, _dirs, files in os.walk(root):
            if name in files:
                return Path(folder) / name
            visited += len(files) + 1
            if visited > LAYOUT_SEARCH_LIMIT:
                return None
    return None


def mirror_source(spec: FileSpec, mirror: Path) -> tuple[Path, bool] | None:
    """The mirror file for ``spec`` and whether it must be gunzipped (None when absent)."""
    src = mirror / spec.mirror
    if src.is_file():
        return src, False
    gz = src.with_name(src.name + ".gz")
    if spec.gunzip and gz.is_file():
        return gz, True
    return None


def _misplaced(spec: FileSpec, mirror: Path, resource: str) -> DataError:
    """The error for a file that is not where the mirror should hold it, with the likely fix."""
    src = mirror / spec.mirror
    if (mirror.parent / spec.mirror).is_file():
        other, right = mirror.parent / spec.mirror, mirror.parent
    else:
        other = _find_elsewhere(mirror, spec.mirror)
        if other is None:
            return DataError(resource, src, "missing from the mirror")
        top = str(other)[: -len(spec.mirror)].rstrip("/")
        right = Path(top) if other.as_posix().endswith("/" + spec.mirror) else None
    problem = f"wrong folder layout in the mirror: the file is at {other}, expected at {src}"
    if right is not None:  # the mirror setting names the wrong folder, not a wrong layout
        return DataError(resource, src, problem,
                         f"point the mirror at {right}: --mirror {right} (or IMGCLS_MIRROR)")
    return DataError(resource, src, problem,
                     f"lay the mirror out as its PROVENANCE.md says: move {other} to {src}")


def _copy_from_mirror(spec: FileSpec, dest: Path, mirror: Path, resource: str) -> None:
    """Copy one file from the mirror (read only) through a checked temporary file."""
    found = mirror_source(spec, mirror)
    if found is None:
        raise _misplaced(spec, mirror, resource)
    src, gunzip = found
    tmp = _temp_beside(dest, resource)
    try:
        try:
            with (gzip.open(src, "rb") if gunzip else open(src, "rb")) as fin:
                try:
                    fout = open(tmp, "wb")
                except OSError as exc:
                    raise os_error(resource, dest, exc, "copying from the mirror") from None
                with fout:
                    shutil.copyfileobj(fin, fout, CHUNK)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if exc.errno in WRITE_SIDE:  # the data folder's disk, not the mirror's copy
                raise os_error(resource, dest, exc, "copying from the mirror") from None
            raise DataError(resource, src, f"copy from the mirror failed ({exc}); "
                            f"{dest} is unchanged", mirror_fix(resource, mirror)) from None
        except (EOFError, zlib.error) as exc:
            raise DataError(resource, src, f"copy from the mirror failed ({exc}); "
                            f"{dest} is unchanged", mirror_fix(resource, mirror)) from None
        problem = _install(tmp, dest, spec)
        if problem:
            raise DataError(resource, src, f"the mirror's copy is bad: {problem}; "
                            f"{dest} is unchanged", mirror_fix(resource, mirror))
    finally:
        tmp.unlink(missing_ok=True)


def _title(resource: str) -> str:
    """The dataset's name for progress bars (the registry's label, else the resource name)."""
    return reg.registry()[resource].title if resource in reg.registry() else resource


def _try_url(url: str, tmp: Path, spec: FileSpec, label: str = "") -> str | None:
    """Download ``url`` into ``tmp`` (gunzipping when needed); the problem, or None on success."""
    raw = tmp.with_name(tmp.name + ".gz") if spec.gunzip else tmp
    try:
        download.download(url, raw, label)
        if spec.gunzip:
            with gzip.open(raw, "rb") as fin, open(tmp, "wb") as fout:
                shutil.copyfileobj(fin, fout, CHUNK)
    except download.DownloadError as exc:
        return str(exc)
    except LOCAL_ERRORS as exc:  # a broken gzip stream, a full disk
        return f"{exc.__class__.__name__}: {exc}"
    finally:
        if spec.gunzip:
            raw.unlink(missing_ok=True)
    return None


def _download(spec: FileSpec, dest: Path, resource: str) -> None:
    """Download one file from its official source(s) through a checked temporary file.

    Each URL is fetched from its ``IMGCLS_URL_REWRITE`` replacement when one matches, and the
    file is still checked against the official checksum.
    """
    if not spec.urls and spec.downloader is None:
        raise DataError(resource, dest, "missing, and no official download exists for it")
    try:
        sources = [download.source(url) for url in spec.urls]
        download.Policy.from_env()
    except download.SettingError as exc:
        raise DataError(resource, dest, str(exc)) from None
    tmp = _temp_beside(dest, resource)
    errors = []
    try:
        if spec.downloader is not None:
            try:
                with tempfile.TemporaryDirectory(dir=dest.parent) as work:
                    shutil.copyfile(spec.downloader(Path(work)), tmp)
                problem = _install(tmp, dest, spec)
            except Exception as exc:  # third-party clients (kagglehub) raise their own types
                problem = f"{exc.__class__.__name__}: {exc}"
            if problem is None:
                return
            errors.append(f"official source: {problem}")
        for url, src in zip(spec.urls, sources, strict=True):
            problem = _try_url(url, tmp, spec, _title(resource)) or _install(tmp, dest, spec)
            if problem is None:
                return
            via = f" (via {download.REWRITE_VAR}: {src})" if src != url else ""
            errors.append(f"{url}{via}: {problem}")
        raise DataError(resource, dest, "download failed: " + "; ".join(errors))
    finally:
        tmp.unlink(missing_ok=True)


def _variant_ok(variant: Variant, data_dir: Path) -> bool:
    return all(problem_with(final_path(s, data_dir), s) is None for s in variant.files)


MAX_REPORTED = 5


def _fill(variant: Variant, data_dir: Path, get_one: Callable[[FileSpec, Path], None],
          mirror: Path | None = None, resource: str = "") -> list[DataError]:
    """Get every file of ``variant`` that does not verify yet; verified files are left alone.

    Every file is tried (good ones are installed even when others fail); the failures are
    returned, empty when the variant is complete. A file is got while holding the data folder's
    writer lock, and only if it still does not verify then (another process may have got it).
    No file is written into the mirror, not even through a folder that is a symbolic link into it.
    """
    failures = []
    for spec in progress.bar(variant.files, desc=f"{_title(resource)}: checking files"):
        dest = final_path(spec, data_dir)
        if problem_with(dest, spec) is not None:
            try:
                disk.refuse_mirror_writes(resource, dest.parent, mirror)
                with disk.writer(data_dir, resource):
                    if problem_with(dest, spec) is not None:
                        get_one(spec, dest)
            except DataError as exc:
                failures.append(exc)
            except OSError as exc:  # moving a checked file into place
                failures.append(os_error(resource, dest, exc, f"installing {dest.name}"))
    return failures


def _result(resource: Resource, variant: Variant, data_dir: Path) -> Fetched:
    paths = tuple(final_path(s, data_dir) for s in variant.files)
    return Fetched(resource, variant, paths)


def _first_bad(resource: Resource, data_dir: Path) -> tuple[Path, str]:
    """The first file of the preferred variant that does not verify, and why."""
    for spec in resource.variants[0].files:
        path = final_path(spec, data_dir)
        problem = problem_with(path, spec)
        if problem:
            return path, problem
    spec = resource.variants[0].files[0]
    return final_path(spec, data_dir), "missing"


def _report(source: str, variant: Variant, failures: list[DataError]) -> list[str]:
    """One line per failed file (at most ``MAX_REPORTED``), naming the source and variant."""
    lines = []
    for exc in failures[:MAX_REPORTED]:
        where = f"{exc.file}: " if source == "mirror" else ""
        lines.append(f"{source} ({variant.name} variant): {where}{exc.problem}")
    if len(failures) > MAX_REPORTED:
        lines.append(f"{source} ({variant.name} variant): ... and "
                     f"{len(failures) - MAX_REPORTED} more files like these")
    return lines


def fetch(name: str, *, mirror: Path | None = None, data_dir: Path | None = None,
          download: bool = True) -> Fetched:
    """Make resource ``name`` present and verified; return the variant and paths it ended up with.

    Order: an exact variant already verified in the data folder; a variant the mirror folder
    holds (exact ones first); a download of a variant with official URLs; and only then a
    lossy variant already in the data folder, so that a reader who once ran offline gets the
    official data as soon as it can be had. Verified files are never overwritten. When
    everything fails, the ``DataError`` lists what each source said about each file.
    """
    try:
        config.check_settings()
    except ValueError as exc:  # the one error type the data layer raises for what it reads
        raise DataError(name, None, str(exc), "change or unset that setting, then run this "
                        "again") from None
    resource = reg.get(name)
    data_dir = disk.resolved(data_dir, name) if data_dir else config.data_dir()
    mirror = Path(mirror) if mirror else config.mirror_dir()
    disk.refuse_mirror_writes(name, data_dir, mirror)
    folders = _folders(resource, data_dir)
    if disk.leftovers(folders):  # removed under the writer lock, so no live run owns them
        try:
            with disk.writer(data_dir, name):
                disk.remove_leftovers(folders, name, mirror)
        except DataError as exc:  # a read-only data folder still serves what verifies
            notice(name, f"leftovers of an interrupted run stay: {exc.problem}")
    present = [v for v in resource.variants if _variant_ok(v, data_dir)]
    for variant in present:
        if variant.exact:
            return _result(resource, variant, data_dir)
    attempts: list[str] = []
    fixes: list[str] = []
    if mirror is None:
        attempts.append("mirror: none set (--mirror DIR or IMGCLS_MIRROR=DIR)")
    elif not mirror.is_dir():
        attempts.append(f"mirror: the folder {mirror} does not exist")
        fixes.append("point --mirror / IMGCLS_MIRROR at the mirror folder")
    else:
        for variant in resource.variants:
            if not all(s.mirror for s in variant.files):
                continue
            failures = _fill(variant, data_dir,
                             lambda s, d: _copy_from_mirror(s, d, mirror, name), mirror, name)
            if not failures:
                return _result(resource, variant, data_dir)
            attempts += _report("mirror", variant, failures)
            fixes += [e.fix for e in failures if "missing from the mirror" not in e.problem]
    if download:
        for variant in resource.variants:
            if not all(s.urls or s.downloader for s in variant.files):
                continue
            failures = _fill(variant, data_dir, lambda s, d: _download(s, d, name), mirror,
                             name)
            if not failures:
                return _result(resource, variant, data_dir)
            for exc in failures:
                exc.problem = exc.problem.removeprefix("download failed: ")
            attempts += _report("download", variant, failures)
            fixes += [e.fix for e in failures if e.fix != fix_command(name)]  # e.g. a full disk
        if not any(all(s.urls or s.downloader for s in v.files) for v in resource.variants):
            attempts.append("download: no official download exists (mirror only)")
    else:
        attempts.append("download: disabled")
    if present:
        return _result(resource, present[0], data_dir)
    path, problem = _first_bad(resource, data_dir)
    fixes.append(offline_fix(name))
    fixes = list(dict.fromkeys(fixes))[:MAX_REPORTED]
    state = ("not in the data folder" if problem == "missing"
             else f"bad in the data folder ({problem})")
    raise DataError(name, path, f"{state}, and no source could provide it:\n    "
                    + "\n    ".join(attempts), "\n    or ".join(fixes))


def _folders(resource: Resource, data_dir: Path) -> list[Path]:
    """The folders where ``resource``'s files (and their temporary files) live."""
    paths = [final_path(s, data_dir) for v in resource.variants for s in v.files]
    return list(dict.fromkeys([data_dir] + [p.parent for p in paths]))


def own_folder(variant: Variant, data_dir: Path) -> Path | None:
    """The folder that holds ``variant``'s files and nothing else (None for loose files)."""
    paths = [final_path(s, data_dir) for s in variant.files if not s.in_hub]
    if len(paths) < 2:
        return None
    common = Path(os.path.commonpath(paths))
    return common if common != data_dir and data_dir in common.parents else None


def _walk(folder: Path) -> tuple[list[Path], list[Path], list[tuple[Path, str]]]:
    """Files, folders and odd entries (link loops, broken links, links back up, sockets...)
    under ``folder``, following links to folders but never in circles."""
    files, folders, odd = [], [], []
    seen: set[Path] = set()
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            real = current.resolve(strict=True)
        except (OSError, RuntimeError):
            odd.append((current, "a symbolic link loop"))
            continue
        if real in seen:
            odd.append((current, f"a symbolic link back to {real}, a folder above it"))
            continue
        seen.add(real)
        try:
            entries = list(os.scandir(current))
        except OSError as exc:
            odd.append((current, f"a folder that cannot be read ({exc.strerror or exc})"))
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir, is_file = entry.is_dir(), entry.is_file()
            except OSError:
                is_dir = is_file = False
            if is_dir:
                folders.append(path)
                stack.append(path)
            elif is_file:
                files.append(path)
            elif entry.is_symlink():
                try:
                    os.stat(path)
                    kind = "a symbolic link to neither a file nor a folder"
                except OSError as exc:
                    kind = ("a symbolic link loop" if exc.errno == errno.ELOOP
                            else "a broken symbolic link")
                odd.append((path, kind))
            else:
                odd.append((path, "neither a file nor a folder"))
    return files, folders, odd


def unexpected_entries(variant: Variant, data_dir: Path) -> list[tuple[Path, str]]:
    """What lies in ``variant``'s own folder but is not part of it, and what it is: files (never
    loaded), folders holding none of its files (a loader would take one for a class), symbolic
    link loops and broken links. Leftovers of interrupted runs are reported elsewhere."""
    folder = own_folder(variant, data_dir)
    if folder is None or not folder.is_dir():
        return []
    known = {final_path(s, data_dir) for s in variant.files}
    needed = {parent for p in known for parent in p.parents}
    stale = set(disk.leftovers({p.parent for p in known}))
    files, folders, odd = _walk(folder)
    found: list[tuple[Path, str]] = []
    extra = sorted(d for d in folders if d not in needed and d not in stale)
    found += [(d, "unexpected folder") for d in extra
              if not any(e in d.parents for e in extra)]
    found += [(f, "unexpected file") for f in files
              if f not in known and f not in stale and not any(s in f.parents for s in stale)
              and not any(e in f.parents for e in extra)]
    found += [(p, kind) for p, kind in odd if not any(e in p.parents for e in extra)]
    return sorted(found)


def unexpected_files(variant: Variant, data_dir: Path) -> list[Path]:
    """Files in ``variant``'s own folder that are not part of it (never loaded, reported)."""
    return [p for p, kind in unexpected_entries(variant, data_dir) if kind == "unexpected file"]


SET_ASIDE = "set-aside"


def set_aside(name: str, data_dir: Path | None = None,
              mirror: Path | None = None) -> list[tuple[Path, Path]]:
    """Move what is not part of ``name`` out of its own folders into ``<data>/set-aside/``, so
    that its loader finds only its own files; nothing is deleted, and each move is named in a
    notice. Returns (from, to) pairs; what lies in the mirror stays and is named."""
    data_dir = Path(data_dir) if data_dir else config.data_dir()
    mirror = Path(mirror) if mirror else config.mirror_dir()
    moved = []
    for variant in reg.get(name).variants:
        for path, kind in unexpected_entries(variant, data_dir):
            if disk.in_mirror(path.parent, mirror) is not None:
                notice(name, f"{path} ({kind}) is not part of {name}, but lies in the mirror "
                       f"{mirror}, which is never written to: remove it there")
                continue
            dest = data_dir / SET_ASIDE / path.relative_to(data_dir)
            n = 0
            while os.path.lexists(dest):
                n += 1
                dest = dest.with_name(f"{path.name}.{n}")
            try:
                disk.refuse_mirror_writes(name, dest.parent, mirror)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, dest)
            except OSError as exc:
                raise os_error(name, path, exc, f"setting aside {path.name}") from None
            notice(name, f"moved {path} ({kind}, not part of {name}) to {dest}")
            moved.append((path, dest))
    return moved


def leftovers(name: str, data_dir: Path | None = None) -> list[Path]:
    """Temporary files and folders of interrupted runs where ``name``'s files live."""
    data_dir = Path(data_dir) if data_dir else config.data_dir()
    return disk.leftovers(_folders(reg.get(name), data_dir))


def verify(name: str, data_dir: Path | None = None) -> tuple[Variant | None, list[str]]:
    """Check what the data folder holds for ``name``, fetching nothing.

    Returns the first variant that verifies (or None) and, otherwise, the problems found with
    the most complete variant, one line per bad file. A file in a variant's own folder that is
    not part of it is a problem too: it is never loaded, and it should not be there.
    """
    resource = reg.get(name)
    data_dir = Path(data_dir) if data_dir else config.data_dir()
    best: list[str] | None = None
    for variant in resource.variants:
        problems = []
        for spec in variant.files:
            path = final_path(spec, data_dir)
            problem = problem_with(path, spec)
            if problem:
                problems.append(f"{path}: {problem}")
        for path, kind in unexpected_entries(variant, data_dir):
            if kind == "unexpected file":
                problems.append(f"{path}: unexpected file, not part of {name} (never loaded; "
                                "remove it)")
            else:
                problems.append(f"{path}: {kind}, not part of {name} (a loader refuses it: "
                                f"remove it, or fetch {name} again, which sets it aside in "
                                f"{data_dir / SET_ASIDE})")
        if not problems:
            return variant, []
        if best is None or len(problems) < len(best):
            best = problems
    return None, best or []

