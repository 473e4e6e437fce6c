"""Exports recognised from their headers with no option: their layouts as the tools write them.

The files here are written in each tool's own layout (header names, extra header rows, date
and number conventions) with values worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData
from data_layer.domain.filters import Filter
from data_layer.ingest.importer import import_files
from data_layer.ingest.mapping import Mapping
from data_layer.ingest.pipeline import Choices, SourceFile, import_sources

from .conftest import metric

PEOPLE = "person_id,name,email,role\nana,Ana Álvarez,ana@example.com,AE\nben,Ben Okafor,ben@example.com,AE\n" \
         "cy,Cy Park,cy@example.com,SE\n"


@pytest.fixture
def people_store(store: Store, tmp_path: Path) -> Store:
    (tmp_path / "people.csv").write_text(PEOPLE)
    import_files(store, [tmp_path / "people.csv"])
    return store


def run(store: Store, tmp: Path, name: str, text: str, choices: Choices | None = None,
        mapping: Mapping | None = None) -> list[str]:
    done = import_sources(store, [SourceFile(name, text.encode("utf-8"), mapping)], tmp / "work", choices=choices)
    return done.notes + done.warnings


def deal_rows(store: Store) -> list[tuple[object, ...]]:
    return store.query("SELECT deal_id, owner_id, created_on::VARCHAR, closed_on::VARCHAR, status, "
                       "CAST(amount AS DOUBLE), currency, partner_involvement, partner_name FROM deals ORDER BY 1")


def test_a_european_salesforce_report_with_semicolons_and_decimal_commas(people_store: Store, tmp_path: Path) -> None:
    text = ("Opportunity Owner;Opportunity Name;Stage;Amount Currency;Amount;Close Date;Created Date;"
            "Opportunity ID;Partner Account\n"
            "Ana Álvarez;Acme;Closed Won;EUR;13.884,00;17.07.2018;01.02.2018;0061;Crossbeam\n"
            "ben@example.com;Beta;Closed Lost;EUR;950,50;03.08.2018;02.03.2018;0062;\n"
            "ANA ALVAREZ;Gamma;Negotiation;EUR;;30.09.2018;;0063;\n")
    notes = run(people_store, tmp_path, "report-export.csv", text)
    assert deal_rows(people_store) == [
        # 17.07 settles day first for Close Date; Created Date follows the file's order.
        ("0061", "ana", "2018-02-01", "2018-07-17", "won", 13884.0, "EUR", "influenced", "Crossbeam"),
        ("0062", "ben", "2018-03-02", "2018-08-03", "lost", 950.5, "EUR", "none", None),
        # Open, no amount, no created date: imports; its close date is a forecast.
        ("0063", "ana", None, None, "open", None, "EUR", "none", None),
    ]
    assert any("semicolon-separated" in n for n in notes)
    assert any("Salesforce opportunity report" in n for n in notes)


def test_a_hubspot_deals_export_with_internal_stage_ids(people_store: Store, tmp_path: Path) -> None:
    text = ("Record ID,Deal Name,Deal Stage,Amount,Deal owner,Close Date,Create Date,Pipeline\n"
            "9001,Acme,closedwon,\"$25,000.00\",Cy Park,2026-03-15 10:00,2026-01-05 09:12,Sales Pipeline\n"
            "9002,Beta,closedlost,1200,cy@example.com,2026-03-20 10:00,2026-02-01 11:00,Sales Pipeline\n"
            "9003,Gamma,appointmentscheduled,5000,Cy Park,2026-06-30 00:00,2026-03-01 08:00,Sales Pipeline\n")
    run(people_store, tmp_path, "hubspot-crm-exports-all-deals.csv", text)
    assert deal_rows(people_store) == [
        ("9001", "cy", "2026-01-05", "2026-03-15", "won", 25000.0, "USD", "none", None),
        ("9002", "cy", "2026-02-01", "2026-03-20", "lost", 1200.0, "USD", "none", None),
        ("9003", "cy", "2026-03-01", None, "open", 5000.0, "USD", "none", None),
    ]


def test_an_export_saved_under_our_file_name_is_read_as_the_export(people_store: Store, tmp_path: Path) -> None:
    """A HubSpot export renamed deals.csv: not our columns, so read as HubSpot's, on the page and the CLI."""
    text = ("Record ID,Deal Name,Deal Stage,Amount,Deal owner,Close Date,Create Date\n"
            "9001,Acme,closedwon,\"12,500.50\",Cy Park,2026-03-15,2026-01-05\n"
            "9002,Beta,contractsent,,Ana Álvarez,2026-11-01,2026-02-01\n")
    notes = run(people_store, tmp_path, "deals.csv", text)
    assert any("HubSpot deals export" in n for n in notes)
    assert deal_rows(people_store) == [
        ("9001", "cy", "2026-01-05", "2026-03-15", "won", 12500.5, "USD", "none", None),
        ("9002", "ana", "2026-02-01", None, "open", None, "USD", "none", None),
    ]
    # Our own deals.csv with a column missing is still ours, refused naming the column.
    own = tmp_path / "own" / "deals.csv"
    own.parent.mkdir()
    own.write_text("deal_id,owner_id,created_on,closed_on,amount\nd1,ana,2026-01-01,2026-02-01,10\n")
    with pytest.raises(InvalidData) as refused:
        import_sources(people_store, [SourceFile("deals.csv", own.read_bytes())], tmp_path / "work2")
    assert any(p.field == "status" and "missing" in p.message for p in refused.value.problems)


