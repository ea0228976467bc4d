"""Local faults, made on small files by the tests: damaged unpacked folders and caches, parallel
loads, full disks, unwritable or odd paths, leftovers of killed runs. Each ends in a repair or a
clear error, and nothing verified is lost."""

from __future__ import annotations

import errno
import io
import multiprocessing
import os
import stat
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import BLOB, PNG, fetch_mod, png_bytes, sha256
from PIL import Image

from imgcls import config
from imgcls.data import DataError, cifar10, cli, derived, disk, fetch, images, verify
from imgcls.data.registry import FileSpec, Resource, Variant

N_TRAIN, N_TEST = 3, 2  # JPEGs per class in the tiny CIFAR-10 export


def _jpeg(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


def _cifar_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for split, n in (("train", N_TRAIN), ("test", N_TEST)):
            for c, name in enumerate(cifar10.CLASSES):
                for i in range(n):
                    zf.writestr(f"{split}/{name}/{i:04d}.jpg", _jpeg(100 * c + i))
    return buf.getvalue()


CIFAR_ZIP = _cifar_zip()


@pytest.fixture
def cifar(world):
    """The tiny world plus a CIFAR-10 whose mirror holds a small JPEG export."""
    official = FileSpec("cifar-10-python.tar.gz", mirror="cifar-10-python.tar.gz", md5="0" * 32)
    jpeg = FileSpec("cifar10_jpeg.zip", mirror="cifar10_jpeg.zip", sha256=sha256(CIFAR_ZIP))
    world.resources["cifar10"] = Resource("cifar10", "", "", (
        Variant("official", (official,), "exact"),
        Variant("jpeg", (jpeg,), "lossy", exact=False)))
    world.put_mirror("cifar10_jpeg.zip", CIFAR_ZIP)
    return world


def _load():
    data = cifar10.load_cifar10()
    return len(data.y_train), len(data.y_test)


FULL = (10 * N_TRAIN, 10 * N_TEST)


# --- derived files: checked before they are trusted, rebuilt from the verified archive ---

@pytest.mark.parametrize("damage, named", [
    (lambda f: f.write_bytes(b""), "0 bytes, expected"),
    (lambda f: f.write_bytes(PNG), f"{len(PNG):,} bytes, expected"),
    (lambda f: f.unlink(), "missing"),
])
def test_a_damaged_unpacked_jpeg_is_named_and_unpacked_again(cifar, capsys, damage, named):
    assert _load() == FULL
    victim = cifar.data / "cifar10_jpeg/train/cat/0001.jpg"
    damage(victim)
    assert _load() == FULL  # names and sizes are checked on every load
    err = capsys.readouterr().err
    assert f"{victim}: {named}" in err and "unpacking cifar10_jpeg.zip again" in err
    assert victim.read_bytes() == zipfile.ZipFile(io.BytesIO(CIFAR_ZIP)).read(
        "train/cat/0001.jpg")


def test_two_deleted_and_one_extra_file_are_all_named(cifar, capsys):
    _load()
    folder = cifar.data / "cifar10_jpeg"
    (folder / "train/dog/0000.jpg").unlink()
    (folder / "train/dog/0001.jpg").unlink()
    (folder / "test/cat/extra.jpg").write_bytes(_jpeg(7))
    assert _load() == FULL  # never 28 or 31 images
    err = capsys.readouterr().err
    assert "train/dog/0000.jpg: missing" in err and "train/dog/0001.jpg: missing" in err
    assert "test/cat/extra.jpg: unexpected file (not in cifar10_jpeg.zip)" in err
    assert not (folder / "test/cat/extra.jpg").exists()


def test_a_same_size_replacement_is_found_by_verify_and_repaired_by_fetch(cifar, capsys):
    _load()
    victim = cifar.data / "cifar10_jpeg/test/ship/0000.jpg"
    victim.write_bytes(bytes(victim.stat().st_size))  # same size, zeros
    status = cli.main(["--verify", "cifar10"])
    err = capsys.readouterr().err
    assert status == 1 and f"{victim}: content differs from the archive's" in err
    assert cli.main(["cifar10"]) == 0  # the fetch command checks every byte and repairs
    assert "content differs" in capsys.readouterr().err
    assert cli.main(["--verify", "cifar10"]) == 0


def test_an_image_that_cannot_be_decoded_is_a_data_error_naming_it(cifar):
    bad = cifar.data / "bad.jpg"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match="not a readable image") as err:
        cifar10._decode(bad)
    assert str(bad) in str(err.value)
    bad.write_bytes(png_bytes(0, size=8))
    with pytest.raises(DataError, match="shape"):
        cifar10._decode(bad)


