"""Forty at once on one server (issue 22): production settings, DuckDB's limits, writes that do not
queue (a save is one transaction, the write lock is granted in arrival order, session touches are
written off the page's path) and charts drawn with less work but the very same spec."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from dashboard import charts, serve
from dashboard.chart_speed import _original_init, unvalidated
from dashboard.store import close_all, store_for
from data_layer.access import auth, sessions
from data_layer.book import drafts
from data_layer.book import postmortems as book
from data_layer.db.store import FairLock, Store
from data_layer.domain.errors import InvalidData

from .conftest import USERS, add_test_users

EDITOR = auth.Actor(USERS["editor"], "editor")


# ---------------------------------------------------------------------------- server settings
def test_the_server_runs_without_file_watcher_or_post_run_gc_unless_in_development(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(serve.DEV_ENV, raising=False)
    options = serve.server_options([])
    assert "--server.fileWatcherType=none" in options and "--server.runOnSave=false" in options
    assert "--runner.postScriptGC=false" in options
    assert "--client.showErrorDetails=none" in options  # the safety settings stay
    # An option given on the command line wins.
    assert "--server.fileWatcherType=none" not in serve.server_options(["--server.fileWatcherType=poll"])
    monkeypatch.setenv(serve.DEV_ENV, "1")
    dev = serve.server_options([])
    assert not any("fileWatcherType" in o or "runOnSave" in o or "postScriptGC" in o for o in dev)
    assert "--client.showErrorDetails=none" in dev


def test_duckdb_gets_its_memory_limit_and_threads_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                                       tmp_path: Path) -> None:
    monkeypatch.delenv("LEARNING_CULTURE_DUCKDB_MEMORY", raising=False)
    monkeypatch.delenv("LEARNING_CULTURE_DUCKDB_THREADS", raising=False)
    with Store() as default:  # the command line: DuckDB's own limit, explicit threads
        assert default.query_value("SELECT current_setting('threads')") == os.cpu_count()
    store_for(str(tmp_path / "server.duckdb"))  # the dashboard's server: 500MB unless told otherwise
    with Store() as server:
        assert server.query_value("SELECT current_setting('memory_limit')") == "476.8 MiB"  # 500 MB as DuckDB prints it
    close_all()
    monkeypatch.setenv("LEARNING_CULTURE_DUCKDB_MEMORY", "2GB")
    monkeypatch.setenv("LEARNING_CULTURE_DUCKDB_THREADS", "1")
    with Store() as tuned:
        assert tuned.query_one("SELECT current_setting('memory_limit'), current_setting('threads')") == ("1.8 GiB", 1)


# ---------------------------------------------------------------------------- the write lock
def test_the_write_lock_is_granted_in_the_order_it_was_asked_for() -> None:
    lock = FairLock()
    order: list[int] = []
    lock.__enter__()  # held while five writers line up one after another
    threads = []
    for i in range(5):
        t = threading.Thread(target=lambda i=i: (lock.__enter__(), order.append(i), lock.__exit__()))
        t.start()
        threads.append(t)
        deadline = time.time() + 5
        while len(lock._waiting) < i + 1 and time.time() < deadline:  # writer i is in the queue
            time.sleep(0.001)
    with lock:  # re-entrant for its owner
        pass
    lock.__exit__()
    for t in threads:
        t.join(5)
    assert order == [0, 1, 2, 3, 4]


# ---------------------------------------------------------------------------- saves
@pytest.fixture
def lib(small_store: Store) -> Store:
    add_test_users(small_store)
    return small_store


def lesson_input(title: str = "Partner webinar for SDRs") -> book.LessonInput:
    return book.LessonInput(
        title=title, section="partnerships", occurred_on="2026-05-20", learning_goal="Whether SDRs book meetings",
        what_happened="Forty attended", outcome="worked", lessons="Invite partners", recommendations="Monthly",
        tags=["webinar"], cohort_id="c2", actions=[book.ActionInput("Book the next date", "p5", "2026-06-15")])


@contextmanager
def counting_transactions(store: Store) -> Iterator[list[int]]:
    count = [0]
    original = store.transaction

    @contextmanager
    def counted():  # type: ignore[no-untyped-def]
        count[0] += 1
        with original() as tx:
            yield tx

    store.transaction = counted  # type: ignore[method-assign]
    try:
        yield count
    finally:
        store.transaction = original  # type: ignore[method-assign]


def test_saving_a_post_mortem_from_its_form_is_one_transaction_that_forgets_the_draft(lib: Store) -> None:
    drafts.save(lib, EDITOR, "L-form1", {"title": "Partner webinar for SDRs"}, 0, {})
    with counting_transactions(lib) as count:
        lesson_id = book.save_lesson(lib, EDITOR, lesson_input(), form_id="L-form1", draft_key="L-form1")
    assert count == [1]
    assert lesson_id == "L-form1" and drafts.load(lib, "L-form1") is None
    assert lib.query("SELECT description, owner_id FROM actions WHERE lesson_id = 'L-form1'") == [
        ("Book the next date", "p5")]
    assert lib.query("SELECT action FROM audit_log WHERE entity_id = 'L-form1'") == [("create",)]


def test_a_refused_save_writes_nothing_and_keeps_the_draft(lib: Store) -> None:
    drafts.save(lib, EDITOR, "L-form2", {"title": "x"}, 0, {})
    bad = lesson_input()
    bad.section = "no-such-section"
    bad.actions = [book.ActionInput("Someone", "nobody-we-know", "2026-06-15")]
    with pytest.raises(InvalidData) as refused:
        book.save_lesson(lib, EDITOR, bad, form_id="L-form2", draft_key="L-form2")
    assert {p.field for p in refused.value.problems} == {"section", "actions.1.owner_id"}
    assert drafts.load(lib, "L-form2") is not None
    assert lib.query_value("SELECT count(*) FROM lessons WHERE lesson_id = 'L-form2'") == 0


def test_twenty_editors_saving_at_once_store_every_save_exactly_once(lib: Store) -> None:
    before = lib.query_value("SELECT count(*) FROM lessons")
    saved: list[str] = []
    start = threading.Barrier(20)

    def editor(i: int) -> None:
        start.wait()
        for j in range(3):
            key = f"L-w{i}-{j}"
            drafts.save(lib, EDITOR, key, {"title": key}, 0, {})
            saved.append(book.save_lesson(lib, EDITOR, lesson_input(key), form_id=key, draft_key=key))
            # a double click: the same form saved again edits its lesson, never a second one
            book.save_lesson(lib, EDITOR, lesson_input(key), form_id=key, draft_key=key)

    threads = [threading.Thread(target=editor, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(saved) == sorted(f"L-w{i}-{j}" for i in range(20) for j in range(3))
    assert lib.query_value("SELECT count(*) FROM lessons") == before + 60
    assert lib.query_value("SELECT count(*) FROM actions WHERE lesson_id LIKE 'L-w%'") == 60
    assert lib.query_value("SELECT count(*) FROM drafts WHERE form_key LIKE 'L-w%'") == 0


# ---------------------------------------------------------------------------- session touches
def test_a_page_run_does_not_wait_for_the_write_lock_to_touch_its_session(lib: Store) -> None:
    now = dt.datetime(2026, 5, 1, 9, 0)
    token = sessions.redeem(lib, sessions.open_tab(lib, USERS["viewer"], now), now)
    later = now + dt.timedelta(hours=1)  # a touch is due
    holding, release = threading.Event(), threading.Event()

    def long_write() -> None:
        with lib.transaction():
            holding.set()
            release.wait(10)

    writer = threading.Thread(target=long_write)
    writer.start()
    holding.wait(5)
    started = time.perf_counter()
    assert sessions.cookie_email(lib, token, later, dt.timedelta(hours=12)) == USERS["viewer"]
    waited = time.perf_counter() - started
    release.set()
    writer.join(10)
    assert waited < 2.0  # the write lock was held throughout: the run did not queue behind it
    sessions.flush_touches()
    assert lib.query_value("SELECT last_used_at FROM sessions WHERE kind = 'session'") == later


# ---------------------------------------------------------------------------- charts
def test_charts_have_the_same_spec_with_the_speedups() -> None:
    weeks = pd.DataFrame({"week_start": pd.date_range("2026-01-05", periods=8, freq="W-MON"),
                          "week": [f"2026-W{i:02d}" for i in range(1, 9)], "rate": [0.1 * i for i in range(8)],
                          "active": list(range(8))})
    marks = pd.DataFrame({"day": pd.to_datetime(["2026-01-20", "2026-02-10"]), "label": ["Cohort A", "A lesson"],
                          "kind": ["cohort", "lesson"]})
    funnel = pd.DataFrame({"stage": ["Enrolled", "Assessed"], "members": [10, 7]})

    def build() -> list[alt.TopLevelMixin]:
        return [charts.funnel_chart(funnel), charts.with_markers(charts.weekly_active_chart(weeks), marks,
                                                                 by_month=False)]

    fast = [unvalidated(c).to_dict() for c in build()]
    with alt.utils.schemapi.debug_mode(True):  # Altair as it is out of the box: validated everywhere
        slow = [c.to_dict(validate=True) for c in build()]
    assert fast == slow
    # The memoised schema table is the one Altair builds afresh.
    classes = tuple(alt.Chart._default_wrapper_classes())
    fresh = object.__new__(alt.utils.schemapi._FromDict)
    _original_init(fresh, classes)
    assert dict(alt.utils.schemapi._FromDict(classes).class_dict) == dict(fresh.class_dict)


# ---------------------------------------------------------------------------- memory
def test_memory_freed_after_a_burst_goes_back_to_the_system() -> None:
    before = serve._rss_mb()
    # About 300 MB of 2 kB values (malloc's heap, not Python's small-object arenas), and one value
    # made after them that stays: glibc keeps the freed heap below it for reuse.
    burst = [bytes(2000) + str(i).encode() for i in range(150_000)]
    survivor = bytes(3000)
    grown = serve._rss_mb()
    del burst
    assert serve._rss_mb() - before > (grown - before) / 2  # freed, but still resident
    after = serve.hand_back_memory(before)
    assert after - before < (grown - before) / 4  # handed back
    assert serve.hand_back_memory(after) == pytest.approx(after, abs=20)  # steady: nothing to do
    assert survivor


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_memory_duckdb_freed_after_a_large_import_goes_back_to_the_system(tmp_path: Path) -> None:
    # An import stages the whole file in temporary tables; once they are gone DuckDB's allocator must give
    # the pages back (without its background threads they stayed resident: 590 MB against 184 MB).
    with Store(tmp_path / "big.duckdb") as store:
        assert store.query_value("SELECT current_setting('allocator_background_threads')") is True
        before = _rss_mb()
        with store.session() as tx:
            tx.execute("CREATE TEMP TABLE staged AS SELECT i, 'event-' || i || repeat('x', 20) AS v "
                       "FROM range(6000000) t(i)")
            assert tx.query("SELECT count(*) FROM staged")[0][0] == 6_000_000
            tx.execute("DROP TABLE staged")
        grown = _rss_mb() - before
        assert grown > 150  # the staging really took memory (else this test shows nothing)
        deadline = time.monotonic() + 20
        while _rss_mb() - before > 60 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _rss_mb() - before <= 60, f"{_rss_mb() - before:.0f} MB still held of {grown:.0f} MB"
