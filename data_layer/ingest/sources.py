"""Real-world files in: column mappings, presets, xAPI statements and Slack workspace exports.

Everything here turns a source file into the canonical CSV files of DOMAIN.md in a work
folder; `importer.import_files` then validates and writes them (all or nothing). So every
source gets the same row-level report, and nothing is guessed: each column's format is
decided from all of its values (`ingest.formats`), a person who cannot be matched is
reported once with their row count (`ingest.people`), and a value that fits two readings
is refused with a sentence saying how to choose.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from data_layer.access.auth import Actor
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData, Problem
from data_layer.domain.models import CONTROL
from data_layer.domain.vocabulary import BARRIERS, DIMENSIONS, VERBS
from data_layer.ingest.bounded import BoundedZip, check_size, count_rows, json_statements, load_json
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
from data_layer.ingest.importer import PEOPLE, PEOPLE_OR_USERS, SCORE_PREFIX, SPEC_BY_NAME, import_files
from data_layer.ingest.mapping import PRESETS, Mapping
from data_layer.ingest.people import PeopleIndex, Stranger, resolve
from data_layer.ingest.presets import (
    TOOLS,
    guess_entity,
    guess_mapping,
    legacy_preset,
    norm,
    recognise,
)
from data_layer.ingest.tables import Table, read_any, read_delimited

__all__ = [
    "PRESETS", "Mapping", "SourceFile", "SourcesResult", "guess_entity", "guess_mapping", "import_sources",
    "kind_of", "preset_mapping", "read_table", "safe_name", "slack_to_activity", "xapi_to_activity",
    "convert_table", "read_source", "DEFAULT_VERBS",
]
SOURCE_SUFFIXES = (".csv", ".xlsx", ".json", ".zip")


def preset_mapping(preset: str) -> Mapping:
    """The ready-made mapping of a common export (the first version's two sample layouts)."""
    return legacy_preset(preset)


def read_table(path: Path, nrows: int | None = None) -> pd.DataFrame:
    """A CSV or XLSX source as text columns (nothing converted, blanks kept as '')."""
    frame = read_any(path.name, path).frame
    return frame.head(nrows) if nrows is not None else frame


def read_source(name: str, data: bytes, work: Path | None = None, skip_rows: int = 0) -> Table:
    """A table source as found: sniffed delimiter, extra header rows set aside, each row's line kept."""
    if name.lower().endswith(".xlsx"):
        if work is None:
            raise ValueError("an XLSX source needs a work folder")
        path = work / ("src-" + name)
        path.write_bytes(data)
        return read_any(name, path)
    return read_delimited(name, data, skip_rows)


# ------------------------------------------------------------------------ table sources
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


_WON = {"closedwon", "won", "dealwon", "closedwin"}
_LOST = {"closedlost", "lost", "deallost"}
_CLOSED_WORDS = ("closed", "lost", "won", "disqualif", "dead", "cancel", "reject", "churn")
_TRUE = {"true", "1", "yes", "y", "x", "t", "checked"}
_FALSE = {"false", "0", "no", "n", "", "f", "unchecked"}


def stage_status(name: str, chosen: dict[str, str]) -> str | None:
    """open | won | lost for a stage name; None when the name says closed but not how."""
    if name in chosen:
        return chosen[name]
    key = norm(name)
    if key in _WON or key.startswith("closedwon"):
        return "won"
    if key in _LOST or key.startswith("closedlost"):
        return "lost"
    if key == "open" or not any(w in key for w in _CLOSED_WORDS):
        return "open"
    return None


def _kind_value(text: str) -> str | None:
    key = norm(text)
    if key in ("baseline", "pre", "before", "intake", "initial", "first"):
        return "baseline"
    if key in ("followup", "post", "after", "final", "second", "repeat"):
        return "follow_up"
    return None


def _involvement(text: str) -> str | None:
    key = norm(text)
    if key in ("", "none", "no", "nopartner", "direct"):
        return "none"
    if key.startswith("sourc") or key in ("partnersourced", "referral", "partnerreferral"):
        return "sourced"
    if key.startswith("influenc") or key in ("partnerinfluenced", "cosell", "coselling", "assisted", "partner"):
        return "influenced"
    return None


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
                  tool: str | None = None) -> Conversion:
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

    def problem(field_name: str, src: str, message: str, i: int | None = None, value: str | None = None) -> None:
        conv.problems.append(Problem(f"{src} ({field_name})" if src != field_name else src, message, file=name,
                                     line=None if i is None else lines[i], value=value))

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
                values, bad = resolve(index, raw, lines, found)
                for value, stranger in found.items():
                    stranger.column = f"{src} ({f})" if src != f else src
                    conv.strangers[f"{src}\x00{value}"] = stranger
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
    if spec.table == "deals":
        _finish_deals(mapping, frame, out, conv, problem)
    if spec.table == "assessments":
        _finish_assessments(mapping, frame, out, conv, index, problem)
    said = {p.message for p in conv.problems if p.field == "(file)"}
    for col in spec.cols:
        if col.required and col.name not in out and not any(col.name in m for m in said):
            conv.problems.append(Problem("(file)", f"has no column mapped to {col.name}, which is required; map one "
                                                   f"on the Import page or in a mapping file ([columns] {col.name} "
                                                   '= "the column")', file=name))
    for stranger in conv.strangers.values():
        conv.problems.append(Problem(stranger.column or "person", "is not a known person", file=name,
                                     line=stranger.lines[0] if stranger.lines else None, value=stranger.value,
                                     rows=stranger.rows))
    conv.frame = pd.DataFrame({k: v for k, v in out.items()}, index=frame.index)
    return conv


