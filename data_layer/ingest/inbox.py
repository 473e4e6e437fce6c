"""The drop folder: files put in `inbox/` beside the database are imported by the running server.

A file is taken only once it is complete: hidden and partial names (`.part`, `.tmp`,
`.crdownload`, `.partial`, a leading dot) are skipped, and a file must have the same size and
modification time on two scans in a row (a copy in progress changes). Files are taken in name
order, each imported on its own (all or nothing), then moved with a report of what happened
(`NAME.report.txt`: exactly what `learning-culture import NAME` prints) to `inbox/done/` or
`inbox/rejected/`.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

INBOX_VAR = "LEARNING_CULTURE_INBOX"
PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download")

# Imports one file into the server's database: (imported?, its report as `learning-culture import FILE` prints it).
Importer = Callable[[Path], tuple[bool, str]]


def folder_for(db: Path) -> Path:
    """$LEARNING_CULTURE_INBOX, else `inbox/` beside the database."""
    configured = os.environ.get(INBOX_VAR)
    return Path(configured) if configured else db.parent / "inbox"


@dataclass
class Inbox:
    """One drop folder and what its last scan saw (to tell finished files from files being copied)."""

    folder: Path
    seen: dict[str, tuple[int, int]] = field(default_factory=dict)

    def complete_files(self) -> list[Path]:
        """Files whose size and modification time did not change since the last scan, in name order."""
        if not self.folder.is_dir():
            return []
        now: dict[str, tuple[int, int]] = {}
        for path in self.folder.iterdir():
            if not path.is_file() or path.name.startswith(".") or path.name.lower().endswith(PARTIAL_SUFFIXES):
                continue
            info = path.stat()
            now[path.name] = (info.st_size, info.st_mtime_ns)
        ready = sorted(name for name, state in now.items() if self.seen.get(name) == state)
        self.seen = now
        return [self.folder / name for name in ready]

    def take(self, path: Path, run: Importer) -> str:
        """Import one file and file it away with its report; returns "done" or "rejected"."""
        imported, report = run(path)
        outcome = "done" if imported else "rejected"
        target = self.folder / outcome
        target.mkdir(exist_ok=True)
        name = path.name
        if (target / name).exists():  # the same name arrives every night: keep each
            name = f"{path.stem}.{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%fZ}{path.suffix}"
        shutil.move(str(path), target / name)
        (target / f"{name}.report.txt").write_text(report, encoding="utf-8")
        self.seen.pop(path.name, None)
        return outcome

    def scan(self, run: Importer) -> list[tuple[str, str]]:
        """One pass: take every complete file; returns (file name, outcome) for each."""
        return [(path.name, self.take(path, run)) for path in self.complete_files()]
