"""The server's API for scripts and the command line: `/api/v1/...`, served by st.App beside the pages.

Every route but `ready` needs `Authorization: Bearer <token>` (data_layer/access/tokens.py). A
token is an actor with its role: each call runs the same operation as the command line and the
pages (data_layer/operations), for that actor, checked against the operations' table before it
runs and again in every write's transaction; viewers read reports, only admins import, export,
back up and manage accounts (as on the Admin pages). Every call leaves an audit entry. Routes
run their work on a worker thread with the server's one Store: an import commits in one
transaction, so pages read the old data until it commits, then the new.

- `GET  /api/v1/ready`: 200 when the database answers, else 503 (no details: it is public).
- `GET  /api/v1/health`: process, database, last import, version (viewer).
- `GET  /api/v1/report?from=&to=&today=&cohort=&team=&region=&role=`: the report JSON (viewer).
- `GET  /api/v1/export?format=csv|parquet|spreadsheet`: a zip of the export (admin).
- `POST /api/v1/imports`: files (multipart `file`) and the import's choices (`params`, JSON: `{"dry_run":
  true}` ...); the import's outcome as JSON (admin).
- `POST /api/v1/operations`: any operation a server can do (`operation`: its name, `params`: JSON, `file`
  parts); its result as JSON, or `{"error", "kind", "problems"}` (what data_layer/remote.py sends).
"""

from __future__ import annotations

import base64
import dataclasses
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
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from dashboard.services import OPERATIONS, Door, Operation, imports
from dashboard.settings import app_today, db_path
from dashboard.store import get_store
from data_layer import alerts, digest, incidents, remote
from data_layer.access import tokens
from data_layer.access.auth import Actor, NotPermitted
from data_layer.db.audit import utc_now
from data_layer.db.migrations import pending
from data_layer.domain.config import LIMITS
from data_layer.domain.errors import InvalidData, LearningCultureError
from data_layer.ingest import inbox

VERSION = "0.1.0"
STARTED = time.time()


def _sentence(status: int, text: str, kind: str = "refused") -> JSONResponse:
    return JSONResponse({"error": text, "kind": kind}, status_code=status)


async def _actor(request: Request, role: str) -> Actor | JSONResponse:
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    actor = await anyio.to_thread.run_sync(tokens.authenticate, get_store(), token)
    if actor is None:
        return _sentence(401, "An API token is needed: send `Authorization: Bearer <token>` "
                              "(`learning-culture tokens create` makes one).")
    if not actor.can(role):
        await anyio.to_thread.run_sync(tokens.record_call, get_store(), actor, request.method, request.url.path, 403)
        return _sentence(403, f"Not permitted: this needs a token with the {role} role.", "not_permitted")
    return actor


async def _done(actor: Actor, request: Request, response: Response) -> Response:
    await anyio.to_thread.run_sync(tokens.record_call, get_store(), actor, request.method, request.url.path,
                                   response.status_code)
    return response


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


def _run(operation: Operation, actor: Actor, params: Any, door: Door) -> tuple[int, dict[str, Any]]:
    """Run the operation for the actor: (HTTP status, the reply: its result, or its error as a sentence)."""
    try:
        result = operation.run(get_store(), actor, params, door)
    except InvalidData as exc:
        return 400, {"error": str(exc), "kind": "invalid", "problems": [dataclasses.asdict(p) for p in exc.problems]}
    except NotPermitted as exc:
        return 403, {"error": str(exc), "kind": "not_permitted"}
    except LearningCultureError as exc:
        return 400, {"error": str(exc), "kind": "error"}
    except Exception as exc:  # noqa: BLE001 - a sentence and an incident id; the traceback goes to the log
        return 500, {"error": incidents.sentence(incidents.record(exc)), "kind": "incident"}
    return 200, {"result": TypeAdapter(operation.result).dump_python(result, mode="json")}


def _zipped(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f.name)
    return buf.getvalue()


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


async def _save_uploads(form: Any, folder: Path) -> list[Path]:
    """Uploaded `file` parts saved under their own names (each in its own folder: two may share a name)."""
    saved: list[Path] = []
    for index, (_key, value) in enumerate(form.multi_items()):
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
        saved.append(target)
    return saved


def _refused(status: int, text: str, kind: str = "refused") -> tuple[int, dict[str, Any]]:
    return status, {"error": text, "kind": kind}


