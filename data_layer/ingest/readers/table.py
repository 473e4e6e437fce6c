"""Tables read through a mapping: each mapped column converted exactly, or a problem placed in the file.

Shared by every reader of tables (deals, surveys, people and the rest): renames the file's
columns to ours, decides each column's format from all its values (`ingest.formats`),
matches people (`ingest.people`), and hands the entity's own rules to the reader's
`finish` step (stages for deals, scales and respondents for surveys).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData, Problem
from data_layer.domain.vocabulary import DIMENSIONS
from data_layer.ingest.formats import (
    AGREE_5,
    AGREE_7,
    DATE_CHOICES,
    FormatError,
    convert_dates,
    convert_numbers,
    convert_ratings,
    date_order_shown,
)
from data_layer.ingest.importer import PEOPLE, PEOPLE_OR_USERS, SCORE_PREFIX, SPEC_BY_NAME
from data_layer.ingest.mapping import Mapping
from data_layer.ingest.people import PeopleIndex, Stranger, resolve
from data_layer.ingest.readers.base import Context, Converted, Fit, Probe
from data_layer.ingest.tables import Table

ProblemFn = Callable[..., None]


@dataclass
class Conversion:
    """A source table converted to one of our files, with what it took and what is wrong."""

    entity: str
    frame: pd.DataFrame
    lines: list[int]
    back: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    strangers: dict[str, Stranger] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # source column -> the format read
    stages: dict[str, tuple[str, int]] = field(default_factory=dict)  # stage name -> (status, rows)
    tool: str | None = None
    name: str = ""
    undecided: dict[str, str] = field(default_factory=dict)  # source column -> date | number | score
    keep: list[bool] | None = None  # rows to write (None: all); a reader may leave rows out when asked to
    placeholders: dict[str, list[int]] = field(default_factory=dict)  # "Unassigned" ... -> row indexes


# A reader's own rules, run after the mapped columns are converted:
# (mapping, the file's rows, our columns so far, the conversion, people, problem(field, src, message, i, value)).
Finish = Callable[[Mapping, pd.DataFrame, dict[str, list[str]], "Conversion", PeopleIndex, ProblemFn], None]


def _with_article(tool: str) -> str:
    """'a HubSpot deals export', 'Typeform responses', 'a Salesforce data export'."""
    return tool if tool.endswith("responses") else f"a {tool}"


def _unplaced_answers(frame: pd.DataFrame, mapping: Mapping) -> list[str]:
    """Unmapped columns of a survey whose values look like ratings (small whole numbers or agreement
    labels): questions the file asks that no dimension took, to be named rather than dropped unsaid."""
    used = set(mapping.columns.values())
    out = []
    for column in frame.columns:
        if column in used:
            continue
        values = [str(v).strip().lower() for v in frame[column].tolist() if str(v).strip()]
        if values and all((v.isdigit() and int(v) <= 10) or v in AGREE_7 or v in AGREE_5 for v in values):
            out.append(str(column))
    return out


def _submitted_only(frame: pd.DataFrame, lines: list[int], mapping: Mapping) -> tuple[pd.DataFrame, list[int], int]:
    """Typeform lists responses people started and never submitted ("partial", no submit date):
    they are not assessments, so they are left out (and counted) rather than refused."""
    if mapping.preset != "typeform" or "Response Type" not in frame.columns:
        return frame, lines, 0
    keep = [str(v).strip().lower() != "partial" for v in frame["Response Type"].tolist()]
    if all(keep):
        return frame, lines, 0
    kept = frame[keep].reset_index(drop=True)
    return kept, [line for line, k in zip(lines, keep, strict=True) if k], keep.count(False)


def convert_table(store: Store, table: Table, mapping: Mapping, index: PeopleIndex | None = None,
                  tool: str | None = None, finish: Finish | None = None) -> Conversion:
    """Rename and convert a source table into one of our files (as text, for the importer to check)."""
    name, frame, lines = table.name, table.frame, table.lines
    frame, lines, unsubmitted = _submitted_only(frame, lines, mapping)
    spec = SPEC_BY_NAME[mapping.entity]
    index = index or PeopleIndex.load(store, explicit=mapping.people)
    conv = Conversion(mapping.entity, pd.DataFrame(index=frame.index), lines, dict(mapping.columns), tool=tool,
                      name=name)
    if unsubmitted:
        conv.notes.append(f"{unsubmitted:,} response(s) never submitted (Response Type \"partial\") left out")
    if spec.table == "assessments":
        unplaced = _unplaced_answers(frame, mapping)
        if unplaced:
            conv.notes.append("answers not placed on any readiness dimension, so not imported: "
                              + ", ".join(f'"{c}"' for c in unplaced[:10])
                              + (" …" if len(unplaced) > 10 else "")
                              + ". Map them to a dimension in the mapping (Import page: Columns) to use them")
    missing = [src for src in mapping.columns.values() if src and src not in frame.columns]
    if missing:
        raise InvalidData([Problem(src, "is mapped but not in the file", file=name) for src in missing],
                          f"{name}: mapped column(s) not in the file: {', '.join(missing)}.")
    kinds = {c.name: c.kind for c in spec.cols}
    person_refs = {col for col, known, _r in spec.refs if known in (PEOPLE, PEOPLE_OR_USERS)}
    if spec.table == "assessments":
        person_refs.add("person_id")
    wanted = list(spec.columns) + ([SCORE_PREFIX + d for d in DIMENSIONS] if spec.table == "assessments" else [])
    out: dict[str, list[str]] = {}
    date_order = mapping.options.get("date_order")
    # One export is written in one locale: a date column whose own values cannot tell day-first from
    # month-first follows the other date columns of the file when they all say the same.
    shown = {src: date_order_shown(frame[src].astype(str).tolist()) for f, src in mapping.columns.items()
             if kinds.get(f) in ("date", "ts") and src in frame.columns}
    orders = {o for o in shown.values() if o}
    file_order = orders.pop() if len(orders) == 1 else None

    def problem(field_name: str, src: str, message: str, i: int | None = None, value: str | None = None,
                rows: int = 1) -> None:
        conv.problems.append(Problem(f"{src} ({field_name})" if src != field_name else src, message, file=name,
                                     line=None if i is None else lines[i], value=value, rows=rows))

    for f in wanted:
        src = mapping.columns.get(f)
        if not src:
            continue
        raw = [str(v) for v in frame[src].tolist()]
        kind = "score" if f.startswith(SCORE_PREFIX) else kinds.get(f, "text")
        choice = mapping.formats.get(src)
        try:
            if f in person_refs:
                found: dict[str, Stranger] = {}
                values, bad = resolve(index, raw, lines, found, conv.placeholders)
                if spec.table == "deals" and f == "owner_id":
                    blank = [i for i, v in enumerate(raw) if not v.strip()]
                    if blank:  # a row that names nobody, like "Unassigned": said as such, skippable when asked
                        conv.placeholders.setdefault("(empty)", []).extend(blank)
                for value, stranger in found.items():
                    stranger.column = f"{src} ({f})" if src != f else src
                    conv.strangers[f"{src}\x00{value}"] = stranger
                _placeholder_rows(conv, f, src, mapping, problem)
            elif kind in ("date", "ts"):
                try:
                    done = convert_dates(src, raw, with_time=kind == "ts", choice=choice or date_order)
                except FormatError:
                    if choice or date_order or not file_order:
                        raise
                    done = convert_dates(src, raw, with_time=kind == "ts", choice=file_order)
                    others = ", ".join(c for c, o in shown.items() if o == file_order)
                    conv.notes.append(f'column "{src}" read {DATE_CHOICES[file_order]}, as the dates in {others} '
                                      f'show')
                values, bad = done.values, done.bad
                conv.formats[src] = done.described
            elif kind == "number":
                done = convert_numbers(src, raw, money=f == "amount", choice=choice)
                values, bad = done.values, done.bad
                conv.formats[src] = done.described
                if f == "amount":
                    out["_amount_currency"] = done.currency
            elif kind == "score":
                done = convert_ratings(src, raw, header=" ".join([src, table.header_text.get(src, "")]),
                                       choice=choice)
                values, bad = done.values, done.bad
                conv.formats[src] = done.described
            else:
                values, bad = [v.strip() for v in raw], {}
        except FormatError as exc:
            problem(f, src, str(exc))
            conv.undecided[src] = "date" if kind in ("date", "ts") else kind
            values, bad = ["" for _ in raw], {}
        for i, message in bad.items():
            problem(f, src, message, i, raw[i])
        out[f] = values
    if finish is not None:
        finish(mapping, frame, out, conv, index, problem)
    said = {p.message for p in conv.problems if p.field == "(file)"}
    for col in spec.cols:
        if col.required and col.name not in out and not any(col.name in m for m in said):
            conv.problems.append(Problem("(file)", f"has no column read as {col.name}, which is required; name it "
                                                   f'with --column "{col.name}=THE COLUMN" (Import page: Columns; '
                                                   f"mapping file: [columns])", file=name))
    for stranger in conv.strangers.values():
        conv.problems.append(Problem(stranger.column or "person", "is not a known person", file=name,
                                     line=stranger.lines[0] if stranger.lines else None, value=stranger.value,
                                     rows=stranger.rows))
    conv.frame = pd.DataFrame({k: v for k, v in out.items()}, index=frame.index)
    if conv.keep is not None:
        conv.frame = conv.frame[conv.keep].reset_index(drop=True)
        conv.lines = [line for line, k in zip(conv.lines, conv.keep, strict=True) if k]
    return conv


SKIP_PLACEHOLDERS = "--skip-placeholders (Import page: Leave out rows without a real person)"


def _placeholder_rows(conv: Conversion, field_name: str, src: str, mapping: Mapping, problem: ProblemFn) -> None:
    """Rows naming nobody ("Unassigned", "Inactive User", "No owner"): said as such, left out only when asked."""
    if not conv.placeholders:
        return
    rows = sorted(i for idx in conv.placeholders.values() for i in idx)
    if len(rows) == len(conv.lines):
        # Nobody in any row (an anonymous survey, an export of unassigned deals): leaving them out leaves nothing.
        problem(field_name, src, f"names no one in any row ({', '.join(repr(k) for k in conv.placeholders)}), so no "
                                 f"row can be tied to a person; export the file with the people it is about (their "
                                 f"email or id)", rows=len(rows))
        conv.placeholders = {}
        return
    if mapping.options.get("skip_placeholders") == "yes":
        keep = conv.keep or [True] * len(conv.lines)
        for i in rows:
            keep[i] = False
        conv.keep = keep
        conv.notes.append(f"{len(rows):,} row(s) left out whose {src} names nobody: "
                          + ", ".join(f'"{k}" ({len(v):,})' for k, v in conv.placeholders.items()))
        conv.placeholders = {}
        return
    for value, idx in conv.placeholders.items():
        what = (f"is empty in {len(idx):,} row(s), so they belong to no one" if value == "(empty)" else
                f'"{value}" is what the tool writes when a row has no real person, so it matches no one '
                f"({len(idx):,} row(s))")
        problem(field_name, src, f"{what}; give them a person in the tool, or leave these rows out with "
                                 f"{SKIP_PLACEHOLDERS}", idx[0], None if value == "(empty)" else value, rows=len(idx))
    conv.placeholders = {}


class TableConversion:
    """`convert` for the readers of tables: the mapped columns converted, then the reader's own `finish`."""

    finish: Finish | None = None

    def convert(self, ctx: Context, probe: Probe, fit: Fit) -> Converted:
        """The table through the reading's mapping (every column converted exactly, or a problem placed)."""
        if probe.table is None or fit.mapping is None:
            raise InvalidData([Problem("(file)", "is not a table", file=probe.name)], f"{probe.name} is not a table.")
        conv = convert_table(ctx.store, probe.table, fit.mapping, ctx.index, fit.tool, self.finish)
        return Converted(fit.mapping.entity, conv.frame, conv.back, conv.lines, conv.problems,
                         list(conv.strangers.values()), conv.notes)

