"""AppTest of the admin pages for data: Import (its guidance and export) and Cohorts & people."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_layer.store import Store

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
    with Store(db) as s:
        assert s.query("SELECT cohort_id, person_id FROM memberships WHERE cohort_id = 'c3'") == [("c3", "p6")]


def test_a_bad_cohort_gets_sentences_and_nothing_is_saved(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    at = open_page(monkeypatch, db, "pages/admin_people.py")
    at.text_input(key="adm_c_id").input("c3")
    at.button[0].click().run()
    errors = [e.value for e in at.error]
    assert "Name must not be empty." in errors and "Program must not be empty." in errors
    with Store(db) as s:
        assert s.query_value("SELECT count(*) FROM cohorts") == 2
