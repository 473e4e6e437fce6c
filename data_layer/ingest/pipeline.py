"""Importing files as people have them: each file read by the reader that fits it, then all or nothing.

`import_sources` is the entry point the CLI and the Import page call. Each file is probed
(its name, bytes and, for tables, its decoded rows), the readers score it
(`ingest.readers`), and the chosen reading converts it to one of our canonical files in a
work folder; `importer.import_files` then validates and writes them all or nothing. Every
problem is found in one pass: the readers' problems (stages, owners, formats) and the
importer's row rules (a won deal without its amount ...) are reported together, each in the
terms of the person's own file (its name, column, line, or statement number).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from data_layer.access.auth import Actor
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData, Problem
from data_layer.ingest.bounded import check_size, count_rows
from data_layer.ingest.importer import SPEC_BY_NAME, import_files
from data_layer.ingest.mapping import Mapping
from data_layer.ingest.people import PeopleIndex, Stranger
from data_layer.ingest.presets import TOOLS, legacy_preset
from data_layer.ingest.readers import AS_HINT, as_key, choose, reader_for
from data_layer.ingest.readers.base import Context, Converted, Fit, Probe
from data_layer.ingest.readers.ours import our_entity
from data_layer.ingest.tables import Table, decode_noted, read_any, read_delimited

TABLE_SUFFIXES = ("csv", "tsv", "xlsx")


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
    columns: dict[str, str] = field(default_factory=dict)  # our field -> the file's column (--column)
    read_as: str | None = None  # the reading chosen for files that cannot be told (--as)

    def apply(self, mapping: Mapping) -> Mapping:
        """The mapping with these choices laid over its own."""
        columns = {k: v for k, v in mapping.columns.items() if v not in self.columns.values()}
        return Mapping(mapping.entity, {**columns, **self.columns}, mapping.preset,
                       {**mapping.options, **self.options}, {**mapping.formats, **self.formats},
                       {**mapping.stages, **self.stages}, {**mapping.verbs, **self.verbs},
                       {**mapping.people, **self.people})


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


def _first_line_columns(head: bytes) -> list[str]:
    try:
        text, _note = decode_noted("head", head)
    except InvalidData:
        return []
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    delimiter = max((",", ";", "\t"), key=lines[0].count)
    try:
        return [c.strip() for c in next(csv.reader([lines[0]], delimiter=delimiter))]
    except (csv.Error, StopIteration):
        return []


def _plain_utf8(head: bytes) -> bool:
    """True when a file's first bytes are UTF-8 without NULs (what DuckDB's reader takes as it is)."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 4  # only a character cut at the end of the head
    return True


def kind_of(name: str, head: bytes | None = None) -> str:
    """'canonical' (one of our files, named and headed as ours), 'table', 'xapi' (JSON) or 'slack' (zip).

    Names are compared without case (`Deals.csv` is deals.csv). A file named like ours whose header
    lacks our required columns (a HubSpot export saved as deals.csv) is a 'table', read by the reader
    that fits it.
    """
    lower = name.lower()
    entity = our_entity(name)
    if entity is not None and head is not None and not _plain_utf8(head):
        return "table"  # ours in another encoding: decoded (and the encoding said) before the importer reads it
    if entity is not None:
        # Our key columns make it ours (the importer names any other column it lacks); without them it is an
        # export saved under our name, read by the reader that fits it.
        if head is not None and not set(SPEC_BY_NAME[entity].key) <= set(_first_line_columns(head)):
            return "table"
        return "canonical"
    suffix = lower.rsplit(".", 1)[-1] if "." in lower else ""
    if suffix == "json":
        return "xapi"
    if suffix == "zip":
        return "slack"
    if suffix in TABLE_SUFFIXES:
        return "table"
    raise InvalidData([Problem("(file)", "is not a CSV, XLSX, JSON or zip file (nor TSV); save it as CSV (UTF-8) or "
                                         "XLSX and import that", file=name)],
                      f"{name}: only CSV, TSV, XLSX, JSON (xAPI) and zip (Slack export) files can be imported; save "
                      f"it as CSV (UTF-8) or XLSX and import that.")


def _people_in(files: list[SourceFile]) -> list[tuple[str, str, str]]:
    """(person id, email, name) of a people.csv among the files of a run (so its people can be matched)."""
    out: list[tuple[str, str, str]] = []
    for f in files:
        if our_entity(f.name) == "people.csv":
            try:
                text, _note = decode_noted(f.name, f.data)
                for row in csv.DictReader(io.StringIO(text)):
                    pid = (row.get("person_id") or "").strip()
                    if pid:
                        out.append((pid, (row.get("email") or "").strip(), (row.get("name") or "").strip()))
            except (InvalidData, csv.Error):
                pass  # the importer reports what is wrong with the file itself
    return out


