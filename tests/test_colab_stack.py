"""Colab's current runtime: Python 3.13 with Colab's own torch, torchvision, numpy, scikit-learn,
pandas, matplotlib and the rest preinstalled at Colab's versions (``colab_runtime.txt``).

The package is installed from its wheel by the generated setup cell, as a reader's notebook
does (a stub ``google.colab``; the missing pure-Python libraries come from a local wheelhouse,
so pip needs no index); the test fails if pip replaces any package of the runtime. Then every
chapter runs top to bottom through nbval in that environment, in the quick profile on this
build's data folder, and so do the unit tests of the runtime layer (those that import nothing
from the ``book`` or ``dev`` extras).

The runtime itself (about 5 GB, mostly CUDA libraries that torch's wheels on PyPI import) is
built once from PyPI into a cache folder keyed by ``colab_runtime.txt`` and copied by hard links
into a throw-away environment for each run. It needs a Python 3.13 interpreter: ``python3.13``
on the PATH, pyenv's, or the one ``IMGCLS_PYTHON313`` names. ``make colab-stack-test`` runs it.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jupytext
import pytest
from venvs import build_wheel, clean_env, copy_checkout, repack

from imgcls import config
from imgcls.book import notebooks
from imgcls.config import REPO_ROOT

HERE = Path(__file__).resolve().parent
RUNTIME = HERE / "colab_runtime.txt"
COLAB_LACKS = ("mglearn", "torchinfo")
TEST_TOOLS = ("pytest", "pytest-xdist", "nbval")
# what a runtime-layer unit test must not import: the site's tools and the install tests' helpers
BOOK_LAYER = re.compile(r"^\s*(from|import) (imgcls\.book|jupytext|nbformat|nbclient|venvs|"
                        r"yaml|websocket|tomllib)\b", re.MULTILINE)
STUB = '"""Stand-in for Colab\'s own module: being imported is all the setup cell looks for."""\n'


def pinned() -> dict[str, str]:
    """Colab's packages and versions, from ``colab_runtime.txt``."""
    lines = [ln.split("#")[0].strip() for ln in RUNTIME.read_text().splitlines()]
    return dict(ln.split("==") for ln in lines if ln)


def python313() -> str:
    """A Python 3.13 interpreter that runs (a pyenv shim may not), or a failure that says where
    the test looks for one."""
    found = [os.environ.get("IMGCLS_PYTHON313", ""),
             *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13"))),
             shutil.which("python3.13") or ""]
    for python in filter(None, found):
        probe = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"],
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == "(3, 13)":
            return python
    pytest.fail("no Python 3.13 interpreter: install one (pyenv install 3.13) or set "
                "IMGCLS_PYTHON313 to its path; Colab's runtime uses Python 3.13")


