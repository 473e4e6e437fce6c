"""Tests and experiments: protocol locking, lifts with intervals worked by hand, the locked rule, CSV import."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from data_layer.access.auth import Actor, NotPermitted
from data_layer.book import experiments
from data_layer.book.postmortems import save_plan
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData

from .conftest import LOCAL_ADMIN

TODAY = dt.date(2026, 6, 1)
Z = 1.959963984540054


def wilson(x: int, n: int) -> tuple[float, float]:  # the reference, written out again
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def plan(store: Store, name: str, starts: dt.date, ends: dt.date, section: str = "email") -> str:
    return save_plan(store, LOCAL_ADMIN, {"name": name, "section": section, "owner_id": "p5", "starts_on": starts,
                                        "ends_on": ends, "learning_goal": "Learn"})


def test_the_conversion_lift_and_its_newcombe_interval(small_store: Store) -> None:
    # control 200 of 1,000 (20 %), treated 250 of 1,000 (25 %): +5 points.
    d, low, high = experiments.conversion_lift(1000, 200, 1000, 250)
    (lc, uc), (lt, ut) = wilson(200, 1000), wilson(250, 1000)
    assert d == pytest.approx(0.05)
    assert low == pytest.approx(0.05 - math.sqrt((0.25 - lt) ** 2 + (uc - 0.20) ** 2))
    assert high == pytest.approx(0.05 + math.sqrt((ut - 0.25) ** 2 + (0.20 - lc) ** 2))
    assert 0.013 < low < 0.014 and 0.086 < high < 0.087  # about +1.3 to +8.6 points


def test_the_mean_lift_and_its_welch_interval() -> None:
    d, low, high = experiments.mean_lift(100, 10.0, 2.0, 100, 11.0, 2.0)
    se = math.sqrt(4 / 100 + 4 / 100)  # 0.2828
    assert (d, low, high) == pytest.approx((1.0, 1.0 - Z * se, 1.0 + Z * se))


def test_a_protocol_locks_when_its_plan_starts(small_store: Store) -> None:
    pid = plan(small_store, "Subject lines", TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=30))
    experiments.save_protocol(small_store, LOCAL_ADMIN, pid, hypothesis="A question lifts opens", primary_metric="opens",
                              measure="conversion", variants=["plain", "question"], today=TODAY)
    experiments.save_protocol(small_store, LOCAL_ADMIN, pid, hypothesis="A question lifts opens by 2 points",
                              primary_metric="opens", measure="conversion", variants=["plain", "question"],
                              worked_above=0.0, today=TODAY)  # restated before the start: fine
    with pytest.raises(InvalidData) as locked:
        experiments.save_protocol(small_store, LOCAL_ADMIN, pid, hypothesis="Changed my mind", primary_metric="clicks",
                                  measure="conversion", variants=["plain", "question"],
                                  today=TODAY + dt.timedelta(days=1))
    assert locked.value.problems[0].sentence == "The protocol is locked: the plan started on 2026-06-02."
    assert small_store.query_value("SELECT hypothesis FROM test_protocols") == "A question lifts opens by 2 points"
    with pytest.raises(NotPermitted):
        experiments.save_protocol(small_store, Actor("viewer@example.com", "viewer"), pid, hypothesis="x",
                                  primary_metric="y", measure="mean", variants=["a", "b"], today=TODAY)
    with pytest.raises(InvalidData) as err:
        experiments.save_protocol(small_store, LOCAL_ADMIN, pid, hypothesis=" ", primary_metric="y", measure="median",
                                  variants=["a"], today=TODAY)
    assert {p.field for p in err.value.problems} == {"hypothesis", "measure", "variants"}


def test_results_from_csv_give_each_test_its_outcome_and_the_summary_adds_up(small_store: Store,
                                                                             tmp_path: Path) -> None:
    ids = {}
    for name, section, ends in (("Subject lines", "email", dt.date(2026, 6, 20)),
                                ("Webinar length", "events", dt.date(2026, 8, 10)),
                                ("Banner colour", "email", dt.date(2026, 8, 20))):
        ids[name] = plan(small_store, name, TODAY + dt.timedelta(days=1), ends, section=section if section != "events"
                         else "partnerships")
    experiments.save_protocol(small_store, LOCAL_ADMIN, ids["Subject lines"], hypothesis="h", primary_metric="opens",
                              measure="conversion", variants=["plain", "question"], today=TODAY)
    experiments.save_protocol(small_store, LOCAL_ADMIN, ids["Webinar length"], hypothesis="h",
                              primary_metric="minutes watched", measure="mean", variants=["60 min", "30 min"],
                              today=TODAY)
    experiments.save_protocol(small_store, LOCAL_ADMIN, ids["Banner colour"], hypothesis="h", primary_metric="clicks",
                              measure="conversion", variants=["blue", "orange"], today=TODAY)
    bad = (f"plan_id,variant,n,conversions,mean,sd\n{ids['Subject lines']},plain,1000,1200,,\n"
           f"nope,plain,10,1,,\n").encode()
    with pytest.raises(InvalidData) as err:
        experiments.import_results(small_store, LOCAL_ADMIN, bad)
    assert {p.field for p in err.value.problems} == {"conversions", "plan_id"}
    assert small_store.query_value("SELECT count(*) FROM test_results") == 0  # nothing written
    good = (f"plan_id,variant,n,conversions,mean,sd\n"
            f"{ids['Subject lines']},plain,1000,200,,\n{ids['Subject lines']},question,1000,250,,\n"   # +5 pp: worked
            f"{ids['Webinar length']},60 min,100,,10,2\n{ids['Webinar length']},30 min,100,,9,2\n"     # -1: flopped
            f"{ids['Banner colour']},blue,500,50,,\n{ids['Banner colour']},orange,500,55,,\n").encode()  # +1 pp: unsure
    assert experiments.import_results(small_store, LOCAL_ADMIN, good) == 6
    got = {t.name: t for t in experiments.results(small_store)}
    assert {n: t.outcome for n, t in got.items()} == {
        "Subject lines": "worked", "Webinar length": "flopped", "Banner colour": "inconclusive"}
    assert got["Subject lines"].lifts[0].value == pytest.approx(0.05)
    summary = experiments.summary(list(got.values()))
    assert summary.to_dict("records") == [
        {"section": "Email", "quarter": "2026-Q2", "worked": 1, "flopped": 0, "inconclusive": 0},
        {"section": "Email", "quarter": "2026-Q3", "worked": 0, "flopped": 0, "inconclusive": 1},
        {"section": "Partnerships & ecosystem", "quarter": "2026-Q3", "worked": 0, "flopped": 1, "inconclusive": 0}]
    impact = experiments.cumulative_impact(list(got.values()))
    assert impact[["metric", "tests"]].to_dict("records") == [{"metric": "opens", "tests": 1}]
    assert impact["lift"].iloc[0] == pytest.approx(0.05)


def test_the_tests_page_shows_the_counts_and_each_test(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                       small_db: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from data_layer.db.migrations import open_database

    from .conftest import USERS

    db = tmp_path / "t.duckdb"
    db.write_bytes(small_db.read_bytes())
    with open_database(db) as s:
        pid = plan(s, "Subject lines", TODAY + dt.timedelta(days=1), dt.date(2026, 6, 20))
        experiments.save_protocol(s, LOCAL_ADMIN, pid, hypothesis="h", primary_metric="opens", measure="conversion",
                                  variants=["plain", "question"], today=TODAY)
        experiments.import_results(s, LOCAL_ADMIN, f"plan_id,variant,n,conversions\n{pid},plain,1000,200\n"
                                   f"{pid},question,1000,250\n".encode())
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(db))
    monkeypatch.setenv("LEARNING_CULTURE_TODAY", TODAY.isoformat())
    at = AppTest.from_file(str(Path(__file__).parent.parent / "streamlit_app.py"), default_timeout=60)
    at.session_state["auth_email"] = USERS["viewer"]
    at.switch_page("pages/tests.py").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Worked"] == "1"
    assert any("Subject lines · worked" in e.label for e in at.expander)
    assert not [f for f in at.get("form")]  # viewers read; editors state protocols


def test_a_lesson_of_a_test_shows_its_result_with_the_interval(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                               small_db: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from data_layer.db.migrations import open_database

    from .conftest import USERS

    db = tmp_path / "l.duckdb"
    db.write_bytes(small_db.read_bytes())
    with open_database(db) as s:  # pl1 (lesson l1's plan) started 2026-02-01: its protocol was stated before
        experiments.save_protocol(s, LOCAL_ADMIN, "pl1", hypothesis="Co-branding lifts replies", primary_metric="replies",
                                  measure="conversion", variants=["our email", "co-branded"],
                                  today=dt.date(2026, 1, 20))
        experiments.import_results(s, LOCAL_ADMIN, b"plan_id,variant,n,conversions\npl1,our email,400,40\n"
                                   b"pl1,co-branded,400,22\n")  # 10 % vs 5.5 %: -4.5 points
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(db))
    monkeypatch.setenv("LEARNING_CULTURE_TODAY", TODAY.isoformat())
    at = AppTest.from_file(str(Path(__file__).parent.parent / "streamlit_app.py"), default_timeout=60)
    at.session_state["auth_email"] = USERS["viewer"]
    at.query_params["lesson"] = "l1"
    at.switch_page("pages/lesson.py").run()
    assert not at.exception
    assert any("**Test result:** flopped" in m.value for m in at.markdown)
    d, low, high = experiments.conversion_lift(400, 40, 400, 22)
    assert d == pytest.approx(-0.045) and high < 0  # the whole interval below zero: flopped, as the page says


@pytest.mark.browser
def test_the_tests_page_in_a_browser(tmp_path: Path, small_db: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    from data_layer.db.migrations import open_database

    from .browser import CHROMIUM_FLAGS, chromium_path, sign_in, streamlit_server
    from .conftest import ARTIFACTS, PASSWORD, USERS

    db = tmp_path / "b.duckdb"
    db.write_bytes(small_db.read_bytes())
    with open_database(db) as s:
        experiments.save_protocol(s, LOCAL_ADMIN, "pl1", hypothesis="Co-branding lifts replies", primary_metric="replies",
                                  measure="conversion", variants=["our email", "co-branded"],
                                  today=dt.date(2026, 1, 20))
        experiments.import_results(s, LOCAL_ADMIN, b"plan_id,variant,n,conversions\npl1,our email,400,40\n"
                                   b"pl1,co-branded,400,22\n")
    with streamlit_server(db, TODAY.isoformat(), ARTIFACTS / "tests-server.log") as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            sign_in(page, url, USERS["viewer"], PASSWORD)
            page.get_by_test_id("stSidebarNav").get_by_text("Tests and experiments", exact=True).click()
            expect(page.get_by_role("heading", name="Tests and experiments")).to_be_visible(timeout=30_000)
            flopped = page.get_by_test_id("stMetric").filter(has_text="Flopped").get_by_test_id("stMetricValue")
            expect(flopped).to_have_text("1", timeout=30_000)
            page.get_by_text("Co-branded email test · flopped").click()  # open the test: its lift chart
            expect(page.get_by_text("co-branded: 5.5% vs 10.0% in the control (n = 400)")).to_be_visible(
                timeout=30_000)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(ARTIFACTS / "tests-page.png"), full_page=True)
            expect(page.get_by_text("Traceback")).to_have_count(0)
        finally:
            browser.close()


def test_the_command_line_imports_results_all_or_nothing(tmp_path: Path) -> None:
    import subprocess
    import sys

    from data_layer.db.migrations import open_database
    from data_layer.ingest.importer import import_folder

    db = tmp_path / "t.duckdb"
    with open_database(db) as s:
        import_folder(s, Path(__file__).parent / "data" / "small")
        pid = plan(s, "Subject lines", TODAY + dt.timedelta(days=1), dt.date(2026, 6, 20))
        experiments.save_protocol(s, LOCAL_ADMIN, pid, hypothesis="h", primary_metric="opens", measure="conversion",
                                  variants=["plain", "question"], today=TODAY)
    good = tmp_path / "results.csv"
    good.write_text(f"plan_id,variant,n,conversions,mean,sd\n{pid},plain,1000,200,,\n{pid},question,1000,250,,\n",
                    encoding="utf-8")
    run = [sys.executable, "-m", "data_layer.cli", "test-results", "--db", str(db)]
    out = subprocess.run([*run, str(good)], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert out.returncode == 0, out.stderr
    assert "Subject lines: worked" in out.stdout and "Imported 2 variant row(s)" in out.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(f"plan_id,variant,n,conversions,mean,sd\n{pid},plain,10,20,,\n", encoding="utf-8")
    refused = subprocess.run([*run, str(bad)], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert refused.returncode == 1 and "must be given and at most n" in refused.stderr
    with open_database(db) as s:
        assert s.query_value("SELECT sum(n) FROM test_results") == 2000  # the refused file changed nothing
