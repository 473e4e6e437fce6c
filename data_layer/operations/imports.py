"""Importing files, from any door, and what follows every import (the one place for it).

The command line, the API, the drop folder and the Import page all import through here, so
every import is logged (the sources' freshness on Admin → Import), checks every alert, and
tells whoever keeps caches of the data (the pages' loaders register with `on_import`).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from data_layer import alerts
from data_layer.access.auth import Actor, local_actor
from data_layer.db.audit import utc_now
from data_layer.db.store import Store
from data_layer.domain.config import app_today
from data_layer.domain.errors import InvalidData
from data_layer.ingest import runs
from data_layer.ingest.bounded import check_path_size
from data_layer.ingest.importer import import_files
from data_layer.ingest.mapping import Mapping
from data_layer.ingest.pipeline import (
    Choices,
    SourceFile,
    import_sources,
    kind_of,
    preset_mapping,
    read_table,
)
from data_layer.ingest.presets import guess_entity
from data_layer.ingest.report import group_problems
from data_layer.operations.base import Door, Operation, Params, who

_after_import: list[Callable[[], None]] = []


def on_import(callback: Callable[[], None]) -> None:
    """Have `callback` called after every import that wrote (the pages' caches clear themselves this way)."""
    if callback not in _after_import:
        _after_import.append(callback)


class ImportParams(Params):
    """An import's choices: the command line's options, the API's `params`."""

    dry_run: bool = False
    mappings: list[str] = []              # mapping files' TOML text
    preset: Literal["crm_opportunities", "survey_assessments"] | None = None
    date_order: Literal["DMY", "MDY", "YMD"] | None = None
    formats: dict[str, str] = {}          # column -> format
    stages: dict[str, str] = {}           # the file's deal stage -> won | lost | open
    verbs: dict[str, str] = {}            # xAPI verb IRI -> our verb
    people: dict[str, str] = {}           # a name in the files -> person id
    currency: str | None = None
    skip_rows: int = 0
    read_as: str | None = None            # what the files hold when it cannot be told (--as: deals, survey, ...)
    columns: dict[str, str] = {}          # our field -> the file's column that feeds it
    skip_placeholders: bool = False       # leave out rows whose person is "Unassigned", "No owner", ...
    sum_line_items: bool = False          # a report of product lines read as one deal per id
    win_reaction: str = "trophy"
    frustration_reaction: str = "warning"
    with_text: bool = False


@dataclass(frozen=True)
class AlertNote:
    """An alert an import moved across its line (or back)."""

    event: str
    message: str
    delivered: bool
    problem: str | None = None


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did (or, in a dry run, would do)."""

    rows: dict[str, int]
    dry_run: bool
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    alerts: list[AlertNote] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)  # its progress messages, for a door that cannot show them live


def _head(path: Path) -> bytes:
    """A file's first 64 KB (enough for its header line)."""
    with path.open("rb") as handle:
        return handle.read(65_536)


def _choices(params: ImportParams) -> Choices:
    options = {k: v for k, v in (("date_order", params.date_order), ("currency", params.currency),
                                 ("skip_rows", str(params.skip_rows) if params.skip_rows else ""),
                                 ("skip_placeholders", "yes" if params.skip_placeholders else ""),
                                 ("sum_line_items", "yes" if params.sum_line_items else "")) if v}
    return Choices(formats=dict(params.formats), stages=dict(params.stages), verbs=dict(params.verbs),
                   people=dict(params.people), options=options, columns=dict(params.columns),
                   read_as=params.read_as)


def _as_sources(paths: list[Path], params: ImportParams) -> list[SourceFile]:
    """Files in other formats, with their mappings (given, a preset, or guessed later from the headers)."""
    mappings = [Mapping.from_toml(text) for text in params.mappings]
    if params.preset:
        mappings.append(preset_mapping(params.preset))
    sources = []
    for f in paths:
        mapping = None
        if kind_of(f.name, _head(f)) == "table":
            if len(mappings) == 1:
                mapping = mappings[0]
            else:
                entity = guess_entity(f.name, read_table(f, nrows=5).columns)
                mapping = next((m for m in mappings if m.entity == entity), None)
        check_path_size(f)  # before reading it into memory
        sources.append(SourceFile(f.name, f.read_bytes(), mapping))
    return sources


def _progress(door: Door) -> tuple[list[str], Callable[[str], None]]:
    """The import's progress: shown by the door as it goes, and kept for the outcome."""
    steps: list[str] = []

    def say(message: str) -> None:
        steps.append(message)
        door.say(message)

    return steps, say


def import_data(store: Store, actor: Actor | None, door: Door, params: ImportParams) -> ImportOutcome:
    """Import the door's files (our own files directly; exports through their mappings), all or nothing."""
    paths = list(door.files)
    steps, say = _progress(door)

    def work(account: Actor) -> ImportOutcome:
        if all(kind_of(f.name, _head(f)) == "canonical" for f in paths) and not params.mappings \
                and not params.preset and not params.read_as:
            done = import_files(store, paths, actor=account.email, dry_run=params.dry_run, progress=say,
                                account=account, with_text=params.with_text)
            return ImportOutcome(done.rows, done.dry_run, done.warnings, [], done.seconds, steps=steps)
        with tempfile.TemporaryDirectory() as folder:
            mapped = import_sources(store, _as_sources(paths, params), Path(folder), actor=account.email,
                                    dry_run=params.dry_run, progress=say, win_reaction=params.win_reaction,
                                    frustration_reaction=params.frustration_reaction, choices=_choices(params),
                                    account=account, with_text=params.with_text)
        return ImportOutcome(mapped.rows, mapped.dry_run, mapped.warnings, mapped.notes, mapped.seconds, steps=steps)

    return _logged(store, actor, door, [p.name for p in paths], params.dry_run, work)


def import_mapped(store: Store, actor: Actor | None, door: Door, sources: list[SourceFile],
                      params: ImportParams) -> ImportOutcome:
    """Import files already read and mapped (the Import page's uploads, as the person mapped them)."""
    steps, say = _progress(door)

    def work(account: Actor) -> ImportOutcome:
        with tempfile.TemporaryDirectory() as folder:
            done = import_sources(store, sources, Path(folder), actor=account.email, dry_run=params.dry_run,
                                  progress=say, win_reaction=params.win_reaction,
                                  frustration_reaction=params.frustration_reaction, choices=_choices(params),
                                  account=account, with_text=params.with_text)
        return ImportOutcome(done.rows, done.dry_run, done.warnings, done.notes, done.seconds, steps=steps)

    return _logged(store, actor, door, [s.name for s in sources], params.dry_run, work)


def _logged(store: Store, actor: Actor | None, door: Door, names: list[str], dry_run: bool,
            work: Callable[[Actor], ImportOutcome]) -> ImportOutcome:
    account = IMPORT.allow(actor)
    started, clock = utc_now(), time.perf_counter()
    try:
        outcome = work(account)
    except InvalidData as exc:
        if not dry_run:  # the log keeps refused runs too, with their first problems
            runs.record(store, who=who(account), via=door.via, files=names, rows={}, outcome="rejected",
                        seconds=time.perf_counter() - clock, message=exc.report()[:2000], started=started)
        raise
    if dry_run:
        return outcome
    runs.record(store, who=who(account), via=door.via, files=names, rows=outcome.rows, outcome="imported",
                seconds=time.perf_counter() - clock, started=started)
    return ImportOutcome(outcome.rows, outcome.dry_run, outcome.warnings, outcome.notes, outcome.seconds,
                         after_import(store), outcome.steps)


def after_import(store: Store) -> list[AlertNote]:
    """What every import that wrote is followed by: caches forget the old data, every alert is checked
    (an import may move a number across its line)."""
    for callback in _after_import:
        callback()
    return [AlertNote(n.event, n.message, n.delivered, n.problem) for n in alerts.check(store, app_today())]


# ------------------------------------------------------------------------- as plain text
def report_lines(outcome: ImportOutcome, db: Path) -> list[str]:
    """The import's report as the command line prints it (and the drop folder files it)."""
    lines = [f"alert {a.event}: {a.message}" + ("" if a.delivered else f" (NOT SENT: {a.problem})")
             for a in outcome.alerts]
    lines += [f"warning: {w}" for w in outcome.warnings] + [f"note: {n}" for n in outcome.notes]
    verb = "Checked (dry run, nothing written)" if outcome.dry_run else "Imported into"
    lines.append(f"{verb} {db}" + (f" in {outcome.seconds:.1f} s:" if outcome.seconds else ":"))
    lines += [f"  {table:<18} {n:>12,} rows" for table, n in outcome.rows.items()]
    return lines


def problem_lines(exc: InvalidData) -> list[str]:
    """A refused import's problems, grouped by file, column and reason; every one of them when there are few."""
    lines = [str(exc)]
    groups = group_problems(exc.problems)
    if len(exc.problems) > 50 or len(groups) < len(exc.problems):
        lines.append("By column and reason:")
        lines += [f"  {g.sentence()}" for g in groups[:40]]
    if len(exc.problems) <= 50:
        lines.append("Every problem:")
        lines += [f"  {p}" for p in exc.problems]
    return lines


IMPORT = Operation("import", "admin", "import files (all or nothing)", ImportParams, ImportOutcome,
                   serve=lambda store, actor, params, door: import_data(store, actor, door, params),
                   takes_files=True)


DROP_FOLDER = local_actor("inbox", "drop folder", "drop folder")  # files put beside the database, by its owner


def import_dropped(store: Store, path: Path) -> tuple[bool, str]:
    """Import one file of the drop folder: (imported?, its report: what `learning-culture import FILE` prints)."""
    door = Door("inbox", (path,))
    try:
        outcome = import_data(store, DROP_FOLDER, door, ImportParams())
    except InvalidData as exc:
        return False, "\n".join(problem_lines(exc)) + "\n"
    lines = [f"  {step}" for step in outcome.steps] + report_lines(outcome, Path(store.path))
    return True, "\n".join(lines) + "\n"
