"""Check cells of the code-writing exercises: run the reader's code on known answers and print
one plain verdict, never a traceback.

A chapter's check cell calls a checker written with ``checker``; the checker's body asserts what
the reader's code must do, with a message a student can act on. A starter cell's skeleton
(``...`` or ``raise NotImplementedError``) therefore builds and shows "not yet: ...", and the
solution's hidden assert (``assert check_xxx(solution)``) fails the build when it does not pass.
The checkers of each chapter live in the module of this package named after that chapter.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec

P = ParamSpec("P")


class Verdict:
    """A check's outcome: true when it passed. It shows nothing as a cell's last value, since
    the check has already printed its one line."""

    def __init__(self, passed: bool) -> None:
        self.passed = passed

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"Verdict(passed={self.passed})"

    def _ipython_display_(self) -> None:
        """Jupyter calls this instead of showing the repr: the printed line is the answer."""


def verdict(name: str, run: Callable[[], Any]) -> Verdict:
    """Run the test ``run``; print ``pass: name`` or ``not yet: name: what is wrong``.

    An ``AssertionError`` carries the checker's own message; ``NotImplementedError`` and a body
    of ``...`` (which returns None where a value was expected) mean the skeleton is unfilled;
    any other exception is the reader's code failing, named with its type and message.
    """
    try:
        run()
    except AssertionError as exc:
        problem = str(exc) or "a result differs from the known answer"
    except NotImplementedError:
        problem = "the function still raises NotImplementedError: write its body"
    except Exception as exc:  # the reader's code failed: say how, in one line
        problem = f"your code raised {type(exc).__name__}: {exc}"
    else:
        print(f"pass: {name}")
        return Verdict(True)
    print(f"not yet: {name}: {problem}")
    return Verdict(False)


def checker(name: str) -> Callable[[Callable[P, Any]], Callable[P, Verdict]]:
    """Turn a test function (asserts with messages) into a check that prints a verdict and
    returns it (true on pass)."""

    def wrap(test: Callable[P, Any]) -> Callable[P, Verdict]:
        @functools.wraps(test)
        def check(*args: P.args, **kwargs: P.kwargs) -> Verdict:
            return verdict(name, lambda: test(*args, **kwargs))

        return check

    return wrap


def unfilled(value: object, what: str) -> None:
    """Assert that a reader's function returned something: a skeleton of ``...`` returns None."""
    assert value is not None, f"{what} returned None: fill in the skeleton and return the result"
