"""The book's Sphinx extension: each page numbers its exercises from 1."""

from types import SimpleNamespace

from imgcls.book.extension import number_exercises_per_page


def test_exercises_are_numbered_per_page_in_their_order():
    env = SimpleNamespace(toc_fignumbers={
        "chapters/01-a": {"exercise": {"a-one": (1,), "a-two": (2,)}},
        "chapters/02-b": {"exercise": {"b-two": (4,), "b-one": (3,)},
                          "figure": {"fig-x": (7,)}},
        "intro": {},
    })
    assert number_exercises_per_page(None, env) == []
    assert env.toc_fignumbers == {
        "chapters/01-a": {"exercise": {"a-one": (1,), "a-two": (2,)}},
        "chapters/02-b": {"exercise": {"b-one": (1,), "b-two": (2,)},
                          "figure": {"fig-x": (7,)}},
        "intro": {},
    }
