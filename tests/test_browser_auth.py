"""In a real browser: sign-in, roles in the navigation, the generic failure message, sign-out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from data_layer.auth import GENERIC_FAILURE
from data_layer.store import Store

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
    with Store(demo_db) as s:
        actions = s.query("SELECT actor, action FROM audit_log WHERE entity = 'session' ORDER BY audit_id")
    assert actions[-4:] == [("viewer@demo.example", "sign_in_failed"), ("viewer@demo.example", "sign_in"),
                            ("viewer@demo.example", "sign_out"), ("admin@demo.example", "sign_in")]
