"""The lectures' reference figures and the ranges each chapter's hidden checks accept.

One table for the whole book, kept as one module per chapter (``images``, ``knn``, ...) so that
a chapter's figures sit together: the results page shows ``lecture`` beside what a build
measured, and ``check`` asserts a measured value lies in the range accepted for the active
profile and for the data actually used (real, or an offline stand-in).
"""

from __future__ import annotations

from imgcls import config
from imgcls.references import (
    convnets,
    finetune,
    flatten,
    gradient_descent,
    images,
    knn,
    linear,
    multiclass,
    pixel_similarity,
    training,
    transfer,
)
from imgcls.references.base import Reference

__all__ = ["REFERENCES", "Reference", "accepted_range", "check"]

# in the book's order: the results page lists the figures as the chapters do
CHAPTERS = (images, pixel_similarity, gradient_descent, knn, linear, multiclass, flatten,
            convnets, training, transfer, finetune)
REFERENCES: dict[str, Reference] = {k: v for m in CHAPTERS for k, v in m.REFERENCES.items()}


def accepted_range(key: str, *, standin: bool = False) -> tuple[float, float]:
    """The range a build accepts for ``key`` under the active profile and data."""
    data = "standin" if standin else "real"
    prof = config.profile()
    accepted = REFERENCES[key].range_for(prof, data)
    if accepted is None:
        raise KeyError(f"no accepted range for {key} with {data} data in the {prof} profile")
    return accepted


def check(key: str, value: float, *, standin: bool = False) -> None:
    """Assert that a measured ``value`` lies in the accepted range (used by hidden check cells)."""
    low, high = accepted_range(key, standin=standin)
    assert low <= value <= high, (
        f"{key} = {value!r} is outside the accepted range [{low}, {high}] "
        f"({'stand-in' if standin else 'real'} data, {config.profile()} profile; "
        f"lecture: {REFERENCES[key].lecture})"
    )