ProblemFn = Callable[..., None]


def _finish_deals(mapping: Mapping, frame: pd.DataFrame, out: dict[str, list[str]], conv: Conversion,
                  problem: ProblemFn) -> None:
    n = len(frame)
    won_col, closed_col = mapping.options.get("won_column"), mapping.options.get("closed_column")
    if won_col in frame.columns and closed_col in frame.columns:
        # The CRM's own flags decide (Salesforce IsClosed / IsWon): no stage name is interpreted.
        status: list[str] = []
        for i, (w, c) in enumerate(zip(frame[won_col].astype(str), frame[closed_col].astype(str), strict=True)):
            wk, ck = w.strip().lower(), c.strip().lower()
            if wk not in _TRUE | _FALSE or ck not in _TRUE | _FALSE:
                problem("status", f"{closed_col}/{won_col}", "must be true or false", i, f"{c}/{w}")
                status.append("")
            else:
                status.append(("won" if wk in _TRUE else "lost") if ck in _TRUE else "open")
        out["status"] = status
        stage_col = mapping.columns.get("status")
        if stage_col:
            for name_, st in zip(frame[stage_col].astype(str), status, strict=True):
                prev = conv.stages.get(name_.strip(), (st, 0))
                conv.stages[name_.strip()] = (prev[0], prev[1] + 1)
        conv.back["status"] = f"{closed_col}, {won_col}"
    elif "status" in out:
        src = mapping.columns["status"]
        unknown: Counter[str] = Counter()
        mapped: list[str] = []
        for name_ in out["status"]:
            decided = stage_status(name_, mapping.stages)
            if decided is None:
                unknown[name_] += 1
            mapped.append(decided or "")
            conv.stages[name_] = (decided or "?", conv.stages.get(name_, ("", 0))[1] + 1)
        if unknown:
            names = ", ".join(f'"{k}"' for k in sorted(unknown))
            problem("status", src, f"stage name(s) {names} say closed but not whether won or lost; say which in "
                                   f"the mapping's stages (Import page: Stages; mapping file: [stages])")
        out["status"] = mapped
    won_at, lost_at = mapping.options.get("won_date_column"), mapping.options.get("lost_date_column")
    if won_at in frame.columns and lost_at in frame.columns and "status" in out:
        picked = [w if s == "won" else lo if s == "lost" else "" for s, w, lo in
                  zip(out["status"], frame[won_at].astype(str), frame[lost_at].astype(str), strict=True)]
        try:
            done = convert_dates(f"{won_at} / {lost_at}", picked, choice=mapping.options.get("date_order"))
        except FormatError as exc:
            problem("closed_on", f"{won_at} / {lost_at}", str(exc))
        else:
            for i, message in done.bad.items():
                problem("closed_on", f"{won_at} / {lost_at}", message, i, picked[i])
            out["closed_on"] = done.values
            conv.back["closed_on"] = f"{won_at} / {lost_at}"
    if "closed_on" in out and "status" in out:
        # An open deal's close date is a forecast, not a close.
        out["closed_on"] = [c if s in ("won", "lost") else "" for c, s in zip(out["closed_on"], out["status"],
                                                                             strict=True)]
    currency_marks = out.pop("_amount_currency", [""] * n)
    if "currency" not in out:
        default = mapping.options.get("currency", "")
        if any(currency_marks) or default:
            out["currency"] = [m or default for m in currency_marks]
        if not default and not all(currency_marks) and "amount" in out:
            conv.notes.append("no currency column: amounts without a currency sign are taken as USD (set the "
                              "currency option, or --currency on the command line, to say otherwise)")
    else:
        out["currency"] = [c.strip().upper() or m for c, m in zip(out["currency"], currency_marks, strict=True)]
    if "partner_involvement" in out:
        src = mapping.columns["partner_involvement"]
        values = []
        for i, v in enumerate(out["partner_involvement"]):
            got = _involvement(v)
            if got is None:
                problem("partner_involvement", src, "must say sourced, influenced or none", i, v)
            values.append(got or "")
        out["partner_involvement"] = values
    else:
        partner = out.get("partner_name", [""] * n)
        role_col = mapping.options.get("partner_role_column")
        if role_col and role_col in frame.columns:
            roles = frame[role_col].astype(str).str.strip().str.lower().tolist()
            out["partner_involvement"] = [("sourced" if r.startswith("sourc") else "influenced") if p else "none"
                                          for p, r in zip(partner, roles, strict=True)]
        else:
            out["partner_involvement"] = ["influenced" if p else "none" for p in partner]


