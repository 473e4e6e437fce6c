"""The Book of Learning: search, browse by section, celebrate flops, export the ring binder."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import book_view
from dashboard.auth import guard
from dashboard.components import empty
from dashboard.formatting import count
from dashboard.safe_text import as_markdown
from dashboard.services import drafts, library, postmortems, safe_csv
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData
from data_layer.domain.vocabulary import OUTCOMES

actor = guard(__file__)
store = get_store()
st.caption("Every campaign, test and program ends with a post-mortem. Search what others learned before you start.")

sections = postmortems.sections(store)
labels = dict(zip(sections["section_id"], sections["label"], strict=True))


PAGE = 50


def lesson_cards(frame: pd.DataFrame) -> None:
    """Lessons as cards with a link to each (status shown when not published)."""
    for r in frame.itertuples():
        with st.container(border=True):
            status = "" if getattr(r, "status", "published") == "published" else f" · **{r.status.replace('_', ' ')}**"
            st.markdown(f"**{as_markdown(r.title)}**  \n"
                        f"{as_markdown(labels.get(r.section, r.section))} · {as_markdown(r.outcome or 'no outcome yet')} · "
                        f"{r.occurred_on:%d %b %Y} · {as_markdown(r.author)}{status}")
            if isinstance(r.lessons, str) and r.lessons:
                st.caption(as_markdown(r.lessons[:300]))
            st.page_link("pages/lesson.py", label="Open", query_params={"lesson": r.lesson_id},
                         icon=":material/open_in_new:")


def exports(query: str, filt: library.LibraryFilter, total: int, title: str, key: str) -> None:
    """The ring binder and CSV of every match (made when clicked), saying how many they hold."""
    def ids() -> list[str]:
        return library.search_ids(store, query, filt)

    c1, c2 = st.columns(2)
    c1.download_button(f"Ring binder of all {total:,} (Markdown)", lambda: library.ring_binder(store, ids(), title),
                       file_name="book-of-learning.md", mime="text/markdown", key=f"md_{key}",
                       icon=":material/description:", disabled=total == 0, on_click="ignore")
    c2.download_button(f"CSV of all {total:,}", lambda: safe_csv(library.lessons_table(store, ids())),
                       file_name="lessons.csv", mime="text/csv", key=f"csv_{key}", icon=":material/download:",
                       disabled=total == 0, on_click="ignore")


def result_list(frame: pd.DataFrame, key: str, query: str = "",
                filt: library.LibraryFilter | None = None) -> None:
    """A short list (a section's newest, the flops) with exports of everything it is drawn from."""
    if frame.empty:
        empty("No published lesson matches. Try fewer words or fewer filters.")
        return
    total = int(frame["total"].iloc[0])
    st.caption(count(total, "lesson") + (f"; the newest {len(frame)} below" if total > len(frame) else ""))
    exports(query, filt or library.LibraryFilter(), total, "Book of Learning", key)
    lesson_cards(frame)


search_tab, sections_tab, flops_tab, drafts_tab = st.tabs(
    ["Search", "By section", "Flops worth celebrating", "My drafts"])

with search_tab:
    # The search and its filters live in the URL (a link shares them; Back returns to the last one).
    book_view.search_history()
    query = st.text_input("Search title, goal, what happened, lessons, recommendations and tags", key="q",
                          bind="query-params", live="400ms", placeholder="e.g. co-sell webinar")
    with st.expander("Filters", expanded=any(k in st.query_params for k in ("b_section", "b_outcome", "b_tag",
                                                                             "b_author", "b_cohort", "b_all"))):
        c1, c2, c3 = st.columns(3)
        section = c1.selectbox("Section", [None, *labels], key="b_section", bind="query-params",
                               format_func=lambda v: "all" if v is None else labels[v])
        outcome = c2.selectbox("Outcome", [None, *OUTCOMES], key="b_outcome", bind="query-params",
                               format_func=lambda v: "all" if v is None else v)
        tag = c3.text_input("Tag (exact)", key="b_tag", bind="query-params")
        c4, c5, c6 = st.columns(3)
        author = c4.text_input("Author id", key="b_author", bind="query-params")
        cohort = c5.text_input("Cohort id", key="b_cohort", bind="query-params")
        dates = c6.date_input("Between", value=(), key="book_dates", format="YYYY-MM-DD")
        unpublished = st.checkbox("Include drafts and lessons in review", key="b_all", bind="query-params",
                                  disabled=not actor.can("editor"),
                                  help="Editors only: lessons not yet published, marked with their status.") \
            if actor.can("editor") else False
    low, high = (dates[0], dates[1]) if isinstance(dates, tuple) and len(dates) == 2 else (None, None)
    filt = library.LibraryFilter(section=section, outcome=outcome, tag=(tag or "").strip() or None,
                                 author_id=(author or "").strip() or None, cohort_id=(cohort or "").strip() or None,
                                 date_from=low, date_to=high,
                                 statuses=("published", "in_review", "draft") if unpublished else ("published",))
    # A new search or filter starts at its first page.
    signature = repr((query, filt))
    if st.session_state.get("book_signature") != signature:
        st.session_state["book_signature"] = signature
        st.session_state["b_page"] = 1
    page = int(st.session_state.get("b_page") or 1)
    results = library.search(store, query or "", filt, limit=PAGE, offset=(page - 1) * PAGE)
    total = int(results["total"].iloc[0]) if not results.empty else 0
    if results.empty and page > 1:  # past the last page (the lessons changed meanwhile): back to the first
        page = st.session_state["b_page"] = 1
        results = library.search(store, query or "", filt, limit=PAGE)
        total = int(results["total"].iloc[0]) if not results.empty else 0
    if total == 0:
        empty(f"No {'' if unpublished else 'published '}lesson matches. Try fewer words or fewer filters.")
    else:
        pages = -(-total // PAGE)
        first, last = (page - 1) * PAGE + 1, min(page * PAGE, total)
        what = ("lesson" if total == 1 else "lessons") if unpublished else \
            ("published lesson" if total == 1 else "published lessons")
        st.caption(f"{total:,} {what} {'matches' if total == 1 else 'match'} · showing {first:,}–{last:,}")
        words = f" matching “{query.strip()}”" if (query or "").strip() else ""
        exports(query or "", filt, total, f"Book of Learning: {total:,} {what}{words}", "search")
        lesson_cards(results)
        if pages > 1:
            p1, p2, p3 = st.columns([1, 2, 1], vertical_alignment="center")

            def _go(to: int) -> None:
                st.session_state["b_page"] = to

            p1.button("Previous", key="b_prev", disabled=page <= 1, on_click=_go, args=(page - 1,),
                      icon=":material/chevron_left:")
            p2.caption(f"Page {page} of {pages}")
            p3.button("Next", key="b_next", disabled=page >= pages, on_click=_go, args=(page + 1,),
                      icon=":material/chevron_right:")

with sections_tab:
    person_names = postmortems.marketing_people(store)
    for s in sections.itertuples():
        learner = as_markdown(s.owner) if isinstance(s.owner, str) else "none yet"
        with st.expander(f"{as_markdown(s.label)} · {count(int(s.published), 'lesson')} · learner: {learner}"):
            if actor.can("editor"):
                options = [None, *person_names]
                current = s.owner_id if s.owner_id in person_names else None
                chosen = st.selectbox("Learner (section owner)", options, index=options.index(current),
                                      key=f"owner_{s.section_id}",
                                      format_func=lambda v: "none" if v is None else person_names.get(v, v))
                if chosen != current and st.button("Save learner", key=f"save_owner_{s.section_id}"):
                    try:
                        postmortems.set_section_owner(store, actor, s.section_id, chosen)
                    except InvalidData as exc:
                        st.error(str(exc))
                    else:
                        st.rerun()
            section_filter = library.LibraryFilter(section=s.section_id)
            result_list(library.search(store, "", section_filter, limit=20), f"sec_{s.section_id}", "",
                        section_filter)

with flops_tab:
    st.caption("Published flops, newest first. Each one saved someone else from repeating it.")
    flops = library.LibraryFilter(outcome="flopped")
    result_list(library.search(store, "", flops, limit=30), "flops", "", flops)

with drafts_tab:
    if not actor.can("editor"):
        st.caption("Editors write post-mortems; executives read the published ones.")
    else:
        st.page_link("pages/postmortem.py", label="Log a post-mortem", icon=":material/edit_note:")
        mine = drafts.drafts_of(store, actor, postmortems.author_of(store, actor))
        if mine.empty:
            st.caption("No post-mortems being written, drafts or lessons in review.")
        for r in mine.itertuples():
            label = f"{as_markdown(r.title)} · {r.id} · {r.status} · saved {pd.Timestamp(r.saved):%d %b %Y %H:%M} UTC"
            if r.status == "being written":
                st.page_link("pages/postmortem.py", label=label, query_params={"draft": r.id},
                             icon=":material/edit_note:")
            else:
                st.page_link("pages/lesson.py", label=label, query_params={"lesson": r.id},
                             icon=":material/description:")
