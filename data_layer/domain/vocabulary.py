"""The fixed words of the domain (DOMAIN.md): verbs, codes, statuses and their labels."""

from __future__ import annotations

VERBS: tuple[str, ...] = (
    "invited",
    "assessed",
    "introduced",
    "posted",
    "replied",
    "shared_win",
    "shared_frustration",
    "tutorial_completed",
    "tool_used",
    "feedback_given",
    "resource_subscribed",
    "outreach_received",
    "coached",
)
# Verbs that say something was done *to* a member, so they do not make a member active.
PASSIVE_VERBS: tuple[str, ...] = ("invited", "outreach_received")

DIMENSIONS: dict[str, str] = {
    "partner_knowledge": "Partner knowledge",
    "co_selling_confidence": "Co-selling confidence",
    "solution_selling": "Solution selling",
    "tool_fluency": "Tool fluency",
}

BARRIERS: dict[str, str] = {
    "dont_know_partners": "Don't know the partners",
    "no_time": "No time",
    "comp_not_aligned": "Compensation not aligned",
    "fear_losing_control": "Fear of losing control of the deal",
    "unclear_process": "Unclear process",
    "tool_friction": "Tool friction",
    "no_manager_support": "No manager support",
    "partner_quality": "Partner quality",
    "other": "Other",
}

ASSESSMENT_KINDS: tuple[str, ...] = ("baseline", "follow_up")
ASSESSMENT_KIND_LABELS: dict[str, str] = {"baseline": "Baseline", "follow_up": "Follow-up"}
DEAL_STATUSES: tuple[str, ...] = ("open", "won", "lost")
PARTNER_INVOLVEMENT: tuple[str, ...] = ("none", "sourced", "influenced")
OUTCOMES: tuple[str, ...] = ("worked", "flopped", "mixed", "inconclusive")
LESSON_STATUSES: tuple[str, ...] = ("draft", "in_review", "published")
OBJECT_KINDS: tuple[str, ...] = ("tool", "tutorial", "resource", "post")
# The verbs whose object is a tool, tutorial or resource (the Tools & resources page).
OBJECT_VERBS: tuple[str, ...] = ("tutorial_completed", "tool_used", "feedback_given", "resource_subscribed")
# The verbs whose words (when imported) are the cohort's voice.
VOICE_VERBS: tuple[str, ...] = ("shared_win", "shared_frustration", "feedback_given")
VOICE_LABELS: dict[str, str] = {"shared_win": "Win", "shared_frustration": "Frustration", "feedback_given": "Feedback"}
OBJECT_KIND_LABELS: dict[str, str] = {"tool": "Tool", "tutorial": "Tutorial", "resource": "Resource", "post": "Post"}
USER_ROLES: tuple[str, ...] = ("viewer", "editor", "admin")

DEFAULT_SECTIONS: dict[str, str] = {
    "seo": "SEO & keyphrases",
    "offers": "Offers & promotions",
    "campaigns": "Campaigns",
    "analyst_relations": "Analyst & influencer relations",
    "multivariate_tests": "Multivariate tests",
    "landing_pages": "Landing pages",
    "email": "Email",
    "social_media": "Social media",
    "partnerships": "Partnerships & ecosystem",
    "sales_plays": "Sales plays",
    "enablement": "Enablement & tools",
}
