"""Import DOMAIN.md's CSV files: validate every row in bulk, then write all or nothing.

Each file is read by DuckDB's own CSV reader into a staging table of text columns (so a
bad value is reported, not guessed), then checked with set-based SQL: required values,
ISO dates and timestamps, allowed words, numbers and ranges, duplicate ids, rules across
fields, and references to people, cohorts, plans, lessons and sections (known in the
database or in another file of the same run). Every problem carries its file, line,
column, value and reason. Any problem means nothing is written; otherwise every file is
upserted by id (delete the incoming ids, insert) in one transaction, so importing the
same files twice changes nothing and a changed row is updated in place.

Identifiers in the SQL come from the constant specs below; values only ever from the
staged tables or bound parameters.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from data_layer.access.auth import Actor, confirm
from data_layer.db import audit
from data_layer.db.store import Session, Store, Transaction
from data_layer.db.summaries import refresh as refresh_summaries
from data_layer.db.summaries import refresh_assessments, refresh_deals
from data_layer.domain.errors import InvalidData, Problem
from data_layer.domain.vocabulary import (
    ASSESSMENT_KINDS,
    BARRIERS,
    DEAL_STATUSES,
    DIMENSIONS,
    LESSON_STATUSES,
    OBJECT_KINDS,
    OUTCOMES,
    PARTNER_INVOLVEMENT,
    VERBS,
)
from data_layer.ingest.bounded import check_path_size, control_line, count_path_rows
from data_layer.ingest.tables import DELIMITERS, sniff_delimiter

Progress = Callable[[str], None]
DATE_MSG = "must be an ISO date such as 2026-03-01"
TS_MSG = "must be an ISO timestamp such as 2026-03-01T14:05:00Z"
SCORE_PREFIX = "score_"


@dataclass(frozen=True)
class Col:
    """One column of a file: how to check it and how to store it."""

    name: str
    kind: str = "text"  # id | text | email | date | ts | enum | number | score | codes | tags
    required: bool = False
    values: tuple[str, ...] = ()
    default: str | None = None  # SQL literal used when the cell is blank or the column absent


@dataclass(frozen=True)
class FileSpec:
    """How one CSV file maps to a table."""

    filename: str
    table: str
    key: tuple[str, ...]
    cols: tuple[Col, ...]
    # (SQL condition that marks a bad row, column, reason); the condition sees typed helpers.
    rules: tuple[tuple[str, str, str], ...] = ()
    # (column, SQL that lists the known values, reason) for references to other records.
    refs: tuple[tuple[str, str, str], ...] = ()
    # (SQL condition, sentence) for rows that import but deserve a word in the report.
    warns: tuple[tuple[str, str], ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.cols)


PEOPLE = "(SELECT person_id FROM people UNION ALL SELECT person_id FROM stg_people)"
PEOPLE_OR_USERS = f"({PEOPLE[1:-1]} UNION ALL SELECT email FROM users)"
COHORTS = "(SELECT cohort_id FROM cohorts UNION ALL SELECT cohort_id FROM stg_cohorts)"
PLANS = "(SELECT plan_id FROM plans UNION ALL SELECT plan_id FROM stg_plans)"
LESSONS = "(SELECT lesson_id FROM lessons UNION ALL SELECT lesson_id FROM stg_lessons)"
SECTIONS = "(SELECT section_id FROM sections UNION ALL SELECT section_id FROM stg_sections)"

SPECS: tuple[FileSpec, ...] = (
    FileSpec("people.csv", "people", ("person_id",), (
        Col("person_id", "id", True), Col("name", "text", True), Col("email", "email", True),
        Col("role", "text", True), Col("team"), Col("region"), Col("manager_id", "id"),
    ), refs=(("manager_id", PEOPLE, "is not a known person"),)),
    FileSpec("cohorts.csv", "cohorts", ("cohort_id",), (
        Col("cohort_id", "id", True), Col("name", "text", True), Col("program", "text", True),
        Col("start_date", "date", True), Col("end_date", "date"), Col("facilitator_id", "id"), Col("channel"),
    ), rules=(("d_end_date < d_start_date", "end_date", "must be on or after start_date"),),
        refs=(("facilitator_id", PEOPLE, "is not a known person"),)),
    FileSpec("memberships.csv", "memberships", ("cohort_id", "person_id"), (
        Col("cohort_id", "id", True), Col("person_id", "id", True), Col("joined_on", "date", True),
        Col("left_on", "date"),
    ), rules=(("d_left_on < d_joined_on", "left_on", "must be on or after joined_on"),),
        refs=(("person_id", PEOPLE, "is not a known person"), ("cohort_id", COHORTS, "is not a known cohort"))),
    FileSpec("activity.csv", "events", ("event_id",), (
        Col("event_id", "id", True), Col("occurred_at", "ts", True), Col("person_id", "id", True),
        Col("verb", "enum", True, VERBS), Col("object"), Col("cohort_id", "id"),
        Col("source", "text", default="'import'"),
    ), refs=(("person_id", PEOPLE, "is not a known person"), ("cohort_id", COHORTS, "is not a known cohort"))),
    FileSpec("objects.csv", "objects", ("object_id",), (
        Col("object_id", "id", True), Col("kind", "enum", True, OBJECT_KINDS), Col("name", "text", True),
        Col("launched_on", "date"),
    )),
    FileSpec("assessments.csv", "assessments", ("assessment_id",), (
        Col("assessment_id", "id", True), Col("person_id", "id", True), Col("taken_at", "ts", True),
        Col("instrument", "text", True), Col("kind", "enum", True, ASSESSMENT_KINDS),
        Col("barriers", "codes", values=tuple(BARRIERS)), Col("barrier_notes"),
    ), refs=(("person_id", PEOPLE, "is not a known person"),)),
    FileSpec("deals.csv", "deals", ("deal_id",), (
        Col("deal_id", "id", True), Col("owner_id", "id", True), Col("created_on", "date"),
        Col("closed_on", "date"), Col("status", "enum", True, DEAL_STATUSES), Col("amount", "number"),
        Col("currency", "text", default="'USD'"),
        Col("partner_involvement", "enum", False, PARTNER_INVOLVEMENT, default="'none'"),
        Col("partner_name"), Col("segment"),
    ), rules=(
        ("n_amount < 0", "amount", "must not be negative"),
        ("v_status IN ('won', 'lost') AND v_closed_on IS NULL", "closed_on", "a {status} deal needs the date it closed"),
        # An open deal may lack both (CRMs keep early opportunities so); a closed one is counted and needs them.
        ("v_status IN ('won', 'lost') AND v_amount IS NULL", "amount", "a {status} deal needs its amount"),
        ("v_status IN ('won', 'lost') AND v_created_on IS NULL", "created_on",
         "a {status} deal needs the date it was created"),
        ("v_currency IS NOT NULL AND NOT regexp_full_match(v_currency, '[A-Za-z]{3}')", "currency",
         "must be a three-letter currency code such as USD"),
    ), refs=(("owner_id", PEOPLE, "is not a known person"),),
        warns=(("d_closed_on < d_created_on", "closed before they were created; they are imported and left out of "
                                              "the cycle-time medians"),)),
    FileSpec("sections.csv", "sections", ("section_id",), (
        Col("section_id", "id", True), Col("label", "text", True), Col("owner_id", "id"),
    ), refs=(("owner_id", PEOPLE, "is not a known person"),)),
    FileSpec("plans.csv", "plans", ("plan_id",), (
        Col("plan_id", "id", True), Col("name", "text", True), Col("section", "id", True),
        Col("owner_id", "id", True), Col("starts_on", "date", True), Col("ends_on", "date", True),
        Col("learning_goal", "text", True), Col("cohort_id", "id"),
    ), rules=(("d_ends_on < d_starts_on", "ends_on", "must be on or after starts_on"),),
        refs=(("section", SECTIONS, "is not a section of the Book of Learning"),
              ("owner_id", PEOPLE_OR_USERS, "is not a known person"), ("cohort_id", COHORTS, "is not a known cohort"))),
    FileSpec("lessons.csv", "lessons", ("lesson_id",), (
        Col("lesson_id", "id", True), Col("title", "text", True), Col("plan_id", "id"),
        Col("section", "id", True), Col("occurred_on", "date", True), Col("learning_goal"), Col("what_happened"),
        Col("outcome", "enum", False, OUTCOMES), Col("lessons"), Col("recommendations"), Col("tags", "tags"),
        Col("author_id", "id", True), Col("cohort_id", "id"),
        Col("status", "enum", False, LESSON_STATUSES, default="'draft'"), Col("created_at", "ts", True),
        Col("updated_at", "ts"), Col("published_at", "ts"),
    ), rules=tuple(
        (f"v_status = 'published' AND v_{name} IS NULL", name,
         "a published post-mortem needs learning goal, what happened, outcome and lessons")
        for name in ("learning_goal", "what_happened", "outcome", "lessons")
    ), refs=(("plan_id", PLANS, "is not a known plan"), ("section", SECTIONS, "is not a section of the Book of Learning"),
             ("author_id", PEOPLE_OR_USERS, "is not a known person"), ("cohort_id", COHORTS, "is not a known cohort"))),
    FileSpec("actions.csv", "actions", ("action_id",), (
        Col("action_id", "id", True), Col("lesson_id", "id", True), Col("description", "text", True),
        Col("owner_id", "id", True), Col("due_on", "date", True), Col("done_on", "date"),
    ), refs=(("lesson_id", LESSONS, "is not a known lesson"), ("owner_id", PEOPLE_OR_USERS, "is not a known person"))),
)
SPEC_BY_NAME = {spec.filename: spec for spec in SPECS}
TEXT_COLUMN = "text"  # activity.csv's optional column of message text (opt-in per import)
SCORE_COLS = {SCORE_PREFIX + d for d in DIMENSIONS}


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do): rows per table, warnings, timings."""

    rows: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _typed(col: Col, source: str | None) -> list[str]:
    """SQL select items: v_<col> (trimmed text or NULL, from the header `source`) and its typed twin (d_/t_/n_)."""
    raw = f"nullif(trim({_q(source)}), '')" if source is not None else "NULL"
    items = [f"{raw} AS v_{col.name}"]
    if col.kind == "date":
        items.append(f"try_cast({raw} AS DATE) AS d_{col.name}")
    elif col.kind == "ts":
        items.append(f"CAST(try_cast({raw} AS TIMESTAMPTZ) AS TIMESTAMP) AS t_{col.name}")
    elif col.kind in ("number", "score"):
        items.append(f"try_cast({raw} AS DOUBLE) AS n_{col.name}")
    return items


