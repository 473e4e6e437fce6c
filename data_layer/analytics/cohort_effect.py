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
    people = pd.Index(np.sort(np.asarray(cells["person"].unique(), dtype=object)))
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
    first = pd.Series(p.first_joined, dtype="int64").reindex(people, fill_value=big).to_numpy(np.int64)
    joined = pd.Series(p.joined, dtype="int64").reindex(people, fill_value=big).to_numpy(np.int64)
    event = month[None, :] - joined[:, None]
    member = (joined < big)[:, None]
    return _Matrices(closed, won, amount, (first[:, None] > month[None, :]).astype(float),
                     (member & (event >= 0) & (event < MONTHS_EACH_SIDE)).astype(float),
                     (member & (event < 0) & (event >= -MONTHS_EACH_SIDE)).astype(float))


# What the bootstrap sums per replicate and month, stacked side by side so that each batch of
# replicates is two matrix products (the comparison's sums over everyone; the members' sides
# over the members alone, since a side is zero for everyone else) instead of thirty-four.
_COMPARISON = ("closed", "won", "amount", "sellers")
_SIDE_TERMS = ("won", "closed", "amount", "ones")
_MEASURES = {"win_rate": ("won", "closed"), "deals_per_seller_month": ("closed", "ones"),
             "avg_won_amount": ("amount", "won")}  # outcome -> (what is counted, what it is counted over)


@dataclass(frozen=True)
class _Stacked:
    comparison: np.ndarray  # person x (4 x month): comparison closed, won, amount, sellers
    members: np.ndarray     # indices of the people with a side (members around their joining)
    sides: np.ndarray       # member x (2 x 4 x month): after then before, each won, closed, amount, ones
    months: int


def _stacked(m: _Matrices) -> _Stacked:
    comp = m.comparison
    members = np.flatnonzero((m.after + m.before).any(axis=1))
    parts = [side[members] * term[members] for side in (m.after, m.before)
             for term in (m.won, m.closed, m.amount, np.ones_like(m.closed))]
    return _Stacked(np.hstack([comp * m.closed, comp * m.won, comp * m.amount, comp]), members,
                    np.hstack(parts), m.closed.shape[1])


def _effects(s: _Stacked, weights: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """For person weights (one row per replicate), each outcome's comparison-adjusted and plain change."""
    n = s.months
    summed = np.asarray(weights @ s.comparison)
    comp = {name: summed[:, i * n:(i + 1) * n] for i, name in enumerate(_COMPARISON)}
    by_side = np.asarray(weights[:, s.members] @ s.sides)
    side_sums = {(side, term): by_side[:, (j * 4 + i) * n:(j * 4 + i + 1) * n]
                 for j, side in enumerate(("after", "before")) for i, term in enumerate(_SIDE_TERMS)}
    with np.errstate(invalid="ignore", divide="ignore"):
        expected_rate = {"win_rate": comp["won"] / comp["closed"],
                         "deals_per_seller_month": comp["closed"] / comp["sellers"],
                         "avg_won_amount": comp["amount"] / comp["won"]}
        adjusted, plain = {}, {}
        for outcome, (counted, over) in _MEASURES.items():
            rate = np.nan_to_num(expected_rate[outcome])  # a month with no comparison: no deals to compare
            known = ~np.isnan(expected_rate[outcome])
            sides = {}
            for name in ("after", "before"):
                counted_m, over_m = side_sums[(name, counted)], side_sums[(name, over)]
                base = counted_m.sum(axis=1)
                total = over_m.sum(axis=1)
                n_known = (over_m * known).sum(axis=1)
                base_known = (counted_m * known).sum(axis=1)
                expected = (over_m * rate).sum(axis=1)
                sides[name] = (base, total, base_known, n_known, expected)
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
    stacked = _stacked(m)
    effects, plain = _effects(stacked, np.ones((1, n_people)))
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
            # how often each person was drawn in each replicate (a count per replicate and person)
            cells = (np.arange(batch)[:, None] * n_people + picks).ravel()
            weights = np.bincount(cells, minlength=batch * n_people).reshape(batch, n_people).astype(float)
            got, _ = _effects(stacked, weights)
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
