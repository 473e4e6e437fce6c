"""Our own error types: a page or the CLI shows their message, never a driver traceback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class LearningCultureError(Exception):
    """Base of every error this project raises on purpose; its message is for people."""


class StoreError(LearningCultureError):
    """The database could not be opened or written."""


class DatabaseLocked(StoreError):
    """Another process holds the database file open for writing."""


class QueryError(StoreError):
    """A read or write failed inside DuckDB."""


class MigrationError(StoreError):
    """A schema migration failed; the database is left at the previous version."""


@dataclass(frozen=True)
class Problem:
    """One bad value: where it is and a sentence saying what is allowed."""

    field: str
    message: str
    file: str | None = None
    line: int | None = None
    value: str | None = None
    rows: int = 1  # how many rows this problem stands for (an unknown person is listed once)

    @property
    def sentence(self) -> str:
        """The problem as a sentence for a form: "The password must be at least 10 characters."."""
        subject = self.field.replace("_", " ").strip() or "the value"
        text = f"The {subject} {self.message.strip()}"
        return text if text.endswith((".", "!", "?")) else text + "."

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field not in ("(file)", "(row)"):
            where.append(f"column {self.field}" if self.file else self.field)
        shown = f" (value {self.value!r})" if self.value not in (None, "") and self.file else ""
        count = f" [{self.rows:,} rows]" if self.rows > 1 else ""
        return f"{', '.join(where)}: {self.message}{shown}{count}"


class InvalidData(LearningCultureError):
    """One or more values were rejected; nothing was written."""

    def __init__(self, problems: list[Problem], summary: str | None = None,
                 strangers: Sequence[object] | None = None) -> None:
        self.problems = problems
        # People named by the files but unknown here (ingest.people.Stranger), for "add them as people".
        self.strangers: list[object] = list(strangers or [])
        text = summary or f"{len(problems)} problem(s) found; nothing was written."
        super().__init__(text)

    def report(self) -> str:
        """Every problem on its own line, ready for a terminal."""
        return "\n".join([str(self)] + [f"  {p}" for p in self.problems])