def _problems_sql(spec: FileSpec, header: list[str]) -> str:
    """One SELECT (UNION ALL) listing every problem of the staged file."""
    parts: list[str] = []
    file = _lit(spec.filename)

    def add(cond: str, column: str, reason_sql: str, value_sql: str | None = None) -> None:
        value = value_sql or f"v_{column}"
        parts.append(f"SELECT {file} AS file, line, {_lit(column)} AS col, CAST({value} AS VARCHAR) AS value, "
                     f"{reason_sql} AS reason FROM typed WHERE {cond}")

    for col in spec.cols:
        v = f"v_{col.name}"
        if col.required:
            add(f"{v} IS NULL", col.name, _lit("is required"))
        if col.kind == "date":
            add(f"{v} IS NOT NULL AND d_{col.name} IS NULL", col.name, _lit(DATE_MSG))
        elif col.kind == "ts":
            add(f"{v} IS NOT NULL AND t_{col.name} IS NULL", col.name, _lit(TS_MSG))
        elif col.kind == "number":
            add(f"{v} IS NOT NULL AND n_{col.name} IS NULL", col.name, _lit("must be a number"))
        elif col.kind == "email":
            add(f"{v} IS NOT NULL AND NOT regexp_full_match({v}, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+')", col.name,
                _lit("must be an email address such as name@example.com"))
        elif col.kind == "enum":
            allowed = ", ".join(_lit(x) for x in col.values)
            add(f"{v} IS NOT NULL AND {v} NOT IN ({allowed})", col.name,
                f"'''' || {v} || ''' is not allowed; use one of ' || {_lit(', '.join(col.values))}")
        elif col.kind == "codes":
            allowed = "[" + ", ".join(_lit(x) for x in col.values) + "]"
            unknown = (f"list_filter(list_transform(string_split({v}, ';'), lambda x: trim(x)), "
                       f"lambda x: x <> '' AND NOT list_contains({allowed}, x))")
            add(f"{v} IS NOT NULL AND len({unknown}) > 0", col.name,
                f"'unknown barrier code ' || array_to_string({unknown}, ', ') || '; allowed: ' || "
                f"{_lit(', '.join(col.values))}")
    if spec.table == "assessments":
        for name in header:
            if name.startswith(SCORE_PREFIX):
                raw = f"nullif(trim({_q(name)}), '')"
                if name not in SCORE_COLS:
                    add(f"{raw} IS NOT NULL", name, _lit(f"unknown dimension {name[len(SCORE_PREFIX):]}; allowed: "
                                                         f"{', '.join(DIMENSIONS)}"), raw)
                else:
                    add(f"{raw} IS NOT NULL AND (try_cast({raw} AS DOUBLE) IS NULL OR try_cast({raw} AS DOUBLE) < 0 "
                        f"OR try_cast({raw} AS DOUBLE) > 100)", name, _lit("must be a score between 0 and 100"), raw)
    for cond, column, reason in spec.rules:
        reason_sql = _lit(reason).replace("{status}", "' || v_status || '")
        add(cond, column, reason_sql)
    # Duplicate ids within the file: every occurrence after the first.
    key_vals = " || '|' || ".join(f"coalesce(v_{k}, '')" for k in spec.key)
    parts.append(
        f"SELECT {file}, line, {_lit(spec.key[0])}, {key_vals}, 'duplicate id; already on line ' || first_line "
        f"FROM (SELECT line, {key_vals} AS k, min(line) OVER (PARTITION BY {key_vals}) AS first_line FROM typed "
        f"WHERE {' AND '.join(f'v_{k} IS NOT NULL' for k in spec.key)}) WHERE line > first_line".replace(
            f"{key_vals}, 'duplicate", "k, 'duplicate"))
    for column, known, reason in spec.refs:
        add(f"v_{column} IS NOT NULL AND v_{column} NOT IN {known}", column, _lit(reason))
    return "\nUNION ALL\n".join(parts)


