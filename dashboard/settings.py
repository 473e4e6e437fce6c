"""App settings from the command line (`streamlit run streamlit_app.py -- --db PATH --today D`)
or the environment (LEARNING_CULTURE_DB, LEARNING_CULTURE_TODAY)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from data_layer.domain import config
from data_layer.domain.config import resolve_db_path


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--db")
    parser.add_argument("--today")
    known, _ = parser.parse_known_args(sys.argv[1:])
    return known


def db_path() -> Path:
    """--db, else $LEARNING_CULTURE_DB, else data/learning_culture.duckdb."""
    return resolve_db_path(_args().db)


def app_today() -> dt.date:
    """The day the app treats as today: --today, else $LEARNING_CULTURE_TODAY, else the real date."""
    return config.app_today(_args().today)
