"""The cohort effect against a comparison group: sellers who have not joined yet.

Cohorts start on different dates, so in any calendar month some sellers have joined and some
have not. For each joined member we compare their deals in the 6 months before and the 6 months
from joining with what not-yet-joined sellers did in the very same calendar months, and take the
change (after minus before) of that gap: a difference-in-differences over months relative to
joining. Seasonality, quarter ends and market moves hit both groups in the same months and cancel.

The 95 % interval is a cluster bootstrap over people: people (with all their deals) are
resampled with replacement 400 times and the estimate recomputed; the interval is the middle
95 % of those estimates. With too few people or deals an estimate is refused, with a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_layer.analytics.engine import facts_for
from data_layer.analytics.facts import FACTS
from data_layer.analytics.sql import parameters, people_match, with_ctes
from data_layer.db.store import Store
from data_layer.domain.filters import Filter

MONTHS_EACH_SIDE = 6
BOOTSTRAP = 400
MIN_PEOPLE = 10      # treated members with deals both before and after, and comparison sellers
MIN_DEALS = 100      # closed deals of treated members in their 12 months around joining
OUTCOMES = ("win_rate", "deals_per_seller_month", "avg_won_amount")


@dataclass(frozen=True)
class Estimate:
    """One outcome's cohort effect: the estimate, its 95 % interval, and what it rests on."""

    outcome: str
    effect: float | None
    low: float | None
    high: float | None
    plain: float | None          # the plain after-minus-before change of the members alone
    members: int                 # joined members with deals before and after
    comparison: int              # not-yet-joined sellers in those months
    deals: int                   # members' closed deals in the months around joining
    refused: str | None = None   # why there is no estimate


@dataclass(frozen=True)
class Panel:
    """Person-month cells of closed deals, and when each person first joined a cohort (if ever)."""

    cells: pd.DataFrame          # person, month (int: year*12+month-1), closed, won, amount
    joined: dict[str, int]       # member (of the filter's M) -> month index of joining
    first_joined: dict[str, int]  # anyone -> month index of their first membership of any cohort


def _month(day: pd.Series) -> np.ndarray:
    d = pd.to_datetime(day)
    return np.asarray(d.dt.year * 12 + d.dt.month - 1, dtype=np.int64)


def panel(store: Store, filt: Filter) -> Panel:
    """The filter's members (M, with joined_on) and every seller's monthly deals around their joining."""
    names, _ = facts_for(["members"])
    ctes = with_ctes([(n, FACTS[n].sql, n == "members") for n in names])
    members = store.query_df(ctes + "SELECT person_id, joined_on FROM members", parameters(filt))
    first_on = store.query_df("SELECT person_id, min(joined_on) AS first_on FROM memberships GROUP BY person_id")
    if members.empty:
        return Panel(pd.DataFrame(columns=["person", "month", "closed", "won", "amount"]), {}, {})
    # Whole calendar months, as the estimator counts them: from the first day of the month six months
    # before the earliest joining month (month -6) to the last day of the latest joining month's month +5.
    # (Counting from the joining *day* minus six months cut month -6 short, for members and comparison alike.)
    first = pd.Timestamp(members["joined_on"].min()).to_period("M")
    last = pd.Timestamp(members["joined_on"].max()).to_period("M")
    start = (first - MONTHS_EACH_SIDE).start_time
    end = (last + (MONTHS_EACH_SIDE - 1)).end_time.normalize()
    cells = store.query_df(f"""
        SELECT owner_id AS person, date_trunc('month', closed_on)::DATE AS month, count(*) AS closed,
               count(*) FILTER (WHERE won) AS won, coalesce(sum(amount) FILTER (WHERE won), 0) AS amount
        FROM closed_deals
        WHERE closed_on BETWEEN $start AND $end AND {people_match("owner_id")}
        GROUP BY ALL""", {**filt.params(), "start": start.date(), "end": end.date()})
    cells["month"] = _month(cells["month"])
    cells["amount"] = cells["amount"].astype("float64")
    return Panel(cells, dict(zip(members["person_id"], _month(members["joined_on"]), strict=True)),
                 dict(zip(first_on["person_id"], _month(first_on["first_on"]), strict=True)))


@dataclass(frozen=True)
class _Matrices:
    """The panel as person x month matrices: every seller with a deal in the range, every month of it
    (months without deals count as zero deals), who is a comparison when, and each member's months."""

    closed: np.ndarray
    won: np.ndarray
    amount: np.ndarray
    comparison: np.ndarray      # 1 where the person has not joined any cohort by that month
    after: np.ndarray           # 1 in a member's months 0..5 from joining
    before: np.ndarray          # 1 in a member's 6 months before joining


def _matrices(p: Panel) -> _Matrices:
    cells = p.cells
    people = pd.Index(sorted(set(cells["person"])))
    first_month = int(cells["month"].min())
    n_months = int(cells["month"].max()) - first_month + 1
    shape = (len(people), n_months)
    rows, cols = people.get_indexer(cells["person"]), np.asarray(cells["month"], dtype=np.int64) - first_month
    closed, won, amount = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    np.add.at(closed, (rows, cols), cells["closed"].to_numpy(float))
    np.add.at(won, (rows, cols), cells["won"].to_numpy(float))
    np.add.at(amount, (rows, cols), cells["amount"].to_numpy(float))
    month = np.arange(n_months) + first_month
    big = np.iinfo(np.int64).max
    first = np.array([p.first_joined.get(x, big) for x in people], dtype=np.int64)
    joined = np.array([p.joined.get(x, big) for x in people], dtype=np.int64)
    event = month[None, :] - joined[:, None]
    member = (joined < big)[:, None]
    return _Matrices(closed, won, amount, (first[:, None] > month[None, :]).astype(float),
                     (member & (event >= 0) & (event < MONTHS_EACH_SIDE)).astype(float),
                     (member & (event < 0) & (event >= -MONTHS_EACH_SIDE)).astype(float))