def _finish_assessments(mapping: Mapping, frame: pd.DataFrame, out: dict[str, list[str]], conv: Conversion,
                        index: PeopleIndex, problem: ProblemFn) -> None:
    n = len(frame)
    first, last = mapping.options.get("first_name_column"), mapping.options.get("last_name_column")
    if first in frame.columns and last in frame.columns:
        # Respondents by email (or id) where the file has one, else by their first and last name.
        src = mapping.columns.get("person_id")
        blank = [not str(v).strip() for v in frame[src]] if src else [True] * n
        names = [f"{a.strip()} {b.strip()}".strip() if b_ else "" for a, b, b_ in
                 zip(frame[first].astype(str), frame[last].astype(str), blank, strict=True)]
        found: dict[str, Stranger] = {}
        values, bad = resolve(index, names, conv.lines, found)
        for value, stranger in found.items():
            stranger.column = f"{first} + {last}"
            conv.strangers[f"{first} + {last}\x00{value}"] = stranger
        for i, message in bad.items():
            problem("person_id", f"{first} + {last}", message, i, names[i])
        current = out.get("person_id", [""] * n)
        out["person_id"] = [c or v for c, v in zip(current, values, strict=True)]
        conv.back.setdefault("person_id", f"{first} + {last}")
    if "person_id" not in out:
        conv.problems.append(Problem("(file)", "has no column that says who answered (an email, person id or "
                                               "name); map one on the Import page or in a mapping file",
                                     file=conv.name))
    elif not any(out["person_id"]) and not conv.strangers and n:
        src = conv.back.get("person_id", "person_id")
        conv.problems.append(Problem(src, "is empty in every row, so no answer can be tied to a person (an "
                                          "anonymous survey); map a column that names the respondent",
                                     file=conv.name))
    if "taken_at" not in out:
        conv.problems.append(Problem("(file)", "has no column that says when the answers were given; map one",
                                     file=conv.name))
    if mapping.options.get("derive_id") == "gf" and "assessment_id" not in mapping.columns:
        # Google Forms writes no response id: one is made from the submission time and the respondent, so
        # importing the same export again updates the same assessments.
        when = frame[mapping.columns["taken_at"]].astype(str).tolist() if "taken_at" in mapping.columns else [""] * n
        who = out.get("person_id", [""] * n)
        out["assessment_id"] = ["gf-" + hashlib.sha1(f"{w.strip()}|{p}".encode()).hexdigest()[:16] if w.strip()
                                else "" for w, p in zip(when, who, strict=True)]
    if not any(k.startswith(SCORE_PREFIX) for k in out):
        labels = ", ".join(DIMENSIONS.values())
        conv.problems.append(Problem("(file)", f"has no column that is a readiness dimension ({labels}); map the "
                                               f"questions to dimensions on the Import page or in a mapping file "
                                               f'([columns] score_partner_knowledge = "Q3")', file=conv.name))
    if "barriers" in out:
        src = mapping.columns["barriers"]
        by_label = {norm(label): code for code, label in BARRIERS.items()} | {norm(c): c for c in BARRIERS}
        codes = []
        for i, v in enumerate(out["barriers"]):
            parts = [p.strip() for p in re.split(r"[;,\n]", v) if p.strip()]
            cited = [by_label.get(norm(p)) for p in parts]
            unknown = [p for p, c in zip(parts, cited, strict=True) if c is None]
            if unknown:
                problem("barriers", src, f"has answer(s) that are not barriers we know ({', '.join(unknown)}); "
                                         f"allowed: {', '.join(BARRIERS.values())}", i, v)
            codes.append(";".join(dict.fromkeys(c for c in cited if c)))
        out["barriers"] = codes
    out["instrument"] = [mapping.options.get("instrument", "Readiness survey")] * n
    if "kind" in out:
        src = mapping.columns["kind"]
        kinds = []
        for i, v in enumerate(out["kind"]):
            k = _kind_value(v) if v else mapping.options.get("kind", "baseline")
            if k is None:
                problem("kind", src, "must say baseline or follow-up", i, v)
            kinds.append(k or "")
        out["kind"] = kinds
    elif mapping.options.get("kind") in ("baseline", "follow_up"):
        out["kind"] = [mapping.options["kind"]] * n
    elif "person_id" in out and "taken_at" in out:
        out["kind"] = _first_is_baseline(conv, out["person_id"], out["taken_at"])
    else:
        out["kind"] = ["baseline"] * n


def _first_is_baseline(conv: Conversion, people: list[str], taken: list[str]) -> list[str]:
    """A person's first assessment (in this file) is their baseline and later ones follow-ups."""
    order = sorted(range(len(people)), key=lambda i: (people[i], taken[i]))
    seen: set[str] = set()
    kinds = ["baseline"] * len(people)
    for i in order:
        if people[i] in seen:
            kinds[i] = "follow_up"
        seen.add(people[i])
    if any(k == "follow_up" for k in kinds):
        conv.notes.append("each respondent's first answers in the file are their baseline, later ones follow-ups "
                          "(set the kind option or map a kind column to say otherwise)")
    return kinds


