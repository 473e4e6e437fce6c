"""The readiness form a member fills in: from their personal link (signed out) or inside the app.

Short and keyboard-friendly: one row of five choices per statement (arrow keys move within a
row, Tab to the next), checkboxes for barriers, one optional text box. Every change is saved at
once (a widget callback), so closing the page loses nothing: the same link reopens the form
with the answers so far. Only this person's round, questions and answers are on the page.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard.acting_view import clear_after_outreach
from dashboard.safe_text import as_markdown
from dashboard.services import answers, instrument
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData
from data_layer.domain.vocabulary import DIMENSIONS

SENT = "assess_sent"
PROBLEM = "assess_problem"


def _key(form: answers.Form, part: str) -> str:
    return f"assess_{form.link_id}_{part}"


def _collect(form: answers.Form) -> dict[str, Any]:
    state = st.session_state
    picked = {q.key: state.get(_key(form, q.key)) for q in form.questions}
    return {"q": {k: v for k, v in picked.items() if v is not None},
            "barriers": [code for code, _ in form.barriers if state.get(_key(form, "barrier_" + code))],
            "notes": state.get(_key(form, "notes")) or ""}


def _save(form: answers.Form, token: str | None, email: str | None) -> None:
    try:
        answers.save_progress(get_store(), form, _collect(form), token=token, email=email)
        st.session_state.pop(PROBLEM, None)
    except answers.LinkRefused as exc:
        st.session_state[PROBLEM] = str(exc)


def _prefill(form: answers.Form) -> None:
    """Put what was saved (an earlier visit) into the widgets, once per page session."""
    marker = _key(form, "prefilled")
    if st.session_state.get(marker):
        return
    saved = form.saved or {}
    for key, value in (saved.get("q") or {}).items():
        st.session_state[_key(form, key)] = int(value)
    for code in saved.get("barriers") or []:
        st.session_state[_key(form, "barrier_" + code)] = True
    if saved.get("notes"):
        st.session_state[_key(form, "notes")] = saved["notes"]
    st.session_state[marker] = True


def render(form: answers.Form, *, token: str | None = None, email: str | None = None) -> None:
    """The whole form; sending it turns the answers into an assessment."""
    if st.session_state.get(SENT) == form.link_id:
        st.success("Thank you: your answers were sent. The partnership team will be in touch.",
                   icon=":material/check_circle:")
        return
    _prefill(form)
    kind = "Follow-up" if form.kind == "follow_up" else "Baseline"
    st.title(as_markdown(form.round_name), anchor=False)
    st.markdown(as_markdown(f"Hello {form.first_name}. {kind} readiness check: {len(form.questions)} statements and "
                            f"the barriers that hold you back, about five minutes. Your answers are saved as you go: "
                            f"you can close this page and finish later with the same link (until "
                            f"{form.closes_on:%d %B %Y})."))
    st.caption("1 = " + instrument.SCALE[1] + " · 2 = " + instrument.SCALE[2] + " · 3 = " + instrument.SCALE[3]
               + " · 4 = " + instrument.SCALE[4] + " · 5 = " + instrument.SCALE[5])
    args = (form, token, email)
    dimension = None
    for q in form.questions:
        if q.dimension != dimension:
            dimension = q.dimension
            # no heading anchors: Tab goes from one row of choices straight to the next
            st.subheader(as_markdown(DIMENSIONS.get(dimension, dimension.replace("_", " ").capitalize())), anchor=False)
        st.radio(as_markdown(q.text), list(instrument.SCALE), index=None, horizontal=True, key=_key(form, q.key),
                 on_change=_save, args=args)
    st.subheader("What holds you back?", anchor=False)
    for code, label in form.barriers:
        st.checkbox(as_markdown(label), key=_key(form, "barrier_" + code), on_change=_save, args=args)
    st.text_area("Anything else that holds you back? (optional)", key=_key(form, "notes"), max_chars=answers.NOTES_LIMIT,
                 on_change=_save, args=args)
    answered = len(_collect(form)["q"])
    st.caption(f":material/cloud_done: Saved as you go: {answered} of {len(form.questions)} statements answered.")
    if PROBLEM in st.session_state:
        st.error(as_markdown(st.session_state[PROBLEM]))
    if st.button("Send my answers", type="primary", key=_key(form, "send"), icon=":material/send:"):
        try:
            answers.submit(get_store(), form, _collect(form), token=token, email=email)
        except InvalidData as exc:
            st.error(as_markdown(" ".join(p.sentence for p in exc.problems)))
        except answers.LinkRefused as exc:
            st.error(as_markdown(str(exc)))
        else:
            st.session_state[SENT] = form.link_id
            clear_after_outreach()
            st.rerun()
