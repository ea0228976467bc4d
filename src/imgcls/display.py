"""What a chapter shows about itself: its settings, and visible notes on stand-ins and sources;
and the book's matplotlib style, set when a chapter imports this module (every chapter does)."""

from __future__ import annotations

import html

import matplotlib as mpl

from imgcls import config, results
from imgcls.plots import OKABE_ITO

# Figures readable by everyone, in the site's light and dark mode alike: colours a reader must
# tell apart from Okabe and Ito's colour-blind-safe palette (C0, C1, ... in a plot), black text
# and axes on an opaque white background (a transparent figure would put black text on the
# dark theme's near-black page).
BOOK_STYLE = {
    "axes.prop_cycle": mpl.cycler(color=list(OKABE_ITO[1:]) + [OKABE_ITO[0]]),
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "text.color": "black",
    "axes.labelcolor": "black",
    "axes.edgecolor": "black",
    "xtick.color": "black",
    "ytick.color": "black",
    "legend.framealpha": 1.0,
}


def use_book_style() -> None:
    """Apply :data:`BOOK_STYLE` to every figure drawn from now on."""
    mpl.rcParams.update(BOOK_STYLE)


use_book_style()


class Note:
    """An admonition box that renders on the site (HTML output) and in Jupyter or Colab alike."""

    def __init__(self, title: str, text: str, kind: str = "note"):
        self.title, self.text, self.kind = title, text, kind

    def _repr_html_(self) -> str:
        return (
            f'<div class="admonition {self.kind}">'
            f'<p class="admonition-title">{html.escape(self.title)}</p>'
            f"<p>{html.escape(self.text)}</p></div>"
        )

    def __repr__(self) -> str:
        return f"[{self.title}] {self.text}"


PROFILE_MEANINGS = {
    "quick": "smaller data and fewer epochs, sized for a CPU",
    "full": "the lectures' protocol",
}


def settings() -> Note:
    """The profile, device and data source this run uses, as a note for the top of a chapter."""
    info = config.describe()
    info["profile"] = f"{info['profile']} ({PROFILE_MEANINGS[info['profile']]})"
    return Note("How this page was run", "; ".join(f"{k}: {v}" for k, v in info.items()))


def source_note(section: str, what: str, description: str, *, standin: bool) -> Note:
    """Record which data or weights ``section`` uses and return a note saying so on the page.

    A stand-in gets a warning box; real data an ordinary note.
    """
    results.record_source(section, what, description, standin=standin)
    if standin:
        return Note(f"Offline stand-in for the {what}", description, kind="warning")
    return Note(f"The {what} used here", description)
