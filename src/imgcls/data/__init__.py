"""The data layer: the registry of resources, fetching with verification, and loaders.

Its command line: ``python -m imgcls.data`` (or ``imgcls-data``); ``--help`` says more.
"""

from __future__ import annotations

from pathlib import Path

from imgcls.data.errors import DataError
from imgcls.data.fetch import Fetched, fetch, verify

__all__ = ["DataError", "Fetched", "fetch", "prepare", "verify"]


def prepare(name: str, *, mirror: Path | None = None, data_dir: Path | None = None):
    """Fetch ``name`` and build (or check byte by byte and rebuild) what its loader derives from
    it: what ``python -m imgcls.data NAME`` does, callable from a notebook."""
    from imgcls.data.cli import prepare as _prepare  # not at import: ``-m imgcls.data.cli``

    return _prepare(name, mirror=mirror, data_dir=data_dir)