def test_a_pipedrive_export_takes_the_close_date_from_won_or_lost_time(people_store: Store, tmp_path: Path) -> None:
    text = ("Deal - ID,Deal - Title,Deal - Value,Deal - Currency of value,Deal - Owner,Deal - Status,"
            "Deal - Deal created,Deal - Won time,Deal - Lost time\n"
            "11,Acme,1500,GBP,Ben Okafor,Won,2026-01-10 08:00:00,2026-02-11 10:30:00,\n"
            "12,Beta,700,GBP,Ben Okafor,Lost,2026-01-12 08:00:00,,2026-02-20 16:00:00\n"
            "13,Gamma,,GBP,Ben Okafor,Open,2026-01-15 08:00:00,,\n")
    run(people_store, tmp_path, "deals-export.csv", text)
    assert deal_rows(people_store) == [
        ("11", "ben", "2026-01-10", "2026-02-11", "won", 1500.0, "GBP", "none", None),
        ("12", "ben", "2026-01-12", "2026-02-20", "lost", 700.0, "GBP", "none", None),
        ("13", "ben", "2026-01-15", None, "open", None, "GBP", "none", None),
    ]


def test_a_stage_that_says_closed_but_not_how_is_refused_until_chosen(people_store: Store, tmp_path: Path) -> None:
    text = ("Record ID,Deal Name,Deal Stage,Amount,Deal owner,Close Date,Create Date\n"
            "1,A,Closed - Disqualified,10,Cy Park,2026-03-01,2026-01-01\n")
    with pytest.raises(InvalidData) as caught:
        run(people_store, tmp_path, "deals-x.csv", text)
    assert '"Closed - Disqualified"' in caught.value.problems[0].message
    run(people_store, tmp_path, "deals-x.csv", text, Choices(stages={"Closed - Disqualified": "lost"}))
    assert deal_rows(people_store)[0][4] == "lost"


def test_an_ambiguous_date_column_is_refused_and_nothing_written(people_store: Store, tmp_path: Path) -> None:
    text = ("Record ID,Deal Name,Deal Stage,Amount,Deal owner,Close Date,Create Date\n"
            "1,A,closedwon,10,Cy Park,02/03/24,01/02/24\n2,B,closedwon,10,Cy Park,05/06/24,04/05/24\n")
    with pytest.raises(InvalidData) as caught:
        run(people_store, tmp_path, "deals-y.csv", text)
    messages = " ".join(p.message for p in caught.value.problems)
    assert "2 March 2024" in messages and "3 February 2024" in messages
    assert people_store.query_value("SELECT count(*) FROM deals") == 0
    run(people_store, tmp_path, "deals-y.csv", text, Choices(options={"date_order": "DMY"}))
    assert [r[3] for r in deal_rows(people_store)] == ["2024-03-02", "2024-06-05"]


