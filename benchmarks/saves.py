"""The post-mortem save path at N concurrent writers: what the form does on "Save draft", timed.

Run: .venv/bin/python benchmarks/saves.py --db COPY.duckdb [--writers 20] [--each 10]
(benchmarks/load.py runs it on a copy of the enterprise demo: a running server holds the file.)
Each writer is one editor writing `each` post-mortems through the form's calls: the fields
kept as a draft while typing (not timed, but competing for the write lock), then "Save draft"
(timed): the lesson with its follow-up action saved and the draft forgotten, in one
transaction. Every save is then checked to be stored exactly once. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import secrets
import statistics
import threading
import time
from typing import Any

from data_layer.access import auth
from data_layer.book import drafts
from data_layer.book import postmortems as book
from data_layer.db.migrations import open_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--each", type=int, default=10)
    args = parser.parse_args()
    with open_database(args.db) as store:
        actor = auth.active_actor(store, "editor@demo.example")
        assert actor is not None, "the demo's editor account is missing"
        section = str(store.query_value("SELECT min(section_id) FROM sections"))
        owner = str(store.query_value("SELECT min(person_id) FROM people"))
        run = secrets.token_hex(4)  # this run's saves, told apart from earlier runs' on the same file
        times: list[float] = []
        saved: list[str] = []
        failures: list[str] = []
        start = threading.Barrier(args.writers)

        def writer(w: int) -> None:
            start.wait()
            for i in range(args.each):
                form_key = book.new_id("L")
                data = book.LessonInput(
                    title=f"Load test {run} {w}-{i}", section=section, occurred_on=dt.date(2026, 11, 1),
                    learning_goal="Whether saves queue", what_happened="Twenty editors saved at once.",
                    outcome="worked", lessons="They did not.", recommendations="Keep it so.", tags=["load"],
                    actions=[book.ActionInput("Check again", owner, dt.date(2026, 12, 1))])
                try:
                    # typing: the form keeps its fields as a draft (autosave, as the person writes)
                    drafts.save(store, actor, form_key, {"title": data.title}, 0, {})
                    t0 = time.perf_counter()  # "Save draft": the lesson saved, the draft forgotten
                    lesson_id = book.save_lesson(store, actor, data, form_id=form_key, draft_key=form_key)
                except Exception as exc:  # noqa: BLE001 - counted and shown
                    failures.append(repr(exc)[:200])
                    continue
                times.append(time.perf_counter() - t0)
                saved.append(lesson_id)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(args.writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stored = dict(store.query("SELECT lesson_id, count(*) FROM lessons WHERE title LIKE ? "
                                  "GROUP BY lesson_id", [f"Load test {run} %"]))
        drafts_left = store.query_value("SELECT count(*) FROM drafts WHERE payload LIKE ?", [f"%Load test {run} %"])
    ordered = sorted(times)
    out: dict[str, Any] = {
        "writers": args.writers, "saves": len(times), "failures": len(failures), "first_failures": failures[:3],
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "stored_exactly_once": len(stored) == len(saved) == len(set(saved)) and all(n == 1 for n in stored.values()),
        "drafts_left": drafts_left,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
