"""The Sign Language MNIST loader on small files the tests make: CSVs, the PNG zip, the split."""

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from imgcls.data import sign_mnist as sm
from imgcls.data.errors import DataError
from imgcls.data.fetch import Fetched, unexpected_entries
from imgcls.data.registry import get

LABELS = [lab for lab in range(25) if lab != 9]


def frame(n_per_label: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    labels = np.repeat(LABELS, n_per_label)
    pixels = rng.integers(0, 256, size=(len(labels), 784))
    return pd.DataFrame(np.column_stack([labels, pixels]), columns=sm.COLUMNS)


def fake_fetch(variant_name: str, paths):
    resource = get("sign_mnist")
    variant = next(v for v in resource.variants if v.name == variant_name)
    return lambda name: Fetched(resource, variant, tuple(paths))


def png_zip(path, rows: dict[int, tuple[str, np.ndarray]]):
    """A zip laid out as the mirror's: images/<Letter>(<row>).png, grey stored as RGBA."""
    with zipfile.ZipFile(path, "w") as zf:
        for row, (letter, grey) in rows.items():
            rgba = np.dstack([grey, grey, grey, np.full_like(grey, 255)])
            buf = io.BytesIO()
            Image.fromarray(rgba, "RGBA").save(buf, format="PNG")
            zf.writestr(f"images/{letter}({row}).png", buf.getvalue())
    return path


def test_letters_and_label_mapping():
    assert len(sm.LETTERS) == 24 and "J" not in sm.LETTERS and "Z" not in sm.LETTERS
    index = sm.label_to_index(torch.tensor(LABELS))
    assert index.tolist() == list(range(24))
    assert [sm.LETTERS[i] for i in index] == [chr(ord("A") + lab) for lab in LABELS]
    with pytest.raises(ValueError):
        sm.label_to_index(torch.tensor([9]))


def test_to_tensors_reshapes_rows_into_images():
    df = frame(1)
    x, y = sm.to_tensors(df)
    assert x.shape == (24, 1, 28, 28) and x.dtype == torch.float32
    assert y.tolist() == list(range(24))
    pixels = df.drop(columns="label").to_numpy()
    # pixel k (1-based column pixel{k+1}) lands in row k // 28, column k % 28
    assert x[5, 0, 3, 7].item() == pytest.approx(pixels[5, 3 * 28 + 7] / 255)
    assert 0.0 <= x.min() and x.max() <= 1.0


def test_stratified_split_keeps_label_proportions():
    df = frame(10)
    train, valid = sm.stratified_split(df, 0.2, seed=0)
    assert len(train) + len(valid) == len(df)
    assert not set(train.index) & set(valid.index)
    assert (valid["label"].value_counts() == 2).all()
    again = sm.stratified_split(df, 0.2, seed=0)[1]
    assert valid.index.equals(again.index)
    assert not valid.index.equals(sm.stratified_split(df, 0.2, seed=1)[1].index)


def test_png_frame_reads_grey_levels_in_row_order(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    images = {2: ("B", rng.integers(0, 256, (28, 28), dtype=np.uint8)),
              0: ("Y", rng.integers(0, 256, (28, 28), dtype=np.uint8)),
              1: ("K", rng.integers(0, 256, (28, 28), dtype=np.uint8))}
    archive = png_zip(tmp_path / "signs.zip", images)
    monkeypatch.setattr(sm, "ROWS", {"test": 3})
    df = sm._png_frame(archive)
    assert list(df.columns) == sm.COLUMNS
    assert df.index.tolist() == [0, 1, 2]
    assert df["label"].tolist() == [24, 10, 1]
    assert np.array_equal(df.iloc[2, 1:].to_numpy(), images[2][1].reshape(-1))
    monkeypatch.setattr(sm, "ROWS", {"test": 4})
    with pytest.raises(DataError, match="expected 4"):
        sm._png_frame(archive)


def test_near_duplicate_groups_find_families_of_altered_copies():
    rng = np.random.default_rng(3)
    bases = rng.integers(0, 256, size=(3, 784)).astype(np.float32)
    copies = np.concatenate([b + rng.normal(0, 8, size=(4, 784)) for b in bases])
    copies = copies[rng.permutation(len(copies))]
    groups = sm.near_duplicate_groups(copies, threshold=0.95, block=5)
    assert len(np.unique(groups)) == 3
    family = np.array([np.argmin([np.abs(c - b).mean() for b in bases]) for c in copies])
    for g in np.unique(groups):
        assert len(set(family[groups == g])) == 1


def test_stratified_split_keeps_groups_whole():
    df = frame(6)
    groups = np.arange(len(df)) // 3  # pairs of groups of 3 rows per label
    train, valid = sm.stratified_split(df, 0.5, seed=0, groups=groups)
    assert (valid["label"].value_counts() == 3).all()
    valid_groups, train_groups = set(groups[valid.index]), set(groups[train.index])
    assert not valid_groups & train_groups


def test_splits_online_carve_validation_from_training_and_keep_the_test_csv(tmp_path,
                                                                            monkeypatch):
    paths = [tmp_path / "sign_mnist_train.csv", tmp_path / "sign_mnist_test.csv"]
    frame(5, seed=1).to_csv(paths[0], index=False)
    frame(2, seed=2).to_csv(paths[1], index=False)
    monkeypatch.setattr(sm, "fetch", fake_fetch("official", paths))
    monkeypatch.delenv("IMGCLS_ALLOW_STANDINS", raising=False)
    got = sm.load_sign_mnist_splits(valid_fraction=0.2, seed=0)
    assert not got.standin and "scored once" in got.source
    assert len(got.train) == 96 and len(got.valid) == 24
    assert (got.valid["label"].value_counts() == 1).all()
    assert got.test.equals(frame(2, seed=2))
    assert not set(got.train.index) & set(got.valid.index)


def test_splits_offline_carve_all_three_from_the_mirror_pngs(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    rows = {i: (sm.LETTERS[i % 24], rng.integers(0, 256, (28, 28), dtype=np.uint8))
            for i in range(24 * 5)}
    archive = png_zip(tmp_path / "sign_mnist_test_png.zip", rows)
    monkeypatch.setattr(sm, "fetch", fake_fetch("test_png", [archive]))
    monkeypatch.setattr(sm, "ROWS", {**sm.ROWS, "test": 24 * 5})
    monkeypatch.setenv("IMGCLS_ALLOW_STANDINS", "0")
    with pytest.raises(DataError, match="IMGCLS_ALLOW_STANDINS=1"):
        sm.load_sign_mnist_splits()
    monkeypatch.setenv("IMGCLS_ALLOW_STANDINS", "1")
    got = sm.load_sign_mnist_splits(valid_fraction=0.25, test_fraction=0.2, seed=0)
    assert got.standin and "stand in for the test split" in got.source
    assert (len(got.train), len(got.valid), len(got.test)) == (72, 24, 24)
    for part in (got.valid, got.test):
        assert sorted(part["label"]) == LABELS
    indices = [set(part.index) for part in (got.train, got.valid, got.test)]
    assert sum(map(len, indices)) == len(set.union(*indices)) == 24 * 5


def _offline_pngs(tmp_path, monkeypatch, n_per_letter: int = 5):
    rng = np.random.default_rng(1)
    rows = {i: (sm.LETTERS[i % 24], rng.integers(0, 256, (28, 28), dtype=np.uint8))
            for i in range(24 * n_per_letter)}
    archive = png_zip(tmp_path / "sign_mnist_test_png.zip", rows)
    monkeypatch.setattr(sm, "fetch", fake_fetch("test_png", [archive]))
    monkeypatch.setattr(sm, "ROWS", {**sm.ROWS, "test": 24 * n_per_letter})
    monkeypatch.setenv("IMGCLS_ALLOW_STANDINS", "1")
    monkeypatch.setenv("IMGCLS_DATA", str(tmp_path))
    return archive


def _same(a: sm.SignMnistSplits, b: sm.SignMnistSplits) -> bool:
    return all(x.equals(y) and (x.index == y.index).all() and (x.dtypes == y.dtypes).all()
               for x, y in ((a.train, b.train), (a.valid, b.valid), (a.test, b.test)))


def test_a_second_load_reads_the_cache_and_gives_the_same_splits(tmp_path, monkeypatch):
    _offline_pngs(tmp_path, monkeypatch)
    first = sm.load_sign_mnist_splits(seed=0)
    assert (tmp_path / sm.CACHE).is_file()

    def refuse(*args, **kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(sm, "_png_frame", refuse)
    monkeypatch.setattr(sm, "near_duplicate_groups", refuse)
    again = sm.load_sign_mnist_splits(seed=0)
    assert _same(first, again) and again.source == first.source
    assert again.test.index.name == "row"


def test_the_cache_does_not_bypass_the_stand_in_switch(tmp_path, monkeypatch):
    _offline_pngs(tmp_path, monkeypatch)
    sm.load_sign_mnist_splits()
    monkeypatch.setenv("IMGCLS_ALLOW_STANDINS", "0")
    with pytest.raises(DataError, match="IMGCLS_ALLOW_STANDINS=1"):
        sm.load_sign_mnist_splits()


def test_a_damaged_or_outdated_cache_is_decoded_again(tmp_path, monkeypatch, capsys):
    archive = _offline_pngs(tmp_path, monkeypatch)
    first = sm.load_sign_mnist_splits()
    cache = tmp_path / sm.CACHE
    cache.write_bytes(cache.read_bytes()[:500])
    assert _same(first, sm.load_sign_mnist_splits())
    assert f"{cache}: unreadable" in capsys.readouterr().err
    _offline_pngs(tmp_path, monkeypatch, n_per_letter=6)  # the source file replaced
    assert archive.is_file() and len(sm.load_sign_mnist_splits().train) > len(first.train)
    assert "made from other files" in capsys.readouterr().err


def test_the_official_csvs_give_the_same_frames_from_the_cache(tmp_path, monkeypatch):
    paths = [tmp_path / "sign_mnist_train.csv", tmp_path / "sign_mnist_test.csv"]
    frame(5, seed=1).to_csv(paths[0], index=False)
    frame(2, seed=2).to_csv(paths[1], index=False)
    monkeypatch.setattr(sm, "fetch", fake_fetch("official", paths))
    monkeypatch.setenv("IMGCLS_DATA", str(tmp_path))
    first = sm.load_sign_mnist_splits()
    monkeypatch.setattr(sm, "_read_csv", lambda path: pytest.fail("read again"))
    again = sm.load_sign_mnist_splits()
    assert _same(first, again) and again.test.equals(frame(2, seed=2))


def test_a_pixel_outside_0_255_is_a_damaged_csv(tmp_path, monkeypatch):
    paths = [tmp_path / "sign_mnist_train.csv", tmp_path / "sign_mnist_test.csv"]
    bad = frame(5, seed=1)
    bad.loc[3, "pixel7"] = 300
    bad.to_csv(paths[0], index=False)
    frame(2, seed=2).to_csv(paths[1], index=False)
    monkeypatch.setattr(sm, "fetch", fake_fetch("official", paths))
    with pytest.raises(DataError, match="outside 0..255") as err:
        sm.load_sign_mnist_splits()
    assert str(paths[0]) in str(err.value) and "fetch it again" in err.value.fix


def test_prepare_builds_the_cache_and_verify_finds_a_changed_array(tmp_path, monkeypatch):
    _offline_pngs(tmp_path, monkeypatch)
    sm.prepare()
    arrays = dict(np.load(tmp_path / sm.CACHE))
    arrays["pixels"] = arrays["pixels"].copy()
    arrays["pixels"][0, 0] ^= 1
    np.savez(tmp_path / sm.CACHE, **arrays)
    assert sm.derived_problems(tmp_path) == [
        f"{tmp_path / sm.CACHE}: array pixels differs from when it was made (sha256)"]


def test_the_official_cache_lies_outside_the_csvs_folder_and_is_verified(tmp_path,
                                                                          monkeypatch):
    """The CSVs' own folder may hold nothing else (verify would call the cache unexpected and
    a fetch would set it aside), so the cache lies in the data folder itself."""
    folder = tmp_path / "sign_mnist"
    folder.mkdir()
    paths = [folder / "sign_mnist_train.csv", folder / "sign_mnist_test.csv"]
    frame(5, seed=1).to_csv(paths[0], index=False)
    frame(2, seed=2).to_csv(paths[1], index=False)
    monkeypatch.setattr(sm, "fetch", fake_fetch("official", paths))
    monkeypatch.setenv("IMGCLS_DATA", str(tmp_path))
    sm.prepare()
    official = get("sign_mnist").variants[0]
    assert (tmp_path / sm.CACHE).is_file() and unexpected_entries(official, tmp_path) == []
    assert sm.derived_problems(tmp_path) == []
    (tmp_path / sm.CACHE).write_bytes(b"")
    problems = sm.derived_problems(tmp_path)
    assert len(problems) == 1 and problems[0].startswith(f"{tmp_path / sm.CACHE}: unreadable")
