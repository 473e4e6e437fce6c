"""Import a folder of DOMAIN.md CSV files: validate every row, then write all or nothing.

Rows are validated with the pydantic models; every problem is reported with its file,
line, column and reason, and any problem means nothing is written. Writes upsert by id
(delete the incoming ids, insert the rows) in one transaction, so importing the same
folder twice changes nothing and a changed row is updated in place.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ValidationError

from data_layer import audit
from data_layer.errors import InvalidData, Problem
from data_layer.models import (
    ActivityEvent,
    Assessment,
    Cohort,
    Deal,
    FollowUpAction,
    Lesson,
    Membership,
    Person,
    Plan,
    problems_from,
)
from data_layer.store import Store, Transaction


@dataclass(frozen=True)
class FileSpec:
    """How one CSV file maps to a model and a table."""

    filename: str
    model: type[BaseModel]
    table: str
    key: tuple[str, ...]
    columns: tuple[str, ...]  # columns of the table, in order


SPECS: tuple[FileSpec, ...] = (
    FileSpec("people.csv", Person, "people", ("person_id",),
             ("person_id", "name", "email", "role", "team", "region", "manager_id")),
    FileSpec("cohorts.csv", Cohort, "cohorts", ("cohort_id",),
             ("cohort_id", "name", "program", "start_date", "end_date", "facilitator_id", "channel")),
    FileSpec("memberships.csv", Membership, "memberships", ("cohort_id", "person_id"),
             ("cohort_id", "person_id", "joined_on", "left_on")),
    FileSpec("activity.csv", ActivityEvent, "events", ("event_id",),
             ("event_id", "occurred_at", "person_id", "verb", "object", "cohort_id", "source")),
    FileSpec("assessments.csv", Assessment, "assessments", ("assessment_id",),
             ("assessment_id", "person_id", "taken_at", "instrument", "kind", "barriers", "barrier_notes")),
    FileSpec("deals.csv", Deal, "deals", ("deal_id",),
             ("deal_id", "owner_id", "created_on", "closed_on", "status", "amount", "currency",
              "partner_involvement", "partner_name", "segment")),
    FileSpec("plans.csv", Plan, "plans", ("plan_id",),
             ("plan_id", "name", "section", "owner_id", "starts_on", "ends_on", "learning_goal", "cohort_id")),
    FileSpec("lessons.csv", Lesson, "lessons", ("lesson_id",),
             ("lesson_id", "title", "plan_id", "section", "occurred_on", "learning_goal", "what_happened",
              "outcome", "lessons", "recommendations", "tags", "author_id", "cohort_id", "status",
              "created_at", "updated_at", "published_at")),
    FileSpec("actions.csv", FollowUpAction, "actions", ("action_id",),
             ("action_id", "lesson_id", "description", "owner_id", "due_on", "done_on")),
)
SPEC_BY_NAME = {spec.filename: spec for spec in SPECS}
SCORE_PREFIX = "score_"


@dataclass
class ImportResult:
    """What an import did: rows per table and warnings (e.g. ignored columns)."""

    rows: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _required_columns(spec: FileSpec) -> list[str]:
    return [name for name, info in spec.model.model_fields.items()
            if info.is_required() and name != "scores"]


def _known_columns(spec: FileSpec) -> set[str]:
    known = set(spec.model.model_fields)
    known.discard("scores")
    return known


def _column_of(spec: FileSpec, field_name: str) -> str:
    # Assessment scores are a mapping in the model but score_<dimension> columns in CSV.
    if spec.model is Assessment and field_name.startswith("scores."):
        return SCORE_PREFIX + field_name.split(".", 1)[1]
    return field_name


def parse_file(spec: FileSpec, raw: bytes, result: ImportResult) -> tuple[list[BaseModel], list[Problem]]:
    """Validate one file's bytes; return the good models and every problem found."""
    name = spec.filename
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [Problem(field="(file)", file=name, line=None,
                            message=f"is not UTF-8 text (bad byte at position {exc.start}); save it as UTF-8 CSV")]
    if not text.strip():
        return [], [Problem(field="(file)", file=name, line=None, message="is empty; it needs a header row")]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    problems: list[Problem] = []
    missing = [c for c in _required_columns(spec) if c not in header]
    for column in missing:
        problems.append(Problem(field=column, file=name, line=1, message="required column is missing"))
    known = _known_columns(spec)
    extra = [h for h in header if h not in known and not (spec.model is Assessment and h.startswith(SCORE_PREFIX))]
    if extra:
        result.warnings.append(f"{name}: ignored unknown column(s) {', '.join(extra)}")
    if missing:
        return [], problems
    models: list[BaseModel] = []
    seen: dict[tuple[Any, ...], int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:  # more cells than header columns
            problems.append(Problem(field="(row)", file=name, line=line,
                                    message="has more cells than the header has columns"))
            continue
        data: dict[str, Any] = {}
        scores: dict[str, Any] = {}
        for column, value in row.items():
            if value is None or not value.strip():
                continue  # blank: let the model say "is required" or use its default
            if spec.model is Assessment and column.startswith(SCORE_PREFIX):
                scores[column[len(SCORE_PREFIX):]] = value.strip()
            elif column in known:
                data[column] = value
        if spec.model is Assessment:
            data["scores"] = scores
        try:
            model = spec.model.model_validate(data)
        except ValidationError as exc:
            for p in problems_from(exc):
                problems.append(Problem(field=_column_of(spec, p.field), file=name, line=line,
                                        message=p.message, value=p.value))
            continue
        key = tuple(getattr(model, k) for k in spec.key)
        if key in seen:
            problems.append(Problem(field=spec.key[0], file=name, line=line, value=", ".join(map(str, key)),
                                    message=f"duplicate id; already on line {seen[key]}"))
            continue
        seen[key] = line
        models.append(model)
    return models, problems


def import_folder(store: Store, folder: str | Path, *, actor: str = "cli",
                  progress: Callable[[str], None] | None = None) -> ImportResult:
    """Import every known CSV file in `folder`; raise InvalidData (nothing written) on any bad row.

    `actor` is who imports (an admin's email, or "cli"); the import is audited in its transaction.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InvalidData([Problem(field="folder", message=f"{root} is not a folder")],
                          f"{root} is not a folder.")
    found = [spec for spec in SPECS if (root / spec.filename).is_file()]
    if not found:
        names = ", ".join(s.filename for s in SPECS)
        raise InvalidData([Problem(field="folder", message=f"no known file; expected any of {names}")],
                          f"No files to import in {root}; expected any of {names}.")
    result = ImportResult()
    parsed: list[tuple[FileSpec, list[BaseModel]]] = []
    problems: list[Problem] = []
    for spec in found:
        if progress:
            progress(f"checking {spec.filename}")
        models, bad = parse_file(spec, (root / spec.filename).read_bytes(), result)
        problems.extend(bad)
        parsed.append((spec, models))
    if problems:
        raise InvalidData(problems, f"{len(problems)} bad row(s) or value(s); nothing was imported.")
    with store.transaction() as tx:
        for spec, models in parsed:
            if progress:
                progress(f"writing {len(models):,} rows of {spec.filename}")
            _upsert(tx, spec, models)
            result.rows[spec.table] = len(models)
        summary = ", ".join(f"{table} {n:,}" for table, n in result.rows.items())
        audit.record(tx, actor, "import", root.name, "import", summary)
    return result


def _upsert(tx: Transaction, spec: FileSpec, models: list[BaseModel]) -> None:
    if not models:
        return
    records = [m.model_dump() for m in models]
    frame = pd.DataFrame.from_records(records, columns=list(spec.columns))
    match = " AND ".join(f"t.{k} = i.{k}" for k in spec.key)
    tx.register("incoming", frame)
    try:
        # Identifiers come from SPECS (our constants), values only through the view.
        tx.execute(f"DELETE FROM {spec.table} t USING incoming i WHERE {match}")  # noqa: S608 - composes our own SQL constants; values are bound
        cols = ", ".join(spec.columns)
        tx.execute(f"INSERT INTO {spec.table} ({cols}) SELECT {cols} FROM incoming")  # noqa: S608 - composes our own SQL constants; values are bound
        if spec.model is Assessment:
            scores = pd.DataFrame(
                [(m.assessment_id, dim, score) for m in models  # type: ignore[attr-defined]
                 for dim, score in m.scores.items()],  # type: ignore[attr-defined]
                columns=["assessment_id", "dimension", "score"],
            )
            tx.execute("DELETE FROM assessment_scores WHERE assessment_id IN (SELECT assessment_id FROM incoming)")
            tx.register("incoming_scores", scores)
            tx.execute("INSERT INTO assessment_scores SELECT assessment_id, dimension, score FROM incoming_scores")
            tx.unregister("incoming_scores")
    finally:
        tx.unregister("incoming")