def _insert_sql(spec: FileSpec) -> str:
    """The typed, trimmed rows of a staged file in the table's column order."""
    items = []
    for col in spec.cols:
        if col.kind == "date":
            expr = f"d_{col.name}"
        elif col.kind == "ts":
            expr = f"t_{col.name}"
        elif col.kind == "number":
            expr = f"n_{col.name}"
        elif col.kind == "email":
            expr = f"lower(v_{col.name})"
        elif col.kind in ("codes", "tags"):
            # Split on ';', trim, drop blanks and repeats (keeping the first occurrence's order).
            parts = f"list_transform(string_split(v_{col.name}, ';'), lambda y: trim(y))"
            expr = (f"coalesce(list_filter({parts}, lambda x, i: x <> '' AND list_position({parts}, x) = i), "
                    f"CAST([] AS VARCHAR[]))")
        else:
            expr = f"v_{col.name}"
        if col.default is not None:
            expr = f"coalesce({expr}, {col.default})"
        items.append(expr)
    if spec.table == "lessons":
        # As the model does: updated_at defaults to created_at, published_at to updated_at when published.
        names = list(spec.columns)
        items[names.index("updated_at")] = "coalesce(t_updated_at, t_created_at)"
        items[names.index("published_at")] = ("CASE WHEN coalesce(v_status, 'draft') = 'published' "
                                              "THEN coalesce(t_published_at, t_updated_at, t_created_at) "
                                              "ELSE t_published_at END")
    return ", ".join(items)


