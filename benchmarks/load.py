"""How many people one server serves: the real server driven through Streamlit's websocket protocol.

Run: make benchmark-load  (or .venv/bin/python benchmarks/load.py --db benchmarks/enterprise.duckdb)

What it does, as an operator would see it:
- starts the server (`python -m dashboard.serve`, production settings) on a free port;
- before that, creates signed-in sessions directly in the database (a `sessions` row per load
  client, as `/auth/v1/session` would after a sign-in) and an admin API token for the upload;
- each *load* is a new browser tab: a websocket to `/_stcore/stream` carrying the session
  cookie, one `rerun_script` BackMsg (the page's URL path and query string, as the browser sends
  on opening a URL), timed until the server's `script_finished` ForwardMsg; an error element, a
  "Not permitted" or an unfinished run counts as an error;
- fresh filters: every load asks for cohorts and a custom window nobody asked for before (URL
  query parameters, which the filter bar reads); the shared view: everyone opens the Overview
  with the default filter, after the page caches were cleared (what happens after a digest);
- 1/5/10/20/40 concurrent sessions, back to back and with a think time of 10 s;
- server CPU-seconds per load from /proc/<pid>/stat (user + system), peak RSS sampled from
  /proc/<pid>/status;
- memory around a 100 MB upload (POST /api/v1/imports --dry-run, the whole file validated);
- the post-mortem save path at 20 concurrent writers (in its own process, on a copy: the
  server holds the database file), each save checked to be stored exactly once.
Results are printed and written as JSON (--json).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import os
import platform
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 22)
PAGES = ("overview", "adoption", "barriers", "win_rates", "learning_health", "tools", "voice")
EMAIL = "viewer@demo.example"
TICKS = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------- the server process
def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class RssSampler:
    """The highest resident memory of a process while a block runs (sampled every 0.1 s)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self._stop.wait(0.1)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb(self.pid))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(db: Path, clients: int) -> tuple[list[str], str, list[str]]:
    """Session tokens for the load clients, an admin API token, and every cohort id (before the server runs)."""
    from data_layer.access import auth, tokens
    from data_layer.db.migrations import open_database

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    cookies = [secrets.token_urlsafe(32) for _ in range(clients)]
    with open_database(db) as store:
        with store.transaction() as tx:
            tx.execute("DELETE FROM sessions WHERE email = ? AND origin = 'load-client'", [EMAIL])
            tx.execute("DELETE FROM api_tokens WHERE name LIKE 'load-client-%'")
            tx.executemany("INSERT INTO sessions VALUES (?, ?, 'session', 'load-client', ?, ?, ?)",
                           [[hashlib.sha256(c.encode()).hexdigest(), EMAIL, now, now, now + dt.timedelta(days=1)]
                            for c in cookies])
        api_token = tokens.create(store, auth.local_actor("cli", "load-client", "load client"), f"load-client-{secrets.token_hex(4)}", "admin")
        cohorts = [str(r[0]) for r in store.query("SELECT cohort_id FROM cohorts ORDER BY cohort_id")]
    return cookies, api_token, cohorts


def start_server(db: Path, port: int, profile: str | None) -> subprocess.Popen[bytes]:
    launcher = [str(ROOT / "benchmarks" / "profile_server.py"), profile] if profile else ["-m", "dashboard.serve"]
    proc = subprocess.Popen(
        [sys.executable, *launcher, "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--", "--db", str(db), "--today", TODAY.isoformat()],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(ROOT / "benchmarks" / "load-server.log", "wb"))
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/ready", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the server did not become ready in 120 s (see benchmarks/load-server.log)")


