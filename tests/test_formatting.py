"""How numbers read on the page: a noun agrees with its number."""

from __future__ import annotations

from dashboard.formatting import count


def test_a_noun_agrees_with_its_number() -> None:
    assert count(1, "lesson") == "1 lesson"
    assert count(0, "lesson") == "0 lessons"
    assert count(1204, "person", "people") == "1,204 people"
    assert count(1, "person", "people") == "1 person"
