"""The student edition's sources: no cell a student runs depends on a solution (static check)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MYST_HEADER

from imgcls.book import editions

CHAPTER = MYST_HEADER + """\

```{exercise}
:label: a-ex-one

Write `twice(x)`.
```

```{code-cell} ipython3
:tags: [exercise-starter]

def twice(x):
    ...  # your code here
```

```{solution-start} a-ex-one
```

```{code-cell} ipython3
import math as m

def twice(x):
    return 2 * x

best = twice(4) + m.pi
```

```{code-cell} ipython3
:tags: [remove-cell]

assert best > 8
```

```{solution-end}
```

```{code-cell} ipython3
%matplotlib inline
print(twice(3))
```
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "01-a.md"
    path.write_text(text)
    return path


def test_global_names_read_functions_and_magics() -> None:
    bound, read = editions.global_names(
        "import torch as t\n%matplotlib inline\ndef f(a):\n    return a + zz\n"
        "class C:\n    w = q\nv = [i for i in rr]\nfor k in range(3):\n    pass\n")
    assert bound == {"t", "f", "C", "v", "k"}
    assert {"zz", "q", "rr", "range"} <= read and not {"a", "i", "w"} & read


def test_a_later_cell_may_use_what_the_starter_defines(tmp_path: Path) -> None:
    assert editions.solution_dependencies(write(tmp_path, CHAPTER)) == []


@pytest.mark.parametrize("later", ["print(best)", "def show():\n    return best",
                                   "print(m.e)"])
def test_a_later_cell_using_a_solutions_name_is_found(tmp_path: Path, later: str) -> None:
    source = write(tmp_path, CHAPTER + f"\n```{{code-cell}} ipython3\n{later}\n```\n")
    found = editions.solution_dependencies(source)
    assert len(found) == 1 and "only the solution to a-ex-one defines" in found[0]


def test_a_name_the_page_defines_again_is_no_dependency(tmp_path: Path) -> None:
    source = write(tmp_path, CHAPTER + "\n```{code-cell} ipython3\nbest = 1\nprint(best)\n```\n")
    assert editions.solution_dependencies(source) == []


def test_solution_code_is_what_only_the_solution_shows(tmp_path: Path) -> None:
    """The solution's own lines, not the starter's, nor its hidden asserts, nor short lines."""
    assert editions.solution_code(write(tmp_path, CHAPTER)) == ["best = twice(4) + m.pi",
                                                            "import math as m"]


def test_no_chapter_depends_on_a_solution() -> None:
    """In the student edition (and in Colab, where solutions are shown, not run) every cell
    after a solution must run without it: a hidden cell that records a solution's result
    belongs inside the solution."""
    assert editions.check_chapters() == []
