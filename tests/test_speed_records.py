"""The committed GPU speed records: their shape, and which one the results page shows."""

from __future__ import annotations

import json
from datetime import date

import pytest

from imgcls import speed_records as sr

FIGS = {"fast": {"train_images_per_s": 2600.04, "protocol_s": 38.2},
        "pil": {"train_images_per_s": 589.0, "protocol_s": 150.0},
        "pil-amp": {"train_images_per_s": 1498.0, "protocol_s": 84.0}}


def test_a_record_has_the_committed_shape(tmp_path) -> None:
    record = sr.make_record("NVIDIA H200", "2.14.1", "13.0", date(2026, 12, 2), FIGS)
    path = sr.save(record, tmp_path)
    assert path.name == "finetune-2026-12-02-nvidia-h200.json"
    saved = json.loads(path.read_text())
    assert set(saved) == {"device", "torch", "cuda", "date", "pipelines"}
    assert saved["pipelines"]["fast"] == {"train_images_per_s": 2600.0, "protocol_s": 38.2}


def test_the_latest_gpu_record_wins_and_cpu_records_are_not_shown(tmp_path) -> None:
    assert sr.latest_gpu_record(tmp_path) is None
    sr.save(sr.make_record("NVIDIA A100", "2.13.0", "12.8", date(2026, 10, 1), FIGS), tmp_path)
    sr.save(sr.make_record("NVIDIA H200", "2.14.1", "13.0", date(2026, 12, 1), FIGS), tmp_path)
    sr.save(sr.make_record("CPU (2 threads)", "2.14.1", None, date(2026, 12, 2), FIGS), tmp_path)
    assert sr.latest_gpu_record(tmp_path)["device"] == "NVIDIA H200"


@pytest.mark.parametrize(("change", "said"), [
    (lambda r: r.pop("cuda"), "missing ['cuda']"),
    (lambda r: r["pipelines"].update(other={}), "unknown pipeline 'other'"),
    (lambda r: r["pipelines"]["fast"].update(protocol_s=0), "lacks a positive ['protocol_s']"),
])
def test_a_malformed_record_is_refused_with_its_fault(change, said) -> None:
    record = sr.make_record("NVIDIA H200", "2.14.1", "13.0", date(2026, 12, 2), FIGS)
    change(record)
    with pytest.raises(ValueError, match=said.replace("[", r"\[").replace("]", r"\]")):
        sr.check_record(record)


def test_the_committed_records_have_the_shape() -> None:
    """Whatever benchmarks/results holds must load (the results page reads it on every build)."""
    for path in sr.RECORD_DIR.glob("finetune-*.json"):
        sr.check_record(json.loads(path.read_text()), path.name)
