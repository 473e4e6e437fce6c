"""One lesson: what was learned, its plan, follow-up actions, history; workflow for editors."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.formatting import count, lift_interval, lift_unit
from dashboard.loaders import clear_analytics
from dashboard.safe_text import as_markdown
from dashboard.services import experiments, history_of, postmortems
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData

actor = guard(__file__)
store = get_store()
lesson_id = st.query_params.get("lesson")
row = postmortems.lesson(store, lesson_id) if lesson_id else None
# Viewers read published lessons only; drafts are the writers' business.
if row is None or (row["status"] != "published" and not actor.can("editor")):
    st.title("Lesson")
    st.info("No such lesson here. Find one in the Book of Learning.")
    st.page_link("pages/book.py", label="Book of Learning", icon=":material/menu_book:")
    st.stop()

if st.query_params.get("saved"):
    st.success("Saved.", icon=":material/check:")
st.title(as_markdown(row["title"]), anchor=False)  # titles render Markdown: people's text is escaped
status_label = {"draft": "Draft", "in_review": "In review", "published": "Published"}[row["status"]]
outcome = row["outcome"] if isinstance(row["outcome"], str) else "outcome not set"
meta = [status_label, as_markdown(row["section_label"] or row["section"]), f"{pd.Timestamp(row['occurred_on']):%d %b %Y}",
        f"**{as_markdown(outcome)}**", "by " + as_markdown(row["author_name"] if isinstance(row["author_name"], str)
                                                           else row["author_id"])]
if isinstance(row["cohort_name"], str):
    meta.append("cohort " + as_markdown(row["cohort_name"]))
st.markdown(" · ".join(meta))
if outcome == "flopped" and row["status"] == "published":
    st.info("A flop, published: thank you. This is how the next team avoids the same mistake.",
            icon=":material/celebration:")
elif outcome == "flopped":
    st.info("A flop, written down: once published, the next team can avoid the same mistake.",
            icon=":material/edit_note:")

left, right = st.columns([3, 2], gap="large")
with left:
    for label, key in (("What we hoped to learn", "learning_goal"), ("What happened", "what_happened"),
                       ("Lessons", "lessons"), ("Recommendations", "recommendations")):
        st.subheader(label, anchor=False)
        value = row[key]
        st.markdown(as_markdown(value) if isinstance(value, str) and value else "_not written yet_")
    tags = list(row["tags"]) if row["tags"] is not None else []
    if tags:
        st.caption("Tags: " + ", ".join(as_markdown(t) for t in tags))
with right:
    if isinstance(row["plan_name"], str):
        st.markdown("**Plan:** " + as_markdown(row["plan_name"]))
    test = experiments.result_for(store, row["plan_id"] if isinstance(row["plan_id"], str) else None)
    if test is not None:  # the plan was a test: its result, as the locked rule reads it
        st.markdown(f"**Test result:** {test.outcome} (primary metric: {as_markdown(test.primary_metric)})")
        if test.lifts:
            lifts = pd.DataFrame([{"variant": lift.variant, "lift": lift.value, "low": lift.low, "high": lift.high}
                                  for lift in test.lifts])
            st.altair_chart(charts.test_lift_chart(lifts, test.measure == "conversion"), width="stretch")
            st.caption("Each variant's lift over the control with its 95 % interval: " + "; ".join(
                f"{lift.variant} {lift_unit(test.measure).text(lift.value)} "
                f"({lift_interval(test.measure, lift.low, lift.high)})" for lift in test.lifts) + ".")
    st.metric("Applied by", count(int(row["applied"]), "person", "people"), border=True,
              help="People who said they reused this lesson in their own work.")
    if actor.can("editor") and row["status"] == "published":
        if st.button("I applied this", key="lesson_apply", icon=":material/thumb_up:"):
            try:
                fresh = postmortems.record_application(store, actor, lesson_id)
            except InvalidData as exc:
                st.error(str(exc))
            else:
                st.toast("Thanks, noted." if fresh else "You had already said so.")
                st.rerun()
    st.subheader("Follow-up actions", anchor=False)
    acts = postmortems.actions_of(store, lesson_id)
    if acts.empty:
        st.caption("No follow-up actions.")
    else:
        st.dataframe(acts[["description", "owner", "due_on", "done_on"]].rename(columns={
            "description": "What", "owner": "Owner", "due_on": "Due", "done_on": "Done"}), hide_index=True,
            column_config={"Due": st.column_config.DateColumn(format="YYYY-MM-DD"),
                           "Done": st.column_config.DateColumn(format="YYYY-MM-DD")})

    if actor.can("editor"):
        st.subheader("Workflow", anchor=False)
        status = row["status"]
        missing = postmortems.missing_for_publishing(store, lesson_id)
        if status == "draft":
            if missing:
                st.caption("Before review it needs: " + ", ".join(m.replace("_", " ") for m in missing) + ".")
            if st.button("Submit for review", key="wf_review", disabled=bool(missing)):
                postmortems.transition(store, actor, lesson_id, "in_review")
                st.rerun()
        if status == "in_review" and st.button("Publish", key="wf_publish", type="primary"):
            postmortems.transition(store, actor, lesson_id, "published")
            clear_analytics()
            st.rerun()
        if status in ("in_review", "published"):
            with st.form("wf_back"):
                reason = st.text_input("Why does it go back to draft?", key="wf_reason")
                if st.form_submit_button("Back to draft"):
                    try:
                        postmortems.transition(store, actor, lesson_id, "draft", reason)
                    except InvalidData as exc:
                        st.error(str(exc))
                    else:
                        clear_analytics()
                        st.rerun()
        st.page_link("pages/postmortem.py", label="Edit", query_params={"lesson": lesson_id}, icon=":material/edit:")

    st.subheader("History", anchor=False)
    hist = history_of(store, "lesson", lesson_id)
    st.dataframe(hist.rename(columns={"occurred_at": "When (UTC)", "actor": "Who", "action": "What",
                                      "summary": "Note"}), hide_index=True)
