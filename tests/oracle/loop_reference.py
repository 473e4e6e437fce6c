"""Tools & resources and the cohort's voice, computed in pandas from the raw tables, as the README
defines them: an independent reference for the declared SQL (it imports no production code).

Only the member set reads SQL (the frozen MEMBERS_CTE of metrics_reference); everything after
it is pandas (filters, merges and group-bys, no loop over people) over the events, objects,
cohorts, people and event_texts tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.oracle.metrics_reference import MEMBERS_CTE, Filter, Rate, Store, _with, bound

QUOTES_LIMIT = 200


def _members(store: Store, filt: Filter) -> set[str]:
    return set(store.query_df(_with(MEMBERS_CTE) + " SELECT person_id FROM members", bound(filt))["person_id"])


def _members_by_cohort(store: Store, filt: Filter) -> pd.DataFrame:
    m = store.query_df("SELECT m.cohort_id, m.person_id, m.joined_on, m.left_on, p.team, p.region, p.role "
                       "FROM memberships m JOIN people p USING (person_id)")
    m = m[(pd.to_datetime(m["joined_on"]).dt.date <= filt.date_to)
          & (m["left_on"].isna() | (pd.to_datetime(m["left_on"]).dt.date >= filt.date_from))]
    for column, chosen in (("cohort_id", filt.cohorts), ("team", filt.teams), ("region", filt.regions),
                           ("role", filt.roles)):
        if chosen:
            m = m[m[column].isin(chosen)]
    return m[["cohort_id", "person_id"]].drop_duplicates()


def _events(store: Store, filt: Filter, people: set[str]) -> pd.DataFrame:
    """The people's events up to the window's end (a person's first use may lie before the window);
    `day` is the event's calendar day (midnight), `inside` says whether it lies in the window."""
    ev = store.query_df("SELECT event_id, person_id, verb, object, cohort_id, occurred_at FROM events")
    ev = ev[ev["person_id"].isin(people)]
    if filt.cohorts:
        ev = ev[ev["cohort_id"].isna() | ev["cohort_id"].isin(filt.cohorts)]
    ev = ev.assign(day=pd.to_datetime(ev["occurred_at"]).dt.normalize())
    ev = ev[ev["day"] <= pd.Timestamp(filt.date_to)]
    return ev.assign(inside=ev["day"] >= pd.Timestamp(filt.date_from))


def _iso_week(days: pd.Series) -> pd.Series:
    """The Monday of each day's ISO week."""
    return days - pd.to_timedelta(days.dt.weekday, unit="D")


def _per_person_object(ev: pd.DataFrame) -> pd.DataFrame:
    """One row per person and object they touched: reached (any event in the window), a tutorial
    completed in the window, the first tutorial and first use ever (up to the window's end), the
    distinct ISO weeks with a use in the window, feedback and frustrations in the window."""
    ev = ev[ev["object"].notna()]
    verb, inside = ev["verb"], ev["inside"]
    ev = ev.assign(
        tutorial_inside=inside & (verb == "tutorial_completed"),
        tutorial_at=ev["occurred_at"].where(verb == "tutorial_completed"),
        use_at=ev["occurred_at"].where(verb == "tool_used"),
        use_week=_iso_week(ev["day"]).where(inside & (verb == "tool_used")),
        feedback=inside & (verb == "feedback_given"),
        frustration=inside & (verb == "shared_frustration"),
    )
    return ev.groupby(["person_id", "object"], as_index=False).agg(
        first_day=("day", "min"), reached=("inside", "any"), tutorial_done=("tutorial_inside", "any"),
        first_tutorial=("tutorial_at", "min"), first_use=("use_at", "min"), use_weeks=("use_week", "nunique"),
        feedback=("feedback", "sum"), frustrations=("frustration", "sum"))


def _objects(store: Store) -> pd.DataFrame:
    frame = store.query_df("SELECT object_id AS object, kind, name, launched_on FROM objects")
    return frame.assign(launched_on=pd.to_datetime(frame["launched_on"]))


def _named(frame: pd.DataFrame) -> pd.Series:
    """The catalog's name, the object's id when it has none (or is not in the catalog)."""
    name = frame["name"]
    return name.where(name.notna() & (name != ""), frame["object"])


ADOPTION_COUNTS = ("reached", "tutorial_completions", "first_users", "users", "repeat_users",
                   "tutorial_without_use", "feedback", "frustrations")


def tool_adoption(store: Store, filt: Filter) -> pd.DataFrame:
    po = _per_person_object(_events(store, filt, _members(store, filt)))
    catalog = _objects(store)
    start, end = pd.Timestamp(filt.date_from), pd.Timestamp(filt.date_to)
    first_use_day, first_tutorial_day = po["first_use"].dt.normalize(), po["first_tutorial"].dt.normalize()
    first_in_window = first_use_day.between(start, end)
    po = po.assign(
        first_users=first_in_window,
        # days from the first tutorial to the first use, for first uses in the window after a tutorial
        days_to_use=(first_use_day - first_tutorial_day).dt.days.where(
            first_in_window & (po["first_use"] >= po["first_tutorial"])),
        users=po["use_weeks"] >= 1, repeat_users=po["use_weeks"] >= 2,
        tutorial_without_use=po["first_tutorial"].notna() & po["first_use"].isna(),
    )
    per_object = po.groupby("object", as_index=False).agg(
        reached=("reached", "sum"), tutorial_completions=("tutorial_done", "sum"),
        first_users=("first_users", "sum"), users=("users", "sum"), repeat_users=("repeat_users", "sum"),
        median_days_to_use=("days_to_use", "median"), tutorial_without_use=("tutorial_without_use", "sum"),
        feedback=("feedback", "sum"), frustrations=("frustrations", "sum"))
    # every object someone reached in the window, and every catalog object launched by its end
    ids = set(po.loc[po["reached"], "object"])
    ids |= set(catalog.loc[catalog["launched_on"].isna() | (catalog["launched_on"] <= end), "object"])
    frame = pd.DataFrame({"object": sorted(ids)}).merge(catalog, on="object", how="left")
    frame = frame.merge(per_object, on="object", how="left")
    frame[list(ADOPTION_COUNTS)] = frame[list(ADOPTION_COUNTS)].fillna(0).astype("int64")
    frame["name"] = _named(frame)
    frame = frame[["object", "kind", "name", "launched_on", "reached", "tutorial_completions", "first_users",
                   "users", "repeat_users", "median_days_to_use", "tutorial_without_use", "feedback",
                   "frustrations"]]
    frame = frame.sort_values(["users", "reached", "object"], ascending=[False, False, True]).reset_index(drop=True)
    frame["median_days_to_use"] = frame["median_days_to_use"].astype("float64")
    frame["repeat_share"] = (frame["repeat_users"] / frame["users"]).where(frame["users"] > 0)
    return frame


CURVE_MAX_WEEKS = 157  # three years


def tool_adoption_curve(store: Store, filt: Filter) -> pd.DataFrame:
    """Per object used (or first used) in the window, week by week from its launch (or its first
    event among the members) to the window's end: the members whose first use came by that week's end."""
    members = _members(store, filt)
    po = _per_person_object(_events(store, filt, members))
    table = tool_adoption(store, filt)
    shown = table[(table["users"] > 0) | (table["first_users"] > 0)][["object", "name"]]
    first_day = po.groupby("object")["first_day"].min().rename("first_day")
    launched = _objects(store).set_index("object")["launched_on"]
    shown = shown.join(first_day, on="object").join(launched, on="object")
    shown["launch"] = shown["launched_on"].fillna(shown["first_day"])
    age_weeks = (pd.Timestamp(filt.date_to) - shown["launch"]).dt.days // 7
    shown["weeks"] = (age_weeks.clip(lower=0) + 1).clip(upper=CURVE_MAX_WEEKS)  # week 0 at least
    curve = shown.loc[shown.index.repeat(shown["weeks"])].reset_index(drop=True)
    curve["week"] = curve.groupby("object").cumcount()
    week_end = curve["launch"] + pd.to_timedelta(7 * curve["week"] + 6, unit="D")
    first_use_days = po[["object", "first_use"]].dropna().assign(day=lambda f: f["first_use"].dt.normalize())
    adopters = pd.Series(0, index=curve.index, dtype="int64")
    for obj, rows in curve.groupby("object").groups.items():  # one pass per object, not per person
        days = np.sort(first_use_days.loc[first_use_days["object"] == obj, "day"].to_numpy())
        adopters.loc[rows] = np.searchsorted(days, week_end.loc[rows].to_numpy(), side="right")
    frame = pd.DataFrame({"object": curve["object"], "name": curve["name"], "week": curve["week"],
                          "adopters": adopters, "members": len(members)})
    frame = frame.sort_values(["object", "week"]).reset_index(drop=True)
    frame["share"] = (frame["adopters"] / frame["members"]).where(frame["members"] > 0)
    return frame


def _cohort_events(store: Store, filt: Filter) -> pd.DataFrame:
    """Each member's window events once per cohort of theirs in the filter (`cohort`), keeping the
    events tagged with that cohort or with none."""
    by_cohort = _members_by_cohort(store, filt).rename(columns={"cohort_id": "cohort"})
    ev = _events(store, filt, set(by_cohort["person_id"]))
    ev = ev[ev["inside"]].merge(by_cohort, on="person_id")
    ev = ev[ev["cohort_id"].isna() | (ev["cohort_id"] == ev["cohort"])]
    cohorts = store.query_df("SELECT cohort_id AS cohort, name AS cohort_name, start_date FROM cohorts")
    return ev.merge(cohorts, on="cohort")


def tool_adoption_by_cohort(store: Store, filt: Filter) -> pd.DataFrame:
    ev = _cohort_events(store, filt)
    ev = ev[ev["object"].notna()]
    verb = ev["verb"]
    ev = ev.assign(tutorial=verb == "tutorial_completed", feedback=verb == "feedback_given",
                   frustration=verb == "shared_frustration",
                   use_week=_iso_week(ev["day"]).where(verb == "tool_used"))
    keys = ["start_date", "cohort_name", "cohort", "object"]
    per_person = ev.groupby([*keys, "person_id"], as_index=False).agg(
        tutorial=("tutorial", "any"), use_weeks=("use_week", "nunique"))
    per_person = per_person.assign(users=per_person["use_weeks"] >= 1, repeat_users=per_person["use_weeks"] >= 2)
    people = per_person.groupby(keys, as_index=False).agg(
        reached=("person_id", "size"), tutorial_completions=("tutorial", "sum"),
        users=("users", "sum"), repeat_users=("repeat_users", "sum"))
    events = ev.groupby(keys, as_index=False).agg(feedback=("feedback", "sum"), frustrations=("frustration", "sum"))
    frame = people.merge(events, on=keys).sort_values(["cohort", "object"])
    frame = frame.merge(_objects(store)[["object", "name"]], on="object", how="left")
    frame["name"] = _named(frame)
    frame = frame.rename(columns={"cohort_name": "cohort", "cohort": "cohort_id"})
    frame = frame[["cohort", "start_date", "object", "name", "reached", "tutorial_completions", "users",
                   "repeat_users", "feedback", "frustrations"]]
    frame = frame.sort_values(["start_date", "cohort", "users", "object"], ascending=[False, True, False, True])
    return frame.drop(columns=["start_date"]).reset_index(drop=True)


def _voice(store: Store, filt: Filter) -> pd.DataFrame:
    ev = _events(store, filt, _members(store, filt))
    return ev[ev["verb"].isin(["shared_win", "shared_frustration", "feedback_given"]) & ev["inside"]]


def wins_shared(store: Store, filt: Filter) -> int:
    return int((_voice(store, filt)["verb"] == "shared_win").sum())


def frustrations_shared(store: Store, filt: Filter) -> int:
    return int((_voice(store, filt)["verb"] == "shared_frustration").sum())


def frustration_share(store: Store, filt: Filter) -> Rate:
    v = _voice(store, filt)
    shared = v[v["verb"].isin(["shared_win", "shared_frustration"])]
    return Rate(int((shared["verb"] == "shared_frustration").sum()), len(shared))


def voice_by_cohort(store: Store, filt: Filter) -> pd.DataFrame:
    ev = _cohort_events(store, filt)
    ev = ev[ev["verb"].isin(["shared_win", "shared_frustration"])]
    ev = ev.assign(month=ev["day"].dt.to_period("M").dt.to_timestamp(), wins=ev["verb"] == "shared_win",
                   frustrations=ev["verb"] == "shared_frustration")
    frame = ev.groupby(["start_date", "cohort_name", "cohort", "month"], as_index=False).agg(
        wins=("wins", "sum"), frustrations=("frustrations", "sum")).sort_values(["cohort", "month"])
    frame = frame.rename(columns={"cohort_name": "cohort", "cohort": "cohort_id"})
    frame = frame[["cohort", "start_date", "month", "wins", "frustrations"]]
    frame = frame.sort_values(["start_date", "cohort", "month"], ascending=[False, True, True])
    frame = frame.drop(columns=["start_date"]).reset_index(drop=True)
    frame["month"] = pd.to_datetime(frame["month"])
    frame["shared"] = frame["wins"] + frame["frustrations"]
    frame["frustration_share"] = (frame["frustrations"] / frame["shared"]).where(frame["shared"] > 0)
    return frame


def voice_quotes(store: Store, filt: Filter) -> pd.DataFrame:
    v = _voice(store, filt)
    texts = store.query_df("SELECT event_id, text FROM event_texts")
    people = store.query_df("SELECT person_id, name FROM people").set_index("person_id")["name"]
    cohorts = store.query_df("SELECT cohort_id, name FROM cohorts").set_index("cohort_id")["name"]
    q = v.merge(texts, on="event_id").sort_values(["occurred_at", "event_id"], ascending=[False, False])
    q = q.head(QUOTES_LIMIT).merge(_objects(store)[["object", "name"]], on="object", how="left")
    return pd.DataFrame({
        "occurred_at": pd.to_datetime(q["occurred_at"]), "name": q["person_id"].map(people),
        "cohort": q["cohort_id"].map(cohorts), "verb": q["verb"],
        "about": _named(q).where(q["object"].notna(), None), "text": q["text"],
    }).reset_index(drop=True)


SCALARS = ("wins_shared", "frustrations_shared", "frustration_share")
TABLES = ("tool_adoption", "tool_adoption_curve", "tool_adoption_by_cohort", "voice_by_cohort", "voice_quotes")