def _ragged_line(path: Path) -> int | None:
    """The first line whose cell count differs from the header's (only on the failure path)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            return None
        for row in reader:
            if row and len(row) != len(header):
                return reader.line_num
    return None


def _reader_problem(name: str, text: str) -> Problem:
    """A sentence for DuckDB's CSV reader errors (never its raw message)."""
    lowered = text.lower()
    found = re.search(r"CSV Error on Line: (\d+)", text)
    line = int(found.group(1)) if found else None
    if "not utf-8 encoded" in lowered or "invalid unicode" in lowered:
        return Problem(field="(file)", file=name, line=line, message="is not UTF-8 text; save it as UTF-8 CSV")
    if "expected number of columns" in lowered or "too many columns" in lowered:
        return Problem(field="(row)", file=name, line=line,
                       message="has a different number of cells than the header has columns")
    if "unterminated quote" in lowered or "quote" in lowered and line is not None:
        return Problem(field="(row)", file=name, line=line,
                       message="has a quoted cell that is not closed, or text after its closing quote")
    return Problem(field="(file)", file=name, line=line,
                   message="is not valid CSV: check that cells are separated by commas and that every quoted "
                           "cell ends with a quote (a quote inside a cell is written twice)")


def _stage(tx: Session, spec: FileSpec, path: Path, result: ImportResult) -> tuple[list[Problem], list[str]]:
    """Read one file into stg_<table> (text) and typed_<table>; return file-level problems and its header."""
    name = spec.filename
    check_path_size(path)
    count_path_rows(path)
    hidden = control_line(path)
    if hidden is not None:
        return [Problem(field="(file)", file=name, line=hidden,
                        message="contains a control character (such as NUL) that text never holds; remove it")], []
    raw = path.read_bytes()[:4096]
    if not raw.strip():
        return [Problem(field="(file)", file=name, message="is empty; it needs a header row")], []
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(raw) - 4:  # not just a character cut at the 4 KiB boundary
            return [Problem(field="(file)", file=name,
                            message=f"is not UTF-8 text (bad byte at position {exc.start}); save it as UTF-8 CSV")], []
    stg = f"raw_{spec.table}"
    # Excel in many locales saves "CSV" with semicolons (or tabs): the separator is read from the file.
    delim = sniff_delimiter(raw.decode("utf-8", errors="ignore"))
    if delim != ",":
        result.warnings.append(f"{name}: read as {DELIMITERS[delim]}-separated.")
    try:
        tx.execute(f"CREATE OR REPLACE TEMP TABLE {stg} AS SELECT * FROM read_csv($path, all_varchar = true, "
                   "header = true, auto_detect = true, delim = $delim, quote = '\"', escape = '\"', "
                   "null_padding = false, strict_mode = true)", {"path": str(path), "delim": delim})
    except Exception as exc:
        return [_reader_problem(name, str(getattr(exc, "detail", exc)))], []
    header = [str(r[0]) for r in tx.query("SELECT name FROM pragma_table_info($t) ORDER BY cid", {"t": stg})]
    header_clean = [h.strip() for h in header]
    problems = [Problem(field=c.name, file=name, line=1, message="required column is missing")
                for c in spec.cols if c.required and c.name not in header_clean]
    if problems:
        ragged = _ragged_line(path)
        if ragged is not None:  # the reader misread the header because a row is ragged: say so
            return [Problem(field="(row)", file=name, line=ragged,
                            message="has a different number of cells than the header has columns")], []
        return problems, header_clean
    extra = [h for h in header_clean if h not in spec.columns and not (spec.table == "assessments" and
                                                                        h.startswith(SCORE_PREFIX))
             and not (spec.table == "events" and h == TEXT_COLUMN)]
    if extra:
        result.warnings.append(f"{name}: ignored unknown column(s) {', '.join(extra)}")
    by_clean = dict(zip(header_clean, header, strict=True))
    selects = [item for col in spec.cols for item in _typed(col, by_clean.get(col.name))]
    passthrough = "".join(f", {_q(h)} AS {_q(h.strip())}" for h in header if h.strip().startswith(SCORE_PREFIX)) \
        if spec.table == "assessments" else ""
    if spec.table == "events" and TEXT_COLUMN in header_clean:
        # The words as written (not trimmed): stored only when the person opts in (import_files).
        passthrough = f", {_q(by_clean[TEXT_COLUMN])} AS _text"
    tx.execute(f"CREATE OR REPLACE TEMP TABLE typed_{spec.table} AS SELECT rowid + 2 AS line, "
               f"{', '.join(selects)}{passthrough} FROM {stg}")
    return [], header_clean


