"""The one exception the data layer raises: it names the file, the problem and the fix."""

from __future__ import annotations

from pathlib import Path

FETCH_SCRIPT = "python data_scripts/fetch.py"


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