def test_google_forms_with_emails_agreement_labels_and_barrier_labels(people_store: Store, tmp_path: Path) -> None:
    text = ("Timestamp,Email Address,Partner knowledge,Co-selling confidence (1-7),What holds you back?\n"
            '3/14/2026 9:05:00,ana@example.com,Strongly agree,6,"No time, Tool friction"\n'
            "3/15/2026 10:00:00,ben@example.com,Neither agree nor disagree,2,\n"
            "3/16/2026 11:00:00,cy@example.com,Strongly disagree,7,Unclear process\n"
            "4/16/2026 11:00:00,ana@example.com,Agree,7,\n"
            "4/17/2026 11:00:00,ben@example.com,Disagree,1,No time\n")
    run(people_store, tmp_path, "Readiness (Responses) - Form Responses 1.csv", text)
    rows = people_store.query("SELECT a.person_id, a.taken_at::VARCHAR, a.kind, a.barriers, s.dimension, s.score "
                              "FROM assessments a JOIN assessment_scores s USING (assessment_id) "
                              "ORDER BY a.taken_at, s.dimension")
    got = [(p, t, k, b, d, round(v, 3)) for p, t, k, b, d, v in rows]
    assert got == [
        ("ana", "2026-03-14 09:05:00", "baseline", ["no_time", "tool_friction"], "co_selling_confidence", 83.333),
        ("ana", "2026-03-14 09:05:00", "baseline", ["no_time", "tool_friction"], "partner_knowledge", 100.0),
        ("ben", "2026-03-15 10:00:00", "baseline", [], "co_selling_confidence", 16.667),
        ("ben", "2026-03-15 10:00:00", "baseline", [], "partner_knowledge", 50.0),
        ("cy", "2026-03-16 11:00:00", "baseline", ["unclear_process"], "co_selling_confidence", 100.0),
        ("cy", "2026-03-16 11:00:00", "baseline", ["unclear_process"], "partner_knowledge", 0.0),
        ("ana", "2026-04-16 11:00:00", "follow_up", [], "co_selling_confidence", 100.0),
        ("ana", "2026-04-16 11:00:00", "follow_up", [], "partner_knowledge", 75.0),
        ("ben", "2026-04-17 11:00:00", "follow_up", ["no_time"], "co_selling_confidence", 0.0),
        ("ben", "2026-04-17 11:00:00", "follow_up", ["no_time"], "partner_knowledge", 25.0),
    ]
    # Importing the same export again changes nothing (ids come from time and respondent).
    run(people_store, tmp_path, "Readiness (Responses) - Form Responses 1.csv", text)
    assert people_store.query_value("SELECT count(*) FROM assessments") == 5


def test_surveymonkeys_two_header_rows_and_name_columns(people_store: Store, tmp_path: Path) -> None:
    text = ("Respondent ID,Collector ID,Start Date,End Date,IP Address,Email Address,First Name,Last Name,"
            "How would you rate your partner knowledge? (1-5),Solution selling\n"
            ",,,,,,,,Response,Response\n"
            "114,9,03/10/2026 09:00:00 AM,03/10/2026 09:04:00 AM,1.2.3.4,,Ana,Alvarez,4,5\n"
            "115,9,03/11/2026 01:00:00 PM,03/13/2026 01:02:00 PM,1.2.3.4,,Cy,Park,1,3\n")
    run(people_store, tmp_path, "Readiness Survey.csv", text)
    rows = people_store.query("SELECT assessment_id, person_id, taken_at::VARCHAR FROM assessments ORDER BY 1")
    assert rows == [("114", "ana", "2026-03-10 09:04:00"), ("115", "cy", "2026-03-13 13:02:00")]
    scores = people_store.query("SELECT assessment_id, dimension, score FROM assessment_scores ORDER BY 1, 2")
    assert scores == [("114", "partner_knowledge", 75.0), ("114", "solution_selling", 100.0),
                      ("115", "partner_knowledge", 0.0), ("115", "solution_selling", 50.0)]


