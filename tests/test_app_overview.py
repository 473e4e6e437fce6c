"""AppTest of the entrypoint and every analytics page, on the hand-made dataset.

The app's "today" is 2026-05-31, so the default window (last 90 days) is 2026-03-03..2026-05-31
and the previous window 2025-12-03..2026-03-02. Answers are worked out in the comments.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_layer.analytics import metrics
from data_layer.db.migrations import open_database
from data_layer.domain.filters import Filter

from .conftest import DEMO_TODAY

ROOT = Path(__file__).parent.parent
APP = str(ROOT / "streamlit_app.py")
SMALL_TODAY = dt.date(2026, 5, 31)


def run_app(monkeypatch: pytest.MonkeyPatch, db: Path, today: dt.date, page: str | None = None,
            query: dict[str, list[str]] | None = None, user: str | None = "viewer@example.com") -> AppTest:
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(db))
    monkeypatch.setenv("LEARNING_CULTURE_TODAY", today.isoformat())
    at = AppTest.from_file(APP, default_timeout=60)
    if user:
        at.session_state["auth_email"] = user  # signed in (the sign-in flow has its own tests)
    for key, values in (query or {}).items():
        at.query_params[key] = values
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_shows_every_kpi_with_its_change(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    at = run_app(monkeypatch, small_db, SMALL_TODAY)
    assert [t.value for t in at.title] == ["Overview"]
    assert shown(at) == {
        "Members": "3",                  # p1, p3, p4
        "Assessed": "67%",               # p1 (a1), p4 (a4)
        "Active in 28 days": "67%",      # p3 (e11), p1 (e12)
        "Outreach within 24 h": "33%",   # a4 exactly 24 h; a5 24 h + 1 s; a6 240 h
        "Readiness lift": "12.5 pts",    # p1 +10, p4 +15
        "Post-mortem coverage": "33%",   # pl2 covered; pl3 none; pl5 only a draft
        "Win rate with partner": "67%",  # d1, d3 won; d5 lost
        "Win rate without partner": "50%",  # d9 won; d2 lost
        "Lessons published": "3",        # l1, l4, l5
    }
    deltas = {m.label: m.delta for m in at.metric}
    # Previous window: members p1, p2 (left 02-15), p3, p4 = 4; no-partner deals d4 and d11 both won.
    assert deltas["Members"] == "-1"
    assert deltas["Assessed"] == "+16.7 pp"           # 2/4 before
    assert deltas["Win rate without partner"] == "-50.0 pp"
    assert deltas["Lessons published"] == "+3"
    assert deltas["Win rate with partner"] == ""       # no partner deal closed before: no change shown
    captions = [c.value for c in at.caption]
    assert "too few deals (n = 3)" in captions and "too few deals (n = 2)" in captions


def test_picking_a_cohort_changes_the_numbers_and_the_url(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    at = run_app(monkeypatch, small_db, SMALL_TODAY)
    at.multiselect(key="f_cohorts").select("c2").run()
    assert shown(at)["Members"] == "2"        # p3 and p4
    assert shown(at)["Assessed"] == "50%"     # p4 only
    assert at.query_params["cohort"] == "c2"
    # The filter survives a move to another page, and stays in the URL.
    at.switch_page("pages/adoption.py").run()
    assert shown(at)["Members"] == "2"
    assert at.query_params["cohort"] == "c2"


def test_a_shared_url_reproduces_the_view(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    at = run_app(monkeypatch, small_db, SMALL_TODAY, query={"cohort": ["c2"], "team": ["Commercial"]})
    assert shown(at)["Members"] == "2"  # p3 and p4 are both in Commercial
    at = run_app(monkeypatch, small_db, SMALL_TODAY, query={"preset": ["custom"], "from": ["2026-03-01"],
                                                          "to": ["2026-05-31"], "region": ["APAC"]})
    assert shown(at)["Members"] == "1"  # p4
    assert at.session_state["f_range"] == (dt.date(2026, 3, 1), dt.date(2026, 5, 31))


def test_a_stale_or_hostile_url_falls_back_without_an_error(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    at = run_app(monkeypatch, small_db, SMALL_TODAY, query={
        "cohort": ["nope' OR 1=1 --"], "preset": ["<script>"], "from": ["yesterday"]})
    assert shown(at)["Members"] == "3"
    assert "cohort" not in at.query_params and "preset" not in at.query_params


def test_reset_returns_to_all_cohorts(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    at = run_app(monkeypatch, small_db, SMALL_TODAY, query={"cohort": ["c2"]})
    assert shown(at)["Members"] == "2"
    at.button(key="f_reset").click().run()
    assert shown(at)["Members"] == "3"
    assert "cohort" not in at.query_params


def test_adoption_page(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    at = run_app(monkeypatch, small_db, SMALL_TODAY, page="pages/adoption.py")
    assert shown(at)["Outreach within 24 h"] == "33%"
    assert shown(at)["Median hours to outreach"] == "24.0 h"
    cohort_table, at_risk = (d.value for d in at.dataframe)
    assert list(cohort_table["Cohort"]) == ["Aurora", "Pathfinders"]
    # Aurora (c2): p3 and p4; Pathfinders (c1): p1 and p3 (p2 left before the window).
    assert list(cohort_table["Members"]) == [2, 2]
    # Assessed on or before 05-31: p4 (a4) in Aurora, p1 (a1) in Pathfinders; p3's a2 is on 06-10.
    # The rate reads in its declared unit: a whole percentage, not 0.5 or "50.00%".
    assert list(cohort_table["Assessed"]) == [50.0, 50.0]
    # Quiet for 21 days up to 05-31: p4 (last own event 04-01).
    assert list(at_risk["Member"]) == ["Dev Patel"]


def test_adoption_page_with_nobody_in_the_selection_says_so(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    at = run_app(monkeypatch, small_db, SMALL_TODAY, page="pages/adoption.py", query={"role": ["marketer"]})
    assert "No members in this selection" in at.info[0].value
    assert not at.dataframe


def test_barriers_page(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    at = run_app(monkeypatch, small_db, SMALL_TODAY, page="pages/barriers.py")
    assert shown(at) == {"Readiness": "60.0 / 100", "Readiness lift": "12.5 pts", "Barriers resolved": "67%"}
    # The only note is on a1, which is no longer p1's latest assessment (a5 is).
    assert any("No free-text notes" in i.value for i in at.info)
    dims = at.dataframe[0].value
    # Latest scores: partner_knowledge (70 + 50) / 2 = 60; lift p1 +10, p4 +20 -> 15.
    row = dims[dims["Dimension"] == "Partner knowledge"].iloc[0]
    assert (row["Readiness"], row["Lift"]) == (60.0, 15.0)


def test_win_rates_page(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    at = run_app(monkeypatch, small_db, SMALL_TODAY, page="pages/win_rates.py")
    values = shown(at)
    assert values["Win rate with partner"] == "67%"
    assert values["Partner lift"] == "+16.7 pp"
    assert values["Avg won amount, partner"] == "$8,500"
    assert values["Median cycle, partner"] == "92 days"  # 91.5 rounds to even on display
    assert values["180 days before joining"] == "50%"   # d10 lost, d11 won
    assert values["180 days after joining"] == "67%"    # 4 of 6
    assert "too few deals (n = 6)" in [c.value for c in at.caption]


def test_win_rates_page_without_deals_says_so(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    at = run_app(monkeypatch, small_db, dt.date(2026, 12, 11), page="pages/win_rates.py")
    assert shown(at)["Win rate with partner"] == "no data"
    assert any("No deals closed in this window" in i.value for i in at.info)


def test_learning_health_page(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    at = run_app(monkeypatch, small_db, SMALL_TODAY, page="pages/learning_health.py")
    assert shown(at) == {"Lessons published": "3", "Flops published": "33%", "Contributors": "3",
                         "Post-mortem coverage": "33%", "Action follow-through": "50%"}
    overdue = at.dataframe[0].value
    assert list(overdue["Plan"]) == ["Marketplace co-sell play"] and list(overdue["Owner"]) == ["Dev Patel"]
    assert "Co-branded email flopped" in " ".join(t.value for t in at.text)


def test_every_page_on_demo_data_matches_the_data_layer(monkeypatch: pytest.MonkeyPatch, demo_db: Path) -> None:
    filt = Filter.last_days(90, today=DEMO_TODAY)
    with open_database(demo_db) as s:
        expected = {"Members": f"{metrics.members(s, filt):,}",
                    "Lessons published": f"{metrics.lessons_published(s, filt):,}"}
    at = run_app(monkeypatch, demo_db, DEMO_TODAY, user="viewer@demo.example")
    assert {k: shown(at)[k] for k in expected} == expected
    for page in ("pages/adoption.py", "pages/barriers.py", "pages/win_rates.py", "pages/learning_health.py",
                 "pages/tools.py", "pages/voice.py"):
        at.switch_page(page).run()
        assert not at.exception, page
        assert at.metric, page
    at.switch_page("pages/person.py").run()  # the demo viewer is no person: a sentence, not an error
    assert not at.exception and any("not linked to a person" in i.value for i in at.info)


def test_cli_report_and_the_page_show_the_same_values(monkeypatch: pytest.MonkeyPatch, small_db: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "data_layer.cli", "report", "--json", "--db", str(small_db), "--today", "2026-05-31",
         "--from", "2026-03-03", "--to", "2026-05-31", "--cohort", "c2"],
        capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    at = run_app(monkeypatch, small_db, SMALL_TODAY, query={"cohort": ["c2"]})
    page = shown(at)
    assert page["Members"] == str(report["members"])
    assert page["Assessed"] == f"{report['assessed_rate'] * 100:.0f}%"
    assert page["Win rate with partner"] == f"{report['win_rate_partner'] * 100:.0f}%"
    assert page["Readiness lift"] == f"{report['readiness_lift']:.1f} pts"
    assert page["Lessons published"] == str(report["lessons_published"])


def test_an_empty_database_gets_a_sentence_not_zeros(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from .conftest import add_test_users

    with open_database(tmp_path / "empty.duckdb") as s:
        add_test_users(s)
    at = run_app(monkeypatch, tmp_path / "empty.duckdb", DEMO_TODAY)
    assert len(at.metric) == 0
    assert "No cohort data yet" in at.info[0].value


def test_a_database_that_cannot_open_shows_a_sentence_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    not_a_db = tmp_path / "junk.duckdb"
    not_a_db.write_bytes(b"this is not a duckdb file" * 100)
    at = run_app(monkeypatch, not_a_db, DEMO_TODAY, user=None)
    assert at.error[0].value.startswith("The database could not open")
