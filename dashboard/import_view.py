"""The Import page's pieces: what was read from each file, the choices a person makes, the report.

Every piece of file content (column names, stage names, verb IRIs, people's names, error
details) is shown either in a data grid cell (plain text) or through `as_markdown`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.safe_text import as_markdown
from data_layer.access.auth import Actor
from data_layer.db.store import Store
from data_layer.directory import admin
from data_layer.domain.errors import InvalidData
from data_layer.domain.vocabulary import VERBS
from data_layer.ingest.csv_safety import safe_csv
from data_layer.ingest.formats import NUMBER_CHOICES, SCALE_CHOICES
from data_layer.ingest.mapping import Mapping
from data_layer.ingest.people import PeopleIndex, Stranger, suggested_person
from data_layer.ingest.readers import FINISH
from data_layer.ingest.readers.slack import slack_to_activity
from data_layer.ingest.readers.table import Conversion, convert_table
from data_layer.ingest.readers.xapi import xapi_statements
from data_layer.ingest.report import groups_frame, problems_frame
from data_layer.ingest.tables import Table

DOCS = Path(__file__).resolve().parent.parent / "docs" / "import.md"
FORMAT_CHOICES = {"date": ["DMY", "MDY"], "number": list(NUMBER_CHOICES), "score": list(SCALE_CHOICES)}
FORMAT_WORDS = {"DMY": "day first (31/12/2026)", "MDY": "month first (12/31/2026)"}


def digest(data: bytes, *parts: str) -> str:
    """A short key for a file's bytes and the choices made about it (to cache its analysis)."""
    h = hashlib.sha1(data)
    for p in parts:
        h.update(p.encode())
    return h.hexdigest()[:16]


def analyse(store: Store, table: Table, mapping: Mapping, key: str) -> Conversion:
    """What converting the table with this mapping decides and finds (cached per file and mapping)."""
    cache: dict[str, Conversion] = st.session_state.setdefault("_imp_analysis", {})
    if key not in cache:
        if len(cache) > 20:
            cache.clear()
        cache[key] = convert_table(store, table, mapping, PeopleIndex.load(store, explicit=mapping.people),
                                   finish=FINISH.get(mapping.entity))
    return cache[key]


def formats_editor(conv: Conversion, mapping: Mapping, key: str) -> dict[str, str]:
    """Each converted column's format in words; a choice for the ones the values could not settle."""
    chosen = dict(mapping.formats)
    if not conv.formats and not conv.undecided:
        return chosen
    with st.expander("Formats", expanded=bool(conv.undecided), icon=":material/rule:"):
        for src, described in conv.formats.items():
            st.markdown(f"**{as_markdown(src)}**: {as_markdown(described)}")
        for src, kind in conv.undecided.items():
            options = FORMAT_CHOICES[kind]
            current = chosen.get(src)
            pick = st.selectbox(f"{src}: the values fit more than one reading; choose",
                                [None, *options], key=f"{key}_fmt_{digest(src.encode())}",
                                index=(options.index(current) + 1) if current in options else 0,
                                format_func=lambda v: "choose…" if v is None else FORMAT_WORDS.get(v, v))
            if pick:
                chosen[src] = pick
    return chosen


def stages_editor(conv: Conversion, mapping: Mapping, key: str) -> dict[str, str]:
    """The file's own stage names, what each is taken to mean, editable."""
    if not conv.stages:
        return dict(mapping.stages)
    frame = pd.DataFrame([{"stage in the file": name, "deals": n, "means": status if status != "?" else None}
                          for name, (status, n) in sorted(conv.stages.items(), key=lambda kv: -kv[1][1])])
    flags = mapping.options.get("won_column"), mapping.options.get("closed_column")
    with st.expander("Stages", expanded=any(s == "?" for s, _n in conv.stages.values()), icon=":material/flag:"):
        if all(flags):
            st.caption(as_markdown(f"The file's own {flags[1]} and {flags[0]} columns decide each deal's status; "
                                   "its stage names are shown for reference."))
        else:
            st.caption("What each of the file's deal stages means. Change any that is wrong.")
        edited = st.data_editor(frame, key=f"{key}_stages", hide_index=True, width="stretch",
                                disabled=["stage in the file", "deals", *(["means"] if all(flags) else [])],
                                column_config={"means": st.column_config.SelectboxColumn(
                                    options=["open", "won", "lost"], required=False)})
    out = dict(mapping.stages)
    for row in edited.itertuples(index=False):
        name, means = str(row[0]), row[2]
        if means and conv.stages.get(name, ("", 0))[0] != means:
            out[name] = str(means)
    return out


