"""Chapter 2's digit picture: a sample by default, a file or an upload only when asked for."""

from __future__ import annotations

import io
import sys
import types

import numpy as np
import pytest
from PIL import Image

from imgcls.handdrawn import choose_picture, sketch_digit


def _png(digit: int = 3) -> bytes:
    buffer = io.BytesIO()
    sketch_digit(digit, seed=1).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def colab(monkeypatch):
    """A stub ``google.colab`` whose upload dialog returns what the test puts in ``answer``."""
    calls = {"answer": {}, "asked": 0}

    def upload():
        calls["asked"] += 1
        return calls["answer"]

    google = types.ModuleType("google")
    google.colab = types.ModuleType("google.colab")
    google.colab.files = types.SimpleNamespace(upload=upload)
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", google.colab)
    return calls


def _same(a: Image.Image, b: Image.Image) -> bool:
    return np.array_equal(np.asarray(a.convert("L")), np.asarray(b.convert("L")))


def test_default_never_asks_even_in_colab(colab) -> None:
    picture, origin = choose_picture()
    assert colab["asked"] == 0
    assert _same(picture, sketch_digit(7, seed=0)) and "drawn by code" in origin


def test_upload_in_colab_uses_the_uploaded_picture(colab) -> None:
    colab["answer"] = {"mine.png": _png(3)}
    picture, origin = choose_picture(upload=True)
    assert colab["asked"] == 1 and origin == "your upload 'mine.png'"
    assert _same(picture, sketch_digit(3, seed=1))


def test_empty_upload_falls_back_to_the_sample(colab, capsys) -> None:
    picture, origin = choose_picture(upload=True)
    assert "Nothing was uploaded" in capsys.readouterr().out
    assert _same(picture, sketch_digit(7, seed=0)) and "drawn by code" in origin


def test_upload_outside_colab_says_what_to_do(monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "google.colab", None)  # import fails
    picture, origin = choose_picture(upload=True)
    assert "set MY_PICTURE" in capsys.readouterr().out
    assert "drawn by code" in origin


def test_a_file_comes_first(tmp_path, colab) -> None:
    path = tmp_path / "seven.png"
    path.write_bytes(_png(3))
    picture, origin = choose_picture(upload=True, path=path)
    assert colab["asked"] == 0 and origin == "your file 'seven.png'"
    assert isinstance(picture, Image.Image) and _same(picture, sketch_digit(3, seed=1))
