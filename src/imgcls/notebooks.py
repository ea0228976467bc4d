"""Generate the Colab notebooks ``notebooks/NN-slug.ipynb`` from the chapters' MyST sources.

Colab opens only ``.ipynb`` files from GitHub, so every chapter in ``_toc.yml`` gets a generated
notebook, committed without outputs. The chapter's first cell tagged ``colab-setup`` is replaced
by one that, on Colab, installs this package from the repository named in ``_config.yml``
(``repository.url`` and ``repository.branch``: the only place the address is written), uses the
GPU with the full profile, and lets the loaders download the data from the official sources.
MyST dropdowns and admonitions, which Colab shows as raw text, become ``<details>`` blocks and
quotes.

    python -m imgcls.notebooks            # (re)write every notebook
    python -m imgcls.notebooks --check    # exit 1 when a notebook is missing, stale or extra
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

from imgcls.config import REPO_ROOT

NOTEBOOK_DIR = "notebooks"
CHAPTER_DIR = "chapters"
SETUP_TAG = "colab-setup"

SETUP_CELL = '''\
# Colab setup. Generated from {source} by `make notebooks`: edit that file, not this one.
# On Colab: install the book's package from its repository, use the GPU with the full profile,
# and let the chapter's loaders download the data from the official sources (checksums verified).
# Outside Colab this cell does nothing.
import os
import subprocess
import sys

IN_COLAB = "google.colab" in sys.modules
if IN_COLAB:
    REPOSITORY, BRANCH = "{url}", "{branch}"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    f"git+{{REPOSITORY}}@{{BRANCH}}"], check=True)
    import torch

    if not torch.cuda.is_available():
        print("No GPU found: Runtime > Change runtime type > GPU runs the full profile.")
    os.environ["IMGCLS_PROFILE"] = "full" if torch.cuda.is_available() else "quick"
    os.environ["IMGCLS_DATA"] = "/content/imgcls-data"
    os.environ["IMGCLS_RESULTS_DIR"] = "/content/imgcls-results"
    os.environ.pop("IMGCLS_MIRROR", None)  # official sources only, never a mirror
    os.environ.pop("IMGCLS_ALLOW_STANDINS", None)  # real data and weights, no stand-ins'''


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


def _directive(name: str, arg: str, body: list[str]) -> list[str] | None:
    """Plain Markdown for a MyST directive Colab cannot render, or None to keep it."""
    while body and body[0].startswith(":"):  # directive options such as ``:class: tip``
        body = body[1:]
    while body and not body[0].strip():
        body = body[1:]
    while body and not body[-1].strip():
        body = body[:-1]
    if name == "dropdown":
        return ["<details>", f"<summary>{arg or 'Details'}</summary>", "", *body, "",
                "</details>"]
    if name in _ADMONITIONS:
        title = arg or name.capitalize()
        return [f"> **{title}**", ">", *[f"> {line}".rstrip() for line in body]]
    return None


def colab_markdown(text: str) -> str:
    """Rewrite dropdown and admonition directives of a Markdown cell for Colab's renderer."""
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        m = _OPENING.match(lines[i])
        end = None
        if m:
            closing = m["indent"] + m["fence"]
            end = next((j for j in range(i + 1, len(lines)) if lines[j].rstrip() == closing),
                       None)
        if m is None or end is None:
            out.append(lines[i])
            i += 1
            continue
        indent = m["indent"]
        body = [line[len(indent):] if line.startswith(indent) else line.lstrip()
                for line in lines[i + 1:end]]
        body = colab_markdown("\n".join(body)).split("\n")
        plain = _directive(m["name"], m["arg"].strip(), body)
        if plain is None:
            out.extend(lines[i:end + 1])
        else:
            out.extend(f"{indent}{line}".rstrip() for line in plain)
        i = end + 1
    return "\n".join(out)


def render(source: Path, root: Path = REPO_ROOT) -> str:
    """The Colab notebook for ``source`` as text: its setup cell rewritten, no outputs."""
    url, branch = repository(root)
    nb = jupytext.read(source, fmt="md:myst")
    setup = [c for c in nb.cells if SETUP_TAG in c.metadata.get("tags", [])]
    if not setup or setup[0].cell_type != "code":
        raise ValueError(f"{source}: no code cell tagged {SETUP_TAG!r} (see the chapter template)")
    rel = source.relative_to(root).as_posix()
    setup[0].source = SETUP_CELL.format(source=rel, url=url, branch=branch)
    out = nbformat.v4.new_notebook()
    out.metadata = {
        "accelerator": "GPU",
        "colab": {"name": notebook_name(source), "provenance": [], "gpuType": "T4"},
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(cell.source, metadata=dict(cell.metadata))
        else:
            new = nbformat.v4.new_markdown_cell(colab_markdown(cell.source),
                                                metadata=dict(cell.metadata))
        new.id = f"cell-{i:03d}"
        out.cells.append(new)
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


def write_all(root: Path = REPO_ROOT) -> list[Path]:
    """Write the notebook of every chapter file in the toc; remove those of chapters not in it."""
    outdir = root / NOTEBOOK_DIR
    outdir.mkdir(exist_ok=True)
    written = []
    for source in filter(Path.is_file, chapter_sources(root)):
        path = outdir / notebook_name(source)
        text = render(source, root)
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
    parser = argparse.ArgumentParser(prog="python -m imgcls.notebooks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="the book's folder")
    args = parser.parse_args(argv)
    if args.check:
        found = problems(args.root)
        for line in found:
            print(line)
        if found:
            print("run `make notebooks` and commit notebooks/")
        return 1 if found else 0
    for path in write_all(args.root):
        print(f"updated {path.relative_to(args.root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
