"""Recording each chapter's key figures, so the results page can set them beside the lectures'.

``record("knn.best_k", 7)`` writes ``$IMGCLS_RESULTS_DIR/knn.json`` with the value, the active
profile and the data or weights the section used (``record_source``). ``record_run`` keeps, in
``runs/<chapter>.json``, when and how each chapter of the site was executed (its status row).
"""

from __future__ import annotations

import json
import math
import os
import platform
import tempfile
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from imgcls import config


def _path(section: str) -> Path:
    return config.results_dir() / f"{section}.json"


def _load(section: str) -> dict[str, Any]:
    path = _path(section)
    if path.is_file():
        return json.loads(path.read_text())
    return {"section": section, "values": {}, "sources": {}}


def _save(section: str, doc: dict[str, Any], path: Path | None = None) -> None:
    path = path or _path(section)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".json.part")
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f, indent=2, sort_keys=True)
    os.replace(tmp, path)


def _split(key: str) -> tuple[str, str]:
    section, sep, name = key.partition(".")
    if not sep or not section or not name:
        raise ValueError(f"result keys look like '<section>.<name>', got {key!r}")
    return section, name


def _plain(value: Any) -> Any:
    """Turn NumPy/torch scalars and arrays into JSON numbers and lists; reject anything else."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"cannot record {value}: JSON has no NaN or infinity")
    if isinstance(value, bool) or value is None or isinstance(value, (int, float, str)):
        return value
    raise TypeError(f"cannot record {type(value).__name__}: use numbers, strings or lists")


def record(key: str, value: Any) -> Any:
    """Store ``value`` under ``key`` (``<section>.<name>``) for this build; returns the value."""
    section, name = _split(key)
    doc = _load(section)
    doc["values"][name] = _plain(value)
    doc["profile"] = config.profile()
    _save(section, doc)
    return value


def record_source(section: str, what: str, description: str, *, standin: bool) -> None:
    """Note which data or weights ``section`` used (``what`` e.g. 'data', 'weights')."""
    doc = _load(section)
    doc["sources"][what] = {"description": description, "standin": bool(standin)}
    doc["profile"] = config.profile()
    _save(section, doc)


def load_all(directory: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every recorded section in ``directory`` (default: the results folder), by section name."""
    directory = directory or config.results_dir()
    return {p.stem: json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))}


RUNS = "runs"


def run_environment() -> dict[str, str]:
    """The profile, device and library versions a chapter run here gets (its status row)."""
    info = config.describe()
    return {"profile": info["profile"], "device": info["device"],
            "torch": metadata.version("torch"), "torchvision": metadata.version("torchvision"),
            "python": platform.python_version()}


def record_run(chapter: str, started: datetime, seconds: float,
               environment: dict[str, str]) -> None:
    """Keep how ``chapter`` (e.g. ``04-knn``) was last executed: start time, duration, settings."""
    if not chapter or "/" in chapter or chapter.startswith("."):
        raise ValueError(f"a run is recorded under a chapter's file stem, got {chapter!r}")
    if started.tzinfo is None:
        raise ValueError("record the start time with its time zone (datetime.now(timezone.utc))")
    doc = {"chapter": chapter, "started": started.isoformat(timespec="seconds"),
           "seconds": round(float(seconds), 1), **environment}
    _save(chapter, doc, config.results_dir() / RUNS / f"{chapter}.json")


def load_runs(directory: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every recorded chapter run in ``directory`` (default: the results folder), by chapter."""
    directory = (directory or config.results_dir()) / RUNS
    return {p.stem: json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))}
