"""The learning loop's doors: the digest for a channel, tests' results from a CSV file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from data_layer import alerts, digest
from data_layer.access.auth import Actor, confirm
from data_layer.analytics.units import lift_interval, lift_unit
from data_layer.book import experiments
from data_layer.db.store import Store
from data_layer.domain.config import app_today
from data_layer.domain.errors import InvalidData
from data_layer.ingest.bounded import check_path_size
from data_layer.operations.base import Door, NoParams, Operation, Params, plain


class DigestParams(Params):
    since: dt.date | None = None   # default: a week before today
    today: dt.date | None = None
    post: str | None = None        # a Slack incoming webhook's URL


@dataclass(frozen=True)
class DigestOutcome:
    """The digest as Markdown, and whether it was posted (None: not asked to)."""

    text: str
    posted: bool | None = None
    problem: str | None = None


def make_digest(store: Store, actor: Actor | None, params: DigestParams) -> DigestOutcome:
    """What happened since a day: lessons, flops, overdue post-mortems, actions due, the numbers; posted when asked
    (every digest posted, delivered or not, is kept in digest_posts)."""
    who = DIGEST.allow(actor)
    if params.post and (params.post.startswith("file:") or not alerts.valid_destination(params.post)):
        # a webhook only: never a file on the server (a token may ask for this)
        raise InvalidData([], "--post takes a Slack incoming-webhook URL (https://...).")
    d = digest.build(store, params.today or app_today(), params.since)
    text = digest.render(d)
    if not params.post:
        return DigestOutcome(text)
    with store.transaction() as tx:
        confirm(tx, who, DIGEST.role)  # rights as they are now, before anything is sent
    sent = digest.send(store, d, params.post)
    return DigestOutcome(text, sent.delivered, sent.problem)


@dataclass(frozen=True)
class TestOutcome:
    name: str
    outcome: str
    lifts: str = ""  # each variant's lift and interval in its unit: pp for conversions, the metric's own for means


@dataclass(frozen=True)
class ResultsOutcome:
    """Variant rows saved, and each test's proposed outcome."""

    rows: int
    tests: list[TestOutcome] = field(default_factory=list)


def import_test_results(store: Store, actor: Actor | None, data: bytes) -> ResultsOutcome:
    """Tests' results per variant (CSV: plan_id, variant, n, and conversions or mean and sd); all or nothing."""
    n = experiments.import_results(store, TEST_RESULTS.allow(actor), data)
    return ResultsOutcome(n, [TestOutcome(t.name, t.outcome, "; ".join(
        f"{lift.variant}: {lift_unit(t.measure).text(lift.value)}, {lift_interval(t.measure, lift.low, lift.high)}"
        for lift in t.lifts)) for t in experiments.results(store) if t.lifts])


def _results(store: Store, actor: Actor, params: NoParams, door: Door) -> ResultsOutcome:
    if len(door.files) != 1:
        raise InvalidData([], "test-results takes one CSV file, sent with the call.")
    check_path_size(door.files[0])
    return import_test_results(store, actor, door.files[0].read_bytes())


DIGEST = Operation("digest", "editor", "the learning digest for a channel", DigestParams, DigestOutcome,
                   serve=plain(make_digest))
TEST_RESULTS = Operation("test-results", "editor", "import tests' results (CSV)", NoParams, ResultsOutcome,
                         serve=_results, takes_files=True)
