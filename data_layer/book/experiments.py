"""Tests and experiments: a protocol stated before the test starts, results per variant, the lift with
its 95 % interval, and the outcome the locked rule gives.

The protocol (hypothesis, primary metric, variants with the control first, and the decision rule)
can be changed only until the plan starts; from then on it is locked. Results are recorded per
variant: sample size and conversions, or mean and standard deviation. The lift of each variant
is its difference from the control: for conversions, in percentage points with Newcombe's
hybrid score interval (built from the two Wilson intervals); for means, with a Welch normal
interval. The rule: *worked* when the whole interval of the best variant's lift lies above
`worked_above`, *flopped* when the whole interval lies below `flopped_below`, otherwise
*inconclusive*.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from data_layer.access.auth import Actor, confirm, require
from data_layer.db import audit
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData, Problem
from data_layer.domain.stats import Z95, wilson_interval

MEASURES = ("conversion", "mean")


def save_protocol(store: Store, actor: Actor | None, plan_id: str, *, hypothesis: str, primary_metric: str,
                  measure: str, variants: list[str], worked_above: float = 0.0, flopped_below: float = 0.0,
                  today: dt.date) -> None:
    """State (or restate) a test plan's protocol; refused once the plan has started."""
    who = require(actor, "editor")
    names = [v.strip() for v in variants if v.strip()]
    problems = []
    if not hypothesis.strip():
        problems.append(Problem("hypothesis", "must say what you expect and why"))
    if not primary_metric.strip():
        problems.append(Problem("primary metric", "must be named"))
    if measure not in MEASURES:
        problems.append(Problem("measure", "must be conversion or mean"))
    if len(names) < 2 or len(set(names)) != len(names):
        problems.append(Problem("variants", "must be two or more different names, the control first"))
    if flopped_below > worked_above:
        problems.append(Problem("decision rule", "must not call a lift both worked and flopped"))
    if measure == "conversion" and not (-1 <= flopped_below <= 1 and -1 <= worked_above <= 1):
        # a difference of two rates lies within ±100 pp: a line beyond could never be crossed (2 meant as 2 pp
        # but given as the fraction 2.0 would be 200 pp)
        problems.append(Problem("decision rule", "lines of a test of conversions must lie between -100 pp and "
                                "+100 pp (fractions from -1 to 1: 0.02 is 2 pp)"))
    if problems:
        raise InvalidData(problems)
    with store.transaction() as tx:
        confirm(tx, who, "editor")
        plan = tx.query("SELECT starts_on FROM plans WHERE plan_id = ?", [plan_id])
        if not plan:
            raise InvalidData([Problem("plan", f"{plan_id} is not a plan")])
        if plan[0][0] <= today:
            raise InvalidData([Problem("protocol", f"is locked: the plan started on {plan[0][0]:%Y-%m-%d}")])
        tx.execute("DELETE FROM test_protocols WHERE plan_id = ?", [plan_id])
        tx.execute("INSERT INTO test_protocols VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [plan_id, hypothesis.strip(), primary_metric.strip(), measure, names, worked_above, flopped_below,
                    who.email, audit.utc_now()])
        audit.record(tx, who.email, "test_protocol", plan_id, "save", hypothesis.strip()[:200])


def upcoming_plans(store: Store, today: dt.date) -> pd.DataFrame:
    """Plans that have not started: the ones whose protocol can still be stated."""
    return store.query_df("SELECT plan_id, name, starts_on FROM plans WHERE starts_on > ? ORDER BY starts_on, plan_id",
                          [today])


def _num(row: dict[str, str], key: str, line: int, kind: type, problems: list[Problem]) -> Any:
    """The cell as a number (None when empty or not a number, which is then a problem)."""
    text = (row.get(key) or "").strip()
    if text == "":
        return None
    try:
        value = kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        problems.append(Problem(key, f"must be {what}", file="test results", line=line, value=text))
        return None
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(key, "must be a finite number", file="test results", line=line, value=text))
        return None
    return value


