"""Per-section templates for post-mortems: help text and starter text for the long fields."""

from __future__ import annotations

from data_layer.domain.vocabulary import DEFAULT_SECTIONS

_HINTS = {
    "seo": "Which keyphrases, which pages, what rank and traffic before and after?",
    "offers": "Which offer, to whom, what uptake, what did it cost?",
    "campaigns": "Audience, message, channel, dates; response against the last campaign.",
    "analyst_relations": "Who was briefed, what they said back, what changed in inbound interest.",
    "multivariate_tests": "Variants, sample size, the metric agreed before launch, the result.",
    "landing_pages": "Traffic source, conversion before and after, what changed on the page.",
    "email": "List, subject lines, open and click rates against the usual.",
    "social_media": "Who posted what, reach, engagement, any pipeline it touched.",
    "partnerships": "Which partner, which accounts, meetings and pipeline created.",
    "sales_plays": "Which sellers ran the play, deals touched, cycle time and win rate.",
    "enablement": "Who took the tutorial or tool, how many used it a week later, feedback.",
}


def template(section: str) -> dict[str, str]:
    """Help and starter text for a section's post-mortem (a generic one for unknown sections)."""
    hint = _HINTS.get(section, "What exactly did we do, for whom, and what did the numbers say?")
    # With no section chosen yet the help says how to get the section's own prompts, instead of a caption
    # that read like a stray fragment ("this activity: What exactly ...").
    help_text = (f"{DEFAULT_SECTIONS[section]}: {hint}" if section in DEFAULT_SECTIONS else
                 f"Choose a section for prompts that fit it. Meanwhile: {hint[0].lower()}{hint[1:]}")
    return {
        "help": help_text,
        "learning_goal": "We hoped to learn whether ...",
        "what_happened": f"What we did: ...\nWhat the numbers said: ...\n({hint})",
        "lessons": "What we would keep: ...\nWhat we would change: ...",
        "recommendations": "Next time, we should ...",
    }