# ---------------------------------------------------------------------------- one page load
class Client:
    """Opens pages as a signed-in browser tab would, one websocket per page load."""

    def __init__(self, port: int, cookie: str) -> None:
        self.url = f"ws://127.0.0.1:{port}/_stcore/stream"
        self.headers = {"Cookie": f"lcd_session={cookie}", "Origin": f"http://127.0.0.1:{port}"}

    async def load(self, page: str, query: str, clear_cache: bool = False) -> dict[str, Any]:
        """Open `page` with `query`: seconds until the script run finished, and what went wrong (if anything)."""
        started = time.perf_counter()
        error = ""
        elements = 0
        async with websockets.connect(self.url, subprotocols=["streamlit"],  # type: ignore[list-item]
                                      additional_headers=self.headers, max_size=None, open_timeout=60,
                                      ping_interval=None) as ws:
            if clear_cache:
                clear = BackMsg()
                clear.clear_cache = True
                await ws.send(clear.SerializeToString())
            msg = BackMsg()
            msg.rerun_script.query_string = query
            msg.rerun_script.page_name = "" if page == "overview" else page  # the default page's URL is /
            msg.rerun_script.context_info.timezone = "UTC"
            msg.rerun_script.context_info.locale = "en-GB"
            msg.rerun_script.context_info.url = f"http://127.0.0.1/{page}?{query}"
            await ws.send(msg.SerializeToString())
            while True:
                fwd = ForwardMsg()
                fwd.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=300))
                kind = fwd.WhichOneof("type")
                if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                    elements += 1
                    element = fwd.delta.new_element
                    what = element.WhichOneof("type")
                    if what == "exception" or (what == "alert" and element.alert.format == element.alert.ERROR):
                        error = error or (element.exception.message if what == "exception" else element.alert.body)
                elif kind == "page_not_found":
                    error = error or f"page not found: {page}"
                elif kind == "script_finished":
                    status = fwd.script_finished
                    if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        continue  # the app asked for a rerun: the page is shown when that one ends
                    if status != ForwardMsg.FINISHED_SUCCESSFULLY:
                        error = error or f"script finished with status {status}"
                    break
        if not error and elements < 5:
            error = f"only {elements} elements drawn"
        return {"seconds": time.perf_counter() - started, "error": error[:200], "page": page}


class FreshFilters:
    """Filters nobody asked for before: 1-5 cohorts and a custom window, never repeated in a run."""

    def __init__(self, cohorts: list[str], seed: int) -> None:
        self.cohorts, self.rng, self.seen = cohorts, random.Random(seed), set[str]()

    def next(self) -> str:
        while True:
            picked = sorted(self.rng.sample(self.cohorts, self.rng.randint(1, 5)))
            days = self.rng.randint(30, 365)
            end = TODAY - dt.timedelta(days=self.rng.randint(0, 120))
            query = urlencode([("cohort", c) for c in picked] + [
                ("preset", "custom"), ("from", (end - dt.timedelta(days=days - 1)).isoformat()),
                ("to", end.isoformat())])
            if query not in self.seen:
                self.seen.add(query)
                return query


# ---------------------------------------------------------------------------- scenarios
def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def scenario(pid: int, port: int, cookies: list[str], filters: FreshFilters, *, sessions: int,
                   loads_each: int, think: float, shared: bool, pages: tuple[str, ...]) -> dict[str, Any]:
    """`sessions` people at once, each opening `loads_each` pages (back to back, or one every `think` s)."""
    results: list[dict[str, Any]] = []
    page_cycle = iter(range(10**9))

    async def person(i: int) -> None:
        client = Client(port, cookies[i % len(cookies)])
        if think:
            await asyncio.sleep(random.uniform(0, think))  # people do not click in step
        for _ in range(loads_each):
            t0 = time.perf_counter()
            if shared:
                page, query = "overview", ""
            else:
                page, query = pages[next(page_cycle) % len(pages)], filters.next()
            try:
                results.append(await client.load(page, query))
            except Exception as exc:  # noqa: BLE001 - a refused or dropped connection is a failed load
                results.append({"seconds": time.perf_counter() - t0, "error": repr(exc)[:200], "page": page})
            if think:
                await asyncio.sleep(max(0.0, think - (time.perf_counter() - t0)))

    if shared:  # a cold cache, as after an import or when the digest goes out
        await Client(port, cookies[0]).load("book", "", clear_cache=True)
    cpu0, wall0 = cpu_seconds(pid), time.perf_counter()
    with RssSampler(pid) as rss:
        await asyncio.gather(*(person(i) for i in range(sessions)))
    cpu = cpu_seconds(pid) - cpu0
    times = [r["seconds"] for r in results]
    errors = [r for r in results if r["error"]]
    return {
        "sessions": sessions, "think_s": think, "view": "shared default" if shared else "fresh filters",
        "loads": len(results), "errors": len(errors), "first_errors": [e["error"] for e in errors[:3]],
        "p50_s": round(statistics.median(times), 3), "p95_s": round(pct(times, 0.95), 3),
        "max_s": round(max(times), 3), "wall_s": round(time.perf_counter() - wall0, 1),
        "server_cpu_s": round(cpu, 2), "cpu_s_per_load": round(cpu / max(1, len(results)), 3),
        "peak_rss_mb": round(rss.peak), "rss_after_mb": round(rss_mb(pid)),
    }


