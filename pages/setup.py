"""First run: a database with no accounts creates its first administrator here, and nothing else."""

from __future__ import annotations

import streamlit as st

from dashboard.auth import announce_setup_code, start_session
from dashboard.services import auth
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData

st.title("Welcome")
st.write("This database has no accounts yet. Create the first administrator; "
         "they can then add everyone else under Admin → Users.")
announce_setup_code(get_store())  # printed in the server's log once, for whoever runs the server
st.caption("To prove you run this server, enter the setup code it printed in its log "
           "(\"First run: the setup code is …\"; `learning-culture setup-code` prints a new one).")

with st.form("setup"):
    code = st.text_input("Setup code", key="setup_code", placeholder="XXXX-XXXX-XXXX-XXXX")
    name = st.text_input("Your name", key="setup_name")
    email = st.text_input("Email", key="setup_email", autocomplete="username")
    password = st.text_input(f"Password (at least {auth.MIN_PASSWORD_LENGTH} characters)", type="password",
                             key="setup_password", autocomplete="new-password")
    repeat = st.text_input("Repeat the password", type="password", key="setup_repeat", autocomplete="new-password")
    submitted = st.form_submit_button("Create administrator", type="primary")

if submitted:
    if password != repeat:
        st.error("The two passwords differ.")
    else:
        try:
            actor = auth.create_first_admin(get_store(), email, name, password, code)
        except InvalidData as exc:
            for problem in exc.problems:
                st.error(problem.sentence)
        except auth.NotPermitted as exc:
            st.error(str(exc))
        else:
            start_session(actor)
            st.rerun()
