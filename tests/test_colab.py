"""A reader on Colab: the generated setup cell keeps the preinstalled PyTorch stack, installs only
what is missing, and the chapter then runs top to bottom.

The Colab-like environment is a fresh virtual environment that sees, as preinstalled, this
environment's torch, torchvision, numpy, ipywidgets and the rest of the runtime layer except the
libraries Colab lacks (``COLAB_LACKS``), plus a stub ``google.colab`` that its kernel imports at
start, as Colab's does. The setup cell installs from a copy of this checkout (through the
documented ``IMGCLS_REPOSITORY`` override) with no package index: missing packages come from a
wheelhouse repacked from this environment. A second check resolves the same install, without
running it, over the metadata of the package's lowest pair (torch 2.11.0 / torchvision 0.26.0,
ipywidgets 7.7.1): pip must keep those too. The chapter reads its data from the checkout's data
folder (``make install-test`` fetches it first). About a minute in all;
``benchmarks/colab_setup.py`` times the install.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
import torch
from nbclient import NotebookClient
from venvs import (
    clean_env,
    closure,
    copy_checkout,
    link_packages,
    new_venv,
    repack,
    requirements,
    versions,
)

from imgcls import config
from imgcls.book import notebooks
from imgcls.config import REPO_ROOT

CHAPTER = REPO_ROOT / "chapters" / "06-multiclass.md"  # imports mglearn; reads the photos only
COLAB_LACKS = ("mglearn", "torchinfo")
KEPT = ("torch", "torchvision", "numpy", "ipywidgets")
# what Colab has besides the runtime layer: its kernel, pip, and setuptools for pip's builds
COLAB_EXTRAS = ("ipykernel", "pip", "setuptools")
OLDER = {  # installed-package metadata of an older stack, with the requirements pip checks
    "torch": ("2.11.0", ["filelock", "typing-extensions>=4.10.0", "sympy>=1.13.3",
                         "networkx>=2.5.1", "jinja2", "fsspec>=0.8.5"]),
    "torchvision": ("0.26.0", ["numpy", "torch==2.11.0", "pillow!=8.3.*,>=5.3.0"]),
    "ipywidgets": ("7.7.1", ["ipykernel>=4.5.1", "ipython>=4.0.0", "traitlets>=4.3.1"]),
}
STUB = '"""Stand-in for Colab\'s own module: being imported is all the setup cell looks for."""\n'


def colab_stub(folder: Path) -> Path:
    """A folder holding a ``google.colab`` module (``google`` stays a namespace package)."""
    (folder / "google" / "colab").mkdir(parents=True)
    (folder / "google" / "colab" / "__init__.py").write_text(STUB)
    return folder


def fake_installed(folder: Path) -> Path:
    """A folder of ``.dist-info`` metadata for the older stack in ``OLDER`` (no code)."""
    for name, (version, requires) in OLDER.items():
        info = folder / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
                 *(f"Requires-Dist: {r}" for r in requires)]
        (info / "METADATA").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, Path]:
    """The wheelhouse, the checkout's copy and the preinstalled packages, shared by the tests."""
    tmp = tmp_path_factory.mktemp("colab")
    wheels = tmp / "wheels"
    for name in (*COLAB_LACKS, "setuptools"):
        repack(name, wheels)
    preinstalled = closure([*requirements(), *COLAB_EXTRAS]) - set(COLAB_LACKS)
    return {"tmp": tmp, "wheels": wheels, "checkout": copy_checkout(tmp / "checkout"),
            "preinstalled": preinstalled, "stub": colab_stub(tmp / "stub")}


def kernel_env(world: dict, tmp: Path) -> dict[str, str]:
    """The kernel's environment: pip offline with the wheelhouse, the override, a private results
    folder, and the checkout's data folder (``make data`` fills it; the cell keeps a reader's)."""
    return clean_env(PIP_FIND_LINKS=str(world["wheels"]),
                     IMGCLS_REPOSITORY=str(world["checkout"]),
                     IMGCLS_DATA=str(config.data_dir()), IMGCLS_RESULTS_DIR=str(tmp / "results"),
                     OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="agg")


def add_kernel(jupyter: Path, python: Path, env: dict[str, str]) -> str:
    """A kernelspec ``colab`` that starts ``python``'s kernel with ``google.colab`` imported."""
    spec = jupyter / "kernels" / "colab"
    spec.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}",
            "--IPKernelApp.exec_lines=import google.colab"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Colab-like",
                                                  "language": "python", "env": env}))
    return "colab"


def run(nb: nbformat.NotebookNode, kernel: str, cwd: Path) -> nbformat.NotebookNode:
    NotebookClient(nb, kernel_name=kernel, timeout=600,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def output_text(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_setup_cell_keeps_colabs_stack_and_the_chapter_runs(world, tmp_path, monkeypatch):
    python = new_venv(tmp_path / "venv", link_packages(world["preinstalled"], tmp_path / "site"),
                      world["stub"])
    before = versions(python, KEPT)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    kernel = add_kernel(tmp_path / "jupyter", python, kernel_env(world, tmp_path))
    nb = nbformat.reads(notebooks.render(CHAPTER), as_version=4)
    setup = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(nb.cells[0].source)])

    run(nb, kernel, tmp_path)

    first = output_text(nb.cells[0])
    installed = re.match(r"Installed (.+) in (\d+) s\.\n", first)
    assert installed, first
    assert {p.split()[0] for p in installed[1].split(", ")} == {"imgcls", *COLAB_LACKS}
    assert ("No GPU is attached" in first) != torch.cuda.is_available()
    assert versions(python, KEPT) == before, "the setup cell replaced Colab's own packages"
    assert versions(python, ["imgcls"])["imgcls"][1].startswith(str(tmp_path / "venv"))
    assert not any(o.output_type == "error" for c in nb.cells for o in c.get("outputs", []))
    assert list((tmp_path / "results").iterdir()), "the chapter recorded no results"

    again = output_text(run(setup, kernel, tmp_path).cells[0])
    assert again.startswith("Installed nothing (imgcls is present) in 0 s.\n")


def test_pip_keeps_an_older_colab_pair(world, tmp_path):
    """The setup cell's install, resolved over torch 2.11.0 / torchvision 0.26.0 / ipywidgets
    7.7.1 metadata (the package's floors), installs the package and the missing libraries only."""
    linked = world["preinstalled"] - set(OLDER)
    python = new_venv(tmp_path / "venv", link_packages(linked, tmp_path / "site"),
                      fake_installed(tmp_path / "older"))
    report = tmp_path / "report.json"
    env = kernel_env(world, tmp_path)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--dry-run", "--report", report,
                    env["IMGCLS_REPOSITORY"]], check=True, env=env)
    planned = {i["metadata"]["name"] for i in json.loads(report.read_text())["install"]}
    assert planned == {"imgcls", *COLAB_LACKS}
