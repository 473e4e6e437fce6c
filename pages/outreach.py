"""Outreach queue (editors): whom to reach out to today, oldest first, with the 24-hour clock.

Every member who sent an assessment in the product and has had no outreach since. "Reached out"
records an `outreach_received` event at once, so the outreach-within-24-hours rate on Adoption
and the Overview moves on the next view; "Snooze" puts a task aside for some hours (its clock
keeps running) and "Not needed" takes it off, each with a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard.acting_view import clear_after_outreach
from dashboard.auth import guard
from dashboard.components import empty
from dashboard.loaders import cohort_names
from dashboard.safe_text import as_markdown
from dashboard.services import outreach
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData, LearningCultureError

actor = guard(__file__)
st.caption("Members who sent their readiness assessment in the product and have not been reached out to yet, "
           "oldest first. The partnership team aims to reach out within 24 hours of the answers.")
store = get_store()
DONE = "outreach_done"
now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
if DONE in st.session_state:
    st.success(as_markdown(st.session_state.pop(DONE)), icon=":material/check_circle:")

counts = outreach.counts(store, now)
c1, c2 = st.columns(2)
c1.metric("Waiting for outreach", f"{counts.size:,}", border=True,
          help="Assessments sent in the product with no outreach since (snoozed ones included).")
c2.metric("Waiting over 24 h", f"{counts.breaches:,}", border=True,
          help="Of those, the ones sent more than 24 hours ago.")

names = cohort_names()
team = outreach.team(store)
owners = {"": "Unassigned", **dict(zip(team["email"], team["name"], strict=True))}
f1, f2 = st.columns(2)
cohort = f1.selectbox("Cohort", [None, *names], key="oq_cohort", format_func=lambda c: "All cohorts" if c is None
                      else names.get(c, c))
owner = f2.selectbox("Owner", [None, *owners], key="oq_owner",
                     format_func=lambda o: "Everyone" if o is None else owners.get(o, o))
frame = outreach.queue(store, now, cohort=cohort, owner=owner)


def attempt(message: str, fn: Callable[..., object], *args: object, **kwargs: object) -> None:
    """One write; on success the caches it affects are cleared and the queue is read again."""
    try:
        fn(store, actor, *args, **kwargs)
    except InvalidData as exc:
        st.error(as_markdown(" ".join(p.sentence for p in exc.problems)))
    except LearningCultureError as exc:
        st.error(as_markdown(str(exc)))
    else:
        clear_after_outreach()
        st.session_state[DONE] = message
        st.rerun()


def clock(row: pd.Series) -> str:
    left = float(row["hours_left"])
    if left < 0:
        return f":red[**Past 24 h** by {-left:.1f} h]"
    return f"**{left:.1f} h left**"


if frame.empty:
    empty("Nobody is waiting for outreach" + (" with these filters." if cohort or owner is not None else "."))
for row in frame.head(100).itertuples(index=False):
    series = pd.Series(row._asdict())
    aid = str(row.assessment_id)
    with st.container(border=True, key=f"oq_row_{aid}"):
        st.markdown(f"**{as_markdown(row.name)}** · {as_markdown(row.cohort or 'no cohort')} · manager "
                    f"{as_markdown(row.manager or 'none')} · {clock(series)}")
        st.markdown(f"Assessed {pd.Timestamp(row.taken_at):%d %b %H:%M} UTC · lowest: {as_markdown(row.lowest)} · "
                    f"barriers: {as_markdown(row.barrier_words)}"
                    + (f" · owner {as_markdown(owners.get(row.owner_email, row.owner_email))}" if row.owner_email
                       else ""))
        if isinstance(row.barrier_notes, str) and row.barrier_notes.strip():
            st.caption("In their words: " + as_markdown(row.barrier_notes))
        with st.form(f"oq_reach_{aid}", border=False):
            a, b, c = st.columns([1, 2, 1], vertical_alignment="bottom")
            channel = a.selectbox("Channel", list(outreach.CHANNELS), key=f"oq_ch_{aid}",
                                  format_func=outreach.CHANNELS.get)
            note = b.text_input("Note", key=f"oq_note_{aid}", placeholder="Booked a partner intro for Thursday")
            if c.form_submit_button("Reached out", type="primary", icon=":material/call:"):
                attempt(f"Outreach to {row.name} recorded.", outreach.reached_out, aid, channel=channel, note=note)
        with st.popover("Snooze, not needed, assign", icon=":material/more_horiz:"):
            with st.form(f"oq_snooze_{aid}", border=False):
                hours = st.selectbox("Snooze for (hours)", outreach.SNOOZE_HOURS, key=f"oq_h_{aid}")
                reason = st.text_input("Reason", key=f"oq_sr_{aid}")
                if st.form_submit_button("Snooze"):
                    attempt(f"{row.name} snoozed for {hours} h.", outreach.snooze, aid, hours=hours, reason=reason)
            with st.form(f"oq_nn_{aid}", border=False):
                reason = st.text_input("Reason", key=f"oq_nr_{aid}", placeholder="Already talking to the team")
                if st.form_submit_button("Not needed"):
                    attempt(f"{row.name} taken off the queue.", outreach.not_needed, aid, reason=reason)
            with st.form(f"oq_as_{aid}", border=False):
                to = st.selectbox("Assign to", list(owners), key=f"oq_to_{aid}", format_func=owners.get)
                if st.form_submit_button("Assign"):
                    attempt(f"{row.name} assigned to {owners.get(to)}.", outreach.assign, aid, to or None)
if len(frame) > 100:
    st.caption(f"The oldest 100 of {len(frame):,} are shown; filter by cohort or owner to see others.")
