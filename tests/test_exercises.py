"""The check cells' machinery: one printed verdict, whatever the reader's code does."""

from __future__ import annotations

import pytest

from imgcls.exercises import checker, unfilled, verdict


@checker("double")
def check_double(fn) -> None:
    result = fn(2)
    unfilled(result, "double(2)")
    assert result == 4, f"double(2) gave {result}, expected 4"


def test_pass_prints_pass(capsys) -> None:
    assert check_double(lambda x: 2 * x)
    assert capsys.readouterr().out == "pass: double\n"


@pytest.mark.parametrize(("fn", "said"), [
    (lambda x: x + 3, "double(2) gave 5, expected 4"),
    (lambda x: None, "double(2) returned None: fill in the skeleton"),
    (lambda x: 1 / 0, "your code raised ZeroDivisionError: division by zero"),
])
def test_wrong_code_prints_what_is_wrong(fn, said, capsys) -> None:
    assert not check_double(fn)
    out = capsys.readouterr().out
    assert out.startswith("not yet: double: ") and said in out and "Traceback" not in out


def test_not_implemented_is_an_unfilled_skeleton(capsys) -> None:
    def skeleton(x):
        raise NotImplementedError

    assert not verdict("skeleton", lambda: skeleton(1))
    assert "still raises NotImplementedError" in capsys.readouterr().out


def test_a_verdict_shows_nothing_as_a_cells_value() -> None:
    """The printed line is the answer: Jupyter shows no Out[] for the returned verdict."""
    from IPython.core.formatters import DisplayFormatter

    shown, _ = DisplayFormatter().format(verdict("quiet", lambda: None))
    assert shown == {}