def verbs_editor(store: Store, name: str, data: bytes, mapping: Mapping, key: str) -> dict[str, str]:
    """The xAPI verbs of a statement file, which of our verbs each becomes (or skip), editable."""
    try:
        result = xapi_statements(store, data, name, verbs=mapping.verbs)
    except InvalidData as exc:
        st.error(as_markdown(str(exc)))
        return dict(mapping.verbs)
    if not result.verbs:
        return dict(mapping.verbs)
    frame = pd.DataFrame([{"verb IRI": iri, "statements": n, "our verb": verb if verb != "?" else None}
                          for iri, (verb, n) in sorted(result.verbs.items(), key=lambda kv: -kv[1][1])])
    with st.expander("Verbs", expanded=any(v == "?" for v, _n in result.verbs.values()), icon=":material/bolt:"):
        st.caption("Which of our verbs each xAPI verb stands for; “skip” leaves those statements out.")
        edited = st.data_editor(frame, key=f"{key}_verbs", hide_index=True, width="stretch",
                                disabled=["verb IRI", "statements"],
                                column_config={"our verb": st.column_config.SelectboxColumn(
                                    options=[*VERBS, "skip"], required=False)})
    out = dict(mapping.verbs)
    for row in edited.itertuples(index=False):
        iri, verb = str(row[0]), row[2]
        if verb and result.verbs.get(iri, ("", 0))[0] != verb:
            out[iri] = str(verb)
    return out


def senders_editor(store: Store, data: bytes, mapping: Mapping, key: str, win: str, frustration: str) -> dict[str, str]:
    """Slack senders who match no person by email or name: say who they are, by person id."""
    try:
        result = slack_to_activity(store, data, win, frustration,
                                   index=PeopleIndex.load(store, explicit=mapping.people))
    except InvalidData as exc:
        st.error(as_markdown(str(exc)))
        return dict(mapping.people)
    out = dict(mapping.people)
    if not result.strangers:
        return out
    frame = pd.DataFrame([{"Slack user": s.value, "shown as": s.display, "messages": s.rows, "person id": None}
                          for s in sorted(result.strangers.values(), key=lambda s: -s.rows)])
    with st.expander(f"Senders not matched ({len(frame)})", expanded=True, icon=":material/person_search:"):
        st.caption("These senders have no email in the export, or one that is no person's, and their name fits "
                   "no one. Type the person id of each you know; their messages are left out otherwise.")
        edited = st.data_editor(frame, key=f"{key}_people", hide_index=True, width="stretch",
                                disabled=["Slack user", "shown as", "messages"])
    for row in edited.itertuples(index=False):
        if row[3] and str(row[3]).strip():
            out[str(row[0])] = str(row[3]).strip()
    return out


def show_problems(exc: InvalidData, store: Store, actor: Actor) -> None:
    """The report: a sentence, the problems grouped by column and reason, the whole list to download."""
    st.error(as_markdown(f"{exc} Fix these and try again."))
    groups = groups_frame(exc.problems)
    st.caption("Grouped by file, column and reason, with the number of rows and the first lines:")
    st.dataframe(groups, hide_index=True, width="stretch")
    st.download_button("Download every problem (CSV)", safe_csv(problems_frame(exc.problems)), "import-report.csv",
                       "text/csv", key="imp_report", icon=":material/download:")
    strangers = [s for s in exc.strangers if isinstance(s, Stranger)]
    if strangers:
        add_people_form(strangers, store, actor)


def add_people_form(strangers: list[Stranger], store: Store, actor: Actor) -> None:
    """Add the people the files name but we do not know, in one step, then check again."""
    rows = [suggested_person(s) for s in strangers]
    frame = pd.DataFrame(rows, columns=["person_id", "name", "email", "role", "team", "region"])
    with st.container(border=True):
        st.markdown(f"**{len(rows)} {'person is' if len(rows) == 1 else 'people are'} not known here.** "
                    "Complete their details to add them as people, then check the files again (or import a "
                    "people file first).")
        with st.form("imp_add_people", clear_on_submit=False, enter_to_submit=False):
            edited = st.data_editor(frame, key="imp_new_people", hide_index=True, width="stretch",
                                    num_rows="fixed")
            role = st.text_input("Role for anyone left without one", key="imp_new_role", placeholder="e.g. AE")
            add = st.form_submit_button("Add them as people", icon=":material/person_add:")
        if add:
            values: list[dict[str, object]] = []
            for raw in edited.fillna("").to_dict("records"):
                rec = {str(k): str(v).strip() for k, v in raw.items()}
                rec["role"] = rec["role"] or role.strip()
                values.append({k: (v or None) if k in ("team", "region") else v for k, v in rec.items()})
            try:
                added = admin.add_people(store, actor, values)
            except InvalidData as exc:
                st.error(as_markdown(str(exc)))
            else:
                st.success(f"Added {len(added)} {'person' if len(added) == 1 else 'people'}. Check the files again.")


def import_docs() -> str:
    """docs/import.md, our own text (shown as Markdown on the Import page)."""
    try:
        return DOCS.read_text(encoding="utf-8")
    except OSError:
        return "The import formats are described in docs/import.md in the repository."