def _with_article(tool: str) -> str:
    """'a HubSpot deals export', 'Typeform responses', 'a Salesforce data export'."""
    return tool if tool.endswith("responses") else f"a {tool}"


@dataclass
class _Produced:
    """One converted file: our rows, where they came from, and how to name a problem in the person's terms."""

    frame: pd.DataFrame
    name: str
    back: dict[str, str]
    lines: list[int] | None


@dataclass
class _Run:
    """What the files of one run gave so far."""

    produced: dict[str, _Produced] = field(default_factory=dict)
    canonical: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    strangers: list[Stranger] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)  # our file name -> the person's file name


def _canonical(run: _Run, name: str, entity: str, data: bytes, work: Path) -> None:
    """One of our files, as it is (transcoded to UTF-8 when it was written in another encoding)."""
    if not _plain_utf8(data):
        text, note = decode_noted(name, data)
        data = text.encode("utf-8")
        if note:
            run.notes.append(note)
    target = work / entity
    if target in run.canonical:
        raise InvalidData([Problem("(file)", f"is a second {entity}; import one at a time", file=name)],
                          f"{name} is a second {entity}.")
    target.write_bytes(data)
    run.canonical.append(target)


def _read(store: Store, run: _Run, f: SourceFile, name: str, choices: Choices, ctx: Context, work: Path) -> None:
    """One file through the reader that fits it (or the one its given mapping names), into our rows."""
    table = None
    skip = "0"
    given = None
    if kind_of(name, f.data[:65_536]) in ("canonical", "table"):
        # A mapping's columns are for tables (a JSON or zip file takes only its verbs and people).
        given = choices.apply(f.mapping) if f.mapping and f.mapping.columns else None
        skip = (given.options if given else choices.options).get("skip_rows", "0")
        table = read_source(name, f.data, work, int(skip) if skip.isdigit() else 0)
        run.notes += table.notes
    probe = Probe(name, f.data, table)
    if given is not None:
        if given.entity not in SPEC_BY_NAME:
            raise InvalidData([Problem("(file)", f"cannot be read as {given.entity}", file=name)],
                              f"{name}: choose what this file holds.")
        fit = Fit(given.entity[:-4], given.entity, 1.0, "given", given, TOOLS.get(given.preset or ""),
                  reader=reader_for(given.entity))
    else:
        fit = choose(probe, as_key(choices.read_as))
        if table is not None and fit.mapping is not None and fit.why.startswith("our own columns"):
            # Our own file under another name (or ours after all): the importer reads it as it is.
            entity = fit.mapping.entity
            if name.lower().endswith(".xlsx") or skip != "0":
                _produce(run, name, Converted(entity, table.frame, lines=table.lines))
            else:
                _canonical(run, name, entity, f.data, work)
                run.renamed[entity] = name
            run.notes.append(f"{name}: read as {entity} ({fit.why}).")
            return
        if fit.mapping is not None:
            fit.mapping = choices.apply(fit.mapping)
            run.notes += [f"{name}: {n}" for f_, n in fit.columns_said.items() if f_ not in choices.columns]
        if fit.tool:
            run.notes.append(f"{name}: read as {_with_article(fit.tool)}.")
        elif table is not None:
            run.notes.append(f"{name}: read as {fit.label} ({fit.why}); if that is wrong, say what it holds with "
                             f"{AS_HINT}.")
    done = fit.reader.convert(ctx, probe, fit)
    run.problems += done.problems
    run.strangers += done.strangers
    run.notes += [f"{name}: {n}" for n in done.notes]
    _produce(run, name, done)


def _produce(run: _Run, name: str, done: Converted) -> None:
    if done.entity in run.produced:
        raise InvalidData([Problem("(file)", f"is a second source of {done.entity}; import one at a time",
                                   file=name)], f"{name} is a second source of {done.entity}.")
    run.produced[done.entity] = _Produced(done.frame, name, done.back, done.lines)


