"""The server's API for scripts and the command line: `/api/v1/...`, served by st.App beside the pages.

Every route but `ready` needs `Authorization: Bearer <token>` (data_layer/access/tokens.py) and
obeys the token's role exactly as a signed-in user of that role: viewers read reports; only
admins import, export, back up and manage accounts (as on the Admin pages). Every call leaves
an audit entry. Routes run their work on a worker thread with the server's one Store: an
import commits in one transaction, so pages read the old data until it commits, then the new.

- `GET  /api/v1/ready`: 200 when the database answers, else 503 (no details: it is public).
- `GET  /api/v1/health`: process, database, last import, version (viewer).
- `GET  /api/v1/report?from=&to=&today=&cohort=&team=&region=&role=`: the report JSON (viewer).
- `GET  /api/v1/export?format=csv|parquet|spreadsheet`: a zip of the export (admin).
- `POST /api/v1/imports`: files (multipart `file`) and CLI options (`option`, repeated; `--dry-run` ...);
  the import's printed report and its exit code as JSON (admin).
- `POST /api/v1/commands`: what a CLI that found this server sends (data_layer/remote.py): the
  command's arguments and files; its exit code and exactly what it printed.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
import re
import shutil
import tempfile
import threading
import time
import zipfile
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from dashboard.settings import db_path
from dashboard.store import get_store
from data_layer import alerts, cli, digest, remote
from data_layer.access import auth, tokens
from data_layer.access.auth import Actor
from data_layer.acting.goals import report_with_goals
from data_layer.db.audit import utc_now
from data_layer.db.migrations import pending
from data_layer.domain.config import LIMITS
from data_layer.domain.filters import Filter
from data_layer.ingest import inbox
from data_layer.ingest.export import export

VERSION = "0.1.0"
STARTED = time.time()
# The role each CLI command needs through the server (as on the pages: reading is for viewers,
# the Admin pages' work is for admins).
COMMAND_ROLES = {"report": "viewer", "import": "admin", "export": "admin", "users": "admin", "tokens": "admin",
                 "backup": "admin", "digest": "editor", "purge-text": "admin",
                 "test-results": "editor"}


def _sentence(status: int, text: str) -> JSONResponse:
    return JSONResponse({"error": text}, status_code=status)


async def _actor(request: Request, role: str) -> Actor | JSONResponse:
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    actor = await anyio.to_thread.run_sync(tokens.authenticate, get_store(), token)
    if actor is None:
        return _sentence(401, "An API token is needed: send `Authorization: Bearer <token>` "
                              "(`learning-culture tokens create` makes one).")
    if not actor.can(role):
        await anyio.to_thread.run_sync(tokens.record_call, get_store(), actor, request.method, request.url.path, 403)
        return _sentence(403, f"Not permitted: this needs a token with the {role} role.")
    return actor


async def _done(actor: Actor, request: Request, response: Response) -> Response:
    await anyio.to_thread.run_sync(tokens.record_call, get_store(), actor, request.method, request.url.path,
                                   response.status_code)
    return response


def _clear_page_caches() -> None:
    from dashboard.loaders import clear_analytics  # the pages read the new data at once

    clear_analytics()


async def ready(request: Request) -> Response:
    def check() -> bool:
        store = get_store()
        return store.query_value("SELECT 1") == 1 and not pending(store)

    try:
        ok = await anyio.to_thread.run_sync(check)
    except Exception:  # noqa: BLE001 - not ready, whatever the reason
        ok = False
    return JSONResponse({"ready": ok}, status_code=200 if ok else 503)


async def health(request: Request) -> Response:
    actor = await _actor(request, "viewer")
    if isinstance(actor, Response):
        return actor

    def facts() -> dict[str, Any]:
        store = get_store()
        path = db_path()
        last = store.query_one("SELECT occurred_at, actor, summary FROM audit_log WHERE action = 'import' "
                               "ORDER BY occurred_at DESC LIMIT 1")
        schema = store.query_value("SELECT max(name) FROM schema_migrations")
        return {
            "status": "ok", "version": VERSION,
            "process": {"pid": os.getpid(), "uptime_seconds": round(time.time() - STARTED, 1)},
            "database": {"path": str(path), "size_bytes": path.stat().st_size if path.exists() else None,
                         "schema": schema},
            "last_import": None if last is None else {"at": last[0].isoformat(), "by": last[1], "summary": last[2]},
        }

    return await _done(actor, request, JSONResponse(await anyio.to_thread.run_sync(facts)))


def _dates(request: Request, name: str) -> dt.date | None:
    text = request.query_params.get(name)
    return None if text is None else dt.date.fromisoformat(text)


async def report(request: Request) -> Response:
    actor = await _actor(request, "viewer")
    if isinstance(actor, Response):
        return actor
    try:
        today = _dates(request, "today") or dt.date.today()
        date_to = _dates(request, "to") or today
        date_from = _dates(request, "from") or date_to - dt.timedelta(days=89)
        q = request.query_params
        filt = Filter(date_from, date_to, today, cohorts=tuple(q.getlist("cohort")), teams=tuple(q.getlist("team")),
                      regions=tuple(q.getlist("region")), roles=tuple(q.getlist("role")))
    except ValueError as exc:
        return await _done(actor, request, _sentence(400, f"{exc} Dates are YYYY-MM-DD."))
    data = await anyio.to_thread.run_sync(report_with_goals, get_store(), filt)
    return await _done(actor, request, Response(json.dumps(data, default=str), media_type="application/json"))


async def export_zip(request: Request) -> Response:
    actor = await _actor(request, "admin")
    if isinstance(actor, Response):
        return actor
    kind = request.query_params.get("format", "csv")
    if kind not in ("csv", "parquet", "spreadsheet"):
        return await _done(actor, request, _sentence(400, "format must be csv, parquet or spreadsheet."))

    def build() -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            export(get_store(), tmp, kind)
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for f in sorted(Path(tmp).iterdir()):
                    z.write(f, f.name)
            return buf.getvalue()

    body = await anyio.to_thread.run_sync(build)
    return await _done(actor, request, Response(body, media_type="application/zip", headers={
        "Content-Disposition": 'attachment; filename="learning-culture-export.zip"'}))


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


async def _save_uploads(form: Any, folder: Path) -> dict[str, Path]:
    """Uploaded parts (`upload/N` from the CLI, `file` from scripts) saved under their own names."""
    saved: dict[str, Path] = {}
    for index, (key, value) in enumerate(form.multi_items()):
        if not isinstance(value, UploadFile):
            continue
        name = _SAFE_NAME.sub("_", Path(value.filename or f"upload-{index}").name).lstrip(".") or f"upload-{index}"
        target = folder / str(index) / name
        target.parent.mkdir(parents=True)
        size = 0
        with target.open("wb") as out:
            while chunk := await value.read(1 << 20):
                size += len(chunk)
                if size > LIMITS.file_mb * 1024 * 1024:
                    raise ValueError(f"{name} is larger than the limit of {LIMITS.file_mb} MB.")
                out.write(chunk)
        saved[key if key != "file" else f"file/{index}"] = target
    return saved


async def _run_command(request: Request, actor: Actor, argv: list[str], form: Any) -> Response:
    role = COMMAND_ROLES.get(argv[0] if argv else "", "")
    if not role:
        return await _done(actor, request, _sentence(400, f"{argv[0] if argv else 'nothing'} cannot be run "
                                                          "through the server."))
    if not actor.can(role):
        return await _done(actor, request, _sentence(403, f"Not permitted: this needs a token with the {role} role."))
    # An editor's command never names a path on the server: files come as uploads, and are written where the CLI runs.
    if argv[0] == "digest" and any(a == "--markdown" or a.startswith("--markdown=") for a in argv):
        return await _done(actor, request, _sentence(400, "digest --markdown writes the file where the command line "
                                                          "runs; the server sends only the text."))
    if argv[0] == "test-results" and not any(a.startswith(remote.UPLOAD) for a in argv[1:]):
        return await _done(actor, request, _sentence(400, "test-results needs its CSV file uploaded with the "
                                                          "command."))
    work = Path(tempfile.mkdtemp(prefix="lcd-api-"))
    try:
        try:
            uploads = await _save_uploads(form, work / "in")
        except ValueError as exc:
            return await _done(actor, request, _sentence(413, str(exc)))
        download = work / "out"
        args = []
        for arg in argv:
            if arg.startswith(remote.UPLOAD):  # "@upload/N/name" -> the saved part "upload/N"
                key = "upload/" + arg[len(remote.UPLOAD):].split("/", 1)[0]
                if key not in uploads:
                    return await _done(actor, request, _sentence(400, f"{arg} was not uploaded."))
                args.append(str(uploads[key]))
            else:
                args.append(str(download) if arg == remote.DOWNLOAD else arg)
        if argv[0] == "import" and not any(a.startswith(remote.UPLOAD) for a in argv):
            args[1:1] = [str(p) for k, p in uploads.items() if k.startswith("file/")]
        code, out, err = await anyio.to_thread.run_sync(cli.run_with_store, get_store(), args, db_path(),
                                                        f"{actor.name} (API token)", "api")
        if argv[0] == "import" and code == 0 and "--dry-run" not in argv:
            _clear_page_caches()
        for local, shown in ((str(download), remote.DOWNLOAD), (str(work / "in"), "(uploaded)")):
            out, err = out.replace(local, shown), err.replace(local, shown)
        reply: dict[str, Any] = {"exit_code": code, "stdout": out, "stderr": err}
        if download.is_dir():
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for f in sorted(download.iterdir()):
                    z.write(f, f.name)
            reply["download"] = base64.b64encode(buf.getvalue()).decode()
        return await _done(actor, request, JSONResponse(reply))
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def commands(request: Request) -> Response:
    actor = await _actor(request, "viewer")
    if isinstance(actor, Response):
        return actor
    form = await request.form(max_files=1000, max_fields=100)
    try:
        argv = json.loads(str(form.get("argv", "[]")))
        assert isinstance(argv, list) and all(isinstance(a, str) for a in argv)
    except (ValueError, AssertionError):
        return await _done(actor, request, _sentence(400, "argv must be a JSON list of strings."))
    return await _run_command(request, actor, argv, form)


async def imports(request: Request) -> Response:
    actor = await _actor(request, "admin")
    if isinstance(actor, Response):
        return actor
    form = await request.form(max_files=1000, max_fields=100)
    options = [str(v) for v in form.getlist("option")]
    return await _run_command(request, actor, ["import", *options], form)


ROUTES = [Route("/api/v1/ready", ready, methods=["GET"]),
          Route("/api/v1/health", health, methods=["GET"]),
          Route("/api/v1/report", report, methods=["GET"]),
          Route("/api/v1/export", export_zip, methods=["GET"]),
          Route("/api/v1/imports", imports, methods=["POST"]),
          Route("/api/v1/commands", commands, methods=["POST"])]


class PrivateStatus:
    """ASGI middleware: Streamlit's `/_stcore/metrics` (sessions online and more) is not public."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).rstrip("/").endswith("/_stcore/metrics"):
            await JSONResponse({"error": "Not found."}, status_code=404)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def server_url() -> str:
    """This server's address for a CLI on the same machine."""
    from streamlit import config

    port = config.get_option("server.port")
    address = config.get_option("server.address") or "127.0.0.1"
    host = "127.0.0.1" if address in ("0.0.0.0", "::", "localhost", "") else address  # noqa: S104 - a comparison
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"http://{host}:{port}" + (f"/{base}" if base else "")


