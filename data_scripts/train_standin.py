"""Pretrain the offline stand-in backbone on CIFAR-10's train split and cache it in the data folder.

    python data_scripts/train_standin.py            # train once; reuse a cached, intact copy
    python data_scripts/train_standin.py --force    # train again
    python data_scripts/train_standin.py --train-per-class 10 --epochs 1 --data-dir /tmp/x

Offline (``IMGCLS_ALLOW_STANDINS=1``), chapters 8 and 9 use this network in place of the ImageNet
weights that cannot be had there. What it is and how it was made is written next to it, in
``<data folder>/standin/<name>.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from imgcls.models import standin


def main(argv: list[str]) -> int:
    """Train (or reuse) the stand-in; print its record; return the exit status."""
    p = argparse.ArgumentParser(prog=Path(__file__).name, description=__doc__.split("\n")[0])
    default = standin.DEFAULT
    p.add_argument("--train-per-class", type=int, default=default.train_per_class)
    p.add_argument("--holdout-per-class", type=int, default=default.holdout_per_class)
    p.add_argument("--epochs", type=int, default=default.epochs)
    p.add_argument("--data-dir", type=Path, default=None,
                   help="data folder (default: $IMGCLS_DATA or data/ in the checkout)")
    p.add_argument("--force", action="store_true", help="train even if a good copy is cached")
    args = p.parse_args(argv)
    recipe = dataclasses.replace(default, train_per_class=args.train_per_class,
                                 holdout_per_class=args.holdout_per_class, epochs=args.epochs)
    record = standin.ensure_standin(recipe, args.data_dir, force=args.force)
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