def _effects(m: _Matrices, weights: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """For person weights (one row per replicate), each outcome's comparison-adjusted and plain change."""
    def per_month(x: np.ndarray) -> np.ndarray:   # replicate x month sums over the weighted people
        return np.asarray(weights @ x)

    with np.errstate(invalid="ignore", divide="ignore"):
        comp = {"closed": per_month(m.comparison * m.closed), "won": per_month(m.comparison * m.won),
                "amount": per_month(m.comparison * m.amount), "sellers": per_month(m.comparison)}
        expected_rate = {"win_rate": comp["won"] / comp["closed"],
                         "deals_per_seller_month": comp["closed"] / comp["sellers"],
                         "avg_won_amount": comp["amount"] / comp["won"]}
        # outcome -> (what is counted, what it is counted over)
        measures = {"win_rate": (m.won, m.closed), "deals_per_seller_month": (m.closed, np.ones_like(m.closed)),
                    "avg_won_amount": (m.amount, m.won)}
        adjusted, plain = {}, {}
        for outcome, (counted, over) in measures.items():
            rate = np.nan_to_num(expected_rate[outcome])  # a month with no comparison: no deals to compare
            known = ~np.isnan(expected_rate[outcome])
            sides = {}
            for name, side in (("after", m.after), ("before", m.before)):
                base = (weights @ (side * counted)).sum(axis=1)
                n = (weights @ (side * over)).sum(axis=1)
                n_known = ((weights @ (side * over)) * known).sum(axis=1)
                base_known = ((weights @ (side * counted)) * known).sum(axis=1)
                expected = ((weights @ (side * over)) * rate).sum(axis=1)
                sides[name] = (base, n, base_known, n_known, expected)
            (b1, n1, bk1, nk1, e1), (b0, n0, bk0, nk0, e0) = sides["after"], sides["before"]
            plain[outcome] = b1 / n1 - b0 / n0
            adjusted[outcome] = (bk1 - e1) / nk1 - (bk0 - e0) / nk0
    return adjusted, plain


def estimate(p: Panel, seed: int = 2026, replicates: int = BOOTSTRAP) -> dict[str, Estimate]:
    """Each outcome's comparison-group estimate with its cluster-bootstrap interval (see the module text)."""
    if p.cells.empty or not p.joined:
        return {o: Estimate(o, None, None, None, None, 0, 0, 0, "No closed deals around these members' joining.")
                for o in OUTCOMES}
    m = _matrices(p)
    n_people = m.closed.shape[0]
    effects, plain = _effects(m, np.ones((1, n_people)))
    members = int((((m.after * m.closed).sum(axis=1) > 0) & ((m.before * m.closed).sum(axis=1) > 0)).sum())
    comparison = int(((m.comparison * m.closed).sum(axis=1) > 0).sum())
    deals = int(((m.after + m.before) * m.closed).sum())
    refusal = None
    if members < MIN_PEOPLE:
        refusal = f"Too few members with deals both before and after joining ({members}; at least {MIN_PEOPLE})."
    elif comparison < MIN_PEOPLE:
        refusal = f"Too few sellers not yet joined to compare with ({comparison}; at least {MIN_PEOPLE})."
    elif deals < MIN_DEALS:
        refusal = f"Too few deals around joining ({deals}; at least {MIN_DEALS})."
    draws: dict[str, list[np.ndarray]] = {o: [] for o in OUTCOMES}
    if refusal is None:
        rng = np.random.default_rng(seed)
        for start in range(0, replicates, 50):  # 50 replicates at a time: one matrix product each
            batch = min(50, replicates - start)
            picks = rng.integers(0, n_people, (batch, n_people))
            weights = np.zeros((batch, n_people))
            np.add.at(weights, (np.repeat(np.arange(batch), n_people), picks.ravel()), 1.0)
            got, _ = _effects(m, weights)
            for o in OUTCOMES:
                draws[o].append(got[o])
    out = {}
    for o in OUTCOMES:
        value = float(effects[o][0])
        sample = np.concatenate(draws[o]) if draws[o] else np.array([])
        sample = sample[~np.isnan(sample)]
        plain_value = None if np.isnan(plain[o][0]) else float(plain[o][0])
        if refusal is not None or np.isnan(value) or len(sample) < replicates // 2:
            out[o] = Estimate(o, None, None, None, plain_value, members, comparison, deals,
                              refusal or "No deals of this kind on one side of joining.")
        else:
            low, high = np.percentile(sample, [2.5, 97.5])
            out[o] = Estimate(o, value, float(low), float(high), plain_value, members, comparison, deals)
    return out


def cohort_effect(store: Store, filt: Filter) -> dict[str, Estimate]:
    """The estimate for the filter's members: the Win rates page's "against sellers not yet joined"."""
    return estimate(panel(store, filt))
