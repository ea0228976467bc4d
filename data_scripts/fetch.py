"""Fetch, verify or list the book's data and weight files, from a checkout.

A thin wrapper: the same command line exists wherever the package is installed, as
``python -m imgcls.data`` (or the console script ``imgcls-data``).

    python -m imgcls.data mnist cifar10           # data folder <- mirror or download
    python -m imgcls.data --list                  # every resource and its state
    python -m imgcls.data --verify mnist          # check, fetch nothing
    python -m imgcls.data --verify                # check everything the chapters need
    python -m imgcls.data all --mirror ../shared/data
"""

from __future__ import annotations

import sys

from imgcls.data import cli

if __name__ == "__main__":
    sys.exit(cli.main(sys.argv[1:], prog="python data_scripts/fetch.py"))