def _check(tx: Transaction, spec: FileSpec, header: list[str]) -> list[Problem]:
    sql = _problems_sql(spec, header).replace("FROM typed ", f"FROM typed_{spec.table} ").replace(
        "FROM typed\n", f"FROM typed_{spec.table}\n")
    sql = sql.replace("FROM typed WHERE", f"FROM typed_{spec.table} WHERE")
    rows = tx.query(f"SELECT * FROM ({sql}) ORDER BY line, col LIMIT 100000")
    return [Problem(field=str(r[2]), file=str(r[0]), line=int(r[1]), value=None if r[3] is None else str(r[3])[:200],
                    message=str(r[4])) for r in rows]


def _sections_by_label(tx: Transaction, spec: FileSpec, with_staged: bool) -> None:
    """A plan's or lesson's section given by its label ("Email") becomes the section's id."""
    known = "SELECT section_id, label FROM sections" + (
        " UNION ALL SELECT v_section_id, v_label FROM typed_sections" if with_staged else "")
    typed = f"typed_{spec.table}"
    tx.execute(f"UPDATE {typed} SET v_section = k.section_id FROM ({known}) k "
               f"WHERE lower(trim(k.label)) = lower({typed}.v_section) "
               f"AND {typed}.v_section NOT IN (SELECT section_id FROM ({known}))")


