"""AppTest of the admin pages for data: Import (its guidance and export) and Cohorts & people."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data_layer.db.migrations import open_database

from .conftest import USERS

APP = str(Path(__file__).parent.parent / "streamlit_app.py")


@pytest.fixture
def db(tmp_path: Path, small_db: Path) -> Path:
    copy = tmp_path / "admin.duckdb"
    copy.write_bytes(small_db.read_bytes())
    return copy


def open_page(monkeypatch: pytest.MonkeyPatch, db: Path, page: str) -> AppTest:
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(db))
    monkeypatch.setenv("LEARNING_CULTURE_TODAY", "2026-05-31")
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["auth_email"] = USERS["admin"]
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_import_page_names_its_limit_and_offers_an_export(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/admin_import.py")
    assert [t.value for t in at.title] == ["Import data"]
    assert any("Up to 200 MB per file" in c.value for c in at.caption)
    assert at.button(key="imp_check").disabled and at.button(key="imp_go").disabled  # nothing uploaded yet
    at.button(key="exp_go").click().run()
    assert not at.exception


def test_create_a_cohort_and_add_a_member_by_searching(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/admin_people.py")
    at.text_input(key="adm_c_id").input("c3")
    at.text_input(key="adm_c_name").input("Beacon")
    at.text_input(key="adm_c_program").input("Ecosystem Selling")
    at.button[0].click().run()  # the cohort form's submit (first button on the page)
    assert any(s.value == "Cohort saved." for s in at.success), [e.value for e in at.error]
    at.selectbox(key="adm_cohort").select("c3").run()
    at.text_input(key="adm_find").input("finn").run()
    at.selectbox(key="adm_add_who").select("p6")
    at.button(key="adm_add").click().run()
    assert any(s.value == "Added." for s in at.success)
    with open_database(db) as s:
        assert s.query("SELECT cohort_id, person_id FROM memberships WHERE cohort_id = 'c3'") == [("c3", "p6")]


def test_a_bad_cohort_gets_sentences_and_nothing_is_saved(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/admin_people.py")
    at.text_input(key="adm_c_id").input("c3")
    at.button[0].click().run()
    errors = [e.value for e in at.error]
    assert "Name must not be empty." in errors and "Program must not be empty." in errors
    with open_database(db) as s:
        assert s.query_value("SELECT count(*) FROM cohorts") == 2


REAL = Path(__file__).parent / "data" / "real"


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="imp_files").set_value([(name, data, "text/csv") for name, data in files]).run()
    assert not at.exception, at.exception
    return at


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_a_real_crm_export_is_recognised_checked_and_its_strangers_offered_as_people(
        monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/admin_import.py")
    upload(at, ("sales_pipeline.csv", (REAL / "crm_sales_pipeline/sales_pipeline.csv").read_bytes()))
    assert at.selectbox(key="imp_entity_0").value == "deals.csv"
    assert at.selectbox(key="imp_map_0_deals.csv_owner_id").value == "sales_agent"
    assert any("engage\\_date" in m.value and "month first" in m.value for m in at.markdown)
    stages = frame_with(at, "stage in the file")
    assert dict(zip(stages["stage in the file"], stages["means"], strict=True)) == {
        "Won": "won", "Lost": "lost", "Engaging": "open"}
    at.button(key="imp_check").click().run()
    assert not at.exception
    # Nobody in the small database sells here: the report groups the 30 rows under one reason,
    # and offers to add each seller once, in one step, prefilled from the file.
    assert any("30 problem" in e.value for e in at.error)
    groups = frame_with(at, "example lines")
    assert list(groups["reason"]) == ["is not a known person"] and list(groups["rows"]) == [30]
    new = frame_with(at, "person_id")
    agents = pd.read_csv(REAL / "crm_sales_pipeline/sales_pipeline.csv")["sales_agent"]
    assert sorted(new["name"]) == sorted(set(agents)) and len(new) == 17
    at.text_input(key="imp_new_role").set_value("AE")
    at.button(key="FormSubmitter:imp_add_people-Add them as people").click().run()
    assert not at.exception
    # People need an email: a sentence, and nobody is added.
    assert any("Nobody was added" in e.value and "email" in e.value for e in at.error)
    with open_database(db) as s:
        assert s.query_value("SELECT count(*) FROM people WHERE name = 'Moses Frase'") == 0


def test_an_ambiguous_date_column_offers_a_choice_of_order(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/admin_import.py")
    upload(at, ("Form Responses 1.csv", (REAL / "google_forms/Form Responses 1.csv").read_bytes()))
    (fmt,) = [s for s in at.selectbox if s.key and "_fmt_" in s.key]
    assert fmt.options == ["choose…", "day first (31/12/2026)", "month first (12/31/2026)"]
    at.button(key="imp_check").click().run()
    assert any("9 June 2018" in r for r in frame_with(at, "example lines")["reason"])
    fmt.set_value("MDY").run()
    at.button(key="imp_check").click().run()
    reasons = " ".join(frame_with(at, "example lines")["reason"])
    assert "9 June 2018" not in reasons and "readiness dimension" in reasons


def test_a_hostile_upload_gets_a_sentence_on_the_page(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    from .test_hostile import lie_about_sizes, slack_zip

    monkeypatch.setenv("LEARNING_CULTURE_MAX_ZIP_ENTRY_MB", "1")
    with open_database(db) as s:
        before = s.query_value("SELECT count(*) FROM events")
    at = open_page(monkeypatch, db, "pages/admin_import.py")
    bomb = lie_about_sizes(slack_zip(users=b"[" + b" " * 3_000_000 + b"]"), "users.json", 9)
    at.file_uploader(key="imp_files").set_value([("export.zip", bomb, "application/zip"),
                                                 ("activity.json", b"[" * 50_000, "application/json")]).run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "does not match its header" in errors and "nests deeper than 32 levels" in errors
    at.button(key="imp_check").click().run()
    assert not at.exception
    reasons = " ".join(frame_with(at, "example lines")["reason"])
    assert "LEARNING\\_CULTURE\\_MAX\\_JSON\\_DEPTH" in errors or "LEARNING_CULTURE_MAX_JSON_DEPTH" in reasons
    with open_database(db) as s:
        assert s.query_value("SELECT count(*) FROM events") == before


def test_an_admin_backs_up_from_the_import_page_and_a_viewer_cannot(monkeypatch: pytest.MonkeyPatch,
                                                                     db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/admin_import.py")
    at.button(key="backup_go").click().run()
    assert not at.exception
    (copy,) = (db.parent / "backups").iterdir()
    assert any(copy.name in s.value for s in at.success)
    with open_database(copy) as s:  # the copy is the database: same people, and it opens
        assert s.query_value("SELECT count(*) FROM people") == 6
    with open_database(db) as s:
        assert s.query_value("SELECT count(*) FROM audit_log WHERE action = 'backup'") == 1
        from data_layer.access.auth import Actor, NotPermitted
        from data_layer.operations import database

        with pytest.raises(NotPermitted):
            database.backup(s, Actor(USERS["viewer"], "viewer"), database.BackupParams(destination=str(db.parent / "x")))
    assert not (db.parent / "x").exists()


def test_the_import_page_lists_recent_imports_and_warns_of_late_sources(monkeypatch: pytest.MonkeyPatch,
                                                                        db: Path) -> None:
    from data_layer.ingest import runs

    with open_database(db) as s:
        runs.record(s, who="drop folder", via="inbox", files=["deals.csv"], rows={"deals": 12}, outcome="imported",
                    seconds=0.4)
    at = open_page(monkeypatch, db, "pages/admin_import.py")
    history = next(d.value for d in at.dataframe if "Files" in d.value.columns)
    assert list(history["Files"]) == ["deals.csv"] and list(history["Who"]) == ["drop folder"]
    sources = next(d.value for d in at.dataframe if "Source" in d.value.columns)
    deals = sources[sources["Source"] == "deals"].iloc[0]
    assert deals["Rows"] == "12" and deals["Late"] == "" and deals["Expected every"] == "1 day"  # just arrived
    late = [w.value for w in at.warning if w.value.startswith("Late:")]
    assert late and "activity (expected every 1 day, never imported)" in late[0]
    at.selectbox(key="cad_source").set_value("activity")
    at.number_input(key="cad_days").set_value(0)
    next(b for b in at.button if b.label == "Save the cadence").click().run()
    assert not any("activity (" in w.value for w in at.warning if w.value.startswith("Late:"))
