"""Recording each chapter's key figures, so the results page can set them beside the lectures'.

``record("knn.best_k", 7)`` writes ``$IMGCLS_RESULTS_DIR/knn.json`` with the value, the active
profile and the data or weights the section used (``record_source``).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
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


def _save(section: str, doc: dict[str, Any]) -> None:
    path = _path(section)
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
