"""Who is signed in, checked again on every run: roles and disabling apply at once.

The session keeps only the account's email and when it was last active; the role is read
from the database on each run, so nothing cached carries one person's rights to another.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

import streamlit as st

from dashboard.store import get_store
from data_layer.access import auth, sessions
from data_layer.db.audit import utc_now
from data_layer.db.store import Store
from data_layer.domain.pages import page_of

COOKIE = "lcd_session"  # the session cookie set by the server's /auth/v1/session route (dashboard/routes.py)
SESSION_KEY = "auth_email"
TICKET = "auth_ticket"  # this tab's sign-in ticket (server side only; its session follows it)
TOKEN = "auth_token"  # the session cookie this tab was opened with (a refresh, a new tab, a link)
SEND_TICKET = "auth_send_ticket"
LAST_SEEN = "auth_last_seen"
MESSAGE = "auth_message"
IDLE_ENV = "LEARNING_CULTURE_IDLE_HOURS"


def idle_limit() -> dt.timedelta:
    """How long a session may sit idle: $LEARNING_CULTURE_IDLE_HOURS, default 12 hours."""
    try:
        hours = float(os.environ.get(IDLE_ENV, "12"))
    except ValueError:
        hours = 12.0
    return dt.timedelta(hours=hours if hours > 0 else 12.0)


def sso_configured() -> bool:
    """True when `[auth]` is set in .streamlit/secrets.toml (OIDC single sign-on)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def client_address() -> str | None:
    """Where a sign-in comes from: the connection's address, or behind a trusted proxy its X-Forwarded-For."""
    if os.environ.get("LEARNING_CULTURE_TRUST_PROXY_HEADERS", "").lower() in ("1", "true", "yes"):
        forwarded = (st.context.headers.get("X-Forwarded-For") or "").split(",")[0].strip()
        if forwarded:
            return forwarded
    return st.context.ip_address


def start_session(actor: auth.Actor) -> None:
    """Remember a successful sign-in in this tab, and have the browser trade its ticket for a cookie."""
    now = utc_now()
    st.session_state[SESSION_KEY] = actor.email
    st.session_state[LAST_SEEN] = now
    st.session_state[TICKET] = sessions.open_tab(get_store(), actor.email, now)
    st.session_state[SEND_TICKET] = True
    st.session_state.pop(TOKEN, None)
    st.session_state.pop(MESSAGE, None)


def send_ticket() -> None:
    """Once after a sign-in: the page posts this tab's ticket to /auth/v1/session, which sets the cookie."""
    if not st.session_state.pop(SEND_TICKET, False) or TICKET not in st.session_state:
        return
    base = "/" + str(st.get_option("server.baseUrlPath") or "").strip("/")
    url = (base.rstrip("/") + "/auth/v1/session").replace("//", "/")
    # Our own generated values only (a URL-safe ticket and a path), never a person's text.
    st.html(f"<script>fetch({json.dumps(url)}, {{method: 'POST', credentials: 'same-origin', "
            f"headers: {{'Content-Type': 'text/plain'}}, body: {json.dumps(st.session_state[TICKET])}}});</script>",
            unsafe_allow_javascript=True)


def end_session(message: str | None = None) -> None:
    """Forget the signed-in account (and say why, on the sign-in page)."""
    email = st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(LAST_SEEN, None)
    for name in (TICKET, TOKEN, SEND_TICKET):
        st.session_state.pop(name, None)
    # The filter and any page state belong to the person who leaves.
    for key in list(st.session_state.keys()):
        if str(key).startswith(("f_", "_filter", "lesson_", "form_")):
            del st.session_state[key]
    if message:
        st.session_state[MESSAGE] = message
    if email:
        actor = auth.active_actor(get_store(), email)
        if actor:
            auth.record_sign_out(get_store(), actor)


def _sso_actor() -> auth.Actor | None:
    if not sso_configured() or not getattr(st.user, "is_logged_in", False):
        return None
    email = str(st.user.get("email") or "")
    if st.session_state.get("sso_denied") == email:
        return None
    try:
        actor = auth.sign_in_sso(get_store(), email)
    except auth.SignInFailed as exc:
        st.session_state["sso_denied"] = email
        st.session_state[MESSAGE] = str(exc)
        return None
    start_session(actor)
    return actor


def _from_cookie(now: dt.datetime) -> auth.Actor | None:
    """A refresh, a new tab or a shared link: the session cookie, if it names a live session."""
    token = st.context.cookies.get(COOKIE)
    email = sessions.cookie_email(get_store(), token, now, idle_limit()) if token else None
    actor = auth.active_actor(get_store(), email) if email else None
    if actor is None:
        return None
    st.session_state[SESSION_KEY] = actor.email
    st.session_state[LAST_SEEN] = now
    st.session_state[TOKEN] = token
    return actor


def _session_lives(email: str, now: dt.datetime) -> bool:
    """The tab's session still exists (it ends at sign-out anywhere, disabling, role change, idleness)."""
    store = get_store()
    if TOKEN in st.session_state:
        return sessions.cookie_email(store, st.session_state[TOKEN], now, idle_limit()) == email
    if TICKET in st.session_state:
        return sessions.tab_email(store, st.session_state[TICKET], now, idle_limit()) == email
    return True  # single sign-on keeps its own cookie; tests set the account directly


def current_actor() -> auth.Actor | None:
    """The signed-in, active account, or None (signed out, idle too long, disabled)."""
    email = st.session_state.get(SESSION_KEY)
    now = utc_now()
    if email is None:
        return _from_cookie(now) or _sso_actor()
    if not _session_lives(str(email), now):
        end_session("You were signed out: the session ended (signed out elsewhere, the account changed, or "
                    "it was idle too long).")
        return None
    last = st.session_state.get(LAST_SEEN)
    if isinstance(last, dt.datetime) and auth.session_expired(last, now, idle_limit()):
        hours = idle_limit().total_seconds() / 3600
        end_session(f"You were signed out after {hours:g} hours without activity.")
        return None
    actor = auth.active_actor(get_store(), str(email))
    if actor is None:
        end_session("Your account is no longer active.")
        return None
    st.session_state[LAST_SEEN] = now
    return actor


def guard(page_file: str) -> auth.Actor:
    """A page's first line (`actor = guard(__file__)`): stop with 'not permitted' unless the signed-in account
    has the least role of the page's row in the page table (data_layer/domain/pages.py), then write its title."""
    page = page_of(page_file)
    actor = current_actor()
    if actor is None or not actor.can(page.role):
        st.error("Not permitted: sign in with an account that may see this page.", icon=":material/lock:")
        st.stop()
    if page.shown_title is not None:
        st.title(page.shown_title)
    return actor


def link_token(page_file: str) -> str:
    """A page a personal link opens (its row's `opens_with`, e.g. the answer form's `?t=`): the token, for the
    page to check and decide what shows; with no token the page is guarded by its row like any other."""
    page = page_of(page_file)
    token = str(st.query_params.get(page.opens_with) or "") if page.opens_with else ""
    if not token:
        guard(page_file)
    return token


def announce_setup_code(store: Store) -> None:
    """On an empty database, make sure a setup code exists and print it in the server's log
    (never on the page: seeing the page must not be enough to become its administrator)."""
    if auth.needs_setup(store) and not auth.setup_code_issued(store):
        code = auth.issue_setup_code(store)
        if code is not None:
            print(f"First run: the setup code is {code} (enter it on the dashboard's setup page).",
                  file=sys.stderr, flush=True)
