"""AppTest of the acting pages: the public answer form, My assessment, Assessment rounds, Outreach queue,
Goals, and the goal on the Overview. The app's today is the real day (links expire by the real clock)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_layer.access import auth
from data_layer.acting import answers, goals
from data_layer.db.migrations import open_database

from .acting_setup import EDITOR, Round, build
from .conftest import LOCAL_ADMIN, PASSWORD, USERS

APP = str(Path(__file__).parent.parent / "streamlit_app.py")
NOW = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
TODAY = NOW.date()
# Statement n of the 12 answered (n % 5) + 1 (see tests/test_acting.py): scores 25, 58.33, 50, 41.67.
CYCLE_SCORES = {"partner_knowledge": 25.0, "co_selling_confidence": 175 / 3, "solution_selling": 50.0,
                "tool_fluency": 125 / 3}


@pytest.fixture
def acting_db(tmp_path: Path) -> tuple[Path, Round]:
    path = tmp_path / "acting.duckdb"
    return path, build(path, NOW - dt.timedelta(minutes=5))


def run(monkeypatch: pytest.MonkeyPatch, db: Path, page: str | None, user: str | None = None,
        token: str | None = None) -> AppTest:
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(db))
    monkeypatch.setenv("LEARNING_CULTURE_TODAY", TODAY.isoformat())
    at = AppTest.from_file(APP, default_timeout=60)
    if user:
        at.session_state["auth_email"] = user
    if token is not None:
        at.query_params["t"] = token
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("title", "markdown", "caption", "subheader", "info", "error", "success")
             for e in getattr(at, kind)]
    parts += [r.label for r in at.radio] + [c.label for c in at.checkbox]
    return " ".join(str(p) for p in parts)


def test_a_personal_link_opens_only_that_persons_form_and_saves_each_answer(
        monkeypatch: pytest.MonkeyPatch, acting_db: tuple[Path, Round]) -> None:
    db, rnd = acting_db
    at = run(monkeypatch, db, "pages/answer.py", token=rnd.tokens["p3"])
    assert [t.value for t in at.title] == ["Aurora baseline"]
    assert len(at.radio) == 12 and [c.label.replace("\\", "") for c in at.checkbox] == [
        "Don't know the partners", "No time", "Unclear process", "Tool friction", "Other"]
    shown = texts(at)
    assert "Cara" in shown and not any(name in shown for name in ("Dev", "Eve", "Ana", "Patel", "Moreau"))
    at.radio[0].set_value(2).run()
    at.checkbox[1].check().run()
    assert not at.exception
    with open_database(db) as s:
        saved = json.loads(s.query_value("SELECT answers FROM assessment_links WHERE link_id = ?",
                                         [rnd.links["p3"]]))
    assert saved == {"q": {"partner_knowledge:1": 2}, "barriers": ["no_time"], "notes": ""}


def test_sending_the_form_stores_the_scores_computed_by_hand(monkeypatch: pytest.MonkeyPatch,
                                                            acting_db: tuple[Path, Round]) -> None:
    db, rnd = acting_db
    at = run(monkeypatch, db, "pages/answer.py", token=rnd.tokens["p4"])
    at.button(key=f"assess_{rnd.links['p4']}_send").click().run()
    assert any("missing for 12 statement" in e.value for e in at.error)
    for i, radio in enumerate(at.radio):
        radio.set_value((i % 5) + 1)
    at.run()
    at.button(key=f"assess_{rnd.links['p4']}_send").click().run()
    assert [s.value for s in at.success] == ["Thank you: your answers were sent. The partnership team will be in touch."]
    with open_database(db) as s:
        scores = dict(s.query("SELECT dimension, score FROM assessment_scores WHERE assessment_id = ?",
                              ["IA-" + rnd.links["p4"]]))
    assert scores == pytest.approx(CYCLE_SCORES)


@pytest.mark.parametrize(("which", "sentence"), [
    ("made-up", answers.NOT_VALID),
    ("expired", "This link has expired"),
])
def test_a_made_up_or_expired_link_says_so_in_one_sentence(monkeypatch: pytest.MonkeyPatch,
                                                           acting_db: tuple[Path, Round], which: str,
                                                           sentence: str) -> None:
    db, rnd = acting_db
    token = "x" * 43 if which == "made-up" else rnd.expired_token
    at = run(monkeypatch, db, "pages/answer.py", token=token)
    assert len(at.info) == 1 and at.info[0].value.replace("\\", "").startswith(sentence)
    assert len(at.radio) == 0 and len(at.title) == 0


def test_without_a_token_the_answer_page_is_the_sign_in_form(monkeypatch: pytest.MonkeyPatch,
                                                              acting_db: tuple[Path, Round]) -> None:
    db, _ = acting_db
    at = run(monkeypatch, db, None)
    assert "Sign in" in [t.value for t in at.title] + [h.value for h in at.header] + [s.value for s in at.subheader]
    assert len(at.radio) == 0


def test_a_member_with_an_account_answers_inside_the_app(monkeypatch: pytest.MonkeyPatch,
                                                          acting_db: tuple[Path, Round]) -> None:
    db, _ = acting_db
    with open_database(db) as s:
        auth.add_user(s, LOCAL_ADMIN, "cara@example.com", "Cara", "viewer", PASSWORD)
    at = run(monkeypatch, db, "pages/my_assessment.py", user="cara@example.com")
    assert [t.value for t in at.title] == ["Aurora baseline"] and len(at.radio) == 12
    at = run(monkeypatch, db, "pages/my_assessment.py", user=USERS["viewer"])
    assert [i.value for i in at.info] == ["No readiness assessment is waiting for you."]


@pytest.mark.parametrize("page", ["pages/outreach.py", "pages/assessment_rounds.py"])
def test_viewers_may_not_open_the_editors_pages(monkeypatch: pytest.MonkeyPatch, acting_db: tuple[Path, Round],
                                                page: str) -> None:
    db, _ = acting_db
    # Not in a viewer's navigation (tests/test_app_auth.py's matrix); the page guards itself too:
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(db))
    at = AppTest.from_file(str(Path(APP).parent / page), default_timeout=60)
    at.session_state["auth_email"] = USERS["viewer"]
    at.run()
    assert [e.value for e in at.error] == ["Not permitted: sign in with an account that may see this page."]
    assert len(at.button) == 0 and len(at.text_input) == 0


def test_the_queue_shows_a_member_who_answered_and_reached_out_takes_them_off(
        monkeypatch: pytest.MonkeyPatch, acting_db: tuple[Path, Round]) -> None:
    db, rnd = acting_db
    with open_database(db) as s:
        form = answers.open_by_token(s, rnd.tokens["p3"])
        aid = answers.submit(s, form, {"q": {q.key: 3 for q in form.questions}, "barriers": ["no_time"]},
                             token=rnd.tokens["p3"], now=NOW - dt.timedelta(hours=2))
    at = run(monkeypatch, db, "pages/outreach.py", user=USERS["editor"])
    assert {m.label: m.value for m in at.metric} == {"Waiting for outreach": "1", "Waiting over 24 h": "0"}
    shown = texts(at)
    assert "Cara Diaz" in shown and "Aurora" in shown and "Ana Silva" in shown and "No time" in shown
    assert "22.0 h left" in shown or "21.9 h left" in shown
    at.text_input(key=f"oq_note_{aid}").input("Called, booked an intro")
    at.button(key=f"FormSubmitter:oq_reach_{aid}-Reached out").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Outreach to Cara Diaz recorded\\."]
    assert {m.label: m.value for m in at.metric} == {"Waiting for outreach": "0", "Waiting over 24 h": "0"}
    with open_database(db) as s:
        assert s.query("SELECT person_id, cohort_id, source FROM events WHERE verb = 'outreach_received' "
                       "AND event_id = ?", [f"outreach-{aid}"]) == [("p3", "c2", "app")]


def test_an_editor_opens_a_round_and_sees_each_link_once(monkeypatch: pytest.MonkeyPatch,
                                                         acting_db: tuple[Path, Round]) -> None:
    db, _ = acting_db
    at = run(monkeypatch, db, "pages/assessment_rounds.py", user=USERS["editor"])
    at.text_input(key="rd_name").input("Pathfinders follow-up")
    at.selectbox(key="rd_kind").select("follow_up")
    at.multiselect(key="rd_cohorts").select("c1")
    at.button(key="FormSubmitter:open_round-Open the round").click().run()
    assert not at.exception and [e.value for e in at.error] == []
    [frame] = [d.value for d in at.dataframe if "link" in d.value.columns]
    assert list(frame["name"]) == ["Ana Silva", "Cara Diaz"]
    assert all("/answer?t=" in link for link in frame["link"])
    at.text_area(key="rd_q_tool_fluency").input("Only one statement.")
    at.button(key="FormSubmitter:open_round-Open the round").click().run()
    assert [e.value for e in at.error] == ["The statements of tool fluency must be 3 to 5 \\(one per line\\)\\."]


def test_goals_everyone_reads_and_editors_set(monkeypatch: pytest.MonkeyPatch, acting_db: tuple[Path, Round]) -> None:
    db, _ = acting_db
    at = run(monkeypatch, db, "pages/goals.py", user=USERS["viewer"])
    assert [t.value for t in at.title] == ["Goals"] and "Set a goal" not in texts(at)
    at = run(monkeypatch, db, "pages/goals.py", user=USERS["editor"])
    at.selectbox(key="gl_metric").select("members")
    at.number_input(key="gl_target").set_value(5.0)
    at.button(key="FormSubmitter:new_goal-Set the goal").click().run()
    assert not at.exception and [s.value for s in at.success] == ["Goal on Members set\\."]
    [frame] = [d.value for d in at.dataframe]
    # members over the 90 days ending today: p1, p3, p4, p5 = 4; set today, so the path stands at the start
    # value (4) today: on track, 0 % of the way
    assert frame.iloc[0][["Goal", "For", "Started at", "Now", "State", "Progress"]].tolist() == [
        "Members at least 5", "all cohorts", "4", "4", "on track", 0]


def test_a_goal_shows_on_the_overview_tile_with_its_line_and_state(monkeypatch: pytest.MonkeyPatch,
                                                                   acting_db: tuple[Path, Round]) -> None:
    db, _ = acting_db
    with open_database(db) as s:
        goals.create(s, EDITOR, metric="members", target=3, due_on=TODAY + dt.timedelta(days=30), today=TODAY)
    at = run(monkeypatch, db, None, user=USERS["viewer"])
    captions = [c.value for c in at.caption if "Goal:" in c.value]
    assert len(captions) == 1 and "at least 3 by" in captions[0] and "on track (now 4" in captions[0]
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    [spec] = [sp for sp in specs if any(layer.get("encoding", {}).get("y", {}).get("field") == "goal"
                                        for layer in sp.get("layer", []))]
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "rule"]


def test_the_goal_sparkline_draws_the_trend_and_the_goal_line_in_percent() -> None:
    from dashboard.charts import goal_sparkline

    spec = goal_sparkline([0.5, None, 0.75], 0.8, percent=True).to_dict()
    line, rule = spec["layer"]
    datasets = spec["datasets"]
    assert [r["value"] for r in datasets[line["data"]["name"]]] == [50.0, None, 75.0]
    assert datasets[rule["data"]["name"]] == [{"goal": 80.0}]
    assert rule["mark"]["strokeDash"] == [4, 3] and rule["encoding"]["y"]["field"] == "goal"


def test_a_pages_tile_says_whether_its_goal_is_on_track(monkeypatch: pytest.MonkeyPatch,
                                                        acting_db: tuple[Path, Round]) -> None:
    db, _ = acting_db
    with open_database(db) as s:
        # Set 30 days ago when members (90 days ending then) were 4: the path to "at most 3" in 60 days stands
        # at 3.5 today, and members are still 4: behind.
        goals.create(s, EDITOR, metric="members", target=3, direction="at_most", due_on=TODAY + dt.timedelta(days=30),
                     today=TODAY - dt.timedelta(days=30))
    at = run(monkeypatch, db, "pages/adoption.py", user=USERS["viewer"])
    [caption] = [c.value for c in at.caption if "Goal:" in c.value]
    assert "Goal: at most 3 by" in caption and "· behind (now 4" in caption


def test_not_needed_needs_a_reason_and_then_takes_the_member_off(monkeypatch: pytest.MonkeyPatch,
                                                                 acting_db: tuple[Path, Round]) -> None:
    db, rnd = acting_db
    with open_database(db) as s:
        form = answers.open_by_token(s, rnd.tokens["p4"])
        aid = answers.submit(s, form, {"q": {q.key: 3 for q in form.questions}}, token=rnd.tokens["p4"], now=NOW)
    at = run(monkeypatch, db, "pages/outreach.py", user=USERS["editor"])
    at.button(key=f"FormSubmitter:oq_nn_{aid}-Not needed").click().run()
    assert [e.value for e in at.error] == ["The reason must not be empty\\."]
    at.text_input(key=f"oq_nr_{aid}").input("Already working with the partner team")
    at.button(key=f"FormSubmitter:oq_nn_{aid}-Not needed").click().run()
    assert [s.value for s in at.success] == ["Dev Patel taken off the queue\\."]
    assert {m.label: m.value for m in at.metric}["Waiting for outreach"] == "0"
    with open_database(db) as s:
        assert s.query("SELECT status, reason, updated_by FROM outreach_tasks WHERE assessment_id = ?", [aid]) == [
            ("not_needed", "Already working with the partner team", USERS["editor"])]
