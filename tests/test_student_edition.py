"""The student edition as built by ``make student``: every exercise, no solution.

Needs ``_build/student`` (``make editions-test`` builds it from the execution cache of
``make book``, then runs this file); skipped with the reason without it. The full site of
``_build/html``, when there, shows that the solution texts looked for are real: each is on the
full site and on no page, file or notebook of the student edition. That a student's notebook
runs from top to bottom without the solutions is checked statically, for every chapter, by
``tests/test_editions.py`` (no cell after a solution reads a name only the solution defines).
"""

from __future__ import annotations

import html
import os
import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

from imgcls.book import editions
from imgcls.book.notebooks import chapter_sources, notebook_name
from imgcls.config import REPO_ROOT

BOOK = Path(os.environ.get("IMGCLS_BOOK_ROOT") or REPO_ROOT).resolve()
STUDENT = BOOK / editions.STUDENT_DIR
FULL_SITE = BOOK / "_build" / "html"
CHAPTERS = [s for s in chapter_sources(BOOK) if s.is_file()]

pytestmark = pytest.mark.skipif(
    not (STUDENT / "html" / "index.html").is_file(),
    reason=f"no student edition in {STUDENT}: `make editions-test` builds it and runs this file")


def page(source: Path, site: Path) -> Path:
    return site / source.relative_to(BOOK).with_suffix(".html")


@cache
def text_of(path: Path) -> str:
    """What a reader (or a search engine) can read in a file: an HTML page without its tags,
    entities decoded, white space collapsed."""
    raw = path.read_text(errors="replace")
    if path.suffix == ".html":
        raw = html.unescape(re.sub(r"<[^>]+>", "", raw))
    return " ".join(raw.split())


def squeeze(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("source", CHAPTERS, ids=[s.stem for s in CHAPTERS])
def test_every_exercise_and_no_solution_on_the_page(source: Path) -> None:
    student = page(source, STUDENT / "html")
    raw = student.read_text()
    for label, _ in editions.exercises(source):
        assert f'id="{label}"' in raw, f"exercise {label} is missing from {student.name}"
    assert "Solution to" not in raw and 'class="solution' not in raw
    text = text_of(student)
    leaked = [line for line in editions.solution_code(source) if squeeze(line) in text]
    leaked += [phrase for phrase in editions.solution_text(source) if phrase in text]
    assert not leaked, f"solution code or text on {student.name}: {leaked[:5]}"
    if page(source, FULL_SITE).is_file():  # the texts looked for are the full site's
        full = text_of(page(source, FULL_SITE))
        shown = [line for line in editions.solution_code(source) if squeeze(line) in full]
        assert shown or not editions.solution_code(source), "the full site has no solution?"


def test_no_file_of_the_student_site_holds_a_solution() -> None:
    """Not the pages, nor the search index, sources or notebooks the site ships."""
    needles = {squeeze(line) for s in CHAPTERS for line in editions.solution_code(s)}
    needles |= {p for s in CHAPTERS for p in editions.solution_text(s)}
    files = [p for p in (STUDENT / "html").rglob("*")
             if p.is_file() and p.suffix in {".html", ".js", ".txt", ".md", ".ipynb", ".json"}
             and "_static" not in p.parts]
    assert len(files) > len(CHAPTERS)
    leaks = [f"{path.relative_to(STUDENT)}: {needle!r}" for path in files
             for needle in needles if needle in text_of(path)]
    assert not leaks, leaks[:10]
    assert not (STUDENT / "html" / "_sources").exists(), "the page sources hold the solutions"


@pytest.mark.parametrize("source", CHAPTERS, ids=[s.stem for s in CHAPTERS])
def test_student_notebook(source: Path) -> None:
    """Every exercise with its starter and check cells; no solution; the page links it."""
    path = STUDENT / "notebooks" / notebook_name(source)
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    text = "\n".join(c.source for c in nb.cells)
    count = len(editions.exercises(source))
    assert len(re.findall(r"> \*\*Exercise \d+", text)) == count
    tags = [tag for c in nb.cells if c.cell_type == "code" for tag in c.metadata.get("tags", [])]
    in_source = [tag for c in editions.cells(source) if c.solution is None for tag in c.tags]
    for kind in ("exercise-starter", "exercise-check"):
        assert tags.count(kind) == in_source.count(kind), kind
    assert "Solution to" not in text and "<details>\n<summary>Solution" not in text
    flat = squeeze(text)
    leaked = [line for line in editions.solution_code(source) if squeeze(line) in flat]
    leaked += [phrase for phrase in editions.solution_text(source) if phrase in flat]
    assert not leaked, leaked[:5]
    assert (STUDENT / "html" / "notebooks" / path.name).read_text() == path.read_text()
    assert f'href="../notebooks/{path.name}"' in page(source, STUDENT / "html").read_text()
