"""Tools & resources and the cohort's voice, computed in pandas from the raw tables, as the README
defines them: an independent reference for the declared SQL (it imports no production code).

Only the member set reads SQL (the frozen MEMBERS_CTE of metrics_reference); everything after
it is plain Python over the events, objects, cohorts, people and event_texts tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

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
    ev = store.query_df("SELECT event_id, person_id, verb, object, cohort_id, occurred_at FROM events")
    ev = ev[ev["person_id"].isin(people)]
    if filt.cohorts:
        ev = ev[ev["cohort_id"].isna() | ev["cohort_id"].isin(filt.cohorts)]
    ev = ev.assign(day=pd.to_datetime(ev["occurred_at"]).dt.date)
    return ev[ev["day"] <= filt.date_to]


def _in_window(day: dt.date, filt: Filter) -> bool:
    return filt.date_from <= day <= filt.date_to


def _window_mask(ev: pd.DataFrame, filt: Filter) -> pd.Series:
    return pd.Series([_in_window(d, filt) for d in ev["day"]], index=ev.index, dtype=bool)


def _iso_week(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _per_person_object(ev: pd.DataFrame, filt: Filter) -> pd.DataFrame:
    out = []
    for (person, obj), g in ev[ev["object"].notna()].groupby(["person_id", "object"]):
        inside = g[_window_mask(g, filt)]
        tut = g[g["verb"] == "tutorial_completed"]
        use = g[g["verb"] == "tool_used"]
        out.append({
            "person_id": person, "object": obj, "first_day": min(g["day"]),
            "reached": len(inside) > 0,
            "tutorial_done": (inside["verb"] == "tutorial_completed").any(),
            "first_tutorial": tut["occurred_at"].min() if len(tut) else None,
            "first_use": use["occurred_at"].min() if len(use) else None,
            "use_weeks": len({_iso_week(d) for d in inside[inside["verb"] == "tool_used"]["day"]}),
            "feedback": int((inside["verb"] == "feedback_given").sum()),
            "frustrations": int((inside["verb"] == "shared_frustration").sum()),
        })
    return pd.DataFrame(out, columns=["person_id", "object", "first_day", "reached", "tutorial_done",
                                      "first_tutorial", "first_use", "use_weeks", "feedback", "frustrations"])


def _objects(store: Store) -> dict[str, dict[str, Any]]:
    frame = store.query_df("SELECT object_id, kind, name, launched_on FROM objects")
    return {r["object_id"]: r for r in frame.to_dict("records")}


def _date(value: Any) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def tool_adoption(store: Store, filt: Filter) -> pd.DataFrame:
    ev = _events(store, filt, _members(store, filt))
    po = _per_person_object(ev, filt)
    catalog = _objects(store)
    ids = set(po.loc[po["reached"].astype(bool), "object"])
    ids |= {o for o, r in catalog.items() if _date(r["launched_on"]) is None or _date(r["launched_on"]) <= filt.date_to}
    rows = []
    for obj in ids:
        g = po[po["object"] == obj]
        first_use = [_date(v) for v in g["first_use"]]
        days = [(_date(u) - _date(t)).days for t, u in zip(g["first_tutorial"], g["first_use"], strict=True)
                if u is not None and not pd.isna(u) and t is not None and not pd.isna(t)
                and _in_window(_date(u), filt) and u >= t]  # type: ignore[arg-type, operator]
        users = int((g["use_weeks"] >= 1).sum())
        repeat = int((g["use_weeks"] >= 2).sum())
        info = catalog.get(obj, {})
        rows.append({
            "object": obj, "kind": info.get("kind"), "name": info.get("name") or obj,
            "launched_on": info.get("launched_on"), "reached": int(g["reached"].sum()),
            "tutorial_completions": int(g["tutorial_done"].sum()),
            "first_users": sum(1 for d in first_use if d is not None and _in_window(d, filt)),
            "users": users, "repeat_users": repeat,
            "median_days_to_use": float(pd.Series(days).median()) if days else None,
            "tutorial_without_use": int((g["first_tutorial"].notna() & g["first_use"].isna()).sum()),
            "feedback": int(g["feedback"].sum()), "frustrations": int(g["frustrations"].sum()),
        })
    frame = pd.DataFrame(rows, columns=["object", "kind", "name", "launched_on", "reached", "tutorial_completions",
                                        "first_users", "users", "repeat_users", "median_days_to_use",
                                        "tutorial_without_use", "feedback", "frustrations"])
    frame = frame.sort_values(["users", "reached", "object"], ascending=[False, False, True]).reset_index(drop=True)
    frame["launched_on"] = pd.to_datetime(frame["launched_on"])
    frame["median_days_to_use"] = frame["median_days_to_use"].astype("float64")
    frame["repeat_share"] = (frame["repeat_users"] / frame["users"]).where(frame["users"] > 0)
    return frame


def tool_adoption_curve(store: Store, filt: Filter) -> pd.DataFrame:
    members = _members(store, filt)
    ev = _events(store, filt, members)
    po = _per_person_object(ev, filt)
    table = tool_adoption(store, filt)
    catalog = _objects(store)
    rows = []
    for r in table[(table["users"] > 0) | (table["first_users"] > 0)].to_dict("records"):
        g = po[po["object"] == r["object"]]
        launch = _date(catalog.get(r["object"], {}).get("launched_on")) or min(g["first_day"])
        weeks = min(max((filt.date_to - launch).days // 7, 0) + 1, 157)  # week 0 at least, three years at most
        firsts = [_date(v) for v in g["first_use"] if v is not None and not pd.isna(v)]
        for week in range(max(weeks, 0)):
            end = launch + dt.timedelta(days=7 * week + 6)
            rows.append({"object": r["object"], "name": r["name"], "week": week,
                         "adopters": sum(1 for d in firsts if d <= end), "members": len(members)})  # type: ignore[operator]
    frame = pd.DataFrame(rows, columns=["object", "name", "week", "adopters", "members"])
    frame = frame.sort_values(["object", "week"]).reset_index(drop=True)
    frame["share"] = (frame["adopters"] / frame["members"]).where(frame["members"] > 0)
    return frame


def tool_adoption_by_cohort(store: Store, filt: Filter) -> pd.DataFrame:
    by_cohort = _members_by_cohort(store, filt)
    ev = _events(store, filt, set(by_cohort["person_id"]))
    ev = ev[ev["object"].notna() & _window_mask(ev, filt)]
    cohorts = store.query_df("SELECT cohort_id, name, start_date FROM cohorts").set_index("cohort_id")
    catalog = _objects(store)
    rows = []
    for cohort, people in by_cohort.groupby("cohort_id"):
        mine = ev[ev["person_id"].isin(set(people["person_id"])) & (ev["cohort_id"].isna() | (ev["cohort_id"] == cohort))]
        for obj, g in mine.groupby("object"):
            per = [(p, x) for p, x in g.groupby("person_id")]
            weeks = [len({_iso_week(d) for d in x[x["verb"] == "tool_used"]["day"]}) for _, x in per]
            rows.append({"cohort": cohorts.loc[cohort, "name"], "start_date": cohorts.loc[cohort, "start_date"],
                         "object": obj, "name": catalog.get(obj, {}).get("name") or obj, "reached": len(per),
                         "tutorial_completions": sum(1 for _, x in per if (x["verb"] == "tutorial_completed").any()),
                         "users": sum(1 for w in weeks if w >= 1), "repeat_users": sum(1 for w in weeks if w >= 2),
                         "feedback": int((g["verb"] == "feedback_given").sum()),
                         "frustrations": int((g["verb"] == "shared_frustration").sum())})
    frame = pd.DataFrame(rows, columns=["cohort", "start_date", "object", "name", "reached", "tutorial_completions",
                                        "users", "repeat_users", "feedback", "frustrations"])
    frame = frame.sort_values(["start_date", "cohort", "users", "object"], ascending=[False, True, False, True])
    return frame.drop(columns=["start_date"]).reset_index(drop=True)


def _voice(store: Store, filt: Filter) -> pd.DataFrame:
    ev = _events(store, filt, _members(store, filt))
    return ev[ev["verb"].isin(["shared_win", "shared_frustration", "feedback_given"]) & _window_mask(ev, filt)]


def wins_shared(store: Store, filt: Filter) -> int:
    return int((_voice(store, filt)["verb"] == "shared_win").sum())


def frustrations_shared(store: Store, filt: Filter) -> int:
    return int((_voice(store, filt)["verb"] == "shared_frustration").sum())


def frustration_share(store: Store, filt: Filter) -> Rate:
    v = _voice(store, filt)
    shared = v[v["verb"].isin(["shared_win", "shared_frustration"])]
    return Rate(int((shared["verb"] == "shared_frustration").sum()), len(shared))


def voice_by_cohort(store: Store, filt: Filter) -> pd.DataFrame:
    by_cohort = _members_by_cohort(store, filt)
    ev = _events(store, filt, set(by_cohort["person_id"]))
    ev = ev[ev["verb"].isin(["shared_win", "shared_frustration"]) & _window_mask(ev, filt)]
    cohorts = store.query_df("SELECT cohort_id, name, start_date FROM cohorts").set_index("cohort_id")
    rows = []
    for cohort, people in by_cohort.groupby("cohort_id"):
        mine = ev[ev["person_id"].isin(set(people["person_id"])) & (ev["cohort_id"].isna() | (ev["cohort_id"] == cohort))]
        mine = mine.assign(month=[dt.date(d.year, d.month, 1) for d in mine["day"]])
        for month, g in mine.groupby("month"):
            rows.append({"cohort": cohorts.loc[cohort, "name"], "start_date": cohorts.loc[cohort, "start_date"],
                         "month": month, "wins": int((g["verb"] == "shared_win").sum()),
                         "frustrations": int((g["verb"] == "shared_frustration").sum())})
    frame = pd.DataFrame(rows, columns=["cohort", "start_date", "month", "wins", "frustrations"])
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
    catalog = _objects(store)
    q = v.merge(texts, on="event_id").sort_values(["occurred_at", "event_id"], ascending=[False, False])
    q = q.head(QUOTES_LIMIT)
    return pd.DataFrame({
        "occurred_at": pd.to_datetime(q["occurred_at"]), "name": [people[p] for p in q["person_id"]],
        "cohort": [None if pd.isna(c) else cohorts[c] for c in q["cohort_id"]], "verb": q["verb"],
        "about": [None if pd.isna(o) else (catalog.get(o, {}).get("name") or o) for o in q["object"]],
        "text": q["text"],
    }).reset_index(drop=True)


SCALARS = ("wins_shared", "frustrations_shared", "frustration_share")
TABLES = ("tool_adoption", "tool_adoption_curve", "tool_adoption_by_cohort", "voice_by_cohort", "voice_quotes")
