"""The results page's one table: each figure a build recorded, beside the lectures' reference.

Rows are every key of :data:`imgcls.references.REFERENCES` (marked "not recorded" when no
chapter stored it in this build) followed by any recorded key the reference table lacks.
``sources`` lists the descriptions of the data and weights behind them, and ``execution_status``
when, where and how each chapter page was executed (from the runs ``imgcls.book.cache`` records).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from imgcls import results, speed_records
from imgcls.book.notebooks import chapter_sources
from imgcls.references import REFERENCES, Reference

NOT_RECORDED = "not recorded"
WITHIN = "within range"
OUTSIDE = "OUTSIDE range"
COLUMNS = ["figure", "measured", "lecture", "accepted here", "status", "profile",
           "data / weights", "lecture source"]


def _flat(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _flat(v)]
    return [value]


def format_value(value: Any, width: int = 48) -> str:
    """A short readable form of a recorded value: 4 significant digits, long lists summarised."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    if not isinstance(value, (list, tuple)):
        return str(value)
    text = "[" + ", ".join(format_value(v, width) for v in value) + "]"
    if len(text) <= width:
        return text
    shape = " × ".join(str(n) for n in np.asarray(value, dtype=object).shape)
    first = ", ".join(format_value(v) for v in _flat(value)[:3])
    return f"{shape} values, first {first}, …"


def _sources(doc: dict[str, Any]) -> tuple[str, list[str]]:
    """The sources described, and the data kinds behind the section's figures, stand-in first."""
    parts, kinds = [], set()
    for what, src in sorted(doc.get("sources", {}).items()):
        kinds.add("standin" if src.get("standin") else "real")
        parts.append(f"{what}: {'stand-in' if src.get('standin') else 'real'}")
    return ("; ".join(parts) or "not stated"), sorted(kinds, reverse=True) or ["real"]


def _accepted(ref: Reference | None, profile: str,
              kinds: list[str]) -> tuple[float, float] | None:
    """The range for the section's data; where it mixes real and stand-in sources (chapter 1),
    a key with a range for only one of them was checked against that one."""
    return ref.range_for(profile, *kinds) if ref else None


def _comparable(value: Any, bound: Any) -> bool:
    if isinstance(bound, str):
        return isinstance(value, str)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _status(value: Any, accepted: tuple[Any, Any] | None) -> str:
    """Within or outside the range; a list is checked element by element, as the hidden checks
    do, and a name against its exact range (e.g. a predicted class)."""
    values = _flat(value)
    if accepted is None or not values or not all(_comparable(v, accepted[0]) for v in values):
        return "recorded"
    low, high = accepted
    return WITHIN if all(low <= v <= high for v in values) else OUTSIDE


def _row(key: str, ref: Reference | None, doc: dict[str, Any] | None) -> dict[str, str]:
    name = key.partition(".")[2]
    lecture = format_value(ref.lecture) if ref else "not in the reference table"
    source = ref.source if ref else "—"
    if doc is None or name not in doc.get("values", {}):
        return dict(zip(COLUMNS, [key, "—", lecture, "—", NOT_RECORDED, "—", "—", source],
                        strict=True))
    value = doc["values"][name]
    described, kinds = _sources(doc)
    accepted = _accepted(ref, doc.get("profile", ""), kinds)
    shown = f"{format_value(accepted[0])} to {format_value(accepted[1])}" if accepted else "—"
    return dict(zip(COLUMNS, [key, format_value(value), lecture, shown, _status(value, accepted),
                              doc.get("profile", "—"), described, source],
                    strict=True))


def table(directory: Path | None = None) -> pd.DataFrame:
    """Every reference key and every recorded figure of the build in ``directory``."""
    recorded = results.load_all(directory)
    rows = [_row(key, ref, recorded.get(key.partition(".")[0])) for key, ref in REFERENCES.items()]
    for section, doc in recorded.items():
        for name in doc.get("values", {}):
            key = f"{section}.{name}"
            if key not in REFERENCES:
                rows.append(_row(key, None, doc))
    return pd.DataFrame(rows, columns=COLUMNS)