def _row_problems(row: dict[str, str], line: int, measure: str,
                  variants: list[str]) -> tuple[list[Problem], tuple[Any, ...]]:
    """One row's problems, each said once: a value already refused is not blamed again by the rules that
    use it (a negative n does not also make "conversions: at most n" fail). Returns (problems, values)."""
    problems: list[Problem] = []

    def bad(key: str, reason: str, value: object = None) -> None:
        problems.append(Problem(key, reason, file="test results", line=line,
                                value=None if value is None else str(value)))

    variant = (row.get("variant") or "").strip()
    if variant not in variants:
        bad("variant", f"is not one of {', '.join(variants)}", variant)
    conv = mean = sd = None
    # a test of means needs a spread, so at least 2 in each variant; a rate needs at least 1
    least = 2 if measure == "mean" else 1
    failed = len(problems)
    n = _num(row, "n", line, int, problems)
    n_ok = n is not None and n >= least
    if len(problems) == failed and not n_ok:
        bad("n", f"must be a whole number of at least {least}", n)
    if measure == "conversion":
        failed = len(problems)
        conv = _num(row, "conversions", line, int, problems)
        if len(problems) == failed:  # the value read as a number: now the rules
            if conv is None:
                bad("conversions", "must be given for a test of conversions")
            elif conv < 0:
                bad("conversions", "must not be negative", conv)
            elif n_ok and conv > n:  # compared with n only when n itself is right
                bad("conversions", f"must be at most n ({n:,})", conv)
    else:
        failed = len(problems)
        mean = _num(row, "mean", line, float, problems)  # any sign: a change of days or a net score can be negative
        if mean is None and len(problems) == failed:
            bad("mean", "must be given for a test of means")
        failed = len(problems)
        sd = _num(row, "sd", line, float, problems)
        if len(problems) == failed:
            if sd is None:
                bad("sd", "must be given for a test of means")
            elif sd <= 0:
                bad("sd", "must be more than 0 (a standard deviation)", sd)
    return problems, (variant, n, conv, mean, sd)


