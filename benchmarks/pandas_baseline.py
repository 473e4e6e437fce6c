"""The usual way: load the tables into pandas once, then filter and group in pandas per page.

Used by benchmarks/pages.py as the baseline (same filters, same page numbers). Written the
way a typical Streamlit dashboard does it: straightforward, vectorised pandas, no tricks on
either side. `check()` compares a few of its numbers with the data layer's, so the two sides
compute the same thing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from data_layer.db.migrations import open_database
from data_layer.db.store import Store
from data_layer.domain.filters import Filter, previous_window
from data_layer.domain.vocabulary import PASSIVE_VERBS

KPI_WINDOWS = 6


@dataclass
class Tables:
    people: pd.DataFrame
    memberships: pd.DataFrame
    events: pd.DataFrame
    assessments: pd.DataFrame
    scores: pd.DataFrame
    deals: pd.DataFrame
    plans: pd.DataFrame
    lessons: pd.DataFrame
    actions: pd.DataFrame
    sections: pd.DataFrame
    cohorts: pd.DataFrame
    barrier_codes: pd.DataFrame


def load(store: Store) -> Tables:
    """Every table a page needs, loaded once (the columns the pages use)."""
    q = store.query_df
    events = q("SELECT occurred_at, person_id, verb, cohort_id FROM events")
    events["day"] = events["occurred_at"].dt.normalize()
    return Tables(
        people=q("SELECT * FROM people"),
        memberships=q("SELECT * FROM memberships"),
        events=events,
        assessments=q("SELECT assessment_id, person_id, taken_at, kind, barriers, barrier_notes FROM assessments"),
        scores=q("SELECT * FROM assessment_scores"),
        deals=q("SELECT deal_id, owner_id, created_on, closed_on, status, amount, partner_involvement FROM deals"),
        plans=q("SELECT * FROM plans"),
        lessons=q("SELECT lesson_id, section, plan_id, outcome, status, author_id, cohort_id, created_at, "
                  "published_at, title, lessons FROM lessons"),
        actions=q("SELECT * FROM actions"),
        sections=q("SELECT * FROM sections"),
        cohorts=q("SELECT * FROM cohorts"),
        barrier_codes=q("SELECT * FROM barrier_codes"),
    )


def _ts(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day)


def members_by_cohort(t: Tables, f: Filter) -> pd.DataFrame:
    """Memberships in a selected cohort overlapping the window, of people matching team/region/role."""
    m = t.memberships.merge(t.people, on="person_id")
    keep = (m["joined_on"] <= _ts(f.date_to)) & (m["left_on"].isna() | (m["left_on"] >= _ts(f.date_from)))
    if f.cohorts:
        keep &= m["cohort_id"].isin(f.cohorts)
    for col, values in (("team", f.teams), ("region", f.regions), ("role", f.roles)):
        if values:
            keep &= m[col].isin(values)
    return m[keep]


def members(t: Tables, f: Filter) -> pd.DataFrame:
    """M: one row per member with their earliest qualifying joined_on."""
    return members_by_cohort(t, f).groupby("person_id", as_index=False)["joined_on"].min()


def member_events(t: Tables, f: Filter, m: pd.DataFrame) -> pd.DataFrame:
    e = t.events[t.events["person_id"].isin(m["person_id"])]
    if f.cohorts:
        e = e[e["cohort_id"].isna() | e["cohort_id"].isin(f.cohorts)]
    return e


def _rate(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


def closed_deals(t: Tables, f: Filter, m: pd.DataFrame) -> pd.DataFrame:
    d = t.deals[t.deals["owner_id"].isin(m["person_id"]) & t.deals["status"].isin(["won", "lost"])]
    return d[(d["closed_on"] >= _ts(f.date_from)) & (d["closed_on"] <= _ts(f.date_to))]


def counted_lessons(t: Tables, f: Filter, m: pd.DataFrame) -> pd.DataFrame:
    if not (f.cohorts or f.teams or f.regions or f.roles):
        return t.lessons
    return t.lessons[t.lessons["cohort_id"].isin(f.cohorts) | t.lessons["author_id"].isin(m["person_id"])]


def counted_plans(t: Tables, f: Filter, m: pd.DataFrame) -> pd.DataFrame:
    if not (f.cohorts or f.teams or f.regions or f.roles):
        return t.plans
    return t.plans[t.plans["cohort_id"].isin(f.cohorts) | t.plans["owner_id"].isin(m["person_id"])]


def outreach_hours(t: Tables, f: Filter, m: pd.DataFrame, e: pd.DataFrame) -> pd.Series:
    """Per member assessment in the window: hours to the first outreach at or after it (NaN: none)."""
    a = t.assessments[t.assessments["person_id"].isin(m["person_id"])]
    a = a[(a["taken_at"].dt.normalize() >= _ts(f.date_from)) & (a["taken_at"].dt.normalize() <= _ts(f.date_to))]
    o = e[e["verb"] == "outreach_received"][["person_id", "occurred_at"]]
    j = a[["assessment_id", "person_id", "taken_at"]].merge(o, on="person_id", how="left")
    j = j[j["occurred_at"].isna() | (j["occurred_at"] >= j["taken_at"])]
    first = j.groupby("assessment_id").agg(taken_at=("taken_at", "first"), first=("occurred_at", "min"))
    first = first.reindex(a["assessment_id"])
    return (first["first"] - first["taken_at"]).dt.total_seconds() / 3600


def kpis(t: Tables, f: Filter) -> dict[str, Any]:
    """The nine Overview numbers for one window."""
    m = members(t, f)
    e = member_events(t, f, m)
    n = len(m)
    assessed = t.assessments[t.assessments["taken_at"].dt.normalize() <= _ts(f.date_to)]["person_id"]
    lo = max(_ts(f.date_from), _ts(f.date_to) - pd.Timedelta(days=27))
    act = e[(~e["verb"].isin(PASSIVE_VERBS)) & (e["day"] >= lo) & (e["day"] <= _ts(f.date_to))]
    out = {"members": n, "assessed_rate": _rate(int(m["person_id"].isin(assessed).sum()), n),
           "active_rate_28d": _rate(act["person_id"].nunique(), n)}
    hours = outreach_hours(t, f, m, e)
    out["outreach_within_24h_rate"] = _rate(int((hours <= 24).sum()), len(hours))
    out["readiness_lift"] = readiness_lift(t, f, m)
    plans = counted_plans(t, f, m)
    due = plans[(plans["ends_on"] >= _ts(f.date_from)) & (plans["ends_on"] <= _ts(min(f.date_to, f.today)))]
    published_plans = set(t.lessons.loc[t.lessons["status"] == "published", "plan_id"].dropna())
    out["postmortem_coverage"] = _rate(int(due["plan_id"].isin(published_plans).sum()), len(due))
    d = closed_deals(t, f, m)
    partner = d[d["partner_involvement"] != "none"]
    none = d[d["partner_involvement"] == "none"]
    out["win_rate_partner"] = _rate(int((partner["status"] == "won").sum()), len(partner))
    out["win_rate_no_partner"] = _rate(int((none["status"] == "won").sum()), len(none))
    lessons = counted_lessons(t, f, m)
    pub = lessons[(lessons["status"] == "published") & (lessons["published_at"].dt.normalize() >= _ts(f.date_from))
                  & (lessons["published_at"].dt.normalize() <= _ts(f.date_to))]
    out["lessons_published"] = len(pub)
    return out


def readiness_lift(t: Tables, f: Filter, m: pd.DataFrame) -> float | None:
    a = t.assessments[t.assessments["person_id"].isin(m["person_id"])
                      & (t.assessments["taken_at"].dt.normalize() <= _ts(f.date_to))]
    base = a[a["kind"] == "baseline"].sort_values(["taken_at", "assessment_id"]).groupby("person_id").head(1)
    fol = a[a["kind"] == "follow_up"].merge(base[["person_id", "taken_at"]], on="person_id", suffixes=("", "_b"))
    fol = fol[fol["taken_at"] > fol["taken_at_b"]].sort_values(["taken_at", "assessment_id"]).groupby("person_id").tail(1)
    ready = t.scores.groupby("assessment_id")["score"].mean()
    pairs = fol[["person_id", "assessment_id"]].merge(base[["person_id", "assessment_id"]], on="person_id",
                                                     suffixes=("_f", "_b"))
    if pairs.empty:
        return None
    return float((ready.reindex(pairs["assessment_id_f"]).to_numpy() - ready.reindex(pairs["assessment_id_b"]).to_numpy()).mean())


def overview(t: Tables, f: Filter) -> None:
    current = f
    for _ in range(KPI_WINDOWS):
        kpis(t, current)
        current = previous_window(current)


def adoption(t: Tables, f: Filter) -> None:
    m = members(t, f)
    e = member_events(t, f, m)
    upto = e[e["day"] <= _ts(f.date_to)]
    reached = upto.groupby(["person_id", "verb"]).size().unstack(fill_value=0) > 0
    _ = {v: int(reached[v].sum()) for v in reached.columns}
    win = e[(~e["verb"].isin(PASSIVE_VERBS)) & (e["day"] >= _ts(f.date_from)) & (e["day"] <= _ts(f.date_to))]
    win.assign(week=win["day"].dt.to_period("W-SUN")).groupby("week")["person_id"].nunique()
    hours = outreach_hours(t, f, m, e)
    _rate(int((hours <= 24).sum()), len(hours))
    hours[hours <= 14 * 24].median()
    lo28 = max(_ts(f.date_from), _ts(f.date_to) - pd.Timedelta(days=27))
    win[win["day"] >= lo28]["person_id"].nunique()
    # funnel's last stage: a won partner deal since joining
    won = t.deals[(t.deals["status"] == "won") & (t.deals["partner_involvement"] != "none")].merge(
        m, left_on="owner_id", right_on="person_id")
    won[(won["closed_on"] >= won["joined_on"]) & (won["closed_on"] <= _ts(f.date_to))]["person_id"].nunique()
    # per-cohort table
    mc = members_by_cohort(t, f)
    sizes = mc.groupby("cohort_id")["person_id"].nunique()
    assessed = t.assessments[t.assessments["taken_at"].dt.normalize() <= _ts(f.date_to)]["person_id"].unique()
    mc[mc["person_id"].isin(assessed)].groupby("cohort_id")["person_id"].nunique().reindex(sizes.index, fill_value=0)
    ce = mc[["cohort_id", "person_id"]].drop_duplicates().merge(t.events, on="person_id", suffixes=("", "_e"))
    ce = ce[ce["cohort_id_e"].isna() | (ce["cohort_id_e"] == ce["cohort_id"])]
    lo = max(_ts(f.date_from), _ts(f.date_to) - pd.Timedelta(days=27))
    ce[(~ce["verb"].isin(PASSIVE_VERBS)) & (ce["day"] >= lo) & (ce["day"] <= _ts(f.date_to))].groupby("cohort_id")[
        "person_id"].nunique()
    ce[(ce["verb"] == "shared_win") & (ce["day"] >= _ts(f.date_from)) & (ce["day"] <= _ts(f.date_to))].groupby(
        "cohort_id")["person_id"].nunique()
    cd = closed_deals(t, f, m).merge(mc[["cohort_id", "person_id"]].drop_duplicates(), left_on="owner_id",
                                     right_on="person_id")
    cd.groupby("cohort_id")["status"].agg(closed="size", won=lambda s: int((s == "won").sum()))
    # at risk: no qualifying event in the 21 days ending `to`
    own = upto[~upto["verb"].isin(PASSIVE_VERBS)]
    last = own.groupby("person_id")["day"].max()
    quiet = m[~m["person_id"].isin(last[last >= _ts(f.date_to) - pd.Timedelta(days=20)].index)]
    quiet.merge(t.people, on="person_id").assign(last_active=lambda x: x["person_id"].map(last)).sort_values(
        ["last_active", "name"], na_position="first")


def assessment_pairs(t: Tables, a: pd.DataFrame) -> pd.DataFrame:
    """Per member: earliest baseline and latest later follow-up (from their assessments `a`)."""
    base = a[a["kind"] == "baseline"].sort_values(["taken_at", "assessment_id"]).groupby("person_id").head(1)
    fol = a[a["kind"] == "follow_up"].merge(base[["person_id", "taken_at"]], on="person_id", suffixes=("", "_base"))
    fol = fol[fol["taken_at"] > fol["taken_at_base"]].sort_values(["taken_at", "assessment_id"]).groupby(
        "person_id").tail(1).drop(columns="taken_at_base")
    return base.merge(fol, on="person_id", suffixes=("_b", "_f"))


def barriers(t: Tables, f: Filter) -> dict[str, Any]:
    m = members(t, f)
    a = t.assessments[t.assessments["person_id"].isin(m["person_id"])
                      & (t.assessments["taken_at"].dt.normalize() <= _ts(f.date_to))]
    latest = a.sort_values(["taken_at", "assessment_id"]).groupby("person_id").tail(1)
    out: dict[str, Any] = {}
    exploded = latest[["person_id", "barriers"]].explode("barriers")
    out["prevalence"] = exploded.groupby("barriers")["person_id"].nunique() / len(latest) if len(latest) else None
    ready = t.scores[t.scores["assessment_id"].isin(latest["assessment_id"])].groupby("assessment_id")["score"].mean()
    out["readiness"] = float(ready.mean()) if len(ready) else None
    out["readiness_lift"] = readiness_lift(t, f, m)
    pairs = assessment_pairs(t, a)
    cited = pairs[["person_id", "barriers_b", "barriers_f"]].explode("barriers_b").dropna(subset=["barriers_b"])
    resolved = [code not in after for code, after in zip(cited["barriers_b"], cited["barriers_f"], strict=True)]
    out["barriers_resolved_rate"] = _rate(sum(resolved), len(cited))
    out["baseline_vs_follow_up"] = (pairs["barriers_b"].explode().value_counts(), pairs["barriers_f"].explode().value_counts())
    mc = t.memberships[t.memberships["person_id"].isin(m["person_id"])]
    out["by_cohort"] = latest.merge(mc, on="person_id").explode("barriers").groupby(["cohort_id", "barriers"]).size()
    scores = t.scores[t.scores["assessment_id"].isin(latest["assessment_id"])]
    by_dim = scores.groupby("dimension")["score"].mean()
    ids = pairs[["person_id", "assessment_id_b", "assessment_id_f"]]
    sb = t.scores.merge(ids, left_on="assessment_id", right_on="assessment_id_b")[["person_id", "dimension", "score"]]
    sf = t.scores.merge(ids, left_on="assessment_id", right_on="assessment_id_f")[["person_id", "dimension", "score"]]
    lifts = sf.merge(sb, on=["person_id", "dimension"], suffixes=("_f", "_b"))
    out["by_dimension"] = (by_dim, (lifts["score_f"] - lifts["score_b"]).groupby(lifts["dimension"]).mean())
    notes = latest[latest["barrier_notes"].notna()].merge(t.people, on="person_id")
    notes = notes.sort_values(["taken_at", "assessment_id"], ascending=False).head(500)
    labels = dict(zip(t.barrier_codes["code"], t.barrier_codes["label"], strict=True))
    out["notes"] = notes.assign(barriers=notes["barriers"].map(lambda codes: ", ".join(labels.get(c, c) for c in codes)))
    return out


def win_rates(t: Tables, f: Filter) -> None:
    m = members(t, f)
    d = closed_deals(t, f, m)
    for group in (d, d[d["partner_involvement"] != "none"], d[d["partner_involvement"] == "none"],
                  d[d["partner_involvement"] == "sourced"], d[d["partner_involvement"] == "influenced"]):
        _rate(int((group["status"] == "won").sum()), len(group))
    _rate(int((d["partner_involvement"] != "none").sum()), len(d))
    won = d[d["status"] == "won"]
    won.groupby(won["partner_involvement"] != "none")["amount"].mean()
    cycle = won[won["closed_on"] >= won["created_on"]]
    ((cycle["closed_on"] - cycle["created_on"]).dt.days).groupby(cycle["partner_involvement"] != "none").median()
    dm = t.deals[t.deals["status"].isin(["won", "lost"])].merge(m, left_on="owner_id", right_on="person_id")
    before = dm[(dm["closed_on"] >= dm["joined_on"] - pd.Timedelta(days=180)) & (dm["closed_on"] < dm["joined_on"])]
    after = dm[(dm["closed_on"] >= dm["joined_on"]) & (dm["closed_on"] < dm["joined_on"] + pd.Timedelta(days=180))]
    _rate(int((before["status"] == "won").sum()), len(before))
    _rate(int((after["status"] == "won").sum()), len(after))
    d.groupby([d["closed_on"].dt.to_period("M"), d["partner_involvement"] != "none"])["status"].apply(
        lambda s: (s == "won").mean())
    mc = members_by_cohort(t, f)[["cohort_id", "person_id"]].drop_duplicates()
    d.merge(mc, left_on="owner_id", right_on="person_id").groupby(
        ["cohort_id", d["partner_involvement"].ne("none").rename("partner")])["status"].apply(lambda s: (s == "won").mean())


def learning_health(t: Tables, f: Filter) -> dict[str, Any]:
    m = members(t, f)
    out: dict[str, Any] = {}
    lessons = counted_lessons(t, f, m)
    pub = lessons[(lessons["status"] == "published") & (lessons["published_at"].dt.normalize() >= _ts(f.date_from))
                  & (lessons["published_at"].dt.normalize() <= _ts(f.date_to))]
    out["lessons_published"] = len(pub)
    out["flop_share"] = _rate(int((pub["outcome"] == "flopped").sum()), len(pub))
    plans = counted_plans(t, f, m)
    due = plans[(plans["ends_on"] >= _ts(f.date_from)) & (plans["ends_on"] <= _ts(min(f.date_to, f.today)))]
    published_plans = set(t.lessons.loc[t.lessons["status"] == "published", "plan_id"].dropna())
    out["postmortem_coverage"] = _rate(int(due["plan_id"].isin(published_plans).sum()), len(due))
    created = lessons[(lessons["created_at"].dt.normalize() >= _ts(f.date_from))
                      & (lessons["created_at"].dt.normalize() <= _ts(f.date_to))]
    out["contributors"] = created["author_id"].nunique()
    acts = t.actions[t.actions["lesson_id"].isin(lessons["lesson_id"])]
    acts = acts[(acts["due_on"] >= _ts(f.date_from)) & (acts["due_on"] <= _ts(min(f.date_to, f.today)))]
    out["action_followthrough"] = _rate(int((acts["done_on"].notna() & (acts["done_on"] <= acts["due_on"])).sum()),
                                        len(acts))
    out["by_month"] = pub.groupby([pub["published_at"].dt.to_period("M"), pub["outcome"].fillna("unknown")]).size()
    flops = pub[pub["outcome"] == "flopped"].sort_values(["published_at", "lesson_id"], ascending=False).head(5)
    out["recent_flops"] = flops.merge(t.people[["person_id", "name"]], left_on="author_id", right_on="person_id",
                                      how="left")
    with_lesson = set(t.lessons["plan_id"].dropna())
    overdue = plans[(plans["ends_on"] < _ts(f.today) - pd.Timedelta(days=14)) & ~plans["plan_id"].isin(with_lesson)]
    out["overdue"] = overdue.merge(t.people[["person_id", "name"]], left_on="owner_id", right_on="person_id",
                                   how="left", suffixes=("", "_owner")).sort_values(["ends_on", "plan_id"])
    published = lessons[(lessons["status"] == "published") & (lessons["published_at"].dt.normalize() <= _ts(f.today))]
    last = published.groupby("section")["published_at"].max().dt.normalize()
    fresh = t.sections.merge(last.rename("last").reset_index(), left_on="section_id", right_on="section", how="left")
    fresh["days"] = (_ts(f.today) - fresh["last"]).dt.days
    out["section_freshness"] = fresh.merge(t.people[["person_id", "name"]], left_on="owner_id", right_on="person_id",
                                           how="left")
    return out


PAGES = {"overview": overview, "adoption": adoption, "barriers": barriers, "win_rates": win_rates,
         "learning_health": learning_health}


def check(store: Store, t: Tables, f: Filter) -> None:
    """The baseline computes the same numbers as the data layer (spot check on the Overview's)."""
    from data_layer.analytics import metrics
    from data_layer.analytics.engine import evaluate

    ours = kpis(t, f)
    for key in ("members", "assessed_rate", "active_rate_28d", "win_rate_partner", "win_rate_no_partner",
                "lessons_published", "postmortem_coverage", "outreach_within_24h_rate"):
        theirs = getattr(metrics, key)(store, f)
        value = getattr(theirs, "value", theirs)
        assert (value is None and ours[key] is None) or np.isclose(value, ours[key]), (key, value, ours[key])
    lift = evaluate(store, f, ["readiness_lift"])["readiness_lift"]
    assert (lift is None and ours["readiness_lift"] is None) or np.isclose(lift, ours["readiness_lift"])
    # and a few of the other pages' numbers
    page = barriers(t, f)
    assert page["barriers_resolved_rate"] == evaluate(store, f, ["barriers_resolved_rate"])["barriers_resolved_rate"].value
    health = learning_health(t, f)
    for key in ("flop_share", "action_followthrough", "contributors"):
        theirs = getattr(metrics, key)(store, f)
        value = getattr(theirs, "value", theirs)
        assert (value is None and health[key] is None) or np.isclose(value, health[key]), (key, value, health[key])
    assert len(health["overdue"]) == len(evaluate(store, f, ["overdue_postmortems"])["overdue_postmortems"])


def main() -> None:
    """Time every page on the same random filters as benchmarks/pages.py; print JSON."""
    import argparse
    import json
    import resource
    import statistics
    import sys
    import time
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from pages import random_filters  # the same filters, from the same seed

    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--filters", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with open_database(args.db) as store:
        started = time.perf_counter()
        tables = load(store)
        load_s = time.perf_counter() - started
        filters = random_filters(store, args.filters, args.seed)
        check(store, tables, filters[1])
    results = {}
    for page, fn in PAGES.items():
        times = []
        for f in filters:
            started = time.perf_counter()
            fn(tables, f)
            times.append((time.perf_counter() - started) * 1000)
        ordered = sorted(times)
        results[page] = {"p50_ms": statistics.median(times),
                         "p95_ms": ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"pages": results, "load_s": load_s, "peak_rss_mb": peak}))


if __name__ == "__main__":
    main()
