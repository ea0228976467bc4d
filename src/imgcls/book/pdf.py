"""The printable book: every page in one PDF, ``_build/pdf/book.pdf``, without LaTeX.

``make pdf`` (after ``make book``) builds the whole book as one HTML page with Sphinx's
``singlehtml`` builder, reading every chapter from the execution cache the full build filled
(nothing is executed again), and prints that page with headless Chromium. The print styles in
``_static/print.css`` wrap long code lines within the page, open the solutions' dropdowns and
keep figures and short outputs off page breaks.

    python -m imgcls.book.pdf                 # the full book, solutions included
    python -m imgcls.book.pdf --edition student
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from imgcls.book.editions import build_config, jupyter_book
from imgcls.book.notebooks import EDITIONS
from imgcls.config import REPO_ROOT

PDF_DIR = "_build/pdf"
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def browser() -> str:
    """The Chromium binary that prints the book."""
    found = next(filter(None, map(shutil.which, BROWSERS)), None)
    if found is None:
        raise SystemExit("Chromium not found: `apt-get install chromium` (make system-packages "
                         "PACKAGES=chromium) to print the book")
    return found


def print_to_pdf(page: Path, pdf: Path, timeout: float = 600) -> Path:
    """Print the HTML file ``page`` into ``pdf`` with headless Chromium, no header or footer
    (they would show the build machine's path); the page waits for its images and scripts."""
    with tempfile.TemporaryDirectory(prefix="imgcls-print-") as profile:
        subprocess.run([browser(), "--headless", "--no-sandbox", "--disable-gpu",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", "--no-pdf-header-footer",
                        "--run-all-compositor-stages-before-draw",
                        "--virtual-time-budget=60000", f"--print-to-pdf={pdf}",
                        page.resolve().as_uri()],
                       check=True, timeout=timeout, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    if not pdf.is_file() or pdf.stat().st_size == 0:
        raise RuntimeError(f"Chromium wrote no PDF for {page}")
    return pdf


def build_pdf(root: Path = REPO_ROOT, out: Path | None = None, edition: str = "full",
              flags: list[str] | None = None) -> Path:
    """Build the book as one HTML page into ``OUT/_build/singlehtml`` and print it to
    ``OUT/book.pdf``."""
    root = root.resolve()
    out = (out or root / PDF_DIR).resolve()
    config = build_config(root, out, imgcls_edition=edition)
    built = jupyter_book(root, out, config, "--builder", "singlehtml", *(flags or []))
    # the whole book is the root document's page (index.html only redirects to it)
    first = yaml.safe_load((root / "_toc.yml").read_text())["root"]
    return print_to_pdf(built / "singlehtml" / f"{first}.html", out / "book.pdf")


def main(argv: list[str] | None = None) -> int:
    """Command line: build and print the book."""
    parser = argparse.ArgumentParser(prog="python -m imgcls.book.pdf", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="the book's folder")
    parser.add_argument("--out", type=Path, help=f"default: ROOT/{PDF_DIR}")
    parser.add_argument("--edition", choices=EDITIONS, default="full",
                        help="student: without the solutions")
    args, flags = parser.parse_known_args(argv)
    pdf = build_pdf(args.root, args.out, args.edition, flags)
    print(f"The printable book is built: {pdf}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
