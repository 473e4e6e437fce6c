"""The metric registry: one declaration per number, and everything derived from it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from data_layer.analytics import docs, engine
from data_layer.analytics.catalog import REGISTRY
from data_layer.analytics.facts import FACTS, ORDER
from data_layer.analytics.registry import rate_sql
from data_layer.analytics.report import build_report
from data_layer.analytics.units import DAYS, MONEY, PERCENT_POINTS, RATE, SCORE
from data_layer.db.store import Store
from data_layer.domain.filters import Filter

ROOT = Path(__file__).resolve().parents[1]
W = Filter(dt.date(2026, 3, 1), dt.date(2026, 5, 31), dt.date(2026, 6, 30))

# DOMAIN.md's metric names (the keys of `report --json`), copied by hand from its Metrics section.
DOMAIN_KEYS = {
    "members", "assessed_rate", "active_rate_28d", "funnel", "outreach_within_24h_rate", "median_hours_to_outreach",
    "weekly_active", "barrier_prevalence", "readiness", "readiness_lift", "barriers_resolved_rate", "win_rate",
    "win_rate_partner", "win_rate_no_partner", "win_rate_lift", "partner_involvement_rate", "avg_won_amount_partner",
    "avg_won_amount_no_partner", "median_cycle_days_partner", "median_cycle_days_no_partner",
    "win_rate_before_joining", "win_rate_after_joining", "lessons_published", "flop_share", "postmortem_coverage",
    "overdue_postmortems", "contributors", "action_followthrough", "section_freshness",
}


def test_docs_metrics_md_is_generated_from_the_declarations() -> None:
    assert (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8") == docs.render(), "run `make docs`"
    assert "docs/metrics.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_declaration_reads_a_declared_fact_and_facts_come_after_what_they_read() -> None:
    for metric in REGISTRY.metrics.values():
        assert (metric.fact in FACTS) != (metric.combine is not None), metric.name
        assert metric.definition and metric.label and metric.unit, metric.name
    for fact in FACTS.values():
        for need in fact.needs:
            assert ORDER[need] < ORDER[fact.name], (fact.name, need)
            assert re.search(rf"\b{need}\b", fact.sql), (fact.name, "declares it reads", need)


def test_the_report_has_every_domain_key_and_the_deal_rates_their_n_and_interval(small_store: Store) -> None:
    out = build_report(small_store, W)
    assert DOMAIN_KEYS <= set(out)
    assert {k for k in out if not k.endswith(("_n", "_ci"))} == set(REGISTRY.report)
    for name in ("win_rate", "win_rate_partner", "win_rate_no_partner", "win_rate_before_joining"):
        assert f"{name}_n" in out and f"{name}_ci" in out


@pytest.mark.parametrize("page", REGISTRY.pages)
def test_every_number_a_page_reads_is_declared_on_that_page(page: str) -> None:
    source = (ROOT / "pages" / f"{page}.py").read_text(encoding="utf-8")
    assert f'page_data("{page}", filt)' in source
    shown = set(REGISTRY.page(page))
    assert set(re.findall(r'data\["([a-z0-9_]+)"\]', source)) <= shown, page
    # and every name handed to a tile
    assert set(re.findall(r'metric_tile\(\w+, "([a-z0-9_]+)"', source)) <= shown, page


def test_a_name_that_is_not_declared_cannot_be_evaluated(small_store: Store) -> None:
    with pytest.raises(KeyError):
        engine.evaluate(small_store, W, ["drop_table"])
    with pytest.raises(KeyError):
        engine.evaluate(small_store, W, ["members", "__class__"])


def test_units_read_the_same_on_every_surface() -> None:
    assert RATE.text(0.2608695652173913) == "26%" and RATE.text(None) == "no data"
    assert RATE.change(0.5, 0.786) == "-28.6 pp"
    assert PERCENT_POINTS.text(0.1667) == "+16.7 pp" and PERCENT_POINTS.text(-0.286) == "-28.6 pp"
    assert SCORE.text(48.236) == "48.2 / 100" and DAYS.text(53.5) == "54 days"
    assert MONEY.text(21987.5) == "$21,988" and MONEY.change(100.0, 250.0) == "-$150"


@pytest.fixture
def coached_rate() -> Iterator[str]:
    """A new metric, declared as an engineer would add it (then removed from the registry)."""
    name = "joined_in_window_rate"
    REGISTRY.declare(name, "Joined in the window", "Members whose membership began in the window, / members.",
            RATE, fact="member_windows", value=rate_sql("joined_on BETWEEN w_from AND w_to"), pages=("adoption",))
    yield name
    del REGISTRY.metrics[name]


def test_a_new_metric_is_one_declaration_and_reaches_page_report_docs_and_trend(
        small_store: Store, coached_rate: str) -> None:
    # M(all) in W = {p1 joined 01-05, p3 joined 01-05, p4 joined 03-02}: 1 of 3 joined in W.
    # M(c2) = {p3 joined c2 on 03-02, p4 joined 03-02}: 2 of 2.
    assert coached_rate in REGISTRY.page("adoption")
    page = engine.evaluate_page(small_store, W, "adoption")
    assert (page[coached_rate].numerator, page[coached_rate].denominator) == (1, 3)
    c2 = engine.evaluate(small_store, Filter(W.date_from, W.date_to, W.today, cohorts=("c2",)), [coached_rate])[coached_rate]
    assert (c2.numerator, c2.denominator) == (2, 2)
    assert build_report(small_store, W)[coached_rate] == pytest.approx(1 / 3)
    assert f"## {coached_rate}" in docs.render()
    # The previous window (2025-11-29..2026-02-28): p1, p2 and p3 joined on 01-05, all in it.
    trend = engine.evaluate_windows(small_store, W, [coached_rate], windows=2)[coached_rate]
    assert [(r.numerator, r.denominator) for r in trend] == [(3, 3), (1, 3)]


def test_the_cli_lists_the_declared_metrics_without_a_database(tmp_path: Path) -> None:
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "data_layer.cli", "metrics"], cwd=ROOT, capture_output=True,
                         text=True, env={"PATH": "/usr/bin:/bin", "LEARNING_CULTURE_DB": str(tmp_path / "none.duckdb")})
    assert run.returncode == 0, run.stderr
    names = [line.split()[0] for line in run.stdout.splitlines() if line and not line.startswith(" ")]
    assert names == list(REGISTRY.metrics)
    assert not (tmp_path / "none.duckdb").exists()
    full = subprocess.run([sys.executable, "-m", "data_layer.cli", "metrics", "--markdown"], cwd=ROOT,
                          capture_output=True, text=True)
    assert full.stdout == docs.render()
