"""Real-world files in: column mappings, presets, xAPI statements and Slack workspace exports.

Everything here turns a source file into the canonical CSV files of DOMAIN.md in a work
folder; `importer.import_files` then validates and writes them (all or nothing). So every
source gets the same row-level report, and nothing is guessed: a sender or owner who is
not a known person is reported, not invented.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tomllib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from data_layer.errors import InvalidData, Problem
from data_layer.importer import SCORE_PREFIX, SPEC_BY_NAME, SPECS
from data_layer.store import Store
from data_layer.vocabulary import BARRIERS, DIMENSIONS

SOURCE_SUFFIXES = (".csv", ".xlsx", ".json", ".zip")
PRESETS = ("crm_opportunities", "survey_assessments")

# Other names people's exports use for our fields (normalised: lower case, letters and digits).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "person_id": ("personid", "userid", "employeeid", "sellerid", "id"),
    "name": ("fullname", "employeename", "sellername", "displayname"),
    "email": ("emailaddress", "mail", "workemail"),
    "role": ("jobtitle", "title", "position"),
    "team": ("department", "group"),
    "region": ("geo", "territory", "area"),
    "manager_id": ("manager", "managerid", "reportsto"),
    "cohort_id": ("cohort", "cohortid", "groupid"),
    "joined_on": ("joined", "joindate", "startdate", "enrolled", "enrolledon"),
    "left_on": ("left", "leftdate", "enddate"),
    "event_id": ("eventid", "activityid", "statementid"),
    "occurred_at": ("timestamp", "time", "date", "occurred", "createdat"),
    "verb": ("action", "activity", "eventtype", "type"),
    "object": ("objectid", "item", "target"),
    "source": ("system", "origin"),
    "deal_id": ("opportunityid", "dealid", "oppid"),
    "owner_id": ("opportunityowner", "owner", "ownerid", "opportunityowneremail", "owneremail"),
    "created_on": ("createddate", "created", "createdon"),
    "closed_on": ("closedate", "closeddate", "closed"),
    "status": ("stage", "state"),
    "amount": ("value", "dealvalue", "amountusd"),
    "partner_name": ("partneraccount", "partner"),
    "partner_involvement": ("partnerinvolvement", "partnerrole", "partnertype"),
    "assessment_id": ("responseid", "submissionid"),
    "taken_at": ("submittedat", "completedat", "takenat"),
    "barriers": ("barrier", "blockers", "whatholdsyouback"),
    "barrier_notes": ("notes", "comments", "anythingelse"),
}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def guess_entity(filename: str, columns: Iterable[str]) -> str | None:
    """Which of DOMAIN.md's files a source most likely is: by its name, else by its columns."""
    stem = _norm(PurePosixPath(filename).stem)
    for spec in SPECS:
        if _norm(spec.filename[:-4]) == stem or _norm(spec.table) == stem:
            return spec.filename
    cols = {_norm(c) for c in columns}
    best, best_score = None, 0
    for spec in SPECS:
        score = sum(1 for f in spec.columns if _norm(f) in cols or cols & {_norm(s) for s in SYNONYMS.get(f, ())})
        required = [c.name for c in spec.cols if c.required]
        score += sum(1 for f in required if _norm(f) in cols)
        if score > best_score:
            best, best_score = spec.filename, score
    return best if best_score >= 2 else None


def guess_mapping(columns: Iterable[str], entity: str) -> dict[str, str]:
    """Field -> source column, guessed from names (exact, then known synonyms)."""
    spec = SPEC_BY_NAME[entity]
    by_norm = {_norm(c): c for c in columns}
    out: dict[str, str] = {}
    for f in spec.columns:
        if _norm(f) in by_norm:
            out[f] = by_norm[_norm(f)]
            continue
        for syn in SYNONYMS.get(f, ()):
            if syn in by_norm and by_norm[syn] not in out.values():
                out[f] = by_norm[syn]
                break
    if entity == "assessments.csv":
        for dim in DIMENSIONS:
            for c in columns:
                if _norm(c).startswith(_norm(dim)) or _norm(c) == _norm(SCORE_PREFIX + dim):
                    out[SCORE_PREFIX + dim] = c
                    break
    return out


