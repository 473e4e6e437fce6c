"""The cohort effect against not-yet-joined sellers, on simulated panels whose true effect is known.

Each simulation: 240 sellers; 160 join a cohort in one of several months, 80 never do; every
seller closes Poisson(4) deals a month for 30 months, won with a probability made of a seller's
own level, the calendar month's (a seasonal swing that hits everyone) and, from joining on, the
true effect. The reference below recomputes the estimate from the same rows with pandas, without
the production code.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data_layer.analytics.cohort_effect import MIN_PEOPLE, cohort_effect, estimate, panel
from data_layer.db.migrations import open_database
from data_layer.db.store import Store
from data_layer.db.summaries import refresh_deals
from data_layer.domain.filters import Filter

from .conftest import LOCAL_ADMIN

START = dt.date(2024, 7, 1)
MONTHS = 30
TODAY = dt.date(2026, 12, 31)


def simulate(seed: int, effect: float, seasonal: float, join_months: list[int], sellers: int = 240,
             joiners: int = 160, path: str = ":memory:") -> Store:
    rng = np.random.default_rng(seed)
    store = open_database(path)
    people = [f"s{i:03}" for i in range(sellers)]
    level = rng.normal(0, 0.05, sellers)
    joins = {p: join_months[i % len(join_months)] for i, p in enumerate(people[:joiners])}
    rows = []
    for i, p in enumerate(people):
        for m in range(MONTHS):
            month_start = (pd.Timestamp(START) + pd.DateOffset(months=m)).date()
            swing = seasonal if month_start.month in (10, 11, 12) else 0.0  # quarter-end push for everyone
            prob = 0.3 + level[i] + swing + (effect if p in joins and m >= joins[p] else 0.0)
            for k in range(rng.poisson(4)):
                won = rng.random() < min(max(prob, 0.01), 0.99)
                day = month_start + dt.timedelta(days=int(rng.integers(0, 28)))
                rows.append((f"d{i}-{m}-{k}", p, day - dt.timedelta(days=40), day, "won" if won else "lost",
                             float(rng.integers(5, 50)) * 1000, "USD", "none", None, "Mid"))
    with store.transaction() as tx:
        tx.executemany("INSERT INTO people VALUES (?, ?, ?, 'seller', 'Mid-Market', 'EMEA', NULL)",
                       [(p, p, f"{p}@x.example") for p in people])
        for m in sorted(set(join_months)):
            start = (pd.Timestamp(START) + pd.DateOffset(months=m)).date()
            tx.execute("INSERT INTO cohorts VALUES (?, ?, 'P', ?, NULL, NULL, NULL)", [f"c{m}", f"Cohort {m}", start])
        tx.executemany("INSERT INTO memberships VALUES (?, ?, ?, NULL)", [
            (f"c{m}", p, (pd.Timestamp(START) + pd.DateOffset(months=m)).date()) for p, m in joins.items()])
        frame = pd.DataFrame(rows, columns=["deal_id", "owner_id", "created_on", "closed_on", "status", "amount",
                                            "currency", "partner_involvement", "partner_name", "segment"])
        tx.register("simulated_deals", frame)
        tx.execute("INSERT INTO deals SELECT * FROM simulated_deals")
        refresh_deals(tx)
    return store


WHOLE = Filter(START, TODAY, TODAY)


def reference_win_rate_effect(store: Store) -> tuple[float, float]:
    """(comparison-adjusted, plain) win-rate change, recomputed with pandas from the raw rows."""
    deals = store.query_df("SELECT owner_id AS person, closed_on, status = 'won' AS won FROM deals")
    joined = store.query_df("SELECT person_id AS person, min(joined_on) AS joined FROM memberships GROUP BY 1")
    deals["m"] = pd.to_datetime(deals["closed_on"]).dt.year * 12 + pd.to_datetime(deals["closed_on"]).dt.month - 1
    joined["j"] = pd.to_datetime(joined["joined"]).dt.year * 12 + pd.to_datetime(joined["joined"]).dt.month - 1
    d = deals.merge(joined[["person", "j"]], on="person", how="left")
    comparison = d[d["j"].isna() | (d["j"] > d["m"])]
    rate = comparison.groupby("m")["won"].mean()
    t = d[d["j"].notna() & (d["m"] - d["j"] >= -6) & (d["m"] - d["j"] < 6)].copy()
    t["gap"] = t["won"].astype(float) - t["m"].map(rate)
    after = t["m"] >= t["j"]
    return (t.loc[after, "gap"].mean() - t.loc[~after, "gap"].mean(),
            t.loc[after, "won"].mean() - t.loc[~after, "won"].mean())


def test_the_estimate_is_the_reference_computation() -> None:
    store = simulate(1, effect=0.05, seasonal=0.1, join_months=[6, 10, 14, 18, 22])
    got = cohort_effect(store, WHOLE)["win_rate"]
    adjusted, plain = reference_win_rate_effect(store)
    assert got.effect == pytest.approx(adjusted, abs=1e-9) and got.plain == pytest.approx(plain, abs=1e-9)


def test_no_effect_is_found_where_there_is_none_in_most_seeds() -> None:
    """With no true effect (and a seasonal swing), a 95 % interval should miss zero about 1 time in 20."""
    misses = {"win_rate": 0, "deals_per_seller_month": 0, "avg_won_amount": 0}
    for seed in range(20):
        store = simulate(100 + seed, effect=0.0, seasonal=0.1, join_months=[6, 12, 18, 24])
        for outcome, e in estimate(panel(store, WHOLE), replicates=200).items():
            assert e.refused is None and e.low is not None and e.high is not None
            misses[outcome] += not (e.low <= 0.0 <= e.high)
    assert all(n <= 3 for n in misses.values()), misses


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_a_positive_effect_is_recovered_within_the_interval(seed: int) -> None:
    store = simulate(seed, effect=0.10, seasonal=0.0, join_months=[6, 10, 14, 18, 22])
    got = cohort_effect(store, WHOLE)["win_rate"]
    assert got.low is not None and got.high is not None and got.effect is not None
    assert got.low <= 0.10 <= got.high and got.low > 0  # the truth is inside, and zero is not
    assert got.members >= 150 and got.deals > 5000


@pytest.mark.parametrize("seed", [7, 8])
def test_a_seasonal_swing_the_plain_before_after_takes_for_an_effect_is_not_one(seed: int) -> None:
    # Everyone joins in September (months 14 and 26 are Septembers): "after" holds the Q4 push.
    store = simulate(seed, effect=0.0, seasonal=0.15, join_months=[14, 26], joiners=160)
    got = cohort_effect(store, WHOLE)["win_rate"]
    assert got.plain is not None and got.plain > 0.05          # the plain change sees a lift ...
    assert got.low is not None and got.high is not None
    assert got.low <= 0.0 <= got.high                         # ... the comparison shows there is none
    assert got.high < got.plain


def test_too_few_people_is_refused_with_a_sentence() -> None:
    store = simulate(9, effect=0.1, seasonal=0.0, join_months=[10], sellers=30, joiners=MIN_PEOPLE - 2)
    got = cohort_effect(store, WHOLE)
    assert all(e.effect is None and e.refused and "Too few members" in e.refused for e in got.values())


def test_the_win_rates_page_shows_the_estimate_beside_the_plain_change(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    from data_layer.access import auth

    from .test_app_overview import run_app

    store = simulate(7, effect=0.0, seasonal=0.15, join_months=[14, 26], path=str(tmp_path / "sim.duckdb"))
    auth.add_user(store, LOCAL_ADMIN, "viewer@example.com", "Viewer", "viewer", "a long password")
    expected = cohort_effect(store, Filter(dt.date(2026, 10, 3), TODAY, TODAY))["win_rate"]
    store.close()
    at = run_app(monkeypatch, tmp_path / "sim.duckdb", TODAY, page="pages/win_rates.py")
    tiles = {m.label: m.value for m in at.metric}
    assert expected.effect is not None and expected.low is not None and expected.high is not None
    assert tiles["Win rate"] == f"{expected.effect * 100:+.1f} pp"
    captions = " ".join(c.value for c in at.caption)
    assert f"95 % interval {expected.low * 100:+.1f} pp to {expected.high * 100:+.1f} pp; includes no change" \
        in captions
    assert f"The plain before/after change of the win rate is {expected.plain * 100:+.1f} pp" in captions
    assert "160 members with deals before and after joining" in captions


def test_the_page_refuses_an_estimate_on_too_little(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    from .test_app_overview import SMALL_TODAY, run_app

    at = run_app(monkeypatch, small_db, SMALL_TODAY, page="pages/win_rates.py")
    assert any("No estimate: Too few members" in i.value for i in at.info)


def test_the_months_around_joining_are_whole_calendar_months() -> None:
    """A member who joined on 20 Jul 2025: month -6 is all of January 2025 and month +5 all of December 2025,
    as the README says. (The earliest joining day minus six months, 20 Jan 2025, would have dropped the deals
    of 5 and 8 January, the member's and the comparison seller's.)"""
    store = open_database()
    with store.transaction() as tx:
        tx.executemany("INSERT INTO people VALUES (?, ?, ?, 'seller', 'Mid-Market', 'EMEA', NULL)",
                       [("m1", "Member", "m1@x.example"), ("s1", "Seller", "s1@x.example")])
        tx.execute("INSERT INTO cohorts VALUES ('c1', 'Kestrel', 'P', DATE '2025-07-20', NULL, NULL, NULL)")
        tx.execute("INSERT INTO memberships VALUES ('c1', 'm1', DATE '2025-07-20', NULL)")
        deals = [("d1", "m1", "2025-01-05", "won"),    # month -6 (Jan 2025): in
                 ("d2", "m1", "2025-12-30", "lost"),   # month +5 (Dec 2025): in
                 ("d3", "m1", "2026-01-02", "won"),    # month +6: out
                 ("d4", "s1", "2025-01-08", "won"),    # the comparison in month -6: in
                 ("d5", "s1", "2024-12-31", "lost")]   # month -7: out
        tx.executemany("INSERT INTO deals VALUES (?, ?, DATE '2024-10-01', CAST(? AS DATE), ?, 1000, 'USD', 'none', "
                       "NULL, 'Mid')", [list(d) for d in deals])
        refresh_deals(tx)
    got = panel(store, Filter(dt.date(2024, 1, 1), TODAY, TODAY))
    # month index = year * 12 + month - 1: Jan 2025 = 24300, Dec 2025 = 24311
    cells = sorted(zip(got.cells["person"], got.cells["month"], got.cells["closed"], got.cells["won"], strict=True))
    assert cells == [("m1", 24300, 1, 1), ("m1", 24311, 1, 0), ("s1", 24300, 1, 1)]
    assert got.joined == {"m1": 2025 * 12 + 6}  # July 2025
