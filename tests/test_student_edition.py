"""The student edition as built by ``make student``: every exercise, no solution.

Needs ``_build/student`` (``make editions-test`` builds it from the execution cache of
``make book``, then runs this file); skipped with the reason without it. The full site of
``_build/html`` (``make book``) is the reference: a solution's line or phrase may appear on a
student's page only as often as the full page shows it outside the solutions (a page may print
the same line in a later cell or a printed source). That a student's notebook
runs from top to bottom without the solutions is checked statically, for every chapter, by
``tests/test_editions.py`` (no cell after a solution reads a name only the solution defines).
"""

from __future__ import annotations

import html
import os
import re
from collections import Counter
from functools import cache
from pathlib import Path

import nbformat
import pytest

from imgcls.book import editions, notebooks
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
    entities decoded, its lines kept (code keeps its lines in ``pre``)."""
    raw = path.read_text(errors="replace")
    if path.suffix == ".html":
        raw = html.unescape(re.sub(r"<[^>]+>", "", raw))
    return raw


def flat(text: str) -> str:
    return " ".join(text.split())


def leaked(student: str, full: str, sources: list[Path]) -> list[str]:
    """Solution lines and phrases the student's text shows more often than the full text shows
    them outside the solutions (the full text shows each solution once): a page may print the
    same line elsewhere, in a printed source or a later cell, and keep it."""
    shown = Counter(line.strip() for line in student.splitlines())
    full_lines = Counter(line.strip() for line in full.splitlines())
    student_flat, full_flat = flat(student), flat(full)
    found = []
    for source in sources:
        lines = editions.solution_lines(source)
        found += [line for line, n in lines.items()
                  if shown[line] > max(0, full_lines[line] - n)]
        phrases = Counter(editions.solution_text(source))
        found += [p for p, n in phrases.items()
                  if student_flat.count(p) > max(0, full_flat.count(p) - n)]
    return found


@pytest.mark.skipif(not (FULL_SITE / "index.html").is_file(),
                    reason=f"no full site in {FULL_SITE} to compare with: `make book`")
@pytest.mark.parametrize("source", CHAPTERS, ids=[s.stem for s in CHAPTERS])
def test_every_exercise_and_no_solution_on_the_page(source: Path) -> None:
    student = page(source, STUDENT / "html")
    raw = student.read_text()
    for label, _ in editions.exercises(source):
        assert f'id="{label}"' in raw, f"exercise {label} is missing from {student.name}"
    assert "Solution to" not in raw and 'class="solution' not in raw
    full = page(source, FULL_SITE)
    assert "Solution to" in full.read_text(), "the full page shows its solutions"
    found = leaked(text_of(student), text_of(full), [source])
    assert not found, f"solution code or text on {student.name}: {found[:5]}"


@pytest.mark.skipif(not (FULL_SITE / "index.html").is_file(),
                    reason=f"no full site in {FULL_SITE} to compare with: `make book`")
def test_no_other_file_of_the_student_site_holds_a_solution() -> None:
    """Not the search index nor any other page: none shows a solution's line or phrase more
    often than the full site's file of the same name."""
    chapters = {page(s, STUDENT / "html") for s in CHAPTERS}
    files = [p for p in (STUDENT / "html").rglob("*")
             if p.is_file() and p.suffix in {".html", ".js", ".txt", ".md", ".json"}
             and "_static" not in p.parts and p not in chapters]
    assert files
    leaks = []
    for path in files:
        twin = FULL_SITE / path.relative_to(STUDENT / "html")
        full = text_of(twin) if twin.is_file() else ""
        leaks += [f"{path.relative_to(STUDENT)}: {item!r}"
                  for item in leaked(text_of(path), full, CHAPTERS)]
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
    full_nb = nbformat.reads(notebooks.render(source, BOOK), as_version=4)
    full = "\n".join(c.source for c in full_nb.cells)
    assert "Solution to" in full or not count
    found = leaked(text, full, [source])
    assert not found, found[:5]
    assert (STUDENT / "html" / "notebooks" / path.name).read_text() == path.read_text()
    assert f'href="../notebooks/{path.name}"' in page(source, STUDENT / "html").read_text()
