"""Helpers for browser tests: a Streamlit server on a free port and headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

import pytest

ROOT = Path(__file__).parent.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SERVING = "You can now view your Streamlit app"  # what Streamlit prints once it listens (web/bootstrap.py)
SERVER_START_TIMEOUT_S = 90  # a busy 2-core machine can take this long to import Streamlit


def chromium_path() -> str:
    """The system Chromium; fails (not skips) under CI when it is missing."""
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("CI is set but no Chromium was found; .ci/run installs Debian's chromium package.")
    pytest.skip("no Chromium on this machine (install Debian's chromium to run browser tests)")
    raise AssertionError  # unreachable


def sign_in(page: Any, url: str, email: str, password: str) -> None:
    """Open `url` and sign in through the form (the app shows nothing before)."""
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=30_000)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in")).to_have_count(0, timeout=30_000)
    # The session cookie arrives in the answer to the page's own request: a URL opened before it would
    # land on the sign-in form again, so a test that opens one next waits for it, as a person's next click would.
    wait_for_cookie(page.context, timeout_s=30.0)


def choose(page: Any, label: str, text: str) -> None:
    """Pick an option of the Streamlit selectbox labelled `label` by typing it, and see it chosen.

    A rerun arriving while the list is open (the field left just before saves itself) can drop
    what was typed into the list, as it would for a person, who then picks again: so do we.
    """
    import re

    from playwright.sync_api import Error, expect

    box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True))
    for attempt in range(3):
        try:
            # While a rerun replaces the form, the old box and the new one can both be on the page for a
            # moment (a rerun may start just after we looked): wait for one, and try again if we met two.
            expect(box).to_have_count(1, timeout=15_000)
            box.click()
            page.keyboard.type(text)
            page.keyboard.press("Enter")
            expect(box.get_by_role("combobox")).to_have_value(re.compile(re.escape(text), re.I), timeout=5_000)
            return
        except (AssertionError, Error) as exc:
            if attempt == 2 or (isinstance(exc, Error) and "strict mode violation" not in str(exc)):
                raise
            page.keyboard.press("Escape")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _copy_output_until_ready(stream: IO[str], log: IO[str], ready: threading.Event) -> None:
    """Copy the server's output to its log; set `ready` once it says it serves (or when it ends)."""
    for line in stream:
        log.write(line)
        log.flush()
        if SERVING in line:
            ready.set()
    ready.set()  # the process ended: the caller finds out why


@contextmanager
def streamlit_server(db: Path, today: str, log: Path, *, plain: bool = False) -> Iterator[str]:
    """Run the app on a free port until the block ends; yield its base URL.

    `plain` starts it the way Streamlit's own docs do (`streamlit run streamlit_app.py`) instead
    of our launcher: both must serve the same app with the same routes. We wait on a state, not a
    time: the line Streamlit prints once it listens, then one health check.
    """
    port = free_port()
    env = {**os.environ, "LEARNING_CULTURE_DB": str(db), "LEARNING_CULTURE_TODAY": today}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", *(("streamlit", "run", "streamlit_app.py") if plain else ("dashboard.serve",)),
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        assert proc.stdout is not None
        ready = threading.Event()
        copier = threading.Thread(target=_copy_output_until_ready, args=(proc.stdout, out, ready), daemon=True)
        copier.start()
        url = f"http://127.0.0.1:{port}"
        try:
            healthy = False
            if ready.wait(timeout=SERVER_START_TIMEOUT_S) and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as resp:
                        healthy = resp.status == 200
                except OSError:
                    pass
            if not healthy:
                raise AssertionError(f"Streamlit did not start; see {log}:\n{log.read_text()[-2000:]}")
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            copier.join(timeout=10)


class Servers:
    """One Streamlit server per (database file, today, launcher), started on first use.

    A server holds its DuckDB file: `stop(db)` ends that file's server so a test can read what
    the browser wrote (or write before the next server starts); `close()` ends them all.
    """

    def __init__(self, artifacts: Path) -> None:
        self._artifacts = artifacts
        self._running: dict[tuple[Path, str, bool], tuple[ExitStack, str]] = {}

    def url(self, db: Path, today: str, *, plain: bool = False) -> str:
        """The base URL of the server on `db` with `today` as the app's day (started if need be)."""
        key = (db.resolve(), today, plain)
        if key not in self._running:
            stack = ExitStack()
            log = self._artifacts / "servers" / f"{db.stem}-{len(self._running)}{'-plain' if plain else ''}.log"
            self._running[key] = (stack, stack.enter_context(streamlit_server(db, today, log, plain=plain)))
        return self._running[key][1]

    def stop(self, db: Path) -> None:
        """End every server on `db` (it releases the file)."""
        for key in [k for k in self._running if k[0] == db.resolve()]:
            self._running.pop(key)[0].close()

    def close(self) -> None:
        for stack, _ in self._running.values():
            stack.close()
        self._running.clear()


def launch_chromium(pw: Any) -> Any:
    """The system Chromium, headless, with the house's flags."""
    return pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)


def wait_for_cookie(context: Any, name: str = "lcd_session", timeout_s: float = 15.0,
                    other_than: str | None = None) -> dict[str, object]:
    """The cookie `name` once the browser holds it (a value other than `other_than`, when given).

    The app sets the session cookie in the answer to its POST to /auth/v1/session: between two
    looks at the cookie jar we wait for such an answer (a state), never for a fixed time.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        found = [c for c in context.cookies() if c["name"] == name and c["value"] != other_than]
        if found:
            return dict(found[0])
        left_ms = (deadline - time.monotonic()) * 1000
        if left_ms <= 0:
            raise AssertionError(f"no {name} cookie was set within {timeout_s} s")
        try:  # at most a second per look: an answer that came just before we listened is seen on the next
            context.wait_for_event("response", lambda r: "/auth/v1/session" in r.url, timeout=min(left_ms, 1000))
        except Exception as exc:  # Playwright's TimeoutError: look at the jar again
            if "Timeout" not in type(exc).__name__:
                raise


def wait_for_charts_drawn(page: Any, timeout_ms: int = 30_000) -> None:
    """Every Vega-Lite chart on the page has drawn its canvas or SVG (for a screenshot worth looking at)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stVegaLiteChart]')]"
        ".every(c => c.querySelector('canvas, svg.marks'))", timeout=timeout_ms)


def wait_for_script_idle(page: Any, timeout_ms: int = 30_000) -> None:
    """The app's script run has finished: Streamlit's running icon (top right) is gone."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stStatusWidgetRunningIcon")).to_have_count(0, timeout=timeout_ms)
