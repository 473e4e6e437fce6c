"""Acting on the numbers (issue 27), in the data layer: rounds and links, answers, the queue, goals.

Dataset: tests/data/small. Cohort c2 "Aurora" has current members p3 Cara Diaz (manager p1 Ana
Silva), p4 Dev Patel and p5 Eve Moreau (joined 2026-06-15); c1 has p1, p3 and p2 (left 2026-02-15).
Times are set relative to the real clock, because the registry's queue numbers are "as of the
end of the window, or now if earlier" and DuckDB's now() is the real one.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from data_layer import alerts, cli, digest
from data_layer.access import auth
from data_layer.access.auth import NotPermitted
from data_layer.acting import answers, goals, outreach, rounds
from data_layer.acting.instrument import DEFAULT_STATEMENTS, Question, scores
from data_layer.analytics.engine import evaluate
from data_layer.db import summaries
from data_layer.db.migrations import open_database
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData
from data_layer.domain.filters import Filter

from .acting_setup import build
from .conftest import LOCAL_ADMIN, USERS, add_test_users
from .oracle import acting_reference as ref

EDITOR = auth.Actor(USERS["editor"], "editor")
VIEWER = auth.Actor(USERS["viewer"], "viewer")
NOW = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
BARRIERS = ["no_time", "tool_friction", "other"]
# Answers 1..5 cycling over the 12 default statements (3 per dimension, in the order asked):
# partner_knowledge 1,2,3 -> 0, 25, 50 -> 25; co_selling_confidence 4,5,1 -> 75, 100, 0 -> 58.33...;
# solution_selling 2,3,4 -> 25, 50, 75 -> 50; tool_fluency 5,1,2 -> 100, 0, 25 -> 41.66...
CYCLE = {q: (i % 5) + 1 for i, q in enumerate(f"{d}:{n}" for d in DEFAULT_STATEMENTS for n in (1, 2, 3))}
CYCLE_SCORES = {"partner_knowledge": 25.0, "co_selling_confidence": 175 / 3, "solution_selling": 50.0,
                "tool_fluency": 125 / 3}


@pytest.fixture
def acting(small_store: Store) -> Store:
    add_test_users(small_store)
    return small_store


def open_c2(store: Store, now: dt.datetime = NOW, days: int = 7) -> dict[str, rounds.Issued]:
    _, issued = rounds.open_round(store, EDITOR, name="Aurora baseline", kind="baseline", cohorts=["c2"],
                                  statements=DEFAULT_STATEMENTS, barriers=BARRIERS,
                                  closes_on=now.date() + dt.timedelta(days=days), now=now)
    return {i.person_id: i for i in issued}


def send(store: Store, link: rounds.Issued, at: dt.datetime, barriers: list[str] | None = None) -> str:
    form = answers.open_by_token(store, link.token, at)
    return answers.submit(store, form, {"q": CYCLE, "barriers": barriers or [], "notes": ""}, token=link.token,
                          now=at)


def test_answers_on_the_1_to_5_scale_become_scores_as_computed_by_hand() -> None:
    questions = [Question(k, k.split(":")[0], "") for k in CYCLE]
    assert scores(questions, CYCLE) == pytest.approx(CYCLE_SCORES)
    assert scores([Question("a:1", "a", ""), Question("a:2", "a", "")], {"a:1": 5, "a:2": 4}) == {"a": 87.5}


def test_a_round_gives_each_current_member_one_link_stored_only_as_a_hash(acting: Store) -> None:
    _, issued = rounds.open_round(acting, EDITOR, name="Both", kind="follow_up", cohorts=["c2", "c1"],
                                  statements=DEFAULT_STATEMENTS, barriers=BARRIERS,
                                  closes_on=NOW.date() + dt.timedelta(days=3), now=NOW)
    # p2 left c1 in February; p3 is in both and gets one link, named for c2 (chosen first).
    assert sorted((i.person_id, i.cohort_id) for i in issued) == [("p1", "c1"), ("p3", "c2"), ("p4", "c2"),
                                                                  ("p5", "c2")]
    assert len({i.token for i in issued}) == 4 and all(len(i.token) >= 43 for i in issued)
    stored = " ".join(str(v) for row in acting.query("SELECT * FROM assessment_links") for v in row)
    assert not any(i.token in stored for i in issued)
    assert all(rounds.token_hash(i.token) in stored for i in issued)
    assert rounds.links(acting, issued[0].link_id[:0] or acting.query_value("SELECT round_id FROM assessment_rounds")
                        )["state"].tolist() == ["not started"] * 4


def test_a_bad_round_is_refused_with_sentences_and_writes_nothing(acting: Store) -> None:
    statements = {**DEFAULT_STATEMENTS, "tool_fluency": ("Only one.", "And two.")}
    with pytest.raises(InvalidData) as caught:
        rounds.open_round(acting, EDITOR, name=" ", kind="baseline", cohorts=["c2", "nope"], statements=statements,
                          barriers=["no_time", "made_up"], closes_on=NOW.date() - dt.timedelta(days=1), now=NOW)
    sentences = [p.sentence for p in caught.value.problems]
    assert sentences == ["The name must not be empty.", "The cohorts do not include 'nope': no such cohort.",
                         "The statements of tool fluency must be 3 to 5 (one per line).",
                         "The barriers do not include 'made_up': no such barrier code.",
                         "The closing day must be today or later."]
    assert acting.query_value("SELECT count(*) FROM assessment_rounds") == 0
    assert acting.query_value("SELECT count(*) FROM assessment_links") == 0


def test_used_withdrawn_expired_and_made_up_links_each_say_so_in_one_sentence(acting: Store) -> None:
    links = open_c2(acting)
    send(acting, links["p3"], NOW)
    rounds.revoke(acting, EDITOR, links["p4"].link_id)
    old = open_c2(acting, now=NOW - dt.timedelta(days=3), days=1)  # closed at the end of yesterday

    def refused(token: str) -> str:
        with pytest.raises(answers.LinkRefused) as caught:
            answers.open_by_token(acting, token, NOW)
        return str(caught.value)

    assert refused(links["p3"].token) == (f"This link has already been used: your answers were sent on "
                                          f"{NOW:%d %B %Y}. Thank you.")
    assert refused(links["p4"].token) == "This link was withdrawn: ask the partnership team for a new one."
    closed = NOW.date() - dt.timedelta(days=2)
    assert refused(old["p5"].token) == f"This link has expired: the assessment closed on {closed:%d %B %Y}."
    assert refused("made-up-token") == answers.NOT_VALID
    assert refused(links["p5"].token[:-1]) == answers.NOT_VALID
    assert answers.open_by_token(acting, links["p5"].token, NOW).first_name == "Eve"


def test_answers_saved_halfway_come_back_and_sending_makes_the_assessment_and_its_event(acting: Store) -> None:
    link = open_c2(acting)["p3"]
    form = answers.open_by_token(acting, link.token, NOW)
    assert [q.key for q in form.questions] == list(CYCLE) and form.first_name == "Cara"
    half = dict(list(CYCLE.items())[:6])
    answers.save_progress(acting, form, {"q": half, "barriers": ["no_time"], "notes": "Quota first"},
                          token=link.token, now=NOW)
    again = answers.open_by_token(acting, link.token, NOW)
    assert again.saved == {"q": half, "barriers": ["no_time"], "notes": "Quota first"}
    with pytest.raises(InvalidData, match="missing for 6 statement"):
        answers.submit(acting, again, again.saved, token=link.token, now=NOW)
    assert acting.query_value("SELECT count(*) FROM assessments WHERE person_id = 'p3'") == 1  # a2 only
    aid = answers.submit(acting, again, {**again.saved, "q": CYCLE}, token=link.token, now=NOW)
    row = acting.query_one("SELECT person_id, taken_at, kind, barriers, barrier_notes FROM assessments "
                           "WHERE assessment_id = ?", [aid])
    assert row == ("p3", NOW, "baseline", ["no_time"], "Quota first")
    stored = dict(acting.query("SELECT dimension, score FROM assessment_scores WHERE assessment_id = ?", [aid]))
    assert stored == pytest.approx(CYCLE_SCORES)
    assert acting.query("SELECT verb, cohort_id, source, occurred_at FROM events WHERE event_id = ?",
                        [f"assessed-{aid}"]) == [("assessed", "c2", "app", NOW)]
    # the summaries the numbers read are current: readiness = mean of the four scores = 43.75
    assert acting.query_value("SELECT readiness FROM assessment_facts WHERE assessment_id = ?", [aid]) == \
        pytest.approx(43.75)
    assert acting.query_value("SELECT count(*) FROM event_firsts WHERE person_id = 'p3' AND verb = 'assessed'") == 1
    # Cara's earlier a2 (2026-06-10) stays first: this one is her second; one person's rebuild equals a full one
    assert acting.query_value("SELECT seq FROM assessment_facts WHERE assessment_id = ?", [aid]) == 2
    facts = "SELECT * FROM assessment_facts ORDER BY person_id, seq"
    partial = acting.query(facts)
    with acting.transaction() as tx:
        summaries.refresh_assessments(tx)
    assert acting.query(facts) == partial


def test_a_member_answers_inside_the_app_and_nobody_else_can_send_their_form(acting: Store) -> None:
    open_c2(acting)
    [form] = answers.open_for_account(acting, "CARA@example.com", NOW)
    assert form.person_id == "p3"
    assert answers.open_for_account(acting, USERS["viewer"], NOW) == []
    with pytest.raises(answers.LinkRefused):
        answers.submit(acting, form, {"q": CYCLE}, email="dev@example.com", now=NOW)
    with pytest.raises(answers.LinkRefused):
        answers.submit(acting, form, {"q": CYCLE}, token="made-up", now=NOW)
    assert answers.submit(acting, form, {"q": CYCLE}, email="cara@example.com", now=NOW).startswith("IA-")


def test_the_queue_is_oldest_first_with_hours_left_and_outreach_takes_a_member_off(acting: Store) -> None:
    links = open_c2(acting, now=NOW - dt.timedelta(hours=40))
    cara = send(acting, links["p3"], NOW - dt.timedelta(hours=30), ["no_time", "tool_friction"])
    dev = send(acting, links["p4"], NOW - dt.timedelta(hours=5))
    eve = send(acting, links["p5"], NOW - dt.timedelta(hours=2), ["other"])
    q = outreach.queue(acting, NOW)
    assert q["assessment_id"].tolist() == [cara, dev, eve]
    assert q["hours_left"].tolist() == pytest.approx([-6.0, 19.0, 22.0])
    assert q["breached"].tolist() == [True, False, False]
    assert q["name"].tolist() == ["Cara Diaz", "Dev Patel", "Eve Moreau"]
    assert q["manager"].tolist()[0] == "Ana Silva" and q["cohort"].tolist() == ["Aurora"] * 3
    assert q["barrier_words"].tolist() == ["No time, Tool friction", "none named", "Other"]
    assert q["lowest"].tolist()[0] == "Partner knowledge 25, Tool fluency 42"
    assert outreach.counts(acting, NOW) == outreach.Counts(3, 1)

    outreach.reached_out(acting, EDITOR, dev, channel="call", note="Booked an intro", now=NOW)
    assert outreach.queue(acting, NOW)["assessment_id"].tolist() == [cara, eve]
    filt = Filter.last_days(90, today=NOW.date())
    rate = evaluate(acting, filt, ["outreach_within_24h_rate"])["outreach_within_24h_rate"]
    assert (rate.numerator, rate.denominator) == (1, 3)  # Dev within 5 h; Cara and Eve not yet
    assert rate.value == ref.outreach_within_24h_rate(acting, filt.date_from, filt.date_to)
    with pytest.raises(Exception, match="already recorded"):
        outreach.reached_out(acting, EDITOR, dev, channel="call", now=NOW)
    with pytest.raises(InvalidData):
        outreach.reached_out(acting, EDITOR, cara, channel="pigeon", now=NOW)
    assert acting.query_value("SELECT count(*) FROM audit_log WHERE entity = 'outreach'") == 1


def test_snooze_hides_a_task_until_its_time_and_not_needed_takes_it_off(acting: Store) -> None:
    links = open_c2(acting)
    cara, dev = send(acting, links["p3"], NOW - dt.timedelta(minutes=1)), send(acting, links["p4"], NOW)
    with pytest.raises(InvalidData):
        outreach.snooze(acting, EDITOR, cara, hours=4, reason=" ", now=NOW)
    outreach.snooze(acting, EDITOR, cara, hours=4, reason="On holiday today", now=NOW)
    assert outreach.queue(acting, NOW)["assessment_id"].tolist() == [dev]
    assert outreach.queue(acting, NOW + dt.timedelta(hours=4))["assessment_id"].tolist() == [cara, dev]
    assert outreach.counts(acting, NOW).size == 2  # still owed while snoozed
    outreach.not_needed(acting, EDITOR, dev, reason="Already working with the partner team", now=NOW)
    assert outreach.counts(acting, NOW) == outreach.Counts(1, 0)
    outreach.assign(acting, EDITOR, cara, USERS["admin"], now=NOW)
    assert outreach.queue(acting, NOW, owner=USERS["admin"], snoozed=True)["assessment_id"].tolist() == [cara]
    assert outreach.queue(acting, NOW, owner="", snoozed=True).empty
    with pytest.raises(InvalidData):
        outreach.assign(acting, EDITOR, cara, USERS["viewer"], now=NOW)


def test_viewers_can_write_none_of_it_and_nothing_changes(acting: Store) -> None:
    links = open_c2(acting)
    aid = send(acting, links["p3"], NOW)
    before = acting.query_value("SELECT count(*) FROM audit_log")
    writes = [
        lambda: rounds.open_round(acting, VIEWER, name="x", kind="baseline", cohorts=["c2"],
                                  statements=DEFAULT_STATEMENTS, barriers=[], closes_on=NOW.date()),
        lambda: rounds.reissue(acting, VIEWER, links["p4"].link_id),
        lambda: rounds.revoke(acting, VIEWER, links["p4"].link_id),
        lambda: rounds.close_round(acting, VIEWER, "R-x"),
        lambda: outreach.reached_out(acting, VIEWER, aid, channel="call"),
        lambda: outreach.snooze(acting, VIEWER, aid, hours=4, reason="r"),
        lambda: outreach.not_needed(acting, VIEWER, aid, reason="r"),
        lambda: outreach.assign(acting, VIEWER, aid, None),
        lambda: goals.create(acting, VIEWER, metric="members", target=5, due_on=NOW.date() + dt.timedelta(days=9)),
        lambda: goals.retire(acting, VIEWER, "G-x"),
        lambda: outreach.reached_out(acting, None, aid, channel="call"),
    ]
    for write in writes:
        with pytest.raises(NotPermitted):
            write()
    # a demoted editor is refused inside the write's transaction
    auth.set_role(acting, LOCAL_ADMIN, USERS["editor"], "viewer")
    with pytest.raises(NotPermitted):
        outreach.reached_out(acting, EDITOR, aid, channel="call")
    assert acting.query_value("SELECT count(*) FROM audit_log") == before + 1  # the role change only
    assert acting.query_value("SELECT count(*) FROM events WHERE verb = 'outreach_received' AND source = 'app'") == 0
    assert outreach.counts(acting, NOW).size == 1


def test_registry_queue_numbers_equal_the_independent_reference(acting: Store) -> None:
    links = open_c2(acting, now=NOW - dt.timedelta(days=3))
    cara = send(acting, links["p3"], NOW - dt.timedelta(hours=50))
    dev = send(acting, links["p4"], NOW - dt.timedelta(hours=26))
    send(acting, links["p5"], NOW - dt.timedelta(hours=3))
    outreach.reached_out(acting, EDITOR, cara, channel="chat", now=NOW - dt.timedelta(hours=20))  # 30 h after
    outreach.not_needed(acting, EDITOR, dev, reason="Left the team", now=NOW - dt.timedelta(hours=1))
    names = ["outreach_queue", "outreach_breaches", "hours_to_first_outreach_in_product"]
    today = NOW.date()
    for filt in (Filter.last_days(90, today=today), Filter.last_days(7, today=today - dt.timedelta(days=1)),
                 Filter.last_days(30, today=today, cohorts=("c2",)), Filter.last_days(30, today=today, cohorts=("c1",))):
        got = evaluate(acting, filt, names)
        as_of = min(dt.datetime.combine(filt.date_to + dt.timedelta(days=1), dt.time()), NOW)
        waiting, late, hours = ref.queue(acting, filt.date_from, filt.date_to, as_of, filt.cohorts)
        assert (got["outreach_queue"], got["outreach_breaches"]) == (waiting, late), filt
        assert got["hours_to_first_outreach_in_product"] == pytest.approx(hours), filt
    # by hand, today: Eve waits (3 h, not breached); Cara reached after 30 h; Dev not needed
    got = evaluate(acting, Filter.last_days(90, today=today), names)
    assert got == {"outreach_queue": 1, "outreach_breaches": 0, "hours_to_first_outreach_in_product": 30.0}


def test_queue_breaches_can_carry_an_alert(acting: Store, tmp_path: object) -> None:
    links = open_c2(acting, now=NOW - dt.timedelta(days=2))
    send(acting, links["p3"], NOW - dt.timedelta(hours=30))
    target = f"file:{tmp_path}/alerts.log"
    alerts.create(acting, EDITOR, name="Outreach late", metric="outreach_breaches", window_days=30, rule="above",
                  threshold=0, min_sample=0, destination=target)
    notices = alerts.check(acting, NOW.date())
    assert len(notices) == 1 and "Waiting over 24 h" in notices[0].message


def test_goal_paths_and_states_worked_by_hand() -> None:
    start, due = dt.date(2026, 1, 1), dt.date(2026, 1, 11)
    assert goals.expected_on(0.4, 0.8, start, due, dt.date(2026, 1, 6)) == pytest.approx(0.6)
    assert goals.expected_on(0.4, 0.8, start, due, dt.date(2026, 2, 1)) == pytest.approx(0.8)
    assert goals.expected_on(None, 0.8, start, due, dt.date(2026, 1, 6)) == 0.8
    assert goals.state_of(0.6, 0.6, "at_least") == "on track"
    assert goals.state_of(0.59, 0.6, "at_least") == "behind"
    assert goals.state_of(30.0, 36.0, "at_most") == "on track"
    assert goals.state_of(None, 0.6, "at_least") == "no data"


def test_a_goal_is_audited_applies_to_its_view_and_turns_behind_in_the_digest(acting: Store) -> None:
    links = open_c2(acting, now=NOW - dt.timedelta(days=3))
    cara = send(acting, links["p3"], NOW - dt.timedelta(days=2))
    outreach.reached_out(acting, EDITOR, cara, channel="call", now=NOW - dt.timedelta(days=2) + dt.timedelta(hours=2))
    today = NOW.date()
    with pytest.raises(InvalidData):
        goals.create(acting, EDITOR, metric="outreach_within_24h_rate", target=80, due_on=today, today=today)
    gid = goals.create(acting, EDITOR, metric="outreach_within_24h_rate", target=0.8, program="Ecosystem Selling",
                       due_on=today + dt.timedelta(days=30), window_days=30, today=today - dt.timedelta(days=1))
    # set yesterday: Cara reached within 2 h -> 1/1 = 100 %, at or above the path: on track
    [goal] = goals.all_progress(acting, today - dt.timedelta(days=1))
    assert (goal.value, goal.state) == (1.0, "on track")
    assert set(goals.for_view(acting, ("c2", "c1"), today)) == {"outreach_within_24h_rate"}
    assert goals.for_view(acting, (), today) == {}
    # Dev and Eve answer today and wait past nothing yet: 1/3 = 33 %, below the path (100 % -> 80 %): behind
    send(acting, links["p4"], NOW)
    send(acting, links["p5"], NOW)
    [goal] = goals.all_progress(acting, today)
    assert goal.value == pytest.approx(1 / 3) and goal.state == "behind"
    assert goal.expected == pytest.approx(1.0 + (0.8 - 1.0) * 1 / 31)
    assert [g.goal_id for g in goals.turned_behind(acting, today - dt.timedelta(days=1), today)] == [gid]
    text = digest.render(digest.build(acting, today, today - dt.timedelta(days=1)))
    assert "**Outreach and goals**" in text
    assert "- Waiting for outreach\\: 2 \\(0 past 24 hours\\)" in text  # Markdown, escaped
    assert "- Goal turned behind\\: Outreach within 24 h at least 80\\% by" in text
    assert acting.query("SELECT actor, action FROM audit_log WHERE entity = 'goal'") == [(USERS["editor"], "create")]
    report = goals.report_with_goals(acting, Filter.last_days(90, today=today))
    assert report["goals"][0]["state"] == "behind" and report["outreach_queue"] == 2
    goals.retire(acting, EDITOR, gid)
    assert goals.all_progress(acting, today) == []


def test_report_json_has_the_queue_numbers_and_each_goals_progress(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "acting.duckdb"
    rnd = build(db, NOW - dt.timedelta(hours=1))
    with open_database(db) as s:
        form = answers.open_by_token(s, rnd.tokens["p4"], NOW)
        answers.submit(s, form, {"q": CYCLE}, token=rnd.tokens["p4"], now=NOW - dt.timedelta(minutes=30))
        goals.create(s, EDITOR, metric="outreach_queue", target=0, direction="at_most",
                     due_on=NOW.date() + dt.timedelta(days=7), today=NOW.date())
    assert cli.main(["report", "--json", "--db", str(db), "--today", NOW.date().isoformat()]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["outreach_queue"], out["outreach_breaches"], out["hours_to_first_outreach_in_product"]) == (1, 0, None)
    [goal] = out["goals"]
    # set today with the queue at 1: the path to "at most 0" stands at 1 today, so 1 is on track
    assert {k: goal[k] for k in ("metric", "target", "direction", "value", "expected", "state")} == {
        "metric": "outreach_queue", "target": 0.0, "direction": "at_most", "value": 1.0, "expected": 1.0,
        "state": "on track"}
