"""In a real browser: sign-in, roles in the navigation, the generic failure message, sign-out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from data_layer.access.auth import GENERIC_FAILURE
from data_layer.db.migrations import open_database

from .browser import CHROMIUM_FLAGS, chromium_path, sign_in, streamlit_server
from .conftest import ARTIFACTS, DEMO_TODAY

pytestmark = pytest.mark.browser


def test_roles_wrong_password_and_sign_out(demo_db: Path) -> None:
    executable = chromium_path()
    with streamlit_server(demo_db, DEMO_TODAY.isoformat(), ARTIFACTS / "auth-server.log") as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
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
        finally:
            browser.close()
    # The server has stopped (it held the file): every sign-in, failure and sign-out was recorded.
    with open_database(demo_db) as s:
        actions = s.query("SELECT actor, action FROM audit_log WHERE entity = 'session' ORDER BY audit_id")
    assert actions[-4:] == [("viewer@demo.example", "sign_in_failed"), ("viewer@demo.example", "sign_in"),
                            ("viewer@demo.example", "sign_out"), ("admin@demo.example", "sign_in")]


def wait_for_cookie(context: object, name: str = "lcd_session", timeout_s: float = 15.0) -> dict[str, object]:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [c for c in context.cookies() if c["name"] == name]  # type: ignore[attr-defined]
        if found:
            return dict(found[0])
        time.sleep(0.2)
    raise AssertionError("no session cookie was set")


def test_a_refresh_a_new_tab_and_a_shared_link_stay_signed_in_until_sign_out(tmp_path: Path, demo_db: Path) -> None:
    executable = chromium_path()
    db = tmp_path / "sessions.duckdb"
    db.write_bytes(demo_db.read_bytes())
    with streamlit_server(db, DEMO_TODAY.isoformat(), ARTIFACTS / "sessions-server.log") as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
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
            for _ in range(50):
                new_cookie = wait_for_cookie(context)
                if new_cookie["value"] != cookie["value"]:
                    break
                page.wait_for_timeout(200)
            assert new_cookie["value"] != cookie["value"]
        finally:
            browser.close()
    with open_database(db) as s:
        assert s.query_value("SELECT count(*) FROM sessions WHERE email = 'editor@demo.example' "
                             "AND kind = 'session'") == 1
        assert not s.query("SELECT 1 FROM sessions WHERE token_hash = ?", [str(new_cookie["value"])])


def test_plain_streamlit_run_serves_the_same_app_with_its_session_route(tmp_path: Path, demo_db: Path) -> None:
    """Started as Streamlit's docs say (`streamlit run streamlit_app.py`), not with our launcher:
    the session route is there (a refresh stays signed in) and the pages/ folder lists nothing."""
    executable = chromium_path()
    db = tmp_path / "plain.duckdb"
    db.write_bytes(demo_db.read_bytes())
    with streamlit_server(db, DEMO_TODAY.isoformat(), ARTIFACTS / "plain-server.log", plain=True) as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            page.goto(f"{url}/admin_users")  # a fresh server's first view, on an admin page, signed out
            expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=30_000)
            expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
            sign_in(page, url, "viewer@demo.example", "demo-viewer-pass")
            wait_for_cookie(context)
            page.reload()
            nav = page.get_by_test_id("stSidebarNav")
            expect(nav.get_by_role("link", name="Book of Learning")).to_be_visible(timeout=30_000)
            expect(nav.get_by_role("link", name="Users")).to_have_count(0)
            expect(page.get_by_role("heading", name="Sign in")).to_have_count(0)
        finally:
            browser.close()
