"""The Colab notebooks: committed in sync with the chapters, and generated as Colab needs them."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import jupytext
import nbformat
import pytest
from conftest import MYST_HEADER

from imgcls.book import colab_setup, notebooks
from imgcls.config import REPO_ROOT

CHAPTER = MYST_HEADER + """\

```{code-cell} ipython3
:tags: [remove-cell, colab-setup]

import sys

IN_COLAB = "google.colab" in sys.modules
```

# 1. A chapter

Some prose.

```{code-cell} ipython3
x = 2
```
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A one-chapter book with the real ``_config.yml`` and ``pyproject.toml``."""
    shutil.copy(REPO_ROOT / "_config.yml", tmp_path / "_config.yml")
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n  - caption: One\n    chapters:\n"
        "      - file: chapters/01-a\n      - file: results\n")
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "01-a.md").write_text(CHAPTER)
    return tmp_path


def test_committed_notebooks_are_in_sync() -> None:
    """Every chapter of the toc has its notebook, identical to what `make notebooks` writes."""
    assert notebooks.problems() == []


def test_chapter_code_cells_fit_the_page() -> None:
    """Every line of a chapter's code cells, their metadata (alt texts) included, fits the
    80 columns of the page; ruff checks the code through the notebooks, not the metadata."""
    wide = []
    for source in notebooks.chapter_sources():
        in_cell = False
        for number, line in enumerate(source.read_text().splitlines(), 1):
            if line.startswith("```{code-cell}"):
                in_cell = True
            elif line.startswith("```"):
                in_cell = False
            elif in_cell and len(line) > 80:
                wide.append(f"{source.name}:{number} ({len(line)} columns)")
    assert not wide, f"code-cell lines over 80 columns: {wide}"


def test_every_chapter_sets_the_thread_wait_policy_before_torch_loads(book: Path) -> None:
    """Spinning OpenMP threads slowed a chapter 2.3 times on two busy cores (73 s against 32 s,
    benchmarks/chapters.py --busy 2) at no gain on quiet ones: the first cell of every chapter,
    and of every Colab notebook, asks for sleeping threads before anything imports torch."""
    policy = 'os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")'
    for source in notebooks.chapter_sources():
        first = jupytext.read(source).cells[0]
        assert "colab-setup" in first.metadata.get("tags", []), source.name
        assert policy in first.source and "import torch" not in first.source, source.name
    notebooks.write_all(book)
    setup = nbformat.read(book / "notebooks" / "01-a.ipynb", as_version=4).cells[0].source
    assert setup.index(policy) < setup.index("import torch")


def test_every_chapter_file_is_in_the_toc() -> None:
    """A chapter file missing from _toc.yml would get neither a page nor a notebook."""
    listed = set(notebooks.chapter_sources())
    assert set((REPO_ROOT / "chapters").glob("*.md")) <= listed
    assert all(p.is_file() for p in listed)


def test_generated_notebook(book: Path) -> None:
    """Setup cell rewritten with the configured repository, GPU metadata, no outputs."""
    assert [p.name for p in notebooks.chapter_sources(book)] == ["01-a.md"]
    notebooks.write_all(book)
    nb = nbformat.read(book / "notebooks" / "01-a.ipynb", as_version=4)
    nbformat.validate(nb)
    url, branch = notebooks.repository(book)
    setup = nb.cells[0].source
    assert f'REPOSITORY = "{url}"\n    BRANCH = "{branch}"' in setup
    assert 'default = f"git+{REPOSITORY}@{BRANCH}"' in setup
    assert "IMGCLS_PROFILE" in setup and "IMGCLS_MIRROR" in setup
    assert nb.metadata["accelerator"] == "GPU"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert [c.source for c in nb.cells[1:]] == ["# 1. A chapter\n\nSome prose.", "x = 2"]
    assert all(c.get("outputs", []) == [] for c in nb.cells)
    compile(setup, "setup", "exec")


def run_setup_cell(book: Path, monkeypatch, capsys, *, installed: bool,
                   report: dict | None = None) -> tuple[list, str]:
    """Execute the generated setup cell as on Colab, with pip replaced by a recorder."""
    notebooks.write_all(book)
    setup = nbformat.read(book / "notebooks" / "01-a.ipynb", as_version=4).cells[0].source
    calls = []
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    def pip(cmd, **kw):  # records the call; a dry run answers with ``report``
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, stdout=json.dumps(report or {"install": []}))

    monkeypatch.setattr(subprocess, "run", pip)
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "imgcls" and not installed
                        else find_spec(name, *a))
    for name in ("IMGCLS_PROFILE", "IMGCLS_DATA", "IMGCLS_MIRROR", "IMGCLS_ALLOW_STANDINS"):
        monkeypatch.setenv(name, "set by the test")  # restored afterwards
    exec(compile(setup, "setup", "exec"), {})
    return calls, capsys.readouterr().out


def test_setup_cell_installs_the_package_from_the_configured_repository(book, monkeypatch,
                                                                        capsys) -> None:
    monkeypatch.delenv(colab_setup.SOURCE_OVERRIDE, raising=False)
    calls, out = run_setup_cell(book, monkeypatch, capsys, installed=False)
    url, branch = notebooks.repository(book)
    assert len(calls) == 1 and calls[0][:4] == [sys.executable, "-m", "pip", "install"]
    assert calls[0][-1] == f"git+{url}@{branch}"
    assert not any(arg.startswith(("torch", "numpy", "ipywidgets", "--upgrade", "--force"))
                   for arg in calls[0])
    lines = out.splitlines()
    assert lines[0].startswith("Installed ") and lines[0].endswith(" s.")
    assert "IMGCLS_MIRROR" not in os.environ and "IMGCLS_ALLOW_STANDINS" not in os.environ
    assert os.environ["IMGCLS_DATA"] == "set by the test"  # a reader's own folder is kept


def test_setup_cell_takes_the_documented_override(book, monkeypatch, capsys) -> None:
    monkeypatch.setenv(colab_setup.SOURCE_OVERRIDE, "/some/checkout")
    calls, _ = run_setup_cell(book, monkeypatch, capsys, installed=False)
    assert calls[0][-1] == "/some/checkout"


def test_setup_cell_run_twice_installs_nothing_and_names_the_missing_gpu(book, monkeypatch,
                                                                         capsys) -> None:
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    calls, out = run_setup_cell(book, monkeypatch, capsys, installed=True)
    assert calls == []
    assert out.startswith("Installed nothing (imgcls is present) in 0 s.\n")
    assert "No GPU is attached" in out and "Runtime > Change runtime type" in out
    assert os.environ["IMGCLS_PROFILE"] == "quick"


class FakeDist:
    """What the setup cell reads of an installed distribution: its name and version."""

    def __init__(self, name: str, version: str) -> None:
        self.metadata, self.version = {"Name": name}, version


def test_setup_cell_says_what_it_downloads_before_replacing_an_old_torch(book, monkeypatch,
                                                                        capsys) -> None:
    """An older Colab runtime (torch 2.8.0 / torchvision 0.23.0) is below the package's floors:
    the cell asks pip for its plan first and names the downloads before installing."""
    old = [FakeDist("torch", "2.8.0+cu126"), FakeDist("torchvision", "0.23.0+cu126")]
    monkeypatch.setattr(importlib.metadata, "distributions", lambda: old)
    plan = {"install": [{"metadata": {"name": n, "version": v}}
                        for n, v in [("torch", "2.14.1"), ("torchvision", "0.29.1"),
                                     ("imgcls", "0.1.0")]]}
    calls, out = run_setup_cell(book, monkeypatch, capsys, installed=False, report=plan)
    assert len(calls) == 2 and "--dry-run" in calls[0] and "--dry-run" not in calls[1]
    first = out.splitlines()[0]
    assert "torch 2.8.0+cu126, torchvision 0.23.0+cu126" in first
    assert "download torch 2.14.1, torchvision 0.29.1" in first and "several GB" in first


def test_setup_cell_plans_nothing_when_torch_is_in_range(book, monkeypatch, capsys) -> None:
    current = [FakeDist("torch", "2.11.0+cu128"), FakeDist("torchvision", "0.26.0+cu128")]
    monkeypatch.setattr(importlib.metadata, "distributions", lambda: current)
    calls, out = run_setup_cell(book, monkeypatch, capsys, installed=False)
    assert len(calls) == 1 and "--dry-run" not in calls[0] and "download" not in out


def test_repository_url_lives_in_config(book: Path) -> None:
    """A fork changes _config.yml only: the notebooks follow."""
    config = book / "_config.yml"
    config.write_text(config.read_text().replace(notebooks.repository(book)[0],
                                                 "https://github.com/someone/fork"))
    notebooks.write_all(book)
    assert "https://github.com/someone/fork" in (book / "notebooks" / "01-a.ipynb").read_text()


def test_check_finds_stale_missing_and_extra(book: Path, capsys) -> None:
    assert notebooks.main(["--root", str(book), "--check"]) == 1
    assert "01-a.ipynb: missing" in capsys.readouterr().out
    assert notebooks.main(["--root", str(book)]) == 0
    assert notebooks.main(["--root", str(book), "--check"]) == 0
    chapter = book / "chapters" / "01-a.md"
    chapter.write_text(chapter.read_text().replace("x = 2", "x = 3"))
    (book / "notebooks" / "99-gone.ipynb").write_text(json.dumps({}))
    assert notebooks.problems(book) == ["notebooks/01-a.ipynb: out of sync with chapters/01-a.md",
                                        "notebooks/99-gone.ipynb: no chapter in _toc.yml"]
    notebooks.write_all(book)
    assert notebooks.problems(book) == []


def test_chapter_without_setup_cell_is_an_error(book: Path) -> None:
    chapter = book / "chapters" / "01-a.md"
    chapter.write_text(chapter.read_text().replace("remove-cell, colab-setup", "remove-cell"))
    with pytest.raises(ValueError, match="colab-setup"):
        notebooks.render(chapter, book)


def test_myst_directives_become_markdown_colab_renders() -> None:
    text = ("1. Why?\n\n   ```{dropdown} Answer\n   Because.\n   ```\n\n"
            "```{admonition} Sidebar\n:class: tip\n\nBody.\n```\n"
            "```{figure} x.png\nkept\n```")
    assert notebooks.colab_markdown(text).split("\n") == [
        "1. Why?", "", "   <details>", "   <summary>Answer</summary>", "", "   Because.", "",
        "   </details>", "", "> **Sidebar**", ">", "> Body.",
        "```{figure} x.png", "kept", "```"]


EXERCISES = """
## Exercises

