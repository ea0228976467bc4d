"""What a chapter shows about its own run: the settings note names the profile and its meaning."""

from __future__ import annotations

import pytest

from imgcls import display


@pytest.mark.parametrize(("profile", "meaning"), [("full", "the lectures' protocol"),
                                                  ("quick", "sized for a CPU")])
def test_settings_note_names_the_profile(monkeypatch, profile: str, meaning: str) -> None:
    monkeypatch.setenv("IMGCLS_PROFILE", profile)
    note = display.settings()
    assert note.title == "How this page was run"
    assert note.text.startswith(f"profile: {profile} (")
    assert meaning in note.text and "device: " in note.text
    assert "How this page was run" in note._repr_html_()
