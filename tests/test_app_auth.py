"""Every page for every role and for nobody: allowed, or 'not permitted' with none of its data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_layer.access import auth
from data_layer.access.auth import ROLE_RANK
from data_layer.db.migrations import open_database
from data_layer.domain.pages import PAGES

from .conftest import LOCAL_ADMIN, PASSWORD, USERS

ROOT = Path(__file__).parent.parent
APP = str(ROOT / "streamlit_app.py")
# The role matrix is the page table's: every page, for every role and for nobody.
ALL_PAGES = [page.file for page in PAGES]
ROLES = ("viewer", "editor", "admin")
ALLOWED = {None: set()} | {role: {page.file for page in PAGES if ROLE_RANK[role] >= ROLE_RANK[page.role]}
                           for role in ROLES}
ROW = {page.file: page for page in PAGES}
# Pages whose first screen shows headline numbers on the hand-made data (the rest show tables or forms).
WITH_TILES = {"pages/overview.py", "pages/adoption.py", "pages/barriers.py", "pages/win_rates.py",
              "pages/learning_health.py", "pages/voice.py"}


def app(monkeypatch: pytest.MonkeyPatch, db: Path, user: str | None) -> AppTest:
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(db))
    monkeypatch.setenv("LEARNING_CULTURE_TODAY", "2026-05-31")
    at = AppTest.from_file(APP, default_timeout=60)
    if user:
        at.session_state["auth_email"] = user
    return at


@pytest.mark.parametrize("role", [None, *ROLES], ids=str)
@pytest.mark.parametrize("page", ALL_PAGES)
def test_page_access_matrix(monkeypatch: pytest.MonkeyPatch, small_db: Path, role: str | None, page: str) -> None:
    at = app(monkeypatch, small_db, USERS[role] if role else None)
    if page == "pages/lesson.py":
        at.query_params["lesson"] = "l1"
    at.switch_page(page).run()
    assert not at.exception
    if page in ALLOWED[role]:
        assert not [e for e in at.error if "Not permitted" in e.value]
        if ROW[page].opens_with:  # a personal link's page: without its token, one sentence and no form
            assert at.info and not at.title and not at.radio
            return
        assert at.title and at.title[0].value != "Sign in"
        if ROW[page].shown_title is not None:
            assert at.title[0].value == ROW[page].shown_title
        if page in WITH_TILES:
            assert at.metric
        elif page in ("pages/admin_users.py", "pages/admin_audit.py"):
            assert at.dataframe
    else:
        # Not in this role's navigation: the app shows the sign-in page (nobody) or the role's
        # default page instead, and none of the requested page's data.
        titles = [t.value for t in at.title]
        assert not {ROW[p].shown_title or ROW[p].title for p in ALL_PAGES if p not in ALLOWED[role]} & set(titles)
        assert not any("example.com" in str(d.value.to_dict()) for d in at.dataframe)
        if role is None:
            assert titles == ["Sign in"] and not at.metric


def test_signing_in_with_the_form_opens_the_overview(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    at = app(monkeypatch, small_db, None).run()
    assert [t.value for t in at.title] == ["Sign in"]
    at.text_input(key="sign_in_email").input(USERS["editor"])
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Overview"]
    assert at.metric


def test_a_wrong_password_shows_the_generic_message(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    at = app(monkeypatch, small_db, None).run()
    at.text_input(key="sign_in_email").input(USERS["editor"])
    at.text_input(key="sign_in_password").input("not the password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [auth.GENERIC_FAILURE]
    assert not at.metric


def test_an_idle_session_ends_with_a_message(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    monkeypatch.setenv("LEARNING_CULTURE_IDLE_HOURS", "1")
    at = app(monkeypatch, small_db, USERS["viewer"])
    at.session_state["auth_last_seen"] = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=61)
    at.run()
    assert [t.value for t in at.title] == ["Sign in"]
    assert "signed out after 1 hours without activity" in at.warning[0].value
    assert not at.metric


def test_a_disabled_account_is_signed_out_at_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                  small_db: Path) -> None:
    db = tmp_path / "copy.duckdb"
    db.write_bytes(small_db.read_bytes())
    at = app(monkeypatch, db, USERS["editor"]).run()
    assert [t.value for t in at.title] == ["Overview"]
    from dashboard.store import get_store  # the app's own shared Store for this file

    auth.set_disabled(get_store(), LOCAL_ADMIN, USERS["editor"], True)
    at.run()
    assert [t.value for t in at.title] == ["Sign in"]
    assert "no longer active" in at.warning[0].value


def test_sign_out_returns_to_the_sign_in_page(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    at = app(monkeypatch, small_db, USERS["viewer"]).run()
    at.button(key="sign_out").click().run()
    assert [t.value for t in at.title] == ["Sign in"]
    assert "auth_email" not in at.session_state


def test_setup_page_only_when_there_are_no_accounts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                   small_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    at = app(monkeypatch, tmp_path / "new.duckdb", None).run()
    assert [t.value for t in at.title] == ["Welcome"]
    code = capsys.readouterr().err.split("the setup code is ")[1].split()[0]  # the server's log, not the page
    assert code not in str([m.value for m in at.markdown] + [c.value for c in at.caption])
    at.text_input(key="setup_name").input("Boss")
    at.text_input(key="setup_email").input("boss@example.com")
    at.text_input(key="setup_password").input("a long password")
    at.text_input(key="setup_repeat").input("a long password")
    at.button[0].click().run()  # without the code: refused, nothing created, nothing typed lost
    assert any("not the setup code" in e.value for e in at.error)
    assert [t.value for t in at.title] == ["Welcome"] and at.text_input(key="setup_name").value == "Boss"
    at.text_input(key="setup_code").input(code)
    at.button[0].click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Overview"]  # signed in as the new admin
    # A database with accounts never shows setup, even to someone signed out.
    at = app(monkeypatch, small_db, None).run()
    assert [t.value for t in at.title] == ["Sign in"]


def test_setup_keeps_what_was_typed_and_says_what_is_wrong(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    at = app(monkeypatch, tmp_path / "new.duckdb", None).run()
    at.text_input(key="setup_name").input("Boss")
    at.text_input(key="setup_email").input("boss at example")
    at.text_input(key="setup_password").input("short")
    at.text_input(key="setup_repeat").input("short")
    at.button[0].click().run()
    assert any(e.value.startswith("The email must be an email address") and e.value.endswith(".") for e in at.error)
    assert at.text_input(key="setup_name").value == "Boss"
    with open_database(tmp_path / "new.duckdb") as s:
        assert auth.user_count(s) == 0


def test_demo_credentials_show_only_on_demo_databases(monkeypatch: pytest.MonkeyPatch, small_db: Path,
                                                     demo_db: Path) -> None:
    at = app(monkeypatch, demo_db, None).run()
    assert "demo-viewer-pass" in str(at.dataframe[0].value.to_dict())
    at = app(monkeypatch, small_db, None).run()
    assert not at.dataframe


def test_admin_adds_a_user_from_the_users_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, small_db: Path) -> None:
    db = tmp_path / "copy.duckdb"
    db.write_bytes(small_db.read_bytes())
    at = app(monkeypatch, db, USERS["admin"])
    at.switch_page("pages/admin_users.py").run()
    at.text_input(key="add_email").input("New.Person@Example.com")
    at.text_input(key="add_name").input("New Person")
    at.selectbox(key="add_role").select("editor")
    at.text_input(key="add_password").input("a long password")
    at.button[0].click().run()
    assert not at.exception
    # People's text is shown escaped; the sentence reads the same.
    assert any("Added new.person@example.com as editor" in s.value.replace("\\", "").replace("\u200b", "")
               for s in at.success)
    # The table shows the new account at once, and the form is empty again (no password left typed in).
    assert "new.person@example.com" in set(at.dataframe[0].value["Email"])
    assert at.text_input(key="add_email").value == "" and at.text_input(key="add_password").value == ""
    at.switch_page("pages/admin_audit.py").run()
    trail = at.dataframe[0].value
    assert ((trail["Action"] == "create") & (trail["Id"] == "new.person@example.com")).any()


FORBIDDEN = [(role, page) for role in (None, *ROLES) for page in ALL_PAGES
             if page not in ALLOWED[role]]


@pytest.mark.parametrize(("role", "page"), FORBIDDEN, ids=[f"{r}-{p}" for r, p in FORBIDDEN])
def test_each_page_guards_itself_when_run_directly(monkeypatch: pytest.MonkeyPatch, small_db: Path,
                                                   role: str | None, page: str) -> None:
    """Run the page file on its own (as Streamlit's legacy pages/ mode would): it checks the role itself."""
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(small_db))
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    if role:
        at.session_state["auth_email"] = USERS[role]
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Not permitted: sign in with an account that may see this page."]
    assert not at.metric and not at.dataframe and not at.title


def test_every_page_file_has_its_row_in_the_page_table() -> None:
    """So no page escapes the navigation's roles, its own guard or this matrix; only the pages shown before
    anyone signs in (first-run setup, sign-in) have no row."""
    files = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")}
    assert files - set(ALL_PAGES) == {"pages/setup.py", "pages/sign_in.py"}
    assert set(ALL_PAGES) <= files
    for page in PAGES:  # and each guards itself with its own row, first thing
        source = (ROOT / page.file).read_text(encoding="utf-8")
        # (a page a personal link opens checks its token, and with none is guarded like any other)
        assert ("link_token(__file__)" if page.opens_with else "guard(__file__)") in source, page.file