# --------------------------------------------------------------------------------- xAPI
# ADL's and common verbs -> ours; the last part of the IRI (after '/' or '#') is looked up.
# "skip" leaves such statements out (counted in the report). Editable per mapping ([verbs]).
DEFAULT_VERBS: dict[str, str] = {
    "completed": "tutorial_completed", "mastered": "tutorial_completed",
    "passed": "assessed", "failed": "assessed", "scored": "assessed", "answered": "assessed",
    "attempted": "tool_used", "launched": "tool_used", "interacted": "tool_used", "used": "tool_used",
    "experienced": "resource_subscribed", "viewed": "resource_subscribed", "watched": "resource_subscribed",
    "read": "resource_subscribed", "subscribed": "resource_subscribed",
    "commented": "replied", "responded": "replied", "replied": "replied",
    "posted": "posted", "shared": "posted", "asked": "posted", "created": "posted",
    "registered": "invited", "invited": "invited", "attended": "coached", "mentored": "coached",
    "initialized": "skip", "terminated": "skip", "suspended": "skip", "resumed": "skip", "exited": "skip",
    "progressed": "skip", "loggedin": "skip", "loggedout": "skip", "voided": "skip",
}


def verb_of(iri: str, chosen: dict[str, str]) -> str | None:
    """Our verb (or 'skip') for an xAPI verb IRI; None when nothing says."""
    if iri in chosen:
        return chosen[iri]
    last = re.split(r"[/#]", iri.rstrip("/#"))[-1] if iri else ""
    if last in VERBS:
        return last
    return DEFAULT_VERBS.get(re.sub(r"[^a-z]", "", last.lower()))


def _cohort_from_context(ctx: dict[str, Any], cohorts: set[str]) -> str:
    extensions = ctx.get("extensions")
    for key, value in (extensions.items() if isinstance(extensions, dict) else ()):
        if str(key).rstrip("/").split("/")[-1].lower() in ("cohort", "cohort_id", "cohortid") and \
                isinstance(value, str | int):
            return str(value)
    activities = ctx.get("contextActivities")
    for group in ("grouping", "parent", "other", "category"):
        items = activities.get(group) if isinstance(activities, dict) else None
        for act in items if isinstance(items, list) else []:
            ident = str(act.get("id", "") if isinstance(act, dict) else "").rstrip("/").split("/")[-1]
            if ident in cohorts:
                return ident
    return ""


@dataclass
class XapiResult:
    """Activity rows from xAPI statements, the people not matched, the verbs used and what was skipped."""

    activity: pd.DataFrame
    problems: list[Problem]
    strangers: dict[str, Stranger]
    verbs: dict[str, tuple[str, int]]  # verb IRI -> (our verb, skip or '?', statements)
    skipped: int = 0


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def xapi_statements(store: Store, data: bytes, filename: str = "activity.json", index: PeopleIndex | None = None,
                    verbs: dict[str, str] | None = None) -> XapiResult:
    """xAPI statements (an array or an LRS response) as activity rows, with what could not be read."""
    statements = json_statements(filename, data)
    index = index or PeopleIndex.load(store)
    chosen = dict(verbs or {})
    cohorts = {str(r[0]) for r in store.query("SELECT cohort_id FROM cohorts")}
    rows: list[dict[str, str]] = []
    problems: list[Problem] = []
    strangers: dict[str, Stranger] = {}
    used: dict[str, tuple[str, int]] = {}
    skipped = 0
    for i, raw in enumerate(statements, start=1):
        where = f"statement {i}"
        if not isinstance(raw, dict):
            problems.append(Problem(where, "is not a JSON object", file=filename))
            continue
        actor = _d(raw.get("actor"))
        verb_iri = str(_d(raw.get("verb")).get("id") or "")
        verb = verb_of(verb_iri, chosen)
        before = used.get(verb_iri, (verb or "?", 0))
        used[verb_iri] = (verb or "?", before[1] + 1)
        if verb == "skip":
            skipped += 1
            continue
        if verb is None:
            problems.append(Problem(f"{where}: verb", f"{verb_iri or '(none)'} is not mapped to one of our verbs; "
                                                      "choose one (or skip) in the mapping's verbs",
                                    file=filename, value=verb_iri))
            continue
        if str(actor.get("objectType", "")) == "Group" or "member" in actor:
            problems.append(Problem(f"{where}: actor", "is a group; only statements about one person can be "
                                                       "imported (split the group's statements by member)",
                                    file=filename))
            continue
        account = _d(actor.get("account"))
        candidates = [str(actor.get("mbox") or ""), str(account.get("name") or ""), str(actor.get("name") or "")]
        person = ""
        for cand in candidates:
            pid, _many = index.match(cand)
            if pid:
                person = pid
                break
        if not person:
            key = next((c for c in candidates if c), str(actor.get("mbox_sha1sum") or actor.get("openid") or "?"))
            key = key[7:] if key.lower().startswith("mailto:") else key
            who = strangers.setdefault(key, Stranger(key, display=str(actor.get("name") or "")))
            who.rows += 1
            if len(who.lines) < 3:
                who.lines.append(i)
        when = str(raw.get("timestamp") or raw.get("stored") or "")
        obj = _d(raw.get("object"))
        ident = str(raw.get("id") or "") or "xapi-" + hashlib.sha1(
            json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:16]
        row = {"event_id": ident, "occurred_at": when, "person_id": person, "verb": verb,
               "object": str(obj.get("id") or ""), "cohort_id": _cohort_from_context(_d(raw.get("context")), cohorts),
               "source": "lms", "_statement": str(i), "text": str(_d(raw.get("result")).get("response") or "")}
        hidden = [k for k, v in row.items() if CONTROL.search(v)]
        if hidden:
            problems.append(Problem(f"{where}: {hidden[0]}", "contains a control character (such as NUL)",
                                    file=filename))
            continue
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["event_id", "occurred_at", "person_id", "verb", "object", "cohort_id",
                                        "source", "_statement", "text"])
    if len(frame):
        try:
            done = convert_dates("timestamp", frame["occurred_at"].tolist(), with_time=True, choice="YMD")
        except FormatError as exc:
            problems.append(Problem("timestamp", str(exc), file=filename))
        else:
            for j, message in done.bad.items():
                problems.append(Problem(f"statement {frame['_statement'].iloc[j]}: timestamp", message,
                                        file=filename, value=frame["occurred_at"].iloc[j]))
            frame["occurred_at"] = done.values
    for who in strangers.values():
        problems.append(Problem("actor", "is not a known person", file=filename, value=who.value, rows=who.rows,
                                line=None))
    return XapiResult(frame, problems, strangers, used, skipped)


