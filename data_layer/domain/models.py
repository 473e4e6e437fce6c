"""Pydantic models of every entity in DOMAIN.md.

`validate_record` turns pydantic's errors into `Problem`s whose sentences name the
field and say what is allowed, so the importer, the CLI and the forms speak alike.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from data_layer.domain.errors import InvalidData, Problem


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _utc_naive(value: dt.datetime) -> dt.datetime:
    # Store every timestamp as naive UTC; a naive input is taken to be UTC already.
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _split_codes(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("must be an email address such as name@example.com")
    return value.lower()


# C0 control characters other than tab, line feed and carriage return: never stored (NUL breaks
# files and terminals; the others hide text). Refused on import and input alike.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control(value: Any) -> Any:
    if isinstance(value, str) and CONTROL.search(value):
        raise ValueError("contains a control character (such as NUL); remove it")
    return value


Id = Annotated[str, BeforeValidator(_strip), AfterValidator(_no_control), Field(min_length=1, max_length=200)]
Text = Annotated[str, BeforeValidator(_strip), AfterValidator(_no_control), Field(min_length=1, max_length=20_000)]
OptionalId = Annotated[Id | None, BeforeValidator(_blank_to_none)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(_no_control)]
OptionalDate = Annotated[dt.date | None, BeforeValidator(_blank_to_none)]
Timestamp = Annotated[dt.datetime, AfterValidator(_utc_naive)]
OptionalTimestamp = Annotated[dt.datetime | None, BeforeValidator(_blank_to_none), AfterValidator(
    lambda v: None if v is None else _utc_naive(v)
)]
Email = Annotated[str, BeforeValidator(_strip), AfterValidator(_email)]
Outcome = Literal["worked", "flopped", "mixed", "inconclusive"]
LessonStatus = Literal["draft", "in_review", "published"]
UserRole = Literal["viewer", "editor", "admin"]


class Entity(BaseModel):
    """Common settings: unknown keys are an error, values are checked on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=False)


class Person(Entity):
    person_id: Id
    name: Text
    email: Email
    role: Text
    team: OptionalText = None
    region: OptionalText = None
    manager_id: OptionalId = None


class Cohort(Entity):
    cohort_id: Id
    name: Text
    program: Text
    start_date: dt.date
    end_date: OptionalDate = None
    facilitator_id: OptionalId = None
    channel: OptionalText = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> Cohort:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date: must be on or after start_date")
        return self


class Membership(Entity):
    cohort_id: Id
    person_id: Id
    joined_on: dt.date
    left_on: OptionalDate = None

    @model_validator(mode="after")
    def _leaves_after_joining(self) -> Membership:
        if self.left_on is not None and self.left_on < self.joined_on:
            raise ValueError("left_on: must be on or after joined_on")
        return self


class Plan(Entity):
    plan_id: Id
    name: Text
    section: Id
    owner_id: Id
    starts_on: dt.date
    ends_on: dt.date
    learning_goal: Text
    cohort_id: OptionalId = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> Plan:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on: must be on or after starts_on")
        return self


# Fields a post-mortem must have before it can be published (DOMAIN.md / issue 4).
PUBLISH_REQUIRES: tuple[str, ...] = ("learning_goal", "what_happened", "outcome", "lessons")


class Lesson(Entity):
    lesson_id: Id
    title: Text
    plan_id: OptionalId = None
    section: Id
    occurred_on: dt.date
    learning_goal: OptionalText = None
    what_happened: OptionalText = None
    outcome: Annotated[Outcome | None, BeforeValidator(_blank_to_none)] = None
    lessons: OptionalText = None
    recommendations: OptionalText = None
    tags: Annotated[list[str], BeforeValidator(_split_codes)] = Field(default_factory=list)
    author_id: Id
    cohort_id: OptionalId = None
    status: LessonStatus = "draft"
    created_at: Timestamp
    updated_at: OptionalTimestamp = None
    published_at: OptionalTimestamp = None

    @model_validator(mode="after")
    def _complete_when_published(self) -> Lesson:
        if self.status == "published":
            missing = [f for f in PUBLISH_REQUIRES if getattr(self, f) in (None, "")]
            if missing:
                raise ValueError(
                    f"{missing[0]}: a published post-mortem needs "
                    + ", ".join(f.replace("_", " ") for f in missing)
                )
        return self

    @model_validator(mode="after")
    def _default_times(self) -> Lesson:
        # Bypass validate_assignment recursion by writing to __dict__ directly.
        if self.updated_at is None:
            self.__dict__["updated_at"] = self.created_at
        if self.status == "published" and self.published_at is None:
            self.__dict__["published_at"] = self.updated_at
        return self


class FollowUpAction(Entity):
    action_id: Id
    lesson_id: Id
    description: Text
    owner_id: Id
    due_on: dt.date
    done_on: OptionalDate = None


class User(Entity):
    email: Email
    name: Text
    role: UserRole
    disabled: bool = False
    person_id: OptionalId = None


M = TypeVar("M", bound=BaseModel)

_FRIENDLY: dict[str, str] = {
    "missing": "is required",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
    "string_too_long": "is too long",
    "date_parsing": "must be an ISO date such as 2026-03-01",
    "date_from_datetime_parsing": "must be an ISO date such as 2026-03-01",
    "date_from_datetime_inexact": "must be a date without a time, such as 2026-03-01",
    "date_type": "must be an ISO date such as 2026-03-01",
    "datetime_parsing": "must be an ISO timestamp such as 2026-03-01T14:05:00Z",
    "datetime_from_date_parsing": "must be an ISO timestamp such as 2026-03-01T14:05:00Z",
    "datetime_type": "must be an ISO timestamp such as 2026-03-01T14:05:00Z",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "extra_forbidden": "is not a field of this record",
    "string_pattern_mismatch": "must be a three-letter currency code such as USD",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of dimension to score",
}


def _sentence(err: dict[str, Any]) -> tuple[str, str]:
    loc = [str(p) for p in err.get("loc", ())]
    field = ".".join(loc) if loc else ""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        allowed = ctx.get("expected", "")
        return field, f"{err.get('input')!r} is not allowed; use one of {allowed}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        if kind == "greater_than_equal":
            ge = ctx.get("ge")
            return field, "must not be negative" if ge == 0 else f"must be at least {ge}"
        if kind == "less_than_equal":
            return field, f"must be at most {ctx.get('le')}"
    if kind == "value_error":
        message = str(ctx.get("error", err.get("msg", "")))
        # Model-level rules say which field they concern as "field: message".
        if not field and ":" in message:
            head, _, tail = message.partition(":")
            if head.isidentifier():
                return head, tail.strip()
        return field, message
    return field, _FRIENDLY.get(kind, str(err.get("msg", "is not valid")))


def problems_from(exc: ValidationError) -> list[Problem]:
    """Our Problems (field + sentence) from a pydantic ValidationError."""
    out = []
    for err in exc.errors():
        field, message = _sentence(dict(err))
        value = err.get("input")
        shown = None if isinstance(value, dict) else (None if value is None else str(value)[:200])
        out.append(Problem(field=field or "record", message=message, value=shown))
    return out


def validate_record(model: type[M], data: dict[str, Any]) -> M:
    """Build a model from raw values or raise InvalidData naming each bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = problems_from(exc)
        raise InvalidData(problems, "; ".join(f"{p.field} {p.message}" for p in problems)) from None
