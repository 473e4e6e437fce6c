"""The running server is the one writer: its /api/v1 routes, API tokens, and the CLI going through it."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest

from data_layer.access import tokens
from data_layer.db.migrations import open_database

from .browser import ROOT, streamlit_server
from .conftest import ARTIFACTS, DEMO_TODAY, LOCAL_ADMIN, metric


def prepared(tmp_path: Path, demo_db: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the session's demo database (seed 7, DEMO_TODAY: built once) with one token per role."""
    db = tmp_path / "live.duckdb"
    shutil.copyfile(demo_db, db)
    with open_database(db) as s:
        made = {role: tokens.create(s, LOCAL_ADMIN, f"{role} script", role) for role in ("viewer", "editor", "admin")}
        made["revoked"] = tokens.create(s, LOCAL_ADMIN, "old script", "admin")
        tokens.revoke(s, LOCAL_ADMIN, "old script")
    return db, made


@pytest.fixture
def served(tmp_path: Path, demo_db: Path) -> Any:
    db, made = prepared(tmp_path, demo_db)
    with streamlit_server(db, DEMO_TODAY.isoformat(), ARTIFACTS / "api-server.log") as url:
        yield db, url, made


def call(url: str, path: str, token: str | None = None, data: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url + path, data=data, method="POST" if data is not None else "GET",
                                     headers={**({"Authorization": f"Bearer {token}"} if token else {}),
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "data_layer.cli", *args, "--db", str(db)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_routes_obey_each_tokens_role_and_leave_an_audit_entry(tmp_path: Path, demo_db: Path) -> None:
    db, made = prepared(tmp_path, demo_db)
    with streamlit_server(db, DEMO_TODAY.isoformat(), ARTIFACTS / "api-server.log") as url:
        check_routes(url, made)
    with open_database(db) as s:  # the server has stopped: every call it answered with a token is audited
        calls = s.query("SELECT actor, entity_id, summary FROM audit_log WHERE entity = 'api' ORDER BY occurred_at")
        assert len(calls) == 6
        # viewer report, viewer health, viewer and editor export refused, admin export, a bad date
        assert [c[2].rsplit(": ", 1)[1] for c in calls] == ["200", "200", "403", "403", "200", "400"]
        assert [c[0] for c in calls].count(calls[0][0]) == 4  # the viewer token's four calls, by its id
        assert {c[1] for c in calls} == {"/api/v1/report", "/api/v1/health", "/api/v1/export"}
        # the server's local token was revoked when it stopped... or at the latest when the next one starts
        assert not (db.with_name(db.name + ".server.json")).exists()


def check_routes(url: str, made: dict[str, str]) -> None:
    assert call(url, "/api/v1/ready") == (200, b'{"ready":true}')  # public, and says nothing more
    for path in ("/api/v1/health", "/api/v1/report", "/api/v1/export"):
        assert call(url, path)[0] == 401                               # no token
        assert call(url, path, "lcd_nope_nope")[0] == 401              # a made-up one
        assert call(url, path, made["revoked"])[0] == 401              # a revoked one
    status, body = call(url, "/api/v1/report?to=2026-11-22&today=2026-11-22", made["viewer"])
    assert status == 200 and json.loads(body)["members"] == 256        # the demo's 90-day window, as on the page
    assert call(url, "/api/v1/health", made["viewer"])[0] == 200
    assert call(url, "/api/v1/export", made["viewer"])[0] == 403       # export is the admin's, as on the pages
    assert call(url, "/api/v1/export", made["editor"])[0] == 403
    status, body = call(url, "/api/v1/export?format=csv", made["admin"])
    assert status == 200 and "people.csv" in zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert call(url, "/_stcore/metrics")[0] == 404                     # who is online is not public
    assert call(url, "/api/v1/report?to=yesterday", made["viewer"])[0] == 400


def test_the_cli_goes_through_the_running_server_and_prints_what_it_prints_alone(served: Any,
                                                                                   tmp_path: Path) -> None:
    db, url, made = served
    info = db.with_name(db.name + ".server.json")
    assert info.exists() and stat.S_IMODE(info.stat().st_mode) == 0o600  # the local token is this user's only
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "cohorts.csv").write_text("cohort_id,name,program,start_date\nC900,Newcomers,Ecosystem Selling,"
                                        "2026-11-01\n")
    dry = cli(db, "import", str(folder), "--dry-run")
    assert dry.returncode == 0 and "Checked (dry run, nothing written)" in dry.stdout, dry.stderr
    done = cli(db, "import", str(folder))
    assert done.returncode == 0 and f"Imported into {db}" in done.stdout and "cohorts" in done.stdout
    # The pages see it at once: the server's own report (what the Overview reads) knows the cohort.
    report = cli(db, "report", "--today", "2026-11-22", "--cohort", "C900")
    assert report.returncode == 0 and json.loads(report.stdout)["members"] == 0
    users = cli(db, "users", "list")
    assert users.returncode == 0 and "viewer@demo.example" in users.stdout
    out = tmp_path / "export"
    exported = cli(db, "export", str(out))
    assert exported.returncode == 0 and f"to {out} (csv)" in exported.stdout
    assert "C900" in (out / "cohorts.csv").read_text()
    backup = cli(db, "backup", str(tmp_path / "copy.duckdb"))
    assert backup.returncode == 0 and (tmp_path / "copy.duckdb").exists(), backup.stderr
    bad = cli(db, "import", str(tmp_path / "missing.csv"))
    assert bad.returncode == 1 and "does not exist" in bad.stderr
    # the digest's Markdown is written here, by the CLI, from what the server built
    md = tmp_path / "digest.md"
    digest = cli(db, "digest", "--today", "2026-11-22", "--markdown", str(md))
    assert digest.returncode == 0 and md.read_text(encoding="utf-8").startswith("## Learning digest: 15 Nov"), \
        digest.stderr
    results = tmp_path / "results.csv"
    results.write_text("plan_id,variant,n,conversions,mean,sd\nPL-none,a,10,1,,\n", encoding="utf-8")
    refused_results = cli(db, "test-results", str(results))  # uploaded to the server, checked there
    assert refused_results.returncode == 1 and "has no protocol" in refused_results.stderr, refused_results.stderr
    purged = cli(db, "purge-text", "--before", "2020-01-01")
    assert purged.returncode == 0 and "Deleted the words of 0 message(s) before 2020-01-01" in purged.stdout
    # --server and --token, as from another machine: a viewer token may report, not import
    viewer = ["--server", url, "--token", made["viewer"]]
    assert cli(db, "report", "--today", "2026-11-22", *viewer).returncode == 0
    refused = cli(db, "import", str(folder), *viewer)
    assert refused.returncode == 1 and "needs a token with the admin role" in refused.stderr
    assert cli(db, "purge-text", *viewer).returncode == 1  # purging people's words is the admin's
    # a token's call never names a file on the server: not to write a digest, not to read results
    from data_layer.remote import multipart

    for operation, params in (("digest", {"markdown": str(tmp_path / "server-side.md")}),
                              ("test-results", {"file": str(ROOT / "tests" / "data" / "small" / "people.csv")})):
        body, content_type = multipart([("operation", operation), ("params", json.dumps(params))], [])
        status, reply = call(url, "/api/v1/operations", made["editor"], body, {"Content-Type": content_type})
        assert status == 400, reply
    body, content_type = multipart([("operation", "test-results"), ("params", "{}")], [])
    status, reply = call(url, "/api/v1/operations", made["editor"], body, {"Content-Type": content_type})
    assert status == 400 and "one CSV file" in json.loads(reply)["error"], reply
    # a script's import: files and the import's choices as JSON; the outcome as JSON, recorded as the token
    cohorts = ("cohorts.csv", "cohorts.csv", b"cohort_id,name,program,start_date\nC901,Script,Ecosystem Selling,"
               b"2026-11-02\n")
    body, content_type = multipart([("params", json.dumps({"dry_run": True}))], [("file", *cohorts[1:])])
    status, reply = call(url, "/api/v1/imports", made["admin"], body, {"Content-Type": content_type})
    assert status == 200 and json.loads(reply)["result"]["rows"] == {"cohorts": 1}, reply
    assert json.loads(reply)["result"]["dry_run"] is True
    for params in ({"dry_run": "perhaps"}, {"dry_run": False, "as_who": "someone else"}):
        body, content_type = multipart([("params", json.dumps(params))], [("file", *cohorts[1:])])
        status, reply = call(url, "/api/v1/imports", made["admin"], body, {"Content-Type": content_type})
        assert status == 400 and "parameters of import are not valid" in json.loads(reply)["error"], reply
    body, content_type = multipart([("params", "{}")], [("file", *cohorts[1:])])
    status, reply = call(url, "/api/v1/imports", made["admin"], body, {"Content-Type": content_type})
    assert status == 200 and json.loads(reply)["result"]["dry_run"] is False, reply
    bad = ("cohorts.csv", b"cohort_id,name,program,start_date\nC902,Late,Ecosystem Selling,not a date\n")
    body, content_type = multipart([("params", "{}")], [("file", *bad)])
    status, reply = call(url, "/api/v1/imports", made["admin"], body, {"Content-Type": content_type})
    refused = json.loads(reply)
    assert status == 400 and refused["kind"] == "invalid", reply
    assert [(p["file"], p["field"], p["value"]) for p in refused["problems"]] == [("cohorts.csv", "start_date",
                                                                                  "not a date")]
    assert not (tmp_path / "server-side.md").exists()


def test_a_reader_during_an_import_through_the_server_sees_old_or_new_never_half(served: Any,
                                                                                tmp_path: Path) -> None:
    db, url, made = served
    rows = "\n".join(f"C9{i:03},Batch {i},Ecosystem Selling,2026-11-01" for i in range(2000))
    (tmp_path / "cohorts.csv").write_text("cohort_id,name,program,start_date\n" + rows + "\n")
    seen: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            status, body = call(url, "/api/v1/report?cohort=C9000&to=2026-11-22&today=2026-11-22", made["viewer"])
            assert status == 200
            seen.append(len(body))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        done = cli(db, "import", str(tmp_path / "cohorts.csv"))
    finally:
        stop.set()
        reader.join()
    assert done.returncode == 0, done.stderr
    assert seen  # the reader was answered throughout the import
    after = cli(db, "export", str(tmp_path / "out"))
    assert after.returncode == 0
    assert (tmp_path / "out" / "cohorts.csv").read_text().count("Batch ") == 2000  # all of it, at once


def test_tokens_from_the_command_line_are_shown_once_and_stored_hashed(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    made = cli(db, "tokens", "create", "--name", "nightly sync", "--role", "editor")
    assert made.returncode == 0
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("lcd_")
    listed = cli(db, "tokens", "list")
    assert "nightly sync" in listed.stdout and "editor" in listed.stdout and token not in listed.stdout
    with open_database(db) as s:
        assert token.split("_", 2)[2] not in str(s.query("SELECT * FROM api_tokens"))
        actor = tokens.authenticate(s, token)
        assert actor is not None and actor.role == "editor" and actor.name == "nightly sync"
    assert cli(db, "tokens", "revoke", "nightly sync").returncode == 0
    with open_database(db) as s:
        assert tokens.authenticate(s, token) is None
        assert s.query_value("SELECT count(*) FROM audit_log WHERE entity = 'token'") == 2
    refused = cli(db, "tokens", "create", "--name", "", "--role", "viewer")
    assert refused.returncode == 1 and "name" in refused.stderr
    os.environ.pop("LEARNING_CULTURE_TOKEN", None)


@pytest.mark.browser
def test_a_cli_import_while_a_browser_session_works_shows_on_its_page(tmp_path: Path, demo_db: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    from data_layer.domain.filters import Filter

    from .browser import CHROMIUM_FLAGS, chromium_path, sign_in

    db, _ = prepared(tmp_path, demo_db)
    window = Filter.last_days(90, today=DEMO_TODAY)
    with open_database(db) as s:
        before = metric("members", s, window)
        outsiders = [r[0] for r in s.query(
            "SELECT person_id FROM people WHERE person_id NOT IN (SELECT person_id FROM memberships) "
            "ORDER BY person_id LIMIT 2")]
    assert len(outsiders) == 2
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "cohorts.csv").write_text(
        "cohort_id,name,program,start_date\nC900,Newcomers,Ecosystem Selling,2026-11-01\n")
    (tmp_path / "in" / "memberships.csv").write_text(
        "cohort_id,person_id,joined_on,left_on\n" + "".join(f"C900,{p},2026-11-02,\n" for p in outsiders))
    with streamlit_server(db, DEMO_TODAY.isoformat(), ARTIFACTS / "api-browser-server.log") as url, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            sign_in(page, url, "viewer@demo.example", "demo-viewer-pass")
            tile = page.get_by_test_id("stMetric").filter(has_text="Members").get_by_test_id("stMetricValue")
            expect(tile).to_have_text(f"{before:,}", timeout=30_000)
            done = cli(db, "import", str(tmp_path / "in"))  # from another shell, while the session works
            assert done.returncode == 0, done.stderr
            page.reload()
            expect(tile).to_have_text(f"{before + 2:,}", timeout=30_000)  # signed in still, and the new data
            page.screenshot(path=str(ARTIFACTS / "api-import-shown.png"))
        finally:
            browser.close()
