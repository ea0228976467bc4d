"""Committed records of chapter 11's training speed, measured by ``benchmarks/finetune.py``.

A record is one JSON file under ``benchmarks/results/``: the device, the torch and CUDA
versions, the date, and per pipeline the training images per second and the time of the whole
15-epoch protocol. The results page shows the latest record made on a GPU beside the CPU build's
own figures, so that a reader of a CPU-built site sees what the full protocol costs on a GPU;
chapter 11 cites it instead of stating GPU speeds no record supports.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from imgcls.config import REPO_ROOT

RECORD_DIR = REPO_ROOT / "benchmarks" / "results"
PIPELINES = ("fast", "pil", "pil-amp")
FIGURES = ("train_images_per_s", "protocol_s")


def make_record(device: str, torch_version: str, cuda: str | None, when: date,
                pipelines: dict[str, dict[str, float]]) -> dict[str, Any]:
    """A record in the committed shape; pipelines map a name to its two figures."""
    unknown = set(pipelines) - set(PIPELINES)
    if unknown:
        raise ValueError(f"unknown pipelines {sorted(unknown)}; known: {PIPELINES}")
    return {"device": device, "torch": torch_version, "cuda": cuda, "date": when.isoformat(),
            "pipelines": {name: {k: round(float(figs[k]), 1) for k in FIGURES}
                          for name, figs in pipelines.items()}}


def check_record(record: dict[str, Any], where: str = "record") -> dict[str, Any]:
    """The record itself when it has the committed shape; ValueError naming what is wrong."""
    missing = [k for k in ("device", "torch", "cuda", "date", "pipelines") if k not in record]
    if missing:
        raise ValueError(f"{where}: missing {missing}")
    date.fromisoformat(record["date"])
    for name, figures in record["pipelines"].items():
        if name not in PIPELINES:
            raise ValueError(f"{where}: unknown pipeline {name!r}; known: {PIPELINES}")
        bad = [k for k in FIGURES if not isinstance(figures.get(k), (int, float))
               or figures[k] <= 0]
        if bad:
            raise ValueError(f"{where}: pipeline {name!r} lacks a positive {bad}")
    return record


def save(record: dict[str, Any], directory: Path = RECORD_DIR) -> Path:
    """Write ``record`` as ``finetune-<date>-<device>.json`` in ``directory``."""
    check_record(record)
    slug = re.sub(r"[^a-z0-9]+", "-", record["device"].lower()).strip("-")
    path = directory / f"finetune-{record['date']}-{slug}.json"
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def latest_gpu_record(directory: Path = RECORD_DIR) -> dict[str, Any] | None:
    """The newest record made with CUDA (by date, then file name), or None when none exists."""
    records = []
    for path in sorted(directory.glob("finetune-*.json")):
        record = check_record(json.loads(path.read_text()), str(path.name))
        if record["cuda"]:
            records.append((record["date"], path.name, record))
    return max(records)[2] if records else None
