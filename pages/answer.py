"""A member's readiness form, opened by their personal link (`/answer?t=...`): no account needed.

The token alone decides what shows: a valid one opens that person's form and nothing else; a
made-up, withdrawn, used or expired one gets one sentence.
"""

from __future__ import annotations

import streamlit as st

from dashboard.assessment_form import SENT, render
from dashboard.auth import link_token
from dashboard.safe_text import as_markdown
from dashboard.services import answers
from dashboard.store import get_store

token = link_token(__file__)
try:
    form = answers.open_by_token(get_store(), token)
except answers.LinkRefused as exc:
    if st.session_state.get(SENT):  # sent in this tab a moment ago: the link is used now
        st.success("Thank you: your answers were sent. The partnership team will be in touch.",
                   icon=":material/check_circle:")
    else:
        st.info(as_markdown(str(exc)), icon=":material/link_off:")
else:
    render(form, token=token)
