"""Recording a chapter's figures: the JSON layout, the profile, the sources, and bad input."""

from __future__ import annotations

import json
from importlib import metadata

import numpy as np
import pytest
import torch

from imgcls import config, results


def test_record_writes_the_section_file(monkeypatch):
    monkeypatch.setenv("IMGCLS_PROFILE", "quick")
    assert results.record("knn.best_k", 7) == 7
    results.record("knn.accuracies", [0.25, 0.27])
    doc = json.loads((config.results_dir() / "knn.json").read_text())
    assert doc == {"section": "knn", "profile": "quick", "sources": {},
                   "values": {"best_k": 7, "accuracies": [0.25, 0.27]}}


def test_numpy_and_torch_values_become_plain_json(monkeypatch):
    results.record("images.shape", torch.Size([1, 28, 28]))
    results.record("images.mean", np.float32(0.5))
    results.record("images.table", torch.tensor([[1, 2], [3, 4]]))
    results.record("images.flag", np.bool_(True))
    values = results.load_all()["images"]["values"]
    assert values == {"shape": [1, 28, 28], "mean": 0.5, "table": [[1, 2], [3, 4]],
                      "flag": True}


def test_a_later_record_overwrites_and_keeps_the_rest(monkeypatch):
    monkeypatch.setenv("IMGCLS_PROFILE", "quick")
    results.record("s.a", 1)
    results.record("s.b", "two")
    monkeypatch.setenv("IMGCLS_PROFILE", "full")
    results.record("s.a", 3)
    doc = results.load_all()["s"]
    assert doc["values"] == {"a": 3, "b": "two"} and doc["profile"] == "full"
    assert [p.name for p in config.results_dir().iterdir()] == ["s.json"]  # no temp files


def test_record_source_notes_real_and_stand_in_data():
    results.record_source("transfer", "weights", "a small network trained here", standin=True)
    results.record_source("transfer", "data", "the animal faces", standin=False)
    results.record("transfer.feature_dim", 1024)
    doc = results.load_all()["transfer"]
    assert doc["sources"] == {
        "weights": {"description": "a small network trained here", "standin": True},
        "data": {"description": "the animal faces", "standin": False},
    }
    assert doc["values"] == {"feature_dim": 1024}


@pytest.mark.parametrize("key", ["nodot", ".name", "section.", ""])
def test_keys_must_be_section_dot_name(key):
    with pytest.raises(ValueError, match="<section>.<name>"):
        results.record(key, 1)


@pytest.mark.parametrize("value", [{"a": 1}, object(), [1, {2}], b"bytes"])
def test_values_must_be_numbers_strings_or_lists(value):
    with pytest.raises(TypeError, match="cannot record"):
        results.record("s.bad", value)
    assert not (config.results_dir() / "s.json").exists()


def test_load_all_reads_a_given_folder(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"section": "a", "values": {"x": 1}}))
    assert results.load_all(tmp_path) == {"a": {"section": "a", "values": {"x": 1}}}


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), [1.0, float("-inf")]])
def test_non_finite_numbers_are_refused(bad):
    with pytest.raises(ValueError, match="NaN or infinity"):
        results.record("section.value", bad)


def test_a_chapter_run_is_kept_with_its_settings(monkeypatch):
    from datetime import datetime, timedelta, timezone

    monkeypatch.setenv("IMGCLS_PROFILE", "full")
    env = results.run_environment()
    assert env["profile"] == "full" and env["torch"] == metadata.version("torch")
    started = datetime(2026, 11, 26, 12, 30, 5, tzinfo=timezone(timedelta(hours=1)))
    results.record_run("04-knn", started, 12.345, env)
    run = results.load_runs()["04-knn"]
    assert run == {"chapter": "04-knn", "started": "2026-11-26T12:30:05+01:00", "seconds": 12.3,
                   **env}
    assert results.load_all() == {}  # runs are not sections of figures


@pytest.mark.parametrize("chapter", ["", "../x", ".hidden"])
def test_a_run_needs_a_chapter_stem(chapter):
    from datetime import datetime, timezone

    with pytest.raises(ValueError, match="file stem"):
        results.record_run(chapter, datetime.now(timezone.utc), 1.0, {})


def test_a_run_needs_its_time_zone():
    from datetime import datetime

    with pytest.raises(ValueError, match="time zone"):
        results.record_run("04-knn", datetime(2026, 1, 1), 1.0, {})
