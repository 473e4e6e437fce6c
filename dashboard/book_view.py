"""The Book of Learning's Streamlit helpers: what the post-mortem form offers, a lesson or plan as
form values, saving keystrokes, and Back through the Book's searches."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from data_layer.access.auth import Actor
from data_layer.book import drafts, postmortems
from data_layer.db.store import Store

# Text areas of the post-mortem form (containers with the CSS class st-key-form_<n>-<field>) commit their
# text about a second after the last keystroke, as Ctrl+Enter would, without leaving the field: the
# text then goes through the form's normal on_change save. Our own constant script.
_KEYSTROKES = """<script>
(function () {
  const doc = window.document;
  if (doc.__lcdKeystrokes) { return; }
  doc.__lcdKeystrokes = true;
  const timers = new WeakMap();
  doc.addEventListener('input', function (event) {
    const el = event.target;
    if (!(el instanceof HTMLTextAreaElement) || !el.closest('[class*="st-key-form_"]')) { return; }
    clearTimeout(timers.get(el));
    timers.set(el, setTimeout(function () {
      el.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', keyCode: 13, which: 13,
                                                      ctrlKey: true, bubbles: true, cancelable: true}));
    }, 900));
  }, true);
})();
</script>"""


def keystroke_saver() -> None:
    """Put the keystroke saver on the page (once per page load; it ignores repeats)."""
    st.html(_KEYSTROKES, unsafe_allow_javascript=True)


def form_choices(store: Store) -> postmortems.FormReferences:
    """What the form offers: sections, plans, cohorts, owners (each id -> name)."""
    return postmortems.form_references(store)


def lesson_values(store: Store, row: dict[str, Any]) -> dict[str, Any]:
    """A lesson's values under its own field names, as the form holds them (dates as ISO text)."""
    acts = postmortems.actions_of(store, str(row["lesson_id"]))
    return {"title": row["title"], "plan_id": _text_or_none(row["plan_id"]), "section": row["section"],
            "occurred_on": str(pd.Timestamp(row["occurred_on"]).date()),
            "learning_goal": row["learning_goal"] or "", "what_happened": row["what_happened"] or "",
            "outcome": _text_or_none(row["outcome"]), "lessons": row["lessons"] or "",
            "recommendations": row["recommendations"] or "",
            "tags": ", ".join(row["tags"] if row["tags"] is not None else []),
            "cohort_id": _text_or_none(row["cohort_id"]),
            "actions": [{"action_id": a["action_id"], "description": a["description"], "owner_id": str(a["owner_id"]),
                         "due_on": str(a["due_on"])[:10],
                         "done_on": None if a["done_on"] is None or pd.isna(a["done_on"]) else str(a["done_on"])[:10]}
                        for a in acts.to_dict("records")]}


def plan_values(store: Store, plan_id: str) -> dict[str, Any]:
    """A plan's values as the start of its post-mortem (nothing for an unknown plan)."""
    p = postmortems.plan(store, plan_id)
    if p is None:
        return {}
    return {"title": f"Post-mortem: {p['name']}", "plan_id": plan_id, "section": p["section"],
            "occurred_on": str(pd.Timestamp(p["ends_on"]).date()), "learning_goal": p["learning_goal"] or "",
            "cohort_id": _text_or_none(p["cohort_id"])}


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def discard_form(store: Store, actor: Actor, form_id: str, editing: bool) -> None:
    """Discard a form: its draft, and the draft lesson it saved in the Book, if any (never a lesson being edited)."""
    drafts.discard(store, actor, form_id)
    if not editing:
        postmortems.delete_draft_lesson(store, actor, form_id)


# Streamlit writes bound widgets' values into the URL with history.replaceState, so Back would skip
# every search. On the Book page, a change of the search or its filters becomes a history entry
# instead (pushState), and Back returns to the previous search. Our own constant script.
_SEARCH_HISTORY = """<script>
(function () {
  const w = window;
  if (w.__lcdSearchHistory) { return; }
  w.__lcdSearchHistory = true;
  const original = w.history.replaceState.bind(w.history);
  const keys = ['q', 'b_section', 'b_outcome', 'b_tag', 'b_author', 'b_cohort', 'b_all'];
  function search(url) {
    const u = new URL(url, w.location.href);
    return keys.map(function (k) { return k + '=' + (u.searchParams.get(k) || ''); }).join('&');
  }
  w.history.replaceState = function (state, unused, url) {
    if (url && w.location.pathname.replace(/\\/$/, '').endsWith('/book')
        && new URL(url, w.location.href).pathname === w.location.pathname
        && search(url) !== search(w.location.href)) {
      return w.history.pushState(state, unused, url);
    }
    return original(state, unused, url);
  };
})();
</script>"""


def search_history() -> None:
    """Make each new search or filter of the Book page a step Back can return to."""
    st.html(_SEARCH_HISTORY, unsafe_allow_javascript=True)
