"""Fetch, verify or list the book's data and weight files.

    python data_scripts/fetch.py mnist cifar10           # data folder <- mirror or download
    python data_scripts/fetch.py --list                  # every resource and its state
    python data_scripts/fetch.py --verify mnist          # check, fetch nothing
    python data_scripts/fetch.py --verify                # check everything the chapters need
    python data_scripts/fetch.py all --mirror ../shared/data
"""

from __future__ import annotations

import sys
from pathlib import Path

from imgcls.data import cli

if __name__ == "__main__":
    sys.exit(cli.main(sys.argv[1:], prog=Path(__file__).name))
