"""Nothing a file or a person sends can hurt it: hostile files, parallel sign-ins, stale rights.

Each hostile file gets a sentence naming the limit (and its setting) or the problem, nothing
is written, no traceback is shown, and memory stays bounded (measured in a subprocess).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import struct
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from data_layer.access import auth
from data_layer.book import drafts
from data_layer.cli import main
from data_layer.db.store import Store
from data_layer.domain.errors import InvalidData
from data_layer.ingest.pipeline import SourceFile, import_sources

from .conftest import LOCAL_ADMIN, USERS

ROOT = Path(__file__).parent.parent


def slack_zip(users: bytes = b"[]", extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("users.json", users)
        z.writestr("channels.json", json.dumps([{"id": "C1", "name": "cohort-pathfinders"}]))
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def lie_about_sizes(data: bytes, entry: str, size: int) -> bytes:
    """The zip with `entry`'s declared uncompressed size set to `size` in both of its headers."""
    raw = bytearray(data)
    name = entry.encode()
    local = raw.find(b"PK\x03\x04" + b"")
    while local != -1:
        n, m = struct.unpack_from("<HH", raw, local + 26)
        if bytes(raw[local + 30:local + 30 + n]) == name:
            struct.pack_into("<I", raw, local + 22, size)
        local = raw.find(b"PK\x03\x04", local + 4)
    central = raw.find(b"PK\x01\x02")
    while central != -1:
        n = struct.unpack_from("<H", raw, central + 28)[0]
        if bytes(raw[central + 46:central + 46 + n]) == name:
            struct.pack_into("<I", raw, central + 24, size)
        central = raw.find(b"PK\x01\x02", central + 4)
    return bytes(raw)


def refused(store: Store, tmp: Path, name: str, data: bytes) -> str:
    """Import one file; it must be refused, write nothing, and say why in a sentence."""
    before = store.query_value("SELECT count(*) FROM events") + store.query_value("SELECT count(*) FROM people")
    with pytest.raises(InvalidData) as caught:
        import_sources(store, [SourceFile(name, data)], tmp / "work")
    after = store.query_value("SELECT count(*) FROM events") + store.query_value("SELECT count(*) FROM people")
    assert after == before
    text = " ".join(p.message for p in caught.value.problems)
    assert "Traceback" not in text and text
    return text