def test_a_typeform_export(people_store: Store, tmp_path: Path) -> None:
    text = ("#,Email,Tool fluency,Start Date (UTC),Submit Date (UTC),Network ID\n"
            "ab12,cy@example.com,10,2026-03-01 10:00:00,2026-03-01 10:03:00,x\n"
            "cd34,ben@example.com,0,2026-03-02 10:00:00,2026-03-02 10:03:00,y\n")
    run(people_store, tmp_path, "responses.csv", text)
    assert people_store.query("SELECT a.assessment_id, a.person_id, s.score FROM assessments a "
                              "JOIN assessment_scores s USING (assessment_id) ORDER BY 1") == [
        ("ab12", "cy", 100.0), ("cd34", "ben", 0.0)]  # 0-10 scale (0 and 10 both answered)


def test_typeforms_unsubmitted_responses_are_left_out_and_unplaced_questions_named(people_store: Store,
                                                                                      tmp_path: Path) -> None:
    # Typeform's own layout: "#", the questions, then Response Type ... Network ID, Tags, Ending.
    text = ("#,What is your email?,How confident are you co-selling with partners?,Tool fluency,Response Type,"
            "Start Date (UTC),Stage Date (UTC),Submit Date (UTC),Network ID,Tags,Ending\n"
            "ab12,cy@example.com,4,5,completed,2026-03-01 10:00:00,,2026-03-01 10:03:00,938f4331f1,,\n"
            "cd34,ben@example.com,2,1,completed,2026-03-02 10:00:00,,2026-03-02 10:04:00,938f4331f2,,\n"
            "ef56,,3,,partial,2026-03-03 10:00:00,2026-03-03 10:01:00,,938f4331f3,,\n")
    notes = run(people_store, tmp_path, "responses.csv", text)
    assert "responses.csv: read as Typeform responses." in notes
    assert any('1 response(s) never submitted (Response Type "partial") left out' in n for n in notes)
    assert any('not placed on any readiness dimension, so not imported: "How confident are you co-selling with '
               'partners?"' in n for n in notes)
    # Tool fluency 5 and 1 on a 1-5 scale (answers 1 and 5 present): 100 and 0.
    assert people_store.query("SELECT a.assessment_id, a.person_id, s.dimension, s.score FROM assessments a "
                              "JOIN assessment_scores s USING (assessment_id) ORDER BY 1") == [
        ("ab12", "cy", "tool_fluency", 100.0), ("cd34", "ben", "tool_fluency", 0.0)]


def test_a_survey_without_scale_or_person_is_refused_with_sentences(people_store: Store, tmp_path: Path) -> None:
    text = "Timestamp,Email Address,Partner knowledge\n2026-03-14 09:05:00,ana@example.com,6\n"
    with pytest.raises(InvalidData) as caught:
        run(people_store, tmp_path, "Form Responses 1.csv", text)
    assert any("scale is not stated" in p.message and "--column-format" in p.message for p in caught.value.problems)
    assert people_store.query_value("SELECT count(*) FROM assessments") == 0


def test_extra_lines_above_the_header_get_a_sentence(people_store: Store, tmp_path: Path) -> None:
    text = "Report: all deals,,\nGenerated 2026-03-01,,\nRecord ID,Deal Name,Deal Stage\n1,A,closedwon\n"
    with pytest.raises(InvalidData) as caught:
        run(people_store, tmp_path, "weird.csv", text)
    (problem,) = caught.value.problems
    assert "does not start with a header row" in problem.message and "--skip-rows 2" in problem.message
    run(people_store, tmp_path, "weird.csv", text.replace("closedwon", "closedwon").replace(
        "Deal Stage\n", "Deal Stage,Deal owner,Amount,Close Date,Create Date\n").replace(
        "1,A,closedwon\n", "1,A,closedwon,Cy Park,10,2026-03-01,2026-01-01\n").replace(",,\n", ",,,,,,\n"),
        Choices(options={"skip_rows": "2"}))
    assert deal_rows(people_store)[0][:2] == ("1", "cy")


