"""Alerts: tell people when a number moves (editors and admins)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.auth import guard
from dashboard.components import download_table, empty
from dashboard.loaders import cohort_names
from dashboard.services import REGISTRY, alerts, digest
from dashboard.settings import app_today
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData

actor = guard(__file__)
st.caption("An alert watches one number for some cohorts over the last days, and says so once when it crosses "
           "its line, and once when it is back (in Slack through an incoming webhook, or in a file). Below its "
           "minimum sample it stays silent. The server checks every alert after each import and every hour.")
store = get_store()
names = cohort_names()
metrics = alerts.alertable()

with st.form("new_alert", clear_on_submit=False):
    c1, c2 = st.columns(2)
    name = c1.text_input("Name", key="al_name", placeholder="Outreach slipping in Kestrel")
    metric = c2.selectbox("Number", metrics, key="al_metric", format_func=lambda m: REGISTRY[m].label)
    cohorts = st.multiselect("Cohorts (none: all)", list(names), key="al_cohorts", format_func=names.get)
    c3, c4, c5, c6 = st.columns(4)
    rule = c3.selectbox("When it", list(alerts.RULES), key="al_rule", format_func=alerts.RULES.get)
    line = c4.number_input("Line (rates in %, their change in pp)", value=70.0, step=1.0, key="al_line")
    window = c5.number_input("Over the last (days)", min_value=1, max_value=366, value=30, key="al_window")
    sample = c6.number_input("Minimum sample", min_value=0, value=10, key="al_sample",
                             help="Rates: the denominator (assessments, deals ...); counts: the count itself.")
    destination = st.text_input("Send to", key="al_dest", placeholder="https://hooks.slack.com/services/... or "
                                "file:/srv/alerts.log")
    if st.form_submit_button("Add the alert", type="primary"):
        unit = REGISTRY[metric].unit
        threshold = line / 100 if unit.fraction else line
        try:
            alerts.create(store, actor, name=name, metric=metric, cohorts=tuple(cohorts), window_days=int(window),
                          rule=rule, threshold=threshold, min_sample=int(sample), destination=destination.strip())
        except InvalidData as exc:
            for problem in exc.problems:
                st.error(problem.sentence)
        else:
            st.success(f"Alert {name!r} added.")

frame = alerts.listing(store)
if frame.empty:
    empty("No alerts yet.")
else:
    shown = pd.DataFrame({
        "Alert": frame["name"], "Number": frame["metric"].map(lambda m: REGISTRY[m].label),
        "Cohorts": frame["cohorts"].map(lambda c: ", ".join(names.get(x, x) for x in c) or "all"),
        "Rule": [f"{alerts.RULES[r]} {REGISTRY[m].unit.text(t)}" if r != "change" else
                 f"{alerts.RULES[r]} {REGISTRY[m].unit.difference(t).lstrip('+')}"
                 for r, m, t in zip(frame["rule"], frame["metric"], frame["threshold"], strict=True)],
        "State": frame["state"],
        "Last value": [REGISTRY[m].unit.text(v) if pd.notna(v) else "not checked yet"
                       for m, v in zip(frame["metric"], frame["last_value"], strict=True)],
        "Last message": [("" if pd.isna(e) else f"{e} {t:%Y-%m-%d %H:%M}" + ("" if d else f" NOT SENT: {p}"))
                         for e, t, d, p in zip(frame["last_event"], frame["last_event_at"], frame["delivered"],
                                               frame["problem"], strict=True)],
    })
    download_table(shown, "alerts", key="alerts")
    gone = st.selectbox("Remove an alert", [None, *frame["alert_id"]], key="al_delete",
                        format_func=lambda a: "—" if a is None else str(frame.set_index("alert_id").loc[a, "name"]))
    if gone is not None and st.button("Remove", key="al_remove"):
        alerts.delete(store, actor, gone)
        st.rerun()

st.divider()
st.subheader("The digest", help="Lessons published since the last digest (flops first, to celebrate them), overdue "
             "post-mortems and follow-up actions due with their owners, and the headline numbers with their change. "
             "The server sends it on schedule; `learning-culture digest` prints, writes or posts it by hand.")
where, every = digest.schedule(store)
if actor.can("admin"):
    with st.form("digest_schedule"):
        c1, c2 = st.columns([3, 1])
        dest = c1.text_input("Send to (empty: no scheduled digest)", value=where or "", key="dg_dest",
                             placeholder="https://hooks.slack.com/services/... or file:/srv/digest.log")
        days = c2.number_input("Every (days)", min_value=1, max_value=90, value=every, key="dg_every")
        if st.form_submit_button("Save the schedule"):
            try:
                digest.set_schedule(store, actor, dest, int(days))
            except InvalidData as exc:
                for problem in exc.problems:
                    st.error(problem.sentence)
            else:
                st.success("Saved." if dest.strip() else "The scheduled digest is off.")
                where, every = digest.schedule(store)
else:
    st.caption(f"Sent every {every} days to {where}." if where else "No scheduled digest: an admin can set one here.")
preview = digest.build(store, app_today())
with st.expander("This week's digest, as it will read", icon=":material/preview:"):
    st.code(digest.render(preview, slack=True), language=None, wrap_lines=True)
sent = digest.posts(store)
if sent.empty:
    empty("No digest sent yet.")
else:
    download_table(sent.rename(columns={"sent_at": "Sent", "since": "Since", "destination": "To",
                                        "delivered": "Delivered", "problem": "Problem"}), "digests", key="digests")
