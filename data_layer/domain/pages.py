"""The app's pages, one row each: the one place a page's facts live.

The navigation (streamlit_app.py), deep links, each page's own guard (dashboard/auth.py), the
metric registry's page names (data_layer/analytics/registry.py), docs/metrics.md and the
tests' role matrix are all derived from this table. Plain data, so every layer may read it;
only dashboard/ turns it into Streamlit pages.

To add a page: write `pages/<key>.py` (starting with `actor = guard(__file__)`) and add its row
below, in the section and order the navigation shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DASHBOARDS, ACTING, BOOK, ADMIN = "Dashboards", "Acting", "Book of Learning", "Admin"


@dataclass(frozen=True)
class Page:
    """One page: its key (the file `pages/<key>.py`, its URL path and the metrics' page name), what the
    navigation shows, and the least role that may open it."""

    key: str
    title: str                 # in the navigation
    icon: str                  # a Material icon, as Streamlit names it
    section: str               # the navigation's group
    role: str                  # the least role that may open it: viewer, editor or admin
    heading: str | None = ""   # the page's own title: "" = the same as `title`; None = the page writes its own
    hidden: bool = False       # reached by links only (not listed in the navigation)
    default: bool = False      # where a signed-in person lands
    opens_with: str | None = None  # a query parameter (a personal link's token) that opens the page signed out

    @property
    def file(self) -> str:
        return f"pages/{self.key}.py"

    @property
    def shown_title(self) -> str | None:
        """The heading the guard writes once the role is checked (None: the page writes its own)."""
        return self.title if self.heading == "" else self.heading


PAGES: tuple[Page, ...] = (
    Page("overview", "Overview", ":material/dashboard:", DASHBOARDS, "viewer", default=True),
    Page("adoption", "Adoption", ":material/group_add:", DASHBOARDS, "viewer"),
    Page("barriers", "Barriers", ":material/block:", DASHBOARDS, "viewer"),
    Page("win_rates", "Win rates", ":material/trophy:", DASHBOARDS, "viewer"),
    Page("learning_health", "Learning health", ":material/psychiatry:", DASHBOARDS, "viewer"),
    Page("tools", "Tools & resources", ":material/construction:", DASHBOARDS, "viewer"),
    Page("voice", "Cohort voice", ":material/forum:", DASHBOARDS, "viewer"),
    Page("person", "Learning records", ":material/badge:", DASHBOARDS, "viewer", heading="Learning record"),
    Page("goals", "Goals", ":material/flag:", DASHBOARDS, "viewer"),
    # Acting on the numbers: a member's own form, the public personal-link form, rounds and the outreach queue.
    Page("my_assessment", "My assessment", ":material/quiz:", ACTING, "viewer", heading=None),
    Page("answer", "Your assessment", ":material/quiz:", ACTING, "viewer", heading=None, hidden=True, opens_with="t"),
    Page("assessment_rounds", "Assessment rounds", ":material/assignment:", ACTING, "editor"),
    Page("outreach", "Outreach queue", ":material/support_agent:", ACTING, "editor"),
    Page("book", "Book of Learning", ":material/menu_book:", BOOK, "viewer"),
    Page("lesson", "Lesson", ":material/article:", BOOK, "viewer", heading=None, hidden=True),
    Page("tests", "Tests and experiments", ":material/science:", BOOK, "viewer"),
    Page("postmortem", "Log a post-mortem", ":material/edit_note:", BOOK, "editor", heading=None),
    Page("plans", "Plans", ":material/event_note:", BOOK, "editor"),
    Page("actions", "Follow-up actions", ":material/task_alt:", BOOK, "editor"),
    Page("alerts", "Alerts", ":material/notifications:", BOOK, "editor"),
    Page("admin_import", "Import", ":material/upload_file:", ADMIN, "admin", heading="Import data"),
    Page("admin_people", "Cohorts & people", ":material/groups:", ADMIN, "admin"),
    Page("admin_users", "Users", ":material/manage_accounts:", ADMIN, "admin"),
    Page("admin_audit", "Audit trail", ":material/history:", ADMIN, "admin"),
)
PAGE: dict[str, Page] = {p.key: p for p in PAGES}


def page_of(file: str) -> Page:
    """The row of a page file (a page passes its own `__file__`)."""
    return PAGE[Path(file).stem]
