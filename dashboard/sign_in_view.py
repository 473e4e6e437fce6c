"""The sign-in form, shown at every page address while signed out (so a deep link survives)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.auth import MESSAGE, client_address, sso_configured, start_session
from dashboard.store import get_store
from data_layer.access import auth


def render() -> None:
    """Email and password (or single sign-on); demo credentials on demo databases only."""
    st.title("Sign in")
    st.caption("Learning Culture Dashboard")
    if MESSAGE in st.session_state:
        st.warning(st.session_state[MESSAGE])

    with st.form("sign_in", enter_to_submit=True):
        email = st.text_input("Email", key="sign_in_email", autocomplete="username")
        password = st.text_input("Password", type="password", key="sign_in_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")

    if submitted:
        if not email.strip() or not password:
            st.error("Enter your email and your password.")
        else:
            try:
                actor = auth.sign_in(get_store(), email, password, client=client_address())
            except auth.SignInFailed as exc:
                st.error(str(exc))
            else:
                start_session(actor)
                st.rerun()

    if sso_configured():
        st.divider()
        if st.button("Sign in with single sign-on", icon=":material/key:"):
            st.login()

    if auth.is_demo(get_store()):
        st.divider()
        st.info("This is a demo database. Try any role:", icon=":material/science:")
        st.dataframe(pd.DataFrame([{"Role": role, "Email": email, "Password": password}
                                   for email, _name, role, password in auth.DEMO_USERS]), hide_index=True)
