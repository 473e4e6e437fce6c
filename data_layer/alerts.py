"""Alerts when a number moves: a headline metric for some cohorts, a line, and where to say so.

An alert fires once when its metric crosses its line (below / above a value, or a change of more
than N points against the previous window of equal length) and sends a recovery notice once when
it crosses back; while the sample under the number (the rate's denominator, the count itself)
is below its minimum it stays silent and sends nothing. The server checks every alert after each
import and on a schedule; messages go to a Slack incoming webhook (JSON `{"text": ...}`, retried
three times, a failure recorded and shown, never dropped silently) or are appended to a file.
Editors and admins define alerts.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from data_layer.access.auth import Actor, confirm, require
from data_layer.analytics.catalog import REGISTRY
from data_layer.analytics.engine import evaluate_windows
from data_layer.analytics.units import plain_value
from data_layer.db import audit
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData, Problem
from data_layer.domain.filters import Filter
from data_layer.domain.stats import Rate

RULES = {"below": "falls below", "above": "rises above", "change": "changes by more than"}


def alertable() -> list[str]:
    """The metrics an alert can watch: every single number of the registry (not tables)."""
    return [m.name for m in REGISTRY.metrics.values() if not m.is_table]


def valid_destination(destination: str) -> bool:
    """A Slack incoming webhook (https://; plain http only to this machine, for tests) or file:/path."""
    return destination.startswith(("https://", "http://127.0.0.1", "http://localhost", "file:"))


def create(store: Store, actor: Actor | None, *, name: str, metric: str, cohorts: tuple[str, ...] = (),
           window_days: int = 30, rule: str = "below", threshold: float, min_sample: int = 10,
           destination: str) -> str:
    """Define an alert (editors and admins). Rates' thresholds are fractions (0.7 = 70 %; a change of
    0.1 = 10 points)."""
    who = require(actor, "editor")
    problems = []
    if not name.strip():
        problems.append(Problem("name", "must not be empty"))
    if metric not in alertable():
        problems.append(Problem("metric", "must be one of the dashboard's single numbers"))
    if rule not in RULES:
        problems.append(Problem("rule", f"must be one of {', '.join(RULES)}"))
    if not 1 <= window_days <= 366:
        problems.append(Problem("window", "must be 1 to 366 days"))
    if min_sample < 0:
        problems.append(Problem("minimum sample", "must be 0 or more"))
    if not valid_destination(destination):
        problems.append(Problem("destination", "must be a Slack incoming-webhook URL (https://...) or file:/path"))
    if problems:
        raise InvalidData(problems)
    alert_id = uuid.uuid4().hex[:10]
    now = audit.utc_now()
    with store.transaction() as tx:
        confirm(tx, who, "editor")
        tx.execute("INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'unknown', NULL, NULL, NULL)",
                   [alert_id, name.strip(), metric, list(cohorts), window_days, rule, float(threshold), min_sample,
                    destination, who.email, now])
        audit.record(tx, who.email, "alert", alert_id, "create", f"{name}: {metric} {rule} {threshold}", at=now)
    return alert_id


def delete(store: Store, actor: Actor | None, alert_id: str) -> None:
    who = require(actor, "editor")
    with store.transaction() as tx:
        confirm(tx, who, "editor")
        tx.execute("DELETE FROM alerts WHERE alert_id = ?", [alert_id])
        audit.record(tx, who.email, "alert", alert_id, "delete")


def listing(store: Store) -> pd.DataFrame:
    """Every alert with its last state, value and check, and its latest message."""
    return store.query_df("""
        SELECT a.alert_id, a.name, a.metric, a.cohorts, a.window_days, a.rule, a.threshold, a.min_sample,
               a.destination, a.state, a.last_value, a.last_sample, a.last_checked,
               e.event AS last_event, e.at AS last_event_at, e.delivered, e.problem
        FROM alerts a LEFT JOIN (SELECT *, sent_at AS at FROM alert_events QUALIFY row_number() OVER
                                 (PARTITION BY alert_id ORDER BY sent_at DESC) = 1) e USING (alert_id)
        ORDER BY a.name, a.alert_id""")


@dataclass(frozen=True)
class Notice:
    alert_id: str
    event: str          # fired | recovered
    value: float | None
    message: str
    delivered: bool
    problem: str | None


def _sample(result: object) -> int:
    if isinstance(result, Rate):
        return result.denominator
    return int(result) if isinstance(result, int) else 0


def deliver(destination: str, text: str, attempts: int = 3, pause: float = 0.5) -> str | None:
    """Send one message; None when delivered, else what went wrong (after retries)."""
    if destination.startswith("file:"):
        try:
            with Path(destination[5:]).open("a", encoding="utf-8") as f:
                f.write(json.dumps({"at": audit.utc_now().isoformat(), "text": text}) + "\n")
            return None
        except OSError as exc:
            return f"could not write {destination[5:]}: {exc.strerror}"
    problem = "not sent"
    body = json.dumps({"text": text}).encode()
    for attempt in range(attempts):
        request = urllib.request.Request(destination, data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the admin's webhook
                if 200 <= response.status < 300:
                    return None
                problem = f"the webhook answered {response.status}"
        except urllib.error.HTTPError as exc:
            problem = f"the webhook answered {exc.code}"
        except OSError as exc:
            problem = f"the webhook could not be reached ({exc})"
        time.sleep(pause * (2 ** attempt))
    return f"{problem}, after {attempts} tries"


def _scope(store: Store, cohorts: tuple[str, ...]) -> str:
    """The cohorts as people know them: their names ("Kestrel, Aurora"), an id only where no name is known."""
    if not cohorts:
        return "all cohorts"
    names = dict(store.query("SELECT cohort_id, name FROM cohorts WHERE cohort_id IN (SELECT unnest(?))",
                             [list(cohorts)]))
    return ", ".join(names.get(c) or c for c in cohorts)


def check(store: Store, today: dt.date) -> list[Notice]:
    """Evaluate every alert as of `today`; send and record what crossed its line. Returns the notices."""
    notices = []
    rows = store.query("SELECT alert_id, name, metric, cohorts, window_days, rule, threshold, min_sample, "
                       "destination, state FROM alerts ORDER BY alert_id")
    for alert_id, name, metric, cohorts, days, rule, threshold, min_sample, destination, state in rows:
        filt = Filter.last_days(int(days), today=today, cohorts=tuple(cohorts or ()))
        now_and_before = evaluate_windows(store, filt, [metric], windows=2)[metric]
        previous, current = now_and_before
        value, before = plain_value(current), plain_value(previous)
        sample = _sample(current)
        unit = REGISTRY[metric].unit
        if value is None or sample < min_sample:
            new_state = "silent"
        elif rule == "below":
            new_state = "firing" if value < threshold else "ok"
        elif rule == "above":
            new_state = "firing" if value > threshold else "ok"
        else:
            new_state = "ok" if before is None else ("firing" if abs(value - before) > threshold else "ok")
        event = None
        if new_state == "firing" and state != "firing":
            event = "fired"
        elif new_state == "ok" and state == "firing":
            event = "recovered"
        shown = unit.text(current)
        line = (f"{unit.text(threshold)}" if rule != "change" else unit.difference(threshold).lstrip("+"))
        scope = _scope(store, tuple(cohorts or ()))
        now = audit.utc_now()
        with store.transaction() as tx:
            tx.execute("UPDATE alerts SET state = CASE WHEN ? = 'silent' AND state = 'firing' THEN 'firing' ELSE ? END, "
                       "last_value = ?, last_sample = ?, last_checked = ? WHERE alert_id = ?",
                       [new_state, new_state, value, sample, now, alert_id])
        if event is None:
            continue
        label = REGISTRY[metric].label
        if event == "fired":
            text = (f":rotating_light: {name}: {label} for {scope} is {shown} over the last {days} days "
                    f"({RULES[rule]} {line}; n = {sample:,}).")
        else:
            text = f":white_check_mark: {name}: {label} for {scope} is back at {shown} ({RULES[rule]} {line} no more)."
        problem = deliver(destination, text)
        with store.transaction() as tx:
            tx.execute("INSERT INTO alert_events VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [alert_id, now, event, value, text, problem is None, problem])
        notices.append(Notice(alert_id, event, value, text, problem is None, problem))
    return notices
