"""An instructor's fork: after changing ``repository.url`` and ``branch`` in ``_config.yml`` (as
the README says), ``make notebooks`` and a build point every Colab link and setup cell at the
fork's branch, and no generated file still names the original repository.

The build is the real ``jupyter-book build`` of the whole table of contents, with execution off
(the links do not depend on outputs; executing every chapter is ``make book``'s job): about half
a minute. It runs on a copy of the checkout, with the copy's own package.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from venvs import clean_env, copy_checkout

from imgcls.book import notebooks

FORK, BRANCH = "https://github.com/someone/fork-of-the-book", "spring-2027"
COLAB_LINK = re.compile(r"https://colab\.research\.google\.com/[^\"'\s<>]*")


@pytest.fixture(scope="module")
def fork(tmp_path_factory) -> Path:
    """A copy of the checkout made into a fork: the two lines changed, notebooks, site built."""
    root = copy_checkout(tmp_path_factory.mktemp("fork") / "book")
    original = notebooks.repository(root)[0]
    config = root / "_config.yml"
    text = config.read_text()
    text, urls = re.subn(r"(?m)^(  url: ).*$", rf"\g<1>{FORK}", text)
    text, branches = re.subn(r"(?m)^(  branch: ).*$", rf"\g<1>{BRANCH}", text)
    assert urls == branches == 1 and original not in text
    config.write_text(text.replace("execute_notebooks: cache", "execute_notebooks: \"off\""))
    env = clean_env(PYTHONPATH=str(root / "src"))
    subprocess.run([sys.executable, "-m", "imgcls.book.notebooks", "--root", root], check=True,
                   env=env, capture_output=True)
    subprocess.run([Path(sys.executable).with_name("jupyter-book"), "build", "--quiet",
                    "--path-output", root, root], check=True, env=env, capture_output=True)
    return root


def test_notebooks_install_from_the_fork(fork: Path) -> None:
    sources = notebooks.chapter_sources(fork)
    assert sources
    for source in sources:
        nb = nbformat.read(fork / "notebooks" / notebooks.notebook_name(source), as_version=4)
        assert f'REPOSITORY = "{FORK}"\n    BRANCH = "{BRANCH}"' in nb.cells[0].source


def test_every_colab_link_opens_the_forks_notebook(fork: Path) -> None:
    html = fork / "_build" / "html"
    for source in notebooks.chapter_sources(fork):
        page = html / source.relative_to(fork).with_suffix(".html")
        expected = (f"https://colab.research.google.com/github/someone/fork-of-the-book/blob/"
                    f"{BRANCH}/notebooks/{notebooks.notebook_name(source)}")
        assert set(COLAB_LINK.findall(page.read_text())) == {expected}, page.name
    pages = list(html.rglob("*.html"))
    others = {link for p in pages for link in COLAB_LINK.findall(p.read_text())}
    assert all("/someone/fork-of-the-book/blob/spring-2027/notebooks/" in link
               for link in others)


def test_no_generated_file_names_the_original_repository(fork: Path) -> None:
    original = notebooks.repository(Path(notebooks.REPO_ROOT))[0].removeprefix("https://")
    generated = [*(fork / "notebooks").glob("*.ipynb"),
                 *(p for p in (fork / "_build" / "html").rglob("*") if p.is_file())]
    assert len(generated) > 20
    naming = [str(p.relative_to(fork)) for p in generated if original.encode() in p.read_bytes()]
    assert naming == []
