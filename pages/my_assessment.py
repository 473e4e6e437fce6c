"""My assessment: a signed-in member answers their open readiness round inside the app."""

from __future__ import annotations

import streamlit as st

from dashboard.assessment_form import render
from dashboard.auth import guard
from dashboard.services import answers
from dashboard.store import get_store

actor = guard(__file__)
forms = answers.open_for_account(get_store(), actor.email)
if not forms:
    st.title("My assessment")
    st.info("No readiness assessment is waiting for you.", icon=":material/info:")
else:
    render(forms[0], email=actor.email)
