"""What a chapter shows about itself: its settings, and visible notes on stand-ins and sources."""

from __future__ import annotations

import html

from imgcls import config, results


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
