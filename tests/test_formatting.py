"""How numbers read on the page: a noun agrees with its number."""

from __future__ import annotations

from dashboard.formatting import count


def test_a_noun_agrees_with_its_number() -> None:
    assert count(1, "lesson") == "1 lesson"
    assert count(0, "lesson") == "0 lessons"
    assert count(1204, "person", "people") == "1,204 people"
    assert count(1, "person", "people") == "1 person"


def test_days_read_from_the_database_show_as_days() -> None:
    import pandas as pd

    from dashboard.components import date_columns

    frame = pd.DataFrame({"Starts": pd.to_datetime(["2026-09-02", None]),
                          "At": pd.to_datetime(["2026-09-02 10:30", "2026-09-03 00:00"]), "n": [1, 2]})
    configs = date_columns(frame)
    assert list(configs) == ["Starts"]  # "At" carries a time of day; "n" is no date
    assert configs["Starts"]["type_config"]["format"] == "YYYY-MM-DD"


def test_a_problem_reads_as_a_sentence_on_a_form() -> None:
    from data_layer.domain.errors import Problem

    assert Problem("password", "must be at least 10 characters").sentence == \
        "The password must be at least 10 characters."
    assert Problem("person_id", "is not a known person.").sentence == "The person id is not a known person."
