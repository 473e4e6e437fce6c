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
    # the lift in percentage points, never "-4.5%"
    caption = next(c.value for c in at.caption if "lift over the control" in c.value)
    assert f"co-branded -4.5 pp (95 % interval {low * 100:.1f} pp to {high * 100:.1f} pp)" in caption
    assert "%" not in caption.replace("95 %", "")


@pytest.mark.browser
def test_the_tests_page_in_a_browser(tmp_path: Path, small_db: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    from data_layer.db.migrations import open_database

    from .browser import CHROMIUM_FLAGS, chromium_path, sign_in, streamlit_server, wait_for_charts_drawn
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
            wait_for_charts_drawn(page)  # the lift chart has drawn before the screenshot
            page.screenshot(path=str(ARTIFACTS / "tests-page.png"), full_page=True)
            expect(page.get_by_text("Traceback")).to_have_count(0)
        finally:
            browser.close()


def test_the_command_line_imports_results_all_or_nothing(tmp_path: Path) -> None:
    import subprocess
    import sys

    from data_layer.db.migrations import open_database
    from tests.conftest import import_folder

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
    # 20 % to 25 %: +5.0 points, Newcombe interval +1.3 to +8.6 (worked out in the first test of this file)
    assert "question: +5.0 pp, 95 % interval +1.3 pp to +8.6 pp" in out.stdout and "%)" not in out.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(f"plan_id,variant,n,conversions,mean,sd\n{pid},plain,10,20,,\n", encoding="utf-8")
    refused = subprocess.run([*run, str(bad)], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert refused.returncode == 1 and "must be at most n (10)" in refused.stderr
    with open_database(db) as s:
        assert s.query_value("SELECT sum(n) FROM test_results") == 2000  # the refused file changed nothing


def _means_test(store: Store) -> str:
    pid = plan(store, "Shorter cycle", TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=40))
    experiments.save_protocol(store, LOCAL_ADMIN, pid, hypothesis="A partner intro shortens the cycle",
                              primary_metric="change in days to close", measure="mean",
                              variants=["no intro", "partner intro"], worked_above=0.5, flopped_below=-0.5,
                              today=TODAY)
    return pid


def test_a_test_of_means_with_negative_means_imports_and_its_lift_is_right(small_store: Store) -> None:
    pid = _means_test(small_store)
    data = (f"plan_id,variant,n,mean,sd\n{pid},no intro,50,-3.0,2.0\n{pid},partner intro,50,-1.5,2.5\n").encode()
    assert experiments.import_results(small_store, LOCAL_ADMIN, data) == 2
    (test,) = [t for t in experiments.results(small_store) if t.plan_id == pid]
    (lift,) = test.lifts
    # -1.5 - (-3.0) = +1.5; se = sqrt(2.0² / 50 + 2.5² / 50) = sqrt(0.08 + 0.125) = 0.452769;
    # 1.959964 * 0.452769 = 0.887412: the interval is +0.6126 to +2.3874, all above the +0.5 line: worked
    assert (lift.value, lift.low, lift.high) == pytest.approx((1.5, 0.612588, 2.387412), abs=1e-5)
    assert (lift.control, lift.treated) == (-3.0, -1.5) and test.outcome == "worked"


def test_each_rows_problems_are_said_once_without_follow_on_noise(small_store: Store) -> None:
    conv = plan(small_store, "Subject lines", TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=30))
    experiments.save_protocol(small_store, LOCAL_ADMIN, conv, hypothesis="h", primary_metric="opens",
                              measure="conversion", variants=["plain", "question"], today=TODAY)
    means = _means_test(small_store)
    data = (f"plan_id,variant,n,conversions,mean,sd\n"
            f"{conv},plain,-5,3,,\n"            # line 2: n negative; conversions 3 is not blamed for it
            f"{conv},question,ten,3,,\n"        # line 3: n not a number; nothing else
            f"{conv},plain,10,11,,\n"           # line 4: more conversions than n
            f"{means},no intro,1,,-2.0,1.0\n"   # line 5: a mean needs n of at least 2
            f"{means},partner intro,30,,-2.0,0\n"  # line 6: sd 0; the negative mean is fine
            f"{means},partner intro,30,,,-1\n"  # line 7: no mean, and sd not positive
            ).encode()
    with pytest.raises(InvalidData) as err:
        experiments.import_results(small_store, LOCAL_ADMIN, data)
    got = [(p.line, p.field, p.message) for p in err.value.problems]
    assert got == [
        (2, "n", "must be a whole number of at least 1"),
        (3, "n", "must be a whole number"),
        (4, "conversions", "must be at most n (10)"),
        (5, "n", "must be a whole number of at least 2"),
        (6, "sd", "must be more than 0 (a standard deviation)"),
        (7, "mean", "must be given for a test of means"),
        (7, "sd", "must be more than 0 (a standard deviation)"),
    ]
    assert small_store.query_value("SELECT count(*) FROM test_results") == 0