```{exercise} Larger x
:label: a-ex-larger

Write `larger(x)`, which returns `x + 1`.
```

```{code-cell} ipython3
:tags: [exercise-starter]

def larger(x):
    ...  # your code here
```

```{code-cell} ipython3
:tags: [exercise-check]

check_larger(larger)
```

```{solution-start} a-ex-larger
:class: dropdown
```

```{code-cell} ipython3
def larger(x):
    return x + 1
```

Now `larger(2)` is 3.

```{code-cell} ipython3
:tags: [remove-cell]

assert check_larger(larger)
```

```{solution-end}
```

```{exercise}
:label: a-ex-why

Why?
```

```{solution} a-ex-why
:class: dropdown

Because.
```
"""

STARTER_AND_CHECK = [("code", "def larger(x):\n    ...  # your code here"),
                     ("code", "check_larger(larger)")]


def test_exercises_and_solutions_become_markdown_colab_renders(book: Path) -> None:
    """Exercises are numbered in order and keep their starter and check cells; a solution, its
    code cells included, is one collapsed <details> block whose code is shown, not run; the
    solution's hidden asserts are dropped."""
    chapter = book / "chapters" / "01-a.md"
    chapter.write_text(chapter.read_text() + EXERCISES)
    nb = nbformat.reads(notebooks.render(chapter, book), as_version=4)
    nbformat.validate(nb)
    cells = [(c.cell_type, c.source) for c in nb.cells[3:]]
    assert cells == [
        ("markdown", "## Exercises\n\n> **Exercise 1 (Larger x)**\n>\n"
                     "> Write `larger(x)`, which returns `x + 1`."),
        *STARTER_AND_CHECK,
        ("markdown", "<details>\n<summary>Solution to Exercise 1</summary>\n\n"
                     "```python\ndef larger(x):\n    return x + 1\n```\n\n"
                     "Now `larger(2)` is 3.\n\n</details>"),
        ("markdown", "> **Exercise 2**\n>\n> Why?\n\n<details>\n"
                     "<summary>Solution to Exercise 2</summary>\n\nBecause.\n\n</details>"),
    ]
    text = notebooks.render(chapter, book)
    assert "{exercise}" not in text and "{solution" not in text and "assert check" not in text
    assert len({c.id for c in nb.cells}) == len(nb.cells)


