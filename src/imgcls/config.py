"""Run-time settings every chapter reads: profile, device, data folders and source, seeding.

Everything is read from environment variables so that the same chapter runs unchanged on a
laptop, in CI (offline, quick profile) and on a Colab GPU (online, full profile).
"""

from __future__ import annotations

import difflib
import errno
import os
import random
import sys
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

PROFILES = ("quick", "full")
REPO_ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


class SettingError(ValueError):
    """An ``IMGCLS_*`` setting that cannot be used; the message names it and what it accepts."""


def in_checkout() -> bool:
    """True when the package runs from the book's repository (an editable install or ``src/``
    on the path), False when it was installed from a wheel into site-packages."""
    return (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "chapters").is_dir()


def home() -> Path:
    """The base of relative and default folders: the checkout, or for an installed package the
    user's cache folder (``$XDG_CACHE_HOME/imgcls``, default ``~/.cache/imgcls``)."""
    if in_checkout():
        return REPO_ROOT
    cache = os.environ.get("XDG_CACHE_HOME", "").strip() or "~/.cache"
    try:
        return Path(cache).expanduser() / "imgcls"
    except RuntimeError:  # HOME unset and no passwd entry for this user
        raise SettingError(
            "no home folder is known for this user (HOME and XDG_CACHE_HOME are unset), so "
            "there is no default folder for data and results: set IMGCLS_DATA and "
            "IMGCLS_RESULTS_DIR to absolute folders (or set HOME)") from None


def _expanded(value: str, setting: str) -> Path:
    """``value`` with a leading ``~`` expanded; the base folder is needed only when relative."""
    try:
        return Path(value).expanduser()
    except RuntimeError:
        raise SettingError(f"{setting}={value!r} starts with ~, but no home folder is known for "
                           f"this user: give an absolute folder") from None


def profile() -> str:
    """The active profile: ``IMGCLS_PROFILE`` if set, else ``full`` on a GPU, ``quick`` on a CPU."""
    value = os.environ.get("IMGCLS_PROFILE", "").strip().lower()
    if not value:
        return "full" if torch.cuda.is_available() else "quick"
    if value not in PROFILES:
        raise ValueError(f"IMGCLS_PROFILE={value!r} is not a profile; use one of {PROFILES}.")
    return value


def pick(sizes: dict[str, T]) -> T:
    """The entry of a chapter's ``SIZES`` dict for the active profile."""
    return sizes[profile()]


