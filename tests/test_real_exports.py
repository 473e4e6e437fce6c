"""Real public exports (tests/data/real, each with its SOURCE), imported with no options.

Every imported value is compared with an independent reading of the file written here with
the standard library only; a file we cannot import exactly must be refused with a sentence
that names the column and what to do.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from data_layer.cli import main
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData
from data_layer.ingest.importer import import_files
from data_layer.ingest.mapping import Mapping
from data_layer.ingest.pipeline import Choices, SourceFile, import_sources

from .conftest import metric

REAL = Path(__file__).parent / "data" / "real"


def add_people(store: Store, tmp: Path, rows: list[tuple[str, str, str]]) -> None:
    path = tmp / "people.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["person_id", "name", "email", "role"])
        w.writerows([(pid, name, email, "AE") for pid, name, email in rows])
    import_files(store, [path])


def source(relative: str, name: str | None = None) -> SourceFile:
    path = REAL / relative
    return SourceFile(name or path.name, path.read_bytes())


def deals(store: Store) -> dict[str, tuple[object, ...]]:
    rows = store.query("SELECT deal_id, owner_id, created_on, closed_on, status, CAST(amount AS DOUBLE), currency, "
                       "partner_involvement FROM deals")
    return {r[0]: tuple(r[1:]) for r in rows}


# ------------------------------------------------------------------ CRM: Salesforce export
def test_a_salesforce_data_export_imports_with_exactly_its_values(store: Store, tmp_path: Path) -> None:
    add_people(store, tmp_path, [("005x0000000fNSiAAM", "Owner One", "owner@example.com")])
    done = import_sources(store, [source("salesforce_export/opportunityData.csv")], tmp_path / "w")
    expected = {}
    for row in csv.DictReader((REAL / "salesforce_export/opportunityData.csv").open(encoding="utf-8")):
        closed, won = row["ISCLOSED"] == "true", row["ISWON"] == "true"
        status = ("won" if won else "lost") if closed else "open"
        expected[row["ID"]] = (
            row["OWNERID"], dt.date.fromisoformat(row["CREATEDDATE"][:10]),
            dt.date.fromisoformat(row["CLOSEDATE"]) if closed else None,  # an open deal's date is a forecast
            status, float(row["AMOUNT"]) if row["AMOUNT"] else None, "USD", "none")
    assert deals(store) == expected
    assert done.rows == {"deals": 9}
    # Two won deals closed (2005-11-09) before the CRM created them (2006-06-15): kept, with a warning.
    assert any("2 row(s) closed before they were created" in w and "006x0000001YtCrAAK" in w for w in done.warnings)
    assert any("read as a Salesforce data export" in n for n in done.notes)
    assert any("taken as USD" in n for n in done.notes)


def test_deals_closed_before_created_are_left_out_of_cycle_medians(store: Store, tmp_path: Path) -> None:
    from data_layer.domain.filters import Filter

    add_people(store, tmp_path, [("005x0000000fNSiAAM", "Owner One", "owner@example.com")])
    store.execute("INSERT INTO cohorts VALUES ('c1', 'C1', 'P', DATE '2005-01-01', NULL, NULL, NULL)")
    store.execute("INSERT INTO memberships VALUES ('c1', '005x0000000fNSiAAM', DATE '2005-01-01', NULL)")
    import_sources(store, [source("salesforce_export/opportunityData.csv")], tmp_path / "w")
    filt = Filter(date_from=dt.date(2005, 1, 1), date_to=dt.date(2006, 12, 31), today=dt.date(2006, 12, 31))
    assert metric("median_cycle_days_no_partner", store, filt) is None  # both won deals have negative cycles
    store.execute("UPDATE deals SET created_on = DATE '2005-10-30' WHERE deal_id = '006x0000001YtCsAAK'")
    store.execute("DELETE FROM closed_deals")
    from data_layer.db.summaries import refresh_deals

    with store.transaction() as tx:
        refresh_deals(tx)
    assert metric("median_cycle_days_no_partner", store, filt) == 10  # 2005-10-30 -> 2005-11-09; the other still out


# --------------------------------------------------------- CRM: an opportunities dataset
def test_a_crm_opportunity_export_with_owner_names_and_us_dates(store: Store, tmp_path: Path) -> None:
    path = REAL / "crm_sales_pipeline/sales_pipeline.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    names = sorted({r["sales_agent"] for r in rows})
    # Names as the company keeps them: other case and accents must still match.
    kept = {n: (n.upper() if i % 3 == 0 else n) for i, n in enumerate(names)}
    add_people(store, tmp_path, [(f"p{i}", kept[n], f"p{i}@example.com") for i, n in enumerate(names)])
    ids = {n: f"p{i}" for i, n in enumerate(names)}
    import_sources(store, [source("crm_sales_pipeline/sales_pipeline.csv")], tmp_path / "w")
    expected = {}
    for r in rows:
        status = r["deal_stage"].lower() if r["deal_stage"] in ("Won", "Lost") else "open"
        expected[r["opportunity_id"]] = (
            ids[r["sales_agent"]], dt.datetime.strptime(r["engage_date"], "%m/%d/%Y").date(),
            dt.datetime.strptime(r["close_date"], "%m/%d/%Y").date() if status != "open" else None,
            status, float(r["close_value"]) if r["close_value"] else None, "USD", "none")
    assert deals(store) == expected


def test_an_owner_name_that_fits_two_people_is_refused_as_ambiguous(store: Store, tmp_path: Path) -> None:
    add_people(store, tmp_path, [("a1", "Moses Frase", "a1@example.com"), ("a2", "Moses  FRASE", "a2@example.com")])
    with pytest.raises(InvalidData) as caught:
        import_sources(store, [source("crm_sales_pipeline/sales_pipeline.csv")], tmp_path / "w")
    ambiguous = [p for p in caught.value.problems if "names 2 people" in p.message]
    assert ambiguous and ambiguous[0].value == "Moses Frase" and "a1, a2" in ambiguous[0].message
    assert store.query_value("SELECT count(*) FROM deals") == 0


def test_unknown_owners_are_listed_once_each_with_their_row_count(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InvalidData) as caught:
        import_sources(store, [source("crm_sales_pipeline/sales_pipeline.csv")], tmp_path / "w")
    unknown = {p.value: p.rows for p in caught.value.problems if p.message == "is not a known person"}
    rows = list(csv.DictReader((REAL / "crm_sales_pipeline/sales_pipeline.csv").open(encoding="utf-8")))
    counted: dict[str, int] = {}
    for r in rows:
        counted[r["sales_agent"]] = counted.get(r["sales_agent"], 0) + 1
    assert unknown == counted  # "Darcel Schlecht": 3 rows, once
    assert len(caught.value.strangers) == len(counted)


# ---------------------------------------------------------------------------- Slack
def slack_zip() -> bytes:
    buf = io.BytesIO()
    folder = REAL / "slack_export"
    with zipfile.ZipFile(buf, "w") as z:
        for p in sorted(folder.rglob("*.json")):
            z.write(p, p.relative_to(folder).as_posix())
    return buf.getvalue()


def slack_store(store: Store, tmp_path: Path) -> None:
    # UOF82F39AE has no usable email; their Slack full name matches a person.
    add_people(store, tmp_path, [("pa", "kPVTqHcBWssWFAU", "a@example.com"), ("pb", "Bea Berg", "b@example.com")])
    (tmp_path / "cohorts.csv").write_text("cohort_id,name,program,start_date,channel\nc1,C1,P,2025-01-11,B75B4C7\n")
    import_files(store, [tmp_path / "cohorts.csv"])


def independent_slack_reading(matches: dict[str, str]) -> list[tuple[str, str, str, str]]:
    users = {u["id"]: u for u in json.loads((REAL / "slack_export/users.json").read_text())}
    out = []
    for day in sorted((REAL / "slack_export/B75B4C7").glob("*.json")):
        for m in json.loads(day.read_text()):
            if m.get("subtype") or m.get("hidden") or m.get("bot_id") or users[m["user"]]["is_bot"]:
                continue
            if m["user"] not in matches:
                continue
            when = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(Decimal(m["ts"]) * 1_000_000))
            verb = "replied" if m.get("thread_ts") and m["thread_ts"] != m["ts"] else "posted"
            out.append((f"slack-B75B4C7-{m['ts']}", matches[m["user"]], verb, when.isoformat(sep=" ")))
    return sorted(out)


def test_a_real_slack_export_imports_its_messages_and_lists_who_it_left_out(store: Store, tmp_path: Path) -> None:
    slack_store(store, tmp_path)
    done = import_sources(store, [SourceFile("export.zip", slack_zip())], tmp_path / "w")
    got = sorted((r[0], r[1], r[2], r[3]) for r in store.query(
        "SELECT event_id, person_id, verb, strftime(occurred_at, '%Y-%m-%d %H:%M:%S.%f') FROM events"))
    assert got == independent_slack_reading({"UOF82F39AE": "pa"})
    assert len(got) == 10
    # The sender without an email whose name matches no one: listed once by display name with a count.
    assert any("YTX35tuC1zyFhKZL (3 messages)" in n for n in done.notes)
    assert any("skipped 1 bot message." in n for n in done.notes)
    assert any("skipped 1 deleted message." in n for n in done.notes)
    assert any("skipped 1 join or leave." in n for n in done.notes)
    assert any("2 message(s) in #B75B4C7 fall outside the cohort's dates" in n for n in done.notes)


def test_a_slack_user_without_email_can_be_matched_to_a_person(store: Store, tmp_path: Path) -> None:
    slack_store(store, tmp_path)
    import_sources(store, [SourceFile("export.zip", slack_zip(), Mapping("activity.csv", people={
        "UOB5F987BF17": "pb"}))], tmp_path / "w")
    got = sorted((r[0], r[1], r[2], r[3]) for r in store.query(
        "SELECT event_id, person_id, verb, strftime(occurred_at, '%Y-%m-%d %H:%M:%S.%f') FROM events"))
    assert got == independent_slack_reading({"UOF82F39AE": "pa", "UOB5F987BF17": "pb"})
    assert len(got) == 13


def test_a_real_slack_exports_words_are_kept_only_when_asked(store: Store, tmp_path: Path) -> None:
    slack_store(store, tmp_path)
    done = import_sources(store, [SourceFile("export.zip", slack_zip())], tmp_path / "w")
    assert store.query_value("SELECT count(*) FROM event_texts") == 0
    assert any("were not imported" in w for w in done.warnings)
    import_sources(store, [SourceFile("export.zip", slack_zip())], tmp_path / "w2", with_text=True)
    # read independently: the text of every message kept above, by its event id, exactly as the export has it
    texts = {}
    for day in sorted((REAL / "slack_export/B75B4C7").glob("*.json")):
        for m in json.loads(day.read_text()):
            texts[f"slack-B75B4C7-{m['ts']}"] = m.get("text", "")
    kept = dict(store.query("SELECT event_id, text FROM event_texts"))
    expected = {e: texts[e] for e, *_ in independent_slack_reading({"UOF82F39AE": "pa"}) if texts[e].strip()}
    assert kept == expected and len(kept) > 0


# ----------------------------------------------------------------------------- xAPI
def test_moodles_xapi_statement_imports_by_account_name(store: Store, tmp_path: Path) -> None:
    add_people(store, tmp_path, [("1", "Test Fullname", "t@example.com")])
    import_sources(store, [source("xapi/moodle_viewing_scorm_module.json")], tmp_path / "w")
    statement = json.loads((REAL / "xapi/moodle_viewing_scorm_module.json").read_text())[0]
    when = dt.datetime.fromisoformat(statement["timestamp"]).astimezone(dt.UTC).replace(tzinfo=None)
    ident = "xapi-" + hashlib.sha1(json.dumps(statement, sort_keys=True).encode()).hexdigest()[:16]
    assert store.query("SELECT event_id, person_id, verb, object, occurred_at, cohort_id, source FROM events") == [
        (ident, "1", "resource_subscribed", statement["object"]["id"], when, None, "lms")]


def test_the_xapi_specs_examples_custom_verb_is_counted_and_can_be_mapped(store: Store, tmp_path: Path) -> None:
    add_people(store, tmp_path, [("u1", "Project Tin Can API", "user@example.com"),
                                 ("u2", "Example Learner", "example.learner@adlnet.gov"),
                                 ("u3", "Example Learner Too", "example@example.com")])
    # The custom verb is not one of ours: its statement is left out and counted by IRI, the others import.
    done = import_sources(store, [source("xapi/xapi_spec_examples.json")], tmp_path / "w")
    assert any("http://example.com/xapi/verbs#sent-a-statement (1)" in n for n in done.notes)
    assert store.query_value("SELECT count(*) FROM events") == 2
    import_sources(store, [source("xapi/xapi_spec_examples.json")], tmp_path / "w2",
                   choices=Choices(verbs={"http://example.com/xapi/verbs#sent-a-statement": "posted"}))
    rows = store.query("SELECT event_id, person_id, verb, object, occurred_at FROM events ORDER BY occurred_at")
    statements = json.loads((REAL / "xapi/xapi_spec_examples.json").read_text())
    by_email = {"user@example.com": "u1", "example.learner@adlnet.gov": "u2", "example@example.com": "u3"}
    verbs = {"sent-a-statement": "posted", "attempted": "tool_used", "experienced": "resource_subscribed"}
    expected = sorted(((s["id"], by_email[s["actor"]["mbox"][7:]], verbs[s["verb"]["id"].replace("#", "/")
                                                                          .split("/")[-1]],
                        s["object"]["id"],
                        dt.datetime.fromisoformat(s["timestamp"].replace("Z", "+00:00")).astimezone(dt.UTC)
                        .replace(tzinfo=None)) for s in statements), key=lambda r: r[4])
    assert rows == expected


def test_a_group_actor_is_refused_with_a_sentence(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InvalidData) as caught:
        import_sources(store, [source("xapi/xapi_spec_group_statement.json")], tmp_path / "w")
    assert "is a group" in caught.value.problems[0].message


def test_an_lrs_response_and_the_stored_time_are_read(store: Store, tmp_path: Path) -> None:
    add_people(store, tmp_path, [("u2", "Example Learner", "example.learner@adlnet.gov")])
    statement = json.loads((REAL / "xapi/xapi_spec_examples.json").read_text())[1]
    del statement["timestamp"]
    statement["stored"] = "2015-12-18T13:00:00+01:00"
    body = json.dumps({"statements": [statement], "more": "/xapi/statements?since=x"}).encode()
    import_sources(store, [SourceFile("lrs.json", body)], tmp_path / "w")
    assert store.query("SELECT verb, occurred_at FROM events") == [("tool_used", dt.datetime(2015, 12, 18, 12, 0))]


# ---------------------------------------------------------------------------- surveys
def test_a_qualtrics_export_is_read_past_its_extra_header_rows_and_refused_as_anonymous(
        store: Store, tmp_path: Path) -> None:
    for name in ("sample.csv", "sample_legacy.csv"):
        with pytest.raises(InvalidData) as caught:
            import_sources(store, [source(f"qualtrics/{name}")], tmp_path / name)
        messages = [p.message for p in caught.value.problems]
        assert any("empty in every row" in m and "anonymous" in m for m in messages), messages
        assert any("no column that is a readiness dimension" in m for m in messages)
        assert not any("ImportId" in (p.value or "") for p in caught.value.problems)
    assert store.query_value("SELECT count(*) FROM assessments") == 0


def test_a_google_forms_export_with_ambiguous_timestamps_is_refused_naming_both_readings(
        store: Store, tmp_path: Path) -> None:
    with pytest.raises(InvalidData) as caught:
        import_sources(store, [source("google_forms/Form Responses 1.csv")], tmp_path / "w")
    ts = [p for p in caught.value.problems if p.field == "Timestamp (taken_at)"]
    assert ts and "9 June 2018" in ts[0].message and "6 September 2018" in ts[0].message
    assert "--date-order" in ts[0].message


def test_the_cli_prints_groups_and_writes_the_full_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "r.duckdb")
    report = tmp_path / "report.csv"
    assert main(["import", str(REAL / "crm_sales_pipeline/sales_pipeline.csv"), "--db", db,
                 "--report", str(report)]) == 1
    err = capsys.readouterr().err
    assert "By column and reason:" in err and "is not a known person (30 rows" in err
    rows = list(csv.DictReader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert sum(int(r["rows"]) for r in rows) == 30 and {r["reason"] for r in rows} == {"is not a known person"}
