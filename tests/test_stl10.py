"""Tests of the STL-10 loader on a tiny archive laid out like the official one."""

import hashlib
import tarfile

import numpy as np
import pytest
import torch
from conftest import no_connection
from torchvision.datasets import STL10

from imgcls.data import disk, download, stl10
from imgcls.data.errors import DataError
from imgcls.data.fetch import Fetched
from imgcls.data.registry import get


def _stl_bytes(images: np.ndarray) -> bytes:
    """Images N x 3 x H x W written as STL-10 stores them: each channel column by column."""
    return np.ascontiguousarray(images.transpose(0, 1, 3, 2)).tobytes()


def _archive(tmp_path, monkeypatch, n_train=6, n_test=4, folder="stl10_binary"):
    """A small stl10_binary.tar.gz; torchvision's md5 table is pointed at its files."""
    rng = np.random.default_rng(0)
    files = {
        "train_X.bin": _stl_bytes(rng.integers(0, 256, (n_train, 3, 96, 96), dtype=np.uint8)),
        "train_y.bin": (np.arange(n_train) % 3 + 1).astype(np.uint8).tobytes(),
        "unlabeled_X.bin": _stl_bytes(rng.integers(0, 256, (1, 3, 96, 96), dtype=np.uint8)),
        "test_X.bin": _stl_bytes(rng.integers(0, 256, (n_test, 3, 96, 96), dtype=np.uint8)),
        "test_y.bin": (np.arange(n_test) % 2 + 1).astype(np.uint8).tobytes(),
        "class_names.txt": "\n".join(stl10.CLASSES).encode(),
    }
    src = tmp_path / "src" / folder
    src.mkdir(parents=True)
    for name, data in files.items():
        (src / name).write_bytes(data)
    md5 = {n: hashlib.md5(d).hexdigest() for n, d in files.items()}
    monkeypatch.setattr(STL10, "train_list", [[n, md5[n]] for n in
                                              ("train_X.bin", "train_y.bin", "unlabeled_X.bin")])
    monkeypatch.setattr(STL10, "test_list", [[n, md5[n]] for n in ("test_X.bin", "test_y.bin")])
    archive = tmp_path / "data" / "stl10_binary.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src, arcname=folder)
    return archive, files


def test_extract_and_read_give_images_the_right_way_up(tmp_path, monkeypatch):
    archive, files = _archive(tmp_path, monkeypatch)
    root = archive.parent
    folder = stl10.extract(archive, root)
    assert folder == root / "stl10_binary" and (folder / ".manifest.json").is_file()
    arrays = stl10.read_arrays(root)
    stored = np.frombuffer(files["train_X.bin"], np.uint8).reshape(6, 3, 96, 96)
    np.testing.assert_array_equal(arrays["xtr"], stored.transpose(0, 1, 3, 2))
    assert arrays["ytr"].tolist() == [0, 1, 2, 0, 1, 2]
    assert arrays["xte"].shape == (4, 3, 96, 96) and arrays["yte"].tolist() == [0, 1, 0, 1]


def test_only_the_labelled_files_are_unpacked_and_checked(tmp_path, monkeypatch):
    archive, files = _archive(tmp_path, monkeypatch)
    folder = stl10.extract(archive, archive.parent)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [".manifest.json", "test_X.bin", "test_y.bin", "train_X.bin", "train_y.bin"])
    # torchvision's own table names unlabeled_X.bin; it is neither unpacked nor needed
    assert "unlabeled_X.bin" in [n for n, _ in STL10.train_list]
    assert stl10.derived_problems(archive.parent) == []
    monkeypatch.setattr(STL10, "test_list", [["test_X.bin", "0" * 32], STL10.test_list[1]])
    assert any("md5 differs" in p for p in stl10.derived_problems(archive.parent))


def test_an_archive_whose_labelled_file_breaks_its_md5_is_refused(tmp_path, monkeypatch):
    archive, _ = _archive(tmp_path, monkeypatch)
    monkeypatch.setattr(STL10, "test_list", [["test_X.bin", "0" * 32], STL10.test_list[1]])
    with pytest.raises(DataError, match="test_X.bin in the archive does not match"):
        stl10.extract(archive, archive.parent)
    assert not (archive.parent / "stl10_binary").exists()


def test_a_corrupt_binary_file_is_a_data_error_then_unpacked_again(tmp_path, monkeypatch,
                                                                   capsys):
    archive, files = _archive(tmp_path, monkeypatch)
    folder = stl10.extract(archive, archive.parent)
    (folder / "test_y.bin").write_bytes(b"\x01\x02")
    with pytest.raises(DataError, match="stl10.*torchvision could not read it"):
        stl10.read_arrays(archive.parent)
    stl10.extract(archive, archive.parent)  # names and sizes are checked: unpacked again
    assert f"{folder / 'test_y.bin'}: 2 bytes, expected 4" in capsys.readouterr().err
    assert (folder / "test_y.bin").read_bytes() == files["test_y.bin"]


def test_an_archive_with_another_layout_is_refused(tmp_path, monkeypatch):
    archive, _ = _archive(tmp_path, monkeypatch, folder="elsewhere")
    with pytest.raises(DataError, match="wrong folder layout"):
        stl10.extract(archive, archive.parent)
    assert not (archive.parent / "stl10_binary").exists()
    assert [p.name for p in archive.parent.iterdir() if p.name != disk.LOCK] == [
        "stl10_binary.tar.gz"]


def test_load_stl10_draws_a_stratified_subset(tmp_path, monkeypatch):
    archive, _ = _archive(tmp_path, monkeypatch)
    resource = get("stl10")
    got = Fetched(resource, resource.variants[0], (archive,))
    monkeypatch.setattr(stl10, "fetch", lambda name: got)
    data = stl10.load_stl10(train_per_class=1, test_per_class=2)
    assert data.x_train.dtype == torch.uint8 and data.x_train.shape == (3, 3, 96, 96)
    assert sorted(data.y_train.tolist()) == [0, 1, 2]
    assert sorted(data.y_test.tolist()) == [0, 0, 1, 1]
    assert data.classes[4] == "deer" and data.exact and "md5" in data.source


def test_without_the_archive_the_error_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("IMGCLS_DATA", str(tmp_path))
    monkeypatch.delenv("IMGCLS_MIRROR", raising=False)
    monkeypatch.setattr(download, "_open", no_connection)
    monkeypatch.setattr(download, "_unreachable", set())
    with pytest.raises(DataError, match="imgcls.data stl10"):
        stl10.load_stl10()
