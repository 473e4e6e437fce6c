"""Admin → Users: add accounts, change roles, disable, reset passwords, unlock sign-in."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard.auth import guard
from dashboard.safe_text import as_markdown
from dashboard.services import accounts, auth
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData

actor = guard(__file__)
store = get_store()
DONE = "users_done"
# Fields a successful change empties (a password never stays typed in).
CLEARED = ("add_email", "add_name", "add_password", "add_sso", "reset_password")

if DONE in st.session_state:
    st.success(as_markdown(st.session_state.pop(DONE)), icon=":material/check_circle:")
    for key in CLEARED:
        st.session_state.pop(key, None)


def attempt(action: str, operation: Callable[..., object], params: object) -> None:
    """Run one admin operation (the same as `learning-culture users ...`); on success refresh the page (table
    and forms), else say why in a sentence."""
    try:
        operation(store, actor, params)
    except InvalidData as exc:
        st.error(as_markdown(" ".join(p.sentence for p in exc.problems) or str(exc)))
    except auth.NotPermitted as exc:
        st.error(as_markdown(str(exc)))
    else:
        st.session_state[DONE] = action
        st.rerun()


users = auth.list_users(store, actor)
locked = set(auth.locked_accounts(store))
table = users.rename(columns={"email": "Email", "name": "Name", "role": "Role", "disabled": "Disabled",
                              "person_id": "Person", "created_at": "Created", "has_password": "Password"})
table["Locked out"] = users["email"].isin(locked)
st.dataframe(table, hide_index=True, width="stretch")

add, change, reset, unlock = st.tabs(["Add a user", "Role or access", "Reset a password", "Unlock sign-in"])
with add, st.form("add_user", clear_on_submit=False):
    email = st.text_input("Email", key="add_email")
    name = st.text_input("Name", key="add_name")
    role = st.selectbox("Role", ["viewer", "editor", "admin"], key="add_role")
    sso_only = st.checkbox("Single sign-on only (no password)", key="add_sso")
    password = st.text_input(f"Initial password (at least {auth.MIN_PASSWORD_LENGTH} characters)",
                             type="password", key="add_password", disabled=False)
    if st.form_submit_button("Add user", type="primary"):
        attempt(f"Added {email.strip().lower()} as {role}.", accounts.add_account, accounts.AddParams(
            email=email, name=name, role=role, password=None if sso_only else password))
with change:
    emails = list(users["email"])
    who = st.selectbox("Account", emails, key="change_email")
    c1, c2 = st.columns(2)
    new_role = c1.selectbox("New role", ["viewer", "editor", "admin"], key="change_role")
    if c1.button("Change role", key="change_role_btn"):
        attempt(f"{who} is now {new_role}.", accounts.set_role, accounts.SetRoleParams(email=who, role=new_role))
    disabled = bool(users.loc[users["email"] == who, "disabled"].iloc[0]) if who else False
    if c2.button("Enable account" if disabled else "Disable account", key="toggle_btn"):
        attempt(f"{who} {'enabled' if disabled else 'disabled'}.", accounts.disable,
                accounts.DisableParams(email=who, enable=disabled))
with reset, st.form("reset_password"):
    who = st.selectbox("Account", list(users["email"]), key="reset_email")
    new_password = st.text_input("New password", type="password", key="reset_password")
    if st.form_submit_button("Reset password"):
        attempt(f"Password of {who} reset.", accounts.reset_password,
                accounts.PasswordParams(email=who, password=new_password))
with unlock:
    st.caption("After repeated wrong passwords an account waits before its next try (from the address that "
               "failed, and from everywhere after many failures). Unlock it here once you know it is its owner.")
    if locked:
        target = st.selectbox("Locked account", sorted(locked), key="unlock_email")
        if st.button("Unlock", key="unlock_btn", icon=":material/lock_open:"):
            attempt(f"{target} can sign in again.", accounts.unlock, accounts.EmailParams(email=target))
    else:
        st.info("No account is locked out right now.")
