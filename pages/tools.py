"""Tools & resources: which tools, tutorials and resources members take up, keep using, or find friction in."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.chart_speed import unvalidated
from dashboard.components import download_table, empty, no_data_guard
from dashboard.definitions import definition
from dashboard.filter_bar import describe, filter_bar
from dashboard.loaders import cohort_names, has_any_data, page_data
from data_layer.domain.vocabulary import OBJECT_KIND_LABELS

guard(__file__)
no_data_guard(has_any_data())
filt = filter_bar("tools")
data = page_data("tools", filt)  # everything this page shows, in one statement
st.caption(describe(filt, cohort_names()))

COLUMNS = {"name": "Name", "kind": "Kind", "launched_on": "Launched", "reached": "Members reached",
           "tutorial_completions": "Tutorial done", "first_users": "First use", "users": "Used",
           "repeat_users": "Used in 2+ weeks", "repeat_share": "Repeat share",
           "median_days_to_use": "Median days tutorial → use", "tutorial_without_use": "Tutorial, never used",
           "feedback": "Feedback", "frustrations": "Frustrations"}
SMALL = 5  # fewer users than this: a share or a median says little

objects = data["tool_adoption"]
st.subheader("Every tool, tutorial and resource", help=definition("tool_adoption"))
if objects.empty:
    empty("No member event in this selection names a tool, tutorial or resource, and objects.csv lists none. "
          "Events carry an `object` (tool_used, tutorial_completed, feedback_given, resource_subscribed); "
          "import objects.csv to give them names and launch dates.")
    st.stop()
used = objects[objects["users"] > 0]
c1, c2, c3 = st.columns(3)
c1.metric("Tools used", f"{len(used):,}", border=True, help="Objects at least one member used in the window.")
top = used.iloc[0] if len(used) else None
c2.metric("Most used", "none" if top is None else str(top["name"]), border=True,
          help="The object most members used in the window.")
friction = objects.sort_values(["frustrations", "users"], ascending=[False, True]).iloc[0]
c3.metric("Most frustrations", str(friction["name"]) if friction["frustrations"] else "none", border=True,
          help="The object members shared the most frustrations about in the window.")
shown = objects.assign(kind=objects["kind"].map(lambda k: OBJECT_KIND_LABELS.get(k, "") if isinstance(k, str) else ""))
# A repeat share over a handful of users reads as a trend it is not: left blank, with the counts beside it.
shown.loc[shown["users"] < SMALL, "repeat_share"] = float("nan")
shown["repeat_share"] = (shown["repeat_share"] * 100).round(0)  # whole percentages, as every rate in a table
download_table(shown[list(COLUMNS)].rename(columns=COLUMNS), "tools-and-resources", key="tools",
               column_config={"Repeat share": st.column_config.NumberColumn(
                   format="%.0f%%", help=f"Used in 2+ weeks / used; blank under {SMALL} users")})
st.caption(f"Repeat share is left blank under {SMALL} users. Objects without a name in objects.csv show their id.")

st.subheader("Adoption since launch", help=definition("tool_adoption_curve"))
curve = data["tool_adoption_curve"]
if curve.empty:
    empty("No member has used a tool in this selection yet.")
else:
    names = list(dict.fromkeys(used["name"]))
    chosen = st.multiselect("Show", names, default=names[:4], key="tools_curve")
    part = curve[curve["name"].isin(chosen)]
    if part.empty:
        empty("Choose a tool to see its curve.")
    else:
        st.altair_chart(unvalidated(charts.adoption_curve_chart(part)), width="stretch")
        st.caption("Members who had used it by the end of each week since its launch, out of all members in the "
                   "selection. Without a launch date in objects.csv, week 0 is the first member event on it.")

st.subheader("By cohort", help=definition("tool_adoption_by_cohort"))
by_cohort = data["tool_adoption_by_cohort"]
if by_cohort.empty:
    empty("No cohort's members have an event on a tool or resource in this window.")
else:
    download_table(by_cohort.drop(columns=["object"]).rename(columns={
        "cohort": "Cohort", "name": "Name", "reached": "Members reached", "tutorial_completions": "Tutorial done",
        "users": "Used", "repeat_users": "Used in 2+ weeks", "feedback": "Feedback", "frustrations": "Frustrations"}),
        "tools-by-cohort", key="tools_cohort")