# ------------------------------------------------------------------------------- zips
def test_a_zip_bomb_by_its_headers_is_refused_before_reading(store: Store, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNING_CULTURE_MAX_ZIP_ENTRY_MB", "2")
    bomb = slack_zip(users=b"[" + b" " * (5 * 1024 * 1024) + b"]")
    assert len(bomb) < 100_000  # 5 MB of spaces packs small
    text = refused(store, tmp_path, "export.zip", bomb)
    assert "larger than 2 MB once unpacked" in text and "LEARNING_CULTURE_MAX_ZIP_ENTRY_MB" in text


def test_a_zip_whose_headers_lie_is_stopped_while_streaming(store: Store, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNING_CULTURE_MAX_ZIP_ENTRY_MB", "2")
    honest = slack_zip(users=b"[" + b" " * (5 * 1024 * 1024) + b"]")
    liar = lie_about_sizes(honest, "users.json", 100)
    assert zipfile.ZipFile(io.BytesIO(liar)).getinfo("users.json").file_size == 100
    text = refused(store, tmp_path, "export.zip", liar)
    # Reading stops at the declared size, whose check then fails: the entry is not what its header says.
    assert "does not match its header" in text


def test_a_declared_gigabyte_is_refused_from_the_header(store: Store, tmp_path: Path) -> None:
    liar = lie_about_sizes(slack_zip(), "users.json", 1024 ** 3)
    assert "larger than 100 MB once unpacked" in refused(store, tmp_path, "export.zip", liar)


def test_entries_that_climb_out_or_too_many_entries_are_refused(store: Store, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    text = refused(store, tmp_path, "export.zip", slack_zip(extra={"../../etc/cron.d/x.json": b"[]"}))
    assert "points outside the archive" in text
    monkeypatch.setenv("LEARNING_CULTURE_MAX_ZIP_ENTRIES", "5")
    many = slack_zip(extra={f"cohort-pathfinders/2026-01-0{i}.json": b"[]" for i in range(1, 6)})
    assert "holds 7 entries; the most allowed is 5" in refused(store, tmp_path, "export.zip", many)


def test_odd_slack_files_get_sentences(store: Store, tmp_path: Path) -> None:
    assert "must hold a JSON list" in refused(store, tmp_path, "export.zip", slack_zip(users=b'{"U1": {}}'))
    assert "is not a zip file" in refused(store, tmp_path, "export.zip", b"PK\x03\x04 broken")
    (tmp_path / "cohorts.csv").write_text("cohort_id,name,program,start_date,channel\nc9,C,P,2026-01-01,cohort-pathfinders\n")
    from data_layer.ingest.importer import import_files

    import_files(store, [tmp_path / "cohorts.csv"])
    bad_ts = slack_zip(users=json.dumps([{"id": "U1", "profile": {"email": "a@example.com"}}]).encode(), extra={
        "cohort-pathfinders/2026-01-01.json": json.dumps([{"user": "U1", "ts": "1e400"}, {"user": "U1", "ts": [1]},
                                                          "not a message"]).encode()})
    text = refused(store, tmp_path, "export.zip", bad_ts)
    assert "is not a Slack timestamp" in text and "is not a JSON object" in text


# ------------------------------------------------------------------------------- JSON
def test_deeply_nested_json_is_refused_without_recursion(store: Store, tmp_path: Path) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    text = refused(store, tmp_path, "activity.json", deep)
    assert "nests deeper than 32 levels" in text and "LEARNING_CULTURE_MAX_JSON_DEPTH" in text


def test_xapi_statements_with_odd_types_get_sentences(store: Store, tmp_path: Path) -> None:
    odd = json.dumps([1, "x", None, {"actor": [], "verb": 5, "object": None},
                      {"actor": {"mbox": 7}, "verb": {"id": ["a"]}, "timestamp": {"x": 1}}]).encode()
    text = refused(store, tmp_path, "statements.json", odd)
    assert "is not a JSON object" in text and "has no verb id" in text
    assert "must be a JSON array" in refused(store, tmp_path, "statements.json", b'{"hello": 1}')
    assert "is not valid JSON" in refused(store, tmp_path, "statements.json", b"[{]")


# ------------------------------------------------------------------------- text files
def test_nul_and_control_characters_are_refused_on_import(store: Store, tmp_path: Path) -> None:
    ours = b"person_id,name,email,role\np1,Ana\x00Alvarez,ana@example.com,AE\n"
    assert "control character" in refused(store, tmp_path, "people.csv", ours)
    theirs = b"Full Name,Email Address,Job Title,Person ID\nAna\x07,ana@example.com,AE,p1\n"
    assert "control character" in refused(store, tmp_path, "staff.csv", theirs)
    statements = json.dumps([{"id": "s\u0000", "actor": {"mbox": "mailto:a@example.com"},
                              "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                              "timestamp": "2026-01-01T00:00:00Z"}]).encode()
    assert "control character" in refused(store, tmp_path, "statements.json", statements)


def test_file_size_and_row_limits_name_their_settings(store: Store, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNING_CULTURE_MAX_FILE_MB", "1")
    big = b"person_id,name,email,role\n" + b"p1,A,a@example.com,AE\n" * 60_000
    assert "largest file allowed is 1 MB (setting LEARNING_CULTURE_MAX_FILE_MB)" in refused(
        store, tmp_path, "people.csv", big)
    monkeypatch.setenv("LEARNING_CULTURE_MAX_ROWS", "3")
    rows = b"person_id,name,email,role\n" + b"".join(f"p{i},A,a{i}@example.com,AE\n".encode() for i in range(5))
    assert "the most allowed in one file is 3 rows (setting LEARNING_CULTURE_MAX_ROWS)" in refused(
        store, tmp_path, "people.csv", rows)


def test_the_cli_refuses_hostile_files_with_a_sentence_and_no_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNING_CULTURE_MAX_ZIP_ENTRY_MB", "1")
    db = str(tmp_path / "h.duckdb")
    files = {"export.zip": lie_about_sizes(slack_zip(users=b"[" + b" " * 3_000_000 + b"]"), "users.json", 9),
             "activity.json": b"[" * 100_000, "people.csv": b"person_id,name,email,role\np\x00,A,a@x.com,AE\n"}
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert main(["import", str(path), "--db", db]) == 1
        err = capsys.readouterr().err
        assert "Traceback" not in err and name in err


def test_an_unexpected_error_shows_an_incident_id_and_logs_the_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from data_layer.operations import database

    def boom(*_a: object, **_k: object) -> dict[str, object]:
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(database, "report_with_goals", boom)  # what the report operation calls
    assert main(["report", "--json", "--db", str(tmp_path / "r.duckdb")]) == 2
    err = capsys.readouterr().err
    assert "incident" in err and "Traceback" not in err and "a bug of ours" not in err
    incident = err.split("incident ")[1][:8]
    log = (tmp_path / "incidents.log").read_text()
    assert f"incident {incident}" in log and "RuntimeError: a bug of ours" in log


def test_memory_stays_bounded_on_the_largest_hostile_zip(tmp_path: Path) -> None:
    # 1 GB of spaces behind headers that claim 10 bytes: reading stops at the 100 MB entry limit.
    bomb = tmp_path / "export.zip"
    script = f"""
import io, resource, struct, sys, zipfile
sys.path.insert(0, {str(ROOT)!r})
from tests.test_hostile import lie_about_sizes
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("users.json", "w", force_zip64=True) as f:
        chunk = b" " * (16 * 1024 * 1024)
        for _ in range(64):
            f.write(chunk)
    z.writestr("channels.json", "[]")
open({str(bomb)!r}, "wb").write(lie_about_sizes(buf.getvalue(), "users.json", 10))
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from data_layer.cli import main
rc = main(["import", {str(bomb)!r}, "--db", {str(tmp_path / 'm.duckdb')!r}])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(rc, base // 1024, peak // 1024)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT)
    rc, _base, peak_mb = (int(x) for x in out.stdout.split()[-3:])
    assert rc == 1 and "Traceback" not in out.stderr
    assert "does not match its header" in out.stderr
    assert peak_mb < 600, out.stdout  # the documented bound for an import (README: limits)


# --------------------------------------------------------------------------- sign-in
NOW = dt.datetime(2026, 5, 1, 9, 0)


@pytest.fixture
def accounts(store: Store) -> Store:
    auth.add_user(store, LOCAL_ADMIN, USERS["viewer"], "Viewer", "viewer", "the right password")
    auth.add_user(store, LOCAL_ADMIN, USERS["admin"], "Admin", "admin", "the admin password")
    return store


def parallel(store: Store, passwords: list[str], now: dt.datetime, client: str | None = None) -> list[str]:
    results: list[str] = [""] * len(passwords)
    start = threading.Barrier(len(passwords))

    def attempt(i: int) -> None:
        start.wait()
        try:
            auth.sign_in(store, USERS["viewer"], passwords[i], now=now, client=client)
            results[i] = "signed in"
        except auth.SignInFailed as exc:
            results[i] = str(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(passwords))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_parallel_attempts_after_a_lock_expires_get_one_check(accounts: Store,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(5):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(accounts, USERS["viewer"], "wrong", now=NOW + dt.timedelta(seconds=i))
    checks: list[str] = []
    real = auth._HASHER

    class Counting:
        def verify(self, hash_: str, password: str) -> bool:
            checks.append(password)
            return bool(real.verify(hash_, password))

        def check_needs_rehash(self, hash_: str) -> bool:
            return bool(real.check_needs_rehash(hash_))

    monkeypatch.setattr(auth, "_HASHER", Counting())
    later = NOW + dt.timedelta(seconds=30)  # the 1 s lock is long over
    results = parallel(accounts, ["wrong"] * 20, later)
    # One attempt is checked (and locks again for 2 s); the 19 others wait without a check.
    assert checks == ["wrong"]
    assert sum(r.startswith("Too many failed attempts") for r in results) == 19
    # The right password among 19 wrong ones, after that lock too: it signs in only if it is the one
    # attempt checked; any other check comes after a success has cleared the count.
    checks.clear()
    results = parallel(accounts, ["wrong"] * 19 + ["the right password"], later + dt.timedelta(seconds=30))
    if "signed in" in results:
        assert checks[0] == "the right password"
    else:
        assert checks == ["wrong"]
        assert sum(r.startswith("Too many failed attempts") for r in results) == 19


def test_one_address_cannot_lock_out_the_account_for_everyone(accounts: Store) -> None:
    for i in range(8):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(accounts, USERS["admin"], "guess", now=NOW + dt.timedelta(seconds=i), client="203.0.113.9")
    with pytest.raises(auth.SignInFailed, match="Too many"):
        auth.sign_in(accounts, USERS["admin"], "the admin password", now=NOW + dt.timedelta(seconds=8),
                     client="203.0.113.9")
    actor = auth.sign_in(accounts, USERS["admin"], "the admin password", now=NOW + dt.timedelta(seconds=8),
                         client="198.51.100.7")
    assert actor.role == "admin"


def test_one_address_cannot_try_many_accounts(accounts: Store) -> None:
    for i in range(20):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(accounts, f"user{i}@example.com", "guess", now=NOW + dt.timedelta(seconds=i),
                         client="203.0.113.9")
    with pytest.raises(auth.SignInFailed, match="Too many"):
        auth.sign_in(accounts, USERS["viewer"], "the right password", now=NOW + dt.timedelta(seconds=19.5),
                     client="203.0.113.9")


def test_many_addresses_cannot_brute_force_one_account_and_an_admin_unlocks_it(accounts: Store) -> None:
    for i in range(50):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(accounts, USERS["viewer"], "guess", now=NOW + dt.timedelta(seconds=i),
                         client=f"203.0.113.{i}")
    with pytest.raises(auth.SignInFailed, match="Too many"):
        auth.sign_in(accounts, USERS["viewer"], "the right password", now=NOW + dt.timedelta(seconds=49.5),
                     client="198.51.100.7")
    assert USERS["viewer"] in auth.locked_accounts(accounts, NOW + dt.timedelta(seconds=49.5))
    with pytest.raises(auth.NotPermitted):
        auth.unlock(accounts, auth.Actor(USERS["viewer"], "viewer"), USERS["viewer"])
    auth.unlock(accounts, auth.Actor(USERS["admin"], "admin"), USERS["viewer"])
    assert auth.sign_in(accounts, USERS["viewer"], "the right password", now=NOW + dt.timedelta(seconds=51),
                        client="198.51.100.7").role == "viewer"


# --------------------------------------------------------------------- stale rights
def test_a_disabled_account_cannot_write_once_more(accounts: Store) -> None:
    auth.add_user(accounts, LOCAL_ADMIN, USERS["editor"], "Editor", "editor", "the editor password")
    editor = auth.sign_in(accounts, USERS["editor"], "the editor password", now=NOW)
    drafts.save(accounts, editor, "L-form1", {"title": "before"}, 0, {})
    auth.set_disabled(accounts, LOCAL_ADMIN, USERS["editor"], True)
    with pytest.raises(auth.NotPermitted):
        drafts.save(accounts, editor, "L-form1", {"title": "after the account was disabled"}, 1, {})
    assert accounts.query("SELECT payload FROM drafts") == [(json.dumps({"title": "before"}),)]
    auth.set_disabled(accounts, LOCAL_ADMIN, USERS["editor"], False)
    auth.set_role(accounts, LOCAL_ADMIN, USERS["editor"], "viewer")
    with pytest.raises(auth.NotPermitted):
        drafts.save(accounts, editor, "L-form1", {"title": "after the demotion"}, 1, {})
