"""The Overview's metrics on the hand-made dataset (tests/data/small), answers worked by hand.

Window 2026-03-01..2026-05-31, today 2026-06-30.
Memberships: c1 p1 (stays), c1 p2 (left 2026-02-15, before the window), c1 p3 + c2 p3
(two cohorts), c2 p4, c2 p5 (joins 2026-06-15, after the window). p6 is in no cohort.
So M (all cohorts) = {p1, p3, p4}; M (c2) = {p3, p4}; M (team Enterprise) = {p1}.
"""

from __future__ import annotations

import datetime as dt

import pytest

from data_layer.analytics import metrics
from data_layer.db.store import Store
from data_layer.domain.filters import Filter
from data_layer.domain.stats import wilson_interval

FROM, TO, TODAY = dt.date(2026, 3, 1), dt.date(2026, 5, 31), dt.date(2026, 6, 30)


def window(**kw: object) -> Filter:
    return Filter(date_from=FROM, date_to=TO, today=TODAY, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("filt", "expected"), [
    (window(), 3),
    (window(cohorts=("c2",)), 2),
    (window(cohorts=("c1",)), 2),          # p2 left before the window: p1, p3
    (window(teams=("Enterprise",)), 1),    # p1 (p2 left, p6 in no cohort)
    (window(cohorts=("c2",), regions=("APAC",)), 1),
    (window(roles=("marketer",)), 0),      # p5 joins after the window ends
])
def test_members_counts_people_whose_membership_overlaps_the_window(
    small_store: Store, filt: Filter, expected: int
) -> None:
    assert metrics.members(small_store, filt) == expected


def test_assessed_rate_counts_assessments_on_or_before_the_window_end(small_store: Store) -> None:
    # p1 (a1, January) and p4 (a4, 3 March) are assessed; p3's a2 is taken after `to`.
    rate = metrics.assessed_rate(small_store, window())
    assert (rate.numerator, rate.denominator) == (2, 3)
    rate = metrics.assessed_rate(small_store, window(cohorts=("c2",)))
    assert (rate.numerator, rate.denominator) == (1, 2)


def test_assessed_rate_is_null_with_no_members(small_store: Store) -> None:
    rate = metrics.assessed_rate(small_store, window(roles=("marketer",)))
    assert rate.value is None


def test_win_rates_use_closed_deals_of_members_in_the_window(small_store: Store) -> None:
    # Closed in window by members: d1 won/sourced, d2 lost/none, d3 won/influenced (closed on `to`),
    # d5 lost/influenced, d9 won/none. d4 closed before `from`; d6 open; d7, d8 owned by non-members.
    overall = metrics.win_rate(small_store, window())
    partner = metrics.win_rate_partner(small_store, window())
    none = metrics.win_rate_no_partner(small_store, window())
    assert (overall.numerator, overall.n) == (3, 5)
    assert (partner.numerator, partner.n) == (2, 3)
    assert (none.numerator, none.n) == (1, 2)
    assert partner.too_few and none.too_few
    assert partner.ci == wilson_interval(2, 3)


def test_win_rate_for_one_cohort(small_store: Store) -> None:
    # M(c2) = {p3, p4}: d3 won/partner, d5 lost/partner, d9 won/none.
    partner = metrics.win_rate_partner(small_store, window(cohorts=("c2",)))
    none = metrics.win_rate_no_partner(small_store, window(cohorts=("c2",)))
    assert (partner.numerator, partner.n, none.numerator, none.n) == (1, 2, 1, 1)


def test_a_rate_over_no_deals_is_null_not_zero(small_store: Store) -> None:
    rate = metrics.win_rate(small_store, window(roles=("marketer",)))
    assert rate.value is None and rate.ci is None and rate.n == 0


def test_lessons_published_in_the_window_and_in_scope(small_store: Store) -> None:
    # Published in window: l1 (10 Mar, cohort c1, author p5), l4 (31 May 23:30, author p4),
    # l5 (1 Apr, cohort c2, author p6). l2 is published in June; l3 is a draft.
    assert metrics.lessons_published(small_store, window()) == 3
    # c2 selected: l4 (author p4 is in M) and l5 (cohort c2); l1 is c1 and p5 is not in M.
    assert metrics.lessons_published(small_store, window(cohorts=("c2",))) == 2
    # Team Enterprise (M = {p1}): no lesson is tagged with a selected cohort or written by p1.
    assert metrics.lessons_published(small_store, window(teams=("Enterprise",))) == 0


def test_wilson_interval_matches_a_known_value() -> None:
    low, high = wilson_interval(8, 10)  # type: ignore[misc]
    assert round(low, 4) == 0.4902 and round(high, 4) == 0.9433
    assert wilson_interval(0, 0) is None


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="'from' must be on or before 'to'"):
        Filter(date_from=TO, date_to=FROM)
