"""Start the dashboard: `python -m dashboard.serve [streamlit options] [-- --db PATH --today D]`.

Why not plain `streamlit run`: a folder named `pages/` next to the entrypoint makes Streamlit
serve the first request of a fresh server in its legacy multipage mode, which runs a page
file directly (bypassing streamlit_app.py's sign-in and role-based navigation) and lists
every page file in the sidebar. Every page guards itself, so nothing leaks, but we switch
that legacy mode off before the first session so the entrypoint always decides.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import sys
import threading
from pathlib import Path
from typing import Any

# NumPy's BLAS threads spin while they wait; with many sessions at once the parallelism is in the
# sessions, so one thread each (the cohort effect's bootstrap took twice the CPU-seconds with two).
# Set before anything imports NumPy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ENTRYPOINT = Path(__file__).resolve().parent.parent / "streamlit_app.py"
SAFE_OPTIONS = {"client.showErrorDetails": "none", "client.disableDataExport": "true"}
DEV_ENV = "LEARNING_CULTURE_DEV"
# A server for people, not for editing the code: Streamlit's file watcher re-scanned the app's
# modules and set up watches for every new session (36-38 % of the server's GIL time under
# load), and a full gc.collect() after every script run took another 31-32 %. Measured with
# benchmarks/load.py: without the collection a page load costs less CPU and the server's
# memory stayed between 483 and 715 MB over 600+ loads, rising with the bounded page caches
# (reference cycles are still collected by Python's generational GC as they arise), so it is off. `make dev` (LEARNING_CULTURE_DEV=1) keeps
# Streamlit's defaults: reload on save.
# No page uses Streamlit's "magic" (a bare expression written to the page), whose AST rewrite
# cost about 35 ms per page file compiled.
PRODUCTION_OPTIONS = {"server.fileWatcherType": "none", "server.runOnSave": "false",
                      "runner.postScriptGC": "false", "runner.magicEnabled": "false"}


def development_mode() -> bool:
    """True when LEARNING_CULTURE_DEV is set (1, true, yes): the server reloads code as it changes."""
    return os.environ.get(DEV_ENV, "").strip().lower() in ("1", "true", "yes")


def server_options(given: list[str]) -> list[str]:
    """Command-line options for Streamlit: the safety settings always, the production settings unless
    in development mode; an option given on the command line wins."""
    wanted = dict(SAFE_OPTIONS)
    if not development_mode():
        wanted.update(PRODUCTION_OPTIONS)
    return [f"--{k}={v}" for k, v in wanted.items() if not any(a.startswith(f"--{k}") for a in given)]


def disable_legacy_pages_folder() -> None:
    """Make Streamlit ignore the `pages/` folder from the very first run (also used by tests)."""
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, "_lcd_patched", False):
        return
    original = PagesManager.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = __init__  # type: ignore[method-assign]
    PagesManager.uses_pages_directory = False
    PagesManager._lcd_patched = True  # type: ignore[attr-defined]


def keep_compiled_pages() -> None:
    """Keep the compiled page scripts for the life of the server (production only).

    Streamlit forgets them whenever the last session closes, in case a file changed meanwhile,
    so at low traffic every page load compiled its scripts again. Without the file watcher the
    code cannot change under a running server: a new version means a restart.
    """
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    ScriptCache.clear = lambda self: None  # type: ignore[method-assign]


TRIM_SECONDS = 20.0
TRIM_ABOVE_MB = 64


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None  # not glibc: nothing to ask


def hand_back_memory(low_mb: float) -> float:
    """If resident memory is more than TRIM_ABOVE_MB above `low_mb` (the lowest seen), collect
    garbage once and ask glibc to release its free pages; the resident memory now."""
    now = _rss_mb()
    trim = _malloc_trim()
    if now - low_mb > TRIM_ABOVE_MB and trim is not None:
        gc.collect()
        trim(0)
        now = _rss_mb()
    return now


def return_memory(stop: threading.Event) -> None:
    """Give freed memory back to the system after a burst (an upload, an import, many sessions).

    Python and glibc keep freed memory for reuse, so a server that read a 100 MB upload stayed
    near its peak for good. Every TRIM_SECONDS, while resident memory is more than TRIM_ABOVE_MB
    above the lowest it has been: one garbage collection and malloc_trim (at most one collection
    per TRIM_SECONDS, against one after every script run that Streamlit's postScriptGC made).
    """
    low = _rss_mb()
    while not stop.wait(TRIM_SECONDS):
        low = min(low, hand_back_memory(low))


def announce_first_run() -> None:
    """On an empty database, print a fresh one-time setup code before serving (the setup page asks for it)."""
    from data_layer.access import auth
    from data_layer.db.migrations import open_database
    from data_layer.domain.config import resolve_db_path
    from data_layer.domain.errors import StoreError

    try:
        with open_database(resolve_db_path(None)) as store:
            code = auth.issue_setup_code(store)
    except StoreError:
        return  # the dashboard will say what is wrong with the database, in a sentence
    if code is not None:
        print(f"First run: the setup code is {code} (enter it on the dashboard's setup page).", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Run the server (streamlit_app.py's st.App: the dashboard plus our routes) with the given arguments.

    Arguments after `--` (`--db PATH`, `--today D`) become LEARNING_CULTURE_DB and
    LEARNING_CULTURE_TODAY, so the dashboard and the server's routes read the same settings.
    """
    disable_legacy_pages_folder()
    from streamlit.web import cli

    extra = list(sys.argv[1:] if argv is None else argv)
    if "--" in extra:
        at = extra.index("--")
        extra, app_args = extra[:at], extra[at + 1:]
        for flag, env in (("--db", "LEARNING_CULTURE_DB"), ("--today", "LEARNING_CULTURE_TODAY")):
            if flag in app_args and app_args.index(flag) + 1 < len(app_args):
                os.environ[env] = str(Path(app_args[app_args.index(flag) + 1]).resolve()) if flag == "--db" \
                    else app_args[app_args.index(flag) + 1]
    announce_first_run()
    if not development_mode():
        keep_compiled_pages()
        threading.Thread(target=return_memory, args=(threading.Event(),), name="return-memory", daemon=True).start()
    # Safety settings hold wherever the server is started from (also set in .streamlit/config.toml).
    sys.argv = ["streamlit", "run", str(ENTRYPOINT), *server_options(extra), *extra]
    cli.main()


if __name__ == "__main__":
    main()
