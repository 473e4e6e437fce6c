"""Each model rejects bad values with a sentence that names the field and what is allowed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import BaseModel

from data_layer.domain.errors import InvalidData
from data_layer.domain.models import (
    Cohort,
    FollowUpAction,
    Lesson,
    Membership,
    Person,
    Plan,
    User,
    validate_record,
)

PERSON = dict(person_id="p1", name="Ana", email="ana@example.com", role="AE")
COHORT = dict(cohort_id="c1", name="A", program="P", start_date="2026-01-05")
MEMBERSHIP = dict(cohort_id="c1", person_id="p1", joined_on="2026-01-05")
PLAN = dict(plan_id="pl1", name="Test", section="email", owner_id="p1", starts_on="2026-01-01",
            ends_on="2026-01-31", learning_goal="Learn X")
LESSON = dict(lesson_id="l1", title="T", section="email", occurred_on="2026-01-31", author_id="p1",
              created_at="2026-02-01T10:00:00Z")
ACTION = dict(action_id="ac1", lesson_id="l1", description="Do it", owner_id="p1", due_on="2026-02-15")
USER = dict(email="ana@example.com", name="Ana", role="viewer")

GOOD: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (Person, PERSON), (Cohort, COHORT), (Membership, MEMBERSHIP), (Plan, PLAN), (Lesson, LESSON),
    (FollowUpAction, ACTION), (User, USER),
]


@pytest.mark.parametrize(("model", "data"), GOOD, ids=lambda v: getattr(v, "__name__", ""))
def test_good_records_validate(model: type[BaseModel], data: dict[str, Any]) -> None:
    assert validate_record(model, data)


BAD = [
    (Person, {**PERSON, "person_id": "  "}, "person_id", "must not be empty"),
    (Person, {**PERSON, "email": "not-an-email"}, "email", "must be an email address"),
    (Person, {k: v for k, v in PERSON.items() if k != "name"}, "name", "is required"),
    (Cohort, {**COHORT, "start_date": "05/01/2026"}, "start_date", "ISO date such as 2026-03-01"),
    (Cohort, {**COHORT, "end_date": "2025-12-31"}, "end_date", "on or after start_date"),
    (Membership, {**MEMBERSHIP, "left_on": "2026-01-01"}, "left_on", "on or after joined_on"),
    (Plan, {**PLAN, "ends_on": "2025-12-01"}, "ends_on", "on or after starts_on"),
    (Plan, {**PLAN, "learning_goal": ""}, "learning_goal", "must not be empty"),
    (Lesson, {**LESSON, "outcome": "great"}, "outcome", "'worked', 'flopped', 'mixed' or 'inconclusive'"),
    (Lesson, {**LESSON, "status": "archived"}, "status", "'draft', 'in_review' or 'published'"),
    (Lesson, {**LESSON, "status": "published"}, "learning_goal",
     "a published post-mortem needs learning goal, what happened, outcome, lessons"),
    (FollowUpAction, {**ACTION, "due_on": "soon"}, "due_on", "ISO date"),
    (User, {**USER, "role": "superuser"}, "role", "'viewer', 'editor' or 'admin'"),
]


@pytest.mark.parametrize(("model", "data", "field", "message"), BAD,
                         ids=[f"{m.__name__}-{f}-{i}" for i, (m, _, f, _) in enumerate(BAD)])
def test_bad_values_are_rejected_with_a_sentence_naming_the_field(
    model: type[BaseModel], data: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidData) as caught:
        validate_record(model, data)
    problems = {p.field: p.message for p in caught.value.problems}
    assert field in problems, problems
    assert message in problems[field]



def test_a_complete_published_lesson_gets_its_published_time_from_its_last_update() -> None:
    lesson = validate_record(Lesson, {**LESSON, "status": "published", "learning_goal": "g",
                                      "what_happened": "w", "outcome": "flopped", "lessons": "l",
                                      "updated_at": "2026-02-03T09:00:00Z"})
    assert lesson.published_at == dt.datetime(2026, 2, 3, 9, 0)
