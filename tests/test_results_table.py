"""The results page's table, from results recorded into a private folder."""

from __future__ import annotations

import pytest

from imgcls import config, results
from imgcls.book import results_table
from imgcls.references import REFERENCES


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setenv("IMGCLS_PROFILE", "quick")


def test_every_reference_key_has_a_row_marked_when_missing() -> None:
    table = results_table.table()
    assert list(table["figure"]) == list(REFERENCES)
    assert (table["status"] == results_table.NOT_RECORDED).all()


def test_recorded_values_sit_beside_the_lecture(monkeypatch) -> None:
    key = "pixel_similarity.accuracy_3s"
    monkeypatch.setitem(REFERENCES, key, REFERENCES[key].__class__(
        0.9168, "lecture", accept={"real-quick": (0.9, 0.95), "standin": (0.0, 0.1)}))
    results.record(key, 0.91234567)
    results.record_source("pixel_similarity", "data", "MNIST from the mirror", standin=False)
    results.record("pixel_similarity.extra", [[1.0, 2.0], [3.0, 4.0]])
    table = results_table.table(config.results_dir()).set_index("figure")
    row = table.loc[key]
    assert (row["measured"], row["lecture"], row["status"]) == ("0.9123", "0.9168", "within range")
    assert (row["accepted here"], row["profile"], row["data / weights"]) == \
        ("0.9 to 0.95", "quick", "data: real")
    extra = table.loc["pixel_similarity.extra"]
    assert extra["lecture"] == "not in the reference table"
    assert extra["measured"] == "[[1, 2], [3, 4]]"
    sources = results_table.sources()
    assert sources.to_dict("records") == [{"section": "pixel_similarity", "what": "data",
                                           "kind": "real",
                                           "description": "MNIST from the mirror"}]


def test_standin_picks_its_own_range(monkeypatch) -> None:
    key = "pixel_similarity.accuracy_3s"
    monkeypatch.setitem(REFERENCES, key, REFERENCES[key].__class__(
        0.9168, "lecture", accept={"real": (0.9, 0.95), "standin": (0.0, 0.1)}))
    results.record(key, 0.5)
    results.record_source("pixel_similarity", "data", "noise", standin=True)
    row = results_table.table().set_index("figure").loc[key]
    assert (row["status"], row["data / weights"]) == ("OUTSIDE range", "data: stand-in")


def test_a_section_of_real_and_stand_in_sources_uses_each_keys_own_range(monkeypatch) -> None:
    monkeypatch.setitem(REFERENCES, "mixed.a", REFERENCES["knn.best_k"].__class__(
        None, "this book", accept={"real": (1, 2)}))
    monkeypatch.setitem(REFERENCES, "mixed.b", REFERENCES["knn.best_k"].__class__(
        None, "this book", accept={"real": (1, 2), "standin": (5, 6)}))
    results.record_source("mixed", "photos", "exact files", standin=False)
    results.record_source("mixed", "CIFAR-10", "JPEG copies", standin=True)
    results.record("mixed.a", 1.5)
    results.record("mixed.b", 1.5)
    table = results_table.table().set_index("figure")
    assert (table.loc["mixed.a", "accepted here"], table.loc["mixed.a", "status"]) == \
        ("1 to 2", results_table.WITHIN)
    # a key with a stand-in range is held to it while any source is a stand-in
    assert (table.loc["mixed.b", "accepted here"], table.loc["mixed.b", "status"]) == \
        ("5 to 6", results_table.OUTSIDE)