def _warnings(tx: Transaction, spec: FileSpec) -> list[str]:
    """Sentences for rows that import but deserve a word (counted, with the first ids)."""
    out = []
    for cond, sentence in spec.warns:
        row = tx.query(f"SELECT count(*), list(v_{spec.key[0]} ORDER BY line)[1:3] FROM typed_{spec.table} "
                       f"WHERE {cond}")[0]
        if row[0]:
            ids = ", ".join(str(x) for x in row[1])
            more = " ..." if row[0] > 3 else ""
            out.append(f"{spec.filename}: {row[0]:,} row(s) {sentence} ({ids}{more}).")
    return out


def _known_ids(tx: Transaction, spec: FileSpec) -> None:
    # References see ids of the files in this run: expose each staged file's ids as stg_<table>.
    key = spec.key[0] if spec.table != "memberships" else "person_id"
    tx.execute(f"CREATE OR REPLACE TEMP VIEW stg_{spec.table} AS SELECT v_{key} AS {key} FROM typed_{spec.table}")


def _empty_stage(tx: Transaction, spec: FileSpec) -> None:
    key = spec.key[0]
    tx.execute(f"CREATE OR REPLACE TEMP VIEW stg_{spec.table} AS SELECT CAST(NULL AS VARCHAR) AS {key} WHERE FALSE")


def import_files(store: Store, paths: list[Path], *, actor: str = "cli", dry_run: bool = False,
                 progress: Progress | None = None, account: Actor | None = None,
                 with_text: bool = False) -> ImportResult:
    """Validate and import the given files (recognised by name, case ignored); InvalidData lists every problem.

    Message text (activity's `text` column) is people's own words: it is stored only with
    `with_text` (an admin's choice per import), otherwise left out with a warning saying so.
    """
    say = progress or (lambda _m: None)
    started = time.perf_counter()
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for path in paths:
        spec = SPEC_BY_NAME.get(path.name.lower())  # `Deals.csv` is deals.csv
        if spec is None:
            names = ", ".join(s.filename for s in SPECS)
            problems.append(Problem(field="(file)", file=path.name, message=f"is not a known file; expected one of {names}"))
        elif spec.filename in found:
            problems.append(Problem(field="(file)", file=path.name, message="is given twice"))
        else:
            found[spec.filename] = path
    if not found and not problems:
        raise InvalidData([Problem("files", "no files to import")], "No files to import.")
    result = ImportResult(dry_run=dry_run)
    ordered = [spec for spec in SPECS if spec.filename in found]
    with store.session() as tx:
        tx.execute("SET TimeZone = 'UTC'")  # timestamps without an offset are UTC
        for spec in SPECS:
            _empty_stage(tx, spec)
        headers: dict[str, list[str]] = {}
        for spec in ordered:
            say(f"reading {spec.filename}")
            file_problems, header = _stage(tx, spec, found[spec.filename], result)
            problems += file_problems
            if not file_problems:
                headers[spec.filename] = header
                _known_ids(tx, spec)
        for spec in ordered:
            if spec.table in ("plans", "lessons") and spec.filename in headers:
                _sections_by_label(tx, spec, "sections.csv" in headers)
        for spec in ordered:
            if spec.filename in headers:
                say(f"checking {spec.filename}")
                problems += _check(tx, spec, headers[spec.filename])
                result.warnings += _warnings(tx, spec)
        if problems:
            raise InvalidData(problems, f"{len(problems)} bad row(s) or value(s); nothing was imported.")
        for spec in ordered:
            result.rows[spec.table] = int(tx.query(f"SELECT count(*) FROM typed_{spec.table}")[0][0])
        if TEXT_COLUMN in headers.get("activity.csv", []):
            texts = int(tx.query("SELECT count(*) FROM typed_events WHERE nullif(trim(_text), '') IS NOT NULL")[0][0])
            if with_text:
                result.rows["event_texts"] = texts
            elif texts:
                result.warnings.append(
                    f"activity.csv: the words of {texts:,} message(s) were not imported: people's text is stored "
                    f"only when you choose to (\"Import message text\" on the Import page, --with-text).")
        if not dry_run:
            tx.begin()
            if account is not None:  # an account importing through the app: still an active admin now?
                confirm(tx, account, "admin")
            for spec in ordered:
                say(f"writing {result.rows[spec.table]:,} rows of {spec.filename}")
                if spec.table == "events":
                    # Both the new owners of these events and their old owners (an event moved to
                    # another person) need their activity summaries rebuilt.
                    tx.execute("CREATE OR REPLACE TEMP TABLE touched_people AS "
                               "SELECT v_person_id AS person_id FROM typed_events UNION "
                               "SELECT e.person_id FROM events e JOIN typed_events t ON e.event_id = t.v_event_id")
                _upsert(tx, spec, headers[spec.filename])
                if spec.table == "events":
                    say("updating the activity summaries")
                    refresh_summaries(tx, "SELECT person_id FROM touched_people")
                    if TEXT_COLUMN in headers[spec.filename] and with_text:
                        _store_texts(tx)
                if spec.table == "assessments":
                    say("updating the assessment summary")
                    refresh_assessments(tx)
                if spec.table == "deals":
                    say("updating the deal summary")
                    refresh_deals(tx)
            summary = ", ".join(f"{table} {n:,}" for table, n in result.rows.items())
            audit.record(tx, actor, "import", ", ".join(sorted(found)), "import", summary)
            tx.commit()
    result.seconds = time.perf_counter() - started
    return result


