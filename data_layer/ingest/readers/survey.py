"""Survey responses (Google Forms, Microsoft Forms, Qualtrics, Typeform, SurveyMonkey, LimeSurvey and any
survey table) as readiness assessments: one reader.

Fits a table from its headers (a known tool's) and its values: a time column, an email
column and several rating columns make a survey whatever its headers' language. A survey
is never judged as a people or cohorts file. Respondents are matched by email, id or name;
each respondent's first answers are their baseline unless a kind column says.
"""

from __future__ import annotations

import hashlib
import re

import pandas as pd

from data_layer.domain.errors import Problem
from data_layer.domain.vocabulary import BARRIERS, DIMENSIONS
from data_layer.ingest.formats import AGREE_5, AGREE_7
from data_layer.ingest.importer import SCORE_PREFIX
from data_layer.ingest.mapping import Mapping
from data_layer.ingest.people import EMAIL, PeopleIndex, Stranger, resolve
from data_layer.ingest.presets import TOOLS, guess_mapping, norm, recognise
from data_layer.ingest.readers.base import Fit, Probe
from data_layer.ingest.readers.table import Conversion, ProblemFn, TableConversion

KEY = "survey"
LABEL = "survey responses (assessments)"
_TIME = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2})?(\.\d+)?\s*([AaPp][Mm])?"
                   r"(Z|[+-]\d{2}:?\d{2})?)?$")


def value_kinds(frame: pd.DataFrame) -> dict[str, str]:
    """Each column's kind as its values show it: time, email, rating (small whole numbers or agreement labels)."""
    kinds: dict[str, str] = {}
    for column in frame.columns:
        values = [str(v).strip() for v in frame[column].tolist() if str(v).strip()]
        if not values:
            continue
        lowered = [v.lower() for v in values]
        if all(_TIME.match(v) for v in values):
            kinds[str(column)] = "time"
        elif all(EMAIL.match(v) for v in values):
            kinds[str(column)] = "email"
        elif all((v.isdigit() and int(v) <= 10) or v in AGREE_7 or v in AGREE_5 for v in lowered):
            kinds[str(column)] = "rating"
    return kinds


def _microsoft_forms(columns: list[str]) -> Mapping | None:
    """Microsoft Forms' "Open in Excel" layout: ID, Start time, Completion time, Email, Name, then questions."""
    cols = {norm(c): c for c in columns}
    if not {"id", "starttime", "completiontime", "email"} <= set(cols):
        return None
    m = Mapping("assessments.csv", preset="microsoft_forms", options={"instrument": "Microsoft Forms",
                                                                       "derive_id": "msf"})
    m.columns.update({"taken_at": cols["completiontime"], "person_id": cols["email"]})
    guessed = guess_mapping([c for c in columns if norm(c) not in ("id", "starttime", "completiontime", "email",
                                                                       "name", "lastmodifiedtime")],
                            "assessments.csv")
    m.columns.update({k: v for k, v in guessed.items() if k not in m.columns and v not in m.columns.values()
                      and k not in ("assessment_id", "taken_at", "person_id")})
    return m
def _kind_value(text: str) -> str | None:
    key = norm(text)
    if key in ("baseline", "pre", "before", "intake", "initial", "first"):
        return "baseline"
    if key in ("followup", "post", "after", "final", "second", "repeat"):
        return "follow_up"
    return None


