"""Time chapter 4's three L2 distance-matrix implementations on one fixed problem size.

    python benchmarks/distances.py                      # 100 test x 1,000 train rows of 3,072
    python benchmarks/distances.py --test 50 --train 500 --threads 2

The rows are seeded random pixel values (0..255, float32), the shape of flattened CIFAR-10
images: the running time does not depend on the values. Each implementation runs on the same
number of torch threads (one by default, as in the chapter); the fast ones are repeated and the
best time is kept. Prints times and ratios; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import platform

import torch

from imgcls import knn
from imgcls.timing import best_time

REPEATS = {"two loops": 1, "one loop": 3, "no loops": 10}


def main() -> None:
    """Parse the sizes, time the three implementations and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test", type=int, default=100, help="test rows (default 100)")
    parser.add_argument("--train", type=int, default=1000, help="training rows (default 1000)")
    parser.add_argument("--dim", type=int, default=3072, help="values per row (default 3072)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args()

    gen = torch.Generator().manual_seed(0)
    test = torch.randint(0, 256, (args.test, args.dim), generator=gen).float()
    train = torch.randint(0, 256, (args.train, args.dim), generator=gen).float()
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{args.threads} thread(s); {args.test} x {args.train} distances over {args.dim} values")
    seconds = {name: best_time(fn, test, train, repeats=REPEATS[name], num_threads=args.threads)
               for name, fn in knn.IMPLEMENTATIONS.items()}
    pairs = args.test * args.train
    print(f"{'implementation':<15}{'seconds':>10}{'us/distance':>13}{'vs two loops':>14}")
    for name, s in seconds.items():
        print(f"{name:<15}{s:>10.4f}{s / pairs * 1e6:>13.3f}{seconds['two loops'] / s:>13.1f}x")
    print(f"ratio one loop / no loops: {seconds['one loop'] / seconds['no loops']:.1f}x")


if __name__ == "__main__":
    main()