@pytest.mark.parametrize("damage, named", [
    (lambda f: f.write_bytes(f.read_bytes()[:1000]), "unreadable"),
    (lambda f: np.savez(f, xtr=np.zeros(1)), "no record of what it holds"),
    (lambda f: f.write_bytes(b""), "unreadable"),
])
def test_a_damaged_cache_is_named_and_decoded_again(cifar, capsys, damage, named):
    _load()
    cache = cifar.data / "cifar10_jpeg_arrays.npz"
    damage(cache)
    assert _load() == FULL
    err = capsys.readouterr().err
    assert str(cache) in err and named in err and "decoding again" in err
    assert cifar10.derived_problems() == []


def test_a_cache_whose_arrays_were_changed_is_caught_by_verify(cifar, capsys):
    _load()
    cache = cifar.data / "cifar10_jpeg_arrays.npz"
    with np.load(cache) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["ytr"] = arrays["ytr"][::-1].copy()
    with open(cache, "wb") as f:
        np.savez(f, **arrays)
    assert any("array ytr differs" in p for p in cifar10.derived_problems())
    assert _load() == FULL  # names and shapes still match: a plain load trusts it
    cifar10.prepare()  # what fetch.py runs: every byte checked, decoded again
    assert cifar10.derived_problems() == []


def test_a_stray_file_among_the_animal_faces_is_reported_and_never_loaded(world, capsys):
    specs = []
    for split in ("train", "valid"):
        for i, name in enumerate(images.ANIMAL_CLASSES):
            rel = f"animal_faces/{split}/{name}/{i}.png"
            world.put_mirror(rel, png_bytes(i))
            specs.append(FileSpec(rel, mirror=rel, sha256=sha256(png_bytes(i)), image=True))
    world.resources["animal_faces"] = Resource("animal_faces", "", "", (
        Variant("official", tuple(specs), "exact"),))
    assert len(images.animal_faces("train")) == 3
    stray = world.put_data("animal_faces/train/dog/stray.png", png_bytes(9))
    variant, problems = verify("animal_faces")
    assert variant is None and problems == [
        f"{stray}: unexpected file, not part of animal_faces (never loaded; remove it)"]
    faces = images.animal_faces("train")
    assert len(faces) == 3 and str(stray) not in [p for p, _ in faces.samples]
    assert f"left out 1 file(s) that are not part of the dataset: {stray}" in (
        capsys.readouterr().err)


# --- parallel builders: one winner, every process gets the arrays ---

def _load_in_child(log):
    # a forked child must not enter the OpenMP pool its parent's earlier tests started
    # (libgomp's threads do not survive fork, and the child would wait for them forever)
    torch.set_num_threads(1)
    real = cifar10._jpeg_split

    def counted(folder, split, *bar):
        with open(log, "a") as f:
            f.write(f"{os.getpid()} {split}\n")
        return real(folder, split, *bar)

    cifar10._jpeg_split = counted
    return _load()


def test_three_processes_loading_at_once_all_succeed_and_one_builds(cifar):
    log = cifar.root / "decoded.log"  # copying, unpacking and decoding all race
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(3) as pool:
        results = pool.map_async(_load_in_child, [log] * 3).get(timeout=120)
    assert results == [FULL] * 3
    assert len(set(line.split()[0] for line in log.read_text().splitlines())) == 1
    assert disk.leftovers([cifar.data]) == []


# --- --book goes on after any failure ---

def test_book_reports_every_failed_resource_and_goes_on(world, capsys, monkeypatch):
    def broken():
        raise RuntimeError("a fault nobody foresaw")

    def full_disk():
        raise derived.os_error("pics", world.data, OSError(errno.ENOSPC, "No space"), "x")

    monkeypatch.setattr(cli, "BOOK", {"blob": None, "pics": None, "two": None})
    monkeypatch.setattr(cli, "PREPARE", {"blob": broken, "pics": full_disk})
    status, out, err = cli.main(["--book"]), *capsys.readouterr()
    assert status == 1 and "two: ready" in out
    assert "error: blob: RuntimeError: a fault nobody foresaw" in err
    assert "error: pics" in err and "no space left" in err and "Traceback" not in err


# --- full disks and unwritable folders: the real cause and a fix that fits ---

def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_while_copying_blames_the_disk_not_the_mirror(world, monkeypatch):
    monkeypatch.setattr(fetch_mod.shutil, "copyfileobj", _enospc)
    with pytest.raises(DataError) as err:
        fetch("blob")
    message = str(err.value)
    assert "ENOSPC: no space left on the disk that holds" in message and "df -h" in message
    assert "restore the mirror" not in message
    assert world.leftovers() == [] and not (world.data / "blob/a.bin").exists()


