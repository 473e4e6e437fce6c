"""What a person spots in the first hour: the demo shows every page at work, and every number a page,
the CLI, a digest or an alert prints reads in its declared unit.

The database is made the way `make run` makes it (`learning-culture demo`), over 30 months, so
trends span years. The units check scans the text people read: tiles, captions, messages, the
digest and the report; a difference of rates must read in points ("+3.0 pp"), never "+3.0%", and
no number may leak with its raw float digits (0.2608695652173913).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from data_layer.db.migrations import open_database
from data_layer.db.store import Store

ROOT = Path(__file__).parent.parent
TODAY = dt.date(2026, 11, 22)
MONTHS = 30
# A signed percentage is a difference written as a percent: differences of rates read in pp.
SIGNED_PERCENT = re.compile(r"(?<![\w.])[+\-−]\d[\d,]*(\.\d+)?\s?%")
# A raw float: four or more decimals (a rate 0.2608..., a mean 12.345678).
RAW_FLOAT = re.compile(r"\d\.\d{4,}")


@pytest.fixture(scope="module")
def thirty_months(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo over 30 months, made by the command `make run` uses (its first alert check and digest included)."""
    path = tmp_path_factory.mktemp("thirty") / "demo.duckdb"
    out = subprocess.run([sys.executable, "-m", "data_layer.cli", "demo", "--db", str(path), "--today",
                          TODAY.isoformat(), "--months", str(MONTHS)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return path


def _read(path: Path) -> Store:
    return open_database(path)


def test_the_demo_spans_the_months_asked_and_shows_tests_alerts_notes_and_a_digest(thirty_months: Path) -> None:
    from data_layer.book import experiments

    with _read(thirty_months) as store:
        first = store.query_value("SELECT min(start_date) FROM cohorts")
        assert (TODAY - first).days > 27 * 30  # cohorts start across the 30 months (the first 14 days in)
        outcomes = sorted(t.outcome for t in experiments.results(store))
        assert outcomes == ["flopped", "inconclusive", "no results", "worked"]  # one of each, one still running
        states = dict(store.query("SELECT name, state FROM alerts"))
        assert sorted(states.values()) == ["firing", "ok", "silent"]
        assert store.query_value("SELECT count(*) FROM digest_posts WHERE delivered") == 1
        assert store.query_value("SELECT count(*) FROM annotations") == 3
        destination = store.query_value("SELECT value FROM app_meta WHERE key = 'digest_destination'")
    messages = [json.loads(line)["text"] for line in Path(destination[len("file:"):]).read_text().splitlines()]
    assert any(m.startswith(":rotating_light: Members going quiet") for m in messages)
    assert any(m.startswith("## Learning digest") for m in messages)


def _app(monkeypatch: pytest.MonkeyPatch, db: Path, page: str, user: str = "admin@demo.example",
         query: dict[str, str] | None = None) -> Any:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("LEARNING_CULTURE_DB", str(db))
    monkeypatch.setenv("LEARNING_CULTURE_TODAY", TODAY.isoformat())
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=90)
    at.session_state["auth_email"] = user
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _texts(at: Any) -> list[str]:
    """Everything a person reads on the page, but tables (their cells go through column formats)."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "success", "warning",
                 "error", "code"):
        out += [str(e.value) for e in at.get(kind)]
    for m in at.metric:
        out += [str(m.label), str(m.value), str(m.delta or "")]
    out += [str(e.label) for e in at.expander]
    return out


def _offences(texts: list[str]) -> list[str]:
    return [t for t in texts if SIGNED_PERCENT.search(t) or RAW_FLOAT.search(t)]


WINDOW = {"preset": "custom", "from": (TODAY - dt.timedelta(days=MONTHS * 31)).isoformat(), "to": TODAY.isoformat()}


@pytest.mark.parametrize("page", ["overview", "adoption", "barriers", "win_rates", "tools", "voice",
                                  "learning_health", "tests", "alerts", "person"])
def test_every_number_on_the_page_reads_in_its_unit(monkeypatch: pytest.MonkeyPatch, thirty_months: Path,
                                                  page: str) -> None:
    at = _app(monkeypatch, thirty_months, f"pages/{page}.py", query=WINDOW)
    texts = _texts(at)
    assert len(texts) > 3
    assert _offences(texts) == []


def test_the_tests_page_of_the_demo_shows_each_outcome_with_lifts_in_points(monkeypatch: pytest.MonkeyPatch,
                                                                           thirty_months: Path) -> None:
    at = _app(monkeypatch, thirty_months, "pages/tests.py")
    assert {m.label: m.value for m in at.metric} == {"Worked": "1", "Flopped": "1", "Inconclusive": "1",
                                                     "No results": "1"}
    texts = " ".join(_texts(at))
    # showcase.py: 11.0 % vs 14.5 % is +3.5 pp; the net score -4.00 vs 12.00 is -16.00 (a mean, its own unit)
    assert "co-sell outreach: 14.5% vs 11.0% in the control (n = 2,400): lift +3.5 pp" in texts
    assert "self-paced video: -4.00 vs 12.00 (n = 290): lift -16.00" in texts
    assert "No tests yet" not in texts


def test_the_alerts_page_of_the_demo_lists_each_state_and_a_sent_digest(monkeypatch: pytest.MonkeyPatch,
                                                                       thirty_months: Path) -> None:
    at = _app(monkeypatch, thirty_months, "pages/alerts.py")
    alerts = next(d.value for d in at.dataframe if "State" in d.value.columns)
    assert sorted(alerts["State"]) == ["firing", "ok", "silent"]
    digests = next(d.value for d in at.dataframe if "Delivered" in d.value.columns)
    assert list(digests["Delivered"]) == [True]


def test_the_learning_records_picker_reads_plainly(monkeypatch: pytest.MonkeyPatch, thirty_months: Path) -> None:
    at = _app(monkeypatch, thirty_months, "pages/person.py", user="editor@demo.example")
    picker = at.selectbox(key="rec_person")
    labels = list(picker.options)  # as shown (AppTest gives the formatted labels)
    # the demo editor's account is linked to no person (no email matches): everyone reads as name · team
    assert labels[0] == "Ada Bauer · Partnerships"  # was "Ada Bauer (everyone (your role))"
    assert not any("everyone" in label or "your role" in label for label in labels)


def test_the_cli_report_digest_and_alerts_print_every_number_in_its_unit(thirty_months: Path,
                                                                        tmp_path: Path) -> None:
    run = [sys.executable, "-m", "data_layer.cli"]
    report = subprocess.run([*run, "report", "--markdown", "--db", str(thirty_months), "--today", TODAY.isoformat(),
                             "--from", WINDOW["from"]], capture_output=True, text=True, cwd=ROOT)
    assert report.returncode == 0, report.stderr
    digest_file = tmp_path / "digest.md"
    digest = subprocess.run([*run, "digest", "--db", str(thirty_months), "--today", TODAY.isoformat(), "--since",
                             "2026-08-01", "--markdown", str(digest_file)], capture_output=True, text=True, cwd=ROOT)
    assert digest.returncode == 0, digest.stderr
    digest_text = digest_file.read_text(encoding="utf-8")
    # the three tests that ended since August, their lifts of rates in points
    assert "**Tests that ended (3)**" in digest_text and "co\\-sell outreach +3.5 pp" in digest_text
    with _read(thirty_months) as store:
        messages = [m for (m,) in store.query("SELECT message FROM alert_events")]
    lines = [*report.stdout.splitlines(), *digest_text.splitlines(), *messages]
    assert _offences(lines) == []


def test_the_scan_catches_what_it_is_for() -> None:
    assert _offences(["Lift +3.0%", "win rate 0.2608695652173913", "-4.5 %"]) == [
        "Lift +3.0%", "win rate 0.2608695652173913", "-4.5 %"]
    assert _offences(["Lift +3.0 pp", "Win rate 26%", "readiness 61.3 / 100", "$18,400", "Sun 03 Jun"]) == []


def test_a_date_nobody_has_reads_blank_not_none(monkeypatch: pytest.MonkeyPatch, thirty_months: Path) -> None:
    with _read(thirty_months) as store:  # someone in one cohort they never left: a "Left" column with no date at all
        person = store.query_value("""SELECT person_id FROM memberships GROUP BY person_id
                                      HAVING count(*) = 1 AND count(left_on) = 0 ORDER BY person_id LIMIT 1""")
        cohort = store.query_value("SELECT cohort_id FROM memberships WHERE person_id = ?", [person])
    at = _app(monkeypatch, thirty_months, "pages/person.py", query={"person": person})
    cohorts = next(d.value for d in at.dataframe if "Left" in d.value.columns)
    assert list(cohorts["Left"]) == [""]
    at = _app(monkeypatch, thirty_months, "pages/admin_people.py")
    at.selectbox(key="adm_cohort").set_value(cohort).run()
    members = next(d.value for d in at.dataframe if "Left" in d.value.columns)  # Cohorts & people: its members
    assert person in set(members["Person"])
    left = set(map(str, members["Left"]))
    assert "" in left and not left & {"None", "NaT", "nan"}


def test_the_post_mortem_help_without_a_section_reads_as_a_sentence_not_a_fragment() -> None:
    from data_layer.book.templates import template

    assert template("")["help"] == ("Choose a section for prompts that fit it. Meanwhile: what exactly did we do, "
                                    "for whom, and what did the numbers say?")
    assert template("email")["help"] == "Email: List, subject lines, open and click rates against the usual."
