"""Finding lessons: ranked search, related lessons while writing, and the ring-binder export.

DuckDB's full-text extension downloads at run time (not possible here), so search scores
each query word against the fields directly: a title hit counts most, then tags, then the
goal and lessons, then the rest. Every word must match somewhere; results with title or
tag hits come first. Words are bound parameters matched with `contains`, never patterns.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from data_layer.db.store import Store

_WORD = re.compile(r"[\w'-]+", re.UNICODE)
STOPWORDS = frozenset(
    "a an and are as at be but by for from has have how in is it its not of on or our so that the their "
    "then there this to was we were what when whether which who why will with you your".split()
)


def words(text: str, min_len: int = 2, limit: int = 8) -> list[str]:
    """The distinct lower-case words of a query, without stop words, in order."""
    out: list[str] = []
    for w in _WORD.findall(text.lower()):
        w = w.strip("'-")
        if len(w) >= min_len and w not in STOPWORDS and w not in out:
            out.append(w)
    return out[:limit]


@dataclass(frozen=True)
class LibraryFilter:
    """Filters of the Book of Learning page (all optional)."""

    section: str | None = None
    outcome: str | None = None
    tag: str | None = None
    author_id: str | None = None
    cohort_id: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    statuses: tuple[str, ...] = ("published",)  # editors may add "draft" and "in_review"


def search(store: Store, query: str, filt: LibraryFilter | None = None, limit: int = 50,
           offset: int = 0) -> pd.DataFrame:
    """Lessons matching every word of `query`, best first (newest first without a query).

    One page of `limit` rows from `offset`; every row carries `total`, the number of all matches.
    Only published lessons unless the filter's `statuses` say otherwise.
    """
    f = filt or LibraryFilter()
    terms = words(query)
    params = {
        "terms": terms, "n_terms": len(terms), "section": f.section, "outcome": f.outcome, "tag": f.tag,
        "author": f.author_id, "cohort": f.cohort_id, "date_from": f.date_from, "date_to": f.date_to,
        "limit": limit, "offset": max(0, offset), "statuses": list(f.statuses) or ["published"],
    }
    return store.query_df(
        """
        WITH docs AS (
            SELECT l.lesson_id, l.title, l.section, l.outcome, l.tags, l.author_id, l.occurred_on, l.published_at,
                   l.lessons, l.status, l.updated_at, lower(l.title) AS t, lower(array_to_string(l.tags, ' ')) AS g,
                   lower(coalesce(l.learning_goal, '') || ' ' || coalesce(l.lessons, '')) AS m,
                   lower(coalesce(l.what_happened, '') || ' ' || coalesce(l.recommendations, '')) AS o
            FROM lessons l
            WHERE list_contains($statuses::VARCHAR[], l.status)
              AND ($section IS NULL OR l.section = $section)
              AND ($outcome IS NULL OR l.outcome = $outcome)
              AND ($tag IS NULL OR list_contains(l.tags, $tag))
              AND ($author IS NULL OR l.author_id = $author)
              AND ($cohort IS NULL OR l.cohort_id = $cohort)
              AND ($date_from IS NULL OR l.occurred_on >= $date_from)
              AND ($date_to IS NULL OR l.occurred_on <= $date_to)
        ),
        hits AS (
            SELECT d.lesson_id,
                   count(*) FILTER (WHERE contains(d.t, q.term) OR contains(d.g, q.term)
                                       OR contains(d.m, q.term) OR contains(d.o, q.term)) AS matched,
                   count(*) FILTER (WHERE contains(d.t, q.term) OR contains(d.g, q.term)) AS strong,
                   sum(10 * contains(d.t, q.term)::INT + 8 * contains(d.g, q.term)::INT
                       + 3 * contains(d.m, q.term)::INT + contains(d.o, q.term)::INT) AS score
            FROM docs d, (SELECT unnest($terms::VARCHAR[]) AS term) q
            GROUP BY d.lesson_id
        )
        SELECT d.lesson_id, d.title, d.section, d.outcome, d.tags, d.author_id, coalesce(p.name, d.author_id) AS author,
               d.occurred_on, CAST(d.published_at AS DATE) AS published_on, d.lessons, d.status,
               coalesce(h.strong, 0) AS strong, coalesce(h.score, 0) AS score, count(*) OVER () AS total
        FROM docs d LEFT JOIN hits h USING (lesson_id) LEFT JOIN people p ON p.person_id = d.author_id
        WHERE $n_terms = 0 OR h.matched = $n_terms
        ORDER BY strong DESC, score DESC, coalesce(d.published_at, d.updated_at) DESC, d.lesson_id
        LIMIT $limit OFFSET $offset
        """,
        params,
    )


def search_ids(store: Store, query: str, filt: LibraryFilter | None = None) -> list[str]:
    """The ids of every lesson `search` matches, in its order (for exports of the whole result)."""
    frame = search(store, query, filt, limit=1_000_000)
    return [str(x) for x in frame["lesson_id"]]


def related(store: Store, section: str | None, tags: list[str], text: str, exclude: str | None = None,
            limit: int = 5) -> pd.DataFrame:
    """Up to `limit` published lessons close to what is being written: same section, shared tags, shared words."""
    terms = words(text, min_len=4, limit=12)
    return store.query_df(
        """
        WITH scored AS (
            SELECT l.lesson_id, l.title, l.section, l.outcome, l.tags, CAST(l.published_at AS DATE) AS published_on,
                   l.lessons,
                   3 * (l.section = $section)::INT
                   + 2 * len(list_intersect(l.tags, $tags::VARCHAR[]))
                   + (SELECT count(*) FROM (SELECT unnest($terms::VARCHAR[]) AS term) q
                       WHERE contains(lower(l.title || ' ' || coalesce(l.learning_goal, '') || ' '
                                            || coalesce(l.lessons, '')), q.term)) AS score
            FROM lessons l
            WHERE l.status = 'published' AND ($exclude IS NULL OR l.lesson_id <> $exclude)
        )
        SELECT * FROM scored WHERE score > 0 ORDER BY score DESC, published_on DESC, lesson_id LIMIT $limit
        """,
        {"section": section or "", "tags": [t for t in tags if t], "terms": terms, "exclude": exclude,
         "limit": limit},
    )


_AUTOLINK = re.compile(r"(?i)(https?|ftps?|mailto|www|@)(?=\\[:.]|\\@|[\w-])")


def escape_markdown(text: object) -> str:
    """People's text for Markdown: no raw HTML, no links or images, no formatting; line breaks kept."""
    value = "" if text is None else str(text)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # Every Markdown-active character is escaped; ':' and '@' too, so a bare URL, an email address,
    # an emoji code or a Streamlit directive (":red[...]") stays plain text, and '$' so no formula renders.
    value = re.sub(r"([\\`*_\[\]()#|!~+\-.{}$:@^=%\"'?/])", r"\\\1", value)
    # GFM finds bare URLs and emails in the text left after escapes are read, so escaping cannot stop
    # them: an invisible zero-width space breaks the patterns ("https:", "www.", "x@y") instead.
    value = _AUTOLINK.sub(lambda m: m.group(1) + "\u200b", value)
    return value.replace("\r\n", "\n").replace("\n", "  \n")


