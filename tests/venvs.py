"""Throw-away Python environments for the install tests (wheel, Colab-like, fork), made offline.

A fresh virtual environment "preinstalls" a chosen set of this environment's distributions by
seeing a folder of symlinks to them (named in a ``.pth`` file): pip counts them as installed,
nothing is copied, and pip never uninstalls them (they resolve to files outside its
environment). Missing packages come from a wheelhouse repacked from the distributions installed
here, so no test needs a package index.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata as md
import json
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterable
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from imgcls.config import REPO_ROOT

# pip settings that keep a test's pip off every index and away from this machine's pip.conf
OFFLINE_PIP = {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1",
               "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONDONTWRITEBYTECODE": "1"}


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment for another Python: no virtual environment, no PYTHONPATH, no
    pip settings but the offline ones, plus ``extra``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PIP_") and k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    return {**env, **OFFLINE_PIP, **extra}


def closure(requirements: Iterable[str]) -> set[str]:
    """Canonical names of the installed distributions that ``requirements`` need, transitively,
    with the extras they ask for (markers evaluated for this interpreter)."""
    found: set[str] = set()
    seen: set[tuple[str, str]] = set()
    todo = [(Requirement(r), "") for r in requirements]
    while todo:
        req, extra = todo.pop()
        if req.marker and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        found.add(name)
        for wanted in ("", *sorted(req.extras)):
            if (name, wanted) not in seen:
                seen.add((name, wanted))
                todo += [(Requirement(r), wanted) for r in md.distribution(name).requires or ()
                         if wanted or "extra ==" not in r]
    return found


def requirements(extra: str | None = None) -> list[str]:
    """The package's runtime requirements, or those of an extra, as pyproject.toml declares them
    (not the installed metadata, which an editable install leaves stale)."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"] if extra is None else project["optional-dependencies"][extra]


def link_packages(names: Iterable[str], folder: Path) -> Path:
    """Make ``folder`` hold symlinks to the top-level files and the ``.dist-info`` of each named
    installed distribution; shared namespace folders (``nvidia/``) are linked once."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        dist = md.distribution(name)
        tops = {Path(str(f)).parts[0] for f in dist.files or () if not str(f).startswith("..")}
        tops.discard("__pycache__")
        for top in tops:
            link = folder / top
            if not link.exists():
                link.symlink_to(Path(dist.locate_file(top)).resolve())
    return folder


def new_venv(path: Path, *folders: Path) -> Path:
    """A virtual environment without pip of its own that sees ``folders``; its interpreter."""
    venv.EnvBuilder(with_pip=False, symlinks=True).create(path)
    python = path / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path("
                              "'purelib'))"], capture_output=True, text=True, check=True)
    Path(purelib.stdout.strip(), "preinstalled.pth").write_text(
        "".join(f"{f}\n" for f in folders))
    return python


def versions(python: Path, names: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Version and location of each named distribution as ``python`` sees it."""
    code = ("import importlib.metadata as md, json, sys\n"
            "print(json.dumps({n: (md.version(n), str(md.distribution(n).locate_file('')))"
            " for n in sys.argv[1:]}))")
    out = subprocess.run([python, "-c", code, *names], capture_output=True, text=True,
                         check=True, env=clean_env())
    return {k: tuple(v) for k, v in json.loads(out.stdout).items()}


def copy_checkout(dest: Path) -> Path:
    """Copy the checkout's files as a clone would have them (tracked and not ignored)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO_ROOT, capture_output=True, check=True).stdout
    for rel in filter(None, listed.decode().split("\0")):
        src = REPO_ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def build_wheel(source: Path, outdir: Path) -> Path:
    """Build the package's wheel from ``source`` with this environment's setuptools."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", outdir, source], check=True,
                   env=clean_env())
    return next(outdir.glob("imgcls-*.whl"))


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def repack(name: str, outdir: Path) -> Path:
    """A wheel of an installed pure-Python distribution, rebuilt from its installed files."""
    dist = md.distribution(name)
    wheel_info = dist.read_text("WHEEL") or ""
    if "Root-Is-Purelib: true" not in wheel_info:
        raise ValueError(f"{name} is not a pure-Python distribution; it cannot be repacked")
    tags = [t.split("-") for t in re.findall(r"^Tag: (\S+)", wheel_info, re.M)]
    tag = "-".join([".".join(t[0] for t in tags), *tags[0][1:]])  # py2.py3-none-any
    skip = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
    files = [f for f in dist.files if not str(f).startswith("..")
             and "__pycache__" not in f.parts and f.name not in skip]
    info = next(f.parts[0] for f in files if f.parts[0].endswith(".dist-info"))
    wheel = outdir / f"{info.removesuffix('.dist-info')}-{tag}.whl"
    outdir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        record = []
        for f in files:
            data = Path(dist.locate_file(f)).read_bytes()
            zf.writestr(f.as_posix(), data)
            record.append(_record_line(f.as_posix(), data))
        zf.writestr(f"{info}/RECORD", "\n".join([*record, f"{info}/RECORD,,"]) + "\n")
    return wheel
