"""The app on the enterprise demo, in headless Chromium: Overview render time, every page, server
memory after visiting them all, and a post-mortem submit.

Run: .venv/bin/python benchmarks/app.py [--db benchmarks/enterprise.duckdb]
(needs Debian's chromium; the database must not be open in another process).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data_layer.access import auth
from data_layer.book import postmortems  # noqa: E402
from data_layer.db.migrations import open_database
from data_layer.demo.generator import generate_demo  # noqa: E402
from tests.browser import CHROMIUM_FLAGS, chromium_path, streamlit_server  # noqa: E402

TODAY = dt.date(2026, 11, 22)
VIEWER_PAGES = ["Adoption", "Barriers", "Win rates", "Learning health", "Book of Learning", "Overview"]
ADMIN_PAGES = ["Log a post-mortem", "Plans", "Follow-up actions", "Import", "Cohorts & people", "Users", "Audit trail"]


def rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of a process, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="benchmarks/enterprise.duckdb")
    parser.add_argument("--json")
    args = parser.parse_args()
    with open_database(args.db) as store:
        if not store.query_value("SELECT count(*) FROM events"):
            generate_demo(store, scale="enterprise", seed=7, today=TODAY)
        if not auth.user_count(store):
            with store.transaction() as tx:
                auth.create_demo_users(tx)
    out: dict[str, object] = {}
    log = Path("/tmp/lcd-app-bench.log")
    with streamlit_server(Path(args.db), TODAY.isoformat(), log) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        started = time.perf_counter()
        page.goto(url)
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=60_000)
        out["sign_in_page_s"] = time.perf_counter() - started
        page.get_by_role("textbox", name="Email").fill("admin@demo.example")
        page.get_by_role("textbox", name="Password").fill("demo-admin-pass")
        started = time.perf_counter()
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_test_id("stMetricValue")).to_have_count(9, timeout=60_000)
        page.wait_for_load_state("networkidle")
        out["overview_after_sign_in_s"] = time.perf_counter() - started
        timings = {}
        for name in VIEWER_PAGES + ADMIN_PAGES:
            started = time.perf_counter()
            page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True).click()
            expect(page.get_by_role("heading").first).to_be_visible(timeout=60_000)
            page.wait_for_load_state("networkidle")
            expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)  # the run has finished
            timings[name] = time.perf_counter() - started
        out["page_render_s"] = timings
        # Back to a fresh Overview filter (a view the cache has not seen): last 30 days.
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Overview", exact=True).click()
        box = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Date window", exact=True))
        box.click()
        page.keyboard.type("Last 30 days")
        started = time.perf_counter()
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
        out["overview_new_filter_s"] = time.perf_counter() - started
        # A post-mortem submit in the browser (save a draft, land on its page).
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Log a post-mortem", exact=True).click()
        page.get_by_role("textbox", name="Title").fill("Benchmark post-mortem")
        page.keyboard.press("Tab")
        sel = page.get_by_test_id("stSelectbox").filter(has=page.get_by_text("Section", exact=True))
        sel.click()
        page.keyboard.type("Email")
        page.keyboard.press("Enter")
        page.wait_for_timeout(500)
        started = time.perf_counter()
        page.get_by_role("button", name="Save draft").click()
        expect(page.get_by_text("Saved.", exact=True)).to_be_visible(timeout=60_000)
        out["postmortem_submit_browser_s"] = time.perf_counter() - started
        # A second visitor opens the URL on the running server: from opening it to the Overview
        # fully rendered, signing in on the way (the form filled instantly).
        visitor = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        started = time.perf_counter()
        visitor.goto(url)
        expect(visitor.get_by_role("heading", name="Sign in")).to_be_visible(timeout=60_000)
        out["open_url_to_sign_in_form_s"] = time.perf_counter() - started
        visitor.get_by_role("textbox", name="Email").fill("viewer@demo.example")
        visitor.get_by_role("textbox", name="Password").fill("demo-viewer-pass")
        visitor.get_by_role("button", name="Sign in", exact=True).click()
        expect(visitor.get_by_test_id("stMetricValue")).to_have_count(9, timeout=60_000)
        expect(visitor.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
        # fully rendered: every tile's trend chart drawn too (each KPI has six windows of data here)
        charts = visitor.get_by_test_id("stMetric").locator("canvas, svg.marks")
        expect(charts).to_have_count(9, timeout=60_000)
        out["open_url_to_overview_s"] = time.perf_counter() - started
        out["overview_trend_charts_drawn"] = charts.count()
        visitor.screenshot(path="/tmp/visitor-overview.png")
        browser.close()
        server_pid = _server_pid(url)
        out["server_rss_mb"], out["server_peak_rss_mb"] = rss_mb(server_pid)
    # The data-layer part of a submit, measured alone on the same database.
    with open_database(args.db) as store:
        editor = auth.Actor("editor@demo.example", "editor")
        times = []
        for i in range(20):
            started = time.perf_counter()
            lid = postmortems.save_lesson(store, editor, postmortems.LessonInput(
                title=f"Benchmark {i}", section="email", occurred_on=TODAY, learning_goal="g", what_happened="w",
                outcome="worked", lessons="l", actions=[postmortems.ActionInput("a", "P00001", TODAY)]), token=f"bench-{i}-{time.time()}")
            times.append((time.perf_counter() - started) * 1000)
            store.execute("DELETE FROM actions WHERE lesson_id = ?", [lid])
            store.execute("DELETE FROM lessons WHERE lesson_id = ?", [lid])
        out["postmortem_save_data_layer_ms_p50"] = statistics.median(times)
        out["postmortem_save_data_layer_ms_max"] = max(times)
    print(json.dumps(out, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))


def _server_pid(url: str) -> int:
    """The pid of the Streamlit server listening on the URL's port."""
    port = url.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "dashboard.serve" in cmd and port in cmd:
            return int(proc.name)
    raise RuntimeError("server process not found")


if __name__ == "__main__":
    main()
