"""Shared fixtures: fresh stores, the hand-made dataset, a demo database."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from data_layer.access import auth
from data_layer.analytics.engine import evaluate
from data_layer.db.migrations import open_database, pending
from data_layer.db.store import Store
from data_layer.demo.generator import generate_demo
from data_layer.domain.filters import Filter
from data_layer.ingest.importer import ImportResult, import_files, import_paths
from tests.browser import Servers, chromium_path, launch_chromium

DATA = Path(__file__).parent / "data"
SMALL = DATA / "small"
ARTIFACTS = Path(__file__).parent / "artifacts"
# Cheap argon2id parameters for the hashes tests make (production keeps RFC 9106's defaults;
# tests/test_auth.py checks those separately).
# (Existing hashes carry their own parameters and still verify; a sign-in with the defaults rehashes them.)
auth._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
auth._DUMMY_HASH = auth._HASHER.hash("not a real password, used to even out timing")
# The day the demo database used by the app tests ends; the app gets it as its "today".
DEMO_TODAY = dt.date(2026, 11, 22)


def import_folder(store: Store, folder: str | Path, *, actor: str = "cli", dry_run: bool = False) -> ImportResult:
    """Import the known files of our own in `folder` (the tests' fixtures), as `learning-culture import FOLDER` finds them."""
    return import_files(store, import_paths([str(folder)]), actor=actor, dry_run=dry_run)


@pytest.fixture(scope="session")
def store_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Database files made once per session: "migrated" (every migration applied, no data) and
    "small" (the same with tests/data/small imported). Migrating and importing took about 1.5 s
    per test for some 300 tests; copying a template into memory takes about 0.1 s."""
    folder = tmp_path_factory.mktemp("templates")
    with open_database(folder / "migrated.duckdb"):
        pass
    with open_database(folder / "small.duckdb") as s:
        import_folder(s, SMALL)
    return {"migrated": folder / "migrated.duckdb", "small": folder / "small.duckdb"}


def _in_memory_copy(template: Path) -> Store:
    """A fresh in-memory database holding everything the template file holds (tables, views,
    sequences, macros, indexes and rows), as open_database gives it."""
    s = Store(":memory:")
    s.execute(f"ATTACH '{str(template).replace(chr(39), chr(39) * 2)}' AS template (READ_ONLY)")
    s.execute("COPY FROM DATABASE template TO memory")
    s.execute("DETACH template")
    assert not pending(s), "the template is not fully migrated"
    return s


@pytest.fixture
def store(request: pytest.FixtureRequest, store_templates: dict[str, Path]) -> Iterator[Store]:
    """A fresh, migrated in-memory database; for a test that uses `small_store` (directly or
    through another fixture), it already holds tests/data/small (see `store_templates`)."""
    s = _in_memory_copy(store_templates["small" if "small_store" in request.fixturenames else "migrated"])
    yield s
    s.close()


@pytest.fixture
def small_store(store: Store) -> Store:
    """The hand-made dataset of tests/data/small imported into a fresh database (a copy of the
    session's template, imported with `import_folder` like any folder)."""
    return store


@pytest.fixture
def small_folder(tmp_path: Path) -> Path:
    """A writable copy of the hand-made CSV folder (for tests that break a file)."""
    target = tmp_path / "small"
    shutil.copytree(SMALL, target)
    return target


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo-scale database file on disk, made once per test session."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with open_database(path) as s:
        generate_demo(s, scale="demo", seed=7, today=DEMO_TODAY)
    return path


def metric(name: str, store: Store, filt: Filter) -> Any:
    """One declared metric's value for a filter, computed alone (as the registry declares it)."""
    return evaluate(store, filt, [name])[name]


PASSWORD = "correct horse battery"
# The tests act as someone at the machine that holds the database (as the command line does).
LOCAL_ADMIN = auth.local_actor("cli", "tests", "tests")
USERS = {"viewer": "viewer@example.com", "editor": "editor@example.com", "admin": "admin@example.com"}


def add_test_users(store: Store) -> None:
    """One account per role, all with PASSWORD."""
    for role, email in USERS.items():
        auth.add_user(store, LOCAL_ADMIN, email, f"Test {role}", role, PASSWORD)


@pytest.fixture(scope="session")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made dataset as a database file on disk, with one account per role."""
    path = tmp_path_factory.mktemp("small") / "small.duckdb"
    with open_database(path) as s:
        import_folder(s, SMALL)
        add_test_users(s)
    return path


@pytest.fixture(autouse=True, scope="session")
def _entrypoint_decides_every_page() -> None:
    """Run AppTests as production runs (see dashboard/serve.py): no legacy `pages/` mode."""
    from dashboard.serve import disable_legacy_pages_folder

    disable_legacy_pages_folder()


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches() -> Iterator[None]:
    """Streamlit caches live across AppTest runs in one process: start each test clean."""
    import streamlit as st

    from dashboard.store import close_all

    close_all()
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    close_all()  # release the file locks so other processes (CLI, servers) can open the files


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the session's shared Chromium run last, after every other test.

    Playwright's sync API refuses to start while another instance runs in the process (and an
    asyncio loop then counts as running), so the shared browser is started after the tests that
    start their own browser and after every AppTest, and lives until the session ends.
    """
    shared = [item for item in items if "chromium" in getattr(item, "fixturenames", ())]
    items[:] = [item for item in items if item not in shared] + shared


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    """Streamlit servers for the session's browser tests: one per database file and day."""
    running = Servers(ARTIFACTS)
    yield running
    running.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for every browser test of the session (each test gets fresh contexts)."""
    chromium_path()  # fails under CI, skips elsewhere, when there is no Chromium
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium: Any) -> Iterator[Callable[..., Any]]:
    """`new_page(**context_options)`: a page in a fresh browser context (no cookies, no storage), closed after the test."""
    contexts: list[Any] = []

    def open_page(**options: Any) -> Any:
        context = chromium.new_context(**{"viewport": {"width": 1440, "height": 900}, **options})
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory: pytest.TempPathFactory, demo_db: Path, servers: Servers) -> str:
    """The URL of one server on a copy of the demo database, shared by the browser tests that only read."""
    copy = tmp_path_factory.mktemp("demo-app") / "demo-app.duckdb"
    shutil.copyfile(demo_db, copy)
    return servers.url(copy, DEMO_TODAY.isoformat())


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, str]], list[int]]]:
    """A local incoming webhook: answers with the statuses queued (then 200), keeps what was posted."""
    posted: list[dict[str, str]] = []
    statuses: list[int] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = statuses.pop(0) if statuses else 200
            if status == 200:
                posted.append(json.loads(body))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", posted, statuses
    server.shutdown()
