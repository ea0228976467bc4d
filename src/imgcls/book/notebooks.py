"""Generate the Colab notebooks ``notebooks/NN-slug.ipynb`` from the chapters' MyST sources.

Colab opens only ``.ipynb`` files from GitHub, so every chapter in ``_toc.yml`` gets a generated
notebook, committed without outputs. The chapter's first cell tagged ``colab-setup`` is replaced
by one that, on Colab, installs this package from the repository named in ``_config.yml``
(``repository.url`` and ``repository.branch``: the only place the address is written; a reader
may set ``IMGCLS_REPOSITORY`` instead) with only the libraries Colab lacks, keeping Colab's own
PyTorch, uses the GPU with the full profile, and lets the loaders download the data from the
official sources.
MyST dropdowns and admonitions, which Colab shows as raw text, become ``<details>`` blocks and
quotes; exercises become numbered quotes. A solution becomes one collapsed ``<details>`` block:
its prose, and its code cells as fenced code (``solution-start`` ... ``solution-end``), so the
reader's own code in the exercise's starter cell is what the notebook runs; the solution's
hidden asserts (cells tagged ``remove-cell``) are dropped. The student edition
(``--edition student``, written to ``_build/student/notebooks`` by ``make student``) leaves the
solutions out altogether and keeps the starter and check cells.

    python -m imgcls.book.notebooks            # (re)write every notebook
    python -m imgcls.book.notebooks --check    # exit 1 when a notebook is missing, stale or extra
    python -m imgcls.book.notebooks --edition student --out _build/student/notebooks
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import jupytext
import nbformat
import yaml

from imgcls.book.colab_setup import setup_cell
from imgcls.config import REPO_ROOT

NOTEBOOK_DIR = "notebooks"
CHAPTER_DIR = "chapters"
SETUP_TAG = "colab-setup"
HIDDEN_TAG = "remove-cell"
EDITIONS = ("full", "student")

def repository(root: Path = REPO_ROOT) -> tuple[str, str]:
    """The repository URL and branch from ``_config.yml``."""
    repo = yaml.safe_load((root / "_config.yml").read_text())["repository"]
    return str(repo["url"]).rstrip("/"), str(repo.get("branch") or "main")


def _toc_files(entry: object) -> Iterator[str]:
    if isinstance(entry, dict):
        if "file" in entry:
            yield str(entry["file"])
        for value in entry.values():
            if isinstance(value, (list, dict)):
                yield from _toc_files(value)
    elif isinstance(entry, list):
        for item in entry:
            yield from _toc_files(item)


def chapter_sources(root: Path = REPO_ROOT) -> list[Path]:
    """The chapter sources ``chapters/*.md`` listed in ``_toc.yml``, in the book's order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [f for f in _toc_files(toc) if f.startswith(f"{CHAPTER_DIR}/")]
    return [root / (f if f.endswith(".md") else f"{f}.md") for f in files]


def notebook_name(source: Path) -> str:
    """The generated notebook's file name for a chapter source."""
    return f"{source.stem}.ipynb"


_OPENING = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|:{3,})\{(?P<name>[a-z-]+)\}\s*(?P<arg>.*)$")
_ADMONITIONS = {"admonition", "note", "tip", "hint", "important", "warning", "caution",
                "seealso", "attention", "danger", "error"}


class ExerciseNumbers:
    """Numbers a chapter's exercises in order, as sphinx-exercise numbers them on its page, so
    that a solution (which names its exercise's label) gets the same number in the notebook."""

    def __init__(self, solutions: bool = True) -> None:
        self.labels: dict[str, int] = {}
        self.count = 0
        self.solutions = solutions  # False in the student edition: solutions are left out

    def exercise(self, label: str | None, numbered: bool = True) -> str:
        """The heading of the next exercise, e.g. ``Exercise 2``."""
        if not numbered:
            return "Exercise"
        self.count += 1
        if label:
            self.labels[label] = self.count
        return f"Exercise {self.count}"

    def solution(self, label: str) -> str:
        """The heading of the solution to the exercise labelled ``label``."""
        number = self.labels.get(label)
        return f"Solution to Exercise {number}" if number else "Solution"


def _options(body: list[str]) -> tuple[dict[str, str], list[str]]:
    """A directive's options (``:class: tip`` lines) and the body after them, trimmed."""
    options = {}
    while body and body[0].startswith(":"):
        name, _, value = body[0][1:].partition(":")
        options[name.strip()] = value.strip()
        body = body[1:]
    while body and not body[0].strip():
        body = body[1:]
    while body and not body[-1].strip():
        body = body[:-1]
    return options, body


def _details(summary: str, body: list[str]) -> list[str]:
    return ["<details>", f"<summary>{summary}</summary>", "", *body, "", "</details>"]


def _quote(title: str, body: list[str]) -> list[str]:
    return [f"> **{title}**", *([">", *[f"> {line}".rstrip() for line in body]] if body else [])]


def _directive(name: str, arg: str, body: list[str],
               exercises: ExerciseNumbers) -> list[str] | None:
    """Plain Markdown for a MyST directive Colab cannot render, or None to keep it."""
    options, body = _options(body)
    dropdown = "dropdown" in options.get("class", "").split()
    if name == "dropdown":
        return _details(arg or "Details", body)
    if name in _ADMONITIONS:
        return _quote(arg or name.capitalize(), body)
    if name == "exercise":
        heading = exercises.exercise(options.get("label"), "nonumber" not in options)
        return _quote(f"{heading} ({arg})" if arg else heading, body)
    if name == "solution":
        if not exercises.solutions:
            return []
        heading = exercises.solution(arg)
        return _details(heading, body) if dropdown else _quote(heading, body)
    return None


_ROLE = re.compile(r"\{(?P<role>index|cite(?::[a-z]+)?)\}`(?P<text>[^`]*)`")


def _role(m: re.Match) -> str:
    """An index entry as its text; citation keys in brackets (the site's bibliography page)."""
    text = m["text"]
    if m["role"] == "index":
        return text.split("<", 1)[0].strip() if text.endswith(">") else text
    return "[" + ", ".join(key.strip() for key in text.split(",")) + "]"


def colab_markdown(text: str, exercises: ExerciseNumbers | None = None) -> str:
    """Rewrite the directives of a Markdown cell that Colab shows as raw text: dropdowns and
    admonitions, exercises and their solutions (numbered by ``exercises``, one per chapter);
    and the roles: index entries, citations."""
    exercises = exercises or ExerciseNumbers()
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        m = _OPENING.match(lines[i])
        end = None
        if m:
            closing = m["indent"] + m["fence"]
            end = next((j for j in range(i + 1, len(lines)) if lines[j].rstrip() == closing),
                       None)
        if m is None or end is None:
            out.append(_ROLE.sub(_role, lines[i]))
            i += 1
            continue
        indent = m["indent"]
        body = [line[len(indent):] if line.startswith(indent) else line.lstrip()
                for line in lines[i + 1:end]]
        body = colab_markdown("\n".join(body), exercises).split("\n")
        plain = _directive(m["name"], m["arg"].strip(), body, exercises)
        if plain is None:
            out.extend(lines[i:end + 1])
        else:
            out.extend(f"{indent}{line}".rstrip() for line in plain)
        i = end + 1
    return "\n".join(out)


_GATED = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>solution-start|solution-end)\}\s*"
                    r"(?P<arg>.*)$")


def gated_segments(text: str) -> list[tuple[str, str]]:
    """A Markdown cell cut at its ``solution-start`` and ``solution-end`` directives (at the top
    level of the cell): ``("text", markdown)``, ``("start", label)`` and ``("end", "")`` in
    order."""
    lines, out, text_lines, i = text.split("\n"), [], [], 0
    while i < len(lines):
        m = _GATED.match(lines[i])
        end = None
        if m:
            end = next((j for j in range(i + 1, len(lines)) if lines[j].rstrip() == m["fence"]),
                       None)
        if m is None or end is None:
            text_lines.append(lines[i])
            i += 1
            continue
        if text_lines:
            out.append(("text", "\n".join(text_lines)))
            text_lines = []
        out.append(("start", m["arg"].strip()) if m["name"] == "solution-start" else ("end", ""))
        i = end + 1
    if text_lines:
        out.append(("text", "\n".join(text_lines)))
    return out


def _fenced(code: str) -> str:
    """``code`` as a fenced Python block, its fence longer than any backtick run inside."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}python\n{code.strip()}\n{fence}"


def render(source: Path, root: Path = REPO_ROOT, edition: str = "full") -> str:
    """The Colab notebook for ``source`` as text: its setup cell rewritten, no outputs; each
    solution a ``<details>`` block (``edition="full"``) or left out (``"student"``)."""
    if edition not in EDITIONS:
        raise ValueError(f"edition {edition!r} is not one of {EDITIONS}")
    url, branch = repository(root)
    nb = jupytext.read(source, fmt="md:myst")
    setup = [c for c in nb.cells if SETUP_TAG in c.metadata.get("tags", [])]
    if not setup or setup[0].cell_type != "code":
        raise ValueError(f"{source}: no code cell tagged {SETUP_TAG!r} (see the chapter template)")
    rel = source.relative_to(root).as_posix()
    setup[0].source = setup_cell(rel, url, branch, root)
    out = nbformat.v4.new_notebook()
    out.metadata = {
        "accelerator": "GPU",
        "colab": {"name": notebook_name(source), "provenance": [], "gpuType": "T4"},
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    exercises = ExerciseNumbers(solutions=edition == "full")
    solution: list[str] | None = None  # the parts of the open solution, if one is open
    heading = ""

    def add(cell: nbformat.NotebookNode) -> None:
        cell.id = f"cell-{len(out.cells):03d}"
        out.cells.append(cell)

    for cell in nb.cells:
        if cell.cell_type == "code":
            if solution is None:
                add(nbformat.v4.new_code_cell(cell.source, metadata=dict(cell.metadata)))
            elif HIDDEN_TAG not in cell.metadata.get("tags", []):
                solution.append(_fenced(cell.source))
            continue
        pending: list[str] = []
        for kind, value in gated_segments(cell.source):
            if kind == "text":
                markdown = colab_markdown(value, exercises).strip("\n")
                if markdown.strip():
                    (pending if solution is None else solution).append(markdown)
            elif kind == "start":
                if solution is not None:
                    raise ValueError(f"{source}: solution-start {value} inside another solution")
                solution, heading = [], exercises.solution(value)
                if pending:
                    add(nbformat.v4.new_markdown_cell("\n\n".join(pending),
                                                      metadata=dict(cell.metadata)))
                    pending = []
            else:
                if solution is None:
                    raise ValueError(f"{source}: solution-end without a solution-start")
                if exercises.solutions:
                    body = "\n\n".join(solution).split("\n")
                    add(nbformat.v4.new_markdown_cell("\n".join(_details(heading, body))))
                solution = None
        if pending:
            add(nbformat.v4.new_markdown_cell("\n\n".join(pending),
                                              metadata=dict(cell.metadata)))
    if solution is not None:
        raise ValueError(f"{source}: {heading} has no solution-end")
    nbformat.validate(out)
    return nbformat.writes(out) + "\n"


def problems(root: Path = REPO_ROOT) -> list[str]:
    """Every notebook that is missing, differs from its chapter, or has no chapter."""
    found = []
    expected = set()
    for source in chapter_sources(root):
        path = root / NOTEBOOK_DIR / notebook_name(source)
        expected.add(path.name)
        if not source.is_file():
            found.append(f"{source.relative_to(root)}: listed in _toc.yml but missing")
        elif not path.is_file():
            found.append(f"{path.relative_to(root)}: missing")
        elif path.read_text() != render(source, root):
            found.append(f"{path.relative_to(root)}: out of sync with {source.relative_to(root)}")
    for path in sorted((root / NOTEBOOK_DIR).glob("*.ipynb")):
        if path.name not in expected:
            found.append(f"{path.relative_to(root)}: no chapter in _toc.yml")
    return found


def write_all(root: Path = REPO_ROOT, outdir: Path | None = None,
              edition: str = "full") -> list[Path]:
    """Write the notebook of every chapter file in the toc into ``outdir`` (``notebooks/``);
    remove those of chapters not in it."""
    outdir = outdir or root / NOTEBOOK_DIR
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in filter(Path.is_file, chapter_sources(root)):
        path = outdir / notebook_name(source)
        text = render(source, root, edition)
        if not path.is_file() or path.read_text() != text:
            path.write_text(text)
            written.append(path)
    keep = {notebook_name(s) for s in chapter_sources(root)}
    for path in outdir.glob("*.ipynb"):
        if path.name not in keep:
            path.unlink()
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: write the notebooks, or with ``--check`` report those out of sync."""
    parser = argparse.ArgumentParser(prog="python -m imgcls.book.notebooks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="the book's folder")
    parser.add_argument("--edition", choices=EDITIONS, default="full",
                        help="student: no solutions (default: full, solutions collapsed)")
    parser.add_argument("--out", type=Path, help="where to write (default: ROOT/notebooks)")
    args = parser.parse_args(argv)
    if args.check and (args.edition != "full" or args.out):
        parser.error("--check compares the committed notebooks/ (the full edition) only")
    if args.check:
        found = problems(args.root)
        for line in found:
            print(line)
        if found:
            print("run `make notebooks` and commit notebooks/")
        return 1 if found else 0
    root = args.root.resolve()
    for path in write_all(root, args.out and args.out.resolve(), args.edition):
        print(f"updated {path.relative_to(root) if path.is_relative_to(root) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
