"""The ``Reference`` record and the sources several chapters cite; each chapter's figures are in
the module of this package named after it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reference:
    """A recorded figure: what the lectures report, where, and which values a build accepts.

    ``accept`` maps a condition to an inclusive (low, high) range. Conditions, most specific
    first: ``"<data>-<profile>"``, ``"<data>"``, ``"<profile>"``, ``"any"``, where data is
    ``real`` or ``standin`` and profile is ``quick`` or ``full``.
    """

    lecture: float | str | None
    source: str
    accept: dict[str, tuple[float, float]] = field(default_factory=dict)

    def range_for(self, profile: str, *data: str) -> tuple[float, float] | None:
        """The range for the first kind of ``data`` that has one, most specific condition first,
        else the profile's or ``any``; None when no condition applies."""
        conditions = [c for kind in data for c in (f"{kind}-{profile}", kind)]
        return next((self.accept[c] for c in [*conditions, profile, "any"] if c in self.accept),
                    None)


CS231N = "Stanford CS231n assignment 1 (CIFAR-10)"
FASTBOOK = "fastai book, chapter 4 (MNIST sample)"
CPSC330 = "UBC CPSC 330"