def test_the_funnel_counts_assessments_from_a_survey_tool_as_assessed(store: Store, tmp_path: Path) -> None:
    # Four members of c1; the survey tool sent assessments and no `assessed` events:
    #   p1 took one on 2026-03-01 (counts), p2 only after `to` (does not), p3 has just an
    #   `assessed` event (counts: an LMS sent it), p4 nothing. Funnel assessed = 2 (p1, p3);
    #   the Assessed tile counts assessments only: 1 of 4.
    (tmp_path / "people.csv").write_text("person_id,name,email,role\n" + "".join(
        f"p{i},P {i},p{i}@example.com,AE\n" for i in range(1, 5)))
    (tmp_path / "cohorts.csv").write_text("cohort_id,name,program,start_date\nc1,C1,P,2026-01-01\n")
    (tmp_path / "memberships.csv").write_text("cohort_id,person_id,joined_on\n" + "".join(
        f"c1,p{i},2026-01-10\n" for i in range(1, 5)))
    (tmp_path / "assessments.csv").write_text(
        "assessment_id,person_id,taken_at,instrument,kind,score_partner_knowledge\n"
        "a1,p1,2026-03-01T10:00:00Z,Survey,baseline,50\na2,p2,2026-06-01T10:00:00Z,Survey,baseline,50\n")
    (tmp_path / "activity.csv").write_text("event_id,occurred_at,person_id,verb,cohort_id\n"
                                           "e1,2026-03-02T10:00:00Z,p3,assessed,c1\n")
    import_files(store, [tmp_path / n for n in ("people.csv", "cohorts.csv", "memberships.csv", "assessments.csv",
                                                 "activity.csv")])
    filt = Filter(date_from=dt.date(2026, 2, 1), date_to=dt.date(2026, 4, 30), today=dt.date(2026, 4, 30))
    assert metric("funnel", store, filt)["assessed"] == 2
    assert metric("funnel", store, filt)["enrolled"] == 4
    rate = metric("assessed_rate", store, filt)
    assert (rate.numerator, rate.denominator) == (1, 4)


def test_a_salesforce_reports_closing_notes_are_set_aside(people_store: Store, tmp_path: Path) -> None:
    text = ('"Opportunity Owner","Opportunity Name","Stage","Amount","Close Date","Created Date","Opportunity ID"\n'
            '"Ana Álvarez","Acme","Closed Won","13.884,00","17.07.2018","01.02.2018","0061"\n'
            '"Ben Okafor","Beta","Closed Lost","950,50","03.08.2018","02.03.2018","0062"\n'
            '\n"Opportunities Report"\n"Copyright (c) 2000-2018 salesforce.com, inc. All rights reserved."\n'
            '"Confidential Information - Do Not Distribute"\n"Generated By:  Ana Alvarez  7/18/2018 10:10 AM"\n')
    notes = run(people_store, tmp_path, "report1531901234567.csv", text)
    assert [r[:6] for r in deal_rows(people_store)] == [
        ("0061", "ana", "2018-02-01", "2018-07-17", "won", 13884.0),
        ("0062", "ben", "2018-03-02", "2018-08-03", "lost", 950.5)]
    assert any("set aside 4 line(s) of report notes" in n for n in notes)


def test_a_deals_report_without_an_id_column_is_refused_naming_it(people_store: Store, tmp_path: Path) -> None:
    text = ("Opportunity Owner,Opportunity Name,Stage,Amount,Close Date\n"
            "Ana Álvarez,Acme,Closed Won,100,2026-03-01\n")
    with pytest.raises(InvalidData) as caught:
        run(people_store, tmp_path, "report.csv", text)
    assert any("no column read as deal_id" in p.message and '--column "deal_id=THE COLUMN"' in p.message
               for p in caught.value.problems)


def test_sections_of_plans_are_given_by_id_or_label(small_store: Store, tmp_path: Path) -> None:
    (tmp_path / "plans.csv").write_text(
        "plan_id,name,section,owner_id,starts_on,ends_on,learning_goal\n"
        "pl-a,A,Email,p1,2026-01-01,2026-01-31,Goal\npl-b,B,partnerships,p1,2026-01-01,2026-01-31,Goal\n"
        "pl-c,C,Partnerships & ecosystem,p1,2026-01-01,2026-01-31,Goal\n")
    import_files(small_store, [tmp_path / "plans.csv"])
    assert small_store.query("SELECT plan_id, section FROM plans WHERE plan_id LIKE 'pl-%' ORDER BY 1") == [
        ("pl-a", "email"), ("pl-b", "partnerships"), ("pl-c", "partnerships")]