def device() -> torch.device:
    """The GPU when one is available, otherwise the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolve_links(path: Path) -> Path:
    """``path`` absolute with its symbolic links followed; a link loop raises on every Python
    (3.13's non-strict ``resolve`` returns a path through a loop instead of raising). Parts of
    the path that do not exist yet are kept as they are."""
    path = Path(path).expanduser()
    try:
        return path.resolve(strict=True)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise
        return path.resolve()  # missing parts, or a file where a folder is due: said later


def _resolved(path: Path, setting: str) -> Path:
    try:
        return resolve_links(path)
    except (OSError, RuntimeError) as exc:  # Python 3.11 reports a link loop as RuntimeError
        raise ValueError(f"{setting}={str(path)!r} cannot be used: {exc}; repair the symbolic "
                         f"links on that path or name another folder.") from None


def data_dir() -> Path:
    """Where datasets live: ``IMGCLS_DATA`` (a relative path is taken from the repository root,
    wherever a chapter runs), default ``data/`` in the checkout (see ``home``)."""
    value = os.environ.get("IMGCLS_DATA", "").strip()
    path = _expanded(value, "IMGCLS_DATA") if value else Path("data")
    return _resolved(path if path.is_absolute() else home() / path, "IMGCLS_DATA")


def mirror_dir() -> Path | None:
    """The offline mirror folder named by ``IMGCLS_MIRROR``, or None when unset."""
    value = os.environ.get("IMGCLS_MIRROR", "").strip()
    return _resolved(Path(value), "IMGCLS_MIRROR") if value else None


TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def flag(name: str) -> bool:
    """A yes/no setting: 1/0, true/false, yes/no, on/off in any case; unset or empty is no."""
    value = os.environ.get(name, "").strip().lower()
    if value not in TRUE + FALSE:
        raise ValueError(f"{name}={os.environ[name]!r} is not a yes/no value; use one of "
                         f"1/0, true/false, yes/no, on/off (any case).")
    return value in TRUE


def show_progress() -> bool:
    """Whether progress bars are wanted: ``IMGCLS_PROGRESS`` (yes/no) if set, else only when a
    person watches (a terminal, Colab, a Jupyter session), never in a notebook executed by a
    tool (jupyter-book, nbval) or in a log, so that built pages stay clean."""
    if os.environ.get("IMGCLS_PROGRESS", "").strip():
        return flag("IMGCLS_PROGRESS")
    return ("google.colab" in sys.modules or "JPY_SESSION_NAME" in os.environ
            or sys.stderr.isatty())


def allow_standins() -> bool:
    """True when ``IMGCLS_ALLOW_STANDINS`` (e.g. ``1``) permits documented offline stand-ins."""
    return flag("IMGCLS_ALLOW_STANDINS")


def results_dir() -> Path:
    """Where chapters record their figures: ``IMGCLS_RESULTS_DIR``, default ``_build/results``
    in the checkout (``results/`` in the cache folder of an installed package)."""
    value = os.environ.get("IMGCLS_RESULTS_DIR")
    if value:
        return _expanded(value, "IMGCLS_RESULTS_DIR").resolve()
    return REPO_ROOT / "_build" / "results" if in_checkout() else (home() / "results").resolve()


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and torch so that a chapter gives the same figures on every run."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def data_source() -> str:
    """Where this run's data come from, in words (never a path of the machine that ran it)."""
    if mirror_dir():
        return "an offline copy of the official files (IMGCLS_MIRROR), checksums verified"
    return "the official sources, checksums verified"


def describe() -> dict[str, Any]:
    """A short summary of the settings, shown near the top of every chapter: no path of the
    machine that ran it, since the page is read elsewhere."""
    dev = device()
    if dev.type == "cuda":
        name = torch.cuda.get_device_name(dev)
    else:
        threads = torch.get_num_threads()
        name = f"CPU, {threads} thread{'' if threads == 1 else 's'}"
    return {
        "profile": profile(),
        "device": name,
        "data": data_source(),
        "offline stand-ins": "allowed, each named on its page" if allow_standins() else "none",
    }


# Every IMGCLS_* setting the package or its tools read (for spotting a misspelt one).
KNOWN_SETTINGS = (
    "IMGCLS_PROFILE", "IMGCLS_DATA", "IMGCLS_MIRROR", "IMGCLS_RESULTS_DIR",
    "IMGCLS_ALLOW_STANDINS", "IMGCLS_PROGRESS", "IMGCLS_DOWNLOAD_TIMEOUT",
    "IMGCLS_DOWNLOAD_RETRIES", "IMGCLS_DOWNLOAD_BACKOFF", "IMGCLS_URL_REWRITE",
    "IMGCLS_REPOSITORY", "IMGCLS_BOOK_ROOT", "IMGCLS_PYTHON313",
)


def _a_folder(setting: str, path: Path | None) -> None:
    if path is not None and path.exists() and not path.is_dir():
        raise SettingError(f"{setting}={os.environ[setting].strip()!r} names a file, not a "
                           f"folder ({path}): name a folder (it is made when missing)")


def check_settings() -> None:
    """Check every ``IMGCLS_*`` setting that is set, whether or not this run needs it, so that a
    bad one stops a run before any work, in one line naming it and the values it accepts.

    Raises ``ValueError`` (a ``SettingError``, or the reader's own error for that setting). A
    name that looks like a misspelt setting gets a note on standard error.
    """
    from imgcls.data import download  # the download settings are read there

    profile()
    for name in ("IMGCLS_ALLOW_STANDINS", "IMGCLS_PROGRESS"):
        flag(name)
    if os.environ.get("IMGCLS_DATA", "").strip():
        _a_folder("IMGCLS_DATA", data_dir())
    _a_folder("IMGCLS_MIRROR", mirror_dir())
    if os.environ.get("IMGCLS_RESULTS_DIR"):
        _a_folder("IMGCLS_RESULTS_DIR", results_dir())
    try:
        download.Policy.from_env()
        download.rewrite_rules()
    except download.SettingError as exc:
        raise SettingError(str(exc)) from None
    for name in sorted(os.environ):
        if name.startswith("IMGCLS_") and name not in KNOWN_SETTINGS:
            close = difflib.get_close_matches(name, KNOWN_SETTINGS, n=1, cutoff=0.85)
            if close:
                print(f"note: {name} is not a setting of imgcls; did you mean {close[0]}?",
                      file=sys.stderr)