def test_lists_are_checked_element_by_element_and_names_exactly(monkeypatch) -> None:
    ref = REFERENCES["knn.best_k"].__class__
    monkeypatch.setitem(REFERENCES, "s.coef", ref(None, "x", accept={"any": (-1.0, 1.0)}))
    monkeypatch.setitem(REFERENCES, "s.wide", ref(None, "x", accept={"any": (-1.0, 1.0)}))
    name = {"any": ("cheetah", "cheetah")}
    monkeypatch.setitem(REFERENCES, "s.top1", ref(None, "x", accept=name))
    monkeypatch.setitem(REFERENCES, "s.miss", ref(None, "x", accept=name))
    monkeypatch.setitem(REFERENCES, "s.mixed", ref(None, "x", accept={"any": (0, 1)}))
    for key, value in {"s.coef": [[-0.5, 0.9], [0.0, 1.0]], "s.wide": [0.5, 1.5],
                       "s.top1": "cheetah", "s.miss": "leopard", "s.mixed": "0.5"}.items():
        results.record(key, value)
    status = results_table.table().set_index("figure")["status"]
    assert status[["s.coef", "s.wide", "s.top1", "s.miss", "s.mixed"]].tolist() == [
        results_table.WITHIN, results_table.OUTSIDE, results_table.WITHIN,
        results_table.OUTSIDE, "recorded"]


def test_format_value() -> None:
    assert results_table.format_value(None) == "—"
    assert results_table.format_value(3) == "3"
    assert results_table.format_value(0.123456) == "0.1235"
    assert results_table.format_value("STL-10") == "STL-10"
    assert results_table.format_value(list(range(30))) == "30 values, first 0, 1, 2, …"


def test_styled_colours_each_status_and_nothing_else() -> None:
    import pandas as pd

    frame = pd.DataFrame({"figure": ["a.x", "b.y", "c.z", "d.w"],
                          "status": [results_table.WITHIN, results_table.OUTSIDE,
                                     results_table.NOT_RECORDED, "recorded"]})
    html = results_table.styled(frame).to_html()
    for colour in results_table.STATUS_COLOURS.values():
        assert html.count(f"background-color: {colour}") == 1
    assert html.count("background-color") == 3
    assert "<th class=\"blank" not in html  # the index is hidden


def test_execution_status_has_one_row_per_chapter(monkeypatch) -> None:
    from datetime import datetime, timedelta, timezone

    env = {"profile": "full", "device": "CPU, 1 thread", "torch": "2.14.1",
           "torchvision": "0.29.1", "python": "3.11.9"}
    started = datetime(2026, 11, 26, 11, 59, 30, tzinfo=timezone(timedelta(hours=-5)))
    results.record_run("02-b", started, 80.46, env)
    results.record_run("09-unlisted", started, 1.0, env)
    status = results_table.execution_status(["01-a", "02-b"])
    assert list(status.columns) == results_table.RUN_COLUMNS
    assert status.to_dict("records") == [
        {"chapter": "01-a", "executed (UTC)": results_table.NOT_RECORDED, "seconds": "—",
         "profile": "—", "device": "—", "torch": "—", "torchvision": "—"},
        {"chapter": "02-b", "executed (UTC)": "2026-11-26 16:59", "seconds": "80.5",
         "profile": "full", "device": "CPU, 1 thread", "torch": "2.14.1",
         "torchvision": "0.29.1"}]
    assert results_table.execution_summary(status) == \
        "1 of 2 chapters recorded their run; 80 s of execution in all"


def test_execution_status_defaults_to_the_books_chapters() -> None:
    from imgcls.book.notebooks import chapter_sources

    status = results_table.execution_status()
    assert list(status["chapter"]) == [p.stem for p in chapter_sources()]
    assert (status["executed (UTC)"] == results_table.NOT_RECORDED).all()


def test_speed_shows_the_builds_figure_and_the_latest_gpu_record(tmp_path) -> None:
    from datetime import date

    from imgcls import speed_records

    records = tmp_path / "records"
    line, frame = results_table.speed(tmp_path / "empty", records)
    assert line.startswith("No GPU record is committed yet") and frame.empty
    figs = {"fast": {"train_images_per_s": 2500, "protocol_s": 39.5}}
    speed_records.save(speed_records.make_record("NVIDIA H200", "2.14.1", "13.0",
                                                 date(2026, 12, 2), figs), records)
    line, frame = results_table.speed(tmp_path / "empty", records)
    assert "measured on NVIDIA H200 on 2026-12-02 (torch 2.14.1, CUDA 13.0)" in line
    assert frame.values.tolist() == [["NVIDIA H200", "fast", "2500", "40"]]
