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

# URL paths of every page (st.Page derives them from the file names).
PAGE_PATHS = ("adoption", "barriers", "win_rates", "learning_health", "tools", "voice", "person", "book", "lesson",
              "tests", "postmortem", "plans", "actions", "alerts", "admin_import", "admin_people", "admin_users", "admin_audit",
              "goals", "my_assessment", "assessment_rounds", "outreach")
# A member's personal link opens this page signed out too (pages/answer.py: the token decides what shows).
ANSWER_PAGE = "pages/answer.py"


def pages_for(actor: auth.Actor) -> dict[str, list[st.Page]]:
    """The navigation a role may see (pages check the role again themselves)."""
    sections: dict[str, list[st.Page]] = {
        "Dashboards": [
            st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
            st.Page("pages/adoption.py", title="Adoption", icon=":material/group_add:"),
            st.Page("pages/barriers.py", title="Barriers", icon=":material/block:"),
            st.Page("pages/win_rates.py", title="Win rates", icon=":material/trophy:"),
            st.Page("pages/learning_health.py", title="Learning health", icon=":material/psychiatry:"),
            st.Page("pages/tools.py", title="Tools & resources", icon=":material/construction:"),
            st.Page("pages/voice.py", title="Cohort voice", icon=":material/forum:"),
            st.Page("pages/person.py", title="Learning records", icon=":material/badge:"),
            st.Page("pages/goals.py", title="Goals", icon=":material/flag:"),
        ],
    }
    # Acting on the numbers (issue 27): the member's own form, the editors' rounds and outreach queue.
    sections["Acting"] = [
        st.Page("pages/my_assessment.py", title="My assessment", icon=":material/quiz:"),
        st.Page(ANSWER_PAGE, title="Your assessment", url_path="answer", visibility="hidden"),
    ]
    if actor.can("editor"):
        sections["Acting"] += [
            st.Page("pages/assessment_rounds.py", title="Assessment rounds", icon=":material/assignment:"),
            st.Page("pages/outreach.py", title="Outreach queue", icon=":material/support_agent:"),
        ]
    sections["Book of Learning"] = [
        st.Page("pages/book.py", title="Book of Learning", icon=":material/menu_book:"),
        st.Page("pages/lesson.py", title="Lesson", icon=":material/article:", visibility="hidden"),
        st.Page("pages/tests.py", title="Tests and experiments", icon=":material/science:"),
    ]
    if actor.can("editor"):
        sections["Book of Learning"] += [
            st.Page("pages/postmortem.py", title="Log a post-mortem", icon=":material/edit_note:"),
            st.Page("pages/plans.py", title="Plans", icon=":material/event_note:"),
            st.Page("pages/actions.py", title="Follow-up actions", icon=":material/task_alt:"),
            st.Page("pages/alerts.py", title="Alerts", icon=":material/notifications:"),
        ]
    if actor.can("admin"):
        sections["Admin"] = [
            st.Page("pages/admin_import.py", title="Import", icon=":material/upload_file:"),
            st.Page("pages/admin_people.py", title="Cohorts & people", icon=":material/groups:"),
            st.Page("pages/admin_users.py", title="Users", icon=":material/manage_accounts:"),
            st.Page("pages/admin_audit.py", title="Audit trail", icon=":material/history:"),
        ]
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
                aliases = [st.Page(render_sign_in, title="Sign in", url_path=path) for path in PAGE_PATHS]
                if st.query_params.get("t"):  # a personal assessment link: the token decides (pages/answer.py)
                    aliases.append(st.Page(ANSWER_PAGE, title="Your assessment", url_path="answer"))
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
