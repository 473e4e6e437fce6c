"""Helpers for browser tests: a Streamlit server on a free port and headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parent.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


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


@contextmanager
def streamlit_server(db: Path, today: str, log: Path, *, plain: bool = False) -> Iterator[str]:
    """Run the app on a free port until the block ends; yield its base URL.

    `plain` starts it the way Streamlit's own docs do (`streamlit run streamlit_app.py`) instead
    of our launcher: both must serve the same app with the same routes.
    """
    port = free_port()
    env = {**os.environ, "LEARNING_CULTURE_DB": str(db), "LEARNING_CULTURE_TODAY": today}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", *(("streamlit", "run", "streamlit_app.py") if plain else ("dashboard.serve",)),
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"Streamlit did not start; see {log}:\n{log.read_text()[-2000:]}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
