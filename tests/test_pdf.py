"""The printable book of ``make pdf``: every chapter, every exercise, a plausible length.

Needs ``_build/pdf/book.pdf`` (``make editions-test`` prints it from the execution cache of
``make book``) and poppler-utils' ``pdftotext`` and ``pdfinfo``; skipped with the reason without
either. Page images for a look: ``pdftoppm -png -r 60 -f 1 -l 6 _build/pdf/book.pdf page``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

from imgcls.book import editions
from imgcls.book.notebooks import chapter_sources
from imgcls.book.pdf import PDF_DIR
from imgcls.config import REPO_ROOT

BOOK = Path(os.environ.get("IMGCLS_BOOK_ROOT") or REPO_ROOT).resolve()
PDF = BOOK / PDF_DIR / "book.pdf"
CHAPTERS = [s for s in chapter_sources(BOOK) if s.is_file()]

if not shutil.which("pdftotext"):
    SKIP = "pdftotext not found: `apt-get install poppler-utils` (make system-packages)"
elif not PDF.is_file():
    SKIP = f"no {PDF}: `make editions-test` prints it and runs this file"
else:
    SKIP = ""
pytestmark = pytest.mark.skipif(bool(SKIP), reason=SKIP)


def title(source: Path) -> str:
    """A page's title, its first level-1 heading outside code cells, as plain text."""
    fence = None
    for line in source.read_text().splitlines():
        opening = re.match(r"^(`{3,}|~{3,})", line)
        if fence is None and opening:
            fence = opening[1]
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is None and line.startswith("# "):
            return re.sub(r"[`*]|\{[a-z]+\}", "", line[2:]).strip()
    raise ValueError(f"{source} has no title")


@cache
def text() -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(PDF), "-"], check=True,
                         capture_output=True, text=True).stdout
    return " ".join(out.replace("\u00ad", "").split())


@cache
def body() -> str:
    """The text after the table of contents that opens the book (which lists every title):
    from the first chapter's title the second time it appears."""
    first = " ".join(title(CHAPTERS[0]).split())
    start = text().find(first, text().find(first) + 1)
    assert start > 0, f"{first!r} is not in the PDF after its table of contents"
    return text()[start:]


def pages() -> int:
    info = subprocess.run(["pdfinfo", str(PDF)], check=True, capture_output=True,
                          text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])


def test_every_page_of_the_book_is_in_it_in_order() -> None:
    """Every chapter's title, then the results page and the bibliography, in the toc's order."""
    titles = [title(s) for s in CHAPTERS]
    titles += [title(BOOK / "results.md"), title(BOOK / "bibliography.md")]
    where = 0
    for name in titles:
        found = body().find(" ".join(name.split()), where)
        assert found >= 0, f"{name!r} is not in the PDF (after position {where})"
        where = found


@pytest.mark.parametrize("source", CHAPTERS, ids=[s.stem for s in CHAPTERS])
def test_every_exercise_is_in_its_chapter(source: Path) -> None:
    """Each chapter's part of the PDF numbers its exercises 1, 2, ... with their titles."""
    start = body().find(" ".join(title(source).split()))
    assert start >= 0, f"{title(source)!r} is not in the PDF"
    later = [body().find(" ".join(title(s).split()), start + 1)
             for s in CHAPTERS[CHAPTERS.index(source) + 1:]]
    end = min([i for i in later if i > start] or [len(body())])
    part = body()[start:end]
    for number, (label, name) in enumerate(editions.exercises(source), start=1):
        heading = f"Exercise {number}" + (f" ({name.replace('`', '')})" if name else "")
        assert " ".join(heading.split()) in part, f"{label}: {heading!r} not in the chapter"


def test_page_count_is_plausible() -> None:
    """Several pages a chapter, not one (figures lost) nor hundreds (a layout gone wrong)."""
    count = pages()
    assert 4 * len(CHAPTERS) <= count <= 60 * len(CHAPTERS), f"{count} pages"


def test_figures_are_printed() -> None:
    """The PDF holds images: at least one per chapter."""
    if not shutil.which("pdfimages"):
        pytest.skip("pdfimages (poppler-utils) not found")
    listing = subprocess.run(["pdfimages", "-list", str(PDF)], check=True, capture_output=True,
                             text=True).stdout.splitlines()[2:]
    assert len(listing) >= len(CHAPTERS), f"{len(listing)} images"


def test_formulas_are_typeset() -> None:
    """MathJax comes with the site, so formulas are typeset even where the PDF was printed
    offline: no TeX source such as \\( or \\frac is left in the text."""
    raw = re.findall(r"\\\(|\\\)|\\\[|\\frac|\\text\{", text())
    assert not raw, f"{len(raw)} pieces of TeX left untypeset, e.g. {raw[:3]}"