async def per_page(pid: int, port: int, cookie: str, filters: FreshFilters, pages: tuple[str, ...],
                   loads: int) -> list[dict[str, Any]]:
    """One session, one page at a time: the server's CPU-seconds per fresh load of each page."""
    client, out = Client(port, cookie), []
    for page in pages:
        cpu, times, errors = [], [], 0
        for _ in range(loads):
            before = cpu_seconds(pid)
            result = await client.load(page, filters.next())
            await asyncio.sleep(0.3)  # let the server finish sending before reading its CPU time
            cpu.append(cpu_seconds(pid) - before)
            times.append(result["seconds"])
            errors += bool(result["error"])
        out.append({"page": page, "loads": loads, "errors": errors,
                    "cpu_s_median": round(statistics.median(cpu), 3), "cpu_s_max": round(max(cpu), 3),
                    "p50_s": round(statistics.median(times), 3)})
    return out


def upload(pid: int, port: int, api_token: str, path: Path, name: str | None = None) -> dict[str, Any]:
    """Memory around one upload of `path`, sent as `name` (a dry-run import through the API: read and validated
    in full). Named activity.csv it is ours and DuckDB reads it; under another name the readers first load it
    into pandas to recognise it."""
    boundary = secrets.token_hex(16)
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"params\"\r\n\r\n{{\"dry_run\": true}}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name or path.name}\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode()
    body = head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/imports", data=body, method="POST", headers={
        "Authorization": f"Bearer {api_token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    del body
    before = rss_mb(pid)
    t0 = time.perf_counter()
    with RssSampler(pid) as rss:
        with urllib.request.urlopen(request, timeout=3600) as response:
            answer = json.loads(response.read())
    seconds = time.perf_counter() - t0
    settled = []
    for _ in range(30):  # what stays: RSS over the next 30 s (the server hands memory back within 20 s)
        time.sleep(1)
        settled.append(rss_mb(pid))
    return {"file_mb": round(path.stat().st_size / 2**20), "sent_as": name or path.name, "seconds": round(seconds, 1),
            "rows": answer.get("result", {}).get("rows"), "dry_run": answer.get("result", {}).get("dry_run"), "rss_before_mb": round(before), "peak_rss_mb": round(rss.peak),
            "rss_after_1s_mb": round(settled[0]), "rss_after_10s_mb": round(settled[9]),
            "rss_after_30s_mb": round(settled[-1])}


