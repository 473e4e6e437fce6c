"""The command line's way through a running dashboard: one writer, many doors.

A running server holds its database file (DuckDB lets one process write it). It leaves its
address and a local admin token beside the database (`<db>.server.json`, readable only by
its own OS user); a CLI command given that database finds it there (or is given `--server
URL --token T`) and asks the server's `POST /api/v1/operations` for the same operation
(data_layer/operations) with the same parameters; the server runs it for the token's actor
against its open database and sends the result back as JSON, which the command line prints
exactly as it prints a local result. Files travel with the call: an import's files are
uploaded, an export comes back as a zip and is unpacked where it was asked for. Without a
server, commands open the file as always.
"""

from __future__ import annotations

import base64
import io
import json
import os
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from data_layer.domain.errors import InvalidData, LearningCultureError, Problem
from data_layer.operations.base import Operation, Params

TOKEN_VAR = "LEARNING_CULTURE_TOKEN"


@dataclass(frozen=True)
class Server:
    url: str
    token: str


def discovery_file(db: Path) -> Path:
    """Where a server holding `db` leaves its address and local token."""
    return db.with_name(db.name + ".server.json")


def write_discovery(db: Path, url: str, token: str) -> Path:
    """Leave the address and token beside the database, readable by this OS user only."""
    target = discovery_file(db)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"url": url, "token": token, "pid": os.getpid()}, f)
    os.chmod(target, 0o600)
    return target


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _get(url: str, token: str | None = None, timeout: float = 3.0) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - our own server's URL
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()


def find(db: Path, server_url: str | None = None, token: str | None = None) -> Server | None:
    """The server to go through: `--server` if given, else a live one that holds `db`, else None."""
    if server_url:
        token = token or os.environ.get(TOKEN_VAR)
        if not token:
            raise LearningCultureError(f"--server needs an API token: --token T or ${TOKEN_VAR}.")
        return Server(server_url.rstrip("/"), token)
    info_file = discovery_file(db)
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or not _alive(int(info.get("pid", 0))):
        return None
    try:
        status, _ = _get(str(info["url"]) + "/api/v1/ready", timeout=2.0)
    except (OSError, KeyError):
        return None
    return Server(str(info["url"]), token or str(info["token"])) if status == 200 else None


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type (the standard library has no encoder)."""
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    for name, filename, data in files:
        safe = filename.replace('"', "_").replace("\r", "_").replace("\n", "_")
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{safe}"\r\n'
                  "Content-Type: application/octet-stream\r\n\r\n".encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class ServerIncident(LearningCultureError):
    """The server failed unexpectedly (its log has the incident); the command exits 2 as a local incident would."""


def _refusal(status: int, body: bytes, url: str) -> LearningCultureError:
    """The error a refused call stands for, raised here as the operation would have raised it locally."""
    try:
        reply = json.loads(body)
    except ValueError:
        reply = {}
    sentence = str(reply.get("error") or f"the server at {url} refused the call ({status})")
    if reply.get("kind") == "invalid":
        problems = [Problem(**p) for p in reply.get("problems") or []]
        return InvalidData(problems, sentence)
    if reply.get("kind") == "incident":
        return ServerIncident(sentence)
    return LearningCultureError(sentence)


def call(server: Server, operation: Operation, params: Params, files: Sequence[Path] = (),
         into: Path | None = None) -> Any:
    """Ask the server for `operation`; return its result (as the operation returns it), or raise its error.

    `files` are uploaded with the call; an export's files are unpacked into `into`."""
    parts = [("file", path.name, path.read_bytes()) for path in files]
    body, content_type = multipart([("operation", operation.name), ("params", params.model_dump_json())], parts)
    request = urllib.request.Request(server.url + "/api/v1/operations", data=body, method="POST", headers={
        "Content-Type": content_type, "Authorization": f"Bearer {server.token}"})
    try:
        with urllib.request.urlopen(request, timeout=3600) as response:  # noqa: S310 - our own server's URL
            reply: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise _refusal(exc.code, exc.read(), server.url) from None
    except OSError as exc:
        raise LearningCultureError(f"the server at {server.url} cannot be reached ({exc}).") from None
    if into is not None and reply.get("download"):
        into.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(reply["download"]))) as z:
            for name in z.namelist():
                if "/" in name or "\\" in name or name.startswith("."):
                    continue  # our export is flat; anything else is not ours to write
                (into / name).write_bytes(z.read(name))
    return TypeAdapter(operation.result).validate_python(reply.get("result"))