def test_the_protocol_form_asks_rates_lines_in_points_says_them_back_and_lists_the_test_at_once(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, small_db: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from data_layer.db.migrations import open_database

    from .conftest import USERS

    db = tmp_path / "p.duckdb"
    db.write_bytes(small_db.read_bytes())
    with open_database(db) as s:
        pid = plan(s, "Subject lines", TODAY + dt.timedelta(days=1), dt.date(2026, 6, 20))
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(db))
    monkeypatch.setenv("LEARNING_CULTURE_TODAY", TODAY.isoformat())
    at = AppTest.from_file(str(Path(__file__).parent.parent / "streamlit_app.py"), default_timeout=60)
    at.session_state["auth_email"] = USERS["editor"]
    at.switch_page("pages/tests.py").run()
    assert any("No tests yet" in i.value for i in at.info)
    labels = [n.label for n in at.number_input]
    assert "Worked when the whole lift interval is above (pp)" in labels
    at.text_area(key="tp_hypothesis").input("A question lifts opens by 2 points")
    at.text_input(key="tp_metric").input("opens")
    at.text_input(key="tp_variants").input("plain, question")
    at.number_input(key="tp_worked").set_value(2.0)      # 2 meaning 2 pp ...
    at.number_input(key="tp_flopped").set_value(-1.0)
    at.button[0].click()  # the form's submit button is the page's first button
    at.run()
    assert not at.exception and not at.error
    with open_database(db) as s:  # ... stored as the fraction 0.02
        assert s.query_one("SELECT worked_above, flopped_below FROM test_protocols WHERE plan_id = ?", [pid]) == \
            pytest.approx((0.02, -0.01))
    said = " ".join(x.value for x in at.success)
    assert "worked when the whole 95 % interval of the lift is above +2.0 pp, flopped when it is wholly below " \
           "-1.0 pp" in said
    assert not any("No tests yet" in i.value for i in at.info)  # listed at once, not after a reload
    assert any("Subject lines · no results" in e.label for e in at.expander)
    at.radio(key="tp_measure").set_value("mean").run()
    assert "Worked when the whole lift interval is above (in the metric's unit)" in [n.label for n in at.number_input]


def test_a_rates_rule_beyond_100_points_is_refused_as_it_could_never_fire(small_store: Store) -> None:
    pid = plan(small_store, "Subject lines", TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=30))
    with pytest.raises(InvalidData) as err:  # 2 meant as 2 pp but given as a fraction: 200 pp
        experiments.save_protocol(small_store, LOCAL_ADMIN, pid, hypothesis="h", primary_metric="opens",
                                  measure="conversion", variants=["plain", "question"], worked_above=2.0,
                                  today=TODAY)
    assert [p.field for p in err.value.problems] == ["decision rule"]
    assert "between -100 pp and +100 pp" in err.value.problems[0].message
    assert small_store.query_value("SELECT count(*) FROM test_protocols") == 0
    # a test of means has no such bound: its lines are in the metric's own unit
    experiments.save_protocol(small_store, LOCAL_ADMIN, pid, hypothesis="h", primary_metric="minutes watched",
                              measure="mean", variants=["60 min", "30 min"], worked_above=2.0, today=TODAY)


def test_the_rule_said_back_escapes_the_metric_name(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                    small_db: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from data_layer.db.migrations import open_database

    from .conftest import USERS

    db = tmp_path / "e.duckdb"
    db.write_bytes(small_db.read_bytes())
    with open_database(db) as s:
        plan(s, "Webinar length", TODAY + dt.timedelta(days=1), dt.date(2026, 6, 20))
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(db))
    monkeypatch.setenv("LEARNING_CULTURE_TODAY", TODAY.isoformat())
    at = AppTest.from_file(str(Path(__file__).parent.parent / "streamlit_app.py"), default_timeout=60)
    at.session_state["auth_email"] = USERS["editor"]
    at.switch_page("pages/tests.py").run()
    at.radio(key="tp_measure").set_value("mean").run()
    at.text_area(key="tp_hypothesis").input("Shorter webinars keep people watching")
    at.text_input(key="tp_metric").input("**minutes** [watched](http://x.example)")
    at.text_input(key="tp_variants").input("60 min, 30 min")
    at.number_input(key="tp_worked").set_value(5.0)   # in minutes: no conversion
    at.button[0].click()
    at.run()
    said = " ".join(x.value for x in at.success)
    assert "above +5.00, flopped when it is wholly below 0.00 (in the unit of \\*\\*minutes\\*\\* \\[watched\\]" in said
