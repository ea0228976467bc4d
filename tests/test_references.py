"""The reference table and the hidden checks: the most specific accepted range wins."""

from __future__ import annotations

import pytest

from imgcls import references
from imgcls.references import REFERENCES, Reference, accepted_range, check


@pytest.fixture
def table(monkeypatch):
    ref = Reference(0.9, "a lecture", accept={"real-quick": (0.8, 0.85), "real": (0.88, 0.92),
                                              "standin": (0.1, 1.0), "full": (0.0, 0.5),
                                              "any": (0.0, 1.0)})
    monkeypatch.setitem(REFERENCES, "t.accuracy", ref)
    monkeypatch.setitem(REFERENCES, "t.unchecked", Reference(None, "a lecture"))
    return ref


@pytest.mark.parametrize("profile, standin, expected", [
    ("quick", False, (0.8, 0.85)),   # real-quick
    ("full", False, (0.88, 0.92)),   # real beats the profile
    ("quick", True, (0.1, 1.0)),     # standin
])
def test_the_most_specific_condition_wins(table, monkeypatch, profile, standin, expected):
    monkeypatch.setenv("IMGCLS_PROFILE", profile)
    assert accepted_range("t.accuracy", standin=standin) == expected


def test_profile_then_any(monkeypatch):
    monkeypatch.setitem(REFERENCES, "t.x", Reference(1, "l", accept={"full": (0, 1),
                                                                     "any": (5, 6)}))
    monkeypatch.setenv("IMGCLS_PROFILE", "full")
    assert accepted_range("t.x") == (0, 1)
    monkeypatch.setenv("IMGCLS_PROFILE", "quick")
    assert accepted_range("t.x") == (5, 6)


def test_check_accepts_inside_and_rejects_outside(table, monkeypatch):
    monkeypatch.setenv("IMGCLS_PROFILE", "quick")
    check("t.accuracy", 0.8)
    check("t.accuracy", 0.85)
    with pytest.raises(AssertionError, match=r"outside the accepted range \[0.8, 0.85\]"):
        check("t.accuracy", 0.86)
    with pytest.raises(AssertionError, match="lecture: 0.9"):
        check("t.accuracy", 0.1)


def test_a_key_without_a_range_is_an_error(table):
    with pytest.raises(KeyError, match="no accepted range for t.unchecked"):
        check("t.unchecked", 1)
    with pytest.raises(KeyError):
        check("t.not_in_the_table", 1)


def test_the_table_is_well_formed():
    conditions = {f"{d}-{p}" for d in ("real", "standin") for p in ("quick", "full")}
    conditions |= {"real", "standin", "quick", "full", "any"}
    for key, ref in references.REFERENCES.items():
        section, _, name = key.partition(".")
        assert section and name, key
        assert ref.source, key
        for condition, (low, high) in ref.accept.items():
            assert condition in conditions, (key, condition)
            assert low <= high, key
