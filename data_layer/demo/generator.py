"""Deterministic demo data telling the story of DOMAIN.md over 18 months.

Everything random is drawn with NumPy from one seeded generator in a fixed order, as
whole arrays (no per-row Python loops), then formatted and inserted by DuckDB from
registered DataFrames. The same seed and the same `today` give the same database.

The story: most members get outreach within a day of their baseline assessment, some
wait days; activity ramps up over a cohort's first weeks, then some members go quiet;
barriers shrink between baseline and follow-up; partner-involved deals win more often
and close faster, and partner involvement grows after a seller joins a cohort;
published post-mortems include flops; some plans end with no post-mortem; some
follow-up actions are overdue.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_layer.access.auth import create_demo_users
from data_layer.db.audit import record
from data_layer.db.store import Store, Transaction
from data_layer.db.summaries import refresh as refresh_summaries
from data_layer.db.summaries import refresh_assessments, refresh_deals
from data_layer.demo import text as txt
from data_layer.domain.errors import StoreError
from data_layer.domain.vocabulary import BARRIERS, DEFAULT_SECTIONS, DIMENSIONS, OUTCOMES, VERBS

DAY = 86_400
SPAN_DAYS = 548  # 18 months of history up to `today`
COHORT_WEEKS = 12


@dataclass(frozen=True)
class Scale:
    """How much of everything to make."""

    people: int
    cohorts: int
    events: int
    assessments: int
    deals: int
    plans: int
    lessons: int
    actions: int


SCALES: dict[str, Scale] = {
    "demo": Scale(people=300, cohorts=12, events=24_000, assessments=420, deals=2_600,
                  plans=110, lessons=95, actions=170),
    "enterprise": Scale(people=20_000, cohorts=1_000, events=10_000_000, assessments=200_000,
                        deals=1_000_000, plans=20_000, lessons=50_000, actions=100_000),
}

# Tables the demo fills, in the order they are cleared and written.
DATA_TABLES = (
    "people", "cohorts", "memberships", "events", "assessments", "assessment_scores",
    "deals", "plans", "lessons", "actions", "objects", "event_texts",
)

Progress = Callable[[str], None]


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


def _map(entries: dict[str, str]) -> str:
    return "MAP {" + ", ".join(f"{_lit(k)}: {v}" for k, v in entries.items()) + "}"


def _epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def has_data(store: Store) -> bool:
    """True when the database already holds people or events."""
    return bool(store.query_value("SELECT (SELECT count(*) FROM people) + (SELECT count(*) FROM events)"))


def generate_demo(
    store: Store,
    *,
    scale: str = "demo",
    seed: int = 7,
    today: dt.date | None = None,
    replace: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Fill `store` with demo data; return the row count of each table."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    if has_data(store) and not replace:
        raise StoreError("This database already has data; pass --replace to overwrite it with demo data.")
    say = progress or (lambda _msg: None)
    size = SCALES[scale]
    today = today or dt.date.today()
    gen = _Generator(size, np.random.default_rng(seed), today, say)
    started = time.perf_counter()
    with store.transaction() as tx:
        for table in DATA_TABLES:
            tx.execute(f"DELETE FROM {table}")  # noqa: S608 - table names from DATA_TABLES
        gen.write_all(tx)
        tx.execute("UPDATE sections SET owner_id = NULL")
        gen.write_section_owners(tx)
        create_demo_users(tx)
        refresh_summaries(tx)
        refresh_assessments(tx)
        refresh_deals(tx)
        record(tx, "demo", "import", scale, "demo", f"seed {seed}, today {today.isoformat()}")
        for key, value in (("demo", "true"), ("demo_scale", scale), ("demo_seed", str(seed)),
                           ("demo_today", today.isoformat())):
            tx.execute("INSERT OR REPLACE INTO app_meta (key, value) VALUES (?, ?)", [key, value])
    store.checkpoint()
    say(f"done in {time.perf_counter() - started:.1f} s")
    counts = {t: int(store.query_value(f"SELECT count(*) FROM {t}")) for t in DATA_TABLES}  # noqa: S608
    return counts


class _Generator:
    def __init__(self, size: Scale, rng: np.random.Generator, today: dt.date, say: Progress) -> None:
        self.n = size
        self.rng = rng
        self.today = today
        self.t_end = _epoch(today) + DAY - 1  # nothing happens after today
        self.t_start = _epoch(today - dt.timedelta(days=SPAN_DAYS))
        self.say = say

    # -- people and cohorts ------------------------------------------------------
    def people(self) -> pd.DataFrame:
        rng, n = self.rng, self.n.people
        first = np.array(txt.FIRST_NAMES, dtype=object)[rng.integers(0, len(txt.FIRST_NAMES), n)]
        last = np.array(txt.LAST_NAMES, dtype=object)[rng.integers(0, len(txt.LAST_NAMES), n)]
        role = rng.choice(len(txt.ROLES), n, p=txt.ROLE_WEIGHTS)
        # Team follows role: marketers in Marketing, partner managers in Partnerships.
        seller_team = rng.integers(0, 3, n)
        team = np.where(role == 3, 3, np.where(role == 4, 4, seller_team))
        region = rng.choice(len(txt.REGIONS), n, p=txt.REGION_WEIGHTS)
        n_managers = max(4, n // 25)
        manager = rng.integers(0, n_managers, n)
        manager = np.where(np.arange(n) < n_managers, -1, manager)  # managers report to nobody here
        frame = pd.DataFrame({
            "idx": np.arange(n), "first": first, "last": last, "role": role, "team": team,
            "region": region, "manager": manager,
        })
        self.role = role
        return frame

    def cohorts(self) -> pd.DataFrame:
        rng, k = self.rng, self.n.cohorts
        latest_start = SPAN_DAYS - 21
        # Spread starts over the span so there are old, finished and running cohorts.
        start = np.sort(rng.integers(14, latest_start, k)) if k > 12 else np.linspace(14, latest_start, k).astype(int)
        start_ts = self.t_start + start.astype(np.int64) * DAY
        end_ts = start_ts + COHORT_WEEKS * 7 * DAY
        finished = end_ts <= self.t_end
        partner_managers = np.flatnonzero(self.role == 4)
        facilitator = partner_managers[rng.integers(0, len(partner_managers), k)]
        self.cohort_start = start_ts
        return pd.DataFrame({
            "idx": np.arange(k),
            "name_idx": np.arange(k) % len(txt.COHORT_NAMES),
            "wave": np.arange(k) // len(txt.COHORT_NAMES) + 1,
            "program": rng.integers(0, len(txt.PROGRAMS), k),
            "start_ts": start_ts,
            "end_ts": np.where(finished, end_ts, -1),
            "facilitator": facilitator,
        })

    def memberships(self) -> pd.DataFrame:
        rng, k, n = self.rng, self.n.cohorts, self.n.people
        sizes = rng.integers(8, 31, k)
        slots = int(sizes.sum())
        cohort = np.repeat(np.arange(k), sizes)
        # Most slots take distinct people in order; the rest re-use people, so some
        # sellers are in two cohorts over time.
        distinct = min(int(slots * 0.9), n)
        person = np.empty(slots, dtype=np.int64)
        person[:distinct] = rng.permutation(n)[:distinct]
        person[distinct:] = rng.integers(0, n, slots - distinct)
        order = rng.permutation(slots)  # shuffle so re-used people land in random cohorts
        person = person[order]
        frame = pd.DataFrame({"cohort": cohort, "person": person}).drop_duplicates(["cohort", "person"])
        m = len(frame)
        joined = self.cohort_start[frame["cohort"].to_numpy()] + rng.integers(0, 4, m) * DAY
        leaves = rng.random(m) < 0.08
        left = joined + rng.integers(14, 71, m) * DAY
        frame["joined_ts"] = joined
        frame["left_ts"] = np.where(leaves & (left <= self.t_end), left, -1)
        frame = frame[frame["joined_ts"] <= self.t_end].reset_index(drop=True)
        m = len(frame)
        # Per-member character: how engaged, and whether (and when) they go quiet.
        frame["engagement"] = rng.beta(2.2, 2.0, m)
        frame["quiet_week"] = np.where(rng.random(m) < 0.35, rng.integers(3, 11, m), 10_000)
        return frame

    # -- activity and assessments ------------------------------------------------
    def assessments_and_events(
        self, mem: pd.DataFrame
    ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        rng = self.rng
        m = len(mem)
        joined = mem["joined_ts"].to_numpy()
        stop = np.where(mem["left_ts"].to_numpy() > 0, mem["left_ts"].to_numpy(), self.t_end)
        person = mem["person"].to_numpy()
        cohort = mem["cohort"].to_numpy()
        engagement = mem["engagement"].to_numpy()

        # Baseline assessments: 90 % of members, within 5 days of joining.
        took = rng.random(m) < 0.9
        base_ts = joined + rng.integers(0, 5 * DAY, m)
        took &= base_ts <= self.t_end
        base_members = np.flatnonzero(took)

        # Follow-ups: members ten weeks or more in, spread between week 10 and today.
        eligible = np.flatnonzero(took & (stop - joined >= 70 * DAY))
        n_follow = max(0, min(self.n.assessments - len(base_members), len(eligible) * 40))
        if len(eligible):
            weight = (stop[eligible] - joined[eligible] - 70 * DAY + DAY).astype(float)
            if n_follow <= len(eligible):
                pick = rng.choice(eligible, n_follow, replace=False, p=weight / weight.sum())
            else:
                pick = np.repeat(eligible, rng.multinomial(n_follow, weight / weight.sum()))
        else:
            pick = np.empty(0, dtype=np.int64)
        lo = joined[pick] + 70 * DAY
        follow_ts = lo + (rng.random(len(pick)) * (stop[pick] - lo)).astype(np.int64)

        a_member = np.concatenate([base_members, pick])
        a_ts = np.concatenate([base_ts[base_members], follow_ts])
        a_kind = np.concatenate([np.zeros(len(base_members), np.int8), np.ones(len(pick), np.int8)])
        na = len(a_member)
        # Scores: follow-ups gain with engagement and with time since joining.
        base_level = rng.normal(44, 9, m)
        months_in = np.clip((a_ts - joined[a_member]) / (30 * DAY), 0, 12)
        gain = a_kind * (6 + 16 * engagement[a_member]) * np.minimum(1.0, months_in / 3)
        dims = list(DIMENSIONS)
        dim_offset = np.array([-6.0, -3.0, 5.0, 2.0])[: len(dims)]
        scores = base_level[a_member, None] + dim_offset[None, :] + gain[:, None] + rng.normal(0, 7, (na, len(dims)))
        scores = np.clip(np.rint(scores), 0, 100)
        # Barriers: cited at baseline with fixed odds, mostly resolved by follow-up.
        codes = list(BARRIERS)
        odds = np.array([0.55, 0.45, 0.30, 0.20, 0.40, 0.25, 0.15, 0.10, 0.05])[: len(codes)]
        base_bar = rng.random((m, len(codes))) < odds[None, :]
        keep = rng.random((na, len(codes))) < (0.55 - 0.35 * engagement[a_member])[:, None]
        fresh = rng.random((na, len(codes))) < odds[None, :] * 0.12
        cited = np.where(a_kind[:, None] == 0, base_bar[a_member], (base_bar[a_member] & keep) | fresh)
        first_code = np.where(cited.any(axis=1), cited.argmax(axis=1), -1)
        has_note = (rng.random(na) < 0.3) & (first_code >= 0)
        assessments = pd.DataFrame({
            "member": a_member, "person": person[a_member], "ts": a_ts, "kind": a_kind,
            "note": np.where(has_note, first_code, -1),
        }).sort_values("ts", kind="stable").reset_index(drop=True)
        assessments["i"] = np.arange(na)
        # Reorder the score/barrier matrices the same way as the frame.
        sort_idx = np.argsort(a_ts, kind="stable")
        scores, cited = scores[sort_idx], cited[sort_idx]
        score_rows, score_dims = np.nonzero(np.ones_like(scores, dtype=bool))
        score_long = pd.DataFrame({"a": score_rows, "dim": score_dims, "score": scores[score_rows, score_dims]})
        bar_rows, bar_codes = np.nonzero(cited)
        barrier_long = pd.DataFrame({"a": bar_rows, "code": bar_codes})
        self.say(f"{na:,} assessments")

        # Fixed life-cycle events of each member.
        invited_ts = joined - rng.integers(3, 11, m) * DAY + rng.integers(9 * 3600, 17 * 3600, m)
        invited_ts = np.minimum(invited_ts, self.t_end)
        intro = rng.random(m) < 0.85
        intro_ts = joined + rng.integers(3600, 7 * DAY, m)
        intro &= intro_ts <= np.minimum(stop, self.t_end)
        # Outreach after every assessment: most within a day, some wait days, a few never.
        b_ts = base_ts[base_members]
        u = rng.random(na)
        delay_h = np.where(u < 0.72, rng.uniform(0.5, 23.5, len(u)),
                   np.where(u < 0.84, rng.uniform(24.5, 72, len(u)),
                   np.where(u < 0.96, rng.uniform(72, 24 * 9, len(u)), np.inf)))
        reached = np.isfinite(delay_h)
        out_ts = a_ts + np.where(reached, delay_h, 0) * 3600
        reached &= out_ts <= self.t_end
        fixed = [
            (np.arange(m), invited_ts, VERBS.index("invited"), 0),
            (base_members, b_ts, VERBS.index("assessed"), 1),
            (a_member[reached], out_ts[reached].astype(np.int64), VERBS.index("outreach_received"), 2),
            (np.flatnonzero(intro), intro_ts[intro], VERBS.index("introduced"), 3),
        ]
        f_member = np.concatenate([f[0] for f in fixed])
        f_ts = np.concatenate([f[1] for f in fixed]).astype(np.int64)
        f_verb = np.concatenate([np.full(len(f[0]), f[2]) for f in fixed])
        f_source = np.concatenate([np.full(len(f[0]), f[3]) for f in fixed])
        # Follow-up assessments also appear as `assessed` events.
        f_member = np.concatenate([f_member, pick])
        f_ts = np.concatenate([f_ts, follow_ts])
        f_verb = np.concatenate([f_verb, np.full(len(pick), VERBS.index("assessed"))])
        f_source = np.concatenate([f_source, np.full(len(pick), 1)])

        # Weekly activity: ramps up over the first weeks, some members go quiet,
        # a lower steady level after the cohort ends.
        weeks = np.maximum(1, ((stop - joined) // (7 * DAY) + 1)).astype(np.int64)
        cell_member = np.repeat(np.arange(m), weeks)
        starts = np.cumsum(weeks) - weeks
        week = np.arange(int(weeks.sum())) - np.repeat(starts, weeks)
        ramp = np.where(week < COHORT_WEEKS, np.minimum(1.0, (week + 1) / 4.0), 0.35)
        quiet = week >= mem["quiet_week"].to_numpy()[cell_member]
        weight = engagement[cell_member] * ramp * np.where(quiet, 0.02, 1.0)
        n_activity = max(0, self.n.events - len(f_member))
        counts = rng.multinomial(n_activity, weight / weight.sum())
        e_cell = np.repeat(np.arange(len(counts)), counts)
        e_member = cell_member[e_cell]
        e_week = week[e_cell]
        e_ts = joined[e_member] + e_week * 7 * DAY + rng.integers(0, 7 * DAY, len(e_cell))
        e_ts = np.minimum(e_ts, stop[e_member])
        # Verb mix moves from learning (tutorials, posts) to doing (tools, wins).
        activity_verbs = ["posted", "replied", "shared_win", "shared_frustration", "tutorial_completed",
                          "tool_used", "feedback_given", "resource_subscribed", "coached"]
        early = np.array([0.26, 0.22, 0.02, 0.10, 0.16, 0.08, 0.07, 0.05, 0.04])
        late = np.array([0.18, 0.22, 0.09, 0.04, 0.04, 0.30, 0.05, 0.03, 0.05])
        mix = np.clip(e_week / COHORT_WEEKS, 0, 1)
        u = rng.random(len(e_ts))
        cdf_early, cdf_late = np.cumsum(early), np.cumsum(late)
        # Draw against the early or late mix depending on the week (vectorised two-way choice).
        use_late = rng.random(len(e_ts)) < mix
        pick_early = np.searchsorted(cdf_early, u * cdf_early[-1])
        pick_late = np.searchsorted(cdf_late, u * cdf_late[-1])
        verb_local = np.where(use_late, pick_late, pick_early)
        verb_global = np.array([VERBS.index(v) for v in activity_verbs])[verb_local]
        source_of = np.array([4, 4, 4, 4, 1, 5, 4, 1, 2])[verb_local]

        ev_member = np.concatenate([f_member, e_member])
        ev = pd.DataFrame({
            "person": person[ev_member],
            "cohort": cohort[ev_member],
            "ts": np.concatenate([f_ts, e_ts]).astype(np.int64),
            "verb": np.concatenate([f_verb, verb_global]).astype(np.int16),
            "source": np.concatenate([f_source, source_of]).astype(np.int8),
        })
        ne = len(ev)
        # Some events arrive from the CRM or LMS without a cohort tag.
        untagged = rng.random(ne) < 0.12
        ev["cohort"] = np.where(untagged, -1, ev["cohort"].to_numpy())
        verb = ev["verb"].to_numpy()
        obj_pick = rng.integers(0, 3, ne)
        is_tool = np.isin(verb, [VERBS.index("tool_used"), VERBS.index("feedback_given")])
        ev["obj_kind"] = np.where(is_tool, 1, np.where(verb == VERBS.index("tutorial_completed"), 2,
                          np.where(verb == VERBS.index("resource_subscribed"), 3, 0))).astype(np.int8)
        ev["obj"] = np.where(is_tool, rng.integers(0, len(txt.TOOLS), ne), obj_pick).astype(np.int8)
        ev = ev.sort_values(["ts", "person"], kind="stable").reset_index(drop=True)
        ev["i"] = np.arange(ne)
        self.say(f"{ne:,} activity events")
        return assessments, score_long, barrier_long, ev

    # -- deals -------------------------------------------------------------------
    def deals(self, mem: pd.DataFrame) -> pd.DataFrame:
        rng, nd = self.rng, self.n.deals
        sellers = np.flatnonzero(np.isin(self.role, [0, 1, 2]))
        owner = sellers[rng.integers(0, len(sellers), nd)]
        span = SPAN_DAYS + 200  # deals reach back before the first cohort
        created = _epoch(self.today) - rng.integers(5, span, nd).astype(np.int64) * DAY
        # A seller's first joining and engagement decide their partner habits.
        first = mem.sort_values("joined_ts").drop_duplicates("person")
        joined_of = np.full(self.n.people, np.iinfo(np.int64).max)
        engaged_of = np.zeros(self.n.people)
        joined_of[first["person"].to_numpy()] = first["joined_ts"].to_numpy()
        engaged_of[first["person"].to_numpy()] = first["engagement"].to_numpy()
        after = created >= joined_of[owner]
        p_partner = 0.14 + np.where(after, 0.38 * engaged_of[owner], 0.0)
        involved = rng.random(nd) < p_partner
        sourced = rng.random(nd) < 0.4
        involvement = np.where(involved, np.where(sourced, 1, 2), 0)  # 0 none, 1 sourced, 2 influenced
        p_win = np.choose(involvement, [0.22, 0.40, 0.33]) + np.where(after, 0.06, 0.0)
        won = rng.random(nd) < p_win
        cycle = np.where(involved, rng.gamma(4.0, 12.0, nd), rng.gamma(4.0, 18.0, nd)).astype(np.int64) + 7
        closed = created + cycle * DAY
        is_closed = closed <= _epoch(self.today)
        status = np.where(~is_closed, 0, np.where(won, 1, 2))  # open, won, lost
        segment = rng.choice(3, nd, p=[0.45, 0.35, 0.20])
        amount = rng.lognormal(np.log(18_000), 0.7, nd) * np.choose(segment, [0.5, 1.0, 2.6])
        amount *= np.where(involved, 1.18, 1.0)
        amount = np.round(amount, -1)
        frame = pd.DataFrame({
            "owner": owner, "created_ts": created, "closed_ts": np.where(is_closed, closed, -1),
            "status": status, "amount": amount, "involvement": involvement,
            "partner": np.where(involved, rng.integers(0, len(txt.PARTNERS), nd), -1), "segment": segment,
        }).sort_values(["created_ts", "owner"], kind="stable").reset_index(drop=True)
        frame["i"] = np.arange(nd)
        self.say(f"{nd:,} deals")
        return frame

    # -- the Book of Learning ------------------------------------------------------
    def plans_lessons_actions(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        rng, npl = self.rng, self.n.plans
        sections = np.array(list(DEFAULT_SECTIONS), dtype=object)
        writers = np.flatnonzero(np.isin(self.role, [3, 4]))
        today_ts = _epoch(self.today)
        p_section = rng.integers(0, len(sections), npl)
        p_start = self.t_start + rng.integers(0, SPAN_DAYS + 30, npl).astype(np.int64) * DAY
        p_end = p_start + rng.integers(7, 61, npl).astype(np.int64) * DAY
        p_owner = writers[rng.integers(0, len(writers), npl)]
        p_cohort = np.where(rng.random(npl) < 0.35, rng.integers(0, self.n.cohorts, npl), -1)
        plans = pd.DataFrame({
            "section": sections[p_section], "owner": p_owner, "start_ts": p_start, "end_ts": p_end,
            "kind": rng.integers(0, len(txt.PLAN_KINDS), npl), "cohort": p_cohort,
        }).sort_values("start_ts", kind="stable").reset_index(drop=True)
        plans["i"] = np.arange(npl)

        # Ended plans mostly get a post-mortem within three weeks; about one in five never does.
        ended = np.flatnonzero(plans["end_ts"].to_numpy() < today_ts)
        covered = ended[rng.random(len(ended)) < 0.8]
        written_ts = plans["end_ts"].to_numpy()[covered] + rng.integers(1, 21, len(covered)) * DAY
        covered = covered[written_ts <= today_ts][: self.n.lessons]
        n_unplanned = max(0, self.n.lessons - len(covered))
        l_plan = np.concatenate([covered, np.full(n_unplanned, -1)])
        nl = len(l_plan)
        planned = l_plan >= 0
        un_occ = self.t_start + rng.integers(0, SPAN_DAYS - 10, nl).astype(np.int64) * DAY
        occurred = np.where(planned, plans["end_ts"].to_numpy()[np.maximum(l_plan, 0)], un_occ)
        created = occurred + rng.integers(1, 21, nl) * DAY + rng.integers(9 * 3600, 18 * 3600, nl)
        created = np.minimum(created, self.t_end - 3600)
        section = np.where(planned, plans["section"].to_numpy()[np.maximum(l_plan, 0)],
                           sections[rng.integers(0, len(sections), nl)])
        author = np.where(planned, plans["owner"].to_numpy()[np.maximum(l_plan, 0)],
                          writers[rng.integers(0, len(writers), nl)])
        cohort = np.where(planned, plans["cohort"].to_numpy()[np.maximum(l_plan, 0)], -1)
        outcome = rng.choice(4, nl, p=[0.40, 0.25, 0.20, 0.15])
        status = rng.choice(3, nl, p=[0.14, 0.10, 0.76])  # draft, in_review, published
        published = np.minimum(created + rng.integers(0, 10 * DAY, nl), self.t_end - 60)
        updated = np.where(status == 2, published, np.minimum(created + rng.integers(0, 3 * DAY, nl), self.t_end - 60))
        tag_a = rng.integers(0, 3, nl)
        tag_b = (tag_a + rng.integers(1, 3, nl)) % 3
        lessons = pd.DataFrame({
            "plan": l_plan, "section": section, "occurred_ts": occurred, "created_ts": created,
            "updated_ts": updated, "published_ts": np.where(status == 2, published, -1),
            "author": author, "cohort": cohort, "outcome": outcome, "status": status,
            "tag_a": tag_a, "tag_b": tag_b, "kind": rng.integers(0, len(txt.PLAN_KINDS), nl),
        }).sort_values("created_ts", kind="stable").reset_index(drop=True)
        lessons["i"] = np.arange(nl)

        na = self.n.actions
        a_lesson = np.sort(rng.integers(0, nl, na))
        a_created = lessons["created_ts"].to_numpy()[a_lesson]
        due = a_created // DAY * DAY + rng.integers(7, 46, na) * DAY
        past_due = due < today_ts
        done_p = np.where(past_due, 0.70, 0.25)
        done = rng.random(na) < done_p
        late = rng.random(na) < 0.2
        done_ts = np.where(late, due + rng.integers(1, 15, na) * DAY, due - rng.integers(0, 6, na) * DAY)
        done_ts = np.maximum(done_ts, a_created // DAY * DAY)
        done &= done_ts <= today_ts
        actions = pd.DataFrame({
            "lesson": a_lesson, "text": rng.integers(0, len(txt.ACTION_TEXT), na),
            "owner": writers[rng.integers(0, len(writers), na)], "due_ts": due,
            "done_ts": np.where(done, done_ts, -1),
        })
        actions["i"] = np.arange(na)
        self.say(f"{npl:,} plans, {nl:,} lessons, {na:,} actions")
        return plans, lessons, actions

    # -- writing -----------------------------------------------------------------
    def write_all(self, tx: Transaction) -> None:
        people = self.people()
        cohorts = self.cohorts()
        mem = self.memberships()
        assessments, scores, barriers, events = self.assessments_and_events(mem)
        deals = self.deals(mem)
        plans, lessons, actions = self.plans_lessons_actions()
        lists: dict[str, list[str]] = {
            "roles": list(txt.ROLES), "teams": list(txt.TEAMS),
            "regions": list(txt.REGIONS), "programs": list(txt.PROGRAMS),
            "cohort_names": list(txt.COHORT_NAMES), "verbs": list(VERBS),
            "sources": ["app", "lms", "crm", "slack", "slack", "app"],
            "dims": list(DIMENSIONS), "codes": list(BARRIERS),
            "notes": [txt.BARRIER_NOTES[c] for c in BARRIERS],
            "tools": list(txt.TOOLS), "tutorials": list(txt.TUTORIALS), "resources": list(txt.RESOURCES),
            "partners": list(txt.PARTNERS), "segments": list(txt.SEGMENTS),
            "statuses": ["open", "won", "lost"], "involvements": ["none", "sourced", "influenced"],
            "outcomes": list(OUTCOMES), "lesson_statuses": ["draft", "in_review", "published"],
            "plan_kinds": list(txt.PLAN_KINDS), "actions_text": list(txt.ACTION_TEXT),
            "what": [txt.WHAT_HAPPENED[o] for o in OUTCOMES],
            "lessons_text": [txt.LESSONS_TEXT[o] for o in OUTCOMES],
            "recs": [txt.RECOMMENDATIONS[o] for o in OUTCOMES],
        }
        # Lookup macros built from our own word lists (no user input), quoted by _lit.
        for name, values in lists.items():
            tx.execute(f"CREATE OR REPLACE TEMP MACRO {name}(i) AS list_extract({_list(values)}, i + 1)")
        goal_map = _map({k: _lit(v) for k, v in txt.SECTION_GOALS.items()})
        tags_map = _map({k: _list(list(v)) for k, v in txt.SECTION_TAGS.items()})
        label_map = _map({k: _lit(v) for k, v in DEFAULT_SECTIONS.items()})
        tx.execute(f"CREATE OR REPLACE TEMP MACRO section_goal(s) AS {goal_map}[s]")
        tx.execute(f"CREATE OR REPLACE TEMP MACRO section_tags(s) AS {tags_map}[s]")
        tx.execute(f"CREATE OR REPLACE TEMP MACRO section_label(s) AS {label_map}[s]")
        tx.execute("CREATE OR REPLACE TEMP MACRO pid(i) AS 'P' || lpad(CAST(i + 1 AS VARCHAR), 5, '0')")
        tx.execute("CREATE OR REPLACE TEMP MACRO cid(i) AS CASE WHEN i >= 0 THEN 'C' || lpad(CAST(i + 1 AS VARCHAR), 4, '0') END")
        tx.execute("CREATE OR REPLACE TEMP MACRO ts(s) AS make_timestamp(CAST(s AS BIGINT) * 1000000)")
        tx.execute("CREATE OR REPLACE TEMP MACRO dt(s) AS CASE WHEN s >= 0 THEN CAST(make_timestamp(CAST(s AS BIGINT) * 1000000) AS DATE) END")

        frames = {"g_people": people, "g_cohorts": cohorts, "g_mem": mem, "g_assess": assessments,
                  "g_scores": scores, "g_barriers": barriers, "g_events": events, "g_deals": deals,
                  "g_plans": plans, "g_lessons": lessons, "g_actions": actions}
        for name, frame in frames.items():
            tx.register(name, frame)
        self.say("writing people, cohorts and memberships")
        tx.execute("""
            INSERT INTO people
            SELECT pid(idx), first || ' ' || last,
                   lower(first || '.' || last) ||
                       CASE WHEN row_number() OVER (PARTITION BY first, last ORDER BY idx) > 1
                            THEN CAST(row_number() OVER (PARTITION BY first, last ORDER BY idx) AS VARCHAR)
                            ELSE '' END || '@acme.example',
                   roles(role), teams(team), regions(region),
                   CASE WHEN manager >= 0 THEN pid(manager) END
            FROM g_people ORDER BY idx""")
        tx.execute("""
            INSERT INTO cohorts
            SELECT cid(idx), cohort_names(name_idx) || CASE WHEN wave > 1 THEN ' ' || wave ELSE '' END,
                   programs(program), dt(start_ts), dt(end_ts), pid(facilitator),
                   '#cohort-' || lower(cohort_names(name_idx)) || CASE WHEN wave > 1 THEN '-' || wave ELSE '' END
            FROM g_cohorts ORDER BY idx""")
        tx.execute("""
            INSERT INTO memberships
            SELECT cid(cohort), pid(person), dt(joined_ts), dt(left_ts) FROM g_mem ORDER BY cohort, person""")
        self.say("writing assessments")
        tx.execute("""
            INSERT INTO assessments
            SELECT 'A' || lpad(CAST(a.i + 1 AS VARCHAR), 7, '0'), pid(a.person), ts(a.ts),
                   'Ecosystem readiness v2', CASE WHEN a.kind = 0 THEN 'baseline' ELSE 'follow_up' END,
                   coalesce(b.codes, []), CASE WHEN a.note >= 0 THEN notes(a.note) END
            FROM g_assess a
            LEFT JOIN (SELECT a, list(codes(code) ORDER BY code) AS codes FROM g_barriers GROUP BY a) b
              ON b.a = a.i
            ORDER BY a.i""")
        tx.execute("""
            INSERT INTO assessment_scores
            SELECT 'A' || lpad(CAST(a + 1 AS VARCHAR), 7, '0'), dims(dim), score FROM g_scores""")
        self.say("writing activity events")
        tx.execute("""
            INSERT INTO events
            SELECT 'E' || lpad(CAST(i + 1 AS VARCHAR), 9, '0'), ts(ts), pid(person),
                   verbs(verb),
                   -- a tool's own tutorial is recorded against the tool (two of three tutorials)
                   CASE obj_kind WHEN 1 THEN tools(obj) WHEN 2 THEN CASE WHEN obj < 2 THEN tools(obj)
                                                                         ELSE tutorials(obj) END
                                 WHEN 3 THEN resources(obj)
                                 -- two of three frustrations name the tool they are about
                                 ELSE CASE WHEN verbs(verb) = 'shared_frustration' AND obj < 2
                                           THEN tools(obj + 1) END END,
                   cid(cohort), sources(source)
            FROM g_events ORDER BY i""")
        start = dt.date(1970, 1, 1) + dt.timedelta(seconds=int(self.t_start))
        tx.executemany("INSERT INTO objects VALUES (?, ?, ?, ?)",
                       [[oid, kind, name, None if days is None else start + dt.timedelta(days=days)]
                        for oid, kind, name, days in txt.OBJECTS])
        # One in three wins, frustrations and feedback carry words (as from a Slack export with text).
        for verb, phrases in txt.VOICE.items():
            tx.execute("""
                INSERT INTO event_texts
                SELECT event_id, list_extract($phrases::VARCHAR[],
                                              CAST(hash(event_id) % len($phrases::VARCHAR[]) AS INTEGER) + 1)
                FROM events WHERE verb = $verb AND hash(event_id || 'text') % 3 = 0""",
                       {"verb": verb, "phrases": list(phrases)})
        self.say("writing deals")
        tx.execute("""
            INSERT INTO deals
            SELECT 'D' || lpad(CAST(i + 1 AS VARCHAR), 7, '0'), pid(owner), dt(created_ts),
                   dt(closed_ts), statuses(status), amount, 'USD', involvements(involvement),
                   CASE WHEN partner >= 0 THEN partners(partner) END, segments(segment)
            FROM g_deals ORDER BY i""")
        self.say("writing the Book of Learning")
        tx.execute("""
            INSERT INTO plans
            SELECT 'PL' || lpad(CAST(i + 1 AS VARCHAR), 5, '0'),
                   section_label(section) || ' ' || plan_kinds(kind) || ' ' || strftime(dt(start_ts), '%b %Y'),
                   section, pid(owner), dt(start_ts), dt(end_ts), section_goal(section), cid(cohort)
            FROM g_plans ORDER BY i""")
        tx.execute("""
            INSERT INTO lessons
            SELECT 'L' || lpad(CAST(l.i + 1 AS VARCHAR), 6, '0'),
                   CASE WHEN l.plan >= 0 THEN 'Post-mortem: ' ELSE '' END || section_label(l.section) || ' '
                       || plan_kinds(l.kind) || ' ' || CASE l.outcome WHEN 0 THEN 'worked' WHEN 1 THEN 'flopped'
                       WHEN 2 THEN 'gave mixed results' ELSE 'was inconclusive' END
                       || ' (' || strftime(dt(l.occurred_ts), '%b %Y') || ')',
                   CASE WHEN l.plan >= 0 THEN 'PL' || lpad(CAST(l.plan + 1 AS VARCHAR), 5, '0') END,
                   l.section, dt(l.occurred_ts), section_goal(l.section), what(l.outcome),
                   outcomes(l.outcome), lessons_text(l.outcome), recs(l.outcome),
                   [section_tags(l.section)[l.tag_a + 1], section_tags(l.section)[l.tag_b + 1]],
                   pid(l.author), cid(l.cohort), lesson_statuses(l.status), ts(l.created_ts),
                   ts(l.updated_ts), CASE WHEN l.published_ts >= 0 THEN ts(l.published_ts) END
            FROM g_lessons l ORDER BY l.i""")
        tx.execute("""
            INSERT INTO actions
            SELECT 'AC' || lpad(CAST(i + 1 AS VARCHAR), 6, '0'),
                   'L' || lpad(CAST(lesson + 1 AS VARCHAR), 6, '0'), actions_text(text), pid(owner),
                   dt(due_ts), dt(done_ts)
            FROM g_actions ORDER BY i""")
        for name in frames:
            tx.unregister(name)

    def write_section_owners(self, tx: Transaction) -> None:
        """Most sections get a learner; two are left without one, as happens."""
        writers = np.flatnonzero(np.isin(self.role, [3, 4]))
        sections = list(DEFAULT_SECTIONS)
        owners = writers[self.rng.integers(0, len(writers), len(sections))]
        rows = [[f"P{int(o) + 1:05d}", s] for s, o in zip(sections, owners, strict=True)][:-2]
        tx.executemany("UPDATE sections SET owner_id = ? WHERE section_id = ?", rows)
