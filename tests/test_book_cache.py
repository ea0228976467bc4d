"""Filling the build's jupyter-cache: executed once, then found by MyST-NB as the build reads it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import MYST_HEADER
from jupyter_cache import get_cache
from myst_nb.core.config import NbParserConfig
from myst_nb.core.read import create_nb_reader
from myst_parser.config.main import MdParserConfig

from imgcls import results
from imgcls.book import cache as book_cache
from imgcls.config import REPO_ROOT

CHAPTER = MYST_HEADER + """\

# 1. Tiny

```{code-cell} ipython3
from imgcls import results

results.record("tiny.answer", 6 * 7)
```
"""


def tiny_book(root: Path, chapters: tuple[str, ...] = ("01-tiny",),
              profiles: str = "default: full\nchapters:\n  01-tiny: quick\n") -> Path:
    """A book folder with the repository's _config.yml, the given chapters and profile map."""
    shutil.copy(REPO_ROOT / "_config.yml", root / "_config.yml")
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n" + "".join(
        f"  - file: chapters/{name}\n" for name in chapters))
    (root / "chapters").mkdir()
    for name in chapters:
        (root / "chapters" / f"{name}.md").write_text(CHAPTER)
    (root / book_cache.PROFILE_MAP).write_text(profiles)
    return root / "chapters" / f"{chapters[0]}.md"


def test_fill_then_reuse(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("IMGCLS_PROFILE", raising=False)
    source = tiny_book(tmp_path)

    assert book_cache.fill(tmp_path, jobs=1) == 0
    assert "01-tiny.md: executed" in capsys.readouterr().out
    # the chapter ran in the profile the map gives it, and its run is kept for the status table
    assert results.load_all()["tiny"]["profile"] == "quick"
    run = results.load_runs()["01-tiny"]
    assert run["profile"] == "quick" and run["seconds"] > 0
    assert run["torch"] == results.run_environment()["torch"]

    # the notebook MyST-NB reads during the build matches the cached one
    text = source.read_text()
    reader = create_nb_reader(str(source), MdParserConfig(), NbParserConfig(), text)
    record = get_cache(str(tmp_path / book_cache.DEFAULT_CACHE)).match_cache_notebook(
        reader.read(text))
    assert record.data["execution_seconds"] > 0

    assert book_cache.fill(tmp_path, jobs=1) == 0
    assert "01-tiny.md: cached" in capsys.readouterr().out

    source.write_text(CHAPTER.replace("6 * 7", "1 / 0"))
    assert book_cache.fill(tmp_path, jobs=1) == 1
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_a_changed_profile_executes_the_chapter_again(tmp_path: Path, capsys,
                                                      monkeypatch) -> None:
    monkeypatch.delenv("IMGCLS_PROFILE", raising=False)
    tiny_book(tmp_path)
    assert book_cache.fill(tmp_path, jobs=1) == 0
    capsys.readouterr()

    (tmp_path / book_cache.PROFILE_MAP).write_text("default: full\n")
    assert book_cache.fill(tmp_path, jobs=1) == 0
    assert "01-tiny.md: to execute (full profile)" in capsys.readouterr().out
    assert results.load_runs()["01-tiny"]["profile"] == "full"

    # an explicit IMGCLS_PROFILE wins over the map for every chapter
    monkeypatch.setenv("IMGCLS_PROFILE", "quick")
    assert book_cache.fill(tmp_path, jobs=1) == 0
    assert "01-tiny.md: to execute (quick profile)" in capsys.readouterr().out
    assert results.load_all()["tiny"]["profile"] == "quick"

    # a changed helper (not a change of the site machinery) executes it again too
    (tmp_path / "src" / "imgcls" / "book").mkdir(parents=True)
    (tmp_path / "src" / "imgcls" / "book" / "extension.py").write_text("# site only\n")
    assert book_cache.fill(tmp_path, jobs=1) == 0
    assert "01-tiny.md: cached" in capsys.readouterr().out
    (tmp_path / "src" / "imgcls" / "__pycache__").mkdir()
    (tmp_path / "src" / "imgcls" / "__pycache__" / "knn.pyc").write_bytes(b"compiled")
    assert book_cache.fill(tmp_path, jobs=1) == 0
    assert "01-tiny.md: cached" in capsys.readouterr().out
    (tmp_path / "src" / "imgcls" / "data" / "manifests").mkdir(parents=True)
    (tmp_path / "src" / "imgcls" / "data" / "manifests" / "photos.sha256").write_text("ab  x\n")
    assert book_cache.fill(tmp_path, jobs=1) == 0
    assert "01-tiny.md: to execute" in capsys.readouterr().out
    assert results.load_runs()["01-tiny"]["helpers"] == book_cache.helpers_digest(tmp_path)


def test_the_books_map_names_its_chapters(monkeypatch) -> None:
    """The repository's profiles.yml: full wherever a CPU runner affords it, chapter 11 quick."""
    monkeypatch.delenv("IMGCLS_PROFILE", raising=False)
    chosen = book_cache.chapter_profiles(REPO_ROOT)
    assert chosen["11-fine-tuning-stl10"] == "quick"
    assert {p for stem, p in chosen.items() if stem != "11-fine-tuning-stl10"} == {"full"}


@pytest.mark.parametrize(("profiles", "message"), [
    ("default: full\nchapters:\n  02-missing: quick\n", "not chapters of _toc.yml"),
    ("default: fast\n", "are not profiles"),
    ("chapters:\n  01-tiny: quick\n", "are not profiles"),  # 02-tiny has no profile
    ("default: [unclosed\n", "cannot be read"),
])
def test_a_bad_map_is_named_with_its_fix(tmp_path: Path, monkeypatch, capsys, profiles: str,
                                         message: str) -> None:
    monkeypatch.delenv("IMGCLS_PROFILE", raising=False)
    tiny_book(tmp_path, ("01-tiny", "02-tiny"), profiles)
    with pytest.raises(ValueError, match=message):
        book_cache.chapter_profiles(tmp_path)
    assert book_cache.main(["--root", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err
