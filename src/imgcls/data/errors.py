"""The one exception the data layer raises (it names the file, the problem and the fix), the
translation of operating-system errors into it, and notices about repairs made on the way."""

from __future__ import annotations

import errno
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

COMMAND = "python -m imgcls.data"  # exists wherever the package is installed (no PATH needed)
FETCH_SCRIPT = COMMAND  # the name older code imported
_context: list[str] = []  # "command line" while the CLI runs (innermost last)


def in_notebook() -> bool:
    """True in a Jupyter/IPython kernel (Colab's included), unless the command line is running."""
    if _context:
        return _context[-1] == "notebook"
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return hasattr(shell, "kernel")


def on_colab() -> bool:
    """True in a Colab runtime (where no mirror folder is set and ``data_scripts/`` is absent)."""
    return "google.colab" in sys.modules


@contextmanager
def command_line() -> Iterator[None]:
    """Messages made meanwhile name shell commands (the CLI runs), even inside a kernel."""
    _context.append("command line")
    try:
        yield
    finally:
        _context.pop()


def fetch_call(resource: str) -> str:
    """The Python that fetches ``resource`` (for a message read in a notebook)."""
    return f'from imgcls.data import fetch; fetch("{resource}")'


def prepare_call(resource: str) -> str:
    """The Python that fetches ``resource`` and checks/rebuilds what is derived from it."""
    return f'from imgcls.data import prepare; prepare("{resource}")'


def run_again(resource: str, repair: bool = False) -> str:
    """How to fetch (``repair``: and check byte by byte) ``resource`` where the reader is."""
    if in_notebook():
        return (prepare_call if repair else fetch_call)(resource)
    return f"{COMMAND} {resource}"


def use_folder(resource: str, setting: str = "IMGCLS_DATA", option: str = "--data-dir") -> str:
    """How to use another data (or mirror) folder, where the reader is."""
    if in_notebook():
        return f"%env {setting}=DIR in a cell, then run this cell again"
    return f"{COMMAND} {resource} {option} DIR (or set {setting}=DIR)"


def offline_fix(resource: str) -> str:
    """The fix when no source could provide ``resource``: the network, or (not on Colab) a
    mirror folder."""
    if in_notebook():
        fix = "check the runtime's internet connection and run this cell again"
        if not on_colab():
            fix += ("; offline: %env IMGCLS_MIRROR=DIR (a mirror folder) in a cell, then run "
                    "this cell again")
        return fix
    return (f"online: {COMMAND} {resource}; offline: {COMMAND} {resource} --mirror DIR "
            "(or set IMGCLS_MIRROR=DIR)")


def repair_fix(resource: str) -> str:
    """The fix for unpacked files that do not match: fetch again, which checks them byte by
    byte and unpacks damaged ones again."""
    return (run_again(resource, repair=True)
            + "   (checks every unpacked file and unpacks damaged ones again)")


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
    """What fetches ``resource`` from the official source or from a mirror, where the reader is:
    the command on a command line, the Python call in a notebook."""
    if in_notebook():
        if on_colab():
            return f"{fetch_call(resource)}   (check the runtime's internet connection first)"
        return f"{fetch_call(resource)}   (offline: %env IMGCLS_MIRROR=DIR first)"
    return f"{COMMAND} {resource}   (offline: add --mirror DIR or set IMGCLS_MIRROR=DIR)"


def mirror_fix(resource: str, mirror: Path) -> str:
    """The fix when the mirror's copy is bad: repair the mirror, or fetch the official file."""
    return (
        f"restore the mirror's copy (see {mirror / 'SHA256SUMS'} and PROVENANCE.md), or fetch "
        f"from the official source online: " + (
            f"%env IMGCLS_MIRROR= in a cell, then {fetch_call(resource)}" if in_notebook()
            else f"IMGCLS_MIRROR= {COMMAND} {resource}")
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
    elsewhere = f"or use another data folder: {use_folder(resource)}"
    if code in NO_SPACE:
        cause = f"no space left on the disk that holds {folder}"
        fix = f"free space there (df -h {folder} shows how much is left), {elsewhere}"
    elif code in (errno.EACCES, errno.EPERM):
        cause = f"permission denied in {folder}"
        fix = f"make {folder} writable by this user (chmod u+w or chown), {elsewhere}"
    elif code == errno.EROFS:
        cause = f"{folder} is on a read-only file system"
        fix = f"use a data folder on a writable disk: {use_folder(resource)}"
    elif code in (errno.ENOTDIR, errno.EEXIST) and _blocking_file(path).exists():
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
