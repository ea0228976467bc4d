"""The data layer on small files the tests make: every fault gives a clear error, no good file is
ever lost, the mirror is never written, and nothing partial sits under a final name."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
import zipfile

import pytest
from conftest import BLOB, IDX, LOSSY, PNG, fetch_mod, gz, png_bytes

from imgcls.data import DataError, disk, fetch, verify
from imgcls.data.derived import extract_archive
from imgcls.data.fetch import hub_dir


def test_copies_from_the_mirror_and_verifies(world):
    got = fetch("blob")
    assert got.variant.name == "official" and got.exact
    assert got.paths == (world.data / "blob/a.bin",)
    assert got.paths[0].read_bytes() == BLOB
    assert stat.S_IMODE(got.paths[0].stat().st_mode) == disk.FILE_MODE
    assert world.requests == [] and world.leftovers() == []


def test_a_verified_file_is_left_alone_even_without_mirror(world, monkeypatch):
    path = fetch("blob").paths[0]
    before = path.stat().st_mtime_ns
    monkeypatch.setenv("IMGCLS_MIRROR", str(world.root / "nowhere"))
    assert fetch("blob").paths[0] == path
    assert path.stat().st_mtime_ns == before


def test_weight_files_land_in_the_torch_hub_cache(world):
    got = fetch("net")
    assert hub_dir() == world.hub / "hub" / "checkpoints"
    assert got.paths[0] == world.hub / "hub/checkpoints/net-1234abcd.pth"
    assert got.paths[0].read_bytes() == BLOB


def test_offline_without_mirror_fails_fast_and_says_how_to_fix(world, monkeypatch):
    monkeypatch.delenv("IMGCLS_MIRROR")
    start = time.perf_counter()
    with pytest.raises(DataError) as err:
        fetch("blob")
    assert time.perf_counter() - start < 2
    message = str(err.value)
    assert str(world.data / "blob/a.bin") in message
    assert "not in the data folder" in message and "mirror: none set" in message
    assert "cannot connect" in message and "http://files.example/a.bin" in message
    assert "fix:" in message and "python -m imgcls.data blob" in message
    assert not (world.data / "blob/a.bin").exists() and world.leftovers() == []


def test_an_unreachable_host_is_tried_once(world, monkeypatch):
    monkeypatch.delenv("IMGCLS_MIRROR")
    with pytest.raises(DataError) as err:
        fetch("two")
    # a.example is tried once, its second URL skipped; b.example is another host
    assert world.requests == ["http://a.example/exact.bin", "http://b.example/exact.bin"]
    assert "skipped" in str(err.value)


def test_missing_from_mirror_and_download_failing_names_both(world):
    (world.mirror / "blob/a.bin").unlink()
    with pytest.raises(DataError) as err:
        fetch("blob")
    message = str(err.value)
    assert f"{world.mirror / 'blob/a.bin'}: missing from the mirror" in message
    assert "download (official variant): http://files.example/a.bin: cannot connect" in message


def test_a_mirror_folder_that_does_not_exist_is_named(world, monkeypatch):
    monkeypatch.setenv("IMGCLS_MIRROR", str(world.root / "nowhere"))
    with pytest.raises(DataError, match="nowhere does not exist"):
        fetch("blob")


@pytest.mark.parametrize("content, problem", [
    (BLOB[:1000], "truncated: 1,000 bytes, expected 16,384"),
    (BLOB + b"x", "too large"),
    (bytes(len(BLOB)), "checksum mismatch"),
    (b"", "truncated"),
])
def test_a_bad_mirror_file_is_never_installed(world, content, problem):
    src = world.put_mirror("blob/a.bin", content)
    with pytest.raises(DataError) as err:
        fetch("blob")
    message = str(err.value)
    assert problem in message and str(src) in message
    assert "SHA256SUMS" in message  # the fix: repair the mirror, or fetch online
    assert not (world.data / "blob/a.bin").exists()
    assert world.leftovers() == []


def test_a_corrupt_image_is_rejected(world):
    broken = PNG[: len(PNG) // 2]
    world.put_mirror("pics/x.png", broken)
    with pytest.raises(DataError, match="not a valid image"):
        fetch("pics")
    world.put_mirror("pics/x.png", b"not a picture at all")
    with pytest.raises(DataError, match="not a valid image"):
        fetch("pics")
    assert not (world.data / "pics/x.png").exists()


def test_a_good_image_is_accepted(world):
    assert fetch("pics").paths[0].read_bytes() == PNG


def test_wrong_folder_layout_in_the_mirror_points_at_the_file(world):
    (world.mirror / "blob/nested").mkdir()
    (world.mirror / "blob/a.bin").rename(world.mirror / "blob/nested/a.bin")
    with pytest.raises(DataError) as err:
        fetch("blob")
    message = str(err.value)
    assert "wrong folder layout" in message
    assert str(world.mirror / "blob/nested/a.bin") in message
    assert str(world.mirror / "blob/a.bin") in message


def test_a_gzipped_mirror_file_is_unpacked(world):
    (world.mirror / "digits/idx").unlink()
    world.put_mirror("digits/idx.gz", gz(IDX))
    assert fetch("digits").paths[0].read_bytes() == IDX


def test_download_with_gunzip(world, monkeypatch):
    monkeypatch.delenv("IMGCLS_MIRROR")
    world.served["http://files.example/idx.gz"] = gz(IDX)
    got = fetch("digits")
    assert got.paths[0] == world.data / "digits/raw/idx"
    assert got.paths[0].read_bytes() == IDX
    assert world.leftovers() == []


def test_a_download_that_is_not_gzip_or_is_wrong_is_rejected(world, monkeypatch):
    monkeypatch.delenv("IMGCLS_MIRROR")
    world.served["http://files.example/idx.gz"] = IDX  # not compressed
    with pytest.raises(DataError, match="BadGzipFile"):
        fetch("digits")
    world.served["http://files.example/idx.gz"] = gz(IDX[:-1] + b"\x01")
    with pytest.raises(DataError, match="checksum mismatch"):
        fetch("digits")
    assert not (world.data / "digits/raw/idx").exists() and world.leftovers() == []


def test_a_download_cut_short_is_truncated(world, monkeypatch):
    monkeypatch.delenv("IMGCLS_MIRROR")
    url = "http://files.example/a.bin"
    world.served[url] = BLOB[:500]
    world.lengths[url] = len(BLOB)
    with pytest.raises(DataError, match="truncated: the connection closed after 500"):
        fetch("blob")
    assert not (world.data / "blob/a.bin").exists() and world.leftovers() == []


def test_a_downloader_error_becomes_a_data_error(world, monkeypatch):
    def broken(workdir):
        raise RuntimeError("no credentials")

    spec = world.resources["blob"].variants[0].files[0]
    variant = world.resources["blob"].variants[0]
    new = fetch_mod.FileSpec(spec.path, (), spec.mirror, sha256=spec.sha256, downloader=broken)
    monkeypatch.setitem(world.resources, "blob", fetch_mod.Resource(
        "blob", "", "", (fetch_mod.Variant(variant.name, (new,), variant.fidelity),)))
    monkeypatch.delenv("IMGCLS_MIRROR")
    with pytest.raises(DataError, match="RuntimeError: no credentials"):
        fetch("blob")


def test_the_next_variant_is_used_when_the_first_is_not_in_the_mirror(world):
    got = fetch("two")
    assert got.variant.name == "lossy" and not got.exact
    assert got.paths[0].read_bytes() == LOSSY
    assert verify("two")[0].name == "lossy"


def test_the_preferred_variant_wins_when_present(world):
    world.put_data("two/exact.bin", BLOB)
    world.put_data("two/lossy.txt", LOSSY)
    assert fetch("two").variant.name == "exact"


def test_online_a_lossy_copy_is_upgraded_to_the_official_file(world, monkeypatch):
    world.put_data("two/lossy.txt", LOSSY)
    monkeypatch.delenv("IMGCLS_MIRROR")
    world.served["http://a.example/exact.bin"] = BLOB
    got = fetch("two")
    assert got.variant.name == "exact" and got.paths[0].read_bytes() == BLOB
    assert (world.data / "two/lossy.txt").read_bytes() == LOSSY


def test_offline_a_lossy_copy_in_the_data_folder_is_still_used(world, monkeypatch):
    world.put_data("two/lossy.txt", LOSSY)
    monkeypatch.delenv("IMGCLS_MIRROR")
    got = fetch("two")
    assert got.variant.name == "lossy"
    assert "http://a.example/exact.bin" in world.requests


def test_with_a_mirror_a_present_lossy_copy_triggers_no_download(world):
    world.put_data("two/lossy.txt", LOSSY)
    assert fetch("two").variant.name == "lossy"
    assert world.requests == []


def test_verify_reports_each_bad_file_and_fetches_nothing(world):
    variant, problems = verify("blob")
    assert variant is None
    assert problems == [f"{world.data / 'blob/a.bin'}: missing"]
    world.put_data("blob/a.bin", BLOB[:10])
    assert "truncated" in verify("blob")[1][0]
    assert (world.data / "blob/a.bin").read_bytes() == BLOB[:10]


def _interrupting_copy(exc):
    def copy(fin, fout, length=0):
        fout.write(fin.read(100))
        fout.flush()
        raise exc

    return copy


@pytest.mark.parametrize("exc, expected", [(OSError("disk full"), DataError),
                                           (KeyboardInterrupt(), KeyboardInterrupt)])
def test_an_interrupted_copy_leaves_the_old_file_and_no_partial_file(world, monkeypatch, exc,
                                                                      expected):
    old = world.put_data("blob/a.bin", b"an older, unverified copy")
    monkeypatch.setattr(fetch_mod.shutil, "copyfileobj", _interrupting_copy(exc))
    with pytest.raises(expected) as err:
        fetch("blob")
    if expected is DataError:
        assert "copy from the mirror failed (disk full)" in str(err.value)
    assert old.read_bytes() == b"an older, unverified copy"
    assert sorted(p.name for p in old.parent.iterdir()) == ["a.bin"]


def test_a_read_only_mirror_is_read_and_never_changed(world):
    for path in world.mirror.rglob("*"):
        path.chmod(0o555 if path.is_dir() else 0o444)
    world.mirror.chmod(0o555)
    before = world.snapshot(world.mirror)
    try:
        for name in world.resources:
            fetch(name)
        for name in world.resources:  # already there: a second round changes nothing
            fetch(name)
        world.put_data("blob/a.bin", b"damaged")
        fetch("blob")
        assert world.snapshot(world.mirror) == before
    finally:
        for path in [world.mirror, *world.mirror.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.mark.parametrize("inside", ["data", "."])
def test_a_data_folder_inside_the_mirror_is_refused(world, monkeypatch, inside):
    before = world.snapshot(world.mirror)
    monkeypatch.setenv("IMGCLS_DATA", str(world.mirror / inside))
    with pytest.raises(DataError, match="inside the mirror"):
        fetch("blob")  # even though the mirror's own copy would verify
    archive = _zip(world.root / "good.zip", ["train/a.jpg"])
    with pytest.raises(DataError, match="inside the mirror"):
        extract_archive(archive, world.mirror / "unpacked", ("train",), "zipped")
    assert world.snapshot(world.mirror) == before
    assert not (world.mirror / "data").exists()


def test_good_data_survives_a_bad_mirror(world):
    fetch("blob")
    fetch("pics")
    good = world.snapshot(world.data)
    world.put_mirror("blob/a.bin", bytes(len(BLOB)))
    world.put_mirror("pics/x.png", b"garbage")
    for _ in range(2):
        assert fetch("blob").paths[0].read_bytes() == BLOB
        assert fetch("pics").paths[0].read_bytes() == PNG
    assert world.snapshot(world.data) == good


def test_a_good_file_of_a_resource_is_kept_when_another_is_bad(world):
    """Of a two-file variant, the verified file stays while the bad one is refused."""
    spec_a = world.resources["blob"].variants[0].files[0]
    spec_b = fetch_mod.FileSpec("pics/y.png", mirror="pics/y.png", image=True)
    world.resources["pair"] = fetch_mod.Resource("pair", "", "", (
        fetch_mod.Variant("official", (spec_a, spec_b), "exact"),))
    world.put_mirror("pics/y.png", b"broken")
    good = world.put_data("blob/a.bin", BLOB)
    mtime = good.stat().st_mtime_ns
    with pytest.raises(DataError) as err:
        fetch("pair")
    assert str(world.mirror / "pics/y.png") in str(err.value)
    assert good.read_bytes() == BLOB and good.stat().st_mtime_ns == mtime
    world.put_mirror("pics/y.png", png_bytes(1))
    assert [p.name for p in fetch("pair").paths] == ["a.bin", "y.png"]
    assert good.stat().st_mtime_ns == mtime


def test_an_unwritable_data_folder_is_a_clear_error(world, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fetch_mod.tempfile, "mkstemp", refuse)
    with pytest.raises(DataError, match="EACCES: permission denied in") as err:
        fetch("blob")
    assert "chmod" in err.value.fix and "--data-dir" in err.value.fix


def test_content_checks_reject_wrong_content(world):
    def three_lines(path):
        if len(path.read_text().splitlines()) != 3:
            raise ValueError("expected 3 lines")

    spec = fetch_mod.FileSpec("t.csv", mirror="t.csv", content_check=three_lines)
    world.resources["table"] = fetch_mod.Resource("table", "", "", (
        fetch_mod.Variant("official", (spec,), "checked by content"),))
    world.put_mirror("t.csv", b"a\nb\n")
    with pytest.raises(DataError, match="wrong content: expected 3 lines"):
        fetch("table")
    world.put_mirror("t.csv", b"a\nb\nc\n")
    assert fetch("table").paths[0].read_text() == "a\nb\nc\n"


def listing(folder):
    """The names in ``folder`` apart from the data folder's writer lock."""
    return sorted(p.name for p in folder.iterdir() if p.name != disk.LOCK)