def watch_inbox(db: Path, stop: threading.Event) -> None:
    """The drop folder, scanned every $LEARNING_CULTURE_INBOX_SECONDS (default 10) while the server runs."""
    box = inbox.Inbox(inbox.folder_for(db))
    box.folder.mkdir(parents=True, exist_ok=True)
    every = float(os.environ.get("LEARNING_CULTURE_INBOX_SECONDS", "10"))

    def run(argv: list[str]) -> tuple[int, str, str]:
        result = cli.run_with_store(get_store(), argv, db, "drop folder", "inbox")
        if result[0] == 0:
            _clear_page_caches()
        return result

    while not stop.wait(every):
        try:
            for name, outcome in box.scan(run):
                print(f"inbox: {name} {outcome}", flush=True)
        except Exception as exc:  # noqa: BLE001 - the watcher keeps watching; the incident goes to the log
            from data_layer import incidents

            print(f"inbox: {incidents.sentence(incidents.record(exc))}", flush=True)


def check_alerts(stop: threading.Event) -> None:
    """Every alert and the scheduled digest, every $LEARNING_CULTURE_ALERT_SECONDS (default an hour); alerts
    also after each import."""
    from dashboard.settings import app_today

    every = float(os.environ.get("LEARNING_CULTURE_ALERT_SECONDS", "3600"))
    while not stop.wait(every):
        try:
            for notice in alerts.check(get_store(), app_today()):
                print(f"alert {notice.event}: {notice.message}", flush=True)
            # the digest an admin scheduled (weekly by default), when it is due; a failed post is retried next time
            sent = digest.run_scheduled(get_store(), app_today(), utc_now())
            if sent is not None:
                print("digest " + ("posted" if sent.delivered else f"NOT posted: {sent.problem}"), flush=True)
        except Exception as exc:  # noqa: BLE001 - keep checking; the incident goes to the log
            from data_layer import incidents

            print(f"alerts: {incidents.sentence(incidents.record(exc))}", flush=True)


@asynccontextmanager
async def lifespan(app: Any):  # type: ignore[no-untyped-def]
    """While serving: a local admin token and this server's address beside the database, for the CLI."""
    path = db_path()

    def start() -> tuple[str, Path]:
        token = tokens.renew_local(get_store(), os.getpid())
        return token, remote.write_discovery(path, server_url(), token)

    token, info = await anyio.to_thread.run_sync(start)
    stop = threading.Event()
    watcher = threading.Thread(target=watch_inbox, args=(path, stop), name="inbox", daemon=True)
    watcher.start()
    threading.Thread(target=check_alerts, args=(stop,), name="alerts", daemon=True).start()
    try:
        yield None
    finally:
        stop.set()
        info.unlink(missing_ok=True)
        try:
            tokens.revoke(get_store(), auth.CLI_ACTOR, token.split("_")[1])
        except Exception:  # noqa: BLE001,S110 - shutting down: a stale token is revoked by the next start
            pass
