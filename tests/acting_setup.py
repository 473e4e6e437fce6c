"""A database for the acting tests: the hand-made dataset, one account per role, and an open round.

The round (baseline, for cohort c2 "Aurora") gives links to its current members Cara Diaz (p3),
Dev Patel (p4) and Eve Moreau (p5); a second round closed yesterday gives Cara an expired link.
Tokens are returned here only because the tests play the members who received them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from data_layer.access import auth
from data_layer.acting import rounds
from data_layer.acting.instrument import DEFAULT_STATEMENTS
from data_layer.db.migrations import open_database
from tests.conftest import import_folder

from .conftest import SMALL, USERS, add_test_users

EDITOR = auth.Actor(USERS["editor"], "editor", "Test editor")
BARRIERS = ["dont_know_partners", "no_time", "unclear_process", "tool_friction", "other"]


@dataclass
class Round:
    round_id: str
    tokens: dict[str, str]      # person_id -> token
    links: dict[str, str]       # person_id -> link_id
    expired_token: str


def build(path: Path, now: dt.datetime) -> Round:
    """Make the database at `path` (a file) and open the rounds at `now`."""
    with open_database(path) as s:
        import_folder(s, SMALL)
        add_test_users(s)
        round_id, issued = rounds.open_round(
            s, EDITOR, name="Aurora baseline", kind="baseline", cohorts=["c2"], statements=DEFAULT_STATEMENTS,
            barriers=BARRIERS, closes_on=now.date() + dt.timedelta(days=7), now=now)
        yesterday = now - dt.timedelta(days=2)
        _, old = rounds.open_round(
            s, EDITOR, name="Old round", kind="baseline", cohorts=["c1"], statements=DEFAULT_STATEMENTS,
            barriers=BARRIERS, closes_on=yesterday.date() + dt.timedelta(days=1), now=yesterday)
    return Round(round_id, {i.person_id: i.token for i in issued}, {i.person_id: i.link_id for i in issued},
                 next(i.token for i in old if i.person_id == "p3"))
