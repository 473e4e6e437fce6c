"""What makes every page of the demo show itself at work: tests with stated protocols and results,
editors' notes on the trend charts, alerts, and the digest's schedule.

Written from fixed figures (not drawn at random), so each test's outcome is known: one worked,
one flopped, one inconclusive and one still running. The alerts are defined so that the first
check (the CLI's `demo` runs it) finds one ok, one firing and one silent.
"""

from __future__ import annotations

import datetime as dt

from data_layer.db.store import Transaction

TABLES = ("test_protocols", "test_results", "annotations", "alerts", "alert_events")
EDITOR = "editor@demo.example"
ADMIN = "admin@demo.example"

# (primary metric, measure, variants, worked above, flopped below, hypothesis, results per variant)
# Conversion results are (n, conversions); means are (n, mean, sd). Lines: rates as fractions (0.01 = 1 pp).
ENDED_TESTS: tuple[tuple[str, str, list[str], float, float, str, list[tuple[float, ...]]], ...] = (
    ("Meetings booked per outreach", "conversion", ["our own outreach", "co-sell outreach"], 0.01, -0.01,
     "Reaching out together with a partner books more first meetings than reaching out alone.",
     [(2400, 264), (2400, 348)]),          # 11.0 % vs 14.5 %: +3.5 pp, whole interval above +1 pp: worked
    ("Net score of the co-sell session (-100 to 100)", "mean", ["classroom session", "self-paced video"], 5.0, -5.0,
     "A self-paced video teaches the co-sell request as well as a classroom session, at a tenth of the cost.",
     [(300, 12.0, 30.0), (290, -4.0, 32.0)]),  # -16 points, interval about -21 to -11: flopped
    ("Replies per email", "conversion", ["own-brand email", "co-branded email"], 0.02, -0.02,
     "A co-branded email from us and the partner gets more replies than our own.",
     [(400, 48), (410, 53)]),              # 12.0 % vs 12.9 %: an interval across both lines: inconclusive
)
RUNNING_TEST = ("Meetings booked per co-sell request", "conversion", ["request form", "one-click request"], 0.02,
                -0.02, "A one-click co-sell request gets more partner meetings booked than the form.")

# (days before today, what the editors noted)
NOTES = ((400, "Comp plan starts crediting influenced deals"), (230, "New partner portal goes live"),
         (75, "Quarter-end push: fewer cohort sessions"))


def _at(today: dt.date, days_before: int) -> dt.datetime:
    return dt.datetime.combine(today - dt.timedelta(days=days_before), dt.time(9, 0))


def write(tx: Transaction, today: dt.date, outbox: str | None) -> None:
    """The demo's tests, notes and (with an outbox) alerts and digest schedule; plans must be written."""
    _tests(tx, today)
    tx.executemany("INSERT INTO annotations VALUES (?, ?, ?, ?, ?)",
                   [[f"demo-note-{i}", today - dt.timedelta(days=days), label, EDITOR, _at(today, days)]
                    for i, (days, label) in enumerate(NOTES, start=1)])
    if outbox is not None:
        _alerts(tx, today, outbox)
        for key, value in (("digest_destination", outbox), ("digest_every_days", "7")):
            tx.execute("INSERT OR REPLACE INTO app_meta (key, value) VALUES (?, ?)", [key, value])


def _tests(tx: Transaction, today: dt.date) -> None:
    ended = tx.query("""SELECT plan_id, starts_on FROM plans WHERE ends_on < ? AND name LIKE '% test %'
                        ORDER BY ends_on DESC, plan_id LIMIT 3""", [today])
    running = tx.query("""SELECT plan_id, starts_on FROM plans WHERE starts_on <= ? AND ends_on >= ?
                          ORDER BY starts_on DESC, plan_id LIMIT 1""", [today, today])
    for (plan_id, starts_on), test in zip(ended, ENDED_TESTS, strict=False):
        metric, measure, variants, worked, flopped, hypothesis, rows = test
        saved = dt.datetime.combine(starts_on - dt.timedelta(days=3), dt.time(10, 0))  # stated before it started
        tx.execute("INSERT INTO test_protocols VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [plan_id, hypothesis, metric, measure, variants, worked, flopped, EDITOR, saved])
        for variant, row in zip(variants, rows, strict=True):
            n, *rest = row
            conversions, mean, sd = (int(rest[0]), None, None) if measure == "conversion" else (None, rest[0], rest[1])
            tx.execute("INSERT INTO test_results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [plan_id, variant, int(n), conversions, mean, sd, EDITOR, _at(today, 2)])
    for plan_id, starts_on in running:
        metric, measure, variants, worked, flopped, hypothesis = RUNNING_TEST
        saved = dt.datetime.combine(starts_on - dt.timedelta(days=3), dt.time(10, 0))
        tx.execute("INSERT INTO test_protocols VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [plan_id, hypothesis, metric, measure, variants, worked, flopped, EDITOR, saved])


def _alerts(tx: Transaction, today: dt.date, outbox: str) -> None:
    """Three alerts whose first check finds them ok (outreach is well above 40 %), firing (far fewer than
    95 % of members are active in any 28 days) and silent (one cohort never has 500 closed deals)."""
    newest = tx.query("SELECT cohort_id FROM cohorts ORDER BY start_date DESC, cohort_id LIMIT 1")
    cohort = [newest[0][0]] if newest else []
    created = _at(today, 30)
    rows = [
        ("demo-alert-ok", "Outreach slipping", "outreach_within_24h_rate", [], 90, "below", 0.40, 5),
        ("demo-alert-firing", "Members going quiet", "active_rate_28d", [], 30, "below", 0.95, 10),
        ("demo-alert-silent", "Partner win rate in the newest cohort", "win_rate_partner", cohort, 30, "below",
         0.30, 500),
    ]
    for alert_id, name, metric, cohorts, days, rule, threshold, sample in rows:
        tx.execute("INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'unknown', NULL, NULL, NULL)",
                   [alert_id, name, metric, cohorts, days, rule, threshold, sample, outbox, EDITOR, created])