def finish_assessments(mapping: Mapping, frame: pd.DataFrame, out: dict[str, list[str]], conv: Conversion,
                       index: PeopleIndex, problem: ProblemFn) -> None:
    """Respondents (by email, id or first and last name), the response id, scales, barriers and kinds."""
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
                                               'name); name it with --column "person_id=THE COLUMN" (Import '
                                               "page: Columns)",
                                     file=conv.name))
    elif not any(out["person_id"]) and not conv.strangers and n:
        src = conv.back.get("person_id", "person_id")
        conv.problems.append(Problem(src, "is empty in every row, so no answer can be tied to a person (an "
                                          "anonymous survey); map a column that names the respondent",
                                     file=conv.name))
    if "taken_at" not in out:
        conv.problems.append(Problem("(file)", "has no column that says when the answers were given; name it with "
                                               '--column "taken_at=THE COLUMN" (Import page: Columns)',
                                     file=conv.name))
    if "assessment_id" not in mapping.columns:
        # Google and Microsoft Forms write no lasting response id: one is made from the submission time and the
        # respondent, so importing the same export again updates the same assessments.
        prefix = mapping.options.get("derive_id", "sv")
        when = frame[mapping.columns["taken_at"]].astype(str).tolist() if "taken_at" in mapping.columns else [""] * n
        who = out.get("person_id", [""] * n)
        out["assessment_id"] = [f"{prefix}-" + hashlib.sha1(f"{w.strip()}|{p}".encode()).hexdigest()[:16] if w.strip()
                                else "" for w, p in zip(when, who, strict=True)]
    if not any(k.startswith(SCORE_PREFIX) for k in out):
        labels = ", ".join(DIMENSIONS.values())
        conv.problems.append(Problem("(file)", f"has no column that is a readiness dimension ({labels}), so no "
                                               f"answer can be stored; say which question asks about each: "
                                               f'--column "score_partner_knowledge=THE QUESTION" (repeat; Import '
                                               f"page: Columns; mapping file: [columns])", file=conv.name))
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



class SurveyReader(TableConversion):
    """Survey responses: a known tool's headers, else a time column and rating columns (in any language)."""

    keys: tuple[str, ...] = (KEY,)
    finish = staticmethod(finish_assessments)

    def fit(self, probe: Probe, as_key: str | None = None) -> list[Fit]:
        table = probe.table
        if table is None:
            return []
        found = recognise(table.columns)
        if found and found[1].entity == "assessments.csv":
            preset, mapping = found
            return [Fit(KEY, LABEL, 0.95, f"the headers of {TOOLS[preset]}", mapping, TOOLS[preset])]
        ms = _microsoft_forms(table.columns)
        if ms is not None:
            return [Fit(KEY, LABEL, 0.95, "the headers of Microsoft Forms responses", ms, "Microsoft Forms responses")]
        kinds = value_kinds(table.frame)
        times = [c for c, k in kinds.items() if k == "time"]
        emails = [c for c, k in kinds.items() if k == "email"]
        ratings = [c for c, k in kinds.items() if k == "rating"]
        mapping = Mapping("assessments.csv", guess_mapping(table.columns, "assessments.csv"))
        if "taken_at" not in mapping.columns and times:
            mapping.columns["taken_at"] = times[0]
        if "person_id" not in mapping.columns and emails:
            mapping.columns["person_id"] = emails[0]
        dims = [k for k in mapping.columns if k.startswith(SCORE_PREFIX)]
        why = (f"{len(times)} time column(s), {len(emails)} email column(s) and {len(ratings)} rating column(s)"
               + (f", {len(dims)} readiness question(s) by their headers" if dims else ""))
        if as_key == KEY:
            return [Fit(KEY, LABEL, 1.0, "chosen", mapping)]
        if not times or len(ratings) + len(dims) < 2:
            return [Fit(KEY, LABEL, 0.1 if times or ratings else 0.0, why, mapping)]
        # A survey shape by values alone is offered, not taken: its headers may say nothing we can read.
        score = 0.45 + (0.1 if emails else 0) + (0.25 if dims and "person_id" in mapping.columns else 0)
        return [Fit(KEY, LABEL, round(score, 2), why, mapping)]

    def preview(self, probe: Probe, fit: Fit) -> list[str]:
        """Which column feeds each field (readiness dimensions included)."""
        return [f"{k} ← {v}" for k, v in (fit.mapping.columns.items() if fit.mapping else ())]
