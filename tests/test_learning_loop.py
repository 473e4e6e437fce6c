"""The learning loop on the page: tools and resources, the cohort's voice, a person's learning record.

Hand-worked on tests/data/loop (today 2026-05-31; window 2026-03-03..2026-05-31; members p1..p4,
p5 is not a member). The answers are worked out in the comments from the files themselves.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data_layer.access import auth
from data_layer.access.auth import Actor, NotPermitted
from data_layer.analytics import engine
from data_layer.db.migrations import open_database
from data_layer.db.store import Store
from data_layer.directory import admin, records
from data_layer.domain.filters import Filter
from data_layer.ingest.importer import SPECS, import_files

from .conftest import LOCAL_ADMIN, PASSWORD, USERS, add_test_users

ROOT = Path(__file__).parent.parent
LOOP = Path(__file__).parent / "data" / "loop"
APP = str(ROOT / "streamlit_app.py")
TODAY = dt.date(2026, 5, 31)
WINDOW = Filter(date_from=dt.date(2026, 3, 3), date_to=TODAY, today=TODAY)
PEOPLE = {"ana": "ana@example.com", "ben": "ben@example.com", "cy": "cy@example.com", "dee": "dee@example.com"}


def loop_files() -> list[Path]:
    return [LOOP / spec.filename for spec in SPECS if (LOOP / spec.filename).is_file()]


def load(store: Store, with_text: bool = True) -> None:
    import_files(store, loop_files(), with_text=with_text)
    add_test_users(store)
    for name, email in PEOPLE.items():  # each person's own account, linked by email
        auth.add_user(store, LOCAL_ADMIN, email.upper() if name == "dee" else email, name.title(), "viewer",
                      PASSWORD)


@pytest.fixture
def store() -> Store:
    s = open_database()
    load(s)
    return s


@pytest.fixture(scope="module")
def loop_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("loop") / "loop.duckdb"
    with open_database(path) as s:
        load(s)
    return path


def rows(frame, key: str = "object") -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {r[key]: r for r in frame.to_dict("records")}


# ----------------------------------------------------------------------- tools & resources
def test_tools_table_by_hand(store: Store) -> None:
    table = engine.evaluate(store, WINDOW, ["tool_adoption"])["tool_adoption"]
    # users desc, reached desc, id: x (3 users); w and y (1 user, 1 reached); q and z (none)
    assert list(table["object"]) == ["tool:x", "tool:w", "tool:y", "res:q", "tut:z"]
    by = rows(table)
    x = by["tool:x"]
    # reached: p1 e1-e3, p2 e4-e5, p3 e6/e7/e10/e11, p4 e9 (p5's e17 is no member's; e18 is after the window)
    assert (x["name"], x["kind"], x["reached"]) == ("Xray", "tool", 4)
    assert x["tutorial_completions"] == 2  # p1 (2 Apr), p2 (10 Apr)
    assert (x["first_users"], x["users"]) == (3, 3)  # p1 5 Apr, p2 20 Apr, p3 30 Mar (before launch)
    # p1 used it on Sunday 5 Apr and Monday 6 Apr: two ISO weeks; p3 on Monday 30 Mar and Sunday 5 Apr: one
    assert x["repeat_users"] == 1
    assert x["median_days_to_use"] == 6.5  # p1 2 -> 5 Apr: 3 days; p2 10 -> 20 Apr: 10 days
    assert (x["feedback"], x["frustrations"], x["tutorial_without_use"]) == (2, 1, 0)  # e9 (text), e10 (none); e11
    y = by["tool:y"]  # first used 20 Feb (before the window), used again 5 Mar
    assert (y["reached"], y["first_users"], y["users"], y["repeat_users"]) == (1, 0, 1, 0)
    z = by["tut:z"]  # p4 completed the tutorial on 10 Mar and never used it
    assert (z["kind"], z["tutorial_completions"], z["tutorial_without_use"], z["users"]) == ("tutorial", 1, 1, 0)
    w = by["tool:w"]  # not in objects.csv: its id is its name
    assert (w["name"], w["first_users"], w["users"]) == ("tool:w", 1, 1) and pd.isna(w["kind"])
    q = by["res:q"]  # launched after the window, but a member subscribed on 10 May
    assert (q["kind"], q["reached"]) == ("resource", 1)


def test_a_launched_tool_nobody_touched_is_listed_with_zeros(store: Store) -> None:
    store.execute("INSERT INTO objects VALUES ('tool:new', 'tool', 'Brand new', DATE '2026-05-15')")
    store.execute("INSERT INTO objects VALUES ('tool:later', 'tool', 'Not yet', DATE '2026-06-15')")
    by = rows(engine.evaluate(store, WINDOW, ["tool_adoption"])["tool_adoption"])
    assert by["tool:new"]["reached"] == 0 and by["tool:new"]["users"] == 0
    assert "tool:later" not in by  # launched after the window's end


def test_adoption_curve_by_week_since_launch(store: Store) -> None:
    curve = engine.evaluate(store, WINDOW, ["tool_adoption_curve"])["tool_adoption_curve"]
    x = curve[curve["object"] == "tool:x"]
    # launched Wed 1 Apr; 31 May is 60 days on: weeks 0..8. Week 0 ends 7 Apr: p3 (30 Mar, before launch) and
    # p1 (5 Apr); p2's first use on 20 Apr falls in week 2 (15..21 Apr). Members: 4.
    assert list(x["week"]) == list(range(9))
    assert list(x["adopters"]) == [2, 2, 3, 3, 3, 3, 3, 3, 3]
    assert list(x["share"]) == [0.5, 0.5] + [0.75] * 7
    y = curve[curve["object"] == "tool:y"]  # no launch date: week 0 starts at the first member event (20 Feb)
    assert len(y) == 15 and set(y["adopters"]) == {1}
    assert set(curve["object"]) == {"tool:x", "tool:y", "tool:w"}  # objects nobody used have no curve


def test_tools_by_cohort(store: Store) -> None:
    table = engine.evaluate(store, WINDOW, ["tool_adoption_by_cohort"])["tool_adoption_by_cohort"]
    got = {(r["cohort"], r["object"]): (r["reached"], r["tutorial_completions"], r["users"], r["repeat_users"],
                                        r["feedback"], r["frustrations"]) for r in table.to_dict("records")}
    assert got == {
        ("Alpha", "tool:x"): (2, 2, 2, 1, 0, 0),  # p1 (c1-tagged), p2 (e4 untagged, e5 c1)
        ("Alpha", "tool:y"): (1, 0, 1, 0, 0, 0),
        ("Alpha", "res:q"): (1, 0, 0, 0, 0, 0),
        ("Beta", "tool:x"): (2, 0, 1, 0, 2, 1),   # p3 used it in one week; feedback e9 + e10; frustration e11
        ("Beta", "tut:z"): (1, 1, 0, 0, 0, 0),
        ("Beta", "tool:w"): (1, 0, 1, 0, 0, 0),
    }
    assert list(dict.fromkeys(table["cohort"])) == ["Beta", "Alpha"]  # newest cohort first


def test_a_cohort_filter_narrows_the_tools(store: Store) -> None:
    beta = Filter(date_from=WINDOW.date_from, date_to=TODAY, today=TODAY, cohorts=("c2",))
    by = rows(engine.evaluate(store, beta, ["tool_adoption"])["tool_adoption"])
    assert (by["tool:x"]["reached"], by["tool:x"]["users"], by["tool:x"]["tutorial_completions"]) == (2, 1, 0)
    assert by["tool:y"]["reached"] == 0  # listed by objects.csv, but no member of Beta touched it


# ----------------------------------------------------------------------------- the voice
def test_wins_and_frustrations(store: Store) -> None:
    got = engine.evaluate(store, WINDOW, ["wins_shared", "frustrations_shared", "frustration_share",
                                          "voice_by_cohort"])
    assert got["wins_shared"] == 2  # e12, e13
    assert got["frustrations_shared"] == 2  # e11 (23 Apr), e14 (15 Mar)
    assert got["frustration_share"].value == 0.5
    monthly = {(r["cohort"], r["month"].strftime("%Y-%m")): (r["wins"], r["frustrations"])
               for r in got["voice_by_cohort"].to_dict("records")}
    assert monthly == {("Alpha", "2026-03"): (0, 1), ("Alpha", "2026-05"): (2, 0), ("Beta", "2026-04"): (0, 1)}
    beta = Filter(date_from=WINDOW.date_from, date_to=TODAY, today=TODAY, cohorts=("c2",))
    assert engine.evaluate(store, beta, ["frustration_share"])["frustration_share"].value == 1.0


def test_words_newest_first_when_imported(store: Store) -> None:
    quotes = engine.evaluate(store, WINDOW, ["voice_quotes"])["voice_quotes"]
    assert list(quotes["text"]) == ["Closed Acme with the partner", "Xray keeps logging me out <b>again</b>",
                                    "Too slow to load", "No time this quarter"]
    assert list(quotes["about"].fillna("")) == ["", "Xray", "Xray", ""]


def test_message_text_is_opt_in_and_said_so() -> None:
    s = open_database()
    result = import_files(s, loop_files())
    assert "event_texts" not in result.rows
    assert any("words of 4 message(s) were not imported" in w for w in result.warnings)
    assert s.query_value("SELECT count(*) FROM event_texts") == 0
    assert engine.evaluate(s, WINDOW, ["voice_quotes"])["voice_quotes"].empty
    assert engine.evaluate(s, WINDOW, ["wins_shared"])["wins_shared"] == 2  # the counts do not need the words
    again = import_files(s, loop_files(), with_text=True)
    assert again.rows["event_texts"] == 4
    assert s.query_value("SELECT text FROM event_texts WHERE event_id = 'e11'") == \
        "Xray keeps logging me out <b>again</b>"  # stored as written


def test_an_admin_purges_the_words_and_the_counts_stay(store: Store) -> None:
    with pytest.raises(NotPermitted):
        admin.purge_texts(store, Actor(USERS["editor"], "editor"))
    admin_actor = Actor(USERS["admin"], "admin")
    assert admin.purge_texts(store, admin_actor, before=dt.date(2026, 4, 22)) == 2  # e9 (21 Apr), e14 (15 Mar)
    assert admin.stored_texts(store) == 2
    assert admin.purge_texts(store, admin_actor) == 2
    assert engine.evaluate(store, WINDOW, ["voice_quotes"])["voice_quotes"].empty
    assert engine.evaluate(store, WINDOW, ["wins_shared"])["wins_shared"] == 2
    trail = store.query("SELECT action, summary FROM audit_log WHERE entity = 'event_texts' ORDER BY audit_id")
    assert [a for a, _ in trail] == ["purge", "purge"] and "2 message text(s)" in trail[0][1]


# ------------------------------------------------------------------- the learning record
SEES = {  # who may read whose record (p5 reports to no one)
    "ana": {"p1", "p2", "p3", "p4"},  # p2 and p4 report to her; p3 to p2 (skip level)
    "ben": {"p2", "p3"},
    "cy": {"p3"},
    "dee": {"p4"},                    # p2 is her peer, not her report
}


@pytest.mark.parametrize("who", sorted(SEES))
def test_access_matrix_in_the_data_layer(store: Store, who: str) -> None:
    actor = Actor(PEOPLE[who], "viewer")
    assert set(records.visible_people(store, actor)["person_id"]) == SEES[who]
    for person in ("p1", "p2", "p3", "p4", "p5", "nobody"):
        assert records.may_view(store, actor, person) == (person in SEES[who]), (who, person)
        if person in SEES[who]:
            assert records.learning_record(store, actor, person, TODAY).person["person_id"] == person
        else:
            with pytest.raises(NotPermitted) as refused:
                records.learning_record(store, actor, person, TODAY)
            # the same sentence whether or not the person exists
            assert "own learning record" in str(refused.value)


def test_editors_and_admins_see_everyone_and_no_one_signed_out_does(store: Store) -> None:
    for role in ("editor", "admin"):
        actor = Actor(USERS[role], role)
        assert set(records.visible_people(store, actor)["person_id"]) == {"p1", "p2", "p3", "p4", "p5"}
        assert records.learning_record(store, actor, "p5", TODAY).person["name"] == "Eve Lund"
    assert records.visible_people(store, None).empty
    with pytest.raises(NotPermitted):
        records.learning_record(store, None, "p3", TODAY)
    # a viewer account with no person behind it sees nobody
    assert records.visible_people(store, Actor(USERS["viewer"], "viewer")).empty


def test_a_manager_cycle_in_the_data_does_not_hang_or_leak(store: Store) -> None:
    store.execute("UPDATE people SET manager_id = 'p3' WHERE person_id = 'p1'")  # p1 -> p3 -> p2 -> p1
    ben = Actor(PEOPLE["ben"], "viewer")
    assert set(records.visible_people(store, ben)["person_id"]) == {"p1", "p2", "p3", "p4"}
    assert not records.may_view(store, ben, "p5")


def test_the_record_by_hand(store: Store) -> None:
    rec = records.learning_record(store, Actor(PEOPLE["ben"], "viewer"), "p3", TODAY)
    assert list(rec.cohorts["cohort"]) == ["Beta"] and rec.joined_on == dt.date(2026, 3, 2)
    assert rec.barriers_baseline == ["No time", "Tool friction"] and rec.barriers_now == ["No time"]
    first = rec.readiness[rec.readiness["taken_at"].dt.date == dt.date(2026, 3, 5)]
    assert dict(zip(first["dimension"], first["score"], strict=True))["tool_fluency"] == 30
    # d1 won 15 Jan and d2 lost 10 Feb before joining on 2 Mar; d3 won 15 Apr after
    assert (rec.deals_before.numerator, rec.deals_before.n) == (1, 2)
    assert (rec.deals_after.numerator, rec.deals_after.n) == (1, 1) and rec.deals_after.too_few
    assert list(rec.tools["object"]) == ["tool:x"] and int(rec.tools["weeks_used"].iloc[0]) == 1
    assert list(rec.lessons_written["title"]) == ["Xray rollout flopped"]
    assert list(rec.actions["state"]) == ["done", "open"]  # ac1 done 18 May; ac2 due 15 Jun
    months = {(r["month"].strftime("%Y-%m"), r["verb"]): r["events"] for r in rec.activity.to_dict("records")}
    assert months == {("2026-03", "tool_used"): 1, ("2026-04", "tool_used"): 1, ("2026-04", "feedback_given"): 1,
                      ("2026-04", "shared_frustration"): 1}
    wins = records.learning_record(store, Actor(PEOPLE["ana"], "viewer"), "p1", TODAY).wins
    assert list(wins["text"]) == ["Closed Acme with the partner"]


def test_lessons_applied_are_linked_by_email(store: Store) -> None:
    # "I applied this" is kept under the account's email, whatever its case
    store.execute("INSERT INTO lesson_applications VALUES ('l1', 'DEE@EXAMPLE.COM', TIMESTAMP '2026-05-20 10:00:00')")
    rec = records.learning_record(store, Actor(PEOPLE["dee"], "viewer"), "p4", TODAY)
    assert list(rec.lessons_applied["title"]) == ["Xray rollout flopped"]


def test_the_markdown_export_reads_and_escapes(store: Store) -> None:
    store.execute("UPDATE people SET name = 'Cy <script>alert(1)</script> [x](http://evil)' WHERE person_id = 'p3'")
    text = records.record_markdown(records.learning_record(store, Actor(USERS["editor"], "editor"), "p3", TODAY))
    assert "<script>" not in text and "](http" not in text
    assert "- Before: 50% (1 won of 2); too few deals (n = 2)" in text
    assert "| Xray | 2026-03-30 | 1 | 2 |" in text
    assert "1 of 2 done." in text


# --------------------------------------------------------------------------------- pages
def run_page(monkeypatch: pytest.MonkeyPatch, db: Path, page: str, user: str,
             query: dict[str, str] | None = None) -> AppTest:
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(db))
    monkeypatch.setenv("LEARNING_CULTURE_TODAY", TODAY.isoformat())
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["auth_email"] = user
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def test_tools_page(monkeypatch: pytest.MonkeyPatch, loop_db: Path) -> None:
    at = run_page(monkeypatch, loop_db, "pages/tools.py", USERS["viewer"])
    assert [t.value for t in at.title] == ["Tools & resources"]
    table = at.dataframe[0].value
    assert list(table["Name"])[:3] == ["Xray", "tool:w", "Yak"]
    xray = table.iloc[0]
    assert (xray["Members reached"], xray["Used"], xray["Used in 2+ weeks"], xray["Frustrations"]) == (4, 3, 1, 1)
    assert xray["Median days tutorial → use"] == 6.5
    assert {m.label: m.value for m in at.metric}["Most frustrations"] == "Xray"


def test_voice_page_shows_words_escaped(monkeypatch: pytest.MonkeyPatch, loop_db: Path) -> None:
    at = run_page(monkeypatch, loop_db, "pages/voice.py", USERS["viewer"])
    assert {m.label: m.value for m in at.metric} == {"Wins shared": "2", "Frustrations shared": "2",
                                                     "Frustration share": "50%"}
    words = next(d.value for d in at.dataframe if "Words" in d.value.columns)
    assert words["Words"].iloc[1] == "Xray keeps logging me out <b>again</b>"  # a grid cell: never HTML
    assert list(words["Kind"]) == ["Win", "Frustration", "Feedback", "Frustration"]


def test_record_page_for_a_manager_and_a_refused_url(monkeypatch: pytest.MonkeyPatch, loop_db: Path) -> None:
    at = run_page(monkeypatch, loop_db, "pages/person.py", PEOPLE["ben"], {"person": "p3"})
    assert at.selectbox(key="rec_person").value == "p3"
    assert [t.value for t in at.title] == ["Learning record"]
    assert "Ecosystem Selling" in at.dataframe[0].value["Program"].tolist()
    refused = run_page(monkeypatch, loop_db, "pages/person.py", PEOPLE["dee"], {"person": "p2"})
    assert any("own learning record" in e.value for e in refused.error)
    assert not refused.dataframe  # nothing of p2 on the page


def test_record_page_for_an_account_without_a_person(monkeypatch: pytest.MonkeyPatch, loop_db: Path) -> None:
    at = run_page(monkeypatch, loop_db, "pages/person.py", USERS["viewer"], {"person": "p3"})
    assert any("not linked to a person" in i.value for i in at.info)
