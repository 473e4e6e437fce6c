"""Admin → Audit trail: every write, who made it and when. Read-only, filterable, downloadable."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import guard
from dashboard.components import download_table, empty
from dashboard.services import AuditQuery, read_trail
from dashboard.store import get_store

guard(__file__)
st.caption("Every write is recorded here in the same transaction as the write. Entries cannot be edited.")

c1, c2, c3, c4 = st.columns(4)
actor = c1.text_input("Who (contains)", key="audit_actor")
entity = c2.selectbox("What", ["", "session", "user", "lesson", "plan", "action", "section", "import"],
                      key="audit_entity", format_func=lambda v: v or "everything")
action = c3.text_input("Action (exact)", key="audit_action", placeholder="e.g. sign_in_failed")
text = c4.text_input("Id or summary (contains)", key="audit_text")
dates = st.date_input("Between", value=(), key="audit_dates", format="YYYY-MM-DD")
low, high = (dates[0], dates[1]) if isinstance(dates, tuple) and len(dates) == 2 else (None, None)

trail = read_trail(get_store(), AuditQuery(actor=actor, entity=entity, action=action.strip(), text=text,
                                           date_from=low, date_to=high))
if trail.empty:
    empty("No audit entries match these filters.")
else:
    st.caption(f"{len(trail):,} entries, newest first (at most 5,000 shown).")
    download_table(trail.rename(columns={"audit_id": "#", "occurred_at": "When (UTC)", "actor": "Who",
                                         "entity": "What", "entity_id": "Id", "action": "Action",
                                         "summary": "Summary"}), "audit-trail", key="audit")
