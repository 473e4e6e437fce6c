"""Unexpected errors: a sentence and an incident id for the person, the traceback for the operator.

No traceback reaches a page or a terminal: the page (or the CLI) shows "Something went wrong on
our side (incident 7f3a9c2e)" and the traceback is logged under that id, in the server's log for
the app and in `incidents.log` beside the database for the command line.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import traceback
from pathlib import Path

LOG = logging.getLogger("learning_culture.incidents")


def record(exc: BaseException, log_file: Path | None = None) -> str:
    """Log `exc` with its traceback under a new incident id; return the id."""
    incident = secrets.token_hex(4)
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            with log_file.open("a", encoding="utf-8") as out:
                out.write(f"--- incident {incident} at {stamp}\n{text}\n")
        except OSError:
            pass  # a read-only place: the id is still given, the details are lost rather than shown
    else:
        LOG.error("incident %s at %s\n%s", incident, stamp, text)
    return incident


def sentence(incident: str, where: str = "the server's log") -> str:
    """What the person is told."""
    return (f"Something went wrong on our side (incident {incident}). Nothing you entered is lost; try again, and "
            f"if it happens again give this incident number to your administrator (the details are in {where}).")
