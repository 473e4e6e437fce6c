"""Alerts fire once per crossing, recover once, stay silent below their sample, and are never lost."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from data_layer import alerts
from data_layer.access.auth import Actor, NotPermitted
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData

from .conftest import LOCAL_ADMIN

TODAY = dt.date(2026, 5, 31)  # last 90 days: 03-03..05-31, members p1, p3, p4 (tests/data/small)


def add_member(store: Store, person: str) -> None:
    store.execute("INSERT INTO memberships VALUES ('c1', ?, DATE '2026-05-01', NULL)", [person])


def test_an_alert_fires_once_per_crossing_and_recovers_once(small_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "alerts.log"
    alerts.create(small_store, LOCAL_ADMIN, name="Growing", metric="members", window_days=90, rule="above",
                  threshold=3, min_sample=0, destination=f"file:{out}")
    assert alerts.check(small_store, TODAY) == []          # 3 members: not above 3
    add_member(small_store, "p6")
    fired = alerts.check(small_store, TODAY)                # 4 members: crossed
    assert [(n.event, n.value) for n in fired] == [("fired", 4.0)] and fired[0].delivered
    assert alerts.check(small_store, TODAY) == []          # still above: said once
    small_store.execute("DELETE FROM memberships WHERE person_id = 'p6'")
    back = alerts.check(small_store, TODAY)
    assert [(n.event, n.value) for n in back] == [("recovered", 3.0)]
    lines = [json.loads(line)["text"] for line in out.read_text().splitlines()]
    assert len(lines) == 2 and "Members for all cohorts is 4" in lines[0] and "back at 3" in lines[1]
    listed = alerts.listing(small_store)
    assert list(listed["state"]) == ["ok"] and list(listed["last_event"]) == ["recovered"]


def test_an_alerts_message_names_its_cohorts_and_keeps_an_id_only_where_no_name_is_known(small_store: Store,
                                                                                        tmp_path: Path) -> None:
    # Members of c2 (Aurora) over the 90 days to 31 May: p3 and p4 (p5 joins on 15 Jun): 2, above a line of 1.
    out = tmp_path / "named.log"
    alerts.create(small_store, LOCAL_ADMIN, name="Aurora grows", metric="members", cohorts=("c2", "gone"),
                  window_days=90, rule="above", threshold=1, min_sample=0, destination=f"file:{out}")
    (notice,) = alerts.check(small_store, TODAY)
    assert notice.message.startswith(":rotating_light: Aurora grows: Members for Aurora, gone is 2 over the last 90")
    assert "c2" not in notice.message


def test_below_its_minimum_sample_an_alert_stays_silent(small_store: Store, tmp_path: Path) -> None:
    # Outreach within 24 h for all cohorts over the 90 days: 1 of 3 assessments (33 %), below a 70 % line,
    # but on 3 assessments, fewer than the 5 asked for.
    alerts.create(small_store, LOCAL_ADMIN, name="Outreach", metric="outreach_within_24h_rate", window_days=90,
                  rule="below", threshold=0.7, min_sample=5, destination=f"file:{tmp_path / 'a.log'}")
    assert alerts.check(small_store, TODAY) == []
    assert list(alerts.listing(small_store)["state"]) == ["silent"]
    assert not (tmp_path / "a.log").exists()
    small_store.execute("UPDATE alerts SET min_sample = 3")
    fired = alerts.check(small_store, TODAY)
    assert [(n.event, round(n.value or 0, 4)) for n in fired] == [("fired", round(1 / 3, 4))]
    assert "33%" in fired[0].message and "falls below 70%" in fired[0].message


def test_a_change_alert_compares_with_the_previous_window(small_store: Store, tmp_path: Path) -> None:
    # Members: 4 in 2025-12-03..2026-03-02 (p1, p2, p3 joined 01-05; p3 and p4 on 03-02), 3 now: a change of 1.
    alerts.create(small_store, LOCAL_ADMIN, name="Churn", metric="members", window_days=90, rule="change",
                  threshold=0.5, min_sample=0, destination=f"file:{tmp_path / 'c.log'}")
    assert [n.event for n in alerts.check(small_store, TODAY)] == ["fired"]


def test_the_webhook_gets_slack_json_and_a_failed_post_is_retried_then_recorded(
        small_store: Store, webhook: tuple[str, list[dict[str, str]], list[int]]) -> None:
    url, posted, statuses = webhook
    alerts.create(small_store, LOCAL_ADMIN, name="Growing", metric="members", window_days=90, rule="above",
                  threshold=3, min_sample=0, destination=url)
    add_member(small_store, "p6")
    statuses += [500]                                   # the first try fails, the retry lands
    (notice,) = alerts.check(small_store, TODAY)
    assert notice.delivered and len(posted) == 1 and set(posted[0]) == {"text"}
    assert posted[0]["text"].startswith(":rotating_light: Growing: Members")
    small_store.execute("DELETE FROM memberships WHERE person_id = 'p6'")
    statuses += [503, 503, 503]                          # every try fails: recorded, shown, not lost
    (notice,) = alerts.check(small_store, TODAY)
    assert not notice.delivered and "503, after 3 tries" in (notice.problem or "")
    listed = alerts.listing(small_store)
    assert list(listed["delivered"]) == [False] and "after 3 tries" in list(listed["problem"])[0]
    assert small_store.query_value("SELECT count(*) FROM alert_events") == 2


def test_only_editors_and_admins_define_alerts_and_bad_input_is_a_sentence(small_store: Store) -> None:
    with pytest.raises(NotPermitted):
        alerts.create(small_store, Actor("viewer@example.com", "viewer"), name="x", metric="members",
                      threshold=1, destination="file:/tmp/x")
    with pytest.raises(InvalidData) as err:
        alerts.create(small_store, LOCAL_ADMIN, name=" ", metric="cohort_table", rule="sideways", threshold=1,
                      destination="ftp://x")
    fields = {p.field for p in err.value.problems}
    assert fields == {"name", "metric", "rule", "destination"}
    assert small_store.query_value("SELECT count(*) FROM alerts") == 0


def test_the_alerts_page_adds_an_alert_and_lists_its_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                           small_db: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from data_layer.db.migrations import open_database

    from .conftest import USERS

    db = tmp_path / "a.duckdb"
    db.write_bytes(small_db.read_bytes())
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(db))
    monkeypatch.setenv("LEARNING_CULTURE_TODAY", TODAY.isoformat())
    at = AppTest.from_file(str(Path(__file__).parent.parent / "streamlit_app.py"), default_timeout=60)
    at.session_state["auth_email"] = USERS["editor"]
    at.switch_page("pages/alerts.py").run()
    assert [t.value for t in at.title] == ["Alerts"] and any("No alerts yet" in i.value for i in at.info)
    at.text_input(key="al_name").input("Outreach slipping")
    at.selectbox(key="al_metric").set_value("outreach_within_24h_rate")
    at.number_input(key="al_line").set_value(70.0)
    at.text_input(key="al_dest").input("ftp://nowhere")
    at.button[0].click().run()
    assert any(e.value.startswith("The destination must be") for e in at.error)  # a sentence; nothing saved
    at.text_input(key="al_dest").input(f"file:{tmp_path / 'alerts.log'}")
    at.button[0].click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Alert"]) == ["Outreach slipping"] and list(table["Rule"]) == ["falls below 70%"]
    assert list(table["State"]) == ["unknown"]
    with open_database(db) as s:
        assert s.query_value("SELECT threshold FROM alerts") == pytest.approx(0.7)


@pytest.mark.browser
def test_an_alert_set_in_the_browser_fires_once_when_an_import_moves_the_number(tmp_path: Path,
                                                                                small_db: Path) -> None:
    import subprocess
    import sys

    from playwright.sync_api import expect, sync_playwright

    from .browser import CHROMIUM_FLAGS, ROOT, choose, chromium_path, sign_in, streamlit_server
    from .conftest import ARTIFACTS, PASSWORD, USERS

    db = tmp_path / "live.duckdb"
    db.write_bytes(small_db.read_bytes())
    log = tmp_path / "alerts.log"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "memberships.csv").write_text("cohort_id,person_id,joined_on,left_on\nc1,p6,2026-05-01,\n")

    def cli_import() -> None:
        done = subprocess.run([sys.executable, "-m", "data_layer.cli", "import", str(tmp_path / "in"), "--db", str(db)],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    with streamlit_server(db, TODAY.isoformat(), ARTIFACTS / "alerts-server.log") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            sign_in(page, url, USERS["editor"], PASSWORD)
            page.get_by_test_id("stSidebarNav").get_by_text("Alerts", exact=True).click()
            expect(page.get_by_role("heading", name="Alerts")).to_be_visible(timeout=30_000)
            page.get_by_role("textbox", name="Name").fill("More members")
            choose(page, "Number", "Members")
            choose(page, "When it", "rises above")
            page.get_by_role("spinbutton", name="Line (rates in %, their change in pp)").fill("3")
            page.get_by_role("spinbutton", name="Over the last (days)").fill("90")
            page.get_by_role("spinbutton", name="Minimum sample").fill("0")
            page.get_by_role("textbox", name="Send to").fill(f"file:{log}")
            page.get_by_role("button", name="Add the alert").click()
            expect(page.get_by_text("Alert 'More members' added.")).to_be_visible(timeout=30_000)
            cli_import()   # p6 joins: 4 members in the last 90 days, above 3
            cli_import()   # the same again: nothing moves, nothing more is said
            page.reload()
            expect(page.get_by_role("heading", name="Alerts")).to_be_visible(timeout=30_000)
            expect(page.get_by_test_id("stDataFrame")).to_be_visible(timeout=30_000)
            # the grid paints its cells on a canvas after it appears
            expect(page.get_by_test_id("stDataFrame").locator("canvas").first).to_be_visible(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "alerts.png"), full_page=True)
        finally:
            browser.close()
    lines = log.read_text().splitlines()
    assert len(lines) == 1 and "More members: Members for all cohorts is 4" in json.loads(lines[0])["text"]
