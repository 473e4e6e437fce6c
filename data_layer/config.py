"""Where the database lives: --db, else $LEARNING_CULTURE_DB, else data/learning_culture.duckdb."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "LEARNING_CULTURE_DB"
DEFAULT_DB = Path("data") / "learning_culture.duckdb"


def resolve_db_path(cli_value: str | os.PathLike[str] | None = None) -> Path:
    """The database path by precedence: explicit argument, environment, default."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    return DEFAULT_DB
