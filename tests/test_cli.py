"""The `learning-culture` command: init, demo and import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from data_layer.cli import main
from data_layer.db.migrations import open_database
from data_layer.db.store import Store

SMALL = Path(__file__).parent / "data" / "small"


def test_init_creates_a_migrated_database_at_the_env_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "env.duckdb"
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(target))
    assert main(["init"]) == 0
    assert f"Database ready at {target}" in capsys.readouterr().out
    with open_database(target) as s:
        assert s.query_value("SELECT count(*) FROM schema_migrations") >= 4


def test_db_flag_wins_over_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNING_CULTURE_DB", str(tmp_path / "env.duckdb"))
    assert main(["init", "--db", str(tmp_path / "flag.duckdb")]) == 0
    assert (tmp_path / "flag.duckdb").exists() and not (tmp_path / "env.duckdb").exists()


def test_demo_writes_once_then_refuses_or_skips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "d.duckdb")
    assert main(["demo", "--db", db, "--today", "2026-11-22"]) == 0
    assert "people" in capsys.readouterr().out
    assert main(["demo", "--db", db]) == 1
    assert "--replace" in capsys.readouterr().err
    assert main(["demo", "--db", db, "--if-missing"]) == 0
    assert "leaving it as it is" in capsys.readouterr().out


def test_import_prints_counts_and_a_second_import_changes_nothing(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "i.duckdb")
    assert main(["import", str(SMALL), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "deals" in out and "12 rows" in out
    assert main(["import", str(SMALL), "--db", db]) == 0
    with open_database(db) as s:
        assert s.query_value("SELECT count(*) FROM deals") == 12


def test_import_of_bad_rows_prints_each_and_exits_non_zero(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "deals.csv").write_text(
        "deal_id,owner_id,created_on,closed_on,status,amount\n"
        "d1,p1,2026-01-01,2026-02-01,won,-3\n"
        "d2,p1,2026-01-01,,lost,10\n")
    db = str(tmp_path / "b.duckdb")
    assert main(["import", str(folder), "--db", db]) == 1
    err = capsys.readouterr().err
    assert "deals.csv, line 2, column amount: must not be negative" in err
    assert "deals.csv, line 3, column closed_on: a lost deal needs the date it closed" in err
    with open_database(db) as s:
        assert s.query_value("SELECT count(*) FROM deals") == 0


def test_the_console_script_runs_without_streamlit_loaded(tmp_path: Path) -> None:
    code = ("import sys; from data_layer.cli import main; rc = main(['init', '--db', sys.argv[1]]); "
            "assert 'streamlit' not in sys.modules; raise SystemExit(rc)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "x.duckdb")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_bad_dates_on_the_command_line_get_a_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["demo", "--today", "22/11/2026"])
    assert caught.value.code == 2
    assert "'22/11/2026' is not an ISO date such as 2026-03-01" in capsys.readouterr().err


def test_users_commands_manage_accounts_and_never_take_passwords_as_arguments(tmp_path: Path) -> None:
    db = str(tmp_path / "u.duckdb")

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "data_layer.cli", "users", *args, "--db", db],
                              input=stdin, capture_output=True, text=True, cwd=Path(__file__).parent.parent)

    assert run("add", "ana@example.com", "--name", "Ana", "--role", "admin", stdin="a long password\n").returncode == 0
    assert run("add", "ben@example.com", "--name", "Ben", "--role", "viewer", stdin="short\n").returncode == 1
    assert run("add", "cy@example.com", "--name", "Cy", "--role", "editor", "--sso-only").returncode == 0
    assert run("set-role", "cy@example.com", "viewer").returncode == 0
    assert run("disable", "cy@example.com").returncode == 0
    assert run("reset-password", "ana@example.com", stdin="another long password\n").returncode == 0
    out = run("list").stdout
    assert "ana@example.com" in out and "admin" in out and "password" in out
    assert "cy@example.com" in out and "disabled" in out and "single sign-on" in out
    assert "ben@example.com" not in out
    assert "at least 10 characters" in run("add", "ben@example.com", "--name", "Ben", "--role", "viewer",
                                           stdin="short\n").stderr
    with open_database(db) as s:
        assert auth_actions(s) == ["create", "create", "set_role", "disable", "reset_password"]


def auth_actions(store: Store) -> list[str]:
    # the command line is recorded as itself: cli:<the OS user who ran it>
    return [r[0] for r in store.query("SELECT action FROM audit_log WHERE starts_with(actor, 'cli:') "
                                      "ORDER BY audit_id")]


def test_import_with_a_preset_and_a_mapping_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "m.duckdb")
    assert main(["import", str(SMALL), "--db", db]) == 0
    crm = Path(__file__).parent / "data" / "sources" / "crm_opportunities.csv"
    assert main(["import", str(crm), "--preset", "crm_opportunities", "--dry-run", "--db", db]) == 0
    assert "dry run, nothing written" in capsys.readouterr().out
    from data_layer.ingest.pipeline import preset_mapping

    mapping = tmp_path / "crm.toml"
    mapping.write_text(preset_mapping("crm_opportunities").to_toml())
    assert main(["import", str(crm), "--mapping", str(mapping), "--db", db]) == 0
    with open_database(db) as s:
        assert s.query_value("SELECT count(*) FROM deals WHERE deal_id LIKE 'OPP-%'") == 3
    bad = tmp_path / "bad.toml"
    bad.write_text("entity = [")
    assert main(["import", str(crm), "--mapping", str(bad), "--db", db]) == 1
    assert "not valid TOML" in capsys.readouterr().err


def test_a_folder_with_activity_json_imports_the_xapi_statements(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "lms"
    shutil.copytree(SMALL, folder)
    (folder / "activity.csv").unlink()
    shutil.copy(Path(__file__).parent / "data" / "sources" / "statements.json", folder / "activity.json")
    db = str(tmp_path / "x.duckdb")
    assert main(["import", str(folder), "--db", db]) == 0
    with open_database(db) as s:
        assert s.query_value("SELECT count(*) FROM events") == 3
        assert s.query_value("SELECT count(*) FROM people") == 6
