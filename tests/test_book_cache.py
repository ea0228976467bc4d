"""Filling the build's jupyter-cache: executed once, then found by MyST-NB as the build reads it."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import MYST_HEADER
from jupyter_cache import get_cache
from myst_nb.core.config import NbParserConfig
from myst_nb.core.read import create_nb_reader
from myst_parser.config.main import MdParserConfig

from imgcls import config
from imgcls.book import cache as book_cache
from imgcls.config import REPO_ROOT

CHAPTER = MYST_HEADER + """\

# 1. Tiny

```{code-cell} ipython3
from imgcls import results

results.record("tiny.answer", 6 * 7)
```
"""


def test_fill_then_reuse(tmp_path: Path, capsys) -> None:
    shutil.copy(REPO_ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n"
                                       "  - file: chapters/01-tiny\n")
    (tmp_path / "chapters").mkdir()
    source = tmp_path / "chapters" / "01-tiny.md"
    source.write_text(CHAPTER)

    assert book_cache.fill(tmp_path, jobs=1) == 0
    assert "01-tiny.md: executed" in capsys.readouterr().out
    assert (config.results_dir() / "tiny.json").is_file()

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