async def _outcome(actor: Actor, name: str, params_json: str, form: Any = None) -> tuple[int, dict[str, Any]]:
    """One operation for a token: checked against the operations' table, run; (HTTP status, the reply)."""
    operation = OPERATIONS.get(name)
    if operation is None or not operation.served or operation.params is None:
        return _refused(400, f"{name or 'nothing'} cannot be done through the server.")
    if not actor.can(operation.role):
        return _refused(403, f"Not permitted: this needs a token with the {operation.role} role.", "not_permitted")
    try:
        params = operation.params.model_validate_json(params_json or "{}")
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc']) or 'params'}: {e['msg']}" for e in exc.errors())
        return _refused(400, f"The parameters of {name} are not valid: {problems}.")
    work = Path(tempfile.mkdtemp(prefix="lcd-api-"))
    try:
        try:
            files = await _save_uploads(form, work / "in") if form is not None else []
        except ValueError as exc:
            return _refused(413, str(exc))
        if files and not operation.takes_files:
            return _refused(400, f"{name} takes no files.")
        folder = work / "out" if operation.sends_files else None
        if folder is not None:
            folder.mkdir()
        status, reply = await anyio.to_thread.run_sync(_run, operation, actor, params, Door("api", tuple(files), folder))
        if status == 200 and folder is not None:
            reply["download"] = base64.b64encode(_zipped(folder)).decode()
        return status, reply
    finally:
        shutil.rmtree(work, ignore_errors=True)


async def _serve(request: Request, actor: Actor, name: str, params_json: str, form: Any = None) -> Response:
    """The operation's reply as JSON (and its audit entry)."""
    status, reply = await _outcome(actor, name, params_json, form)
    return await _done(actor, request, JSONResponse(reply, status_code=status))


async def report(request: Request) -> Response:
    actor = await _actor(request, OPERATIONS["report"].role)
    if isinstance(actor, Response):
        return actor
    q = request.query_params
    params = {"date_from": q.get("from"), "date_to": q.get("to"), "today": q.get("today"),
              "cohorts": q.getlist("cohort"), "teams": q.getlist("team"), "regions": q.getlist("region"),
              "roles": q.getlist("role")}
    status, reply = await _outcome(actor, "report", json.dumps(params))
    return await _done(actor, request, JSONResponse(reply, status_code=status) if status != 200 else
                       Response(json.dumps(reply["result"]["values"]), media_type="application/json"))


async def export_zip(request: Request) -> Response:
    actor = await _actor(request, OPERATIONS["export"].role)
    if isinstance(actor, Response):
        return actor
    status, reply = await _outcome(actor, "export", json.dumps({"format": request.query_params.get("format", "csv")}))
    if status != 200:
        return await _done(actor, request, JSONResponse(reply, status_code=status))
    return await _done(actor, request, Response(base64.b64decode(reply["download"]), media_type="application/zip",
                                                headers={"Content-Disposition":
                                                         'attachment; filename="learning-culture-export.zip"'}))


async def operations(request: Request) -> Response:
    actor = await _actor(request, "viewer")
    if isinstance(actor, Response):
        return actor
    form = await request.form(max_files=1000, max_fields=100)
    return await _serve(request, actor, str(form.get("operation") or ""), str(form.get("params") or "{}"), form)


async def imports_route(request: Request) -> Response:
    actor = await _actor(request, OPERATIONS["import"].role)
    if isinstance(actor, Response):
        return actor
    form = await request.form(max_files=1000, max_fields=100)
    return await _serve(request, actor, "import", str(form.get("params") or "{}"), form)


ROUTES = [Route("/api/v1/ready", ready, methods=["GET"]),
          Route("/api/v1/health", health, methods=["GET"]),
          Route("/api/v1/report", report, methods=["GET"]),
          Route("/api/v1/export", export_zip, methods=["GET"]),
          Route("/api/v1/imports", imports_route, methods=["POST"]),
          Route("/api/v1/operations", operations, methods=["POST"])]


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

    while not stop.wait(every):
        try:
            for name, outcome in box.scan(lambda path: imports.import_dropped(get_store(), path)):
                print(f"inbox: {name} {outcome}", flush=True)
        except Exception as exc:  # noqa: BLE001 - the watcher keeps watching; the incident goes to the log
            print(f"inbox: {incidents.sentence(incidents.record(exc))}", flush=True)


def check_alerts(stop: threading.Event) -> None:
    """Every alert and the scheduled digest, every $LEARNING_CULTURE_ALERT_SECONDS (default an hour); alerts
    also after each import."""
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
            tokens.revoke_local(get_store(), token)
        except Exception:  # noqa: BLE001,S110 - shutting down: a stale token is revoked by the next start
            pass
