"""The online path, offline: ``fetch.py --book`` with no mirror and no stand-ins, against a
loopback server that serves every official file under its official path and misbehaves on
some files' first request. Everything must arrive and verify."""

from __future__ import annotations

import pytest
from loopback_server import Site, fast_downloads, rewrite_to, server_path, serving  # noqa: F401
from official_files import book_faults, build, install

from imgcls import config
from imgcls.data import cli, download
from imgcls.data import registry as reg


@pytest.fixture(scope="session")
def official(tmp_path_factory):
    mirror = config.mirror_dir()
    if mirror is None or not mirror.is_dir():
        pytest.skip("the loopback server serves the mirror's exact files: set IMGCLS_MIRROR")
    return build(tmp_path_factory.mktemp("official"), mirror)


@pytest.fixture
def online(official, fast_downloads, tmp_path, monkeypatch):  # noqa: F811
    """A reader's machine online: empty data and torch folders, no mirror, no stand-ins."""
    install(official, monkeypatch)
    monkeypatch.setenv("IMGCLS_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("IMGCLS_MIRROR", raising=False)
    monkeypatch.delenv("IMGCLS_ALLOW_STANDINS", raising=False)
    site = Site(dict(official.files))
    with serving(site) as base:
        monkeypatch.setenv("IMGCLS_URL_REWRITE", rewrite_to(base))
        yield site


def test_fetch_book_gets_and_verifies_everything_despite_faults(online, tmp_path, capsys):
    faults = book_faults()
    online.faults.update({path: list(queue) for path, queue in faults.items()})
    assert cli.main(["--book"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    for name in cli.BOOK:
        assert f"{name}: ready (official)" in out
    assert cli.main(["--book", "--verify"]) == 0
    assert all(queue == [] for queue in online.faults.values())  # every fault was met
    for path, queue in faults.items():
        seen = online.requests(path)
        assert [r.fault for r in seen[: len(queue)]] == queue and seen[-1].status in (200, 206)
    assert download._unreachable == set()  # stalls never wrote a host off
    resumed = online.requests(server_path(reg.get("mnist").variants[0].files[0].urls[0]))[1]
    assert resumed.status == 206 and resumed.range.startswith("bytes=")
    assert not [r for r in online.log if r.status == 404]
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith((".part", ".gz.part"))]



def test_files_served_from_the_mirror_are_checked_against_the_official_checksums(official):
    """Only what the mirror lacks is made here; everything else keeps the real registry entry."""
    for name, resource in reg.registry().items():
        if name not in official.made:
            assert official.registry[name] == resource, name
    assert {"mnist", "photos", "animal_faces", "weights:mobilenet_quantized"}.isdisjoint(
        official.made)
    assert "stl10" in official.made and "cifar10" in official.made
