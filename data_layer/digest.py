"""The digest that publicises lessons: what was learnt since the last one, who owes what, and the numbers.

`learning-culture digest [--since D] [--post URL] [--markdown FILE]` and the running server's
schedule (weekly by default; an admin sets where it goes and how often) both call `build` and
`send`. A digest holds the lessons published since D (flops first, to celebrate them), the
tests that ended since D with their outcome and lifts, the overdue post-mortems, the follow-up
actions already overdue and, apart, those due in the next 7 days, each with its owner (people
and sections by name), and the headline numbers over the days since D with their change against
the days before. Posting uses Slack's incoming-webhook JSON (`{"text": ...}` in Slack's mrkdwn), retried
(alerts.deliver); every post, delivered or not, is kept in digest_posts with its text, so a
failure is reported and nothing is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from data_layer import alerts
from data_layer.access.auth import Actor, confirm, require
from data_layer.acting.digest_part import digest_lines
from data_layer.analytics.catalog import REGISTRY
from data_layer.analytics.engine import evaluate, evaluate_windows
from data_layer.analytics.units import lift_interval, lift_unit
from data_layer.book import experiments
from data_layer.book.library import escape_markdown
from data_layer.db import audit
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData, Problem
from data_layer.domain.filters import Filter

DEFAULT_EVERY_DAYS = 7
ACTIONS_AHEAD_DAYS = 7
KEYS = {"destination": "digest_destination", "every": "digest_every_days"}  # app_meta keys (an admin's setting)


@dataclass(frozen=True)
class Digest:
    since: dt.date
    today: dt.date
    lessons: list[dict[Any, Any]]
    overdue: list[dict[Any, Any]]
    actions_overdue: list[dict[Any, Any]]   # not done, due before today (however long ago)
    actions_due: list[dict[Any, Any]]       # not done, due today or in the next ACTIONS_AHEAD_DAYS days
    tests: list[experiments.TestResult]      # tests with results whose plan ended in the period
    numbers: list[tuple[str, str, str | None]]  # label, value now, change against the days before
    acting: list[str] = field(default_factory=list)  # the outreach queue and goals turned behind (issue 27)


def build(store: Store, today: dt.date, since: dt.date | None = None) -> Digest:
    """The digest for the days since `since` (default: a week before `today`) up to `today`."""
    since = since or today - dt.timedelta(days=DEFAULT_EVERY_DAYS)
    if since > today:
        raise InvalidData([Problem("since", "must be on or before today")], "--since must be on or before today.")
    # people and sections by name; their ids only where no name is known
    lessons = store.query_df("""
        SELECT l.lesson_id, l.title, coalesce(s.label, l.section) AS section, l.outcome, l.lessons,
               coalesce(p.name, l.author_id) AS author, l.published_at
        FROM lessons l LEFT JOIN people p ON p.person_id = l.author_id
        LEFT JOIN sections s ON s.section_id = l.section
        WHERE l.status = 'published' AND CAST(l.published_at AS DATE) BETWEEN ? AND ?
        ORDER BY l.outcome <> 'flopped', l.published_at DESC, l.lesson_id""", [since, today]).to_dict("records")
    filt = Filter(date_from=since, date_to=today, today=today)
    # the Learning health page's own declaration: plans ended over 14 days ago with no lesson at all
    overdue = [{"plan_id": p.plan_id, "name": p.name, "ends_on": p.ends_on, "owner": p.owner_name}
               for p in evaluate(store, filt, ["overdue_postmortems"])["overdue_postmortems"]]
    actions = store.query_df("""
        SELECT a.action_id, a.description, a.due_on, coalesce(o.name, a.owner_id) AS owner, l.title AS lesson
        FROM actions a LEFT JOIN people o ON o.person_id = a.owner_id LEFT JOIN lessons l USING (lesson_id)
        WHERE a.done_on IS NULL AND a.due_on <= CAST(? + to_days(CAST(? AS INTEGER)) AS DATE)
        ORDER BY a.due_on, a.action_id""", [today, ACTIONS_AHEAD_DAYS]).to_dict("records")
    for action in actions:
        action["due_on"] = pd.Timestamp(action["due_on"]).date()
    tests = [t for t in experiments.results(store) if t.lifts and since <= t.ends_on <= today]
    values = evaluate_windows(store, filt, REGISTRY.overview, windows=2)
    numbers = []
    for name in REGISTRY.overview:
        before, now = values[name]
        unit = REGISTRY[name].unit
        numbers.append((REGISTRY[name].label, unit.text(now), unit.change(now, before)))
    return Digest(since, today, lessons, overdue, [a for a in actions if a["due_on"] < today],
                  [a for a in actions if a["due_on"] >= today], tests, numbers,
                  digest_lines(store, since, today, audit.utc_now()))


def _slack(text: object) -> str:
    """People's text in Slack mrkdwn: Slack's three escapes, so no `<!channel>`, mention or link can form."""
    value = " ".join(("" if text is None else str(text)).split())
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _markdown(text: object) -> str:
    return escape_markdown(" ".join(("" if text is None else str(text)).split()))


def render(d: Digest, slack: bool = False) -> str:
    """The digest as Slack mrkdwn (`slack`) or Markdown; every name and title escaped."""
    esc: Callable[[object], str] = _slack if slack else _markdown

    def bold(text: str) -> str:
        return f"*{text}*" if slack else f"**{text}**"

    bullet = "•" if slack else "-"
    head = f"Learning digest: {d.since:%d %b} to {d.today:%d %b %Y}"
    lines = [f"*{head}*" if slack else f"## {head}", ""]
    lines.append(bold(f"New lessons ({len(d.lessons)})"))
    if not d.lessons:
        lines.append(f"{bullet} None published this time. A flop written down is worth more than a win kept quiet.")
    for lesson in d.lessons[:15]:
        section = str(lesson["section"])
        flop = " :tada: a flop worth celebrating" if lesson["outcome"] == "flopped" else ""
        lines.append(f"{bullet} {esc(lesson['title'])} ({esc(section)}, {esc(lesson['outcome'] or 'no outcome')}"
                     f"; by {esc(lesson['author'] or 'unknown')}){flop}")
        if lesson["outcome"] == "flopped" and lesson["lessons"]:
            lines.append(f"    Lesson: {esc(str(lesson['lessons'])[:280])}")
    if len(d.lessons) > 15:
        lines.append(f"{bullet} ... and {len(d.lessons) - 15} more in the Book of Learning.")
    lines += ["", bold(f"Overdue post-mortems ({len(d.overdue)})")]
    lines += [f"{bullet} {esc(p['name'])}: ended {p['ends_on']:%d %b %Y}, owner {esc(p['owner'] or 'nobody')}"
              for p in d.overdue[:15]] or [f"{bullet} None: every plan that ended has its lesson."]
    if len(d.overdue) > 15:
        lines.append(f"{bullet} ... and {len(d.overdue) - 15} more.")
    if d.tests:
        lines += ["", bold(f"Tests that ended ({len(d.tests)})")]
        for t in d.tests[:15]:  # lifts of rates in percentage points, of means in the metric's own unit
            lifts = "; ".join(f"{esc(lift.variant)} {lift_unit(t.measure).text(lift.value)} "
                              f"({lift_interval(t.measure, lift.low, lift.high)})" for lift in t.lifts)
            lines.append(f"{bullet} {esc(t.name)}: {t.outcome}, {esc(t.primary_metric)}: {lifts}")
    lines += ["", bold(f"Overdue follow-up actions ({len(d.actions_overdue)})")]
    for a in d.actions_overdue[:15]:
        late = (d.today - a["due_on"]).days
        lines.append(f"{bullet} {esc(a['description'])}: {esc(a['owner'] or 'nobody')}, was due {a['due_on']:%d %b %Y}"
                     f" ({late} day{'s' if late != 1 else ''} ago)")
    if not d.actions_overdue:
        lines.append(f"{bullet} None: every follow-up action due before today is done.")
    elif len(d.actions_overdue) > 15:
        lines.append(f"{bullet} ... and {len(d.actions_overdue) - 15} more.")
    lines += ["", bold(f"Due this week ({len(d.actions_due)})")]
    lines += [f"{bullet} {esc(a['description'])}: {esc(a['owner'] or 'nobody')}, due {a['due_on']:%a %d %b}"
              for a in d.actions_due[:15]] or [f"{bullet} Nothing due in the next {ACTIONS_AHEAD_DAYS} days."]
    if len(d.actions_due) > 15:
        lines.append(f"{bullet} ... and {len(d.actions_due) - 15} more.")
    lines += ["", bold("The numbers") + f" ({(d.today - d.since).days + 1} days, change against the days before)"]
    for label, value, change in d.numbers:
        lines.append(f"{bullet} {label}: {value}" + (f" ({change})" if change else ""))
    if d.acting:
        lines += ["", bold("Outreach and goals")] + [f"{bullet} {esc(line)}" for line in d.acting]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Sent:
    delivered: bool
    problem: str | None
    text: str


def send(store: Store, d: Digest, destination: str, attempts: int = 3, pause: float = 0.5,
         at: dt.datetime | None = None) -> Sent:
    """Post the digest (Slack webhook, retried; or file:/path) and keep it in digest_posts either way."""
    text = render(d, slack=not destination.startswith("file:"))
    problem = alerts.deliver(destination, text, attempts=attempts, pause=pause)
    with store.transaction() as tx:
        tx.execute("INSERT INTO digest_posts VALUES (?, ?, ?, ?, ?, ?)",
                   [at or audit.utc_now(), d.since, destination, problem is None, problem, text])
    return Sent(problem is None, problem, text)


# ------------------------------------------------------------------------------ schedule
def schedule(store: Store) -> tuple[str | None, int]:
    """Where the scheduled digest goes (None: nowhere yet) and every how many days."""
    rows = dict(store.query("SELECT key, value FROM app_meta WHERE key IN (?, ?)",
                            [KEYS["destination"], KEYS["every"]]))
    every = rows.get(KEYS["every"])
    return rows.get(KEYS["destination"]) or None, int(every) if every and every.isdigit() else DEFAULT_EVERY_DAYS


def set_schedule(store: Store, actor: Actor | None, destination: str | None, every_days: int) -> None:
    """An admin sets (or, with no destination, stops) the server's digest."""
    who = require(actor, "admin")
    dest = (destination or "").strip()
    problems = []
    if dest and not alerts.valid_destination(dest):
        problems.append(Problem("destination", "must be a Slack incoming-webhook URL (https://...) or file:/path"))
    if not 1 <= every_days <= 90:
        problems.append(Problem("every", "must be 1 to 90 days"))
    if problems:
        raise InvalidData(problems)
    with store.transaction() as tx:
        confirm(tx, who, "admin")
        for key, value in ((KEYS["destination"], dest), (KEYS["every"], str(every_days))):
            tx.execute("INSERT OR REPLACE INTO app_meta (key, value) VALUES (?, ?)", [key, value])
        audit.record(tx, who.email, "digest", "schedule", "set",
                     f"every {every_days} days to {dest}" if dest else "stopped")


