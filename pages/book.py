"""The Book of Learning: search, browse by section, celebrate flops, export the ring binder."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.auth import guard
from dashboard.components import empty
from dashboard.safe_text import as_markdown
from dashboard.store import get_store
from data_layer import book, drafts, library
from data_layer.csv_safety import safe_csv
from data_layer.errors import InvalidData
from data_layer.vocabulary import OUTCOMES

actor = guard("viewer")
store = get_store()
st.title("Book of Learning")
st.caption("Every campaign, test and program ends with a post-mortem. Search what others learned before you start.")

sections = book.sections(store)
labels = dict(zip(sections["section_id"], sections["label"], strict=True))


def result_list(frame, key: str) -> None:  # type: ignore[no-untyped-def]
    """Lessons as cards with a link to each, plus Markdown and CSV exports of exactly these."""
    if frame.empty:
        empty("No published lesson matches. Try fewer words or fewer filters.")
        return
    ids = list(frame["lesson_id"])
    c1, c2, c3 = st.columns([2, 1, 1])
    c1.caption(f"{len(frame):,} lessons" + (" (the first 50)" if len(frame) >= 50 else ""))
    c2.download_button("Ring binder (Markdown)", library.ring_binder(store, ids, "Book of Learning"),
                       file_name="book-of-learning.md", mime="text/markdown", key=f"md_{key}",
                       icon=":material/description:")
    c3.download_button("CSV", safe_csv(library.lessons_table(store, ids)), file_name="lessons.csv",
                       mime="text/csv", key=f"csv_{key}", icon=":material/download:")
    for r in frame.itertuples():
        with st.container(border=True):
            st.markdown(f"**{as_markdown(r.title)}**  \n"
                        f"{as_markdown(labels.get(r.section, r.section))} · {as_markdown(r.outcome)} · "
                        f"{r.occurred_on:%d %b %Y} · {as_markdown(r.author)}")
            if isinstance(r.lessons, str) and r.lessons:
                st.caption(as_markdown(r.lessons[:300]))
            st.page_link("pages/lesson.py", label="Open", query_params={"lesson": r.lesson_id},
                         icon=":material/open_in_new:")


search_tab, sections_tab, flops_tab, drafts_tab = st.tabs(
    ["Search", "By section", "Flops worth celebrating", "My drafts"])

with search_tab:
    query = st.text_input("Search title, goal, what happened, lessons, recommendations and tags",
                          key="book_q", placeholder="e.g. co-sell webinar")
    with st.expander("Filters"):
        c1, c2, c3 = st.columns(3)
        section = c1.selectbox("Section", [None, *labels], key="book_section",
                               format_func=lambda v: "all" if v is None else labels[v])
        outcome = c2.selectbox("Outcome", [None, *OUTCOMES], key="book_outcome",
                               format_func=lambda v: "all" if v is None else v)
        tag = c3.text_input("Tag (exact)", key="book_tag")
        c4, c5, c6 = st.columns(3)
        author = c4.text_input("Author id", key="book_author")
        cohort = c5.text_input("Cohort id", key="book_cohort")
        dates = c6.date_input("Between", value=(), key="book_dates", format="YYYY-MM-DD")
    low, high = (dates[0], dates[1]) if isinstance(dates, tuple) and len(dates) == 2 else (None, None)
    filt = library.LibraryFilter(section=section, outcome=outcome, tag=tag.strip() or None,
                                 author_id=author.strip() or None, cohort_id=cohort.strip() or None,
                                 date_from=low, date_to=high)
    result_list(library.search(store, query, filt), "search")

with sections_tab:
    people = store.query_df("SELECT person_id, name FROM people WHERE role IN ('marketer', "
                            "'partner manager') ORDER BY name LIMIT 2000")
    person_names: dict[str, str] = dict(zip(people["person_id"], people["name"], strict=True))
    for s in sections.itertuples():
        learner = as_markdown(s.owner) if isinstance(s.owner, str) else "none yet"
        with st.expander(f"{as_markdown(s.label)} · {s.published} lessons · learner: {learner}"):
            if actor.can("editor"):
                options = [None, *person_names]
                current = s.owner_id if s.owner_id in person_names else None
                chosen = st.selectbox("Learner (section owner)", options, index=options.index(current),
                                      key=f"owner_{s.section_id}",
                                      format_func=lambda v: "none" if v is None else person_names.get(v, v))
                if chosen != current and st.button("Save learner", key=f"save_owner_{s.section_id}"):
                    try:
                        book.set_section_owner(store, actor, s.section_id, chosen)
                    except InvalidData as exc:
                        st.error(str(exc))
                    else:
                        st.rerun()
            result_list(library.search(store, "", library.LibraryFilter(section=s.section_id), limit=20),
                        f"sec_{s.section_id}")

with flops_tab:
    st.caption("Published flops, newest first. Each one saved someone else from repeating it.")
    result_list(library.search(store, "", library.LibraryFilter(outcome="flopped"), limit=30), "flops")

with drafts_tab:
    if not actor.can("editor"):
        st.caption("Editors write post-mortems; executives read the published ones.")
    else:
        st.page_link("pages/postmortem.py", label="Log a post-mortem", icon=":material/edit_note:")
        mine = drafts.drafts_of(store, actor, book.author_of(store, actor))
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
