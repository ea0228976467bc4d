"""Run-time settings every chapter reads: profile, device, data folders, seeding.

Everything is read from environment variables so that the same chapter runs unchanged on a
laptop, in CI (offline, quick profile) and on a Colab GPU (online, full profile).
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

PROFILES = ("quick", "full")
REPO_ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


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


def data_dir() -> Path:
    """Where datasets live: ``IMGCLS_DATA``, default ``data/`` in the checkout."""
    return Path(os.environ.get("IMGCLS_DATA") or REPO_ROOT / "data").expanduser().resolve()


def mirror_dir() -> Path | None:
    """The offline mirror folder named by ``IMGCLS_MIRROR``, or None when unset."""
    value = os.environ.get("IMGCLS_MIRROR", "").strip()
    return Path(value).expanduser().resolve() if value else None


def allow_standins() -> bool:
    """True when ``IMGCLS_ALLOW_STANDINS=1`` permits documented offline stand-ins."""
    return os.environ.get("IMGCLS_ALLOW_STANDINS", "").strip() in ("1", "true", "yes")


def results_dir() -> Path:
    """Where chapters record their figures: ``IMGCLS_RESULTS_DIR``, default ``_build/results``."""
    default = REPO_ROOT / "_build" / "results"
    return Path(os.environ.get("IMGCLS_RESULTS_DIR") or default).expanduser().resolve()


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and torch so that a chapter gives the same figures on every run."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def describe() -> dict[str, Any]:
    """A short summary of the settings, shown near the top of every chapter."""
    dev = device()
    if dev.type == "cuda":
        name = torch.cuda.get_device_name(dev)
    else:
        name = f"CPU, {torch.get_num_threads()} threads"
    return {
        "profile": profile(),
        "device": name,
        "data folder": str(data_dir()),
        "mirror": str(mirror_dir()) if mirror_dir() else "none (official sources)",
        "stand-ins allowed": allow_standins(),
    }
