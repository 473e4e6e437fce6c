"""In a real browser: sign-in, roles in the navigation, the generic failure message, sign-out."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from data_layer.access.auth import GENERIC_FAILURE
from data_layer.db.migrations import open_database

from .browser import Servers, sign_in, wait_for_cookie
from .conftest import ARTIFACTS, DEMO_TODAY

pytestmark = pytest.mark.browser


__all__ = ["wait_for_cookie"]  # other browser tests import it from here


def private_copy(demo_db: Path, tmp_path: Path, name: str) -> Path:
    """A copy of the demo database for one test, whose own records it checks afterwards."""
    copy = tmp_path / name
    shutil.copyfile(demo_db, copy)
    return copy


def test_roles_wrong_password_and_sign_out(tmp_path: Path, demo_db: Path, servers: Servers,
                                           new_page: Callable[..., Page]) -> None:
    db = private_copy(demo_db, tmp_path, "auth.duckdb")
    url = servers.url(db, DEMO_TODAY.isoformat())
    page = new_page()
    # Signed out, a deep link shows the sign-in page and nothing of the app.
    page.goto(f"{url}/admin_users")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    expect(page.get_by_text("Users", exact=True)).to_have_count(0)

    # A wrong password: one generic sentence, still signed out.
    page.get_by_role("textbox", name="Email").fill("viewer@demo.example")
    page.get_by_role("textbox", name="Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text(GENERIC_FAILURE)).to_be_visible(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "sign-in-failed.png"))

    # A viewer sees the dashboards and no editor or admin pages.
    sign_in(page, url, "viewer@demo.example", "demo-viewer-pass")
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("Overview", exact=True)).to_be_visible(timeout=30_000)
    expect(nav.get_by_text("Learning health", exact=True)).to_be_visible()
    expect(nav.get_by_text("Users", exact=True)).to_have_count(0)
    expect(nav.get_by_text("Audit trail", exact=True)).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "viewer-navigation.png"))

    # Sign out returns to the sign-in page.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stMetric")).to_have_count(0)

    # An admin sees the admin pages and the audit trail records these sign-ins.
    sign_in(page, url, "admin@demo.example", "demo-admin-pass")
    page.get_by_test_id("stSidebarNav").get_by_text("Audit trail", exact=True).click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile(r"\d+ entries, newest first"))).to_be_visible(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "audit-trail.png"), full_page=True)
    servers.stop(db)  # the server held the file: every sign-in, failure and sign-out was recorded
    with open_database(db) as s:
        actions = s.query("SELECT actor, action FROM audit_log WHERE entity = 'session' ORDER BY audit_id")
    assert actions[-4:] == [("viewer@demo.example", "sign_in_failed"), ("viewer@demo.example", "sign_in"),
                            ("viewer@demo.example", "sign_out"), ("admin@demo.example", "sign_in")]


def test_a_refresh_a_new_tab_and_a_shared_link_stay_signed_in_until_sign_out(
        tmp_path: Path, demo_db: Path, servers: Servers, new_page: Callable[..., Page]) -> None:
    db = private_copy(demo_db, tmp_path, "sessions.duckdb")
    url = servers.url(db, DEMO_TODAY.isoformat())
    page = new_page()
    context = page.context
    sign_in(page, url, "editor@demo.example", "demo-editor-pass")
    cookie = wait_for_cookie(context)
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("Log a post-mortem", exact=True)).to_be_visible(timeout=30_000)

    page.reload()  # F5
    expect(page.get_by_test_id("stSidebarNav").get_by_text("Log a post-mortem", exact=True)).to_be_visible(
        timeout=30_000)
    expect(page.get_by_role("heading", name="Sign in")).to_have_count(0)

    second = context.new_page()  # a second tab on a shared deep link
    second.goto(f"{url}/book")
    expect(second.get_by_role("heading", name="Book of Learning")).to_be_visible(timeout=30_000)

    # Signing out in one tab ends the session everywhere: the other tab's next step asks to sign in.
    second.get_by_role("button", name="Sign out").click()
    expect(second.get_by_role("heading", name="Sign in")).to_be_visible(timeout=30_000)
    page.get_by_test_id("stSidebarNav").get_by_text("Overview", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=30_000)
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=30_000)

    # A new sign-in gets a new token.
    sign_in(page, url, "editor@demo.example", "demo-editor-pass")
    new_cookie = wait_for_cookie(context, other_than=str(cookie["value"]))
    assert new_cookie["value"] != cookie["value"]
    servers.stop(db)
    with open_database(db) as s:
        assert s.query_value("SELECT count(*) FROM sessions WHERE email = 'editor@demo.example' "
                             "AND kind = 'session'") == 1
        assert not s.query("SELECT 1 FROM sessions WHERE token_hash = ?", [str(new_cookie["value"])])


def test_plain_streamlit_run_serves_the_same_app_with_its_session_route(
        tmp_path: Path, demo_db: Path, servers: Servers, new_page: Callable[..., Page]) -> None:
    """Started as Streamlit's docs say (`streamlit run streamlit_app.py`), not with our launcher:
    the session route is there (a refresh stays signed in) and the pages/ folder lists nothing."""
    db = private_copy(demo_db, tmp_path, "plain.duckdb")
    url = servers.url(db, DEMO_TODAY.isoformat(), plain=True)
    page = new_page()
    page.goto(f"{url}/admin_users")  # a fresh server's first view, on an admin page, signed out
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    sign_in(page, url, "viewer@demo.example", "demo-viewer-pass")
    wait_for_cookie(page.context)
    page.reload()
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name="Book of Learning")).to_be_visible(timeout=30_000)
    expect(nav.get_by_role("link", name="Users")).to_have_count(0)
    expect(page.get_by_role("heading", name="Sign in")).to_have_count(0)
    servers.stop(db)