def test_a_full_disk_before_a_download_names_the_disk_in_the_fix(world, monkeypatch):
    monkeypatch.delenv("IMGCLS_MIRROR")
    monkeypatch.setattr(fetch_mod.tempfile, "mkstemp", _enospc)
    with pytest.raises(DataError) as err:
        fetch("blob")
    assert "no space left" in err.value.problem and "free space there" in err.value.fix


def test_a_full_disk_while_unzipping_is_not_a_bad_archive(cifar, monkeypatch):
    fetch("cifar10")
    monkeypatch.setattr(zipfile.ZipFile, "extractall", _enospc)
    with pytest.raises(DataError) as err:
        _load()
    assert "no space left" in str(err.value) and "not a valid" not in str(err.value)
    assert disk.leftovers([cifar.data]) == [] and not (cifar.data / "cifar10_jpeg").exists()


def test_a_full_disk_while_writing_the_cache_leaves_no_partial_cache(cifar, monkeypatch):
    def savez_then_full(f, **arrays):
        f.write(b"x" * 1000)
        _enospc()

    monkeypatch.setattr(derived.np, "savez", savez_then_full)
    with pytest.raises(DataError, match="writing the cache .* no space left"):
        _load()
    assert [p.name for p in cifar.data.iterdir() if "npz" in p.name] == []


def test_an_unwritable_folder_while_unpacking_says_permission_denied(cifar, monkeypatch):
    fetch("cifar10")

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(derived.tempfile, "mkdtemp", refuse)
    with pytest.raises(DataError, match="EACCES: permission denied in") as err:
        _load()
    assert "chmod" in err.value.fix


def test_a_file_where_the_data_folder_should_be_is_named(world, monkeypatch):
    blocker = world.root / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("IMGCLS_DATA", str(blocker / "data"))
    with pytest.raises(DataError) as err:
        fetch("blob")
    assert f"{blocker} is a file where a folder is needed" in str(err.value)