def _store_texts(tx: Transaction) -> None:
    """The file is the truth for its events' words: replaced, and removed where now blank."""
    tx.execute("DELETE FROM event_texts WHERE event_id IN (SELECT v_event_id FROM typed_events)")
    tx.execute("INSERT INTO event_texts SELECT v_event_id, _text FROM typed_events "
               "WHERE nullif(trim(_text), '') IS NOT NULL")


def _upsert(tx: Transaction, spec: FileSpec, header: list[str]) -> None:
    typed = f"typed_{spec.table}"
    match = " AND ".join(f"t.{k} = i.v_{k}" for k in spec.key)
    tx.execute(f"DELETE FROM {spec.table} t USING {typed} i WHERE {match}")
    tx.execute(f"INSERT INTO {spec.table} ({', '.join(spec.columns)}) SELECT {_insert_sql(spec)} FROM {typed}")
    if spec.table == "assessments":
        tx.execute(f"DELETE FROM assessment_scores WHERE assessment_id IN (SELECT v_assessment_id FROM {typed})")
        for name in header:
            if name in SCORE_COLS:
                dim = name[len(SCORE_PREFIX):]
                tx.execute(f"INSERT INTO assessment_scores SELECT v_assessment_id, $dim, "
                           f"CAST(nullif(trim({_q(name)}), '') AS DOUBLE) FROM {typed} "
                           f"WHERE nullif(trim({_q(name)}), '') IS NOT NULL", {"dim": dim})


def import_paths(paths: Sequence[str]) -> list[Path]:
    """Files to import: given files as they are, and the known files inside given folders."""
    out: list[Path] = []
    for text in paths:
        p = Path(text)
        if p.is_dir():
            by_name = {f.name.lower(): f for f in sorted(p.iterdir()) if f.is_file()}  # `Deals.csv` is deals.csv
            found = [by_name[s.filename] for s in SPECS if s.filename in by_name]
            if "activity.json" in by_name and "activity.csv" not in by_name:
                found.append(by_name["activity.json"])  # xAPI statements, DOMAIN.md's alternative to activity.csv
            if not found:
                names = ", ".join(s.filename for s in SPECS)
                raise InvalidData([], f"No files to import in {p}; expected any of {names}.")
            out += found
        elif p.is_file():
            out.append(p)
        else:
            raise InvalidData([], f"{p} does not exist.")
    return out
