"""Admin → Import: upload files, see how each is read, map and choose, check (dry run), import all or nothing."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import import_view as view
from dashboard.auth import guard
from dashboard.components import download_table, empty
from dashboard.formatting import count
from dashboard.safe_text import as_markdown
from dashboard.services import (
    AS_KEYS,
    SCORE_PREFIX,
    SPEC_BY_NAME,
    Door,
    Mapping,
    SourceFile,
    admin,
    database,
    fit_of,
    guess_mapping,
    imports,
    inbox,
    kind_of,
    read_source,
    runs,
    safe_name,
)
from dashboard.settings import db_path
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData, LearningCultureError
from data_layer.domain.vocabulary import DIMENSIONS

actor = guard(__file__)
store = get_store()
LIMIT_MB = int(st.get_option("server.maxUploadSize"))
st.caption(f"CRM, survey, LMS (xAPI) and Slack exports as you download them, or our own CSV files. Up to "
           f"{LIMIT_MB} MB per file. Each column's format is read from all of its values; a value that could be "
           "read two ways is never guessed. Every row is checked first; one bad row imports nothing.")
with st.expander("Import formats, recognised exports and mapping files", icon=":material/menu_book:"):
    st.markdown(view.import_docs())

uploads = st.file_uploader("Files", accept_multiple_files=True, type=["csv", "tsv", "xlsx", "json", "zip"],
                           key="imp_files")
saved = admin.saved_mappings(store)
sources: list[SourceFile] = []
win, frustration = "trophy", "warning"


def save_row(i: int, mapping: Mapping) -> None:
    n1, n2 = st.columns([3, 1], vertical_alignment="bottom")
    save_as = n1.text_input("Save this mapping as", key=f"imp_save_name_{i}", placeholder="e.g. Salesforce Q4 export")
    if n2.button("Save mapping", key=f"imp_save_{i}"):
        try:
            admin.save_mapping(store, actor, save_as, mapping)
        except InvalidData as exc:
            st.error(as_markdown(str(exc)))
        else:
            st.success(f"Saved as “{as_markdown(save_as.strip())}”.")


def saved_choice(i: int, entity: str | None) -> Mapping | None:
    names = [n for n, m in saved.items() if entity is None or m.entity == entity]
    if not names:
        return None
    pick = st.selectbox("Saved mapping", [None, *names], key=f"imp_saved_{i}",
                        format_func=lambda v: "none" if v is None else v)
    return saved[pick] if pick else None


for i, up in enumerate(uploads or []):
    data = up.getvalue()
    with st.container(border=True):
        size = f"{len(data):,} bytes" if len(data) < 10_240 else f"{len(data) / 1024:,.0f} KB"
        st.markdown(f"**{as_markdown(up.name)}** · {size}")
        try:
            name = safe_name(up.name)
            kind = kind_of(name, data[:65_536])
        except InvalidData as exc:
            st.error(as_markdown(str(exc)))
            continue
        key = f"imp_{i}_{view.digest(data)}"
        if kind == "slack":
            st.caption("Slack export: messages in cohort channels become posted or replied events of their sender "
                       "(matched by email, else by name); bot, join and deleted messages are skipped and counted; "
                       "reactions mark wins and frustrations.")
            c1, c2 = st.columns(2)
            win = c1.text_input("Reaction for a win", "trophy", key=f"imp_win_{i}")
            frustration = c2.text_input("Reaction for a frustration", "warning", key=f"imp_frus_{i}")
            base = saved_choice(i, "activity.csv") or Mapping("activity.csv")
            base.people = view.senders_editor(store, data, base, key, win, frustration)
            save_row(i, base)
            sources.append(SourceFile(name, data, base))
            continue
        if kind == "xapi":
            st.caption("xAPI statements (an array or an LRS response): the actor by email, account name or full "
                       "name; the verb by the mapping below; the time from timestamp, else stored.")
            base = saved_choice(i, "activity.csv") or Mapping("activity.csv")
            base.verbs = view.verbs_editor(store, name, data, base, key)
            save_row(i, base)
            sources.append(SourceFile(name, data, base))
            continue
        skip = int(st.session_state.get(f"imp_skip_{i}", 0) or 0)
        with tempfile.TemporaryDirectory() as tmp:
            try:
                table = read_source(name, data, Path(tmp), skip)
            except InvalidData as exc:
                st.error(as_markdown(str(exc)))
                if any("header row" in p.message for p in exc.problems) or skip:
                    st.number_input("Lines above the header to set aside", 0, 50, key=f"imp_skip_{i}")
                continue
        st.dataframe(table.frame.head(5), hide_index=True, width="stretch")
        for note in table.notes:
            st.caption(as_markdown(note))
        if kind == "canonical":
            st.caption("Already in our format: imported as it is.")
            sources.append(SourceFile(name, data))
            continue
        columns = table.columns
        read_as = st.session_state.get(f"imp_as_{i}")
        try:
            with tempfile.TemporaryDirectory() as tmp:
                fit = fit_of(name, data, read_as, Path(tmp))
        except InvalidData as exc:
            # Not told apart with confidence: the closest readings are named; the person picks one.
            st.warning(as_markdown(str(exc)))
            st.selectbox("Read as", [None, *AS_KEYS], key=f"imp_as_{i}",
                         format_func=lambda v: "choose what this file holds…" if v is None else v)
            continue
        if read_as:
            st.selectbox("Read as", [None, *AS_KEYS], key=f"imp_as_{i}",
                         format_func=lambda v: "choose what this file holds…" if v is None else v)
        planned, tool = fit.mapping or Mapping("people.csv"), fit.tool
        with st.expander("How this file is read", icon=":material/visibility:"):
            st.markdown("\n".join(f"- {as_markdown(line)}" for line in fit.preview) or "—")
        for note in fit.columns_said.values():
            st.caption(as_markdown(note))
        if tool:
            st.caption(f"Recognised: {as_markdown(tool)}. Check the columns below and change any that is wrong.")
        elif fit.why != "chosen":
            st.caption(as_markdown(f"Read as {fit.label} ({fit.why}). Check the columns below."))
        c1, c2 = st.columns(2)
        entities = list(SPEC_BY_NAME)
        with c1:
            base = saved_choice(i, None)
        guessed = base.entity if base else planned.entity
        entity = c2.selectbox("This file holds", entities, key=f"imp_entity_{i}",
                              index=entities.index(guessed) if guessed in entities else 0)
        if base and base.entity == entity:
            start = base
        elif planned.entity == entity:
            start = planned
        else:
            start = Mapping(entity, guess_mapping(columns, entity))
        fields = list(SPEC_BY_NAME[entity].columns)
        if entity == "assessments.csv":
            fields += [SCORE_PREFIX + d for d in DIMENSIONS]
        required = {c.name for c in SPEC_BY_NAME[entity].cols if c.required}
        st.caption("Which column of your file feeds each field (fields marked * are required):")
        chosen: dict[str, str] = {}
        grid = st.columns(3)
        for j, f in enumerate(fields):
            options = [None, *columns]
            default = start.columns.get(f)
            pick = grid[j % 3].selectbox(f + (" *" if f in required else ""), options, key=f"imp_map_{i}_{entity}_{f}",
                                         index=options.index(default) if default in options else 0,
                                         format_func=lambda v: "—" if v is None else str(v))
            if pick:
                chosen[f] = pick
        mapping = Mapping(entity, chosen, start.preset, dict(start.options), dict(start.formats), dict(start.stages),
                          dict(start.verbs), dict(start.people))
        if skip:
            mapping.options["skip_rows"] = str(skip)
        try:
            conv = view.analyse(store, table, mapping, view.digest(data, mapping.to_toml()))
        except InvalidData as exc:
            st.error(as_markdown(str(exc)))
        else:
            mapping.formats = view.formats_editor(conv, mapping, key)
            if entity == "deals.csv":
                mapping.stages = view.stages_editor(conv, mapping, key)
        save_row(i, mapping)
        sources.append(SourceFile(name, data, mapping))

with_text = st.checkbox(
    "Import message text", key="imp_with_text",
    help="Store the words of Slack messages and of a `text` column in activity files, so the Tools & resources "
         "page can show what cohorts say. Off: only that a message was sent is imported. An admin can purge all "
         "stored text later (Admin → People).")
c1, c2 = st.columns(2)
check = c1.button("Check (dry run)", key="imp_check", disabled=not sources, icon=":material/fact_check:")
go = c2.button("Import", key="imp_go", type="primary", disabled=not sources, icon=":material/upload:")

if check or go:
    bar = st.progress(0.0, text="Starting")
    steps = {"n": 0}

    def progress(message: str) -> None:
        steps["n"] += 1
        bar.progress(min(0.95, steps["n"] / (3 * max(1, len(sources)) + 1)), text=message)

    try:
        # the same import as every door's: logged, alerts checked, the pages' caches cleared (operations/imports.py)
        done = imports.import_mapped(store, actor, Door("page", progress=progress), sources, imports.ImportParams(
            dry_run=not go, win_reaction=win, frustration_reaction=frustration, with_text=with_text))
    except InvalidData as exc:
        bar.empty()
        st.session_state["imp_last_problems"] = exc
    else:
        st.session_state.pop("imp_last_problems", None)
        bar.progress(1.0, text="Done")
        counts = ", ".join(f"{n:,} {table}" for table, n in done.rows.items())
        if go:
            st.success(f"Imported {counts}.", icon=":material/check_circle:")
        else:
            st.success(f"All rows are valid: {counts} would be imported. Nothing was written.")
        for w in done.warnings + done.notes:
            st.warning(as_markdown(w))
        for alert in done.alerts:
            st.info(f"Alert {alert.event}: " + as_markdown(alert.message), icon=":material/notifications:")
if "imp_last_problems" in st.session_state and sources:
    view.show_problems(st.session_state["imp_last_problems"], store, actor)

st.divider()
st.subheader("Imports and sources")
drop_folder = inbox.folder_for(db_path())
st.caption("Every import, from this page, the command line, the API or the drop folder (files put in "
           f"`{drop_folder.name}/` beside the database are imported by the server, then moved to `done/` or "
           "`rejected/` with their report).")
now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
fresh = runs.freshness(store, now)
late = [f for f in fresh if f.late]
if late:
    st.warning("Late: " + "; ".join(
        f"{f.source} (expected every {count(f.expected_days or 0, 'day')}, "
        + ("never imported" if f.last_import is None else f"last {f.last_import:%Y-%m-%d %H:%M} UTC") + ")"
        for f in late), icon=":material/schedule:")
sources_frame = pd.DataFrame([{
    "Source": f.source, "Last import (UTC)": "never" if f.last_import is None else f"{f.last_import:%Y-%m-%d %H:%M}",
    "Rows": f"{f.rows:,}" if f.last_import else "", "Expected every": "whenever it comes" if f.expected_days is None
    else count(f.expected_days, "day"), "Late": "late" if f.late else ""} for f in fresh])
download_table(sources_frame, "import-sources", key="sources")
with st.form("cadence"):
    c1, c2, c3 = st.columns([2, 1, 1])
    source = c1.selectbox("Source", [f.source for f in fresh], key="cad_source")
    days = c2.number_input("Expected every (days; 0 = whenever)", min_value=0, max_value=365, step=1,
                           key="cad_days")
    if c3.form_submit_button("Save the cadence"):
        runs.set_cadence(store, actor.email, source, int(days) or None)
        st.rerun()
history = runs.recent(store)
if history.empty:
    empty("No imports yet.")
else:
    history = history.assign(files=history["files"].map(lambda names: ", ".join(names)))
    download_table(history.rename(columns={
        "started_at": "When (UTC)", "who": "Who", "via": "Via", "files": "Files", "rows": "Rows",
        "outcome": "Outcome", "seconds": "Seconds", "message": "Problems"}), "import-history", key="history")

st.divider()
st.subheader("Export")
st.caption("Every table as the CSV files this page imports (an exact copy: importing it into an empty database "
           "reproduces this one). For spreadsheets, choose the spreadsheet-safe kind.")
exp_kind = st.radio("Kind", ["csv", "spreadsheet"], horizontal=True, key="exp_kind",
                    format_func=lambda v: "exact CSV (for importing)" if v == "csv" else "spreadsheet-safe CSV")
if st.button("Prepare the download", key="exp_go"):
    with tempfile.TemporaryDirectory() as tmp:
        database.export_data(store, actor, Path(tmp), database.ExportParams(format=exp_kind))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(Path(tmp).iterdir()):
                z.write(f, f.name)
    st.download_button("Download export.zip", buf.getvalue(), "learning-culture-export.zip", "application/zip",
                       key="exp_dl", icon=":material/download:")

st.divider()
st.subheader("Backup")
st.caption("A consistent copy of the whole database, made while the dashboard keeps serving, in the `backups` "
           "folder beside the database. `learning-culture restore FILE` (with the dashboard stopped) brings it back.")
if st.button("Back up now", key="backup_go", icon=":material/backup:"):
    try:
        copy = database.backup(store, actor, database.BackupParams())
    except LearningCultureError as exc:
        st.error(str(exc))
    else:
        st.success(f"Backed up to {copy.path.name}: " + ", ".join(f"{n:,} {t}" for t, n in copy.rows.items()) + ".")