_md = escape_markdown


def ring_binder(store: Store, lesson_ids: list[str], title: str = "Book of Learning") -> str:
    """The given lessons as one Markdown document: sections (with learners), lessons, actions."""
    if not lesson_ids:
        return f"# {_md(title)}\n\n_No lessons._\n"
    lessons = store.query_df(
        """SELECT l.*, s.label AS section_label, so.name AS learner, a.name AS author
           FROM lessons l LEFT JOIN sections s ON s.section_id = l.section
           LEFT JOIN people so ON so.person_id = s.owner_id LEFT JOIN people a ON a.person_id = l.author_id
           WHERE list_contains($ids::VARCHAR[], l.lesson_id)
           ORDER BY s.label, l.occurred_on DESC, l.lesson_id""", {"ids": lesson_ids})
    actions = store.query_df(
        """SELECT x.lesson_id, x.description, coalesce(p.name, x.owner_id) AS owner, x.due_on, x.done_on
           FROM actions x LEFT JOIN people p ON p.person_id = x.owner_id
           WHERE list_contains($ids::VARCHAR[], x.lesson_id) ORDER BY x.due_on""", {"ids": lesson_ids})
    out = [f"# {_md(title)}", "", f"{len(lessons)} lessons.", ""]
    for (section_label, learner), group in lessons.groupby(["section_label", "learner"], dropna=False, sort=False):
        out += [f"## {_md(section_label)}", "", f"Learner: {_md(learner) if isinstance(learner, str) else 'none yet'}", ""]
        records: list[dict[str, Any]] = group.to_dict("records")  # type: ignore[assignment]
        for row in records:
            author = row["author"] if isinstance(row["author"], str) else row["author_id"]
            out += [f"### {_md(row['title'])}", ""]
            out.append(f"*{_day(row['occurred_on'])}* · outcome **{_md(row['outcome'] or 'not set')}** · "
                       f"{_md(row['status'])} · by {_md(author)}")
            out.append("")
            for label, key in (("What we hoped to learn", "learning_goal"), ("What happened", "what_happened"),
                               ("Lessons", "lessons"), ("Recommendations", "recommendations")):
                value = row[key]
                if isinstance(value, str) and value:
                    out += [f"**{label}**  ", _md(value), ""]
            tags = [str(t) for t in row["tags"]] if row["tags"] is not None else []
            if tags:
                out += ["Tags: " + ", ".join(_md(t) for t in tags), ""]
            mine: list[dict[str, Any]] = actions[actions["lesson_id"] == row["lesson_id"]].to_dict("records")
            if mine:
                out.append("Follow-up actions:")
                for a in mine:
                    is_done = a["done_on"] is not None and not pd.isna(a["done_on"])
                    done = f"done {_day(a['done_on'])}" if is_done else "open"
                    out.append(f"- [{'x' if is_done else ' '}] {_md(a['description'])} "
                               f"({_md(a['owner'])}, due {_day(a['due_on'])}, {done})")
                out.append("")
    return "\n".join(out).rstrip() + "\n"


def _day(value: Any) -> str:
    return str(pd.Timestamp(value).date())


def lessons_table(store: Store, lesson_ids: list[str]) -> pd.DataFrame:
    """The given lessons as a flat table for CSV export."""
    frame = store.query_df(
        """SELECT l.lesson_id, l.title, l.section, l.occurred_on, l.outcome, l.status, l.learning_goal,
                  l.what_happened, l.lessons, l.recommendations, array_to_string(l.tags, '; ') AS tags,
                  l.author_id, l.cohort_id, l.plan_id, l.published_at
           FROM lessons l WHERE list_contains($ids::VARCHAR[], l.lesson_id) ORDER BY l.section, l.occurred_on DESC""",
        {"ids": lesson_ids})
    return frame
