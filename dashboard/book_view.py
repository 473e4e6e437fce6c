"""The post-mortem form's helpers: what it offers, a lesson or plan as form values, saving keystrokes."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from data_layer.access.auth import Actor
from data_layer.book import drafts, postmortems
from data_layer.db.store import Store

# Text areas of the post-mortem form (containers with the CSS class st-key-form_<field>) commit their
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
    """What the form offers: sections, plans, cohorts, owners."""
    return postmortems.form_references(store)


def _owner_label(owners: list[str], owner_id: str) -> str | None:
    return next((o for o in owners if o.endswith(f"({owner_id})")), owner_id or None)


def lesson_as_form(store: Store, row: dict[str, Any], owners: list[str]) -> dict[str, Any]:
    """A lesson's values as the form's fields."""
    acts = postmortems.actions_of(store, str(row["lesson_id"]))
    return {"title": row["title"], "plan": row["plan_id"] if isinstance(row["plan_id"], str) else None,
            "section": row["section"], "date": pd.Timestamp(row["occurred_on"]).date(),
            "goal": row["learning_goal"] or "", "happened": row["what_happened"] or "",
            "outcome": row["outcome"] if isinstance(row["outcome"], str) else None,
            "lessons": row["lessons"] or "", "recs": row["recommendations"] or "",
            "tags": ", ".join(row["tags"] if row["tags"] is not None else []),
            "cohort": row["cohort_id"] if isinstance(row["cohort_id"], str) else None,
            "actions": [{"action_id": a["action_id"], "description": a["description"],
                         "owner": _owner_label(owners, str(a["owner_id"])), "due_on": str(a["due_on"])[:10],
                         "done_on": None if a["done_on"] is None or pd.isna(a["done_on"]) else str(a["done_on"])[:10]}
                        for a in acts.to_dict("records")]}


def plan_as_form(store: Store, plan_id: str) -> dict[str, Any]:
    """A plan's values as the start of its post-mortem."""
    p = postmortems.plan(store, plan_id)
    if p is None:
        return {}
    return {"title": f"Post-mortem: {p['name']}", "plan": plan_id, "section": p["section"],
            "date": pd.Timestamp(p["ends_on"]).date(), "goal": p["learning_goal"],
            "cohort": p["cohort_id"] if isinstance(p["cohort_id"], str) else None}


def discard_form(store: Store, actor: Actor, form_key: str, editing: str | None) -> None:
    """Discard a form: its draft, and the draft lesson it saved in the Book, if any (never a lesson being edited)."""
    drafts.discard(store, actor, form_key)
    if not editing:
        postmortems.delete_draft_lesson(store, actor, form_key)


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
