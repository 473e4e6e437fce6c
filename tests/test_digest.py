"""The digest that publicises lessons: built by hand on tests/data/loop, posted to a local webhook, retried.

Today 2026-05-31, since 2026-05-01. Lessons published then: l1 "Xray rollout flopped" (4 May, by Cy Tran)
and l2 "Partner intro script" (12 May, worked, by Dee Moreau). Follow-up actions not done: ac3 "Share
script B" (Dee Moreau, due 30 May: overdue by 1 day); the fixture adds ac8 "Update the partner list" (Ben
Okafor, due 10 Feb: overdue by 110 days, 18 + 31 + 30 + 31) and ac9 "Book the partner call" (Ben Okafor,
due Wed 3 Jun: due this week, 3 days ahead); ac2 is due 15 Jun (15 days ahead: neither).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from data_layer import digest
from data_layer.access.auth import Actor, NotPermitted
from data_layer.db.migrations import open_database
from data_layer.db.store import Store

from .conftest import USERS
from .test_learning_loop import load

ROOT = Path(__file__).parent.parent
TODAY = dt.date(2026, 5, 31)
SINCE = dt.date(2026, 5, 1)


@pytest.fixture
def store() -> Store:
    s = open_database()
    load(s)
    # a plan that ended on 1 Apr (over 14 days ago) with no lesson at all: overdue, owned by Ben Okafor
    s.execute("INSERT INTO plans VALUES ('pl2', 'Partner webinar', 'partnerships', 'p2', DATE '2026-03-01', "
              "DATE '2026-04-01', 'Learn whether webinars work', NULL)")
    s.execute("INSERT INTO actions VALUES ('ac8', 'l2', 'Update the partner list', 'p2', DATE '2026-02-10', NULL), "
              "('ac9', 'l2', 'Book the partner call', 'p2', DATE '2026-06-03', NULL)")
    return s


def test_what_the_digest_holds(store: Store) -> None:
    d = digest.build(store, TODAY, SINCE)
    assert [x["title"] for x in d.lessons] == ["Xray rollout flopped", "Partner intro script"]  # flops first
    assert [(p["name"], p["owner"]) for p in d.overdue] == [("Partner webinar", "Ben Okafor")]
    assert [(a["description"], a["owner"]) for a in d.actions_overdue] == [("Update the partner list", "Ben Okafor"),
                                                                           ("Share script B", "Dee Moreau")]
    assert [(a["description"], a["owner"]) for a in d.actions_due] == [("Book the partner call", "Ben Okafor")]
    numbers = {label: value for label, value, _ in d.numbers}
    assert numbers["Members"] == "4" and numbers["Lessons published"] == "2"


def test_the_digest_as_posted_to_slack(store: Store, webhook: tuple[str, list[dict[str, str]], list[int]]) -> None:
    url, posted, statuses = webhook
    statuses += [500, 503]  # two failures, then the webhook takes it
    store.execute("UPDATE lessons SET title = '<!channel> Xray rollout *flopped*' WHERE lesson_id = 'l1'")
    sent = digest.send(store, digest.build(store, TODAY, SINCE), url, pause=0.01)
    assert sent.delivered and len(posted) == 1 and set(posted[0]) == {"text"}
    text = posted[0]["text"]
    assert text.startswith("*Learning digest: 01 May to 31 May 2026*")
    assert "&lt;!channel&gt; Xray rollout *flopped* (Enablement &amp; tools, flopped; by Cy Tran) :tada:" in text
    assert "<!channel>" not in text  # no mention of the whole channel from an imported title
    assert "    Lesson: Pilot with five people first" in text
    assert "• Partner webinar: ended 01 Apr 2026, owner Ben Okafor" in text
    assert "*Overdue follow-up actions (2)*\n• Update the partner list: Ben Okafor, was due 10 Feb 2026 (110 days " \
           "ago)\n• Share script B: Dee Moreau, was due 30 May 2026 (1 day ago)\n" in text
    # overdue actions are not "due this week": that list holds only what falls due in the next 7 days
    assert "*Due this week (1)*\n• Book the partner call: Ben Okafor, due Wed 03 Jun\n" in text
    assert "• Members: 4" in text
    assert store.query("SELECT delivered, problem FROM digest_posts") == [(True, None)]


def test_a_failed_post_is_reported_and_kept(store: Store, webhook: tuple[str, list[dict[str, str]], list[int]]) -> None:
    url, posted, statuses = webhook
    statuses += [500, 500, 500]
    sent = digest.send(store, digest.build(store, TODAY, SINCE), url, pause=0.01)
    assert not sent.delivered and sent.problem == "the webhook answered 500, after 3 tries" and not posted
    kept = store.query("SELECT delivered, problem, text FROM digest_posts")
    assert kept[0][0] is False and "Xray rollout flopped" in kept[0][2]  # the words are not lost
    assert digest.last_sent(store) is None  # a failure does not count as sent: the schedule tries again


def test_the_schedule_an_admin_sets(store: Store, tmp_path: Path) -> None:
    with pytest.raises(NotPermitted):
        digest.set_schedule(store, Actor(USERS["editor"], "editor"), "file:/tmp/x", 7)
    out = tmp_path / "digest.jsonl"
    admin = Actor(USERS["admin"], "admin")
    assert not digest.due(store, dt.datetime(2026, 5, 31, 9))  # nowhere to send yet
    digest.set_schedule(store, admin, f"file:{out}", 7)
    first = digest.run_scheduled(store, TODAY, dt.datetime(2026, 5, 31, 9))
    assert first is not None and first.delivered
    assert digest.run_scheduled(store, TODAY, dt.datetime(2026, 6, 6, 9)) is None  # six days later: not due
    # a week later it is due again, and covers the days since the last one (31 May to 7 Jun)
    second = digest.run_scheduled(store, dt.date(2026, 6, 7), dt.datetime(2026, 6, 7, 9))
    assert second is not None and "31 May to 07 Jun 2026" in second.text
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    text = json.loads(lines[0])["text"]  # a file gets Markdown; the first covers the week before 31 May
    assert text.startswith("## Learning digest: 24 May to 31 May 2026") and "**New lessons (0)**" in text
    assert "- Share script B: Dee Moreau, was due 30 May 2026 (1 day ago)" in text
    assert digest.schedule(store) == (f"file:{out}", 7)
    digest.set_schedule(store, admin, None, 7)
    assert digest.schedule(store)[0] is None


def test_the_command_line_digest(tmp_path: Path, webhook: tuple[str, list[dict[str, str]], list[int]]) -> None:
    url, posted, statuses = webhook
    db = tmp_path / "loop.duckdb"
    with open_database(db) as s:
        load(s)
    md = tmp_path / "digest.md"
    out = subprocess.run([sys.executable, "-m", "data_layer.cli", "digest", "--db", str(db), "--today", "2026-05-31",
                          "--since", "2026-05-01", "--markdown", str(md), "--post", url],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "## Learning digest: 01 May to 31 May 2026" in md.read_text(encoding="utf-8")
    assert "Xray rollout flopped" in posted[0]["text"]
    statuses += [500, 500, 500]
    failed = subprocess.run([sys.executable, "-m", "data_layer.cli", "digest", "--db", str(db), "--today",
                             "2026-05-31", "--post", url], capture_output=True, text=True, cwd=ROOT)
    assert failed.returncode == 1 and "the digest was not posted: the webhook answered 500" in failed.stderr
    elsewhere = subprocess.run([sys.executable, "-m", "data_layer.cli", "digest", "--db", str(db), "--post",
                                f"file:{tmp_path / 'x.txt'}"], capture_output=True, text=True, cwd=ROOT)
    assert elsewhere.returncode == 1 and "--post takes a Slack incoming-webhook URL" in elsewhere.stderr
    assert not (tmp_path / "x.txt").exists()
    with open_database(db) as s:
        assert s.query("SELECT delivered FROM digest_posts ORDER BY sent_at") == [(True,), (False,)]
