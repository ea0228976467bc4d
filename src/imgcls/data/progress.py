"""Progress bars for the data layer's slow steps (downloads, unpacking, decoding), named after
the dataset ("CIFAR-10: decoding JPEGs").

A bar appears only after a few seconds, only for a person watching (a terminal, Colab, a Jupyter
session; ``IMGCLS_PROGRESS=1``/``0`` decides otherwise), never in a notebook executed by a tool or
in a log; it is removed when done, so that saved notebooks keep no finished bars.
"""

from __future__ import annotations

from collections.abc import Iterable

from tqdm.auto import tqdm

from imgcls import config

DELAY_S = 3.0  # loads faster than this show no bar at all


def bar(iterable: Iterable | None = None, *, desc: str, total: float | None = None,
        unit: str = "file", delay: float | None = None, **kwargs) -> tqdm:
    """A tqdm bar (a widget in a notebook) that shows after ``delay`` seconds (default
    ``DELAY_S``) and vanishes when done."""
    delay = DELAY_S if delay is None else delay
    return tqdm(iterable, desc=desc, total=total, unit=unit, delay=delay, leave=False,
                disable=not config.show_progress(), **kwargs)
