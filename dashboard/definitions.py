"""Labels and definitions of the KPIs, in one place for tiles, help texts and tables.

The wording follows DOMAIN.md; the number itself always comes from data_layer.metrics.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kpi:
    """A headline number: which metric, how it reads, what it means, where to dig in."""

    key: str
    label: str
    kind: str  # "count" | "rate" | "deal_rate" | "points"
    help: str
    page: str
    page_label: str


OVERVIEW_KPIS: tuple[Kpi, ...] = (
    Kpi("members", "Members", "count",
        "People with a membership in a selected cohort (any, if none) that overlaps the window, "
        "matching the team, region and role filters.", "pages/adoption.py", "Adoption"),
    Kpi("assessed_rate", "Assessed", "rate",
        "Members with a readiness assessment taken on or before the end of the window, / members.",
        "pages/adoption.py", "Adoption"),
    Kpi("active_rate_28d", "Active in 28 days", "rate",
        "Members with at least one event of their own (not an invitation or outreach received) in the "
        "28 days ending the window, / members.", "pages/adoption.py", "Adoption"),
    Kpi("outreach_within_24h_rate", "Outreach within 24 h", "rate",
        "Of the members' assessments taken in the window, the share whose first outreach from the "
        "partnership team came at most 24 hours later (exactly 24 h counts).", "pages/adoption.py", "Adoption"),
    Kpi("readiness_lift", "Readiness lift", "points",
        "Mean change in readiness (mean of dimension scores, 0-100) from a member's earliest baseline to "
        "their latest later follow-up, both on or before the end of the window.", "pages/barriers.py",
        "Barriers"),
    Kpi("win_rate_partner", "Win rate with partner", "deal_rate",
        "Won / closed deals of members with a partner sourcing or influencing them, closed in the window. "
        "With the 95 % Wilson interval.", "pages/win_rates.py", "Win rates"),
    Kpi("win_rate_no_partner", "Win rate without partner", "deal_rate",
        "Won / closed deals of members with no partner involvement, closed in the window.",
        "pages/win_rates.py", "Win rates"),
    Kpi("postmortem_coverage", "Post-mortem coverage", "rate",
        "Plans that ended in the window (up to today) with at least one published post-mortem, / those plans.",
        "pages/learning_health.py", "Learning health"),
    Kpi("lessons_published", "Lessons published", "count",
        "Post-mortems published in the window.", "pages/learning_health.py", "Learning health"),
)
