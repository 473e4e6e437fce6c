"""The demo's random draws: every row of the story as NumPy arrays in DataFrames, in a fixed order.

Everything random is drawn from one seeded generator in a fixed order, as whole arrays (no
per-row Python loops); writing.py turns the frames into rows. The same seed, `today` and
span give the same frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_layer.demo import text as txt
from data_layer.domain.vocabulary import BARRIERS, DEFAULT_SECTIONS, DIMENSIONS, VERBS

DAY = 86_400
MONTH_DAYS = 30.44  # an average month, to turn a span in months into days
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

Progress = Callable[[str], None]


def epoch(day: dt.date) -> int:
    """Seconds since 1970 at the start of `day` (UTC)."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


class Draws:
    """The story's frames for one scale, seed, last day and span of history (in days)."""

    def __init__(self, size: Scale, rng: np.random.Generator, today: dt.date, span_days: int,
                 say: Progress) -> None:
        self.n = size
        self.rng = rng
        self.today = today
        self.span_days = span_days
        self.t_end = epoch(today) + DAY - 1  # nothing happens after today
        self.t_start = epoch(today - dt.timedelta(days=span_days))
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
        latest_start = self.span_days - 21
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
        span = self.span_days + 200  # deals reach back before the first cohort
        created = epoch(self.today) - rng.integers(5, span, nd).astype(np.int64) * DAY
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
        is_closed = closed <= epoch(self.today)
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
        today_ts = epoch(self.today)
        p_section = rng.integers(0, len(sections), npl)
        p_start = self.t_start + rng.integers(0, self.span_days + 30, npl).astype(np.int64) * DAY
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
        un_occ = self.t_start + rng.integers(0, self.span_days - 10, nl).astype(np.int64) * DAY
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