def sources(directory: Path | None = None) -> pd.DataFrame:
    """What each section's data and weights were, as the chapters described them."""
    rows = [{"section": section, "what": what,
             "kind": "stand-in" if src.get("standin") else "real",
             "description": src.get("description", "")}
            for section, doc in results.load_all(directory).items()
            for what, src in sorted(doc.get("sources", {}).items())]
    return pd.DataFrame(rows, columns=["section", "what", "kind", "description"])


RUN_COLUMNS = ["chapter", "executed (UTC)", "seconds", "profile", "device", "torch",
               "torchvision"]


def _executed(started: str) -> str:
    return datetime.fromisoformat(started).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def execution_status(chapters: list[str] | None = None,
                     directory: Path | None = None) -> pd.DataFrame:
    """One row per chapter (default: the book's, in order): the run that produced its page.

    A chapter with no recorded run (executed by the build itself, not by ``make cache``) is
    marked "not recorded" rather than left out.
    """
    if chapters is None:
        chapters = [path.stem for path in chapter_sources()]
    runs = results.load_runs(directory)
    rows = []
    for chapter in chapters:
        run = runs.get(chapter)
        if run is None:
            rows.append([chapter, NOT_RECORDED, *["—"] * (len(RUN_COLUMNS) - 2)])
            continue
        rows.append([chapter, _executed(run["started"]), f"{run['seconds']:.1f}", run["profile"],
                     run["device"], run["torch"], run["torchvision"]])
    return pd.DataFrame(rows, columns=RUN_COLUMNS)


def execution_summary(status: pd.DataFrame) -> str:
    """One line over an ``execution_status`` table: chapters with a recorded run, total time."""
    ran = status[status["executed (UTC)"] != NOT_RECORDED]
    seconds = ran["seconds"].astype(float).sum()
    return (f"{len(ran)} of {len(status)} chapters recorded their run; "
            f"{seconds:.0f} s of execution in all")


SPEED_COLUMNS = ["run", "pipeline", "training images/s", "15-epoch protocol (s)"]


def speed(directory: Path | None = None,
          records: Path = speed_records.RECORD_DIR) -> tuple[str, pd.DataFrame]:
    """Chapter 11's training speed: this build's own figure beside the latest committed GPU
    record (``benchmarks/results``), with a line saying where and when each was measured."""
    rows = []
    run = results.load_runs(directory).get("11-fine-tuning-stl10")
    figure = results.load_all(directory).get("finetune", {}).get("values", {})
    if "train_images_per_second" in figure:
        where = run["device"] if run else "this build's device"
        rows.append([f"this build ({where})", "fast (chapter 11 as run here)",
                     f"{figure['train_images_per_second']:.0f}", "—"])
    gpu = speed_records.latest_gpu_record(records)
    if gpu is None:
        line = ("No GPU record is committed yet: `python benchmarks/finetune.py --data synthetic "
                "--record` on a CUDA GPU writes one into benchmarks/results/.")
    else:
        line = (f"GPU figures measured on {gpu['device']} on {gpu['date']} (torch {gpu['torch']}, "
                f"CUDA {gpu['cuda']}) by benchmarks/finetune.py: ResNet-50 at 224 px, batch 32, "
                f"STL-10's sizes.")
        for name, figs in gpu["pipelines"].items():
            rows.append([gpu["device"], name, f"{figs['train_images_per_s']:.0f}",
                         f"{figs['protocol_s']:.0f}"])
    return line, pd.DataFrame(rows, columns=SPEED_COLUMNS)


STATUS_COLOURS = {WITHIN: "#d9f2d9", OUTSIDE: "#f8d0d0", NOT_RECORDED: "#eeeeee"}
COMPACT = [{"selector": "", "props": [("font-size", "0.75em"), ("width", "100%")]},
           {"selector": "td, th", "props": [("vertical-align", "top"), ("padding", "2px 5px"),
                                            ("overflow-wrap", "anywhere"), ("min-width", "5em")]}]


def styled(frame: pd.DataFrame) -> pd.io.formats.style.Styler:
    """A compact table for the results page; a ``status`` column, if any, is coloured."""
    style = frame.style.hide(axis="index").set_table_styles(COMPACT)
    if "status" in frame.columns:
        style = style.map(lambda s: f"background-color: {STATUS_COLOURS[s]}"
                          if s in STATUS_COLOURS else "", subset=["status"])
    return style