def import_sources(store: Store, files: list[SourceFile], work: Path, *, actor: str = "cli", dry_run: bool = False,
                   progress: Any = None, win_reaction: str = "trophy",
                   frustration_reaction: str = "warning", choices: Choices | None = None,
                   account: Actor | None = None, with_text: bool = False) -> SourcesResult:
    """Read every file with the reader that fits it, then validate and import them all or nothing."""
    choices = choices or Choices()
    work.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _m: None)
    arriving = _people_in(files)
    run = _Run()
    for f in files:
        try:
            name = safe_name(f.name)
            kind = kind_of(name, f.data[:65_536])
            check_size(name, len(f.data))
            if kind in ("canonical", "table"):
                count_rows(name, f.data)
            if not f.data.strip():
                raise InvalidData([Problem("(file)", "is empty", file=name)], f"{name} is empty.")
            entity = our_entity(name)
            if kind == "canonical" and entity is not None and not f.mapping:
                _canonical(run, name, entity, f.data, work)
                continue
            say(f"reading {name}")
            explicit = {**(f.mapping.people if f.mapping else {}), **choices.people}
            ctx = Context(store, PeopleIndex.load(store, arriving, explicit),
                          {**(f.mapping.verbs if f.mapping else {}), **choices.verbs}, win_reaction,
                          frustration_reaction)
            _read(store, run, f, name, choices, ctx, work)
        except InvalidData as exc:
            run.problems += [Problem(p.field, p.message, file=p.file or f.name, line=p.line, value=p.value,
                                     rows=p.rows) for p in exc.problems]
    return _import(store, run, work, actor=actor, dry_run=dry_run, progress=progress, account=account,
                   with_text=with_text)


def _import(store: Store, run: _Run, work: Path, *, actor: str, dry_run: bool, progress: Any,
            account: Actor | None, with_text: bool) -> SourcesResult:
    """Validate the converted files with the importer: the readers' problems and its row rules in one report."""
    paths = list(run.canonical)
    for entity, produced in run.produced.items():
        if entity in {p.name for p in run.canonical}:
            run.problems.append(Problem("(file)", f"two files give {entity}", file=produced.name))
            continue
        paths.append(write_canonical(produced.frame, entity, work))
    read_problems = list(run.problems)
    if not paths and read_problems:
        raise _refusal(read_problems, run.strangers)
    try:
        result = import_files(store, paths, actor=actor, dry_run=dry_run or bool(read_problems), progress=progress,
                              account=account, with_text=with_text)
    except InvalidData as exc:
        # Values a reader already refused were left blank: the importer's word on them says nothing new.
        said = {(p.file, p.field) for p in read_problems}
        placed = {(p.file, _place(p)) for p in read_problems if _place(p) is not None}
        unread = {(p.file, p.message.split("has no column read as ", 1)[1].split(",")[0]) for p in read_problems
                  if "has no column read as " in p.message}
        later = [t for t in (_translate(p, run.produced, run.renamed) for p in exc.problems)
                 if (t.file, t.field) not in said and (t.file, t.field) not in unread
                 and not (t.message == "is required" and (t.file, _place(t)) in placed)]
        raise _refusal(read_problems + later, run.strangers) from None
    if read_problems:
        raise _refusal(read_problems, run.strangers)
    return SourcesResult(result.rows, result.warnings, run.notes, dry_run, result.seconds)


def _place(p: Problem) -> str | None:
    """Where in the person's file a problem is: its line, or its statement number."""
    if p.line is not None:
        return f"line {p.line}"
    return p.field.split(":")[0] if p.field.startswith("statement ") else None


def _refusal(problems: list[Problem], strangers: list[Stranger]) -> InvalidData:
    return InvalidData(problems, f"{sum(p.rows for p in problems):,} problem(s) with the files; nothing was "
                                 f"imported.", strangers=strangers)


def _translate(p: Problem, produced: dict[str, _Produced], renamed: dict[str, str]) -> Problem:
    """A problem in our converted file, told in the terms of the person's own file: its name, columns, lines."""
    origin = produced.get(p.file or "")
    if origin is None:
        own = renamed.get(p.file or "")
        return p if own is None else Problem(p.field, p.message, file=own, line=p.line, value=p.value, rows=p.rows)
    col = origin.back.get(p.field)
    label = f"{col} ({p.field})" if col and col != p.field else p.field
    line = p.line
    frame = origin.frame
    if origin.name.lower().endswith(".json") and p.line is not None and "_statement" in frame.columns \
            and 2 <= p.line < len(frame) + 2:
        label = f"statement {frame['_statement'].iloc[p.line - 2]}: {label}"
        line = None
    elif origin.lines is not None and p.line is not None and 2 <= p.line < len(origin.lines) + 2:
        line = origin.lines[p.line - 2]
    elif origin.name.lower().endswith(".zip"):
        line = None
    return Problem(label, p.message, file=origin.name, line=line, value=p.value, rows=p.rows)


def fit_of(name: str, data: bytes, read_as: str | None = None, work: Path | None = None) -> Fit:
    """How a file would be read (for the Import page's preview): the chosen reading or the refusal."""
    table = read_source(name, data, work) if kind_of(name, data[:65_536]) in ("canonical", "table") else None
    return choose(Probe(name, data, table), as_key(read_as))