def run(cmd: list, **kw) -> subprocess.CompletedProcess:
    """Run ``cmd`` and fail with its output when it fails."""
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if done.returncode:
        pytest.fail(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n"
                    f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def base_runtime() -> Path:
    """The cached Colab-like environment, built from PyPI on first use (wheels only)."""
    python = python313()
    key = hashlib.sha256(RUNTIME.read_bytes() + python.encode()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser()
    base = cache / "imgcls-tests" / f"colab-runtime-{key}"
    if (base / "complete").is_file():
        return base
    shutil.rmtree(base, ignore_errors=True)
    run([python, "-m", "venv", base])
    pip = [base / "bin" / "python", "-m", "pip", "install", "--quiet", "--only-binary", ":all:"]
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    run([*pip, "-r", RUNTIME], env=env)
    # the test's own tools, never at the cost of a runtime package (constrained to its versions)
    run([*pip, "-c", RUNTIME, *TEST_TOOLS], env=env)
    (base / "complete").write_text(run([base / "bin" / "python", "-m", "pip", "freeze"],
                                       env=env).stdout)
    return base


def throwaway(base: Path, dest: Path) -> Path:
    """A copy of ``base`` made of hard links (seconds, no space): pip's changes stay in it."""
    run(["cp", "-al", base, dest])
    return dest / "bin" / "python"


def stack_versions(python: Path) -> dict[str, str]:
    code = ("import importlib.metadata as md, json, sys; "
            "print(json.dumps({n: md.version(n) for n in sys.argv[1:]}))")
    return json.loads(run([python, "-c", code, *pinned()], env=clean_env()).stdout)


def runtime_tests() -> list[Path]:
    """The unit tests of the runtime layer: test modules that import nothing of the book's
    tools or of the install tests, and are not install or site tests themselves."""
    skip = {"test_colab_stack.py", "test_colab.py", "test_packaging.py", "test_fork.py",
            "test_site.py", "test_workflow.py"}
    return [p for p in sorted(HERE.glob("test_*.py"))
            if p.name not in skip and not BOOK_LAYER.search(p.read_text())]


@pytest.fixture(scope="module")
def colab(tmp_path_factory) -> dict:
    """Colab's runtime with the package installed by the generated setup cell."""
    tmp = tmp_path_factory.mktemp("colab313")
    python = throwaway(base_runtime(), tmp / "venv")
    before = stack_versions(python)
    wheels = tmp / "wheels"
    for name in COLAB_LACKS:
        repack(name, wheels)
    wheel = build_wheel(copy_checkout(tmp / "checkout"), wheels)
    (tmp / "stub" / "google" / "colab").mkdir(parents=True)
    (tmp / "stub" / "google" / "colab" / "__init__.py").write_text(STUB)
    cell = tmp / "setup_cell.py"
    chapter = notebooks.chapter_sources()[0]
    cell.write_text(jupytext.reads(notebooks.render(chapter), fmt="ipynb").cells[0].source)
    env = clean_env(PIP_FIND_LINKS=str(wheels), IMGCLS_REPOSITORY=str(wheel),
                    PYTHONPATH=str(tmp / "stub"))
    out = run([python, "-c", f"import google.colab; exec(open({str(cell)!r}).read())"],
              env=env, cwd=tmp).stdout
    return {"python": python, "before": before, "setup_output": out, "tmp": tmp}


def test_setup_cell_installs_from_the_wheel_and_keeps_colabs_runtime(colab) -> None:
    installed = re.match(r"Installed (.+) in \d+ s\.\n", colab["setup_output"])
    assert installed, colab["setup_output"]
    names = {p.split()[0] for p in installed[1].split(", ")}
    assert names == {"imgcls", *COLAB_LACKS}, f"pip changed more than it should: {installed[1]}"
    assert stack_versions(colab["python"]) == colab["before"] == pinned(), (
        "the setup cell replaced a package of Colab's runtime")
    where = run([colab["python"], "-c", "import imgcls; print(imgcls.__file__)"],
                env=clean_env(), cwd=colab["tmp"]).stdout
    assert "site-packages" in where and str(REPO_ROOT) not in where


def chapter_env(tmp: Path) -> dict[str, str]:
    """The quick profile on this build's data folder (``make data`` fills it), offline."""
    return clean_env(IMGCLS_PROFILE="quick", IMGCLS_DATA=str(config.data_dir()),
                     IMGCLS_RESULTS_DIR=str(tmp / "results"), MPLBACKEND="agg",
                     OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")


def test_every_chapter_runs_on_colabs_runtime(colab, tmp_path) -> None:
    for source in notebooks.chapter_sources():
        jupytext.write(jupytext.read(source), tmp_path / f"{source.stem}.ipynb")
    done = subprocess.run(
        [colab["python"], "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
         "-n", "2", "--dist", "loadscope", *sorted(tmp_path.glob("*.ipynb"))],
        capture_output=True, text=True, env=chapter_env(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-6000:]


def test_runtime_unit_tests_pass_on_colabs_runtime(colab, tmp_path) -> None:
    tests = runtime_tests()
    assert len(tests) > 20, [t.name for t in tests]
    done = subprocess.run(
        [colab["python"], "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
         "--rootdir", HERE, *tests],
        capture_output=True, text=True, env=chapter_env(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-6000:]