@dataclass
class Mapping:
    """How one source file becomes one of our files: target, field -> source column, preset options."""

    entity: str
    columns: dict[str, str] = field(default_factory=dict)
    preset: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    def to_toml(self) -> str:
        """The mapping as TOML (for `import --mapping FILE.toml` and saved mappings)."""
        def q(v: str) -> str:
            return json.dumps(v)  # a JSON string is a valid TOML basic string
        lines = [f"entity = {q(self.entity)}"]
        if self.preset:
            lines.append(f"preset = {q(self.preset)}")
        lines.append("\n[columns]")
        lines += [f"{k} = {q(v)}" for k, v in self.columns.items()]
        if self.options:
            lines.append("\n[options]")
            lines += [f"{k} = {q(v)}" for k, v in self.options.items()]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, text: str) -> Mapping:
        """Read a mapping written by `to_toml` (or by hand); a bad one gets a sentence."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidData([Problem("mapping", f"is not valid TOML: {exc}")], f"The mapping is not valid TOML: {exc}") from None
        entity = str(data.get("entity", ""))
        if entity not in SPEC_BY_NAME:
            raise InvalidData([Problem("entity", f"must be one of {', '.join(SPEC_BY_NAME)}")],
                              f"The mapping's entity must be one of {', '.join(SPEC_BY_NAME)}.")
        preset = data.get("preset")
        if preset is not None and preset not in PRESETS:
            raise InvalidData([Problem("preset", f"must be one of {', '.join(PRESETS)}")],
                              f"Unknown preset {preset!r}; use one of {', '.join(PRESETS)}.")
        cols = {str(k): str(v) for k, v in dict(data.get("columns", {})).items()}
        opts = {str(k): str(v) for k, v in dict(data.get("options", {})).items()}
        return cls(entity=entity, columns=cols, preset=preset, options=opts)


def preset_mapping(preset: str) -> Mapping:
    """The ready-made mapping of a common export."""
    if preset == "crm_opportunities":
        return Mapping("deals.csv", {
            "deal_id": "Opportunity ID", "owner_id": "Opportunity Owner (email)", "created_on": "Created Date",
            "closed_on": "Close Date", "status": "Stage", "amount": "Amount", "partner_name": "Partner Account",
            "currency": "Currency", "segment": "Segment"}, preset)
    if preset == "survey_assessments":
        cols = {"assessment_id": "Response ID", "person_id": "Email", "taken_at": "Submitted At",
                "barriers": "What holds you back?", "barrier_notes": "Anything else?", "kind": "Kind"}
        for dim, label in DIMENSIONS.items():
            cols[SCORE_PREFIX + dim] = f"{label} (1-5)"
        return Mapping("assessments.csv", cols, preset, {"instrument": "Readiness survey"})
    raise ValueError(f"unknown preset {preset}")


# ------------------------------------------------------------------------ reading sources
def read_table(path: Path, nrows: int | None = None) -> pd.DataFrame:
    """A CSV or XLSX source as text columns (nothing converted, blanks kept as '')."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        try:
            frame = pd.read_excel(path, dtype=str, nrows=nrows, engine="openpyxl")
        except Exception as exc:
            raise InvalidData([Problem("(file)", "is not a readable Excel workbook", file=path.name)],
                              f"{path.name} is not a readable Excel workbook ({type(exc).__name__}).") from None
        return frame.fillna("")
    try:
        return pd.read_csv(path, dtype=str, nrows=nrows, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidData([Problem("(file)", "is not UTF-8 text; save it as UTF-8 CSV", file=path.name)],
                          f"{path.name} is not UTF-8 text; save it as UTF-8 CSV.") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        msg = "is empty; it needs a header row" if isinstance(exc, pd.errors.EmptyDataError) else \
            "is not valid CSV (check the quotes and commas)"
        raise InvalidData([Problem("(file)", msg, file=path.name)], f"{path.name} {msg}.") from None


def _emails_to_people(store: Store, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Email -> person id, from the database plus people arriving in the same run."""
    known = {str(e).lower(): str(p) for p, e in store.query("SELECT person_id, email FROM people")}
    return {**known, **(extra or {})}


def _people_in(files: list[SourceFile]) -> dict[str, str]:
    """Email -> person id of a people.csv among the files of a run (so its people can be matched)."""
    out: dict[str, str] = {}
    for f in files:
        if f.name.lower() == "people.csv":
            try:
                rows = csv.DictReader(io.StringIO(f.data.decode("utf-8-sig")))
                for row in rows:
                    email, pid = (row.get("email") or "").strip().lower(), (row.get("person_id") or "").strip()
                    if email and pid:
                        out[email] = pid
            except (UnicodeDecodeError, csv.Error):
                pass  # the importer reports what is wrong with the file itself
    return out


LIKERT = {"1": "0", "2": "25", "3": "50", "4": "75", "5": "100"}


def _stage_label(value: str) -> str:
    v = value.strip().lower()
    if v in ("closed won", "won"):
        return "won"
    if v in ("closed lost", "lost"):
        return "lost"
    return "open"


def _iso_date(value: str) -> str:
    """ISO dates pass through; US-style M/D/YYYY (what CRMs export) becomes ISO; else unchanged."""
    v = value.strip()
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", v)
    return f"{m.group(3)}-{int(m.group(1)):02d}-{int(m.group(2)):02d}" if m else v


def apply_mapping(store: Store, frame: pd.DataFrame, mapping: Mapping,
                  extra_people: dict[str, str] | None = None) -> pd.DataFrame:
    """Rename and convert a source frame into one of our files (as text, for the importer to check)."""
    spec = SPEC_BY_NAME[mapping.entity]
    missing = [src for src in mapping.columns.values() if src and src not in frame.columns]
    if missing:
        raise InvalidData([Problem(src, "is mapped but not in the file") for src in missing],
                          f"Mapped column(s) not in the file: {', '.join(missing)}.")
    out = pd.DataFrame(index=frame.index)
    wanted = list(spec.columns) + ([SCORE_PREFIX + d for d in DIMENSIONS] if spec.table == "assessments" else [])
    for f in wanted:
        src = mapping.columns.get(f)
        if src:
            out[f] = frame[src].astype(str)
    people = _emails_to_people(store, extra_people) if mapping.preset else {}
    if mapping.preset == "crm_opportunities":
        if "status" in out:
            out["status"] = out["status"].map(_stage_label)
        for col in ("created_on", "closed_on"):
            if col in out:
                out[col] = out[col].map(_iso_date)
        if "closed_on" in out and "status" in out:
            out.loc[out["status"] == "open", "closed_on"] = ""  # an open deal's close date is a forecast
        if "owner_id" in out:
            # Owners come as emails: known emails become person ids; unknown ones stay, and are reported.
            out["owner_id"] = out["owner_id"].map(lambda e: people.get(str(e).strip().lower(), str(e).strip()))
        partner = out.get("partner_name", pd.Series("", index=out.index)).astype(str).str.strip()
        role_col = mapping.options.get("partner_role_column")
        if role_col and role_col in frame.columns:
            role = frame[role_col].astype(str).str.strip().str.lower()
            out["partner_involvement"] = [("sourced" if r.startswith("sourc") else "influenced") if p else "none"
                                          for p, r in zip(partner, role, strict=True)]
        else:
            out["partner_involvement"] = ["influenced" if p else "none" for p in partner]
        if "amount" in out:
            out["amount"] = out["amount"].str.replace(r"[,$€£\s]", "", regex=True)
    elif mapping.preset == "survey_assessments":
        if "person_id" in out:
            out["person_id"] = out["person_id"].map(lambda e: people.get(str(e).strip().lower(), str(e).strip()))
        for dim in DIMENSIONS:
            col = SCORE_PREFIX + dim
            if col in out:
                out[col] = out[col].map(lambda v: LIKERT.get(str(v).strip(), str(v).strip()))
        if "barriers" in out:
            by_label = {_norm(label): code for code, label in BARRIERS.items()} | {_norm(c): c for c in BARRIERS}
            out["barriers"] = out["barriers"].map(lambda v: ";".join(
                by_label.get(_norm(part), part.strip()) for part in re.split(r"[;,]", str(v)) if part.strip()))
        out["instrument"] = mapping.options.get("instrument", "Readiness survey")
        if "kind" not in out:
            out["kind"] = mapping.options.get("kind", "baseline")
    return out


# --------------------------------------------------------------------------------- xAPI
def _cohort_from_context(ctx: dict[str, Any], cohorts: set[str]) -> str:
    for key, value in dict(ctx.get("extensions") or {}).items():
        if str(key).rstrip("/").split("/")[-1].lower() in ("cohort", "cohort_id", "cohortid"):
            return str(value)
    activities = ctx.get("contextActivities") or {}
    for group in ("grouping", "parent", "other", "category"):
        for act in activities.get(group) or []:
            ident = str((act or {}).get("id", "")).rstrip("/").split("/")[-1]
            if ident in cohorts:
                return ident
    return ""


def xapi_to_activity(store: Store, data: bytes, filename: str = "activity.json",
                     extra_people: dict[str, str] | None = None) -> pd.DataFrame:
    """An xAPI statement array as activity rows (actor by mbox email or account name)."""
    try:
        statements = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidData([Problem("(file)", f"is not valid JSON ({exc})", file=filename)],
                          f"{filename} is not valid JSON.") from None
    if not isinstance(statements, list):
        raise InvalidData([Problem("(file)", "must be a JSON array of xAPI statements", file=filename)],
                          f"{filename} must be a JSON array of xAPI statements.")
    people = _emails_to_people(store, extra_people)
    cohorts = {str(r[0]) for r in store.query("SELECT cohort_id FROM cohorts")}
    rows = []
    for i, st in enumerate(statements, start=1):
        st = st if isinstance(st, dict) else {}
        actor = st.get("actor") or {}
        mbox = str(actor.get("mbox") or "")
        person = ""
        if mbox.lower().startswith("mailto:"):
            email = mbox[7:].strip().lower()
            person = people.get(email, email)
        elif isinstance(actor.get("account"), dict):
            person = str(actor["account"].get("name") or "")
        verb = str((st.get("verb") or {}).get("id") or "").rstrip("/").split("/")[-1]
        obj = str((st.get("object") or {}).get("id") or "")
        ident = str(st.get("id") or "") or "xapi-" + hashlib.sha1(json.dumps(st, sort_keys=True).encode()).hexdigest()[:16]
        rows.append({"event_id": ident, "occurred_at": str(st.get("timestamp") or ""), "person_id": person,
                     "verb": verb, "object": obj, "cohort_id": _cohort_from_context(st.get("context") or {}, cohorts),
                     "source": "lms", "_statement": str(i)})
    return pd.DataFrame(rows, columns=["event_id", "occurred_at", "person_id", "verb", "object", "cohort_id",
                                       "source", "_statement"])


# ------------------------------------------------------------------------- Slack export
@dataclass
class SlackResult:
    """The activity rows made from a Slack export, and the senders who are not known people."""

    activity: pd.DataFrame
    unknown_senders: list[str]
    channels_without_cohort: list[str]


def slack_to_activity(store: Store, data: bytes, win: str = "trophy", frustration: str = "warning",
                      extra_people: dict[str, str] | None = None) -> SlackResult:
    """A Slack workspace export (zip): messages in cohort channels become activity events."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InvalidData([Problem("(file)", "is not a zip file", file="export.zip")],
                          "That is not a Slack export (not a zip file).") from None
    names = archive.namelist()

    def load(name: str) -> Any:
        try:
            return json.loads(archive.read(name).decode("utf-8"))
        except (KeyError, UnicodeDecodeError, json.JSONDecodeError):
            raise InvalidData([Problem("(file)", f"{name} is missing or not valid JSON", file="export.zip")],
                              f"The Slack export's {name} is missing or not valid JSON.") from None

    users = {u.get("id"): str((u.get("profile") or {}).get("email") or "").lower() for u in load("users.json")}
    channels = {c.get("name"): c.get("id") for c in load("channels.json")}
    people = _emails_to_people(store, extra_people)
    by_channel = {str(ch or "").lstrip("#").lower(): str(cid) for cid, ch in store.query("SELECT cohort_id, channel FROM cohorts")}
    rows, unknown, no_cohort = [], set(), []
    win, frustration = win.strip(":"), frustration.strip(":")
    for channel in channels:
        cohort = by_channel.get(str(channel).lower())
        if cohort is None:
            no_cohort.append(str(channel))
            continue
        for name in sorted(n for n in names if n.startswith(f"{channel}/") and n.endswith(".json")):
            for msg in load(name):
                if msg.get("subtype") in ("channel_join", "channel_leave", "bot_message"):
                    continue
                email = users.get(msg.get("user"), "")
                person = people.get(email)
                if person is None:
                    unknown.add(email or str(msg.get("user") or "unknown"))
                    continue
                ts = str(msg.get("ts") or "")
                when = pd.Timestamp(float(ts), unit="s").strftime("%Y-%m-%dT%H:%M:%S.%fZ") if ts else ""
                is_reply = msg.get("thread_ts") and msg.get("thread_ts") != ts
                base = f"slack-{channel}-{ts}"
                rows.append({"event_id": base, "occurred_at": when, "person_id": person,
                             "verb": "replied" if is_reply else "posted", "object": "", "cohort_id": cohort,
                             "source": "slack"})
                reactions = {str(r.get("name")) for r in msg.get("reactions") or []}
                for reaction, verb in ((win, "shared_win"), (frustration, "shared_frustration")):
                    if reaction in reactions:
                        rows.append({"event_id": f"{base}-{verb}", "occurred_at": when, "person_id": person,
                                     "verb": verb, "object": "", "cohort_id": cohort, "source": "slack"})
    frame = pd.DataFrame(rows, columns=["event_id", "occurred_at", "person_id", "verb", "object", "cohort_id", "source"])
    return SlackResult(frame, sorted(unknown), sorted(no_cohort))


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


def kind_of(name: str) -> str:
    """'canonical' (one of our files), 'table' (CSV/XLSX to map), 'xapi' (JSON), 'slack' (zip)."""
    lower = name.lower()
    if lower in SPEC_BY_NAME:
        return "canonical"
    if lower.endswith(".json"):
        return "xapi"
    if lower.endswith(".zip"):
        return "slack"
    if lower.endswith((".csv", ".xlsx")):
        return "table"
    raise InvalidData([Problem("(file)", "is not a CSV, XLSX, JSON or zip file", file=name)],
                      f"{name}: only CSV, XLSX, JSON (xAPI) and zip (Slack export) files can be imported.")


def import_sources(store: Store, files: list[SourceFile], work: Path, *, actor: str = "cli", dry_run: bool = False,
                   progress: Any = None, win_reaction: str = "trophy",
                   frustration_reaction: str = "warning") -> SourcesResult:
    """Convert every source to our files in `work`, then validate and import them all or nothing."""
    from data_layer.importer import import_files

    work.mkdir(parents=True, exist_ok=True)
    arriving = _people_in(files)
    produced: dict[str, tuple[pd.DataFrame, str, dict[str, str]]] = {}
    canonical: list[Path] = []
    notes: list[str] = []
    problems: list[Problem] = []
    for f in files:
        try:
            name = safe_name(f.name)
            kind = kind_of(name)
            if not f.data.strip():
                raise InvalidData([Problem("(file)", "is empty", file=name)], f"{name} is empty.")
            if kind == "canonical":
                path = work / ("src-" + name)
                path.write_bytes(f.data)
                target = work / name
                target.write_bytes(f.data)
                canonical.append(target)
                continue
            back: dict[str, str] = {}
            if kind == "xapi":
                frame, entity = xapi_to_activity(store, f.data, name, arriving), "activity.csv"
            elif kind == "slack":
                res = slack_to_activity(store, f.data, win_reaction, frustration_reaction, arriving)
                frame, entity = res.activity, "activity.csv"
                if res.unknown_senders:
                    notes.append(f"{name}: {len(res.unknown_senders)} sender(s) are not known people and were "
                                 f"left out: {', '.join(res.unknown_senders[:20])}")
                if res.channels_without_cohort:
                    notes.append(f"{name}: channels that are no cohort's channel were skipped: "
                                 f"{', '.join(res.channels_without_cohort[:20])}")
            else:
                src = work / ("src-" + name)
                src.write_bytes(f.data)
                table = read_table(src)
                mapping = f.mapping or Mapping(guess_entity(name, table.columns) or "",
                                               guess_mapping(table.columns, guess_entity(name, table.columns) or "people.csv"))
                if mapping.entity not in SPEC_BY_NAME:
                    raise InvalidData([Problem("(file)", "could not tell which data this is; choose a mapping", file=name)],
                                      f"{name}: choose what this file holds.")
                frame, entity = apply_mapping(store, table, mapping, arriving), mapping.entity
                back = {field_name: src_col for field_name, src_col in mapping.columns.items()}
            if entity in produced:
                raise InvalidData([Problem("(file)", f"is a second source of {entity}; import one at a time", file=name)],
                                  f"{name} is a second source of {entity}.")
            produced[entity] = (frame, name, back)
        except InvalidData as exc:
            problems += [Problem(p.field, p.message, file=p.file or f.name, line=p.line, value=p.value)
                         for p in exc.problems]
    if problems:
        raise InvalidData(problems, f"{len(problems)} problem(s) with the files; nothing was imported.")
    paths = list(canonical)
    for entity, (frame, _name, _back) in produced.items():
        if entity in {p.name for p in canonical}:
            raise InvalidData([Problem("(file)", f"two files give {entity}", file=entity)], f"Two files give {entity}.")
        paths.append(write_canonical(frame, entity, work))
    try:
        result = import_files(store, paths, actor=actor, dry_run=dry_run, progress=progress)
    except InvalidData as exc:
        # Report in the terms of the person's own files: their file name and column names.
        translated = []
        for p in exc.problems:
            origin = produced.get(p.file or "")
            if origin is None:
                translated.append(p)
                continue
            _frame, src_name, back = origin
            col = back.get(p.field)
            label = f"{col} ({p.field})" if col and col != p.field else p.field
            line = p.line
            if src_name.lower().endswith(".json") and p.line is not None:
                label = f"statement {p.line - 1}: {label}"
                line = None
            translated.append(Problem(label, p.message, file=src_name, line=line, value=p.value))
        raise InvalidData(translated, str(exc)) from None
    return SourcesResult(result.rows, result.warnings, notes, dry_run)
