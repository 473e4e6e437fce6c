"""The database as a whole: the report over it, exports, backups and restores, purging people's words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from data_layer.access.auth import Actor, confirm
from data_layer.acting.goals import report_with_goals
from data_layer.db import audit
from data_layer.db import files as db_files
from data_layer.db.store import Store
from data_layer.directory import admin
from data_layer.domain.config import app_today
from data_layer.domain.errors import InvalidData
from data_layer.domain.filters import Filter
from data_layer.ingest.export import export
from data_layer.operations.base import Door, Operation, Params, plain

DEFAULT_WINDOW_DAYS = 90  # a report's window when only its end (or nothing) is given


class ReportParams(Params):
    """One filter: the window (default: the 90 days to today), cohorts, teams, regions, roles."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    today: dt.date | None = None
    cohorts: list[str] = []
    teams: list[str] = []
    regions: list[str] = []
    roles: list[str] = []

    def filter(self) -> Filter:
        """The filter these stand for, with the defaults filled in; a sentence if the window runs backwards."""
        today = self.today or app_today()
        date_to = self.date_to or today
        date_from = self.date_from or (date_to - dt.timedelta(days=DEFAULT_WINDOW_DAYS - 1))
        if date_from > date_to:
            raise InvalidData([], "--from must be on or before --to.")
        return Filter(date_from=date_from, date_to=date_to, today=today, cohorts=tuple(self.cohorts),
                      teams=tuple(self.teams), regions=tuple(self.regions), roles=tuple(self.roles))


@dataclass(frozen=True)
class Report:
    """Every metric of the report for one filter, keyed by its name (as `report --json` prints it)."""

    values: dict[str, Any]


def report(store: Store, actor: Actor | None, params: ReportParams) -> Report:
    """The report for one filter (what `report --json`, `GET /api/v1/report` and the Overview's numbers agree on)."""
    REPORT.allow(actor)
    return Report(report_with_goals(store, params.filter()))


class ExportParams(Params):
    format: Literal["csv", "parquet", "spreadsheet"] = "csv"


@dataclass(frozen=True)
class ExportOutcome:
    """Rows written per file."""

    rows: dict[str, int]


def export_data(store: Store, actor: Actor | None, folder: Path, params: ExportParams) -> ExportOutcome:
    """Every table as the files `import` reads, written into `folder` (csv and parquet round-trip exactly)."""
    EXPORT.allow(actor)
    return ExportOutcome(export(store, folder, params.format))


class BackupParams(Params):
    destination: str | None = None  # a new file, or a folder (default: `backups/` beside the database)


@dataclass(frozen=True)
class BackupOutcome:
    """The copy made: where, and the rows of its main tables."""

    path: Path
    rows: dict[str, int]


def backup(store: Store, actor: Actor | None, params: BackupParams) -> BackupOutcome:
    """A consistent copy of the database (one snapshot, while it is in use), audited."""
    who = BACKUP.allow(actor)
    if store.path == ":memory:":
        raise InvalidData([], "An in-memory database cannot be backed up to a file.")
    target = Path(params.destination) if params.destination else Path(store.path).parent / "backups"
    if not params.destination:
        target.mkdir(parents=True, exist_ok=True)
    with store.transaction() as tx:
        confirm(tx, who, BACKUP.role)  # rights as they are now, before the copy is made
    summary = db_files.backup(store, target)
    with store.transaction() as tx:
        audit.record(tx, who.email, "database", store.path, "backup", str(summary.path))
    return BackupOutcome(summary.path, summary.rows)


@dataclass(frozen=True)
class RestoreOutcome:
    path: Path
    schema: str
    rows: dict[str, int]


def restore(actor: Actor | None, source: Path, database: Path) -> RestoreOutcome:
    """Check a backup and make it the database (only with nothing holding the database: never served)."""
    RESTORE.allow(actor)
    summary = db_files.restore(source, database)
    return RestoreOutcome(summary.path, summary.last_migration, summary.rows)


class PurgeParams(Params):
    before: dt.date | None = None


@dataclass(frozen=True)
class PurgeOutcome:
    deleted: int
    before: dt.date | None


def purge_text(store: Store, actor: Actor | None, params: PurgeParams) -> PurgeOutcome:
    """Delete the stored words of messages (all, or before a day); the events and every count stay."""
    return PurgeOutcome(admin.purge_texts(store, PURGE.allow(actor), params.before), params.before)


def _export(store: Store, actor: Actor, params: ExportParams, door: Door) -> ExportOutcome:
    if door.folder is None:
        raise InvalidData([], "An export needs a folder to write into.")
    return export_data(store, actor, door.folder, params)


REPORT = Operation("report", "viewer", "every metric for one filter", ReportParams, Report,
                   serve=plain(report))
EXPORT = Operation("export", "admin", "every table as the files import reads", ExportParams, ExportOutcome,
                   serve=_export, sends_files=True)
BACKUP = Operation("backup", "admin", "a consistent copy of the database", BackupParams, BackupOutcome,
                   serve=plain(backup))
RESTORE = Operation("restore", "admin", "check a backup and make it the database")
PURGE = Operation("purge-text", "admin", "delete the stored words of messages", PurgeParams, PurgeOutcome,
                  serve=plain(purge_text))
