"""The wheel a reader installs (``pip install git+...``, not editable) is complete, and the
package keeps its layers: nothing outside ``imgcls.book`` needs the ``book`` extra."""

from __future__ import annotations

import ast
import importlib.metadata as md
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version
from venvs import (
    build_wheel,
    clean_env,
    closure,
    copy_checkout,
    link_packages,
    new_venv,
    requirements,
)

from imgcls.config import REPO_ROOT
from imgcls.data import registry

PACKAGE = REPO_ROOT / "src" / "imgcls"

# Run in the fresh environment: import every module but the site machinery, then describe every
# registry resource (the manifests are read here).
CHECK = """\
import importlib, json, pkgutil, imgcls
from imgcls.data import registry
modules = [m.name for m in pkgutil.walk_packages(imgcls.__path__, "imgcls.")
           if not m.name.startswith("imgcls.book")]
for name in modules:
    importlib.import_module(name)
print(json.dumps({"file": imgcls.__file__, "modules": len(modules),
                  "resources": {n: [len(v.files) for v in r.variants]
                                for n, r in registry.registry().items()}}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The package's wheel, built from a copy of the checkout (the checkout gets no build/)."""
    tmp = tmp_path_factory.mktemp("wheel")
    return build_wheel(copy_checkout(tmp / "src"), tmp / "dist")


def test_wheel_ships_every_file_the_package_holds(wheel: Path) -> None:
    tracked = subprocess.run(["git", "ls-files", "src/imgcls"], cwd=REPO_ROOT, check=True,
                             capture_output=True, text=True).stdout.split()
    expected = {Path(f).relative_to("src").as_posix() for f in tracked}
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f for f in expected if not f.endswith(".py")}, "expected the registry's manifests"
    assert expected - names == set()


def test_wheel_declares_the_runtime_layer_only(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        meta = zf.read(next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA")))
    declared = [line.split(":", 1)[1].strip() for line in meta.decode().splitlines()
                if line.startswith("Requires-Dist:")]
    runtime = {str(Requirement(r)) for r in declared if "extra ==" not in r}
    assert runtime == {str(Requirement(r)) for r in requirements()}
    assert not any(r.startswith(("torch==", "torchvision==")) for r in declared), \
        "exact torch pins belong in constraints.txt, not in what readers install"


def test_wheel_installed_in_a_fresh_environment_loads_every_resource(wheel, tmp_path) -> None:
    """Non-editable install beside the runtime layer only: every module but imgcls.book imports
    and every resource's metadata loads (as the checkout's registry has it)."""
    runtime = closure([*requirements(), "pip"])
    assert runtime.isdisjoint({"jupyter-book", "jupytext", "sphinx", "myst-nb", "nbformat"})
    python = new_venv(tmp_path / "venv", link_packages(runtime, tmp_path / "preinstalled"))
    env = clean_env()
    subprocess.run([python, "-m", "pip", "install", "--quiet", wheel], check=True, env=env)
    out = subprocess.run([python, "-c", CHECK], cwd=tmp_path, env=env, check=True,
                         capture_output=True, text=True).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert Path(found["file"]).is_relative_to(tmp_path / "venv"), "not the wheel's copy"
    assert found["resources"] == {n: [len(v.files) for v in r.variants]
                                  for n, r in registry.registry().items()}
    assert found["modules"] >= 20


def _top_level_modules(dist_name: str) -> set[str]:
    dist = md.distribution(dist_name)
    listed = dist.read_text("top_level.txt")
    if listed:
        return set(listed.split())
    return {Path(str(f)).parts[0].removesuffix(".py") for f in dist.files or ()
            if not str(f).startswith("..") and ".dist-info" not in str(f)
            and str(f).endswith(".py")}


def test_nothing_outside_imgcls_book_imports_the_book_extra() -> None:
    book_only = closure(requirements("book")) - closure(requirements())
    forbidden = set().union(*(_top_level_modules(d) for d in book_only)) - {"_distutils_hack"}
    assert {"sphinx", "jupytext", "jupyter_book", "nbformat", "myst_nb"} <= forbidden
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.is_relative_to(PACKAGE / "book"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0
                     else [])
            offenders += [f"{path.relative_to(REPO_ROOT)}:{node.lineno} imports {n}"
                          for n in names if n.split(".")[0] in forbidden]
    assert offenders == []


def pins() -> dict[str, str]:
    """constraints.txt as ``{canonical name: version}``."""
    found = {}
    for line in (REPO_ROOT / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            found[canonicalize_name(name)] = version
    return found


def test_constraints_pin_every_dependency_within_its_range() -> None:
    pinned = pins()
    assert pinned["torch"] == "2.14.1" and pinned["torchvision"] == "0.29.1"
    for req in map(Requirement, [*requirements(), *requirements("book"), *requirements("dev")]):
        name = canonicalize_name(req.name)
        assert name in pinned, f"{name}: add it to constraints.txt"
        assert req.specifier.contains(pinned[name], prereleases=True), (req, pinned[name])


def test_this_environment_matches_the_constraints() -> None:
    """What make installed is what constraints.txt pins (else: pin the new version there).

    Local version labels are ignored, as pip's ``==`` does: the published build installs
    torch ``2.14.1+cpu`` from PyTorch's CPU index for the pin ``torch==2.14.1``.
    """
    pinned = pins()
    every = closure([*requirements(), *requirements("book"), *requirements("dev")])
    installed = {n: Version(md.version(n)).public for n in every}
    assert installed == {n: pinned.get(n) for n in every}
