"""Downloads against a loopback server that misbehaves: each fault is survived, a resumed file is
byte-identical, a slow host is never written off, and what cannot be had is a clear error."""

from __future__ import annotations

import socket

import numpy as np
import pytest
from conftest import sha256
from loopback_server import Site, fast_downloads, rewrite_to, serving  # noqa: F401 (fixture)
from urllib3 import HTTPResponse

from imgcls.data import DataError, download, fetch
from imgcls.data import registry as reg
from imgcls.data.registry import FileSpec, Resource, Variant

pytestmark = pytest.mark.usefixtures("fast_downloads")

BODY = np.random.default_rng(0).integers(0, 256, 300_000, dtype=np.uint8).tobytes()
OTHER = BODY[::-1]
URL = "https://files.example/data/a.bin"
URL2 = "https://files.example/data/b.bin"


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A server holding a.bin and b.bin under files.example, with the book pointed at it."""
    served = tmp_path / "served"
    served.mkdir()
    (served / "a.bin").write_bytes(BODY)
    (served / "b.bin").write_bytes(OTHER)
    s = Site({"/files.example/data/a.bin": served / "a.bin",
              "/files.example/data/b.bin": served / "b.bin"})
    with serving(s) as base:
        monkeypatch.setenv("IMGCLS_URL_REWRITE", rewrite_to(base))
        yield s


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """A registry of one file expecting BODY (official URLs on files.example), no mirror."""
    spec = FileSpec("blob/a.bin", urls=(URL, URL2), sha256=sha256(BODY), size=len(BODY))
    resources = {"blob": Resource("blob", "", "", (Variant("official", (spec,), "exact"),))}
    monkeypatch.setattr(reg, "registry", lambda: resources)
    monkeypatch.setenv("IMGCLS_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("IMGCLS_MIRROR", raising=False)
    return tmp_path / "data"


def test_rewrite_rules_longest_prefix_wins(monkeypatch):
    monkeypatch.setenv("IMGCLS_URL_REWRITE", "https://=http://cache/all/ "
                       "https://files.example/data/=http://cache/files/")
    assert download.source(URL) == "http://cache/files/a.bin"
    assert download.source("https://other.example/x") == "http://cache/all/other.example/x"
    assert download.source("http://plain.example/x") == "http://plain.example/x"
    monkeypatch.delenv("IMGCLS_URL_REWRITE")
    assert download.source(URL) == URL


@pytest.mark.parametrize("value", ["no-equals-sign", "=http://cache/", "https://=ftp://cache/"])
def test_a_bad_rewrite_setting_names_the_variable_and_the_fix(registry, monkeypatch, value):
    monkeypatch.setenv("IMGCLS_URL_REWRITE", value)
    with pytest.raises(DataError) as err:
        fetch("blob")
    message = str(err.value)
    assert f"IMGCLS_URL_REWRITE: {value!r} is not PREFIX=REPLACEMENT" in message
    assert "or unset it" in message


def test_a_bad_timeout_setting_names_the_variable(registry, monkeypatch):
    monkeypatch.setenv("IMGCLS_DOWNLOAD_TIMEOUT", "soon")
    with pytest.raises(DataError, match="IMGCLS_DOWNLOAD_TIMEOUT='soon'"):
        fetch("blob")


def test_a_rewritten_url_is_fetched_from_the_server_and_checked(site, registry):
    got = fetch("blob")
    assert got.paths[0].read_bytes() == BODY
    assert [(r.path, r.status) for r in site.log] == [("/files.example/data/a.bin", 200)]
    assert sorted(p.name for p in got.paths[0].parent.iterdir()) == ["a.bin"]


def test_the_official_checksum_still_applies_behind_a_rewrite(site, registry, tmp_path):
    site.files["/files.example/data/a.bin"] = tmp_path / "served/b.bin"  # another file
    site.files.pop("/files.example/data/b.bin")
    with pytest.raises(DataError) as err:
        fetch("blob")
    message = str(err.value)
    assert f"{URL} (via IMGCLS_URL_REWRITE: {site.base}files.example/data/a.bin)" in message
    assert "checksum mismatch" in message and "HTTP 404" in message
    assert list((registry / "blob").iterdir()) == []


@pytest.mark.parametrize("fault", ["stall", "pause", "reset", "429", "503", "500", "short"])
def test_a_fault_on_the_first_request_is_survived(site, tmp_path, fault):
    site.faults["/files.example/data/a.bin"] = [fault]
    out = tmp_path / "out.bin"
    download.download(URL, out)
    assert out.read_bytes() == BODY
    requests = site.requests("/files.example/data/a.bin")
    assert [r.fault for r in requests] == [fault, None]
    assert download._unreachable == set()


def test_429_waits_as_long_as_retry_after_says(site, tmp_path):
    site.faults["/files.example/data/a.bin"] = ["429"]
    download.download(URL, tmp_path / "out.bin")
    first, second = site.requests("/files.example/data/a.bin")
    assert first.status == 429 and second.at - first.at >= site.retry_after


def test_retry_after_is_capped():
    answer = HTTPResponse(b"", headers={"Retry-After": "3600"}, status=429)
    retry = download.Policy(max_wait=2.0).retry()
    assert retry.get_retry_after(answer) == 2.0


def test_a_body_cut_short_is_resumed_with_range_when_the_server_answers_206(site, tmp_path):
    site.faults["/files.example/data/a.bin"] = ["short"]
    out = tmp_path / "out.bin"
    download.download(URL, out)
    assert out.read_bytes() == BODY
    first, second = site.requests("/files.example/data/a.bin")
    assert (first.range, first.status) == (None, 200)
    assert (second.range, second.status) == (f"bytes={len(BODY) // 2}-", 206)


def test_a_body_that_stalls_midway_is_resumed_after_the_timeout(site, tmp_path):
    site.faults["/files.example/data/a.bin"] = ["pause"]
    download.download(URL, tmp_path / "out.bin")
    assert (tmp_path / "out.bin").read_bytes() == BODY
    first, second = site.requests("/files.example/data/a.bin")
    assert first.fault == "pause" and second.status == 206
    assert 0 < int(second.range.removeprefix("bytes=").rstrip("-")) <= len(BODY) // 2


def test_a_body_cut_short_is_restarted_when_the_server_ignores_range(site, tmp_path):
    site.ranges = False
    site.faults["/files.example/data/a.bin"] = ["short", "short"]
    out = tmp_path / "out.bin"
    download.download(URL, out)
    assert out.read_bytes() == BODY
    assert [(r.range is not None, r.status) for r in site.requests(
        "/files.example/data/a.bin")] == [(False, 200), (True, 200), (True, 200)]


def test_a_server_that_keeps_cutting_short_gives_a_truncation_error(site, registry):
    site.ranges = False
    site.faults["/files.example/data/a.bin"] = ["short"] * 5
    site.files.pop("/files.example/data/b.bin")
    with pytest.raises(DataError) as err:
        fetch("blob")
    message = str(err.value)
    assert f"truncated: the connection closed after {len(BODY) // 2:,} of {len(BODY):,}" in message
    assert "gave up after 4 retries" in message
    assert list((registry / "blob").iterdir()) == []  # nothing partial left


def test_a_persistent_500_falls_through_to_the_next_url(site, registry, tmp_path):
    site.faults["/files.example/data/a.bin"] = ["500"] * 5
    site.files["/files.example/data/b.bin"] = tmp_path / "served/a.bin"
    assert fetch("blob").paths[0].read_bytes() == BODY
    assert [r.status for r in site.requests("/files.example/data/a.bin")] == [500] * 5
    assert download._unreachable == set()


def test_retries_spent_on_503_name_the_status(site, tmp_path):
    site.faults["/files.example/data/a.bin"] = ["503"] * 5
    with pytest.raises(download.DownloadError, match=r"HTTP 503 Service Unavailable \(after 4 "):
        download.download(URL, tmp_path / "out.bin")


def test_a_stalling_file_never_makes_its_host_unreachable(site, tmp_path, monkeypatch):
    monkeypatch.setenv("IMGCLS_DOWNLOAD_RETRIES", "0")
    site.faults["/files.example/data/a.bin"] = ["stall"]
    with pytest.raises(download.DownloadError, match="read timed out; gave up after 0 retries$"):
        download.download(URL, tmp_path / "a.bin")
    download.download(URL2, tmp_path / "b.bin")  # the same host, still tried
    assert (tmp_path / "b.bin").read_bytes() == OTHER
    assert download._unreachable == set()


def test_a_host_that_refuses_connections_is_skipped_afterwards(monkeypatch, tmp_path):
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("IMGCLS_URL_REWRITE", f"https://=http://127.0.0.1:{port}/")
    with pytest.raises(download.DownloadError, match="cannot connect.*refused"):
        download.download(URL, tmp_path / "a.bin")
    with pytest.raises(download.DownloadError, match="skipped"):
        download.download(URL2, tmp_path / "b.bin")


def test_a_redirect_is_followed(site, tmp_path):
    site.moved["/files.example/data/old.bin"] = f"{site.base}files.example/data/a.bin"
    download.download("https://files.example/data/old.bin", tmp_path / "out.bin")
    assert (tmp_path / "out.bin").read_bytes() == BODY
    assert [(r.path, r.status) for r in site.log] == [("/files.example/data/old.bin", 301),
                                                      ("/files.example/data/a.bin", 200)]


def test_in_a_log_each_file_is_one_line(site, tmp_path, capsys):
    site.faults["/files.example/data/a.bin"] = ["503"]
    download.download(URL, tmp_path / "a.bin")
    download.download(URL2, tmp_path / "b.bin")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("downloaded a.bin: 300kB in ")
    assert lines[0].endswith(f"from {site.base}files.example/data/a.bin, after 1 retry (HTTP 503)")
    assert lines[1].startswith("downloaded b.bin: ")


def test_on_a_terminal_a_live_bar_replaces_the_line(site, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(download, "live", lambda: True)
    download.download(URL, tmp_path / "a.bin")
    err = capsys.readouterr().err
    assert "a.bin" in err and "\r" in err and "downloaded" not in err


def test_a_missing_content_length_is_fine(world, monkeypatch):
    monkeypatch.delenv("IMGCLS_MIRROR")
    world.served["http://files.example/a.bin"] = world.mirror.joinpath("blob/a.bin").read_bytes()
    world.lengths["http://files.example/a.bin"] = None
    assert fetch("blob").paths[0].read_bytes() == world.served["http://files.example/a.bin"]