def _mount(*args: str) -> str | None:
    """Run ``mount`` with ``args``; why it failed, or None."""
    try:
        proc = subprocess.run(["mount", *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return proc.stderr.strip() or "mount failed" if proc.returncode else None


@pytest.fixture
def small_disk(tmp_path):
    """A real 512 KiB file system (tmpfs), unmounted afterwards; skipped where none can be
    mounted (mounting needs root or CAP_SYS_ADMIN)."""
    point = tmp_path / "small"
    point.mkdir()
    why = _mount("-t", "tmpfs", "-o", "size=512k", "tmpfs", str(point))
    if why:
        pytest.skip(f"cannot mount a small file system here: {why}")
    try:
        yield point
    finally:
        subprocess.run(["umount", str(point)], check=True, timeout=10)


def test_a_real_full_disk(world, small_disk, monkeypatch):
    big = np.random.default_rng(0).integers(0, 256, 1 << 20, dtype=np.uint8).tobytes()
    world.put_mirror("big/one.bin", big)
    world.resources["big"] = Resource("big", "", "", (Variant("official", (
        FileSpec("big/one.bin", mirror="big/one.bin", sha256=sha256(big)),), "exact"),))
    monkeypatch.setenv("IMGCLS_DATA", str(small_disk / "data"))
    assert fetch("blob").paths[0].read_bytes() == BLOB  # small files still fit
    with pytest.raises(DataError, match="no space left on the disk that holds"):
        fetch("big")
    left = sorted(p.name for p in (small_disk / "data/big").iterdir())
    assert left == [] and (small_disk / "data/blob/a.bin").read_bytes() == BLOB


def test_a_read_only_data_folder_serves_what_verifies_and_names_the_cause(cifar, small_disk,
                                                                          monkeypatch, capsys):
    monkeypatch.setenv("IMGCLS_DATA", str(small_disk / "data"))
    fetch("blob")
    fetch("cifar10")  # the archive is there; unpacking it is left for later
    (small_disk / "data/blob/.a.bin.k2j3h4l5.part").write_bytes(b"half")
    why = _mount("-o", "remount,ro", str(small_disk))
    if why:
        pytest.skip(f"cannot remount the small file system read-only: {why}")
    monkeypatch.setattr(cli, "BOOK", {"cifar10": None, "blob": None})
    status, out, err = cli.main(["--book"]), *capsys.readouterr()
    assert status == 1 and "blob: ready" in out  # reading needs no write, not even a lock
    assert fetch("cifar10").variant.name == "jpeg"  # nor does a lossy variant
    assert "blob: leftovers of an interrupted run stay: taking the data folder's writer" in err
    assert "error: cifar10" in err and "read-only file system" in err
    assert "--data-dir DIR" in err and "Traceback" not in err


# --- paths ---

@pytest.mark.parametrize("option", ["--mirror", "--data-dir"])
def test_an_empty_folder_argument_is_refused(world, capsys, option, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["blob", option, ""])
    assert exit_.value.code == 2
    assert "an empty path names no folder" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mirror"]


def test_a_mirror_one_folder_too_high_is_pointed_at_the_right_folder(world, monkeypatch):
    outer = world.root / "shared"
    outer.mkdir()
    world.mirror.rename(outer / "data")
    monkeypatch.setenv("IMGCLS_MIRROR", str(outer))
    with pytest.raises(DataError) as err:
        fetch("blob")
    assert f"--mirror {outer / 'data'}" in str(err.value)
    assert "move " not in str(err.value)


def test_a_mirror_one_folder_too_deep_is_pointed_at_the_right_folder(world, monkeypatch):
    monkeypatch.setenv("IMGCLS_MIRROR", str(world.mirror / "blob"))
    with pytest.raises(DataError, match=f"--mirror {world.mirror}"):
        fetch("blob")


def test_a_symlink_loop_is_a_clear_error(world, capsys, monkeypatch):
    loop = world.root / "loop"
    loop.symlink_to(loop)
    assert cli.main(["blob", "--data-dir", str(loop)]) == 2
    assert "symbolic link loop" in capsys.readouterr().err
    monkeypatch.setenv("IMGCLS_DATA", str(loop))
    with pytest.raises(ValueError, match="IMGCLS_DATA=.*symbolic links"):
        config.data_dir()


def test_a_data_subfolder_linked_into_the_mirror_is_never_written(world):
    before = world.snapshot(world.mirror)
    world.data.mkdir()
    (world.data / "blob").symlink_to(world.mirror / "blob")
    (world.mirror / "blob/a.bin").write_bytes(b"damaged in the mirror")  # a repair would write
    before = world.snapshot(world.mirror)
    with pytest.raises(DataError, match="inside the mirror"):
        fetch("blob")
    assert world.snapshot(world.mirror) == before
    assert [p.name for p in (world.mirror / "blob").iterdir()] == ["a.bin"]


# --- leftovers of killed runs ---

def test_leftovers_are_mentioned_by_verify_and_removed_by_the_next_fetch(cifar, capsys):
    fetch("blob")
    part = cifar.put_data("blob/.a.bin.k2j3h4l5.part", b"half a download")
    old_dir = cifar.data / ".cifar10_jpeg.k2j3h4l5"
    (old_dir / "train").mkdir(parents=True)
    (old_dir / "train/x.jpg").write_bytes(b"x" * 100)
    new_dir = cifar.data / ".cifar10_jpeg.abcd1234.part"
    new_dir.mkdir()
    assert cli.main(["--verify", "blob"]) == 0
    out = capsys.readouterr().out
    assert f"note: {part} (15 bytes) was left by an interrupted run" in out
    assert str(old_dir) in out and str(new_dir) in out
    assert part.exists()  # --verify changes nothing
    fetch("blob")
    err = capsys.readouterr().err
    assert f"removed {part} (15 bytes), left by an interrupted run" in err
    assert not part.exists() and not old_dir.exists() and not new_dir.exists()
    assert (cifar.data / "blob/a.bin").read_bytes() == BLOB


# --- small things ---

def test_unpacked_folders_get_the_usual_permissions_not_owner_only(cifar):
    fetch("cifar10")
    folder = cifar10._unpack_jpeg(cifar.data / "cifar10_jpeg.zip")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~disk.umask()
    if disk.umask() == 0o022:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755


def test_the_file_listing_agrees_with_os_walk(tmp_path):
    """The manifest check's fast listing finds what ``os.walk`` (links to folders not followed)
    and ``lstat`` find: nested files, links to files, broken links; not the manifest."""
    (tmp_path / "a/b").mkdir(parents=True)
    (tmp_path / "a/b/deep.jpg").write_bytes(b"12345")
    (tmp_path / "top.jpg").write_bytes(b"1")
    (tmp_path / derived.MANIFEST).write_text("{}")
    (tmp_path / "a/link.jpg").symlink_to(tmp_path / "top.jpg")
    (tmp_path / "a/broken.jpg").symlink_to(tmp_path / "nowhere")
    (tmp_path / "a/folder-link").symlink_to(tmp_path / "a/b", target_is_directory=True)
    walked = {}
    for root, _dirs, names in os.walk(tmp_path):
        for name in names:
            path = Path(root) / name
            walked[path.relative_to(tmp_path).as_posix()] = path.lstat().st_size
    del walked[derived.MANIFEST]
    assert derived._files(tmp_path) == walked
    assert set(walked) == {"a/b/deep.jpg", "top.jpg", "a/link.jpg", "a/broken.jpg"}