def xapi_to_activity(store: Store, data: bytes, filename: str = "activity.json",
                     extra_people: dict[str, str] | None = None) -> pd.DataFrame:
    """An xAPI statement array as activity rows (actor by mbox email, account name or full name)."""
    index = PeopleIndex.load(store, [(p, e, "") for e, p in (extra_people or {}).items()])
    result = xapi_statements(store, data, filename, index)
    hard = [p for p in result.problems if p.message != "is not a known person"]
    if hard:
        raise InvalidData(hard, f"{filename}: {len(hard)} statement(s) could not be read.")
    return result.activity


# ------------------------------------------------------------------------- Slack export
_SYSTEM = {"channel_join": "joins and leaves", "channel_leave": "joins and leaves", "group_join": "joins and leaves",
           "group_leave": "joins and leaves", "bot_message": "bot messages", "tombstone": "deleted messages",
           "message_deleted": "deleted messages", "channel_topic": "channel changes",
           "channel_purpose": "channel changes", "channel_name": "channel changes", "channel_archive": "channel changes",
           "channel_unarchive": "channel changes", "pinned_item": "channel changes", "unpinned_item": "channel changes",
           "reminder_add": "channel changes", "huddle_thread": "channel changes"}
_KEEP = {"", "thread_broadcast", "file_share", "me_message"}
_ONE = {"joins and leaves": "join or leave", "bot messages": "bot message", "deleted messages": "deleted message",
        "channel changes": "channel change", "other system messages": "other system message"}


def _slack_time(ts: str) -> dt.datetime | None:
    """A Slack `ts` ("1736554819.539739") as UTC, to the microsecond (a float would lose the last digit)."""
    m = re.fullmatch(r"(\d{1,11})(?:\.(\d{1,6})\d*)?", ts.strip())
    if m is None:
        return None
    micro = int((m.group(2) or "").ljust(6, "0"))
    return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(m.group(1)), microseconds=micro)