def _zip(path, names):
    with zipfile.ZipFile(path, "w") as zf:
        for name in names:
            zf.writestr(name, b"x")
    return path


def test_extract_archive_checks_the_layout_and_leaves_nothing_behind(world):
    archive = _zip(world.root / "bad.zip", ["images/train/a.jpg", "images/test/b.jpg"])
    dest = world.data / "unpacked"
    with pytest.raises(DataError) as err:
        extract_archive(archive, dest, ("train", "test"), "zipped")
    message = str(err.value)
    assert "wrong folder layout" in message and "found ['images']" in message
    assert str(archive) in message
    assert not dest.exists() and listing(world.data) == []


def test_extract_archive_rejects_a_file_that_is_not_a_zip(world):
    archive = world.root / "fake.zip"
    archive.write_bytes(b"PK not really")
    with pytest.raises(DataError, match="not a valid zip archive"):
        extract_archive(archive, world.data / "unpacked", ("train",), "zipped")
    assert listing(world.data) == []


def test_extract_archive_runs_once_and_again_for_a_new_archive(world):
    archive = _zip(world.root / "good.zip", ["train/a.jpg", "test/b.jpg"])
    dest = extract_archive(archive, world.data / "unpacked", ("train", "test"), "zipped")
    assert (dest / "train/a.jpg").is_file() and (dest / ".manifest.json").is_file()
    inode = (dest / "train/a.jpg").stat().st_ino
    assert extract_archive(archive, dest, ("train", "test"), "zipped") == dest
    assert (dest / "train/a.jpg").stat().st_ino == inode  # not unpacked again
    _zip(archive, ["train/c.jpg", "test/d.jpg"])
    os.utime(archive, ns=(time.time_ns(), time.time_ns() + 10**9))
    extract_archive(archive, dest, ("train", "test"), "zipped")
    assert (dest / "train/c.jpg").is_file() and not (dest / "train/a.jpg").exists()
    assert listing(world.data) == ["unpacked"]


