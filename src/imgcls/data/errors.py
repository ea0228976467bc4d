"""The one exception the data layer raises (it names the file, the problem and the fix), the
translation of operating-system errors into it, and notices about repairs made on the way."""

from __future__ import annotations

import errno
import sys
from pathlib import Path

FETCH_SCRIPT = "python data_scripts/fetch.py"
# The fix for unpacked files that do not match: the fetch command checks them byte by byte.
REPAIR = FETCH_SCRIPT + " {name}   (checks every unpacked file and unpacks damaged ones again)"


class DataError(RuntimeError):
    """A resource is missing or bad; the message says which file, what is wrong and what to run."""

    def __init__(self, resource: str, file: Path | str | None, problem: str,
                 fix: str | None = None):
        self.resource = resource
        self.file = file
        self.problem = problem
        self.fix = fix or fix_command(resource)
        where = f" ({file})" if file else ""
        super().__init__(f"{resource}{where}: {problem}\n  fix: {self.fix}")

    def __reduce__(self):  # picklable, so that it crosses from worker processes intact
        return type(self), (self.resource, self.file, self.problem, self.fix)


def fix_command(resource: str) -> str:
    """The command that fetches ``resource`` from the official source or from a mirror."""
    return (
        f"{FETCH_SCRIPT} {resource}   "
        f"(offline: add --mirror DIR or set IMGCLS_MIRROR=DIR)"
    )


def mirror_fix(resource: str, mirror: Path) -> str:
    """The fix when the mirror's copy is bad: repair the mirror, or fetch the official file."""
    return (
        f"restore the mirror's copy (see {mirror / 'SHA256SUMS'} and PROVENANCE.md), or fetch "
        f"from the official source online: IMGCLS_MIRROR= {FETCH_SCRIPT} {resource}"
    )


# errno values that mean the destination cannot take the file, whatever is being read
NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
WRITE_SIDE = NO_SPACE | {errno.EROFS}


def _blocking_file(path: Path) -> Path:
    """The nearest part of ``path`` that exists but is not a folder (for ENOTDIR)."""
    for part in [path, *path.parents]:
        if part.exists() and not part.is_dir():
            return part
    return path


def os_error(resource: str, path: Path, exc: OSError, action: str) -> DataError:
    """A ``DataError`` for ``exc`` raised while ``action`` at ``path``: the real cause (no space,
    permission denied, not a folder...) and the fix that fits it."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    code = exc.errno
    name = f"{errno.errorcode.get(code, code)}: " if code else ""
    elsewhere = f"or use another data folder: {FETCH_SCRIPT} {resource} --data-dir DIR"
    if code in NO_SPACE:
        cause = f"no space left on the disk that holds {folder}"
        fix = f"free space there (df -h {folder} shows how much is left), {elsewhere}"
    elif code in (errno.EACCES, errno.EPERM):
        cause = f"permission denied in {folder}"
        fix = f"make {folder} writable by this user (chmod u+w or chown), {elsewhere}"
    elif code == errno.EROFS:
        cause = f"{folder} is on a read-only file system"
        fix = f"use a data folder on a writable disk: {FETCH_SCRIPT} {resource} --data-dir DIR"
    elif code == errno.ENOTDIR:
        blocker = _blocking_file(path)
        cause = f"{blocker} is a file where a folder is needed"
        fix = f"move or delete the file {blocker}, {elsewhere}"
    elif code == errno.ELOOP:
        cause = f"a symbolic link loop in {path}"
        fix = f"repair the symbolic links on that path, {elsewhere}"
    else:
        cause = f"{exc.strerror or exc} at {path}"
        fix = f"check that {folder} is a writable folder with free space, {elsewhere}"
    return DataError(resource, path, f"{action} failed: {name}{cause}", fix)


def notice(resource: str, message: str) -> None:
    """Tell the reader (on standard error) about a repair the data layer made on its own."""
    print(f"{resource}: {message}", file=sys.stderr)