@dataclass
class SlackResult:
    """The activity rows made from a Slack export, and what was left out and why."""

    activity: pd.DataFrame
    unknown_senders: list[str]
    channels_without_cohort: list[str]
    strangers: dict[str, Stranger] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    outside_dates: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def slack_to_activity(store: Store, data: bytes, win: str = "trophy", frustration: str = "warning",
                      extra_people: dict[str, str] | None = None, index: PeopleIndex | None = None,
                      filename: str = "export.zip") -> SlackResult:
    """A Slack workspace export (zip): messages in cohort channels become activity events."""
    archive = BoundedZip(filename, data)
    names = archive.names
    index = index or PeopleIndex.load(store, [(p, e, "") for e, p in (extra_people or {}).items()])

    def load(name: str, required: bool = True) -> list[Any]:
        if name not in names:
            if not required:
                return []
            raise InvalidData([Problem("(file)", f"has no {name}; it is not a Slack workspace export", file=filename)],
                              f"The Slack export has no {name}.")
        try:
            value = load_json(f"{filename}: {name}", archive.read(name))
        except InvalidData as exc:
            raise InvalidData([Problem("(file)", f"{name}: {exc.problems[0].message}", file=filename)],
                              f"The Slack export's {name} cannot be read: it {exc.problems[0].message}.") from None
        if not isinstance(value, list):
            raise InvalidData([Problem("(file)", f"{name} must hold a JSON list", file=filename)],
                              f"The Slack export's {name} must hold a JSON list.")
        return value

    users: dict[str, dict[str, Any]] = {}
    for u in load("users.json"):
        if isinstance(u, dict) and u.get("id"):
            profile = _d(u.get("profile"))
            users[str(u["id"])] = {
                "email": str(profile.get("email") or "").strip().lower(),
                "display": str(profile.get("display_name") or u.get("real_name") or profile.get("real_name")
                               or u.get("name") or u["id"]).strip(),
                "real": str(u.get("real_name") or profile.get("real_name") or "").strip(),
                "bot": bool(u.get("is_bot")) or str(u["id"]) == "USLACKBOT"}
    channels: dict[str, str] = {}
    for c in load("channels.json") + load("groups.json", required=False):
        if isinstance(c, dict) and c.get("name"):
            channels[str(c["name"])] = str(c.get("id") or "")
    cohort_rows = store.query("SELECT cohort_id, channel, start_date, end_date FROM cohorts")
    by_channel: dict[str, tuple[str, Any, Any]] = {}
    for cid, ch, start, end in cohort_rows:
        if ch:
            by_channel[str(ch).lstrip("#").lower()] = (str(cid), start, end)
    result = SlackResult(pd.DataFrame(), [], [])
    rows: list[dict[str, str]] = []
    win, frustration = win.strip(":"), frustration.strip(":")
    for channel, channel_id in channels.items():
        hit = by_channel.get(channel.lower()) or by_channel.get(channel_id.lower())
        if hit is None:
            result.channels_without_cohort.append(channel)
            continue
        cohort, start, end = hit
        for name in sorted(n for n in names if n.startswith(f"{channel}/") and n.endswith(".json")):
            for msg in load(name):
                if not isinstance(msg, dict):
                    result.problems.append(Problem("(message)", "is not a JSON object", file=f"{filename}: {name}"))
                    continue
                subtype = str(msg.get("subtype") or "")
                uid = str(msg.get("user") or "")
                if subtype not in _KEEP or msg.get("hidden"):
                    result.skipped[_SYSTEM.get(subtype, "other system messages")] += 1
                    continue
                if msg.get("bot_id") or users.get(uid, {}).get("bot"):
                    result.skipped["bot messages"] += 1
                    continue
                ts = str(msg.get("ts") or "")
                when = _slack_time(ts)
                if when is None:
                    result.problems.append(Problem("ts", "is not a Slack timestamp (seconds since 1970)",
                                                   file=f"{filename}: {name}", value=ts[:40]))
                    continue
                user = users.get(uid, {"email": "", "display": uid or "unknown", "real": ""})
                person = ""
                for cand in (uid, user["email"], user["display"], user["real"]):
                    pid, _many = index.match(cand) if cand else (None, [])
                    if pid:
                        person = pid
                        break
                if not person:
                    key = user["email"] or uid or "unknown"
                    who = result.strangers.setdefault(key, Stranger(key, display=user["display"]))
                    who.rows += 1
                    continue
                day = when.date()
                if (start is not None and day < start) or (end is not None and day > end):
                    result.outside_dates[channel] = result.outside_dates.get(channel, 0) + 1
                is_reply = msg.get("thread_ts") and msg.get("thread_ts") != ts
                base = f"slack-{channel}-{ts}"
                stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                words = str(msg.get("text") or "")
                rows.append({"event_id": base, "occurred_at": stamp, "person_id": person,
                             "verb": "replied" if is_reply else "posted", "object": "", "cohort_id": cohort,
                             "source": "slack", "text": words})
                reactions = msg.get("reactions")
                names_ = {str(_d(r).get("name")) for r in reactions} if isinstance(reactions, list) else set()
                for reaction, verb in ((win, "shared_win"), (frustration, "shared_frustration")):
                    if reaction in names_:
                        rows.append({"event_id": f"{base}-{verb}", "occurred_at": stamp, "person_id": person,
                                     "verb": verb, "object": "", "cohort_id": cohort, "source": "slack",
                                     "text": words})
    result.activity = pd.DataFrame(rows, columns=["event_id", "occurred_at", "person_id", "verb", "object",
                                                  "cohort_id", "source", "text"])
    result.unknown_senders = sorted(result.strangers)
    result.channels_without_cohort.sort()
    return result


# ---------------------------------------------------------------------- putting together
def safe_name(name: str) -> str:
    """A file name without folders; refuses names that try to climb out ('..', '/', a backslash)."""
    base = PurePosixPath(name.replace("\\", "/")).name
    if base != name or base in ("", ".", "..") or base.startswith("."):
        raise InvalidData([Problem("(file)", "has folder parts in its name; upload the file itself", file=name)],
                          f"{name!r} has folder parts in its name; upload the file itself.")
    return base


def write_canonical(frame: pd.DataFrame, entity: str, folder: Path) -> Path:
    """Write a converted frame as our CSV (the importer checks every cell)."""
    path = folder / entity
    keep = [c for c in frame.columns if not c.startswith("_")]
    frame[keep].to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
    return path


