"""Writing the demo's frames into the database: DuckDB inserts from registered DataFrames.

Word lists become temporary lookup macros (our own words, quoted by `_lit`; no user input), so
every table is written by one INSERT ... SELECT.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from data_layer.db.store import Transaction
from data_layer.demo import text as txt
from data_layer.demo.draws import Draws
from data_layer.domain.vocabulary import BARRIERS, DEFAULT_SECTIONS, DIMENSIONS, OUTCOMES, VERBS


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_lit(v) for v in values) + "]"


def _map(entries: dict[str, str]) -> str:
    return "MAP {" + ", ".join(f"{_lit(k)}: {v}" for k, v in entries.items()) + "}"



def write_all(gen: Draws, tx: Transaction) -> None:
    """Draw every frame of the story and insert its rows."""
    people = gen.people()
    cohorts = gen.cohorts()
    mem = gen.memberships()
    assessments, scores, barriers, events = gen.assessments_and_events(mem)
    deals = gen.deals(mem)
    plans, lessons, actions = gen.plans_lessons_actions()
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
    gen.say("writing people, cohorts and memberships")
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
    gen.say("writing assessments")
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
    gen.say("writing activity events")
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
    start = dt.date(1970, 1, 1) + dt.timedelta(seconds=int(gen.t_start))
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
    gen.say("writing deals")
    tx.execute("""
        INSERT INTO deals
        SELECT 'D' || lpad(CAST(i + 1 AS VARCHAR), 7, '0'), pid(owner), dt(created_ts),
               dt(closed_ts), statuses(status), amount, 'USD', involvements(involvement),
               CASE WHEN partner >= 0 THEN partners(partner) END, segments(segment)
        FROM g_deals ORDER BY i""")
    gen.say("writing the Book of Learning")
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


def write_section_owners(gen: Draws, tx: Transaction) -> None:
    """Most sections get a learner; two are left without one, as happens."""
    writers = np.flatnonzero(np.isin(gen.role, [3, 4]))
    sections = list(DEFAULT_SECTIONS)
    owners = writers[gen.rng.integers(0, len(writers), len(sections))]
    rows = [[f"P{int(o) + 1:05d}", s] for s, o in zip(sections, owners, strict=True)][:-2]
    tx.executemany("UPDATE sections SET owner_id = ? WHERE section_id = ?", rows)
