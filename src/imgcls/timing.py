"""Wall-clock timing that is comparable between implementations on a busy machine."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch


@contextmanager
def threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads, then restore the previous number."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def best_time(fn: Callable[..., Any], *args: Any, repeats: int = 3,
              num_threads: int | None = 1) -> float:
    """The shortest of ``repeats`` timings of ``fn(*args)`` in seconds.

    The minimum is the run least disturbed by other work. One thread by default, so that a
    comparison measures the code rather than how many cores happened to be free.
    """
    times = []
    with threads(num_threads or torch.get_num_threads()):
        for _ in range(repeats):
            start = time.perf_counter()
            fn(*args)
            times.append(time.perf_counter() - start)
    return min(times)