def import_results(store: Store, actor: Actor | None, data: bytes) -> int:
    """Results from CSV, one row per variant: plan_id, variant, n, and conversions or mean and sd.
    All or nothing; returns the rows saved."""
    who = require(actor, "editor")
    try:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    except UnicodeDecodeError:
        raise InvalidData([Problem("file", "must be UTF-8 text (CSV)")]) from None
    problems: list[Problem] = []
    clean = []
    protocols = {r[0]: (r[1], list(r[2])) for r in store.query("SELECT plan_id, measure, variants FROM test_protocols")}
    for line, row in enumerate(rows, start=2):
        plan = (row.get("plan_id") or "").strip()
        if plan not in protocols:
            problems.append(Problem("plan_id", "has no protocol (state it before the test starts)", file="test results",
                                    line=line, value=plan))
            continue
        measure, variants = protocols[plan]
        found, (variant, n, conv, mean, sd) = _row_problems(row, line, measure, variants)
        problems += found
        clean.append((plan, variant, n, conv, mean, sd))
    if not rows:
        problems.append(Problem("file", "has no rows"))
    if problems:
        raise InvalidData(problems)
    now = audit.utc_now()
    with store.transaction() as tx:
        confirm(tx, who, "editor")
        for plan, variant, n, conv, mean, sd in clean:
            tx.execute("DELETE FROM test_results WHERE plan_id = ? AND variant = ?", [plan, variant])
            tx.execute("INSERT INTO test_results VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [plan, variant, n, conv, mean, sd, who.email, now])
        audit.record(tx, who.email, "test_results", None, "import", f"{len(clean)} rows")
    return len(clean)


@dataclass(frozen=True)
class Lift:
    """One variant against the control."""

    variant: str
    value: float        # conversion: points of rate (0.05 = 5 pp); mean: the metric's own unit
    low: float
    high: float
    control: float      # the control's rate or mean
    treated: float
    n: int


def conversion_lift(c_n: int, c_x: int, t_n: int, t_x: int) -> tuple[float, float, float]:
    """p_t - p_c with Newcombe's hybrid score interval (method 10 of Newcombe 1998)."""
    p_c, p_t = c_x / c_n, t_x / t_n
    l_c, u_c = wilson_interval(c_x, c_n) or (0.0, 1.0)
    l_t, u_t = wilson_interval(t_x, t_n) or (0.0, 1.0)
    d = p_t - p_c
    return d, d - math.sqrt((p_t - l_t) ** 2 + (u_c - p_c) ** 2), d + math.sqrt((u_t - p_t) ** 2 + (p_c - l_c) ** 2)


def mean_lift(c_n: int, c_mean: float, c_sd: float, t_n: int, t_mean: float, t_sd: float) -> tuple[float, float, float]:
    """mean_t - mean_c with a Welch normal 95 % interval."""
    d = t_mean - c_mean
    se = math.sqrt(c_sd ** 2 / c_n + t_sd ** 2 / t_n)
    return d, d - Z95 * se, d + Z95 * se


@dataclass(frozen=True)
class TestResult:
    plan_id: str
    name: str
    section: str            # its label ("Multivariate tests")
    ends_on: dt.date
    primary_metric: str
    measure: str
    lifts: list[Lift]
    outcome: str            # worked | flopped | inconclusive | no results
    hypothesis: str
    worked_above: float     # the rule's lines, as stored: rates as fractions (0.02 = 2 pp), means as they are
    flopped_below: float


def results(store: Store) -> list[TestResult]:
    """Every test with a protocol: its lifts and the outcome its locked rule proposes."""
    # the section as people read it (its label), its id where the sections table does not know it
    plans = store.query("""SELECT t.plan_id, p.name, coalesce(s.label, p.section), p.ends_on, t.primary_metric,
                                  t.measure, t.variants, t.worked_above, t.flopped_below, t.hypothesis
                           FROM test_protocols t JOIN plans p USING (plan_id)
                           LEFT JOIN sections s ON s.section_id = p.section
                           ORDER BY p.ends_on, t.plan_id""")
    data = store.query("SELECT plan_id, variant, n, conversions, mean, sd FROM test_results")
    by_plan: dict[str, dict[str, tuple[Any, ...]]] = {}
    for plan_id, variant, *rest in data:
        by_plan.setdefault(plan_id, {})[variant] = tuple(rest)
    out = []
    for plan_id, name, section, ends_on, metric, measure, variants, worked_above, flopped_below, hypothesis in plans:
        got = by_plan.get(plan_id, {})
        control = variants[0]
        lifts = []
        if control in got:
            c_n, c_x, c_mean, c_sd = got[control]
            for variant in variants[1:]:
                if variant not in got:
                    continue
                t_n, t_x, t_mean, t_sd = got[variant]
                if measure == "conversion":
                    value, low, high = conversion_lift(c_n, c_x, t_n, t_x)
                    lifts.append(Lift(variant, value, low, high, c_x / c_n, t_x / t_n, t_n))
                else:
                    value, low, high = mean_lift(c_n, c_mean, c_sd, t_n, t_mean, t_sd)
                    lifts.append(Lift(variant, value, low, high, c_mean, t_mean, t_n))
        if not lifts:
            outcome = "no results"
        else:
            best = max(lifts, key=lambda lift: lift.value)
            outcome = ("worked" if best.low > worked_above else
                       "flopped" if best.high < flopped_below else "inconclusive")
        out.append(TestResult(plan_id, name, section, ends_on, metric, measure, lifts, outcome, hypothesis,
                              worked_above, flopped_below))
    return out


def summary(tests: list[TestResult]) -> pd.DataFrame:
    """How many tests worked, flopped or were inconclusive, by section and quarter of their end."""
    rows = [{"section": t.section, "quarter": f"{t.ends_on.year}-Q{(t.ends_on.month - 1) // 3 + 1}",
             "outcome": t.outcome} for t in tests if t.outcome != "no results"]
    if not rows:
        return pd.DataFrame(columns=["section", "quarter", "worked", "flopped", "inconclusive"])
    frame = pd.DataFrame(rows).value_counts().unstack("outcome", fill_value=0).reset_index()
    for outcome in ("worked", "flopped", "inconclusive"):
        if outcome not in frame:
            frame[outcome] = 0
    return frame[["section", "quarter", "worked", "flopped", "inconclusive"]].sort_values(["quarter", "section"])


def cumulative_impact(tests: list[TestResult]) -> pd.DataFrame:
    """Per primary metric: the tests that worked and the sum of their best variants' lifts, with the
    sum of the intervals' ends (a conservative and an optimistic total)."""
    rows = []
    for t in tests:
        if t.outcome == "worked":
            best = max(t.lifts, key=lambda lift: lift.value)
            rows.append({"metric": t.primary_metric, "measure": t.measure, "lift": best.value, "low": best.low,
                         "high": best.high})
    if not rows:
        return pd.DataFrame(columns=["metric", "measure", "tests", "lift", "low", "high"])
    frame = pd.DataFrame(rows)
    return frame.groupby(["metric", "measure"], as_index=False).agg(
        tests=("lift", "size"), lift=("lift", "sum"), low=("low", "sum"), high=("high", "sum"))


def result_for(store: Store, plan_id: str | None) -> TestResult | None:
    """The test result of one plan (None when the plan is not a test)."""
    if not plan_id:
        return None
    return next((t for t in results(store) if t.plan_id == plan_id), None)
