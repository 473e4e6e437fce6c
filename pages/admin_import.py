"""Admin → Import: upload files, map their columns, check them (dry run), import all or nothing."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.auth import guard
from dashboard.loaders import clear_analytics
from dashboard.safe_text import as_markdown
from dashboard.store import get_store
from data_layer import admin
from data_layer.csv_safety import safe_csv
from data_layer.errors import InvalidData
from data_layer.export import export
from data_layer.importer import SCORE_PREFIX, SPEC_BY_NAME
from data_layer.sources import (
    PRESETS,
    Mapping,
    SourceFile,
    guess_entity,
    guess_mapping,
    import_sources,
    kind_of,
    preset_mapping,
    read_table,
    safe_name,
)
from data_layer.vocabulary import DIMENSIONS

actor = guard("admin")
store = get_store()
LIMIT_MB = int(st.get_option("server.maxUploadSize"))
st.title("Import data")
st.caption(f"CSV or XLSX in any layout (you map the columns), our own CSV files, xAPI statements (JSON) or a "
           f"Slack workspace export (zip). Up to {LIMIT_MB} MB per file. Every row is checked first; one bad row "
           "imports nothing.")

uploads = st.file_uploader("Files", accept_multiple_files=True, type=["csv", "xlsx", "json", "zip"], key="imp_files")
saved = admin.saved_mappings(store)
sources: list[SourceFile] = []
win, frustration = "trophy", "warning"

for i, up in enumerate(uploads or []):
    data = up.getvalue()
    with st.container(border=True):
        size = f"{len(data):,} bytes" if len(data) < 10_240 else f"{len(data) / 1024:,.0f} KB"
        st.markdown(f"**{as_markdown(up.name)}** · {size}")
        try:
            name = safe_name(up.name)
            kind = kind_of(name)
        except InvalidData as exc:
            st.error(str(exc))
            continue
        if kind == "slack":
            st.caption("Slack export: messages in cohort channels become posted or replied events of their sender "
                       "(matched by email); reactions mark wins and frustrations.")
            c1, c2 = st.columns(2)
            win = c1.text_input("Reaction for a win", "trophy", key=f"imp_win_{i}")
            frustration = c2.text_input("Reaction for a frustration", "warning", key=f"imp_frus_{i}")
            sources.append(SourceFile(name, data))
            continue
        if kind == "xapi":
            st.caption("xAPI statements: actor by mbox email or account name, verb from the end of verb.id, "
                       "object.id, cohort from the context.")
            sources.append(SourceFile(name, data))
            continue
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            try:
                preview = read_table(path, nrows=5)
            except InvalidData as exc:
                st.error(str(exc))
                continue
        st.dataframe(preview, hide_index=True, width="stretch")
        if kind == "canonical":
            st.caption("Already in our format: imported as it is.")
            sources.append(SourceFile(name, data))
            continue
        columns = list(preview.columns)
        c1, c2 = st.columns(2)
        preset = c1.selectbox("Preset", [None, *PRESETS, *[f"saved: {n}" for n in saved]], key=f"imp_preset_{i}",
                              format_func=lambda v: "none (map by hand)" if v is None else v)
        base: Mapping | None = None
        if preset and preset.startswith("saved: "):
            base = saved[preset[len("saved: "):]]
        elif preset:
            base = preset_mapping(preset)
        guessed = base.entity if base else guess_entity(name, columns)
        entities = list(SPEC_BY_NAME)
        entity = c2.selectbox("This file holds", entities, key=f"imp_entity_{i}",
                              index=entities.index(guessed) if guessed in entities else 0)
        start = base.columns if base and base.entity == entity else guess_mapping(columns, entity)
        fields = list(SPEC_BY_NAME[entity].columns)
        if entity == "assessments.csv":
            fields += [SCORE_PREFIX + d for d in DIMENSIONS]
        required = {c.name for c in SPEC_BY_NAME[entity].cols if c.required}
        st.caption("Which column of your file feeds each field (fields marked * are required):")
        chosen: dict[str, str] = {}
        grid = st.columns(3)
        for j, f in enumerate(fields):
            options = [None, *columns]
            default = start.get(f)
            pick = grid[j % 3].selectbox(f + (" *" if f in required else ""), options, key=f"imp_map_{i}_{entity}_{f}",
                                         index=options.index(default) if default in options else 0,
                                         format_func=lambda v: "—" if v is None else str(v))
            if pick:
                chosen[f] = pick
        mapping = Mapping(entity, chosen, base.preset if base else None, dict(base.options) if base else {})
        if base and base.preset == "crm_opportunities":
            role_col = st.selectbox("Column saying if the partner sourced the deal (optional)", [None, *columns],
                                    key=f"imp_role_{i}", format_func=lambda v: "none: partner deals count as influenced"
                                    if v is None else str(v))
            if role_col:
                mapping.options["partner_role_column"] = role_col
        n1, n2 = st.columns([3, 1], vertical_alignment="bottom")
        save_as = n1.text_input("Save this mapping as", key=f"imp_save_name_{i}", placeholder="e.g. Salesforce Q4 export")
        if n2.button("Save mapping", key=f"imp_save_{i}"):
            try:
                admin.save_mapping(store, actor, save_as, mapping)
            except InvalidData as exc:
                st.error(str(exc))
            else:
                st.success(f"Saved as “{save_as.strip()}”.")
        sources.append(SourceFile(name, data, mapping))

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
        with tempfile.TemporaryDirectory() as work:
            done = import_sources(store, sources, Path(work), actor=actor.email, dry_run=not go, progress=progress,
                                  win_reaction=win, frustration_reaction=frustration)
    except InvalidData as exc:
        bar.empty()
        st.error(f"{exc} Fix these and try again.")
        report = pd.DataFrame([{"file": p.file, "line": p.line, "column": p.field, "value": p.value, "reason": p.message}
                               for p in exc.problems])
        st.dataframe(report.head(200), hide_index=True, width="stretch")
        if len(report) > 200:
            st.caption(f"Showing the first 200 of {len(report):,} problems; the download has them all.")
        st.download_button("Download the whole report (CSV)", safe_csv(report), "import-report.csv", "text/csv",
                           key="imp_report")
    else:
        bar.progress(1.0, text="Done")
        counts = ", ".join(f"{n:,} {table}" for table, n in done.rows.items())
        if go:
            clear_analytics()
            st.success(f"Imported {counts}.", icon=":material/check_circle:")
        else:
            st.success(f"All rows are valid: {counts} would be imported. Nothing was written.")
        for w in done.warnings + done.notes:
            st.warning(w)

st.divider()
st.subheader("Export")
st.caption("Every table as the CSV files this page imports (an exact copy: importing it into an empty database "
           "reproduces this one). For spreadsheets, choose the spreadsheet-safe kind.")
kind = st.radio("Kind", ["csv", "spreadsheet"], horizontal=True, key="exp_kind",
                format_func=lambda v: "exact CSV (for importing)" if v == "csv" else "spreadsheet-safe CSV")
if st.button("Prepare the download", key="exp_go"):
    with tempfile.TemporaryDirectory() as tmp:
        export(store, tmp, kind)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(Path(tmp).iterdir()):
                z.write(f, f.name)
    st.download_button("Download export.zip", buf.getvalue(), "learning-culture-export.zip", "application/zip",
                       key="exp_dl", icon=":material/download:")