def upload_file(db: Path, folder: Path, megabytes: int) -> Path:
    """The first `megabytes` MB of the demo's activity export (whole lines), made once."""
    target = folder / f"activity-{megabytes}mb.csv"
    if target.exists():
        return target
    subprocess.run([sys.executable, "-m", "data_layer.cli", "export", str(folder / "export"), "--db", str(db)],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    limit = megabytes * 2**20
    with open(folder / "export" / "activity.csv", "rb") as src, open(target, "wb") as out:
        written = 0
        for line in src:
            if written + len(line) > limit:
                break
            out.write(line)
            written += len(line)
    shutil.rmtree(folder / "export")
    return target


def saves(db: Path, writers: int, each: int) -> dict[str, Any]:
    """The post-mortem save path (`benchmarks/saves.py`) in its own process, on a copy of the database."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "saves.duckdb"
        shutil.copy(db, copy)
        out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "saves.py"), "--db", str(copy),
                              "--writers", str(writers), "--each", str(each)],
                             check=True, cwd=ROOT, capture_output=True, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "benchmarks" / "enterprise.duckdb"))
    parser.add_argument("--sessions", default="1,5,10,20,40", help="concurrency levels, comma separated")
    parser.add_argument("--loads", type=int, default=3, help="loads per session back to back")
    parser.add_argument("--think-seconds", type=float, default=10.0)
    parser.add_argument("--think-loads", type=int, default=4, help="loads per session with think time")
    parser.add_argument("--per-page-loads", type=int, default=5, help="fresh loads of each page, one at a time")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--skip", default="", help="comma separated: per_page,back,think,shared,upload,saves")
    parser.add_argument("--upload-mb", type=int, default=100)
    parser.add_argument("--upload-as", help="the uploaded file's name (default: activity-<MB>mb.csv; activity.csv "
                                            "makes it one of our own files)")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results-load.json"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", help="profile every script run of the server into this pstats file")
    args = parser.parse_args()
    db = Path(args.db).resolve()
    if not db.exists():
        subprocess.run([sys.executable, "-m", "data_layer.cli", "demo", "--scale", "enterprise", "--db", str(db),
                        "--today", TODAY.isoformat()], check=True, cwd=ROOT)
    levels = [int(x) for x in args.sessions.split(",")]
    skip = set(filter(None, args.skip.split(",")))
    pages = tuple(p for p in args.pages.split(",") if p)
    out: dict[str, Any] = {"date": dt.date.today().isoformat(), "machine": {
        "cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
        "load_average_at_start": os.getloadavg()}, "scenarios": []}

    folder = ROOT / "benchmarks" / ".load"
    folder.mkdir(exist_ok=True)
    upload_path = upload_file(db, folder, args.upload_mb) if "upload" not in skip else None
    if "saves" not in skip:
        out["saves"] = saves(db, 20, 10)
        print("saves at 20 writers:", out["saves"], flush=True)
    cookies, api_token, cohorts = prepare(db, max(levels))
    port = free_port()
    server = start_server(db, port, args.profile)
    pid = server.pid
    filters = FreshFilters(cohorts, args.seed)
    try:
        asyncio.run(Client(port, cookies[0]).load("overview", ""))  # imports and first-run costs, not measured
        out["server_rss_after_first_page_mb"] = round(rss_mb(pid))
        if "per_page" not in skip:
            out["per_page"] = asyncio.run(per_page(pid, port, cookies[0], filters, pages, args.per_page_loads))
            for row in out["per_page"]:
                print(json.dumps(row), flush=True)
        for n in levels:
            runs = [("back", dict(loads_each=args.loads, think=0.0, shared=False)),
                    ("think", dict(loads_each=args.think_loads, think=args.think_seconds, shared=False)),
                    ("shared", dict(loads_each=1, think=0.0, shared=True))]
            for name, kw in runs:
                if name in skip:
                    continue
                result = asyncio.run(scenario(pid, port, cookies, filters, sessions=n, pages=pages, **kw))  # type: ignore[arg-type]
                out["scenarios"].append(result)
                print(json.dumps(result), flush=True)
        if upload_path is not None:
            out["upload"] = upload(pid, port, api_token, upload_path, args.upload_as)
            print("upload:", out["upload"], flush=True)
        out["server_peak_rss_mb"] = round(int(next(
            line.split()[1] for line in Path(f"/proc/{pid}/status").read_text().splitlines()
            if line.startswith("VmHWM:"))) / 1024)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # busy in a long request: stop it anyway
            server.kill()
            server.wait()
    out["machine"]["load_average_at_end"] = os.getloadavg()
    Path(args.json).write_text(json.dumps(out, indent=1))
    print(f"written {args.json}")


if __name__ == "__main__":
    main()
