"""Tests and experiments: what each test set out to show, what it showed, and what they add up to."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.components import download_table, empty
from dashboard.formatting import decision_rule, lift_interval, lift_unit
from dashboard.safe_text import as_markdown
from dashboard.services import experiments
from dashboard.settings import app_today
from dashboard.store import get_store
from data_layer.domain.errors import InvalidData

actor = guard(__file__)
st.caption("A test states its hypothesis, primary metric, variants (the control first) and decision rule before it "
           "starts; the protocol is locked from its first day. The lift of each variant over the control comes with "
           "its 95 % interval (conversions: Newcombe's interval for a difference of rates; means: Welch's), and the "
           "locked rule proposes the outcome: worked when the whole interval is above its line, flopped when below.")
store = get_store()
tests = experiments.results(store)
saved_note = st.session_state.pop("tp_saved", None)  # said once, after the rerun that lists the new protocol
if saved_note:
    st.success(saved_note)

if not tests:
    empty("No tests yet: an editor states a test's protocol below, before the test starts.")
else:
    counts = {o: sum(t.outcome == o for t in tests) for o in ("worked", "flopped", "inconclusive", "no results")}
    c1, c2, c3, c4 = st.columns(4)
    for col, (label, n) in zip((c1, c2, c3, c4), counts.items(), strict=True):
        col.metric(label.capitalize(), f"{n:,}", border=True)
    st.subheader("By section and quarter")
    by_quarter = experiments.summary(tests)
    if by_quarter.empty:
        empty("No test has results yet: they are counted here once recorded.")
    else:
        download_table(by_quarter.rename(columns={
            "section": "Section", "quarter": "Quarter ended", "worked": "Worked", "flopped": "Flopped",
            "inconclusive": "Inconclusive"}), "tests-by-quarter", key="tests_summary")
    st.subheader("Cumulative estimated impact")
    impact = experiments.cumulative_impact(tests)
    if impact.empty:
        empty("No test has worked yet.")
    else:
        for column in ("lift", "low", "high"):  # each in its unit: pp for conversions, the metric's own for means
            impact[column] = [lift_unit(m).text(v) for m, v in zip(impact["measure"], impact[column], strict=True)]
        download_table(impact.rename(columns={"metric": "Primary metric", "measure": "Measure", "tests": "Tests",
                                              "lift": "Sum of lifts", "low": "Sum of lows", "high": "Sum of highs"}),
                       "tests-impact", key="tests_impact")
        st.caption("The sum of the best variants' lifts of the tests that worked, per metric: conversion lifts in "
                   "percentage points (pp), means in the metric's own unit. The lows and highs add up the intervals' "
                   "ends: a range, not an interval.")
    st.subheader("Each test")
    for t in reversed(tests):
        ends = "ended" if t.ends_on < app_today() else "ends"
        with st.expander(f"{t.name} · {t.outcome} · {ends} {t.ends_on:%d %b %Y}"):
            st.text(f"Primary metric: {t.primary_metric} ({t.measure})\nHypothesis: {t.hypothesis}\n"
                    f"Decision rule: {decision_rule(t.measure, t.worked_above, t.flopped_below, t.primary_metric)}")
            if not t.lifts:
                st.info("No results recorded yet.")
                continue
            frame = pd.DataFrame([{"variant": lift.variant, "lift": lift.value, "low": lift.low, "high": lift.high}
                                  for lift in t.lifts])
            st.altair_chart(charts.test_lift_chart(frame, t.measure == "conversion"), width="stretch")
            st.text("\n".join(
                f"{lift.variant}: " + (f"{lift.treated:.1%} vs {lift.control:.1%} in the control"
                                       if t.measure == "conversion" else f"{lift.treated:,.2f} vs {lift.control:,.2f}")
                + f" (n = {lift.n:,}): lift {lift_unit(t.measure).text(lift.value)}, "
                + lift_interval(t.measure, lift.low, lift.high) for lift in t.lifts))

if actor.can("editor"):
    st.divider()
    st.subheader("State a test's protocol")
    upcoming = experiments.upcoming_plans(store, app_today())
    if upcoming.empty:
        empty("No plan starts after today: a protocol is stated before its test starts.")
    else:
        # The measure is chosen first (outside the form) so the rule's lines are asked in its unit.
        measure = st.radio("Measure", list(experiments.MEASURES), key="tp_measure", horizontal=True,
                           format_func={"conversion": "conversion (a rate: lines in percentage points)",
                                        "mean": "mean (lines in the metric's own unit)"}.get)
        unit = lift_unit(measure)
        in_unit = "pp" if measure == "conversion" else "in the metric's unit"
        with st.form("protocol"):
            plan = st.selectbox("Plan (not started yet)", list(upcoming["plan_id"]), key="tp_plan",
                                format_func=dict(zip(upcoming["plan_id"], upcoming["name"], strict=True)).get)
            hypothesis = st.text_area("Hypothesis", key="tp_hypothesis")
            metric = st.text_input("Primary metric", key="tp_metric", placeholder="meetings booked per email")
            variants = st.text_input("Variants, the control first (comma-separated)", key="tp_variants",
                                     placeholder="current email, co-branded email")
            c3, c4 = st.columns(2)
            worked = c3.number_input(f"Worked when the whole lift interval is above ({in_unit})", value=0.0,
                                     step=0.5, key="tp_worked",
                                     help="For a rate, 2 means 2 percentage points (10 % to 12 %).")
            flopped = c4.number_input(f"Flopped when the whole lift interval is below ({in_unit})", value=0.0,
                                      step=0.5, key="tp_flopped")
            if st.form_submit_button("Save the protocol", type="primary"):
                try:
                    experiments.save_protocol(store, actor, plan, hypothesis=hypothesis, primary_metric=metric,
                                              measure=measure, variants=variants.split(","),
                                              worked_above=unit.from_shown(worked),
                                              flopped_below=unit.from_shown(flopped), today=app_today())
                except InvalidData as exc:
                    for problem in exc.problems:
                        st.error(problem.sentence)
                else:
                    # the metric's name is the editor's text: escaped, as the success box reads Markdown
                    rule = decision_rule(measure, unit.from_shown(worked), unit.from_shown(flopped),
                                         as_markdown(metric.strip()))
                    st.session_state["tp_saved"] = (f"Protocol saved: {rule}. It locks when the plan starts.")
                    st.rerun()  # list it at once, with the other tests
    st.subheader("Record results")
    st.caption("A CSV with one row per variant: plan_id, variant, n, and conversions (or mean and sd).")
    upload = st.file_uploader("Results (CSV)", type=["csv"], key="tp_results")
    if upload is not None and st.button("Import the results", key="tp_import"):
        try:
            saved = experiments.import_results(store, actor, upload.getvalue())
        except InvalidData as exc:
            for problem in exc.problems:
                st.error(str(problem))
        else:
            st.success(f"Saved {saved:,} result rows.")
            st.rerun()
