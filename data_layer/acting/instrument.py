"""The readiness instrument: statements per dimension on a 1-5 agreement scale, and how answers become scores.

Scoring (DOMAIN.md's rating rule, the same as an imported 1-5 survey column): an answer a on the
1-5 scale is (a - 1) / 4 * 100 on 0-100 (1 = 0, 2 = 25, 3 = 50, 4 = 75, 5 = 100); a dimension's
score is the mean of its statements' rescaled answers. Every statement is phrased so that agreeing
means more ready, so no answer is reversed. Nothing is rounded: the score is stored as computed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SCALE: dict[int, str] = {1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree", 4: "Agree",
                         5: "Strongly agree"}
MIN_STATEMENTS, MAX_STATEMENTS = 3, 5

DEFAULT_STATEMENTS: dict[str, tuple[str, ...]] = {
    "partner_knowledge": (
        "I know which partners serve my accounts.",
        "I can explain what each of our main partners adds for a customer.",
        "I know whom to contact at a partner about a deal.",
    ),
    "co_selling_confidence": (
        "I am comfortable bringing a partner into a live deal.",
        "I trust a partner to present to my customer.",
        "I know how to agree roles with a partner before a meeting.",
    ),
    "solution_selling": (
        "I can shape a proposal around the customer's problem rather than our product.",
        "I can show how a partner's service completes our offer.",
        "I can price a joint solution with a partner.",
    ),
    "tool_fluency": (
        "I can register a partner deal in the CRM without help.",
        "I use the partner portal to find partners for an account.",
        "I know where to find the co-selling playbooks.",
    ),
}


@dataclass(frozen=True)
class Question:
    """One statement of a round, about one dimension; `key` names its answer."""

    key: str
    dimension: str
    text: str


def questions_of(statements: Mapping[str, Sequence[str]]) -> list[Question]:
    """The round's questions in the order asked, keyed `<dimension>:<n>`."""
    return [Question(f"{dim}:{i}", dim, text) for dim, texts in statements.items() for i, text in enumerate(texts, 1)]


def rescale(answer: int) -> float:
    """A 1-5 agreement answer on 0-100."""
    return (answer - 1) / 4 * 100


def scores(questions: Sequence[Question], answers: Mapping[str, int]) -> dict[str, float]:
    """Each dimension's score: the mean of its statements' rescaled answers (every statement answered)."""
    by_dimension: dict[str, list[float]] = {}
    for q in questions:
        by_dimension.setdefault(q.dimension, []).append(rescale(int(answers[q.key])))
    return {dim: sum(values) / len(values) for dim, values in by_dimension.items()}
