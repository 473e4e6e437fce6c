"""xAPI statements as LRSs store them: one reader.

An array of statements, an LRS response (`{"statements": [...]}`), a single statement, or
documents as an LRS stores them (Learning Locker: the statement inside a `statement`
field). One id is one statement: the same statement twice is read once, two different
statements with one id are refused naming both. Verbs outside our vocabulary are left out
and counted by IRI (`--verb IRI=VERB` maps one). Problems are placed by statement number.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from data_layer.db.store import Store
from data_layer.domain.errors import Problem
from data_layer.domain.models import CONTROL
from data_layer.domain.vocabulary import VERBS
from data_layer.ingest.bounded import json_statements
from data_layer.ingest.formats import FormatError, convert_dates
from data_layer.ingest.people import PeopleIndex, Stranger
from data_layer.ingest.readers.base import Context, Converted, Fit, Probe

KEY = "xapi"
LABEL = "xAPI statements (activity)"

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
    unmapped: Counter[str] = field(default_factory=Counter)  # verb IRIs outside our vocabulary -> statements
    repeated: int = 0  # statements given twice with the same id and the same content (one statement)


_LRS_FIELDS = ("stored", "authority", "version")


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def xapi_statements(store: Store, data: bytes, filename: str = "activity.json", index: PeopleIndex | None = None,
                    verbs: dict[str, str] | None = None) -> XapiResult:
    """xAPI statements (an array, an LRS response, one statement, stored documents) as activity rows."""
    statements = json_statements(filename, data)
    index = index or PeopleIndex.load(store)
    chosen = dict(verbs or {})
    cohorts = {str(r[0]) for r in store.query("SELECT cohort_id FROM cohorts")}
    rows: list[dict[str, str]] = []
    problems: list[Problem] = []
    strangers: dict[str, Stranger] = {}
    used: dict[str, tuple[str, int]] = {}
    skipped = 0
    unmapped: Counter[str] = Counter()
    seen: dict[str, tuple[int, str]] = {}  # statement id -> (its number, its content as compared)
    repeated = 0
    voided = 0
    for i, raw in enumerate(statements, start=1):
        where = f"statement {i}"
        if isinstance(raw, dict) and isinstance(raw.get("statement"), dict) and "verb" not in raw:
            if raw.get("voided") is True:  # the LRS keeps it, but it was taken back: never imported
                voided += 1
                continue
            raw = raw["statement"]  # a document as an LRS stores it (Learning Locker): the statement inside
        if not isinstance(raw, dict):
            problems.append(Problem(where, "is not a JSON object", file=filename))
            continue
        sid = str(raw.get("id") or "")
        if sid:
            # The xAPI specification: one id, one statement. An LRS's own fields do not make two statements differ.
            same = json.dumps({k: v for k, v in raw.items() if k not in _LRS_FIELDS}, sort_keys=True, default=str)
            if sid in seen:
                first, content = seen[sid]
                if content == same:
                    repeated += 1
                    continue
                problems.append(Problem(f"{where}: id", f"is also the id of statement {first}, which says something "
                                                        "else; an id names one statement: keep the right one",
                                        file=filename, value=sid))
                continue
            seen[sid] = (i, same)
        actor = _d(raw.get("actor"))
        verb_iri = str(_d(raw.get("verb")).get("id") or "")
        verb = verb_of(verb_iri, chosen)
        before = used.get(verb_iri, (verb or "?", 0))
        used[verb_iri] = (verb or "?", before[1] + 1)
        if verb == "skip":
            skipped += 1
            continue
        if not verb_iri:
            problems.append(Problem(f"{where}: verb", "has no verb id; an xAPI statement names its verb by an IRI "
                                                      "in verb.id", file=filename))
            continue
        if verb is None:  # outside our vocabulary: left out and counted, to map if it matters
            unmapped[verb_iri] += 1
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
        if not when:
            problems.append(Problem(f"{where}: timestamp", "has neither timestamp nor stored, so when it happened is "
                                                           "unknown; export the statements from the LRS, which "
                                                           "stores each with its time", file=filename))
            continue
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
        if person:  # someone unknown is named once for the file; their rows would only repeat it
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
    return XapiResult(frame, problems, strangers, used, skipped + voided, unmapped, repeated)



class XapiReader:
    """JSON: statements, an LRS response, or an LRS's stored documents."""

    keys: tuple[str, ...] = (KEY,)

    def fit(self, probe: Probe, as_key: str | None = None) -> list[Fit]:
        if probe.suffix != "json":
            return []
        # The only reader of JSON: a file of another shape is refused by the conversion, naming what it lacks.
        return [Fit(KEY, LABEL, 0.95, "a JSON file")]

    def preview(self, probe: Probe, fit: Fit) -> list[str]:
        """What the file is read as."""
        return ["each statement becomes one activity event (verb by its IRI; others left out and counted)"]

    def convert(self, ctx: Context, probe: Probe, fit: Fit) -> Converted:
        """The statements as activity rows, with what was left out said in notes."""
        xr = xapi_statements(ctx.store, probe.data, probe.name, ctx.index, ctx.verbs)
        notes = []
        if xr.repeated:
            notes.append(f"{xr.repeated:,} statement(s) given again with the same id and content were read once (an "
                         f"id names one statement).")
        if xr.skipped:
            notes.append(f"{xr.skipped:,} statement(s) left out (voided, or their verbs are set to skip: "
                         f"{', '.join(sorted(k for k, v in xr.verbs.items() if v[0] == 'skip'))}).")
        if xr.unmapped:
            listed = ", ".join(f"{iri} ({n:,})" for iri, n in xr.unmapped.most_common())
            example = xr.unmapped.most_common(1)[0][0]
            notes.append(f"{sum(xr.unmapped.values()):,} statement(s) left out because their verbs are not among "
                         f"ours: {listed}. To import them, say which of our verbs each stands for: "
                         f'--verb "{example}=tool_used" (Import page: Verbs).')
        return Converted("activity.csv", xr.activity, {}, None, xr.problems, list(xr.strangers.values()), notes)
