"""Real-world sources: mapping guesses, CRM and survey presets, xAPI, Slack exports, bad files."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData
from data_layer.ingest.mapping import Mapping
from data_layer.ingest.pipeline import Choices, SourceFile, import_sources, preset_mapping, safe_name
from data_layer.ingest.presets import guess_entity, guess_mapping
from data_layer.ingest.readers.slack import slack_to_activity
from data_layer.ingest.readers.xapi import xapi_statements

HERE = Path(__file__).parent / "data" / "sources"


def src(name: str, mapping: Mapping | None = None) -> SourceFile:
    return SourceFile(name, (HERE / name).read_bytes(), mapping)


def test_guesses_the_file_and_its_columns() -> None:
    cols = ["Opportunity ID", "Opportunity Owner", "Created Date", "Close Date", "Stage", "Amount", "Partner Account"]
    assert guess_entity("export_2026.csv", cols) == "deals.csv"
    assert guess_entity("people.csv", ["whatever"]) == "people.csv"
    assert guess_mapping(cols, "deals.csv") == {
        "deal_id": "Opportunity ID", "owner_id": "Opportunity Owner", "created_on": "Created Date",
        "closed_on": "Close Date", "status": "Stage", "amount": "Amount", "partner_name": "Partner Account"}
    assert guess_mapping(["Full Name", "Email Address", "Job Title", "Person ID"], "people.csv") == {
        "person_id": "Person ID", "name": "Full Name", "email": "Email Address", "role": "Job Title"}


def test_a_mapping_round_trips_through_toml() -> None:
    m = preset_mapping("crm_opportunities")
    m.options["partner_role_column"] = 'Partner "Role"'
    assert Mapping.from_toml(m.to_toml()) == m
    with pytest.raises(InvalidData, match="entity must be one of"):
        Mapping.from_toml('entity = "bananas.csv"')


def test_crm_preset_maps_stage_partner_and_owner_email(small_store: Store, tmp_path: Path) -> None:
    mapping = preset_mapping("crm_opportunities")
    mapping.options["partner_role_column"] = "Partner Role"
    result = import_sources(small_store, [src("crm_opportunities.csv", mapping)], tmp_path)
    assert result.rows == {"deals": 3}
    rows = small_store.query("SELECT deal_id, owner_id, created_on::VARCHAR, closed_on::VARCHAR, status, amount, "
                             "partner_involvement, partner_name FROM deals WHERE deal_id LIKE 'OPP-%' ORDER BY 1")
    assert rows == [
        ("OPP-1", "p1", "2026-01-10", "2026-03-15", "won", 10000, "sourced", "Crossbeam"),
        ("OPP-2", "p2", "2026-02-01", "2026-04-01", "lost", 5000, "none", None),
        ("OPP-3", "p3", "2026-02-01", None, "open", 7000, "influenced", "Okta"),  # an open deal has no close date
    ]


def test_survey_preset_rescales_likert_and_maps_barrier_labels(small_store: Store, tmp_path: Path) -> None:
    import_sources(small_store, [src("readiness_survey.csv", preset_mapping("survey_assessments"))], tmp_path)
    assert small_store.query("SELECT person_id, kind, barriers, barrier_notes FROM assessments WHERE assessment_id = 'R1'") == [
        ("p1", "baseline", ["no_time", "dont_know_partners"], "Quota first")]
    scores = dict(small_store.query("SELECT dimension, score FROM assessment_scores WHERE assessment_id = 'R1'"))
    assert scores == {"partner_knowledge": 50, "co_selling_confidence": 25, "solution_selling": 75, "tool_fluency": 100}


def test_an_unknown_owner_email_is_reported_in_the_files_own_terms(small_store: Store, tmp_path: Path) -> None:
    data = (HERE / "crm_opportunities.csv").read_text().replace("ben@example.com", "nobody@example.com")
    with pytest.raises(InvalidData) as caught:
        import_sources(small_store, [SourceFile("crm.csv", data.encode(), preset_mapping("crm_opportunities"))], tmp_path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.field, problem.message) == (
        "crm.csv", 3, "Opportunity Owner (email) (owner_id)", "is not a known person")
    assert small_store.query_value("SELECT count(*) FROM deals WHERE deal_id LIKE 'OPP-%'") == 0


def test_xapi_statements_by_mbox_and_account(small_store: Store, tmp_path: Path) -> None:
    frame = xapi_statements(small_store, (HERE / "statements.json").read_bytes()).activity
    assert list(frame["person_id"]) == ["p3", "p4", "p4"]
    assert list(frame["verb"]) == ["tutorial_completed", "tool_used", "posted"]
    assert list(frame["cohort_id"]) == ["c2", "c2", ""]
    import_sources(small_store, [src("statements.json")], tmp_path)
    assert small_store.query("SELECT event_id, occurred_at::VARCHAR, source FROM events WHERE event_id = 'st-2'") == [
        ("st-2", "2026-03-06 11:00:00", "lms")]


def test_a_bad_xapi_statement_is_reported_by_its_number(small_store: Store, tmp_path: Path) -> None:
    bad = json.loads((HERE / "statements.json").read_text())
    bad[2]["timestamp"] = "yesterday"
    with pytest.raises(InvalidData) as caught:
        import_sources(small_store, [SourceFile("statements.json", json.dumps(bad).encode())], tmp_path)
    (problem,) = caught.value.problems
    assert problem.file == "statements.json" and problem.field == "statement 3: timestamp"


def test_a_verb_outside_our_vocabulary_is_left_out_and_counted_by_its_iri(small_store: Store, tmp_path: Path) -> None:
    odd = json.loads((HERE / "statements.json").read_text())
    odd[1]["verb"]["id"] = "https://example.com/verbs/liked"
    done = import_sources(small_store, [SourceFile("statements.json", json.dumps(odd).encode())], tmp_path)
    assert done.rows == {"events": 2}
    assert any("https://example.com/verbs/liked (1)" in n and '--verb "https://example.com/verbs/liked=' in n
               for n in done.notes)
    import_sources(small_store, [SourceFile("statements.json", json.dumps(odd).encode())], tmp_path / "again",
                   choices=Choices(verbs={"https://example.com/verbs/liked": "posted"}))
    assert small_store.query_value("SELECT verb FROM events WHERE event_id = 'st-2'") == "posted"


def slack_zip(messages: list[dict[str, object]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("users.json", json.dumps([{"id": "U1", "profile": {"email": "ana@example.com"}},
                                             {"id": "U2", "profile": {"email": "stranger@example.com"}}]))
        z.writestr("channels.json", json.dumps([{"id": "C1", "name": "cohort-pathfinders"}, {"id": "C2", "name": "random"}]))
        z.writestr("cohort-pathfinders/2026-03-05.json", json.dumps(messages))
        z.writestr("random/2026-03-05.json", json.dumps([{"user": "U1", "ts": "1772712000.000100", "text": "hi"}]))
    return buf.getvalue()


def test_slack_export_messages_replies_wins_and_unknown_senders(small_store: Store, tmp_path: Path) -> None:
    data = slack_zip([
        {"user": "U1", "ts": "1772712000.000100", "text": "Hello cohort"},
        {"user": "U1", "ts": "1772712100.000200", "thread_ts": "1772712000.000100", "text": "reply",
         "reactions": [{"name": "trophy", "users": ["U2"], "count": 1}]},
        {"user": "U2", "ts": "1772712200.000300", "text": "who am I"},
        {"user": "U1", "ts": "1772712300.000400", "text": "ugh", "reactions": [{"name": "warning", "count": 1}]},
    ])
    result = slack_to_activity(small_store, data)
    assert list(result.activity["verb"]) == ["posted", "replied", "shared_win", "posted", "shared_frustration"]
    assert set(result.activity["cohort_id"]) == {"c1"} and set(result.activity["person_id"]) == {"p1"}
    assert result.unknown_senders == ["stranger@example.com"]
    assert result.channels_without_cohort == ["random"]
    done = import_sources(small_store, [SourceFile("slack.zip", data)], tmp_path)
    assert done.rows == {"events": 5}
    assert any("stranger@example.com" in n for n in done.notes)


def test_xlsx_sources_are_read_like_csv(small_store: Store, tmp_path: Path) -> None:
    frame = pd.DataFrame({"Person ID": ["p9"], "Full Name": ["Nia Okoro"], "Email Address": ["nia@example.com"],
                          "Job Title": ["AE"]})
    buf = io.BytesIO()
    frame.to_excel(buf, index=False)
    result = import_sources(small_store, [SourceFile("new_people.xlsx", buf.getvalue(),
                                                     Mapping("people.csv", guess_mapping(frame.columns, "people.csv")))],
                            tmp_path)
    assert result.rows == {"people": 1}
    assert small_store.query_value("SELECT name FROM people WHERE person_id = 'p9'") == "Nia Okoro"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("../../etc/people.csv", b"person_id\n", "has folder parts in its name"),
    ("notes.txt", b"hello", "is not a CSV, XLSX, JSON or zip file"),
    ("empty.csv", b"", "is empty"),
    ("cyrillic.csv", "name,email\nИван,j@x.com\n".encode("cp1251"), "is not UTF-8 text"),
    ("mojibake.csv", "name,email\nJosÃ©,j@x.com\n".encode(), 'holds "Ã©" where a letter such as "é" belongs'),
    ("broken.xlsx", b"PK not really", "not a readable Excel workbook"),
    ("statements.json", b"{not json", "is not valid JSON"),
    ("export.zip", b"not a zip", "not a zip file"),
])
def test_bad_files_get_a_sentence_and_nothing_is_written(small_store: Store, tmp_path: Path, name: str,
                                                         data: bytes, message: str) -> None:
    before = small_store.query_value("SELECT count(*) FROM people")
    with pytest.raises(InvalidData) as caught:
        import_sources(small_store, [SourceFile(name, data, Mapping("people.csv", {"name": "name", "email": "email"}))],
                       tmp_path)
    assert any(message in p.message for p in caught.value.problems), caught.value.problems
    assert small_store.query_value("SELECT count(*) FROM people") == before


def test_safe_name_keeps_plain_names() -> None:
    assert safe_name("deals.csv") == "deals.csv"
    for bad in ("a/b.csv", "..", ".hidden.csv", "c:\\x\\deals.csv"):
        with pytest.raises(InvalidData):
            safe_name(bad)
