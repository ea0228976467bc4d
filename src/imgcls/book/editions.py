"""The student edition: the same book without its solutions, as a site and as Colab notebooks.

An instructor hands students the exercises and keeps the solutions. ``make student`` runs
``python -m imgcls.book.editions``, which builds the site into ``_build/student/html`` from the
execution cache the full build filled (same sources, so the same cache keys: nothing is
executed again) with ``imgcls_edition: student``, which makes the book's Sphinx extension drop
every solution from the pages (``imgcls.book.extension.drop_solutions``), and writes the
notebooks without solutions into ``_build/student/notebooks``.

Without the solutions, a student's notebook must still run from top to bottom:
:func:`solution_dependencies` finds a later cell that uses a name only a solution defines (a
static check of every chapter: each cell's global names, read with :mod:`symtable`).

    python -m imgcls.book.editions             # build the student edition
    python -m imgcls.book.editions --check     # only the static check of the chapters
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import symtable
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jupytext
import yaml

from imgcls.book.notebooks import (
    HIDDEN_TAG,
    NOTEBOOK_DIR,
    chapter_sources,
    gated_segments,
    write_all,
)
from imgcls.config import REPO_ROOT

STUDENT_DIR = "_build/student"
DEFAULT_CACHE = "_build/.jupyter_cache"


@dataclass(frozen=True)
class Cell:
    """A chapter's cell, with the exercise whose solution holds it (``None`` outside one)."""

    index: int
    kind: str
    source: str
    tags: tuple[str, ...]
    solution: str | None


def cells(source: Path) -> Iterator[Cell]:
    """The cells of a chapter in order, each marked with the solution it belongs to."""
    nb = jupytext.read(source, fmt="md:myst")
    label: str | None = None
    for index, cell in enumerate(nb.cells):
        tags = tuple(cell.metadata.get("tags", []))
        if cell.cell_type == "code":
            yield Cell(index, "code", cell.source, tags, label)
            continue
        for kind, value in gated_segments(cell.source):
            if kind == "start":
                label = value
            elif kind == "end":
                label = None
            else:
                yield Cell(index, "markdown", value, tags, label)


def _python(source: str) -> str:
    """A cell's code as plain Python (IPython's magics and shell escapes translated)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def global_names(source: str) -> tuple[set[str], set[str]]:
    """The global names a cell binds and those it reads (in functions and classes too)."""
    table = symtable.symtable(_python(source), "<cell>", "exec")
    bound = {s.get_name() for s in table.get_symbols()
             if s.is_assigned() or s.is_imported() or s.is_namespace()}
    read: set[str] = set()

    def visit(scope: symtable.SymbolTable) -> None:
        for symbol in scope.get_symbols():
            top_level = scope is table
            if symbol.is_referenced() and (top_level or symbol.is_global()):
                read.add(symbol.get_name())
            if symbol.is_declared_global() and symbol.is_assigned():
                bound.add(symbol.get_name())
        for child in scope.get_children():
            visit(child)

    visit(table)
    return bound, read


def solution_dependencies(source: Path) -> list[str]:
    """Cells outside the solutions that read a name only a solution bound before them: each
    would fail in the student edition, where the solutions are gone."""
    defined: set[str] = set()  # bound by cells a student runs
    only_in: dict[str, str] = {}  # name -> the exercise whose solution alone bound it
    found = []
    for cell in cells(source):
        if cell.kind != "code":
            continue
        bound, read = global_names(cell.source)
        if cell.solution is not None:
            for name in bound - defined:
                only_in.setdefault(name, cell.solution)
            continue
        for name in sorted((read - bound) & only_in.keys()):
            first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            found.append(f"{source.name}: cell {cell.index} ({first_line[:40]!r}) reads "
                         f"`{name}`, which only the solution to {only_in[name]} defines")
        defined |= bound
        for name in bound:
            only_in.pop(name, None)
    return found


def check_chapters(root: Path = REPO_ROOT) -> list[str]:
    """:func:`solution_dependencies` of every chapter of the toc."""
    return [line for source in chapter_sources(root) if source.is_file()
            for line in solution_dependencies(source)]


def solution_code(source: Path) -> list[str]:
    """The code lines a solution shows (its hidden asserts aside) and no other cell of the
    chapter has: what must not appear anywhere in the student edition."""
    shown, elsewhere = set(), set()
    for cell in cells(source):
        lines = {line.strip() for line in cell.source.splitlines() if line.strip()}
        if cell.solution is not None and cell.kind == "code" and HIDDEN_TAG not in cell.tags:
            shown |= lines
        elif cell.solution is None:
            elsewhere |= lines
    # short lines (``return x``, ``)``) say nothing about a solution and may occur anywhere
    return sorted(line for line in shown - elsewhere if len(line) >= 16)


def solution_lines(source: Path) -> Counter[str]:
    """Every line a solution's code shows (hidden asserts aside), stripped, with how often: the
    full page shows each that many times more than the student's page may."""
    return Counter(line.strip() for cell in cells(source)
                   if cell.solution is not None and cell.kind == "code"
                   and HIDDEN_TAG not in cell.tags
                   for line in cell.source.splitlines() if len(line.strip()) >= 8)


_EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}\s*(?P<title>.*)$")
_PLAIN_WORDS = re.compile(r"[A-Za-z][A-Za-z ,;'-]{30,}[A-Za-z]")


def exercises(source: Path) -> list[tuple[str, str]]:
    """Each exercise of a chapter as (label, title), in order; the title may be empty."""
    found, lines = [], source.read_text().splitlines()
    for i, line in enumerate(lines):
        m = _EXERCISE.match(line)
        if m:
            label = next((rest.split(":", 2)[2].strip() for rest in lines[i + 1:i + 6]
                          if rest.startswith(":label:")), "")
            found.append((label, m["title"].strip()))
    return found


def solution_text(source: Path) -> list[str]:
    """Runs of plain words (no markup, at least 32 characters) from the solutions' prose: text
    the student edition must not show, found on a rendered page as it is written."""
    phrases = []
    for cell in cells(source):
        if cell.solution is not None and cell.kind == "markdown":
            prose = " ".join(cell.source.split())
            phrases += [m.group(0).strip() for m in _PLAIN_WORDS.finditer(prose)]
    return phrases


def build_config(root: Path, out: Path, **sphinx_config: Any) -> Path:
    """A ``_config.yml`` for a build into ``out``: the book's, with ``sphinx_config`` added and
    the full build's execution cache (an absolute path, since the build writes elsewhere), so
    that an unchanged chapter is read from the cache, not executed again."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    execute = config.setdefault("execute", {})
    execute["cache"] = str((root / (execute.get("cache") or DEFAULT_CACHE)).resolve())
    config.setdefault("sphinx", {}).setdefault("config", {}).update(sphinx_config)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "_config.yml"
    path.write_text("# written by imgcls.book for a build into this folder\n"
                    + yaml.safe_dump(config, sort_keys=False))
    return path


def jupyter_book(root: Path, out: Path, config: Path, *args: str) -> Path:
    """Run ``jupyter-book build`` on ``root`` into ``out`` (its ``_build`` folder, returned)."""
    program = Path(sys.executable).with_name("jupyter-book")
    command = [str(program if program.is_file() else "jupyter-book"), "build", *args,
               "--path-output", str(out), "--config", str(config), str(root)]
    subprocess.run(command, check=True, env=os.environ.copy())
    return out / "_build"


def build_student(root: Path = REPO_ROOT, out: Path | None = None,
                  flags: list[str] | None = None) -> Path:
    """Build the student site into ``OUT/html`` and its notebooks into ``OUT/notebooks``."""
    root = root.resolve()
    out = (out or root / STUDENT_DIR).resolve()
    for line in check_chapters(root):
        print(f"warning: {line}", file=sys.stderr)
    notebooks = out / "notebooks"
    shutil.rmtree(notebooks, ignore_errors=True)
    write_all(root, notebooks, "student")
    # html_copy_source: the page sources hold the solutions
    config = build_config(root, out, imgcls_edition="student", html_copy_source=False)
    built = jupyter_book(root, out, config, *(flags or []))
    html = out / "html"
    shutil.rmtree(html, ignore_errors=True)
    (built / "html").rename(html)
    shutil.copytree(notebooks, html / NOTEBOOK_DIR)  # the pages' notebook buttons link these
    return html


def main(argv: list[str] | None = None) -> int:
    """Command line: build the student edition, or with ``--check`` only check the chapters."""
    parser = argparse.ArgumentParser(prog="python -m imgcls.book.editions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="the book's folder")
    parser.add_argument("--out", type=Path, help=f"default: ROOT/{STUDENT_DIR}")
    parser.add_argument("--check", action="store_true",
                        help="only check that no cell depends on a solution")
    args, flags = parser.parse_known_args(argv)
    if args.check:
        problems = check_chapters(args.root)
        print("\n".join(problems) or "no cell outside a solution depends on one")
        return 1 if problems else 0
    html = build_student(args.root, args.out, flags)
    print(f"The student edition is built: open file://{html}/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
