"""Where the database lives: --db, else $LEARNING_CULTURE_DB, else data/learning_culture.duckdb."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

ENV_VAR = "LEARNING_CULTURE_DB"
TODAY_VAR = "LEARNING_CULTURE_TODAY"
DEFAULT_DB = Path("data") / "learning_culture.duckdb"


def resolve_db_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """The database path by precedence: explicit argument, environment, default."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return DEFAULT_DB


def app_today(given: str | None = None) -> dt.date:
    """The day treated as today: `given` (a --today option), else $LEARNING_CULTURE_TODAY, else the real date.

    The same for the pages, the server's own work and the command line, so demos and past views agree."""
    text = given or os.environ.get(TODAY_VAR)
    if text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass  # a bad override falls back to the real date rather than breaking every page
    return dt.date.today()


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


class Limits:
    """How much an import may read; each is an environment variable (README, docs/import.md)."""

    @property
    def file_mb(self) -> int:
        """Largest file, uploaded or given to the CLI (LEARNING_CULTURE_MAX_FILE_MB, default 200)."""
        return _env_int("LEARNING_CULTURE_MAX_FILE_MB", 200)

    @property
    def rows(self) -> int:
        """Most rows in one file (LEARNING_CULTURE_MAX_ROWS, default 20,000,000)."""
        return _env_int("LEARNING_CULTURE_MAX_ROWS", 20_000_000)

    @property
    def zip_entries(self) -> int:
        """Most entries in a zip (LEARNING_CULTURE_MAX_ZIP_ENTRIES, default 20,000)."""
        return _env_int("LEARNING_CULTURE_MAX_ZIP_ENTRIES", 20_000)

    @property
    def zip_entry_mb(self) -> int:
        """Largest entry of a zip once unpacked (LEARNING_CULTURE_MAX_ZIP_ENTRY_MB, default 100)."""
        return _env_int("LEARNING_CULTURE_MAX_ZIP_ENTRY_MB", 100)

    @property
    def unzipped_mb(self) -> int:
        """All of a zip's entries together once unpacked (LEARNING_CULTURE_MAX_UNZIPPED_MB, default 1,000)."""
        return _env_int("LEARNING_CULTURE_MAX_UNZIPPED_MB", 1000)

    @property
    def json_depth(self) -> int:
        """Deepest nesting of a JSON file (LEARNING_CULTURE_MAX_JSON_DEPTH, default 32)."""
        return _env_int("LEARNING_CULTURE_MAX_JSON_DEPTH", 32)


LIMITS = Limits()
