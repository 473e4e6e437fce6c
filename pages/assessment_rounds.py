"""Assessment rounds (editors): open a readiness round for cohorts, hand out the personal links, follow answers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.acting_view import app_address
from dashboard.auth import guard
from dashboard.components import download_table, empty
from dashboard.loaders import cohort_names
from dashboard.safe_text import as_markdown
from dashboard.services import instrument, rounds, safe_csv
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData, LearningCultureError
from data_layer.domain.vocabulary import ASSESSMENT_KIND_LABELS, BARRIERS, DIMENSIONS

actor = guard(__file__)
st.caption("Open a readiness assessment for one or more cohorts: every current member gets a personal link "
           "(no account needed) to answer on any device. Links are shown once, here, right after opening: copy them "
           "or download the CSV for a mail merge. Answers count the moment they are sent, and the member joins the "
           "outreach queue.")
store = get_store()
names = cohort_names()
ISSUED = "rounds_issued"  # the links just made: shown until the page is left (they exist nowhere else)


def show_issued(issued: list[rounds.Issued]) -> None:
    base = app_address()
    frame = pd.DataFrame({"name": [i.name for i in issued], "email": [i.email for i in issued],
                          "cohort": [names.get(i.cohort_id, i.cohort_id) for i in issued],
                          "link": [rounds.link_url(base, i.token) for i in issued]})
    st.warning("Copy or download these links now: they are shown only once (only a fingerprint of each is kept).",
               icon=":material/key:")
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config={"link": st.column_config.TextColumn("Personal link", width="large")})
    st.download_button("Download the links (CSV for a mail merge)", safe_csv(frame), file_name="assessment-links.csv",
                       mime="text/csv", key="dl_links", icon=":material/download:")


with st.form("open_round"):
    c1, c2, c3 = st.columns(3)
    name = c1.text_input("Name", key="rd_name", placeholder="Aurora baseline")
    kind = c2.selectbox("Kind", list(ASSESSMENT_KIND_LABELS), key="rd_kind", format_func=ASSESSMENT_KIND_LABELS.get)
    closes_on = c3.date_input("Links expire after", value=dt.date.today() + dt.timedelta(days=14), key="rd_closes")
    cohorts = st.multiselect("Cohorts", list(names), key="rd_cohorts", format_func=names.get)
    st.markdown(f"**Statements** ({instrument.MIN_STATEMENTS} to {instrument.MAX_STATEMENTS} per dimension, one per "
                "line, answered on a 1-5 agreement scale; agreeing should mean more ready)")
    statements = {}
    cols = st.columns(2)
    for i, (dim, texts) in enumerate(instrument.DEFAULT_STATEMENTS.items()):
        statements[dim] = cols[i % 2].text_area(DIMENSIONS.get(dim, dim), "\n".join(texts), key=f"rd_q_{dim}",
                                                height=120).splitlines()
    barriers = st.multiselect("Barrier checklist (members also get a free-text box)", list(BARRIERS),
                              default=list(BARRIERS), key="rd_barriers", format_func=BARRIERS.get)
    if st.form_submit_button("Open the round", type="primary"):
        try:
            _, issued = rounds.open_round(store, actor, name=name, kind=kind, cohorts=cohorts, statements=statements,
                                          barriers=barriers, closes_on=closes_on)
        except InvalidData as exc:
            st.error(as_markdown(" ".join(p.sentence for p in exc.problems)))
        else:
            st.session_state[ISSUED] = issued

if st.session_state.get(ISSUED):
    st.subheader("New links")
    show_issued(st.session_state[ISSUED])

st.subheader("Rounds")
listing = rounds.rounds(store)
if listing.empty:
    empty("No assessment round yet.")
    st.stop()
labels = {r.round_id: f"{r.name} ({ASSESSMENT_KIND_LABELS.get(r.kind, r.kind)}, {r.answered}/{r.links} answered)"
          for r in listing.itertuples()}
chosen = st.selectbox("Round", list(labels), key="rd_round", format_func=labels.get)
row = listing.set_index("round_id").loc[chosen]
closes = pd.Timestamp(row["closes_on"]).date()
st.caption(f"Cohorts: {', '.join(names.get(c, c) for c in row['cohorts'])} · links expire after {closes:%d %b %Y}"
           + (" · closed early" if pd.notna(row["closed_at"]) else ""))
people = rounds.links(store, chosen)
shown = people.drop(columns=["link_id"]).assign(cohort=people["cohort_id"].map(lambda c: names.get(c, c)))
for column in ("saved_at", "submitted_at"):
    shown[column] = pd.to_datetime(shown[column]).dt.strftime("%Y-%m-%d %H:%M UTC").fillna("")
download_table(shown[["name", "email", "cohort", "state", "saved_at", "submitted_at"]].rename(
    columns={"saved_at": "last saved", "submitted_at": "sent"}), f"round-{chosen}", key="round_links")
live = people[people["state"].isin(["not started", "started"])]
if not live.empty:
    c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    who = c1.selectbox("Member", list(live["link_id"]), key="rd_member",
                       format_func=dict(zip(live["link_id"], live["name"], strict=True)).get)
    try:
        if c2.button("New link (shown once)", key="rd_reissue"):
            st.session_state[ISSUED] = [rounds.reissue(store, actor, who)]
            st.rerun()
        if c3.button("Withdraw the link", key="rd_revoke"):
            rounds.revoke(store, actor, who)
            st.rerun()
    except LearningCultureError as exc:
        st.error(as_markdown(str(exc)))
if pd.isna(row["closed_at"]) and st.button("Close the round now", key="rd_close"):
    rounds.close_round(store, actor, chosen)
    st.rerun()
