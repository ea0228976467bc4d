"""What a check cell shows: run an exercise checker on a solution, return its verdict and print."""

from __future__ import annotations


def verdict(check, fn, capsys) -> tuple[bool, str]:
    """Whether ``check`` passed ``fn``, and the line it printed (captured by ``capsys``)."""
    passed = bool(check(fn))
    return passed, capsys.readouterr().out
