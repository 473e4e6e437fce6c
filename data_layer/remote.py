"""The command line's way through a running dashboard: one writer, many doors.

A running server holds its database file (DuckDB lets one process write it). It leaves its
address and a local admin token beside the database (`<db>.server.json`, readable only by
its own OS user); a CLI command given that database finds it there (or is given `--server
URL --token T`) and sends the command to the server's `POST /api/v1/commands`, which runs
exactly the same code against the server's open database and sends back what it printed.
Files travel with the command: an import's files are uploaded, an export comes back as a zip
and is unpacked where it was asked for. Without a server, commands open the file as always.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import sys
import urllib.error
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from data_layer.ingest.importer import import_paths  # the same expansion of folders as a local import

TOKEN_VAR = "LEARNING_CULTURE_TOKEN"
SERVED = frozenset({"import", "report", "export", "users", "tokens", "backup", "digest", "purge-text",
                    "test-results"})
UPLOAD = "@upload/"      # an argument naming a file the request carries
DOWNLOAD = "@download"   # the folder an export writes into, sent back as a zip


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
            raise SystemExit("error: --server needs an API token: --token T or $" + TOKEN_VAR)
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


def _multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
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


def _strip_connection_flags(argv: list[str]) -> list[str]:
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("--server", "--token", "--db"):
            skip = True
            continue
        if arg.startswith(("--server=", "--token=", "--db=")):
            continue
        out.append(arg)
    return out


def prepare(args: argparse.Namespace, argv: list[str]) -> tuple[list[str], list[tuple[str, str, bytes]], str | None]:
    """The command as the server will run it: local files replaced by uploads, an export folder by a zip."""
    argv = _strip_connection_flags(argv)
    files: list[tuple[str, str, bytes]] = []

    def upload(path: Path) -> str:
        key = f"upload/{len(files)}"
        files.append((key, path.name, path.read_bytes()))
        return f"{UPLOAD}{len(files) - 1}/{path.name}"

    folder = None
    if args.command == "import":
        local = import_paths(args.paths)
        rest = [a for a in argv[1:] if a not in args.paths]
        mappings = set(args.mapping)
        argv = ["import", *[upload(p) for p in local],
                *[upload(Path(a)) if a in mappings else a for a in rest]]
    elif args.command == "test-results":
        argv = [upload(Path(a)) if a == args.file else a for a in argv]
    elif args.command == "export":
        folder = args.folder
        argv = [DOWNLOAD if a == folder else a for a in argv]
    return argv, files, folder


def _without(argv: list[str], option: str) -> list[str]:
    """argv without `option VALUE` (or `option=VALUE`)."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == option:
            skip = True
        elif not arg.startswith(option + "="):
            out.append(arg)
    return out


def _send(server: Server, args: argparse.Namespace, argv: list[str]) -> tuple[int, str, str]:
    """Send the command to the server: its exit code, stdout and stderr (an export's files are unpacked)."""
    try:
        command, files, folder = prepare(args, argv)
    except Exception as exc:  # noqa: BLE001 - a missing file and the like: the same sentence as locally
        return 1, "", f"error: {exc}\n"
    body, content_type = _multipart([("argv", json.dumps(command))], files)
    request = urllib.request.Request(server.url + "/api/v1/commands", data=body, method="POST", headers={
        "Content-Type": content_type, "Authorization": f"Bearer {server.token}"})
    try:
        with urllib.request.urlopen(request, timeout=3600) as response:  # noqa: S310 - our own server's URL
            reply: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            sentence = json.loads(exc.read()).get("error", "")
        except ValueError:
            sentence = ""
        return 1, "", f"error: {sentence or f'the server at {server.url} refused the command ({exc.code})'}\n"
    except OSError as exc:
        return 1, "", f"error: the server at {server.url} cannot be reached ({exc}).\n"
    stdout, stderr = str(reply.get("stdout", "")), str(reply.get("stderr", ""))
    if folder is not None:
        stdout, stderr = stdout.replace(DOWNLOAD, folder), stderr.replace(DOWNLOAD, folder)
        if reply.get("download"):
            target = Path(folder)
            target.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(io.BytesIO(base64.b64decode(reply["download"]))) as z:
                for name in z.namelist():
                    if "/" in name or "\\" in name or name.startswith("."):
                        continue  # our export is flat; anything else is not ours to write
                    (target / name).write_bytes(z.read(name))
    return int(reply.get("exit_code", 1)), stdout, stderr


def run(server: Server, args: argparse.Namespace, argv: list[str]) -> int:
    """Send the command to the server; print what it printed; return its exit code."""
    if args.command == "digest" and args.markdown:
        # The Markdown file is written here, where the command runs: the server sends the digest's text
        # (the command without --markdown and --post prints it), then posts it when asked.
        text_only = _without(_without(_strip_connection_flags(argv), "--markdown"), "--post")
        code, text, err = _send(server, args, text_only)
        if code != 0:
            sys.stderr.write(err)
            return code
        Path(args.markdown).write_text(text, encoding="utf-8")
        print(f"Wrote the digest to {args.markdown}")
        if not args.post:
            return 0
        argv = _without(_strip_connection_flags(argv), "--markdown")
    code, stdout, stderr = _send(server, args, argv)
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    return code
