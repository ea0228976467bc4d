"""Time the Colab setup cell's install in the Colab-like environment of tests/test_colab.py.

    python benchmarks/colab_setup.py             # missing packages from a local wheelhouse
    python benchmarks/colab_setup.py --online    # missing packages from PyPI, as on Colab
    python benchmarks/colab_setup.py --chapter 09

A fresh virtual environment sees this environment's PyTorch stack as preinstalled and a stub
``google.colab``; the generated setup cell of one chapter then runs twice in it, installing the
package from a copy of this checkout (``IMGCLS_REPOSITORY``). For each run it prints the line
the cell prints (what it installed, its own timing) and the wall time of the whole cell,
interpreter start and the GPU check included. Timings only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_colab import COLAB_EXTRAS, COLAB_LACKS, colab_stub  # noqa: E402
from venvs import (  # noqa: E402
    clean_env,
    closure,
    copy_checkout,
    link_packages,
    new_venv,
    repack,
    requirements,
)

from imgcls.book import notebooks  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Command line: build the environment, run the setup cell twice, print the timings."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chapter", default="06", help="file-name prefix of the chapter")
    parser.add_argument("--online", action="store_true", help="missing packages from PyPI")
    args = parser.parse_args(argv)
    source = next(s for s in notebooks.chapter_sources() if s.name.startswith(args.chapter))
    setup = nbformat.reads(notebooks.render(source), as_version=4).cells[0].source
    with tempfile.TemporaryDirectory(prefix="colab-setup-") as name:
        tmp = Path(name)
        site = closure([*requirements(), *COLAB_EXTRAS]) - set(COLAB_LACKS)
        python = new_venv(tmp / "venv", link_packages(site, tmp / "site"),
                          colab_stub(tmp / "stub"))
        env = clean_env(IMGCLS_REPOSITORY=str(copy_checkout(tmp / "checkout")),
                        IMGCLS_DATA=str(tmp / "data"), IMGCLS_RESULTS_DIR=str(tmp / "results"))
        if args.online:
            del env["PIP_NO_INDEX"], env["PIP_CONFIG_FILE"]
        else:
            for name in (*COLAB_LACKS, "setuptools"):
                repack(name, tmp / "wheels")
            env["PIP_FIND_LINKS"] = str(tmp / "wheels")
        where = "PyPI" if args.online else "a local wheelhouse"
        print(f"{source.name}: setup cell over {len(site)} preinstalled distributions, "
              f"missing packages from {where}")
        for run in ("first run", "second run"):
            start = time.perf_counter()
            done = subprocess.run([python, "-c", f"import google.colab\n{setup}"], env=env,
                                  capture_output=True, text=True, check=True)
            wall = time.perf_counter() - start
            line = done.stdout.splitlines()[0]
            print(f"{run}: {wall:5.1f} s wall; the cell says: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
