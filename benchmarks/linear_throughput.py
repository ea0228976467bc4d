"""Throughput of chapter 5's loss-and-gradient functions: examples per second.

    python benchmarks/linear_throughput.py              # batches of 200, 1,000 and 10,000
    python benchmarks/linear_throughput.py --threads 2 --batches 200 5000

For each batch size it times one call of the vectorised SVM and softmax losses (with their
gradients) and the two-layer network's hand-written forward and backward pass, on seeded random
rows of CIFAR-10's size (3,072 values, 10 classes). The loop versions of the linear losses are
timed once on a small batch for comparison. Prints figures; nothing here asserts a time.
"""

from __future__ import annotations

import argparse

import torch

from imgcls import linear, two_layer
from imgcls.timing import best_time

D, C, HIDDEN = 3072, 10, 100


def main() -> None:
    """Parse the settings, time every function on every batch size and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[200, 1000, 10000])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--loop-batch", type=int, default=100,
                        help="batch size for the loop versions (default 100)")
    args = parser.parse_args()

    gen = torch.Generator().manual_seed(0)
    w = 1e-3 * torch.randn(D, C, generator=gen)
    b = torch.zeros(C)
    net = two_layer.init_params(D, HIDDEN, C, seed=0)
    print(f"torch {torch.__version__}, {args.threads} thread(s), float32, D={D}, C={C}, "
          f"two-layer hidden={HIDDEN}")
    print(f"{'function':<28}{'batch':>7}{'ms/call':>10}{'examples/s':>13}")

    def report(label: str, n: int, seconds: float) -> None:
        print(f"{label:<28}{n:>7}{seconds * 1e3:>10.2f}{n / seconds:>13,.0f}")

    for n in args.batches:
        x = torch.randn(n, D, generator=gen)
        y = torch.randint(0, C, (n,), generator=gen)
        for label, fn in (("svm_loss", linear.svm_loss), ("softmax_loss", linear.softmax_loss)):
            report(label, n, best_time(fn, w, b, x, y, 1e-2, repeats=5,
                                       num_threads=args.threads))
        report("two_layer.loss_and_grads", n,
               best_time(two_layer.loss_and_grads, net, x, y, 1e-3, repeats=5,
                         num_threads=args.threads))
    n = args.loop_batch
    x = torch.randn(n, D, generator=gen)
    y = torch.randint(0, C, (n,), generator=gen)
    for label, fn in (("svm_loss_loops", linear.svm_loss_loops),
                      ("softmax_loss_loops", linear.softmax_loss_loops)):
        report(label, n, best_time(fn, w, b, x, y, 1e-2, repeats=1, num_threads=args.threads))


if __name__ == "__main__":
    main()