def test_student_notebook_has_no_solutions(book: Path) -> None:
    """The student edition keeps each exercise with its starter and check cells and leaves out
    every solution: its prose, its code and its hidden asserts."""
    chapter = book / "chapters" / "01-a.md"
    chapter.write_text(chapter.read_text() + EXERCISES)
    notebooks.write_all(book, book / "student", "student")
    nb = nbformat.read(book / "student" / "01-a.ipynb", as_version=4)
    nbformat.validate(nb)
    cells = [(c.cell_type, c.source) for c in nb.cells[3:]]
    assert cells == [
        ("markdown", "## Exercises\n\n> **Exercise 1 (Larger x)**\n>\n"
                     "> Write `larger(x)`, which returns `x + 1`."),
        *STARTER_AND_CHECK,
        ("markdown", "> **Exercise 2**\n>\n> Why?"),
    ]
    text = (book / "student" / "01-a.ipynb").read_text()
    assert "Solution" not in text and "return x + 1" not in text and "Because" not in text
    assert not (book / "notebooks").exists(), "the committed notebooks are left alone"


def test_a_solution_must_end(book: Path) -> None:
    chapter = book / "chapters" / "01-a.md"
    chapter.write_text(chapter.read_text() + EXERCISES.split("```{solution-end}")[0])
    with pytest.raises(ValueError, match="no solution-end"):
        notebooks.render(chapter, book)


def test_fenced_code_outlasts_backticks_inside() -> None:
    assert notebooks._fenced('s = "```"\n') == '````python\ns = "```"\n````'


def test_index_and_cite_roles_become_plain_text() -> None:
    text = ("The {index}`stride` and {index}`max pooling <single: pooling; max>`, "
            "as in {cite}`lecun1998gradient` and {cite:t}`a2020, b2021`.\n"
            "```{note}\nSee {cite:p}`c2022`.\n```")
    assert notebooks.colab_markdown(text).split("\n") == [
        "The stride and max pooling, as in [lecun1998gradient] and [a2020, b2021].",
        "> **Note**", ">", "> See [c2022]."]