def last_sent(store: Store) -> dt.datetime | None:
    """When the last digest was delivered (a failed post does not count: it is tried again)."""
    value = store.query_value("SELECT max(sent_at) FROM digest_posts WHERE delivered")
    return value if isinstance(value, dt.datetime) else None


def due(store: Store, now: dt.datetime) -> bool:
    """True when a destination is set and the last delivered digest is `every` days old (or there is none)."""
    destination, every = schedule(store)
    last = last_sent(store)
    return destination is not None and (last is None or now - last >= dt.timedelta(days=every))


def run_scheduled(store: Store, today: dt.date, now: dt.datetime) -> Sent | None:
    """What the server does every hour: send the digest when it is due, covering the days since the last one."""
    if not due(store, now):
        return None
    destination, every = schedule(store)
    if destination is None:  # due() says no destination is never due; stopped meanwhile
        return None
    last = last_sent(store)
    since = last.date() if last is not None else today - dt.timedelta(days=every)
    return send(store, build(store, today, since), destination, at=now)


def posts(store: Store, limit: int = 20) -> Any:
    """The latest digests sent, newest first (when, since, where, delivered, problem)."""
    return store.query_df("SELECT sent_at, since, destination, delivered, problem FROM digest_posts "
                          "ORDER BY sent_at DESC LIMIT ?", [limit])