def test_every_file_of_the_real_registry_can_be_checked():
    """Each file has a checksum, a size, an image check or a content check; names are unique."""
    from imgcls.data.registry import registry

    resources = registry()
    assert {"mnist", "animal_faces", "photos", "cifar10", "sign_mnist", "stl10"} <= set(resources)
    seen = set()
    for res in resources.values():
        for variant in res.variants:
            for spec in variant.files:
                assert spec.md5 or spec.sha256 or spec.content_check or spec.image, spec.path
                assert spec.urls or spec.downloader or spec.mirror, spec.path
                key = (spec.in_hub, spec.path)
                assert key not in seen, spec.path
                seen.add(key)
    assert sum(1 for r in resources.values() if r.name.startswith("weights:")) >= 1


def test_each_registry_entry_is_named_by_its_key_and_built_on_first_use():
    """Looking up a dataset leaves torchvision unimported (its import takes seconds, and only the
    weight entries need it); every entry, once built, carries the name it is filed under."""
    code = ("import sys\n"
            "from imgcls.data.registry import get, registry\n"
            "get('cifar10'); get('mnist'); assert 'stl10' in registry()\n"
            "assert 'torchvision' not in sys.modules, 'torchvision imported'\n"
            "assert all(r.name == k for k, r in registry().items())\n"
            "assert 'torchvision' in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_registry_agrees_with_the_mirror_checksums():
    """Every sha256 the registry holds for a mirror file equals the mirror's SHA256SUMS entry."""
    from imgcls.config import mirror_dir
    from imgcls.data.registry import registry

    mirror = mirror_dir()
    if mirror is None or not (mirror / "SHA256SUMS").is_file():
        pytest.skip("no mirror with SHA256SUMS (set IMGCLS_MIRROR)")
    sums = {}
    for line in (mirror / "SHA256SUMS").read_text().splitlines():
        digest, rel = line.split(maxsplit=1)
        sums[rel.removeprefix("./")] = digest
    checked = 0
    for res in registry().values():
        for variant in res.variants:
            for spec in variant.files:
                if spec.sha256 and spec.mirror in sums:
                    assert sums[spec.mirror] == spec.sha256, spec.mirror
                    checked += 1
    assert checked > 300  # the animal faces, the photos and the two archives


def test_every_bad_file_is_reported_and_the_good_ones_installed(world):
    specs = tuple(fetch_mod.FileSpec(f"many/{i}.png", mirror=f"many/{i}.png", image=True)
                  for i in range(9))
    world.resources["many"] = fetch_mod.Resource("many", "", "", (
        fetch_mod.Variant("official", specs, "exact"),))
    for i in range(9):
        world.put_mirror(f"many/{i}.png", png_bytes(i) if i == 4 else b"broken")
    with pytest.raises(DataError) as err:
        fetch("many")
    message = str(err.value)
    assert message.count("not a valid image") == fetch_mod.MAX_REPORTED
    assert "and 3 more files like these" in message
    assert str(world.mirror / "many/0.png") in message
    assert str(world.mirror / "many/4.png") not in message
    assert [p.name for p in (world.data / "many").iterdir()] == ["4.png"]
