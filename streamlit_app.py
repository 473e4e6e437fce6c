"""Entrypoint: signs people in, then builds the page list for their role and runs the page.

Nothing of the app is visible before sign-in: without an account only the sign-in (or, on
a database with no accounts, the first-run setup) page exists. Each page guards itself too.

The file has two lives. Streamlit runs it as the script of every page view (its module is
then named "__main__"). `streamlit run streamlit_app.py` also imports it once, as a module,
to find the server: the `app = st.App(...)` at the foot, the dashboard plus our HTTP routes
(dashboard/routes.py: the session cookie), so the routes exist however the server is started.
"""

from __future__ import annotations

import streamlit as st

import dashboard.charts  # noqa: F401  (registers the Altair theme once per process)
from dashboard.auth import current_actor, end_session, send_ticket
from dashboard.services import auth, escape_markdown, incidents
from dashboard.sign_in_view import render as render_sign_in
from dashboard.store import get_store
from data_layer.domain.errors import LearningCultureError
from data_layer.domain.pages import PAGES


def pages_for(actor: auth.Actor) -> dict[str, list[st.Page]]:
    """The navigation a role may see, from the page table (pages check the role again themselves)."""
    sections: dict[str, list[st.Page]] = {}
    for page in PAGES:
        if actor.can(page.role):
            sections.setdefault(page.section, []).append(st.Page(
                page.file, title=page.title, icon=page.icon, default=page.default,
                visibility="hidden" if page.hidden else "visible"))
    return sections


def main() -> None:
    """One page view: sign-in (or setup) when nobody is signed in, else the role's navigation."""
    st.set_page_config(page_title="Learning Culture Dashboard", page_icon=":material/school:", layout="wide")
    try:
        store = get_store()
        if auth.needs_setup(store):
            st.navigation([st.Page("pages/setup.py", title="Setup", icon=":material/rocket_launch:")]).run()
        else:
            actor = current_actor()
            if actor is None:
                # Every page address shows the sign-in form while signed out, so a shared deep link
                # opens on its page right after signing in (and reveals nothing before).
                # A page a personal link opens (the answer form's `?t=`) is itself when its parameter is there.
                aliases = [st.Page(page.file, title=page.title, url_path=page.key)
                           if page.opens_with and st.query_params.get(page.opens_with)
                           else st.Page(render_sign_in, title="Sign in", url_path=page.key)
                           for page in PAGES if not page.default]
                st.navigation([st.Page("pages/sign_in.py", title="Sign in", icon=":material/login:", default=True),
                               *aliases], position="hidden").run()
            else:
                with st.sidebar:
                    st.caption(f"Signed in as **{escape_markdown(actor.name or actor.email)}** · {actor.role}")
                    if st.button("Sign out", key="sign_out", icon=":material/logout:"):
                        end_session()
                        if getattr(st.user, "is_logged_in", False):
                            st.logout()
                        st.rerun()
                    send_ticket()
                st.navigation(pages_for(actor), expanded=True).run()
    except LearningCultureError as exc:
        # Our errors carry a sentence for people; never show a driver traceback.
        st.error(escape_markdown(str(exc)))
    except Exception as exc:  # noqa: BLE001 - anything else: a sentence and an incident id, the traceback to the log
        st.error(incidents.sentence(incidents.record(exc)), icon=":material/error:")


if __name__ == "__main__":  # a page view (Streamlit's script runner names the module "__main__")
    main()
else:  # imported by `streamlit run` / an ASGI server to find the server app
    from starlette.middleware import Middleware

    from dashboard import api
    from dashboard.routes import ROUTES
    from dashboard.serve import disable_legacy_pages_folder

    disable_legacy_pages_folder()  # the entrypoint decides every page, even on a fresh server's first view
    app = st.App(__file__, routes=[*ROUTES, *api.ROUTES], middleware=[Middleware(api.PrivateStatus)],
                 lifespan=api.lifespan)