@dataclass
class Choices:
    """What the person decided for the files of a run (command-line options, the Import page)."""

    formats: dict[str, str] = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=dict)
    verbs: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)

    def apply(self, mapping: Mapping) -> Mapping:
        """The mapping with these choices laid over its own."""
        return Mapping(mapping.entity, dict(mapping.columns), mapping.preset, {**mapping.options, **self.options},
                       {**mapping.formats, **self.formats}, {**mapping.stages, **self.stages},
                       {**mapping.verbs, **self.verbs}, {**mapping.people, **self.people})


@dataclass
class SourceFile:
    """One uploaded or given file: its name, its bytes, and (for tables) how to map it."""

    name: str
    data: bytes
    mapping: Mapping | None = None


@dataclass
class SourcesResult:
    """What importing sources did: the import result plus notes (e.g. unknown Slack senders)."""

    rows: dict[str, int]
    warnings: list[str]
    notes: list[str]
    dry_run: bool
    seconds: float = 0.0


def kind_of(name: str, head: bytes | None = None) -> str:
    """'canonical' (one of our files), 'table' (CSV/XLSX to map), 'xapi' (JSON), 'slack' (zip).

    `head` (the file's first bytes) settles a file named like ours that is in fact a known
    export (a HubSpot deals export saved as deals.csv): without our key columns and
    recognised from its headers, it is read as that export rather than refused line by line.
    """
    lower = name.lower()
    if lower in SPEC_BY_NAME:
        if head is not None and _export_under_our_name(lower, head):
            return "table"
        return "canonical"
    if lower.endswith(".json"):
        return "xapi"
    if lower.endswith(".zip"):
        return "slack"
    if lower.endswith((".csv", ".xlsx", ".tsv")):
        return "table"
    raise InvalidData([Problem("(file)", "is not a CSV, XLSX, JSON or zip file", file=name)],
                      f"{name}: only CSV, XLSX, JSON (xAPI) and zip (Slack export) files can be imported.")


