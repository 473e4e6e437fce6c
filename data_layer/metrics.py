"""One function per metric of DOMAIN.md; pages and the CLI report both call these.

Each function takes the store and a Filter and reads with bound parameters only.
"""

from __future__ import annotations

from data_layer.filters import MEMBERS_CTE, Filter, in_scope
from data_layer.stats import DealRate, Rate
from data_layer.store import Store


def members(store: Store, filt: Filter) -> int:
    """`members` = |M|."""
    sql = f"WITH {MEMBERS_CTE} SELECT count(*) FROM members"  # noqa: S608 - our SQL constants only; values are bound
    return int(store.query_value(sql, filt.params()))


def assessed_rate(store: Store, filt: Filter) -> Rate:
    """`assessed_rate` = members with an assessment taken on or before `to`, / members."""
    sql = f"""
        WITH {MEMBERS_CTE}
        SELECT count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM assessments a
                   WHERE a.person_id = members.person_id AND CAST(a.taken_at AS DATE) <= $date_to)),
               count(*)
        FROM members"""  # noqa: S608 - our SQL constants only; values are bound
    row = store.query_one(sql, filt.params())
    assert row is not None
    return Rate(int(row[0]), int(row[1]))


# Closed deals of members: won or lost, closed within the window.
_CLOSED_DEALS = f"""
    WITH {MEMBERS_CTE},
    closed AS (
        SELECT d.status, d.partner_involvement
        FROM deals d
        WHERE d.owner_id IN (SELECT person_id FROM members)
          AND d.status IN ('won', 'lost')
          AND d.closed_on BETWEEN $date_from AND $date_to
    )
"""  # noqa: S608 - our SQL constants only; values are bound


def _deal_rate(store: Store, filt: Filter, involvement_predicate: str) -> DealRate:
    sql = f"""{_CLOSED_DEALS}
        SELECT count(*) FILTER (WHERE status = 'won'), count(*)
        FROM closed WHERE {involvement_predicate}"""  # noqa: S608 - our SQL constants only; values are bound
    row = store.query_one(sql, filt.params())
    assert row is not None
    return DealRate(int(row[0]), int(row[1]))


def win_rate(store: Store, filt: Filter) -> DealRate:
    """`win_rate` = won / closed deals owned by members."""
    return _deal_rate(store, filt, "TRUE")


def win_rate_partner(store: Store, filt: Filter) -> DealRate:
    """`win_rate_partner` = win rate over closed deals with partner_involvement sourced or influenced."""
    return _deal_rate(store, filt, "partner_involvement IN ('sourced', 'influenced')")


def win_rate_no_partner(store: Store, filt: Filter) -> DealRate:
    """`win_rate_no_partner` = win rate over closed deals with partner_involvement none."""
    return _deal_rate(store, filt, "partner_involvement = 'none'")


def lessons_published(store: Store, filt: Filter) -> int:
    """`lessons_published` = lessons published with published_at in the window (in scope)."""
    sql = f"""
        WITH {MEMBERS_CTE}
        SELECT count(*) FROM lessons
        WHERE status = 'published'
          AND CAST(published_at AS DATE) BETWEEN $date_from AND $date_to
          AND {in_scope("cohort_id", "author_id")}"""  # noqa: S608 - our SQL constants only; values are bound
    return int(store.query_value(sql, filt.params()))
