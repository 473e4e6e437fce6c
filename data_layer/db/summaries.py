"""Summary tables derived from `events`, kept current in the same transaction as every write.

- event_firsts: first time each (person, cohort tag, verb) happened -> the funnel.
- outreach_events: just the outreach events -> outreach timing.
- activity_days: one row per (day, person, cohort tag) with "did something themselves" and
  "shared a win" flags, stored in day order so window filters skip most of it -> active
  members, weekly activity, at-risk lists, per-cohort activity.
- assessment_facts: one row per assessment with its readiness (mean dimension score) and
  `seq`, its place in the person's assessments by (taken_at, assessment_id): "latest on or
  before a day" becomes an integer max (its dimension scores ride along in `scores`) instead of a window function with string tie-breaks.
- object_firsts: first time each (person, cohort tag, object, verb) happened, for events that
  name an object -> first use and first tutorial of each tool, at any date, without reading
  the whole history of events (Tools & resources).
- closed_deals: the won or lost deals with `won` and `with_partner` flags, in closing-day
  order: the Win rates page reads these instead of filtering every deal's status text.
They hold exactly what the raw-event definitions need (tests/test_fast_paths.py compares the
metrics computed from them with the raw-event SQL on random datasets).
"""

from __future__ import annotations

from data_layer.db.store import Session, Transaction
from data_layer.domain.vocabulary import PASSIVE_VERBS

_PASSIVE = "(" + ", ".join(f"'{v}'" for v in PASSIVE_VERBS) + ")"

CREATE = """
CREATE TABLE IF NOT EXISTS event_firsts (
    person_id VARCHAR NOT NULL, cohort_id VARCHAR, verb VARCHAR NOT NULL, first_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS outreach_events (
    person_id VARCHAR NOT NULL, cohort_id VARCHAR, occurred_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS activity_days (
    day DATE NOT NULL, person_id VARCHAR NOT NULL, cohort_id VARCHAR, active BOOLEAN NOT NULL, shared_win BOOLEAN NOT NULL
);
"""

CREATE_CLOSED_DEALS = """
CREATE TABLE IF NOT EXISTS closed_deals (
    owner_id VARCHAR NOT NULL, created_on DATE NOT NULL, closed_on DATE NOT NULL, won BOOLEAN NOT NULL,
    partner_involvement VARCHAR NOT NULL, with_partner BOOLEAN NOT NULL, amount DECIMAL(18, 2) NOT NULL
);
"""

CREATE_ASSESSMENT_FACTS = """
CREATE TABLE IF NOT EXISTS assessment_facts (
    person_id VARCHAR NOT NULL, seq INTEGER NOT NULL, assessment_id VARCHAR NOT NULL, kind VARCHAR NOT NULL,
    taken_at TIMESTAMP NOT NULL, taken_on DATE NOT NULL, readiness DOUBLE, barriers VARCHAR[] NOT NULL,
    scores STRUCT(dimension VARCHAR, score DOUBLE)[] NOT NULL
);
"""


def refresh(tx: Transaction | Session, persons_sql: str | None = None) -> None:
    """Rebuild the summaries for everyone, or for the people listed by `persons_sql` (a SELECT of person ids)."""
    only = "" if persons_sql is None else f" WHERE person_id IN ({persons_sql})"
    also = "" if persons_sql is None else f" AND person_id IN ({persons_sql})"
    for table in ("event_firsts", "outreach_events", "activity_days", "object_firsts"):
        tx.execute(f"DELETE FROM {table}{only}")
    tx.execute(f"INSERT INTO object_firsts SELECT person_id, cohort_id, object, verb, min(occurred_at) FROM events "
               f"WHERE object IS NOT NULL{also} GROUP BY person_id, cohort_id, object, verb")
    tx.execute(f"INSERT INTO event_firsts SELECT person_id, cohort_id, verb, min(occurred_at) FROM events{only} "
               "GROUP BY person_id, cohort_id, verb")
    tx.execute(f"INSERT INTO outreach_events SELECT person_id, cohort_id, occurred_at FROM events "
               f"WHERE verb = 'outreach_received'{also} ORDER BY occurred_at")
    tx.execute(f"INSERT INTO activity_days SELECT CAST(occurred_at AS DATE) AS day, person_id, cohort_id, "
               f"bool_or(verb NOT IN {_PASSIVE}), bool_or(verb = 'shared_win') FROM events{only} "
               "GROUP BY ALL ORDER BY day")


def refresh_assessments(tx: Transaction | Session, persons_sql: str | None = None) -> None:
    """Rebuild assessment_facts from assessments and assessment_scores (200,000 rows: well under a second),
    or only the rows of the people listed by `persons_sql` (a SELECT of person ids: one assessment sent in the app)."""
    only = "" if persons_sql is None else f" WHERE person_id IN ({persons_sql})"
    tx.execute(f"DELETE FROM assessment_facts{only}")
    tx.execute("""
        INSERT INTO assessment_facts
        SELECT a.person_id,
               row_number() OVER (PARTITION BY a.person_id ORDER BY a.taken_at, a.assessment_id),
               a.assessment_id, a.kind, a.taken_at, CAST(a.taken_at AS DATE), r.readiness, a.barriers,
               coalesce(r.scores, [])
        FROM assessments a
        LEFT JOIN (SELECT assessment_id, avg(score) AS readiness,
                          list({'dimension': dimension, 'score': score} ORDER BY dimension) AS scores
                   FROM assessment_scores GROUP BY assessment_id) r
          USING (assessment_id)""" + only.replace("person_id", "a.person_id", 1) + """
        ORDER BY a.person_id, 2""")


def refresh_deals(tx: Transaction | Session) -> None:
    """Rebuild closed_deals from deals (1,000,000 deals: about a quarter of a second)."""
    tx.execute("DELETE FROM closed_deals")
    tx.execute("""
        INSERT INTO closed_deals
        SELECT owner_id, created_on, closed_on, status = 'won', partner_involvement, partner_involvement <> 'none', amount
        FROM deals WHERE status IN ('won', 'lost') AND closed_on IS NOT NULL
        ORDER BY closed_on""")