def _export_under_our_name(name: str, head: bytes) -> bool:
    """True when a file named like ours lacks our key columns and its header is a known export's."""
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = head.decode("utf-16")
        except UnicodeDecodeError:
            return False
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    first = lines[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    columns = [c.strip().strip('"') for c in next(csv.reader([first], delimiter=delimiter))]
    if set(SPEC_BY_NAME[name].key) <= {c.lower() for c in columns}:
        return False
    return recognise(columns) is not None


def _people_in(files: list[SourceFile]) -> list[tuple[str, str, str]]:
    """(person id, email, name) of a people.csv among the files of a run (so its people can be matched)."""
    out: list[tuple[str, str, str]] = []
    for f in files:
        if f.name.lower() == "people.csv":
            try:
                for row in csv.DictReader(io.StringIO(f.data.decode("utf-8-sig"))):
                    pid = (row.get("person_id") or "").strip()
                    if pid:
                        out.append((pid, (row.get("email") or "").strip(), (row.get("name") or "").strip()))
            except (UnicodeDecodeError, csv.Error):
                pass  # the importer reports what is wrong with the file itself
    return out


def plan_table(store: Store, table: Table, given: Mapping | None) -> tuple[Mapping, str | None]:
    """The mapping for a table: the one given, a recognised export's, or names guessed; and the tool's name."""
    if given is not None:
        return given, TOOLS.get(given.preset or "")
    found = recognise(table.columns)
    if found:
        preset, mapping = found
        return mapping, TOOLS[preset]
    entity = guess_entity(table.name, table.columns)
    if entity is None:
        raise InvalidData([Problem("(file)", "could not tell which data this is", file=table.name)],
                          f"{table.name}: could not tell which data this file holds. Name it after what it holds "
                          f"(deals.csv, people.csv ...), choose it on the Import page, or give a mapping on the "
                          f"command line (--mapping FILE.toml; see docs/import.md).")
    return Mapping(entity, guess_mapping(table.columns, entity)), None


def import_sources(store: Store, files: list[SourceFile], work: Path, *, actor: str = "cli", dry_run: bool = False,
                   progress: Any = None, win_reaction: str = "trophy",
                   frustration_reaction: str = "warning", choices: Choices | None = None,
                   account: Actor | None = None, with_text: bool = False) -> SourcesResult:
    """Convert every source to our files in `work`, then validate and import them all or nothing."""
    choices = choices or Choices()
    work.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _m: None)
    arriving = _people_in(files)
    produced: dict[str, tuple[pd.DataFrame, str, dict[str, str], list[int] | None]] = {}
    canonical: list[Path] = []
    notes: list[str] = []
    problems: list[Problem] = []
    strangers: list[Stranger] = []
    for f in files:
        try:
            name = safe_name(f.name)
            kind = kind_of(name, f.data[:65_536])
            check_size(name, len(f.data))
            if kind in ("canonical", "table"):
                count_rows(name, f.data)
            if not f.data.strip():
                raise InvalidData([Problem("(file)", "is empty", file=name)], f"{name} is empty.")
            if kind == "canonical":
                target = work / name
                target.write_bytes(f.data)
                canonical.append(target)
                continue
            say(f"reading {name}")
            given = choices.apply(f.mapping) if f.mapping else None
            explicit = {**(f.mapping.people if f.mapping else {}), **choices.people}
            index = PeopleIndex.load(store, arriving, explicit)
            lines: list[int] | None = None
            back: dict[str, str] = {}
            if kind == "xapi":
                xr = xapi_statements(store, f.data, name, index, {**(f.mapping.verbs if f.mapping else {}),
                                                                   **choices.verbs})
                problems += xr.problems
                strangers += list(xr.strangers.values())
                frame, entity = xr.activity, "activity.csv"
                if xr.skipped:
                    notes.append(f"{name}: {xr.skipped:,} statement(s) left out (their verbs are set to skip: "
                                 f"{', '.join(sorted(k for k, v in xr.verbs.items() if v[0] == 'skip'))}).")
            elif kind == "slack":
                res = slack_to_activity(store, f.data, win_reaction, frustration_reaction, index=index, filename=name)
                problems += res.problems
                frame, entity = res.activity, "activity.csv"
                if res.strangers:
                    listed = "; ".join(f"{_who(s)} ({s.rows:,} message{'s' if s.rows != 1 else ''})"
                                       for s in sorted(res.strangers.values(), key=lambda s: -s.rows)[:30])
                    notes.append(f"{name}: {len(res.strangers)} sender(s) are not known people and their messages "
                                 f"were left out: {listed}. Match them in the mapping's people, or import them "
                                 f"as people and import again.")
                for what, n in sorted(res.skipped.items()):
                    notes.append(f"{name}: skipped {n:,} {what if n != 1 else _ONE.get(what, what)}.")
                for channel, n in sorted(res.outside_dates.items()):
                    notes.append(f"{name}: {n:,} message(s) in #{channel} fall outside the cohort's dates.")
                if res.channels_without_cohort:
                    notes.append(f"{name}: channels that are no cohort's channel were skipped: "
                                 f"{', '.join(res.channels_without_cohort[:20])}")
            else:
                skip = (given.options if given else choices.options).get("skip_rows", "0")
                table = read_source(name, f.data, work, int(skip) if skip.isdigit() else 0)
                notes += table.notes
                mapping, tool = plan_table(store, table, given)
                mapping = choices.apply(mapping)
                if mapping.entity not in SPEC_BY_NAME:
                    raise InvalidData([Problem("(file)", "could not tell which data this is; choose a mapping",
                                               file=name)], f"{name}: choose what this file holds.")
                if tool:
                    notes.append(f"{name}: read as {_with_article(tool)}.")
                conv = convert_table(store, table, mapping, index, tool)
                problems += conv.problems
                strangers += list(conv.strangers.values())
                notes += [f"{name}: {n}" for n in conv.notes]
                frame, entity, back, lines = conv.frame, mapping.entity, conv.back, table.lines
            if entity in produced:
                raise InvalidData([Problem("(file)", f"is a second source of {entity}; import one at a time",
                                           file=name)], f"{name} is a second source of {entity}.")
            produced[entity] = (frame, name, back, lines)
        except InvalidData as exc:
            problems += [Problem(p.field, p.message, file=p.file or f.name, line=p.line, value=p.value, rows=p.rows)
                         for p in exc.problems]
    if problems:
        raise InvalidData(problems, f"{sum(p.rows for p in problems):,} problem(s) with the files; nothing was "
                                    f"imported.", strangers=strangers)
    paths = list(canonical)
    for entity, (frame, _name, _back, _lines) in produced.items():
        if entity in {p.name for p in canonical}:
            raise InvalidData([Problem("(file)", f"two files give {entity}", file=entity)], f"Two files give {entity}.")
        paths.append(write_canonical(frame, entity, work))
    try:
        result = import_files(store, paths, actor=actor, dry_run=dry_run, progress=progress, account=account,
                              with_text=with_text)
    except InvalidData as exc:
        raise InvalidData([_translate(p, produced) for p in exc.problems], str(exc)) from None
    return SourcesResult(result.rows, result.warnings, notes, dry_run, result.seconds)


def _who(s: Stranger) -> str:
    """How to name a stranger in a sentence: their display name and, when known, their email."""
    if s.display and s.email and s.display.lower() != s.email:
        return f"{s.display} <{s.email}>"
    return s.display or s.value


def _translate(p: Problem, produced: dict[str, tuple[pd.DataFrame, str, dict[str, str], list[int] | None]]) -> Problem:
    """A problem in our converted file, told in the terms of the person's own file: its name, columns, lines."""
    origin = produced.get(p.file or "")
    if origin is None:
        return p
    frame, src_name, back, lines = origin
    col = back.get(p.field)
    label = f"{col} ({p.field})" if col and col != p.field else p.field
    line = p.line
    if src_name.lower().endswith(".json") and p.line is not None and "_statement" in frame.columns:
        label = f"statement {frame['_statement'].iloc[p.line - 2]}: {label}"
        line = None
    elif lines is not None and p.line is not None and 2 <= p.line < len(lines) + 2:
        line = lines[p.line - 2]
    elif src_name.lower().endswith(".zip"):
        line = None
    return Problem(label, p.message, file=src_name, line=line, value=p.value, rows=p.rows)

